"""The aws queue: DESIGN §4 on Amazon SQS, with the dead-letter queue of its redrive policy.

Mapping of the Queue interface onto SQS:

- ``send`` coalesces concurrent callers into SendMessageBatch calls
  (``tenantlog.aws.batching``); an entry SQS reports as failed is retried a
  few times, then its caller gets QueueUnavailable. Nobody hears "sent" early.
- ``receive`` long-polls (WaitTimeSeconds = int(wait), ≤ 20) for ≤ 10
  messages; the receive count is SQS's ApproximateReceiveCount. The receipt is
  SQS's receipt handle. The body of each received message is held in memory
  until it is acked, released or dead-lettered, because dead-lettering with a
  reason means sending a copy to the DLQ (SQS cannot annotate a message).
- ``release`` and ``extend`` are ChangeMessageVisibility. SQS's own redrive
  moves a message to the DLQ on the receive after maxReceiveCount, without a
  reason; so a release on the last allowed receive dead-letters the message
  at once, with the reason it was given (the end is the same, the why is kept).
- ``dead_letter`` sends the body to the DLQ with ``reason`` (and receive count,
  original message id, time) attributes, then deletes it from the main queue:
  a crash in between leaves a duplicate, never a loss.
- DLQ listing, redrive and purge live in ``tenantlog.aws.sqs_dead_letters``.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from tenantlog.aws import sqs_dead_letters
from tenantlog.aws.batching import SendBatcher
from tenantlog.aws.clients import Blocking, error_code
from tenantlog.aws.sqs_messages import (
    DEAD_AT_ATTRIBUTE,
    ENCODING_ATTRIBUTE,
    MESSAGE_ID_ATTRIBUTE,
    REASON_ATTRIBUTE,
    RECEIVE_COUNT_ATTRIBUTE,
    Outgoing,
    attribute_text,
    body_bytes,
    outgoing,
    send_entries,
    string_attributes,
)
from tenantlog.core.models import utc_now
from tenantlog.core.queue import DeadLetterEntry, Delivery, QueueStats, QueueUnavailable

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from concurrent.futures import Future

    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import (
        ChangeMessageVisibilityBatchRequestEntryTypeDef,
        MessageTypeDef,
        ReceiveMessageResultTypeDef,
    )


#: Errors of a receipt that is no longer current: the message was deleted or received
#: again since. The interface says such a receipt is ignored.
STALE_RECEIPT = frozenset(
    {
        "ReceiptHandleIsInvalid",
        "MessageNotInflight",
        "AWS.SimpleQueueService.MessageNotInflight",
        "InvalidParameterValue",
    }
)
MAX_VISIBILITY = 43200
#: Bodies of received messages kept for dead-lettering; beyond it the oldest is
#: forgotten (its dead-lettering then falls back to SQS's own redrive).
MAX_HELD = 100_000


@dataclass(frozen=True, slots=True)
class _Held:
    message_id: str
    text: str
    attributes: dict[str, str]
    receive_count: int


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
    ) -> None:
        """``client`` should have ≥ call_threads + poll_threads pooled connections.

        Long polls get their own threads so that waiting receives never hold
        up acks and sends queued behind them.
        """
        self._client = client
        self._url = queue_url
        self._visibility = _seconds(visibility_timeout)
        self._max_receives = max_receive_count
        self._calls = Blocking(call_threads, "SQS", QueueUnavailable)
        self._polls = Blocking(poll_threads, "SQS", QueueUnavailable)
        self._batcher = SendBatcher(
            self._send_batch, size=lambda item: item.size, concurrency=send_concurrency
        )
        self._held: dict[str, _Held] = {}
        self.dead_letters = sqs_dead_letters.DeadLetters(
            client, queue_url, dlq_url, self._calls, max_receive_count
        )

    async def _call_with_receipt(self, call: Callable[[], object]) -> None:
        try:
            await self._calls.run(call)
        except QueueUnavailable as exc:
            if error_code(exc.__cause__) not in STALE_RECEIPT:
                raise

    async def send(self, bodies: Sequence[bytes]) -> None:
        await self._batcher.send([outgoing(body) for body in bodies])

    async def _send_batch(self, items: list[Outgoing]) -> list[Exception | None]:
        return await send_entries(self._client, self._url, items, self._calls)

    async def receive(self, max_messages: int, wait_seconds: float) -> list[Delivery]:
        call = partial(
            self._client.receive_message,
            QueueUrl=self._url,
            MaxNumberOfMessages=max(1, min(10, max_messages)),
            WaitTimeSeconds=max(0, min(20, int(wait_seconds))),
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
            MessageAttributeNames=["All"],
            VisibilityTimeout=self._visibility,
        )
        future = self._polls.submit(call)
        try:
            response = await self._polls.wait(future)
        except asyncio.CancelledError:
            # The long poll goes on in its thread; whatever it receives now
            # has no taker and is made visible again at once.
            future.add_done_callback(self._give_back_orphans)
            raise
        return [self._hold(message) for message in response.get("Messages", [])]

    def _hold(self, message: MessageTypeDef) -> Delivery:
        return self.hold(
            message["MessageId"],
            message["Body"],
            message["ReceiptHandle"],
            int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1")),
            string_attributes(message.get("MessageAttributes", {})),
        )

    def hold(
        self,
        message_id: str,
        text: str,
        receipt: str,
        receive_count: int,
        attributes: Mapping[str, str],
    ) -> Delivery:
        """The Delivery of a message received from SQS here or by Lambda's event source mapping.

        Keeps its body until ``ack``, ``release``, ``dead_letter`` or ``forget``.
        """
        kept = {k: v for k, v in attributes.items() if k == ENCODING_ATTRIBUTE}
        if len(self._held) >= MAX_HELD:
            del self._held[next(iter(self._held))]
        self._held[receipt] = _Held(message_id, text, kept, receive_count)
        return Delivery(message_id, body_bytes(text, attributes), receipt, receive_count)

    def forget(self, receipt: str) -> None:
        """Drop a held body without touching the message (Lambda deletes acked records itself)."""
        self._held.pop(receipt, None)

    def _give_back_orphans(self, poll: Future[ReceiveMessageResultTypeDef]) -> None:
        if poll.cancelled() or poll.exception() is not None:
            return
        messages = poll.result().get("Messages", [])
        if not messages:
            return
        entries: list[ChangeMessageVisibilityBatchRequestEntryTypeDef] = [
            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
            for n, m in enumerate(messages)
        ]
        with contextlib.suppress(QueueUnavailable):  # closed: back after the visibility timeout
            self._calls.submit(
                partial(
                    self._client.change_message_visibility_batch,
                    QueueUrl=self._url,
                    Entries=entries,
                )
            )

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
        await self._change_visibility(receipt, delay)

    async def extend(self, receipt: str, seconds: float) -> None:
        await self._change_visibility(receipt, seconds)

    async def _change_visibility(self, receipt: str, seconds: float) -> None:
        await self._call_with_receipt(
            partial(
                self._client.change_message_visibility,
                QueueUrl=self._url,
                ReceiptHandle=receipt,
                VisibilityTimeout=_seconds(seconds),
            )
        )

    async def dead_letter(self, receipt: str, reason: str) -> None:
        held = self._held.pop(receipt, None)
        if held is None:
            # The body is not known here (held by another process, or forgotten):
            # make the message visible so that it fails again and SQS's redrive
            # eventually moves it. Slower, reason-less, but nothing is lost.
            await self._change_visibility(receipt, 0)
            return
        attributes = {
            **held.attributes,
            REASON_ATTRIBUTE: attribute_text(reason),
            RECEIVE_COUNT_ATTRIBUTE: str(held.receive_count),
            MESSAGE_ID_ATTRIBUTE: held.message_id,
            DEAD_AT_ATTRIBUTE: utc_now(),
        }
        copy = Outgoing(held.text, attributes)
        dlq_url = await self.dead_letters.url()
        await self._calls.run(
            partial(
                self._client.send_message,
                QueueUrl=dlq_url,
                MessageBody=copy.text,
                MessageAttributes=copy.sqs_attributes(),
            )
        )
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

    async def close(self) -> None:
        """Finish pending sends and in-flight long polls (≤ 20 s), then close the client."""
        await self._batcher.drain()
        # Polls not yet started are dropped; started ones finish and hand back what
        # they received through the call pool, whose queued calls all still run.
        await asyncio.to_thread(self._polls.shutdown, wait=True, cancel_pending=True)
        await asyncio.to_thread(self._calls.shutdown, wait=True, cancel_pending=False)
        self._client.close()


def _seconds(value: float) -> int:
    """SQS's whole seconds, rounded up so a message is never visible before it was meant to be."""
    return max(0, min(MAX_VISIBILITY, math.ceil(value)))
