"""POST /ingest: validate, enqueue durably, answer 202 (DESIGN §2).

The route is a plain Starlette endpoint rather than a framework-validated one:
ingest is the hot path, and the request's meaning is decided by the core's
``normalise`` anyway.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from tenantlog import metrics
from tenantlog.core.ids import new_log_id
from tenantlog.core.models import utc_now
from tenantlog.core.normalise import PAYLOAD_TOO_LARGE, IngestRequest, normalise
from tenantlog.core.validation import IngestError, Limits
from tenantlog.http.responses import JSON, error
from tenantlog.queue.base import Queue, QueueUnavailable

ENQUEUE_FAILED = "failed to enqueue message"
BACKPRESSURE_RETRY_AFTER = "5"


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


@dataclass(frozen=True, slots=True)
class IngestEndpoint:
    queue: Queue
    limits: Limits
    backpressure: Backpressure

    async def handle(self, request: Request) -> Response:
        try:
            body = await _read_body(request, self.limits.max_body_bytes)
            headers = request.headers
            ingested = normalise(
                IngestRequest(
                    content_type=headers.get("content-type"),
                    body=body,
                    tenant_header=headers.get("x-tenant-id"),
                    log_id_header=headers.get("x-log-id"),
                    content_encoding=headers.get("content-encoding"),
                ),
                self.limits,
                now=utc_now,
                new_log_id=new_log_id,
            )
        except IngestError as exc:
            return error(exc.status, exc.message)
        except ClientDisconnect:
            return Response(status_code=400)
        if self.backpressure.over_limit():
            return error(
                503,
                "queue is over its depth limit; retry later",
                {"Retry-After": BACKPRESSURE_RETRY_AFTER},
            )
        started = time.perf_counter()
        try:
            await self.queue.send([m.encode() for m in ingested.messages])
        except QueueUnavailable:
            return error(500, ENQUEUE_FAILED)
        metrics.ENQUEUE_SECONDS.observe(time.perf_counter() - started)
        metrics.LOGS_ACCEPTED.labels(ingested.messages[0].source).inc(len(ingested.messages))
        return JSON(ingested.response(), status_code=202)


async def _read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise IngestError(400, "invalid Content-Length header")
        if int(declared) > limit:
            raise IngestError(413, PAYLOAD_TOO_LARGE)
        return await request.body()
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise IngestError(413, PAYLOAD_TOO_LARGE)
        chunks.append(chunk)
    return b"".join(chunks)
