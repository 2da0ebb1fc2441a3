"""The Queue contract (SQS's model, DESIGN §4), run against every backend (see conftest.py)."""

from __future__ import annotations

import asyncio
import time

import pytest

from tenantlog.core.queue import Delivery, Outgoing, Queue
from tests.contract.conftest import QueueFactory
from tests.support.factories import message, message_body

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
    await queue.send([message(log_id="1")])

    [delivery] = await queue.receive(10, 2)

    assert delivery.body == message_body(log_id="1")
    assert delivery.receive_count == 1
    assert await queue.receive(10, 0) == []


async def test_queue_send_many_delivers_each_exactly_once(queue_factory: QueueFactory) -> None:
    queue = await queue_factory()
    bodies = [message_body(log_id=str(n)) for n in range(25)]
    await queue.send([Outgoing("acme", body) for body in bodies])

    deliveries = await receive_all(queue, 25)

    assert sorted(d.body for d in deliveries) == sorted(bodies)
    assert len({d.message_id for d in deliveries}) == 25


async def test_queue_receive_respects_max_messages(queue_factory: QueueFactory) -> None:
    queue = await queue_factory()
    await queue.send([message(log_id=str(n)) for n in range(8)])

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
        await queue.send([message()])

    sender = asyncio.create_task(send_later())
    got = await queue.receive(5, 5)
    await sender

    assert len(got) == 1


async def test_queue_ack_deletes(queue_factory: QueueFactory) -> None:
    # GIVEN a received message with a 1 s visibility timeout
    queue = await queue_factory(visibility_timeout=1)
    await queue.send([message()])
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
    await queue.send([message()])
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
    await queue.send([message()])
    [first] = await queue.receive(1, 2)

    await queue.release(first.receipt, 0, "boom")
    [again] = await queue.receive(1, 2)

    assert again.message_id == first.message_id
    assert again.receive_count == 2


@pytest.mark.slow
async def test_queue_release_with_delay_backs_off(queue_factory: QueueFactory) -> None:
    queue = await queue_factory()
    await queue.send([message()])
    [first] = await queue.receive(1, 2)

    await queue.release(first.receipt, 1, "boom")

    assert await queue.receive(1, 0) == []
    await asyncio.sleep(1.2)
    assert len(await queue.receive(1, 2)) == 1


@pytest.mark.slow
async def test_queue_extend_keeps_message_hidden(queue_factory: QueueFactory) -> None:
    # GIVEN a received message with a 1 s visibility timeout
    queue = await queue_factory(visibility_timeout=1)
    await queue.send([message()])
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
    await queue.send([message()])
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
    await queue.send([message(log_id="healthy")])
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
    await queue.send([message(log_id="doomed")])
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
    await queue.send([message(log_id="bad")])
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
    await queue.send([message(log_id="a"), message(log_id="b")])
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
    await queue.send([message()])
    [delivery] = await queue.receive(1, 2)
    await queue.dead_letter(delivery.receipt, "broken")

    assert await queue.purge_dead_letters() == 1

    assert await queue.list_dead_letters(10) == []


async def test_queue_stats_counts_visible_in_flight_and_dead(queue_factory: QueueFactory) -> None:
    # GIVEN three messages: one received, one dead-lettered, one waiting
    queue = await queue_factory()
    await queue.send([message(log_id=str(n)) for n in range(3)])
    [_] = await queue.receive(1, 2)
    [second] = await queue.receive(1, 2)
    await queue.dead_letter(second.receipt, "broken")
    # WHEN the queue is counted
    stats = await queue.stats()
    # THEN each state is counted once
    assert (stats.visible, stats.in_flight, stats.dead_letters) == (1, 1, 1)
    assert stats.depth == 2


def on_sqs(queue: Queue) -> bool:
    from tenantlog.queue.sqs import SqsQueue

    return isinstance(queue, SqsQueue)


def skip_sqs_order(queue: Queue) -> None:
    if on_sqs(queue):
        pytest.skip(
            "SQS's fair queueing is not emulated: moto keeps a standard queue's"
            " MessageGroupId and ignores it, delivering in send order"
        )


def tenant_of(delivery: Delivery) -> str:
    return delivery.group


async def test_queue_deliveries_carry_their_group(queue_factory: QueueFactory) -> None:
    queue = await queue_factory()
    await queue.send([message("acme", "1"), message("globex", "2")])

    got = await receive_all(queue, 2)

    assert sorted((d.group, d.body) for d in got) == [
        ("acme", message_body("acme", "1")),
        ("globex", message_body("globex", "2")),
    ]


async def test_queue_serves_a_tenant_behind_a_backlog_in_the_next_receives(
    queue_factory: QueueFactory,
) -> None:
    # GIVEN tenant A's backlog of 500 visible messages, then tenant B's 10
    queue = await queue_factory()
    skip_sqs_order(queue)
    for start in range(0, 500, 100):
        await queue.send([message("A", str(n)) for n in range(start, start + 100)])
    await queue.send([message("B", str(n)) for n in range(10)])
    # WHEN a worker receives 10 at a time
    receives = [[tenant_of(d) for d in await queue.receive(10, 1)] for _ in range(4)]
    # THEN B gets half of each receive, interleaved with A, until it has had all of its 10
    assert receives[0] == ["A", "B"] * 5 or receives[0] == ["B", "A"] * 5
    assert receives[1].count("B") == 5
    assert receives[2:] == [["A"] * 10, ["A"] * 10]


