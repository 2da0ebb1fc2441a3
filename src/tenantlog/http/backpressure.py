"""Backpressure: refuse new logs while the queue is over its depth limit."""

from __future__ import annotations

import asyncio
import time

from tenantlog.core.queue import Queue, QueueUnavailable


class Backpressure:
    """Refuses new logs while the queue is over its depth limit.

    The depth is refreshed in the background at most once a second, so the
    check costs nothing on the hot path; the limit is approximate by design.
    """

    def __init__(self, queue: Queue, max_depth: int, refresh_every: float = 1.0) -> None:
        self._queue = queue
        self._max_depth = max_depth
        self._refresh_every = refresh_every
        self._depth = 0
        self._checked_at = -refresh_every
        self._refreshing: asyncio.Task[None] | None = None

    def over_limit(self) -> bool:
        now = time.monotonic()
        if now - self._checked_at >= self._refresh_every and self._refreshing is None:
            self._checked_at = now
            self._refreshing = asyncio.create_task(self._refresh())
        return self._depth >= self._max_depth

    async def _refresh(self) -> None:
        try:
            self._depth = (await self._queue.stats()).depth
        except QueueUnavailable:
            pass  # keep the last known depth; sending will report the outage
        finally:
            self._refreshing = None
