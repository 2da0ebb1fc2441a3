"""The ASGI app: the same object runs under uvicorn and, on Lambda, under Mangum."""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tenantlog import metrics
from tenantlog.backends import Backends, open_backends
from tenantlog.core.models import utc_now
from tenantlog.core.rare_warnings import RareWarnings
from tenantlog.core.ratelimit import RateLimiter, RateLimitUnavailable
from tenantlog.core.tenant_policies import TenantPolicies
from tenantlog.http import agents, ingest
from tenantlog.http.admin_keys import KeyRoutes
from tenantlog.http.admin_queue import QueueRoutes
from tenantlog.http.admission import Admission
from tenantlog.http.auth import Authenticator, FailureThrottle
from tenantlog.http.backpressure import Backpressure
from tenantlog.http.erasure import Erasures
from tenantlog.http.operations import Operations
from tenantlog.http.policy import ClientAddress, RequestPolicy, route_label
from tenantlog.http.reads import Reads
from tenantlog.http.responses import error
from tenantlog.http.tail import Tails
from tenantlog.http.tenant_settings import TenantSettingsRoutes
from tenantlog.http.usage import Usage
from tenantlog.process import freeze_startup_heap
from tenantlog.settings import Settings, load_settings

log = logging.getLogger("tenantlog")


def create_app(
    settings: Settings, backends: Backends, *, behind_api_gateway: bool = False
) -> ASGIApp:
    """The app over already-open backends (the caller owns and closes them)."""
    limits = settings.limits()
    policies = TenantPolicies(backends.tenants, settings.tenant_defaults())
    admission = Admission(
        backends.queue,
        Backpressure(backends.queue, settings.max_queue_depth),
        backends.idempotency,
        settings.idempotency_window,
        RateLimiter(backends.buckets, on_unavailable=_rate_limits_not_enforced(RareWarnings(log))),
        policies.policy,
        backends.usage,
    )
    ingest_app = ingest.IngestApp(limits, admission)
    reads = Reads(backends.store, backends.audit, settings.max_page_bytes)
    tails = Tails(backends.store, backends.audit)
    ops = Operations(backends.queue, backends.store, backends.audit)
    usage = Usage(backends.usage.store)
    tenant_settings = TenantSettingsRoutes(
        backends.tenants, backends.audit, settings.tenant_defaults()
    )
    erasures = Erasures(backends.store, backends.queue, backends.audit)
    keys = KeyRoutes(backends.keys, backends.audit)
    queue = QueueRoutes(backends.queue, backends.audit, policies.policy)
    routes: list[BaseRoute] = [
        Route("/tenants/{tenant_id}/logs", reads.list_logs, methods=["GET"]),
        Route("/tenants/{tenant_id}/logs", erasures.erase_tenant, methods=["DELETE"]),
        # Before the log id route, which would take "tail" for a log id.
        Route("/tenants/{tenant_id}/logs/tail", tails.tail, methods=["GET"]),
        Route("/tenants/{tenant_id}/logs/{log_id:path}", reads.get_log, methods=["GET"]),
        Route("/tenants/{tenant_id}/logs/{log_id:path}", erasures.delete_log, methods=["DELETE"]),
        Route("/tenants/{tenant_id}/erasures/{erasure_id}", erasures.get_erasure, methods=["GET"]),
        Route("/tenants/{tenant_id}/usage", usage.tenant, methods=["GET"]),
        Route("/tenants/{tenant_id}/settings", tenant_settings.show, methods=["GET"]),
        Route("/tenants/{tenant_id}/settings", tenant_settings.change, methods=["PATCH"]),
        Route("/tenants", usage.tenants, methods=["GET"]),
        Route("/keys", keys.list_keys, methods=["GET"]),
        Route("/keys", keys.create, methods=["POST"]),
        Route("/keys/{key_id}", keys.revoke, methods=["DELETE"]),
        Route("/queue", queue.counts, methods=["GET"]),
        Route("/dead-letters", queue.list_dead_letters, methods=["GET"]),
        Route("/dead-letters", queue.purge, methods=["DELETE"]),
        Route("/dead-letters/redrive", queue.redrive, methods=["POST"]),
        Route("/healthz", ops.healthz, methods=["GET"]),
        Route("/readyz", ops.readyz, methods=["GET"]),
        Route("/metrics", ops.metrics, methods=["GET"]),
        Route("/audit", ops.audit_trail, methods=["GET"]),
        Route("/openapi.json", ops.openapi, methods=["GET"]),
    ]
    if not behind_api_gateway:
        routes += _pages(settings, backends, reads, ops)
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
    )
    authenticator = None
    if settings.auth_enabled(behind_api_gateway=behind_api_gateway):
        authenticator = Authenticator(backends.keys, cache_seconds=settings.key_cache_seconds)
    return RequestPolicy(
        IngestFirst(ingest_app, agents.AgentApp(limits, admission), CountRequests(app)),
        authenticator,
        throttle=FailureThrottle(settings.auth_failure_limit),
        addresses=ClientAddress(settings.trusted_proxies),
        allowed_hosts=None if behind_api_gateway else settings.allowed_hosts,
    )


