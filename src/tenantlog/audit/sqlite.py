"""The audit trail in the ``audit_events`` table of the embedded database."""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from tenantlog.core.audit import MAX_AUDIT_PAGE, AuditEvent, AuditPage, AuditUnavailable
from tenantlog.core.cursor import decode_cursor, encode_cursor
from tenantlog.db.sqlite import SqliteDatabase, raising

_COLUMNS = "event_id, at, actor, action, tenant_id, detail"


def _event(row: tuple[Any, ...]) -> AuditEvent:
    return AuditEvent(
        event_id=row[0],
        at=row[1],
        actor=row[2],
        action=row[3],
        tenant_id=row[4],
        detail=orjson.loads(row[5]),
    )


class SqliteAuditLog:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def record(self, event: AuditEvent) -> None:
        row = (
            event.event_id,
            event.at,
            event.actor,
            event.action,
            event.tenant_id,
            event.detail_json(),
        )
        sql = f"INSERT INTO audit_events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
        await raising(self._db.write(lambda conn: conn.execute(sql, row)), AuditUnavailable)

    async def list(self, limit: int, cursor: str | None = None) -> AuditPage:
        limit = max(1, min(limit, MAX_AUDIT_PAGE))
        before = None if cursor is None else decode_cursor(cursor)

        def select(conn: sqlite3.Connection) -> list[AuditEvent]:
            if before is None:
                sql = f"SELECT {_COLUMNS} FROM audit_events ORDER BY event_id DESC LIMIT ?"
                rows = conn.execute(sql, (limit + 1,))
            else:
                sql = (
                    f"SELECT {_COLUMNS} FROM audit_events WHERE event_id < ?"
                    " ORDER BY event_id DESC LIMIT ?"
                )
                rows = conn.execute(sql, (before, limit + 1))
            return [_event(row) for row in rows]

        events = await raising(self._db.read(select), AuditUnavailable)
        if len(events) > limit:
            return AuditPage(events[:limit], encode_cursor(events[limit - 1].event_id))
        return AuditPage(events, None)

    async def close(self) -> None:
        return None
