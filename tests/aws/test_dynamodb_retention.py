"""Retention on the DynamoDB store beyond the shared contract: the TTL attribute it writes,
and how reads keep expired items (which DynamoDB deletes up to two days late) out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from tenantlog.aws.clients import make_client
from tenantlog.core.cursor import encode_cursor
from tenantlog.core.models import LogRecord, epoch_seconds
from tenantlog.store import dynamodb as dynamodb_module
from tenantlog.store.dynamodb import TTL_ATTRIBUTE, DynamoDbStore, to_item
from tests.aws.conftest import CallLog
from tests.support.aws_emulator import REGION, create_table
from tests.support.factories import make_record

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

pytestmark = pytest.mark.anyio

NOW = 1_706_745_600.0  # 2024-02-01T00:00:00Z
PAST = "2024-01-31T00:00:00Z"
LATER = "2024-03-01T00:00:00Z"

OpenStore = Callable[[], tuple[DynamoDbStore, CallLog]]


@pytest.fixture
async def open_store(moto_server: str) -> AsyncIterator[OpenStore]:
    """A fresh table behind a DynamoDbStore at NOW, whose API calls are recorded."""
    made: list[DynamoDbStore] = []

    def open_store() -> tuple[DynamoDbStore, CallLog]:
        client = make_client("dynamodb", REGION, 32)
        log = CallLog(client)
        store = DynamoDbStore(client, create_table(), clock=lambda: NOW)
        made.append(store)
        return store, log

    yield open_store
    for store in made:
        await store.close()


def expiring(expires_at: str | None, log_id: str = "123") -> LogRecord:
    return replace(make_record(log_id=log_id), expires_at=expires_at)


def test_dynamodb_ttl_attribute_is_the_one_infra_enables() -> None:
    # tests/infra/test_terraform.py checks that infra/dynamodb.tf enables TTL on this name
    assert TTL_ATTRIBUTE == "expires_at"


async def test_dynamodb_item_carries_expiry_as_a_number_of_epoch_seconds(
    open_store: OpenStore, dynamodb: DynamoDBClient
) -> None:
    store, _ = open_store()
    record = expiring(LATER)

    await store.put_if_absent(record)

    item = dynamodb.get_item(
        TableName=store._table, Key={"tenant_id": {"S": "acme"}, "log_id": {"S": "123"}}
    )["Item"]
    # A Number (a string would never expire), whole seconds; the API still shows RFC 3339
    assert item[TTL_ATTRIBUTE] == {"N": str(int(epoch_seconds(LATER)))}
    stored = await store.get("acme", "123")
    assert stored is not None and stored.expires_at == LATER


async def test_dynamodb_item_kept_forever_has_no_ttl_attribute() -> None:
    assert TTL_ATTRIBUTE not in to_item(expiring(None))


async def test_dynamodb_get_filters_an_expired_item_in_code(
    open_store: OpenStore, dynamodb: DynamoDBClient
) -> None:
    # GIVEN an expired item that DynamoDB has not deleted yet
    store, log = open_store()
    dynamodb.put_item(TableName=store._table, Item=to_item(expiring(PAST)))
    # WHEN it is read, THEN the one GetItem finds it and the store still answers None
    assert await store.get("acme", "123") is None
    assert [name for name, _ in log.calls] == ["GetItem"]


async def test_dynamodb_query_filters_expired_items_on_the_server(
    open_store: OpenStore, dynamodb: DynamoDBClient
) -> None:
    store, log = open_store()
    for n, expires_at in enumerate((PAST, LATER, None)):
        dynamodb.put_item(
            TableName=store._table, Item=to_item(expiring(expires_at, log_id=f"id-{n}"))
        )

    page = await store.list("acme", 10, None)

    assert [r.log_id for r in page.items] == ["id-1", "id-2"]
    (query,) = log.named("Query")
    assert "FilterExpression" in query
    assert query["ExpressionAttributeValues"][":now"] == {"N": repr(NOW)}


async def test_dynamodb_ttl_that_is_not_a_number_never_expires(
    open_store: OpenStore, dynamodb: DynamoDBClient
) -> None:
    # GIVEN an item whose TTL attribute is a string, written behind the store's back:
    # DynamoDB's TTL never deletes it
    store, _ = open_store()
    item = to_item(expiring(None))
    item[TTL_ATTRIBUTE] = {"S": PAST}
    dynamodb.put_item(TableName=store._table, Item=item)
    # WHEN it is read, THEN get and list agree with DynamoDB: it is kept
    record = await store.get("acme", "123")
    assert record is not None and record.expires_at is None
    assert [r.log_id for r in (await store.list("acme", 10, None)).items] == ["123"]


async def test_dynamodb_list_bounds_its_queries_past_a_long_run_of_expired_items(
    open_store: OpenStore, dynamodb: DynamoDBClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN 40 expired items (the oldest, as UUIDv7 ids make them) before 3 live ones,
    # and a store that reads at most 2 Queries of 5 items per page past expired ones
    monkeypatch.setattr(dynamodb_module, "MAX_QUERIES_PER_PAGE", 2)
    monkeypatch.setattr(dynamodb_module, "SKIP_STEP", 5)
    store, log = open_store()
    for n in range(43):
        dynamodb.put_item(
            TableName=store._table,
            Item=to_item(expiring(PAST if n < 40 else LATER, log_id=f"id-{n:02d}")),
        )
    # WHEN the first page is asked for
    first = await store.list("acme", 2, None)
    # THEN it comes back empty after two Queries, with a cursor after the last item read
    assert first.items == []
    assert first.next_cursor == encode_cursor("id-07")  # 3 read, then 5
    assert len(log.named("Query")) == 2
    # AND paging on gives every live item exactly once
    seen: list[str] = []
    cursor: str | None = first.next_cursor
    while cursor is not None:
        page = await store.list("acme", 2, cursor)
        seen += [r.log_id for r in page.items]
        cursor = page.next_cursor
    assert seen == ["id-40", "id-41", "id-42"]
