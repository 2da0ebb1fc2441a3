"""OTLP records over a cap are rejected one by one (partial_success); a request that
is not OTLP, or over the record count, fails whole. Hostile input included."""

from __future__ import annotations

import orjson
import pytest
from opentelemetry.proto.common.v1.common_pb2 import (
    AnyValue,
    ArrayValue,
    InstrumentationScope,
    KeyValue,
)
from opentelemetry.proto.logs.v1.logs_pb2 import ResourceLogs, ScopeLogs

from tenantlog.protocols import Caps, ProtocolError, TooLarge
from tenantlog.protocols.otlp import parse_otlp
from tests.unit.protocols.builders import (
    JSON,
    PROTOBUF,
    key_values,
    otlp_request,
    record,
    wire_field,
)

CAPS = Caps()


def _nested(depth: int) -> AnyValue:
    """An AnyValue of ``depth`` arrays, one inside the other."""
    value = AnyValue(string_value="leaf")
    for _ in range(depth):
        value = AnyValue(array_value=ArrayValue(values=[value]))
    return value


def _rejection(reason_record: object, caps: Caps = CAPS) -> tuple[int, str]:
    request = otlp_request([record("kept"), reason_record])  # type: ignore[list-item]
    batch = parse_otlp(request.SerializeToString(), PROTOBUF, caps)
    assert [e.text for e in batch.entries] == ["kept"]
    return batch.rejected_count, batch.rejected_message


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (record(None), "log record has no body"),
        (record(""), "log record has an empty body"),
        (record("x" * 65537), "text over 65536 bytes"),
        (record("é" * 32769), "text over 65536 bytes"),
        (record(attributes={f"k{i}": "v" for i in range(64)}), "more than 64 attributes"),
        (record(attributes={"k" * 129: "v"}), "attribute key over 128 bytes"),
        (record(attributes={"€" * 43: "v"}), "attribute key over 128 bytes"),
        (record(attributes={"k": "v" * 4097}), "attribute value over 4096 bytes"),
        (record(attributes={"": "v"}), "attribute with an empty key"),
        (record(severity_text="x" * 33), "severity text is not 1-32 printable characters"),
        (record(severity_text="IN\nFO"), "severity text is not 1-32 printable characters"),
        (record(time_unix_nano=2**63), "timestamp after 2262"),
        (
            record("x" * 60000, attributes={f"k{i}": "v" * 4000 for i in range(30)}),
            "text and attributes over 131072 bytes",
        ),
    ],
)
def test_otlp_record_over_a_cap_is_rejected_alone(bad: object, reason: str) -> None:
    count, message = _rejection(bad)

    assert count == 1
    assert message.startswith("1 log record rejected: ")
    assert reason in message


def test_otlp_rejection_message_counts_each_reason() -> None:
    request = otlp_request([record(None), record("ok"), record(None), record("")])

    batch = parse_otlp(request.SerializeToString(), PROTOBUF, CAPS)

    assert batch.rejected_count == 3
    assert batch.rejected_message == (
        "3 log records rejected: log record has no body (2); log record has an empty body (1)"
    )


def test_otlp_nesting_is_capped_in_bodies_and_attributes() -> None:
    deep_body = record(None)
    deep_body.body.CopyFrom(_nested(33))
    deep_attribute = record(attributes={})
    deep_attribute.attributes.append(KeyValue(key="k", value=_nested(33)))
    just_fits = record(None)
    just_fits.body.CopyFrom(_nested(32))
    request = otlp_request([deep_body, deep_attribute, just_fits])

    batch = parse_otlp(request.SerializeToString(), PROTOBUF, CAPS)

    assert batch.rejected_count == 2
    assert "value nested deeper than 32 levels (2)" in batch.rejected_message
    assert batch.entries[0].text == "[" * 32 + '"leaf"' + "]" * 32


def test_otlp_nesting_beyond_protobufs_own_limit_fails_the_request() -> None:
    # protobuf's decoder refuses messages nested about 100 deep (the message
    # classes cannot even build one), so the body is written by hand
    value = AnyValue(string_value="leaf").SerializeToString()
    for _ in range(200):
        value = wire_field(5, wire_field(1, value))  # AnyValue.array_value.values
    log_record = wire_field(5, value)  # LogRecord.body
    # ExportLogsServiceRequest.resource_logs.scope_logs.log_records
    body = wire_field(1, wire_field(2, wire_field(2, log_record)))

    with pytest.raises(ProtocolError, match="malformed protobuf"):
        parse_otlp(body, PROTOBUF, CAPS)


