"""The embedded store: the ``logs`` table of the shared SQLite database."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

import orjson

from tenantlog.core.cursor import decode_cursor, encode_cursor
from tenantlog.core.models import LogRecord, Page
from tenantlog.core.store import MAX_PAGE_SIZE, StoreUnavailable
from tenantlog.db.sqlite import SqliteDatabase, raising

T = TypeVar("T")

_COLUMNS = (
    "tenant_id, log_id, source, original_text, modified_data,"
    " received_at, processed_at, attempts, redactions"
)
# ON CONFLICT DO NOTHING is the conditional write: the first record wins.
_INSERT = f"INSERT INTO logs ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"


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
    )


class SqliteStore:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def put_if_absent(self, record: LogRecord) -> bool:
        row = _row(record)
        write = self._db.write(lambda conn: conn.execute(_INSERT, row).rowcount)
        inserted: int = await raising(write, StoreUnavailable)
        return inserted == 1

    async def get(self, tenant_id: str, log_id: str) -> LogRecord | None:
        def select(conn: sqlite3.Connection) -> LogRecord | None:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM logs WHERE tenant_id = ? AND log_id = ?",
                (tenant_id, log_id),
            ).fetchone()
            return None if row is None else _record(row)

        return await self._read(select)

    async def list(self, tenant_id: str, limit: int, cursor: str | None) -> Page:
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        after = "" if cursor is None else decode_cursor(cursor)

        def select(conn: sqlite3.Connection) -> list[LogRecord]:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM logs WHERE tenant_id = ? AND log_id > ?"
                " ORDER BY log_id LIMIT ?",
                (tenant_id, after, limit + 1),
            ).fetchall()
            return [_record(row) for row in rows]

        records = await self._read(select)
        if len(records) > limit:
            return Page(records[:limit], encode_cursor(records[limit - 1].log_id))
        return Page(records, None)

    async def ping(self) -> None:
        await self._read(lambda conn: conn.execute("SELECT 1 FROM logs LIMIT 1").fetchall())

    async def _read(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        return await raising(self._db.read(operation), StoreUnavailable)

    async def close(self) -> None:
        return None
