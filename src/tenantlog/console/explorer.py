"""The log explorer: a tenant's logs newest first with filters, one record, and the live tail.

The pages read through tenantlog.http.reads, the JSON API's own search,
record and audit functions: the same filters, the same errors, and
``original_text`` only for keys with the ``audit`` scope, each view of it in
the audit trail first. Whether the caller may see the tenant at all was
decided by the request-policy seam before any of this runs.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tenantlog.console.pages import render
from tenantlog.core.models import LogRecord, epoch_seconds
from tenantlog.core.query import ATTRIBUTE_PREFIX
from tenantlog.core.usage import UsageStore, UsageUnavailable, tenants_usage
from tenantlog.core.validation import is_valid_log_id, is_valid_tenant_id
from tenantlog.http.params import Refused
from tenantlog.http.policy import principal_of
from tenantlog.http.reads import AUDIT_FIELDS, RECORD_FIELDS, Reads

PAGE_SIZE = 50
#: The severities offered as checkboxes (any other is still matched by the API).
SEVERITIES = ("trace", "debug", "info", "warn", "error", "fatal")
#: The console's own form fields, which are not the read API's parameter names.
_FORM_ONLY = ("attr",)
#: What the list and the live tail show: never the unredacted copies, which only the
#: record page shows (and audits) one at a time.
LIST_FIELDS = tuple(name for name in RECORD_FIELDS if name not in AUDIT_FIELDS)
#: Tenants offered to keys that may pick one: those active over this many days.
PICKER_DAYS = 30


def read_params(form: QueryParams) -> list[tuple[str, str]]:
    """The read API's query parameters for the explorer's form: empty fields dropped,
    ``attr`` (``key=value`` pairs, shell-quoted when a value has spaces) as ``attr.KEY``,
    newest first. Refused names a malformed ``attr``."""
    params = [(n, v) for n, v in form.multi_items() if v.strip() and n not in _FORM_ONLY]
    for text in form.getlist("attr"):
        try:
            pairs = shlex.split(text)
        except ValueError:
            raise Refused(400, "invalid attr: unbalanced quotes") from None
        for pair in pairs:
            name, equals, value = pair.partition("=")
            if not equals or not name:
                raise Refused(400, f"invalid attr: {pair!r} is not key=value")
            params.append((ATTRIBUTE_PREFIX + name, value))
    return [(n, v) for n, v in params if n not in ("order", "limit", "fields")] + [
        ("order", "desc"),
        ("limit", str(PAGE_SIZE)),
    ]


def processing_seconds(record: LogRecord) -> float | None:
    """From receipt to storage, the pipeline's latency for this record."""
    try:
        return max(0.0, epoch_seconds(record.processed_at) - epoch_seconds(record.received_at))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Explorer:
    reads: Reads
    usage: UsageStore
    clock: Callable[[], float] = time.time

    async def home(self, request: Request) -> Response:
        """A key of one tenant goes to its logs; one that may read any tenant picks one."""
        principal = principal_of(request.scope)
        chosen = request.query_params.get("tenant", "").strip()
        if not principal.every_tenant and principal.tenant_id is not None:
            chosen = principal.tenant_id
        if chosen and is_valid_tenant_id(chosen):
            return RedirectResponse(f"/console/tenants/{quote(chosen, safe='')}/logs", 303)
        try:
            listed = await tenants_usage(self.usage, PICKER_DAYS, self.clock())
            tenants = [row["tenant_id"] for row in listed["tenants"]]
        except UsageUnavailable:
            tenants = []
        problem = "invalid tenant id" if chosen else None
        return render(request, "home.html", tenants=tenants, problem=problem, days=PICKER_DAYS)

    async def logs(self, request: Request) -> Response:
        tenant_id = request.path_params["tenant_id"]
        if not is_valid_tenant_id(tenant_id):
            return _invalid_tenant(request)
        form = request.query_params
        records: list[LogRecord] = []
        next_cursor = problem = None
        status = 200
        try:
            found = await self.reads.search(tenant_id, QueryParams(read_params(form)), LIST_FIELDS)
            records, next_cursor = found.records, found.next_cursor
        except Refused as refused:
            problem, status = str(refused), refused.status
        return render(
            request,
            "logs.html",
            status,
            tenant=tenant_id,
            records=records,
            next_cursor=next_cursor,
            problem=problem,
            form=form,
            severities=SEVERITIES,
        )

    async def record(self, request: Request) -> Response:
        tenant_id = request.path_params["tenant_id"]
        log_id = request.path_params["log_id"]
        principal = principal_of(request.scope)
        if not is_valid_tenant_id(tenant_id):
            return _invalid_tenant(request)
        if not is_valid_log_id(log_id):
            return render(request, "missing.html", 400, tenant=tenant_id, problem="invalid log id")
        shown = RECORD_FIELDS if principal.sees_original_text else LIST_FIELDS
        try:
            found = await self.reads.fetch(tenant_id, log_id)
            if found is not None:
                await self.reads.audited(principal, tenant_id, [found], shown)
        except Refused as refused:
            return render(
                request, "missing.html", refused.status, tenant=tenant_id, problem=str(refused)
            )
        if found is None:
            return render(request, "missing.html", 404, tenant=tenant_id, problem="log not found")
        return render(
            request,
            "record.html",
            tenant=tenant_id,
            record=found,
            processing=processing_seconds(found),
            sees_original=principal.sees_original_text,
        )

    async def tail(self, request: Request) -> Response:
        """The live tail page; the browser follows the JSON API's event stream itself."""
        tenant_id = request.path_params["tenant_id"]
        if not is_valid_tenant_id(tenant_id):
            return _invalid_tenant(request)
        form = request.query_params
        filters = [(n, v) for n, v in form.multi_items() if n in ("q", "severity") and v.strip()]
        stream = f"/tenants/{quote(tenant_id, safe='')}/logs/tail?" + urlencode(
            [*filters, ("fields", ",".join(LIST_FIELDS))]
        )
        return render(
            request,
            "tail.html",
            tenant=tenant_id,
            stream=stream,
            form=form,
            severities=SEVERITIES,
        )


def _invalid_tenant(request: Request) -> Response:
    return render(request, "missing.html", 400, tenant=None, problem="invalid tenant id in path")
