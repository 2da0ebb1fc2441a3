"""In-memory store for unit tests; held to the same contract tests as the real backends.

Expired records are kept (like rows the SQLite purge has not reached yet)
and skipped by every read, so the contract tests see the same behaviour here
as on the real backends. So are records an erasure covers until
``delete_erased`` removes them. A deleted record leaves its key in a set of
tombstones, which the conditional write checks.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable

from tenantlog.core.erasure import Erasure
from tenantlog.core.models import LogRecord, Page
from tenantlog.core.query import EVERYTHING, LogQuery
from tenantlog.core.store import MAX_PAGE_SIZE, Followed


class MemoryStore:
    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        """``clock`` gives the Unix time that decides which records have expired."""
        self._records: dict[tuple[str, str], LogRecord] = {}
        self._ids: dict[str, list[str]] = {}
        self._tombstones: set[tuple[str, str]] = set()
        self._erasures: dict[tuple[str, str], Erasure] = {}
        self._marks: dict[str, str] = {}  # tenant -> the greatest ``before`` of its erasures
        self._clock = clock
        self._stored: list[tuple[str, str]] = []  # (tenant, log_id) in write order: follow
        self._positions: dict[tuple[str, str], int] = {}  # the latest write of each key

    async def put_if_absent(self, record: LogRecord) -> bool:
        key = (record.tenant_id, record.log_id)
        if key in self._tombstones or self._covered(record):
            return False
        existing = self._records.get(key)
        if existing is not None and not existing.expired(self._clock()):
            return False
        if existing is None:
            bisect.insort(self._ids.setdefault(record.tenant_id, []), record.log_id)
        self._records[key] = record  # an expired record counts as absent
        self._stored.append(key)
        self._positions[key] = len(self._stored)
        return True

    async def get(self, tenant_id: str, log_id: str) -> LogRecord | None:
        record = self._records.get((tenant_id, log_id))
        if record is None or not self._readable(record, self._clock()):
            return None
        return record

    async def list(
        self, tenant_id: str, limit: int, cursor: str | None, query: LogQuery | None = None
    ) -> Page:
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        query = query or EVERYTHING
        now = self._clock()
        ids = self._ids.get(tenant_id, [])
        after = None if cursor is None else query.position(cursor)
        if query.by_time:
            candidates = sorted(
                (self._records[(tenant_id, log_id)] for log_id in ids),
                key=query.sort_key,
                reverse=query.order == "desc",
            )
        else:  # ids are kept sorted: start right after the cursor's
            start = 0 if after is None else bisect.bisect_right(ids, after[1])
            candidates = [self._records[(tenant_id, log_id)] for log_id in ids[start:]]
            after = None
        chosen: list[LogRecord] = []
        for record in candidates:
            if after is not None and not _beyond(query, record, after):
                continue
            if not self._readable(record, now) or not query.matches(record):
                continue
            if len(chosen) == limit:  # one more exists: there is a next page
                return Page(chosen, query.cursor_after(chosen[-1]))
            chosen.append(record)
        return Page(chosen, None)

    async def follow(
        self, tenant_id: str, after: int | None, query: LogQuery, limit: int
    ) -> Followed:
        """Positions are 1 + the index in the write order (a replaced expired record gets a
        new one, as it does in SQLite)."""
        end = len(self._stored)
        if after is None:
            return Followed([], end)
        now = self._clock()
        found: list[tuple[int, LogRecord]] = []
        position = after
        for index in range(max(after, 0), end):
            key = self._stored[index]
            position = index + 1
            record = self._records.get(key)
            if key[0] != tenant_id or record is None or self._positions.get(key) != position:
                continue
            if self._readable(record, now) and query.matches(record):
                found.append((position, record))
                if len(found) == limit:
                    break
        return Followed(found, position)

    async def delete(self, tenant_id: str, log_id: str) -> bool:
        live = await self.get(tenant_id, log_id) is not None
        self._remove(tenant_id, log_id)
        self._tombstones.add((tenant_id, log_id))
        return live

    async def save_erasure(self, erasure: Erasure) -> None:
        self._erasures[(erasure.tenant_id, erasure.erasure_id)] = erasure
        mark = self._marks.get(erasure.tenant_id)
        if mark is None or erasure.before > mark:
            self._marks[erasure.tenant_id] = erasure.before

    async def get_erasure(self, tenant_id: str, erasure_id: str) -> Erasure | None:
        return self._erasures.get((tenant_id, erasure_id))

    async def delete_erased(self, tenant_id: str, before: str, limit: int) -> int:
        covered = [
            log_id
            for log_id in self._ids.get(tenant_id, [])
            if self._records[(tenant_id, log_id)].received_at <= before
        ][:limit]
        for log_id in covered:
            self._remove(tenant_id, log_id)
        return len(covered)

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def _covered(self, record: LogRecord) -> bool:
        mark = self._marks.get(record.tenant_id)
        return mark is not None and record.received_at <= mark

    def _readable(self, record: LogRecord, now: float) -> bool:
        return not record.expired(now) and not self._covered(record)

    def _remove(self, tenant_id: str, log_id: str) -> None:
        self._positions.pop((tenant_id, log_id), None)
        if self._records.pop((tenant_id, log_id), None) is not None:
            ids = self._ids[tenant_id]
            del ids[bisect.bisect_left(ids, log_id)]


def _beyond(query: LogQuery, record: LogRecord, after: tuple[str, str]) -> bool:
    """Whether ``record`` comes strictly after the cursor's position in the query's order."""
    key = query.sort_key(record)
    return key < after if query.order == "desc" else key > after
