"""The neutral form both agent protocols parse into, their caps and errors, and the
deterministic log id that makes an agent's retried batch store nothing twice.

Nothing here knows HTTP or the queue: the routes map ``ProtocolError`` to 400,
``TooLarge`` to 413 and ``UnsupportedMediaType`` to 415, and turn each
``AgentLog`` into a queue message under the id ``derive_log_id`` gives it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

#: Unix nanoseconds fit a signed 64-bit integer until 2262: the store's range too.
MAX_TIMESTAMP_NS = 2**63 - 1


@dataclass(frozen=True, slots=True)
class AgentLog:
    """One log record from an agent, whatever the protocol it came in.

    ``stream`` identifies where the record came from (an OTLP resource, a Loki
    label set) in a form that is the same every time the agent sends it, so it
    can go into ``derive_log_id``.
    """

    text: str
    timestamp_ns: int | None
    severity: str | None
    severity_number: int | None
    attributes: dict[str, str]
    stream: str


@dataclass(frozen=True, slots=True)
class Rejected:
    """Records refused one by one (OTLP's ``partial_success``): how many, and why.

    ``message`` is empty when nothing was rejected; otherwise it counts each
    reason, e.g. ``2 log records rejected: log record has no body (2)``.
    """

    count: int = 0
    message: str = ""


class ProtocolError(ValueError):
    """The request does not follow the protocol; the message names what is wrong.

    Messages name positions, fields and caps, never log text or attribute values,
    since they are sent back and may be logged.
    """


class TooLarge(ProtocolError):
    """The request is over a size cap (too many records, too large when decompressed)."""


class UnsupportedMediaType(ProtocolError):
    """The Content-Type is not one the protocol defines."""


@dataclass(frozen=True, slots=True)
class Caps:
    """What one agent request may hold, given by the caller from its settings.

    The per-record caps are meant to be ``/ingest``'s (the core's ``Limits``:
    ``max_attributes``, ``max_attribute_key_bytes``, ``max_attribute_value_bytes``,
    ``max_text_bytes``, ``max_record_bytes``, ``MAX_SEVERITY_CHARS``), so an agent
    cannot store a record the JSON route would refuse. ``max_depth`` bounds nesting
    in OTLP's AnyValue (bodies and attributes rendered as JSON); ``max_body_bytes``
    bounds a Loki body after snappy decompression, checked before any memory is
    allocated. Sizes are UTF-8 bytes.
    """

    max_records: int = 10_000
    max_attributes: int = 64
    max_key_bytes: int = 128
    max_value_bytes: int = 4096
    max_text_bytes: int = 65536
    max_record_bytes: int = 131072
    max_severity_chars: int = 32
    max_depth: int = 32
    max_body_bytes: int = 5 * 1024 * 1024

    def attribute_problem(self, attributes: dict[str, str]) -> str | None:
        """Why these attributes break a cap, or None. The message names the cap only."""
        if len(attributes) > self.max_attributes:
            return f"more than {self.max_attributes} attributes"
        # UTF-8 takes at most 4 bytes a character: below a quarter of its cap in
        # characters a string needs no encoding to be measured.
        key_chars, value_chars = self.max_key_bytes // 4, self.max_value_bytes // 4
        for key, value in attributes.items():
            if not key:
                return "attribute with an empty key"
            if len(key) > key_chars and utf8_size(key) > self.max_key_bytes:
                return f"attribute key over {self.max_key_bytes} bytes"
            if len(value) > value_chars and utf8_size(value) > self.max_value_bytes:
                return f"attribute value over {self.max_value_bytes} bytes"
        return None

    def text_problem(self, text: str) -> str | None:
        """Why this text breaks a cap, or None."""
        if len(text) * 4 > self.max_text_bytes and utf8_size(text) > self.max_text_bytes:
            return f"text over {self.max_text_bytes} bytes"
        return None

    def record_problem(self, text: str, attributes: dict[str, str]) -> str | None:
        """Why text and attributes together are over the stored record's size, or None."""
        # Four bytes a character bounds the UTF-8 size from above: most records end here.
        chars = len(text) + sum(len(k) + len(v) for k, v in attributes.items())
        if chars * 4 <= self.max_record_bytes:
            return None
        size = utf8_size(text) + sum(utf8_size(k) + utf8_size(v) for k, v in attributes.items())
        if size > self.max_record_bytes:
            return f"text and attributes over {self.max_record_bytes} bytes"
        return None


def utf8_size(value: str) -> int:
    # Strings come from protobuf or orjson, which both refuse lone surrogates.
    return len(value) if value.isascii() else len(value.encode("utf-8"))


def media_type(content_type: str) -> str:
    """``application/json; charset=utf-8`` → ``application/json``."""
    return content_type.partition(";")[0].strip().lower()


def derive_log_id(tenant_id: str, entry: AgentLog, index_in_request: int) -> str:
    """The log id an agent's record gets: the same every time the agent resends it.

    Agents retry whole batches without an idempotency key, so the id is derived
    from the record: SHA-256 over the tenant, the stream, the event time, the
    SHA-256 of the text and the record's position in the request. The result is
    a UUID laid out like a UUIDv7 (48 bits of Unix milliseconds first, then the
    version, then the hash) so ids still sort by event time, but marked version
    8: its other bits are a hash, not random, which RFC 9562 reserves for v8. A
    record without an event time gets time bits 0 (it sorts first).

    The limit: two records with the same tenant, stream, event time, text and
    position are one log. Within a request the position separates them; across
    requests, a line an agent really logged twice at the same nanosecond and sent
    at the same position of two batches is stored once. An agent that re-splits a
    batch when it retries shifts positions, and those records are stored again.
    """
    timestamp = entry.timestamp_ns or 0
    digest = hashlib.sha256()
    for part in (tenant_id.encode(), entry.stream.encode()):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    digest.update(timestamp.to_bytes(8, "big"))
    digest.update(hashlib.sha256(entry.text.encode()).digest())
    digest.update(index_in_request.to_bytes(8, "big"))
    hashed = digest.digest()
    millis = timestamp // 1_000_000
    raw = bytearray(millis.to_bytes(6, "big"))
    raw.append(0x80 | (hashed[0] & 0x0F))  # version 8
    raw.append(hashed[1])
    raw.append(0x80 | (hashed[2] & 0x3F))  # RFC 9562 variant
    raw += hashed[3:10]
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
