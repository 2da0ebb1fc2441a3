"""The aws queue: DESIGN §4 on Amazon SQS, with the dead-letter queue of its redrive policy.

Mapping of the Queue interface onto SQS:

- ``send`` coalesces concurrent callers into SendMessageBatch calls
  (``tenantlog.aws.batching``); an entry SQS reports as failed is retried a
  few times, then its caller gets QueueUnavailable. Nobody hears "sent" early.
  Each message's group (its tenant) is its MessageGroupId: on a standard
  queue that is SQS's fair queueing, which, once a tenant has many more
  messages in flight than the others, hands the others' messages out first
  (there is no setting to turn on; the queue stays a standard queue, with
  at-least-once delivery and no ordering). Copies keep the group.
- ``receive`` long-polls (WaitTimeSeconds = int(wait), ≤ 20) for ≤ 10
  messages; the receive count is SQS's ApproximateReceiveCount (plus, on a
  given-back copy, the receives of the original). The receipt is SQS's receipt
  handle. The body of each received message is held in memory until it is
  acked, released, given back or dead-lettered, because dead-lettering with a
  reason means sending a copy to the DLQ (SQS cannot annotate a message).
- ``release`` and ``extend`` are ChangeMessageVisibility. SQS's own redrive
  moves a message to the DLQ on the receive after maxReceiveCount, without a
  reason; so a release on the last allowed receive dead-letters the message
  at once, with the reason it was given (the end is the same, the why is kept).
  SQS hides a message at most 12 h from the receive that got it: a change past
  that is refused, so it is clamped to what is left, and ``extend`` says when
  it could not be granted in full.
- ``give_back`` (a stopping worker) cannot take back SQS's receive count, so
  it sends an uncounted copy and deletes the original (see ``give_back``).
- ``dead_letter`` sends the body to the DLQ with ``reason`` (and receive count,
  original message id, time) attributes, then deletes it from the main queue:
  a crash in between leaves a duplicate, never a loss.
- DLQ listing, redrive and purge live in ``tenantlog.aws.sqs_dead_letters``.
- ``erase_tenant`` erases from the DLQ only (see there): SQS cannot delete
  from a queue by content.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from tenantlog.aws import sqs_dead_letters
from tenantlog.aws.batching import SendBatcher
from tenantlog.aws.clients import Blocking
from tenantlog.aws.sqs_messages import (
    DEAD_AT_ATTRIBUTE,
    MESSAGE_ID_ATTRIBUTE,
    PRIOR_RECEIVES_ATTRIBUTE,
    REASON_ATTRIBUTE,
    RECEIVE_COUNT_ATTRIBUTE,
    SYSTEM_ATTRIBUTES,
    Received,
    SqsOutgoing,
    attribute_text,
    body_bytes,
    outgoing,
    send_entries,
)
from tenantlog.aws.sqs_visibility import (
    MAX_VISIBILITY,
    beyond_ceiling,
    seconds_left,
    stale,
    whole_seconds,
)
from tenantlog.core.models import utc_now
from tenantlog.core.queue import (
    DeadLetterEntry,
    Delivery,
    Outgoing,
    QueueStats,
    QueueUnavailable,
    VisibilityLimitReached,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from concurrent.futures import Future

    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import ReceiveMessageResultTypeDef


#: Bodies of received messages kept for dead-lettering; beyond it the oldest is
#: forgotten (its dead-lettering then falls back to SQS's own redrive).
MAX_HELD = 100_000


class SqsQueue:
    def __init__(
        self,
        client: SQSClient,
        queue_url: str,
        *,
        dlq_url: str | None = None,
        visibility_timeout: float = 300,
        max_receive_count: int = 5,
        call_threads: int = 32,
        poll_threads: int = 16,
        send_concurrency: int = 8,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``client`` should have ≥ call_threads + poll_threads pooled connections.

        Long polls get their own threads so that waiting receives never hold
        up acks and sends queued behind them. ``clock`` times the 12 h ceiling.
        """
        self._client = client
        self._clock = clock
        self._url = queue_url
        self._visibility = whole_seconds(visibility_timeout)
        self._max_receives = max_receive_count
        self._calls = Blocking(call_threads, "SQS", QueueUnavailable)
        self._polls = Blocking(poll_threads, "SQS", QueueUnavailable)
        self._batcher = SendBatcher(
            self._send_batch, size=lambda item: item.size, concurrency=send_concurrency
        )
        self._held: dict[str, Received] = {}
        self.dead_letters = sqs_dead_letters.DeadLetters(
            client, queue_url, dlq_url, self._calls, max_receive_count
        )

    async def _call_with_receipt(self, call: Callable[[], object]) -> None:
        try:
            await self._calls.run(call)
        except QueueUnavailable as exc:
            if not stale(exc.__cause__):
                raise

    async def send(self, messages: Sequence[Outgoing]) -> None:
        await self._batcher.send([outgoing(body, group) for group, body in messages])

    async def _send_batch(self, items: list[SqsOutgoing]) -> list[Exception | None]:
        return await send_entries(self._client, self._url, items, self._calls)

    async def receive(self, max_messages: int, wait_seconds: float) -> list[Delivery]:
        call = partial(
            self._client.receive_message,
            QueueUrl=self._url,
            MaxNumberOfMessages=max(1, min(10, max_messages)),
            WaitTimeSeconds=max(0, min(20, int(wait_seconds))),
            MessageSystemAttributeNames=SYSTEM_ATTRIBUTES,  # type: ignore[arg-type]
            MessageAttributeNames=["All"],
            VisibilityTimeout=self._visibility,
        )
        started = self._clock()
        future = self._polls.submit(call)
        try:
            response = await self._polls.wait(future)
        except asyncio.CancelledError:
            # The long poll goes on in its thread; whatever it receives now
            # has no taker and is given back at once.
            future.add_done_callback(partial(self._give_back_orphans, started))
            raise
        return [
            self._keep(message["ReceiptHandle"], Received.of_message(message, started))
            for message in response.get("Messages", [])
        ]

    def hold(
        self,
        message_id: str,
        text: str,
        receipt: str,
        receive_count: int,
        attributes: Mapping[str, str],
        system_attributes: Mapping[str, str] | None = None,
    ) -> Delivery:
        """The Delivery of a message received by Lambda's event source mapping.

        Keeps its body until ``ack``, ``release``, ``dead_letter`` or ``forget``.
        The mapping received it a little before: its 12 h are counted from now,
        a little late, and SQS's refusal is the backstop. Its receive count
        includes the receives a given-back copy carries. ``system_attributes``
        (the record's ``attributes``) give its group and send time to the
        copies made of it; without them the group is taken from the body.
        """
        held = Received.of(
            message_id, text, receive_count, attributes, self._clock(), system_attributes
        )
        return self._keep(receipt, held)

    def _keep(self, receipt: str, held: Received) -> Delivery:
        if len(self._held) >= MAX_HELD:
            del self._held[next(iter(self._held))]
        self._held[receipt] = held
        body = body_bytes(held.text, held.attributes)
        return Delivery(held.message_id, body, receipt, held.receive_count, held.group)

    def forget(self, receipt: str) -> None:
        """Drop a held body without touching the message (Lambda deletes acked records itself)."""
        self._held.pop(receipt, None)

    def _give_back_orphans(
        self, received_at: float, poll: Future[ReceiveMessageResultTypeDef]
    ) -> None:
        """Give back, as ``give_back`` does, what a cancelled receive's poll got after all.

        On the pool's threads rather than the event loop, which may be gone by
        then; ``close`` waits for them.
        """
        if poll.cancelled() or poll.exception() is not None:
            return
        orphans = [
            (m["ReceiptHandle"], Received.of_message(m, received_at))
            for m in poll.result().get("Messages", [])
        ]
        for receipt, held in orphans:
            # Closed: it comes back after the visibility timeout, and that receive counts.
            with contextlib.suppress(QueueUnavailable):
                self._calls.submit(partial(self._requeue, receipt, held))

    async def ack(self, receipt: str) -> None:
        self.forget(receipt)
        await self._call_with_receipt(
            partial(self._client.delete_message, QueueUrl=self._url, ReceiptHandle=receipt)
        )

    async def release(self, receipt: str, delay: float, reason: str) -> None:
        held = self._held.get(receipt)
        if held is not None and held.receive_count >= self._max_receives:
            await self.dead_letter(receipt, reason)
            return
        self.forget(receipt)
        # Near the 12 h ceiling it comes back sooner than ``delay``: a shorter backoff,
        # still the release asked for.
        await self._change_visibility(receipt, delay, held)

    async def extend(self, receipt: str, seconds: float) -> None:
        wanted = whole_seconds(seconds)
        granted = await self._change_visibility(receipt, wanted, self._held.get(receipt))
        if granted < wanted:
            then = f"in {granted}s" if granted else "when they are up"
            raise VisibilityLimitReached(
                f"SQS hides a message at most {MAX_VISIBILITY}s after its receive:"
                f" it will be delivered again {then}"
            )

    async def _change_visibility(
        self, receipt: str, seconds: float, held: Received | None = None
    ) -> int:
        """Hide the message ``seconds`` from now, within the 12 h ceiling: the seconds granted.

        SQS refuses (InvalidParameterValue) a change that would hide a message
        past 12 h from the ReceiveMessage request that got it; the message
        then stays hidden only until that time. Where the receive is known,
        the change is clamped to what is left, counted from before the request
        was sent, so SQS accepts it; with no time left, no call is made. If
        SQS refuses all the same, nothing was granted. A stale receipt is
        ignored, as everywhere: the message is someone else's now.
        """
        wanted = whole_seconds(seconds)
        granted = wanted
        if held is not None:
            granted = min(wanted, seconds_left(held.received_at, self._clock()))
        if granted == 0 < wanted:
            return 0
        try:
            await self._calls.run(
                partial(
                    self._client.change_message_visibility,
                    QueueUrl=self._url,
                    ReceiptHandle=receipt,
                    VisibilityTimeout=granted,
                )
            )
        except QueueUnavailable as exc:
            if beyond_ceiling(exc.__cause__):
                return 0
            if not stale(exc.__cause__):
                raise
        return granted

    async def give_back(self, receipt: str) -> None:
        """A copy, visible at once and not counting this receive, replaces the message.

        SQS's ApproximateReceiveCount only grows, and its redrive policy moves a
        message on the receive after maxReceiveCount: making the message visible
        again would use up a receive, and on the last one send a healthy message
        to the DLQ. So its body is sent again as a new message whose
        ``prior_receives`` attribute holds the receives that count (all but this
        one), which every receive of the copy adds to SQS's count; then the
        original is deleted. The copy has a new message id. A crash in between
        leaves a duplicate, never a loss: the store's first write wins. SQS's own
        redrive counts the copy's receives only, so a copy whose workers all die
        may get up to maxReceiveCount more; the worker's dead-lettering, which
        counts them all, is what ends repeated failures.

        A message whose body is not held here can only be made visible again,
        and that receive counts.
        """
        held = self._held.pop(receipt, None)
        if held is None:
            await self._change_visibility(receipt, 0)
            return
        await self._calls.run(partial(self._requeue, receipt, held))

    def _requeue(self, receipt: str, held: Received) -> None:
        """Blocking: send the uncounted copy of a message, then delete the original."""
        counted = str(held.receive_count - 1)
        held.copy(**{PRIOR_RECEIVES_ATTRIBUTE: counted}).send_message(self._client, self._url)
        try:
            self._client.delete_message(QueueUrl=self._url, ReceiptHandle=receipt)
        except ClientError as exc:
            if not stale(exc):
                raise

    async def dead_letter(self, receipt: str, reason: str) -> None:
        held = self._held.pop(receipt, None)
        if held is None:
            # The body is not known here (held by another process, or forgotten):
            # make the message visible so that it fails again and SQS's redrive
            # eventually moves it. Slower, reason-less, but nothing is lost.
            await self._change_visibility(receipt, 0)
            return
        details = {
            REASON_ATTRIBUTE: attribute_text(reason),
            RECEIVE_COUNT_ATTRIBUTE: str(held.receive_count),
            MESSAGE_ID_ATTRIBUTE: held.message_id,
            DEAD_AT_ATTRIBUTE: utc_now(),
        }
        copy = held.copy(**details)
        dlq_url = await self.dead_letters.url()
        await self._calls.run(partial(copy.send_message, self._client, dlq_url))
        await self._call_with_receipt(
            partial(self._client.delete_message, QueueUrl=self._url, ReceiptHandle=receipt)
        )

    async def stats(self) -> QueueStats:
        main, dead = await asyncio.gather(
            self._calls.run(
                partial(
                    self._client.get_queue_attributes,
                    QueueUrl=self._url,
                    AttributeNames=[
                        "ApproximateNumberOfMessages",
                        "ApproximateNumberOfMessagesNotVisible",
                        "ApproximateNumberOfMessagesDelayed",
                    ],
                )
            ),
            self.dead_letters.count(),
        )
        counts = {name: int(value) for name, value in main.get("Attributes", {}).items()}
        hidden = counts.get("ApproximateNumberOfMessagesNotVisible", 0) + counts.get(
            "ApproximateNumberOfMessagesDelayed", 0
        )
        return QueueStats(counts.get("ApproximateNumberOfMessages", 0), hidden, dead)

    async def list_dead_letters(self, limit: int) -> list[DeadLetterEntry]:
        return await self.dead_letters.peek(limit)

    async def redrive(self) -> int:
        return await self.dead_letters.redrive()

    async def purge_dead_letters(self) -> int:
        return await self.dead_letters.purge()

    async def erase_tenant(self, tenant_id: str, sent_before: float) -> int:
        """Delete the tenant's dead letters sent at or before ``sent_before``; how many.

        Only the DLQ's: SQS cannot delete messages from a queue by what they
        are, only by the receipt of a receive, and receiving the whole main
        queue to find one tenant's messages would hold up every worker. The
        tenant's messages in the main queue are still delivered, and the
        erasure's mark in the store refuses each log it covers when a worker
        brings it. So they count here as 0.
        """
        return await self.dead_letters.erase(tenant_id, sent_before)

    async def close(self) -> None:
        """Finish pending sends and in-flight long polls (≤ 20 s), then close the client."""
        await self._batcher.drain()
        # Polls not yet started are dropped; started ones finish and hand back what
        # they received through the call pool, whose queued calls all still run.
        await asyncio.to_thread(self._polls.shutdown, wait=True, cancel_pending=True)
        await asyncio.to_thread(self._calls.shutdown, wait=True, cancel_pending=False)
        self._client.close()
