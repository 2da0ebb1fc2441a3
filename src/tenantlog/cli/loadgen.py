"""``tenantlog bench``: a small HTTP load generator for a running service.

It measures what a client sees (requests/s, logs/s, latency percentiles,
status codes). For server-side limits use a dedicated tool such as wrk (see
bench/); a Python client tops out well below what the server can take.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

SAMPLE_TEXTS = (
    "User 555-0199 accessed system",
    "Server restarted at 555-1234",
    "GET /api/v1/orders/ORD-2024-000123 200 1532 bytes in 12ms",
    "payment declined for customer 42, retrying",
)


@dataclass(frozen=True, slots=True)
class LoadPlan:
    url: str
    requests: int
    concurrency: int
    lines: int  # NDJSON lines per request; 0 = single JSON logs
    tenants: int
    api_key: str | None = None  # with a key, every log goes to the key's tenant

    def headers(self, content_type: str) -> dict[str, str]:
        headers = {"content-type": content_type}
        if self.api_key is not None:
            headers["authorization"] = f"Bearer {self.api_key}"
        return headers


@dataclass(slots=True)
class Summary:
    plan: LoadPlan
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: int = 0

    @property
    def logs_per_request(self) -> int:
        return max(self.plan.lines, 1)

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    def as_dict(self) -> dict[str, Any]:
        accepted = self.statuses.get(202, 0)
        return {
            "requests": sum(self.statuses.values()),
            "seconds": round(self.seconds, 3),
            "requests_per_second": round(sum(self.statuses.values()) / self.seconds, 1)
            if self.seconds
            else 0.0,
            "logs_accepted": accepted * self.logs_per_request,
            "logs_per_second": round(accepted * self.logs_per_request / self.seconds, 1)
            if self.seconds
            else 0.0,
            "latency_ms": {
                "p50": round(self.percentile(0.50) * 1000, 2),
                "p99": round(self.percentile(0.99) * 1000, 2),
                "max": round(self.percentile(1.0) * 1000, 2),
            },
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": self.errors,
        }


def _bodies(plan: LoadPlan) -> itertools.cycle[tuple[bytes, str]]:
    texts = itertools.cycle(SAMPLE_TEXTS)

    def log(tenant: str | None) -> bytes:
        body = (
            {"text": next(texts)} if tenant is None else {"tenant_id": tenant, "text": next(texts)}
        )
        return orjson.dumps(body)

    tenants: list[str | None] = [f"tenant-{n}" for n in range(plan.tenants)]
    if plan.api_key is not None:
        tenants = [None]  # the key's own tenant
    if plan.lines == 0:
        return itertools.cycle([(log(t), "application/json") for t in tenants])
    return itertools.cycle(
        [(b"\n".join(log(t) for _ in range(plan.lines)), "application/x-ndjson") for t in tenants]
    )


async def _load(plan: LoadPlan, progress: Progress | None) -> Summary:
    summary = Summary(plan)
    bodies = _bodies(plan)
    remaining = iter(range(plan.requests))
    task = progress.add_task("posting", total=plan.requests) if progress else None
    limits = httpx.Limits(max_connections=plan.concurrency)
    async with httpx.AsyncClient(base_url=plan.url, limits=limits, timeout=30) as client:

        async def client_loop() -> None:
            for _ in remaining:
                body, content_type = next(bodies)
                started = time.perf_counter()
                try:
                    response = await client.post(
                        "/ingest", content=body, headers=plan.headers(content_type)
                    )
                except httpx.HTTPError:
                    summary.errors += 1
                else:
                    summary.latencies.append(time.perf_counter() - started)
                    summary.statuses[response.status_code] += 1
                    if response.status_code != 202:
                        summary.errors += 1
                if progress is not None and task is not None:
                    progress.advance(task)

        started = time.perf_counter()
        await asyncio.gather(*(client_loop() for _ in range(plan.concurrency)))
        summary.seconds = time.perf_counter() - started
    return summary


def run_load(plan: LoadPlan, *, show_progress: bool) -> Summary:
    if not show_progress:
        return asyncio.run(_load(plan, None))
    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeRemainingColumn()) as progress:
        return asyncio.run(_load(plan, progress))


def print_summary(console: Console, summary: Summary) -> None:
    figures = summary.as_dict()
    table = Table("measure", "value", title=f"tenantlog bench → {summary.plan.url}")
    table.add_row("requests", str(figures["requests"]))
    table.add_row("seconds", str(figures["seconds"]))
    table.add_row("requests/s", str(figures["requests_per_second"]))
    table.add_row("logs accepted", str(figures["logs_accepted"]))
    table.add_row("logs/s", str(figures["logs_per_second"]))
    for name, value in figures["latency_ms"].items():
        table.add_row(f"latency {name}", f"{value} ms")
    table.add_row("statuses", ", ".join(f"{k}: {v}" for k, v in figures["statuses"].items()))
    table.add_row("errors", str(figures["errors"]))
    console.print(table)
