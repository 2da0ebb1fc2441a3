"""Where the simulation meets its first limit: bisection over steady, prewarmed runs.

A ramp of traffic would be quicker but its verdict depends on its slope (a
burst allowance such as API Gateway's is spent later on a steep ramp); steady
runs at each step give a ceiling that depends only on the limits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tenantlog.capacity.inputs import Inputs
from tenantlog.capacity.model import Scenario
from tenantlog.capacity.simulation import Pipeline


@dataclass(frozen=True)
class Ceiling:
    """The first limit reached as traffic grows, and the traffic at which it is."""

    bottleneck: str | None
    logs_per_minute: float


def find_ceiling(
    scenario: Scenario,
    inputs: Inputs,
    *,
    high: float,
    steps: int = 12,
    duration_s: float = 60.0,
    warmup_s: float = 20.0,
    top_tenants: int = 20,
) -> Ceiling:
    """The lowest traffic at which a limit refuses anything, by bisection between 0 and
    ``high`` logs a minute over steady, prewarmed runs; the limit is the first to refuse
    in the run just above it. A run counts only what is refused after its warm-up, so
    that a burst allowance (API Gateway's) is spent before the verdict."""
    low, name = 0.0, None
    for _ in range(steps):
        middle = (low + high) / 2
        at = replace(scenario, logs_per_minute=middle)
        pipeline = Pipeline(at, inputs, top_tenants=top_tenants, warmup_s=warmup_s, prewarmed=True)
        refused = pipeline.run(duration_s).first_throttle
        if refused:
            high, name = middle, min(refused, key=lambda limit: refused[limit])
        else:
            low = middle
    return Ceiling(name, high)
