"""The model's and the simulation's figures as the Markdown tables of docs/capacity.md."""

from __future__ import annotations

from collections.abc import Sequence

from tenantlog.capacity.ceiling import Ceiling
from tenantlog.capacity.costs import costs
from tenantlog.capacity.inputs import Inputs
from tenantlog.capacity.measurements import Outcome
from tenantlog.capacity.model import RATE_LIMITS, Capacity


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]
    return "\n".join(lines)


def n(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def per_minute(value: float) -> str:
    """Logs a minute, short: 61k, 1.2M."""
    if value >= 1e6:
        return f"{value / 1e6:.2f}M"
    if value >= 1e3:
        return f"{value / 1e3:.0f}k"
    return f"{value:.0f}"


def demand_table(capacities: Sequence[Capacity]) -> str:
    rows = [
        [
            per_minute(c.scenario.logs_per_minute),
            n(c.scenario.rate),
            n(c.api_rps),
            n(c.ingest_concurrency, 1),
            n(c.batch, 1),
            n(c.worker_invocations),
            n(c.worker_duration, 3),
            n(c.worker_concurrency, 1),
            n(c.sqs_in_flight),
            n(c.table_wcu),
            n(c.hottest_partition_wcu),
            str(c.hot_tenant_shards_needed),
            str(c.tenants_over_one_partition),
        ]
        for c in capacities
    ]
    header = [
        "logs/min",
        "logs/s",
        "API req/s",
        "ingest concurrency",
        "batch",
        "worker invocations/s",
        "worker duration s",
        "worker concurrency",
        "SQS in flight",
        "table WCU/s",
        "hottest key WCU/s",
        "hot tenant shards needed",
        "tenants over 1 partition",
    ]
    return table(header, rows)


def bottleneck_table(
    labelled: Sequence[tuple[str, Capacity, Ceiling | None, Outcome | None]],
) -> str:
    rows = []
    for label, c, ceiling, outcome in labelled:
        row = [
            per_minute(c.scenario.logs_per_minute),
            label,
            RATE_LIMITS[c.first_bottleneck],
            per_minute(c.ceiling_per_minute),
        ]
        if ceiling is not None and outcome is not None:
            name = "none" if ceiling.bottleneck is None else RATE_LIMITS[ceiling.bottleneck]
            row += [
                name,
                per_minute(ceiling.logs_per_minute),
                n(c.stored_rate),
                n(outcome.stored_rate),
                n(c.worker_concurrency),
                n(outcome.worker_concurrency),
                n(outcome.dead_lettered),
            ]
        rows.append(row)
    header = ["logs/min", "profile", "first bottleneck (model)", "ceiling (model)"]
    if any(ceiling is not None for _, _, ceiling, _ in labelled):
        header += [
            "first bottleneck (simulation)",
            "ceiling (simulation)",
            "stored/s (model)",
            "stored/s (simulation)",
            "worker concurrency (model)",
            "worker concurrency (simulation)",
            "dead-lettered in the 150 s run (simulation)",
        ]
    return table(header, rows)


def notes(labelled: Sequence[tuple[str, Capacity]]) -> str:
    """The static checks' findings, once per profile."""
    seen: dict[str, list[str]] = {}
    for label, capacity in labelled:
        profile = label.split(",")[0]
        for note in capacity.notes:
            if note not in seen.setdefault(profile, []):
                seen[profile].append(note)
    return "\n".join(f"- {profile}: {note}" for profile, found in seen.items() for note in found)


def worker_table(capacities: Sequence[tuple[int, int, float, Capacity]]) -> str:
    """Worker concurrency by batch size and records processed at once in an invocation."""
    rows = [
        [
            str(batch),
            str(together),
            f"{work:g}",
            n(c.worker_duration, 3),
            "yes" if c.worker_duration <= c.scenario.deployment.worker_timeout_s else "**no**",
            n(c.worker_concurrency),
            RATE_LIMITS[c.first_bottleneck],
            per_minute(c.ceiling_per_minute),
        ]
        for batch, together, work, c in capacities
    ]
    header = [
        "batch size",
        "records at once",
        "work s/char",
        "invocation s",
        "within the 50 s timeout",
        "worker concurrency",
        "first bottleneck",
        "ceiling",
    ]
    return table(header, rows)


def work_table(capacities: Sequence[tuple[str, Capacity]]) -> str:
    rows = [
        [
            per_minute(c.scenario.logs_per_minute),
            label,
            n(c.worker_duration, 2),
            n(c.worker_concurrency),
            n(c.sqs_in_flight),
            RATE_LIMITS[c.first_bottleneck],
            per_minute(c.ceiling_per_minute),
        ]
        for label, c in capacities
    ]
    header = [
        "logs/min",
        "worker settings",
        "invocation s",
        "worker concurrency",
        "SQS in flight",
        "first bottleneck",
        "ceiling",
    ]
    return table(header, rows)


def cost_table(capacities: Sequence[tuple[str, Capacity]], inputs: Inputs) -> str:
    rows = []
    for label, c in capacities:
        k = costs(c, inputs)
        rows.append(
            [
                label,
                *(
                    f"${v:.3f}"
                    for v in (
                        k.api,
                        k.ingest_lambda,
                        k.sqs,
                        k.worker_lambda,
                        k.dynamodb_writes,
                        k.cloudwatch_logs,
                        k.total,
                        k.storage_per_month,
                    )
                ),
            ]
        )
    header = [
        "profile",
        "API Gateway",
        "ingest Lambda",
        "SQS",
        "worker Lambda",
        "DynamoDB writes",
        "CloudWatch Logs",
        "total",
        "storage, per month kept",
    ]
    return table(header, rows)


def limits_table(inputs: Inputs) -> str:
    rows = [
        [name, n(f.value), f.unit, f.moved_by, f"[{f.as_of}]({f.source})"]
        for name, f in inputs.limits.items()
    ]
    return table(["limit", "value", "what", "what moves it", "source"], rows)


def inputs_table(inputs: Inputs) -> str:
    rows = [
        [
            name,
            f"{f.value:g}",
            f.unit,
            f"[{f.as_of}]({f.source})" if "://" in f.source else f"{f.source} {f.as_of}",
        ]
        for name, f in {**inputs.prices, **inputs.timings}.items()
    ]
    return table(["input", "value", "what", "source"], rows)
