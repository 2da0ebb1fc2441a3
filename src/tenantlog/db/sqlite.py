"""One SQLite database file shared by the queue and the store, with group commit.

Every write is an operation (a function of the connection) handed to one
writer thread. Operations that arrive while a commit is in progress wait and
then share a following transaction, so durability (synchronous=FULL: fsync on
every commit) costs one fsync per batch instead of one per request, and no
caller is answered before its transaction is committed. Reads run on their own
connection and thread, and WAL lets them proceed during writes.

SQLite has one writer at a time, so a single log waits for whatever the writer
does before its commit. Each write says about how many rows it writes: light
operations (a single log, a receive, an ack: at most ``LIGHT_ROWS`` rows) must
not queue behind heavy ones (NDJSON batches of up to 10,000 logs), and heavy
ones must not starve.

- Light operations go first, together (up to ``COMMIT_ROWS`` rows a commit).
- Heavy operations that a light commit passed over go next: the oldest, up to
  ``COMMIT_ROWS`` rows (a heavier one alone), with the light ones that fit.
- A heavy commit leaves its WAL checkpoint (copying its pages into the
  database file, which SQLite would do inside the commit) to a step of its
  own after one light commit; light operations go first after it again.

Under both kinds of load the writer goes round: heavy commit, light commit,
checkpoint, light commit, heavy commit. So a light operation waits for at most
one heavy commit or one checkpoint (and light commits), however many batches
are queued, and every operation is still committed whole: all its rows or none.

Deleted content is overwritten (``PRAGMA secure_delete``), so an erased log, an
acked message body or a purged dead letter does not linger in free space of the
database file. Its old page images stay in the write-ahead log until that is
reset: ``checkpoint_wal("TRUNCATE")`` copies the WAL into the database and
empties it, which an erasure does once its rows are deleted.

The text index (``text_index.sql``, tenantlog.store.sqlite_text_index) is made
at open when this SQLite has FTS5; ``text_index`` says whether it is there.
Every connection has ``casefold`` (Python's ``str.casefold``): the index's
triggers fold a deleted row's text with it, as searches fold theirs.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

from tenantlog import metrics
from tenantlog.core.query import fold
from tenantlog.db.migrations import upgrade
from tenantlog.db.wal import enter_wal

T = TypeVar("T")
Operation = Callable[[sqlite3.Connection], Any]

DATABASE_FILE = "tenantlog.db"

#: Rows one commit holds at most (one maximal NDJSON request's worth): an
#: operation of more rows commits alone.
COMMIT_ROWS = 10_000
#: Operations of at most this many rows are light and go first.
LIGHT_ROWS = 100
#: SQLite's default: a commit that leaves the WAL this long copies it into the database.
AUTOCHECKPOINT_PAGES = 1000
#: ``PRAGMA secure_delete``: deleted content is overwritten with zeros, whole freed pages
#: included. FAST would leave freed pages as they were: the leaf pages a tenant's erasure
#: empties and the overflow pages of large texts, i.e. the erased logs themselves. ON
#: costs the worker (bench/worker.py) about 2% of its throughput, within the noise, and
#: writes ~1.4 KB more per log: the queue pages its acks free are written again, as zeros.
SECURE_DELETE = "ON"
CheckpointMode = Literal["PASSIVE", "FULL", "RESTART", "TRUNCATE"]


class DatabaseError(Exception):
    """The database cannot be opened, read or written."""


async def raising(call: Awaitable[T], error: type[Exception]) -> T:
    """Await a database call, turning DatabaseError into the backend's own "unavailable"
    error (QueueUnavailable, StoreUnavailable, ...), which is what the core catches."""
    try:
        return await call
    except DatabaseError as exc:
        raise error(str(exc)) from exc


def _fold(text: str | None) -> str | None:
    return None if text is None else fold(text)


def has_fts5(conn: sqlite3.Connection) -> bool:
    """Whether this SQLite build has FTS5 (Python's bundled one may lack it)."""
    return any(row[0] == "ENABLE_FTS5" for row in conn.execute("PRAGMA compile_options"))


class SqliteDatabase:
    def __init__(self, path: Path, *, busy_timeout: float = 5.0, text_index: bool = True) -> None:
        """``text_index`` False leaves the text index out even where FTS5 exists (text
        search then scans): for builds whose FTS5 misbehaves, and to test that path."""
        self.path = path
        self.text_index = text_index  # until the schema says whether FTS5 is there
        self._busy_timeout = busy_timeout
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="tenantlog-sqlite-write")
        self._reader = ThreadPoolExecutor(1, thread_name_prefix="tenantlog-sqlite-read")
        self._local = threading.local()
        self._light: deque[_Pending] = deque()
        self._light_rows = 0
        self._heavy: deque[_Pending] = deque()
        self._heavy_due = False  # the last commit passed waiting heavy operations over
        self._checkpoint_due = False  # a heavy commit's pages wait for their checkpoint
        self._checkpoint_next = False  # and a light commit has had its turn since
        self._autocheckpoint = True  # the writer connection checkpoints in its commits
        self._flusher: asyncio.Task[None] | None = None
        self._closed = False
        self.commits = 0  # transactions committed by this process, for tests and benchmarks

    @classmethod
    async def open(
        cls, data_dir: Path, *, busy_timeout: float = 5.0, text_index: bool = True
    ) -> SqliteDatabase:
        database = cls(data_dir / DATABASE_FILE, busy_timeout=busy_timeout, text_index=text_index)
        await database._in_thread(database._writer, database._create_schema)
        return database

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection (each executor has exactly one thread)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path,
                timeout=self._busy_timeout,
                isolation_level=None,  # explicit BEGIN/COMMIT: we group transactions ourselves
                check_same_thread=False,
            )
            enter_wal(conn, self._busy_timeout)
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute(f"PRAGMA busy_timeout={int(self._busy_timeout * 1000)}")
            # Only the writer deletes, but the setting costs a reader nothing.
            conn.execute(f"PRAGMA secure_delete={SECURE_DELETE}")
            conn.create_function("casefold", 1, _fold, deterministic=True)
            self._local.conn = conn
        return conn

    def _create_schema(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        schema = resources.files("tenantlog.db").joinpath("schema.sql").read_text()
        conn = self._connection()
        upgrade(conn)  # first: the schema's indexes name columns added since
        self.text_index = self.text_index and has_fts5(conn)
        if self.text_index:
            schema += resources.files("tenantlog.db").joinpath("text_index.sql").read_text()
        # One write transaction, taken up front: each CREATE of an autocommit script reads
        # the schema and then writes, and a read snapshot that another process committed
        # past (two opening a new file at once) fails at once, busy timeout or not.
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{schema}\nCOMMIT;")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    async def _in_thread(self, executor: ThreadPoolExecutor, fn: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(executor, fn)
        except sqlite3.Error as exc:
            raise DatabaseError(str(exc)) from exc

    async def write(
        self,
        operation: Callable[[sqlite3.Connection], T],
        *,
        several_statements: bool = False,
        rows: int = 1,
    ) -> T:
        """Run ``operation`` in a group transaction; return once it is committed.

        An operation that fails is undone without touching the others in its
        transaction. SQLite undoes a failed statement by itself; an operation
        of ``several_statements`` is wrapped in a savepoint for the same
        guarantee (that costs two more statements, so it is opt-in).
        ``rows``, about how many rows the operation writes, decides which
        commit it joins (see the module's docstring).
        """
        if self._closed:
            raise DatabaseError("database is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        pending = _Pending(operation, several_statements, future, rows)
        if rows <= LIGHT_ROWS:
            self._light.append(pending)
            self._light_rows += rows
        else:
            self._heavy.append(pending)
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def read(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        return await self._in_thread(self._reader, lambda: operation(self._connection()))

    async def checkpoint_wal(self, mode: CheckpointMode = "PASSIVE") -> bool:
        """Run a WAL checkpoint on the writer's connection, between two group commits;
        whether it completed.

        TRUNCATE copies every frame into the database and empties the WAL file,
        so no old page image is left in it; it waits (up to the busy timeout) for
        other connections' readers and writers, and gives up, returning False,
        when they outlast it. Called after an erasure, not on the hot path.
        """
        if self._closed:
            raise DatabaseError("database is closed")

        def checkpoint() -> bool:
            busy, _, _ = self._connection().execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
            return not busy

        return await self._in_thread(self._writer, checkpoint)

    async def _flush(self) -> None:
        try:
            while self._light or self._heavy or self._checkpoint_due:
                if self._checkpoint_due and (self._checkpoint_next or not self._light):
                    self._checkpoint_due = self._checkpoint_next = False
                    self._heavy_due = False  # light ones go next
                    with contextlib.suppress(DatabaseError):  # the WAL is valid uncopied too
                        await self._in_thread(self._writer, self._checkpoint)
                else:
                    await self._commit_next()
                # Once round the loop before choosing the next commit: whoever a commit
                # woke (a receive that goes on to claim the next messages, say) adds
                # its next operation to it, instead of waiting a whole commit for it.
                await asyncio.sleep(0)
        finally:
            self._flusher = None

    async def _commit_next(self) -> None:
        batch, heavy = self._next_batch()
        # SQLite's own checkpoint would copy a heavy commit's pages within it, or
        # within the light commit after it: the checkpoint step does that instead.
        commit = partial(self._commit, batch, not (heavy or self._checkpoint_due))
        self._checkpoint_next = self._checkpoint_due
        self._checkpoint_due |= heavy
        try:
            results = await self._in_thread(self._writer, commit)
        except Exception as exc:  # any failure fails the whole transaction
            results = [exc] * len(batch)
        self.commits += 1
        metrics.SQLITE_COMMIT_OPERATIONS.observe(len(batch))
        for pending, result in zip(batch, results, strict=True):
            if pending.future.done():
                continue
            if isinstance(result, BaseException):
                pending.future.set_exception(result)
            else:
                pending.future.set_result(result)

    def _next_batch(self) -> tuple[list[_Pending], bool]:
        """The operations the next commit takes (the module's docstring says which), and
        whether a heavy one is among them."""
        heavy_turn = bool(self._heavy) and (self._heavy_due or not self._light)
        self._heavy_due = bool(self._heavy) and not heavy_turn  # they wait their turn
        batch: list[_Pending] = []
        rows = _take(self._heavy, batch, 0) if heavy_turn else 0
        if rows + self._light_rows <= COMMIT_ROWS:  # every light one fits: the usual case
            batch.extend(self._light)
            self._light.clear()
            self._light_rows = 0
        else:
            taken = _take(self._light, batch, rows) - rows
            self._light_rows -= taken
        return batch, heavy_turn

    def _checkpoint(self) -> None:
        self._connection().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _commit(self, batch: list[_Pending], autocheckpoint: bool) -> list[Any]:
        conn = self._connection()
        if autocheckpoint != self._autocheckpoint:  # only this thread reads or sets it
            pages = AUTOCHECKPOINT_PAGES if autocheckpoint else 0
            conn.execute(f"PRAGMA wal_autocheckpoint={pages}")
            self._autocheckpoint = autocheckpoint
        conn.execute("BEGIN IMMEDIATE")
        results: list[Any] = []
        try:
            for pending in batch:
                results.append(_run(conn, pending))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return results

    async def close(self) -> None:
        self._closed = True
        if self._flusher is not None:
            await self._flusher
        for executor in (self._writer, self._reader):
            await asyncio.get_running_loop().run_in_executor(executor, self._close_connection)
            executor.shutdown(wait=True)

    def _close_connection(self) -> None:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


@dataclass(frozen=True, slots=True)
class _Pending:
    operation: Operation
    several_statements: bool
    future: asyncio.Future[Any]
    rows: int


def _take(waiting: deque[_Pending], batch: list[_Pending], rows: int) -> int:
    """Move operations, oldest first, from ``waiting`` into ``batch`` (a commit of ``rows``
    rows so far) while they fit, the first of a commit always; the commit's rows after."""
    while waiting and (not batch or rows + waiting[0].rows <= COMMIT_ROWS):
        pending = waiting.popleft()
        batch.append(pending)
        rows += pending.rows
    return rows


def _run(conn: sqlite3.Connection, pending: _Pending) -> Any:
    """One operation of a shared transaction: its failure is its result, not the batch's."""
    if pending.several_statements:
        conn.execute("SAVEPOINT op")
    try:
        result = pending.operation(conn)
    except sqlite3.Error as exc:
        if not conn.in_transaction:
            raise  # SQLite gave up the whole transaction (disk full, I/O error)
        if pending.several_statements:
            conn.execute("ROLLBACK TO op")
            conn.execute("RELEASE op")
        return DatabaseError(str(exc))
    if pending.several_statements:
        conn.execute("RELEASE op")
    return result
