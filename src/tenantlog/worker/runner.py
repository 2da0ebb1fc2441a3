"""The local worker loop (DESIGN §5).

Receives up to ``max_batches`` batches at a time and processes every message
of every batch concurrently: the heavy work is simulated time, so one process
keeps hundreds of messages in flight. The fate of a message is decided by
``Processor.process``; this loop only applies it, keeps long jobs hidden
(heartbeat), and on shutdown finishes or gives back what it holds.

Without simulated work, what the worker spends its time on is writes, so a
whole receive (up to ``MAX_RECEIVE`` messages, its batches together) is
processed at once (``Processor.process_batch``): its records are one write.
Where the queue lives in the store's database (SQLite), that same write
deletes the messages of the records it stores or finds: a log and its ack
commit together. Each message still has its own outcome; the others are
applied one by one.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import sys
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from tenantlog import metrics
from tenantlog.core.processing import Ack, Continue, DeadLetter, Outcome, Processor, Retry
from tenantlog.core.queue import Delivery, Queue, QueueUnavailable, VisibilityLimitReached
from tenantlog.core.usage_recorder import UsageRecorder

log = logging.getLogger("tenantlog.worker")

#: Most messages asked for in one receive; more batches are received in turn. On SQLite
#: every receive waits for a commit (and its fsync): the more it claims, the fewer
#: commits the messages cost (100 to 200: about a fifth less CPU in the writer thread).
MAX_RECEIVE = 200
#: Seconds the event loop may keep the GIL from another thread while the worker runs
#: on SQLite (Python's default is 5 ms). The database's writer thread gives the GIL up
#: around every SQLite step and takes it back after each; while the loop runs Python
#: (redacting a receive's messages), each time back waited out the default interval, so
#: that a commit of a few statements waited longer than it worked, and the loop then
#: waited for the commit (bench/worker.py: about a tenth more logs a second at 0.5 ms).
GIL_SWITCH_SECONDS = 0.0005


@dataclass(slots=True)
class _Job:
    delivery: Delivery
    hidden_until: float
    #: False once the queue would hide the message no longer (SQS's 12 h).
    extendable: bool = True


class Worker:
    def __init__(
        self,
        queue: Queue,
        processor: Processor,
        *,
        batch_size: int = 5,
        max_batches: int = 256,
        visibility_timeout: float = 300,
        shutdown_grace: float = 10,
        receive_wait: float = 1.0,
        usage: UsageRecorder | None = None,
    ) -> None:
        """``usage`` counts the tenants' stored and dead-lettered logs (DESIGN §2b)."""
        self._queue = queue
        self._processor = processor
        self._batch_size = batch_size
        self._max_batches = max_batches
        self._visibility = visibility_timeout
        self._grace = shutdown_grace
        self._receive_wait = receive_wait
        self._usage = usage
        self._jobs: dict[str, _Job] = {}
        self._batches: dict[asyncio.Task[None], int] = {}  # each task: messages it holds
        self._held = 0  # messages held by the tasks, at most max_batches * batch_size
        self._slot_freed = asyncio.Event()
        #: Whether a batch's write acks its stored messages (queue and store in one file).
        self._ack_in_store = isinstance(queue, AcksInStore) and queue.acks_in(processor.store)

    @property
    def in_flight(self) -> int:
        return len(self._jobs)

    async def run(self, stopping: asyncio.Event) -> None:
        """Work until ``stopping`` is set, then drain; returns once nothing is held."""
        shared = _SHARED_GIL if self._ack_in_store else contextlib.nullcontext()
        with shared:
            heartbeat = asyncio.create_task(self._heartbeat())
            try:
                await self._receive_until(stopping)
            finally:
                await self._drain()
                heartbeat.cancel()

    async def _receive_until(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            free = self._max_batches * self._batch_size - self._held
            if free <= 0:
                self._slot_freed.clear()
                await _first(self._slot_freed.wait(), stopping.wait())
                continue
            try:
                deliveries = await self._queue.receive(min(free, MAX_RECEIVE), self._receive_wait)
            except QueueUnavailable as exc:
                log.error("receive failed, retrying in 1s: %s", exc)
                await _first(asyncio.sleep(1), stopping.wait())
                continue
            if stopping.is_set():
                await asyncio.gather(*(self._give_back(d) for d in deliveries))
                return
            if self._processor.policy.processing_delay_per_char > 0:
                for start in range(0, len(deliveries), self._batch_size):
                    self._start_batch(deliveries[start : start + self._batch_size])
            elif deliveries:
                # Without simulated work nothing is gained by splitting a receive: its
                # batches are processed one after another on this loop anyway, and one
                # write for all of them costs the writer one operation, not one a batch.
                # Each message still has its own outcome.
                self._start_batch(deliveries)

    def _start_batch(self, batch: Sequence[Delivery]) -> None:
        task = asyncio.create_task(self._run_batch(batch))
        self._batches[task] = len(batch)
        self._held += len(batch)
        task.add_done_callback(self._batch_done)

    def _batch_done(self, task: asyncio.Task[None]) -> None:
        self._held -= self._batches.pop(task, 0)
        self._slot_freed.set()

    async def _run_batch(self, batch: Sequence[Delivery]) -> None:
        # One message's failure never touches its batch-mates: each has its own outcome.
        if self._processor.policy.processing_delay_per_char > 0:
            # Each settles when its own work ends: a crash is retried at once, not
            # after the work of its batch-mates.
            await asyncio.gather(*(self._run_one(d) for d in batch))
            return
        # Without simulated work the batch is processed at once, its records written
        # (and, where the queue can, their messages acked) in one write.
        jobs = self._jobs
        hidden_until = time.monotonic() + self._visibility  # the batch was received at once
        for delivery in batch:
            jobs[delivery.receipt] = _Job(delivery, hidden_until)
        try:
            outcomes = await self._processor.process_batch(batch, ack=self._ack_in_store)
        except asyncio.CancelledError:
            await asyncio.shield(asyncio.gather(*(self._give_back(d) for d in batch)))
            self._forget(batch)
            raise
        try:
            others: list[tuple[Delivery, Outcome]] = []
            acked: list[Ack] = []
            for delivery, outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, Ack) and outcome.acked:
                    acked.append(outcome)
                else:
                    others.append((delivery, outcome))
            if self._usage is not None:
                for outcome in acked:
                    self._usage.outcome(outcome)
            _acked_metrics(acked)
            if others:
                await asyncio.gather(*(self._apply_one(d, o) for d, o in others))
        except asyncio.CancelledError:
            # Processed but not settled: their redelivery finds the logs stored.
            await asyncio.shield(asyncio.gather(*(self._give_back(d) for d in batch)))
            raise
        finally:
            self._forget(batch)

    async def _run_one(self, delivery: Delivery) -> None:
        self._jobs[delivery.receipt] = _Job(delivery, time.monotonic() + self._visibility)
        try:
            outcome = await self._processor.process(delivery)
            await self._apply(delivery, outcome)
        except asyncio.CancelledError:
            await asyncio.shield(self._give_back(delivery))
            raise
        except QueueUnavailable as exc:
            # The message stays hidden and comes back after its visibility timeout.
            log.error("could not settle message %s: %s", delivery.message_id, exc)
        finally:
            self._jobs.pop(delivery.receipt, None)

    def _forget(self, batch: Sequence[Delivery]) -> None:
        for delivery in batch:
            self._jobs.pop(delivery.receipt, None)

    async def _apply_one(self, delivery: Delivery, outcome: Outcome) -> None:
        try:
            await self._apply(delivery, outcome)
        except QueueUnavailable as exc:
            # The message stays hidden and comes back after its visibility timeout.
            log.error("could not settle message %s: %s", delivery.message_id, exc)

    async def _apply(self, delivery: Delivery, outcome: Outcome) -> None:
        if isinstance(outcome, Ack):
            # Counted before the ack: the log is stored whether or not the ack gets
            # through, and a redelivery would find it stored already and not count it.
            self._count(outcome)
            await self._queue.ack(delivery.receipt)
            self._acked(outcome)
        elif isinstance(outcome, Retry):
            await self._queue.release(delivery.receipt, outcome.delay, outcome.reason)
            metrics.MESSAGES_FAILED.inc()
            log.info(
                "message %s failed (receive %d): %s; retry in %.1fs",
                delivery.message_id,
                delivery.receive_count,
                outcome.reason,
                outcome.delay,
            )
        elif isinstance(outcome, Continue):
            await self._queue.give_back(delivery.receipt)
            log.info("message %s handed back: %s", delivery.message_id, outcome.reason)
        elif isinstance(outcome, DeadLetter):
            await self._queue.dead_letter(delivery.receipt, outcome.reason)
            metrics.MESSAGES_DEAD_LETTERED.inc()
            self._count(outcome)  # after: a dead letter that failed comes back, and counts then
            log.warning("message %s dead-lettered: %s", delivery.message_id, outcome.reason)

    def _acked(self, outcome: Ack) -> None:
        """The metrics and the warning of an acked message."""
        _acked_metrics((outcome,))

    def _count(self, outcome: Outcome) -> None:
        if self._usage is not None:
            self._usage.outcome(outcome)

    async def _give_back(self, delivery: Delivery) -> None:
        """Hand back a message this worker is stopping without finishing.

        Not ``release``: a shutdown is no failure of the message, and a release
        uses up a receive, on the last one sending a healthy message to the
        dead-letter queue. ``give_back`` does not count the receive on any
        backend (Queue.give_back says how, and what that costs).
        """
        try:
            await self._queue.give_back(delivery.receipt)
        except QueueUnavailable as exc:
            # It comes back after its visibility timeout, and that receive counts.
            log.error("could not give back message %s: %s", delivery.message_id, exc)

    async def _heartbeat(self) -> None:
        """Extend jobs about to outlive their visibility timeout, so no one else receives them."""
        period = max(min(self._visibility / 4, 30.0), 0.05)
        while True:
            await asyncio.sleep(period)
            due = time.monotonic() + self._visibility / 2
            for job in [j for j in self._jobs.values() if j.extendable and j.hidden_until <= due]:
                try:
                    await self._queue.extend(job.delivery.receipt, self._visibility)
                except VisibilityLimitReached as exc:
                    # Asking again would fail again. The job goes on: if the message is
                    # delivered again before it ends, the store's first write wins and
                    # the later ack of either run is harmless.
                    job.extendable = False
                    log.warning(
                        "message %s outlives its visibility: %s", job.delivery.message_id, exc
                    )
                    continue
                except QueueUnavailable as exc:
                    log.error("could not extend message %s: %s", job.delivery.message_id, exc)
                    continue
                job.hidden_until = time.monotonic() + self._visibility

    async def _drain(self) -> None:
        """Let in-flight work finish for the grace period, then give back the rest at once."""
        if self._batches:
            log.info("draining %d in-flight messages", len(self._jobs))
            await asyncio.wait(set(self._batches), timeout=self._grace)
        for task in set(self._batches):
            task.cancel()
        if self._batches:
            await asyncio.wait(set(self._batches))


