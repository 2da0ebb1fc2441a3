"""Field rules for tenant ids, log ids, texts, event times, severities and attributes
(DESIGN §2, §3), with messages that name the field and the limit."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from tenantlog.core.models import MAX_TIMESTAMP_NS, ns_from_rfc3339, timestamp_from_ns

_TENANT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
MAX_LOG_ID_CHARS = 128


class IngestError(Exception):
    """A request /ingest refuses; ``status`` and ``message`` become the HTTP answer.

    ``headers`` are response headers the answer needs besides the JSON body
    (lower-case names), e.g. ``Accept-Encoding`` on a 415 (RFC 9110 §15.5.16).
    """

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers: Mapping[str, str] = headers or {}

    def on_line(self, line: int) -> IngestError:
        """The same error located on a 1-based NDJSON line."""
        return IngestError(self.status, f"line {line}: {self.message}", self.headers)


PAYLOAD_TOO_LARGE = "payload too large"


def body_too_large() -> IngestError:
    """The seed's exact 413 for a body over the limit (before or after decoding, DESIGN §2)."""
    return IngestError(413, PAYLOAD_TOO_LARGE)


def too_large(reason: str) -> IngestError:
    """Any other size refusal names its limit: ``payload too large: <reason>`` (DESIGN §2)."""
    return IngestError(413, f"{PAYLOAD_TOO_LARGE}: {reason}")


@dataclass(frozen=True, slots=True)
class Limits:
    """What one request may cost: bytes, log lines, and seconds for its body to arrive.

    The text limit keeps two copies of a log inside one DynamoDB item; the line
    limit bounds the messages (and memory) one NDJSON body can turn into.
    ``request_timeout`` is for the HTTP shell, which reads the body; the core
    never waits on anything. ``max_work_chars`` is the longest text the worker
    can finish within its time budget (None: no budget); a longer one is refused
    here rather than accepted and retried to the dead-letter queue.
    """

    max_text_bytes: int = 65536
    max_body_bytes: int = 5 * 1024 * 1024
    max_batch_lines: int = 10_000
    request_timeout: float = 30.0
    max_work_chars: int | None = None
    max_attributes: int = 64
    max_attribute_key_bytes: int = 128
    max_attribute_value_bytes: int = 4096
    #: The text and every attribute key and value of one log, in UTF-8 bytes: a stored
    #: record holds all of it twice (redacted and audit copy), and must fit the backend.
    max_record_bytes: int = 131072


def is_valid_tenant_id(value: str) -> bool:
    return _TENANT_ID.fullmatch(value) is not None


def check_tenant_id(value: object, *, source: str = "tenant_id") -> str:
    if value is None:
        raise IngestError(400, f"missing required field: {source}")
    if not isinstance(value, str):
        raise IngestError(400, f"{source} must be a string")
    if not value:
        raise IngestError(400, f"{source} must not be empty")
    if not is_valid_tenant_id(value):
        raise IngestError(
            400,
            f"invalid {source}: use 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'",
        )
    return value


def is_valid_log_id(value: str) -> bool:
    # isprintable() rejects control, format and separator characters except
    # the ASCII space, which is then excluded on its own.
    return 0 < len(value) <= MAX_LOG_ID_CHARS and value.isprintable() and " " not in value


def check_log_id(value: object, *, source: str = "log_id") -> str:
    if not isinstance(value, str):
        raise IngestError(400, f"{source} must be a string")
    if not is_valid_log_id(value):
        raise IngestError(
            400,
            f"invalid {source}: use 1-{MAX_LOG_ID_CHARS} printable characters without whitespace",
        )
    return value


def check_text(value: object, limits: Limits) -> str:
    if value is None:
        raise IngestError(400, "missing required field: text")
    if not isinstance(value, str):
        raise IngestError(400, "text must be a string")
    if not value:
        raise IngestError(400, "text must not be empty")
    if utf8_size(value) > limits.max_text_bytes:
        raise too_large(f"text over {limits.max_text_bytes} bytes")
    if limits.max_work_chars is not None and len(value) > limits.max_work_chars:
        raise too_large(
            f"text over {limits.max_work_chars} characters, the most the worker can process"
            " within its time budget (TENANTLOG_WORKER_TIME_BUDGET)"
        )
    if not value.isascii() and _has_lone_surrogate(value):
        raise IngestError(400, "text is not valid UTF-8 (lone surrogate)")
    return value


def _has_lone_surrogate(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


#: The longest severity text kept ("INFO", "Warning", OTLP's "ERROR3", syslog names).
MAX_SEVERITY_CHARS = 32


def utf8_size(value: str) -> int:
    return len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))


def check_timestamp(value: object) -> str:
    """The event time in canonical form, from RFC 3339 text or integer Unix nanoseconds."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise IngestError(400, "timestamp must be an RFC 3339 string or integer Unix nanoseconds")
    if isinstance(value, int):
        if not 0 <= value <= MAX_TIMESTAMP_NS:
            raise IngestError(400, "timestamp out of range: Unix nanoseconds from 0 to 2^63-1")
        return timestamp_from_ns(value)
    try:
        return timestamp_from_ns(ns_from_rfc3339(value))
    except ValueError as exc:
        raise IngestError(400, f"invalid timestamp: {exc}") from None


def check_severity(value: object) -> str:
    if not isinstance(value, str):
        raise IngestError(400, "severity must be a string")
    if not 0 < len(value) <= MAX_SEVERITY_CHARS or not value.isprintable():
        raise IngestError(400, f"invalid severity: use 1-{MAX_SEVERITY_CHARS} printable characters")
    return value


def check_attributes(value: object, limits: Limits) -> dict[str, str]:
    """A map of strings; numbers and booleans are taken as their JSON text, so a client
    sending ``{"status": 500}`` is not refused for it. Nested values are refused."""
    if not isinstance(value, dict):
        raise IngestError(400, "attributes must be an object of strings")
    if len(value) > limits.max_attributes:
        raise too_large(f"more than {limits.max_attributes} attributes (TENANTLOG_MAX_ATTRIBUTES)")
    checked: dict[str, str] = {}
    for key, item in value.items():
        if not key or utf8_size(key) > limits.max_attribute_key_bytes or _has_lone_surrogate(key):
            raise IngestError(
                400,
                f"invalid attribute name: use 1-{limits.max_attribute_key_bytes} bytes of UTF-8"
                " (TENANTLOG_MAX_ATTRIBUTE_KEY_BYTES)",
            )
        if isinstance(item, str):
            text = item
        elif isinstance(item, bool | int | float) and item == item:  # not NaN
            text = "true" if item is True else "false" if item is False else repr(item)
        else:
            raise IngestError(400, f"attribute {key!r} must be a string, number or boolean")
        if utf8_size(text) > limits.max_attribute_value_bytes or _has_lone_surrogate(text):
            raise too_large(
                f"attribute {key!r} over {limits.max_attribute_value_bytes} bytes"
                " (TENANTLOG_MAX_ATTRIBUTE_VALUE_BYTES)"
            )
        checked[key] = text
    return checked


def check_record_size(text: str, attributes: Mapping[str, str], limits: Limits) -> None:
    """One budget for everything a record stores of a log (the text, attribute names and
    values), so that both of its copies fit what the backend can store."""
    if not attributes:
        return  # the text alone is bounded by max_text_bytes, well within the budget
    size = utf8_size(text) + sum(utf8_size(k) + utf8_size(v) for k, v in attributes.items())
    if size > limits.max_record_bytes:
        raise too_large(
            f"log over {limits.max_record_bytes} bytes of text and attributes"
            " (TENANTLOG_MAX_RECORD_BYTES)"
        )
