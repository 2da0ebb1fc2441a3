"""Group commit: concurrent writes share transactions, and each failure stays its own;
light writes are not held behind heavy ones."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from tenantlog.db.sqlite import COMMIT_ROWS, LIGHT_ROWS, DatabaseError, SqliteDatabase
from tenantlog.queue.sqlite import SqliteQueue
from tests.support.factories import message

pytestmark = pytest.mark.anyio


async def test_concurrent_sends_share_commits(tmp_path: Path) -> None:
    # GIVEN one database and 500 requests arriving at once
    database = await SqliteDatabase.open(tmp_path)
    queue = SqliteQueue(database)
    # WHEN each sends its own message
    await asyncio.gather(*(queue.send([message(log_id=str(n))]) for n in range(500)))
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
    await SqliteQueue(database).send([message()])
    await database.close()

    reopened = await SqliteDatabase.open(tmp_path)

    assert (await SqliteQueue(reopened).stats()).visible == 1
    await reopened.close()


class Gate:
    """An operation that holds the writer thread, inside its commit, until opened."""

    def __init__(self) -> None:
        self._entered = threading.Event()
        self._opened = threading.Event()

    def __call__(self, conn: sqlite3.Connection) -> None:
        self._entered.set()
        self._opened.wait(timeout=30)  # a safety net against a hung test, not a timing

    async def entered(self) -> None:
        assert await asyncio.to_thread(self._entered.wait, 30)

    def open(self) -> None:
        self._opened.set()


class Commits:
    """Operations that note which commit they ran in (commits counted before it) and
    whether SQLite's own checkpoint was on for it."""

    def __init__(self, database: SqliteDatabase) -> None:
        self.database = database
        self.seen: list[tuple[str, int, bool]] = []

    def write(self, name: str, rows: int = 1) -> asyncio.Task[None]:
        def note(conn: sqlite3.Connection) -> None:
            (pages,) = conn.execute("PRAGMA wal_autocheckpoint").fetchone()
            self.seen.append((name, self.database.commits, pages > 0))

        return _queued(self.database.write(note, rows=rows))


def _queued(write: Awaitable[None]) -> asyncio.Task[None]:
    async def run() -> None:
        await write

    return asyncio.create_task(run())


async def test_light_write_is_not_held_behind_queued_heavy_ones(tmp_path: Path) -> None:
    # GIVEN a commit in progress, and behind it two heavy writes, then a light one
    database = await SqliteDatabase.open(tmp_path)
    gate, commits = Gate(), Commits(database)
    holding = _queued(database.write(gate))
    await gate.entered()
    queued = [
        commits.write("heavy 1", rows=COMMIT_ROWS),
        commits.write("heavy 2", rows=COMMIT_ROWS),
        commits.write("light"),
    ]
    await asyncio.sleep(0)
    # WHEN the commit in progress ends
    gate.open()
    await asyncio.gather(holding, *queued)
    # THEN the light write has the next commit, and each heavy one a commit of its own
    assert [(name, commit) for name, commit, _ in commits.seen] == [
        ("light", 1),
        ("heavy 1", 2),
        ("heavy 2", 3),
    ]
    await database.close()


async def test_heavy_write_is_not_starved_by_light_ones(tmp_path: Path) -> None:
    # GIVEN a heavy write and a light one queued behind a commit in progress
    database = await SqliteDatabase.open(tmp_path)
    first, second, commits = Gate(), Gate(), Commits(database)
    holding = _queued(database.write(first))
    await first.entered()
    heavy = commits.write("heavy", rows=COMMIT_ROWS // 2)
    light = _queued(database.write(second))
    await asyncio.sleep(0)
    # WHEN the light one's commit is in progress, another light write arrives
    first.open()
    await second.entered()
    late = commits.write("late light")
    await asyncio.sleep(0)
    second.open()
    await asyncio.gather(holding, heavy, light, late)
    # THEN the heavy write has the next commit, and the late light one shares it
    assert [(name, commit) for name, commit, _ in commits.seen] == [
        ("heavy", 2),
        ("late light", 2),
    ]
    await database.close()


async def test_commit_holds_at_most_commit_rows(tmp_path: Path) -> None:
    # GIVEN, behind a commit in progress, light writes of one row more than a commit
    # holds, then two heavy writes of half a commit each
    database = await SqliteDatabase.open(tmp_path)
    gate, commits = Gate(), Commits(database)
    holding = _queued(database.write(gate))
    await gate.entered()
    lights = COMMIT_ROWS // LIGHT_ROWS + 1
    queued = [commits.write(f"light {n}", rows=LIGHT_ROWS) for n in range(lights)]
    queued += [commits.write(f"heavy {n}", rows=COMMIT_ROWS // 2) for n in range(2)]
    await asyncio.sleep(0)
    # WHEN they are committed
    gate.open()
    await asyncio.gather(holding, *queued)
    # THEN the light writes that fit come first, then both heavy ones together (they
    # were passed over), then the last light write
    landed = {name: commit for name, commit, _ in commits.seen}
    assert {landed[f"light {n}"] for n in range(lights - 1)} == {1}
    assert (landed["heavy 0"], landed["heavy 1"], landed[f"light {lights - 1}"]) == (2, 2, 3)
    await database.close()


async def test_heavy_commit_leaves_its_checkpoint_to_a_step_of_its_own(tmp_path: Path) -> None:
    # GIVEN a heavy commit in progress, and a light commit queued behind it
    database = await SqliteDatabase.open(tmp_path)
    heavy_gate, light_gate, commits = Gate(), Gate(), Commits(database)
    heavy = commits.write("heavy", rows=COMMIT_ROWS // 2)
    holding = _queued(database.write(heavy_gate, rows=COMMIT_ROWS // 2))
    await heavy_gate.entered()
    light = _queued(database.write(light_gate))
    behind = commits.write("light behind it")
    await asyncio.sleep(0)
    # WHEN, while that light commit is in progress, more light writes arrive
    heavy_gate.open()
    await light_gate.entered()
    later = commits.write("light after that")
    await asyncio.sleep(0)
    light_gate.open()
    await asyncio.gather(heavy, holding, light, behind, later)
    # THEN SQLite's own checkpoint was off for the heavy commit and the light one right
    # after it, and on again after the checkpoint step, which waited for no more
    assert [(name, own) for name, _, own in commits.seen] == [
        ("heavy", False),
        ("light behind it", False),
        ("light after that", True),
    ]
    await database.close()
