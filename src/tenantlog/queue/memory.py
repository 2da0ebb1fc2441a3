"""In-memory queue with the full SQS semantics, for unit tests and examples.

Not durable: a fake of the interface, held to the same contract tests as the
real backends. A receive serves the groups in turn as the SQLite queue does:
one message of each group with visible messages, round and round, starting
after the group the previous receive ended with.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from tenantlog.core.models import utc_now
from tenantlog.core.queue import (
    NO_RESULT_REASON,
    DeadLetterEntry,
    Delivery,
    Outgoing,
    QueueStats,
)


@dataclass(slots=True)
class _Message:
    id: int
    group: str
    body: bytes
    #: Unix seconds (not the queue's clock): what erase_tenant compares with.
    sent_at: float
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
        #: Dead letters, each with the Unix time it was first sent.
        self._dead: list[tuple[DeadLetterEntry, float]] = []
        self._arrived = asyncio.Event()
        #: The group the previous receive served last: the next one starts after it.
        self._turn: str | None = None

    async def send(self, messages: Sequence[Outgoing]) -> None:
        sent_at = time.time()
        self._enqueue((group, body, sent_at) for group, body in messages)

    def _enqueue(self, messages: Iterator[tuple[str, bytes, float]]) -> None:
        now = self._clock()
        for group, body, sent_at in messages:
            message = _Message(next(self._ids), group, body, sent_at, now)
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

    def _in_turn(self, now: float) -> Iterator[_Message]:
        """Visible messages, one of each group in turn (each group's oldest first),
        starting after the group the previous receive ended with."""
        ready: dict[str, deque[_Message]] = {}
        for message in sorted(self._messages.values(), key=lambda m: (m.visible_at, m.id)):
            if message.visible_at <= now:
                ready.setdefault(message.group, deque()).append(message)
        groups = sorted(ready)
        start = 0 if self._turn is None else bisect.bisect_right(groups, self._turn)
        turn = groups[start:] + groups[:start]
        while turn:
            for group in turn:
                self._turn = group
                yield ready[group].popleft()
            turn = [group for group in turn if ready[group]]

    def _take(self, max_messages: int) -> list[Delivery]:
        now = self._clock()
        deliveries: list[Delivery] = []
        in_turn = self._in_turn(now)
        while len(deliveries) < max_messages:
            message = next(in_turn, None)
            if message is None:
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
                    message.group,
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
        entry = DeadLetterEntry(
            str(message.id),
            message.body,
            reason,
            message.receive_count,
            utc_now(),
            message.group,
        )
        self._dead.append((entry, message.sent_at))

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
        return [entry for entry, _ in self._dead[:limit]]

    async def redrive(self) -> int:
        moved, self._dead = self._dead, []
        self._enqueue((entry.group, entry.body, sent_at) for entry, sent_at in moved)
        return len(moved)

    async def purge_dead_letters(self) -> int:
        purged, self._dead = len(self._dead), []
        return purged

    async def erase_tenant(self, tenant_id: str, sent_before: float) -> int:
        erased = [
            m.id
            for m in self._messages.values()
            if m.group == tenant_id and m.sent_at <= sent_before
        ]
        for message_id in erased:
            del self._messages[message_id]
        kept = [
            (entry, sent_at)
            for entry, sent_at in self._dead
            if entry.group != tenant_id or sent_at > sent_before
        ]
        erased_dead, self._dead = len(self._dead) - len(kept), kept
        return len(erased) + erased_dead

    async def close(self) -> None:
        return None
