"""The one request-policy seam (DESIGN §2a): who is calling, and may they use this route.

Every request passes through here before any route, the raw ``/ingest`` app
and the Starlette router alike, so identity, scopes and tenant checks are
decided once. The result, a Principal, travels in the ASGI scope under
``PRINCIPAL``; routes read it and never look at credentials themselves.

Pure ASGI rather than Starlette middleware: it sits on the ingest hot path.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from tenantlog import metrics
from tenantlog.core.identity import ANONYMOUS, Principal
from tenantlog.core.keys import KeyStoreUnavailable
from tenantlog.http.auth import (
    CSRF_FIELD,
    CSRF_HEADER,
    Authenticator,
    FailureThrottle,
    content_type,
    csrf_matches,
    csrf_token,
    ended_session,
    presented_credential,
    read_form,
    session_secret,
)
from tenantlog.http.responses import error_body, send_json
from tenantlog.settings import is_loopback_host

PRINCIPAL = "tenantlog.principal"
INVALID_KEY = "missing or invalid API key"
OPEN_PATHS = frozenset(("/healthz", "/readyz", "/docs", "/openapi.json"))
ADMIN_PATHS = frozenset(
    ("/metrics", "/audit", "/tenants", "/keys", "/queue", "/dead-letters", "/dead-letters/redrive")
)
#: /keys/{key_id}: one key, admin only like the list.
KEYS_PREFIX = "/keys/"
#: Swagger UI's files for /docs, open like the page itself (DOCS_ASSETS_PREFIX + name).
DOCS_ASSETS_PREFIX = "/docs/assets/"
#: Every route that takes logs: /ingest and the agents' protocols.
INGEST_PATHS = frozenset(("/ingest", "/v1/logs", "/loki/api/v1/push"))
#: The web console (tenantlog.console): its pages send browsers to sign in rather than 401.
CONSOLE = "/console"
SIGN_IN = "/console/sign-in"
#: The console pages anyone may load: the sign-in form and its static files.
CONSOLE_OPEN_PREFIXES = ("/console/static/",)
#: Under this scope key: the CSRF token of a request authenticated by the session cookie,
#: for the console's forms to carry.
CSRF = "tenantlog.csrf"
SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))


def principal_of(scope: Scope) -> Principal:
    """The caller the policy admitted (routes run only after it did)."""
    principal: Principal = scope[PRINCIPAL]
    return principal


@dataclass(frozen=True, slots=True)
class Rule:
    """What a route needs: a scope (None: any valid key) and, for tenant paths, the tenant."""

    scope: str | None
    tenant_id: str | None = None


def rule_for(method: str, path: str) -> Rule | None:
    """None for the open operations routes; unknown paths still need a valid key."""
    if path in OPEN_PATHS or path.startswith(DOCS_ASSETS_PREFIX):
        return None
    if is_console(path):
        return _console_rule(method, path)
    if path in INGEST_PATHS:
        return Rule("ingest")
    if path in ADMIN_PATHS or path.startswith(KEYS_PREFIX):
        return Rule("admin")
    if path.startswith("/tenants/"):
        tenant, _, rest = path[len("/tenants/") :].partition("/")
        if rest == "logs" or rest.startswith("logs/"):
            return Rule("delete" if method == "DELETE" else "read", tenant)
        if rest.startswith("erasures/"):
            return Rule("delete", tenant)
        if rest == "usage":
            return Rule("read", tenant)
        if rest == "settings":
            return Rule("admin")
    return Rule(None)


def _console_rule(method: str, path: str) -> Rule | None:
    """The console's pages need what the API routes showing the same data need."""
    if (path == SIGN_IN and method in SAFE_METHODS) or path.startswith(CONSOLE_OPEN_PREFIXES):
        return None
    if path.startswith("/console/tenants/"):
        return Rule("read", path[len("/console/tenants/") :].partition("/")[0])
    if path.startswith("/console/operations"):
        return Rule("admin")
    return Rule(None)


def is_console(path: str) -> bool:
    return path == CONSOLE or path.startswith(CONSOLE + "/")


class ClientAddress:
    """The client's address: the socket peer, or X-Forwarded-For behind a trusted proxy.

    The forwarded chain is read from the right, skipping trusted proxies, so a
    client cannot pick its address by sending the header itself.
    """

    def __init__(self, trusted_proxies: Sequence[str]) -> None:
        self._trusted = [ipaddress.ip_network(n, strict=False) for n in trusted_proxies]

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._trusted)

    def of(self, scope: Scope, forwarded_for: str | None) -> str:
        client = scope.get("client")
        peer = str(client[0]) if client else "unknown"
        if not self._trusted or forwarded_for is None or not self._is_trusted(peer):
            return peer
        for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
            if hop and not self._is_trusted(hop):
                return hop
        return peer

    def over_tls(self, scope: Scope, forwarded_proto: str | None) -> bool:
        """Whether the client's request came over TLS: to us, or to a trusted proxy that
        says so in ``X-Forwarded-Proto`` (the nearest proxy's word: the last value)."""
        if scope.get("scheme") == "https":
            return True
        client = scope.get("client")
        if forwarded_proto is None or not client or not self._is_trusted(str(client[0])):
            return False
        return forwarded_proto.rsplit(",", 1)[-1].strip().lower() == "https"


