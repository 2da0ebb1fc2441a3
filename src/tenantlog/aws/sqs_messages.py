"""How queue bodies and dead-letter details are written onto SQS messages.

SQS bodies are text restricted to the XML character set (no NUL, no U+FFFE /
U+FFFF, no lone surrogates). Our bodies are UTF-8 JSON and nearly always fit;
one that does not (a log containing U+FFFF, or bytes that are not UTF-8) is
sent base64-encoded with a ``body_encoding`` attribute instead of being
refused, so a log the API accepted is never turned into a 500 by the queue.

Dead-letter details travel as message attributes on the DLQ copy, and the
receives that count travel as one on the copy that replaces a given-back
message: SQS cannot annotate a message in place.

Each message is sent with its group (the tenant) as its MessageGroupId, which
on a standard queue makes SQS's fair queueing keep one tenant's backlog from
delaying the others' messages. Every copy we send of a message (to the DLQ,
in place of a given-back one, back from the DLQ) keeps the group and, as the
``first_sent_at`` attribute, the time the original was sent: SQS gives each
copy a SentTimestamp of its own, and erasing a tenant's messages sent before
a time must see the original's. A message whose group is unknown (one sent
without, or handed over by Lambda without its system attributes) gets its
body's ``tenant_id`` as the group of its copies.

Seen on moto (5.2): a MessageGroupId on a standard queue is accepted, kept and
returned with the message's system attributes (the DLQ copy its redrive policy
makes keeps it too), and ignored otherwise: moto delivers in send order and
has no fair queueing. Only FIFO queues are served group by group there.
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

import orjson

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
#: On every copy: the original's SentTimestamp (milliseconds since the epoch).
FIRST_SENT_ATTRIBUTE = "first_sent_at"
#: Attributes a copy of a message carries over from it.
KEPT_ATTRIBUTES = (ENCODING_ATTRIBUTE, FIRST_SENT_ATTRIBUTE)
#: The system attributes a receive asks for.
SYSTEM_ATTRIBUTES = ["ApproximateReceiveCount", "SentTimestamp", "MessageGroupId"]

#: Reason reported for a dead letter that SQS moved by itself: it carries no reason attribute.
REDRIVE_POLICY_REASON = (
    "moved by the SQS redrive policy after maxReceiveCount receives (worker died or timed out)"
)

_NOT_SQS_TEXT = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: What SQS takes as a MessageGroupId: 1 to 128 printable ASCII characters, no space.
_GROUP = re.compile("[!-~]{1,128}")
#: A reason is for humans; attribute values count against the message size, so keep it short.
MAX_REASON_CHARS = 1024
#: Attempts for an entry that SendMessageBatch reports as failed (botocore itself
#: retries whole calls that fail).
SEND_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class SqsOutgoing:
    """One message ready for SendMessage(Batch): its text, attributes and group ("": none)."""

    text: str
    attributes: dict[str, str] = field(default_factory=dict)
    group: str = ""

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

    def batch_entry(self, entry_id: str) -> SendMessageBatchRequestEntryTypeDef:
        entry: SendMessageBatchRequestEntryTypeDef = {
            "Id": entry_id,
            "MessageBody": self.text,
            "MessageAttributes": self.sqs_attributes(),
        }
        if self.group:
            entry["MessageGroupId"] = self.group
        return entry

    def send_message(self, client: SQSClient, queue_url: str) -> None:
        """Blocking: send it alone (SendMessage)."""
        if self.group:
            client.send_message(
                QueueUrl=queue_url,
                MessageBody=self.text,
                MessageAttributes=self.sqs_attributes(),
                MessageGroupId=self.group,
            )
        else:
            client.send_message(
                QueueUrl=queue_url, MessageBody=self.text, MessageAttributes=self.sqs_attributes()
            )


@dataclass(frozen=True, slots=True)
class Received:
    """A message as SQS delivered it, kept by the queue until its consumer is done with it."""

    message_id: str
    text: str
    #: Only what a copy of it must carry (the body encoding, when the original was
    #: sent): never ``prior_receives``, so that a dead letter redriven later starts
    #: again at receive count 1.
    attributes: dict[str, str]
    #: SQS's count plus the receives a give-back carried over (``prior_receives``).
    receive_count: int
    #: The queue's clock just before the ReceiveMessage request: SQS's 12 h start later.
    received_at: float
    #: Its MessageGroupId; "" when it has none or it was not given.
    group: str = ""

    @classmethod
    def of(
        cls,
        message_id: str,
        text: str,
        sqs_receive_count: int,
        attributes: Mapping[str, str],
        received_at: float,
        system_attributes: Mapping[str, str] | None = None,
    ) -> Received:
        """From what the message carries: a boto3 response's or a Lambda event's fields
        (``system_attributes``: SentTimestamp, MessageGroupId, when known)."""
        system = system_attributes or {}
        kept = kept_attributes(attributes, system)
        try:
            prior = max(0, int(attributes.get(PRIOR_RECEIVES_ATTRIBUTE, "0")))
        except ValueError:  # not ours: a message that cannot be counted still gets processed
            prior = 0
        group = system.get("MessageGroupId", "")
        return cls(message_id, text, kept, sqs_receive_count + prior, received_at, group)

    @classmethod
    def of_message(cls, message: MessageTypeDef, received_at: float) -> Received:
        """From a message of a ReceiveMessage response."""
        system = message.get("Attributes", {})
        return cls.of(
            message["MessageId"],
            message["Body"],
            int(system.get("ApproximateReceiveCount", "1")),
            string_attributes(message.get("MessageAttributes", {})),
            received_at,
            system,  # type: ignore[arg-type]
        )

    def copy(self, **attributes: str) -> SqsOutgoing:
        """A copy to send, with its group and the attributes it keeps, plus ``attributes``."""
        group = self.group or body_group(self.text, self.attributes)
        return SqsOutgoing(self.text, {**self.attributes, **attributes}, group)


def outgoing(body: bytes, group: str = "", **attributes: str) -> SqsOutgoing:
    """The SQS form of a queue body, base64 only when SQS could not carry it as text.

    A group SQS would refuse as a MessageGroupId is left out (the message is
    then a group of its own for SQS), never a reason to refuse the message.
    """
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
    return SqsOutgoing(text, attributes, group if _GROUP.fullmatch(group) else "")


def kept_attributes(attributes: Mapping[str, str], system: Mapping[str, str]) -> dict[str, str]:
    """What a copy of a message carries over: its body encoding and first send time."""
    kept = {k: v for k, v in attributes.items() if k in KEPT_ATTRIBUTES}
    if FIRST_SENT_ATTRIBUTE not in kept and "SentTimestamp" in system:
        kept[FIRST_SENT_ATTRIBUTE] = system["SentTimestamp"]
    return kept


def first_sent_ms(attributes: Mapping[str, str], system: Mapping[str, str]) -> int | None:
    """When the original of a message (of a copy, the message itself) was sent, in ms."""
    value = attributes.get(FIRST_SENT_ATTRIBUTE) or system.get("SentTimestamp")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def body_group(text: str, attributes: Mapping[str, str]) -> str:
    """The group of a message that came without one: its body's ``tenant_id`` ("": none)."""
    try:
        data = orjson.loads(body_bytes(text, attributes))
    except (orjson.JSONDecodeError, ValueError):
        return ""
    tenant = data.get("tenant_id") if isinstance(data, dict) else None
    return tenant if isinstance(tenant, str) and _GROUP.fullmatch(tenant) else ""


def message_group(message: MessageTypeDef) -> str:
    """A received message's group: its MessageGroupId, else its body's ``tenant_id``."""
    group = message.get("Attributes", {}).get("MessageGroupId")
    if group:
        return group
    return body_group(message["Body"], string_attributes(message.get("MessageAttributes", {})))


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
    client: SQSClient, queue_url: str, items: Sequence[SqsOutgoing], calls: Blocking
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
        entries = [item.batch_entry(entry_id) for entry_id, item in unsent.items()]
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
