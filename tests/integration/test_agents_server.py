"""The agents' protocols against a real ``tenantlog serve``, sent by real clients:
OpenTelemetry's Python SDK through ``logging`` and its OTLP/HTTP exporter, a Loki
logging handler with a key over Basic auth, and snappy-compressed protobuf pushes
built from the Loki push messages. What is checked is what comes back over the read
API: the text redacted, the event time, severity and attributes, and each log once."""

from __future__ import annotations

import gzip
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from google.rpc.status_pb2 import Status
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.instrumentation.logging.handler import LoggingHandler
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceResponse,
)
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource

from tests.integration.test_auth_server import new_key
from tests.support.server import ServerProcess, wait_until
from tests.unit.protocols.builders import loki_body, loki_stream, otlp_request, record

pytestmark = pytest.mark.slow

PROTOBUF = {"Content-Type": "application/x-protobuf"}


def logs_of(http: httpx.Client, tenant: str, **headers: str) -> list[dict[str, Any]]:
    answer = http.get(f"/tenants/{tenant}/logs", params={"limit": 1000}, headers=headers)
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def settled(http: httpx.Client, tenant: str, count: int, **headers: str) -> list[dict[str, Any]]:
    """The tenant's logs once ``count`` are stored, and still ``count`` a moment later."""
    wait_until(lambda: len(logs_of(http, tenant, **headers)) >= count, seconds=30)
    time.sleep(0.5)  # a duplicate would be stored by now: the worker is idle otherwise
    return logs_of(http, tenant, **headers)


@pytest.fixture(scope="module")
def open_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with ServerProcess(tmp_path_factory.mktemp("agents") / "data") as server:
        yield server


@pytest.fixture
def http(open_server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=open_server.url, timeout=10) as client:
        yield client


def test_opentelemetry_sdk_logging_handler_exports_to_tenantlog(
    open_server: ServerProcess, http: httpx.Client
) -> None:
    # GIVEN Python logging wired to OpenTelemetry's SDK and its OTLP/HTTP exporter
    provider = LoggerProvider(resource=Resource.create({"service.name": "checkout"}))
    exporter = OTLPLogExporter(
        endpoint=f"{open_server.url}/v1/logs", headers={"X-Tenant-ID": "otel"}
    )
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    logger = logging.getLogger("tenantlog.tests.otel")
    logger.propagate = False
    handler = LoggingHandler(level=logging.INFO, logger_provider=provider)
    logger.addHandler(handler)
    try:
        # WHEN the application logs
        logger.warning("card 4111 1111 1111 1111 declined", extra={"order_id": "o-17"})
        provider.force_flush()
    finally:
        logger.removeHandler(handler)
        provider.shutdown()
    # THEN the log comes back redacted, with its severity, event time and attributes
    [stored] = settled(http, "otel", 1)
    assert stored["source"] == "otlp"
    assert stored["modified_data"] == "card [REDACTED] declined"
    assert stored["severity"] == "WARN"
    assert stored["severity_number"] == 13
    assert stored["attributes"]["service.name"] == "checkout"
    assert stored["attributes"]["order_id"] == "o-17"
    assert stored["timestamp"].endswith("Z") and len(stored["timestamp"]) == 30
    assert stored["redactions"] == {"CARD": 1}
    # AND the audit copy of the attributes is kept, as the text's is
    assert stored["original_attributes"]["order_id"] == "o-17"


def test_a_retried_otlp_export_stores_each_log_once(http: httpx.Client) -> None:
    # GIVEN an export of three records, encoded with the OTLP protobuf messages
    base = time.time_ns()
    request = otlp_request(
        [record(f"line {n}", time_unix_nano=base + n) for n in range(3)],
        resource={"service.name": "retry"},
    ).SerializeToString()
    # WHEN the exporter sends it twice (its retry after a lost answer)
    for _ in range(2):
        answer = http.post(
            "/v1/logs", content=request, headers={**PROTOBUF, "X-Tenant-ID": "otelretry"}
        )
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/x-protobuf"
        assert ExportLogsServiceResponse.FromString(answer.content) == ExportLogsServiceResponse()
    # THEN three logs are stored, not six
    assert sorted(log["modified_data"] for log in settled(http, "otelretry", 3)) == [
        "line 0",
        "line 1",
        "line 2",
    ]


