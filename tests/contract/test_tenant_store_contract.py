"""Per-tenant settings storage: one contract, every backend (memory, SQLite, DynamoDB)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tenantlog.core.tenants import TenantSettings, TenantStore
from tenantlog.db.sqlite import SqliteDatabase

pytestmark = pytest.mark.anyio

AT = "2024-01-01T00:00:00.000Z"

EVERYTHING = TenantSettings(
    "acme",
    rate_limit=250.5,
    burst=1000,
    retention_days=30,
    store_original=False,
    redaction_detectors=("phone", "email"),
    redaction_style="typed",
    # not in name order: the order decides between two rules matching at one place
    redaction_rules=(("zeta", r"Z-\d+"), ("employee_id", r"(?i)e\d{6}")),
    redaction_deny=("Project Falcon", "Ünïcode ☃"),
    updated_at=AT,
)


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
async def tenants(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[TenantStore]:
    made: TenantStore
    database = None
    if request.param == "memory":
        from tenantlog.tenants.memory import MemoryTenantStore

        made = MemoryTenantStore()
    elif request.param == "sqlite":
        from tenantlog.tenants.sqlite import SqliteTenantStore

        database = await SqliteDatabase.open(tmp_path)
        made = SqliteTenantStore(database)
    else:
        from tests.support.aws_emulator import make_dynamodb_tenant_store

        made = await make_dynamodb_tenant_store()
    yield made
    await made.close()
    if database is not None:
        await database.close()


async def test_a_tenant_nobody_set_has_no_settings(tenants: TenantStore) -> None:
    assert await tenants.get("acme") is None
    assert await tenants.list() == []


async def test_every_setting_round_trips(tenants: TenantStore) -> None:
    await tenants.put(EVERYTHING)

    assert await tenants.get("acme") == EVERYTHING


async def test_only_what_was_set_is_kept_and_the_rest_stays_the_default(
    tenants: TenantStore,
) -> None:
    only_burst = TenantSettings("acme", burst=5, updated_at=AT)

    await tenants.put(only_burst)

    assert await tenants.get("acme") == only_burst


async def test_put_replaces_the_settings_whole(tenants: TenantStore) -> None:
    # GIVEN a tenant with every setting
    await tenants.put(EVERYTHING)
    # WHEN its settings are replaced by fewer (the others reset to the default)
    fewer = TenantSettings("acme", rate_limit=10.0, updated_at="2024-01-02T00:00:00.000Z")
    await tenants.put(fewer)
    # THEN only those are left
    assert await tenants.get("acme") == fewer


async def test_a_tenant_with_every_setting_reset_is_still_listed(tenants: TenantStore) -> None:
    await tenants.put(EVERYTHING)

    await tenants.put(TenantSettings("acme", updated_at=AT))

    assert await tenants.get("acme") == TenantSettings("acme", updated_at=AT)
    assert [s.tenant_id for s in await tenants.list()] == ["acme"]


@pytest.mark.parametrize(
    "settings",
    [
        # falsy values are values, not "unset"
        TenantSettings("acme", rate_limit=0.0, retention_days=0, store_original=False),
        TenantSettings("acme", redaction_detectors=()),  # redact nothing
        TenantSettings("acme", rate_limit=0.001, burst=1),
        TenantSettings("acme", rate_limit=1_000_000_000.0, burst=1_000_000_000),
        TenantSettings("acme", rate_limit=1 / 3),
        # the caps: 32 rules of 1,000 characters (3 bytes each), 1,000 deny entries
        # of 200 bytes
        TenantSettings(
            "acme",
            redaction_rules=tuple((f"r{i:02d}", f"{i:02d}" + "☃" * 998) for i in range(32)),
            redaction_deny=tuple(f"{i:04d}" + "ü" * 98 for i in range(1000)),
        ),
        TenantSettings("acme", redaction_rules=(("quotes", "\"'\\[\\]{2}"),)),
    ],
    ids=[
        "zeros",
        "no-detectors",
        "smallest",
        "largest",
        "repeating-fraction",
        "largest-rules",
        "rule-quoting",
    ],
)
async def test_edge_values_round_trip_exactly(
    tenants: TenantStore, settings: TenantSettings
) -> None:
    await tenants.put(settings)

    assert await tenants.get("acme") == settings


async def test_a_whole_rate_comes_back_as_a_float(tenants: TenantStore) -> None:
    await tenants.put(TenantSettings("acme", rate_limit=100.0))

    got = await tenants.get("acme")

    assert got is not None and got.rate_limit == 100.0
    assert isinstance(got.rate_limit, float)


async def test_tenants_are_independent_and_listed_by_tenant_id(tenants: TenantStore) -> None:
    # GIVEN three tenants, set out of order, one of them twice
    await tenants.put(TenantSettings("zeta", burst=3))
    await tenants.put(TenantSettings("acme", burst=1))
    await tenants.put(TenantSettings("m.y_t-1", rate_limit=2.0))
    await tenants.put(TenantSettings("acme", burst=2))
    # THEN each has its own settings, and the list is in tenant order
    assert await tenants.list() == [
        TenantSettings("acme", burst=2),
        TenantSettings("m.y_t-1", rate_limit=2.0),
        TenantSettings("zeta", burst=3),
    ]
    assert await tenants.get("zeta") == TenantSettings("zeta", burst=3)
    assert await tenants.get("other") is None


async def test_tenant_ids_are_exact(tenants: TenantStore) -> None:
    await tenants.put(TenantSettings("Acme", burst=1))

    assert await tenants.get("acme") is None
    assert await tenants.get("Acme") == TenantSettings("Acme", burst=1)
