"""The worker's batch path on SQLite: one write stores a batch's records and acks them.

Each message of a batch must still have its own fate, as when it was written
and acked alone: these tests make one row of a batch fail inside SQLite (a
trigger that aborts its insert) and check that its batch-mates are stored
and acked while it is retried, and that a batch's outcomes are the ones
``Processor.process`` gives each message.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import pytest

from tenantlog.core.erasure import Erasure
from tenantlog.core.models import LogRecord
from tenantlog.core.processing import (
    Ack,
    DeadLetter,
    Outcome,
    ProcessingPolicy,
    Processor,
    PutsMany,
    Retry,
)
from tenantlog.core.queue import Delivery
from tenantlog.core.store import StoreUnavailable
from tenantlog.db.sqlite import SqliteDatabase
from tenantlog.queue.sqlite import SqliteQueue
from tenantlog.redaction import Redactor, screen
from tenantlog.store.sqlite import SqliteStore
from tenantlog.worker import Worker
from tests.support.factories import make_record, message, message_body

pytestmark = pytest.mark.anyio

#: Makes SQLite refuse the insert of one log, as a failing disk page or constraint would.
REFUSE_BAD = (
    "CREATE TRIGGER refuse_bad BEFORE INSERT ON logs WHEN NEW.log_id = 'bad'"
    " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    database = await SqliteDatabase.open(tmp_path)
    await database.write(lambda conn: conn.execute(REFUSE_BAD))
    yield database
    await database.close()


def record(log_id: str, text: str = "hello", tenant: str = "acme") -> LogRecord:
    return dataclasses.replace(make_record(tenant, log_id, text), redactions={})


def processor(store: SqliteStore, crash_probability: float = 0.0) -> Processor:
    policy = ProcessingPolicy(
        crash_probability=crash_probability,
        processing_delay_per_char=0,
        backoff_base=0.001,
        backoff_max=0.01,
    )
    return Processor(store, Redactor(), policy, rng=random.Random(5))


async def test_a_failed_row_fails_alone_in_a_batch_write(database: SqliteDatabase) -> None:
    store = SqliteStore(database)
    assert await store.put_if_absent(record("old"))
    results = await store.put_many_if_absent([record("new"), record("bad"), record("old")])
    assert results[0] is True
    assert isinstance(results[1], StoreUnavailable)
    assert "refused by the test" in str(results[1])
    assert results[2] is False  # stored already
    assert await store.get("acme", "new") is not None
    assert await store.get("acme", "bad") is None


async def test_a_batch_write_refuses_records_an_erasure_covers(database: SqliteDatabase) -> None:
    store = SqliteStore(database)
    await store.save_erasure(Erasure("e1", "acme", "2024-06-01T00:00:00.000Z", "admin"))
    results = await store.put_many_if_absent([record("1"), record("2", tenant="other")])
    assert results == [False, True]
    assert await store.get("acme", "1") is None


async def test_a_batch_gets_the_outcomes_each_message_would_alone(
    database: SqliteDatabase, tmp_path: Path
) -> None:
    """The same deliveries through ``process`` one by one on another file, and through
    ``process_batch``: the same outcomes, in order."""
    bodies = [
        message_body("acme", "1", "call 555-0199"),
        b"not json",
        message_body("acme", "bad"),
        message_body("acme", "dup", "first text"),
        message_body("acme", "dup", "second text"),  # the same id, another text
    ]
    deliveries = [Delivery(str(n), body, f"{n}.1", 1, "acme") for n, body in enumerate(bodies)]
    assert isinstance(SqliteStore(database), PutsMany)

    alone_db = await SqliteDatabase.open(tmp_path / "alone")
    await alone_db.write(lambda conn: conn.execute(REFUSE_BAD))
    try:
        alone = processor(SqliteStore(alone_db))
        one_by_one = [await alone.process(d) for d in deliveries[:4]]
        one_by_one.append(await alone.process(deliveries[4]))
    finally:
        await alone_db.close()
    batched = processor(SqliteStore(database))
    first = await batched.process_batch(deliveries[:4])
    second = await batched.process_batch(deliveries[4:])

    def comparable(outcomes: list[Outcome]) -> list[object]:
        # A retry's delay is jittered: the reason and the kind of outcome must match.
        return [(type(o), o.reason) if isinstance(o, Retry) else o for o in outcomes]

    assert comparable(first + second) == comparable(one_by_one)
    stored, undecodable, failed, dup, conflict = one_by_one
    assert stored == Ack(True, {"PHONE": 1})
    assert isinstance(undecodable, DeadLetter)
    assert isinstance(failed, Retry) and "refused by the test" in failed.reason
    assert dup == Ack(True, {})
    assert conflict == Ack(False, conflict=("acme", "dup"))
    assert [o.tenant_id for o in first if isinstance(o, Ack)] == ["acme", "acme"]


async def test_simulated_crashes_end_only_their_own_message(database: SqliteDatabase) -> None:
    store = SqliteStore(database)
    deliveries = [
        Delivery(str(n), message_body("acme", str(n)), f"{n}.1", 1, "acme") for n in range(20)
    ]
    crashing = processor(store, crash_probability=0.5)
    outcomes = [
        o for s in range(0, 20, 5) for o in await crashing.process_batch(deliveries[s : s + 5])
    ]
    crashed = {
        d.message_id for d, o in zip(deliveries, outcomes, strict=True) if isinstance(o, Retry)
    }
    assert 0 < len(crashed) < 20
    assert all(isinstance(o, Ack | Retry) for o in outcomes)
    for delivery in deliveries:
        stored = await store.get("acme", delivery.message_id)
        assert (stored is None) == (delivery.message_id in crashed)


async def test_a_batch_write_acks_only_current_receipts_of_rows_written(
    database: SqliteDatabase,
) -> None:
    queue = SqliteQueue(database, visibility_timeout=30)
    store = SqliteStore(database)
    assert queue.acks_in(store)
    await queue.send([message("acme", log_id) for log_id in ("a", "bad", "c")])
    first = await queue.receive(3, 0)
    await queue.release(first[2].receipt, 0, "failed")
    again = await queue.receive(3, 0)  # "c", received a second time elsewhere
    assert [d.message_id for d in again] == [first[2].message_id]
    records = [record(log_id) for log_id in ("a", "bad", "c")]
    # The old holder of "c" stores it (first write wins) but cannot delete the new
    # delivery; "bad" fails alone and keeps its message.
    results = await store.put_many_if_absent(records, [d.receipt for d in first])
    assert results[0] is True and results[2] is True
    assert isinstance(results[1], StoreUnavailable)
    assert (await queue.stats()).depth == 2
    # The new holder finds "c" stored, and its receipt is current: the message goes.
    assert await store.put_many_if_absent([records[2]], [again[0].receipt]) == [False]
    assert (await queue.stats()).depth == 1
    await queue.release(first[1].receipt, 0, "failed")
    [bad] = await queue.receive(3, 0)
    assert bad.message_id == first[1].message_id


async def test_a_batch_write_acks_a_record_refused_by_an_erasure(
    database: SqliteDatabase,
) -> None:
    queue = SqliteQueue(database, visibility_timeout=30)
    store = SqliteStore(database)
    await store.save_erasure(Erasure("e1", "acme", "9999-01-01T00:00:00.000Z", "test"))
    await queue.send([message("acme", "x")])
    [delivery] = await queue.receive(1, 0)
    outcomes = await processor(store).process_batch([delivery], ack=True)
    assert outcomes == [Ack(False)]
    assert isinstance(outcomes[0], Ack) and outcomes[0].acked
    assert await store.get("acme", "x") is None
    assert (await queue.stats()).depth == 0


async def test_a_batch_is_stored_and_acked_in_one_commit(database: SqliteDatabase) -> None:
    queue = SqliteQueue(database, visibility_timeout=30)
    store = SqliteStore(database)
    await queue.send([message("acme", str(n)) for n in range(5)])
    deliveries = await queue.receive(5, 0)
    commits = database.commits
    outcomes = await processor(store).process_batch(deliveries, ack=True)
    assert database.commits == commits + 1
    assert all(isinstance(o, Ack) and o.stored and o.acked for o in outcomes)
    assert (await queue.stats()).depth == 0


async def test_a_queue_acks_only_in_a_store_of_its_own_database(
    database: SqliteDatabase, tmp_path: Path
) -> None:
    other = await SqliteDatabase.open(tmp_path / "other")
    try:
        queue = SqliteQueue(database)
        assert queue.acks_in(SqliteStore(database))
        assert not queue.acks_in(SqliteStore(other))
        assert not queue.acks_in(object())
    finally:
        await other.close()


async def test_worker_stores_and_acks_the_rest_of_a_batch_and_retries_the_failed_one(
    database: SqliteDatabase,
) -> None:
    queue = SqliteQueue(database, visibility_timeout=30)
    store = SqliteStore(database)
    log_ids = ["a", "b", "bad", "c", "d", "e", "f", "g"]
    await queue.send([message("acme", log_id) for log_id in log_ids])
    worker = Worker(queue, processor(store), batch_size=5, receive_wait=0.01)
    stopping = asyncio.Event()
    task = asyncio.create_task(worker.run(stopping))
    for _ in range(500):
        stats = await queue.stats()
        if stats.depth == 0 and stats.dead_letters == 1:
            break
        await asyncio.sleep(0.01)
    stopping.set()
    await task

    for log_id in log_ids:
        assert (await store.get("acme", log_id) is None) == (log_id == "bad")
    # Retried on each of its receives (5), alone, then dead-lettered with its reason.
    [dead] = await queue.list_dead_letters(10)
    assert dead.receive_count == 5
    assert "refused by the test" in dead.reason
    assert worker.in_flight == 0


async def test_a_batch_whose_whole_write_fails_is_retried_message_by_message(
    tmp_path: Path,
) -> None:
    database = await SqliteDatabase.open(tmp_path / "closing")
    store = SqliteStore(database)
    deliveries = [
        Delivery(str(n), message_body("acme", str(n)), f"{n}.1", 1, "acme") for n in range(3)
    ]
    await database.close()  # every write now fails
    outcomes = await processor(store).process_batch(deliveries)
    assert [type(o) for o in outcomes] == [Retry, Retry, Retry]
    assert all("closed" in o.reason for o in outcomes if isinstance(o, Retry))


async def test_a_batch_is_screened_at_once_and_its_texts_not_kept(
    database: SqliteDatabase,
) -> None:
    """The redaction's screen searches the batch's texts and attribute values in one go
    (``Redactor.prime``), and forgets them once the batch is redacted."""
    primed: list[list[str]] = []

    class Recording(Redactor):
        def prime(self, texts: Iterable[str]) -> None:
            primed.append(list(texts))
            super().prime(primed[-1])

    bodies = [
        message_body("acme", "1", "call 555-0199"),
        b"not json",
        message_body("acme", "2", "mail jane@example.com"),
    ]
    deliveries = [Delivery(str(n), body, f"{n}.1", 1, "acme") for n, body in enumerate(bodies)]
    policy = ProcessingPolicy(crash_probability=0.0, processing_delay_per_char=0)
    batched = Processor(SqliteStore(database), Recording(), policy, rng=random.Random(5))
    outcomes = await batched.process_batch(deliveries)
    assert primed == [["call 555-0199", "mail jane@example.com"], []]
    assert screen._primed == {}
    assert outcomes[0] == Ack(True, {"PHONE": 1})
    assert outcomes[2] == Ack(True, {"EMAIL": 1})
