"""tenantlog: multi-tenant log ingestion with PII redaction and exactly-once storage."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tenantlog.redaction import redact

__all__ = ["redact"]


def __getattr__(name: str) -> Any:
    """``tenantlog.redact`` on first use, so importing any part of the package (the
    ingest API, a Lambda cold start) does not compile the redactor's scans."""
    if name == "redact":
        from tenantlog.redaction.redactor import redact

        return redact
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
