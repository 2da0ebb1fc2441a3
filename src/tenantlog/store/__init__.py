"""Tenant-partitioned log storage: one module per backend (``memory``, ``sqlite``,
``dynamodb``) implementing ``tenantlog.core.store.Store``."""
