"""End to end: logs/s from the first POST until every log is stored, against ingest alone.

Ingest is fast; what a user waits for is the stored, redacted log. This posts
``--logs`` logs (50,000 by default) as NDJSON batches of ``--batch`` lines
(500) over ``--connections`` connections (8), with simulated crashes and work
at 0, on the SQLite backend with every commit fsync'd, to:

1. ``tenantlog api`` alone (no worker): ingest-only logs/s, the baseline;
2. ``tenantlog serve``, as it is when run (one process, or a supervisor of an
   API and worker processes): end-to-end logs/s, posted → all stored;
3. ``tenantlog api`` + ``tenantlog worker``, two processes: the same.

Stored logs are counted in the database file, read-only, as another process
would. The ratio end to end / ingest only is taken against the ingest-only
run of the same round. During each run the resident memory (RSS) of every
process of the service (the ones started and their children) is summed every
20 ms; the peak of that sum is printed, and the CPU time they spent, in µs a
log: the machine's cores divided by it are the most logs/s the mode could
reach here, were every core busy all the time.

    python bench/e2e.py [--logs 50000] [--batch 500] [--connections 8] [--rounds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from servers import free_port, running

#: Seconds between two counts of the stored logs.
POLL = 0.02
#: Seconds between two samples of the service's memory.
RSS_EVERY = 0.02
#: The most seconds a run waits for its logs to be stored.
STORE_TIMEOUT = 600
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MODES = ["api", "serve", "api+worker"]


def bodies(logs: int, batch: int, tenants: int) -> list[bytes]:
    """NDJSON requests of ``batch`` lines, tenants in turn, every line with a phone number
    and an IPv4 address for the worker's redaction to find (the shape bench/worker.py
    uses)."""
    requests = []
    for first in range(0, logs, batch):
        tenant = f"tenant-{(first // batch) % tenants}"
        lines = [
            f'{{"tenant_id":"{tenant}","log_id":"log-{n:07d}","text":"User 555-{n % 10000:04d}'
            f' accessed system from 10.1.{n % 256}.{n // 256 % 256} request {n}"}}\n'
            for n in range(first, min(first + batch, logs))
        ]
        requests.append("".join(lines).encode())
    return requests


class Usage:
    """Samples the summed RSS of some processes and all their descendants, in a thread,
    and the CPU time they spend while it runs (each process' from its first sample to
    its last)."""

    def __init__(self, roots: list[int]) -> None:
        self._roots = roots
        self.peak = 0
        self.processes = 0
        self._cpu_first: dict[int, float] = {}
        self._cpu_last: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while True:
            stopping = self._stop.is_set()  # one last sample after the run
            pids = _tree(self._roots)
            total = sum(_rss(pid) for pid in pids)
            if total > self.peak:
                self.peak, self.processes = total, len(pids)
            for pid in pids:
                cpu = _cpu_seconds(pid)
                if cpu is not None:
                    self._cpu_first.setdefault(pid, cpu)
                    self._cpu_last[pid] = cpu
            if stopping:
                return
            self._stop.wait(RSS_EVERY)

    @property
    def cpu_seconds(self) -> float:
        return sum(self._cpu_last[pid] - first for pid, first in self._cpu_first.items())

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _tree(roots: list[int]) -> list[int]:
    """``roots`` and their descendants, from /proc (each process names its parent)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and brackets: the fields follow its last ")".
        parents[int(entry)] = int(stat.rpartition(")")[2].split()[1])
    found = [pid for pid in roots if pid in parents]
    for pid in found:  # grows while it is walked: breadth first
        found += [child for child, parent in parents.items() if parent == pid]
    return found


def _rss(pid: int) -> int:
    """Resident bytes of ``pid`` now; 0 if it has gone."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def _cpu_seconds(pid: int) -> float | None:
    """User and system CPU seconds of ``pid`` so far; None if it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return None


class Stored:
    """Counts the stored logs straight from the database file, read-only."""

    def __init__(self, path: Path) -> None:
        deadline = time.monotonic() + 30
        while not path.exists():  # the worker may open the file a moment after the API
            if time.monotonic() > deadline:
                raise RuntimeError(f"no database at {path}")
            time.sleep(0.05)
        self._conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)

    def count(self) -> int:
        try:
            return int(self._conn.execute("SELECT count(*) FROM logs").fetchone()[0])
        except sqlite3.OperationalError:  # the schema is still being made
            return 0

    def close(self) -> None:
        self._conn.close()


@dataclass
class Run:
    posted_s: float  # the first POST to the last 202
    stored_s: float | None  # the first POST to every log stored (None: not measured)
    peak_rss: int
    processes: int
    cpu_s: float  # CPU seconds the service's processes spent from the first POST on


async def post_all(base: str, requests: list[bytes], connections: int) -> None:
    pending = list(reversed(requests))
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    headers = {"Content-Type": "application/x-ndjson"}
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:

        async def poster() -> None:
            while pending:
                body = pending.pop()
                response = await client.post("/ingest", content=body, headers=headers)
                if response.status_code != 202:
                    raise RuntimeError(f"ingest answered {response.status_code}: {response.text}")

        await asyncio.gather(*(poster() for _ in range(connections)))


