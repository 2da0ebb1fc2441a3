"""Ingest throughput: tenantlog's POST /ingest next to a bare ASGI app, same server settings.

Both run under uvicorn (uvloop, httptools, one process, access log off) pinned
to CPU 0; wrk runs pinned to CPU 1 with 64 connections posting the seed's
JSON. tenantlog runs as `tenantlog api` on the SQLite backend: every 202 is
answered only after its group commit is fsynced. Rounds alternate between the
two apps and medians are reported, because this machine is shared and noisy.

    python bench/ingest.py [--seconds 10] [--rounds 3]

Needs wrk (Debian/Ubuntu: apt-get install wrk).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
SEED = '{"tenant_id":"acme","log_id":"123","text":"User 555-0199 accessed system"}'
LUA_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format('RESULT {"requests":%d,"seconds":%f,"p50_ms":%f,"p99_ms":%f,'
    .. '"errors":%d}\\n', summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout))
end
"""


def lua_script(path: Path, content_type: str, body: str) -> Path:
    path.write_text(
        'wrk.method = "POST"\n'
        f'wrk.headers["Content-Type"] = "{content_type}"\n'
        f"wrk.body = {json.dumps(body)}\n" + LUA_REPORT
    )
    return path


def pinned(cpu: str, command: list[str]) -> list[str]:
    return ["taskset", "-c", cpu, *command] if shutil.which("taskset") else command


@contextmanager
def server(command: list[str], port: int, env: dict[str, str]) -> Iterator[None]:
    process = subprocess.Popen(
        pinned("0", command),
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


def wrk(url: str, script: Path, seconds: int, connections: int) -> dict[str, float]:
    output = subprocess.run(
        pinned("1", ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url]),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    result: dict[str, float] = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / result["seconds"]
    return result


def bare_command(port: int) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "bare_app:app", "--app-dir", str(HERE),
        "--port", str(port), "--loop", "uvloop", "--http", "httptools",
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip


def tenantlog_env(data_dir: Path, port: int) -> dict[str, str]:
    return {
        "TENANTLOG_DATA_DIR": str(data_dir),
        "TENANTLOG_PORT": str(port),
        "TENANTLOG_LOG_LEVEL": "warning",
        "TENANTLOG_MAX_QUEUE_DEPTH": str(10**9),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    bare_port, tenantlog_port = 18081, 18082
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        seed = lua_script(work / "seed.lua", "application/json", SEED)
        lines = "\n".join(
            json.dumps({"tenant_id": f"t{n % 10}", "text": f"User 555-0199 accessed system {n}"})
            for n in range(1000)
        )
        ndjson = lua_script(work / "ndjson.lua", "application/x-ndjson", lines)
        bare: list[dict[str, float]] = []
        ours: list[dict[str, float]] = []
        batches: list[dict[str, float]] = []
        tenantlog = [sys.executable, "-m", "tenantlog", "api"]
        for round_ in range(1, args.rounds + 1):
            with server(bare_command(bare_port), bare_port, {}):
                wrk(f"http://127.0.0.1:{bare_port}/ingest", seed, 2, args.connections)
                bare.append(
                    wrk(
                        f"http://127.0.0.1:{bare_port}/ingest", seed, args.seconds, args.connections
                    )
                )
            env = tenantlog_env(work / f"data{round_}", tenantlog_port)
            with server(tenantlog, tenantlog_port, env):
                url = f"http://127.0.0.1:{tenantlog_port}/ingest"
                wrk(url, seed, 2, args.connections)
                ours.append(wrk(url, seed, args.seconds, args.connections))
                batches.append(wrk(url, ndjson, args.seconds, 8))
            print(
                f"round {round_}: bare {bare[-1]['rps']:,.0f} req/s, "
                f"tenantlog {ours[-1]['rps']:,.0f} req/s, "
                f"ndjson {batches[-1]['rps'] * 1000:,.0f} logs/s",
                flush=True,
            )
    report(bare, ours, batches, args.connections)


def report(
    bare: list[dict[str, float]],
    ours: list[dict[str, float]],
    batches: list[dict[str, float]],
    connections: int,
) -> None:
    def median(runs: list[dict[str, float]], key: str) -> float:
        return statistics.median(run[key] for run in runs)

    ratios = [our["rps"] / base["rps"] for our, base in zip(ours, bare, strict=True)]
    print()
    print(f"single-log JSON, {connections} connections, server pinned to one core (medians)")
    print(f"  {'app':<34}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for name, runs in (
        ("bare ASGI app (parse + 202)", bare),
        ("tenantlog (validate + fsync'd enqueue)", ours),
    ):
        print(
            f"  {name:<34}{median(runs, 'rps'):>10,.0f}{median(runs, 'p50_ms'):>10.2f}"
            f"{median(runs, 'p99_ms'):>10.2f}{median(runs, 'errors'):>8.0f}"
        )
    each = ", ".join(f"{r:.0%}" for r in ratios)
    print(
        f"  ratio tenantlog / bare, per round: {each}; median {statistics.median(ratios):.0%}"
        "  (target >= 40%, p99 < 20 ms)"
    )
    print()
    print("NDJSON batches of 1,000 lines, 8 connections (median)")
    print(
        f"  {median(batches, 'rps') * 1000:,.0f} logs/s, p99 {median(batches, 'p99_ms'):.1f} ms"
        "  (target >= 50,000 logs/s)"
    )


if __name__ == "__main__":
    main()
