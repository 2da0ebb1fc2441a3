"""The connection guards with each of uvicorn's HTTP/1.1 parsers, and the open-file limit.

The guards run in a real uvicorn server on a thread, over real sockets, with
a tiny app and a header timeout of a fraction of a second, so that each parser
(h11 always; httptools where installed) is tested quickly. The whole service
with them is tested in tests/integration/test_slow_clients.py.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
import pytest
import uvicorn
from starlette.types import Receive, Scope, Send

from tenantlog.http import connections
from tenantlog.http.connections import (
    FILE_HEADROOM,
    GuardedH11Protocol,
    http_protocol,
    raise_open_file_limit,
)
from tests.support.raw_http import closed_by_server, read_response

HEADER_TIMEOUT = 0.4
#: How much later than the timeout a close may come on a shared, loaded machine.
SLACK = 5.0

PROTOCOLS: list[Any] = [GuardedH11Protocol]
if hasattr(connections, "GuardedHttpToolsProtocol"):
    PROTOCOLS.append(connections.GuardedHttpToolsProtocol)


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Reads the whole body and answers ``ok``; on /slow, after twice the header timeout."""
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    if scope["path"] == "/slow":
        await asyncio.sleep(HEADER_TIMEOUT * 2)
    headers = [(b"content-type", b"text/plain"), (b"content-length", b"2")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"ok"})


@contextmanager
def running(protocol: Any, *, cap: int | None = None) -> Iterator[int]:
    """A uvicorn server with ``protocol`` on a free loopback port, for the ``with`` block."""
    config = uvicorn.Config(
        app,
        http=http_protocol(HEADER_TIMEOUT, protocol),
        loop="asyncio",
        lifespan="off",
        log_level="error",
        limit_concurrency=cap,
    )
    server = uvicorn.Server(config)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.01)
        yield listener.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(10)
        listener.close()


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=HEADER_TIMEOUT + SLACK)


def request(path: str = "/") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(
    protocol: Any,
) -> None:
    with running(protocol) as port, connect(port) as sock:
        started = time.monotonic()
        # THEN the server hangs up without a word: the client asked nothing
        assert closed_by_server(sock)
        assert time.monotonic() - started >= HEADER_TIMEOUT * 0.9


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_trickled_head_gets_408_although_bytes_keep_coming(protocol: Any) -> None:
    head = b"GET /" + b"a" * 200
    with running(protocol) as port, connect(port) as sock:
        # GIVEN a request line arriving a byte every 20 ms, never finished in time
        started = time.monotonic()
        sent = 0
        while time.monotonic() - started < HEADER_TIMEOUT * 0.8:
            try:
                sock.sendall(head[sent : sent + 1])
            except OSError:
                break  # a loaded machine may answer before the loop ends
            sent += 1
            time.sleep(0.02)
        # THEN the deadline is on the whole head: a JSON 408, then the connection closed
        status, headers, body = read_response(sock)
        assert status == 408
        assert orjson.loads(body) == {
            "error": f"request headers not received within {HEADER_TIMEOUT:g} s"
        }
        assert (headers["content-type"], headers["connection"]) == ("application/json", "close")
        assert closed_by_server(sock)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_complete_head_is_not_cut_off_by_a_slow_answer_or_a_later_request(
    protocol: Any,
) -> None:
    with running(protocol) as port, connect(port) as sock:
        # GIVEN a request whose answer takes twice the header timeout
        sock.sendall(request("/slow"))
        # THEN it is answered
        assert read_response(sock)[0] == 200
        # AND the same connection serves a second one sent at once
        sock.sendall(request("/slow"))
        assert read_response(sock)[0] == 200
        # AND the deadline restarts for the next head: a half-sent one gets its 408
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 1")
        assert read_response(sock)[0] == 408
        assert closed_by_server(sock)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_beyond_the_cap_a_request_gets_json_503_until_idle_connections_close(
    protocol: Any,
) -> None:
    with running(protocol, cap=3) as port:
        idle = [connect(port) for _ in range(3)]
        try:
            # GIVEN the cap is filled by connections that send nothing
            with connect(port) as sock:
                sock.sendall(request())
                # THEN a request gets a JSON 503 naming the cause, and its connection closes
                status, headers, body = read_response(sock)
                assert status == 503
                assert orjson.loads(body) == {"error": "too many connections; retry later"}
                assert headers["retry-after"] == "5"
                assert (headers["content-type"], headers["connection"]) == (
                    "application/json",
                    "close",
                )
                assert closed_by_server(sock)
            # WHEN the idle connections have been closed by the header timeout
            assert all(closed_by_server(sock) for sock in idle)
        finally:
            for sock in idle:
                sock.close()
        # THEN requests are served again
        with connect(port) as sock:
            sock.sendall(request())
            assert read_response(sock)[0] == 200


