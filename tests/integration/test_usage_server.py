"""Usage counting in a running ``tenantlog serve``: counts are flushed by the timer while it
runs, and what is left is flushed when it stops."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import orjson

from tests.support.cli import tenantlog
from tests.support.server import ServerProcess


def ndjson(tenant: str, n: int) -> bytes:
    return b"".join(
        orjson.dumps({"tenant_id": tenant, "text": f"line {i}"}) + b"\n" for i in range(n)
    )


def accepted(days: list[dict[str, int]]) -> int:
    return sum(day["accepted_logs"] for day in days)


def test_a_running_server_flushes_its_counts_every_interval(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", env={"TENANTLOG_USAGE_FLUSH_SECONDS": "0.2"})
    with server, httpx.Client(base_url=server.url, timeout=10) as client:
        # WHEN a tenant's logs are accepted
        response = client.post(
            "/ingest",
            content=ndjson("acme", 5),
            headers={"Content-Type": "application/x-ndjson"},
        )
        assert response.status_code == 202
        # THEN its usage shows them within the flush interval, without a restart
        deadline = time.monotonic() + 10
        seen = 0
        while time.monotonic() < deadline and seen < 5:
            seen = accepted(client.get("/tenants/acme/usage?days=2").json()["days"])
            time.sleep(0.1)
        assert seen == 5
        listed = client.get("/tenants?days=2").json()["tenants"]
        assert [(t["tenant_id"], t["accepted_logs"]) for t in listed] == [("acme", 5)]
        # AND the worker's stored logs are counted too
        deadline = time.monotonic() + 10
        stored = 0
        while time.monotonic() < deadline and stored < 5:
            days = client.get("/tenants/acme/usage?days=2").json()["days"]
            stored = sum(day["stored_logs"] for day in days)
            time.sleep(0.1)
        assert stored == 5


def test_a_stopping_server_flushes_what_it_still_holds(tmp_path: Path) -> None:
    data = tmp_path / "data"
    # GIVEN a server that would wait an hour before flushing
    server = ServerProcess(data, env={"TENANTLOG_USAGE_FLUSH_SECONDS": "3600"})
    with server, httpx.Client(base_url=server.url, timeout=10) as client:
        response = client.post(
            "/ingest",
            content=ndjson("acme", 3),
            headers={"Content-Type": "application/x-ndjson"},
        )
        assert response.status_code == 202
        assert accepted(client.get("/tenants/acme/usage?days=2").json()["days"]) == 0
    # WHEN it has stopped (SIGTERM) THEN its counts are in the data directory
    shown = orjson.loads(
        tenantlog("tenants", "usage", "acme", "--days", "2", "--json", data_dir=data).stdout
    )
    assert accepted(shown["days"]) == 3
