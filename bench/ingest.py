"""Ingest throughput: tenantlog's POST /ingest next to a bare ASGI app, same server settings.

Both run under uvicorn (uvloop, httptools, one process, access log off) pinned
to CPU 0; wrk runs pinned to CPU 1 with 64 connections posting the seed's
JSON. tenantlog runs as `tenantlog api` on the SQLite backend: every 202 is
answered only after its group commit is fsynced. Rounds alternate between the
two apps and medians are reported, because this machine is shared and noisy.

    python bench/ingest.py [--seconds 10] [--rounds 3] [--auth]

With --auth, each round also runs tenantlog with TENANTLOG_AUTH=keys, wrk
sending a tenant's key as a Bearer token (logs without a tenant of their own,
so each takes the key's): the price of verifying a key on every request,
next to the same server with authentication off.

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
from servers import pinned

HERE = Path(__file__).resolve().parent
SEED = '{"tenant_id":"acme","log_id":"123","text":"User 555-0199 accessed system"}'
#: The seed's log without a tenant: with a key, it takes the key's.
KEYED = '{"log_id":"123","text":"User 555-0199 accessed system"}'
LUA_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format('RESULT {"requests":%d,"seconds":%f,"p50_ms":%f,"p99_ms":%f,'
    .. '"errors":%d}\\n', summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout))
end
"""


def lua_script(path: Path, content_type: str, body: str, secret: str | None = None) -> Path:
    auth = "" if secret is None else f'wrk.headers["Authorization"] = "Bearer {secret}"\n'
    path.write_text(
        'wrk.method = "POST"\n'
        f'wrk.headers["Content-Type"] = "{content_type}"\n'
        f"{auth}wrk.body = {json.dumps(body)}\n" + LUA_REPORT
    )
    return path


def create_key(data_dir: Path, tenant: str) -> str:
    """A tenant's ingest key, made by the CLI as a user would."""
    created = subprocess.run(
        [sys.executable, "-m", "tenantlog", "keys", "create", tenant, "--json"],
        env={**os.environ, "TENANTLOG_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    secret: str = json.loads(created)["secret"]
    return secret


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


def keyed_lines() -> str:
    return "\n".join(
        json.dumps({"text": f"User 555-0199 accessed system {n}"}) for n in range(1000)
    )


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
    parser.add_argument("--auth", action="store_true", help="also run with API keys on")
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
        off: list[dict[str, float]] = []
        keyed: list[dict[str, float]] = []
        keyed_batches: list[dict[str, float]] = []
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
            progress = (
                f"round {round_}: bare {bare[-1]['rps']:,.0f} req/s, "
                f"tenantlog {ours[-1]['rps']:,.0f} req/s, "
                f"ndjson {batches[-1]['rps'] * 1000:,.0f} logs/s"
            )
            if args.auth:
                off_run, keyed_run, keyed_batch = auth_round(work, round_, args)
                off.append(off_run)
                keyed.append(keyed_run)
                keyed_batches.append(keyed_batch)
                progress += (
                    f"; side by side: keys off {off_run['rps']:,.0f} req/s,"
                    f" keys on {keyed_run['rps']:,.0f} req/s"
                )
            print(progress, flush=True)
    report(bare, ours, batches, args.connections)
    if args.auth:
        report_auth(bare, off, keyed, batches, keyed_batches)


def auth_round(
    work: Path, round_: int, args: argparse.Namespace
) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Keys off and keys on, both servers up at once, measured off-on-on-off.

    The ABBA order cancels a load that drifts during the round, which on a
    shared machine moves the figures more than authentication does.
    """
    off_port, keyed_port = 18083, 18084
    keyed_dir = work / f"keyed{round_}"
    secret = create_key(keyed_dir, "acme")
    plain = lua_script(work / "plain-seed.lua", "application/json", SEED)
    keyed_seed = lua_script(work / "keyed-seed.lua", "application/json", KEYED, secret)
    keyed_ndjson = lua_script(
        work / "keyed-ndjson.lua", "application/x-ndjson", keyed_lines(), secret
    )
    off_env = tenantlog_env(work / f"off{round_}", off_port)
    keyed_env = {**tenantlog_env(keyed_dir, keyed_port), "TENANTLOG_AUTH": "keys"}
    command = [sys.executable, "-m", "tenantlog", "api"]
    half = max(1, args.seconds // 2)
    with server(command, off_port, off_env), server(command, keyed_port, keyed_env):
        off_url = f"http://127.0.0.1:{off_port}/ingest"
        keyed_url = f"http://127.0.0.1:{keyed_port}/ingest"
        wrk(off_url, plain, 2, args.connections)
        wrk(keyed_url, keyed_seed, 2, args.connections)
        off_runs: list[dict[str, float]] = []
        keyed_runs: list[dict[str, float]] = []
        for url, script, runs in (
            (off_url, plain, off_runs),
            (keyed_url, keyed_seed, keyed_runs),
            (keyed_url, keyed_seed, keyed_runs),
            (off_url, plain, off_runs),
        ):
            runs.append(wrk(url, script, half, args.connections))
        keyed_batch = wrk(keyed_url, keyed_ndjson, args.seconds, 8)
    return combined(off_runs), combined(keyed_runs), keyed_batch


def combined(runs: list[dict[str, float]]) -> dict[str, float]:
    requests = sum(r["requests"] for r in runs)
    seconds = sum(r["seconds"] for r in runs)
    return {
        "requests": requests,
        "seconds": seconds,
        "rps": requests / seconds,
        "p50_ms": statistics.mean(r["p50_ms"] for r in runs),
        "p99_ms": max(r["p99_ms"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
    }


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


def report_auth(
    bare: list[dict[str, float]],
    off: list[dict[str, float]],
    keyed: list[dict[str, float]],
    batches: list[dict[str, float]],
    keyed_batches: list[dict[str, float]],
) -> None:
    """Keys on against keys off (same round, ABBA) and against the bare app of the round."""

    def per_round(ours: list[dict[str, float]], base: list[dict[str, float]]) -> str:
        ratios = [o["rps"] / b["rps"] for o, b in zip(ours, base, strict=True)]
        each = ", ".join(f"{r:.0%}" for r in ratios)
        return f"{each}; median {statistics.median(ratios):.0%}"

    print()
    print("API keys on (TENANTLOG_AUTH=keys, Bearer token on every request), side by side")
    print(
        f"  single-log JSON: {statistics.median(r['rps'] for r in keyed):,.0f} req/s,"
        f" p99 {statistics.median(r['p99_ms'] for r in keyed):.2f} ms,"
        f" errors {statistics.median(r['errors'] for r in keyed):.0f}"
    )
    print(
        f"  keys off: {statistics.median(r['rps'] for r in off):,.0f} req/s,"
        f" p99 {statistics.median(r['p99_ms'] for r in off):.2f} ms"
    )
    print(f"  keys on / keys off, per round: {per_round(keyed, off)}  (target >= 90%)")
    print(f"  keys on / bare, per round: {per_round(keyed, bare)}  (target >= 40%)")
    print(f"  NDJSON keys on / keys off, per round: {per_round(keyed_batches, batches)}")


if __name__ == "__main__":
    main()
