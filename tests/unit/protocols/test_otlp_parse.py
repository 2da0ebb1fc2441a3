"""OTLP/HTTP logs bodies into AgentLog entries: real encoders in, the mapping out."""

from __future__ import annotations

import base64
import math

import orjson
import pytest
import requests
from google.protobuf import json_format
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import InstrumentationScope
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

from tenantlog.protocols import Caps, ProtocolError, UnsupportedMediaType
from tenantlog.protocols.otlp import parse_otlp
from tests.unit.protocols.builders import (
    JSON,
    PROTOBUF,
    CapturingAdapter,
    key_values,
    otlp_request,
    record,
)


def _value(kind: str, value: object) -> dict[str, object]:
    return {kind: value}


def _kv(key: str, value: dict[str, object]) -> dict[str, object]:
    return {"key": key, "value": value}


#: A request in the OTLP/HTTP JSON mapping with every shape of the specification's own
#: logs example: 64-bit integers as strings, trace ids in upper-case hex, nested values.
SPEC_SHAPED_REQUEST: dict[str, object] = {
    "resourceLogs": [
        {
            "resource": {"attributes": [_kv("service.name", _value("stringValue", "my.service"))]},
            "scopeLogs": [
                {
                    "scope": {
                        "name": "my.library",
                        "version": "1.0.0",
                        "attributes": [
                            _kv("my.scope.attribute", _value("stringValue", "some scope attribute"))
                        ],
                    },
                    "logRecords": [
                        {
                            "timeUnixNano": "1544712660300000000",
                            "observedTimeUnixNano": "1544712660300000000",
                            "severityNumber": 10,
                            "severityText": "Information",
                            "traceId": "5B8EFFF798038103D269B633813FC60C",
                            "spanId": "EEE19B7EC3C1B174",
                            "body": _value("stringValue", "Example log record"),
                            "attributes": [
                                _kv("string.attribute", _value("stringValue", "some string")),
                                _kv("boolean.attribute", _value("boolValue", True)),
                                _kv("int.attribute", _value("intValue", "10")),
                                _kv("double.attribute", _value("doubleValue", 637.704)),
                                _kv(
                                    "array.attribute",
                                    _value(
                                        "arrayValue",
                                        {
                                            "values": [
                                                _value("stringValue", "many"),
                                                _value("stringValue", "values"),
                                            ]
                                        },
                                    ),
                                ),
                                _kv(
                                    "map.attribute",
                                    _value(
                                        "kvlistValue",
                                        {
                                            "values": [
                                                _kv(
                                                    "some.map.key",
                                                    _value("stringValue", "some value"),
                                                )
                                            ]
                                        },
                                    ),
                                ),
                            ],
                        }
                    ],
                }
            ],
        }
    ]
}
EXAMPLE = orjson.dumps(SPEC_SHAPED_REQUEST)
CAPS = Caps()


def _parse_one(body: bytes, content_type: str = PROTOBUF) -> dict[str, object]:
    batch = parse_otlp(body, content_type, CAPS)
    assert batch.rejected_count == 0, batch.rejected_message
    assert len(batch.entries) == 1
    entry = batch.entries[0]
    return {
        "text": entry.text,
        "timestamp_ns": entry.timestamp_ns,
        "severity": entry.severity,
        "severity_number": entry.severity_number,
        "attributes": entry.attributes,
    }


