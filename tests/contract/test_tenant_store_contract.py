"""Per-tenant settings storage: one contract, every backend (memory, SQLite, DynamoDB)."""

from __future__ import annotations

import pytest

from tenantlog.audit.memory import MemoryAuditLog
from tenantlog.core.tenants import (
    SETTING_NAMES,
    InvalidTenantSetting,
    TenantSettings,
    TenantStore,
    forget_past_write_shards,
    set_tenant_settings,
)

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
    write_shards=16,
    past_write_shards=(1, 4),
    updated_at=AT,
)


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


async def test_write_shards_changes_keep_the_layouts_through_resets(tenants: TenantStore) -> None:
    # GIVEN a tenant moved from the default 1 to 4 shards, then to 16
    audit = MemoryAuditLog()
    for shards in (4, 16):
        await set_tenant_settings(
            tenants, audit, "acme", changes={"write_shards": shards}, actor="test"
        )
    # WHEN every setting is reset, and then set to 4 again
    await set_tenant_settings(tenants, audit, "acme", changes={}, reset=SETTING_NAMES, actor="t")
    reset = await tenants.get("acme")
    await set_tenant_settings(tenants, audit, "acme", changes={"write_shards": 4}, actor="test")
    again = await tenants.get("acme")
    # THEN each keeps every layout the tenant's logs may have been written under
    assert reset is not None and again is not None
    assert (reset.write_shards, reset.past_write_shards) == (None, (1, 4, 16))
    assert reset.write_shard_layouts() == (4, 16, 1)
    assert (again.write_shards, again.past_write_shards) == (4, (1, 4, 16))
    assert again.write_shard_layouts() == (1, 16, 4)


async def test_write_shards_refuses_a_ninth_layout_and_changes_nothing(
    tenants: TenantStore,
) -> None:
    audit = MemoryAuditLog()
    for shards in (2, 3, 4, 5, 6, 7, 8):
        await set_tenant_settings(
            tenants, audit, "acme", changes={"write_shards": shards}, actor="test"
        )
    before = await tenants.get("acme")

    with pytest.raises(InvalidTenantSetting, match="at most 8 values in all"):
        await set_tenant_settings(tenants, audit, "acme", changes={"write_shards": 9}, actor="test")

    assert await tenants.get("acme") == before
    # a layout the tenant had is still allowed
    await set_tenant_settings(tenants, audit, "acme", changes={"write_shards": 2}, actor="t")


async def test_forgetting_past_layouts_keeps_the_current_and_refuses_a_change_meanwhile(
    tenants: TenantStore,
) -> None:
    audit = MemoryAuditLog()
    await set_tenant_settings(tenants, audit, "acme", changes={"write_shards": 4}, actor="t")
    moved = await tenants.get("acme")
    assert moved is not None
    # a change between the move and the forgetting: refused, nothing written
    await set_tenant_settings(tenants, audit, "acme", changes={"write_shards": 8}, actor="t")
    with pytest.raises(InvalidTenantSetting, match="changed while the logs were moved"):
        await forget_past_write_shards(tenants, audit, moved, actor="t")
    # the move made for the settings as they are: the older layouts are forgotten
    current = await tenants.get("acme")
    assert current is not None
    await forget_past_write_shards(tenants, audit, current, actor="ops")
    forgotten = await tenants.get("acme")
    assert forgotten is not None
    assert forgotten.write_shard_layouts() == (8,)
    (latest,) = (await audit.list(1)).events
    assert (latest.actor, latest.detail) == ("ops", {"past_write_shards": "forgotten"})
