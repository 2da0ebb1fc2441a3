"""The Store interface: records keyed (tenant_id, log_id), first write wins.

Every read names a tenant, so no query can return another tenant's data.
``get`` and ``list`` never return a record whose ``expires_at`` has passed,
deleted yet or not; so ``list`` may return a page shorter than ``limit``,
even empty, with a ``next_cursor``: page until it is None.

Erasure (DESIGN §2b, tenantlog.core.erasure) is kept by the store itself,
so that it holds against every writer, a worker already holding the log
included:

- ``delete`` erases one record and leaves a tombstone in its place: that
  (tenant_id, log_id) is not written again (DynamoDB lets the tombstone of
  an expiring record go when the record itself would have, after which an
  expired record's id counts as free anyway).
- ``save_erasure`` puts a tenant's erasure in force: from its return on, no
  record of the tenant received at or before the erasure's ``before`` is
  written or read, whether or not it is physically deleted yet.
- ``delete_erased`` then deletes those records, a batch at a time.

A tenant's "mark" is the greatest ``before`` of its erasures; a record is
covered when ``received_at <= mark`` (strings in one RFC 3339 form compare
as times: ``Erasure.covers``). Reads skip tombstones and covered records
exactly as they skip expired ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from tenantlog.core.models import LogRecord, Page
from tenantlog.core.query import LogQuery

if TYPE_CHECKING:  # tenantlog.core.erasure names the Store in its own annotations
    from tenantlog.core.erasure import Erasure

MAX_PAGE_SIZE = 1000


class StoreUnavailable(Exception):
    """The store cannot be reached or written."""


class RecordTooLarge(Exception):
    """The store can never hold this record (over DynamoDB's 400 KB item size, say).

    Retrying cannot help, so the worker dead-letters the message at once with
    this reason instead of spending every receive on it.
    """


@dataclass(frozen=True, slots=True)
class Followed:
    """What ``Store.follow`` found: the matching records stored after a position, each
    with its own position (a live tail's event id), and where to follow on from.

    ``position`` moves past records the query skipped too, so a quiet filter does
    not rescan them; it is ``after`` itself when nothing new was stored.
    """

    records: list[tuple[int, LogRecord]]
    position: int


class Store(Protocol):
    async def put_if_absent(self, record: LogRecord) -> bool:
        """Store the record unless (tenant_id, log_id) exists; True if this call wrote it.

        An existing record is never changed: this is what makes redelivery
        after a crash harmless. An expired record counts as absent: it is replaced.
        A tombstone (``delete``) counts as present, so an erased record is never
        written back; and a record an erasure covers is refused (False, nothing
        written), so a worker that held the log while the erasure began cannot
        bring it back either.
        """

    async def get(self, tenant_id: str, log_id: str) -> LogRecord | None:
        """The record, or None when it is absent, expired, deleted or covered by an erasure."""

    async def list(
        self, tenant_id: str, limit: int, cursor: str | None, query: LogQuery | None = None
    ) -> Page:
        """A tenant's records that ``query`` matches, ``limit`` at a time (at most
        MAX_PAGE_SIZE), in its order: log_id order without one (tenantlog.core.query).

        The one way to read a page, filtered or not. Skips what ``get`` would
        not return. Raises tenantlog.core.cursor.InvalidCursor for a cursor it
        did not issue for this query's order, and
        tenantlog.core.query.UnsupportedQuery naming a filter the backend
        cannot serve.
        """

    async def follow(
        self, tenant_id: str, after: int | None, query: LogQuery, limit: int
    ) -> Followed:
        """The tenant's records that ``query`` matches, in the order they were stored, that
        were stored after position ``after``: at most ``limit`` of them, for a live tail.

        Positions are the backend's own store sequence: positive integers that
        only grow in the order records became readable (so a record committed
        later never gets a smaller one, whatever its log_id or event time).
        ``after`` None means "from now": nothing returned, the current end as
        ``position``. Every filter of the query applies, its order does not: a
        tail is in stored order. Raises UnsupportedQuery("tail") on a backend that
        cannot follow at a bounded cost (DynamoDB: use the read API instead).
        """

    async def delete(self, tenant_id: str, log_id: str) -> bool:
        """Erase one record (``DELETE /tenants/{t}/logs/{log_id}``); True if a record that
        ``get`` would have returned was there.

        A tombstone takes its place either way, so that ``put_if_absent`` of
        that (tenant_id, log_id) returns False from then on: a redelivered
        message, an Idempotency-Key retry or a client reusing the id never
        writes the log back, even when its message was still queued when it
        was deleted. ``get`` and ``list`` never return a tombstone.
        """

    async def save_erasure(self, erasure: Erasure) -> None:
        """Create or replace (the whole record) an erasure of a tenant's logs.

        Once it returns, the erasure is in force: ``put_if_absent`` refuses any
        record of the tenant it covers, and ``get``/``list`` never return one,
        even while it is still physically stored. That is why an erasure starts
        here, before any deletion: whatever a worker writes afterwards is
        refused or unseen, and the deletion pass (``delete_erased``) cannot be
        overtaken. Progress updates of the same erasure save it again.
        """

    async def get_erasure(self, tenant_id: str, erasure_id: str) -> Erasure | None:
        """The erasure as last saved, or None (``GET /tenants/{t}/erasures/{id}``)."""

    async def delete_erased(self, tenant_id: str, before: str, limit: int) -> int:
        """Physically delete up to ``limit`` of the tenant's records received at or before
        ``before``; how many it deleted.

        The caller repeats it until it returns fewer than ``limit``: each call
        is a short turn of the store, and repeating one after a crash is
        harmless. Tombstones may stay (they hold no log). The call that
        finishes also clears what the backend keeps of deleted content
        outside its live data (SQLite: the write-ahead log), so that an
        erased log is gone from the files, not only unreadable.
        """

    async def ping(self) -> None:
        """Raise StoreUnavailable unless the store answers."""

    async def close(self) -> None: ...
