"""Builders shared by the agent protocol tests: real encoders wherever one exists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import cramjam
from google.protobuf.timestamp_pb2 import Timestamp
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import (
    AnyValue,
    ArrayValue,
    InstrumentationScope,
    KeyValue,
    KeyValueList,
)
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from requests.adapters import BaseAdapter
from requests.models import PreparedRequest, Response

from tenantlog.protocols.loki_push_pb2 import Entry, LabelPair, PushRequest, Stream

PROTOBUF = "application/x-protobuf"
JSON = "application/json"


def any_value(value: Any) -> AnyValue:
    """An AnyValue of a plain Python value, as the SDK's encoder maps them."""
    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, float):
        return AnyValue(double_value=value)
    if isinstance(value, bytes):
        return AnyValue(bytes_value=value)
    if isinstance(value, str):
        return AnyValue(string_value=value)
    if isinstance(value, Mapping):
        pairs = [KeyValue(key=k, value=any_value(v)) for k, v in value.items()]
        return AnyValue(kvlist_value=KeyValueList(values=pairs))
    if isinstance(value, Sequence):
        return AnyValue(array_value=ArrayValue(values=[any_value(v) for v in value]))
    return AnyValue()


def key_values(attributes: Mapping[str, Any]) -> list[KeyValue]:
    return [KeyValue(key=k, value=any_value(v)) for k, v in attributes.items()]


def otlp_request(
    records: Sequence[LogRecord],
    resource: Mapping[str, Any] | None = None,
    scope: InstrumentationScope | None = None,
) -> ExportLogsServiceRequest:
    """One resource, one scope, the given records."""
    scope_logs = ScopeLogs(scope=scope or InstrumentationScope(), log_records=records)
    resource_logs = ResourceLogs(
        resource=Resource(attributes=key_values(resource or {"service.name": "web"})),
        scope_logs=[scope_logs],
    )
    return ExportLogsServiceRequest(resource_logs=[resource_logs])


def record(body: Any = "hello", **fields: Any) -> LogRecord:
    """A LogRecord with a body (None: no body) and the given fields."""
    attributes = fields.pop("attributes", {})
    made = LogRecord(attributes=key_values(attributes), **fields)
    if body is not None:
        made.body.CopyFrom(any_value(body))
    return made


def loki_stream(labels: str, *lines: tuple[Any, ...]) -> Stream:
    """A stream of ``(ns, line)`` or ``(ns, line, structured metadata)`` entries."""
    entries = []
    for line in lines:
        ns, text = line[0], line[1]
        metadata = line[2] if len(line) == 3 else {}
        entries.append(
            Entry(
                timestamp=Timestamp(seconds=ns // 1_000_000_000, nanos=ns % 1_000_000_000),
                line=text,
                structured_metadata=[LabelPair(name=k, value=v) for k, v in metadata.items()],
            )
        )
    return Stream(labels=labels, entries=entries)


def loki_body(*streams: Stream) -> bytes:
    """A Loki protobuf push body: the request, snappy block-compressed."""
    return bytes(cramjam.snappy.compress_raw(PushRequest(streams=streams).SerializeToString()))


class CapturingAdapter(BaseAdapter):
    """A requests transport that keeps each request and answers 200, so the SDK's
    real HTTP exporter runs without a network."""

    def __init__(self, answer: bytes = b"") -> None:
        super().__init__()
        self.requests: list[PreparedRequest] = []
        self.answer = answer

    def send(self, request: PreparedRequest, *args: Any, **kwargs: Any) -> Response:
        self.requests.append(request)
        response = Response()
        response.status_code = 200
        response._content = self.answer
        response.headers["Content-Type"] = PROTOBUF
        response.request = request
        response.url = request.url or ""
        return response

    def close(self) -> None:
        pass


def varint(value: int) -> bytes:
    """A protobuf base-128 varint, written by hand."""
    out = b""
    while value >= 0x80:
        out += bytes([value & 0x7F | 0x80])
        value >>= 7
    return out + bytes([value])


def wire_field(number: int, payload: bytes | int) -> bytes:
    """One protobuf field written by hand: a varint for an int, else length-delimited."""
    if isinstance(payload, int):
        return varint(number << 3) + varint(payload)
    return varint(number << 3 | 2) + varint(len(payload)) + payload
