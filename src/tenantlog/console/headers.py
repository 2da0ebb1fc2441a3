"""The security headers of every console answer.

The Content-Security-Policy allows scripts, styles and connections to this
origin only and no inline script or style at all, so a log text that slipped
past escaping still could not run; the pages hold no inline scripts or
handlers, which is what lets the policy be this strict.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tenantlog.http.responses import STRICT_CONTENT_SECURITY_POLICY

_ALWAYS = [
    (b"content-security-policy", STRICT_CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
#: Pages show tenants' logs: no cache may keep them. Static files set their own.
_NO_STORE = (b"cache-control", b"no-store")


class SecureHeaders:
    """Adds the headers to every answer of the wrapped app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name == b"cache-control" for name, _ in headers):
                    headers.append(_NO_STORE)
                message = {**message, "headers": headers + _ALWAYS}
            await send(message)

        await self.app(scope, receive, with_headers)
