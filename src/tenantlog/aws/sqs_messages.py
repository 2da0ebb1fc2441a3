"""How queue bodies and dead-letter details are written onto SQS messages.

SQS bodies are text restricted to the XML character set (no NUL, no U+FFFE /
U+FFFF, no lone surrogates). Our bodies are UTF-8 JSON and nearly always fit;
one that does not (a log containing U+FFFF, or bytes that are not UTF-8) is
sent base64-encoded with a ``body_encoding`` attribute instead of being
refused, so a log the API accepted is never turned into a 500 by the queue.

Dead-letter details travel as message attributes on the DLQ copy, because
SQS cannot annotate a message in place.
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
        SendMessageBatchRequestEntryTypeDef,
    )

    from tenantlog.aws.clients import Blocking

ENCODING_ATTRIBUTE = "body_encoding"
REASON_ATTRIBUTE = "reason"
RECEIVE_COUNT_ATTRIBUTE = "receive_count"
MESSAGE_ID_ATTRIBUTE = "source_message_id"
DEAD_AT_ATTRIBUTE = "dead_at"

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
    """One SendMessageBatch of ≤ 10 items, retrying the entries SQS reports as failed.

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
        failed = {entry["Id"]: entry for entry in response.get("Failed", [])}
        unsent = {entry_id: item for entry_id, item in unsent.items() if entry_id in failed}
        if not unsent:
            break
        first = next(iter(failed.values()))
        problem = f"{first.get('Code', '?')}: {first.get('Message', '')}"
    return [
        QueueUnavailable(f"SQS did not take the message: {problem}") if str(n) in unsent else None
        for n in range(len(items))
    ]
