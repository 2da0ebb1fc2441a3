"""Erasure end to end (DESIGN §2b): real ``tenantlog serve`` processes, a real database
file, keys made with the real CLI. What is checked is what a tenant is promised: an
erased log is never returned again, whatever state it was in, and its text is gone
from the files."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tenantlog.db.sqlite import DATABASE_FILE
from tests.integration.test_auth_server import bearer, new_key
from tests.support.cli import tenantlog_json
from tests.support.server import ServerProcess, wait_until

pytestmark = pytest.mark.slow


def processed(http: httpx.Client, result: str) -> float:
    """``tenantlog_messages_processed_total{result=...}`` as the service reports it."""
    text = http.get("/metrics").text
    found = re.search(rf'tenantlog_messages_processed_total\{{result="{result}"\}} (\S+)', text)
    return float(found.group(1)) if found else 0.0


def erasure_done(
    http: httpx.Client, location: str, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    state: dict[str, Any] = {}

    def done() -> bool:
        state.update(http.get(location, headers=headers).json())
        return bool(state["status"] == "done")

    wait_until(done, seconds=30)
    return state


def idle(http: httpx.Client) -> bool:
    text = http.get("/metrics").text
    return "tenantlog_queue_visible 0.0" in text and "tenantlog_queue_in_flight 0.0" in text


def files_hold(data_dir: Path, marker: bytes) -> list[str]:
    """The database files whose bytes contain ``marker``."""
    return [
        path.name
        for path in sorted(data_dir.glob(f"{DATABASE_FILE}*"))
        if marker in path.read_bytes()
    ]


def listed(http: httpx.Client, tenant: str) -> list[str]:
    items = http.get(f"/tenants/{tenant}/logs", params={"limit": 1000}).json()["items"]
    return [item["modified_data"] for item in items]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[ServerProcess, httpx.Client]]:
    with (
        ServerProcess(tmp_path / "data") as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        yield server, http


def test_deleting_one_log_is_final_even_when_its_message_comes_again(
    served: tuple[ServerProcess, httpx.Client],
) -> None:
    _, http = served
    # GIVEN a stored log and another of the same tenant
    for log_id, text in (("one", "forget me 1"), ("two", "keep me 2")):
        body = {"tenant_id": "acme", "log_id": log_id, "text": text}
        assert http.post("/ingest", json=body).status_code == 202
    wait_until(lambda: http.get("/tenants/acme/logs/two").status_code == 200)
    wait_until(lambda: http.get("/tenants/acme/logs/one").status_code == 200)
    # WHEN it is deleted
    assert http.delete("/tenants/acme/logs/one").status_code == 204
    # THEN it is gone, a second delete finds nothing, and the other log stays
    assert http.get("/tenants/acme/logs/one").json() == {"error": "log not found"}
    assert http.delete("/tenants/acme/logs/one").status_code == 404
    assert listed(http, "acme") == ["keep me 2"]
    # AND the same log sent again (a retry, a redelivery) is not stored again
    duplicates = processed(http, "duplicate")
    body = {"tenant_id": "acme", "log_id": "one", "text": "forget me 1"}
    assert http.post("/ingest", json=body).status_code == 202
    wait_until(lambda: processed(http, "duplicate") > duplicates)
    assert http.get("/tenants/acme/logs/one").status_code == 404
    # AND the audit trail names the deletion
    trail = http.get("/audit").json()["items"]
    assert any(e["action"] == "log.delete" and e["detail"] == {"log_id": "one"} for e in trail)


def test_erasure_covers_stored_queued_and_in_flight_logs_and_leaves_no_trace(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    # A slow worker taking one message at a time: 40 characters take 1 s, so when the
    # erasure comes one of the tenant's logs is being worked on and others wait.
    env = {
        "TENANTLOG_PROCESSING_DELAY_PER_CHAR": "0.025",
        "TENANTLOG_WORKER_CONCURRENCY": "1",
        "TENANTLOG_BATCH_SIZE": "1",
    }
    with (
        ServerProcess(data_dir, env=env) as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        # GIVEN a stored log of the tenant and of another tenant
        stored = {"tenant_id": "gone", "text": "ERASE-ME-STORED-0000000000000000000000000"}
        kept = {"tenant_id": "kept", "text": "KEEP-ME-00000000000000000000000000000000"}
        assert http.post("/ingest", json=stored).status_code == 202
        assert http.post("/ingest", json=kept).status_code == 202
        wait_until(lambda: len(listed(http, "gone")) == 1 and len(listed(http, "kept")) == 1)
        # AND three more of the tenant's logs: one in flight, two queued
        for n in range(3):
            text = f"ERASE-ME-PENDING-{n}-000000000000000000000000"
            assert http.post("/ingest", json={"tenant_id": "gone", "text": text}).status_code == 202
        wait_until(lambda: "tenantlog_queue_in_flight 1.0" in http.get("/metrics").text)
        # WHEN the tenant's logs are erased
        answer = http.delete("/tenants/gone/logs")
        # THEN the answer is 202 with the erasure's place, and nothing is listed from then on
        assert answer.status_code == 202
        assert answer.json()["status"] == "erasing"
        location = answer.headers["location"]
        assert location == f"/tenants/gone/erasures/{answer.json()['erasure_id']}"
        assert listed(http, "gone") == []
        # AND the erasure finishes, having deleted the stored log and the queued messages
        state = erasure_done(http, location)
        assert state["records_deleted"] == 1
        assert state["messages_deleted"] >= 2
        # AND once the worker is idle, none of them was written back
        wait_until(lambda: idle(http))
        assert listed(http, "gone") == []
        assert listed(http, "kept") == [kept["text"]]
        # AND a log sent after the erasure is kept as usual
        after = {"tenant_id": "gone", "text": "sent after"}
        assert http.post("/ingest", json=after).status_code == 202
        wait_until(lambda: listed(http, "gone") == ["sent after"])
        trail = http.get("/audit").json()["items"]
        assert any(e["action"] == "logs.erase" and e["tenant_id"] == "gone" for e in trail)
        assert server.stop() == 0
    # AND the erased texts are in none of the database files, while the kept one is
    assert files_hold(data_dir, b"ERASE-ME") == []
    assert files_hold(data_dir, b"KEEP-ME") != []


def test_erasure_removes_the_tenants_dead_letters(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {"TENANTLOG_CRASH_PROBABILITY": "1", "TENANTLOG_MAX_RECEIVE_COUNT": "1"}
    with (
        ServerProcess(data_dir, env=env) as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        # GIVEN dead letters of two tenants (every processing attempt crashes)
        for tenant in ("gone", "gone", "kept"):
            assert http.post("/ingest", json={"tenant_id": tenant, "text": "x"}).status_code == 202

        def dead() -> list[str]:
            entries = tenantlog_json("dlq", "list", data_dir=data_dir)
            return sorted(orjson.loads(entry["body"])["tenant_id"] for entry in entries)

        wait_until(lambda: len(dead()) == 3)
        # WHEN one tenant is erased
        answer = http.delete("/tenants/gone/logs")
        assert answer.status_code == 202
        # THEN its dead letters are deleted, with the erasure's own message done at once
        # (an erasure never crashes: the simulated crash is a log's)
        state = erasure_done(http, answer.headers["location"])
        assert state["messages_deleted"] == 2
        assert dead() == ["kept"]
        assert server.stop() == 0


def test_erasure_routes_need_the_delete_scope(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with (
        ServerProcess(data_dir, env={"TENANTLOG_AUTH": "keys"}) as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        reader = bearer(new_key(data_dir, "shop", "ingest", "read"))
        deleter = bearer(new_key(data_dir, "shop", "delete"))
        other = bearer(new_key(data_dir, "other", "delete"))
        admin = bearer(new_key(data_dir, "ops", "admin"))
        assert (
            http.post("/ingest", json={"log_id": "a", "text": "x"}, headers=reader).status_code
            == 202
        )
        wait_until(lambda: http.get("/tenants/shop/logs/a", headers=reader).status_code == 200)
        # a key without the delete scope: 403 naming it; no key: 401; another tenant: 404
        refused = http.delete("/tenants/shop/logs/a", headers=reader)
        assert refused.status_code == 403 and "delete" in refused.json()["error"]
        assert http.delete("/tenants/shop/logs").status_code == 401
        assert http.delete("/tenants/shop/logs", headers=other).status_code == 404
        # the tenant's delete key and an admin key may
        assert http.delete("/tenants/shop/logs/a", headers=deleter).status_code == 204
        answer = http.delete("/tenants/shop/logs", headers=admin)
        assert answer.status_code == 202
        location = answer.headers["location"]
        assert http.get(location, headers=reader).status_code == 403
        assert http.get(location, headers=other).status_code == 404
        assert erasure_done(http, location, deleter)["tenant_id"] == "shop"
        missing = http.get("/tenants/shop/erasures/nope", headers=deleter)
        assert (missing.status_code, missing.json()) == (404, {"error": "erasure not found"})
        assert server.stop() == 0


def test_cli_erase_waits_for_the_erasure(served: tuple[ServerProcess, httpx.Client]) -> None:
    server, http = served
    assert http.post("/ingest", json={"tenant_id": "cli", "text": "bye"}).status_code == 202
    wait_until(lambda: listed(http, "cli") == ["bye"])
    # without --yes and without a terminal to confirm on, the command refuses
    refused = subprocess.run(
        [sys.executable, "-m", "tenantlog", "tenants", "erase", "cli"],
        env={**os.environ, "TENANTLOG_DATA_DIR": str(server.data_dir)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert listed(http, "cli") == ["bye"]
    erased = tenantlog_json("tenants", "erase", "cli", "--yes", "--wait", data_dir=server.data_dir)
    assert erased["status"] == "done" and erased["records_deleted"] == 1
    assert listed(http, "cli") == []
    conn = sqlite3.connect(server.data_dir / DATABASE_FILE)
    try:
        assert conn.execute("SELECT count(*) FROM logs WHERE tenant_id = 'cli'").fetchone() == (0,)
    finally:
        conn.close()