def test_otlp_json_partial_success_and_status_errors(http: httpx.Client) -> None:
    headers = {"Content-Type": "application/json", "X-Tenant-ID": "oteljson"}
    export = {
        "resourceLogs": [
            {
                "resource": {"attributes": [{"key": "host", "value": {"stringValue": "h1"}}]},
                "scopeLogs": [
                    {
                        "logRecords": [
                            {"body": {"stringValue": "kept"}, "severityText": "INFO"},
                            {"severityText": "INFO"},
                        ]
                    }
                ],
            }
        ]
    }
    # a record without a body is refused on its own, and the answer says so
    answer = http.post(
        "/v1/logs",
        content=gzip.compress(orjson.dumps(export)),
        headers={**headers, "Content-Encoding": "gzip"},
    )
    assert answer.status_code == 200
    partial = answer.json()["partialSuccess"]
    assert int(partial["rejectedLogRecords"]) == 1  # an int64: a string in OTLP JSON
    assert "no body" in partial["errorMessage"]
    [stored] = settled(http, "oteljson", 1)
    assert (stored["modified_data"], stored["attributes"]["host"]) == ("kept", "h1")
    # a malformed body is a 400 with a google.rpc.Status in the request's encoding
    bad = http.post("/v1/logs", content=b"\xff\xff", headers={**PROTOBUF, "X-Tenant-ID": "x"})
    assert bad.status_code == 400
    assert Status.FromString(bad.content).code == 3
    missing = http.post("/v1/logs", content=b"", headers=PROTOBUF)
    assert missing.status_code == 400
    assert "X-Tenant-ID" in Status.FromString(missing.content).message


def test_snappy_protobuf_loki_push_with_labels_and_metadata(http: httpx.Client) -> None:
    now = time.time_ns()
    body = loki_body(
        loki_stream(
            '{app="web", env="prod"}',
            (now, "GET /pay from 10.1.2.3", {"trace_id": "abc"}),
            (now + 1, "level=error user 555-0199 failed"),
        )
    )
    headers = {**PROTOBUF, "X-Scope-OrgID": "lokiproto"}
    for _ in range(2):  # Promtail retries a whole batch when an answer is lost
        answer = http.post("/loki/api/v1/push", content=body, headers=headers)
        assert (answer.status_code, answer.content) == (204, b"")
    stored = sorted(settled(http, "lokiproto", 2), key=lambda log: log["timestamp"])
    assert [log["source"] for log in stored] == ["loki", "loki"]
    assert stored[0]["attributes"] == {"app": "web", "env": "prod", "trace_id": "abc"}
    assert "555-0199" not in stored[1]["modified_data"]


def test_loki_handler_with_a_key_over_basic_auth(tmp_path: Path) -> None:
    logging_loki = pytest.importorskip("logging_loki")
    data_dir = tmp_path / "data"
    with (
        ServerProcess(data_dir, env={"TENANTLOG_AUTH": "keys"}) as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        secret = new_key(data_dir, "lokikey", "ingest", "read")
        handler = logging_loki.LokiHandler(
            url=f"{server.url}/loki/api/v1/push",
            tags={"app": "billing"},
            auth=("tenantlog", secret),
            version="1",
        )
        logger = logging.getLogger("tenantlog.tests.loki")
        logger.propagate = False
        logger.addHandler(handler)
        try:
            logger.error("refund for jane@example.com failed")
        finally:
            logger.removeHandler(handler)
            handler.close()
        [stored] = settled(http, "lokikey", 1, Authorization=f"Bearer {secret}")
        assert stored["modified_data"] == "refund for [REDACTED] failed"
        assert stored["attributes"]["app"] == "billing"
        # without the key: 401, and nothing is stored
        refused = httpx.post(
            f"{server.url}/loki/api/v1/push",
            content=b'{"streams":[]}',
            headers={"Content-Type": "application/json"},
        )
        assert refused.status_code == 401
