"""Search on DynamoDB beyond the shared contract: the Queries it sends, their read bound,
cursors at a window's edges, names clients choose, the backfill of older logs, and the
reference semantics (``LogQuery.matches``) held against the emulator."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tenantlog.store.dynamodb as dynamodb_module
from tenantlog.aws.clients import make_client
from tenantlog.core.models import LogRecord
from tenantlog.core.query import LogQuery, UnsupportedQuery
from tenantlog.store.dynamodb import DynamoDbStore, to_item
from tenantlog.store.dynamodb_backfill import backfill_search
from tenantlog.store.dynamodb_search import EVENT_INDEX, EVENT_KEY, FOLDED_SEVERITY
from tests.aws.conftest import CallLog
from tests.support.aws_emulator import REGION, create_table
from tests.support.cli import tenantlog
from tests.support.factories import make_record
from tests.unit.test_query import NOW, queries, records

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

pytestmark = pytest.mark.anyio

OpenStore = Callable[[], tuple[DynamoDbStore, CallLog]]
MINUTE = [f"2024-01-01T10:{m:02d}:00.000000000Z" for m in range(60)]


@pytest.fixture
async def open_store(moto_server: str) -> AsyncIterator[OpenStore]:
    """A DynamoDbStore on a fresh table, its API calls recorded."""
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


def log(log_id: str, minute: int, **fields: object) -> LogRecord:
    return replace(make_record("acme", log_id), timestamp=MINUTE[minute], **fields)  # type: ignore[arg-type]


async def put_all(store: DynamoDbStore, *logs: LogRecord) -> None:
    for record in logs:
        assert await store.put_if_absent(record)


async def every_page(
    store: DynamoDbStore, query: LogQuery, limit: int, cursor: str | None = None
) -> tuple[list[str], int]:
    """The ids of every page from ``cursor`` on, and how many pages it took."""
    found: list[str] = []
    pages = 0
    while True:
        page = await store.list("acme", limit, cursor, query)
        found += [r.log_id for r in page.items]
        pages += 1
        if (cursor := page.next_cursor) is None:
            return found, pages


async def test_dynamodb_search_reads_the_event_time_index_between_the_bounds(
    open_store: OpenStore,
) -> None:
    # GIVEN logs a minute apart
    store, calls = open_store()
    await put_all(store, *(log(f"id{m}", m, severity="ERROR") for m in range(5)))
    # WHEN a window is searched newest first
    query = LogQuery(
        since=MINUTE[1], until=MINUTE[4], order="desc", severities=frozenset({"error"})
    )
    found, _ = await every_page(store, query, 10)
    # THEN one Query of the index, bounded by its key condition, read backwards
    assert found == ["id3", "id2", "id1"]
    (sent,) = calls.named("Query")
    assert sent["IndexName"] == EVENT_INDEX
    assert (
        sent["KeyConditionExpression"]
        == f"tenant_id = :t AND {EVENT_KEY} BETWEEN :since AND :until"
    )
    assert sent["ExpressionAttributeValues"][":since"] == {"S": MINUTE[1]}
    assert sent["ScanIndexForward"] is False
    # AND the severity is matched on its folded copy, never by a Scan
    assert sent["ExpressionAttributeNames"]["#severity"] == FOLDED_SEVERITY
    assert "Scan" not in calls.operations


async def test_dynamodb_search_in_log_id_order_reads_the_table(open_store: OpenStore) -> None:
    store, calls = open_store()
    await put_all(store, log("b", 1, source="otlp"), log("a", 2, source="otlp"), log("c", 3))

    found, _ = await every_page(store, LogQuery(source="otlp"), 10)

    assert found == ["a", "b"]
    (sent,) = calls.named("Query")
    assert "IndexName" not in sent
    assert sent["KeyConditionExpression"] == "tenant_id = :t"


@pytest.mark.parametrize(
    "name", ["a.b", "#x", ":v", "size)", "attributes", "x = :attr0 OR true", "ünï cödé", "[0]"]
)
async def test_dynamodb_search_attribute_names_never_enter_an_expression(
    open_store: OpenStore, name: str
) -> None:
    # GIVEN logs whose attribute names look like expression syntax
    store, calls = open_store()
    await put_all(store, log("1", 1, attributes={name: "v"}), log("2", 2, attributes={"k": "v"}))
    # WHEN searched for by that name
    found, _ = await every_page(store, LogQuery(attributes=((name, "v"),)), 10)
    # THEN only the log that has it matches
    assert found == ["1"]
    # AND the name went only into ExpressionAttributeNames: the expression is the one a
    # plain name gives
    assert await every_page(store, LogQuery(attributes=(("k", "v"),)), 10) == (["2"], 1)
    odd, plain = calls.named("Query")
    assert odd["FilterExpression"] == plain["FilterExpression"]
    assert name in odd["ExpressionAttributeNames"].values()


@pytest.mark.parametrize("order", ["asc", "desc", None])
async def test_dynamodb_search_bounds_its_reads_and_resumes_after_the_last_item_read(
    open_store: OpenStore, monkeypatch: pytest.MonkeyPatch, order: str | None
) -> None:
    # GIVEN 30 logs of which only the 3 last (in the order read) match, and a store that
    # reads at most 2 Queries of 5 items per page past the items it skips
    monkeypatch.setattr(dynamodb_module, "MAX_QUERIES_PER_PAGE", 2)
    monkeypatch.setattr(dynamodb_module, "SKIP_STEP", 5)
    store, calls = open_store()
    minutes = range(30) if order != "desc" else range(29, -1, -1)
    await put_all(
        store,
        *(
            log(f"id{m:02d}", m, severity="error" if n >= 27 else "info")
            for n, m in enumerate(minutes)
        ),
    )
    query = LogQuery(severities=frozenset({"error"}), order=order)  # type: ignore[arg-type]
    # WHEN the first page is asked for
    first = await store.list("acme", 2, None, query)
    # THEN it comes back empty after two Queries, with a cursor after the last item read,
    # the same cursor the query gives for a record there
    assert first.items == []
    assert len(calls.named("Query")) == 2
    eighth = [f"id{m:02d}" for m in minutes][7]  # 3 read, then 5
    assert first.next_cursor == query.cursor_after(log(eighth, int(eighth[2:])))
    # AND paging on finds every match exactly once, in order
    found, pages = await every_page(store, query, 2, first.next_cursor)
    assert found == [f"id{m:02d}" for m in minutes][27:]
    assert pages > 1


@pytest.mark.parametrize(
    ("order", "since", "until", "expected"),
    [
        # ascending: a cursor before the window's start resumes at its start ...
        ("asc", 5, None, ["id5", "id6", "id7"]),
        # ... and one past its end finds nothing
        ("asc", None, 1, []),
        # newest first: a cursor after the window's end resumes at its end ...
        ("desc", None, 1, ["id0"]),
        # ... and one before its start finds nothing
        ("desc", 5, None, []),
    ],
)
async def test_dynamodb_search_cursor_outside_a_window_that_moved(
    open_store: OpenStore, order: str, since: int | None, until: int | None, expected: list[str]
) -> None:
    # GIVEN a cursor issued at minute 3 (a relative since=15m moves between two pages)
    store, _ = open_store()
    await put_all(store, *(log(f"id{m}", m) for m in range(8)))
    unbounded = LogQuery(order=order)  # type: ignore[arg-type]
    cursor = unbounded.cursor_after(log("id3", 3))
    # WHEN the next page's window no longer holds it
    query = LogQuery(
        order=order,  # type: ignore[arg-type]
        since=None if since is None else MINUTE[since],
        until=None if until is None else MINUTE[until],
    )
    found, _ = await every_page(store, query, 10, cursor)
    # THEN DynamoDB is not handed a start key outside the key condition, and the page
    # goes on strictly after the cursor within the window
    assert found == expected


async def test_dynamodb_search_refuses_more_filters_than_one_request_can_express(
    open_store: OpenStore,
) -> None:
    store, _ = open_store()
    query = LogQuery(severities=frozenset(f"s{n}" for n in range(101)))

    with pytest.raises(UnsupportedQuery, match=r"^severity with more than 100 values is not"):
        await store.list("acme", 10, None, query)
    fewer = replace(query, severities=frozenset(sorted(query.severities)[:100]))
    assert (await store.list("acme", 10, None, fewer)).items == []
    # AND more attr. filters than a log can hold attributes, likewise
    many = LogQuery(attributes=tuple((f"k{n}", "v") for n in range(65)))
    with pytest.raises(UnsupportedQuery, match=r"^more than 64 attr\. filters is not"):
        await store.list("acme", 10, None, many)
    assert (
        await store.list("acme", 10, None, replace(many, attributes=many.attributes[:64]))
    ).items == []


async def test_dynamodb_backfill_makes_logs_written_before_search_searchable(
    open_store: OpenStore, dynamodb: DynamoDBClient
) -> None:
    # GIVEN logs written as the release before search wrote them (no event_key, no
    # folded severity), a tombstone, and a log written by this release
    store, _ = open_store()
    for m in range(5):
        item = to_item(log(f"old{m}", m, severity="ERROR"))
        del item[EVENT_KEY], item[FOLDED_SEVERITY]
        dynamodb.put_item(TableName=store._table, Item=item)
    await put_all(store, log("new", 9, severity="error"))
    assert await store.delete("acme", "old4")
    query = LogQuery(severities=frozenset({"error"}), order="asc")
    assert [r.log_id for r in (await store.list("acme", 10, None, query)).items] == ["new"]
    # WHEN the backfill runs, two items a page, and stops after its first page
    progress = list(backfill_search(dynamodb, store._table, page_items=2))
    # THEN it reads the whole table once and updates only the old records
    assert sum(p.read for p in progress) == 6
    assert sum(p.updated for p in progress) == 4
    assert progress[-1].resume_after is None
    # AND they are found by time and severity, the tombstone stays one
    found, _ = await every_page(store, query, 10)
    assert found == ["old0", "old1", "old2", "old3", "new"]
    tombstone = dynamodb.get_item(
        TableName=store._table, Key={"tenant_id": {"S": "acme"}, "log_id": {"S": "old4"}}
    )["Item"]
    assert EVENT_KEY not in tombstone
    # AND a second run finds nothing left to do
    assert sum(p.updated for p in backfill_search(dynamodb, store._table)) == 0


async def test_dynamodb_backfill_runs_from_the_shell(
    open_store: OpenStore, dynamodb: DynamoDBClient
) -> None:
    # GIVEN a log written before search
    store, _ = open_store()
    item = to_item(log("old", 1))
    del item[EVENT_KEY]
    dynamodb.put_item(TableName=store._table, Item=item)
    # WHEN the operator runs the backfill on the table
    done = tenantlog("backfill-search", "--table", store._table, "--region", REGION, data_dir=None)
    # THEN it says what it did, and the log is found by time
    assert done.stdout == "read 1 updated 1\n"
    page = await store.list("acme", 10, None, LogQuery(order="asc"))
    assert [r.log_id for r in page.items] == ["old"]


@pytest.fixture(scope="module")
def search_table(moto_server: str) -> str:
    return create_table()


@pytest.mark.slow
@given(
    stored=st.lists(records, max_size=12, unique_by=lambda r: r.log_id),
    searches=st.lists(
        st.tuples(queries.map(lambda q: replace(q, text=None)), st.integers(1, 4)),
        min_size=1,
        max_size=4,
    ),
    reads=st.integers(1, 3),
)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_dynamodb_search_returns_exactly_what_matches_picks_in_order(
    search_table: str, stored: list[LogRecord], searches: list[tuple[LogQuery, int]], reads: int
) -> None:
    # GIVEN a store that reads few items per Query, so pages end short with cursors after
    # skipped items, on both key schemas
    tenant = uuid.uuid4().hex  # one table for every example: each its own tenant
    stored = [replace(r, tenant_id=tenant) for r in stored]

    async def check() -> None:
        store = DynamoDbStore(make_client("dynamodb", REGION, 4), search_table, clock=lambda: NOW)
        try:
            for record in stored:
                assert await store.put_if_absent(record)
            for query, limit in searches:
                expected = sorted(
                    (r for r in stored if query.matches(r)),
                    key=query.sort_key,
                    reverse=query.order == "desc",
                )
                found: list[LogRecord] = []
                cursor: str | None = None
                while True:
                    page = await store.list(tenant, limit, cursor, query)
                    found += page.items
                    if (cursor := page.next_cursor) is None:
                        break
                # THEN every page together is exactly what LogQuery.matches picks, in order
                assert found == expected, query
        finally:
            await store.close()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dynamodb_module, "MAX_QUERIES_PER_PAGE", reads)
        patch.setattr(dynamodb_module, "SKIP_STEP", 2)
        asyncio.run(check())
