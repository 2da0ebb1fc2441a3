"""In-memory queue with the full SQS semantics, for unit tests and examples.

Not durable: a fake of the interface, held to the same contract tests as the
real backends.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tenantlog.core.models import utc_now
from tenantlog.core.queue import (
    NO_RESULT_REASON,
    DeadLetterEntry,
    Delivery,
    QueueStats,
)


@dataclass(slots=True)
class _Message:
    id: int
    body: bytes
    visible_at: float
    receive_count: int = 0
    last_error: str | None = None


class MemoryQueue:
    def __init__(
        self,
        *,
        visibility_timeout: float = 300,
        max_receive_count: int = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._visibility = visibility_timeout
        self._max_receives = max_receive_count
        self._clock = clock
        self._ids = itertools.count(1)
        self._messages: dict[int, _Message] = {}
        self._dead: list[DeadLetterEntry] = []
        self._arrived = asyncio.Event()

    async def send(self, bodies: Sequence[bytes]) -> None:
        now = self._clock()
        for body in bodies:
            message = _Message(next(self._ids), body, now)
            self._messages[message.id] = message
        self._arrived.set()

    async def receive(self, max_messages: int, wait_seconds: float) -> list[Delivery]:
        deadline = self._clock() + wait_seconds
        while True:
            deliveries = self._take(max_messages)
            remaining = deadline - self._clock()
            if deliveries or remaining <= 0:
                return deliveries
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout=min(remaining, 0.05))
            except TimeoutError:
                pass

    def _take(self, max_messages: int) -> list[Delivery]:
        now = self._clock()
        ready = sorted(
            (m for m in self._messages.values() if m.visible_at <= now),
            key=lambda m: (m.visible_at, m.id),
        )
        deliveries: list[Delivery] = []
        for message in ready:
            if len(deliveries) == max_messages:
                break
            message.receive_count += 1
            if message.receive_count > self._max_receives:
                reason = message.last_error or NO_RESULT_REASON.format(count=self._max_receives)
                self._bury(message, reason)
                continue
            message.visible_at = now + self._visibility
            deliveries.append(
                Delivery(
                    str(message.id),
                    message.body,
                    f"{message.id}.{message.receive_count}",
                    message.receive_count,
                )
            )
        return deliveries

    def _current(self, receipt: str) -> _Message | None:
        message_id, _, count = receipt.partition(".")
        message = self._messages.get(int(message_id))
        if message is None or str(message.receive_count) != count:
            return None
        return message

    def _bury(self, message: _Message, reason: str) -> None:
        del self._messages[message.id]
        self._dead.append(
            DeadLetterEntry(str(message.id), message.body, reason, message.receive_count, utc_now())
        )

    async def ack(self, receipt: str) -> None:
        message = self._current(receipt)
        if message is not None:
            del self._messages[message.id]

    async def release(self, receipt: str, delay: float, reason: str) -> None:
        message = self._current(receipt)
        if message is not None:
            message.visible_at = self._clock() + delay
            message.last_error = reason

    async def extend(self, receipt: str, seconds: float) -> None:
        message = self._current(receipt)
        if message is not None:
            message.visible_at = self._clock() + seconds

    async def give_back(self, receipt: str) -> None:
        """Visible now, and the receive is taken back (see SqliteQueue.give_back)."""
        message = self._current(receipt)
        if message is not None:
            message.visible_at = self._clock()
            message.receive_count -= 1

    async def dead_letter(self, receipt: str, reason: str) -> None:
        message = self._current(receipt)
        if message is not None:
            self._bury(message, reason)

    async def stats(self) -> QueueStats:
        now = self._clock()
        visible = sum(1 for m in self._messages.values() if m.visible_at <= now)
        return QueueStats(visible, len(self._messages) - visible, len(self._dead))

    async def list_dead_letters(self, limit: int) -> list[DeadLetterEntry]:
        return self._dead[:limit]

    async def redrive(self) -> int:
        moved, self._dead = self._dead, []
        await self.send([entry.body for entry in moved])
        return len(moved)

    async def purge_dead_letters(self) -> int:
        purged, self._dead = len(self._dead), []
        return purged

    async def close(self) -> None:
        return None
