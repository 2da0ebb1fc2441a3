"""The ingest Lambda: the local server's ASGI app behind API Gateway's HTTP API (payload v2).

Mangum translates the event into an ASGI request and the response back. The
settings, backends and app are built once per container, on the first
invocation, and kept: SQS clients and their connections are reused while the
container lives. Mangum's lifespan is off because ``create_app`` takes
backends that are already open and has no start-up work of its own; with it
on, Mangum would run start-up and shut-down around every single request.
"""

from __future__ import annotations

from typing import Any

from mangum import Mangum

from tenantlog.aws import runtime
from tenantlog.backends import open_backends
from tenantlog.http.app import create_app
from tenantlog.settings import load_settings

_adapter: Mangum | None = None


def _build() -> Mangum:
    settings = load_settings()
    backends = runtime.run(open_backends(settings))
    runtime.use_loop()  # before Mangum, which otherwise makes (and warns about) a loop of its own
    return Mangum(create_app(settings, backends), lifespan="off")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _adapter
    if _adapter is None:
        _adapter = _build()
    runtime.use_loop()
    response: dict[str, Any] = _adapter(event, context)
    return response
