"""The Store interface: records keyed (tenant_id, log_id), first write wins.

Every read names a tenant, so no query can return another tenant's data.
``get`` and ``list`` never return a record whose ``expires_at`` has passed,
deleted yet or not; so ``list`` may return a page shorter than ``limit``,
even empty, with a ``next_cursor``: page until it is None.
"""

from __future__ import annotations

from typing import Protocol

from tenantlog.core.models import LogRecord, Page

MAX_PAGE_SIZE = 1000


class StoreUnavailable(Exception):
    """The store cannot be reached or written."""


class RecordTooLarge(Exception):
    """The store can never hold this record (over DynamoDB's 400 KB item size, say).

    Retrying cannot help, so the worker dead-letters the message at once with
    this reason instead of spending every receive on it.
    """


class Store(Protocol):
    async def put_if_absent(self, record: LogRecord) -> bool:
        """Store the record unless (tenant_id, log_id) exists; True if this call wrote it.

        An existing record is never changed: this is what makes redelivery
        after a crash harmless. An expired record counts as absent: it is replaced.
        """

    async def get(self, tenant_id: str, log_id: str) -> LogRecord | None: ...

    async def list(self, tenant_id: str, limit: int, cursor: str | None) -> Page:
        """A tenant's records in log_id order, ``limit`` at a time (at most MAX_PAGE_SIZE).

        Raises tenantlog.core.cursor.InvalidCursor for a cursor it did not issue.
        """

    async def ping(self) -> None:
        """Raise StoreUnavailable unless the store answers."""

    async def close(self) -> None: ...
