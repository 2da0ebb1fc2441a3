"""Does a busy worker slow down ingest? `/ingest` p99 with the worker idle, then busy.

A real `tenantlog serve` (SQLite, crash probability 0) is probed by a few
connections each posting one short log every 10 ms, a steady rate far below
the API's capacity, so that the latency measured is the API's own and not a
queue of our making. Two phases in one run:

1. idle: the queue is empty, the worker has only the probe's logs;
2. busy: a backlog of dense-PII logs (about 1 KB, a dozen values each: phones,
   emails, IP addresses, cards, SSNs) is posted first, then the same probe
   runs while the worker redacts and stores it (simulated work of
   `--delay-per-char` seconds a character keeps it busy longer).

Printed: p50 and p99 of each phase, the ratio of the p99s, the server's
processes and their peak resident memory added up, and the backlog
left when the busy probe ended (if it reached 0 the worker was not busy the
whole time and the run should use a larger `--backlog`).

    python bench/serve_isolation.py [--seconds 10] [--backlog 60000] [--connections 4]

To measure other code (an older checkout) put its `src` first on PYTHONPATH:
the server process inherits it, and the script prints which code it ran.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from servers import free_port, running

PROBE_LOG = {"tenant_id": "probe", "text": "User 555-0199 accessed system"}


def dense_line(rng: random.Random, n: int) -> str:
    """About 1 KB in which a PII value comes every few words."""
    parts: list[str] = []
    while sum(map(len, parts)) < 1000:
        parts.append(
            f"user jane.doe{rng.randrange(10**6)}@example.com called 555-{rng.randrange(10**4):04d}"
            f" from 10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"
            f" card 4111 1111 1111 1111 ssn 078-05-1120 phone (212) 555-{rng.randrange(10**4):04d}"
            f" order {n}-{rng.randrange(10**9)};"
        )
    return " ".join(parts)


def backlog_batches(count: int, batch: int = 500) -> list[bytes]:
    rng = random.Random(7)
    lines = [
        json.dumps({"tenant_id": f"dense-{n % 5}", "text": dense_line(rng, n)})
        for n in range(count)
    ]
    return ["\n".join(lines[i : i + batch]).encode() for i in range(0, count, batch)]


async def post_backlog(url: str, batches: list[bytes], connections: int = 4) -> None:
    pending = list(batches)
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:

        async def sender() -> None:
            while pending:
                body = pending.pop()
                answer = await client.post(
                    "/ingest", content=body, headers={"Content-Type": "application/x-ndjson"}
                )
                if answer.status_code != 202:
                    raise RuntimeError(f"backlog batch refused: {answer.status_code} {answer.text}")

        await asyncio.gather(*(sender() for _ in range(connections)))


async def probe(url: str, seconds: float, connections: int) -> list[float]:
    """Latencies (ms) of single-log posts, each connection one every 10 ms."""
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:

        async def one() -> None:
            while time.monotonic() < deadline:
                start = time.perf_counter()
                answer = await client.post("/ingest", json=PROBE_LOG)
                latencies.append((time.perf_counter() - start) * 1000)
                if answer.status_code != 202:
                    raise RuntimeError(f"probe refused: {answer.status_code} {answer.text}")
                await asyncio.sleep(0.01)

        await asyncio.gather(*(one() for _ in range(connections)))
    return latencies


def depth(url: str) -> int:
    """Messages still queued, from the API's own metrics (served by every code version)."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    visible = _gauge(text, "tenantlog_queue_visible")
    in_flight = _gauge(text, "tenantlog_queue_in_flight")
    return int(visible + in_flight)


def _gauge(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.split(" ")[0] == name:
            return float(line.split()[-1])
    return float("nan")


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def processes(pid: int) -> list[int]:
    """The server's processes: itself and its descendants (Linux; itself elsewhere)."""
    listed = Path(f"/proc/{pid}/task/{pid}/children")
    if not listed.exists():
        return [pid]
    return [pid, *(p for child in listed.read_text().split() for p in processes(int(child)))]


def peak_rss_mb(pids: list[int]) -> float:
    """Sum of each process's peak resident set (VmHWM): at least their peak together."""
    total_kb = 0
    for pid in pids:
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--backlog", type=int, default=60_000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--delay-per-char", type=float, default=0.0)
    args = parser.parse_args()

    code = subprocess.run(
        [sys.executable, "-c", "import tenantlog; print(tenantlog.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    batches = backlog_batches(args.backlog)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "TENANTLOG_DATA_DIR": str(Path(tmp) / "data"),
            "TENANTLOG_PORT": str(port),
            "TENANTLOG_CRASH_PROBABILITY": "0",
            "TENANTLOG_PROCESSING_DELAY_PER_CHAR": str(args.delay_per_char),
            "TENANTLOG_LOG_LEVEL": "warning",
        }
        with running("serve", env, port) as server:
            count = len(processes(server.pid))
            asyncio.run(probe(url, 1, args.connections))  # warm-up, not counted
            idle = asyncio.run(probe(url, args.seconds, args.connections))
            started = time.monotonic()
            asyncio.run(post_backlog(url, batches))
            posted_in = time.monotonic() - started
            before = depth(url)
            busy = asyncio.run(probe(url, args.seconds, args.connections))
            after = depth(url)
            rss = peak_rss_mb(processes(server.pid))

    print(f"code: {code}; serve ran as {count} process(es), peak RSS summed {rss:.0f} MB")
    print(
        f"backlog: {args.backlog} dense-PII logs posted in {posted_in:.1f} s;"
        f" queued when the busy probe began {before}, when it ended {after}"
    )
    if after == 0:
        print("warning: the backlog drained before the probe ended; use a larger --backlog")
    print("| worker | requests | p50 ms | p99 ms |")
    print("|---|---|---|---|")
    for name, values in (("idle", idle), ("busy with dense PII", busy)):
        print(f"| {name} | {len(values)} | {statistics.median(values):.2f} | {p99(values):.2f} |")
    print(f"p99 busy / idle: {p99(busy) / p99(idle):.2f} x")


if __name__ == "__main__":
    main()
