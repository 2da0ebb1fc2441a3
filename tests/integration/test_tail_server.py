"""The live tail against a real ``tenantlog serve`` over a socket, read as an SSE client reads
it (httpx streaming), and ``tenantlog logs --follow`` as a user runs it."""

from __future__ import annotations

import asyncio
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tenantlog.db.sqlite import SqliteDatabase
from tenantlog.store.sqlite import SqliteStore
from tests.support.cli import tenantlog, tenantlog_json
from tests.support.factories import make_record
from tests.support.server import ServerProcess, wait_until

pytestmark = pytest.mark.slow

TAIL = "/tenants/acme/logs/tail"


class Events:
    """The events of one open tail, parsed as an EventSource would (comments skipped)."""

    def __init__(self, response: httpx.Response) -> None:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        self._lines = response.iter_lines()

    def next(self) -> dict[str, Any]:
        fields: dict[str, str] = {}
        for line in self._lines:
            if not line:
                if "data" in fields:
                    return {"id": fields.get("id"), "data": orjson.loads(fields["data"])}
                fields = {}
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(": ")
            fields[name] = value
        raise AssertionError("the stream ended")

    def ids(self, count: int) -> list[str]:
        return [self.next()["data"]["log_id"] for _ in range(count)]


@contextmanager
def tail(
    url: str, params: dict[str, str] | None = None, headers: dict[str, str] | None = None
) -> Iterator[Events]:
    # A read timeout turns a missing event into a failure rather than a hang.
    with (
        httpx.Client(base_url=url, timeout=httpx.Timeout(10, read=20)) as client,
        client.stream("GET", TAIL, params=params, headers=headers) as response,
    ):
        yield Events(response)


def send(url: str, log_id: str, tenant: str = "acme", **fields: Any) -> None:
    answer = httpx.post(
        f"{url}/ingest",
        json={"tenant_id": tenant, "log_id": log_id, "text": f"log {log_id}", **fields},
        timeout=10,
    )
    assert answer.status_code == 202, answer.text


def test_tail_sends_new_logs_of_its_tenant_that_match(server: ServerProcess) -> None:
    with tail(server.url, {"severity": "error", "q": "log"}) as events:
        send(server.url, "t1-other", tenant="globex", severity="error")
        send(server.url, "t1-info", severity="info")
        send(server.url, "t1-a", severity="ERROR")
        send(server.url, "t1-b", severity="error", attributes={"phone": "555-0199"})
        first, second = events.next(), events.next()

    # two workers may store them in either order; the ids follow the store's order
    assert sorted([first["data"]["log_id"], second["data"]["log_id"]]) == ["t1-a", "t1-b"]
    assert int(second["id"]) > int(first["id"])
    assert {first["data"]["tenant_id"], second["data"]["tenant_id"]} == {"acme"}
    with_phone = first if first["data"]["log_id"] == "t1-b" else second
    assert with_phone["data"]["attributes"] == {"phone": "[REDACTED]"}


def test_tail_resumes_after_last_event_id_with_exactly_the_missed_logs(
    server: ServerProcess, client: httpx.Client
) -> None:
    with tail(server.url) as events:
        send(server.url, "t2-a")
        seen = events.next()
    # the client is gone; logs arrive meanwhile, and are stored
    for log_id in ("t2-b", "t2-c"):
        send(server.url, log_id)
    send(server.url, "t2-x", tenant="globex")
    stored = ["/tenants/acme/logs/t2-b", "/tenants/acme/logs/t2-c", "/tenants/globex/logs/t2-x"]
    wait_until(lambda: all(client.get(path).status_code == 200 for path in stored))
    with tail(server.url, headers={"Last-Event-ID": seen["id"]}) as resumed:
        missed = resumed.ids(2)
        send(server.url, "t2-d")
        after = resumed.ids(1)

    assert seen["data"]["log_id"] == "t2-a"
    assert sorted(missed) == ["t2-b", "t2-c"]
    assert after == ["t2-d"]


def test_tail_malformed_last_event_id_is_400_naming_it(client: httpx.Client) -> None:
    answer = client.get(TAIL, headers={"Last-Event-ID": "12; DROP"})

    assert answer.status_code == 400
    assert answer.json()["error"].startswith("invalid Last-Event-ID: ")


