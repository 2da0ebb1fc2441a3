"""``tenantlog logs`` with search options, as a user runs it."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from tenantlog.db.sqlite import SqliteDatabase
from tenantlog.store.sqlite import SqliteStore
from tests.support.cli import tenantlog, tenantlog_json
from tests.support.factories import make_record


def stored(data_dir: Path) -> None:
    """Logs of acme at 10:00, 10:01, ... with every other one an error of service pay."""

    async def put() -> None:
        database = await SqliteDatabase.open(data_dir)
        store = SqliteStore(database)
        for n in range(6):
            record = replace(
                make_record(log_id=f"id{n}", text=f"request {n} TimeOut"),
                timestamp=f"2024-01-01T10:0{n}:00.000000000Z",
                severity="ERROR" if n % 2 else "info",
                attributes={"service": "pay" if n % 2 else "auth"},
            )
            assert await store.put_if_absent(record)
        await database.close()

    asyncio.run(put())


def test_cli_logs_searches_like_the_http_api(tmp_path: Path) -> None:
    stored(tmp_path)

    found = tenantlog_json(
        "logs",
        "acme",
        "--since",
        "2024-01-01T10:02:00Z",
        "--severity",
        "error",
        "--attr",
        "service=pay",
        "--grep",
        "timeout",
        data_dir=tmp_path,
    )
    everything = tenantlog_json("logs", "acme", "--all", "--limit", "1", data_dir=tmp_path)

    assert [r["log_id"] for r in found["items"]] == ["id5", "id3"]  # newest first
    assert [r["log_id"] for r in everything["items"]] == [f"id{n}" for n in range(6)]


def test_cli_logs_malformed_option_is_named(tmp_path: Path) -> None:
    stored(tmp_path)

    for option, value, named in [
        ("--since", "yesterday", "invalid since"),
        ("--attr", "service", "invalid --attr 'service'"),
    ]:
        result = tenantlog("logs", "acme", option, value, data_dir=tmp_path, check=False)
        assert result.returncode == 2
        assert named in result.stderr
