"""Factories for the records and queue bodies that tests build."""

from __future__ import annotations

from tenantlog.core.models import InternalMessage, LogRecord
from tenantlog.core.queue import Outgoing


def make_record(tenant_id: str = "acme", log_id: str = "123", text: str = "hello") -> LogRecord:
    return LogRecord(
        tenant_id=tenant_id,
        log_id=log_id,
        source="json_upload",
        original_text=text,
        modified_data=text,
        received_at="2024-01-01T00:00:00.000Z",
        processed_at="2024-01-01T00:00:01.000Z",
        attempts=1,
        redactions={"PHONE": 1},
    )


def message_body(
    tenant_id: str = "acme", log_id: str = "123", text: str = "User 555-0199 accessed system"
) -> bytes:
    return InternalMessage(
        tenant_id, log_id, "json_upload", text, "2024-01-01T00:00:00.000Z"
    ).encode()


def message(
    tenant_id: str = "acme", log_id: str = "123", text: str = "User 555-0199 accessed system"
) -> Outgoing:
    """A queue message as ingest sends it: ``message_body``, in its tenant's group."""
    return Outgoing(tenant_id, message_body(tenant_id, log_id, text))


NDJSON = {"Content-Type": "application/x-ndjson"}


def bearer(secret: str, **extra: str) -> dict[str, str]:
    """Request headers presenting ``secret``, with any others given."""
    return {"Authorization": f"Bearer {secret}", **extra}


def ndjson_lines(n: int) -> bytes:
    """An NDJSON body of ``n`` short logs without a tenant (the key's is used)."""
    return b"".join(b'{"text":"line %d"}\n' % i for i in range(n))
