"""Verifying API keys fast: the secret from the request, a short-lived cache, failure throttling.

Every request that takes or returns logs is verified, so the hot path must
not call the key store: verified keys are cached per process for
``cache_seconds`` (at most 10), which is therefore the bound on how long a
revoked key keeps working. Expiry is checked on every request, cached or not.

A browser presents the same secret in the console's session cookie, or in
the sign-in form's field; state-changing requests by cookie carry a CSRF
token derived from the secret (docs/console.md).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import parse_qs

from starlette.types import Message, Receive, Scope

from tenantlog.core.identity import Principal
from tenantlog.core.keys import ApiKey, KeyStore, KeyStoreUnavailable, key_id_of
from tenantlog.core.models import utc_now
from tenantlog.protocols.entries import media_type

log = logging.getLogger(__name__)

Failure = Literal["missing", "malformed", "unknown", "revoked", "expired"]
#: How often a key's last-used time is written back, at most (it is a hint, not a log).
TOUCH_EVERY = 60.0
#: Unknown key ids remembered at once; a flood of random ids only recycles this space.
MAX_CACHED = 10_000


def presented_secret(authorization: str | None, api_key: str | None) -> str | Failure:
    """The secret of ``Authorization: Bearer``, ``Basic`` (the password) or ``X-API-Key``.

    Basic is what Loki clients (Promtail, Alloy, Vector, Fluent Bit) send; its
    user name is ignored, because the key alone names the tenant.
    """
    if authorization is not None:
        scheme, _, value = authorization.strip().partition(" ")
        scheme = scheme.lower()
        if scheme == "bearer":
            return value.strip() or "malformed"
        if scheme == "basic":
            try:
                decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return "malformed"
            _, colon, password = decoded.partition(":")
            return password if colon and password else "malformed"
        return "malformed"
    if api_key is not None:
        return api_key.strip() or "malformed"
    return "missing"


#: The console's session cookie: it carries the key's secret itself (docs/console.md), so a
#: session is verified, cached and revoked exactly as a header carrying the same key.
SESSION_COOKIE = "tenantlog_session"
_CSRF_PURPOSE = b"tenantlog console CSRF token v1"


def session_secret(cookie_header: str | None) -> str | None:
    """The secret in the session cookie of a ``Cookie`` header, None without one."""
    if cookie_header is None:
        return None
    for pair in cookie_header.split(";"):
        name, equals, value = pair.strip().partition("=")
        if equals and name == SESSION_COOKIE:
            return value.strip().strip('"')
    return None


def csrf_token(secret: str) -> str:
    """The CSRF token of a session: an HMAC of a fixed purpose keyed with the key's secret.

    Nothing is stored, so every process (and every Lambda) checks it alike; a
    page that cannot read the HttpOnly cookie cannot compute it, and the token
    does not reveal the secret.
    """
    return hmac.new(secret.encode(), _CSRF_PURPOSE, hashlib.sha256).hexdigest()


def csrf_matches(secret: str, presented: str | None) -> bool:
    if presented is None:
        return False
    return hmac.compare_digest(csrf_token(secret).encode(), presented.encode("utf-8", "replace"))


#: How a browser presents the CSRF token: a header (scripts) or a form field (forms).
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
#: The sign-in form's field holding the API key.
KEY_FIELD = "api_key"
#: The largest form body read for a key or a CSRF token (both are short), and its fields.
MAX_FORM_BYTES = 16 * 1024
MAX_FORM_FIELDS = 50
#: Where ``read_form`` leaves the fields it parsed, in the request's state.
PARSED_FORM = "tenantlog.form"
Via = Literal["header", "cookie", "form"]


def presented_credential(
    headers: Mapping[str, str], form: Mapping[str, str], *, signing_in: bool
) -> tuple[str | Failure, Via]:
    """The presented secret and how it came. The sign-in form's key is the one asked
    about there; elsewhere a header wins over the session cookie, so API clients that
    also hold a cookie (a browser's fetch) are judged by what they chose to send."""
    if signing_in:
        return (form.get(KEY_FIELD, "").strip() or "missing"), "form"
    secret = presented_secret(headers.get("authorization"), headers.get("x-api-key"))
    if secret == "missing":
        cookie = session_secret(headers.get("cookie"))
        if cookie is not None:
            return (cookie or "malformed"), "cookie"
    return secret, "header"


def ended_session(via: Via) -> list[tuple[bytes, bytes]]:
    """Clears a session cookie whose key no longer works (revoked, expired), so the
    browser stops presenting it."""
    if via != "cookie":
        return []
    return [
        (b"set-cookie", f"{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict".encode())
    ]


async def read_form(scope: Scope, receive: Receive) -> tuple[dict[str, str], Receive]:
    """The fields of a small urlencoded form body, and a ``receive`` that gives the route
    the same body. Reading stops past MAX_FORM_BYTES (the rest streams on to the route
    unread here), and a body that large, or of another type, yields no fields."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more and size <= MAX_FORM_BYTES:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        more = message.get("more_body", False)
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    if more or size > MAX_FORM_BYTES or content_type(scope) != "application/x-www-form-urlencoded":
        return {}, replay
    fields = form_fields(body)
    # Kept for the route (``params.form_body``), which then need not parse the body again.
    scope.setdefault("state", {})[PARSED_FORM] = fields
    return {name: values[0] for name, values in fields.items()}, replay


def form_fields(body: bytes) -> dict[str, list[str]]:
    """A urlencoded form's fields, each with its values; nothing for a form of more than
    MAX_FORM_FIELDS fields (the console's forms have a handful)."""
    try:
        return parse_qs(body.decode("utf-8", "replace"), max_num_fields=MAX_FORM_FIELDS)
    except ValueError:
        return {}


def content_type(scope: Scope) -> str:
    """The request's media type, without parameters ("" without a Content-Type)."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            return media_type(value.decode("latin-1"))
    return ""


@dataclass(frozen=True, slots=True)
class _Cached:
    """A key as fetched, with what every request needs from it computed once."""

    key: ApiKey | None
    fetched_at: float
    principal: Principal | None
    expires: float | None  # Unix seconds

    @classmethod
    def of(cls, key: ApiKey | None, fetched_at: float) -> _Cached:
        if key is None:
            return cls(None, fetched_at, None, None)
        expires = None
        if key.expires_at is not None:
            expires = datetime.fromisoformat(key.expires_at.replace("Z", "+00:00")).timestamp()
        return cls(key, fetched_at, Principal.of_key(key), expires)


class Authenticator:
    """Turns a presented secret into the Principal of its active key, or why it is refused."""

    def __init__(
        self,
        keys: KeyStore,
        *,
        cache_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._keys = keys
        self._ttl = cache_seconds
        self._clock = clock
        self._wall_clock = wall_clock
        self._cache: dict[str, _Cached] = {}
        self._loading: dict[str, asyncio.Future[_Cached]] = {}
        self._touched: dict[str, float] = {}
        self._background: set[asyncio.Task[None]] = set()

    async def verify(self, secret: str) -> Principal | Failure:
        """Raises KeyStoreUnavailable when the key is not cached and the store does not answer.

        This runs on every request, so it does only string work, one SHA-256 and
        a constant-time comparison (the cache is by key id: the secret is still checked).
        """
        key_id = key_id_of(secret)
        if key_id is None:
            return "malformed"
        entry = await self._entry(key_id)
        key = entry.key
        if key is None or not key.matches(secret):
            return "unknown"
        if key.revoked_at is not None:
            return "revoked"
        if entry.expires is not None and self._wall_clock() >= entry.expires:
            return "expired"
        self._touch(key_id)
        assert entry.principal is not None
        return entry.principal

    async def _entry(self, key_id: str) -> _Cached:
        cached = self._cache.get(key_id)
        if cached is not None and self._clock() - cached.fetched_at < self._ttl:
            return cached
        loading = self._loading.get(key_id)
        if loading is not None:  # one store call however many requests miss at once
            return await asyncio.shield(loading)
        future: asyncio.Future[_Cached] = asyncio.get_running_loop().create_future()
        self._loading[key_id] = future
        try:
            entry = _Cached.of(await self._keys.get(key_id), self._clock())
        except KeyStoreUnavailable as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, nobody else must log it
            raise
        finally:
            del self._loading[key_id]
        future.set_result(entry)
        if len(self._cache) >= MAX_CACHED:
            self._cache.clear()
        self._cache[key_id] = entry
        return entry

    def _touch(self, key_id: str) -> None:
        """Write the last-used time back in the background, at most once a minute per key."""
        moment = self._clock()
        if moment - self._touched.get(key_id, -TOUCH_EVERY) < TOUCH_EVERY:
            return
        if len(self._touched) >= MAX_CACHED:
            self._touched.clear()
        self._touched[key_id] = moment
        task = asyncio.create_task(self._write_touch(key_id, utc_now()))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _write_touch(self, key_id: str, now: str) -> None:
        try:
            await self._keys.touch(key_id, now)
        except KeyStoreUnavailable:
            log.warning("could not record the last use of key %s", key_id)


class FailureThrottle:
    """Refuses an address that failed authentication ``limit`` times in the current minute.

    A fixed one-minute window per address: cheap, and enough to turn online
    guessing (already hopeless against 190-bit secrets) into a trickle. 0 turns it off.
    """

    WINDOW = 60.0

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}

    def retry_after(self, address: str) -> int | None:
        """Seconds the address must wait, or None when it may try."""
        if self._limit == 0:
            return None
        window = self._windows.get(address)
        if window is None:
            return None
        started, failures = window
        elapsed = self._clock() - started
        if elapsed >= self.WINDOW:
            del self._windows[address]
            return None
        return max(1, math.ceil(self.WINDOW - elapsed)) if failures >= self._limit else None

    def failed(self, address: str) -> None:
        if self._limit == 0:
            return
        now = self._clock()
        started, failures = self._windows.get(address, (now, 0))
        if now - started >= self.WINDOW:
            started, failures = now, 0
        if len(self._windows) >= MAX_CACHED and address not in self._windows:
            self._forget_expired(now)
        self._windows[address] = (started, failures + 1)

    def _forget_expired(self, now: float) -> None:
        expired = [a for a, (s, _) in self._windows.items() if now - s >= self.WINDOW]
        for address in expired:
            del self._windows[address]
        if len(self._windows) >= MAX_CACHED:  # a flood of fresh addresses: start over
            self._windows.clear()