def test_otlp_sdk_exporter_requests_parse_into_entries() -> None:
    # GIVEN the OpenTelemetry SDK with its OTLP/HTTP exporter, a resource, a
    # scope and a record logged inside a span
    adapter = CapturingAdapter()
    session = requests.Session()
    session.mount("http://", adapter)
    exporter = OTLPLogExporter(endpoint="http://127.0.0.1:4318/v1/logs", session=session)
    provider = LoggerProvider(resource=Resource.create({"service.name": "checkout"}))
    provider.add_log_record_processor(BatchLogRecordProcessor(exporter))
    logger = provider.get_logger("shop.orders", "1.2.0")
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("place order") as span:
        logger.emit(
            timestamp=1_700_000_000_123_456_789,
            severity_number=SeverityNumber.WARN,
            severity_text="WARN",
            body="order 42 placed late",
            attributes={"order.id": 42, "paid": True, "ratio": 0.25, "tags": ["a", "b"]},
        )
    logger.emit(
        body={"msg": "structured", "n": [1, 2.5, None]}, severity_number=SeverityNumber.INFO
    )

    # WHEN the exporter sends its batch and we parse what it sent
    provider.force_flush()
    provider.shutdown()
    session.close()
    [sent] = adapter.requests
    assert isinstance(sent.body, bytes)
    batch = parse_otlp(sent.body, str(sent.headers["Content-Type"]), CAPS)

    # THEN both records come out with the resource, scope and record attributes
    assert batch.rejected_count == 0
    first, second = batch.entries
    context = span.get_span_context()
    assert first.text == "order 42 placed late"
    assert first.timestamp_ns == 1_700_000_000_123_456_789
    assert (first.severity, first.severity_number) == ("WARN", 13)
    assert first.attributes["service.name"] == "checkout"
    assert first.attributes["telemetry.sdk.language"] == "python"
    assert first.attributes["otel.scope.name"] == "shop.orders"
    assert first.attributes["otel.scope.version"] == "1.2.0"
    assert first.attributes["order.id"] == "42"
    assert first.attributes["paid"] == "true"
    assert first.attributes["ratio"] == "0.25"
    assert first.attributes["tags"] == '["a","b"]'
    assert first.attributes["trace_id"] == f"{context.trace_id:032x}"
    assert first.attributes["span_id"] == f"{context.span_id:016x}"
    # a record without a time of its own takes the observed time the SDK set
    assert second.text == '{"msg":"structured","n":[1,2.5,null]}'
    assert second.timestamp_ns is not None and second.timestamp_ns > 1_700_000_000_000_000_000
    assert (second.severity, second.severity_number) == ("INFO", 9)
    assert "trace_id" not in second.attributes
    assert first.stream == second.stream


def test_otlp_json_shaped_like_the_specifications_example_parses() -> None:
    entry = _parse_one(EXAMPLE, JSON)

    assert entry == {
        "text": "Example log record",
        "timestamp_ns": 1544712660300000000,
        "severity": "Information",
        "severity_number": 10,
        "attributes": {
            "service.name": "my.service",
            "my.scope.attribute": "some scope attribute",
            "otel.scope.name": "my.library",
            "otel.scope.version": "1.0.0",
            "string.attribute": "some string",
            "boolean.attribute": "true",
            "int.attribute": "10",
            "double.attribute": "637.704",
            "array.attribute": '["many","values"]',
            "map.attribute": '{"some.map.key":"some value"}',
            # hex in the JSON, not base64: the specification's one deviation
            "trace_id": "5b8efff798038103d269b633813fc60c",
            "span_id": "eee19b7ec3c1b174",
        },
    }


def test_otlp_json_and_protobuf_of_one_request_give_the_same_entries() -> None:
    # GIVEN a request shaped like the specification's JSON example, re-encoded as protobuf
    data = orjson.loads(EXAMPLE)
    log = data["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]
    for key in ("traceId", "spanId"):
        log[key] = base64.b64encode(bytes.fromhex(log[key])).decode()
    request = json_format.ParseDict(data, ExportLogsServiceRequest())

    # WHEN both encodings are parsed THEN they agree entry for entry
    from_json = parse_otlp(EXAMPLE, JSON, CAPS).entries
    from_protobuf = parse_otlp(request.SerializeToString(), PROTOBUF, CAPS).entries
    assert from_json == from_protobuf


def test_otlp_json_accepts_numbers_for_64_bit_integers_and_charset_parameters() -> None:
    body = orjson.dumps(
        {
            "resourceLogs": [
                {
                    "scopeLogs": [
                        {
                            "logRecords": [
                                {
                                    "timeUnixNano": 1544712660300000000,
                                    "body": {"stringValue": "x"},
                                    "attributes": [{"key": "n", "value": {"intValue": 7}}],
                                    "someFutureField": {"ignored": True},
                                }
                            ]
                        }
                    ]
                }
            ]
        }
    )

    entry = _parse_one(body, "application/json; charset=utf-8")

    assert entry["timestamp_ns"] == 1544712660300000000
    assert entry["attributes"] == {"n": "7"}


def test_otlp_attribute_precedence_is_resource_then_scope_then_record_then_fields() -> None:
    scope = InstrumentationScope(
        name="lib", version="2", attributes=key_values({"k2": "scope", "k3": "scope"})
    )
    request = otlp_request(
        [
            record(
                attributes={"k3": "record", "trace_id": "from attribute"},
                trace_id=bytes(range(16)),
            )
        ],
        resource={"k1": "resource", "k2": "resource", "k3": "resource"},
        scope=scope,
    )

    entry = _parse_one(request.SerializeToString())

    assert entry["attributes"] == {
        "k1": "resource",
        "k2": "scope",
        "k3": "record",
        "trace_id": "000102030405060708090a0b0c0d0e0f",
        "otel.scope.name": "lib",
        "otel.scope.version": "2",
    }


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ("plain", "plain"),
        (42, "42"),
        (-7, "-7"),
        (True, "true"),
        (0.1, "0.1"),
        (1e100, "1e+100"),
        (math.inf, "inf"),
        (b"\x00\xff", "AP8="),
        (["a", 1, False, None], '["a",1,false,null]'),
        ({"k": {"nested": [b"\x01"]}}, '{"k":{"nested":["AQ=="]}}'),
        ([math.nan], "[null]"),
    ],
)
def test_otlp_body_of_any_type_becomes_text(body: object, text: str) -> None:
    request = otlp_request([record(body)])

    assert _parse_one(request.SerializeToString())["text"] == text


