"""How queue bodies and dead-letter details are written onto SQS messages.

SQS bodies are text restricted to the XML character set (no NUL, no U+FFFE /
U+FFFF, no lone surrogates). Our bodies are UTF-8 JSON and nearly always fit;
one that does not (a log containing U+FFFF, or bytes that are not UTF-8) is
sent base64-encoded with a ``body_encoding`` attribute instead of being
refused, so a log the API accepted is never turned into a 500 by the queue.

Dead-letter details travel as message attributes on the DLQ copy, and the
receives that count travel as one on the copy that replaces a given-back
message: SQS cannot annotate a message in place.
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from tenantlog.core.queue import QueueUnavailable

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import (
        MessageAttributeValueTypeDef,
        MessageTypeDef,
        SendMessageBatchRequestEntryTypeDef,
    )

    from tenantlog.aws.clients import Blocking

ENCODING_ATTRIBUTE = "body_encoding"
REASON_ATTRIBUTE = "reason"
RECEIVE_COUNT_ATTRIBUTE = "receive_count"
MESSAGE_ID_ATTRIBUTE = "source_message_id"
DEAD_AT_ATTRIBUTE = "dead_at"
#: On a copy a stopping worker sent in place of a message it gave back: the
#: receives of the original that count (SQS cannot take a receive back).
PRIOR_RECEIVES_ATTRIBUTE = "prior_receives"

#: Reason reported for a dead letter that SQS moved by itself: it carries no reason attribute.
REDRIVE_POLICY_REASON = (
    "moved by the SQS redrive policy after maxReceiveCount receives (worker died or timed out)"
)

_NOT_SQS_TEXT = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: A reason is for humans; attribute values count against the message size, so keep it short.
MAX_REASON_CHARS = 1024
#: Attempts for an entry that SendMessageBatch reports as failed (botocore itself
#: retries whole calls that fail).
SEND_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message ready for SendMessage(Batch): its text and attributes."""

    text: str
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """Bytes SQS counts against its message and batch limits."""
        extra = sum(len(k) + len(v.encode()) + len("String") for k, v in self.attributes.items())
        return len(self.text.encode()) + extra

    def sqs_attributes(self) -> dict[str, MessageAttributeValueTypeDef]:
        return {
            name: {"DataType": "String", "StringValue": value}
            for name, value in self.attributes.items()
        }


@dataclass(frozen=True, slots=True)
class Received:
    """A message as SQS delivered it, kept by the queue until its consumer is done with it."""

    message_id: str
    text: str
    #: Only what a copy of it must carry (the body encoding): never ``prior_receives``,
    #: so that a dead letter redriven later starts again at receive count 1.
    attributes: dict[str, str]
    #: SQS's count plus the receives a give-back carried over (``prior_receives``).
    receive_count: int
    #: The queue's clock just before the ReceiveMessage request: SQS's 12 h start later.
    received_at: float

    @classmethod
    def of(
        cls,
        message_id: str,
        text: str,
        sqs_receive_count: int,
        attributes: Mapping[str, str],
        received_at: float,
    ) -> Received:
        """From what the message carries: a boto3 response's or a Lambda event's fields."""
        kept = {k: v for k, v in attributes.items() if k == ENCODING_ATTRIBUTE}
        try:
            prior = max(0, int(attributes.get(PRIOR_RECEIVES_ATTRIBUTE, "0")))
        except ValueError:  # not ours: a message that cannot be counted still gets processed
            prior = 0
        return cls(message_id, text, kept, sqs_receive_count + prior, received_at)

    @classmethod
    def of_message(cls, message: MessageTypeDef, received_at: float) -> Received:
        """From a message of a ReceiveMessage response."""
        return cls.of(
            message["MessageId"],
            message["Body"],
            int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1")),
            string_attributes(message.get("MessageAttributes", {})),
            received_at,
        )


def outgoing(body: bytes, **attributes: str) -> Outgoing:
    """The SQS form of a queue body, base64 only when SQS could not carry it as text."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
        needs_base64 = True
    else:
        needs_base64 = _NOT_SQS_TEXT.search(text) is not None
    if needs_base64:
        text = base64.b64encode(body).decode("ascii")
        attributes[ENCODING_ATTRIBUTE] = "base64"
    return Outgoing(text, attributes)


def body_bytes(text: str, attributes: Mapping[str, str]) -> bytes:
    """Inverse of ``outgoing``."""
    if attributes.get(ENCODING_ATTRIBUTE) == "base64":
        return base64.b64decode(text)
    return text.encode("utf-8")


def attribute_text(value: str) -> str:
    """A free-text value (a failure reason) made safe and short for a message attribute."""
    value = _NOT_SQS_TEXT.sub("\ufffd", value) or "-"
    return value if len(value) <= MAX_REASON_CHARS else value[: MAX_REASON_CHARS - 1] + "…"


def string_attributes(raw: Mapping[str, Mapping[str, object]]) -> dict[str, str]:
    """String attributes from boto3 (``StringValue``) or a Lambda event (``stringValue``)."""
    values: dict[str, str] = {}
    for name, attribute in raw.items():
        value = attribute.get("StringValue", attribute.get("stringValue"))
        if isinstance(value, str):
            values[name] = value
    return values


async def send_entries(
    client: SQSClient, queue_url: str, items: Sequence[Outgoing], calls: Blocking
) -> list[Exception | None]:
    """One SendMessageBatch of ≤ 10 items, retrying the entries SQS does not report sent.

    Only an entry listed in ``Successful`` is sent: one in neither list (an
    answer with both empty, from a faulty endpoint or proxy) is retried like a
    failed one, since taking it for sent would be a 202 for a lost log; a
    retry may only duplicate it, which the store's first write absorbs.
    Returns per item None (sent) or the QueueUnavailable it failed with.
    """
    unsent = {str(n): item for n, item in enumerate(items)}
    problem = "not attempted"
    for attempt in range(SEND_ATTEMPTS):
        if attempt:
            await asyncio.sleep(0.05 * 2**attempt)
        entries: list[SendMessageBatchRequestEntryTypeDef] = [
            {"Id": entry_id, "MessageBody": item.text, "MessageAttributes": item.sqs_attributes()}
            for entry_id, item in unsent.items()
        ]
        try:
            response = await calls.run(
                partial(client.send_message_batch, QueueUrl=queue_url, Entries=entries)
            )
        except QueueUnavailable as exc:
            problem = str(exc)
            break
        sent = {entry["Id"] for entry in response.get("Successful", [])}
        unsent = {entry_id: item for entry_id, item in unsent.items() if entry_id not in sent}
        if not unsent:
            break
        failed = response.get("Failed", [])
        problem = (
            f"{failed[0].get('Code', '?')}: {failed[0].get('Message', '')}"
            if failed
            else "SQS reported neither success nor failure"
        )
    return [
        QueueUnavailable(f"SQS did not take the message: {problem}") if str(n) in unsent else None
        for n in range(len(items))
    ]
