"""What the queue carries (InternalMessage) and what the store holds (LogRecord)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, cast

import orjson

Source = Literal["json_upload", "text_upload"]
SOURCES: frozenset[str] = frozenset(("json_upload", "text_upload"))


class MessageDecodeError(ValueError):
    """A queue message is not a valid InternalMessage."""


def utc_now() -> str:
    """RFC 3339 UTC timestamp with millisecond precision, e.g. ``2024-01-01T00:00:00.000Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


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


@dataclass(frozen=True, slots=True)
class InternalMessage:
    """One accepted log on its way through the queue (DESIGN §3)."""

    tenant_id: str
    log_id: str
    source: Source
    text: str
    received_at: str

    def encode(self) -> bytes:
        return orjson.dumps(
            {
                "tenant_id": self.tenant_id,
                "log_id": self.log_id,
                "source": self.source,
                "text": self.text,
                "received_at": self.received_at,
            }
        )

    @classmethod
    def decode(cls, body: bytes | str) -> InternalMessage:
        """Parse a queue body; any defect raises MessageDecodeError naming it (never the text)."""
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise MessageDecodeError(f"message body is not JSON: {exc.msg}") from None
        if not isinstance(data, dict):
            raise MessageDecodeError("message body is not a JSON object")
        values: dict[str, str] = {}
        for name in ("tenant_id", "log_id", "source", "text", "received_at"):
            value = data.get(name)
            if not isinstance(value, str) or not value:
                raise MessageDecodeError(f"message field {name!r} is missing or not a string")
            values[name] = value
        if values["source"] not in SOURCES:
            raise MessageDecodeError(f"message source {values['source']!r} is unknown")
        return cls(
            tenant_id=values["tenant_id"],
            log_id=values["log_id"],
            source=cast("Source", values["source"]),
            text=values["text"],
            received_at=values["received_at"],
        )


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One stored log, unique per (tenant_id, log_id) (DESIGN §3).

    ``modified_data`` is the redacted text; the name is the original
    specification's, kept so existing clients read our records unchanged.
    ``original_text`` is None when the deployment turns the audit copy off.
    ``expires_at`` is when the tenant's retention ends (RFC 3339 UTC, whole
    seconds: ``expiry_timestamp``), None for a log kept forever; from then on
    no store returns the record, whether or not it is deleted yet.
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
        """The record as the API shows it; ``expires_at`` only when the log expires, so
        records kept forever look exactly as they did before retention existed."""
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
        )


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a tenant's records; ``next_cursor`` is None on the last page."""

    items: list[LogRecord]
    next_cursor: str | None