def test_otlp_time_falls_back_to_observed_time_and_absent_is_none() -> None:
    request = otlp_request(
        [
            record("a", time_unix_nano=5, observed_time_unix_nano=9),
            record("b", observed_time_unix_nano=9),
            record("c"),
        ]
    )

    entries = parse_otlp(request.SerializeToString(), PROTOBUF, CAPS).entries

    assert [e.timestamp_ns for e in entries] == [5, 9, None]


def test_otlp_severity_name_is_derived_from_the_number_when_text_is_empty() -> None:
    request = otlp_request(
        [
            record(severity_number=10),
            record(severity_number=24),
            record(severity_number=1, severity_text="trace-ish"),
            record(severity_number=99),  # proto3 enums are open: an unknown number
            record(),
        ]
    )

    entries = parse_otlp(request.SerializeToString(), PROTOBUF, CAPS).entries

    assert [(e.severity, e.severity_number) for e in entries] == [
        ("INFO2", 10),
        ("FATAL4", 24),
        ("trace-ish", 1),
        (None, None),
        (None, None),
    ]


def test_otlp_event_name_becomes_an_attribute() -> None:
    request = otlp_request([record(event_name="browser.click")])

    assert _parse_one(request.SerializeToString())["attributes"] == {
        "service.name": "web",
        "event.name": "browser.click",
    }


def test_otlp_stream_depends_on_resource_attributes_not_their_order() -> None:
    one = otlp_request([record()], resource={"a": "1", "b": "2"})
    same = otlp_request([record()], resource={"b": "2", "a": "1"})
    other = otlp_request([record()], resource={"a": "1", "b": "3"})

    [first] = parse_otlp(one.SerializeToString(), PROTOBUF, CAPS).entries
    [second] = parse_otlp(same.SerializeToString(), PROTOBUF, CAPS).entries
    [third] = parse_otlp(other.SerializeToString(), PROTOBUF, CAPS).entries

    assert first.stream == second.stream != third.stream


def test_otlp_empty_request_is_an_empty_batch() -> None:
    for body, content_type in ((b"", PROTOBUF), (b"{}", JSON)):
        batch = parse_otlp(body, content_type, CAPS)
        assert (batch.entries, batch.rejected_count, batch.rejected_message) == ([], 0, "")


def test_otlp_unsupported_content_type_is_refused() -> None:
    with pytest.raises(UnsupportedMediaType, match="application/x-protobuf"):
        parse_otlp(b"", "text/plain", CAPS)


def test_otlp_entries_are_independent_dicts() -> None:
    request = otlp_request([record("a"), record("b")])
    first, second = parse_otlp(request.SerializeToString(), PROTOBUF, CAPS).entries

    first.attributes["x"] = "y"

    assert "x" not in second.attributes


def test_otlp_protocol_error_is_a_value_error() -> None:
    assert issubclass(ProtocolError, ValueError)
