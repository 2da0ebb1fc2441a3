"""A real tenantlog process on a free loopback port, for integration and fault tests."""

from __future__ import annotations

import itertools
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO

import httpx
import psutil

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; each run keeps to its random start
    fcntl = None  # type: ignore[assignment]

#: Test servers' ports come from below the kernel's ephemeral range (where ``bind(0)``
#: and outgoing connections get theirs), each xdist worker from a block of its own.
_FIRST_PORT = 10_000
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def _ephemeral_start() -> int:
    try:
        return int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def _port_block() -> range:
    """This worker's own ports: no other worker of the run draws from them."""
    ephemeral_start = _ephemeral_start()
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    size = (ephemeral_start - _FIRST_PORT) // max(workers, 1)
    start = _FIRST_PORT + worker * size
    return range(start, start + size)


_BLOCK = _port_block()
#: Ports are reserved across processes a chunk at a time (one lock file each), chunks
#: counted from port 0 so that runs with other xdist worker counts name them alike.
CHUNK = 64
#: The lock files: in the machine's temporary folder, which every test run shares.
LOCKS = Path(tempfile.gettempdir()) / "tenantlog-test-ports"
_held: list[IO[bytes]] = []  # the chunks this process reserved, locked until it exits


def _reserve(chunk: int, held: list[IO[bytes]]) -> bool:
    """Whether this process now holds ``chunk`` (its lock joins ``held``).

    Two test runs on one machine (a developer's and CI's) would otherwise draw
    from the same range: ``bind`` tells a port is free at that moment only,
    and a server of the other run, restarting or about to bind, would then
    answer this run's requests with its own settings. The lock goes with the
    process, however it ends, so no stale reservation outlives its run.
    """
    if fcntl is None:
        return True
    LOCKS.mkdir(exist_ok=True)
    lock = (LOCKS / f"{chunk}.lock").open("ab")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        return False
    held.append(lock)
    return True


def reserved_ports(block: range, held: list[IO[bytes]]) -> Iterator[int]:
    """The ports of ``block``, from a random place in it, of the chunks this process
    could reserve (another run's are skipped whole)."""
    if not block:
        return
    chunks = range(block.start // CHUNK, (block.stop - 1) // CHUNK + 1)
    start = random.randrange(len(chunks))
    for chunk in itertools.chain(chunks[start:], chunks[:start]):
        if _reserve(chunk, held):
            first, stop = max(chunk * CHUNK, block.start), min((chunk + 1) * CHUNK, block.stop)
            yield from range(first, stop)


_next_in_block = reserved_ports(_BLOCK, _held)


def free_port() -> int:
    """A loopback port free now that no other server of this test run, nor of another
    test run on this machine, is given.

    ``bind(0)`` alone may hand out again a port an earlier server of the run used
    (and an orphaned or draining process of it may still answer there), or, under
    xdist, one another worker's server holds next; here each worker walks its own
    block once, so no port is handed out twice in a run, and only ports of chunks
    it reserved (``_reserve``).
    """
    for port in _next_in_block:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue  # another program of this machine holds it
            return port
    with socket.socket() as sock:  # block used up (or no room below the ephemeral range)
        sock.bind(("127.0.0.1", 0))
        chosen: int = sock.getsockname()[1]
        return chosen


#: What uvicorn logs when it cannot bind its port.
_ADDRESS_IN_USE = "address already in use"
PORT_ATTEMPTS = 5


class PortTaken(Exception):
    """Another program listens on the port the server was to use."""


class ServerProcess:
    """``tenantlog <command>`` in a subprocess; stopped with SIGTERM on exit."""

    def __init__(
        self,
        data_dir: Path,
        *,
        command: str = "serve",
        port: int | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.command = command
        self._chose_port = port is None
        self._extra_env = env or {}
        self._use_port(port or free_port())
        self.process: subprocess.Popen[bytes] | None = None

    def _use_port(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.env = {
            **os.environ,
            "TENANTLOG_DATA_DIR": str(self.data_dir),
            "TENANTLOG_PORT": str(port),
            "TENANTLOG_CRASH_PROBABILITY": "0",
            "TENANTLOG_PROCESSING_DELAY_PER_CHAR": "0",
            "TENANTLOG_LOG_LEVEL": "warning",
            **self._extra_env,
        }
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}-{self.command}-{port}.log"

    def start(self) -> ServerProcess:
        """Start the process; a server is started again on another port if its own was taken.

        A port ``free_port`` returned is free only until someone binds it: another
        program on this machine may take it in the second before the server does.
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for _ in range(PORT_ATTEMPTS):
            self._spawn()
            if self.command == "worker":
                return self
            try:
                self._wait_until_healthy()
                return self
            except PortTaken:
                self.stop(signal.SIGKILL)
                if not self._chose_port:
                    raise
                self._use_port(free_port())
        raise RuntimeError(f"no free port in {PORT_ATTEMPTS} attempts")

    def _spawn(self) -> None:
        with self.log_path.open("ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tenantlog", self.command],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def _wait_until_healthy(self, seconds: float = 20) -> None:
        """Until /healthz answers 200 from this server: a process of ours must hold the port,
        or the answer may come from whoever took it first."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                if _ADDRESS_IN_USE in self.output().lower():
                    raise PortTaken(self.port)
                raise RuntimeError(f"server exited early:\n{self.output()}")
            try:
                answered = httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                answered = False
            if answered and self._listens():
                return
            if answered and _ADDRESS_IN_USE in self.output().lower():
                raise PortTaken(self.port)
            time.sleep(0.05)
        raise RuntimeError(f"server not healthy in {seconds}s:\n{self.output()}")

    def _listens(self) -> bool:
        """Whether this process or one of its children listens on the port."""
        assert self.process is not None
        try:
            root = psutil.Process(self.process.pid)
            family = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return False
        for member in family:
            try:
                sockets = member.net_connections(kind="tcp")
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            if any(s.status == psutil.CONN_LISTEN and s.laddr.port == self.port for s in sockets):
                return True
        return False

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        """Send ``sig`` and return the exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.process is not None and self.process.poll() is None:
            self.stop()


def wait_until(condition: Callable[[], object], seconds: float = 30, every: float = 0.1) -> None:
    """Poll ``condition()`` until it is true; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise AssertionError(f"condition not met within {seconds}s")