async def test_queue_keeps_each_tenants_order(queue_factory: QueueFactory) -> None:
    # GIVEN three tenants' messages, sent in several calls in a known order
    queue = await queue_factory()
    skip_sqs_order(queue)
    for batch in range(3):
        await queue.send(
            [message(t, f"{batch}-{n}") for t in ("A", "B", "C") for n in range(7 - 2 * batch)]
        )
    # WHEN all are received, 4 at a time
    got: list[Delivery] = []
    while batch_ := await queue.receive(4, 0):
        got += batch_
    # THEN each tenant's came out in the order they were sent (the oldest first)
    for tenant in ("A", "B", "C"):
        sent = [message(tenant, f"{b}-{n}").body for b in range(3) for n in range(7 - 2 * b)]
        assert [d.body for d in got if d.group == tenant] == sent


async def test_queue_takes_turns_fairly_over_many_receives(queue_factory: QueueFactory) -> None:
    # GIVEN three tenants with backlogs of 30 each
    queue = await queue_factory()
    skip_sqs_order(queue)
    await queue.send([message(t, str(n)) for t in ("A", "B", "C") for n in range(30)])
    # WHEN 10 are received at a time, 6 times (10 does not divide by 3)
    counts = {"A": 0, "B": 0, "C": 0}
    for _ in range(6):
        for delivery in await queue.receive(10, 0):
            counts[delivery.group] += 1
    # THEN the odd one out went round: each tenant got 20
    assert counts == {"A": 20, "B": 20, "C": 20}


async def test_queue_dead_letters_and_redrive_keep_the_group(queue_factory: QueueFactory) -> None:
    # GIVEN messages of two tenants, dead-lettered
    queue = await queue_factory()
    await queue.send([message("acme", "1"), message("globex", "2")])
    for delivery in await receive_all(queue, 2):
        await queue.dead_letter(delivery.receipt, "broken")
    # WHEN they are listed and redriven
    dead = await queue.list_dead_letters(10)
    assert await queue.redrive() == 2
    # THEN each keeps its group, in the DLQ and back in the queue
    assert sorted((d.group, d.body) for d in dead) == [
        ("acme", message_body("acme", "1")),
        ("globex", message_body("globex", "2")),
    ]
    again = await receive_all(queue, 2)
    assert sorted((d.group, d.body) for d in again) == sorted((d.group, d.body) for d in dead)


async def test_queue_dead_letters_by_receive_count_keep_the_group(
    queue_factory: QueueFactory,
) -> None:
    # GIVEN a queue allowing one receive, and a message that failed on it
    queue = await queue_factory(max_receive_count=1)
    await queue.send([message("globex", "doomed")])
    [delivery] = await queue.receive(1, 2)
    await queue.release(delivery.receipt, 0, "SimulatedCrash: simulated worker crash")
    # WHEN it goes to the DLQ and is redriven
    await queue.receive(1, 1)
    [dead] = await queue.list_dead_letters(10)
    await queue.redrive()
    # THEN its group went with it
    [again] = await queue.receive(1, 2)
    assert (dead.group, again.group) == ("globex", "globex")


async def test_queue_erase_tenant_deletes_its_queued_in_flight_and_dead_messages(
    queue_factory: QueueFactory,
) -> None:
    # GIVEN tenant X's messages sent before the erasure: one queued, one in flight and one
    # dead-lettered (after the erasure began); and tenant Y's, one queued and one dead
    queue = await queue_factory()
    await queue.send([message("X", "queued"), message("X", "held"), message("X", "dead")])
    await queue.send([message("Y", "queued"), message("Y", "dead")])
    await asyncio.sleep(0.02)
    erased_up_to = time.time()
    await asyncio.sleep(0.02)
    # AND X's messages sent after it: one queued, one dead-lettered
    await queue.send([message("X", "later"), message("X", "later-dead")])
    held = None
    for delivery in await receive_all(queue, 7):
        log_id = delivery.body.split(b'"log_id":"')[1].split(b'"')[0]
        if log_id in (b"dead", b"later-dead"):
            await queue.dead_letter(delivery.receipt, "broken")
        elif log_id == b"held" and delivery.group == "X":
            held = delivery
        else:
            await queue.give_back(delivery.receipt)
    assert held is not None
    # WHEN X's messages up to then are erased
    erased = await queue.erase_tenant("X", erased_up_to)
    # THEN the dead letter is gone on every queue, and the queued and in-flight ones
    # wherever the queue can delete them (not on SQS: the store refuses those logs)
    dead = await queue.list_dead_letters(10)
    assert sorted(d.body for d in dead) == sorted(
        [message_body("Y", "dead"), message_body("X", "later-dead")]
    )
    left = sorted(d.body for d in await receive_all(queue, 5, wait=1))
    if on_sqs(queue):
        assert erased == 1
        assert left == sorted(
            message_body(t, i) for t, i in [("X", "queued"), ("Y", "queued"), ("X", "later")]
        )
    else:
        assert erased == 3
        assert left == sorted([message_body("Y", "queued"), message_body("X", "later")])
        # AND the holder of the erased in-flight message finds nothing to settle
        await queue.ack(held.receipt)
        await queue.release(held.receipt, 0, "boom")
        assert (await queue.stats()).depth == 2


async def test_queue_erase_tenant_without_messages_erases_nothing(
    queue_factory: QueueFactory,
) -> None:
    queue = await queue_factory()
    await queue.send([message("Y", "1")])

    assert await queue.erase_tenant("X", time.time()) == 0
    assert (await queue.stats()).depth == 1
