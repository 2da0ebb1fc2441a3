"""The tenants pages for admin keys: each tenant's limits, and its usage per day as a chart.

Tenants are those with usage in the window, as ``GET /tenants`` lists them
(listing every tenant's settings is a table scan on AWS, which the service's
functions may not do); the limits are what applies to each (``tenant_view``,
as ``tenantlog tenants show``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tenantlog.console.charts import bar_chart
from tenantlog.console.pages import render
from tenantlog.core.tenants import TenantPolicy, TenantStore, TenantStoreUnavailable, tenant_view
from tenantlog.core.usage import UsageStore, UsageUnavailable, tenant_usage, tenants_usage
from tenantlog.core.validation import is_valid_tenant_id

DAYS = 30
UNAVAILABLE = "Usage or tenant settings do not answer; retry in a few seconds."


@dataclass(frozen=True, slots=True)
class TenantPages:
    tenants: TenantStore
    usage: UsageStore
    defaults: TenantPolicy
    clock: Callable[[], float] = time.time

    async def index(self, request: Request) -> Response:
        rows: list[dict[str, Any]] = []
        problem = None
        try:
            listed = await tenants_usage(self.usage, DAYS, self.clock())
            for totals in listed["tenants"]:
                tenant_id = totals["tenant_id"]
                view = tenant_view(self.defaults, tenant_id, await self.tenants.get(tenant_id))
                rows.append({"totals": totals, "effective": view["effective"]})
        except (UsageUnavailable, TenantStoreUnavailable):
            problem = UNAVAILABLE
        return render(
            request, "tenants.html", 503 if problem else 200, rows=rows, days=DAYS, problem=problem
        )

    async def show(self, request: Request) -> Response:
        tenant_id = request.path_params["tenant_id"]
        if not is_valid_tenant_id(tenant_id):
            return render(request, "missing.html", 400, tenant=None, problem="invalid tenant id")
        try:
            usage = await tenant_usage(self.usage, tenant_id, DAYS, self.clock())
            view = tenant_view(self.defaults, tenant_id, await self.tenants.get(tenant_id))
        except (UsageUnavailable, TenantStoreUnavailable):
            return render(request, "missing.html", 503, tenant=None, problem=UNAVAILABLE)
        days = usage["days"]
        chart = bar_chart([(day["day"], day["accepted_logs"]) for day in days])
        return render(
            request,
            "tenant.html",
            tenant=tenant_id,
            view=view,
            days=days,
            chart=chart,
            window=DAYS,
        )
