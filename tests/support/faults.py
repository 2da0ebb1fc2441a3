"""Load and bookkeeping for fault tests: what got a 202, and where it ended up."""

from __future__ import annotations

import itertools
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

import httpx

from tests.support.cli import tenantlog_json


def post_many(url: str, payloads: list[dict[str, str]], workers: int = 16) -> set[tuple[str, str]]:
    """POST every payload concurrently; the (tenant_id, log_id) of those answered 202."""
    accepted: set[tuple[str, str]] = set()
    lock = threading.Lock()

    def post(client: httpx.Client, payload: dict[str, str]) -> None:
        try:
            response = client.post("/ingest", json=payload)
        except httpx.HTTPError:
            return  # no answer: not accepted
        if response.status_code == 202:
            with lock:
                accepted.add((payload["tenant_id"], payload["log_id"]))

    with httpx.Client(base_url=url, timeout=10) as client, ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda p: post(client, p), payloads))
    return accepted


def payloads(count: int, text: str = "call 555-0100 now") -> list[dict[str, str]]:
    return [
        {"tenant_id": f"tenant-{n % 7}", "log_id": f"log-{n:05d}", "text": text}
        for n in range(count)
    ]


def outcome(data_dir: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[str]]:
    """Stored keys, dead-lettered keys and dead-letter reasons, read with the CLI."""
    stored: list[tuple[str, str]] = []
    for n in range(7):
        page = tenantlog_json("logs", f"tenant-{n}", "--all", data_dir=data_dir)
        stored += [(r["tenant_id"], r["log_id"]) for r in page["items"]]
    dead = tenantlog_json("dlq", "list", "--limit", "100000", data_dir=data_dir)
    bodies = [json.loads(d["body"]) for d in dead]
    return (
        stored,
        [(b["tenant_id"], b["log_id"]) for b in bodies],
        [d["reason"] for d in dead],
    )


def queue_depth(data_dir: Path) -> int:
    depth: int = tenantlog_json("stats", data_dir=data_dir)["depth"]
    return depth


class ContinuousLoad:
    """Threads posting unique logs until stopped, recording every (tenant, log_id) answered 202.

    A request that gets no answer (the server was killed) or another status
    is not accepted, so the caller owes nothing for it.
    """

    def __init__(self, url: str, *, threads: int = 4, tenants: int = 7) -> None:
        self.url = url
        self.accepted: set[tuple[str, str]] = set()
        self.refused: dict[int, int] = {}
        self.unanswered = 0
        self._tenants = tenants
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run) for _ in range(threads)]

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            while not self._stop.is_set():
                with self._lock:
                    n = next(self._ids)
                payload = {
                    "tenant_id": f"tenant-{n % self._tenants}",
                    "log_id": f"log-{n:07d}",
                    "text": "call 555-0100 now",
                }
                try:
                    status = client.post("/ingest", json=payload).status_code
                except httpx.HTTPError:
                    with self._lock:
                        self.unanswered += 1
                    self._stop.wait(0.05)  # the server is down: do not spin
                    continue
                with self._lock:
                    if status == 202:
                        self.accepted.add((payload["tenant_id"], payload["log_id"]))
                    else:
                        self.refused[status] = self.refused.get(status, 0) + 1

    def __enter__(self) -> ContinuousLoad:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()
