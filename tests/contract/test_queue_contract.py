"""The Queue contract (SQS's model, DESIGN §4), run against every backend (see conftest.py)."""

from __future__ import annotations

import asyncio

import pytest

from tenantlog.core.queue import Delivery, Queue
from tests.contract.conftest import QueueFactory
from tests.support.factories import message_body

pytestmark = pytest.mark.anyio


async def receive_all(queue: Queue, expected: int, wait: float = 2) -> list[Delivery]:
    """Receive until ``expected`` deliveries arrived or a receive comes back empty."""
    got: list[Delivery] = []
    while len(got) < expected:
        batch = await queue.receive(10, wait)
        if not batch:
            break
        got += batch
    return got


async def test_queue_send_then_receive_delivers_body_once(queue_factory: QueueFactory) -> None:
    queue = await queue_factory()
    await queue.send([message_body(log_id="1")])

    [delivery] = await queue.receive(10, 2)

    assert delivery.body == message_body(log_id="1")
    assert delivery.receive_count == 1
    assert await queue.receive(10, 0) == []


async def test_queue_send_many_delivers_each_exactly_once(queue_factory: QueueFactory) -> None:
    queue = await queue_factory()
    bodies = [message_body(log_id=str(n)) for n in range(25)]
    await queue.send(bodies)

    deliveries = await receive_all(queue, 25)

    assert sorted(d.body for d in deliveries) == sorted(bodies)
    assert len({d.message_id for d in deliveries}) == 25


async def test_queue_receive_respects_max_messages(queue_factory: QueueFactory) -> None:
    queue = await queue_factory()
    await queue.send([message_body(log_id=str(n)) for n in range(8)])

    batch = await queue.receive(5, 2)

    assert 1 <= len(batch) <= 5


async def test_queue_receive_waits_then_returns_empty(queue_factory: QueueFactory) -> None:
    queue = await queue_factory()

    assert await queue.receive(5, 1) == []


async def test_queue_receive_wakes_for_a_message_sent_while_waiting(
    queue_factory: QueueFactory,
) -> None:
    queue = await queue_factory()

    async def send_later() -> None:
        await asyncio.sleep(0.3)
        await queue.send([message_body()])

    sender = asyncio.create_task(send_later())
    got = await queue.receive(5, 5)
    await sender

    assert len(got) == 1


async def test_queue_ack_deletes(queue_factory: QueueFactory) -> None:
    # GIVEN a received message with a 1 s visibility timeout
    queue = await queue_factory(visibility_timeout=1)
    await queue.send([message_body()])
    [delivery] = await queue.receive(1, 2)
    # WHEN it is acked and the visibility timeout passes
    await queue.ack(delivery.receipt)
    await asyncio.sleep(1.2)
    # THEN it never comes back
    assert await queue.receive(1, 0) == []
    assert (await queue.stats()).depth == 0


@pytest.mark.slow
async def test_queue_unacked_message_returns_after_visibility_timeout(
    queue_factory: QueueFactory,
) -> None:
    # GIVEN a received, unacked message with a 1 s visibility timeout
    queue = await queue_factory(visibility_timeout=1)
    await queue.send([message_body()])
    [first] = await queue.receive(1, 2)
    # WHEN nothing happens before the timeout
    assert await queue.receive(1, 0) == []
    await asyncio.sleep(1.2)
    # THEN it is delivered again, counted as a second receive
    [second] = await queue.receive(1, 2)
    assert second.message_id == first.message_id
    assert second.receive_count == 2
    assert second.receipt != first.receipt


async def test_queue_release_zero_makes_visible_at_once(queue_factory: QueueFactory) -> None:
    queue = await queue_factory()
    await queue.send([message_body()])
    [first] = await queue.receive(1, 2)

    await queue.release(first.receipt, 0, "boom")
    [again] = await queue.receive(1, 2)

    assert again.message_id == first.message_id
    assert again.receive_count == 2


@pytest.mark.slow
async def test_queue_release_with_delay_backs_off(queue_factory: QueueFactory) -> None:
    queue = await queue_factory()
    await queue.send([message_body()])
    [first] = await queue.receive(1, 2)

    await queue.release(first.receipt, 1, "boom")

    assert await queue.receive(1, 0) == []
    await asyncio.sleep(1.2)
    assert len(await queue.receive(1, 2)) == 1


@pytest.mark.slow
async def test_queue_extend_keeps_message_hidden(queue_factory: QueueFactory) -> None:
    # GIVEN a received message with a 1 s visibility timeout
    queue = await queue_factory(visibility_timeout=1)
    await queue.send([message_body()])
    [delivery] = await queue.receive(1, 2)
    # WHEN its visibility is extended to 3 s from now
    await queue.extend(delivery.receipt, 3)
    await asyncio.sleep(1.5)
    # THEN it stays hidden past the original timeout
    assert await queue.receive(1, 0) == []