async def post_and_wait(
    base: str, requests: list[bytes], connections: int, stored: Stored | None, logs: int
) -> tuple[float, float | None]:
    """Seconds until every request is answered 202 and, with ``stored``, until every log
    is stored."""
    started = time.perf_counter()
    await post_all(base, requests, connections)
    posted = time.perf_counter() - started
    if stored is None:
        return posted, None
    while (count := stored.count()) < logs:
        if time.perf_counter() - started > STORE_TIMEOUT:
            raise RuntimeError(f"only {count:,} of {logs:,} logs stored in {STORE_TIMEOUT} s")
        await asyncio.sleep(POLL)
    return posted, time.perf_counter() - started


def run(mode: str, requests: list[bytes], args: argparse.Namespace) -> Run:
    with tempfile.TemporaryDirectory(prefix="tenantlog-bench-") as tmp:
        port = free_port()
        data_dir = Path(tmp) / "data"
        env = {
            **os.environ,
            "TENANTLOG_DATA_DIR": str(data_dir),
            "TENANTLOG_PORT": str(port),
            "TENANTLOG_LOG_LEVEL": "warning",
            "TENANTLOG_CRASH_PROBABILITY": "0",
            "TENANTLOG_PROCESSING_DELAY_PER_CHAR": "0",
        }
        base = f"http://127.0.0.1:{port}"
        command = "serve" if mode == "serve" else "api"
        with running(command, env, port) as server:
            roots = [server.pid]
            with running("worker", env, None) if mode == "api+worker" else _nothing() as worker:
                if worker is not None:
                    roots.append(worker.pid)
                usage = Usage(roots)
                stored = None if mode == "api" else Stored(data_dir / "tenantlog.db")
                try:
                    posted, all_stored = asyncio.run(
                        post_and_wait(base, requests, args.connections, stored, args.logs)
                    )
                finally:
                    usage.stop()
                    if stored is not None:
                        stored.close()
        return Run(posted, all_stored, usage.peak, usage.processes, usage.cpu_seconds)


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--logs", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=500, help="NDJSON lines a request")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--tenants", type=int, default=10, help="tenants the requests rotate")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--modes",
        nargs="+",
        choices=MODES,
        default=MODES,
        help="which runs (the ratios need api); e.g. --logs 1000000 --modes serve: a soak",
    )
    args = parser.parse_args()
    requests = bodies(args.logs, args.batch, args.tenants)
    modes = args.modes
    results: dict[str, list[Run]] = {mode: [] for mode in modes}
    for round_ in range(args.rounds):
        for mode in modes:
            result = run(mode, requests, args)
            results[mode].append(result)
            stored = "" if result.stored_s is None else f", all stored {result.stored_s:.2f} s"
            print(
                f"round {round_ + 1} {mode:<10} posted {result.posted_s:.2f} s{stored},"
                f" peak RSS {result.peak_rss / 2**20:.0f} MiB ({result.processes} processes),"
                f" CPU {result.cpu_s:.2f} s ({result.cpu_s / args.logs * 1e6:.0f} µs a log)",
                flush=True,
            )
    print()
    print(
        f"{args.logs:,} logs, NDJSON batches of {args.batch} over {args.connections}"
        " connections; crash 0, work 0, SQLite with fsync"
    )
    print()
    print(
        "| mode | ingest (last 202) | end to end (all stored) | ratio to ingest only | peak RSS |"
    )
    print("|---|---|---|---|---|")
    ingest_only = [args.logs / r.posted_s for r in results.get("api", [])]
    for mode in modes:
        runs = results[mode]
        ingest = statistics.median(args.logs / r.posted_s for r in runs)
        peak = max(r.peak_rss for r in runs) / 2**20
        if mode == "api":
            print(
                f"| `tenantlog api` alone | {ingest:,.0f} logs/s | |"
                f" 1 (baseline) | {peak:.0f} MiB |"
            )
            continue
        e2e = [args.logs / r.stored_s for r in runs if r.stored_s]
        ratios = (
            ", ".join(f"{e / i:.2f}" for e, i in zip(e2e, ingest_only, strict=False))
            or "(no api run)"
        )
        label = "`tenantlog serve`" if mode == "serve" else "`tenantlog api` + `tenantlog worker`"
        print(
            f"| {label} | {ingest:,.0f} logs/s | {statistics.median(e2e):,.0f} logs/s"
            f" | {ratios} | {peak:.0f} MiB |"
        )
    print()
    cores = os.cpu_count() or 1
    for mode in modes:
        cpu = statistics.median(r.cpu_s for r in results[mode]) / args.logs
        print(
            f"{mode}: {cpu * 1e6:.0f} µs of CPU a log (all its processes, from the first POST"
            f" until {'the last 202' if mode == 'api' else 'every log is stored'}):"
            f" at most {cores / cpu:,.0f} logs/s on this machine's {cores} cores"
        )
    print("target: end to end >= 0.3 x ingest only (aim 0.5 x); peak RSS of serve <= 200 MB")


if __name__ == "__main__":
    main()
