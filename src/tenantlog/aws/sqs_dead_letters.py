"""The dead-letter side of the SQS queue: find, count, list, redrive and purge the DLQ.

Choices, each forced by what SQS offers:

- The DLQ is ``TENANTLOG_SQS_DLQ_URL`` or, unset, the ``deadLetterTargetArn`` of
  the main queue's RedrivePolicy (looked up once, on first use).
- Listing peeks: SQS has no "browse", so the DLQ's messages are received with
  a short visibility timeout and made visible again at once. Caveats: each
  peek counts as a receive of the DLQ message (so the DLQ must have no
  redrive policy of its own), and for the moment of the listing the peeked
  messages are invisible to another lister.
- Redrive uses StartMessageMoveTask and waits for the task (up to a minute;
  it goes on in the background after that; one SQS has still not listed by
  then is an error, not "0 moved"). Where the endpoint rejects it
  (moto does not implement it; an IAM policy may not grant it), it moves the
  messages by hand: receive from the DLQ, send to the main queue, delete from
  the DLQ, until the DLQ is empty. Either way a redriven message starts again
  with a receive count of 1.
- Purge deletes message by message rather than calling PurgeQueue: PurgeQueue
  reports no count, takes up to 60 s to take effect and refuses a second call
  within 60 s. A DLQ is small (its depth raises an alarm), so the loop is cheap.
- Erasing a tenant's dead letters receives the DLQ's messages as purge does,
  deletes the tenant's, and makes the others visible again at once; it looks
  at as many messages as the DLQ held when it started.
- A message moved by hand keeps its group (MessageGroupId) and the time its
  original was sent; so does one SQS moves, as a message move task moves the
  message itself.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from tenantlog.aws.sqs_messages import (
    DEAD_AT_ATTRIBUTE,
    MESSAGE_ID_ATTRIBUTE,
    REASON_ATTRIBUTE,
    RECEIVE_COUNT_ATTRIBUTE,
    REDRIVE_POLICY_REASON,
    SqsOutgoing,
    body_bytes,
    first_sent_ms,
    kept_attributes,
    message_group,
    send_entries,
    string_attributes,
)
from tenantlog.core.queue import DeadLetterEntry, QueueUnavailable

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import (
        ChangeMessageVisibilityBatchRequestEntryTypeDef,
        DeleteMessageBatchRequestEntryTypeDef,
        MessageTypeDef,
    )

    from tenantlog.aws.clients import Blocking

#: Seconds a message received for listing, moving or deleting stays hidden if we die meanwhile.
HOLD_SECONDS = 60
#: How long redrive waits for an SQS message move task before leaving it running.
MOVE_TASK_WAIT = 60.0
#: Seconds between two looks at a running message move task.
MOVE_TASK_POLL = 1.0
#: Endpoints that refused StartMessageMoveTask: redrive goes straight to the fallback.
_NO_MOVE_TASKS: set[str] = set()


class DeadLetters:
    def __init__(
        self,
        client: SQSClient,
        main_url: str,
        dlq_url: str | None,
        calls: Blocking,
        max_receive_count: int,
    ) -> None:
        self._client = client
        self._main_url = main_url
        self._url = dlq_url
        self._calls = calls
        self._max_receives = max_receive_count
        self._arns: dict[str, str] = {}

    async def url(self) -> str:
        if self._url is None:
            policy = await self._attribute(self._main_url, "RedrivePolicy")
            if not policy:
                raise QueueUnavailable(
                    "no dead-letter queue: set TENANTLOG_SQS_DLQ_URL or a RedrivePolicy"
                )
            arn = json.loads(policy)["deadLetterTargetArn"]
            *_, account, name = arn.split(":")
            response = await self._calls.run(
                partial(self._client.get_queue_url, QueueName=name, QueueOwnerAWSAccountId=account)
            )
            self._url = response["QueueUrl"]
        return self._url

    async def _attribute(self, url: str, name: str) -> str | None:
        response = await self._calls.run(
            partial(self._client.get_queue_attributes, QueueUrl=url, AttributeNames=[name])  # type: ignore[list-item]
        )
        return response.get("Attributes", {}).get(name)  # type: ignore[call-overload, no-any-return]

    async def _arn(self, url: str) -> str:
        if url not in self._arns:
            self._arns[url] = await self._attribute(url, "QueueArn") or ""
        return self._arns[url]

    async def count(self) -> int:
        response = await self._calls.run(
            partial(
                self._client.get_queue_attributes,
                QueueUrl=await self.url(),
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )
        )
        return sum(int(value) for value in response.get("Attributes", {}).values())

    async def _take(self, url: str, limit: int) -> list[MessageTypeDef]:
        """Up to ``limit`` (≤ 10) messages, hidden for HOLD_SECONDS; [] once the queue is empty.

        Long polling (1 s), because a short poll may miss messages on some SQS servers.
        """
        response = await self._calls.run(
            partial(
                self._client.receive_message,
                QueueUrl=url,
                MaxNumberOfMessages=max(1, min(10, limit)),
                WaitTimeSeconds=1,
                VisibilityTimeout=HOLD_SECONDS,
                MessageSystemAttributeNames=["SentTimestamp", "MessageGroupId"],
                MessageAttributeNames=["All"],
            )
        )
        return response.get("Messages", [])

    async def peek(self, limit: int) -> list[DeadLetterEntry]:
        url = await self.url()
        wanted = min(limit, await self.count())
        entries: dict[str, DeadLetterEntry] = {}
        receipts: list[str] = []
        try:
            while len(entries) < wanted:
                messages = await self._take(url, wanted - len(entries))
                if not messages:
                    break
                for message in messages:
                    receipts.append(message["ReceiptHandle"])
                    entry = self._entry(message)
                    entries.setdefault(entry.message_id, entry)
        finally:
            await self._reveal(url, receipts)
        return sorted(entries.values(), key=lambda e: (e.dead_at, e.message_id))[:limit]

    def _entry(self, message: MessageTypeDef) -> DeadLetterEntry:
        attributes = string_attributes(message.get("MessageAttributes", {}))
        sent_ms = int(message.get("Attributes", {}).get("SentTimestamp", "0"))
        sent_at = datetime.fromtimestamp(sent_ms / 1000, UTC).isoformat(timespec="milliseconds")
        return DeadLetterEntry(
            message_id=attributes.get(MESSAGE_ID_ATTRIBUTE, message["MessageId"]),
            body=body_bytes(message["Body"], attributes),
            reason=attributes.get(REASON_ATTRIBUTE, REDRIVE_POLICY_REASON),
            receive_count=int(attributes.get(RECEIVE_COUNT_ATTRIBUTE, self._max_receives)),
            dead_at=attributes.get(DEAD_AT_ATTRIBUTE, sent_at.replace("+00:00", "Z")),
            group=message_group(message),
        )

    async def _reveal(self, url: str, receipts: list[str]) -> None:
        for start in range(0, len(receipts), 10):
            entries: list[ChangeMessageVisibilityBatchRequestEntryTypeDef] = [
                {"Id": str(n), "ReceiptHandle": receipt, "VisibilityTimeout": 0}
                for n, receipt in enumerate(receipts[start : start + 10])
            ]
            await self._calls.run(
                partial(self._client.change_message_visibility_batch, QueueUrl=url, Entries=entries)
            )

    async def _delete(self, url: str, messages: list[MessageTypeDef]) -> int:
        if not messages:
            return 0
        entries: list[DeleteMessageBatchRequestEntryTypeDef] = [
            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)
        ]
        response = await self._calls.run(
            partial(self._client.delete_message_batch, QueueUrl=url, Entries=entries)
        )
        return len(response.get("Successful", []))

    async def purge(self) -> int:
        url = await self.url()
        purged = 0
        while messages := await self._take(url, 10):
            purged += await self._delete(url, messages)
        return purged

    async def erase(self, tenant_id: str, sent_before: float) -> int:
        """Delete the dead letters of ``tenant_id`` sent at or before ``sent_before``.

        A dead letter's tenant is its group (MessageGroupId, else its body's
        ``tenant_id``); its send time, the original's (``first_sent_at``, else
        SentTimestamp, milliseconds). The others are made visible again at once.
        Looks at as many messages as the DLQ held when it started: one hidden
        meanwhile by another reader is not waited for.
        """
        url = await self.url()
        before_ms = sent_before * 1000
        left = await self.count()
        erased = 0
        others: list[str] = []
        try:
            while left > 0 and (messages := await self._take(url, min(10, left))):
                left -= len(messages)
                doomed = []
                for message in messages:
                    if _erased(message, tenant_id, before_ms):
                        doomed.append(message)
                    else:
                        others.append(message["ReceiptHandle"])
                erased += await self._delete(url, doomed)
        finally:
            await self._reveal(url, others)
        return erased

    async def redrive(self) -> int:
        url = await self.url()
        endpoint = self._client.meta.endpoint_url
        if endpoint not in _NO_MOVE_TASKS:
            try:
                return await self._move_task(url)
            except QueueUnavailable as exc:
                if not isinstance(exc.__cause__, ClientError):
                    raise
                _NO_MOVE_TASKS.add(endpoint)
        return await self._move_by_hand(url)

    async def _move_task(self, url: str) -> int:
        source = await self._arn(url)
        await self._calls.run(
            partial(
                self._client.start_message_move_task,
                SourceArn=source,
                DestinationArn=await self._arn(self._main_url),
            )
        )
        deadline = time.monotonic() + MOVE_TASK_WAIT
        while True:
            response = await self._calls.run(
                partial(self._client.list_message_move_tasks, SourceArn=source, MaxResults=1)
            )
            # A task just started may not be listed yet: no task means "ask again",
            # not "nothing moved" (nor "failed": moving by hand now would move twice).
            listed = response.get("Results", [])
            if listed:
                task = listed[0]
                status = task.get("Status", "COMPLETED")
                if status == "FAILED":
                    reason = task.get("FailureReason")
                    raise QueueUnavailable(f"SQS message move task failed: {reason}")
                if status != "RUNNING" or time.monotonic() > deadline:
                    return int(task.get("ApproximateNumberOfMessagesMoved", 0))
            elif time.monotonic() > deadline:
                raise QueueUnavailable(
                    "SQS started a message move task but has not listed it in"
                    f" {MOVE_TASK_WAIT:.0f}s: it may still be moving dead letters"
                    " (see ListMessageMoveTasks)"
                )
            await asyncio.sleep(MOVE_TASK_POLL)

    async def _move_by_hand(self, url: str) -> int:
        moved = 0
        while messages := await self._take(url, 10):
            copies = []
            for message in messages:
                attributes = string_attributes(message.get("MessageAttributes", {}))
                system = message.get("Attributes", {})
                kept = kept_attributes(attributes, system)  # type: ignore[arg-type]
                copies.append(SqsOutgoing(message["Body"], kept, message_group(message)))
            errors = await send_entries(self._client, self._main_url, copies, self._calls)
            sent = [m for m, error in zip(messages, errors, strict=True) if error is None]
            moved += await self._delete(url, sent)
            failed = next((error for error in errors if error is not None), None)
            if failed is not None:  # the unsent stay in the DLQ, visible again after HOLD_SECONDS
                raise failed
        return moved


def _erased(message: MessageTypeDef, tenant_id: str, before_ms: float) -> bool:
    """Whether an erasure of ``tenant_id`` up to ``before_ms`` covers this dead letter."""
    if message_group(message) != tenant_id:
        return False
    attributes = string_attributes(message.get("MessageAttributes", {}))
    sent = first_sent_ms(attributes, message.get("Attributes", {}))  # type: ignore[arg-type]
    return sent is not None and sent <= before_ms
