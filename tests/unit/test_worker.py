"""The local worker loop over the in-memory fakes: throughput shape, faults, heartbeat, drain.

The shutdown tests also run over the SQLite queue (the SQS one: tests/aws/test_sqs_worker.py).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from tenantlog.core.models import LogRecord
from tenantlog.core.processing import ProcessingPolicy, Processor
from tenantlog.core.queue import Outgoing, Queue, VisibilityLimitReached
from tenantlog.db.sqlite import SqliteDatabase
from tenantlog.queue.memory import MemoryQueue
from tenantlog.queue.sqlite import SqliteQueue
from tenantlog.redaction import Redactor
from tenantlog.store.memory import MemoryStore
from tenantlog.worker import Worker
from tests.support.factories import message

pytestmark = pytest.mark.anyio


class CountingStore(MemoryStore):
    """Counts write attempts, to tell a redelivery from a first delivery."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: Counter[str] = Counter()

    async def put_if_absent(self, record: LogRecord) -> bool:
        self.writes[record.log_id] += 1
        return await super().put_if_absent(record)


def make_worker(
    queue: Queue,
    store: MemoryStore,
    *,
    crash_probability: float = 0.0,
    delay_per_char: float = 0.0,
    visibility_timeout: float = 30,
    shutdown_grace: float = 5,
) -> Worker:
    policy = ProcessingPolicy(
        crash_probability=crash_probability,
        processing_delay_per_char=delay_per_char,
        max_receive_count=5,
        backoff_base=0.001,
        backoff_max=0.01,
    )
    processor = Processor(store, Redactor(), policy, rng=random.Random(3))
    return Worker(
        queue,
        processor,
        batch_size=5,
        max_batches=20,
        visibility_timeout=visibility_timeout,
        shutdown_grace=shutdown_grace,
        receive_wait=0.05,
    )


async def run_to_empty(worker: Worker, queue: Queue, seconds: float = 10) -> None:
    """Run the worker until the queue is empty, then stop it and wait for its drain."""
    stopping = asyncio.Event()
    task = asyncio.create_task(worker.run(stopping))
    for _ in range(int(seconds / 0.02)):
        if (await queue.stats()).depth == 0:
            break
        await asyncio.sleep(0.02)
    stopping.set()
    await asyncio.wait_for(task, 10)
    assert (await queue.stats()).depth == 0, "queue not drained"


async def stop_mid_job(worker: Worker) -> None:
    """Start the worker, stop it as soon as it holds a message, wait for its drain."""
    stopping = asyncio.Event()
    task = asyncio.create_task(worker.run(stopping))
    while worker.in_flight == 0:
        await asyncio.sleep(0.01)
    stopping.set()
    await asyncio.wait_for(task, 5)


async def test_worker_stores_every_message_and_empties_the_queue() -> None:
    queue, store = MemoryQueue(), MemoryStore()
    await queue.send([message(log_id=str(n)) for n in range(200)])
    worker = make_worker(queue, store)

    await run_to_empty(worker, queue)

    page = await store.list("acme", 1000, None)
    assert sorted(r.log_id for r in page.items) == sorted(str(n) for n in range(200))
    assert {r.modified_data for r in page.items} == {"User [REDACTED] accessed system"}


async def test_worker_with_crashes_stores_each_log_once_or_dead_letters_it() -> None:
    # GIVEN 300 logs and a worker that crashes on half of its attempts
    queue, store = MemoryQueue(max_receive_count=5), CountingStore()
    ids = [str(n) for n in range(300)]
    await queue.send([message(log_id=i) for i in ids])
    worker = make_worker(queue, store, crash_probability=0.5)
    # WHEN it runs until the queue is empty
    await run_to_empty(worker, queue)
    # THEN each log is stored exactly once or is in the DLQ with a reason; none is both or lost
    stored = {r.log_id for r in (await store.list("acme", 1000, None)).items}
    dead = await queue.list_dead_letters(1000)
    dead_ids = {d.body.decode().split('"log_id":"')[1].split('"')[0] for d in dead}
    assert stored | dead_ids == set(ids)
    assert not stored & dead_ids
    assert all(d.reason == "SimulatedCrash: simulated worker crash" for d in dead)
    assert dead  # with p=0.5 and 5 receives, about 1 in 32 logs exhausts them
    assert max(store.writes.values()) == 1


async def test_worker_heartbeat_keeps_long_jobs_from_being_redelivered() -> None:
    # GIVEN a job of 1.5 s and a visibility timeout of 0.4 s
    queue, store = MemoryQueue(visibility_timeout=0.4), CountingStore()
    await queue.send([message(text="x" * 150)])
    worker = make_worker(queue, store, delay_per_char=0.01, visibility_timeout=0.4)
    # WHEN the worker runs it to the end
    await run_to_empty(worker, queue)
    # THEN it was processed once, on its first receive
    record = await store.get("acme", "123")
    assert record is not None
    assert record.attempts == 1
    assert store.writes["123"] == 1


QueueMaker = Callable[..., Awaitable[Queue]]


