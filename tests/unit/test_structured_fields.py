"""Structured logs at /ingest (DESIGN §3): the event time, severity and attributes a
client may send next to the text, their canonical forms, limits and refusals."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenantlog.core.models import (
    MAX_TIMESTAMP_NS,
    InternalMessage,
    ns_from_rfc3339,
    timestamp_from_ns,
)
from tenantlog.core.normalise import Ingested, IngestRequest, normalise
from tenantlog.core.validation import IngestError, Limits

LIMITS = Limits(max_text_bytes=1000, max_body_bytes=100_000, max_record_bytes=2000)
NDJSON = "application/x-ndjson"


def run(payload: object, limits: Limits = LIMITS) -> Ingested:
    ids = (f"gen-{n}" for n in itertools.count(1))
    request = IngestRequest("application/json", orjson.dumps(payload))
    return normalise(request, limits, now=lambda: "NOW", new_log_id=lambda: next(ids))


def refused(payload: object, limits: Limits = LIMITS) -> tuple[int, str]:
    with pytest.raises(IngestError) as caught:
        run(payload, limits)
    return caught.value.status, caught.value.message


def test_the_seeds_body_is_unchanged_and_encodes_as_before() -> None:
    [message] = run({"tenant_id": "acme", "log_id": "1", "text": "hello"}).messages
    assert (message.timestamp, message.severity, message.attributes) == (None, None, {})
    assert orjson.loads(message.encode()) == {
        "tenant_id": "acme",
        "log_id": "1",
        "source": "json_upload",
        "text": "hello",
        "received_at": "NOW",
    }


def test_structured_fields_are_kept_in_canonical_form() -> None:
    payload = {
        "tenant_id": "acme",
        "text": "payment failed",
        "timestamp": "2024-03-01T12:00:00.5+02:00",
        "severity": "ERROR",
        "attributes": {"service": "pay", "status": 500, "retry": False, "ratio": 0.5},
    }
    [message] = run(payload).messages
    assert message.timestamp == "2024-03-01T10:00:00.500000000Z"
    assert message.severity == "ERROR"
    assert message.attributes == {
        "service": "pay",
        "status": "500",
        "retry": "false",
        "ratio": "0.5",
    }
    assert InternalMessage.decode(message.encode()) == message


def test_a_timestamp_may_be_unix_nanoseconds() -> None:
    payload = {"tenant_id": "a", "text": "x", "timestamp": 1_700_000_000_123_456_789}
    assert run(payload).messages[0].timestamp == "2023-11-14T22:13:20.123456789Z"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timestamp", "yesterday", "invalid timestamp: not an RFC 3339 time with an offset"),
        ("timestamp", "2024-01-01T00:00:00", "invalid timestamp: not an RFC 3339 time"),
        ("timestamp", "2024-02-30T00:00:00Z", "invalid timestamp: not a valid date or time"),
        ("timestamp", -1, "timestamp out of range"),
        ("timestamp", True, "timestamp must be an RFC 3339 string or integer Unix nanoseconds"),
        ("timestamp", 1.5, "timestamp must be an RFC 3339 string or integer Unix nanoseconds"),
        ("severity", 3, "severity must be a string"),
        ("severity", "", "invalid severity: use 1-32 printable characters"),
        ("severity", "x" * 33, "invalid severity: use 1-32 printable characters"),
        ("attributes", ["a"], "attributes must be an object of strings"),
        ("attributes", {"k": {"nested": 1}}, "attribute 'k' must be a string, number or boolean"),
        ("attributes", {"k": None}, "attribute 'k' must be a string, number or boolean"),
        ("attributes", {"": "v"}, "invalid attribute name: use 1-128 bytes of UTF-8"),
        ("attributes", {"k" * 129: "v"}, "invalid attribute name: use 1-128 bytes of UTF-8"),
    ],
)
def test_a_malformed_field_is_a_400_naming_it(field: str, value: object, message: str) -> None:
    status, error = refused({"tenant_id": "a", "text": "x", field: value})
    assert status == 400
    assert error.startswith(message)


def test_attribute_limits_are_413s_naming_the_setting() -> None:
    many = {f"k{n}": "v" for n in range(65)}
    assert refused({"tenant_id": "a", "text": "x", "attributes": many}) == (
        413,
        "payload too large: more than 64 attributes (TENANTLOG_MAX_ATTRIBUTES)",
    )
    big = {"k": "v" * 4097}
    assert refused(
        {"tenant_id": "a", "text": "x", "attributes": big}, Limits(max_record_bytes=100_000)
    ) == (
        413,
        "payload too large: attribute 'k' over 4096 bytes (TENANTLOG_MAX_ATTRIBUTE_VALUE_BYTES)",
    )


def test_the_text_and_attributes_share_one_budget() -> None:
    within = {"tenant_id": "a", "text": "x" * 900, "attributes": {"k": "v" * 1000}}
    assert run(within).messages[0].attributes["k"] == "v" * 1000
    over = {"tenant_id": "a", "text": "x" * 1000, "attributes": {"k": "v" * 1000}}
    assert refused(over) == (
        413,
        "payload too large: log over 2000 bytes of text and attributes"
        " (TENANTLOG_MAX_RECORD_BYTES)",
    )


def test_an_ndjson_refusal_names_the_line() -> None:
    body = b'{"tenant_id":"a","text":"ok"}\n{"tenant_id":"a","text":"x","severity":7}\n'
    with pytest.raises(IngestError) as caught:
        normalise(IngestRequest(NDJSON, body), LIMITS, now=lambda: "NOW", new_log_id=lambda: "id")
    assert caught.value.message == "line 2: severity must be a string"


@given(st.integers(min_value=0, max_value=MAX_TIMESTAMP_NS))
def test_canonical_timestamps_round_trip_and_sort_as_text(ns: int) -> None:
    text = timestamp_from_ns(ns)
    assert ns_from_rfc3339(text) == ns
    assert len(text) == len("1970-01-01T00:00:00.000000000Z")
    later = timestamp_from_ns(min(ns + 1, MAX_TIMESTAMP_NS))
    assert text <= later


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2262, 1, 1)))
def test_rfc3339_parsing_agrees_with_datetime(moment: datetime) -> None:
    aware = moment.replace(tzinfo=UTC)
    micros = int(aware.timestamp()) * 1_000_000 + aware.microsecond
    assert ns_from_rfc3339(aware.isoformat()) == micros * 1000
