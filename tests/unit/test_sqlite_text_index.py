"""The SQLite store's text index: exact whatever its lag, gone with what is erased."""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenantlog.core.erasure import Erasure
from tenantlog.core.models import LogRecord
from tenantlog.core.query import InvalidQuery, LogQuery, parse_query
from tenantlog.db.sqlite import DATABASE_FILE, SqliteDatabase
from tenantlog.store import sqlite_text_index as text_index
from tenantlog.store.memory import MemoryStore
from tenantlog.store.sqlite import SqliteStore
from tenantlog.store.sqlite_text_index import TextIndexer, candidates
from tests.contract.conftest import START, Clock
from tests.support.factories import make_record

pytestmark = pytest.mark.anyio

#: Words whose case folding is not ASCII lowering: ß folds to "ss", the Kelvin sign to k.
WORDS = ["Straße", "STRASSE", "ǅemal", "K-Kelvin", "kelvin", "naïve", "Ünïcode", "ﬁle", "payment"]
WORDS += ["failed", "ok", "disk", "FULL", 'a"quote', "x*y", "NEAR", "and", "OR", "-", "  "]
TERMS = ["ss", "strasse", "straße", "kel", "KELVIN", "nt fa", '"quo', "x*y", "ﬁ", "fi", "ile"]
TERMS += ["near", "or d", "ünï", "a", "ed ok", "  ", "xyz"]


def asked(**params: str) -> LogQuery:
    return parse_query(params.items(), START)


def rec(log_id: str, text: str, *, tenant_id: str = "acme", **fields: object) -> LogRecord:
    record = make_record(tenant_id=tenant_id, log_id=log_id, text=text)
    return replace(record, **fields)  # type: ignore[arg-type]


def file_bytes(path: Path) -> bytes:
    return path.read_bytes() if path.exists() else b""


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    database = await SqliteDatabase.open(tmp_path)
    yield database
    await database.close()


async def search(store: SqliteStore | MemoryStore, query: LogQuery, limit: int) -> list[str]:
    found: list[str] = []
    cursor: str | None = None
    while True:
        page = await store.list("acme", limit, cursor, query)
        found += [r.log_id for r in page.items]
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


async def matches(database: SqliteDatabase, text: str) -> list[int]:
    """The seqs the index itself names for ``text`` (the folded phrase), every shard's."""
    found = await database.read(lambda conn: candidates(conn, text, 1_000_000))
    assert found is not None
    return sorted(found)


@pytest.mark.parametrize("shard_seqs", [None, 50])
async def test_text_search_is_exact_whatever_the_index_has_reached(
    database: SqliteDatabase, monkeypatch: pytest.MonkeyPatch, shard_seqs: int | None
) -> None:
    # GIVEN random texts of words that fold in odd ways, in two tenants (with shard_seqs,
    # in several shards of the index), and a store of the same records held to the
    # reference semantics
    if shard_seqs is not None:
        monkeypatch.setattr(text_index, "SHARD_SEQS", shard_seqs)
    rng = random.Random(7)
    clock = Clock()
    sqlite_store, memory = SqliteStore(database, clock=clock), MemoryStore(clock=clock)
    indexer = TextIndexer(database)
    for n in range(240):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 8)))
        tenant = "acme" if n % 3 else "other"
        minute = rng.randint(0, 59)
        record = rec(
            f"id-{n:03d}",
            text,
            tenant_id=tenant,
            timestamp=f"2024-01-01T10:{minute:02d}:00.000000000Z",
        )
        for store in (sqlite_store, memory):
            assert await store.put_if_absent(record) is True
        if n == 160:  # the index reaches two thirds of them; the rest only the scan sees
            while await indexer.index_batch(50) == 50:
                pass
    assert await matches(database, "payment")  # the index does serve these searches
    # WHEN every term is searched in both orders and by id, in small pages
    for term in TERMS:
        for order in ("desc", "asc"):
            query = asked(q=term, order=order, since="2024-01-01T00:00:00Z")
            # THEN the SQLite store finds exactly what the reference finds
            assert await search(sqlite_store, query, 7) == await search(memory, query, 7), term
        assert await search(sqlite_store, asked(q=term), 5) == await search(
            memory, asked(q=term), 5
        )


