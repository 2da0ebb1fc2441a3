"""A process's usage counts (``tenantlog.core.usage``), held in memory and added to the
store in periodic flushes: one write per (tenant, day), and one per minute, however many
requests and messages they count."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence

from tenantlog.core.processing import Ack, DeadLetter, Outcome
from tenantlog.core.rare_warnings import RareWarnings
from tenantlog.core.usage import (
    FIELDS,
    SERVICE,
    Counts,
    UsageStore,
    UsageUnavailable,
    first_kept,
    utc_day,
    utc_minute,
)

log = logging.getLogger("tenantlog")

#: (tenant, day) pairs a recorder holds before it drops new ones: a few MiB at most,
#: whatever a flood of tenant ids or a long backend outage brings.
MAX_PENDING = 10_000
#: Writes one flush has in flight at once.
FLUSH_CONCURRENCY = 32

#: What a pending row is kept under: (tenant, day), or a minute for the service's counts.
_Key = tuple[str, str] | str
# Positions of the fields in a pending row (Counts' field order).
_ACCEPTED_LOGS, _ACCEPTED_BYTES, _RATE_LIMITED, _STORED, _DEAD_LETTERED = range(5)


class UsageRecorder:
    """A process's usage counts, held in memory and added to the store in periodic flushes.

    The counting methods are plain calls on the request and worker paths: a
    dict update, no I/O. A background task, started by the first count,
    flushes ``flush_seconds`` after the first count that is waiting, so a
    count waits at most that long and an idle process never wakes up for
    nothing. ``close`` flushes what is left. The Lambda handlers, whose
    containers are frozen between invocations and may be dropped without
    warning, use no timer (``flush_when_asked``) and call ``flush_if_due`` at
    the end of each invocation instead.

    Every count goes to the service's current minute as well, flushed with
    the tenants' days (``add_minute``): one row per minute, however many
    tenants.

    A failed flush keeps its counts for the next one. Memory is bounded:
    beyond ``max_pending`` distinct (tenant, day) pairs waiting, counts of a
    new pair are dropped, with a warning at most once a minute; a minute is
    let go once its bucket would be gone (``MINUTES_KEPT``).
    """

    def __init__(
        self,
        store: UsageStore,
        *,
        flush_seconds: float = 10.0,
        max_pending: int = MAX_PENDING,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.store = store
        self._flush_seconds = flush_seconds
        self._max_pending = max_pending
        self._clock = clock
        self._sleep = sleep
        self._pending: dict[tuple[str, str], list[int]] = {}
        self._minutes: dict[str, list[int]] = {}  # the service's counts by minute
        self._day = self._minute = ""
        self._minute_begins = float("-inf")  # when self._minute began
        self._last_flush = float("-inf")  # when the last flush was tried
        self._lock = asyncio.Lock()
        self._counted = asyncio.Event()
        self._timer: asyncio.Task[None] | None = None
        self._periodic = True
        self._closed = False
        self.dropped = 0  # counts of pairs over max_pending, for tests and the warning
        self._warnings = RareWarnings(log)

    # -- counting (hot paths: no I/O, no awaiting) --

    def accepted(self, tenant_id: str, logs: int, size: int) -> None:
        for row in self._rows(tenant_id):
            row[_ACCEPTED_LOGS] += logs
            row[_ACCEPTED_BYTES] += size

    def rate_limited(self, tenant_id: str, logs: int) -> None:
        for row in self._rows(tenant_id):
            row[_RATE_LIMITED] += logs

    def outcome(self, outcome: Outcome) -> None:
        """Count what the worker did with a message: an Ack that stored a log, or a dead
        letter (for its tenant when the message names one, for the service's minute in
        any case). Retries and duplicates count nothing."""
        if isinstance(outcome, Ack) and outcome.stored:
            tenant_id, index = outcome.tenant_id, _STORED
        elif isinstance(outcome, DeadLetter):
            tenant_id, index = outcome.tenant_id, _DEAD_LETTERED
        else:
            return
        for row in self._rows(tenant_id):
            row[index] += 1

    def _rows(self, tenant_id: str | None) -> list[list[int]]:
        """The pending rows a count goes to: the service's current minute, and the tenant's
        day unless no tenant is named or too many pairs are pending already. ``SERVICE`` is
        no tenant: a queue message naming it (forged, since no valid tenant id can be) must
        not write a tenant's day among the minutes."""
        day, minute = self._now()
        rows = [self._minute_row(minute)]
        if tenant_id is not None and tenant_id != SERVICE:
            row = self._pending.get((tenant_id, day))
            if row is None and len(self._pending) < self._max_pending:
                row = self._pending[tenant_id, day] = [0] * len(FIELDS)
            elif row is None:
                self.dropped += 1
                self._warnings.warning(
                    "dropped", "usage counts dropped: over %d pending", self._max_pending
                )
            if row is not None:
                rows.append(row)
        if self._periodic and not self._counted.is_set():
            self._counted.set()
            self._start_timer()
        return rows

    def _minute_row(self, minute: str) -> list[int]:
        row = self._minutes.get(minute)
        if row is None:
            row = self._minutes[minute] = [0] * len(FIELDS)
        return row

    def _now(self) -> tuple[str, str]:
        """The current UTC day and minute, worked out again only when the minute changes."""
        now = self._clock()
        if not self._minute_begins <= now < self._minute_begins + 60:
            self._minute_begins = now - now % 60
            self._day, self._minute = utc_day(now), utc_minute(now)
        return self._day, self._minute

    # -- flushing --

    @property
    def pending(self) -> dict[tuple[str, str], Counts]:
        """The tenants' counts not yet written, by (tenant, day)."""
        return {key: Counts(*row) for key, row in self._pending.items()}

    @property
    def pending_minutes(self) -> dict[str, Counts]:
        """The service's counts not yet written, by minute."""
        return {minute: Counts(*row) for minute, row in self._minutes.items()}

    def flush_when_asked(self) -> None:
        """No timer: the owner calls ``flush_if_due`` (the Lambda handlers, where a timer
        would fire in whichever later invocation happens to run, and a frozen container
        could cut a flush off halfway)."""
        self._periodic = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def flush_if_due(self) -> bool:
        """Flush if ``flush_seconds`` have passed since the last flush was tried.

        At the end of a Lambda invocation: a container that gets a request now
        and then writes its counts at once, while a busy one writes at most one
        flush per ``flush_seconds`` rather than one per request. What a dropped
        container loses is what it counted since its last flush, as for a crash.
        """
        if self._clock() - self._last_flush < self._flush_seconds:
            return True
        return await self.flush()

    async def flush(self) -> bool:
        """Add every pending count to the store; False when some could not be (they are
        kept for the next flush). Never raises but on cancellation."""
        async with self._lock:
            self._last_flush = self._clock()
            if not self._pending and not self._minutes:
                return True
            items: list[tuple[_Key, list[int]]] = [*self._pending.items(), *self._minutes.items()]
            self._pending, self._minutes = {}, {}
            failed: list[tuple[_Key, list[int]]] = []
            problem: BaseException | None = None
            for start in range(0, len(items), FLUSH_CONCURRENCY):
                chunk = items[start : start + FLUSH_CONCURRENCY]
                results = await asyncio.gather(
                    *(self._write(key, row) for key, row in chunk), return_exceptions=True
                )
                for item, result in zip(chunk, results, strict=True):
                    if isinstance(result, BaseException):
                        if not isinstance(result, Exception):
                            raise result  # cancellation and the like are not our business
                        failed.append(item)
                        problem = result
            if not failed:
                return True
            self._keep(failed)
            if not isinstance(problem, UsageUnavailable):
                log.error("usage flush failed", exc_info=problem)
            self._warnings.warning(
                "failed", "usage counts not written, kept for the next flush: %s", problem
            )
            return False

    def _write(self, key: _Key, row: Sequence[int]) -> Awaitable[None]:
        if isinstance(key, str):
            return self.store.add_minute(key, Counts(*row))
        tenant_id, day = key
        return self.store.add(tenant_id, day, Counts(*row))

    def _keep(self, items: Iterable[tuple[_Key, Sequence[int]]]) -> None:
        """Put the counts of a failed flush back, merged with those counted meanwhile. A
        minute's counts older than its bucket's life are let go: the bucket is gone."""
        oldest = first_kept(utc_minute(self._clock()))
        for key, row in items:
            if isinstance(key, str):
                if key < oldest:
                    continue
                current = self._minute_row(key)
            else:
                found = self._pending.get(key)
                if found is None:
                    if len(self._pending) >= self._max_pending:
                        self.dropped += 1
                        continue
                    found = self._pending[key] = [0] * len(FIELDS)
                current = found
            for index, value in enumerate(row):
                current[index] += value
        if (self._pending or self._minutes) and self._periodic:
            self._counted.set()
            self._start_timer()

    def _start_timer(self) -> None:
        if self._timer is not None or self._closed:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # counted outside a loop: the owner flushes explicitly
            return
        self._timer = loop.create_task(self._flush_periodically(), name="tenantlog-usage-flush")

    async def _flush_periodically(self) -> None:
        while True:
            await self._counted.wait()
            await self._sleep(self._flush_seconds)
            self._counted.clear()  # counts from here on wait for the next round
            await self.flush()

    async def close(self) -> None:
        """Flush what is left and close the store; counting afterwards is dropped."""
        self._closed = True
        if self._timer is not None:
            async with self._lock:  # never cut a flush off: it could count twice
                self._timer.cancel()
            await asyncio.wait([self._timer])
            self._timer = None
        await self.flush()
        await self.store.close()