async def test_queue_give_back_is_visible_at_once_and_not_counted(
    queue_factory: QueueFactory,
) -> None:
    # GIVEN a received message
    queue = await queue_factory()
    await queue.send([message_body()])
    [first] = await queue.receive(1, 2)
    # WHEN a stopping worker gives it back
    await queue.give_back(first.receipt)
    # THEN it is delivered again at once, as if that receive had not happened
    [again] = await queue.receive(1, 2)
    assert again.body == first.body
    assert again.receive_count == 1
    assert (await queue.stats()).depth == 1


async def test_queue_give_back_on_the_last_receive_never_dead_letters(
    queue_factory: QueueFactory,
) -> None:
    # GIVEN a queue allowing 2 receives, and a message that failed once and is on its last
    queue = await queue_factory(max_receive_count=2)
    await queue.send([message_body(log_id="healthy")])
    [first] = await queue.receive(1, 2)
    await queue.release(first.receipt, 0, "StoreUnavailable: throttled")
    [last] = await queue.receive(1, 2)
    assert last.receive_count == 2
    # WHEN it is given back, and received again
    await queue.give_back(last.receipt)
    [again] = await queue.receive(1, 2)
    # THEN it is still on its last receive, not dead-lettered
    assert (again.body, again.receive_count) == (message_body(log_id="healthy"), 2)
    assert await queue.list_dead_letters(10) == []
    # AND a real failure now dead-letters it with that failure's reason
    await queue.release(again.receipt, 0, "StoreUnavailable: still throttled")
    assert await queue.receive(1, 1) == []
    [dead] = await queue.list_dead_letters(10)
    assert dead.reason == "StoreUnavailable: still throttled"
    # AND once redriven it starts again at a receive count of 1
    assert await queue.redrive() == 1
    [redriven] = await queue.receive(1, 2)
    assert redriven.receive_count == 1


async def test_queue_too_many_receives_moves_to_dead_letters(queue_factory: QueueFactory) -> None:
    # GIVEN a queue that allows 2 receives, and a message that failed twice
    queue = await queue_factory(max_receive_count=2)
    await queue.send([message_body(log_id="doomed")])
    for _ in range(2):
        [delivery] = await queue.receive(1, 2)
        await queue.release(delivery.receipt, 0, "SimulatedCrash: simulated worker crash")
    # WHEN it is received once more
    got = await queue.receive(1, 1)
    # THEN it is not delivered but dead-lettered, with a reason
    assert got == []
    [dead] = await queue.list_dead_letters(10)
    assert dead.body == message_body(log_id="doomed")
    assert dead.reason
    assert (await queue.stats()).dead_letters == 1


async def test_queue_dead_letter_records_reason(queue_factory: QueueFactory) -> None:
    queue = await queue_factory()
    await queue.send([message_body(log_id="bad")])
    [delivery] = await queue.receive(1, 2)

    await queue.dead_letter(delivery.receipt, "message body is not JSON")

    [dead] = await queue.list_dead_letters(10)
    assert dead.reason == "message body is not JSON"
    assert dead.body == message_body(log_id="bad")
    assert await queue.receive(1, 0) == []


async def test_queue_redrive_returns_dead_letters_with_fresh_count(
    queue_factory: QueueFactory,
) -> None:
    # GIVEN two dead letters
    queue = await queue_factory()
    await queue.send([message_body(log_id="a"), message_body(log_id="b")])
    for delivery in await receive_all(queue, 2):
        await queue.dead_letter(delivery.receipt, "broken")
    # WHEN they are redriven
    moved = await queue.redrive()
    # THEN the DLQ is empty and both come back as first receives
    assert moved == 2
    redelivered = await receive_all(queue, 2)
    assert sorted(d.body for d in redelivered) == [
        message_body(log_id="a"),
        message_body(log_id="b"),
    ]
    assert {d.receive_count for d in redelivered} == {1}
    assert (await queue.stats()).dead_letters == 0


async def test_queue_purge_empties_dead_letters(queue_factory: QueueFactory) -> None:
    queue = await queue_factory()
    await queue.send([message_body()])
    [delivery] = await queue.receive(1, 2)
    await queue.dead_letter(delivery.receipt, "broken")

    assert await queue.purge_dead_letters() == 1

    assert await queue.list_dead_letters(10) == []


async def test_queue_stats_counts_visible_in_flight_and_dead(queue_factory: QueueFactory) -> None:
    # GIVEN three messages: one received, one dead-lettered, one waiting
    queue = await queue_factory()
    await queue.send([message_body(log_id=str(n)) for n in range(3)])
    [_] = await queue.receive(1, 2)
    [second] = await queue.receive(1, 2)
    await queue.dead_letter(second.receipt, "broken")
    # WHEN the queue is counted
    stats = await queue.stats()
    # THEN each state is counted once
    assert (stats.visible, stats.in_flight, stats.dead_letters) == (1, 1, 1)
    assert stats.depth == 2
