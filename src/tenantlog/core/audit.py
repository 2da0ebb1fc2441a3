"""The audit trail (DESIGN §2a): who created or revoked a key, and who read unredacted text.

An event names its actor (a key id, ``cli:<user>`` or ``anonymous`` when
authentication is off), the action, the tenant and a few ids; never a secret
and never log text. Event ids are UUIDv7, so they sort by time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from tenantlog.core.ids import new_log_id
from tenantlog.core.models import utc_now

KEY_CREATED = "key.create"
KEY_REVOKED = "key.revoke"
ORIGINAL_READ = "log.read_original"
MAX_AUDIT_PAGE = 1000


class AuditUnavailable(Exception):
    """The audit trail cannot be written or read."""


@dataclass(frozen=True, slots=True)
class AuditEvent:
    action: str
    actor: str
    tenant_id: str
    detail: Mapping[str, str] = field(default_factory=dict)
    event_id: str = field(default_factory=new_log_id)
    at: str = field(default_factory=utc_now)

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "tenant_id": self.tenant_id,
            "detail": dict(self.detail),
        }

    def detail_json(self) -> str:
        return orjson.dumps(dict(self.detail)).decode()


@dataclass(frozen=True, slots=True)
class AuditPage:
    """Events newest first; ``next_cursor`` continues with older ones."""

    events: list[AuditEvent]
    next_cursor: str | None


class AuditLog(Protocol):
    async def record(self, event: AuditEvent) -> None:
        """Durably append; raises AuditUnavailable (callers then refuse what they would audit)."""

    async def list(self, limit: int, cursor: str | None = None) -> AuditPage:
        """Newest first, ``limit`` (≤ MAX_AUDIT_PAGE) at a time.

        Raises tenantlog.core.cursor.InvalidCursor for a cursor it did not issue.
        """

    async def close(self) -> None: ...
