"""Changes of tenant settings racing each other, on every backend (memory, SQLite, DynamoDB).

A change is written only onto the settings it was made from. The races are driven
step by step: a store wrapper holds one read until the test lets it go, so the
other change lands exactly between that read and its write.
"""

from __future__ import annotations

import pytest

from tenantlog.audit.memory import MemoryAuditLog
from tenantlog.core.tenants import (
    InvalidTenantSetting,
    TenantSettings,
    TenantSettingsChanged,
    TenantStore,
    forget_past_write_shards,
    set_tenant_settings,
)
from tests.support.tenant_races import HeldReads, between_read_and_write

pytestmark = pytest.mark.anyio

FIRST = TenantSettings("acme", burst=5, updated_at="2024-01-01T00:00:00.000Z")
SECOND = TenantSettings("acme", burst=6, updated_at="2024-01-01T00:00:01.000Z")
THIRD = TenantSettings("acme", burst=7, updated_at="2024-01-01T00:00:02.000Z")


# ---- the store's conditional write -----------------------------------------------------


async def test_a_conditional_put_onto_what_is_stored_replaces_it(
    tenants: TenantStore,
) -> None:
    await tenants.put_if_unchanged(FIRST, None)  # a tenant never configured
    await tenants.put_if_unchanged(SECOND, FIRST)

    assert await tenants.get("acme") == SECOND


async def test_a_stale_conditional_put_is_refused_and_changes_nothing(
    tenants: TenantStore,
) -> None:
    # GIVEN settings changed since FIRST was read
    await tenants.put_if_unchanged(FIRST, None)
    await tenants.put_if_unchanged(SECOND, FIRST)
    # WHEN a change made from FIRST is written
    with pytest.raises(TenantSettingsChanged, match="'acme' changed since they were read"):
        await tenants.put_if_unchanged(THIRD, FIRST)
    # THEN it is refused, and the change in between stays
    assert await tenants.get("acme") == SECOND


async def test_a_put_for_a_tenant_never_configured_is_refused_once_it_is(
    tenants: TenantStore,
) -> None:
    await tenants.put_if_unchanged(FIRST, None)

    with pytest.raises(TenantSettingsChanged):
        await tenants.put_if_unchanged(SECOND, None)

    assert await tenants.get("acme") == FIRST


async def test_a_put_onto_settings_that_are_not_stored_is_refused(
    tenants: TenantStore,
) -> None:
    with pytest.raises(TenantSettingsChanged):
        await tenants.put_if_unchanged(SECOND, FIRST)

    assert await tenants.get("acme") is None
    assert await tenants.list() == []


async def test_settings_stored_without_a_time_are_matched_by_a_read_without_one(
    tenants: TenantStore,
) -> None:
    # GIVEN settings written as a copy would, with no updated_at
    untimed = TenantSettings("acme", burst=1)
    await tenants.put(untimed)
    # THEN a change made from them is written once, and a second one made from them is not
    await tenants.put_if_unchanged(FIRST, untimed)
    with pytest.raises(TenantSettingsChanged):
        await tenants.put_if_unchanged(SECOND, untimed)
    assert await tenants.get("acme") == FIRST


# ---- changes racing each other ---------------------------------------------------------


async def test_two_changes_of_different_settings_at_once_both_survive(
    tenants: TenantStore,
) -> None:
    # GIVEN an operator's change read the settings, and another operator's change of
    # another setting is written before the first one writes
    audit = MemoryAuditLog()
    held = HeldReads(tenants)
    first = set_tenant_settings(held, audit, "acme", changes={"rate_limit": 5.0}, actor="one")
    other = set_tenant_settings(tenants, audit, "acme", changes={"burst": 7}, actor="two")

    done = await between_read_and_write(held, first, other)

    # THEN both are kept, and each is in the audit trail once
    assert done.result().burst == 7
    stored = await tenants.get("acme")
    assert stored is not None
    assert (stored.rate_limit, stored.burst) == (5.0, 7)
    events = (await audit.list(10)).events
    assert sorted(event.actor for event in events) == ["one", "two"]


