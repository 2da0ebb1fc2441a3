"""What the simulation counts: chunks of logs in flight, one sample per simulated second,
and a run's outcome.

Kept apart from the pipeline so that the plots and the report read a run's
figures without knowing how the run was made.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Chunk:
    """Logs of one tenant group that became visible together."""

    group: int
    count: float
    accepted_at: float
    receives: int = 0


@dataclass
class Sample:
    """One simulated second."""

    time: float
    client_backlog: float
    queue_backlog: float
    in_flight: float
    ingest_active: float
    worker_active: float
    stored: float
    dead_lettered: float
    latency_p50: float
    latency_p99: float


@dataclass
class Outcome:
    samples: list[Sample]
    stored_rate: float
    ingest_concurrency: float
    worker_concurrency: float
    utilization: dict[str, float]
    throttles: dict[str, float]
    dead_lettered: float
    #: Simulated second at which each limit first refused something after the warm-up.
    first_throttle: dict[str, float]


@dataclass
class Window:
    """Sums over the measured part of the run (after the warm-up)."""

    ticks: int = 0
    api_offered: float = 0.0
    ingest_offered: float = 0.0
    ingest_active: float = 0.0
    #: Records made visible (first deliveries and redeliveries), and invocations with the
    #: seconds they lasted: the worker's offered load is their rate times their duration.
    queued: float = 0.0
    invocations: float = 0.0
    invocation_seconds: float = 0.0
    worker_area: float = 0.0
    in_flight_area: float = 0.0
    table_wcu: float = 0.0
    group_wcu: list[float] = field(default_factory=list)
    stored: float = 0.0


def percentile(weighted: list[tuple[float, float]], fraction: float) -> float:
    if not weighted:
        return 0.0
    ordered = sorted(weighted)
    total = sum(count for _, count in ordered)
    seen = 0.0
    for value, count in ordered:
        seen += count
        if seen >= fraction * total:
            return value
    return ordered[-1][0]
