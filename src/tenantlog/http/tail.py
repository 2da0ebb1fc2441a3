"""The live tail: ``GET /tenants/{t}/logs/tail``, a tenant's new logs as Server-Sent Events.

The store is polled (``Store.follow``) at a constant short interval rather
than woken by the worker: the worker may run in another process, and a poll
of a quiet tenant is one indexed range read. Each event is one record, with
its store position as ``id:``, so a client that reconnects with
``Last-Event-ID`` gets exactly the records it missed, none twice.

The records are those of the read API (tenantlog.http.reads): the same
filters, the same fields, and ``original_text`` only for the ``audit`` scope
and only once the audit trail holds the read. Filters that order or bound a
page (``since``, ``until``, ``order``, ``cursor``) are a 400 naming them: a
tail has no page and no end, and a past start is ``Last-Event-ID``'s.

The stream ends on its own when the client goes, and when the server shuts
down: uvicorn waits for open responses before it stops, so a tail that ran
on would hold every shutdown for its whole grace period. The server's
connection layer calls the function under ``STOP_STREAM`` in the request's
scope when it starts shutting down (tenantlog.http.connections).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from tenantlog.core.audit import AuditLog, AuditUnavailable
from tenantlog.core.identity import Principal
from tenantlog.core.models import LogRecord
from tenantlog.core.query import InvalidQuery, LogQuery, UnsupportedQuery, parse_query
from tenantlog.core.store import Followed, Store, StoreUnavailable
from tenantlog.core.validation import is_valid_tenant_id
from tenantlog.http.pacing import BATCH, POLL_SECONDS, may_pause
from tenantlog.http.params import Refused
from tenantlog.http.policy import principal_of
from tenantlog.http.reads import holds_original, original_read, shown_fields, visible
from tenantlog.http.responses import error
from tenantlog.http.scope_keys import STOP_STREAM

#: Seconds of silence after which a comment is sent, so that proxies keep the connection.
KEEP_ALIVE_SECONDS = 15.0
#: Parameters of the read API that a tail cannot honour.
NOT_FOR_A_TAIL = ("since", "until", "order", "cursor")
#: Positions are store sequence numbers, SQLite integers: at most 2**63 - 1, 19 digits.
_POSITION = re.compile(r"[0-9]{1,19}")
_MAX_POSITION = 2**63 - 1
KEEP_ALIVE = b": keep-alive\n\n"
_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),  # nginx would otherwise hold events back
]
UNSUPPORTED = (
    "the live tail needs the embedded deployment (tenantlog serve or tenantlog api): API"
    " Gateway buffers a Lambda's response and cuts it at 30 s; page the read API instead"
)


@dataclass(frozen=True, slots=True)
class Tails:
    store: Store
    audit: AuditLog
    #: Seconds between polls; tests shorten it.
    poll_seconds: float = POLL_SECONDS
    keep_alive_seconds: float = KEEP_ALIVE_SECONDS
    clock: Callable[[], float] = time.time

    async def tail(self, request: Request) -> Response:
        tenant_id = request.path_params["tenant_id"]
        if not is_valid_tenant_id(tenant_id):
            return error(400, "invalid tenant_id in path")
        params = request.query_params
        for name in NOT_FOR_A_TAIL:
            if name in params:
                return error(
                    400,
                    f"invalid {name}: a tail sends logs as they are stored, from now on or"
                    " after Last-Event-ID; page the read API for the past",
                )
        try:
            shown = shown_fields(request)
            query = parse_query(params.multi_items(), self.clock())
            after = last_event_id(request)
        except Refused as refused:
            return refused.response()
        except InvalidQuery as invalid:
            return error(400, str(invalid))
        try:  # before the 200: a backend that cannot follow is told now, as a status
            first = await self.store.follow(tenant_id, after, query, BATCH)
        except UnsupportedQuery as unsupported:
            if unsupported.name == "tail":
                return error(501, UNSUPPORTED)
            return error(400, str(unsupported))
        except StoreUnavailable:
            return error(503, "store unavailable", {"Retry-After": "5"})
        if request.method == "HEAD":  # the answer a GET would start with, and no stream
            return Response(headers={k.decode(): v.decode() for k, v in _HEADERS})
        follower = _Follower(
            self,
            principal_of(request.scope),
            tenant_id,
            query,
            shown,
            first.position if after is None else after,
        )
        return EventStream(lambda send, stop: follower.run(first, send, stop))


def last_event_id(request: Request) -> int | None:
    """Where the client resumes: the ``Last-Event-ID`` header (what EventSource sends), else
    ``last_event_id`` in the query for clients that cannot set headers; None: from now."""
    name, text = "Last-Event-ID", request.headers.get("last-event-id")
    if text is None:
        name, text = "last_event_id", request.query_params.get("last_event_id")
    if text is None:
        return None
    if not _POSITION.fullmatch(text) or int(text) > _MAX_POSITION:
        raise Refused(
            400, f"invalid {name}: give the id of the last event received, a whole number"
        )
    return int(text)


def event(position: int, record: LogRecord, shown: tuple[str, ...]) -> bytes:
    """One SSE event. orjson escapes line breaks inside strings, so ``data`` is one line."""
    return b"id: %d\ndata: %s\n\n" % (position, orjson.dumps(visible(record, shown)))


@dataclass(slots=True)
class _Follower:
    """One open tail: where it is, and what it sends."""

    tails: Tails
    principal: Principal
    tenant_id: str
    query: LogQuery
    shown: tuple[str, ...]
    position: int

    async def run(self, first: Followed, send: Send, stop: asyncio.Event) -> None:
        quiet_since = time.monotonic()
        followed: Followed | None = first
        while not stop.is_set():
            if followed is not None:
                if followed.records:
                    if not await self._send(followed.records, send):
                        return
                    quiet_since = time.monotonic()
                moved, self.position = followed.position != self.position, followed.position
                if moved and not await may_pause(self.tails.store, self.tenant_id, followed):
                    followed = await self._poll()
                    continue
            if time.monotonic() - quiet_since >= self.tails.keep_alive_seconds:
                await send({"type": "http.response.body", "body": KEEP_ALIVE, "more_body": True})
                quiet_since = time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.tails.poll_seconds)
            if not stop.is_set():
                followed = await self._poll()

    async def _poll(self) -> Followed | None:
        """The next records, or None while the store is unreachable (the tail waits for it:
        its position is kept, so nothing is lost meanwhile)."""
        try:
            return await self.tails.store.follow(self.tenant_id, self.position, self.query, BATCH)
        except StoreUnavailable:
            return None

    async def _send(self, records: list[tuple[int, LogRecord]], send: Send) -> bool:
        """Send the events, once the audit trail holds any unredacted text among them; False
        (and a last ``error`` event) if it cannot: the client resumes later from its last id."""
        shown = [record for _, record in records if holds_original(record, self.shown)]
        if shown:
            try:
                await self.tails.audit.record(
                    original_read(self.principal, self.tenant_id, shown, self.shown)
                )
            except AuditUnavailable:
                body = b'event: error\ndata: {"error":"audit trail unavailable; retry later"}\n\n'
                await send({"type": "http.response.body", "body": body, "more_body": True})
                return False
        body = b"".join(event(position, record, self.shown) for position, record in records)
        await send({"type": "http.response.body", "body": body, "more_body": True})
        return True


class EventStream(Response):
    """A text/event-stream answer that runs until its producer returns, the client goes, or
    the server stops (``STOP_STREAM``), whichever comes first."""

    def __init__(self, produce: Callable[[Send, asyncio.Event], Awaitable[None]]) -> None:
        # Response's own initialiser would add a Content-Length: this body has no end.
        self.status_code = 200
        self.background = None
        self.raw_headers = list(_HEADERS)
        self._produce = produce

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        stop = asyncio.Event()
        scope[STOP_STREAM] = stop.set
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        watcher = asyncio.create_task(_until_disconnected(receive, stop))
        try:
            await self._produce(send, stop)
        except OSError:  # the client went while an event was being written
            return
        finally:
            watcher.cancel()
            scope.pop(STOP_STREAM, None)
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _until_disconnected(receive: Receive, stop: asyncio.Event) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    stop.set()
