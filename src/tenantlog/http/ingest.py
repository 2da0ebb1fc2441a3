"""POST /ingest: validate, enqueue durably, answer 202 (DESIGN §2).

Ingest is the hot path, so it is a plain ASGI app mounted in front of the
Starlette router rather than a routed endpoint: routing, middleware and
Request/Response objects cost as much as the rest of the request put
together. What a request means is decided by the core's ``normalise``.

A large body takes tens of milliseconds to parse (a maximal NDJSON batch,
5 MiB in 10,000 lines, about 60 ms with its messages and answer serialised),
which on the event loop would stall every other request for as long. Such
bodies are parsed on a thread of their own.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
from starlette.types import Receive, Scope, Send

from tenantlog import metrics
from tenantlog.core.ids import new_log_id
from tenantlog.core.models import utc_now
from tenantlog.core.normalise import IngestRequest, normalise
from tenantlog.core.queue import Outgoing
from tenantlog.core.validation import IngestError, Limits, body_too_large
from tenantlog.http.admission import Accepted, Admission, Answer, Keyed, refused
from tenantlog.http.policy import principal_of
from tenantlog.http.responses import error_body, send_json

T = TypeVar("T")

PATH = "/ingest"
#: Outgoing(tenant, body) at a third of the cost: a NamedTuple's own ``__new__`` is a
#: Python function, and a maximal batch builds 10,000 of them.
_outgoing = tuple.__new__
#: Bodies larger than this, and every encoded body (which may decode to the
#: whole body limit), are parsed off the event loop. Below it parsing takes
#: under about 3 ms, while the hop to a busy thread and back can cost a GIL
#: switch interval (5 ms) each way.
OFF_LOOP_BYTES = 256 * 1024
#: The request headers /ingest reads (ASGI gives names in lower case), with
#: the spelling an error message uses.
_READ_HEADERS = {
    b"content-type": "Content-Type",
    b"content-length": "Content-Length",
    b"content-encoding": "Content-Encoding",
    b"x-tenant-id": "X-Tenant-ID",
    b"x-log-id": "X-Log-ID",
    b"idempotency-key": "Idempotency-Key",
}


class ClientGone(Exception):
    """The client disconnected before its body arrived."""


class BodyDeadlines:
    """Reads bodies under the request timeout: 408 for one not all there in time.

    Without a deadline a client that sends its headers and then trickles or
    stops its body holds a connection, and what it has sent, for ever. The 408
    closes the connection: what else the client sends would be read as a new
    request.

    One timer keeps every deadline. ``asyncio.timeout`` arms and cancels a
    loop timer for each request, about 10 µs under uvloop, a fifth of all a
    single-log request costs; here a request costs a dict entry, and a sweep
    every second (or quarter of the timeout, if shorter) cancels the reads that
    are late, so a 408 comes at most that much after the timeout.
    """

    def __init__(self) -> None:
        self._reading: dict[asyncio.Task[Any], float] = {}
        self._late: set[asyncio.Task[Any]] = set()
        self._sweeping: asyncio.TimerHandle | None = None

    async def read(self, receive: Receive, limits: Limits) -> bytes:
        """The raw body, refused with 413 as soon as it passes the body limit."""
        task = asyncio.current_task()
        assert task is not None, "an ASGI app runs in a task"
        loop = asyncio.get_running_loop()
        self._reading[task] = loop.time() + limits.request_timeout
        if self._sweeping is None:
            self._sweep_later(loop, limits.request_timeout)
        try:
            return await _receive_body(receive, limits)
        except asyncio.CancelledError:
            if task not in self._late or task.uncancel() > 0:
                raise  # cancelled by someone else too (the server shutting down)
            raise IngestError(
                408,
                f"request body not received within {limits.request_timeout:g} s",
                {"connection": "close"},
            ) from None
        finally:
            del self._reading[task]
            self._late.discard(task)

    def _sweep_later(self, loop: asyncio.AbstractEventLoop, timeout: float) -> None:
        self._sweeping = loop.call_later(min(1.0, timeout / 4), self._sweep, loop, timeout)

    def _sweep(self, loop: asyncio.AbstractEventLoop, timeout: float) -> None:
        now = loop.time()
        for task, deadline in self._reading.items():
            if deadline <= now and task not in self._late:
                self._late.add(task)
                task.cancel()
        self._sweeping = None
        if self._reading:
            self._sweep_later(loop, timeout)


def prepare(
    request: IngestRequest, limits: Limits, log_ids: Callable[[], str] = new_log_id
) -> Accepted:
    """Everything /ingest does to a request before admission, in one call a thread can run."""
    ingested = normalise(request, limits, now=utc_now, new_log_id=log_ids)
    messages: list[Outgoing] = []
    tenants: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    for message in ingested.messages:
        # Copied to its size: orjson returns each in a buffer of at least 4 KiB,
        # and a batch's 10,000 would hold 80 MiB instead of 6 until the commit.
        body = bytes(memoryview(message.encode()))
        tenant = message.tenant_id
        messages.append(_outgoing(Outgoing, (tenant, body)))
        tenants[tenant] += 1
        sizes[tenant] += len(body)
    return Accepted(
        messages,
        ingested.messages[0].source,
        tenants,
        sizes,
        orjson.dumps(ingested.response()),
    )


def _prepare_keyed(request: IngestRequest, limits: Limits, header: str) -> tuple[Accepted, Keyed]:
    keyed = Keyed.of(  # hashing the body: off the loop with the parsing
        header,
        request.content_type,
        request.content_encoding,
        request.tenant_header,
        request.log_id_header,
        request.body,
    )
    return prepare(request, limits, keyed.log_ids()), keyed


def _parsing_thread() -> ThreadPoolExecutor:
    """One thread, not the loop's default pool: parsing holds the GIL, and every thread
    doing it competes with the event loop for it. Large bodies wait their turn instead."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="tenantlog-parse")


