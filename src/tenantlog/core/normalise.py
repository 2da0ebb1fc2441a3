"""Turn one /ingest request (content type, headers, body) into InternalMessages.

Pure: the HTTP shell (local server or Lambda) reads the request and writes the
answer; every decision about what a request means is made here, once.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from tenantlog.core import encodings
from tenantlog.core.identity import ANONYMOUS, Principal, foreign_tenant
from tenantlog.core.models import InternalMessage, Source
from tenantlog.core.validation import (
    IngestError,
    Limits,
    check_attributes,
    check_log_id,
    check_record_size,
    check_severity,
    check_tenant_id,
    check_text,
    check_timestamp,
    too_large,
)

INVALID_JSON = "invalid JSON payload"
MISSING_TENANT_HEADER = "missing X-Tenant-ID header"
UNSUPPORTED_CONTENT_TYPE = "unsupported Content-Type. Use application/json or text/plain."

_UTF8_CHARSETS = frozenset(("utf-8", "utf8", "us-ascii", "ascii"))
#: An NDJSON line with something on it: from its first non-blank byte to its end.
_LOG_LINE = re.compile(rb"\S[^\n]*")
_SCAN_BYTES = 64 * 1024


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
    body = encodings.decode(request.body, request.content_encoding, limits.max_body_bytes)
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
    tenant = _permitted(check_tenant_id(data.get("tenant_id", default_tenant)), principal)
    log_id = data.get("log_id")
    log_id = new_log_id() if log_id is None else check_log_id(log_id)
    text = check_text(data.get("text"), limits)
    timestamp, severity, attributes = (
        data.get("timestamp"),
        data.get("severity"),
        data.get("attributes"),
    )
    checked: dict[str, str] = {}
    if attributes is not None:
        checked = check_attributes(attributes, limits)
        check_record_size(text, checked, limits)
    return InternalMessage(
        tenant_id=tenant,
        log_id=log_id,
        source=source,
        text=text,
        received_at=received_at,
        timestamp=None if timestamp is None else check_timestamp(timestamp),
        severity=None if severity is None else check_severity(severity),
        attributes=checked,
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
    # The lines are found, and counted, before any message is built: 5 MiB of
    # short lines would otherwise become some 180,000 messages (800 MiB) before
    # the answer is known. Only the first one past the cap is ever looked for.
    lines = list(itertools.islice(_log_lines(body), limits.max_batch_lines + 1))
    if len(lines) > limits.max_batch_lines:
        raise too_large(f"more than {limits.max_batch_lines} lines (TENANTLOG_MAX_BATCH_LINES)")
    messages: list[InternalMessage] = []
    for line in lines:
        try:
            data = _parse_json_object(line[0])
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
            raise exc.on_line(body.count(b"\n", 0, line.start()) + 1) from None
    if not messages:
        raise IngestError(400, "NDJSON body has no log lines")
    return messages


def _log_lines(body: bytes) -> Iterator[re.Match[bytes]]:
    """The lines that are not blank, looked for a slice at a time.

    One search over megabytes of blank lines would hold the GIL for tens of
    milliseconds, and this runs on a thread next to the event loop; so does
    splitting a body of many short lines. Slices end at a line's end.
    """
    start = 0
    while start < len(body):
        end = body.find(b"\n", start + _SCAN_BYTES)
        end = len(body) if end == -1 else end + 1
        yield from _LOG_LINE.finditer(body, start, end)
        start = end
