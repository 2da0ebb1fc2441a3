"""Reading a tenant's logs back (DESIGN §2). Every read names its tenant.

A list is also a search: its filters and order are tenantlog.core.query's, and
a malformed filter, or one the backend cannot serve, is a 400 naming it.
Unknown query parameters are ignored, as they always were.

The policy seam has already checked that the caller may read this tenant.
``original_text`` (the unredacted audit copy) is returned only to callers
with the ``audit`` scope, and only after the read is in the audit trail: if
the trail cannot be written, the read fails rather than go unrecorded. A
read is audited exactly when its answer holds unredacted text, so a client
that leaves the field out with ``fields=`` reads without an audit event.

A page is bounded twice: by ``limit`` records and by ``max_page_bytes`` of
serialised records, because one record can hold two copies of a 64 KiB text
(more once JSON escapes it) and ``limit=1000`` of those would be a response of
hundreds of megabytes.

The live tail (tenantlog.http.tail) shows and audits its records with the
same functions (``shown_fields``, ``visible``, ``holds_original``,
``original_read``), so a record reads the same whichever way it comes.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from tenantlog.core.audit import ORIGINAL_READ, AuditEvent, AuditLog, AuditUnavailable
from tenantlog.core.cursor import InvalidCursor
from tenantlog.core.identity import Principal
from tenantlog.core.models import LogRecord
from tenantlog.core.query import InvalidQuery, UnsupportedQuery, parse_query
from tenantlog.core.store import MAX_PAGE_SIZE, Store, StoreUnavailable
from tenantlog.core.validation import is_valid_log_id, is_valid_tenant_id
from tenantlog.http.params import Refused, positive_int
from tenantlog.http.policy import principal_of
from tenantlog.http.responses import JSON, error

DEFAULT_PAGE_SIZE = 100

#: The fields ``fields=`` may name, in the order a record is serialised.
RECORD_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(LogRecord))
#: Returned whatever ``fields=`` says: without them a record cannot be told apart.
KEY_FIELDS = frozenset(("tenant_id", "log_id"))
ORIGINAL_TEXT = "original_text"
#: The unredacted copies: only for the ``audit`` scope, and every read of one is audited.
AUDIT_FIELDS = frozenset((ORIGINAL_TEXT, "original_attributes"))


@dataclass(frozen=True, slots=True)
class Reads:
    store: Store
    audit: AuditLog
    max_page_bytes: int
    #: Unix seconds that relative times (``since=15m``) count back from.
    clock: Callable[[], float] = time.time

    async def list_logs(self, request: Request) -> Response:
        tenant_id = request.path_params["tenant_id"]
        if not is_valid_tenant_id(tenant_id):
            return error(400, "invalid tenant_id in path")
        try:
            shown = shown_fields(request)
            found = await self.search(tenant_id, request.query_params, shown)
            await self.audited(principal_of(request.scope), tenant_id, found.records, shown)
        except Refused as refused:
            return refused.response()
        items = [orjson.Fragment(part) for part in found.parts]
        return JSON({"items": items, "next_cursor": found.next_cursor})

    async def get_log(self, request: Request) -> Response:
        tenant_id = request.path_params["tenant_id"]
        log_id = request.path_params["log_id"]
        if not is_valid_tenant_id(tenant_id):
            return error(400, "invalid tenant_id in path")
        if not is_valid_log_id(log_id):
            return error(400, "invalid log_id in path")
        try:
            shown = shown_fields(request)
            record = await self.fetch(tenant_id, log_id)
            if record is None:
                return error(404, "log not found")
            await self.audited(principal_of(request.scope), tenant_id, [record], shown)
        except Refused as refused:
            return refused.response()
        return JSON(visible(record, shown))

    async def search(self, tenant_id: str, params: QueryParams, shown: tuple[str, ...]) -> Found:
        """One page of the tenant's logs for these query parameters (the read API's and the
        console's); Refused names a malformed filter, limit or cursor."""
        limit = positive_int(params, "limit", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        try:
            query = parse_query(params.multi_items(), self.clock())
        except InvalidQuery as invalid:
            raise Refused(400, str(invalid)) from None
        try:
            page = await self.store.list(tenant_id, limit, params.get("cursor"), query)
        except InvalidCursor:
            raise Refused(400, "invalid cursor") from None
        except UnsupportedQuery as unsupported:
            raise Refused(400, str(unsupported)) from None
        except StoreUnavailable:
            raise Unavailable("store unavailable") from None
        records, parts = _fit(page.items, shown, self.max_page_bytes)
        # A shortened page resumes right after its last record: a cursor is the sort key
        # of the last record returned, and a page continues strictly after it.
        next_cursor = (
            page.next_cursor if len(records) == len(page.items) else query.cursor_after(records[-1])
        )
        return Found(records, parts, next_cursor)

    async def fetch(self, tenant_id: str, log_id: str) -> LogRecord | None:
        try:
            return await self.store.get(tenant_id, log_id)
        except StoreUnavailable:
            raise Unavailable("store unavailable") from None

    async def audited(
        self,
        principal: Principal,
        tenant_id: str,
        records: list[LogRecord],
        shown: tuple[str, ...],
    ) -> None:
        """Returns once the audit trail has every unredacted text that ``records`` show with
        ``shown`` fields: an answer holding one must not go out before (Unavailable)."""
        if any(holds_original(record, shown) for record in records):
            try:
                await self.audit.record(original_read(principal, tenant_id, records, shown))
            except AuditUnavailable:
                raise Unavailable("audit trail unavailable; retry later") from None


@dataclass(frozen=True, slots=True)
class Found:
    """A page of a search: its records, their serialised forms, and where the next starts."""

    records: list[LogRecord]
    parts: list[bytes]
    next_cursor: str | None


class Unavailable(Refused):
    """A backend the read needs does not answer: 503, to be retried in a few seconds."""

    def __init__(self, message: str) -> None:
        super().__init__(503, message)

    def response(self) -> Response:
        return error(self.status, str(self), {"Retry-After": "5"})


def shown_fields(request: Request) -> tuple[str, ...]:
    """The record fields this caller asked for (``fields=``, repeatable) and may see.

    Without ``fields=`` a caller gets every field it may see. Naming
    ``original_text`` without the ``audit`` scope is a 403 rather than a
    silent omission, so a client does not mistake a missing field for an
    absent audit copy.
    """
    sees_original = principal_of(request.scope).sees_original_text
    values = request.query_params.getlist("fields")
    if not values:
        return tuple(f for f in RECORD_FIELDS if f not in AUDIT_FIELDS or sees_original)
    asked = [name for value in values for name in value.split(",")]
    for name in asked:
        if name not in RECORD_FIELDS:
            known = ", ".join(RECORD_FIELDS)
            raise Refused(400, f"unknown field in fields: {name!r} (known: {known})")
    for name in AUDIT_FIELDS.intersection(asked):
        if not sees_original:
            raise Refused(403, f"this API key lacks the 'audit' scope that {name} needs")
    return tuple(f for f in RECORD_FIELDS if f in asked or f in KEY_FIELDS)


def visible(record: LogRecord, shown: tuple[str, ...]) -> dict[str, Any]:
    """The ``shown`` fields the record has: optional ones (``expires_at`` of a log kept
    forever) are left out rather than shown as null, as ``LogRecord.to_dict`` does."""
    everything = record.to_dict()
    return {name: everything[name] for name in shown if name in everything}


def _fit(
    records: list[LogRecord], shown: tuple[str, ...], budget: int
) -> tuple[list[LogRecord], list[bytes]]:
    """The leading records whose serialised forms total at most ``budget`` bytes (always
    the first, however large: a page must make progress), with those serialised forms."""
    kept: list[LogRecord] = []
    parts: list[bytes] = []
    used = 0
    for record in records:
        part = orjson.dumps(visible(record, shown))
        used += len(part)
        if kept and used > budget:
            break
        kept.append(record)
        parts.append(part)
    return kept, parts


def holds_original(record: LogRecord, shown: tuple[str, ...]) -> bool:
    """Whether the answer shows an unredacted copy of this record."""
    return (ORIGINAL_TEXT in shown and record.original_text is not None) or (
        "original_attributes" in shown and record.original_attributes is not None
    )


def original_read(
    principal: Principal, tenant_id: str, records: list[LogRecord], fields: tuple[str, ...]
) -> AuditEvent:
    shown = [r.log_id for r in records if holds_original(r, fields)]
    detail = {"count": str(len(shown)), "first_log_id": shown[0], "last_log_id": shown[-1]}
    return AuditEvent(ORIGINAL_READ, principal.actor, tenant_id, detail)
