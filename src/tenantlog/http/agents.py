"""The agents' protocols (DESIGN §2c): ``POST /v1/logs`` (OTLP/HTTP) and
``POST /loki/api/v1/push`` (Loki), over the same admission as ``/ingest``.

Each protocol's body becomes the same InternalMessages as ``/ingest`` makes,
with the event time, severity and attributes the agent sent, and then goes
through ``Admission`` exactly as ``/ingest`` does: backpressure, bursts, rate
limits, enqueue, usage. Only the answers differ, as each protocol's clients
expect them: OTLP answers 200 with an ``ExportLogsServiceResponse`` and
errors as a ``google.rpc.Status`` in the request's encoding; Loki answers 204.

Agents retry whole batches and send no Idempotency-Key, so a log's id is
derived from what it is (``derive_log_id``): a retried batch gets the same
ids, and the store's first write wins keeps each log once.

Raw ASGI like ``/ingest``, for the same reason: it is a hot path.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

import orjson
from starlette.types import Receive, Scope, Send

from tenantlog import metrics
from tenantlog.core import encodings
from tenantlog.core.identity import Principal, foreign_tenant
from tenantlog.core.models import InternalMessage, Source, timestamp_from_ns, utc_now
from tenantlog.core.queue import Outgoing
from tenantlog.core.validation import (
    IngestError,
    Limits,
    body_too_large,
    check_tenant_id,
    too_large,
)
from tenantlog.http.admission import Accepted, Admission, Answer, refused
from tenantlog.http.ingest import BodyDeadlines, ClientGone
from tenantlog.http.policy import principal_of
from tenantlog.http.responses import error_body
from tenantlog.protocols.entries import (
    AgentLog,
    Caps,
    ProtocolError,
    TooLarge,
    UnsupportedMediaType,
    derive_log_id,
)

T = TypeVar("T")

OTLP_PATH = "/v1/logs"
LOKI_PATH = "/loki/api/v1/push"
PATHS = frozenset((OTLP_PATH, LOKI_PATH))

#: The tenant headers an agent may send with authentication off (or to name its own
#: tenant): ours, and Loki's, which every Loki client knows how to set.
_TENANT_HEADERS = {b"x-tenant-id": "X-Tenant-ID", b"x-scope-orgid": "X-Scope-OrgID"}
#: google.rpc.Code UNKNOWN, for a status the mapping does not name.
UNKNOWN_RPC_CODE = 2


@dataclass(frozen=True, slots=True)
class Parsed:
    """A request's logs, and the records refused one by one (OTLP's partial success)."""

    logs: list[AgentLog]
    rejected: int = 0
    message: str = ""


def caps_of(limits: Limits) -> Caps:
    return Caps(
        max_records=limits.max_batch_lines,
        max_attributes=limits.max_attributes,
        max_key_bytes=limits.max_attribute_key_bytes,
        max_value_bytes=limits.max_attribute_value_bytes,
        max_text_bytes=limits.max_text_bytes,
        max_record_bytes=limits.max_record_bytes,
        max_body_bytes=limits.max_body_bytes,
    )


@dataclass(frozen=True, slots=True)
class AgentApp:
    """Both protocols: they differ in parsing and answering, not in what happens between."""

    limits: Limits
    admission: Admission
    _parser: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="tenantlog-agents")
    )
    _deadlines: BodyDeadlines = field(default_factory=BodyDeadlines)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        headers = dict(scope["headers"])
        content_type = _text(headers.get(b"content-type")) or ""
        if scope["method"] != "POST":
            status, body, extra = 405, error_body("method not allowed"), [(b"allow", b"POST")]
            extra = [*extra, (b"content-type", b"application/json")]
        elif path == OTLP_PATH:
            status, body, extra = await self._otlp(scope, receive, headers, content_type)
        else:
            status, body, extra = await self._loki(scope, receive, headers, content_type)
        await _send(send, status, body, extra)
        metrics.answered(path, status).inc()

    async def _otlp(
        self, scope: Scope, receive: Receive, headers: dict[bytes, bytes], content_type: str
    ) -> Answer:
        from tenantlog.protocols import otlp  # see _parse_otlp

        (status, content, extra), parsed = await self._take(
            scope, receive, headers, "X-Tenant-ID or X-Scope-OrgID", "otlp", content_type
        )
        kind = [(b"content-type", otlp.response_content_type(content_type).encode())]
        if status == 202:
            body = otlp.encode_response(parsed.rejected, parsed.message, content_type)
            return 200, body, kind
        message = orjson.loads(content)["error"]
        code = otlp.RPC_CODE_FOR_HTTP.get(status, UNKNOWN_RPC_CODE)
        return status, otlp.encode_status(code, message, content_type), [*kind, *extra]

    async def _loki(
        self, scope: Scope, receive: Receive, headers: dict[bytes, bytes], content_type: str
    ) -> Answer:
        (status, content, extra), _ = await self._take(
            scope, receive, headers, "X-Scope-OrgID", "loki", content_type
        )
        if status == 202:
            return 204, b"", extra
        return status, content, [(b"content-type", b"application/json"), *extra]

    async def _take(
        self,
        scope: Scope,
        receive: Receive,
        headers: dict[bytes, bytes],
        tenant_headers: str,
        source: Source,
        content_type: str,
    ) -> tuple[Answer, Parsed]:
        """Read, parse and admit a request: the admission's answer (202, or a refusal as
        our JSON error) and what was parsed (OTLP answers with its refused records)."""
        parsed = Parsed([])
        try:
            body = await self._body(receive, headers)
            tenant = _tenant(headers, principal_of(scope), tenant_headers)
            parse = _parse_otlp if source == "otlp" else _parse_loki
            parsed = await self._off_loop(parse, body, content_type, caps_of(self.limits))
            return await self._admit(parsed, tenant, source), parsed
        except IngestError as exc:
            return refused(exc), parsed
        except ClientGone:
            return (400, error_body("client disconnected"), []), parsed

    async def _body(self, receive: Receive, headers: dict[bytes, bytes]) -> bytes:
        declared = _text(headers.get(b"content-length"))
        if (
            declared is not None
            and declared.isdigit()
            and int(declared) > self.limits.max_body_bytes
        ):
            raise body_too_large()
        raw = await self._deadlines.read(receive, self.limits)
        coding = _text(headers.get(b"content-encoding"))
        return await self._off_loop(encodings.decode, raw, coding, self.limits.max_body_bytes)

    async def _admit(self, parsed: Parsed, tenant: str, source: Source) -> Answer:
        if not parsed.logs:
            # Nothing to enqueue (an empty export, or every record refused): answered as
            # a success, which is what both protocols' clients expect of an empty batch.
            return 202, b"", []
        accepted = _accepted(parsed.logs, tenant, source)

        async def rebuild(first_attempt_ms: int) -> Accepted:  # no Idempotency-Key here
            raise AssertionError("agent requests are never keyed")

        status, content, extra = await self.admission.admit(accepted, None, rebuild)
        if status == 500:
            # The queue could not be written. Agents retry 503 (with Retry-After) and,
            # per OTLP/HTTP, drop a batch on 500: so it is a 503 here.
            return 503, content, [*extra, (b"retry-after", b"5")]
        return status, content, extra

    async def _off_loop(self, call: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._parser, call, *args)


def _parse_otlp(body: bytes, content_type: str, caps: Caps) -> Parsed:
    # The parsers are imported on first use: with protobuf and the OTLP classes they
    # cost about 60 ms of start-up that a Lambda cold start serving /ingest never needs.
    from tenantlog.protocols import otlp

    with _as_refusals():
        batch = otlp.parse_otlp(body, content_type, caps)
    return Parsed(batch.entries, batch.rejected_count, batch.rejected_message)


def _parse_loki(body: bytes, content_type: str, caps: Caps) -> Parsed:
    from tenantlog.protocols import loki  # see _parse_otlp

    with _as_refusals():
        return Parsed(loki.parse_loki(body, content_type, caps))


@contextlib.contextmanager
def _as_refusals() -> Iterator[None]:
    """The parsers' errors as the answers they are: 415, 413 naming the cap, or 400."""
    try:
        yield
    except UnsupportedMediaType as exc:
        raise IngestError(415, str(exc)) from None
    except TooLarge as exc:
        raise too_large(str(exc)) from None
    except ProtocolError as exc:
        raise IngestError(400, str(exc)) from None