def test_tail_needs_a_read_key_of_its_tenant(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    acme = tenantlog_json("keys", "create", "acme", "--scope=read", data_dir=data_dir)
    globex = tenantlog_json("keys", "create", "globex", "--scope=read", data_dir=data_dir)
    ingest = tenantlog_json("keys", "create", "acme", "--scope=ingest", data_dir=data_dir)
    with ServerProcess(data_dir, env={"TENANTLOG_AUTH": "keys"}) as running:

        def tail_with(key: dict[str, str] | None) -> httpx.Response:
            headers = {} if key is None else {"Authorization": f"Bearer {key['secret']}"}
            return httpx.get(f"{running.url}{TAIL}", headers=headers, timeout=10)

        missing, foreign, no_scope = tail_with(None), tail_with(globex), tail_with(ingest)
        with tail(running.url, headers={"Authorization": f"Bearer {acme['secret']}"}) as events:
            sent = httpx.post(
                f"{running.url}/ingest",
                json={"text": "keyed log", "log_id": "k1"},  # the key's tenant
                headers={"Authorization": f"Bearer {ingest['secret']}"},
                timeout=10,
            )
            assert sent.status_code == 202, sent.text
            own = events.next()

    assert missing.status_code == 401
    assert missing.json() == {"error": "missing or invalid API key"}
    assert foreign.status_code == 404  # another tenant is never disclosed
    assert foreign.json() == {"error": "not found"}
    assert no_scope.status_code == 403
    assert no_scope.json() == {"error": "this API key lacks the 'read' scope"}
    assert own["data"]["log_id"] == "k1"
    assert own["data"]["tenant_id"] == "acme"
    assert "original_text" not in own["data"]  # a read key without the audit scope


@pytest.mark.parametrize("command", ["serve", "api"])
def test_server_stops_promptly_with_a_tail_open(command: str, tmp_path: Path) -> None:
    # A grace period far longer than the stop below waits: only a tail that ends at
    # shutdown lets the server exit within it.
    env = {"TENANTLOG_SHUTDOWN_GRACE": "120"}
    with (
        ServerProcess(tmp_path / "data", command=command, env=env) as running,
        tail(running.url) as events,
    ):
        assert running.stop(timeout=30) == 0
        with pytest.raises(AssertionError, match="the stream ended"):
            events.next()


def put(data_dir: Path, *log_ids: str) -> None:
    """Store logs straight in the database, as a worker of that data dir would."""

    async def write() -> None:
        database = await SqliteDatabase.open(data_dir)
        store = SqliteStore(database)
        for log_id in log_ids:
            record = replace(
                make_record(log_id=log_id, text=f"[bold red]{log_id}[/]"),
                modified_data=f"[bold red]{log_id}[/]",
                severity="ERROR",
            )
            assert await store.put_if_absent(record)
        await database.close()

    asyncio.run(write())


@contextmanager
def following(data_dir: Path, *args: str) -> Iterator[queue.Queue[str]]:
    """``tenantlog logs acme --follow ARGS`` running; its output lines, as they come. Ended
    with Ctrl-C, which must end it cleanly."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tenantlog", "logs", "acme", "--follow", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TENANTLOG_DATA_DIR": str(data_dir), "COLUMNS": "120"},
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        yield lines
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C
        process.wait(30)
        reader.join(30)
        assert process.stdout is not None and process.stderr is not None
        errors = process.stderr.read()
        process.stdout.close()
        process.stderr.close()
    # Ctrl-C is how a follow ends: no traceback, success
    assert process.returncode == 0, errors
    assert errors == ""


def shown_until(
    data_dir: Path, lines: queue.Queue[str], shown: Callable[[str], str | None], last: str
) -> list[str]:
    """Store numbered logs until the follow shows one (it shows only what is stored after it
    started), then ``last``; every log id it shows until ``last``, in order."""
    seen: list[str] = []
    for n in range(100):
        put(data_dir, f"f{n}")
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if (log_id := shown(line)) is not None:
            seen.append(log_id)
            break
    put(data_dir, last)
    while seen[-1:] != [last]:
        if (log_id := shown(lines.get(timeout=20))) is not None:
            seen.append(log_id)
    return seen


def consecutive(seen: list[str]) -> list[str]:
    """What ``seen`` must be: numbered logs from the first it shows to the last stored, once
    each and in order, then the last log."""
    first = int(seen[0][1:])
    last = max(int(log_id[1:]) for log_id in seen[:-1])
    return [f"f{n}" for n in range(first, last + 1)] + seen[-1:]


def test_cli_follow_json_prints_each_new_log_once_as_a_line(tmp_path: Path) -> None:
    put(tmp_path, "before")
    records: list[dict[str, Any]] = []

    def shown(line: str) -> str:
        records.append(orjson.loads(line))
        log_id: str = records[-1]["log_id"]
        return log_id

    with following(tmp_path, "--json", "--severity", "error") as lines:
        seen = shown_until(tmp_path, lines, shown, "last")

    assert seen == consecutive(seen)
    assert records[-1]["original_text"] == "[bold red]last[/]"  # --json: whole records


def test_cli_follow_table_prints_rows_with_log_text_literally(tmp_path: Path) -> None:
    rows: list[str] = []

    def shown(line: str) -> str | None:
        found = re.search(r"\[bold red\](\w+)\[/\]", line)
        if found is None:
            return None
        rows.append(line)
        return found.group(1)

    with following(tmp_path) as lines:
        seen = shown_until(tmp_path, lines, shown, "last")

    assert seen == consecutive(seen)
    assert "ERROR" in rows[-1]


def test_cli_follow_refuses_options_of_a_past_page(tmp_path: Path) -> None:
    result = tenantlog("logs", "acme", "--follow", "--since", "1h", data_dir=tmp_path, check=False)

    assert result.returncode == 2
    assert "--since does not go with --follow" in result.stderr


# Ctrl-C, many times, while the follow's reads come back from the database's thread: each
# must end the follow (no KeyboardInterrupt escapes it) and print nothing.
INTERRUPTED_FOLLOWS = """
import os, signal, sys, threading
from pathlib import Path
from tenantlog.cli.admin import until_interrupted
from tenantlog.core.query import LogQuery
from tenantlog.settings import Settings

async def reading(backends):
    # Ctrl-C once the follow runs (before, asyncio.run's own handler would take it).
    threading.Timer(n % 7 / 100, os.kill, (os.getpid(), signal.SIGINT)).start()
    while True:
        await backends.store.follow("acme", 0, LogQuery(), 10)

settings = Settings(data_dir=Path(sys.argv[1]))
for n in range(int(sys.argv[2])):
    until_interrupted(settings, reading)
    print("ended", flush=True)
"""


def test_ctrl_c_ends_a_follow_between_two_reads_every_time(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_FOLLOWS, str(tmp_path), "30"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.split() == ["ended"] * 30
