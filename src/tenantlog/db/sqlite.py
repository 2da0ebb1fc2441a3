"""One SQLite database file shared by the queue and the store, with group commit.

Every write is an operation (a function of the connection) handed to one
writer thread. Operations that arrive while a commit is in progress wait and
then share the next transaction, so durability (synchronous=FULL: fsync on
every commit) costs one fsync per batch instead of one per request, and no
caller is answered before its transaction is committed. Reads run on their own
connection and thread, and WAL lets them proceed during writes.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from tenantlog import metrics

T = TypeVar("T")
Operation = Callable[[sqlite3.Connection], Any]

DATABASE_FILE = "tenantlog.db"


class DatabaseError(Exception):
    """The database cannot be opened, read or written."""


async def raising(call: Awaitable[T], error: type[Exception]) -> T:
    """Await a database call, turning DatabaseError into the backend's own "unavailable"
    error (QueueUnavailable, StoreUnavailable, ...), which is what the core catches."""
    try:
        return await call
    except DatabaseError as exc:
        raise error(str(exc)) from exc


class SqliteDatabase:
    def __init__(self, path: Path, *, busy_timeout: float = 5.0) -> None:
        self.path = path
        self._busy_timeout = busy_timeout
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="tenantlog-sqlite-write")
        self._reader = ThreadPoolExecutor(1, thread_name_prefix="tenantlog-sqlite-read")
        self._local = threading.local()
        self._pending: list[_Pending] = []
        self._flusher: asyncio.Task[None] | None = None
        self._closed = False
        self.commits = 0  # transactions committed by this process, for tests and benchmarks

    @classmethod
    async def open(cls, data_dir: Path, *, busy_timeout: float = 5.0) -> SqliteDatabase:
        database = cls(data_dir / DATABASE_FILE, busy_timeout=busy_timeout)
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
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute(f"PRAGMA busy_timeout={int(self._busy_timeout * 1000)}")
            self._local.conn = conn
        return conn

    def _create_schema(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        schema = resources.files("tenantlog.db").joinpath("schema.sql").read_text()
        self._connection().executescript(schema)

    async def _in_thread(self, executor: ThreadPoolExecutor, fn: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(executor, fn)
        except sqlite3.Error as exc:
            raise DatabaseError(str(exc)) from exc

    async def write(
        self, operation: Callable[[sqlite3.Connection], T], *, several_statements: bool = False
    ) -> T:
        """Run ``operation`` in the next group transaction; return once it is committed.

        An operation that fails is undone without touching the others in its
        transaction. SQLite undoes a failed statement by itself; an operation
        of ``several_statements`` is wrapped in a savepoint for the same
        guarantee (that costs two more statements, so it is opt-in).
        """
        if self._closed:
            raise DatabaseError("database is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(operation, several_statements, future))
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def read(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        return await self._in_thread(self._reader, lambda: operation(self._connection()))

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    results = await self._in_thread(self._writer, partial(self._commit, batch))
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
        finally:
            self._flusher = None

    def _commit(self, batch: list[_Pending]) -> list[Any]:
        conn = self._connection()
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
