"""The real server over a real socket: the seed's requests and errors, end to end to storage."""

from __future__ import annotations

import gzip
import uuid
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import pytest

from tests.support.server import wait_until

UNSUPPORTED = "unsupported Content-Type. Use application/json or text/plain."


def log_path(tenant: str, log_id: str) -> str:
    """URL-encode every reserved character; dots too, or clients drop '.' and '..' segments."""
    return f"/tenants/{tenant}/logs/{quote(log_id, safe='').replace('.', '%2E')}"


def stored(client: httpx.Client, tenant: str, log_id: str) -> dict[str, Any]:
    """The stored record, once the worker has written it."""
    path = log_path(tenant, log_id)
    wait_until(lambda: client.get(path).status_code == 200, seconds=15)
    record: dict[str, Any] = client.get(path).json()
    return record


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def test_seed_json_request_is_accepted_and_stored_redacted(client: httpx.Client) -> None:
    tenant = unique()
    payload = {"tenant_id": tenant, "log_id": "123", "text": "User 555-0199 accessed system"}

    response = client.post("/ingest", json=payload)

    assert response.status_code == 202
    assert response.json() == {"status": "enqueued", "tenant_id": tenant, "log_id": "123"}
    record = stored(client, tenant, "123")
    assert record["modified_data"] == "User [REDACTED] accessed system"
    assert record["original_text"] == "User 555-0199 accessed system"
    assert record["source"] == "json_upload"
    assert record["attempts"] == 1
    assert set(record) == {
        "tenant_id",
        "log_id",
        "source",
        "original_text",
        "modified_data",
        "received_at",
        "processed_at",
        "attempts",
        "redactions",
    }


def test_seed_text_request_is_accepted_and_stored_redacted(client: httpx.Client) -> None:
    tenant = unique()

    response = client.post(
        "/ingest",
        content="Server restarted at 555-1234",
        headers={"Content-Type": "text/plain", "X-Tenant-ID": tenant},
    )

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "enqueued"
    assert body["tenant_id"] == tenant
    record = stored(client, tenant, body["log_id"])
    assert record["modified_data"] == "Server restarted at [REDACTED]"
    assert record["source"] == "text_upload"


@pytest.mark.parametrize(
    ("headers", "content", "message"),
    [
        ({"Content-Type": "application/json"}, b"{not json", "invalid JSON payload"),
        ({"Content-Type": "text/plain"}, b"no tenant", "missing X-Tenant-ID header"),
        ({"Content-Type": "application/xml"}, b"<log/>", UNSUPPORTED),
        ({}, b"x", UNSUPPORTED),
        (
            {"Content-Type": "application/json"},
            b'{"tenant_id": "acme"}',
            "missing required field: text",
        ),
        (
            {"Content-Type": "application/json"},
            b'{"tenant_id": "no spaces allowed", "text": "x"}',
            "invalid tenant_id: use 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'",
        ),
    ],
)
def test_seed_errors_are_400_with_their_exact_message(
    client: httpx.Client, headers: dict[str, str], content: bytes, message: str
) -> None:
    response = client.post("/ingest", content=content, headers=headers)

    assert response.status_code == 400
    assert response.json() == {"error": message}


def test_body_over_limit_is_413(client: httpx.Client) -> None:
    big = b"x" * (5 * 1024 * 1024 + 1)

    response = client.post(
        "/ingest", content=big, headers={"Content-Type": "text/plain", "X-Tenant-ID": "acme"}
    )

    assert response.status_code == 413
    assert response.json() == {"error": "payload too large"}


def test_tenants_with_the_same_log_id_stay_apart(client: httpx.Client) -> None:
    # GIVEN two tenants posting the same log_id
    first, second = unique("a"), unique("b")
    client.post("/ingest", json={"tenant_id": first, "log_id": "same", "text": "first 555-0101"})
    client.post("/ingest", json={"tenant_id": second, "log_id": "same", "text": "second"})
    # WHEN each reads back
    one, two = stored(client, first, "same"), stored(client, second, "same")
    # THEN each sees only its own
    assert one["modified_data"] == "first [REDACTED]"
    assert two["modified_data"] == "second"
    assert [r["tenant_id"] for r in client.get(f"/tenants/{first}/logs").json()["items"]] == [first]


