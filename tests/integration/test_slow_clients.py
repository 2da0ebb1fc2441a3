"""Slow and idle clients against a real ``tenantlog serve``: raw sockets that stall or trickle.

A body not complete within TENANTLOG_REQUEST_TIMEOUT gets 408 and its
connection closed; a connection whose request head is not complete within
TENANTLOG_HEADER_TIMEOUT is closed (with a 408 if it had begun one); beyond
TENANTLOG_MAX_CONNECTIONS a request gets a JSON 503; a thousand such clients
do not stop anyone else's ingest. Two quick tests of the deadline keeper
itself come first: its 408 leaves the request's task usable, and any other
cancellation goes through. The head deadline with each HTTP parser is tested
in tests/unit/test_connections.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import selectors
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from tenantlog.core.validation import IngestError, Limits
from tenantlog.http.connections import FILE_HEADROOM
from tenantlog.http.ingest import BodyDeadlines
from tests.support.raw_http import closed_by_server, read_response
from tests.support.server import ServerProcess

REQUEST_TIMEOUT = 2.0
HEADER_TIMEOUT = 3.0
#: The start of a request head that never ends, for clients that trickle it.
ENDLESS_HEAD = (
    b"POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Tenant-ID: slow\r\nX-Pad: " + b"a" * 8192
)
#: How much later than the timeout a 408 may come on a shared, loaded machine.
SLACK = 8.0
CROWD = 300


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data_dir = tmp_path_factory.mktemp("slow") / "data"
    env = {"TENANTLOG_REQUEST_TIMEOUT": str(REQUEST_TIMEOUT)}
    with ServerProcess(data_dir, env=env) as running:
        yield running


async def never_complete() -> dict[str, object]:
    """An ASGI receive whose body never arrives."""
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


def test_body_deadlines_answer_408_and_leave_the_task_usable() -> None:
    async def scenario() -> None:
        with pytest.raises(IngestError) as caught:
            await BodyDeadlines().read(never_complete, Limits(request_timeout=0.05))
        assert (caught.value.status, caught.value.headers) == (408, {"connection": "close"})
        # the 408 still has to be sent: the task must not be left cancelled
        task = asyncio.current_task()
        assert task is not None and task.cancelling() == 0
        await asyncio.sleep(0)

    asyncio.run(scenario())


def test_body_deadlines_let_other_cancellations_through() -> None:
    async def scenario() -> None:
        reading = asyncio.create_task(BodyDeadlines().read(never_complete, Limits()))
        await asyncio.sleep(0.01)
        reading.cancel()  # e.g. the server shutting down
        with pytest.raises(asyncio.CancelledError):
            await reading

    asyncio.run(scenario())


def start_request(port: int, *, body_sent: bytes = b"", declared: int = 1000) -> socket.socket:
    """A raw connection that sends headers promising ``declared`` bytes, then ``body_sent``."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=REQUEST_TIMEOUT + SLACK)
    sock.sendall(
        b"POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
        b"X-Tenant-ID: slow\r\nContent-Length: %d\r\n\r\n%s" % (declared, body_sent)
    )
    return sock


def assert_408_and_closed(sock: socket.socket) -> None:
    status, headers, body = read_response(sock)
    assert status == 408
    assert orjson.loads(body) == {
        "error": f"request body not received within {REQUEST_TIMEOUT:g} s"
    }
    assert headers["connection"] == "close"
    assert closed_by_server(sock)


@pytest.mark.slow
def test_a_body_that_stops_gets_408_and_the_connection_closed(server: ServerProcess) -> None:
    # GIVEN a client that sends its headers and 10 of the 1,000 bytes it promised
    started = time.monotonic()
    with start_request(server.port, body_sent=b"0123456789") as sock:
        # THEN it gets 408 once the timeout has passed (the socket's own timeout is the
        # timeout plus slack), and the server closes the connection
        assert_408_and_closed(sock)
    assert time.monotonic() - started >= REQUEST_TIMEOUT * 0.9


