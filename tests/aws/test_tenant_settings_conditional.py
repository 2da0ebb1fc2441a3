"""DynamoDB tenant settings written conditionally, with logs stored: a change of write
shards racing ``tenants reshard``'s last step leaves every log readable, and an error
other than the condition stays an unavailable store. The contract for every backend is
tests/contract/test_tenant_settings_race_contract.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tenantlog.audit.memory import MemoryAuditLog
from tenantlog.aws.clients import make_client
from tenantlog.core.tenants import (
    InvalidTenantSetting,
    TenantSettings,
    TenantSettingsChanged,
    TenantStoreUnavailable,
    forget_past_write_shards,
    set_tenant_settings,
)
from tenantlog.store.dynamodb import DynamoDbStore
from tenantlog.store.dynamodb_reshard import move_to_layout
from tenantlog.store.dynamodb_shards import ShardPlan
from tenantlog.tenants.dynamodb import DynamoDbTenantStore, create_tenants_table
from tests.support.aws_emulator import REGION, create_table
from tests.support.factories import make_record
from tests.support.tenant_races import HeldReads, between_read_and_write

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

pytestmark = pytest.mark.anyio


async def test_a_write_shards_change_racing_the_reshard_leaves_every_log_readable(
    moto_server: str, dynamodb: DynamoDBClient
) -> None:
    # GIVEN a tenant moved from 1 to 4 write shards, with logs under both layouts, and a
    # store that reads the tenant's layouts afresh for each call (as every process does
    # once its plan is older than its cache bound)
    tenants = DynamoDbTenantStore(
        make_client("dynamodb", REGION, 4), create_table(create_tenants_table)
    )

    async def plans(tenant_id: str) -> ShardPlan:
        return ShardPlan.of(await tenants.get(tenant_id))

    store = DynamoDbStore(make_client("dynamodb", REGION, 8), create_table(), shard_plans=plans)
    audit = MemoryAuditLog()
    try:
        written = [make_record(log_id=f"one-{n:02d}") for n in range(10)]
        for record in written:
            assert await store.put_if_absent(record) is True
        await set_tenant_settings(tenants, audit, "acme", changes={"write_shards": 4}, actor="op")
        for n in range(10):
            written.append(make_record(log_id=f"four-{n:02d}"))
            assert await store.put_if_absent(written[-1]) is True
        # WHEN the reshard moves the logs to the keys of 4, and write_shards becomes 8 (with
        # logs written under it) between its last read of the settings and its write
        moved = await tenants.get("acme")
        assert moved is not None
        assert (
            sum(
                page.left
                for page in move_to_layout(dynamodb, store._table, "acme", ShardPlan.of(moved))
            )
            == 0
        )

        async def change_and_write() -> None:
            await set_tenant_settings(
                tenants, audit, "acme", changes={"write_shards": 8}, actor="op"
            )
            for n in range(20):
                written.append(make_record(log_id=f"eight-{n:02d}"))
                assert await store.put_if_absent(written[-1]) is True

        held = HeldReads(tenants)
        done = await between_read_and_write(
            held, forget_past_write_shards(held, audit, moved, actor="reshard"), change_and_write()
        )

        # THEN the reshard forgets nothing, and every log is still found
        with pytest.raises(InvalidTenantSetting, match="changed while the logs were moved"):
            done.result()
        assert ShardPlan.of(await tenants.get("acme")).layouts == (1, 4, 8)
        for record in written:
            assert await store.get("acme", record.log_id) == record
        listed = await store.list("acme", 100, None, None)
        assert sorted(r.log_id for r in listed.items) == sorted(r.log_id for r in written)
    finally:
        await store.close()
        await tenants.close()


async def test_an_error_other_than_the_condition_is_an_unavailable_store(
    moto_server: str,
) -> None:
    # A table that is not there: the write fails as the service failing, not as the
    # settings having changed (which a caller would retry as if it could succeed).
    tenants = DynamoDbTenantStore(make_client("dynamodb", REGION, 2), "tenantlog-not-there")
    try:
        with pytest.raises(TenantStoreUnavailable, match="ResourceNotFoundException") as caught:
            await tenants.put_if_unchanged(TenantSettings("acme", burst=1), None)
        assert not isinstance(caught.value, TenantSettingsChanged)
    finally:
        await tenants.close()
