"""The live tail in-process, over memory backends, called as uvicorn calls the app.

httpx's in-process transport waits for a response to end, and a tail never
does, so the streaming cases drive the ASGI app directly: a scope, a receive
that reports the client gone when the test says so, and a send that
collects what is written. Answers that do end (the 4xx and 5xx) go through
httpx as in the other route tests.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import orjson
import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Scope

from tenantlog.audit.memory import MemoryAuditLog
from tenantlog.backends import Backends
from tenantlog.core.audit import ORIGINAL_READ, AuditUnavailable
from tenantlog.core.identity import ANONYMOUS
from tenantlog.core.key_admin import create_key
from tenantlog.core.models import LogRecord
from tenantlog.core.query import LogQuery, UnsupportedQuery
from tenantlog.core.store import Followed, StoreUnavailable
from tenantlog.http.app import create_app
from tenantlog.http.policy import PRINCIPAL, route_label
from tenantlog.http.scope_keys import STOP_STREAM
from tenantlog.http.tail import KEEP_ALIVE, Tails
from tenantlog.settings import load_settings
from tenantlog.store.memory import MemoryStore
from tests.support.factories import bearer, make_record
from tests.support.inprocess import in_process, memory_backends

pytestmark = pytest.mark.anyio

TAIL = "/tenants/acme/logs/tail"


def backends() -> Backends:
    return memory_backends()


class Stream:
    """One request to the app, running until the test ends it as a client would."""

    def __init__(self, app: ASGIApp, path: str, query: str, headers: Iterable[tuple[str, str]]):
        self.sent: asyncio.Queue[Message] = asyncio.Queue()
        self.gone = asyncio.Event()
        self.buffer = b""
        self.scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(b"host", b"127.0.0.1")]
            + [(k.lower().encode(), v.encode()) for k, v in headers],
            "client": ("127.0.0.1", 1234),
            "server": ("127.0.0.1", 80),
        }
        self.task: asyncio.Future[None] = asyncio.ensure_future(
            app(self.scope, self._receive, self.sent.put)
        )

    async def _receive(self) -> Message:
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def start(self) -> Message:
        message = await asyncio.wait_for(self.sent.get(), 10)
        assert message["type"] == "http.response.start"
        return message

    async def chunk(self) -> Message:
        message = await asyncio.wait_for(self.sent.get(), 10)
        assert message["type"] == "http.response.body"
        return message

    async def events(self, count: int) -> list[dict[str, Any]]:
        """The next ``count`` events (comments skipped), as {"id", "data" (parsed)}."""
        found: list[dict[str, Any]] = []
        while len(found) < count:
            while b"\n\n" not in self.buffer:
                message = await self.chunk()
                assert message.get("more_body"), "the stream ended"
                self.buffer += message["body"]
            block, self.buffer = self.buffer.split(b"\n\n", 1)
            fields = dict(line.split(b": ", 1) for line in block.split(b"\n"))
            if b"data" in fields:
                found.append(
                    {
                        "id": fields.get(b"id", b"").decode(),
                        "event": fields.get(b"event", b"message").decode(),
                        "data": orjson.loads(fields[b"data"]),
                    }
                )
        return found

    async def close(self) -> None:
        self.gone.set()
        await asyncio.wait_for(self.task, 10)


@asynccontextmanager
async def tail(
    app: ASGIApp, path: str = TAIL, query: str = "", headers: Iterable[tuple[str, str]] = ()
) -> AsyncIterator[Stream]:
    stream = Stream(app, path, query, headers)
    try:
        yield stream
    finally:
        await stream.close()


def loopback_app(store: Backends) -> ASGIApp:
    return create_app(load_settings(auth="off"), store)


def record(log_id: str, tenant: str = "acme", **fields: Any) -> LogRecord:
    return dataclasses.replace(make_record(tenant, log_id, text=f"text of {log_id}"), **fields)


async def put(parts: Backends, *records: LogRecord) -> None:
    for one in records:
        assert await parts.store.put_if_absent(one)


async def test_tail_sends_what_is_stored_after_it_opens_for_its_tenant_and_filters() -> None:
    parts = backends()
    await put(parts, record("before", severity="ERROR"))
    async with tail(loopback_app(parts), query="severity=error") as stream:
        start = await stream.start()
        assert dict(start["headers"])[b"content-type"].startswith(b"text/event-stream")
        await put(
            parts,
            record("other-tenant", tenant="globex", severity="error"),
            record("info", severity="info"),
            record("wanted", severity="Error"),
        )
        [only] = await stream.events(1)
        await put(parts, record("next", severity="ERROR"))
        [then] = await stream.events(1)

    assert only["data"]["log_id"] == "wanted"
    assert only["data"]["tenant_id"] == "acme"
    assert then["data"]["log_id"] == "next"
    assert int(then["id"]) > int(only["id"])
    # the same fields as the read API shows this caller (auth off: original_text too)
    assert only["data"]["original_text"] == "text of wanted"


async def test_tail_resumes_after_last_event_id_with_exactly_what_was_missed() -> None:
    parts = backends()
    app = loopback_app(parts)
    async with tail(app) as stream:
        await stream.start()
        await put(parts, record("a"), record("b"))
        seen = await stream.events(2)
    await put(parts, record("c"), record("d", tenant="globex"), record("e"))
    last = seen[-1]["id"]
    async with tail(app, headers=[("Last-Event-ID", last)]) as resumed:
        await resumed.start()
        missed = await resumed.events(2)
    async with tail(app, query=f"last_event_id={seen[0]['id']}") as by_parameter:
        await by_parameter.start()
        again = await by_parameter.events(3)

    assert [e["data"]["log_id"] for e in seen] == ["a", "b"]
    assert [e["data"]["log_id"] for e in missed] == ["c", "e"]
    assert [e["data"]["log_id"] for e in again] == ["b", "c", "e"]


async def test_tail_event_data_is_one_line_whatever_the_log_holds() -> None:
    parts = backends()
    hostile = "line one\n\ndata: forged\r\nid: 999999"
    async with tail(loopback_app(parts)) as stream:
        await stream.start()
        await put(parts, record("x", modified_data=hostile), record("y"))
        events = await stream.events(2)

    assert [e["data"]["log_id"] for e in events] == ["x", "y"]
    assert events[0]["data"]["modified_data"] == hostile


async def test_tail_ends_when_the_server_shuts_down() -> None:
    parts = backends()
    stream = Stream(loopback_app(parts), TAIL, "", ())
    await stream.start()
    stop = stream.scope[STOP_STREAM]  # what the connection layer calls at shutdown

    stop()
    last = await stream.chunk()
    await asyncio.wait_for(stream.task, 10)

    assert last == {"type": "http.response.body", "body": b"", "more_body": False}


async def test_tail_ends_when_the_client_goes() -> None:
    parts = backends()
    stream = Stream(loopback_app(parts), TAIL, "", ())
    await stream.start()

    await stream.close()  # would time out if the tail ran on

    assert stream.task.done()


def direct(tails: Tails) -> ASGIApp:
    """The tail route alone, its caller already admitted (as the request policy does)."""
    router = Starlette(routes=[Route("/tenants/{tenant_id}/logs/tail", tails.tail)])

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        scope[PRINCIPAL] = ANONYMOUS
        await router(scope, receive, send)

    return app


async def test_tail_sends_a_keep_alive_comment_after_silence() -> None:
    tails = Tails(MemoryStore(), MemoryAuditLog(), poll_seconds=0.01, keep_alive_seconds=0.05)
    async with tail(direct(tails)) as stream:
        await stream.start()
        chunk = await stream.chunk()

    assert chunk["body"] == KEEP_ALIVE


async def test_tail_keeps_its_place_while_the_store_is_unreachable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = MemoryStore()
    tails = Tails(store, MemoryAuditLog(), poll_seconds=0.01)
    real = store.follow
    failures = 0

    async def flaky(*args: Any) -> Any:
        nonlocal failures
        if 0 < failures < 5:  # the first call (the start) succeeds
            failures += 1
            raise StoreUnavailable("down")
        failures += 1
        return await real(*args)

    async with tail(direct(tails)) as stream:
        monkeypatch.setattr(store, "follow", flaky)
        await stream.start()
        await store.put_if_absent(record("during"))
        [event] = await stream.events(1)

    assert event["data"]["log_id"] == "during"
    assert failures > 5


@pytest.mark.parametrize(
    ("query", "headers", "message"),
    [
        ("", [("Last-Event-ID", "abc")], "invalid Last-Event-ID: "),
        ("", [("Last-Event-ID", "-1")], "invalid Last-Event-ID: "),
        ("", [("Last-Event-ID", "9" * 20)], "invalid Last-Event-ID: "),
        ("last_event_id=1.5", [], "invalid last_event_id: "),
        ("since=15m", [], "invalid since: "),
        ("until=15m", [], "invalid until: "),
        ("order=asc", [], "invalid order: "),
        ("cursor=abc", [], "invalid cursor: "),
        ("severity=", [], "invalid severity: empty"),
        ("fields=nope", [], "unknown field in fields: 'nope'"),
    ],
)
async def test_tail_malformed_request_is_400_naming_it(
    query: str, headers: list[tuple[str, str]], message: str
) -> None:
    async with in_process(auth="off", base_url="http://127.0.0.1", headers=headers) as app:
        answer = await app.client.get(f"{TAIL}?{query}")

    assert answer.status_code == 400
    assert answer.json()["error"].startswith(message)


async def test_tail_on_a_backend_that_cannot_follow_is_501_naming_the_deployment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with in_process(auth="off", base_url="http://127.0.0.1") as app:

        async def refuse(*args: Any) -> None:
            raise UnsupportedQuery("tail")  # what the DynamoDB store raises

        monkeypatch.setattr(app.backends.store, "follow", refuse)
        answer = await app.client.get(TAIL)

    assert answer.status_code == 501
    assert "embedded deployment" in answer.json()["error"]
    assert "API Gateway" in answer.json()["error"]


async def test_tail_store_unreachable_at_the_start_is_503(monkeypatch: pytest.MonkeyPatch) -> None:
    async with in_process(auth="off", base_url="http://127.0.0.1") as app:

        async def down(*args: Any) -> None:
            raise StoreUnavailable("down")

        monkeypatch.setattr(app.backends.store, "follow", down)
        answer = await app.client.get(TAIL)

    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "5"


async def test_tail_needs_a_read_key_of_the_tenant() -> None:
    async with in_process() as app:
        ingest_only = await app.new_key("acme", "ingest")
        other = await app.new_key("globex", "read")

        missing = await app.client.get(TAIL)
        no_scope = await app.client.get(TAIL, headers=bearer(ingest_only))
        foreign = await app.client.get(TAIL, headers=bearer(other))

    assert missing.status_code == 401
    assert no_scope.status_code == 403
    assert no_scope.json() == {"error": "this API key lacks the 'read' scope"}
    assert foreign.status_code == 404  # another tenant is not disclosed, as on every read


async def test_tail_shows_original_text_only_to_the_audit_scope_and_audits_it() -> None:
    parts = backends()
    app = create_app(load_settings(auth="keys", key_cache_seconds=0), parts)
    secrets = {}
    for scopes in (("read",), ("read", "audit")):
        _, secrets[scopes] = await create_key(
            parts.keys, parts.audit, tenant_id="acme", scopes=scopes, actor="test"
        )
    auth = [("Authorization", f"Bearer {secrets[('read',)]}")]
    audit_auth = [("Authorization", f"Bearer {secrets[('read', 'audit')]}")]
    async with tail(app, headers=auth) as reader, tail(app, headers=audit_auth) as auditor:
        await reader.start()
        await auditor.start()
        await put(parts, record("r1"))
        [plain] = await reader.events(1)
        [full] = await auditor.events(1)

    assert "original_text" not in plain["data"]
    assert plain["data"]["modified_data"] == "text of r1"
    assert full["data"]["original_text"] == "text of r1"
    reads = [e for e in (await parts.audit.list(50, None)).events if e.action == ORIGINAL_READ]
    assert len(reads) == 1
    assert reads[0].detail["first_log_id"] == "r1"


async def test_tail_stops_rather_than_show_unaudited_text(monkeypatch: pytest.MonkeyPatch) -> None:
    audit = MemoryAuditLog()
    store = MemoryStore()
    tails = Tails(store, audit, poll_seconds=0.01)

    async def unavailable(event: Any) -> None:
        raise AuditUnavailable("down")

    monkeypatch.setattr(audit, "record", unavailable)
    async with tail(direct(tails)) as stream:
        await stream.start()
        await store.put_if_absent(record("secret"))
        [failed] = await stream.events(1)
        last = await stream.chunk()

    assert failed["event"] == "error"
    assert failed["data"] == {"error": "audit trail unavailable; retry later"}
    assert last["more_body"] is False


def test_tail_is_counted_under_its_own_route_label() -> None:
    assert route_label("/tenants/acme/logs/tail") == "/tenants/{tenant_id}/logs/tail"
    assert route_label("/tenants/acme/logs/a/tail") == "/tenants/{tenant_id}/logs/{log_id}"


async def test_tail_head_answers_the_headers_without_a_stream() -> None:
    async with in_process(auth="off", base_url="http://127.0.0.1") as app:
        answer = await app.client.head(TAIL)  # would never return if the stream ran

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/event-stream")


class ScanningStore(MemoryStore):
    """A memory store whose ``follow`` looks through a bounded range of positions per call,
    as the SQLite store's does."""

    SCAN = 1000

    async def follow(
        self, tenant_id: str, after: int | None, query: LogQuery, limit: int
    ) -> Followed:
        found = await super().follow(tenant_id, after, query, limit)
        if after is None:
            return found
        upto = after + self.SCAN
        within = [(position, one) for position, one in found.records if position <= upto]
        if len(within) < len(found.records):
            return Followed(within, upto)
        return Followed(within, min(found.position, upto))


async def test_tail_far_behind_reads_on_without_pausing_until_it_catches_up() -> None:
    store = ScanningStore()
    for n in range(4000):  # the wanted log at position 3500, in the fourth range
        one = record("wanted") if n == 3499 else record(f"g{n:04}", tenant="globex")
        await store.put_if_absent(one)
    # a pause between reads as long as the test's patience: only reading on without
    # one brings the log in time
    tails = Tails(store, MemoryAuditLog(), poll_seconds=3600)
    async with tail(direct(tails), headers=[("Last-Event-ID", "0")]) as stream:
        await stream.start()
        [event] = await stream.events(1)

    assert event["data"]["log_id"] == "wanted"
    assert event["id"] == "3500"