class FakeResource:
    """The parts of the ``resource`` module the limit raise uses, with settable limits."""

    RLIMIT_NOFILE = 7
    RLIM_INFINITY = -1

    def __init__(self, soft: int, hard: int, *, refuse: bool = False) -> None:
        self.limits = (soft, hard)
        self.refuse = refuse
        self.set_calls: list[tuple[int, int]] = []

    def getrlimit(self, which: int) -> tuple[int, int]:
        assert which == self.RLIMIT_NOFILE
        return self.limits

    def setrlimit(self, which: int, limits: tuple[int, int]) -> None:
        assert which == self.RLIMIT_NOFILE
        self.set_calls.append(limits)
        if self.refuse:
            raise ValueError("not allowed to raise the maximum limit")
        self.limits = limits


@pytest.mark.parametrize(
    ("soft", "hard", "expected_soft"),
    [
        (1024, 1_048_576, 4096 + FILE_HEADROOM),  # raised to what the cap needs
        (1024, FakeResource.RLIM_INFINITY, 4096 + FILE_HEADROOM),
        (8192, 1_048_576, 8192),  # already enough: left alone
        (FakeResource.RLIM_INFINITY, FakeResource.RLIM_INFINITY, FakeResource.RLIM_INFINITY),
    ],
)
def test_the_open_file_limit_is_raised_to_what_the_cap_needs(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    soft: int,
    hard: int,
    expected_soft: int,
) -> None:
    fake = FakeResource(soft, hard)
    monkeypatch.setattr(connections, "resource", fake)

    with caplog.at_level(logging.WARNING, logger="tenantlog"):
        assert raise_open_file_limit(4096) == expected_soft

    assert fake.limits == (expected_soft, hard)  # the hard limit is never touched
    assert "TENANTLOG_MAX_CONNECTIONS" not in caplog.text


@pytest.mark.parametrize(("hard", "refuse"), [(2048, False), (FakeResource.RLIM_INFINITY, True)])
def test_a_hard_limit_below_the_cap_warns_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, hard: int, refuse: bool
) -> None:
    # GIVEN a hard limit below what 4,096 connections need, or a platform refusing the raise
    fake = FakeResource(1024, hard, refuse=refuse)
    monkeypatch.setattr(connections, "resource", fake)

    with caplog.at_level(logging.WARNING, logger="tenantlog"):
        soft = raise_open_file_limit(4096)

    # THEN the soft limit goes as far as allowed, and the warning names the setting to lower
    assert soft == (1024 if refuse else 2048)
    assert fake.limits[1] == hard
    assert f"TENANTLOG_MAX_CONNECTIONS=4096 needs {4096 + FILE_HEADROOM} open files" in caplog.text


def test_without_the_resource_module_nothing_is_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connections, "resource", None)
    assert raise_open_file_limit(4096) is None


def test_the_open_file_limit_of_this_process_is_raised() -> None:
    resource = pytest.importorskip("resource")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 1000 + FILE_HEADROOM
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.skip(f"the hard open-file limit here is {hard}")
    # GIVEN a soft limit too low for 1,000 connections
    resource.setrlimit(resource.RLIMIT_NOFILE, (512, hard))
    try:
        # THEN the raise reaches the real limit the kernel enforces
        assert raise_open_file_limit(1000) == wanted
        assert resource.getrlimit(resource.RLIMIT_NOFILE) == (wanted, hard)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