class RequestPolicy:
    """Admits a request with its Principal, or answers 401/403/404/429/503 itself."""

    def __init__(
        self,
        app: ASGIApp,
        authenticator: Authenticator | None,
        *,
        throttle: FailureThrottle,
        addresses: ClientAddress,
        allowed_hosts: Sequence[str] | None = (),
    ) -> None:
        """``authenticator`` None means authentication is off: everyone is ANONYMOUS, and only
        requests addressed to a loopback name or one of ``allowed_hosts`` are served (None:
        any host, for API Gateway, where DNS rebinding cannot reach a local service)."""
        self.app = app
        self._authenticator = authenticator
        self._throttle = throttle
        self._addresses = addresses
        self._any_host = allowed_hosts is None
        self._allowed_hosts = frozenset(h.lower() for h in allowed_hosts or ())
        self._host_verdicts: dict[str, bool] = {}  # Host header -> served (parsing IPs is slow)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        console = is_console(path)
        # A page of another site may make a visitor's browser post here: the console's
        # forms carry a session, and with authentication off any route changes state.
        if (
            (console or self._authenticator is None)
            and scope["method"] not in SAFE_METHODS
            and _cross_origin(scope)
        ):
            await self._refuse(scope, send, 403, "cross-origin request refused", [])
            return
        if self._authenticator is None:
            await self._without_keys(scope, receive, send, _host(scope))
            return
        headers = _wanted_headers(scope)
        rule = rule_for(scope["method"], path)
        if rule is None:  # the open operations routes read no tenant's data
            await self.app(scope, receive, send)
            return
        address = self._addresses.of(scope, headers.get("x-forwarded-for"))
        wait = self._throttle.retry_after(address)
        if wait is not None:
            metrics.AUTH_FAILURES.labels("throttled").inc()
            retry = [(b"retry-after", str(wait).encode())]
            if console:
                await self._to_sign_in(scope, send, "throttled", retry, None)
                return
            message = "too many failed authentication attempts; retry later"
            await self._refuse(scope, send, 429, message, retry)
            return
        form: dict[str, str] = {}
        if path == SIGN_IN or _needs_csrf_form(scope, headers):
            form, receive = await read_form(scope, receive)
        signing_in = path == SIGN_IN and scope["method"] == "POST"
        secret, via = presented_credential(headers, form, signing_in=signing_in)
        try:
            principal = (
                await self._authenticator.verify(secret) if secret not in _FAILURES else secret
            )
        except KeyStoreUnavailable:
            extra = [(b"retry-after", b"5")]
            await self._refuse(scope, send, 503, "key store unavailable; retry later", extra)
            return
        if isinstance(principal, str):
            metrics.AUTH_FAILURES.labels(principal).inc()
            if principal != "missing" or not console:  # a signed-out page view is no guess
                self._throttle.failed(address)
            if console:
                reason = "signed-out" if principal == "missing" else "invalid"
                await self._to_sign_in(scope, send, reason, ended_session(via), form.get("next"))
                return
            extra = [(b"www-authenticate", b'Bearer realm="tenantlog"')]
            await self._refuse(scope, send, 401, INVALID_KEY, extra)
            return
        if rule.scope is not None and not principal.allows(rule.scope):
            message = f"this API key lacks the '{rule.scope}' scope"
            await self._refuse(scope, send, 403, message, [])
            return
        if rule.tenant_id is not None and not principal.may_use(rule.tenant_id):
            await self._refuse(scope, send, 404, "not found", [])  # never disclose the tenant
            return
        if via == "cookie":
            presented = headers.get(CSRF_HEADER) or form.get(CSRF_FIELD)
            if scope["method"] not in SAFE_METHODS and not csrf_matches(secret, presented):
                await self._refuse(scope, send, 403, "missing or invalid CSRF token", [])
                return
            scope[CSRF] = csrf_token(secret)
        scope[PRINCIPAL] = principal
        await self.app(scope, receive, send)

    async def _without_keys(
        self, scope: Scope, receive: Receive, send: Send, host: str | None
    ) -> None:
        """Authentication off: refuse a foreign Host, so a web page cannot reach us (DNS
        rebinding makes a browser send a local request with the attacker's host name)."""
        if host is not None and not self._any_host and not self._serves_host(host):
            message = (
                f"Host '{_host_name(host)[:100]}' is not served: authentication is off, so"
                " only loopback names are (set TENANTLOG_AUTH=keys or TENANTLOG_ALLOWED_HOSTS)"
            )
            await self._refuse(scope, send, 403, message, [])
            return
        scope[PRINCIPAL] = ANONYMOUS
        await self.app(scope, receive, send)

    def _serves_host(self, host: str) -> bool:
        verdict = self._host_verdicts.get(host)
        if verdict is None:
            name = _host_name(host)
            verdict = is_loopback_host(name) or name in self._allowed_hosts
            if len(self._host_verdicts) >= 1000:  # arbitrary Host values must not grow it
                self._host_verdicts.clear()
            self._host_verdicts[host] = verdict
        return verdict

    async def _to_sign_in(
        self,
        scope: Scope,
        send: Send,
        reason: str,
        extra: list[tuple[bytes, bytes]],
        then: str | None,
    ) -> None:
        """A browser asking for a console page without a usable key goes to sign in (303),
        and comes back to the page afterwards (``then``, for a failed sign-in: where the
        form was to lead)."""
        target = scope["path"]
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        if target.startswith(SIGN_IN):
            target = then or CONSOLE
        location = f"{SIGN_IN}?reason={reason}&next={quote(target, safe='')}"
        headers = [(b"location", location.encode()), (b"cache-control", b"no-store"), *extra]
        await send({"type": "http.response.start", "status": 303, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        metrics.answered(route_label(scope["path"]), 303).inc()

    async def _refuse(
        self,
        scope: Scope,
        send: Send,
        status: int,
        message: str,
        extra: list[tuple[bytes, bytes]],
    ) -> None:
        await send_json(send, status, error_body(message), extra)
        metrics.answered(route_label(scope["path"]), status).inc()


_FAILURES = frozenset(("missing", "malformed"))
_WANTED = frozenset(
    (b"authorization", b"x-api-key", b"x-forwarded-for", b"cookie", b"x-csrf-token")
)


def _needs_csrf_form(scope: Scope, headers: dict[str, str]) -> bool:
    """A cookie-authenticated form post without the token header: the token is a field."""
    return (
        scope["method"] not in SAFE_METHODS
        and CSRF_HEADER not in headers
        and "authorization" not in headers
        and "x-api-key" not in headers
        and session_secret(headers.get("cookie")) is not None
        and content_type(scope) == "application/x-www-form-urlencoded"
    )


def _cross_origin(scope: Scope) -> bool:
    """Whether a browser says this request comes from a page of another origin (its
    ``Origin`` names another host). The console's forms change state, and with
    authentication off nothing else would stop another site from posting them."""
    origin: bytes | None = next((v for n, v in scope["headers"] if n == b"origin"), None)
    if origin is None:
        return False
    host = _host(scope) or ""
    return origin == b"null" or urlsplit(origin.decode("latin-1")).netloc.lower() != host.lower()


def _wanted_headers(scope: Scope) -> dict[str, str]:
    """The headers the policy reads (the first of each; ASGI names are lower-case)."""
    found: dict[str, str] = {}
    for name, value in scope["headers"]:
        if name in _WANTED:
            found.setdefault(name.decode(), value.decode("latin-1"))
    return found


def _host(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"host":
            return str(value.decode("latin-1"))
    return None


def _host_name(host: str) -> str:
    """The name of a Host header value, without its port (``[::1]:8000`` → ``::1``)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


_KNOWN = frozenset(
    (
        "/ingest",
        "/v1/logs",
        "/loki/api/v1/push",
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
        "/docs",
        "/audit",
        "/tenants",
        "/keys",
        "/queue",
        "/dead-letters",
        "/dead-letters/redrive",
    )
)


def route_label(path: str) -> str:
    """A bounded metric label for a path (never a tenant id or a log id)."""
    if path in _KNOWN:
        return path
    if path.startswith(KEYS_PREFIX):
        return "/keys/{key_id}"
    if path.startswith(DOCS_ASSETS_PREFIX):
        return "/docs/assets/{name}"
    if is_console(path):
        return CONSOLE
    if path.startswith("/tenants/") and path.count("/") == 3 and path.endswith("/usage"):
        return "/tenants/{tenant_id}/usage"
    if path.startswith("/tenants/") and path.count("/") == 3 and path.endswith("/settings"):
        return "/tenants/{tenant_id}/settings"
    if path.startswith("/tenants/") and path.split("/")[3:4] == ["erasures"]:
        return "/tenants/{tenant_id}/erasures/{erasure_id}"
    if path.startswith("/tenants/") and path.count("/") == 4 and path.endswith("/logs/tail"):
        return "/tenants/{tenant_id}/logs/tail"
    if path.startswith("/tenants/"):
        return (
            "/tenants/{tenant_id}/logs/{log_id}"
            if path.count("/") > 3
            else "/tenants/{tenant_id}/logs"
        )
    return "other"
