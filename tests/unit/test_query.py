"""The search model (tenantlog.core.query): parsing, and SQLite held to ``LogQuery.matches``."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenantlog.core.cursor import InvalidCursor
from tenantlog.core.models import LogRecord
from tenantlog.core.query import (
    EVERYTHING,
    InvalidQuery,
    LogQuery,
    event_time,
    fold,
    parse_query,
)
from tenantlog.db.sqlite import SqliteDatabase
from tenantlog.store.sqlite import SqliteStore
from tests.support.factories import make_record

T = TypeVar("T")

#: 2024-02-01T00:00:00Z
NOW = 1_706_745_600.0


def test_parse_query_without_filters_is_a_plain_listing() -> None:
    assert parse_query(
        [("limit", "3"), ("cursor", "x"), ("fields", "log_id"), ("x", "y")], NOW
    ) == (EVERYTHING)


def test_parse_query_reads_every_filter() -> None:
    query = parse_query(
        [
            ("since", "2024-01-01T01:00:00+01:00"),
            ("until", "2h"),
            ("q", "Timeout"),
            ("severity", "ERROR,warn"),
            ("severity", "Fatal"),
            ("attr.service", "pay"),
            ("attr.region", "eu"),
            ("source", "otlp"),
        ],
        NOW,
    )

    assert query == LogQuery(
        since="2024-01-01T00:00:00.000000000Z",
        until="2024-01-31T22:00:00.000000000Z",
        text="Timeout",
        severities=frozenset({"error", "warn", "fatal"}),
        attributes=(("service", "pay"), ("region", "eu")),
        source="otlp",
        order="desc",  # a time window is read newest first
    )


def test_parse_query_relative_times_count_back_from_the_clock() -> None:
    query = parse_query([("since", "15m"), ("until", "1s")], NOW + 0.5)

    assert query.since == "2024-01-31T23:45:00.500000000Z"
    assert query.until == "2024-01-31T23:59:59.500000000Z"


def test_parse_query_order_is_kept_and_time_order_only_when_asked() -> None:
    assert parse_query([("since", "1h"), ("order", "asc")], NOW).order == "asc"
    assert parse_query([("order", "desc")], NOW).order == "desc"
    assert parse_query([("severity", "error")], NOW).order is None


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([("since", "yesterday")], "invalid since: not an RFC 3339 time"),
        ([("since", "2024-13-01T00:00:00Z")], "invalid since: not a valid date"),
        ([("until", "15x")], "invalid until: "),
        ([("until", "")], "invalid until: empty"),
        ([("since", "1h"), ("since", "2h")], "invalid since: given more than once"),
        ([("since", "1h"), ("until", "2h")], "invalid until: must be later than since"),
        ([("q", "")], "invalid q: empty"),
        ([("q", "x" * 1025)], "invalid q: longer than 1024 characters"),
        ([("q", "before\x00after")], "invalid q: holds a NUL character (U+0000)"),
        ([("severity", "error,")], "invalid severity: empty"),
        ([("source", "carrier-pigeon")], "invalid source: use one of"),
        ([("order", "newest")], "invalid order: use asc or desc"),
        ([("attr.", "x")], "invalid attr.: name the attribute"),
    ],
)
def test_parse_query_malformed_filter_names_it(params: list[tuple[str, str]], message: str) -> None:
    with pytest.raises(InvalidQuery) as raised:
        parse_query(params, NOW)

    assert str(raised.value).startswith(message)


def test_query_cursor_round_trips_and_is_bound_to_its_order() -> None:
    record = replace(make_record(log_id="a"), timestamp="2024-01-01T00:00:00.000000001Z")
    newest_first = LogQuery(order="desc")

    cursor = newest_first.cursor_after(record)

    assert newest_first.position(cursor) == ("2024-01-01T00:00:00.000000001Z", "a")
    with pytest.raises(InvalidCursor):
        LogQuery(order="asc").position(cursor)
    with pytest.raises(InvalidCursor):
        newest_first.position(EVERYTHING.cursor_after(record))


# Property: SQLite returns exactly the records LogQuery.matches picks, in the query's order,
# however the pages are cut.

TIMES = [
    None,
    "2024-01-01T10:00:00.000000000Z",
    "2024-01-01T10:00:00.000000001Z",
    "2024-01-01T10:00:00.999999999Z",
    "2024-01-01T11:00:00.000000000Z",
]
RECEIVED = ["2024-01-01T10:00:00.000Z", "2024-01-01T10:00:00.999Z", "2024-01-01T10:30:00Z"]
SEVERITIES = [None, "ERROR", "error", "Warn", "info", "ÉRROR"]
WORDS = ["timeout", "TimeOut", "Straße", "ÉCHEC", "ok", "[REDACTED]", "%", "_"]
ATTRIBUTES = st.dictionaries(
    st.sampled_from(["service", "region", "k"]), st.sampled_from(["pay", "eu", "", "Pay"])
)

records = st.builds(
    lambda log_id, timestamp, received, severity, words, attributes, source: replace(
        make_record(log_id=log_id, text=" ".join(words) or "x"),
        timestamp=timestamp,
        received_at=received,
        severity=severity,
        attributes=attributes,
        source=source,
    ),
    st.text("abcxyz", min_size=1, max_size=3),
    st.sampled_from(TIMES),
    st.sampled_from(RECEIVED),
    st.sampled_from(SEVERITIES),
    st.lists(st.sampled_from(WORDS), max_size=3),
    ATTRIBUTES,
    st.sampled_from(["json_upload", "otlp"]),
)


def sometimes(strategy: st.SearchStrategy[T], absent: T) -> st.SearchStrategy[T]:
    """``strategy`` one time in three, else ``absent``: so that most combinations of
    filters still match some records."""
    return st.sampled_from([False, False, True]).flatmap(
        lambda used: strategy if used else st.just(absent)
    )


bounds = st.sampled_from([t for t in TIMES if t] + ["2024-01-01T10:00:00.999000000Z"])
queries = st.builds(
    LogQuery,
    since=sometimes(bounds, None),
    until=sometimes(bounds, None),
    text=sometimes(st.sampled_from(["TIMEOUT", "strasse", "échec", "[redacted]", "%", "_"]), None),
    severities=sometimes(
        st.frozensets(st.sampled_from(["error", "warn", "érror", "fatal"]).map(fold), min_size=1),
        frozenset(),
    ),
    attributes=sometimes(
        st.lists(
            st.tuples(st.sampled_from(["service", "region"]), st.sampled_from(["pay", "eu", ""])),
            min_size=1,
            max_size=2,
        ).map(tuple),
        (),
    ),
    source=sometimes(st.sampled_from(["json_upload", "otlp"]), None),
    order=st.none() | st.sampled_from(["asc", "desc"]),
)


@given(
    stored=st.lists(records, max_size=25, unique_by=lambda r: r.log_id),
    searches=st.lists(st.tuples(queries, st.integers(1, 4)), min_size=1, max_size=8),
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_sqlite_search_returns_exactly_what_matches_picks_in_order(
    database_dir: Path, stored: list[LogRecord], searches: list[tuple[LogQuery, int]]
) -> None:
    tenant = uuid.uuid4().hex  # one database for every example: each its own tenant
    stored = [replace(r, tenant_id=tenant) for r in stored]

    async def paged(store: SqliteStore, query: LogQuery, limit: int) -> list[LogRecord]:
        found: list[LogRecord] = []
        cursor: str | None = None
        while True:
            page = await store.list(tenant, limit, cursor, query)
            found += page.items
            if (cursor := page.next_cursor) is None:
                return found

    async def check() -> None:
        database = await SqliteDatabase.open(database_dir)
        try:
            store = SqliteStore(database, clock=lambda: NOW)
            for record in stored:
                assert await store.put_if_absent(record)
            for query, limit in searches:
                expected = sorted(
                    (r for r in stored if query.matches(r)),
                    key=query.sort_key,
                    reverse=query.order == "desc",
                )
                assert await paged(store, query, limit) == expected, query
        finally:
            await database.close()

    asyncio.run(check())


def test_event_time_is_canonical_for_received_at() -> None:
    record = replace(make_record(), received_at="2024-01-01T01:00:00.5+01:00")

    assert event_time(record) == "2024-01-01T00:00:00.500000000Z"


@pytest.fixture(scope="module")
def database_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("search")
