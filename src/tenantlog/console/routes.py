"""The console at ``/console``, mounted by tenantlog.http.app with one entry.

The pages, and Jinja2 with them, are imported on the first console request
rather than at start-up, as the agents' parsers are (tenantlog.http.agents):
a Lambda behind API Gateway never serves the console, and would otherwise
pay for them at every cold start.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from tenantlog.backends import Backends
from tenantlog.console.headers import SecureHeaders
from tenantlog.http.reads import Reads
from tenantlog.settings import Settings


def mount(settings: Settings, backends: Backends, reads: Reads) -> Mount:
    def build() -> ASGIApp:
        from tenantlog.console.router import router

        return router(settings, backends, reads)

    return Mount("/console", app=SecureHeaders(OnFirstRequest(build)))


class OnFirstRequest:
    """The app ``build`` makes, made when the first request comes."""

    def __init__(self, build: Callable[[], ASGIApp]) -> None:
        self._build = build
        self._app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None:
            self._app = self._build()
        await self._app(scope, receive, send)