async def test_a_write_shards_change_during_the_forgetting_keeps_every_layout(
    tenants: TenantStore,
) -> None:
    # GIVEN a tenant moved from 1 to 4 write shards, whose logs were all moved to 4
    audit = MemoryAuditLog()
    await set_tenant_settings(tenants, audit, "acme", changes={"write_shards": 4}, actor="t")
    moved = await tenants.get("acme")
    assert moved is not None and moved.write_shard_layouts() == (1, 4)
    # WHEN write_shards becomes 8 after the reshard read the settings and before it wrote
    held = HeldReads(tenants)
    forgetting = forget_past_write_shards(held, audit, moved, actor="reshard")
    change = set_tenant_settings(tenants, audit, "acme", changes={"write_shards": 8}, actor="op")

    done = await between_read_and_write(held, forgetting, change)

    # THEN the reshard sees the change and forgets nothing; logs written under 4 (and 8)
    # are still read
    with pytest.raises(InvalidTenantSetting, match="changed while the logs were moved"):
        done.result()
    stored = await tenants.get("acme")
    assert stored is not None
    assert stored.write_shard_layouts() == (1, 4, 8)


async def test_the_forgetting_during_a_write_shards_change_keeps_the_layout_in_force(
    tenants: TenantStore,
) -> None:
    # GIVEN a change to 8 write shards read the settings (4, after 1), and the reshard
    # forgets layout 1 before that change is written
    audit = MemoryAuditLog()
    await set_tenant_settings(tenants, audit, "acme", changes={"write_shards": 4}, actor="t")
    moved = await tenants.get("acme")
    assert moved is not None
    held = HeldReads(tenants)
    change = set_tenant_settings(held, audit, "acme", changes={"write_shards": 8}, actor="op")
    forgetting = forget_past_write_shards(tenants, audit, moved, actor="reshard")

    done = await between_read_and_write(held, change, forgetting)

    # THEN the change is made again from what the reshard left: 4, where the logs now
    # are, stays a layout, and 1, emptied by the move, stays forgotten
    assert done.result().write_shard_layouts() == (4, 8)
    assert await tenants.get("acme") == done.result()


async def test_another_settings_change_during_the_forgetting_is_kept(
    tenants: TenantStore,
) -> None:
    # GIVEN the reshard read the settings, and a change of the rate limit is written
    # before the reshard writes
    audit = MemoryAuditLog()
    await set_tenant_settings(tenants, audit, "acme", changes={"write_shards": 4}, actor="t")
    moved = await tenants.get("acme")
    assert moved is not None
    held = HeldReads(tenants)
    forgetting = forget_past_write_shards(held, audit, moved, actor="reshard")
    change = set_tenant_settings(tenants, audit, "acme", changes={"rate_limit": 3.0}, actor="op")

    done = await between_read_and_write(held, forgetting, change)

    # THEN the layouts are forgotten all the same, and the rate limit stays
    forgotten = done.result()
    assert forgotten.write_shard_layouts() == (4,)
    assert forgotten.rate_limit == 3.0
    assert await tenants.get("acme") == forgotten


async def test_every_change_writes_a_new_updated_at(tenants: TenantStore) -> None:
    # Changes in quick succession may fall within one millisecond: each still has its own
    # version, so a change made from the first read cannot be written over the second.
    audit = MemoryAuditLog()
    seen: list[str | None] = []
    for burst in range(1, 6):
        changed = await set_tenant_settings(
            tenants, audit, "acme", changes={"burst": burst}, actor="t"
        )
        seen.append(changed.updated_at)

    assert None not in seen
    assert len(set(seen)) == len(seen)
    assert seen == sorted(seen)  # type: ignore[type-var]
