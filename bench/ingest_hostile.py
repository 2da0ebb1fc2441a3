"""Ingest latency while maximal NDJSON batches arrive, and the server's peak memory.

`tenantlog api` (SQLite backend, pinned to CPU 0 where taskset exists) gets
single-log JSON requests from a few probe connections, each pausing a few
milliseconds between requests, in four phases of the same run:

1. alone: the baseline;
2. while other connections post maximal NDJSON batches back to back
   (10,000 lines in just under 5 MiB: the most one request may carry);
3. while they post the same batches with a bad last line: parsed in full,
   refused with 400, never enqueued;
4. while they post 5 MiB of 30-byte lines, over the line cap (413s).

It prints the probes' p50/p99 latency in each phase, what the batch
connections got (for maximal batches also the logs/s accepted, over the
seconds they were sending), and the server's peak RSS (VmHWM) after each
phase. The batches come from a separate process, so building and sending
them does not delay the probes' own event loop.

    python bench/ingest_hostile.py [--seconds 10] [--batch-connections 3] [--probes 2]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.queues import Queue
from pathlib import Path

import httpx
import orjson
from servers import free_port, running

MAX_BODY = 5 * 1024 * 1024
MAX_LINES = 10_000
NDJSON = {"Content-Type": "application/x-ndjson", "X-Tenant-ID": "bench"}


def maximal_batch() -> bytes:
    """10,000 log lines, as long as they can be with the body under 5 MiB."""
    room = MAX_BODY // MAX_LINES - len(b'{"text":""}\n') - len(b"99999 ")
    text = "User 555-0199 accessed system " + "x" * (room - 30)
    body = b"\n".join(orjson.dumps({"text": f"{n} {text}"}) for n in range(MAX_LINES))
    assert len(body) <= MAX_BODY, len(body)
    return body


def refused_at_the_end() -> bytes:
    """A maximal batch whose last line is not JSON: parsed in full, then refused (400).

    Next to the maximal batches it separates what parsing costs the probes
    from what sharing the queue's commits with 10,000-line batches costs them.
    """
    body = maximal_batch()
    return body[: body.rindex(b"\n") + 1] + b"{not json"


def short_lines() -> bytes:
    """5 MiB of 30-byte lines: some 170,000 logs before the line cap existed."""
    line = b'{"text":"User 555-0199 here"}\n'
    return (line * (MAX_BODY // len(line)))[:MAX_BODY]


@contextmanager
def api_server(data_dir: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """``tenantlog api`` on CPU 0, healthy; the process, for its /proc status."""
    env = {
        **os.environ,
        "TENANTLOG_DATA_DIR": str(data_dir),
        "TENANTLOG_PORT": str(port),
        "TENANTLOG_LOG_LEVEL": "warning",
        "TENANTLOG_MAX_QUEUE_DEPTH": str(10**9),
    }
    with running("api", env, port, cpu="0") as process:
        yield process


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


@dataclass
class Probed:
    """Latencies (ms) of one kind of probe, and how many got another status than hoped for."""

    latencies: list[float] = field(default_factory=list)
    unexpected: int = 0


#: What the batch connections got: how many of each status, in how many seconds.
Loaded = tuple[dict[int, int], float]


async def probe(base: str, seconds: float, probes: int, pause: float) -> tuple[Probed, Probed]:
    """``probes`` connections posting single logs and as many asking GET /healthz.

    The ingest latency includes the durable enqueue (a commit shared with
    whatever else is being written); /healthz touches neither queue nor
    store, so its latency is how promptly the event loop serves anything.
    """
    ingest, health = Probed(), Probed()

    async def one(client: httpx.AsyncClient, number: int, probed: Probed) -> None:
        deadline = time.monotonic() + seconds
        n = 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            if probed is ingest:
                payload = {"tenant_id": "probe", "text": f"probe {number}-{n} 555-0199"}
                ok = (await client.post("/ingest", json=payload)).status_code == 202
            else:
                ok = (await client.get("/healthz")).status_code == 200
            probed.latencies.append((time.perf_counter() - started) * 1000)
            probed.unexpected += not ok
            n += 1
            await asyncio.sleep(pause)

    limits = httpx.Limits(max_connections=probes)
    async with (
        httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as posting,
        httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as asking,
    ):
        await asyncio.gather(
            *(one(posting, number, ingest) for number in range(probes)),
            *(one(asking, number, health) for number in range(probes)),
        )
    return ingest, health


def load(
    url: str, body_kind: str, connections: int, stop_at: float, results: Queue[Loaded]
) -> None:
    """Batches back to back until ``stop_at`` (a separate process); puts the statuses, and
    the seconds from the first batch sent to the last one answered."""
    body = {"maximal": maximal_batch, "refused": refused_at_the_end, "short": short_lines}[
        body_kind
    ]()
    started = time.monotonic()

    async def one(client: httpx.AsyncClient, statuses: Counter[int]) -> None:
        while time.time() < stop_at:
            statuses[(await client.post(url, content=body, headers=NDJSON)).status_code] += 1

    async def run() -> Counter[int]:
        statuses: Counter[int] = Counter()
        limits = httpx.Limits(max_connections=connections)
        async with httpx.AsyncClient(limits=limits, timeout=60) as client:
            await asyncio.gather(*(one(client, statuses) for _ in range(connections)))
        return statuses

    statuses = dict(asyncio.run(run()))
    results.put((statuses, time.monotonic() - started))


def phase(
    base: str, args: argparse.Namespace, body_kind: str | None
) -> tuple[Probed, Probed, Loaded]:
    """Probes for ``args.seconds``, with batches of ``body_kind`` arriving meanwhile."""
    if body_kind is None:
        return *asyncio.run(probe(base, args.seconds, args.probes, args.pause)), ({}, 0.0)
    spawn = multiprocessing.get_context("spawn")
    results: Queue[Loaded] = spawn.Queue()
    warm_up = 3.0  # the loader builds its body and starts sending before probing begins
    stop_at = time.time() + warm_up + args.seconds
    loader = spawn.Process(
        target=load, args=(f"{base}/ingest", body_kind, args.batch_connections, stop_at, results)
    )
    loader.start()
    time.sleep(warm_up)
    ingest, health = asyncio.run(probe(base, args.seconds, args.probes, args.pause))
    loaded = results.get(timeout=args.seconds + 60)
    loader.join()
    return ingest, health, loaded


def summary(probed: Probed) -> str:
    latencies = probed.latencies
    p99 = statistics.quantiles(latencies, n=100)[98]
    return f"{statistics.median(latencies):>8.1f}{p99:>8.1f}{max(latencies):>8.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="length of each phase")
    parser.add_argument("--batch-connections", type=int, default=3)
    parser.add_argument("--probes", type=int, default=2, help="connections of each probe kind")
    parser.add_argument("--pause", type=float, default=0.005, help="seconds between probes")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})  # the clients on the core the server is not pinned to
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    phases = (
        ("alone (baseline)", None),
        ("maximal NDJSON batches", "maximal"),
        ("the same, last line bad", "refused"),
        ("5 MiB of 30-byte lines", "short"),
    )
    rows: list[tuple[str, Probed, Probed, Loaded, float]] = []
    with tempfile.TemporaryDirectory() as tmp, api_server(Path(tmp) / "data", port) as server:
        asyncio.run(probe(base, 1, args.probes, args.pause))  # warm up
        for name, kind in phases:
            ingest, health, loaded = phase(base, args, kind)
            rows.append((name, ingest, health, loaded, peak_rss_mib(server.pid)))
            print(f"{name}: done", flush=True)
    print()
    print(
        f"{args.probes} connections each posting single logs and asking /healthz, pausing"
        f" {args.pause * 1000:g} ms; {args.batch_connections} batch connections;"
        f" {args.seconds:g} s a phase; latencies in ms"
    )
    print(
        f"  {'while the server gets':<26}{'ingest: n':>10}{'p50':>8}{'p99':>8}{'max':>8}"
        f"{'healthz: n':>11}{'p50':>8}{'p99':>8}{'max':>8}{'peak RSS':>10}"
    )
    for name, ingest, health, _, rss in rows:
        print(
            f"  {name:<26}{len(ingest.latencies):>10,}{summary(ingest)}"
            f"{len(health.latencies):>11,}{summary(health)}{rss:>6.0f} MiB"
        )
    unexpected = sum(ingest.unexpected + health.unexpected for _, ingest, health, *_ in rows)
    print(f"  probes answered otherwise than 202/200: {unexpected}")
    for name, *_, (statuses, seconds), _ in rows[1:]:
        answered = ", ".join(f"{count} x {status}" for status, count in sorted(statuses.items()))
        logs = statuses.get(202, 0) * MAX_LINES if name.startswith("maximal") else 0
        rate = f", {logs / seconds:,.0f} logs/s accepted" if logs else ""
        print(f"  {name}: {answered} in {seconds:.1f} s{rate}")
    print("  peak RSS: the server's VmHWM after the phase (it only grows)")


if __name__ == "__main__":
    main()
