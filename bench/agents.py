"""Agents' protocols against NDJSON, logs/s through a real ``tenantlog api``.

The same 1,000 logs a request, sent three ways, in alternating rounds of the
same run: NDJSON batches to ``/ingest`` (the baseline), OTLP/HTTP protobuf
exports to ``/v1/logs``, and snappy protobuf Loki pushes to
``/loki/api/v1/push``. Each log has a 150-byte text; the OTLP export carries
5 resource attributes and 3 attributes per record, the Loki push 3 stream
labels, and the NDJSON lines the same 3 record attributes, so each route
stores the same kind of structured log. Every 2xx waits for its batch's
durable enqueue (SQLite, fsync). The requests are built before the clock
starts, in a separate process pinned to the core the server is not on.

    python bench/agents.py [--seconds 8] [--rounds 3] [--connections 4]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import tempfile
import time
from collections import Counter
from multiprocessing.queues import Queue
from pathlib import Path

import cramjam
import httpx
import orjson
from google.protobuf.timestamp_pb2 import Timestamp
from ingest_hostile import api_server  # a script's folder is on its path
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import (
    LogRecord,
    ResourceLogs,
    ScopeLogs,
    SeverityNumber,
)
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from servers import free_port

from tenantlog.protocols.loki_push_pb2 import Entry, PushRequest, Stream

LOGS = 1000
TEXT = "GET /api/v1/orders/{n} 200 in 12ms user=u-{n} session=s-{n} " + "x" * 90
RECORD_ATTRIBUTES = {"http.route": "/api/v1/orders", "http.status": "200", "region": "eu-1"}
RESOURCE_ATTRIBUTES = {
    "service.name": "orders",
    "service.version": "1.4.2",
    "host.name": "web-7",
    "k8s.namespace.name": "shop",
    "deployment.environment": "prod",
}
#: (route, request headers, body builder) of each contender.
KINDS = ("ndjson", "otlp", "loki")


def text(n: int) -> str:
    return TEXT.format(n=n)[:150]


def ndjson_body() -> bytes:
    lines = (
        orjson.dumps({"text": text(n), "severity": "INFO", "attributes": RECORD_ATTRIBUTES})
        for n in range(LOGS)
    )
    return b"\n".join(lines) + b"\n"


def otlp_body() -> bytes:
    now = time.time_ns()

    def pairs(attributes: dict[str, str]) -> list[KeyValue]:
        return [KeyValue(key=k, value=AnyValue(string_value=v)) for k, v in attributes.items()]

    records = [
        LogRecord(
            time_unix_nano=now + n,
            severity_number=SeverityNumber.SEVERITY_NUMBER_INFO,
            severity_text="INFO",
            body=AnyValue(string_value=text(n)),
            attributes=pairs(RECORD_ATTRIBUTES),
        )
        for n in range(LOGS)
    ]
    resource = Resource(attributes=pairs(RESOURCE_ATTRIBUTES))
    export = ExportLogsServiceRequest(
        resource_logs=[ResourceLogs(resource=resource, scope_logs=[ScopeLogs(log_records=records)])]
    )
    return export.SerializeToString()


def loki_body() -> bytes:
    now = time.time_ns()
    entries = [
        Entry(timestamp=Timestamp(seconds=now // 10**9, nanos=n), line=text(n)) for n in range(LOGS)
    ]
    push = PushRequest(
        streams=[Stream(labels='{app="orders", env="prod", region="eu-1"}', entries=entries)]
    )
    return bytes(cramjam.snappy.compress_raw(push.SerializeToString()))


def request_for(kind: str) -> tuple[str, dict[str, str], bytes]:
    if kind == "ndjson":
        headers = {"Content-Type": "application/x-ndjson", "X-Tenant-ID": "bench"}
        return "/ingest", headers, ndjson_body()
    if kind == "otlp":
        headers = {"Content-Type": "application/x-protobuf", "X-Tenant-ID": "bench"}
        return "/v1/logs", headers, otlp_body()
    headers = {"Content-Type": "application/x-protobuf", "X-Scope-OrgID": "bench"}
    return "/loki/api/v1/push", headers, loki_body()


Result = tuple[dict[int, int], float]


def load(base: str, kind: str, connections: int, seconds: float, results: Queue[Result]) -> None:
    """Send ``kind`` requests back to back for ``seconds`` (a process of its own); puts
    the statuses and the seconds from the first request sent to the last answered."""
    path, headers, body = request_for(kind)

    async def run() -> Counter[int]:
        statuses: Counter[int] = Counter()
        stop_at = time.monotonic() + seconds
        limits = httpx.Limits(max_connections=connections)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

            async def one() -> None:
                while time.monotonic() < stop_at:
                    answer = await client.post(path, content=body, headers=headers)
                    statuses[answer.status_code] += 1

            await asyncio.gather(*(one() for _ in range(connections)))
        return statuses

    started = time.monotonic()
    statuses = asyncio.run(run())
    results.put((dict(statuses), time.monotonic() - started))


def measure(base: str, kind: str, args: argparse.Namespace) -> float:
    """Logs/s accepted for one round of ``kind``."""
    spawn = multiprocessing.get_context("spawn")
    results: Queue[Result] = spawn.Queue()
    loader = spawn.Process(target=load, args=(base, kind, args.connections, args.seconds, results))
    loader.start()
    statuses, elapsed = results.get(timeout=args.seconds + 120)
    loader.join()
    ok = sum(count for status, count in statuses.items() if 200 <= status < 300)
    others = {status: count for status, count in statuses.items() if not 200 <= status < 300}
    if others:
        print(f"  {kind}: unexpected answers {others}", flush=True)
    return ok * LOGS / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8, help="length of each round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})  # the clients on the core the server is not pinned to
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    rates: dict[str, list[float]] = {kind: [] for kind in KINDS}
    with tempfile.TemporaryDirectory() as tmp, api_server(Path(tmp) / "data", port):
        for round_number in range(1, args.rounds + 1):
            for kind in KINDS:
                rates[kind].append(measure(base, kind, args))
            figures = ", ".join(f"{kind} {rates[kind][-1]:,.0f}" for kind in KINDS)
            print(f"round {round_number}: logs/s {figures}", flush=True)
    print()
    print(
        f"{LOGS} logs a request, {args.connections} connections, {args.seconds:g} s a round,"
        f" {args.rounds} rounds; `tenantlog api`, SQLite, fsync"
    )
    print(f"  {'route':<28}{'logs/s (median)':>16}{'vs NDJSON, per round':>26}")
    for kind, label in zip(
        KINDS,
        ("NDJSON /ingest (baseline)", "OTLP protobuf /v1/logs", "Loki snappy protobuf"),
        strict=True,
    ):
        ratios = [
            mine / base_rate for mine, base_rate in zip(rates[kind], rates["ndjson"], strict=True)
        ]
        shown = ", ".join(f"{ratio:.2f}" for ratio in ratios)
        print(f"  {label:<28}{statistics.median(rates[kind]):>16,.0f}{shown:>26}")


if __name__ == "__main__":
    main()
