"""What operators see of the queue and its dead letters, and what they do with them.

Shared by ``tenantlog stats`` / ``tenantlog dlq`` and the admin routes, so
that both show the same fields and both leave the same audit trail: a
redrive or a purge changes every tenant's messages at once, and says so
(tenant ``*``) with the number of messages it moved or deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from tenantlog.core.audit import AuditEvent, AuditLog
from tenantlog.core.queue import DeadLetterEntry, Queue, QueueStats
from tenantlog.core.validation import is_valid_log_id, is_valid_tenant_id

DLQ_REDRIVE = "dlq.redrive"
DLQ_PURGE = "dlq.purge"
#: The tenant an audit event names when it concerns every tenant's messages.
EVERY_TENANT = "*"


def queue_counts(stats: QueueStats) -> dict[str, int]:
    return {
        "visible": stats.visible,
        "in_flight": stats.in_flight,
        "depth": stats.depth,
        "dead_letters": stats.dead_letters,
    }


def _message_fields(body: bytes) -> dict[str, Any]:
    """The body's JSON object, or nothing for a body that is not one (a poison message)."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _string(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    return value if isinstance(value, str) else None


def _valid(value: str | None, is_valid: Callable[[str], bool]) -> str | None:
    """An id from a body only if it is a well-formed one: a poison body's may be anything."""
    return value if value is not None and is_valid(value) else None


def dead_letter_summary(entry: DeadLetterEntry) -> dict[str, Any]:
    """A dead letter without its text: whose it is, why it died and when.

    The tenant is the message's group, else the one its body names (None for
    a body that names no valid one); ``log_id`` and ``received_at`` come from
    the body.
    """
    data = _message_fields(entry.body)
    return {
        "message_id": entry.message_id,
        "tenant_id": entry.group or _valid(_string(data, "tenant_id"), is_valid_tenant_id),
        "log_id": _valid(_string(data, "log_id"), is_valid_log_id),
        "reason": entry.reason,
        "receive_count": entry.receive_count,
        "received_at": _string(data, "received_at"),
        "dead_at": entry.dead_at,
    }


def dead_letter_text(entry: DeadLetterEntry) -> str | None:
    """The log text the message carries, unredacted (None when it carries none): for a
    caller to redact before showing it anywhere but this machine's terminal."""
    return _string(_message_fields(entry.body), "text")


async def redrive(queue: Queue, audit: AuditLog, *, actor: str) -> int:
    """Move every dead letter back to the main queue; how many (recorded in the audit trail)."""
    moved = await queue.redrive()
    await audit.record(AuditEvent(DLQ_REDRIVE, actor, EVERY_TENANT, {"count": str(moved)}))
    return moved


async def purge(queue: Queue, audit: AuditLog, *, actor: str) -> int:
    """Delete every dead letter for good; how many (recorded in the audit trail)."""
    purged = await queue.purge_dead_letters()
    await audit.record(AuditEvent(DLQ_PURGE, actor, EVERY_TENANT, {"count": str(purged)}))
    return purged