@pytest.mark.slow
def test_a_trickling_body_gets_408_although_bytes_keep_coming(server: ServerProcess) -> None:
    # GIVEN a client that sends a byte of its body every 100 ms, never finishing in time
    with start_request(server.port) as sock:
        stop = threading.Event()
        trickle = threading.Thread(target=_trickle, args=([sock], stop), daemon=True)
        trickle.start()
        try:
            # THEN the deadline is on the whole body, not between bytes
            assert_408_and_closed(sock)
        finally:
            stop.set()
            trickle.join()


@pytest.mark.slow
def test_hundreds_of_idle_stalled_and_trickling_clients_do_not_stop_ingest(
    server: ServerProcess,
) -> None:
    # GIVEN 300 raw connections: a third send nothing, a third stall inside their
    # body and a third trickle it
    third = CROWD // 3
    idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(third)]
    stalled = [start_request(server.port, body_sent=b"x") for _ in range(third)]
    trickling = [start_request(server.port) for _ in range(third)]
    stop = threading.Event()
    trickle = threading.Thread(target=_trickle, args=(trickling, stop), daemon=True)
    trickle.start()
    try:
        # WHEN other clients ingest meanwhile
        with httpx.Client(base_url=server.url, timeout=10) as client:
            statuses = [
                client.post("/ingest", json={"tenant_id": "busy", "text": f"log {n}"}).status_code
                for n in range(50)
            ]
        # THEN each of them is accepted, and every slow body still gets its 408
        assert statuses == [202] * 50
        for sock in stalled + trickling:
            assert_408_and_closed(sock)
    finally:
        stop.set()
        trickle.join()
        for sock in idle + stalled + trickling:
            sock.close()


def ingest(client: httpx.Client, text: str = "hello") -> httpx.Response:
    return client.post("/ingest", json={"tenant_id": "busy", "text": text})


def assert_head_408_and_closed(sock: socket.socket) -> None:
    status, headers, body = read_response(sock)
    assert status == 408
    assert orjson.loads(body) == {
        "error": f"request headers not received within {HEADER_TIMEOUT:g} s"
    }
    assert headers["connection"] == "close"
    assert closed_by_server(sock)


@contextlib.contextmanager
def trickling_heads(socks: list[socket.socket], every: float) -> Iterator[None]:
    """Each socket sends one more byte of ``ENDLESS_HEAD`` every ``every`` seconds."""
    stop = threading.Event()
    thread = threading.Thread(target=_trickle_heads, args=(socks, every, stop), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=HEADER_TIMEOUT + SLACK)


@pytest.mark.slow
def test_idle_and_trickling_heads_beyond_the_cap_get_closed_and_ingest_resumes(
    tmp_path: Path,
) -> None:
    env = {"TENANTLOG_MAX_CONNECTIONS": "200", "TENANTLOG_HEADER_TIMEOUT": str(HEADER_TIMEOUT)}
    with ServerProcess(tmp_path / "data", env=env) as server:
        # GIVEN 250 connections that send nothing and 100 that trickle a request head,
        # together well over the cap of 200
        idle = [connect(server.port) for _ in range(250)]
        trickling = [connect(server.port) for _ in range(100)]
        try:
            with (
                trickling_heads(trickling, every=0.1),
                httpx.Client(base_url=server.url, timeout=10) as client,
            ):
                # THEN while they are held, a request gets a JSON 503 naming the cause (its
                # connection is accepted after theirs: they all count by the time it asks)
                refused = ingest(client)
                assert refused.status_code == 503
                assert refused.json() == {"error": "too many connections; retry later"}
                assert refused.headers["retry-after"] == "5"
                assert refused.headers["connection"] == "close"
                # AND once the header timeout has passed, the idle ones are closed and
                # the trickling ones are answered 408 and closed
                for sock in idle:
                    assert closed_by_server(sock)  # without a word: nothing was asked
                for sock in trickling:
                    assert_head_408_and_closed(sock)
                # AND a normal client's ingest is accepted again
                assert ingest(client).status_code == 202
        finally:
            for sock in idle + trickling:
                sock.close()


