"""Reading a tenant's logs back (DESIGN §2). Every read names its tenant.

The policy seam has already checked that the caller may read this tenant.
``original_text`` (the unredacted audit copy) is returned only to callers
with the ``audit`` scope, and only after the read is in the audit trail: if
the trail cannot be written, the read fails rather than go unrecorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tenantlog.core.audit import ORIGINAL_READ, AuditEvent, AuditLog, AuditUnavailable
from tenantlog.core.cursor import InvalidCursor
from tenantlog.core.identity import Principal
from tenantlog.core.models import LogRecord
from tenantlog.core.store import MAX_PAGE_SIZE, Store, StoreUnavailable
from tenantlog.core.validation import is_valid_log_id, is_valid_tenant_id
from tenantlog.http.policy import principal_of
from tenantlog.http.responses import JSON, error

DEFAULT_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class Reads:
    store: Store
    audit: AuditLog

    async def list_logs(self, request: Request) -> Response:
        tenant_id = request.path_params["tenant_id"]
        if not is_valid_tenant_id(tenant_id):
            return error(400, "invalid tenant_id in path")
        raw_limit = request.query_params.get("limit", str(DEFAULT_PAGE_SIZE))
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_PAGE_SIZE:
            return error(400, f"limit must be an integer from 1 to {MAX_PAGE_SIZE}")
        try:
            page = await self.store.list(
                tenant_id, int(raw_limit), request.query_params.get("cursor")
            )
        except InvalidCursor:
            return error(400, "invalid cursor")
        except StoreUnavailable:
            return error(503, "store unavailable", {"Retry-After": "5"})
        return await self._answer(request, tenant_id, page.items, {"next_cursor": page.next_cursor})

    async def get_log(self, request: Request) -> Response:
        tenant_id = request.path_params["tenant_id"]
        log_id = request.path_params["log_id"]
        if not is_valid_tenant_id(tenant_id):
            return error(400, "invalid tenant_id in path")
        if not is_valid_log_id(log_id):
            return error(400, "invalid log_id in path")
        try:
            record = await self.store.get(tenant_id, log_id)
        except StoreUnavailable:
            return error(503, "store unavailable", {"Retry-After": "5"})
        if record is None:
            return error(404, "log not found")
        return await self._answer(request, tenant_id, [record], None)

    async def _answer(
        self,
        request: Request,
        tenant_id: str,
        records: list[LogRecord],
        page: dict[str, Any] | None,
    ) -> Response:
        """One record (``page`` None) or a page of them, as the caller may see them."""
        principal = principal_of(request.scope)
        originals = principal.sees_original_text
        if originals and any(r.original_text is not None for r in records):
            try:
                await self.audit.record(_original_read(principal, tenant_id, records))
            except AuditUnavailable:
                return error(503, "audit trail unavailable; retry later", {"Retry-After": "5"})
        items = [_visible(r, originals) for r in records]
        return JSON(items[0] if page is None else {"items": items, **page})


def _visible(record: LogRecord, originals: bool) -> dict[str, Any]:
    fields = record.to_dict()
    if not originals:
        del fields["original_text"]
    return fields


def _original_read(principal: Principal, tenant_id: str, records: list[LogRecord]) -> AuditEvent:
    shown = [r.log_id for r in records if r.original_text is not None]
    detail = {"count": str(len(shown)), "first_log_id": shown[0], "last_log_id": shown[-1]}
    return AuditEvent(ORIGINAL_READ, principal.actor, tenant_id, detail)
