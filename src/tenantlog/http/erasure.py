"""Erasing a tenant's logs (DESIGN §2b): one log at once, or all of them in the background.

The policy seam has already checked that the caller holds the ``delete``
scope for this tenant (or is an admin). Both kinds of erasure go to the
audit trail with their actor; neither answer holds any log text.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from tenantlog.core.audit import AuditEvent, AuditLog, AuditUnavailable
from tenantlog.core.erasure import LOG_DELETED, request_erasure
from tenantlog.core.queue import Queue, QueueUnavailable
from tenantlog.core.store import Store, StoreUnavailable
from tenantlog.core.validation import is_valid_log_id, is_valid_tenant_id
from tenantlog.http.policy import principal_of
from tenantlog.http.responses import JSON, RETRY_SOON, error


@dataclass(frozen=True, slots=True)
class Erasures:
    store: Store
    queue: Queue
    audit: AuditLog

    async def delete_log(self, request: Request) -> Response:
        """204 once the log is gone; 404 when there was none (or it had expired)."""
        tenant_id = request.path_params["tenant_id"]
        log_id = request.path_params["log_id"]
        if not is_valid_tenant_id(tenant_id):
            return error(400, "invalid tenant_id in path")
        if not is_valid_log_id(log_id):
            return error(400, "invalid log_id in path")
        actor = principal_of(request.scope).actor
        try:
            deleted = await self.store.delete(tenant_id, log_id)
        except StoreUnavailable:
            return error(503, "store unavailable", RETRY_SOON)
        if not deleted:
            return error(404, "log not found")
        try:
            await self.audit.record(AuditEvent(LOG_DELETED, actor, tenant_id, {"log_id": log_id}))
        except AuditUnavailable:
            # The log is gone already; say so, and that the trail missed it.
            return error(503, "log deleted, but the audit trail is unavailable", RETRY_SOON)
        return Response(status_code=204)

    async def erase_tenant(self, request: Request) -> Response:
        """202 with the erasure's id: from this answer on no earlier log is returned."""
        tenant_id = request.path_params["tenant_id"]
        if not is_valid_tenant_id(tenant_id):
            return error(400, "invalid tenant_id in path")
        actor = principal_of(request.scope).actor
        try:
            erasure = await request_erasure(self.store, self.queue, self.audit, tenant_id, actor)
        except StoreUnavailable:
            return error(503, "store unavailable", RETRY_SOON)
        except QueueUnavailable:
            return error(
                503,
                "queue unavailable; the erasure is in force but not carried out: ask for it again",
                RETRY_SOON,
            )
        except AuditUnavailable:
            return error(503, "erasure started, but the audit trail is unavailable", RETRY_SOON)
        location = f"/tenants/{tenant_id}/erasures/{erasure.erasure_id}"
        return JSON(
            {"status": erasure.status, "erasure_id": erasure.erasure_id},
            status_code=202,
            headers={"Location": location},
        )

    async def get_erasure(self, request: Request) -> Response:
        tenant_id = request.path_params["tenant_id"]
        if not is_valid_tenant_id(tenant_id):
            return error(400, "invalid tenant_id in path")
        try:
            erasure = await self.store.get_erasure(tenant_id, request.path_params["erasure_id"])
        except StoreUnavailable:
            return error(503, "store unavailable", RETRY_SOON)
        if erasure is None:
            return error(404, "erasure not found")
        return JSON(erasure.to_dict())
