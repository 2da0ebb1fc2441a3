"""Loki push bodies (JSON; snappy-compressed protobuf) into AgentLog entries, and the
requests Loki's push API refuses whole."""

from __future__ import annotations

import cramjam
import orjson
import pytest

from tenantlog.protocols import Caps, ProtocolError, TooLarge, UnsupportedMediaType
from tenantlog.protocols.loki import parse_loki
from tests.unit.protocols.builders import JSON, PROTOBUF, loki_body, loki_stream, wire_field

CAPS = Caps()
NS = 1_767_225_600_123_456_789


def _json(*streams: object) -> bytes:
    return orjson.dumps({"streams": list(streams)})


def test_loki_protobuf_push_parses_into_entries() -> None:
    body = loki_body(
        loki_stream(
            '{job="varlogs", app="web", env="prod"}',
            (NS, "GET / 200"),
            (NS + 1, "GET /x 500", {"trace_id": "abc", "env": "from metadata"}),
        ),
        loki_stream('{app="api"}', (NS + 2, "boot")),
    )

    entries = parse_loki(body, PROTOBUF, CAPS)

    assert [(e.text, e.timestamp_ns) for e in entries] == [
        ("GET / 200", NS),
        ("GET /x 500", NS + 1),
        ("boot", NS + 2),
    ]
    assert entries[0].attributes == {"job": "varlogs", "app": "web", "env": "prod"}
    # structured metadata wins over a stream label of the same name
    assert entries[1].attributes == {
        "job": "varlogs",
        "app": "web",
        "env": "from metadata",
        "trace_id": "abc",
    }
    assert entries[0].stream == entries[1].stream == '{app="web", env="prod", job="varlogs"}'
    assert entries[2].stream == '{app="api"}'
    assert all(e.severity is None and e.severity_number is None for e in entries)


def test_loki_protobuf_wire_format_written_by_hand_parses() -> None:
    # GIVEN a push request encoded byte by byte from Loki's field numbers, not
    # from our .proto, with the fields we do not read (a format name, parsed
    # labels, the stream hash) set too
    label_pair = wire_field(1, b"trace_id") + wire_field(2, b"abc")
    timestamp = wire_field(1, 1_767_225_600) + wire_field(2, 123_456_789)
    entry = (
        wire_field(1, timestamp)
        + wire_field(2, b"GET / 200")
        + wire_field(3, label_pair)
        + wire_field(4, wire_field(1, b"parsed") + wire_field(2, b"x"))
    )
    stream = wire_field(1, b'{app="web"}') + wire_field(2, entry) + wire_field(3, 12345)
    request = wire_field(1, stream) + wire_field(2, b"some-format")
    body = bytes(cramjam.snappy.compress_raw(request))

    # WHEN it is parsed
    [parsed] = parse_loki(body, PROTOBUF, CAPS)

    # THEN every field lands where Loki means it
    assert parsed.text == "GET / 200"
    assert parsed.timestamp_ns == NS
    assert parsed.attributes == {"app": "web", "trace_id": "abc"}
    assert parsed.stream == '{app="web"}'


def test_loki_json_push_parses_into_entries() -> None:
    body = _json(
        {
            "stream": {"env": "prod", "app": "web"},
            "values": [
                [str(NS), "GET / 200"],
                [str(NS + 1), "GET /x 500", {"trace_id": "abc"}],
            ],
        }
    )

    entries = parse_loki(body, "application/json; charset=utf-8", CAPS)

    assert [(e.text, e.timestamp_ns, e.attributes) for e in entries] == [
        ("GET / 200", NS, {"env": "prod", "app": "web"}),
        ("GET /x 500", NS + 1, {"env": "prod", "app": "web", "trace_id": "abc"}),
    ]


def test_loki_json_and_protobuf_of_one_push_give_the_same_entries() -> None:
    lines = [(NS, "one"), (NS + 5, "two", {"user": "u-1"})]
    protobuf = loki_body(loki_stream('{b="2", a="1"}', *lines))
    json = _json(
        {
            "stream": {"a": "1", "b": "2"},
            "values": [[str(NS), "one"], [str(NS + 5), "two", {"user": "u-1"}]],
        }
    )

    assert parse_loki(protobuf, PROTOBUF, CAPS) == parse_loki(json, JSON, CAPS)


def test_loki_without_content_type_is_protobuf_as_in_loki() -> None:
    body = loki_body(loki_stream('{a="1"}', (NS, "x")))

    assert [e.text for e in parse_loki(body, "", CAPS)] == ["x"]


def test_loki_severity_comes_from_level_labels() -> None:
    body = loki_body(
        loki_stream(
            '{app="web", level="warn"}',
            (NS, "a"),
            (NS, "b", {"detected_level": "error"}),
            (NS, "c", {"level": "x" * 40}),
        )
    )

    entries = parse_loki(body, PROTOBUF, CAPS)

    assert [e.severity for e in entries] == ["warn", "error", None]


def test_loki_zero_time_is_none_and_empty_lines_are_skipped() -> None:
    body = _json({"stream": {"a": "1"}, "values": [["0", "no time"], [str(NS), ""]]})

    entries = parse_loki(body, JSON, CAPS)

    assert [(e.text, e.timestamp_ns) for e in entries] == [("no time", None)]


def test_loki_unsupported_content_type_is_refused() -> None:
    with pytest.raises(UnsupportedMediaType, match="application/x-protobuf or application/json"):
        parse_loki(b"", "text/plain", CAPS)


def test_loki_too_many_lines_fail_before_any_is_parsed() -> None:
    body = _json({"stream": {"a": "1"}, "values": [[str(NS), "x"]] * 6})

    with pytest.raises(TooLarge, match="6 log lines in one request, over the cap of 5"):
        parse_loki(body, JSON, Caps(max_records=5))


