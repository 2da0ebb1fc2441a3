"""The text index end to end: a real worker process indexes stored logs in the background,
two of them on one file index each log once, and they stop cleanly."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from tenantlog.db.sqlite import DATABASE_FILE, SqliteDatabase
from tenantlog.store.sqlite import SqliteStore
from tests.support.factories import make_record
from tests.support.server import ServerProcess, wait_until

pytestmark = pytest.mark.slow


def indexed_matches(data_dir: Path, phrase: str) -> tuple[int, list[int]]:
    """The indexer's progress, and the seqs the index names for ``phrase``."""
    conn = sqlite3.connect(data_dir / DATABASE_FILE)
    try:
        progress = conn.execute("SELECT indexed FROM text_index_progress").fetchone()[0]
        shards = [
            row[0] for row in conn.execute("SELECT shard FROM text_index_shards ORDER BY shard")
        ]
        seqs = [
            row[0]
            for shard in shards
            for row in conn.execute(
                f"SELECT rowid FROM log_text_{shard} WHERE log_text_{shard} MATCH ?", (phrase,)
            )
        ]
        return progress, seqs
    finally:
        conn.close()


def test_worker_processes_index_stored_logs_in_the_background_once_each(data_dir: Path) -> None:
    # GIVEN a database holding logs no index has seen
    async def fill() -> None:
        database = await SqliteDatabase.open(data_dir)
        store = SqliteStore(database)
        for n in range(300):
            await store.put_if_absent(
                make_record(log_id=f"id-{n:03d}", text=f"Disk FULL on node {n}")
            )
        await database.close()

    asyncio.run(fill())
    # WHEN two worker processes run on the file
    with (
        ServerProcess(data_dir, command="worker") as one,
        ServerProcess(data_dir, command="worker") as two,
    ):
        # THEN the index holds every log, each once, under its folded text
        wait_until(lambda: indexed_matches(data_dir, '"disk full"')[0] == 300, seconds=20)
        assert indexed_matches(data_dir, '"disk full"')[1] == list(range(1, 301))
        # AND both stop cleanly with their indexers running
        assert one.stop() == 0
        assert two.stop() == 0
