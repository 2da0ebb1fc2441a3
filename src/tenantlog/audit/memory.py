"""An in-memory audit trail for unit tests; held to the same contract tests as the real ones."""

from __future__ import annotations

from tenantlog.core.audit import MAX_AUDIT_PAGE, AuditEvent, AuditPage
from tenantlog.core.cursor import decode_cursor, encode_cursor


class MemoryAuditLog:
    def __init__(self) -> None:
        self._events: dict[str, AuditEvent] = {}

    async def record(self, event: AuditEvent) -> None:
        self._events[event.event_id] = event

    async def list(self, limit: int, cursor: str | None = None) -> AuditPage:
        limit = max(1, min(limit, MAX_AUDIT_PAGE))
        before = None if cursor is None else decode_cursor(cursor)
        newest_first = sorted(self._events, reverse=True)
        ids = [i for i in newest_first if before is None or i < before][: limit + 1]
        events = [self._events[i] for i in ids[:limit]]
        next_cursor = encode_cursor(ids[limit - 1]) if len(ids) > limit else None
        return AuditPage(events, next_cursor)

    async def close(self) -> None:
        return None