class _SharedGil:
    """``GIL_SWITCH_SECONDS`` while any worker on SQLite runs in this process, and the
    interval there was before once none does: the setting is the whole process's."""

    def __init__(self) -> None:
        self._running = 0
        self._before = 0.0

    def __enter__(self) -> None:
        if self._running == 0:
            self._before = sys.getswitchinterval()
            sys.setswitchinterval(min(self._before, GIL_SWITCH_SECONDS))
        self._running += 1

    def __exit__(self, *exc: object) -> None:
        self._running -= 1
        if self._running == 0:
            sys.setswitchinterval(self._before)


_SHARED_GIL = _SharedGil()


@runtime_checkable
class AcksInStore(Protocol):
    """A queue that can say whether a store writes into its own database: the store's
    batch writes then ack their messages (``Processor.process_batch(ack=True)``)."""

    def acks_in(self, store: object) -> bool: ...


# A label's child is looked up under a lock on every ``labels`` call: a few per message.
def _acked_metrics(outcomes: Sequence[Ack]) -> None:
    """The metrics and warnings of acked messages: each counter moved once for all of
    them, since a batch's messages mostly share their result and redaction kinds."""
    # Plain dicts: a Counter's update is a Python loop of its own, once per message.
    results: dict[str, int] = {}
    redactions: dict[str, int] = {}
    for outcome in outcomes:
        result = _ack_result(outcome)
        results[result] = results.get(result, 0) + 1
        if outcome.redactions:
            for kind, count in outcome.redactions.items():
                redactions[kind] = redactions.get(kind, 0) + count
        if outcome.conflict is not None:
            metrics.CONFLICTS.inc()
            log.warning(
                "conflict: tenant %r log_id %r was stored with another text; kept the first",
                *outcome.conflict,
            )
    for result, count in results.items():
        _processed(result).inc(count)
    for kind, count in redactions.items():
        _redactions(kind).inc(count)


@functools.cache
def _processed(result: str) -> Any:
    return metrics.MESSAGES_PROCESSED.labels(result)


@functools.cache
def _redactions(kind: str) -> Any:
    return metrics.REDACTIONS.labels(kind)


def _ack_result(ack: Ack) -> str:
    """The ``result`` label of a processed message."""
    if ack.erasure:
        return "erasure"
    return "stored" if ack.stored else "duplicate"


async def _first(*waits: Coroutine[Any, Any, Any]) -> None:
    """Wait until the first of several coroutines completes; cancel the others."""
    tasks = [asyncio.create_task(w) for w in waits]
    _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
