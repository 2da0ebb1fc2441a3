"""The ingest Lambda: the local server's ASGI app behind API Gateway's HTTP API (payload v2).

Mangum translates the event into an ASGI request and the response back. The
settings, backends and app are built once per container, on the first
invocation, and kept: SQS clients and their connections are reused while the
container lives. Mangum's lifespan is off because ``create_app`` takes
backends that are already open and has no start-up work of its own; with it
on, Mangum would run start-up and shut-down around every single request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from mangum import Mangum

from tenantlog.backends import open_backends
from tenantlog.http.app import create_app
from tenantlog.lambdas import runtime
from tenantlog.settings import Settings, load_settings

if TYPE_CHECKING:
    from mangum.types import ASGI


class IngestFunction:
    """The app of one container over its backends."""

    def __init__(self, settings: Settings) -> None:
        self.backends = runtime.run(open_backends(settings))
        self.backends.usage.flush_when_asked()  # at the end of an invocation, never frozen halfway
        runtime.use_loop()  # before Mangum, which otherwise makes (and warns about) its own
        # API Gateway makes the function reachable from anywhere: keys unless set to off.
        app = create_app(settings, self.backends, behind_api_gateway=True)
        # Starlette's ASGIApp returns an Awaitable where Mangum's protocol says Coroutine.
        self._adapter = Mangum(cast("ASGI", app), lifespan="off")

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        runtime.use_loop()
        response: dict[str, Any] = self._adapter(event, context)
        # Usage counts, before the container may be frozen for good: written now if the
        # last flush is TENANTLOG_USAGE_FLUSH_SECONDS old, so not one write per request.
        runtime.run(self.backends.usage.flush_if_due())
        return response

    def close(self) -> None:
        """Lambda never calls it (a container is frozen, then dropped); tests and tools do."""
        runtime.run(self.backends.close())


_current: IngestFunction | None = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _current
    if _current is None:
        _current = IngestFunction(load_settings())
    return _current(event, context)