def test_same_log_id_five_times_stores_one_record(client: httpx.Client) -> None:
    # GIVEN five posts of one (tenant_id, log_id) with different texts
    tenant = unique()
    for n in range(5):
        response = client.post(
            "/ingest", json={"tenant_id": tenant, "log_id": "dup", "text": f"attempt {n}"}
        )
        assert response.status_code == 202
    # WHEN all are processed
    wait_until(lambda: client.get("/readyz").json()["queue_depth"] == 0)
    # THEN exactly one record exists, and it is the first one
    items = client.get(f"/tenants/{tenant}/logs").json()["items"]
    assert len(items) == 1
    assert items[0]["modified_data"] == "attempt 0"


def test_ndjson_batch_and_default_tenant(client: httpx.Client) -> None:
    tenant = unique()
    lines = [{"text": f"line {n} call 555-0100"} for n in range(10)]
    body = b"\n".join(orjson.dumps(line) for line in lines)

    response = client.post(
        "/ingest",
        content=body,
        headers={"Content-Type": "application/x-ndjson", "X-Tenant-ID": tenant},
    )

    assert response.status_code == 202
    assert response.json()["count"] == 10
    wait_until(lambda: len(client.get(f"/tenants/{tenant}/logs").json()["items"]) == 10)


def test_ndjson_error_names_the_line(client: httpx.Client) -> None:
    body = b'{"tenant_id":"acme","text":"ok"}\n{"tenant_id":"acme","text":""}\n'

    response = client.post(
        "/ingest", content=body, headers={"Content-Type": "application/x-ndjson"}
    )

    assert response.status_code == 400
    assert response.json() == {"error": "line 2: text must not be empty"}


def test_gzip_body_is_accepted(client: httpx.Client) -> None:
    tenant = unique()
    body = gzip.compress(orjson.dumps({"tenant_id": tenant, "log_id": "z", "text": "zipped"}))

    response = client.post(
        "/ingest",
        content=body,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )

    assert response.status_code == 202
    assert stored(client, tenant, "z")["modified_data"] == "zipped"


@pytest.mark.parametrize("log_id", ["a/b/c", "x#y", "q?z=1&w", "100%", "ünï", "..", "%2F"])
def test_any_valid_log_id_round_trips_through_the_path(client: httpx.Client, log_id: str) -> None:
    tenant = unique()
    client.post("/ingest", json={"tenant_id": tenant, "log_id": log_id, "text": "odd id"})

    assert stored(client, tenant, log_id)["log_id"] == log_id


def test_list_paginates_with_cursor(client: httpx.Client) -> None:
    # GIVEN 7 stored logs of one tenant
    tenant = unique()
    for n in range(7):
        client.post("/ingest", json={"tenant_id": tenant, "log_id": f"id-{n}", "text": "x"})
    wait_until(lambda: len(client.get(f"/tenants/{tenant}/logs").json()["items"]) == 7)
    # WHEN read three at a time
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = client.get(f"/tenants/{tenant}/logs", params=params).json()
        seen += [item["log_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    # THEN all come once, in order
    assert seen == [f"id-{n}" for n in range(7)]


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/tenants/acme/logs?limit=0", 400, "limit must be an integer from 1 to 1000"),
        ("/tenants/acme/logs?cursor=%21%21", 400, "invalid cursor"),
        ("/tenants/bad%20tenant/logs", 400, "invalid tenant_id in path"),
        ("/tenants/acme/logs/never-stored", 404, "log not found"),
        ("/nowhere", 404, "not found"),
    ],
)
def test_read_errors_are_json(client: httpx.Client, path: str, status: int, message: str) -> None:
    response = client.get(path)

    assert response.status_code == status
    assert response.json() == {"error": message}


def test_wrong_method_is_json_405(client: httpx.Client) -> None:
    response = client.get("/ingest")

    assert response.status_code == 405
    assert response.json() == {"error": "method not allowed"}


def test_health_readiness_and_docs(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ready"
    assert "docs/assets/swagger-ui-bundle.js" in client.get("/docs").text
    spec = client.get("/openapi.json").json()
    assert set(spec["paths"]["/ingest"]["post"]["requestBody"]["content"]) == {
        "application/json",
        "text/plain",
        "application/x-ndjson",
    }


def test_metrics_count_requests_and_processing(client: httpx.Client) -> None:
    tenant = unique()
    client.post("/ingest", json={"tenant_id": tenant, "log_id": "m", "text": "call 555-0100"})
    stored(client, tenant, "m")

    text = client.get("/metrics").text

    assert 'tenantlog_http_requests_total{route="/ingest",status="202"}' in text
    assert 'tenantlog_messages_processed_total{result="stored"}' in text
    assert 'tenantlog_redactions_total{type="PHONE"}' in text
    assert "tenantlog_enqueue_seconds_bucket" in text
    assert "tenantlog_queue_dead_letters 0.0" in text
