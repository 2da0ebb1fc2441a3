"""Erasure in the core (DESIGN §2b): what an erasure covers, its queue message, and the
Processor carrying it out a slice at a time; above all the race it must win against a
worker that holds one of the tenant's logs when the erasure begins."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import orjson
import pytest

from tenantlog.core.erasure import ERASE_BATCH, Erasure, ErasureMessage
from tenantlog.core.processing import Ack, Continue, DeadLetter, ProcessingPolicy, Processor
from tenantlog.core.queue import Delivery
from tenantlog.core.store import Store
from tenantlog.db.sqlite import SqliteDatabase
from tenantlog.redaction import Redactor
from tenantlog.store.memory import MemoryStore
from tenantlog.store.sqlite import SqliteStore
from tests.support.factories import make_record, message_body

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    database = await SqliteDatabase.open(tmp_path)
    yield SqliteStore(database)
    await database.close()


def processor(store: Store, **options: object) -> Processor:
    policy = ProcessingPolicy(crash_probability=0.0, processing_delay_per_char=0.0)
    return Processor(store, Redactor(), policy, rng=random.Random(1), **options)  # type: ignore[arg-type]


def delivery(body: bytes) -> Delivery:
    return Delivery("m-1", body, "r-1", 1)


def test_an_erasure_covers_what_was_received_until_it_was_asked_for() -> None:
    erasure = Erasure("e1", "acme", "2024-01-01T00:00:00.500Z", "cli:ops")
    assert erasure.covers("2024-01-01T00:00:00.500Z")
    assert erasure.covers("2023-12-31T23:59:59.999Z")
    assert not erasure.covers("2024-01-01T00:00:00.501Z")
    shown = erasure.to_dict()
    assert shown["status"] == "erasing" and shown["requested_at"] == erasure.before
    assert shown["finished_at"] is None


def test_erasure_message_round_trips_and_holds_no_text() -> None:
    message = ErasureMessage("acme", "e1")
    data = orjson.loads(message.encode())
    assert data == {"kind": "erasure", "tenant_id": "acme", "erasure_id": "e1"}
    assert ErasureMessage.from_dict(data) == message


async def test_a_malformed_erasure_message_is_dead_lettered_with_the_reason(
    store: Store,
) -> None:
    outcome = await processor(store).process(delivery(b'{"kind": "erasure", "tenant_id": 1}'))
    assert outcome == DeadLetter("erasure message lacks tenant_id or erasure_id")


async def test_an_unknown_erasure_is_dead_lettered(store: Store) -> None:
    outcome = await processor(store).process(delivery(ErasureMessage("acme", "nope").encode()))
    assert outcome == DeadLetter("erasure 'nope' not found")


async def test_a_worker_mid_flight_when_the_erasure_begins_does_not_write_the_log_back(
    store: Store,
) -> None:
    # GIVEN a worker in the middle of a log's simulated work when the tenant is erased
    erasures: list[Erasure] = []

    async def erase_while_working(seconds: float) -> None:
        erasure = Erasure.start("acme", "cli:ops")
        await store.save_erasure(erasure)
        erasures.append(erasure)

    policy = ProcessingPolicy(crash_probability=0.0, processing_delay_per_char=0.001)
    working = Processor(store, Redactor(), policy, sleep=erase_while_working)
    # WHEN it finishes the log, received before the erasure
    outcome = await working.process(delivery(message_body(log_id="in-flight")))
    # THEN the log was not stored, and no read returns it
    assert erasures, "the work hook ran"
    assert outcome == Ack(False)
    assert await store.get("acme", "in-flight") is None
    assert (await store.list("acme", 10, None)).items == []
    # AND another tenant's log, processed the same way, is stored
    other = await processor(store).process(delivery(message_body(tenant_id="other")))
    assert other == Ack(True, {"PHONE": 1})


async def test_an_erasure_is_carried_out_in_slices_until_done(store: Store) -> None:
    # GIVEN more of a tenant's logs than one batch deletes, and another tenant's
    count = ERASE_BATCH + 20
    for n in range(count):
        await store.put_if_absent(make_record(log_id=f"{n:05}"))
    await store.put_if_absent(make_record(tenant_id="other"))
    erasure = Erasure.start("acme", "cli:ops")
    await store.save_erasure(erasure)
    erased_queues: list[str] = []

    async def erase_messages(tenant_id: str, sent_before: float) -> int:
        erased_queues.append(tenant_id)
        return 3

    worker = processor(store, erase_messages=erase_messages)
    message = delivery(ErasureMessage("acme", erasure.erasure_id).encode())
    # WHEN its message is processed with no time to spare: one batch a receive
    first = await worker.process(message, time_left=0.0)
    # THEN the first receive hands it back, having done a batch and the queue's part
    assert isinstance(first, Continue)
    progress = await store.get_erasure("acme", erasure.erasure_id)
    assert progress is not None
    assert (progress.records_deleted, progress.messages_deleted) == (ERASE_BATCH, 3)
    # AND the next one finishes it, without erasing the queue's messages again
    assert await worker.process(message, time_left=0.0) == Ack(False, erasure=True)
    done = await store.get_erasure("acme", erasure.erasure_id)
    assert done is not None
    assert done == replace(
        progress, status="done", records_deleted=count, finished_at=done.finished_at
    )
    assert done.finished_at is not None
    assert erased_queues == ["acme"]
    assert (await store.list("acme", 10, None)).items == []
    assert await store.get("other", "123") is not None
    # AND a redelivery of the finished erasure's message is a no-op
    assert await worker.process(message) == Ack(False, erasure=True)
