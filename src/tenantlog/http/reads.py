"""Reading a tenant's logs back (DESIGN §2). Every read names its tenant."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from tenantlog.core.cursor import InvalidCursor
from tenantlog.core.validation import is_valid_log_id, is_valid_tenant_id
from tenantlog.http.responses import JSON, error
from tenantlog.store.base import MAX_PAGE_SIZE, Store, StoreUnavailable

DEFAULT_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class Reads:
    store: Store

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
        return JSON({"items": [r.to_dict() for r in page.items], "next_cursor": page.next_cursor})

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
        return JSON(record.to_dict())
