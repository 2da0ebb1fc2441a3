"""What the DynamoDB store does beyond the shared contract: the item, the condition, the Query."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from tenantlog.aws.clients import make_client
from tenantlog.backends import dynamodb_store
from tenantlog.core.cursor import InvalidCursor, encode_cursor
from tenantlog.core.store import MAX_PAGE_SIZE, RecordTooLarge, StoreUnavailable
from tenantlog.settings import load_settings
from tenantlog.store.dynamodb import DynamoDbStore, to_item
from tests.aws.conftest import CallLog
from tests.support.aws_emulator import REGION, create_table, make_dynamodb_store
from tests.support.factories import make_record

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

pytestmark = pytest.mark.anyio

OpenStore = Callable[[], tuple[DynamoDbStore, CallLog]]


@pytest.fixture
async def open_store(moto_server: str) -> AsyncIterator[OpenStore]:
    """A fresh table behind a DynamoDbStore whose API calls are recorded."""
    made: list[DynamoDbStore] = []

    def open_store() -> tuple[DynamoDbStore, CallLog]:
        client = make_client("dynamodb", REGION, 32)
        log = CallLog(client)
        store = DynamoDbStore(client, create_table())
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
    }
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
