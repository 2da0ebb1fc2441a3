"""Turn one /ingest request (content type, headers, body) into InternalMessages.

Pure: the HTTP shell (local server or Lambda) reads the request and writes the
answer; every decision about what a request means is made here, once.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from tenantlog.core.identity import ANONYMOUS, Principal, foreign_tenant
from tenantlog.core.models import InternalMessage, Source
from tenantlog.core.validation import (
    IngestError,
    Limits,
    check_log_id,
    check_tenant_id,
    check_text,
)

INVALID_JSON = "invalid JSON payload"
MISSING_TENANT_HEADER = "missing X-Tenant-ID header"
UNSUPPORTED_CONTENT_TYPE = "unsupported Content-Type. Use application/json or text/plain."
PAYLOAD_TOO_LARGE = "payload too large"

_UTF8_CHARSETS = frozenset(("utf-8", "utf8", "us-ascii", "ascii"))


@dataclass(frozen=True, slots=True)
class IngestRequest:
    """The parts of an HTTP request that /ingest reads, and who sent it.

    A log without a tenant of its own takes the principal's; a log naming a
    tenant the principal may not write to fails the whole request with 403.
    """

    content_type: str | None
    body: bytes
    tenant_header: str | None = None
    log_id_header: str | None = None
    content_encoding: str | None = None
    principal: Principal = ANONYMOUS


@dataclass(frozen=True, slots=True)
class Ingested:
    """The messages one request produced; ``batch`` is True for NDJSON (a different 202 body)."""

    messages: list[InternalMessage]
    batch: bool

    def response(self) -> dict[str, Any]:
        if not self.batch:
            m = self.messages[0]
            return {"status": "enqueued", "tenant_id": m.tenant_id, "log_id": m.log_id}
        return {
            "status": "enqueued",
            "count": len(self.messages),
            "items": [{"tenant_id": m.tenant_id, "log_id": m.log_id} for m in self.messages],
        }


def decode_body(body: bytes, content_encoding: str | None, limits: Limits) -> bytes:
    """Undo Content-Encoding; the size limit applies to the decoded size (zip bombs stop early)."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding == "identity":
        if len(body) > limits.max_body_bytes:
            raise IngestError(413, PAYLOAD_TOO_LARGE)
        return body
    if encoding not in ("gzip", "x-gzip"):
        raise IngestError(400, f"unsupported Content-Encoding: {encoding}. Use gzip or identity.")
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        decoded = inflater.decompress(body, limits.max_body_bytes + 1)
    except zlib.error:
        raise IngestError(400, "body is not valid gzip data") from None
    if len(decoded) > limits.max_body_bytes:
        raise IngestError(413, PAYLOAD_TOO_LARGE)
    if not inflater.eof:
        raise IngestError(400, "body is not valid gzip data (truncated)")
    return decoded


def parse_content_type(header: str | None) -> tuple[str, str | None]:
    """Media type (lower-case) and charset parameter, if any."""
    if not header:
        return "", None
    media, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset


def normalise(
    request: IngestRequest,
    limits: Limits,
    *,
    now: Callable[[], str],
    new_log_id: Callable[[], str],
) -> Ingested:
    """Validate a request and build its messages, all or nothing; raises IngestError."""
    media, charset = parse_content_type(request.content_type)
    if media not in ("application/json", "text/plain", "application/x-ndjson"):
        raise IngestError(400, UNSUPPORTED_CONTENT_TYPE)
    if charset is not None and charset not in _UTF8_CHARSETS:
        raise IngestError(400, f"unsupported charset: {charset}. Use utf-8.")
    body = decode_body(request.body, request.content_encoding, limits)
    received_at = now()
    if media == "application/json":
        message = _from_object(
            _parse_json_object(body),
            request.principal,
            request.principal.tenant_id,
            limits,
            received_at,
            new_log_id,
            "json_upload",
        )
        return Ingested([message], batch=False)
    if media == "text/plain":
        return Ingested([_from_text(request, body, limits, received_at, new_log_id)], batch=False)
    return Ingested(_from_ndjson(request, body, limits, received_at, new_log_id), batch=True)


def _parse_json_object(body: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        _raise_if_not_utf8(body)
        raise IngestError(400, INVALID_JSON) from None
    if not isinstance(data, dict):
        raise IngestError(400, INVALID_JSON)
    return data


def _raise_if_not_utf8(body: bytes) -> None:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IngestError(400, f"body is not valid UTF-8 (byte {exc.start})") from None


def _permitted(tenant_id: str, principal: Principal) -> str:
    if not principal.may_use(tenant_id):
        raise IngestError(403, foreign_tenant(tenant_id))
    return tenant_id


def _from_object(
    data: dict[str, Any],
    principal: Principal,
    default_tenant: str | None,
    limits: Limits,
    received_at: str,
    new_log_id: Callable[[], str],
    source: Source,
) -> InternalMessage:
    tenant = data.get("tenant_id", default_tenant)
    log_id = data.get("log_id")
    return InternalMessage(
        tenant_id=_permitted(check_tenant_id(tenant), principal),
        log_id=new_log_id() if log_id is None else check_log_id(log_id),
        source=source,
        text=check_text(data.get("text"), limits),
        received_at=received_at,
    )


def _from_text(
    request: IngestRequest,
    body: bytes,
    limits: Limits,
    received_at: str,
    new_log_id: Callable[[], str],
) -> InternalMessage:
    tenant = _header_tenant(request)
    if tenant is None:
        raise IngestError(400, MISSING_TENANT_HEADER)
    log_id = (
        new_log_id()
        if request.log_id_header is None
        else check_log_id(request.log_id_header, source="X-Log-ID header")
    )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IngestError(400, f"body is not valid UTF-8 (byte {exc.start})") from None
    return InternalMessage(
        tenant_id=tenant,
        log_id=log_id,
        source="text_upload",
        text=check_text(text, limits),
        received_at=received_at,
    )


def _header_tenant(request: IngestRequest) -> str | None:
    """X-Tenant-ID when given (and permitted), else the principal's own tenant, if any."""
    if request.tenant_header is None:
        return request.principal.tenant_id
    tenant = check_tenant_id(request.tenant_header, source="X-Tenant-ID header")
    return _permitted(tenant, request.principal)


def _from_ndjson(
    request: IngestRequest,
    body: bytes,
    limits: Limits,
    received_at: str,
    new_log_id: Callable[[], str],
) -> list[InternalMessage]:
    default_tenant = _header_tenant(request)
    messages: list[InternalMessage] = []
    for number, line in enumerate(body.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            data = _parse_json_object(line)
            messages.append(
                _from_object(
                    data,
                    request.principal,
                    default_tenant,
                    limits,
                    received_at,
                    new_log_id,
                    "json_upload",
                )
            )
        except IngestError as exc:
            raise exc.on_line(number) from None
    if not messages:
        raise IngestError(400, "NDJSON body has no log lines")
    return messages
