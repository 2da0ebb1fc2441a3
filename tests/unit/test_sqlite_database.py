"""Group commit: concurrent writes share transactions, and each failure stays its own."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tenantlog.db.sqlite import DatabaseError, SqliteDatabase
from tenantlog.queue.sqlite import SqliteQueue
from tests.support.factories import message_body

pytestmark = pytest.mark.anyio


async def test_concurrent_sends_share_commits(tmp_path: Path) -> None:
    # GIVEN one database and 500 requests arriving at once
    database = await SqliteDatabase.open(tmp_path)
    queue = SqliteQueue(database)
    # WHEN each sends its own message
    await asyncio.gather(*(queue.send([message_body(log_id=str(n))]) for n in range(500)))
    # THEN all are stored, in far fewer transactions than messages
    assert (await queue.stats()).visible == 500
    assert database.commits < 50
    await database.close()


async def test_failed_operation_does_not_undo_its_batch_mates(tmp_path: Path) -> None:
    # GIVEN a table with a uniqueness rule
    database = await SqliteDatabase.open(tmp_path)
    await database.write(lambda conn: conn.execute("CREATE TABLE t (k TEXT PRIMARY KEY)"))

    def insert(key: str) -> Callable[[sqlite3.Connection], sqlite3.Cursor]:
        return lambda conn: conn.execute("INSERT INTO t VALUES (?)", (key,))

    # WHEN three writes share a transaction and the middle one breaks the rule
    results = await asyncio.gather(
        database.write(insert("a")),
        database.write(insert("a")),
        database.write(insert("b")),
        return_exceptions=True,
    )
    # THEN only that one fails, and the others are committed
    assert isinstance(results[1], DatabaseError)
    assert not isinstance(results[0], BaseException)
    rows = await database.read(lambda conn: conn.execute("SELECT k FROM t ORDER BY k").fetchall())
    assert rows == [("a",), ("b",)]
    await database.close()


async def test_locked_database_fails_the_write_with_database_error(tmp_path: Path) -> None:
    database = await SqliteDatabase.open(tmp_path, busy_timeout=0.1)
    locker = sqlite3.connect(database.path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")

    with pytest.raises(DatabaseError, match="locked"):
        await database.write(lambda conn: conn.execute("SELECT 1"))

    locker.execute("ROLLBACK")
    locker.close()
    await database.close()


async def test_database_is_durable_across_reopen(tmp_path: Path) -> None:
    database = await SqliteDatabase.open(tmp_path)
    await SqliteQueue(database).send([message_body()])
    await database.close()

    reopened = await SqliteDatabase.open(tmp_path)

    assert (await SqliteQueue(reopened).stats()).visible == 1
    await reopened.close()
