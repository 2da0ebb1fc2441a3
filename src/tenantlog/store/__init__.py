"""Tenant-partitioned log storage: the interface in ``base``, one module per backend
(``memory``, ``sqlite``, ``dynamodb``)."""
