"""What the DynamoDB usage store does beyond its contract: the requests infra/iam.tf is
written against (UpdateItem ADD, Query, BatchGetItem; never Scan), paging, and the faults
it turns into UsageUnavailable."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

import pytest

from tenantlog.aws.clients import make_client
from tenantlog.backends import UsageNotConfigured, open_backends
from tenantlog.core.usage import Counts, UsageUnavailable, window
from tenantlog.settings import load_settings
from tenantlog.usage.dynamodb import BY_DAY, DynamoDbUsageStore, create_usage_table
from tests.aws.conftest import CallLog
from tests.support.aws_emulator import REGION, create_table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

pytestmark = pytest.mark.anyio

OpenUsageStore = Callable[..., tuple[DynamoDbUsageStore, CallLog]]


@pytest.fixture
async def open_usage_store(moto_server: str) -> AsyncIterator[OpenUsageStore]:
    """A DynamoDbUsageStore on a fresh table (or the named one), its API calls recorded."""
    made: list[DynamoDbUsageStore] = []

    def open_usage_store(table: str | None = None) -> tuple[DynamoDbUsageStore, CallLog]:
        client = make_client("dynamodb", REGION, 8)
        log = CallLog(client)
        store = DynamoDbUsageStore(client, table or create_table(create_usage_table))
        made.append(store)
        return store, log

    yield open_usage_store
    for store in made:
        await store.close()


async def test_add_is_one_update_item_adding_only_the_counts_given(
    open_usage_store: OpenUsageStore, dynamodb: DynamoDBClient
) -> None:
    store, log = open_usage_store()

    await store.add("acme", "2026-12-02", Counts(accepted_logs=3, accepted_bytes=300))

    (update,) = log.named("UpdateItem")
    assert update["Key"] == {"tenant_id": {"S": "acme"}, "day": {"S": "2026-12-02"}}
    assert update["UpdateExpression"].startswith("ADD ")
    assert set(update["ExpressionAttributeNames"].values()) == {"accepted_logs", "accepted_bytes"}
    assert update["ReturnValues"] == "NONE"
    assert log.operations == {"UpdateItem"}
    item = dynamodb.get_item(
        TableName=store._table, Key={"tenant_id": {"S": "acme"}, "day": {"S": "2026-12-02"}}
    )["Item"]
    assert item == {
        "tenant_id": {"S": "acme"},
        "day": {"S": "2026-12-02"},
        "accepted_logs": {"N": "3"},
        "accepted_bytes": {"N": "300"},
    }


async def test_a_tenants_days_are_one_consistent_query(open_usage_store: OpenUsageStore) -> None:
    store, log = open_usage_store()
    await store.add("acme", "2026-12-02", Counts(stored_logs=1))

    await store.tenant_days("acme", "2026-11-26", "2026-12-02")

    (query,) = log.named("Query")
    assert query["ConsistentRead"] is True
    assert "IndexName" not in query
    assert "Scan" not in log.operations


async def test_every_tenants_days_come_from_the_index_and_batch_gets_never_a_scan(
    open_usage_store: OpenUsageStore,
) -> None:
    # GIVEN more tenants with activity than one BatchGetItem asks for, over two days
    store, log = open_usage_store()
    for n in range(130):
        await store.add(f"tenant-{n:03d}", "2026-12-01", Counts(accepted_logs=n + 1))
    await store.add("tenant-000", "2026-12-02", Counts(stored_logs=7))
    # WHEN every tenant's days of a three-day window are read
    found = await store.all_days("2026-11-30", "2026-12-02")
    # THEN all of them, by tenant then day
    assert len(found) == 131
    assert [(u.tenant_id, u.day) for u in found[:2]] == [
        ("tenant-000", "2026-12-01"),
        ("tenant-000", "2026-12-02"),
    ]
    assert found[-1].counts == Counts(accepted_logs=130)
    # AND one index Query per day, BatchGetItems of at most 100 keys, no Scan
    queries = log.named("Query")
    assert len(queries) == 3
    assert {query["IndexName"] for query in queries} == {BY_DAY}
    gets = log.named("BatchGetItem")
    assert len(gets) == 2
    assert all(len(get["RequestItems"][store._table]["Keys"]) <= 100 for get in gets)
    assert "Scan" not in log.operations


async def test_an_item_edited_into_nonsense_is_unavailable(
    open_usage_store: OpenUsageStore, dynamodb: DynamoDBClient
) -> None:
    store, _ = open_usage_store()
    dynamodb.put_item(
        TableName=store._table,
        Item={"tenant_id": {"S": "acme"}, "day": {"S": "2026-12-02"}, "stored_logs": {"S": "x"}},
    )

    with pytest.raises(UsageUnavailable):
        await store.tenant_days("acme", "2026-12-02", "2026-12-02")


async def test_a_missing_table_is_unavailable(open_usage_store: OpenUsageStore) -> None:
    store, _ = open_usage_store("missing")

    with pytest.raises(UsageUnavailable):
        await store.add("acme", "2026-12-02", Counts(accepted_logs=1))
    with pytest.raises(UsageUnavailable):
        await store.tenant_days("acme", "2026-12-02", "2026-12-02")


async def test_a_closed_store_is_unavailable(open_usage_store: OpenUsageStore) -> None:
    store, _ = open_usage_store()
    await store.close()

    with pytest.raises(UsageUnavailable):
        await store.add("acme", "2026-12-02", Counts(accepted_logs=1))


async def test_the_aws_backends_use_the_usage_table_when_it_is_set(
    moto_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", REGION)
    common = {
        "backend": "aws",
        "sqs_queue_url": "http://sqs.invalid/queue",
        "dynamodb_table_name": "logs",
    }
    without = await open_backends(load_settings(**common))
    table = create_table(create_usage_table)
    with_table = await open_backends(load_settings(**common, dynamodb_usage_table=table))
    try:
        assert isinstance(without.usage.store, UsageNotConfigured)
        assert isinstance(with_table.usage.store, DynamoDbUsageStore)
        # counting and flushing work end to end through the recorder
        with_table.usage.accepted("acme", 2, 200)
        assert await with_table.usage.flush()
        first, last = window(time.time(), 2)  # around midnight UTC the count may be on either
        (day,) = await with_table.usage.store.all_days(first, last)
        assert (day.tenant_id, day.counts) == ("acme", Counts(accepted_logs=2, accepted_bytes=200))
    finally:
        await without.close()
        await with_table.close()
