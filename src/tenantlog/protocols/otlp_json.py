"""OTLP/JSON bodies into ``ExportLogsServiceRequest`` messages.

OTLP/JSON is protobuf's JSON mapping (lowerCamelCase keys, 64-bit integers as
strings or numbers, unknown keys ignored) with one difference that matters for
logs: ``traceId`` and ``spanId`` are hex, where the standard mapping reads bytes
as base64. A 32-character hex trace id is also valid base64, so parsing it as the
mapping says would silently give 24 wrong bytes; the ids are therefore rewritten
from hex to base64 in the decoded JSON before protobuf's parser sees it.
protobuf's parser also accepts the original snake_case names, which the OTLP
specification forbids; they are read rather than refused (being lenient costs
nothing), and their ids are treated as hex too.

Parser errors are reduced to the path of the failing field: protobuf's own
messages can quote the offending value, and error messages never carry data.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import orjson
from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

from tenantlog.protocols.entries import ProtocolError

_HEX = re.compile(r"(?:[0-9a-fA-F]{2})*")
_FAILED_FIELD = re.compile(r"Failed to parse (\w+) field")
_ID_KEYS = ("traceId", "spanId", "trace_id", "span_id")


def request_from_json(body: bytes) -> ExportLogsServiceRequest:
    """Parse an OTLP/JSON logs request, or raise ``ProtocolError`` naming the problem."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ProtocolError("malformed JSON") from None
    if not isinstance(data, dict):
        raise ProtocolError("the JSON body is not an object")
    _ids_from_hex(data)
    request = ExportLogsServiceRequest()
    try:
        json_format.ParseDict(data, request, ignore_unknown_fields=True)
    except json_format.ParseError as exc:
        raise ProtocolError(_describe(str(exc))) from None
    return request


def _ids_from_hex(data: dict[str, Any]) -> None:
    for r, resource_logs in _items(data, "resourceLogs", "resource_logs"):
        for s, scope_logs in _items(resource_logs, "scopeLogs", "scope_logs"):
            for n, record in _items(scope_logs, "logRecords", "log_records"):
                for key in _ID_KEYS:
                    value = record.get(key)
                    if not isinstance(value, str):
                        continue  # absent, or a type protobuf's parser will refuse
                    if _HEX.fullmatch(value) is None:
                        path = f"resourceLogs[{r}].scopeLogs[{s}].logRecords[{n}].{key}"
                        raise ProtocolError(f"{path} is not an even number of hex digits")
                    record[key] = base64.b64encode(bytes.fromhex(value)).decode("ascii")


def _items(parent: object, *keys: str) -> list[tuple[int, dict[str, Any]]]:
    """The objects listed under the first of ``keys`` present, with their positions.

    Wrong shapes are skipped here and left to protobuf's parser to refuse.
    """
    if not isinstance(parent, dict):
        return []
    for key in keys:
        if key in parent:
            value = parent[key]
            if not isinstance(value, list):
                return []
            return [(index, item) for index, item in enumerate(value) if isinstance(item, dict)]
    return []


def _describe(error: str) -> str:
    if "too deep" in error:
        return "JSON nested too deeply for an OTLP request"
    path = ".".join(_FAILED_FIELD.findall(error))
    if path:
        return f"JSON field {path} does not match the OTLP logs schema"
    return "JSON does not match the OTLP logs schema (ExportLogsServiceRequest)"