async def test_a_common_text_is_found_by_walking_the_time_index_with_the_same_answer(
    database: SqliteDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tenantlog.store.sqlite as sqlite_module

    monkeypatch.setattr(sqlite_module, "TEXT_CANDIDATES", 5)  # "common" past 5 matches
    store, memory = SqliteStore(database), MemoryStore()
    for n in range(30):
        record = rec(f"id-{n:02d}", "disk full" if n % 2 else "all good")
        await store.put_if_absent(record)
        await memory.put_if_absent(record)
    await TextIndexer(database).index_batch()
    assert len(await matches(database, "disk")) == 15
    assert await search(store, asked(q="DISK"), 4) == await search(memory, asked(q="DISK"), 4)


async def test_the_indexer_indexes_each_record_once_across_processes(tmp_path: Path) -> None:
    # GIVEN two processes' databases on one file, and records to index
    first = await SqliteDatabase.open(tmp_path)
    second = await SqliteDatabase.open(tmp_path)
    try:
        store = SqliteStore(first)
        for n in range(500):
            await store.put_if_absent(rec(f"id-{n:03d}", f"line {n} of the batch"))
        # WHEN both index at once, in small batches
        one, two = TextIndexer(first), TextIndexer(second)

        async def drain(indexer: TextIndexer) -> int:
            total = 0
            while (indexed := await indexer.index_batch(37)) > 0:
                total += indexed
            return total

        totals = await asyncio.gather(drain(one), drain(two))
        # THEN between them they indexed every record exactly once
        assert sum(totals) == 500
        assert sorted(await matches(first, "of the batch")) == list(range(1, 501))
    finally:
        await first.close()
        await second.close()


async def test_short_texts_and_a_build_without_fts5_scan_and_say_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a database without the text index (as on a build without FTS5)
    plain = await SqliteDatabase.open(tmp_path / "plain", text_index=False)
    indexed = await SqliteDatabase.open(tmp_path / "indexed")
    try:
        tables = await plain.read(
            lambda conn: [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
        )
        assert "text_index_progress" not in tables
        for database in (plain, indexed):
            store = SqliteStore(database)
            await store.put_if_absent(rec("a", "Disk FULL on /var"))
            await store.put_if_absent(rec("b", "all good"))
            await TextIndexer(database).index_batch()
        # WHEN each is searched: a text on the plain one, a 2-character one on the other
        with caplog.at_level(logging.WARNING, logger="tenantlog.store"):
            assert await search(SqliteStore(plain), asked(q="disk full"), 10) == ["a"]
            assert "no FTS5" in caplog.text
            assert await search(SqliteStore(indexed), asked(q="UL"), 10) == ["a"]
            assert "fewer than 3 characters" in caplog.text
    finally:
        await plain.close()
        await indexed.close()


async def test_the_indexer_without_fts5_says_so_and_stops(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tenantlog.db.sqlite as db_module

    monkeypatch.setattr(db_module, "has_fts5", lambda conn: False)  # the probe at open
    database = await SqliteDatabase.open(tmp_path)
    try:
        assert database.text_index is False
        with caplog.at_level(logging.WARNING, logger="tenantlog.store"):
            await asyncio.wait_for(TextIndexer(database).run(asyncio.Event()), 5)
        assert "no FTS5" in caplog.text
    finally:
        await database.close()


#: A text no other record shares a character with: its first trigram, "☃☄★", is a term of
#: the index whose UTF-8 bytes are stored whole (no earlier term shares a prefix with it).
MARKER = "☃☄★ card"
MARKER_TERM = "☃☄★".encode()


async def index_blobs(database: SqliteDatabase) -> bytes:
    """Every page of every shard of the index, as FTS5 keeps them."""

    def read(conn: sqlite3.Connection) -> list[bytes]:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE name GLOB 'log_text_*_data'"
            )
        ]
        assert tables
        return [
            row[0]
            for table in tables
            for row in conn.execute(f"SELECT block FROM {table}")
            if isinstance(row[0], bytes)
        ]

    return b"".join(await database.read(read))


async def test_erased_logs_leave_no_trigram_in_the_database_or_the_wal(
    database: SqliteDatabase,
) -> None:
    # GIVEN indexed records carrying the marker, and another tenant's
    store, indexer = SqliteStore(database), TextIndexer(database)
    files = (database.path, database.path.with_name(database.path.name + "-wal"))
    for n in range(20):
        received = "2024-01-01T00:00:00.000Z"
        await store.put_if_absent(rec(f"old-{n:02d}", f"{MARKER} {n}", received_at=received))
        await store.put_if_absent(rec(f"{n}", "other text", tenant_id="other"))
    await indexer.index_batch()
    assert MARKER_TERM in await index_blobs(database)  # the test can see it in the index
    before = "2024-01-02T00:00:00.000Z"
    await store.save_erasure(
        Erasure(erasure_id="e1", tenant_id="acme", before=before, requested_by="admin")
    )
    # WHEN the tenant is erased, 7 rows a call, each call by a new store (as after a
    # restart: what the last call rewrites is kept in the file, not in memory)
    while await SqliteStore(database).delete_erased("acme", before, 7) == 7:
        pass
    # THEN no trigram of theirs is left in the index or either file
    assert await matches(database, "☃☄★") == []
    assert MARKER_TERM not in await index_blobs(database)
    for path in files:
        assert MARKER_TERM not in file_bytes(path)
    # AND the other tenant is still found through the index
    assert len(await matches(database, "other text")) == 20


@pytest.mark.parametrize("step_pages", [None, 1])
async def test_a_deleted_log_leaves_no_trigram_in_the_database_or_the_wal(
    database: SqliteDatabase, monkeypatch: pytest.MonkeyPatch, step_pages: int | None
) -> None:
    # GIVEN an index of many segments (one per small batch), and with step_pages=1 a
    # rewrite that takes many steps
    if step_pages is not None:
        monkeypatch.setattr(text_index, "REWRITE_PAGES", step_pages)
    store, indexer = SqliteStore(database), TextIndexer(database)
    for n in range(5):
        await store.put_if_absent(rec(f"keep-{n}", f"kept line {n}"))
    await store.put_if_absent(rec("gone", MARKER))
    for n in range(20):
        await store.put_if_absent(rec(f"more-{n}", f"more kept lines {n}"))
    while await indexer.index_batch(2):
        pass
    assert MARKER_TERM in await index_blobs(database)

    assert await store.delete("acme", "gone") is True

    assert MARKER_TERM not in await index_blobs(database)
    for path in (database.path, database.path.with_name(database.path.name + "-wal")):
        assert MARKER_TERM not in file_bytes(path)
    assert len(await matches(database, "kept line")) == 25


async def test_a_delete_rewrites_only_the_shard_it_deleted_from(
    database: SqliteDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN 30 indexed records in three shards of 10, each shard of several segments
    monkeypatch.setattr(text_index, "SHARD_SEQS", 10)
    store, indexer = SqliteStore(database), TextIndexer(database)
    for n in range(30):
        await store.put_if_absent(rec(f"id-{n:02d}", f"line number {n:02d}"))
    while await indexer.index_batch(3):
        pass

    def pages(shard: int) -> Callable[[sqlite3.Connection], list[tuple[int, bytes]]]:
        return lambda conn: conn.execute(f"SELECT id, block FROM log_text_{shard}_data").fetchall()

    untouched = await database.read(pages(2))
    # WHEN a record of the first shard is deleted
    assert await store.delete("acme", "id-03") is True
    # THEN that shard was rewritten and no longer names it; the last one is as it was
    assert await matches(database, "number 03") == []
    assert await database.read(pages(2)) == untouched
    assert (
        await database.read(
            lambda c: c.execute("SELECT sum(deleted) FROM text_index_shards").fetchone()[0]
        )
        == 0
    )
    assert len(await matches(database, "line number")) == 29


async def test_purged_and_replaced_records_leave_the_index(database: SqliteDatabase) -> None:
    # GIVEN indexed records, one expiring and one kept, and one expired whose id is reused
    clock = Clock()
    store, indexer = SqliteStore(database, clock=clock), TextIndexer(database)
    soon = "2024-02-01T00:00:30Z"
    await store.put_if_absent(rec("purged", "expiring words", expires_at=soon))
    await store.put_if_absent(rec("reused", "first life", expires_at=soon))
    await store.put_if_absent(rec("kept", "kept words"))
    await indexer.index_batch()
    clock.advance(60)
    # WHEN the expired id is written again, and the retention purge runs
    assert await store.put_if_absent(rec("reused", "second life")) is True
    assert await store.purge_expired() == 1
    await indexer.index_batch()
    # THEN the index names neither old text, and finds the new one and the kept one
    assert await matches(database, "expiring") == []
    assert await matches(database, "first life") == []
    assert len(await matches(database, "second life")) == 1
    assert await search(store, asked(q="life"), 10) == ["reused"]
    assert await search(store, asked(q="words"), 10) == ["kept"]


async def test_an_older_file_gets_the_store_sequence_and_follows_new_records(
    tmp_path: Path,
) -> None:
    # GIVEN a file of the release before the sequence: no seq column, counter or index
    database = await SqliteDatabase.open(tmp_path)
    store = SqliteStore(database)
    for n in range(3):
        await store.put_if_absent(rec(f"old-{n}", "before"))
    path = database.path
    await database.close()
    conn = sqlite3.connect(path)
    with conn:
        for name in ("logs_sequence_on_delete", "logs_sequence_on_replace"):
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("DROP INDEX logs_by_seq")
        conn.execute("DROP TABLE log_sequence")
        conn.execute("ALTER TABLE logs DROP COLUMN seq")
    conn.close()
    # WHEN this release opens it
    database = await SqliteDatabase.open(tmp_path)
    try:
        store = SqliteStore(database)
        # THEN the old records have distinct positions, and new ones come after them
        seqs = await database.read(lambda c: [r[0] for r in c.execute("SELECT seq FROM logs")])
        assert sorted(seqs) == [1, 2, 3]
        start = await store.follow("acme", None, asked(), 10)
        assert start.position == 3
        await store.put_if_absent(rec("new", "after"))
        followed = await store.follow("acme", start.position, asked(), 10)
        assert [(p, r.log_id) for p, r in followed.records] == [(4, "new")]
        # AND the index takes them all in
        await TextIndexer(database).index_batch()
        assert len(await matches(database, "before")) == 3
    finally:
        await database.close()


@pytest.fixture(scope="module")
def indexed_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, str]]:
    """A database whose every record is in the text index, and each record's folded text
    by its seq: built once, for the property below."""
    data_dir = tmp_path_factory.mktemp("indexed")
    rng = random.Random(11)
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6))) for _ in range(60)]

    async def build() -> None:
        database = await SqliteDatabase.open(data_dir)
        store = SqliteStore(database)
        for n, text in enumerate(texts):
            await store.put_if_absent(rec(f"id-{n:02d}", text))
        await TextIndexer(database).index_batch(len(texts))
        await database.close()

    asyncio.run(build())
    with sqlite3.connect(data_dir / DATABASE_FILE) as conn:
        rows = conn.execute("SELECT seq, modified_data FROM logs").fetchall()
    return data_dir / DATABASE_FILE, {seq: text.casefold() for seq, text in rows}


@given(text=st.text(min_size=1, max_size=24))
@settings(max_examples=300, deadline=None)
def test_any_text_a_search_accepts_is_a_phrase_the_index_can_answer(
    indexed_file: tuple[Path, dict[int, str]], text: str
) -> None:
    # GIVEN an indexed file; WHEN any text (quotes, operators, control characters) is
    # accepted as q, or refused as a malformed filter
    path, folded = indexed_file
    if "\x00" in text:
        with pytest.raises(InvalidQuery, match="NUL"):
            parse_query([("q", text)], START)
        return
    query = parse_query([("q", text)], START)
    assert query.text is not None
    with sqlite3.connect(path) as conn:
        found = candidates(conn, query.text, 1_000_000)
    # THEN the index answers it without an error, and exactly for trigram-long texts
    assert found is not None
    if len(query.text.casefold()) >= 3:
        needle = query.text.casefold()
        assert sorted(found) == sorted(seq for seq, text in folded.items() if needle in text)
