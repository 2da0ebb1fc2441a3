"""OTLP/HTTP logs (``POST /v1/logs``): request bodies into ``AgentLog`` entries,
and the response bodies the OTLP/HTTP specification asks for.

Both encodings are read: ``application/x-protobuf`` (an ExportLogsServiceRequest)
and ``application/json`` (its OTLP/JSON form, see ``otlp_json``). Each LogRecord
becomes one ``AgentLog``:

- text: a string body as it is; any other body as ``anyvalue.flatten`` renders
  it (compact JSON for arrays and kvlists). A record without a body, or with an
  empty one, is rejected: tenantlog stores text, and an empty one is refused on
  every route.
- event time: ``time_unix_nano``, or ``observed_time_unix_nano`` when it is 0
  (the collector's receivers fill the latter; SDKs the former); None when both are.
- severity: ``severity_text``; when it is empty, the short name of
  ``severity_number`` from the OTel logs data model (9 → ``INFO``, 10 → ``INFO2``),
  so a severity search finds records from SDKs that set only the number.
  ``severity_number`` is kept when it is 1..24.
- attributes, flattened to strings by ``anyvalue``, from four levels; on a
  repeated key the later level wins:
  1. the resource's attributes;
  2. the scope's attributes, then ``otel.scope.name`` and ``otel.scope.version``
     when the scope has them;
  3. the record's attributes;
  4. the record's own fields ``trace_id`` and ``span_id`` (hex) and
     ``event.name``, when set: a field of the record says more than an attribute
     that happens to share its name.
- stream: a hash of the resource's attributes, sorted, so an exporter's retry of
  the same batch derives the same log ids.

A record over a per-record cap (text, attribute count, key or value size, the
whole record's size, severity text, nesting depth, a time after 2262) is
rejected on its own and counted for ``partial_success``, as the specification
intends: the client must not retry those. A resource or scope whose attributes
break a cap rejects each of its records. More records than ``Caps.max_records``
fail the whole request (``TooLarge``).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

import orjson
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from google.rpc.status_pb2 import Status
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord

from tenantlog.protocols.anyvalue import TooDeep, flatten, flatten_into
from tenantlog.protocols.entries import (
    MAX_TIMESTAMP_NS,
    AgentLog,
    Caps,
    ProtocolError,
    Rejected,
    TooLarge,
    UnsupportedMediaType,
    media_type,
)
from tenantlog.protocols.otlp_json import request_from_json

PROTOBUF = "application/x-protobuf"
JSON = "application/json"

_SEVERITY_NAMES = {
    number: f"{name}{'' if step == 0 else step + 1}"
    for base, name in enumerate(("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"))
    for step in range(4)
    for number in (base * 4 + step + 1,)
}

#: google.rpc.Code for the HTTP statuses an OTLP route answers with (code.proto's
#: own HTTP mapping). OTLP clients act on the HTTP status; the code is for their logs.
RPC_CODE_FOR_HTTP = {
    400: 3,  # INVALID_ARGUMENT
    401: 16,  # UNAUTHENTICATED
    403: 7,  # PERMISSION_DENIED
    404: 5,  # NOT_FOUND
    413: 3,  # INVALID_ARGUMENT: the request itself is at fault
    415: 3,  # INVALID_ARGUMENT
    429: 8,  # RESOURCE_EXHAUSTED
    500: 13,  # INTERNAL
    503: 14,  # UNAVAILABLE
}


@dataclass(frozen=True, slots=True)
class OtlpBatch:
    """What one export request holds: the accepted entries and the rejected records."""

    entries: list[AgentLog]
    rejected: Rejected

    @property
    def rejected_count(self) -> int:
        return self.rejected.count

    @property
    def rejected_message(self) -> str:
        return self.rejected.message


def parse_otlp(body: bytes, content_type: str, caps: Caps) -> OtlpBatch:
    """Parse an OTLP/HTTP logs request body (see the module docstring for the mapping).

    Raises ``UnsupportedMediaType`` for another Content-Type, ``TooLarge`` for more
    records than the cap, ``ProtocolError`` for a body that is not a valid request.
    """
    request = _decode(body, media_type(content_type))
    total = sum(len(scope.log_records) for rl in request.resource_logs for scope in rl.scope_logs)
    if total > caps.max_records:
        raise TooLarge(f"{total} log records in one request, over the cap of {caps.max_records}")
    entries: list[AgentLog] = []
    reasons: Counter[str] = Counter()
    for resource_logs in request.resource_logs:
        resource: dict[str, str] = {}
        try:
            flatten_into(resource, resource_logs.resource.attributes, caps.max_depth)
        except TooDeep:
            reasons[_too_deep(caps)] += sum(len(s.log_records) for s in resource_logs.scope_logs)
            continue
        stream = "otlp:" + hashlib.sha256(orjson.dumps(sorted(resource.items()))).hexdigest()
        for scope_logs in resource_logs.scope_logs:
            base = dict(resource)
            scope = scope_logs.scope
            try:
                flatten_into(base, scope.attributes, caps.max_depth)
            except TooDeep:
                reasons[_too_deep(caps)] += len(scope_logs.log_records)
                continue
            if scope.name:
                base["otel.scope.name"] = scope.name
            if scope.version:
                base["otel.scope.version"] = scope.version
            problem = caps.attribute_problem(base)
            if problem is not None:
                reasons[problem] += len(scope_logs.log_records)
                continue
            base_chars = sum(len(k) + len(v) for k, v in base.items())
            for record in scope_logs.log_records:
                entry_or_problem = _entry(record, base, base_chars, stream, caps)
                if isinstance(entry_or_problem, str):
                    reasons[entry_or_problem] += 1
                else:
                    entries.append(entry_or_problem)
    return OtlpBatch(entries, _rejected(reasons))


def _decode(body: bytes, kind: str) -> ExportLogsServiceRequest:
    if kind == PROTOBUF:
        try:
            return ExportLogsServiceRequest.FromString(body)
        except DecodeError:
            raise ProtocolError("malformed protobuf: not an ExportLogsServiceRequest") from None
    if kind == JSON:
        return request_from_json(body)
    raise UnsupportedMediaType(f"unsupported Content-Type: use {PROTOBUF} or {JSON}")


def _entry(
    record: LogRecord, base: dict[str, str], base_chars: int, stream: str, caps: Caps
) -> AgentLog | str:
    """The record as an AgentLog, or the reason it is rejected.

    The hot path of OTLP ingest: fields are read once, strings take the fast path
    (an unset ``string_value`` is empty), and sizes are measured in characters,
    encoding only a string long enough to be over its cap in bytes.
    """
    body = record.body
    text = body.string_value
    own: dict[str, str] = {}
    key_chars, value_chars = caps.max_key_bytes // 4, caps.max_value_bytes // 4
    try:
        if not text:
            if body.WhichOneof("value") is None:
                return "log record has no body"
            text = flatten(body, caps.max_depth)
            if not text:
                return "log record has an empty body"
        chars = base_chars + len(text)
        for pair in record.attributes:
            key, value = pair.key, pair.value
            flat = value.string_value or flatten(value, caps.max_depth)
            own[key] = flat
            chars += len(key) + len(flat)
            if (len(key) > key_chars or len(flat) > value_chars or not key) and (
                problem := caps.attribute_problem({key: flat})
            ):
                return problem
    except TooDeep:
        return _too_deep(caps)
    if (problem := caps.text_problem(text)) is not None:
        return problem
    if trace_id := record.trace_id:
        own["trace_id"] = trace_id.hex()
    if span_id := record.span_id:
        own["span_id"] = span_id.hex()
    if event_name := record.event_name:
        own["event.name"] = event_name
        chars += 10 + len(event_name)
    attributes = base | own
    if len(attributes) > caps.max_attributes:
        return f"more than {caps.max_attributes} attributes"
    if chars * 4 > caps.max_record_bytes and (problem := caps.record_problem(text, attributes)):
        return problem
    timestamp = record.time_unix_nano or record.observed_time_unix_nano
    if timestamp > MAX_TIMESTAMP_NS:
        return "timestamp after 2262 (over 2^63-1 Unix nanoseconds)"
    number = record.severity_number
    severity = record.severity_text or _SEVERITY_NAMES.get(number)
    if severity is not None and (
        len(severity) > caps.max_severity_chars or not severity.isprintable()
    ):
        return f"severity text is not 1-{caps.max_severity_chars} printable characters"
    return AgentLog(
        text,
        timestamp or None,
        severity,
        number if 1 <= number <= 24 else None,
        attributes,
        stream,
    )


def _too_deep(caps: Caps) -> str:
    return f"value nested deeper than {caps.max_depth} levels"


def _rejected(reasons: Counter[str]) -> Rejected:
    count = sum(reasons.values())
    if not count:
        return Rejected()
    noun = "log record" if count == 1 else "log records"
    detail = "; ".join(f"{reason} ({n})" for reason, n in reasons.items())
    return Rejected(count, f"{count} {noun} rejected: {detail}")


def response_content_type(request_content_type: str) -> str:
    """The Content-Type of the answer: the request's encoding, protobuf by default."""
    return JSON if media_type(request_content_type) == JSON else PROTOBUF


def encode_response(rejected_count: int, message: str, content_type: str) -> bytes:
    """An ExportLogsServiceResponse in the request's encoding (the body of a 200).

    ``partial_success`` is set when records were rejected, or when ``message`` is
    a warning about an otherwise full success; the specification wants it unset
    on a plain success.
    """
    response = ExportLogsServiceResponse()
    if rejected_count > 0 or message:
        response.partial_success.rejected_log_records = rejected_count
        response.partial_success.error_message = message
    if response_content_type(content_type) == JSON:
        return orjson.dumps(json_format.MessageToDict(response))
    return response.SerializeToString()


def encode_status(code: int, message: str, content_type: str) -> bytes:
    """A google.rpc.Status in the request's encoding: the body of every OTLP 4xx/5xx.

    ``code`` is a google.rpc.Code (``RPC_CODE_FOR_HTTP`` maps the route's HTTP status).
    """
    status = Status(code=code, message=message)
    if response_content_type(content_type) == JSON:
        return orjson.dumps(json_format.MessageToDict(status))
    return status.SerializeToString()