@dataclass(frozen=True, slots=True)
class IngestApp:
    limits: Limits
    admission: Admission
    _parser: ThreadPoolExecutor = field(default_factory=_parsing_thread)
    _deadlines: BodyDeadlines = field(default_factory=BodyDeadlines)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":
            await send_json(send, 405, error_body("method not allowed"), [(b"allow", b"POST")])
            return
        status, body, extra = await self._ingest(scope, receive)
        await send_json(send, status, body, extra)
        metrics.answered(PATH, status).inc()

    async def _ingest(self, scope: Scope, receive: Receive) -> Answer:
        try:
            headers = _headers(scope)
            _check_declared_length(headers.get("content-length"), self.limits)
            raw = await self._deadlines.read(receive, self.limits)
            request = IngestRequest(
                content_type=headers.get("content-type"),
                body=raw,
                tenant_header=headers.get("x-tenant-id"),
                log_id_header=headers.get("x-log-id"),
                content_encoding=headers.get("content-encoding"),
                principal=principal_of(scope),
            )
            key_header = headers.get("idempotency-key")
            keyed = None
            if key_header is None:
                accepted = await self._off_loop_if_large(prepare, request, self.limits)
            else:
                accepted, keyed = await self._off_loop_if_large(
                    _prepare_keyed, request, self.limits, key_header
                )
        except IngestError as exc:
            return refused(exc)
        except ClientGone:
            return 400, error_body("client disconnected"), []

        async def rebuild(first_attempt_ms: int) -> Accepted:
            assert keyed is not None
            ids = keyed.log_ids(first_attempt_ms)
            return await self._off_loop_if_large(prepare, request, self.limits, ids)

        return await self.admission.admit(accepted, keyed, rebuild)

    async def _off_loop_if_large(
        self, call: Callable[..., T], request: IngestRequest, *args: Any
    ) -> T:
        if len(request.body) > OFF_LOOP_BYTES or request.content_encoding is not None:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._parser, call, request, *args)
        return call(request, *args)


def _headers(scope: Scope) -> dict[str, str]:
    """The headers /ingest reads, by lower-case name, decoded as UTF-8.

    HTTP header values are bytes and ASCII is all RFC 9110 promises, but
    clients send log ids such as ``ünï`` as UTF-8; latin-1 would store them
    garbled. Bytes that are not UTF-8 are refused rather than guessed at.
    """
    headers: dict[str, str] = {}
    for name, value in scope["headers"]:
        spelled = _READ_HEADERS.get(name)
        if spelled is None:
            continue
        try:
            headers[name.decode("ascii")] = value.decode("utf-8")
        except UnicodeDecodeError:
            raise IngestError(400, f"{spelled} header is not valid UTF-8") from None
    return headers


def _check_declared_length(declared: str | None, limits: Limits) -> None:
    if declared is None:
        return
    if not (declared.isascii() and declared.isdigit()):  # int() refuses "²"
        raise IngestError(400, "invalid Content-Length header")
    if int(declared) > limits.max_body_bytes:
        raise body_too_large()


async def _receive_body(receive: Receive, limits: Limits) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limits.max_body_bytes:
            raise body_too_large()
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
