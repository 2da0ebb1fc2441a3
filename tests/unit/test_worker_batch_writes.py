"""The worker's batch paths on SQLite give the results of their one-at-a-time forms.

A batch of records is written by a few statements of many rows, its messages
acked likewise: these tests
pin what each record and message must still get as if it had been handled
alone (its own store sequence number, the first write winning, a stale receipt
deleting nothing, a body byte for byte).
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tenantlog.core.models import InternalMessage, LogRecord, MessageDecodeError, utc_now
from tenantlog.core.processing import ProcessingPolicy, Processor
from tenantlog.core.queue import Outgoing
from tenantlog.db.sqlite import SqliteDatabase
from tenantlog.queue.sqlite import SqliteQueue
from tenantlog.redaction import Redactor
from tenantlog.store.sqlite import SqliteStore
from tenantlog.worker import Worker
from tenantlog.worker.runner import GIL_SWITCH_SECONDS
from tests.support.factories import make_record

pytestmark = pytest.mark.anyio


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    database = await SqliteDatabase.open(tmp_path)
    yield database
    await database.close()


def record(log_id: str, text: str = "hello", **changes: object) -> LogRecord:
    return dataclasses.replace(make_record("acme", log_id, text), **changes)  # type: ignore[arg-type]


async def seqs(database: SqliteDatabase) -> dict[str, int]:
    rows = await database.read(lambda conn: conn.execute("SELECT log_id, seq FROM logs").fetchall())
    return dict(rows)


async def test_a_batch_numbers_its_records_in_its_order_after_those_stored(
    database: SqliteDatabase,
) -> None:
    store = SqliteStore(database)
    assert await store.put_if_absent(record("first"))
    batch = [record(f"b{n}") for n in range(5)]
    assert await store.put_many_if_absent(batch) == [True] * 5
    numbers = await seqs(database)
    order = [numbers[f"b{n}"] for n in range(5)]
    assert order == sorted(order) and len(set(order)) == 5
    assert order[0] > numbers["first"]
    assert await store.put_if_absent(record("last"))
    assert (await seqs(database))["last"] > order[-1]


async def test_an_id_twice_in_one_batch_keeps_the_first(database: SqliteDatabase) -> None:
    store = SqliteStore(database)
    results = await store.put_many_if_absent([record("x", "one"), record("x", "two")])
    assert results == [True, False]
    stored = await store.get("acme", "x")
    assert stored is not None and stored.original_text == "one"


async def test_a_batch_takes_the_place_of_an_expired_record(database: SqliteDatabase) -> None:
    store = SqliteStore(database)
    assert await store.put_if_absent(record("x", "old", expires_at="2000-01-01T00:00:00Z"))
    before = (await seqs(database))["x"]
    assert await store.put_many_if_absent([record("x", "new"), record("y")]) == [True, True]
    stored = await store.get("acme", "x")
    assert stored is not None and stored.original_text == "new"
    assert (await seqs(database))["x"] > before


async def test_a_batch_acks_its_messages_but_not_a_stale_receipt(
    database: SqliteDatabase,
) -> None:
    queue, store = SqliteQueue(database), SqliteStore(database)
    await queue.send([Outgoing("acme", f"body {n}".encode()) for n in range(3)])
    deliveries = await queue.receive(10, 0)
    assert len(deliveries) == 3
    receipts = [d.receipt for d in deliveries]
    stale = receipts[1].split(".")[0] + ".99"  # a receive that is not the current one
    written = await store.put_many_if_absent(
        [record(f"m{n}") for n in range(3)], [receipts[0], stale, receipts[2]]
    )
    assert written == [True, True, True]
    left = await database.read(
        lambda conn: [row[0] for row in conn.execute("SELECT body FROM queue_messages")]
    )
    assert left == [b"body 1"]


async def test_a_receive_gives_each_body_byte_for_byte(database: SqliteDatabase) -> None:
    queue = SqliteQueue(database)
    bodies = [b"\xff\x00 not utf-8 \x80", b'{"quoted": "\\"x\\""}', "caf\u00e9".encode()]
    await queue.send([Outgoing(f"t{n}", body) for n, body in enumerate(bodies)])
    first = await queue.receive(10, 0)
    assert sorted(d.body for d in first) == sorted(bodies)
    assert {d.receive_count for d in first} == {1}
    assert {d.group for d in first} == {"t0", "t1", "t2"}
    for delivery in first:
        await queue.release(delivery.receipt, 0, "failed once")
    again = await queue.receive(10, 0)
    assert sorted(d.body for d in again) == sorted(bodies)
    assert {d.receive_count for d in again} == {2}
    assert await queue.receive(10, 0) == []  # all hidden now


def test_utc_now_reads_as_the_clock_does() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    now = utc_now()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", now)
    moment = datetime.fromisoformat(now.replace("Z", "+00:00"))
    assert before <= moment <= datetime.now(UTC)


def test_a_message_names_its_first_defect() -> None:
    good = {
        "tenant_id": "acme",
        "log_id": "1",
        "source": "json_upload",
        "text": "hello",
        "received_at": "2024-01-01T00:00:00.000Z",
    }
    assert InternalMessage.from_data(good).attributes == {}
    for name in ("log_id", "text"):
        with pytest.raises(MessageDecodeError, match=f"'{name}' is missing"):
            InternalMessage.from_data({**good, name: "", "received_at": 5})
    with pytest.raises(MessageDecodeError, match="'attributes' is not an object"):
        InternalMessage.from_data({**good, "attributes": None})
    with pytest.raises(MessageDecodeError, match="source 'fax' is unknown"):
        InternalMessage.from_data({**good, "source": "fax"})


async def test_a_worker_on_sqlite_shares_the_gil_promptly_only_while_it_runs(
    database: SqliteDatabase,
) -> None:
    before = sys.getswitchinterval()
    store = SqliteStore(database)
    policy = ProcessingPolicy(crash_probability=0, processing_delay_per_char=0)
    worker = Worker(SqliteQueue(database), Processor(store, Redactor(), policy), receive_wait=0.01)
    stopping = asyncio.Event()
    running = asyncio.create_task(worker.run(stopping))
    await asyncio.sleep(0.05)
    assert sys.getswitchinterval() == min(before, GIL_SWITCH_SECONDS)
    stopping.set()
    await running
    assert sys.getswitchinterval() == before
