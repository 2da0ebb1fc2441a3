"""Liveness, readiness, metrics and the API's own documentation.

``/docs`` is Swagger UI from files shipped in the package
(static/swagger-ui/, its README names the version and source), so it works
with no network access. Its page loads nothing but those files and
/openapi.json, runs no inline script, and says so in a Content-Security-Policy
that forbids every other origin.
"""

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
from tenantlog.http.responses import JSON, STRICT_CONTENT_SECURITY_POLICY, error

SWAGGER_UI_FILES = resources.files("tenantlog.http").joinpath("static", "swagger-ui")
#: The files /docs/assets/{name} serves, and their types; any other name is a 404.
DOCS_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "init.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
#: Swagger UI needs nothing beyond its own files: styles from its stylesheet, images from
#: it as data: URIs (its icons), the document fetched from this origin. Swagger UI sets
#: element styles from its script (CSSOM, which style-src does not govern), so no
#: 'unsafe-inline' is needed: the console's strict policy serves.
DOCS_POLICY = STRICT_CONTENT_SECURITY_POLICY
#: The assets' URLs carry the version, so a year's caching never serves an old file.
ASSET_CACHE = "public, max-age=31536000, immutable"
NO_SNIFF = {"X-Content-Type-Options": "nosniff"}
DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tenantlog API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" type="image/png" href="docs/assets/favicon-32x32.png?v={version}">
<link rel="stylesheet" href="docs/assets/swagger-ui.css?v={version}">
</head><body><div id="ui"></div>
<script src="docs/assets/swagger-ui-bundle.js?v={version}"></script>
<script src="docs/assets/init.js?v={version}"></script>
</body></html>"""


@cache
def docs_page() -> str:
    """The /docs page, its asset URLs naming the vendored Swagger UI's version."""
    version = SWAGGER_UI_FILES.joinpath("VERSION").read_text().strip()
    return DOCS_PAGE.format(version=version)


@cache
def docs_asset(name: str) -> bytes:
    """One of DOCS_ASSETS, read once per process (only when /docs is used)."""
    return SWAGGER_UI_FILES.joinpath(name).read_bytes()


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
        return HTMLResponse(
            docs_page(), headers={"Content-Security-Policy": DOCS_POLICY, **NO_SNIFF}
        )

    async def docs_asset(self, request: Request) -> Response:
        name = request.path_params["name"]
        media_type = DOCS_ASSETS.get(name)
        if media_type is None:
            return error(404, "not found")
        headers = {"Cache-Control": ASSET_CACHE, **NO_SNIFF}
        return Response(docs_asset(name), media_type=media_type, headers=headers)
