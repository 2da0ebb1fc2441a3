"""Usage per tenant and UTC day (DESIGN §2b): ``GET /tenants/{tenant_id}/usage`` for a
tenant's own keys (``read``) and admins, ``GET /tenants`` for admins.

The policy seam has already checked that the caller may read this tenant (or
is an admin). What is shown is what the processes have flushed: a count
reaches the store within ``TENANTLOG_USAGE_FLUSH_SECONDS`` of the event
(tenantlog.core.usage).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response

from tenantlog.core.usage import (
    DEFAULT_DAYS,
    MAX_DAYS,
    UsageStore,
    UsageUnavailable,
    tenant_usage,
    tenants_usage,
)
from tenantlog.core.validation import is_valid_tenant_id
from tenantlog.http.params import Refused, positive_int
from tenantlog.http.responses import JSON, error

UNAVAILABLE = "usage unavailable"


@dataclass(frozen=True, slots=True)
class Usage:
    store: UsageStore
    clock: Callable[[], float] = field(default=time.time)

    async def tenant(self, request: Request) -> Response:
        tenant_id = request.path_params["tenant_id"]
        if not is_valid_tenant_id(tenant_id):
            return error(400, "invalid tenant_id in path")
        try:
            days = positive_int(request.query_params, "days", DEFAULT_DAYS, MAX_DAYS)
        except Refused as refused:
            return refused.response()
        try:
            return JSON(await tenant_usage(self.store, tenant_id, days, self.clock()))
        except UsageUnavailable:
            return error(503, UNAVAILABLE, {"Retry-After": "5"})

    async def tenants(self, request: Request) -> Response:
        """Every tenant with activity in the window, with its totals.

        Tenants that have settings but no activity are not listed: on AWS that
        list is a Scan of the tenants table, which the functions may not do;
        ``tenantlog tenants list`` shows them with the operator's credentials.
        """
        try:
            days = positive_int(request.query_params, "days", DEFAULT_DAYS, MAX_DAYS)
        except Refused as refused:
            return refused.response()
        try:
            return JSON(await tenants_usage(self.store, days, self.clock()))
        except UsageUnavailable:
            return error(503, UNAVAILABLE, {"Retry-After": "5"})
