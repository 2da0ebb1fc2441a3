"""Crashes, kills and outages: every 202 ends stored exactly once or dead-lettered with a reason."""

from __future__ import annotations

import signal
import sqlite3
import threading
from pathlib import Path

import httpx
import pytest

from tests.support.cli import tenantlog_json
from tests.support.faults import outcome, payloads, post_many, queue_depth
from tests.support.server import ServerProcess, wait_until

pytestmark = pytest.mark.slow


def test_crashing_workers_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    # GIVEN a server whose worker crashes on half of its attempts
    data_dir = tmp_path / "data"
    env = {
        "TENANTLOG_CRASH_PROBABILITY": "0.5",
        "TENANTLOG_BACKOFF_BASE": "0.01",
        "TENANTLOG_BACKOFF_MAX": "0.05",
    }
    with ServerProcess(data_dir, env=env) as server:
        # WHEN 400 logs are posted and the queue drains
        accepted = post_many(server.url, payloads(400))
        wait_until(lambda: queue_depth(data_dir) == 0, seconds=60)
    # THEN every accepted log is stored once or dead-lettered, never both, never twice
    stored, dead, reasons = outcome(data_dir)
    assert len(accepted) == 400
    assert len(stored) == len(set(stored))
    assert len(dead) == len(set(dead))
    assert set(stored) | set(dead) == accepted
    assert not set(stored) & set(dead)
    assert dead, "p=0.5 over 5 receives dead-letters about 1 log in 32"
    assert set(reasons) == {"SimulatedCrash: simulated worker crash"}


def test_sigkill_mid_flight_loses_nothing_that_was_accepted(tmp_path: Path) -> None:
    # GIVEN a server with slow work (0.5 s a log) and a short visibility timeout
    data_dir = tmp_path / "data"
    env = {"TENANTLOG_PROCESSING_DELAY_PER_CHAR": "0.01", "TENANTLOG_VISIBILITY_TIMEOUT": "2"}
    server = ServerProcess(data_dir, env=env).start()
    accepted: set[tuple[str, str]] = set()
    # WHEN it is killed with SIGKILL while requests and work are in flight
    killer = threading.Timer(1.0, lambda: server.stop(signal.SIGKILL))
    killer.start()
    accepted = post_many(server.url, payloads(10_000, text="x" * 50), workers=32)
    killer.join()
    assert server.process is not None
    assert server.process.wait(10) == -signal.SIGKILL
    assert 0 < len(accepted) < 10_000, "the kill must land mid-stream"
    # AND it is restarted on the same data directory
    with ServerProcess(data_dir, env={**env, "TENANTLOG_PROCESSING_DELAY_PER_CHAR": "0"}):
        wait_until(lambda: queue_depth(data_dir) == 0, seconds=60)
    # THEN everything that got a 202 is stored, exactly once
    stored, dead, _ = outcome(data_dir)
    assert dead == []
    assert len(stored) == len(set(stored))
    assert accepted <= set(stored)


def test_sigterm_drains_exits_zero_and_releases_unfinished_work(tmp_path: Path) -> None:
    # GIVEN a server busy with 5-second jobs, a 300 s visibility timeout, 0.5 s grace
    data_dir = tmp_path / "data"
    env = {"TENANTLOG_PROCESSING_DELAY_PER_CHAR": "0.05", "TENANTLOG_SHUTDOWN_GRACE": "0.5"}
    server = ServerProcess(data_dir, env=env).start()
    accepted = post_many(server.url, payloads(20, text="x" * 100))
    wait_until(lambda: tenantlog_json("stats", data_dir=data_dir)["in_flight"] == 20)
    # WHEN it gets SIGTERM
    code = server.stop(signal.SIGTERM)
    # THEN it exits 0, and a restarted server finishes the work without waiting 300 s
    assert code == 0, server.output()
    with ServerProcess(data_dir, env={"TENANTLOG_PROCESSING_DELAY_PER_CHAR": "0"}):
        wait_until(lambda: queue_depth(data_dir) == 0, seconds=20)
    stored, dead, _ = outcome(data_dir)
    assert set(stored) == accepted
    assert dead == []


def test_queue_over_depth_limit_answers_503_with_retry_after(tmp_path: Path) -> None:
    # GIVEN an API without a worker and a depth limit of 5
    env = {"TENANTLOG_MAX_QUEUE_DEPTH": "5"}
    with ServerProcess(tmp_path / "data", command="api", env=env) as server:
        accepted = post_many(server.url, payloads(6))
        assert len(accepted) == 6
        # WHEN more arrive once the depth has been refreshed
        with httpx.Client(base_url=server.url) as client:
            payload = {"tenant_id": "acme", "text": "one too many"}
            wait_until(lambda: client.post("/ingest", json=payload).status_code == 503)
            response = client.post("/ingest", json=payload)
    # THEN they are refused with 503 and Retry-After
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "depth limit" in response.json()["error"]


def test_unwritable_queue_answers_500_and_recovers(tmp_path: Path) -> None:
    # GIVEN a running API whose database another process has locked
    data_dir = tmp_path / "data"
    env = {"TENANTLOG_SQLITE_BUSY_TIMEOUT": "0.2"}
    with (
        ServerProcess(data_dir, command="api", env=env) as server,
        httpx.Client(base_url=server.url) as client,
    ):
        locker = sqlite3.connect(data_dir / "tenantlog.db", isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        # WHEN a log is posted
        refused = client.post("/ingest", json={"tenant_id": "acme", "text": "x"})
        locker.execute("ROLLBACK")
        locker.close()
        # THEN it is refused with the seed's 500, and accepted once the lock is gone
        accepted = client.post("/ingest", json={"tenant_id": "acme", "text": "x"})
    assert refused.status_code == 500
    assert refused.json() == {"error": "failed to enqueue message"}
    assert accepted.status_code == 202


def test_separate_api_and_worker_processes_share_one_data_dir(tmp_path: Path) -> None:
    # GIVEN one API process and two worker processes on the same data directory
    data_dir = tmp_path / "data"
    with (
        ServerProcess(data_dir, command="api") as api,
        ServerProcess(data_dir, command="worker"),
        ServerProcess(data_dir, command="worker"),
    ):
        # WHEN logs are posted to the API
        accepted = post_many(api.url, payloads(500))
        wait_until(lambda: queue_depth(data_dir) == 0, seconds=60)
    # THEN the workers stored each exactly once between them
    stored, dead, _ = outcome(data_dir)
    assert len(stored) == len(set(stored)) == 500
    assert set(stored) == accepted
    assert dead == []
