"""Fair processing per tenant: how long a small tenant waits behind another's backlog.

A real `tenantlog serve` (SQLite backend; API and worker in processes of their own; crash
probability 0, 0.001 s of simulated work per character) gets tenant A's
backlog, then tenant B's few logs:

1. A: 50,000 logs of 100 characters, posted as NDJSON batches of 500 (four
   connections); the worker starts on them at once.
2. Once every batch of A is answered 202, B: 100 logs of 100 characters in
   one batch. Then the time until all 100 of B are stored (polling
   ``GET /tenants/B/logs``), while A's backlog is counted in the queue
   (read-only, from the database file) until it is drained, or for at most
   ``--wait`` seconds; what is left then is projected at A's rate.

The baseline, from the same run: how long B would have waited in first-in
first-out order, behind all of A's backlog at the moment B arrived, at the
rate A's backlog was drained (backlog / rate). The queue serves tenants in
turn instead, so B's wait should not depend on A's backlog.

Two runs by default: the worker's default concurrency (256 batches of 5 in
flight: A's backlog drains in seconds), and a worker holding 8 batches (40
logs in flight: A's backlog takes minutes). About two and a half minutes.

    python bench/fairness.py [--a-logs 50000] [--b-logs 100] [--wait 120]
                             [--worker-concurrency 0 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from servers import free_port, running

#: Seconds between two looks at B's stored logs and A's backlog.
POLL = 0.02
#: Connections posting A's batches.
POSTERS = 4
#: Batches of 5 a slow worker holds: 40 logs of 0.1 s in flight, so that A's backlog
#: takes minutes (the default 256 drains it in seconds).
SLOW_WORKER = 8


def batch(tenant: str, first: int, count: int, chars: int) -> bytes:
    """NDJSON lines of ``tenant``, each log ``chars`` characters long."""
    lines = []
    for n in range(first, first + count):
        text = f"{tenant} log {n:07d} ".ljust(chars, "x")[:chars]
        lines.append(f'{{"tenant_id":"{tenant}","text":"{text}"}}\n')
    return "".join(lines).encode()


class Backlog:
    """Counts read straight from the database file (read-only), as a second process would."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)

    def queued(self, tenant: str) -> int:
        """The tenant's messages not yet processed: visible, in flight or backing off."""
        row = self._conn.execute(
            "SELECT count(*) FROM queue_messages WHERE tenant = ?", (tenant,)
        ).fetchone()
        return int(row[0])

    def close(self) -> None:
        self._conn.close()


@dataclass
class Result:
    a_posted_s: float
    a_backlog_at_b: int
    b_stored_s: float
    b_stored: int
    a_rate_during_b: float
    a_left_at_b_done: int
    a_drain_s: float | None
    a_left_at_end: int
    a_rate_overall: float
    waited_s: float


async def post_all(client: httpx.AsyncClient, bodies: list[bytes]) -> None:
    pending = list(reversed(bodies))

    async def poster() -> None:
        while pending:
            body = pending.pop()
            response = await client.post(
                "/ingest", content=body, headers={"Content-Type": "application/x-ndjson"}
            )
            if response.status_code != 202:
                raise RuntimeError(f"ingest answered {response.status_code}: {response.text}")

    await asyncio.gather(*(poster() for _ in range(POSTERS)))


async def stored(client: httpx.AsyncClient, tenant: str) -> int:
    response = await client.get(f"/tenants/{tenant}/logs", params={"limit": 1000})
    response.raise_for_status()
    return len(response.json()["items"])


async def measure(base: str, backlog: Backlog, args: argparse.Namespace) -> Result:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        a_bodies = [
            batch("A", first, min(args.batch, args.a_logs - first), args.chars)
            for first in range(0, args.a_logs, args.batch)
        ]
        started = time.monotonic()
        await post_all(client, a_bodies)
        a_posted = time.monotonic() - started
        # B arrives: from its request until its last log is stored.
        a_at_b = backlog.queued("A")
        b_sent = time.monotonic()
        await post_all(client, [batch("B", 0, args.b_logs, args.chars)])
        b_count = 0
        while b_count < args.b_logs and time.monotonic() - b_sent < args.wait:
            await asyncio.sleep(POLL)
            b_count = await stored(client, "B")
        b_done = time.monotonic()
        a_at_b_done = backlog.queued("A")
        # A's backlog: until it is drained, or for at most --wait seconds from B's arrival.
        a_left = a_at_b_done
        while a_left > 0 and time.monotonic() - b_sent < args.wait:
            await asyncio.sleep(0.2)
            a_left = backlog.queued("A")
        ended = time.monotonic()
    b_wait = b_done - b_sent
    return Result(
        a_posted_s=a_posted,
        a_backlog_at_b=a_at_b,
        b_stored_s=b_wait,
        b_stored=b_count,
        a_rate_during_b=(a_at_b - a_at_b_done) / b_wait if b_wait > 0 else 0.0,
        a_left_at_b_done=a_at_b_done,
        a_drain_s=ended - b_sent if a_left == 0 else None,
        a_left_at_end=a_left,
        a_rate_overall=(a_at_b - a_left) / (ended - b_sent),
        waited_s=ended - b_sent,
    )


