"""Tenant-partitioned log storage: one interface, one module per backend."""

from tenantlog.store.base import Store, StoreUnavailable

__all__ = ["Store", "StoreUnavailable"]
