"""Backends of the record of Idempotency-Keys (tenantlog.core.idempotency.IdempotencyKeys)."""