@pytest.fixture(params=["memory", "sqlite"])
async def make_queue(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[QueueMaker]:
    """The embedded queues, which count receives themselves."""
    databases: list[SqliteDatabase] = []

    async def make(*, visibility_timeout: float = 300, max_receive_count: int = 5) -> Queue:
        if request.param == "memory":
            return MemoryQueue(
                visibility_timeout=visibility_timeout, max_receive_count=max_receive_count
            )
        databases.append(await SqliteDatabase.open(tmp_path))
        return SqliteQueue(
            databases[-1],
            visibility_timeout=visibility_timeout,
            max_receive_count=max_receive_count,
        )

    yield make
    for database in databases:
        await database.close()


async def test_worker_shutdown_gives_back_unfinished_work_at_once(make_queue: QueueMaker) -> None:
    # GIVEN a worker in the middle of a 100 s job, with a 0.1 s shutdown grace
    queue, store = await make_queue(visibility_timeout=300), MemoryStore()
    await queue.send([message(text="x" * 100)])
    worker = make_worker(queue, store, delay_per_char=1.0, shutdown_grace=0.1)
    # WHEN it is told to stop
    await stop_mid_job(worker)
    # THEN the message is visible again at once (not after 300 s), its receive not counted
    [again] = await queue.receive(1, 0)
    assert again.receive_count == 1
    assert await store.get("acme", "123") is None
    assert worker.in_flight == 0


async def test_worker_shutdown_on_the_last_receive_never_dead_letters(
    make_queue: QueueMaker,
) -> None:
    # GIVEN a queue allowing one receive, and a worker stopped mid-job on it
    queue = await make_queue(max_receive_count=1)
    await queue.send([message(text="x" * 100)])
    await stop_mid_job(make_worker(queue, MemoryStore(), delay_per_char=1.0, shutdown_grace=0))
    # WHEN another worker runs it to the end
    store = MemoryStore()
    await run_to_empty(make_worker(queue, store), queue)
    # THEN it was delivered again, not dead-lettered, and stored as a first attempt
    assert await queue.list_dead_letters(10) == []
    record = await store.get("acme", "123")
    assert record is not None
    assert record.attempts == 1


class CeilingQueue(MemoryQueue):
    """A queue that, like SQS 12 h after a receive, will hide chosen messages no longer."""

    def __init__(self, refused: set[str]) -> None:
        super().__init__(visibility_timeout=300)
        self.refused = refused
        self.extensions: Counter[str] = Counter()

    async def extend(self, receipt: str, seconds: float) -> None:
        message_id = receipt.partition(".")[0]
        self.extensions[message_id] += 1
        if message_id in self.refused:
            raise VisibilityLimitReached("it will be delivered again in 0s")
        await super().extend(receipt, seconds)


async def test_worker_heartbeat_stops_extending_what_the_queue_will_hide_no_longer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN two jobs of 0.6 s that the heartbeat extends every 0.1 s, one of them past its limit
    queue, store = CeilingQueue(refused={"1"}), CountingStore()
    await queue.send([message(log_id="a", text="x" * 60), message(log_id="b", text="y" * 60)])
    worker = make_worker(queue, store, delay_per_char=0.01, visibility_timeout=0.2)
    # WHEN the worker runs them to the end
    with caplog.at_level(logging.WARNING, logger="tenantlog.worker"):
        await run_to_empty(worker, queue)
    # THEN it asked once for the refused one and said so, and went on extending the other
    assert queue.extensions["1"] == 1
    assert queue.extensions["2"] >= 2
    assert "message 1 outlives its visibility: it will be delivered again in 0s" in caplog.text
    assert store.writes == Counter({"a": 1, "b": 1})


async def test_worker_dead_letters_undecodable_messages() -> None:
    queue, store = MemoryQueue(), MemoryStore()
    await queue.send([Outgoing("acme", b"garbage"), message()])
    worker = make_worker(queue, store)

    await run_to_empty(worker, queue)

    [dead] = await queue.list_dead_letters(10)
    assert dead.body == b"garbage"
    assert dead.reason.startswith("message body is not JSON")
    assert await store.get("acme", "123") is not None


async def test_worker_counts_and_logs_a_conflict_by_ids_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    queue, store = MemoryQueue(), MemoryStore()
    await queue.send([message(log_id="dup", text="first 555-0100")])
    await run_to_empty(make_worker(queue, store), queue)
    before = REGISTRY.get_sample_value("tenantlog_conflicts_total") or 0.0
    await queue.send([message(log_id="dup", text="second 555-0199")])

    with caplog.at_level(logging.WARNING, logger="tenantlog"):
        await run_to_empty(make_worker(queue, store), queue)

    assert REGISTRY.get_sample_value("tenantlog_conflicts_total") == before + 1
    assert "conflict: tenant 'acme' log_id 'dup'" in caplog.text
    assert "555" not in caplog.text and "second" not in caplog.text
    stored = await store.get("acme", "dup")
    assert stored is not None and stored.original_text == "first 555-0100"
