"""The Store contract, run against every backend (see conftest.py)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from tenantlog.core.cursor import InvalidCursor, encode_cursor
from tenantlog.core.erasure import Erasure
from tenantlog.core.models import LogRecord, Source, epoch_seconds
from tenantlog.core.query import LogQuery, UnsupportedQuery, parse_query
from tenantlog.core.store import Store, StoreUnavailable
from tenantlog.db.sqlite import SqliteDatabase
from tenantlog.store.sqlite import SqliteStore
from tests.contract.conftest import START, Clock
from tests.support.factories import make_record

pytestmark = pytest.mark.anyio

DAY = 86_400
#: Expiries around the clock's start (2024-02-01T00:00:00Z).
PAST = "2024-01-31T00:00:00Z"
SOON = "2024-02-02T00:00:00Z"
LATER = "2024-03-01T00:00:00Z"


@pytest.fixture
async def store(store: Store, clock: Clock) -> AsyncIterator[Store]:
    """The conftest's store; the DynamoDB one given an erasures table, which erasure needs
    (the conftest's has none, as a deployment made before erasure has none)."""
    from tenantlog.store.dynamodb import DynamoDbStore

    if not isinstance(store, DynamoDbStore):
        yield store
        return
    from tenantlog.aws.clients import make_client
    from tenantlog.store.dynamodb import create_erasures_table
    from tests.support.aws_emulator import REGION, create_table

    erasing = DynamoDbStore(
        make_client("dynamodb", REGION, 32),
        store._table,
        erasures_table=create_table(create_erasures_table),
        shard_plans=store._plans,
        clock=clock,
    )
    yield erasing
    await erasing.close()


async def test_store_put_if_absent_then_get_round_trips(store: Store) -> None:
    record = make_record(text="User [REDACTED] accessed system")

    assert await store.put_if_absent(record) is True

    assert await store.get("acme", "123") == record


async def test_store_structured_fields_round_trip(store: Store) -> None:
    # GIVEN a log with an event time, severity and attributes (values redacted, with their
    # audit copy), and one with none of them
    structured = replace(
        make_record(log_id="structured", text="refund [REDACTED]"),
        timestamp="2024-01-01T00:00:00.123456789Z",
        severity="ERROR",
        severity_number=17,
        attributes={"service": "pay", "user": "[REDACTED]", "ünï": "cødé"},
        original_attributes={"service": "pay", "user": "jane@example.com", "ünï": "cødé"},
    )
    plain = make_record(log_id="plain")
    for record in (structured, plain):
        assert await store.put_if_absent(record) is True
    # THEN both read back exactly, by id and in a page
    assert await store.get("acme", "structured") == structured
    assert await store.get("acme", "plain") == plain
    assert (await store.list("acme", 10, None)).items == [plain, structured]


async def test_store_first_write_wins(store: Store) -> None:
    # GIVEN a stored record
    first = make_record(text="first")
    await store.put_if_absent(first)
    # WHEN the same (tenant_id, log_id) is written again with other content
    written = await store.put_if_absent(make_record(text="second"))
    # THEN the second write reports it did nothing and the first record stays
    assert written is False
    assert await store.get("acme", "123") == first


async def test_store_tenants_do_not_share_log_ids(store: Store) -> None:
    await store.put_if_absent(make_record(tenant_id="acme", text="acme's"))
    await store.put_if_absent(make_record(tenant_id="globex", text="globex's"))

    acme = await store.get("acme", "123")
    globex = await store.get("globex", "123")

    assert acme is not None and acme.modified_data == "acme's"
    assert globex is not None and globex.modified_data == "globex's"
    assert [r.tenant_id for r in (await store.list("acme", 10, None)).items] == ["acme"]


async def test_store_get_missing_is_none(store: Store) -> None:
    assert await store.get("acme", "nope") is None


async def test_store_keeps_record_without_original_text(store: Store) -> None:
    record = make_record()
    record = type(record)(**{**record.to_dict(), "original_text": None})

    await store.put_if_absent(record)

    assert await store.get("acme", "123") == record


@pytest.mark.parametrize("log_id", ["a/b", "x#y", "q?z=1", "100%", "ünï-cødé", "~!@$^&*()"])
async def test_store_odd_log_ids_round_trip(store: Store, log_id: str) -> None:
    await store.put_if_absent(make_record(log_id=log_id))

    record = await store.get("acme", log_id)

    assert record is not None and record.log_id == log_id


async def test_store_list_pages_in_log_id_order(store: Store) -> None:
    # GIVEN 7 records of one tenant written out of order, and one of another tenant
    ids = [f"id-{n:02d}" for n in (5, 1, 7, 3, 2, 6, 4)]
    for log_id in ids:
        await store.put_if_absent(make_record(log_id=log_id))
    await store.put_if_absent(make_record(tenant_id="other", log_id="id-00"))
    # WHEN the tenant's records are listed three at a time
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = await store.list("acme", 3, cursor)
        seen += [r.log_id for r in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    # THEN every record comes once, in order, and nothing of the other tenant
    assert seen == sorted(ids)
    assert pages == 3


async def test_store_list_exact_multiple_has_no_empty_last_page(store: Store) -> None:
    for n in range(4):
        await store.put_if_absent(make_record(log_id=f"id-{n}"))

    first = await store.list("acme", 2, None)
    second = await store.list("acme", 2, first.next_cursor)

    assert len(second.items) == 2
    assert second.next_cursor is None


async def test_store_list_unknown_tenant_is_empty(store: Store) -> None:
    page = await store.list("nobody", 10, None)

    assert page.items == [] and page.next_cursor is None


async def test_store_list_rejects_garbage_cursor(store: Store) -> None:
    with pytest.raises(InvalidCursor):
        await store.list("acme", 10, "!!not-a-cursor!!")


async def test_store_list_cursor_past_the_end_is_empty(store: Store) -> None:
    await store.put_if_absent(make_record(log_id="a"))

    page = await store.list("acme", 10, encode_cursor("zzz"))

    assert page.items == []


async def test_store_ping_succeeds(store: Store) -> None:
    await store.ping()


# ---- retention: expired records are never read --------------------------------------


def expiring(expires_at: str | None, log_id: str = "123", text: str = "hello") -> LogRecord:
    return replace(make_record(log_id=log_id, text=text), expires_at=expires_at)


async def list_all(store: Store, tenant_id: str, limit: int) -> tuple[list[str], list[int]]:
    """Every log_id a tenant's pages give, in order, and the size of each page."""
    seen: list[str] = []
    sizes: list[int] = []
    cursor = None
    while True:
        page = await store.list(tenant_id, limit, cursor)
        seen += [r.log_id for r in page.items]
        sizes.append(len(page.items))
        cursor = page.next_cursor
        if cursor is None:
            return seen, sizes
        assert len(sizes) < 100, "paging does not end"


async def test_store_expires_at_round_trips(store: Store) -> None:
    record = expiring(LATER)

    await store.put_if_absent(record)

    assert await store.get("acme", "123") == record
    assert (await store.list("acme", 10, None)).items == [record]


async def test_store_record_is_not_read_once_it_expires(store: Store, clock: Clock) -> None:
    # GIVEN a record that expires tomorrow, read back today
    await store.put_if_absent(expiring(SOON))
    assert await store.get("acme", "123") is not None
    # WHEN the clock reaches one second before its expiry, THEN it is still there
    clock.now = epoch_seconds(SOON) - 1
    assert await store.get("acme", "123") is not None
    # WHEN it reaches the expiry itself, THEN neither get nor list returns it any more
    clock.now = epoch_seconds(SOON)
    assert await store.get("acme", "123") is None
    page = await store.list("acme", 10, None)
    assert page.items == [] and page.next_cursor is None


async def test_store_record_already_expired_when_written_is_never_read(store: Store) -> None:
    assert await store.put_if_absent(expiring(PAST)) is True

    assert await store.get("acme", "123") is None
    assert (await store.list("acme", 10, None)).items == []


async def test_store_record_without_expiry_is_kept_forever(store: Store, clock: Clock) -> None:
    record = expiring(None)
    await store.put_if_absent(record)

    clock.advance(100 * 365 * DAY)

    assert await store.get("acme", "123") == record
    assert (await store.list("acme", 10, None)).items == [record]


async def test_store_expired_record_counts_as_absent_for_the_next_write(
    store: Store, clock: Clock
) -> None:
    # GIVEN a record that has expired (whether or not it is deleted yet)
    await store.put_if_absent(expiring(SOON, text="old"))
    clock.now = epoch_seconds(SOON) + 1
    # WHEN a record with the same id is written
    new = expiring(LATER, text="new")
    written = await store.put_if_absent(new)
    # THEN it is written and read back, like a first write
    assert written is True
    assert await store.get("acme", "123") == new
    assert (await store.list("acme", 10, None)).items == [new]


async def test_store_first_write_still_wins_over_a_record_not_yet_expired(store: Store) -> None:
    first = expiring(SOON, text="first")
    await store.put_if_absent(first)

    assert await store.put_if_absent(expiring(LATER, text="second")) is False
    assert await store.get("acme", "123") == first


@pytest.mark.parametrize("limit", [1, 3, 4, 50])
async def test_store_pages_skip_expired_records_without_skipping_or_repeating_others(
    store: Store, limit: int
) -> None:
    # GIVEN a tenant's records where expired ones come singly, in a run longer than a
    # page, first and last; and live ones that expire later or never
    expired = {0, 2, 5, 6, 7, 8, 9, 10, 11, 14, 19}
    for n in range(20):
        expires_at = PAST if n in expired else (LATER if n % 2 else None)
        await store.put_if_absent(expiring(expires_at, log_id=f"id-{n:02d}"))
    # WHEN the tenant's records are listed page by page
    seen, sizes = await list_all(store, "acme", limit)
    # THEN every live record comes exactly once, in order, and no expired one
    assert seen == [f"id-{n:02d}" for n in range(20) if n not in expired]
    assert all(size <= limit for size in sizes)


async def test_store_only_expired_records_list_as_empty(store: Store) -> None:
    for n in range(5):
        await store.put_if_absent(expiring(PAST, log_id=f"id-{n}"))

    seen, _ = await list_all(store, "acme", 2)

    assert seen == []


# ---- erasure: deleted and erased records are never written or read again ------------


#: Times around an erasure requested at ERASED_AT (received_at is RFC 3339 with milliseconds).
BEFORE_ERASURE = "2024-01-01T00:00:00.000Z"
ERASED_AT = "2024-01-01T00:00:00.500Z"
AFTER_ERASURE = "2024-01-01T00:00:00.501Z"


def received(at: str, tenant_id: str = "acme", log_id: str = "123", text: str = "x") -> LogRecord:
    return replace(make_record(tenant_id, log_id, text), received_at=at)


def erasure_at(before: str, tenant_id: str = "acme", erasure_id: str = "e1") -> Erasure:
    return Erasure(erasure_id, tenant_id, before, requested_by="key-1")


async def test_store_delete_erases_a_record_and_says_whether_one_was_there(store: Store) -> None:
    # GIVEN a stored record
    await store.put_if_absent(make_record())
    # WHEN it is deleted, THEN the store says it was there (204) and it is gone from reads
    assert await store.delete("acme", "123") is True
    assert await store.get("acme", "123") is None
    assert (await store.list("acme", 10, None)).items == []
    # AND deleting it again, or an id never stored, says nothing was there (404)
    assert await store.delete("acme", "123") is False
    assert await store.delete("acme", "never-stored") is False


async def test_store_deleted_record_is_never_written_back(store: Store) -> None:
    # GIVEN a deleted record
    await store.put_if_absent(make_record(text="first"))
    await store.delete("acme", "123")
    # WHEN its message is delivered again, or a client reuses the id with other content
    again = await store.put_if_absent(make_record(text="first"))
    reused = await store.put_if_absent(received(AFTER_ERASURE, text="second"))
    # THEN the tombstone refuses both: nothing is written, nothing is read
    assert again is False and reused is False
    assert await store.get("acme", "123") is None
    assert (await store.list("acme", 10, None)).items == []


async def test_store_deleting_an_id_not_stored_yet_keeps_its_log_out(store: Store) -> None:
    # The DELETE of a log still in the queue answers 404, and the log never appears.
    assert await store.delete("acme", "queued") is False

    assert await store.put_if_absent(make_record(log_id="queued")) is False
    assert await store.get("acme", "queued") is None


async def test_store_deleting_touches_no_other_record(store: Store) -> None:
    await store.put_if_absent(make_record(log_id="a"))
    await store.put_if_absent(make_record(log_id="b"))
    await store.put_if_absent(make_record(tenant_id="other", log_id="a"))

    await store.delete("acme", "a")

    assert [r.log_id for r in (await store.list("acme", 10, None)).items] == ["b"]
    assert await store.get("other", "a") is not None


async def test_store_delete_of_an_expired_record_says_none_was_there(
    store: Store, clock: Clock
) -> None:
    await store.put_if_absent(expiring(SOON))
    clock.now = epoch_seconds(SOON)

    assert await store.delete("acme", "123") is False


async def test_store_tombstones_are_skipped_by_list_pages(store: Store) -> None:
    # GIVEN a tenant's records, every other one deleted
    for n in range(10):
        await store.put_if_absent(make_record(log_id=f"id-{n}"))
    for n in range(0, 10, 2):
        await store.delete("acme", f"id-{n}")
    # WHEN they are listed in small pages, THEN only the live ones come, once each
    seen, sizes = await list_all(store, "acme", 2)
    assert seen == [f"id-{n}" for n in range(1, 10, 2)]
    assert all(size <= 2 for size in sizes)


async def test_store_erasure_refuses_records_received_until_its_time(store: Store) -> None:
    # GIVEN an erasure of everything the tenant sent until ERASED_AT
    await store.save_erasure(erasure_at(ERASED_AT))
    # WHEN a worker that held logs received before (and at) that moment writes them
    before = await store.put_if_absent(received(BEFORE_ERASURE, log_id="before"))
    at = await store.put_if_absent(received(ERASED_AT, log_id="at"))
    # THEN nothing is written
    assert before is False and at is False
    assert await store.get("acme", "before") is None
    assert await store.get("acme", "at") is None
    assert await store.delete_erased("acme", ERASED_AT, 10) == 0
    # AND a log received after it, or another tenant's, is stored as usual
    after = received(AFTER_ERASURE, log_id="after")
    other = received(BEFORE_ERASURE, tenant_id="other")
    assert await store.put_if_absent(after) is True
    assert await store.put_if_absent(other) is True
    assert await store.get("acme", "after") == after
    assert await store.get("other", "123") == other


async def test_store_erasure_hides_stored_records_at_once(store: Store) -> None:
    # GIVEN a tenant's stored records, and another tenant's
    for n in range(5):
        await store.put_if_absent(received(BEFORE_ERASURE, log_id=f"id-{n}"))
    await store.put_if_absent(received(BEFORE_ERASURE, tenant_id="other"))
    # WHEN an erasure is saved, before anything is deleted
    await store.save_erasure(erasure_at(ERASED_AT))
    # THEN none of the tenant's records is read any more, nor deletable as a live one
    assert await store.get("acme", "id-0") is None
    seen, _ = await list_all(store, "acme", 2)
    assert seen == []
    assert await store.delete("acme", "id-1") is False
    # AND the other tenant's record is untouched
    assert await store.get("other", "123") is not None


async def test_store_tenant_mark_is_the_latest_erasure(store: Store) -> None:
    # GIVEN an erasure, then a record received after it, then a second erasure
    await store.save_erasure(erasure_at(BEFORE_ERASURE, erasure_id="e1"))
    await store.put_if_absent(received(ERASED_AT, log_id="between"))
    assert await store.get("acme", "between") is not None
    await store.save_erasure(erasure_at(AFTER_ERASURE, erasure_id="e2"))
    # THEN the later erasure covers what the first did not
    assert await store.get("acme", "between") is None
    assert await store.put_if_absent(received(ERASED_AT, log_id="late")) is False
    # AND saving the first one's progress does not move the mark back
    await store.save_erasure(erasure_at(BEFORE_ERASURE, erasure_id="e1").progressed(records=1))
    assert await store.put_if_absent(received(ERASED_AT, log_id="later")) is False


@pytest.mark.parametrize("limit", [3, 7, 50])
async def test_store_delete_erased_deletes_only_covered_records_in_chunks(
    store: Store, limit: int
) -> None:
    # GIVEN 7 records received before an erasure, with client-chosen ids out of arrival order
    covered = ["zebra-0", "apple-1", "mango-2", "kiwi-3", "fig-4", "date-5", "lime-6"]
    for log_id in covered:
        await store.put_if_absent(received(BEFORE_ERASURE, log_id=log_id))
    await store.put_if_absent(received(BEFORE_ERASURE, tenant_id="other", log_id="apple-1"))
    await store.save_erasure(erasure_at(ERASED_AT))
    # AND records received after it, with ids sorting among the covered ones
    later = ["banana-9", "zz-top"]
    for log_id in later:
        assert await store.put_if_absent(received(AFTER_ERASURE, log_id=log_id)) is True
    # WHEN the erasure deletes ``limit`` at a time until a call deletes fewer
    counts: list[int] = []
    while True:
        counts.append(await store.delete_erased("acme", ERASED_AT, limit))
        if counts[-1] < limit:
            break
        assert len(counts) < 10, "the deletion does not end"
    # THEN every covered record went, in chunks of at most ``limit``
    assert sum(counts) == len(covered)
    assert all(count <= limit for count in counts)
    assert await store.delete_erased("acme", ERASED_AT, limit) == 0
    # AND the later records and the other tenant's are still there
    seen, _ = await list_all(store, "acme", 10)
    assert seen == sorted(later)
    assert await store.get("other", "apple-1") is not None


async def test_store_delete_erased_leaves_tombstones_refusing(store: Store) -> None:
    await store.put_if_absent(received(BEFORE_ERASURE, log_id="deleted"))
    await store.delete("acme", "deleted")
    await store.save_erasure(erasure_at(ERASED_AT))

    await store.delete_erased("acme", ERASED_AT, 10)

    # a client reusing the id after the erasure is still refused by the tombstone
    assert await store.put_if_absent(received(AFTER_ERASURE, log_id="deleted")) is False


async def test_store_erasure_round_trips_and_is_updated_whole(store: Store) -> None:
    # GIVEN a new erasure, saved
    erasure = Erasure.start("acme", "key-1")
    await store.save_erasure(erasure)
    assert await store.get_erasure("acme", erasure.erasure_id) == erasure
    # WHEN its progress and its end are saved
    progressed = erasure.progressed(records=500, messages=3)
    await store.save_erasure(progressed)
    assert await store.get_erasure("acme", erasure.erasure_id) == progressed
    done = progressed.progressed(records=20).finished()
    await store.save_erasure(done)
    # THEN the last save is what is read, and only under its own tenant and id
    assert await store.get_erasure("acme", erasure.erasure_id) == done
    assert done.status == "done" and done.finished_at is not None
    assert await store.get_erasure("other", erasure.erasure_id) is None
    assert await store.get_erasure("acme", "unknown") is None


# ---- SQLite: erased means gone from the files, not only unreadable -------------------


def file_bytes(path: Path) -> bytes:
    return path.read_bytes() if path.exists() else b""


@pytest.mark.parametrize("size", ["small", "large"])
async def test_sqlite_erased_text_is_in_neither_the_database_nor_the_wal_file(
    tmp_path: Path, size: str
) -> None:
    # GIVEN records carrying a unique marker (a large one spans overflow pages): some
    # checkpointed into the database file, some only in the WAL, around another tenant's
    marker = f"erase-me-{uuid.uuid4().hex}"
    text = f"user {marker} logged in" if size == "small" else f"{marker} " * 2000
    database = await SqliteDatabase.open(tmp_path)
    store = SqliteStore(database)
    db_file, wal_file = database.path, database.path.with_name(database.path.name + "-wal")
    try:
        for n in range(20):
            await store.put_if_absent(received(BEFORE_ERASURE, log_id=f"old-{n:02d}", text=text))
            await store.put_if_absent(received(BEFORE_ERASURE, tenant_id="other", log_id=f"{n}"))
        assert await database.checkpoint_wal("PASSIVE")
        for n in range(20):
            await store.put_if_absent(received(BEFORE_ERASURE, log_id=f"new-{n:02d}", text=text))
        assert marker.encode() in file_bytes(db_file)  # the test can see it where it is
        assert marker.encode() in file_bytes(wal_file)
        # WHEN the tenant is erased, 7 rows a call until a call deletes fewer
        await store.save_erasure(erasure_at(ERASED_AT))
        deleted = [await store.delete_erased("acme", ERASED_AT, 7)]
        while deleted[-1] == 7:
            deleted.append(await store.delete_erased("acme", ERASED_AT, 7))
        # THEN every row went, and no byte of the marker is left in either file
        assert sum(deleted) == 40
        assert marker.encode() not in file_bytes(db_file)
        assert marker.encode() not in file_bytes(wal_file)
        # AND the other tenant's records are intact
        assert len((await store.list("other", 100, None)).items) == 20
    finally:
        await database.close()


async def test_sqlite_deleted_text_is_in_neither_the_database_nor_the_wal_file(
    tmp_path: Path,
) -> None:
    marker = f"delete-me-{uuid.uuid4().hex}"
    database = await SqliteDatabase.open(tmp_path)
    store = SqliteStore(database)
    db_file, wal_file = database.path, database.path.with_name(database.path.name + "-wal")
    try:
        for n in range(5):
            await store.put_if_absent(make_record(log_id=f"keep-{n}"))
        await store.put_if_absent(make_record(log_id="gone", text=f"card {marker}"))
        assert marker.encode() in file_bytes(wal_file)

        assert await store.delete("acme", "gone") is True

        assert marker.encode() not in file_bytes(db_file)
        assert marker.encode() not in file_bytes(wal_file)
        assert len((await store.list("acme", 10, None)).items) == 5
    finally:
        await database.close()


async def test_sqlite_erasure_waits_for_the_wal_to_be_emptied_and_counts_every_row(
    tmp_path: Path,
) -> None:
    # GIVEN covered records, and another connection holding a read transaction open
    database = await SqliteDatabase.open(tmp_path, busy_timeout=0.1)
    store = SqliteStore(database)
    reader = sqlite3.connect(database.path, isolation_level=None)
    try:
        for n in range(5):
            await store.put_if_absent(received(BEFORE_ERASURE, log_id=f"id-{n}"))
        await store.save_erasure(erasure_at(ERASED_AT))
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM logs").fetchone()
        # WHEN the finishing call cannot empty the WAL, THEN it fails (to be repeated)
        with pytest.raises(StoreUnavailable, match="WAL"):
            await store.delete_erased("acme", ERASED_AT, 10)
        # AND once the reader is done, the repeat succeeds and counts the rows deleted before
        reader.execute("COMMIT")
        assert await store.delete_erased("acme", ERASED_AT, 10) == 5
        assert await store.delete_erased("acme", ERASED_AT, 10) == 0
    finally:
        reader.close()
        await database.close()


# Search (tenantlog.core.query): the same semantics on every backend that serves it.


def searches_text(store: Store) -> bool:
    """Whether the store serves ``q`` (DynamoDB refuses it: tested below)."""
    from tenantlog.store.dynamodb import DynamoDbStore

    return not isinstance(store, DynamoDbStore)


def log(
    log_id: str,
    *,
    timestamp: str | None = None,
    received_at: str = "2024-01-01T00:00:00.000Z",
    text: str = "hello",
    original: str | None = None,
    severity: str | None = None,
    attributes: dict[str, str] | None = None,
    original_attributes: dict[str, str] | None = None,
    source: Source = "json_upload",
    tenant_id: str = "acme",
) -> LogRecord:
    return replace(
        make_record(tenant_id=tenant_id, log_id=log_id, text=text),
        original_text=text if original is None else original,
        received_at=received_at,
        timestamp=timestamp,
        severity=severity,
        attributes=attributes or {},
        original_attributes=original_attributes,
        source=source,
    )


async def put_all(store: Store, *records: LogRecord) -> None:
    for record in records:
        assert await store.put_if_absent(record) is True


async def search(
    store: Store, query: LogQuery, limit: int = 100, tenant_id: str = "acme"
) -> list[str]:
    """The log ids of every page of the query, in order."""
    found: list[str] = []
    cursor: str | None = None
    while True:
        page = await store.list(tenant_id, limit, cursor, query)
        found += [r.log_id for r in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return found


def asked(**params: str) -> LogQuery:
    return parse_query(params.items(), START)


async def test_store_time_window_is_on_event_time_falling_back_to_received_at(
    store: Store,
) -> None:
    # GIVEN logs with event times and logs with only received_at (3 fractional digits,
    # where timestamps have 9)
    await put_all(
        store,
        log("a", timestamp="2024-01-01T10:00:00.000000000Z"),
        log("b", received_at="2024-01-01T10:30:00.000Z"),
        log("c", timestamp="2024-01-01T11:00:00.000000000Z"),
        log("d", timestamp="2024-01-01T09:59:59.999999999Z", received_at="2024-01-01T10:20:00Z"),
        log("e", received_at="2024-01-01T10:00:00.000Z"),
        log("f", timestamp="2024-01-01T10:00:00.000000001Z"),
    )
    window = {"since": "2024-01-01T10:00:00Z", "until": "2024-01-01T11:00:00Z"}
    # THEN since is inclusive, until exclusive, newest first by default, and a
    # millisecond received_at sorts among nanosecond timestamps as the time it is
    assert await search(store, asked(**window)) == ["b", "f", "e", "a"]
    assert await search(store, asked(**window, order="asc")) == ["a", "e", "f", "b"]
    assert await search(store, asked(**window, order="asc"), limit=1) == ["a", "e", "f", "b"]
    assert await search(store, asked(until="2024-01-01T10:00:00Z")) == ["d"]


async def test_store_without_filters_keeps_log_id_order(store: Store) -> None:
    await put_all(
        store,
        log("b", timestamp="2024-01-01T09:00:00.000000000Z"),
        log("a", timestamp="2024-01-01T10:00:00.000000000Z"),
        log("c", severity="error"),
    )

    assert await search(store, LogQuery()) == ["a", "b", "c"]
    assert await search(store, asked(severity="ERROR"), limit=1) == ["c"]
    # an explicit order sorts by event time
    assert await search(store, asked(order="asc")) == ["c", "b", "a"]
    assert await search(store, asked(order="desc"), limit=2) == ["a", "b", "c"]


async def test_store_text_search_is_case_insensitive_in_the_redacted_text_only(
    store: Store,
) -> None:
    # GIVEN a log whose phone number was redacted, in its text and in an attribute
    await put_all(
        store,
        log(
            "redacted",
            text="Call [REDACTED] about the Straße TIMEOUT",
            original="Call 555-0199 about the Straße TIMEOUT",
            attributes={"phone": "[REDACTED]"},
            original_attributes={"phone": "555-0199"},
        ),
        log("other", text="all good"),
    )
    # THEN the redacted value is found by no attribute, the redacted one is
    assert await search(store, LogQuery(attributes=(("phone", "555-0199"),))) == []
    assert await search(store, LogQuery(attributes=(("phone", "[REDACTED]"),))) == ["redacted"]
    if not searches_text(store):
        return
    # AND the redacted value is not found by text
    assert await search(store, asked(q="555-0199")) == []
    assert await search(store, asked(q="0199")) == []
    # AND the redacted text is, in any case (Unicode folding too)
    assert await search(store, asked(q="timeout")) == ["redacted"]
    assert await search(store, asked(q="[redacted]")) == ["redacted"]
    assert await search(store, asked(q="STRASSE")) == ["redacted"]


async def test_store_severity_attribute_and_source_filters_combine(store: Store) -> None:
    await put_all(
        store,
        log("1", severity="ERROR", attributes={"service": "pay", "region": "eu"}),
        log("2", severity="error", attributes={"service": "pay"}),
        log("3", severity="Warn", attributes={"service": "auth", "region": "eu"}),
        log("4", attributes={"service": "pay", "region": "eu"}, source="otlp"),
        log("5", severity="info", source="otlp"),
    )

    assert await search(store, asked(severity="error")) == ["1", "2"]
    assert await search(store, parse_query([("severity", "error"), ("severity", "WARN")], 0)) == [
        "1",
        "2",
        "3",
    ]
    assert await search(store, asked(severity="error,warn"), limit=1) == ["1", "2", "3"]
    both = [("attr.service", "pay"), ("attr.region", "eu")]
    assert await search(store, parse_query(both, 0)) == ["1", "4"]
    assert await search(store, parse_query([*both, ("severity", "error")], 0)) == ["1"]
    assert await search(store, asked(source="otlp")) == ["4", "5"]
    assert await search(store, parse_query([("attr.region", "")], 0)) == []
    # another tenant's logs are never found
    assert await search(store, asked(severity="error"), tenant_id="other") == []


async def test_store_search_skips_expired_and_erased_records(store: Store, clock: Clock) -> None:
    await put_all(
        store,
        log("old", received_at="2024-01-01T00:00:00.000Z", severity="error"),
        replace(
            log("gone", received_at="2024-01-30T00:00:00.000Z", severity="error"), expires_at=SOON
        ),
        log("kept", received_at="2024-01-30T00:00:00.000Z", severity="error"),
    )
    await store.save_erasure(
        Erasure(
            erasure_id="e1", tenant_id="acme", before="2024-01-15T00:00:00.000Z", requested_by="t"
        )
    )
    clock.advance(2 * DAY)

    assert await search(store, asked(severity="error", since="30d")) == ["kept"]
    assert await search(store, asked(severity="error")) == ["kept"]


@pytest.mark.parametrize("order", ["asc", "desc", None])
async def test_store_search_pages_neither_skip_nor_repeat_while_logs_arrive(
    store: Store, order: str | None
) -> None:
    # GIVEN 20 logs, one a minute
    minute = [f"2024-01-01T10:{m:02d}:00.000000000Z" for m in range(60)]
    await put_all(store, *(log(f"id{m:02d}", timestamp=minute[m]) for m in range(0, 40, 2)))
    before = set(await search(store, LogQuery()))
    query = asked(order=order) if order else LogQuery()
    # WHEN logs arrive between every two pages, before, among and after those read
    seen: list[str] = []
    cursor: str | None = None
    arriving = iter(range(1, 40, 2))
    while True:
        page = await store.list("acme", 3, cursor, query)
        seen += [r.log_id for r in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
        for _ in range(3):
            m = next(arriving, None)
            if m is not None:
                await put_all(store, log(f"id{m:02d}", timestamp=minute[m]))
    # THEN every log stored before the first page is read once, and no log twice
    assert len(seen) == len(set(seen))
    assert before <= set(seen)
    expected_order = sorted(seen, reverse=query.order == "desc")
    assert seen == expected_order


async def test_store_cursor_of_another_order_is_refused(store: Store) -> None:
    await put_all(store, *(log(f"id{n}", timestamp=f"2024-01-01T10:0{n}:00Z") for n in range(3)))
    newest_first = await store.list("acme", 1, None, asked(order="desc"))
    plain = await store.list("acme", 1, None)
    assert newest_first.next_cursor is not None and plain.next_cursor is not None

    assert [
        r.log_id
        for r in (await store.list("acme", 1, newest_first.next_cursor, asked(order="desc"))).items
    ] == ["id1"]
    with pytest.raises(InvalidCursor):
        await store.list("acme", 1, newest_first.next_cursor, asked(order="asc"))
    with pytest.raises(InvalidCursor):
        await store.list("acme", 1, plain.next_cursor, asked(order="desc"))


async def test_store_text_search_is_served_or_refused_by_name(store: Store) -> None:
    # GIVEN a log
    await put_all(store, log("1", text="Request TIMEOUT"))
    query = asked(q="timeout", severity="error")
    if searches_text(store):
        # THEN a store that searches text finds it
        assert await search(store, asked(q="timeout")) == ["1"]
        return
    # THEN DynamoDB names q, whatever else the search asks, rather than read the whole
    # partition for a case-insensitive match it cannot express
    with pytest.raises(UnsupportedQuery, match=r"^q is not supported on this backend$"):
        await store.list("acme", 10, None, query)
    # AND the other filters are served as ever
    assert await search(store, asked(order="asc")) == ["1"]


async def test_sqlite_search_finds_logs_stored_before_event_time_existed(tmp_path: Path) -> None:
    # GIVEN a database file of the release before search: no event_time column, no index
    database = await SqliteDatabase.open(tmp_path)
    store = SqliteStore(database)
    await put_all(
        store,
        log("with-time", timestamp="2024-01-01T10:00:00.000000001Z"),
        log("received-only", received_at="2024-01-01T10:00:00.000Z"),
    )
    path = database.path
    await database.close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP INDEX logs_by_event_time")
        conn.execute("ALTER TABLE logs DROP COLUMN event_time")
    conn.close()
    # WHEN this release opens it
    database = await SqliteDatabase.open(tmp_path)
    try:
        store = SqliteStore(database)
        # THEN the old logs have their event time, and a window finds them in time order
        query = asked(since="2024-01-01T10:00:00Z", order="asc")
        assert await search(store, query, limit=1) == ["received-only", "with-time"]
    finally:
        await database.close()
