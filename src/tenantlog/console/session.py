"""Signing in and out: an API key exchanged for a session cookie, and the cookie cleared.

The request-policy seam has verified the key of a sign-in (the form's
``api_key`` field, under the same failure throttle as headers) before the
handler runs; the handler only sets the cookie. The cookie holds the key's
secret itself, so a session is exactly as good as the key: revoking or
expiring the key ends every session within the key cache's bound, with no
session store to keep in step across processes or Lambdas.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tenantlog.console.pages import render
from tenantlog.core.identity import ANONYMOUS
from tenantlog.http.auth import KEY_FIELD, SESSION_COOKIE
from tenantlog.http.params import Refused, form_body
from tenantlog.http.policy import CONSOLE, PRINCIPAL, SIGN_IN, ClientAddress

#: How long a browser keeps the cookie: a working day, as consoles of this kind do; the
#: key's own expiry and revocation still end the session sooner.
SESSION_SECONDS = 8 * 3600
HOME = CONSOLE + "/"
REASONS = {
    "signed-out": "Sign in to continue.",
    "invalid": "That key is not valid: unknown, revoked or expired.",
    "throttled": "Too many failed attempts from this address; wait a minute and try again.",
    "ended": "You are signed out.",
}


def destination(requested: str | None) -> str:
    """Where to go after signing in: a console page asked for, never another site."""
    if requested is None or requested.startswith(SIGN_IN):
        return HOME
    if requested == CONSOLE or requested.startswith((CONSOLE + "/", CONSOLE + "?")):
        return requested
    return HOME


@dataclass(frozen=True, slots=True)
class Session:
    addresses: ClientAddress

    async def form(self, request: Request) -> Response:
        if request.scope.get(PRINCIPAL) is ANONYMOUS:  # authentication is off
            return RedirectResponse(HOME, 303)
        reason = REASONS.get(request.query_params.get("reason", ""))
        then = destination(request.query_params.get("next"))
        return render(request, "sign_in.html", reason=reason, then=then)

    async def sign_in(self, request: Request) -> Response:
        """Reached only with a valid key in the form (the seam redirects any other)."""
        try:
            form = await form_body(request)
        except Refused as refused:
            return refused.response()
        fields = {name: values[0] for name, values in form.items()}
        answer = RedirectResponse(destination(fields.get("next")), 303)
        if request.scope.get(PRINCIPAL) is not ANONYMOUS:
            answer.set_cookie(
                SESSION_COOKIE,
                fields[KEY_FIELD].strip(),
                max_age=SESSION_SECONDS,
                path="/",
                secure=self._over_tls(request),
                httponly=True,
                samesite="strict",
            )
        return answer

    async def sign_out(self, request: Request) -> Response:
        if request.scope.get(PRINCIPAL) is ANONYMOUS:
            return RedirectResponse(HOME, 303)
        answer = RedirectResponse(f"{SIGN_IN}?reason=ended", 303)
        answer.delete_cookie(
            SESSION_COOKIE,
            path="/",
            secure=self._over_tls(request),
            httponly=True,
            samesite="strict",
        )
        return answer

    def _over_tls(self, request: Request) -> bool:
        return self.addresses.over_tls(request.scope, request.headers.get("x-forwarded-proto"))
