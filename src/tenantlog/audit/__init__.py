"""The audit trail's storage: one module per backend (``memory``, ``sqlite``, ``dynamodb``)
implementing ``tenantlog.core.audit.AuditLog``."""
