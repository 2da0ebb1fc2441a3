"""The embedded store: the ``logs`` table of the shared SQLite database.

Retention: ``expires_at`` is kept as whole Unix seconds (NULL: forever).
Reads compare it with the store's clock, so an expired row is never
returned even before it is deleted, and a write treats it as absent. The
rows themselves are deleted by ``purge_expired``, which the worker process
runs in the background (``run_purge``): a few hundred rows per write
transaction, through the database's normal write path, so the purge takes
turns with ingest in the group commit instead of holding the writer for a
whole backlog.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable
from typing import Any, TypeVar

import orjson

from tenantlog import metrics
from tenantlog.core.cursor import decode_cursor, encode_cursor
from tenantlog.core.models import LogRecord, Page, expiry_timestamp
from tenantlog.core.store import MAX_PAGE_SIZE, StoreUnavailable
from tenantlog.db.sqlite import SqliteDatabase, raising

T = TypeVar("T")

log = logging.getLogger("tenantlog.store")

#: Expired rows one purge transaction deletes at most: enough to keep up with any
#: ingest rate the embedded backend sustains, few enough that the delete is a short
#: turn of the writer (it counts as a heavy operation, so light ones still go first).
PURGE_BATCH = 500
#: Seconds between purges once caught up (a full batch is followed by another at once).
PURGE_EVERY_SECONDS = 60.0

_COLUMNS = (
    "tenant_id, log_id, source, original_text, modified_data,"
    " received_at, processed_at, attempts, redactions, expires_at"
)
# The conditional write: the first record wins, unless it has expired (then it counts as
# absent, as every read treats it, and the new record takes its place).
_INSERT = (
    f"INSERT INTO logs ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (tenant_id, log_id) DO UPDATE SET"
    " source = excluded.source, original_text = excluded.original_text,"
    " modified_data = excluded.modified_data, received_at = excluded.received_at,"
    " processed_at = excluded.processed_at, attempts = excluded.attempts,"
    " redactions = excluded.redactions, expires_at = excluded.expires_at"
    " WHERE logs.expires_at <= ?"
)
_LIVE = "(expires_at IS NULL OR expires_at > ?)"
# Oldest expiries first, found through the partial index logs_by_expiry.
_PURGE = (
    "DELETE FROM logs WHERE (tenant_id, log_id) IN ("
    "SELECT tenant_id, log_id FROM logs WHERE expires_at IS NOT NULL AND expires_at <= ?"
    " ORDER BY expires_at LIMIT ?)"
)


def _row(record: LogRecord) -> tuple[Any, ...]:
    return (
        record.tenant_id,
        record.log_id,
        record.source,
        record.original_text,
        record.modified_data,
        record.received_at,
        record.processed_at,
        record.attempts,
        orjson.dumps(dict(record.redactions)).decode(),
        record.expires_at_seconds,
    )


def _record(row: tuple[Any, ...]) -> LogRecord:
    return LogRecord(
        tenant_id=row[0],
        log_id=row[1],
        source=row[2],
        original_text=row[3],
        modified_data=row[4],
        received_at=row[5],
        processed_at=row[6],
        attempts=row[7],
        redactions=orjson.loads(row[8]),
        expires_at=None if row[9] is None else expiry_timestamp(row[9]),
    )


class SqliteStore:
    def __init__(self, database: SqliteDatabase, *, clock: Callable[[], float] = time.time) -> None:
        """``clock`` gives the Unix time that decides which records have expired."""
        self._db = database
        self._clock = clock

    async def put_if_absent(self, record: LogRecord) -> bool:
        row = (*_row(record), self._clock())
        write = self._db.write(lambda conn: conn.execute(_INSERT, row).rowcount)
        inserted: int = await raising(write, StoreUnavailable)
        return inserted == 1

    async def get(self, tenant_id: str, log_id: str) -> LogRecord | None:
        now = self._clock()

        def select(conn: sqlite3.Connection) -> LogRecord | None:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM logs WHERE tenant_id = ? AND log_id = ? AND {_LIVE}",
                (tenant_id, log_id, now),
            ).fetchone()
            return None if row is None else _record(row)

        return await self._read(select)

    async def list(self, tenant_id: str, limit: int, cursor: str | None) -> Page:
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        after = "" if cursor is None else decode_cursor(cursor)
        now = self._clock()

        def select(conn: sqlite3.Connection) -> list[LogRecord]:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM logs WHERE tenant_id = ? AND log_id > ? AND {_LIVE}"
                " ORDER BY log_id LIMIT ?",
                (tenant_id, after, now, limit + 1),
            ).fetchall()
            return [_record(row) for row in rows]

        records = await self._read(select)
        if len(records) > limit:
            return Page(records[:limit], encode_cursor(records[limit - 1].log_id))
        return Page(records, None)

    async def purge_expired(self, batch: int = PURGE_BATCH) -> int:
        """Delete up to ``batch`` expired rows in one write transaction; how many it deleted.

        Counted in ``tenantlog_records_expired_total``.
        """
        now = self._clock()
        write = self._db.write(lambda conn: conn.execute(_PURGE, (now, batch)).rowcount, rows=batch)
        deleted: int = await raising(write, StoreUnavailable)
        if deleted:
            metrics.RECORDS_EXPIRED.inc(deleted)
        return deleted

    async def run_purge(
        self,
        stopping: asyncio.Event,
        *,
        every: float = PURGE_EVERY_SECONDS,
        batch: int = PURGE_BATCH,
    ) -> None:
        """Purge expired rows until ``stopping`` is set: at once, again straight away while
        batches come back full (a backlog), then every ``every`` seconds.

        A failed purge is logged and tried again at the next round; it never
        stops the worker, and an expired row is unreadable meanwhile anyway.
        """
        while not stopping.is_set():
            try:
                backlog = await self.purge_expired(batch) >= batch
            except StoreUnavailable as exc:
                log.warning("purging expired logs failed, retrying in %.0fs: %s", every, exc)
                backlog = False
            if not backlog:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), every)

    async def ping(self) -> None:
        await self._read(lambda conn: conn.execute("SELECT 1 FROM logs LIMIT 1").fetchall())

    async def _read(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        return await raising(self._db.read(operation), StoreUnavailable)

    async def close(self) -> None:
        return None
