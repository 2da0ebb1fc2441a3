"""``tenantlog tenants usage`` as an operator runs it, on the embedded backend: what the
services flushed into the data directory, per tenant and UTC day."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from tenantlog.core.usage import FIELDS, Counts, window
from tenantlog.db.sqlite import SqliteDatabase
from tenantlog.usage.sqlite import SqliteUsageStore

#: Every TENANTLOG_* default a command would otherwise take from the test's environment.
CLEAN = {name: value for name, value in os.environ.items() if not name.startswith("TENANTLOG_")}
ZERO = dict.fromkeys(FIELDS, 0)


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tenantlog", "tenants", "usage", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env=CLEAN,
        timeout=60,
    )


def run_json(data_dir: Path, *args: str) -> Any:
    result = run(data_dir, *args, "--json")
    assert result.returncode == 0, result.stderr
    return orjson.loads(result.stdout)


def flushed(data_dir: Path, *rows: tuple[str, str, Counts]) -> None:
    """Counts as the services' flushes leave them."""

    async def add() -> None:
        database = await SqliteDatabase.open(data_dir)
        store = SqliteUsageStore(database)
        for tenant, day, counts in rows:
            await store.add(tenant, day, counts)
        await database.close()

    asyncio.run(add())


def test_a_tenants_days_and_every_tenants_totals(tmp_path: Path) -> None:
    # GIVEN counts of two tenants, yesterday and today (UTC)
    yesterday, today = window(time.time(), 2)
    flushed(
        tmp_path,
        ("acme", yesterday, Counts(accepted_logs=10, accepted_bytes=1500, rate_limited_logs=2)),
        ("acme", today, Counts(accepted_logs=5, accepted_bytes=750, stored_logs=14)),
        ("zeta", today, Counts(stored_logs=1, dead_lettered_logs=1)),
    )
    # WHEN the operator asks for one tenant's last two days
    shown = run_json(tmp_path, "acme", "--days", "2")
    # THEN every day is shown, oldest first, as GET /tenants/acme/usage?days=2 shows it
    assert shown == {
        "tenant_id": "acme",
        "days": [
            {"day": yesterday, **ZERO, "accepted_logs": 10, "accepted_bytes": 1500,
             "rate_limited_logs": 2},
            {"day": today, **ZERO, "accepted_logs": 5, "accepted_bytes": 750, "stored_logs": 14},
        ],
    }  # fmt: skip
    # AND without a tenant, every tenant with activity, in totals (as GET /tenants)
    assert run_json(tmp_path, "--days", "2") == {
        "first_day": yesterday,
        "last_day": today,
        "tenants": [
            {"tenant_id": "acme", "accepted_logs": 15, "accepted_bytes": 2250,
             "rate_limited_logs": 2, "stored_logs": 14, "dead_lettered_logs": 0},
            {"tenant_id": "zeta", **ZERO, "stored_logs": 1, "dead_lettered_logs": 1},
        ],
    }  # fmt: skip
    # AND only today's, by default a week
    assert len(run_json(tmp_path, "acme")["days"]) == 7
    assert [t["tenant_id"] for t in run_json(tmp_path, "--days", "1")["tenants"]] == [
        "acme",
        "zeta",
    ]


def test_the_tables_for_people(tmp_path: Path) -> None:
    _, today = window(time.time(), 2)
    flushed(tmp_path, ("acme", today, Counts(accepted_logs=1234, accepted_bytes=56789)))

    one = run(tmp_path, "acme", "--days", "2")
    every = run(tmp_path)

    assert one.returncode == 0, one.stderr
    assert "usage of tenant acme" in one.stdout
    assert "rate-limited" in one.stdout and "dead-lettered" in one.stdout
    assert "56,789" in one.stdout and "total" in one.stdout
    assert every.returncode == 0, every.stderr
    assert "acme" in every.stdout and "1,234" in every.stdout


def test_nothing_counted_yet(tmp_path: Path) -> None:
    assert run_json(tmp_path)["tenants"] == []
    assert "no tenant had any activity" in run(tmp_path).stdout


def test_a_bad_tenant_or_window_exits_2_and_says_why(tmp_path: Path) -> None:
    bad_tenant = run(tmp_path, "not a tenant")
    no_days = run(tmp_path, "acme", "--days", "0")
    too_many = run(tmp_path, "--days", "367")

    assert bad_tenant.returncode == 2
    assert "tenant" in bad_tenant.stderr
    assert no_days.returncode == 2 and "--days" in no_days.stderr
    assert too_many.returncode == 2 and "--days" in too_many.stderr
