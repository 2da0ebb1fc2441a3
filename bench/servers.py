"""Starting ``tenantlog`` processes for the benchmarks: one way, shared by every script."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pinned(cpu: str, command: list[str]) -> list[str]:
    """``command`` on one CPU where taskset exists, so load and server do not share one."""
    return ["taskset", "-c", cpu, *command] if shutil.which("taskset") else command


@contextmanager
def running(
    command: str, env: dict[str, str], port: int | None, *, cpu: str | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """``tenantlog <command>`` until the block ends, healthy on ``port`` when it starts
    (``api``, ``serve``; None for a ``worker``, which serves nothing); stopped with
    SIGTERM (killed if it has not drained within 60 s)."""
    argv = [sys.executable, "-m", "tenantlog", command]
    process = subprocess.Popen(
        argv if cpu is None else pinned(cpu, argv),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while port is not None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).is_success:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