def fifo_wait(result: Result) -> float:
    """The baseline: B behind all of A's backlog at its arrival, at A's measured drain rate."""
    rate = result.a_rate_overall
    return result.a_backlog_at_b / rate if rate > 0 else float("inf")


def a_drained(result: Result) -> str:
    if result.a_drain_s is not None:
        return f"drained {result.a_drain_s:.1f} s after B arrived"
    rate = result.a_rate_overall
    projected = result.a_left_at_end / rate if rate > 0 else float("inf")
    return (
        f"{result.a_left_at_end:,} left {result.waited_s:.0f} s after B arrived:"
        f" about {result.waited_s + projected:.0f} s in all"
    )


def report(runs: list[tuple[str, Result]], args: argparse.Namespace) -> None:
    print()
    print(
        f"A: {args.a_logs:,} logs, then B: {args.b_logs} logs, {args.chars} characters each,"
        f" {args.delay} s of work a character"
    )
    print()
    print(
        "| worker holds | A posted in | A queued when B arrived | B all stored after"
        " (in turn) | B in FIFO order (baseline) | A's backlog |"
    )
    print("|---|---|---|---|---|---|")
    for label, result in runs:
        b_result = f"{result.b_stored_s:.2f} s"
        if result.b_stored < args.b_logs:
            b_result = f"only {result.b_stored} stored in {result.b_stored_s:.0f} s"
        print(
            f"| {label} | {result.a_posted_s:.1f} s | {result.a_backlog_at_b:,}"
            f" | {b_result} | {fifo_wait(result):.1f} s (at {result.a_rate_overall:,.0f} logs/s)"
            f" | {a_drained(result)} |"
        )
    print()
    for label, result in runs:
        met = result.b_stored == args.b_logs and result.b_stored_s <= 5
        print(
            f"{label}: all of B stored within 5 s: {'yes' if met else 'NO'};"
            f" A drained at {result.a_rate_during_b:,.0f} logs/s while B was being stored"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a-logs", type=int, default=50_000)
    parser.add_argument("--b-logs", type=int, default=100)
    parser.add_argument("--chars", type=int, default=100, help="characters a log")
    parser.add_argument("--batch", type=int, default=500, help="NDJSON lines a request of A")
    parser.add_argument("--delay", type=float, default=0.001, help="seconds of work a character")
    parser.add_argument("--wait", type=float, default=120, help="seconds to follow A's backlog")
    parser.add_argument(
        "--worker-concurrency",
        type=int,
        nargs="+",
        default=[0, SLOW_WORKER],
        help="batches of 5 the worker holds at once, a run each (0: the default, 256)",
    )
    args = parser.parse_args()
    runs = []
    for concurrency in args.worker_concurrency:
        label = f"{concurrency or 256} batches"
        print(f"tenantlog serve (sqlite, crash 0, {args.delay} s/char), worker holds {label}")
        runs.append((label, run(args, concurrency)))
    report(runs, args)


def run(args: argparse.Namespace, concurrency: int) -> Result:
    with tempfile.TemporaryDirectory(prefix="tenantlog-bench-") as tmp:
        port = free_port()
        data_dir = Path(tmp) / "data"
        env = {
            **os.environ,
            "TENANTLOG_DATA_DIR": str(data_dir),
            "TENANTLOG_PORT": str(port),
            "TENANTLOG_LOG_LEVEL": "warning",
            "TENANTLOG_CRASH_PROBABILITY": "0",
            "TENANTLOG_PROCESSING_DELAY_PER_CHAR": str(args.delay),
            "TENANTLOG_MAX_QUEUE_DEPTH": str(10**9),
        }
        if concurrency:
            env["TENANTLOG_WORKER_CONCURRENCY"] = str(concurrency)
        with running("serve", env, port):
            backlog = Backlog(data_dir / "tenantlog.db")
            try:
                return asyncio.run(measure(f"http://127.0.0.1:{port}", backlog, args))
            finally:
                backlog.close()


if __name__ == "__main__":
    main()
