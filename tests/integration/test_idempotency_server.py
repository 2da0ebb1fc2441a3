"""Idempotency-Key against a real server process and its SQLite file, across a SIGKILL."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx

from tests.support.server import ServerProcess, wait_until

BODY = "".join(f'{{"tenant_id":"acme","text":"line {n} call 555-0{n:03d}"}}\n' for n in range(50))
HEADERS = {"Content-Type": "application/x-ndjson", "Idempotency-Key": "batch-7"}


def stored_ids(url: str) -> list[str]:
    page = httpx.get(f"{url}/tenants/acme/logs", params={"limit": 1000}).json()
    return [item["log_id"] for item in page["items"]]


def test_a_retry_after_the_api_was_killed_is_answered_from_the_record(tmp_path: Path) -> None:
    data = tmp_path / "data"
    # GIVEN an API that accepted a keyed batch and was then killed (SIGKILL: no clean-up)
    api = ServerProcess(data, command="api").start()
    first = httpx.post(f"{api.url}/ingest", content=BODY, headers=HEADERS)
    assert first.status_code == 202, first.text
    api.stop(signal.SIGKILL)
    # WHEN the client retries against the restarted API, twice
    with ServerProcess(data, command="serve") as server:
        retries = [
            httpx.post(f"{server.url}/ingest", content=BODY, headers=HEADERS) for _ in range(2)
        ]
        # THEN each retry gets the first answer, replayed, and the logs are stored once
        for retry in retries:
            assert retry.status_code == 202
            assert retry.json() == first.json()
            assert retry.headers["idempotent-replayed"] == "true"
        expected = sorted(item["log_id"] for item in first.json()["items"])
        wait_until(lambda: len(stored_ids(server.url)) >= 50)
        assert sorted(stored_ids(server.url)) == expected
        # AND nothing was enqueued again: the worker met no duplicate
        metrics = httpx.get(f"{server.url}/metrics").text
        assert 'tenantlog_messages_processed_total{result="stored"} 50.0' in metrics
        assert 'result="duplicate"' not in metrics


def test_a_reused_key_with_another_body_is_422_on_the_real_server(tmp_path: Path) -> None:
    with ServerProcess(tmp_path / "data", command="api") as api:
        first = httpx.post(f"{api.url}/ingest", content=BODY, headers=HEADERS)
        changed = httpx.post(f"{api.url}/ingest", content=BODY + BODY, headers=HEADERS)
        depth = httpx.get(f"{api.url}/readyz").json()["queue_depth"]

    assert (first.status_code, changed.status_code) == (202, 422)
    assert depth == 50
