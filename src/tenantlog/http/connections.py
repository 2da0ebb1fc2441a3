"""Connection guards uvicorn lacks: a deadline on the request head, a JSON 503 at the cap,
and enough open files for the cap.

uvicorn's only idle timer (``timeout_keep_alive``) is armed when a response
ends and cancelled by any byte received. A connection that opens and sends
nothing, or trickles its request line and headers a byte at a time, is
therefore held forever, and each one counts against ``limit_concurrency``
(TENANTLOG_MAX_CONNECTIONS): a few thousand of them would lock every other
client out. Here a connection whose request head (request line and headers)
is not complete within the header timeout (TENANTLOG_HEADER_TIMEOUT) of the
connection opening, or of its previous response ending, is closed: silently
if it sent nothing (as a keep-alive timeout would), with a JSON 408 if it had
begun a request. A body that is slow to arrive is /ingest's to answer (408
after TENANTLOG_REQUEST_TIMEOUT), once the head is in.

At the cap uvicorn answers a text/plain ``Service Unavailable``. Every error
tenantlog answers is JSON naming what is wrong, with Retry-After on a 503, so
the protocols take that decision themselves: the same test, at the same
moment (a request head complete), answering JSON.

Both of uvicorn's HTTP/1.1 implementations are covered: httptools where it
is installed, else h11 (the choice uvicorn's ``http="auto"`` makes). The
guard hooks only what the two share: ``connection_made``, ``data_received``,
``on_response_complete``, ``connection_lost`` and the ``app`` attribute read
when a request head is complete.

Shutdown: uvicorn stops by waiting for the responses in progress, and a live
tail never ends by itself, so ``shutdown`` also calls the hook an endless
response leaves in its scope (``STOP_STREAM``).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from typing import Any, cast

from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from tenantlog.http.responses import error_body, send_json
from tenantlog.http.scope_keys import STOP_STREAM

try:
    import resource
except ImportError:  # Windows: no per-process descriptor limit to raise
    resource = None  # type: ignore[assignment]

log = logging.getLogger("tenantlog")

#: Seconds a client is asked to wait after a 503 at the connection cap.
CONNECTION_RETRY_AFTER = b"5"
#: Descriptors beyond one per connection: database files with their WAL and
#: shared memory, the listening sockets, log files, the worker's pipes.
FILE_HEADROOM = 256
#: Seconds between two warnings that the cap is reached (each refusal would flood the log).
_CAP_WARNING_EVERY = 10.0

_TOO_MANY = error_body("too many connections; retry later")


async def too_many_connections(scope: Scope, receive: Receive, send: Send) -> None:
    """The answer to a request beyond the connection cap; its connection is closed after."""
    extra = [(b"retry-after", CONNECTION_RETRY_AFTER), (b"connection", b"close")]
    await send_json(send, 503, _TOO_MANY, extra)


class _Guard(asyncio.Protocol):
    """The header deadline and the JSON cap, mixed into one of uvicorn's protocol classes."""

    # Set by the uvicorn protocol class this is mixed into.
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    server_state: Any
    connections: Any
    tasks: Any
    cycle: Any
    limit_concurrency: int | None

    _header_timeout: float
    _head_timer: asyncio.TimerHandle | None
    _head_begun: bool
    _cap: int | None
    _app: Any
    _last_cap_warning: float = 0.0

    def __init__(self, *args: Any, header_timeout: float, **kwargs: Any) -> None:
        self._head_timer = None
        self._head_begun = False
        super().__init__(*args, **kwargs)
        self._header_timeout = header_timeout
        # uvicorn's own test would answer text/plain; the ``app`` property answers instead.
        self._cap, self.limit_concurrency = self.limit_concurrency, None

    @property
    def app(self) -> Any:
        """The app for the request whose head just completed, or the 503 beyond the cap."""
        cap = self._cap
        if cap is not None and (len(self.connections) >= cap or len(self.tasks) >= cap):
            now = time.monotonic()
            if now - _Guard._last_cap_warning >= _CAP_WARNING_EVERY:
                _Guard._last_cap_warning = now
                log.warning(
                    "connection cap reached (TENANTLOG_MAX_CONNECTIONS=%d): answering 503", cap
                )
            return too_many_connections
        return self._app

    @app.setter
    def app(self, app: Any) -> None:
        self._app = app

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._await_head()

    def data_received(self, data: bytes) -> None:
        if self._head_timer is not None:
            self._head_begun = True
        super().data_received(data)
        if self._head_timer is not None and self._request_in_progress():
            self._head_timer.cancel()
            self._head_timer = None

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        # A pipelined request already in may have started; otherwise the next head is due.
        if not self.transport.is_closing() and not self._request_in_progress():
            self._await_head()

    def shutdown(self) -> None:
        """uvicorn's graceful shutdown waits for the responses in progress; one that would
        never end by itself (the live tail) is told to end now, through its scope's hook."""
        super().shutdown()  # type: ignore[misc]
        if self._request_in_progress():
            stop = self.cycle.scope.get(STOP_STREAM)
            if stop is not None:
                stop()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().connection_lost(exc)

    def _request_in_progress(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _await_head(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._head_begun = False
        self._head_timer = self.loop.call_later(self._header_timeout, self._head_too_slow)

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or self._request_in_progress():
            return
        if self._head_begun:
            self.transport.write(self._request_timeout_answer())
        self.transport.close()

    def _request_timeout_answer(self) -> bytes:
        body = error_body(f"request headers not received within {self._header_timeout:g} s")
        default_headers: list[tuple[bytes, bytes]] = self.server_state.default_headers
        lines = [
            b"HTTP/1.1 408 Request Timeout",
            *(name + b": " + value for name, value in default_headers),
            b"content-type: application/json",
            b"content-length: %d" % len(body),
            b"connection: close",
        ]
        return b"\r\n".join(lines) + b"\r\n\r\n" + body


class GuardedH11Protocol(_Guard, H11Protocol):
    """uvicorn's h11 protocol with the guards."""


AutoProtocol: type[_Guard]
try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools is optional; h11 always comes with uvicorn
    AutoProtocol = GuardedH11Protocol
else:

    class GuardedHttpToolsProtocol(_Guard, HttpToolsProtocol):
        """uvicorn's httptools protocol with the guards."""

    AutoProtocol = GuardedHttpToolsProtocol


def http_protocol(
    header_timeout: float, protocol: type[_Guard] | None = None
) -> type[asyncio.Protocol]:
    """The ``http`` class for uvicorn's Config: ``protocol`` (default: the installed
    parser's) with its header timeout bound.

    A ``functools.partial`` of a module-level class rather than a class made
    here: uvicorn's worker processes (``tenantlog api --workers N``) receive
    their Config pickled, and uvicorn only ever calls the class.
    """
    bound = functools.partial(protocol or AutoProtocol, header_timeout=header_timeout)
    return cast("type[asyncio.Protocol]", bound)


def raise_open_file_limit(max_connections: int) -> int | None:
    """Raise the soft RLIMIT_NOFILE toward what ``max_connections`` needs, within the hard limit.

    Each connection holds a descriptor; at a common soft default of 1,024 the
    process would fail to accept (or to open its database) long before the
    cap. Returns the soft limit now in force (None where there is none).
    """
    if resource is None:
        return None
    wanted = max_connections + FILE_HEADROOM
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return soft
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as exc:  # e.g. macOS's OPEN_MAX below an unlimited hard
            log.debug("could not raise the open-file limit to %d: %s", target, exc)
    if soft < wanted:
        log.warning(
            "TENANTLOG_MAX_CONNECTIONS=%d needs %d open files but this process may open "
            "%d: lower TENANTLOG_MAX_CONNECTIONS or raise the hard limit (ulimit -Hn)",
            max_connections,
            wanted,
            soft,
        )
    return soft
