"""A change of tenant settings made again when another lands first, and the limits of it:
the attempts it gives up after, the version every write moves on, the processes that
share one SQLite file, and the store that refuses every write."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tenantlog.audit.memory import MemoryAuditLog
from tenantlog.backends import TenantsNotConfigured
from tenantlog.core.tenants import (
    CHANGE_ATTEMPTS,
    TenantSettings,
    TenantSettingsChanged,
    TenantStoreUnavailable,
    forget_past_write_shards,
    set_tenant_settings,
)
from tenantlog.db.sqlite import SqliteDatabase
from tenantlog.tenants.memory import MemoryTenantStore
from tenantlog.tenants.sqlite import SqliteTenantStore

pytestmark = pytest.mark.anyio


class BusyStore(MemoryTenantStore):
    """A store where another writer changes the tenant's rate limit right after each of
    the first ``busy`` reads: every change made from those reads is stale."""

    def __init__(self, busy: int) -> None:
        super().__init__()
        self.busy = busy
        self.reads = 0

    async def get(self, tenant_id: str) -> TenantSettings | None:
        found = await super().get(tenant_id)
        self.reads += 1
        if self.reads <= self.busy:
            stamp = f"2024-01-01T00:00:{self.reads:02d}.000Z"
            other = replace(
                found or TenantSettings(tenant_id), rate_limit=float(self.reads), updated_at=stamp
            )
            await self.put(other)
        return found


async def test_a_change_is_made_again_from_each_newer_read_until_it_is_written() -> None:
    store = BusyStore(busy=CHANGE_ATTEMPTS - 1)
    audit = MemoryAuditLog()

    changed = await set_tenant_settings(store, audit, "acme", changes={"burst": 9}, actor="op")

    assert store.reads == CHANGE_ATTEMPTS
    assert (changed.rate_limit, changed.burst) == (float(CHANGE_ATTEMPTS - 1), 9)
    assert await store.get("acme") == changed
    assert len((await audit.list(10)).events) == 1


async def test_a_change_that_never_gets_through_gives_up_and_writes_nothing() -> None:
    store = BusyStore(busy=CHANGE_ATTEMPTS)
    audit = MemoryAuditLog()

    with pytest.raises(TenantSettingsChanged, match=f"changed {CHANGE_ATTEMPTS} times") as caught:
        await set_tenant_settings(store, audit, "acme", changes={"burst": 9}, actor="op")

    # one of the store's unavailabilities: the CLI and the API report it as such
    assert isinstance(caught.value, TenantStoreUnavailable)
    stored = await store.get("acme")
    assert stored is not None and stored.burst is None
    assert (await audit.list(10)).events == []


async def test_forgetting_layouts_gives_up_the_same_way() -> None:
    store = BusyStore(busy=0)
    audit = MemoryAuditLog()
    await set_tenant_settings(store, audit, "acme", changes={"write_shards": 4}, actor="op")
    moved = await store.get("acme")
    assert moved is not None
    store.reads, store.busy = 0, CHANGE_ATTEMPTS  # each read is followed by a rate change

    with pytest.raises(TenantSettingsChanged):
        await forget_past_write_shards(store, audit, moved, actor="reshard")


async def test_updated_at_moves_on_even_when_the_stored_one_is_ahead_of_the_clock() -> None:
    # GIVEN settings whose updated_at is later than now (a clock that was ahead)
    store = MemoryTenantStore()
    await store.put(TenantSettings("acme", burst=1, updated_at="2999-12-31T23:59:59.999Z"))
    # WHEN they are changed
    changed = await set_tenant_settings(
        store, MemoryAuditLog(), "acme", changes={"burst": 2}, actor="op"
    )
    # THEN the new version is the next millisecond, not the clock's (earlier) time
    assert changed.updated_at == "3000-01-01T00:00:00.000Z"


async def test_an_updated_at_no_change_could_have_written_is_replaced_by_now() -> None:
    store = MemoryTenantStore()
    await store.put(TenantSettings("acme", burst=1, updated_at="yesterday"))

    changed = await set_tenant_settings(
        store, MemoryAuditLog(), "acme", changes={"burst": 2}, actor="op"
    )

    assert changed.updated_at is not None and changed.updated_at.startswith("20")


async def test_a_change_from_another_process_on_the_same_sqlite_file_is_not_overwritten(
    tmp_path: Path,
) -> None:
    # GIVEN two processes' connections to one database file (the API and an operator's CLI)
    api = await SqliteDatabase.open(tmp_path)
    cli = await SqliteDatabase.open(tmp_path)
    try:
        first, second = SqliteTenantStore(api), SqliteTenantStore(cli)
        await set_tenant_settings(first, MemoryAuditLog(), "acme", changes={"burst": 1}, actor="a")
        read = await first.get("acme")
        assert read is not None
        # WHEN the other process changes the settings after this one read them
        await set_tenant_settings(second, MemoryAuditLog(), "acme", changes={"burst": 2}, actor="b")
        # THEN a write made from the stale read is refused, and the change stays
        with pytest.raises(TenantSettingsChanged):
            await first.put_if_unchanged(
                TenantSettings("acme", burst=3, updated_at="2999-01-01T00:00:00.000Z"), read
            )
        stored = await first.get("acme")
        assert stored is not None and stored.burst == 2
    finally:
        await cli.close()
        await api.close()


async def test_a_deployment_without_the_tenants_table_still_names_the_variable() -> None:
    tenants = TenantsNotConfigured("TENANTLOG_DYNAMODB_TENANTS_TABLE")

    with pytest.raises(TenantStoreUnavailable, match="TENANTLOG_DYNAMODB_TENANTS_TABLE"):
        await set_tenant_settings(
            tenants, MemoryAuditLog(), "acme", changes={"burst": 1}, actor="op"
        )
