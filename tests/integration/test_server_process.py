"""The test servers' own harness: a port another program took is never mistaken for ours.

Between ``free_port`` and the server's bind, anything on the machine may take
the port. A foreign server answering /healthz there would otherwise pass for
ours, and the tests would talk to it (with other settings: no keys, say).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO

import httpx
import pytest

from tests.support import server
from tests.support.server import PortTaken, ServerProcess

pytestmark = pytest.mark.slow


class _Healthy(BaseHTTPRequestHandler):
    """Answers 200 to anything, like a healthy service of someone else's."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def foreign_port() -> Iterator[int]:
    with ThreadingHTTPServer(("127.0.0.1", 0), _Healthy) as foreign:
        thread = threading.Thread(target=foreign.serve_forever, daemon=True)
        thread.start()
        port: int = foreign.server_address[1]
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
        yield port
        foreign.shutdown()


def test_a_port_given_and_taken_is_reported_not_served_by_someone_else(
    tmp_path: Path, foreign_port: int
) -> None:
    process = ServerProcess(tmp_path / "data", port=foreign_port)
    with pytest.raises(PortTaken):
        process.start()
    assert process.process is not None and process.process.poll() is not None


def test_a_port_chosen_and_taken_meanwhile_is_replaced_by_another(
    tmp_path: Path, foreign_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The race cannot be timed from here, so the first port chosen is the foreign one.
    chosen = iter([foreign_port])
    real_free_port = server.free_port
    monkeypatch.setattr(server, "free_port", lambda: next(chosen, None) or real_free_port())

    with ServerProcess(tmp_path / "data") as running:
        assert running.port != foreign_port
        assert httpx.get(f"{running.url}/healthz").json()["status"] == "ok"
        with socket.create_connection(("127.0.0.1", running.port)):
            pass


def test_ports_are_never_handed_out_twice_in_a_run_nor_by_two_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One worker: each port at most once, all from its own block, below bind(0)'s range.
    handed_out = [server.free_port() for _ in range(200)]
    assert len(set(handed_out)) == len(handed_out)
    assert all(port in server._BLOCK for port in handed_out)
    # Two workers of one run: blocks that do not meet.
    blocks = []
    for worker in ("gw0", "gw1", "gw7"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "8")
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        blocks.append(set(server._port_block()))
    assert all(blocks) and not (blocks[0] & blocks[1] or blocks[1] & blocks[2])
    assert max(max(block) for block in blocks) < server._ephemeral_start()


def test_a_chunk_of_ports_another_run_reserved_is_skipped_until_that_run_ends() -> None:
    # GIVEN another test run on this machine that took a port, and so its chunk
    held: list[IO[bytes]] = []
    with subprocess.Popen(
        [sys.executable, "-c", OTHER_RUN],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=Path(__file__).parents[2],
    ) as other_run:
        try:
            assert other_run.stdout is not None
            port = int(other_run.stdout.readline())
            first = port - port % server.CHUNK
            chunk = range(first, first + server.CHUNK)
            # THEN this run finds none of that chunk's ports to hand out
            assert list(server.reserved_ports(chunk, held)) == []
            # WHEN that run is killed (no clean-up of its own)
            other_run.kill()
            other_run.wait(10)
            # THEN its ports are free to reserve again
            assert list(server.reserved_ports(chunk, held)) == list(chunk)
        finally:
            other_run.kill()
            for lock in held:
                lock.close()


#: Another test run, reduced to what matters: it takes a port and keeps running.
OTHER_RUN = """
import sys
from tests.support import server
print(server.free_port(), flush=True)
sys.stdin.read()
"""
