"""What the DynamoDB store does beyond the shared contract: the item, the condition, the Query."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest

from tenantlog.aws.clients import make_client
from tenantlog.backends import dynamodb_store
from tenantlog.core.cursor import InvalidCursor, encode_cursor
from tenantlog.core.erasure import Erasure
from tenantlog.core.models import LogRecord
from tenantlog.core.store import MAX_PAGE_SIZE, RecordTooLarge, StoreUnavailable
from tenantlog.settings import load_settings
from tenantlog.store.dynamodb import DynamoDbStore, create_erasures_table, to_item
from tests.aws.conftest import CallLog
from tests.support.aws_emulator import REGION, create_table, make_dynamodb_store
from tests.support.factories import make_record

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

pytestmark = pytest.mark.anyio

OpenStore = Callable[..., tuple[DynamoDbStore, CallLog]]


@pytest.fixture
async def open_store(moto_server: str) -> AsyncIterator[OpenStore]:
    """A fresh table behind a DynamoDbStore whose API calls are recorded; with a fresh
    erasures table of its own when ``erasures`` (a store of type ``kind``)."""
    made: list[DynamoDbStore] = []

    def open_store(
        *, erasures: bool = False, kind: type[DynamoDbStore] = DynamoDbStore
    ) -> tuple[DynamoDbStore, CallLog]:
        client = make_client("dynamodb", REGION, 32)
        log = CallLog(client)
        erasures_table = create_table(create_erasures_table) if erasures else None
        store = kind(client, create_table(), erasures_table=erasures_table)
        made.append(store)
        return store, log

    yield open_store
    for store in made:
        await store.close()


def fill(dynamodb: DynamoDBClient, table: str, tenant_id: str, count: int, text: str = "x") -> None:
    """``count`` records written in bulk behind the store's back (BatchWriteItem)."""
    items = [to_item(make_record(tenant_id, f"{n:06d}", text)) for n in range(count)]
    for start in range(0, count, 25):
        dynamodb.batch_write_item(
            RequestItems={table: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]}
        )


async def test_dynamodb_store_item_holds_the_design_fields(
    open_store: OpenStore, dynamodb: DynamoDBClient
) -> None:
    store, _ = open_store()
    record = replace(make_record("acme", "123"), original_text=None, attempts=3)

    await store.put_if_absent(record)

    item = dynamodb.get_item(
        TableName=store._table, Key={"tenant_id": {"S": "acme"}, "log_id": {"S": "123"}}
    )["Item"]
    assert set(item) == {
        "tenant_id",
        "log_id",
        "source",
        "modified_data",
        "received_at",
        "processed_at",
        "attempts",
        "redactions",
        # the event-time index's sort key: received_at (no timestamp), canonical, and the id
        "event_key",
    }
    assert item["event_key"] == {"S": "2024-01-01T00:00:00.000000000Z 123"}
    assert item["attempts"] == {"N": "3"}
    assert item["redactions"] == {"M": {"PHONE": {"N": "1"}}}
    assert await store.get("acme", "123") == record


async def test_dynamodb_store_second_put_is_refused_by_the_condition(open_store: OpenStore) -> None:
    # GIVEN a stored record
    store, log = open_store()
    first = make_record(text="first")
    assert await store.put_if_absent(first) is True
    # WHEN another record with the same key is put
    stored = await store.put_if_absent(make_record(text="second"))
    # THEN DynamoDB's condition refused it (no read before the write), and the first stays
    assert stored is False
    assert [name for name, _ in log.calls] == ["PutItem", "PutItem"]
    assert all(
        call["ConditionExpression"].startswith("attribute_not_exists(log_id)")
        for call in log.named("PutItem")
    )
    assert await store.get("acme", "123") == first


