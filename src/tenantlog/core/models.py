"""What the queue carries (InternalMessage) and what the store holds (LogRecord)."""

from __future__ import annotations

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

    def to_dict(self) -> dict[str, Any]:
        return {
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
        )


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a tenant's records; ``next_cursor`` is None on the last page."""

    items: list[LogRecord]
    next_cursor: str | None