def _pages(
    settings: Settings, backends: Backends, reads: Reads, ops: Operations
) -> list[BaseRoute]:
    """What people open in a browser: Swagger UI at /docs and the console.

    Served by ``tenantlog serve`` and ``api``, not behind API Gateway, which
    routes neither: the Lambda zip leaves their assets (and Jinja2) out, which
    keeps it within 10 MB with bytecode, and the console's live tail needs a
    stream Lambda does not give (docs/aws.md).
    """
    from tenantlog.console.routes import mount as console

    return [
        Route("/docs", ops.docs, methods=["GET"]),
        Route("/docs/assets/{name}", ops.docs_asset, methods=["GET"]),
        console(settings, backends, reads),
    ]


class IngestFirst:
    """Sends ``/ingest`` and the agents' routes straight to their ASGI apps (which count
    their own answers) and everything else to the router."""

    def __init__(self, ingest_app: ASGIApp, agent_app: ASGIApp, router: ASGIApp) -> None:
        self.ingest_app = ingest_app
        self.agent_app = agent_app
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if path == ingest.PATH:
                await self.ingest_app(scope, receive, send)
                return
            if path in agents.PATHS:
                await self.agent_app(scope, receive, send)
                return
        await self.router(scope, receive, send)


class UnsafeStart(Exception):
    """Serving as configured would leave the service open, or unusable, beyond this machine."""


async def check_reachable_auth(settings: Settings, backends: Backends) -> None:
    """Refuse to listen beyond loopback with authentication merely defaulted and no key to use.

    Unset ``TENANTLOG_AUTH`` on a non-loopback address means keys; with no key
    in the store nobody could use the service, and the likely mistake is a
    first start that expected the loopback behaviour. Say what to do instead.
    """
    if settings.auth is not None or not settings.auth_enabled():
        return
    now = utc_now()
    if any(key.state(now) == "active" for key in await backends.keys.list()):
        return
    raise UnsafeStart(
        f"TENANTLOG_HOST={settings.host} is reachable beyond this machine, so authentication"
        " is on (TENANTLOG_AUTH unset means keys there), and no API key exists yet. Create one"
        " with `tenantlog keys create TENANT --scope admin`, or set TENANTLOG_AUTH=off"
        " explicitly to serve without authentication."
    )


def app_from_environment() -> ASGIApp:
    """An app that opens its own backends from the environment (``tenantlog api`` workers)."""
    return SelfOpeningApp(load_settings())


class SelfOpeningApp:
    """Opens the backends at ASGI lifespan start-up and closes them at shutdown.

    Used where the server, not tenantlog, creates the app: uvicorn's worker
    processes import it by name, each opening its own connections. Their
    parent has already run ``check_reachable_auth`` once for all of them.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            assert self._app is not None, "the server must run the ASGI lifespan"
            await self._app(scope, receive, send)
            return
        await receive()  # lifespan.startup
        try:
            backends = await open_backends(self._settings)
        except Exception as exc:
            await send({"type": "lifespan.startup.failed", "message": str(exc)})
            return
        self._app = create_app(self._settings, backends)
        freeze_startup_heap()
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        await backends.close()
        await send({"type": "lifespan.shutdown.complete"})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {404: "not found", 405: "method not allowed"}.get(exc.status_code, exc.detail)
    return error(exc.status_code, message, dict(exc.headers or {}))


async def _internal_error(request: Request, exc: Exception) -> Response:
    return error(500, "internal error")


class CountRequests:
    """Counts answers by route and status without touching bodies (pure ASGI: cheap)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = route_label(scope["path"])

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                metrics.answered(route, message["status"]).inc()
            await send(message)

        await self.app(scope, receive, counting_send)


def _rate_limits_not_enforced(warnings: RareWarnings) -> Callable[[RateLimitUnavailable], None]:
    """Says that the shared rate-limit buckets are unreachable (requests are admitted
    meanwhile), without a line per request."""
    return lambda exc: warnings.warning("buckets", "rate limits not enforced: %s", exc)