@pytest.mark.parametrize(
    ("caps", "lines", "message"),
    [
        (Caps(max_text_bytes=10), [(NS, "x" * 11)], "entries[0]: text over 10 bytes"),
        (CAPS, [(NS, "x", {"k" * 129: "v"})], "entries[0]: attribute key over 128 bytes"),
        (CAPS, [(NS, "x", {"k": "v" * 4097})], "entries[0]: attribute value over 4096 bytes"),
        (CAPS, [(NS, "x", {"": "v"})], "entries[0]: attribute with an empty key"),
        (
            CAPS,
            [(NS, "x", {f"m{i}": "v" for i in range(64)})],
            "entries[0]: more than 64 attributes",
        ),
        (
            Caps(max_record_bytes=100),
            [(NS, "x" * 60, {"k": "v" * 60})],
            "entries[0]: text and attributes over 100 bytes",
        ),
    ],
)
def test_loki_record_over_a_cap_fails_the_push_naming_it(
    caps: Caps, lines: list[tuple[int, str, dict[str, str]]], message: str
) -> None:
    body = loki_body(loki_stream('{app="web"}', (NS, "fine"), *lines))

    with pytest.raises(ProtocolError, match="streams\\[0\\]\\.") as raised:
        parse_loki(body, PROTOBUF, caps)

    assert message.replace("entries[0]", "entries[1]") in str(raised.value)


def test_loki_stream_labels_over_a_cap_fail_the_push() -> None:
    huge = "v" * 1_000_000
    body = loki_body(loki_stream(f'{{app="{huge}"}}', (NS, "x")))

    with pytest.raises(ProtocolError, match="streams\\[0\\]: labels: attribute value over 4096"):
        parse_loki(body, PROTOBUF, CAPS)


@pytest.mark.parametrize(
    ("stream", "message"),
    [
        (loki_stream("", (NS, "x")), "streams[0]: labels: expected '{' at offset 0"),
        (loki_stream("{}", (NS, "x")), "streams[0]: labels: a stream needs at least one label"),
        (loki_stream('{a="1"', (NS, "x")), "expected ',' or '}'"),
    ],
)
def test_loki_malformed_labels_fail_the_push(stream: object, message: str) -> None:
    with pytest.raises(ProtocolError) as raised:
        parse_loki(loki_body(stream), PROTOBUF, CAPS)  # type: ignore[arg-type]

    assert message in str(raised.value)


@pytest.mark.parametrize(("seconds", "nanos"), [(-1, 0), (0, -1), (0, 1_000_000_000), (2**62, 0)])
def test_loki_protobuf_time_out_of_range_fails_the_push(seconds: int, nanos: int) -> None:
    stream = loki_stream('{a="1"}', (NS, "x"))
    stream.entries[0].timestamp.seconds = seconds
    stream.entries[0].timestamp.nanos = nanos

    with pytest.raises(ProtocolError, match=r"streams\[0\]\.entries\[0\]\.timestamp: out of range"):
        parse_loki(loki_body(stream), PROTOBUF, CAPS)


def test_loki_protobuf_that_is_not_a_push_request_fails() -> None:
    body = bytes(cramjam.snappy.compress_raw(b"\x0a\x05\x0a\x03"))

    with pytest.raises(ProtocolError, match="malformed protobuf: not a Loki PushRequest"):
        parse_loki(body, PROTOBUF, CAPS)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{", "malformed JSON"),
        (b"[]", "the JSON body needs a list under 'streams'"),
        (b'{"streams": {}}', "the JSON body needs a list under 'streams'"),
        (b'{"streams": [{"stream": {"a": "1"}}]}', "streams[0] needs a list under 'values'"),
        (
            b'{"streams": [{"values": []}]}',
            "streams[0]: 'stream' needs an object of at least one label",
        ),
        (
            b'{"streams": [{"stream": {"a.b": "1"}, "values": []}]}',
            "streams[0]: a label name is not [a-zA-Z_][a-zA-Z0-9_]*",
        ),
        (
            b'{"streams": [{"stream": {"a": 1}, "values": []}]}',
            "streams[0]: a label value is not a string",
        ),
        (
            b'{"streams": [{"stream": {"a": "1"}, "values": [["1"]]}]}',
            "streams[0].values[0]: an entry is a list of 2 or 3 elements",
        ),
        (
            b'{"streams": [{"stream": {"a": "1"}, "values": [[1, "secret"]]}]}',
            "streams[0].values[0]: the time is not a string of Unix nanoseconds",
        ),
        (
            b'{"streams": [{"stream": {"a": "1"}, "values": [["-1", "secret"]]}]}',
            "the time is not a string of Unix nanoseconds",
        ),
        (
            b'{"streams": [{"stream": {"a": "1"}, "values": [["9223372036854775808", "s"]]}]}',
            "the time is not a string of Unix nanoseconds",
        ),
        (
            b'{"streams": [{"stream": {"a": "1"}, "values": [["\xd9\xa1", "secret"]]}]}',
            "the time is not a string of Unix nanoseconds",
        ),
        (
            b'{"streams": [{"stream": {"a": "1"}, "values": [["1", 5]]}]}',
            "the line is not a string",
        ),
        (
            b'{"streams": [{"stream": {"a": "1"}, "values": [["1", "secret", {"k": 1}]]}]}',
            "structured metadata is not an object of strings",
        ),
    ],
)
def test_loki_malformed_json_fails_naming_the_place(body: bytes, message: str) -> None:
    with pytest.raises(ProtocolError) as raised:
        parse_loki(body, JSON, CAPS)

    assert message in str(raised.value)
    assert "secret" not in str(raised.value)
