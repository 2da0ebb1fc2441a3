"""Buckets shared by every local process (``tenantlog api --workers N``, ``serve``), in a
SQLite file of their own beside the database: ``ratelimits.db`` in the data directory.

Not in the main database, because a bucket needs no durability: the main
file commits with fsync (``synchronous=FULL``) so that a 202 survives a
power cut, and a lease there would wait for, and add to, the group commit
of every ingest. Here the file is WAL with ``synchronous=OFF``: a lease is
one short write transaction without fsync, and a crash at worst forgets a
fraction of a second of spending, which lets a tenant send a little more
once. Leases run on one thread of their own, so SQLite's lock waits never
block the event loop.
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tenantlog.core.ratelimit import Bucket, RateLimitUnavailable, gcra
from tenantlog.db.wal import enter_wal

FILE_NAME = "ratelimits.db"


class SqliteBuckets:
    def __init__(self, data_dir: Path, *, busy_timeout: float = 5.0) -> None:
        self._path = data_dir / FILE_NAME
        self._busy_timeout = busy_timeout
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="tenantlog-ratelimit")
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self._path, timeout=self._busy_timeout, isolation_level=None)
            enter_wal(conn, self._busy_timeout)
            conn.execute("PRAGMA synchronous=OFF")
            # In a write transaction taken up front: an autocommit CREATE reads, then writes,
            # and fails at once if another process created the table in between.
            conn.executescript(
                "BEGIN IMMEDIATE;"
                " CREATE TABLE IF NOT EXISTS buckets"
                " (tenant_id TEXT PRIMARY KEY, tat REAL NOT NULL) WITHOUT ROWID;"
                " COMMIT;"
            )
            self._conn = conn
        return self._conn

    def _lease(self, tenant_id: str, n: int, rate: float, burst: int, now: float) -> Bucket:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute(
                "SELECT tat FROM buckets WHERE tenant_id = ?", (tenant_id,)
            ).fetchone()
            bucket = gcra(None if row is None else row[0], n, rate, burst, now)
            if bucket.granted:
                conn.execute(
                    "INSERT INTO buckets (tenant_id, tat) VALUES (?, ?)"
                    " ON CONFLICT (tenant_id) DO UPDATE SET tat = excluded.tat",
                    (tenant_id, bucket.tat),
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return bucket

    async def lease(self, tenant_id: str, n: int, rate: float, burst: int, now: float) -> Bucket:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self._thread, self._lease, tenant_id, n, rate, burst, now
            )
        except sqlite3.Error as exc:
            raise RateLimitUnavailable(f"rate-limit buckets: {exc}") from exc

    async def close(self) -> None:
        def close() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        await asyncio.get_running_loop().run_in_executor(self._thread, close)
        self._thread.shutdown(wait=True)