@contextlib.contextmanager
def soft_open_file_limit(limit: int) -> Iterator[None]:
    """This process's soft RLIMIT_NOFILE is ``limit`` (processes started meanwhile inherit it)."""
    resource = pytest.importorskip("resource")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def open_file_limit_of(pid: int) -> int | None:
    """The soft open-file limit of another process, where /proc tells it."""
    limits = Path(f"/proc/{pid}/limits")
    if not limits.exists():
        return None
    found = re.search(r"^Max open files\s+(\d+)", limits.read_text(), re.MULTILINE)
    return int(found.group(1)) if found else None


@pytest.mark.slow
def test_a_thousand_idle_and_trickling_connections_do_not_stop_ingest(tmp_path: Path) -> None:
    resource = pytest.importorskip("resource")
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = 4096 + FILE_HEADROOM  # the default TENANTLOG_MAX_CONNECTIONS, and headroom
    if hard != resource.RLIM_INFINITY and hard < needed:
        pytest.skip(f"the hard open-file limit here is {hard}")
    env = {"TENANTLOG_HEADER_TIMEOUT": str(HEADER_TIMEOUT)}
    # GIVEN a server started with a soft open-file limit of 1,024, a common default
    # that 1,000 connections and the database would exhaust, and the default cap
    server = ServerProcess(tmp_path / "data", env=env)
    with soft_open_file_limit(1024):
        server.start()
    try:
        # THEN it has raised its own limit to what its connection cap needs
        assert server.process is not None
        assert open_file_limit_of(server.process.pid) in (None, needed)
        # WHEN 500 clients connect and send nothing and 500 trickle a request head
        idle = [connect(server.port) for _ in range(500)]
        trickling = [connect(server.port) for _ in range(500)]
        try:
            with (
                trickling_heads(trickling, every=0.2),
                httpx.Client(base_url=server.url, timeout=10) as client,
            ):
                # THEN another client's ingest succeeds throughout, while they are held
                # and after the header timeout has closed them
                statuses: list[int] = []
                until = time.monotonic() + HEADER_TIMEOUT + 2
                while time.monotonic() < until:
                    statuses.append(ingest(client, f"log {len(statuses)}").status_code)
                    time.sleep(0.05)
                assert statuses and set(statuses) == {202}
                for sock in idle:
                    assert closed_by_server(sock)  # without a word: nothing was asked
                for sock in trickling:
                    assert_head_408_and_closed(sock)
        finally:
            for sock in idle + trickling:
                sock.close()
    finally:
        server.stop()
    assert "Too many open files" not in server.output()


def _trickle(socks: list[socket.socket], stop: threading.Event) -> None:
    """One byte to each socket every 100 ms until told to stop (or the server hangs up)."""
    while not stop.wait(0.1):
        for sock in socks:
            try:
                sock.send(b"x")
            except OSError:
                pass  # answered with 408 and closed: what the test waits for


def _trickle_heads(socks: list[socket.socket], every: float, stop: threading.Event) -> None:
    """One more byte of ``ENDLESS_HEAD`` to each socket every ``every`` seconds until told to stop.

    A socket with something to read (its 408) gets no more: a byte arriving after
    the server's close would draw a reset, which may discard the 408 unread.
    """
    live = set(socks)
    sent = 0
    with selectors.DefaultSelector() as answered:
        for sock in socks:
            answered.register(sock, selectors.EVENT_READ)
        while not stop.wait(every) and live:
            for key, _ in answered.select(0):
                answered.unregister(key.fileobj)
                live.discard(key.fileobj)
            for sock in live:
                try:
                    sock.send(ENDLESS_HEAD[sent : sent + 1])
                except OSError:
                    pass  # closed by the server: what the test waits for
            sent += 1
