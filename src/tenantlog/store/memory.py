"""In-memory store for unit tests; held to the same contract tests as the real backends.

Expired records are kept (like rows the SQLite purge has not reached yet)
and skipped by every read, so the contract tests see the same behaviour here
as on the real backends.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable

from tenantlog.core.cursor import decode_cursor, encode_cursor
from tenantlog.core.models import LogRecord, Page
from tenantlog.core.store import MAX_PAGE_SIZE


class MemoryStore:
    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        """``clock`` gives the Unix time that decides which records have expired."""
        self._records: dict[tuple[str, str], LogRecord] = {}
        self._ids: dict[str, list[str]] = {}
        self._clock = clock

    async def put_if_absent(self, record: LogRecord) -> bool:
        key = (record.tenant_id, record.log_id)
        existing = self._records.get(key)
        if existing is not None and not existing.expired(self._clock()):
            return False
        if existing is None:
            bisect.insort(self._ids.setdefault(record.tenant_id, []), record.log_id)
        self._records[key] = record  # an expired record counts as absent
        return True

    async def get(self, tenant_id: str, log_id: str) -> LogRecord | None:
        record = self._records.get((tenant_id, log_id))
        if record is None or record.expired(self._clock()):
            return None
        return record

    async def list(self, tenant_id: str, limit: int, cursor: str | None) -> Page:
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        now = self._clock()
        ids = self._ids.get(tenant_id, [])
        start = 0 if cursor is None else bisect.bisect_right(ids, decode_cursor(cursor))
        chosen: list[LogRecord] = []
        for log_id in ids[start:]:
            record = self._records[(tenant_id, log_id)]
            if record.expired(now):
                continue
            if len(chosen) == limit:  # one more exists: there is a next page
                return Page(chosen, encode_cursor(chosen[-1].log_id))
            chosen.append(record)
        return Page(chosen, None)

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None
