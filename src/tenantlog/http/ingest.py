"""POST /ingest: validate, enqueue durably, answer 202 (DESIGN §2).

Ingest is the hot path, so it is a plain ASGI app mounted in front of the
Starlette router rather than a routed endpoint: routing, middleware and
Request/Response objects cost as much as the rest of the request put
together. What a request means is decided by the core's ``normalise``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from prometheus_client import Counter
from starlette.types import Receive, Scope, Send

from tenantlog import metrics
from tenantlog.core.ids import new_log_id
from tenantlog.core.models import utc_now
from tenantlog.core.normalise import PAYLOAD_TOO_LARGE, IngestRequest, normalise
from tenantlog.core.queue import Queue, QueueUnavailable
from tenantlog.core.validation import IngestError, Limits
from tenantlog.http.policy import principal_of

PATH = "/ingest"
ENQUEUE_FAILED = "failed to enqueue message"
BACKPRESSURE_RETRY_AFTER = "5"
_JSON = (b"content-type", b"application/json")


class Backpressure:
    """Refuses new logs while the queue is over its depth limit.

    The depth is refreshed in the background at most once a second, so the
    check costs nothing on the hot path; the limit is approximate by design.
    """

    def __init__(self, queue: Queue, max_depth: int, refresh_every: float = 1.0) -> None:
        self._queue = queue
        self._max_depth = max_depth
        self._refresh_every = refresh_every
        self._depth = 0
        self._checked_at = -refresh_every
        self._refreshing: asyncio.Task[None] | None = None

    def over_limit(self) -> bool:
        now = time.monotonic()
        if now - self._checked_at >= self._refresh_every and self._refreshing is None:
            self._checked_at = now
            self._refreshing = asyncio.create_task(self._refresh())
        return self._depth >= self._max_depth

    async def _refresh(self) -> None:
        try:
            self._depth = (await self._queue.stats()).depth
        except QueueUnavailable:
            pass  # keep the last known depth; sending will report the outage
        finally:
            self._refreshing = None


class ClientGone(Exception):
    """The client disconnected before its body arrived."""


@dataclass(frozen=True, slots=True)
class IngestApp:
    queue: Queue
    limits: Limits
    backpressure: Backpressure
    # Metric children by status and source: labels() costs as much as the increment.
    _answers: dict[int, Counter] = field(default_factory=dict)
    _accepted: dict[str, Counter] = field(default_factory=dict)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":
            await _answer(send, 405, {"error": "method not allowed"}, [(b"allow", b"POST")])
            return
        status, body, extra = await self._ingest(scope, receive)
        await _answer(send, status, body, extra)
        counter = self._answers.get(status)
        if counter is None:
            counter = self._answers[status] = metrics.HTTP_REQUESTS.labels(PATH, str(status))
        counter.inc()

    async def _ingest(
        self, scope: Scope, receive: Receive
    ) -> tuple[int, dict[str, Any], list[tuple[bytes, bytes]]]:
        headers = _headers(scope)
        try:
            raw = await _read_body(receive, headers.get("content-length"), self.limits)
            ingested = normalise(
                IngestRequest(
                    content_type=headers.get("content-type"),
                    body=raw,
                    tenant_header=headers.get("x-tenant-id"),
                    log_id_header=headers.get("x-log-id"),
                    content_encoding=headers.get("content-encoding"),
                    principal=principal_of(scope),
                ),
                self.limits,
                now=utc_now,
                new_log_id=new_log_id,
            )
        except IngestError as exc:
            return exc.status, {"error": exc.message}, []
        except ClientGone:
            return 400, {"error": "client disconnected"}, []
        if self.backpressure.over_limit():
            message = "queue is over its depth limit; retry later"
            return 503, {"error": message}, [(b"retry-after", BACKPRESSURE_RETRY_AFTER.encode())]
        started = time.perf_counter()
        try:
            await self.queue.send([m.encode() for m in ingested.messages])
        except QueueUnavailable:
            return 500, {"error": ENQUEUE_FAILED}, []
        metrics.ENQUEUE_SECONDS.observe(time.perf_counter() - started)
        source = ingested.messages[0].source
        accepted = self._accepted.get(source)
        if accepted is None:
            accepted = self._accepted[source] = metrics.LOGS_ACCEPTED.labels(source)
        accepted.inc(len(ingested.messages))
        return 202, ingested.response(), []


def _headers(scope: Scope) -> dict[str, str]:
    """The headers /ingest reads, by lower-case name (ASGI already lower-cases them)."""
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}


async def _read_body(receive: Receive, declared: str | None, limits: Limits) -> bytes:
    """The raw body, refused with 413 as soon as it passes the body limit."""
    if declared is not None:
        if not declared.isdigit():
            raise IngestError(400, "invalid Content-Length header")
        if int(declared) > limits.max_body_bytes:
            raise IngestError(413, PAYLOAD_TOO_LARGE)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limits.max_body_bytes:
            raise IngestError(413, PAYLOAD_TOO_LARGE)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def _answer(
    send: Send, status: int, body: dict[str, Any], extra: list[tuple[bytes, bytes]]
) -> None:
    content = orjson.dumps(body)
    headers = [_JSON, (b"content-length", str(len(content)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})
