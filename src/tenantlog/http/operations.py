"""Liveness, readiness, metrics and the API's own documentation."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import orjson
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from tenantlog import metrics
from tenantlog.core.audit import MAX_AUDIT_PAGE, AuditLog, AuditUnavailable
from tenantlog.core.cursor import InvalidCursor
from tenantlog.core.queue import Queue, QueueStats, QueueUnavailable
from tenantlog.core.store import Store, StoreUnavailable
from tenantlog.http.params import Refused, positive_int
from tenantlog.http.responses import JSON, error

SWAGGER_UI = """<!doctype html>
<html><head><title>tenantlog API</title><meta charset="utf-8">
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css">
</head><body><div id="ui"></div>
<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "openapi.json", dom_id: "#ui"});</script>
</body></html>"""


@cache
def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document; tests check the live server against it.

    openapi.yaml is the one people edit; openapi.json is generated from it
    (``python packaging/openapi_json.py``, a test holds the two equal) so that
    serving the document needs no YAML parser at run time, nor in the Lambda zip.
    """
    data = resources.files("tenantlog.http").joinpath("openapi.json").read_bytes()
    document: dict[str, Any] = orjson.loads(data)
    return document


@dataclass(frozen=True, slots=True)
class Operations:
    queue: Queue
    store: Store
    audit: AuditLog

    async def healthz(self, request: Request) -> Response:
        return JSON({"status": "ok"})

    async def readyz(self, request: Request) -> Response:
        """Names the component that is not ready, never the reason: the route is open, and
        exception text carries URLs, ARNs and paths."""
        try:
            stats = await self.queue.stats()
        except QueueUnavailable:
            return error(503, "not ready: queue")
        try:
            await self.store.ping()
        except StoreUnavailable:
            return error(503, "not ready: store")
        return JSON({"status": "ready", "queue_depth": stats.depth})

    async def audit_trail(self, request: Request) -> Response:
        """The audit trail, newest first (admin keys only: the policy seam checks)."""
        try:
            limit = positive_int(request.query_params, "limit", 100, MAX_AUDIT_PAGE)
        except Refused as refused:
            return refused.response()
        try:
            page = await self.audit.list(limit, request.query_params.get("cursor"))
        except InvalidCursor:
            return error(400, "invalid cursor")
        except AuditUnavailable:
            return error(503, "audit trail unavailable", {"Retry-After": "5"})
        events = [e.to_dict() for e in page.events]
        return JSON({"items": events, "next_cursor": page.next_cursor})

    async def metrics(self, request: Request) -> Response:
        """Counters and histograms of every local process (whichever API process answers),
        and the queue's counts read now by this one, so they are never added up."""
        stats: QueueStats | None
        try:
            stats = await self.queue.stats()
        except QueueUnavailable:
            stats = None  # the counters are still worth serving
        # In the shared mode rendering reads one file per process: off the event loop.
        body = await asyncio.to_thread(metrics.exposition, stats)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    async def openapi(self, request: Request) -> Response:
        return JSON(openapi_document())

    async def docs(self, request: Request) -> Response:
        return HTMLResponse(SWAGGER_UI)