def _accepted(logs: list[AgentLog], tenant: str, source: Source) -> Accepted:
    received_at = utc_now()
    messages: list[Outgoing] = []
    size = 0
    for index, entry in enumerate(logs):
        message = InternalMessage(
            tenant_id=tenant,
            log_id=derive_log_id(tenant, entry, index),
            source=source,
            text=entry.text,
            received_at=received_at,
            timestamp=None if entry.timestamp_ns is None else timestamp_from_ns(entry.timestamp_ns),
            severity=entry.severity,
            severity_number=entry.severity_number,
            attributes=entry.attributes,
        )
        body = bytes(memoryview(message.encode()))  # copied to its size, as /ingest does
        messages.append(Outgoing(tenant, body))
        size += len(body)
    return Accepted(
        messages, source, Counter({tenant: len(messages)}), Counter({tenant: size}), b""
    )


def _tenant(headers: dict[bytes, bytes], principal: Principal, names: str) -> str:
    """The tenant the headers name (permitted for this key), else the key's own tenant.

    Every tenant header sent must be valid, and if both are sent they must agree:
    a request is never read as one tenant's when it also names another.
    """
    named: set[str] = set()
    for name, spelled in _TENANT_HEADERS.items():
        value = headers.get(name)
        if value is not None:
            named.add(check_tenant_id(_text(value), source=f"{spelled} header"))
    if len(named) > 1:
        raise IngestError(400, "X-Tenant-ID and X-Scope-OrgID name different tenants")
    if named:
        tenant = named.pop()
        if not principal.may_use(tenant):
            raise IngestError(403, foreign_tenant(tenant))
        return tenant
    if principal.tenant_id is None:
        raise IngestError(400, f"missing tenant: send the {names} header")
    return principal.tenant_id


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("latin-1")


async def _send(send: Send, status: int, body: bytes, extra: list[tuple[bytes, bytes]]) -> None:
    headers = [(b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
