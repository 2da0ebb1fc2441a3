"""In-memory store for unit tests; held to the same contract tests as the real backends."""

from __future__ import annotations

import bisect

from tenantlog.core.cursor import decode_cursor, encode_cursor
from tenantlog.core.models import LogRecord, Page
from tenantlog.core.store import MAX_PAGE_SIZE


class MemoryStore:
    def __init__(self) -> None:
        self._records: dict[tuple[str, str], LogRecord] = {}
        self._ids: dict[str, list[str]] = {}

    async def put_if_absent(self, record: LogRecord) -> bool:
        key = (record.tenant_id, record.log_id)
        if key in self._records:
            return False
        self._records[key] = record
        bisect.insort(self._ids.setdefault(record.tenant_id, []), record.log_id)
        return True

    async def get(self, tenant_id: str, log_id: str) -> LogRecord | None:
        return self._records.get((tenant_id, log_id))

    async def list(self, tenant_id: str, limit: int, cursor: str | None) -> Page:
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        ids = self._ids.get(tenant_id, [])
        start = 0 if cursor is None else bisect.bisect_right(ids, decode_cursor(cursor))
        chosen = ids[start : start + limit]
        more = start + limit < len(ids)
        return Page(
            [self._records[(tenant_id, log_id)] for log_id in chosen],
            encode_cursor(chosen[-1]) if more and chosen else None,
        )

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None
