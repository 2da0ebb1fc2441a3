"""Liveness, readiness, metrics and the API's own documentation."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from tenantlog import metrics
from tenantlog.http.responses import JSON, error
from tenantlog.queue.base import Queue, QueueUnavailable
from tenantlog.store.base import Store, StoreUnavailable

SWAGGER_UI = """<!doctype html>
<html><head><title>tenantlog API</title><meta charset="utf-8">
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css">
</head><body><div id="ui"></div>
<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "openapi.json", dom_id: "#ui"});</script>
</body></html>"""


@cache
def openapi_document() -> dict[str, Any]:
    """The maintained spec file; tests check the live server against it."""
    text = resources.files("tenantlog.http").joinpath("openapi.yaml").read_text()
    document: dict[str, Any] = yaml.safe_load(text)
    return document


@dataclass(frozen=True, slots=True)
class Operations:
    queue: Queue
    store: Store

    async def healthz(self, request: Request) -> Response:
        return JSON({"status": "ok"})

    async def readyz(self, request: Request) -> Response:
        try:
            stats = await self.queue.stats()
            await self.store.ping()
        except (QueueUnavailable, StoreUnavailable) as exc:
            return error(503, f"not ready: {type(exc).__name__}: {exc}")
        return JSON({"status": "ready", "queue_depth": stats.depth})

    async def metrics(self, request: Request) -> Response:
        try:
            stats = await self.queue.stats()
        except QueueUnavailable:
            pass  # the counters are still worth serving
        else:
            metrics.QUEUE_VISIBLE.set(stats.visible)
            metrics.QUEUE_IN_FLIGHT.set(stats.in_flight)
            metrics.QUEUE_DEAD_LETTERS.set(stats.dead_letters)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    async def openapi(self, request: Request) -> Response:
        return JSON(openapi_document())

    async def docs(self, request: Request) -> Response:
        return HTMLResponse(SWAGGER_UI)
