"""The deployments the tables compare, and the scenarios they make at each level.

Two ways to run the same code: the seed's settings (one log per request,
batches of 5, no batching window), and the high-throughput profile of
infra/examples/high-throughput.tfvars (batches of up to 1,000 with a 1 s
window, 32 records at once, at most 200 concurrent batches, 1,024 MB) with
shippers sending 100 logs a request. Each with and without write sharding: the
sharded rows give the hot tenants the smallest power of two of partition keys
that keeps them under 80% of a partition.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tenantlog.capacity.inputs import Inputs
from tenantlog.capacity.model import Deployment, Scenario, assess
from tenantlog.capacity.workload import REALISTIC_SIZES, SHORT_LOGS, Sizes, TenantMix

SEED = Deployment()
#: infra/examples/high-throughput.tfvars, with shippers posting 100 logs a request.
HIGH_THROUGHPUT = Deployment(
    logs_per_request=100,
    batch_size=1000,
    batching_window_s=1.0,
    record_concurrency=32,
    esm_max_concurrency=200,
    worker_memory_mb=1024,
    worker_timeout_s=60,
    visibility_timeout_s=360,
)
#: What infra/variables.tf deploys today: the stage's 500 requests/s, the mapping's 10.
TERRAFORM_DEFAULTS = Deployment(api_rate_limit=500, esm_max_concurrency=10)
#: The seed's simulated work, 0.05 s per character, on the issue's 100-character logs.
SEED_WORK = Deployment(work_per_char_s=0.05)

REALISTIC = Sizes(REALISTIC_SIZES)
SHORT = Sizes(SHORT_LOGS)
MIX = TenantMix()


@dataclass(frozen=True)
class Row:
    label: str
    scenario: Scenario


def shards_for_level(logs_per_minute: float, deployment: Deployment, inputs: Inputs) -> int:
    """The write shards the hot tenant needs at this level: a power of two."""
    needed = assess(Scenario(logs_per_minute, REALISTIC, MIX, deployment), inputs)
    shards = 1
    while shards < needed.hot_tenant_shards_needed:
        shards *= 2
    return shards


#: 10M logs a minute once what binds is moved: the table's (and index's) write quota
#: raised, and five queues, each with its mapping, for SQS's in-flight limit (batches of
#: 1,000 that take 3 s hold 494,000 messages in flight at 10M/min).
RAISED = replace(HIGH_THROUGHPUT, table_write_quota=400_000, queues=5)


def bottleneck_rows(levels: tuple[int, ...], inputs: Inputs) -> list[Row]:
    rows = []
    for level in levels:
        for name, deployment in (("seed", SEED), ("high throughput", HIGH_THROUGHPUT)):
            shards = shards_for_level(level, deployment, inputs)
            for n in sorted({1, shards}):
                sharded = replace(deployment, write_shards=n)
                rows.append(Row(f"{name}, N={n}", Scenario(level, REALISTIC, MIX, sharded)))
    top = max(levels)
    raised = replace(RAISED, write_shards=shards_for_level(top, RAISED, inputs))
    label = f"high throughput, N={raised.write_shards}, table 400k WRU, 5 queues"
    rows.append(Row(label, Scenario(top, REALISTIC, MIX, raised)))
    return rows
