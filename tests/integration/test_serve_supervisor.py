"""``tenantlog serve`` as a supervisor of API and worker processes, with real processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.faults import outcome, payloads, post_many, queue_depth
from tests.support.server import ServerProcess, free_port, wait_until


def children(pid: int) -> dict[str, int]:
    """The supervisor's live children by role (``api``, ``worker``), from /proc."""
    found: dict[str, int] = {}
    listed = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for child in map(int, listed):
        try:
            argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        except FileNotFoundError:
            continue
        if b"tenantlog.cli.child" in argv:
            found[argv[argv.index(b"tenantlog.cli.child") + 1].decode()] = child
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` is a process that has not ended (a zombie has ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status


def supervisor_pid(server: ServerProcess) -> int:
    assert server.process is not None
    return server.process.pid


def restarted(server: ServerProcess, role: str, old: int) -> int:
    """Wait until ``role`` runs again under a new pid, and return it."""
    wait_until(lambda: children(supervisor_pid(server)).get(role, old) != old, seconds=30)
    return children(supervisor_pid(server))[role]


def test_serve_runs_api_and_worker_apart_and_the_api_shows_the_workers_metrics(
    tmp_path: Path,
) -> None:
    with ServerProcess(tmp_path / "data") as server:
        # GIVEN a running serve
        roles = children(supervisor_pid(server))
        # THEN the API and the worker are two processes of its own
        assert set(roles) == {"api", "worker"}
        assert roles["api"] != roles["worker"]
        # AND a log posted to the API is stored by the worker
        accepted = post_many(server.url, payloads(20))
        wait_until(lambda: queue_depth(server.data_dir) == 0)
        # AND the API's /metrics counts what the worker stored
        metrics = httpx.get(f"{server.url}/metrics").text
        assert 'tenantlog_messages_processed_total{result="stored"} 20.0' in metrics
    stored, dead, _ = outcome(server.data_dir)
    assert sorted(stored) == sorted(accepted) and dead == []


def test_a_worker_killed_by_sigkill_is_restarted_and_every_accepted_log_stored_once(
    tmp_path: Path,
) -> None:
    # GIVEN a serve whose worker holds slow jobs (0.3 s each), returned 2 s after a crash
    env = {"TENANTLOG_PROCESSING_DELAY_PER_CHAR": "0.01", "TENANTLOG_VISIBILITY_TIMEOUT": "2"}
    with ServerProcess(tmp_path / "data", env=env) as server:
        accepted = post_many(server.url, payloads(300, text="x" * 30))
        worker = children(supervisor_pid(server))["worker"]
        wait_until(lambda: queue_depth(server.data_dir) < 300)
        # WHEN the worker is killed mid-batch
        os.kill(worker, signal.SIGKILL)
        # THEN the supervisor starts another, which stores everything, each log once
        assert restarted(server, "worker", worker) != worker
        wait_until(lambda: queue_depth(server.data_dir) == 0, seconds=60)
        assert children(supervisor_pid(server))["api"]
    stored, dead, _ = outcome(server.data_dir)
    assert dead == []
    assert sorted(stored) == sorted(accepted)
    assert f"worker process (pid {worker}) killed by SIGKILL" in server.output()


def test_a_killed_api_is_restarted_and_answers_again(tmp_path: Path) -> None:
    with ServerProcess(tmp_path / "data") as server:
        api = children(supervisor_pid(server))["api"]
        # WHEN the API process is killed
        os.kill(api, signal.SIGKILL)
        # THEN another takes the port and answers /healthz and /ingest
        restarted(server, "api", api)
        wait_until(lambda: _healthy(server.url))
        posted = httpx.post(f"{server.url}/ingest", json={"tenant_id": "acme", "text": "back"})
        assert posted.status_code == 202
        assert f"api process (pid {api}) killed by SIGKILL" in server.output()


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_sigterm_drains_both_children_exits_0_and_loses_nothing(tmp_path: Path) -> None:
    # GIVEN a serve busy with 1-second jobs, 10 at a time, and a backlog
    env = {
        "TENANTLOG_PROCESSING_DELAY_PER_CHAR": "0.02",
        "TENANTLOG_WORKER_CONCURRENCY": "2",
        "TENANTLOG_SHUTDOWN_GRACE": "3",
    }
    server = ServerProcess(tmp_path / "data", env=env).start()
    accepted = post_many(server.url, payloads(500, text="x" * 50))
    wait_until(lambda: queue_depth(server.data_dir) < 500)
    roles = children(supervisor_pid(server))
    # WHEN the supervisor gets SIGTERM
    code = server.stop(signal.SIGTERM)
    # THEN it exits 0 after both children exited
    assert code == 0, server.output()
    assert not any(alive(pid) for pid in roles.values())
    # AND every accepted log is stored once or still queued for the next start
    stored, dead, _ = outcome(server.data_dir)
    assert dead == []
    assert len(stored) == len(set(stored))
    assert 0 < len(stored) < len(accepted)
    assert len(stored) + queue_depth(server.data_dir) == len(accepted)
    assert set(stored) <= accepted


def test_children_stop_when_the_supervisor_is_killed(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data").start()
    roles = children(supervisor_pid(server))
    # WHEN the supervisor dies without a chance to stop them
    assert server.stop(signal.SIGKILL) == -signal.SIGKILL
    # THEN its children stop too instead of holding the port and the queue
    wait_until(lambda: not any(alive(pid) for pid in roles.values()))


def test_a_child_that_keeps_failing_at_start_up_makes_serve_give_up(tmp_path: Path) -> None:
    # GIVEN the port serve is told to use is taken by another program
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # WHEN serve starts
        result = _serve(tmp_path, {"TENANTLOG_PORT": str(port)})
    # THEN it gives up after 5 quick failures of the API and exits non-zero
    assert result.returncode == 1, result.stderr
    assert "the api process failed 5 times in a row within 10 s of starting" in result.stderr
    assert result.stderr.count("api process started") == 5


def test_a_child_refusing_its_settings_is_not_restarted(tmp_path: Path) -> None:
    # GIVEN a non-loopback address with no API key: the API refuses to start
    result = _serve(tmp_path, {"TENANTLOG_HOST": "0.0.0.0", "TENANTLOG_PORT": str(free_port())})
    # THEN serve gives up at once with the API's reason
    assert result.returncode == 1, result.stderr
    assert "refused its settings (exit code 2)" in result.stderr
    assert "TENANTLOG_AUTH" in result.stderr
    assert result.stderr.count("api process started") == 1


def _serve(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tenantlog", "serve"],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "TENANTLOG_DATA_DIR": str(tmp_path / "data"),
            "TENANTLOG_LOG_LEVEL": "info",
            **env,
        },
        timeout=120,
    )