@pytest.mark.slow
async def test_dynamodb_store_lists_past_a_full_page_with_exclusive_start_key(
    open_store: OpenStore, dynamodb: DynamoDBClient
) -> None:
    # GIVEN a tenant with more records than the largest page, and another tenant
    store, log = open_store()
    fill(dynamodb, store._table, "acme", MAX_PAGE_SIZE + 5)
    fill(dynamodb, store._table, "other", 3)
    # WHEN the tenant's logs are listed a page at a time
    first = await store.list("acme", MAX_PAGE_SIZE + 500, None)
    assert first.next_cursor is not None
    second = await store.list("acme", MAX_PAGE_SIZE, first.next_cursor)
    # THEN the page size is capped, the second page resumes after the first, nothing else shows
    assert [r.log_id for r in first.items] == [f"{n:06d}" for n in range(MAX_PAGE_SIZE)]
    assert [r.log_id for r in second.items] == [f"{n:06d}" for n in range(1000, 1005)]
    assert second.next_cursor is None
    # AND only Queries on the tenant's partition were sent, never a Scan
    assert log.operations == {"Query"}
    assert log.named("Query")[-1]["ExclusiveStartKey"]["log_id"] == {"S": f"{999:06d}"}
    assert all(q["ExpressionAttributeValues"][":t"] == {"S": "acme"} for q in log.named("Query"))


async def test_dynamodb_store_gathers_a_page_across_query_size_limits(
    open_store: OpenStore, dynamodb: DynamoDBClient
) -> None:
    # GIVEN records so large that a 1 MB Query page holds fewer than asked for
    store, log = open_store()
    fill(dynamodb, store._table, "acme", 12, text="x" * 100_000)
    # WHEN 10 are asked for
    page = await store.list("acme", 10, None)
    # THEN several Queries gathered exactly 10, and the cursor leads to the rest
    assert len(page.items) == 10
    assert len(log.named("Query")) > 1
    assert page.next_cursor == encode_cursor(f"{9:06d}")
    rest = await store.list("acme", 10, page.next_cursor)
    assert [r.log_id for r in rest.items] == ["000010", "000011"]


async def test_dynamodb_store_refuses_a_cursor_no_sort_key_can_match(open_store: OpenStore) -> None:
    store, _ = open_store()

    with pytest.raises(InvalidCursor):
        await store.list("acme", 10, encode_cursor("x" * 2000))


