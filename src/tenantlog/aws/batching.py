"""Coalescing many small concurrent sends into few batch calls (SQS SendMessageBatch).

The HTTP app sends one message per request; under load hundreds of requests
wait on the queue at once. Each send joins a pending list and waits on its
own future; a flush takes up to ``max_entries`` pending items (and at most
``max_bytes`` of them) into one batch call. A flush runs as soon as the event
loop gets a chance (so the sends of one loop iteration share a call) while
fewer than ``concurrency`` batch calls are in flight; beyond that, items wait
and the next free slot takes a full batch. Light load therefore costs no added
latency and heavy load fills batches. A future is answered only after the
call that carried its item returned, so no caller hears "sent" early.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")

#: Sends one batch; returns, per item in order, None (sent) or the error it failed with.
SendBatch = Callable[[list[T]], Awaitable[list[Exception | None]]]


class SendBatcher(Generic[T]):
    def __init__(
        self,
        send_batch: SendBatch[T],
        *,
        size: Callable[[T], int],
        max_entries: int = 10,
        max_bytes: int = 256 * 1024,
        concurrency: int = 8,
    ) -> None:
        self._send_batch = send_batch
        self._size = size
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._concurrency = concurrency
        self._pending: deque[tuple[T, asyncio.Future[None]]] = deque()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._flush_scheduled = False

    async def send(self, items: Sequence[T]) -> None:
        """Return once every item is sent; raise the first item's error otherwise."""
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in items]
        self._pending.extend(zip(items, futures, strict=True))
        if not self._flush_scheduled:
            self._flush_scheduled = True
            loop.call_soon(self._flush)
        results = await asyncio.gather(*futures, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def drain(self) -> None:
        """Wait until everything handed to ``send`` so far has been sent or failed."""
        while self._pending or self._in_flight:
            self._flush()
            if self._in_flight:
                await asyncio.wait(set(self._in_flight))

    def _flush(self) -> None:
        self._flush_scheduled = False
        while self._pending and len(self._in_flight) < self._concurrency:
            batch = self._take()
            if batch:
                task = asyncio.get_running_loop().create_task(self._send(batch))
                self._in_flight.add(task)
                task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        if self._pending:
            self._flush()

    def _take(self) -> list[tuple[T, asyncio.Future[None]]]:
        batch: list[tuple[T, asyncio.Future[None]]] = []
        total = 0
        while self._pending and len(batch) < self._max_entries:
            item, future = self._pending[0]
            if future.done():  # its sender was cancelled: nobody waits for it
                self._pending.popleft()
                continue
            size = self._size(item)
            if batch and total + size > self._max_bytes:
                break
            self._pending.popleft()
            batch.append((item, future))
            total += size
        return batch

    async def _send(self, batch: list[tuple[T, asyncio.Future[None]]]) -> None:
        try:
            errors = await self._send_batch([item for item, _ in batch])
        except Exception as exc:  # send_batch reports per item; never strand a waiter
            errors = [exc] * len(batch)
        for (_, future), error in zip(batch, errors, strict=True):
            if future.done():
                continue
            if error is None:
                future.set_result(None)
            else:
                future.set_exception(error)
