"""What the SQS queue does beyond the shared contract: batching, SQS's limits, endpoints.

The contract itself (tests/contract) runs against SqsQueue too. Everything
runs on the moto server; where a test needs an answer moto never gives (an
SQS error text it does not produce, a move task it does not implement, a
malformed batch result), that one answer is canned at the client (``answer``)
and says so.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable, Iterable
from typing import TYPE_CHECKING, Any

import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders

from tenantlog.aws import sqs_dead_letters
from tenantlog.aws.clients import make_client
from tenantlog.aws.sqs_messages import (
    FIRST_SENT_ATTRIBUTE,
    PRIOR_RECEIVES_ATTRIBUTE,
    REDRIVE_POLICY_REASON,
)
from tenantlog.backends import sqs_queue
from tenantlog.core.queue import Delivery, Outgoing, QueueUnavailable, VisibilityLimitReached
from tenantlog.queue.sqs import SqsQueue
from tenantlog.settings import load_settings
from tests.aws.conftest import CallLog
from tests.support.aws_emulator import REGION, create_queues
from tests.support.factories import message, message_body

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

pytestmark = pytest.mark.anyio

#: Nothing listens on the discard port of the loopback: connections are refused at once.
DEAD_ENDPOINT = "http://127.0.0.1:9"

OpenQueue = Callable[..., tuple[SqsQueue, CallLog]]
#: An HTTP status and the parsed body botocore would have made of SQS's answer.
Answer = tuple[int, dict[str, Any]]


@pytest.fixture
async def open_queue(moto_server: str) -> AsyncIterator[OpenQueue]:
    """Fresh queues behind an SqsQueue whose API calls are recorded."""
    made: list[SqsQueue] = []

    def open_queue(
        *,
        visibility_timeout: int = 30,
        max_receive_count: int = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> tuple[SqsQueue, CallLog]:
        url, _ = create_queues(
            visibility_timeout=visibility_timeout, max_receive_count=max_receive_count
        )
        client = make_client("sqs", REGION, 48)
        log = CallLog(client)
        queue = SqsQueue(
            client,
            url,
            visibility_timeout=visibility_timeout,
            max_receive_count=max_receive_count,
            clock=clock,
        )
        made.append(queue)
        return queue, log

    yield open_queue
    for queue in made:
        await queue.close()


def answer(client: Any, operation: str, answers: Iterable[Answer]) -> None:
    """Answer ``operation`` with the next of ``answers`` instead of asking moto, then as usual.

    Only for answers moto never gives; botocore turns them into results and
    ClientErrors exactly as it does SQS's own.
    """
    pending = iter(answers)

    def respond(**_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        canned = next(pending, None)
        if canned is None:
            return None
        status, parsed = canned
        return AWSResponse("", status, HTTPHeaders(), None), parsed

    client.meta.events.register(f"before-call.sqs.{operation}", respond)


def sqs_error(code: str, message: str) -> Answer:
    return 400, {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {}}


def reject_entries(client: Any, rejected: Callable[[str, int], bool]) -> None:
    """Make SQS itself fail chosen entries of SendMessageBatch.

    moto accepts every body that real SQS rejects entry by entry (invalid
    characters), so the entry is given a DelaySeconds over SQS's 900 s
    maximum, which moto does check per entry: the failure comes from the
    server, and the code under test sees a real partial batch failure.
    ``rejected(body, call_number)`` picks the entries.
    """
    calls = 0

    def corrupt(params: dict[str, Any], **_: Any) -> None:
        nonlocal calls
        calls += 1
        for entry in params["Entries"]:
            if rejected(entry["MessageBody"], calls):
                entry["DelaySeconds"] = 901

    client.meta.events.register("before-parameter-build.sqs.SendMessageBatch", corrupt)


async def test_sqs_queue_coalesces_concurrent_sends_into_batches(open_queue: OpenQueue) -> None:
    # GIVEN 50 requests that each send one log at the same moment
    queue, log = open_queue()
    bodies = [message_body(log_id=str(n)) for n in range(50)]
    # WHEN they are sent concurrently
    await asyncio.gather(*(queue.send([Outgoing("acme", body)]) for body in bodies))
    # THEN they went out in five full SendMessageBatch calls, and all arrived
    assert [len(call["Entries"]) for call in log.named("SendMessageBatch")] == [10] * 5
    received: list[Delivery] = []
    while len(received) < 50 and (batch := await queue.receive(10, 1)):
        received += batch
    assert sorted(d.body for d in received) == sorted(bodies)


async def test_sqs_queue_send_retries_entries_the_batch_reports_failed(
    open_queue: OpenQueue,
) -> None:
    # GIVEN SQS fails one entry of the first batch call
    queue, log = open_queue()
    reject_entries(queue._client, lambda body, call: call == 1 and '"log_id":"b"' in body)
    # WHEN two logs are sent together
    await queue.send([message(log_id="a"), message(log_id="b")])
    # THEN the failed entry alone was sent again, and both are on the queue
    assert [len(call["Entries"]) for call in log.named("SendMessageBatch")] == [2, 1]
    got = await queue.receive(10, 1)
    assert sorted(d.body for d in got) == [message_body(log_id="a"), message_body(log_id="b")]


async def test_sqs_queue_send_fails_only_the_callers_whose_entries_never_go(
    open_queue: OpenQueue,
) -> None:
    # GIVEN SQS refuses one body every time
    queue, _ = open_queue()
    reject_entries(queue._client, lambda body, _: "poison" in body)
    # WHEN it is sent together with another caller's log
    results = await asyncio.gather(
        queue.send([message(log_id="poison")]),
        queue.send([message(log_id="fine")]),
        return_exceptions=True,
    )
    # THEN its caller hears of the failure, the other is sent
    assert isinstance(results[0], QueueUnavailable)
    assert results[1] is None
    [delivery] = await queue.receive(10, 1)
    assert delivery.body == message_body(log_id="fine")


async def test_sqs_queue_send_retries_entries_sqs_reports_neither_sent_nor_failed(
    open_queue: OpenQueue,
) -> None:
    # GIVEN a SendMessageBatch answer listing no entry at all (canned: moto lists every entry)
    queue, log = open_queue()
    answer(queue._client, "SendMessageBatch", [(200, {"Successful": [], "Failed": []})])
    # WHEN a log is sent
    await queue.send([message(log_id="a")])
    # THEN it was not taken for sent: sent again, it is on the queue once
    assert len(log.named("SendMessageBatch")) == 2
    [delivery] = await queue.receive(10, 1)
    assert delivery.body == message_body(log_id="a")
    assert await queue.receive(10, 0) == []


async def test_sqs_queue_carries_bodies_sqs_cannot_hold_as_text(open_queue: OpenQueue) -> None:
    # GIVEN bodies SQS refuses as text: a noncharacter, and bytes that are not UTF-8
    queue, _ = open_queue()
    odd = [message_body(text="User \uffff 555-0199"), b"\xff\xfe not utf-8"]
    # WHEN they are sent, received and one is dead-lettered
    await queue.send([Outgoing("acme", body) for body in odd])
    got = await queue.receive(10, 1)
    await queue.dead_letter(got[0].receipt, "broken")
    # THEN each round-trips byte for byte
    assert sorted(d.body for d in got) == sorted(odd)
    [dead] = await queue.list_dead_letters(10)
    assert dead.body == got[0].body


async def test_sqs_queue_reports_redrive_policy_moves_without_a_reason(
    open_queue: OpenQueue, sqs: SQSClient
) -> None:
    # GIVEN a queue allowing one receive, whose message a worker received and never answered
    queue, _ = open_queue(max_receive_count=1)
    await queue.send([message(log_id="orphan")])
    sqs.receive_message(QueueUrl=queue._url, VisibilityTimeout=0, WaitTimeSeconds=1)
    # WHEN it is received again
    assert await queue.receive(1, 1) == []
    # THEN SQS moved it to the DLQ, where it is listed with the redrive policy as reason
    [dead] = await queue.list_dead_letters(10)
    assert dead.body == message_body(log_id="orphan")
    assert dead.reason == REDRIVE_POLICY_REASON


async def test_sqs_queue_release_on_the_last_receive_dead_letters_with_the_reason(
    open_queue: OpenQueue,
) -> None:
    queue, _ = open_queue(max_receive_count=1)
    await queue.send([message()])
    [delivery] = await queue.receive(1, 1)

    await queue.release(delivery.receipt, 5, "StoreUnavailable: throttled")

    [dead] = await queue.list_dead_letters(10)
    assert (dead.reason, dead.receive_count, dead.message_id) == (
        "StoreUnavailable: throttled",
        1,
        delivery.message_id,
    )


async def test_sqs_queue_extend_past_the_12h_ceiling_is_clamped_and_reported(
    open_queue: OpenQueue,
) -> None:
    # GIVEN a message received 43,000 s ago by the queue's clock
    now = [0.0]
    queue, log = open_queue(clock=lambda: now[0])
    await queue.send([message()])
    [delivery] = await queue.receive(1, 1)
    now[0] = 43_000.0
    # WHEN its job asks for 300 s more
    with pytest.raises(VisibilityLimitReached, match="delivered again in 200s"):
        await queue.extend(delivery.receipt, 300)
    # THEN SQS was asked for the 200 s left, and granted them: the message stays hidden
    [change] = log.named("ChangeMessageVisibility")
    assert change["VisibilityTimeout"] == 200
    assert await queue.receive(1, 0) == []


async def test_sqs_queue_ceiling_refusal_is_not_taken_for_a_stale_receipt(
    open_queue: OpenQueue,
) -> None:
    # GIVEN a message the queue's (stopped) clock thinks it has 12 h left to hide
    queue, log = open_queue(clock=lambda: 0.0)
    await queue.send([message()])
    [delivery] = await queue.receive(1, 1)
    # WHEN its job asks for all of them: SQS (here moto, which counts from the send and
    # answers with SQS's own words) refuses with InvalidParameterValue
    with pytest.raises(VisibilityLimitReached, match="delivered again when they are up"):
        await queue.extend(delivery.receipt, 43_200)
    # THEN the caller heard of it; a release in the same state still succeeds (sooner, not never)
    assert log.named("ChangeMessageVisibility")[0]["VisibilityTimeout"] == 43_200
    await queue.release(delivery.receipt, 43_200, "StoreUnavailable: throttled")
    assert len(log.named("ChangeMessageVisibility")) == 2


async def test_sqs_queue_ignores_stale_receipts_sqs_calls_invalid_parameters(
    open_queue: OpenQueue,
) -> None:
    # GIVEN SQS's answers to receipts that are no longer current (canned: moto accepts them)
    queue, _ = open_queue()
    await queue.send([message()])
    [delivery] = await queue.receive(1, 1)
    invalid = "Value x for parameter ReceiptHandle is invalid. Reason: "
    gone = sqs_error(
        "InvalidParameterValue",
        invalid + "Message does not exist or is not available for visibility timeout change.",
    )
    expired = sqs_error("InvalidParameterValue", invalid + "The receipt handle has expired.")
    answer(queue._client, "ChangeMessageVisibility", [gone, gone])
    answer(queue._client, "DeleteMessage", [expired])
    # WHEN the receipt is extended, released and acked, THEN nothing is raised
    await queue.extend(delivery.receipt, 60)
    await queue.release(delivery.receipt, 5, "boom")
    await queue.ack(delivery.receipt)


async def test_sqs_queue_other_invalid_parameters_are_errors(open_queue: OpenQueue) -> None:
    queue, _ = open_queue()
    await queue.send([message()])
    [delivery] = await queue.receive(1, 1)
    bad_url = sqs_error("InvalidParameterValue", "Value x for parameter QueueUrl is invalid.")
    answer(queue._client, "ChangeMessageVisibility", [bad_url])

    with pytest.raises(QueueUnavailable, match="parameter QueueUrl"):
        await queue.extend(delivery.receipt, 60)


async def test_sqs_queue_give_back_replaces_the_message_with_an_uncounted_copy(
    open_queue: OpenQueue, sqs: SQSClient
) -> None:
    # GIVEN a message on its third receive
    queue, _ = open_queue()
    await queue.send([message()])
    for _ in range(2):
        [delivery] = await queue.receive(1, 1)
        await queue.release(delivery.receipt, 0, "boom")
    [third] = await queue.receive(1, 1)
    # WHEN it is given back
    await queue.give_back(third.receipt)
    # THEN one message is left: a copy, new to SQS, carrying the two receives that count
    response = sqs.receive_message(
        QueueUrl=queue._url,
        WaitTimeSeconds=1,
        MessageSystemAttributeNames=["ApproximateReceiveCount"],
        MessageAttributeNames=["All"],
    )
    [copy] = response["Messages"]
    assert copy["MessageId"] != third.message_id
    assert copy["Attributes"]["ApproximateReceiveCount"] == "1"
    assert copy["MessageAttributes"][PRIOR_RECEIVES_ATTRIBUTE]["StringValue"] == "2"
    assert (await queue.stats()).depth == 1


async def test_sqs_queue_counts_the_receives_a_lambda_record_carries(
    open_queue: OpenQueue,
) -> None:
    queue, _ = open_queue()

    delivery = queue.hold("m-1", "{}", "r-1", 1, {PRIOR_RECEIVES_ATTRIBUTE: "3"})

    assert delivery.receive_count == 4


async def test_sqs_queue_redrive_waits_for_a_move_task_not_listed_yet(
    open_queue: OpenQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a dead letter, and an SQS whose move task is listed only on the second look
    # (canned: moto has no move tasks)
    monkeypatch.setattr(sqs_dead_letters, "_NO_MOVE_TASKS", set())
    monkeypatch.setattr(sqs_dead_letters, "MOVE_TASK_POLL", 0.01)
    queue, log = open_queue()
    answer(queue._client, "StartMessageMoveTask", [(200, {"TaskHandle": "task-1"})])
    done = {"Status": "COMPLETED", "ApproximateNumberOfMessagesMoved": 1}
    answer(
        queue._client, "ListMessageMoveTasks", [(200, {"Results": []}), (200, {"Results": [done]})]
    )
    # WHEN the DLQ is redriven
    moved = await queue.redrive()
    # THEN the empty listing was asked again, and the task's count reported
    assert moved == 1
    assert len(log.named("ListMessageMoveTasks")) == 2
    assert "SendMessageBatch" not in log.operations


async def test_sqs_queue_redrive_reports_a_move_task_never_listed(
    open_queue: OpenQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an SQS that started a move task but never lists it (canned)
    monkeypatch.setattr(sqs_dead_letters, "_NO_MOVE_TASKS", set())
    monkeypatch.setattr(sqs_dead_letters, "MOVE_TASK_POLL", 0.01)
    monkeypatch.setattr(sqs_dead_letters, "MOVE_TASK_WAIT", 0.1)
    queue, log = open_queue()
    answer(queue._client, "StartMessageMoveTask", [(200, {"TaskHandle": "task-1"})])
    answer(queue._client, "ListMessageMoveTasks", itertools.repeat((200, {"Results": []})))
    # WHEN the DLQ is redriven, THEN it says so rather than "0 moved", and moves nothing by hand
    with pytest.raises(QueueUnavailable, match="has not listed it"):
        await queue.redrive()
    assert "SendMessageBatch" not in log.operations


@pytest.mark.slow
async def test_sqs_queue_redrive_falls_back_once_move_tasks_are_refused(
    open_queue: OpenQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN dead letters on two queues, and an endpoint (moto) without StartMessageMoveTask
    monkeypatch.setattr(sqs_dead_letters, "_NO_MOVE_TASKS", set())
    opened = [open_queue(), open_queue()]
    for queue, _ in opened:
        await queue.send([message(log_id="a"), message(log_id="b")])
        for delivery in await queue.receive(10, 1):
            await queue.dead_letter(delivery.receipt, "broken")
    # WHEN both are redriven
    moved = [await queue.redrive() for queue, _ in opened]
    # THEN both moved by hand, and the move task was tried only once for the endpoint
    assert moved == [2, 2]
    tries = [len(log.named("StartMessageMoveTask")) for _, log in opened]
    assert tries == [1, 0]
    for queue, _ in opened:
        assert {d.receive_count for d in await queue.receive(10, 1)} == {1}


async def test_sqs_queue_honours_aws_endpoint_url_sqs(
    moto_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the general endpoint points nowhere and the SQS one at the emulator
    url, _ = create_queues(visibility_timeout=30, max_receive_count=5)
    monkeypatch.setenv("AWS_ENDPOINT_URL", DEAD_ENDPOINT)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", moto_server)
    settings = load_settings(backend="aws", sqs_queue_url=url, dynamodb_table_name="unused")
    queue = sqs_queue(settings)
    try:
        # WHEN the queue is used, THEN it reaches the emulator
        await queue.send([message()])
        assert len(await queue.receive(1, 1)) == 1
    finally:
        await queue.close()


async def test_sqs_queue_unreachable_endpoint_is_queue_unavailable(
    moto_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", DEAD_ENDPOINT)
    settings = load_settings(
        backend="aws", sqs_queue_url=f"{DEAD_ENDPOINT}/1/q", dynamodb_table_name="t"
    )
    queue = sqs_queue(settings)
    try:
        with pytest.raises(QueueUnavailable):
            await queue.send([message()])
        with pytest.raises(QueueUnavailable):
            await queue.stats()
    finally:
        await queue.close()


@pytest.mark.slow
async def test_sqs_queue_cancelled_receive_gives_back_what_it_gets(
    open_queue: OpenQueue, sqs: SQSClient
) -> None:
    # GIVEN a queue allowing one receive, and a long poll cancelled while SQS still waits
    queue, _ = open_queue(max_receive_count=1)
    poll = asyncio.create_task(queue.receive(1, 3))
    await asyncio.sleep(0.2)
    poll.cancel()
    # WHEN a message arrives before the abandoned poll ends, and the queue is closed
    await queue.send([Outgoing("acme", message_body())])
    await queue.close()
    # THEN the abandoned poll received it and gave it back at once, that receive not counted:
    # received again, it is not moved to the DLQ by the redrive policy
    response = sqs.receive_message(
        QueueUrl=queue._url,
        WaitTimeSeconds=1,
        MessageSystemAttributeNames=["All"],
        MessageAttributeNames=["All"],
    )
    [message] = response["Messages"]
    assert message["Body"].encode() == message_body()
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    assert message["MessageAttributes"][PRIOR_RECEIVES_ATTRIBUTE]["StringValue"] == "0"


async def test_sqs_queue_sends_each_message_in_its_tenants_group(
    open_queue: OpenQueue, sqs: SQSClient
) -> None:
    # GIVEN logs of two tenants, and one whose group SQS would refuse (not printable ASCII)
    queue, log = open_queue()
    # WHEN they are sent
    await queue.send([message("acme", "1"), message("globex", "2"), Outgoing("t é", b"{}")])
    # THEN each tenant's is its MessageGroupId (a fair queue's tenant); the odd one has none
    [call] = log.named("SendMessageBatch")
    assert [entry.get("MessageGroupId") for entry in call["Entries"]] == ["acme", "globex", None]
    response = sqs.receive_message(
        QueueUrl=queue._url,
        MaxNumberOfMessages=10,
        WaitTimeSeconds=1,
        MessageSystemAttributeNames=["MessageGroupId"],
    )
    groups = {
        m["Body"]: m.get("Attributes", {}).get("MessageGroupId") for m in response["Messages"]
    }
    assert groups == {
        message_body("acme", "1").decode(): "acme",
        message_body("globex", "2").decode(): "globex",
        "{}": None,
    }


async def test_sqs_queue_copies_keep_the_group_and_the_first_send_time(
    open_queue: OpenQueue, sqs: SQSClient
) -> None:
    # GIVEN a message of tenant globex, received
    queue, _ = open_queue()
    await queue.send([message("globex", "1")])
    [first] = await queue.receive(1, 1)
    # WHEN it is given back, received again and dead-lettered
    await queue.give_back(first.receipt)
    [again] = await queue.receive(1, 1)
    await queue.dead_letter(again.receipt, "broken")
    # THEN the DLQ copy is in the group, and remembers when the original was sent
    response = sqs.receive_message(
        QueueUrl=await queue.dead_letters.url(),
        WaitTimeSeconds=1,
        MessageSystemAttributeNames=["MessageGroupId", "SentTimestamp"],
        MessageAttributeNames=["All"],
    )
    [dead] = response["Messages"]
    assert (first.group, again.group, dead["Attributes"]["MessageGroupId"]) == ("globex",) * 3
    first_sent = int(dead["MessageAttributes"][FIRST_SENT_ATTRIBUTE]["StringValue"])
    assert first_sent <= int(dead["Attributes"]["SentTimestamp"])


async def test_sqs_queue_copies_of_a_lambda_record_take_the_group_from_the_body(
    open_queue: OpenQueue,
) -> None:
    # GIVEN a record handed over without its system attributes (no MessageGroupId)
    queue, _ = open_queue()
    delivery = queue.hold("m-1", message_body("globex", "1").decode(), "r-1", 5, {})
    # WHEN it is dead-lettered
    await queue.dead_letter(delivery.receipt, "broken")
    # THEN its DLQ copy is in the group of the tenant its body names
    [dead] = await queue.list_dead_letters(10)
    assert dead.group == "globex"


async def test_sqs_queue_erase_tenant_reveals_the_other_dead_letters_at_once(
    open_queue: OpenQueue, sqs: SQSClient
) -> None:
    # GIVEN dead letters of two tenants, one of them moved by SQS's redrive policy from a
    # message sent without a group (so only its body names its tenant)
    queue, _ = open_queue(max_receive_count=1)
    sqs.send_message(QueueUrl=queue._url, MessageBody=message_body("acme", "old").decode())
    sqs.receive_message(QueueUrl=queue._url, VisibilityTimeout=0, WaitTimeSeconds=1)
    assert await queue.receive(1, 1) == []  # moved to the DLQ by the redrive policy
    await queue.send([message("globex", "1")])
    [delivery] = await queue.receive(1, 1)
    await queue.dead_letter(delivery.receipt, "broken")
    # WHEN acme's messages are erased
    erased = await queue.erase_tenant("acme", time.time())
    # THEN its dead letter is gone, and globex's is listed again at once (not held 60 s)
    assert erased == 1
    assert [d.body for d in await queue.list_dead_letters(10)] == [message_body("globex", "1")]