async def test_dynamodb_store_honours_aws_endpoint_url_dynamodb(
    moto_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the general endpoint points nowhere and the DynamoDB one at the emulator
    table = create_table()
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", moto_server)
    settings = load_settings(backend="aws", sqs_queue_url="unused", dynamodb_table_name=table)
    store = dynamodb_store(settings)
    try:
        # WHEN the store is used, THEN it reaches the emulator
        await store.ping()
        assert await store.put_if_absent(make_record()) is True
    finally:
        await store.close()


async def test_dynamodb_store_unreachable_or_missing_table_is_store_unavailable(
    moto_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = load_settings(backend="aws", sqs_queue_url="unused", dynamodb_table_name="missing")
    store = dynamodb_store(missing)
    try:
        with pytest.raises(StoreUnavailable):
            await store.ping()
    finally:
        await store.close()
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    store = dynamodb_store(missing)
    try:
        with pytest.raises(StoreUnavailable):
            await store.put_if_absent(make_record())
    finally:
        await store.close()


async def test_dynamodb_store_record_over_the_item_size_is_record_too_large(
    moto_server: str,
) -> None:
    # GIVEN a record whose two copies of the text cannot fit one 400 KB item
    store = await make_dynamodb_store()
    big = replace(make_record(), original_text="x" * 210_000, modified_data="y" * 210_000)
    try:
        # WHEN it is written, THEN the store says it can never hold it, with the size
        with pytest.raises(RecordTooLarge, match=r"record of 420,\d{3} bytes is over"):
            await store.put_if_absent(big)
        assert await store.get(big.tenant_id, big.log_id) is None
    finally:
        await store.close()


# ---- erasure ----------------------------------------------------------------------

BEFORE_ERASURE = "2024-01-01T00:00:00.000Z"
ERASED_AT = "2024-01-01T00:00:00.500Z"
AFTER_ERASURE = "2024-01-01T00:00:00.501Z"


def received(at: str, log_id: str = "123", text: str = "x") -> LogRecord:
    return replace(make_record("acme", log_id, text), received_at=at)


def raw_item(dynamodb: DynamoDBClient, store: DynamoDbStore, log_id: str) -> Any:
    """The item under (acme, log_id) as DynamoDB holds it, read behind the store's back."""
    return dynamodb.get_item(
        TableName=store._table,
        Key={"tenant_id": {"S": "acme"}, "log_id": {"S": log_id}},
        ConsistentRead=True,
    ).get("Item")


class ErasedDuringWrite(DynamoDbStore):
    """Saves ``erasure`` just after the pre-check has read the tenant's latest erasure:
    the erasure begins between the pre-check and the PutItem, as when another process
    asks for it at that moment (a race no test could time otherwise)."""

    erasure: Erasure | None = None

    async def _mark(self, tenant_id: str) -> str | None:
        mark = await super()._mark(tenant_id)
        if self.erasure is not None:
            erasure, self.erasure = self.erasure, None
            await self.save_erasure(erasure)
        return mark


async def test_dynamodb_store_write_reads_the_latest_erasure_before_and_after(
    open_store: OpenStore,
) -> None:
    # GIVEN a store with an erasures table
    store, log = open_store(erasures=True)
    # WHEN a record is written
    assert await store.put_if_absent(make_record()) is True
    # THEN the PutItem is bracketed by two strongly consistent reads of the tenant's latest
    # erasure (one read unit each), and nothing else
    assert [name for name, _ in log.calls] == ["Query", "PutItem", "Query"]
    for query in log.named("Query"):
        assert query["TableName"] == store._erasures
        assert query["ConsistentRead"] is True
        assert (query["ScanIndexForward"], query["Limit"]) == (False, 1)
        assert query["ExpressionAttributeValues"] == {":t": {"S": "acme"}}


async def test_dynamodb_store_erasure_begun_during_a_write_removes_the_record(
    open_store: OpenStore, dynamodb: DynamoDBClient
) -> None:
    # GIVEN a worker whose pre-check finds no erasure, and an erasure saved right after it
    store, log = open_store(erasures=True, kind=ErasedDuringWrite)
    assert isinstance(store, ErasedDuringWrite)
    store.erasure = Erasure("e1", "acme", ERASED_AT, "key-1")
    # WHEN its PutItem lands after the erasure began
    written = await store.put_if_absent(received(BEFORE_ERASURE))
    # THEN the post-check saw the erasure, deleted the item and reported nothing written
    assert written is False
    assert [name for name, _ in log.calls] == [
        "Query",  # pre-check: no erasure yet
        "PutItem",  # (the erasure, saved meanwhile)
        "PutItem",  # the record
        "Query",  # post-check: the erasure
        "DeleteItem",  # the record, again
    ]
    assert raw_item(dynamodb, store, "123") is None
    assert await store.get("acme", "123") is None
    assert await store.delete_erased("acme", ERASED_AT, 10) == 0


async def test_dynamodb_store_redelivery_removes_what_a_dead_writer_left(
    open_store: OpenStore, dynamodb: DynamoDBClient
) -> None:
    # GIVEN a covered record whose writer died between its PutItem and its post-check
    store, log = open_store(erasures=True)
    record = received(BEFORE_ERASURE)
    dynamodb.put_item(TableName=store._table, Item=to_item(record))
    await store.save_erasure(Erasure("e1", "acme", ERASED_AT, "key-1"))
    log.calls.clear()
    # WHEN its message is delivered again
    written = await store.put_if_absent(record)
    # THEN the pre-check refuses it without a PutItem and deletes what was left
    assert written is False
    assert [name for name, _ in log.calls] == ["Query", "DeleteItem"]
    assert raw_item(dynamodb, store, "123") is None


async def test_dynamodb_store_redelivery_never_deletes_a_newer_record_or_a_tombstone(
    open_store: OpenStore, dynamodb: DynamoDBClient
) -> None:
    # GIVEN an erasure, a record received after it and a tombstone, under ids that old
    # messages still in flight also carry
    store, _ = open_store(erasures=True)
    await store.save_erasure(Erasure("e1", "acme", ERASED_AT, "key-1"))
    newer = received(AFTER_ERASURE, log_id="reused")
    assert await store.put_if_absent(newer) is True
    await store.delete("acme", "deleted")
    # WHEN the old messages are delivered
    assert await store.put_if_absent(received(BEFORE_ERASURE, log_id="reused")) is False
    assert await store.put_if_absent(received(BEFORE_ERASURE, log_id="deleted")) is False
    # THEN the newer record and the tombstone are still there
    assert await store.get("acme", "reused") == newer
    tombstone = raw_item(dynamodb, store, "deleted")
    assert tombstone is not None and "erased_at" in tombstone


@pytest.mark.parametrize("expires_at", [None, "2030-01-01T00:00:00Z"])
async def test_dynamodb_store_tombstone_holds_only_the_keys_and_the_ttl(
    open_store: OpenStore, dynamodb: DynamoDBClient, expires_at: str | None
) -> None:
    # GIVEN a stored record, kept forever or until its TTL
    store, _ = open_store(erasures=True)
    record = replace(make_record(), expires_at=expires_at)
    await store.put_if_absent(record)
    # WHEN it is deleted
    assert await store.delete("acme", "123") is True
    # THEN the item is a tombstone: keys and erased_at, and the record's TTL if it had one
    # (DynamoDB removes the tombstone when it would have removed the record)
    item = raw_item(dynamodb, store, "123")
    assert item is not None
    ttl = {} if expires_at is None else {"expires_at": {"N": str(record.expires_at_seconds)}}
    assert item == {
        "tenant_id": {"S": "acme"},
        "log_id": {"S": "123"},
        "erased_at": item["erased_at"],
        **ttl,
    }


async def test_dynamodb_store_delete_erased_queries_consistently_and_batches_by_25(
    open_store: OpenStore, dynamodb: DynamoDBClient
) -> None:
    # GIVEN 60 covered records and one received after the erasure
    store, log = open_store(erasures=True)
    fill(dynamodb, store._table, "acme", 60)  # received 2024-01-01T00:00:00.000Z
    await store.save_erasure(Erasure("e1", "acme", ERASED_AT, "key-1"))
    await store.put_if_absent(received(AFTER_ERASURE, log_id="later"))
    log.calls.clear()
    # WHEN they are deleted 50 at a time
    first = await store.delete_erased("acme", ERASED_AT, 50)
    second = await store.delete_erased("acme", ERASED_AT, 50)
    # THEN 50, then the 10 left; by consistent Queries and BatchWriteItems of at most 25
    assert (first, second) == (50, 10)
    assert all(q["ConsistentRead"] is True for q in log.named("Query"))
    batches = [len(b["RequestItems"][store._table]) for b in log.named("BatchWriteItem")]
    assert batches == [25, 25, 10]
    assert log.operations == {"Query", "BatchWriteItem"}
    assert [r.log_id for r in (await store.list("acme", 100, None)).items] == ["later"]


async def test_dynamodb_store_delete_erased_sends_unprocessed_keys_again(
    open_store: OpenStore, dynamodb: DynamoDBClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a DynamoDB that leaves some keys of a batch unprocessed once (throttling)
    store, _ = open_store(erasures=True)
    fill(dynamodb, store._table, "acme", 10)
    await store.save_erasure(Erasure("e1", "acme", ERASED_AT, "key-1"))
    real = store._client.batch_write_item
    calls: list[int] = []

    def batch_write_item(**params: Any) -> Any:
        requests = params["RequestItems"][store._table]
        calls.append(len(requests))
        if len(calls) == 1:  # the first: only 4 of its keys are deleted
            real(RequestItems={store._table: requests[:4]})
            return {"UnprocessedItems": {store._table: requests[4:]}}
        return real(**params)

    monkeypatch.setattr(store._client, "batch_write_item", batch_write_item)
    # WHEN the tenant's records are deleted, THEN every one is gone
    assert await store.delete_erased("acme", ERASED_AT, 50) == 10
    assert calls == [10, 6]
    assert dynamodb.scan(TableName=store._table)["Count"] == 0


async def test_dynamodb_store_without_erasures_table_names_the_setting(
    open_store: OpenStore,
) -> None:
    store, log = open_store()

    with pytest.raises(StoreUnavailable, match="TENANTLOG_DYNAMODB_ERASURES_TABLE"):
        await store.save_erasure(Erasure.start("acme", "key-1"))
    with pytest.raises(StoreUnavailable, match="TENANTLOG_DYNAMODB_ERASURES_TABLE"):
        await store.get_erasure("acme", "e1")
    assert log.calls == []


async def test_dynamodb_store_erasures_table_comes_from_the_setting(
    moto_server: str, erasures_table: str
) -> None:
    # GIVEN the settings name an erasures table
    settings = load_settings(
        backend="aws",
        sqs_queue_url="unused",
        dynamodb_table_name=create_table(),
        dynamodb_erasures_table=erasures_table,
    )
    store = dynamodb_store(settings)
    try:
        # WHEN an erasure is saved, THEN it is there, and in force
        erasure = Erasure("e1", "acme", ERASED_AT, "key-1")
        await store.save_erasure(erasure)
        assert await store.get_erasure("acme", "e1") == erasure
        assert await store.put_if_absent(received(BEFORE_ERASURE)) is False
    finally:
        await store.close()
