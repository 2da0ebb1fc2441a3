"""What the queue carries (InternalMessage) and what the store holds (LogRecord)."""

from __future__ import annotations

import calendar
import functools
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, cast

import orjson

Source = Literal["json_upload", "text_upload", "otlp", "loki"]
SOURCES: frozenset[str] = frozenset(("json_upload", "text_upload", "otlp", "loki"))


class MessageDecodeError(ValueError):
    """A queue message is not a valid InternalMessage."""


def utc_now() -> str:
    """RFC 3339 UTC timestamp with millisecond precision, e.g. ``2024-01-01T00:00:00.000Z``.

    The worker stamps every log it stores with one, so the date and time of day are
    formatted once a second; the milliseconds are cut from the same clock reading
    (``datetime.now`` truncates them alike).
    """
    seconds, nanoseconds = divmod(time.time_ns(), 1_000_000_000)
    return f"{_utc_second(seconds)}.{nanoseconds // 1_000_000:03d}Z"


@functools.lru_cache(maxsize=4)
def _utc_second(seconds: int) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` of a Unix second, as ``datetime.isoformat`` writes it."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")[:19]


SECONDS_PER_DAY = 86_400


def epoch_seconds(timestamp: str) -> float:
    """Unix seconds of an RFC 3339 timestamp; ValueError if it is not one.

    A timestamp without an offset is taken as UTC, as every time tenantlog
    writes is.
    """
    moment = datetime.fromisoformat(timestamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def expiry_timestamp(seconds: int) -> str:
    """The RFC 3339 form of an expiry in whole Unix seconds, e.g. ``2024-01-31T00:00:00Z``.

    Expiries are whole seconds because DynamoDB's TTL attribute is; the
    stores keep the number and give back this string, so a record's
    ``expires_at`` reads the same from every backend.
    """
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def expires_after(start: str, retention_days: int) -> str | None:
    """When a log that started its life at ``start`` expires: None for 0 days (forever).

    Rounded up to the whole second, so a log is never gone before it has
    been kept its full ``retention_days``. ValueError if ``start`` is not
    RFC 3339.
    """
    if retention_days == 0:
        return None
    return expiry_timestamp(math.ceil(epoch_seconds(start) + retention_days * SECONDS_PER_DAY))


#: Event times as tenantlog keeps them: RFC 3339 UTC with nanoseconds, fixed width, so
#: that text order is time order (``2024-01-01T00:00:00.000000000Z``).
_NS_PER_SECOND = 1_000_000_000
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)
#: The event times a log may carry: Unix nanoseconds from 1970 up to 2262 (int64).
MAX_TIMESTAMP_NS = 2**63 - 1


def timestamp_from_ns(ns: int) -> str:
    """The canonical event time of ``ns`` Unix nanoseconds (0 ≤ ns ≤ MAX_TIMESTAMP_NS)."""
    seconds, fraction = divmod(ns, _NS_PER_SECOND)
    moment = datetime.fromtimestamp(seconds, UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{fraction:09d}Z"


def ns_from_rfc3339(text: str) -> int:
    """Unix nanoseconds of an RFC 3339 time with an offset; ValueError naming the defect.

    Written out rather than ``datetime.fromisoformat``, which drops digits
    past the microsecond: agents send nanoseconds, and the canonical form
    keeps them.
    """
    found = _RFC3339.fullmatch(text)
    if found is None:
        raise ValueError("not an RFC 3339 time with an offset, e.g. 2024-01-01T00:00:00Z")
    year, month, day, hour, minute, second = (int(found.group(n)) for n in range(1, 7))
    try:
        moment = datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
    except ValueError as exc:
        raise ValueError(f"not a valid date or time ({exc})") from None
    if second > 60:
        raise ValueError("not a valid date or time (second must be in 0..60)")
    offset = 0
    if found.group(8) is None:
        offset = (int(found.group(10)) * 60 + int(found.group(11))) * 60
        offset = offset if found.group(9) == "+" else -offset
    whole = calendar.timegm(moment.timetuple()) + (second - moment.second) - offset
    fraction = int((found.group(7) or "0").ljust(9, "0"))
    ns = whole * _NS_PER_SECOND + fraction
    if not 0 <= ns <= MAX_TIMESTAMP_NS:
        raise ValueError("out of range: from 1970 to 2262 (Unix nanoseconds in 64 bits)")
    return ns


@dataclass(frozen=True, slots=True)
class InternalMessage:
    """One accepted log on its way through the queue (DESIGN §3).

    ``timestamp`` (the event time the client gave, canonical: ``timestamp_from_ns``),
    ``severity``, ``severity_number`` (OTLP's 1 to 24) and ``attributes`` are
    optional, and a message without them encodes exactly as before they existed.
    """

    tenant_id: str
    log_id: str
    source: Source
    text: str
    received_at: str
    timestamp: str | None = None
    severity: str | None = None
    severity_number: int | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        data: dict[str, Any] = {
            "tenant_id": self.tenant_id,
            "log_id": self.log_id,
            "source": self.source,
            "text": self.text,
            "received_at": self.received_at,
        }
        if self.timestamp is not None:
            data["timestamp"] = self.timestamp
        if self.severity is not None:
            data["severity"] = self.severity
        if self.severity_number is not None:
            data["severity_number"] = self.severity_number
        if self.attributes:
            data["attributes"] = self.attributes
        return orjson.dumps(data)

    @classmethod
    def decode(cls, body: bytes | str) -> InternalMessage:
        """Parse a queue body; any defect raises MessageDecodeError naming it (never the text)."""
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise MessageDecodeError(f"message body is not JSON: {exc.msg}") from None
        return cls.from_data(data)

    @classmethod
    def from_data(cls, data: object) -> InternalMessage:
        """The message a parsed queue body holds; MessageDecodeError naming any defect.

        Every message the worker processes comes through here: a valid one is
        checked field by field without building anything on the way.
        """
        if not isinstance(data, dict):
            raise MessageDecodeError("message body is not a JSON object")
        get: Callable[..., Any] = data.get  # values checked below, one by one
        tenant_id, log_id, source = get("tenant_id"), get("log_id"), get("source")
        text, received_at = get("text"), get("received_at")
        if not (
            isinstance(tenant_id, str)
            and tenant_id
            and isinstance(log_id, str)
            and log_id
            and isinstance(source, str)
            and source
            and isinstance(text, str)
            and text
            and isinstance(received_at, str)
            and received_at
        ):
            for name in _REQUIRED:  # the first one amiss, as the error names it
                value = get(name)
                if not isinstance(value, str) or not value:
                    raise MessageDecodeError(f"message field {name!r} is missing or not a string")
        if source not in SOURCES:
            raise MessageDecodeError(f"message source {source!r} is unknown")
        timestamp, severity = get("timestamp"), get("severity")
        number, attributes = get("severity_number"), get("attributes", _ABSENT)
        if timestamp is not None and not isinstance(timestamp, str):
            raise MessageDecodeError("message field 'timestamp' is not a string")
        if severity is not None and not isinstance(severity, str):
            raise MessageDecodeError("message field 'severity' is not a string")
        if number is not None and (not isinstance(number, int) or isinstance(number, bool)):
            raise MessageDecodeError("message field 'severity_number' is not an integer")
        if attributes is _ABSENT:
            attributes = {}
        elif not isinstance(attributes, dict) or not all(
            isinstance(value, str) for value in attributes.values()
        ):
            raise MessageDecodeError("message field 'attributes' is not an object of strings")
        return cls(
            tenant_id,
            log_id,
            cast("Source", source),
            text,
            received_at,
            timestamp,
            severity,
            number,
            attributes,
        )


#: The fields every message has, in the order a defect among them is reported.
_REQUIRED = ("tenant_id", "log_id", "source", "text", "received_at")
#: ``attributes`` left out (a plain log), as opposed to given as null (a defect).
_ABSENT: Any = object()


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One stored log, unique per (tenant_id, log_id) (DESIGN §3).

    ``modified_data`` is the redacted text; the name is the original
    specification's, kept so existing clients read our records unchanged.
    ``original_text`` is None when the deployment turns the audit copy off.
    ``expires_at`` is when the tenant's retention ends (RFC 3339 UTC, whole
    seconds: ``expiry_timestamp``), None for a log kept forever; from then on
    no store returns the record, whether or not it is deleted yet.
    ``timestamp``, ``severity``, ``severity_number`` are the client's, as in
    InternalMessage; ``attributes`` are redacted like the text, and
    ``original_attributes`` is their audit copy, None when the audit copy is
    off or the log has no attributes.
    """

    tenant_id: str
    log_id: str
    source: Source
    original_text: str | None
    modified_data: str
    received_at: str
    processed_at: str
    attempts: int
    redactions: Mapping[str, int] = field(default_factory=dict)
    expires_at: str | None = None
    timestamp: str | None = None
    severity: str | None = None
    severity_number: int | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    original_attributes: Mapping[str, str] | None = None

    @property
    def expires_at_seconds(self) -> int | None:
        """``expires_at`` in whole Unix seconds (rounded up), as the stores keep it."""
        if self.expires_at is None:
            return None
        return math.ceil(epoch_seconds(self.expires_at))

    def expired(self, now: float) -> bool:
        """Whether the record's retention has ended at ``now`` (Unix seconds)."""
        expires = self.expires_at_seconds
        return expires is not None and expires <= now

    def to_dict(self) -> dict[str, Any]:
        """The record as the API shows it. The fields added since the seed (``expires_at``,
        the event time, severity and attributes) only when the record has them, so a
        plain log kept forever looks exactly as it did before they existed."""
        data: dict[str, Any] = {
            "tenant_id": self.tenant_id,
            "log_id": self.log_id,
            "source": self.source,
            "original_text": self.original_text,
            "modified_data": self.modified_data,
            "received_at": self.received_at,
            "processed_at": self.processed_at,
            "attempts": self.attempts,
            "redactions": dict(self.redactions),
        }
        if self.expires_at is not None:
            data["expires_at"] = self.expires_at
        if self.timestamp is not None:
            data["timestamp"] = self.timestamp
        if self.severity is not None:
            data["severity"] = self.severity
        if self.severity_number is not None:
            data["severity_number"] = self.severity_number
        if self.attributes:
            data["attributes"] = dict(self.attributes)
        if self.original_attributes is not None:
            data["original_attributes"] = dict(self.original_attributes)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LogRecord:
        return cls(
            tenant_id=str(data["tenant_id"]),
            log_id=str(data["log_id"]),
            source=cast("Source", data["source"]),
            original_text=data.get("original_text"),
            modified_data=str(data["modified_data"]),
            received_at=str(data["received_at"]),
            processed_at=str(data["processed_at"]),
            attempts=int(data["attempts"]),
            redactions={str(k): int(v) for k, v in (data.get("redactions") or {}).items()},
            expires_at=None if data.get("expires_at") is None else str(data["expires_at"]),
            timestamp=data.get("timestamp"),
            severity=data.get("severity"),
            severity_number=data.get("severity_number"),
            attributes=dict(data.get("attributes") or {}),
            original_attributes=data.get("original_attributes"),
        )


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a tenant's records; ``next_cursor`` is None on the last page."""

    items: list[LogRecord]
    next_cursor: str | None
