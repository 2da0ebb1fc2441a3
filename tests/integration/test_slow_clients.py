"""Slow and idle clients against a real ``tenantlog serve``: raw sockets that stall or trickle.

A body not complete within TENANTLOG_REQUEST_TIMEOUT gets 408 and its
connection closed; hundreds of such clients do not stop anyone else's ingest;
beyond TENANTLOG_MAX_CONNECTIONS a request gets 503. Two quick tests of the
deadline keeper itself come first: its 408 leaves the request's task usable,
and any other cancellation goes through.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from tenantlog.core.validation import IngestError, Limits
from tenantlog.http.ingest import BodyDeadlines
from tests.support.server import ServerProcess, wait_until

REQUEST_TIMEOUT = 2.0
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


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and body of one HTTP/1.1 response."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    while len(body) < int(headers["content-length"]):
        chunk = sock.recv(65536)
        assert chunk, "connection closed inside the response body"
        body += chunk
    return int(status_line.split()[1]), headers, body


def closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


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


@pytest.mark.slow
def test_beyond_max_connections_a_request_gets_503_until_connections_close(
    tmp_path: Path,
) -> None:
    env = {"TENANTLOG_MAX_CONNECTIONS": "50"}
    with ServerProcess(tmp_path / "data", env=env) as server:
        # GIVEN 60 idle connections held open against a cap of 50
        held = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(60)]
        try:
            with httpx.Client(base_url=server.url, timeout=10) as client:

                def ingest() -> int:
                    payload = {"tenant_id": "capped", "text": "hello"}
                    return client.post("/ingest", json=payload).status_code

                # THEN a new request is refused with 503
                wait_until(lambda: ingest() == 503, seconds=10)
                # WHEN the idle connections close, THEN requests are served again
                for sock in held:
                    sock.close()
                wait_until(lambda: ingest() == 202, seconds=10)
        finally:
            for sock in held:
                sock.close()


def _trickle(socks: list[socket.socket], stop: threading.Event) -> None:
    """One byte to each socket every 100 ms until told to stop (or the server hangs up)."""
    while not stop.wait(0.1):
        for sock in socks:
            try:
                sock.send(b"x")
            except OSError:
                pass  # answered with 408 and closed: what the test waits for
