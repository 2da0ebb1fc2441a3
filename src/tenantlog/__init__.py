"""tenantlog: multi-tenant log ingestion with PII redaction and exactly-once storage."""

from tenantlog.redaction import redact

__all__ = ["redact"]
