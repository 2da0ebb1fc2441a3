"""OTLP/HTTP answers: ExportLogsServiceResponse and google.rpc.Status, in the request's
encoding, read back with the real message classes."""

from __future__ import annotations

import orjson
import pytest
from google.protobuf import json_format
from google.rpc.status_pb2 import Status
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse

from tenantlog.protocols.otlp import (
    RPC_CODE_FOR_HTTP,
    encode_response,
    encode_status,
    response_content_type,
)
from tests.unit.protocols.builders import JSON, PROTOBUF


def test_otlp_full_success_leaves_partial_success_unset() -> None:
    body = encode_response(0, "", PROTOBUF)

    assert not ExportLogsServiceResponse.FromString(body).HasField("partial_success")
    assert orjson.loads(encode_response(0, "", JSON)) == {}


def test_otlp_partial_success_carries_count_and_message_in_both_encodings() -> None:
    message = "2 log records rejected: log record has no body (2)"

    from_protobuf = ExportLogsServiceResponse.FromString(encode_response(2, message, PROTOBUF))
    from_json = json_format.Parse(
        encode_response(2, message, "application/json; charset=utf-8"),
        ExportLogsServiceResponse(),
    )

    for response in (from_protobuf, from_json):
        assert response.partial_success.rejected_log_records == 2
        assert response.partial_success.error_message == message
    # OTLP/JSON: lowerCamelCase keys, 64-bit integers as strings
    assert orjson.loads(encode_response(2, message, JSON)) == {
        "partialSuccess": {"rejectedLogRecords": "2", "errorMessage": message}
    }


def test_otlp_warning_without_rejections_is_a_partial_success_of_zero() -> None:
    response = ExportLogsServiceResponse.FromString(encode_response(0, "heads up", PROTOBUF))

    assert response.HasField("partial_success")
    assert response.partial_success.rejected_log_records == 0
    assert response.partial_success.error_message == "heads up"


@pytest.mark.parametrize("content_type", [PROTOBUF, JSON])
def test_otlp_status_reads_back_as_google_rpc_status(content_type: str) -> None:
    body = encode_status(RPC_CODE_FOR_HTTP[400], "malformed JSON", content_type)

    if content_type == JSON:
        assert orjson.loads(body) == {"code": 3, "message": "malformed JSON"}
        status = json_format.Parse(body, Status())
    else:
        status = Status.FromString(body)
    assert (status.code, status.message) == (3, "malformed JSON")


@pytest.mark.parametrize(
    ("request_type", "answer_type"),
    [
        (PROTOBUF, PROTOBUF),
        (JSON, JSON),
        ("Application/JSON; charset=utf-8", JSON),
        ("", PROTOBUF),
        ("text/plain", PROTOBUF),
    ],
)
def test_otlp_answer_is_in_the_request_encoding(request_type: str, answer_type: str) -> None:
    assert response_content_type(request_type) == answer_type