def test_otlp_resource_or_scope_over_a_cap_rejects_each_of_its_records() -> None:
    request = otlp_request([record("a"), record("b")], resource={"k": "v" * 5000})
    scope = InstrumentationScope(name="s", attributes=key_values({"k" * 200: "v"}))
    request.resource_logs.append(
        ResourceLogs(scope_logs=[ScopeLogs(scope=scope, log_records=[record("c")])])
    )
    deep = ResourceLogs(scope_logs=[ScopeLogs(log_records=[record("d"), record("e")])])
    deep.resource.attributes.append(KeyValue(key="k", value=_nested(40)))
    request.resource_logs.append(deep)
    request.resource_logs.append(ResourceLogs(scope_logs=[ScopeLogs(log_records=[record("f")])]))

    batch = parse_otlp(request.SerializeToString(), PROTOBUF, CAPS)

    assert [e.text for e in batch.entries] == ["f"]
    assert batch.rejected_count == 5
    assert "attribute value over 4096 bytes (2)" in batch.rejected_message
    assert "attribute key over 128 bytes (1)" in batch.rejected_message
    assert "value nested deeper than 32 levels (2)" in batch.rejected_message


def test_otlp_too_many_records_fail_the_request_naming_the_cap() -> None:
    request = otlp_request([record(str(i)) for i in range(11)])

    with pytest.raises(TooLarge, match="11 log records in one request, over the cap of 10"):
        parse_otlp(request.SerializeToString(), PROTOBUF, Caps(max_records=10))


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xff\xff",
        b"\x0a\x05\x0a\x03",  # a length running past the end
        otlp_request([record()]).SerializeToString()[:-3],
        b"\x0a\x02\x0a\x00" * 3 + b"\x12",  # a field without its value
    ],
)
def test_otlp_malformed_protobuf_fails_the_request(body: bytes) -> None:
    with pytest.raises(ProtocolError, match="malformed protobuf: not an ExportLogsServiceRequest"):
        parse_otlp(body, PROTOBUF, CAPS)


def test_otlp_invalid_utf8_in_a_string_fails_the_request() -> None:
    good = otlp_request([record("abc")]).SerializeToString()
    bad = good.replace(b"abc", b"a\xffc")

    with pytest.raises(ProtocolError, match="malformed protobuf"):
        parse_otlp(bad, PROTOBUF, CAPS)


def _json_log(**fields: object) -> bytes:
    log = {"body": {"stringValue": "secret text"}, **fields}
    return orjson.dumps({"resourceLogs": [{"scopeLogs": [{"logRecords": [log]}]}]})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "malformed JSON"),
        (b"[]", "the JSON body is not an object"),
        (b'{"resourceLogs": "x"}', "JSON field resourceLogs does not match"),
        (
            _json_log(timeUnixNano="secret text"),
            "JSON field resourceLogs.scopeLogs.logRecords.timeUnixNano does not match",
        ),
        (
            _json_log(traceId="secret text"),
            "resourceLogs[0].scopeLogs[0].logRecords[0].traceId is not an even number of hex",
        ),
        (_json_log(spanId="abc"), "logRecords[0].spanId is not an even number of hex digits"),
        (_json_log(severityNumber=[9]), "logRecords.severityNumber does not match"),
        (
            b'{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"\\ud800"}}]}]}]}',
            "malformed JSON",
        ),
    ],
)
def test_otlp_malformed_json_names_the_field_never_the_data(body: bytes, message: str) -> None:
    with pytest.raises(ProtocolError) as raised:
        parse_otlp(body, JSON, CAPS)

    assert message in str(raised.value)
    assert "secret" not in str(raised.value)


def test_otlp_json_nested_too_deeply_for_protobufs_parser_fails_the_request() -> None:
    depth = 120
    value = '{"arrayValue":{"values":[' * depth + '{"stringValue":"leaf"}' + "]}}" * depth
    body = ('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":' + value + "}]}]}]}").encode()

    with pytest.raises(ProtocolError, match="nested too deeply"):
        parse_otlp(body, JSON, CAPS)


def test_otlp_json_snake_case_ids_are_read_as_hex_too() -> None:
    body = _json_log(trace_id="0102", span_id="0A0B")

    [entry] = parse_otlp(body, JSON, CAPS).entries

    assert (entry.attributes["trace_id"], entry.attributes["span_id"]) == ("0102", "0a0b")
