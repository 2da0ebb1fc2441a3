"""The embedded store's retention beyond the shared contract: the background purge that
deletes expired rows, and the migration of database files made before retention."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from tenantlog.core.models import LogRecord, expiry_timestamp
from tenantlog.core.store import StoreUnavailable
from tenantlog.db.sqlite import DATABASE_FILE, SqliteDatabase
from tenantlog.store.sqlite import SqliteStore
from tests.support.factories import make_record

pytestmark = pytest.mark.anyio

NOW = 1_706_745_600  # 2024-02-01T00:00:00Z
EXPIRED = expiry_timestamp(NOW - 60)
LIVE = expiry_timestamp(NOW + 86_400)
EXPIRED_METRIC = "tenantlog_records_expired_total"

#: The logs table as tenantlog created it before retention (no expires_at).
OLD_LOGS_TABLE = """
CREATE TABLE logs (
    tenant_id     TEXT    NOT NULL,
    log_id        TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    original_text TEXT,
    modified_data TEXT    NOT NULL,
    received_at   TEXT    NOT NULL,
    processed_at  TEXT    NOT NULL,
    attempts      INTEGER NOT NULL,
    redactions    TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, log_id)
) WITHOUT ROWID;
INSERT INTO logs VALUES
    ('acme', 'old', 'json_upload', 'hi', 'hi', '2023-01-01T00:00:00.000Z',
     '2023-01-01T00:00:01.000Z', 1, '{}');
"""


class Clock:
    def __init__(self) -> None:
        self.now = float(NOW)

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    database = await SqliteDatabase.open(tmp_path)
    yield database
    await database.close()


def raw_count(path: Path, where: str = "1") -> int:
    """Rows in the file, through a connection of its own (not the store's)."""
    conn = sqlite3.connect(path)
    try:
        count: int = conn.execute(f"SELECT count(*) FROM logs WHERE {where}").fetchone()[0]
        return count
    finally:
        conn.close()


def expired_total() -> float:
    return REGISTRY.get_sample_value(EXPIRED_METRIC) or 0.0


async def fill(store: SqliteStore, expired: int, live: int, forever: int) -> None:
    records: list[LogRecord] = []
    for n in range(expired):
        records.append(replace(make_record(log_id=f"e-{n:05d}"), expires_at=EXPIRED))
    for n in range(live):
        records.append(replace(make_record(log_id=f"l-{n:05d}"), expires_at=LIVE))
    for n in range(forever):
        records.append(make_record(log_id=f"f-{n:05d}"))
    await asyncio.gather(*(store.put_if_absent(r) for r in records))


async def test_purge_deletes_expired_rows_in_batches_and_counts_them(
    database: SqliteDatabase,
) -> None:
    # GIVEN 1,200 expired rows, 5 that expire tomorrow and 3 kept forever
    store = SqliteStore(database, clock=Clock())
    await fill(store, expired=1200, live=5, forever=3)
    before, commits = expired_total(), database.commits
    # WHEN the purge runs batch after batch
    deleted = [await store.purge_expired(batch=500) for _ in range(4)]
    # THEN each write transaction deleted at most a batch, until none was left
    assert deleted == [500, 500, 200, 0]
    assert database.commits - commits == 4
    # AND the rows are gone from the file, the others kept, and the counter says how many
    assert raw_count(database.path) == 8
    assert raw_count(database.path, "expires_at IS NULL") == 3
    assert expired_total() - before == 1200


async def test_purge_uses_the_partial_index_on_expiry(database: SqliteDatabase) -> None:
    conn = sqlite3.connect(database.path)
    try:
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT tenant_id, log_id FROM logs"
            " WHERE expires_at IS NOT NULL AND expires_at <= 0 ORDER BY expires_at LIMIT 5"
        ).fetchall()
    finally:
        conn.close()
    assert any("logs_by_expiry" in row[-1] for row in plan), plan


async def test_run_purge_clears_a_backlog_at_once_then_waits_and_stops_promptly(
    database: SqliteDatabase,
) -> None:
    # GIVEN a backlog of expired rows larger than a batch
    store = SqliteStore(database, clock=Clock())
    await fill(store, expired=120, live=2, forever=0)
    stopping = asyncio.Event()
    # WHEN the background purge starts, with an hour between rounds
    task = asyncio.create_task(store.run_purge(stopping, every=3600, batch=50))
    # THEN it deletes the whole backlog without waiting between full batches
    async with asyncio.timeout(10):
        while raw_count(database.path) > 2:
            await asyncio.sleep(0.01)
    # AND stopping it ends it at once, not after the hour
    stopping.set()
    async with asyncio.timeout(5):
        await task


async def test_run_purge_outlives_a_failed_round(
    database: SqliteDatabase, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    store = SqliteStore(database, clock=Clock())
    await fill(store, expired=3, live=0, forever=0)
    purge = store.purge_expired
    failures = [StoreUnavailable("disk I/O error")]

    async def flaky(batch: int = 500) -> int:
        if failures:
            raise failures.pop()
        return await purge(batch)

    monkeypatch.setattr(store, "purge_expired", flaky)
    stopping = asyncio.Event()
    task = asyncio.create_task(store.run_purge(stopping, every=0.01))
    async with asyncio.timeout(10):
        while raw_count(database.path) > 0:
            await asyncio.sleep(0.01)
    stopping.set()
    await task
    assert "purging expired logs failed" in caplog.text


async def test_database_made_before_retention_is_migrated_when_opened(tmp_path: Path) -> None:
    # GIVEN a database file whose logs table has no expires_at column, with a log in it
    conn = sqlite3.connect(tmp_path / DATABASE_FILE)
    conn.executescript(OLD_LOGS_TABLE)
    conn.close()
    # WHEN it is opened by two processes' worth of databases at once
    first, second = await asyncio.gather(
        SqliteDatabase.open(tmp_path), SqliteDatabase.open(tmp_path)
    )
    try:
        # THEN the column and the purge's index are there
        conn = sqlite3.connect(tmp_path / DATABASE_FILE)
        columns = [row[1] for row in conn.execute("PRAGMA table_info(logs)")]
        indexes = [row[1] for row in conn.execute("PRAGMA index_list(logs)")]
        conn.close()
        assert columns.count("expires_at") == 1
        assert "logs_by_expiry" in indexes
        # AND the old log reads back, kept forever; new ones are written and read with expiry
        store = SqliteStore(first, clock=Clock())
        old = await store.get("acme", "old")
        assert old is not None and old.expires_at is None
        new = replace(make_record(log_id="new"), expires_at=LIVE)
        assert await store.put_if_absent(new) is True
        assert await SqliteStore(second, clock=Clock()).get("acme", "new") == new
        page = await store.list("acme", 10, None)
        assert [r.log_id for r in page.items] == ["new", "old"]
    finally:
        await first.close()
        await second.close()
    # AND opening it again changes nothing
    again = await SqliteDatabase.open(tmp_path)
    await again.close()
    assert raw_count(tmp_path / DATABASE_FILE) == 2
