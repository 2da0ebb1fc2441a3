"""The capacity model: Little's law and the published limits, as formulas.

Each stage's concurrency is its arrival rate times the time one unit spends
in it (Little's law); each limit's utilization is that demand over the
limit. Each limit's ceiling is the traffic at which its utilization reaches 1
(``assess``), and the limit with the lowest ceiling is the first bottleneck.
The simulation (``simulation.py``) checks these figures against a run in time
with throttling and retries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from tenantlog.capacity.inputs import Inputs
from tenantlog.capacity.workload import ENVELOPE_BYTES, Sizes, TenantMix, item_bytes

#: The limits that bind a rate, in the order of the pipeline, with the names the tables use.
RATE_LIMITS = {
    "api_account_rps": "API Gateway account rate",
    "lambda_account_concurrency": "Lambda account concurrency",
    "esm_max_concurrency": "event source mapping concurrency",
    "sqs_in_flight": "SQS in-flight messages",
    "dynamodb_table_wru": "DynamoDB table writes",
    "dynamodb_partition_wcu": "DynamoDB partition writes",
}
#: Messages per SendMessageBatch, and the batches one ingest request sends at once.
SEND_BATCH = 10
SEND_CONCURRENCY = 8
#: Utilization above which a tenant is given more write shards (headroom for bursts).
SHARD_TARGET = 0.8


@dataclass(frozen=True)
class Deployment:
    """The settings that move the figures. Defaults: the seed's batch of 5, the
    published quotas, no simulated work (production), one partition key per tenant."""

    logs_per_request: int = 1
    batch_size: int = 5
    batching_window_s: float = 0.0
    #: Records of one invocation processed at once; None: the whole batch (the handler
    #: gathers every record).
    record_concurrency: int | None = None
    esm_max_concurrency: int | None = None
    account_concurrency: int | None = None
    api_rate_limit: float | None = None
    #: The seed's simulated work, seconds per character; 0 in production.
    work_per_char_s: float = 0.0
    #: Partition keys of each tenant whose writes would not fit one partition.
    write_shards: int = 1
    ingest_memory_mb: int = 512
    worker_memory_mb: int = 512
    #: Global secondary indexes that copy the whole item (by_event_time, projection ALL).
    gsi_copies: int = 1
    #: Start-up of a new execution environment (a cold start); paid once per environment.
    cold_start_s: float = 0.0
    #: Time a poller of the event source mapping takes between two receives (assumed).
    poll_interval_s: float = 0.05
    #: Queues, each with its own event source mapping: multiplies the in-flight limit
    #: and the mappings' concurrency (the ingest function spreads its sends over them).
    queues: int = 1
    #: The table's (and its index's) write quota after a Service Quotas request.
    table_write_quota: float | None = None
    worker_timeout_s: float = 50.0
    visibility_timeout_s: float = 300.0
    max_receive_count: int = 5

    def concurrency_in_batch(self) -> int:
        return self.record_concurrency or self.batch_size


@dataclass(frozen=True)
class Scenario:
    logs_per_minute: float
    sizes: Sizes
    mix: TenantMix
    deployment: Deployment

    @property
    def rate(self) -> float:
        """Logs per second."""
        return self.logs_per_minute / 60


@dataclass
class Capacity:
    """The model's figures for one scenario (rates per second, durations in seconds)."""

    scenario: Scenario
    api_rps: float
    request_bytes: float
    ingest_duration: float
    ingest_concurrency: float
    batch: float
    worker_invocations: float
    worker_duration: float
    worker_concurrency: float
    sqs_in_flight: float
    write_units_per_log: float
    table_wcu: float
    hottest_partition_wcu: float
    hot_tenant_shards_needed: int
    tenants_over_one_partition: int
    ramp_s: float
    utilization: dict[str, float] = field(default_factory=dict)
    stored_rate: float = 0.0
    notes: list[str] = field(default_factory=list)
    #: Logs per minute at which each limit is reached, the other settings unchanged.
    ceilings: dict[str, float] = field(default_factory=dict)

    @property
    def first_bottleneck(self) -> str:
        """The limit reached first as traffic grows: the lowest ceiling."""
        return min(self.ceilings, key=lambda name: self.ceilings[name])

    @property
    def ceiling_per_minute(self) -> float:
        return self.ceilings[self.first_bottleneck]


def _cpu_share(inputs: Inputs, memory_mb: int) -> float:
    """The share of a vCPU a function gets; Python work measured on one core takes
    1/share as long."""
    return min(1.0, memory_mb / inputs.timing("vcpu_memory_mb"))


def ingest_duration(inputs: Inputs, deployment: Deployment) -> float:
    n = deployment.logs_per_request
    python = inputs.timing("ingest_python_s") + (n - 1) * inputs.timing("ingest_python_per_log_s")
    sends = math.ceil(math.ceil(n / SEND_BATCH) / SEND_CONCURRENCY)
    return (
        inputs.timing("invocation_overhead_s")
        + python / _cpu_share(inputs, deployment.ingest_memory_mb)
        + sends * inputs.timing("ingest_sqs_send_s")
    )


def effective_batch(rate: float, deployment: Deployment) -> float:
    """Records per worker invocation: a poller hands over what arrived while it gathered,
    for the batching window or one poll, up to the batch size."""
    gathering = max(deployment.batching_window_s, deployment.poll_interval_s)
    return min(float(deployment.batch_size), max(1.0, rate * gathering))


def worker_duration(inputs: Inputs, sizes: Sizes, deployment: Deployment, batch: float) -> float:
    """One invocation: Python work one record after another (one event loop), then the
    waits (simulated work, PutItem) overlapped ``record_concurrency`` at a time."""
    python = (
        batch * inputs.timing("worker_python_s") / _cpu_share(inputs, deployment.worker_memory_mb)
    )
    waits = math.ceil(batch / deployment.concurrency_in_batch()) * (
        deployment.work_per_char_s * sizes.mean_text_bytes + inputs.timing("dynamodb_put_s")
    )
    return inputs.timing("invocation_overhead_s") + python + waits


def shards_for(partition_wcu: float, partition_limit: float) -> int:
    return max(1, math.ceil(partition_wcu / (partition_limit * SHARD_TARGET)))


def model(scenario: Scenario, inputs: Inputs) -> Capacity:
    d = scenario.deployment
    rate = scenario.rate
    api_rps = rate / d.logs_per_request
    request_bytes = d.logs_per_request * (scenario.sizes.mean_text_bytes + ENVELOPE_BYTES)
    t_ingest = ingest_duration(inputs, d)
    batch = effective_batch(rate, d)
    invocations = rate / batch
    t_worker = worker_duration(inputs, scenario.sizes, d, batch)
    worker_concurrency = invocations * t_worker
    gathering = min(d.batching_window_s, batch / rate)
    in_flight = rate * (t_worker + gathering)

    wcu = scenario.sizes.mean_write_units
    table_wcu = rate * wcu
    partition_limit = inputs.limit("dynamodb_partition_wcu")
    tenant_wcu = [share * table_wcu for share in scenario.mix.shares()]
    over = [w for w in tenant_wcu if w > partition_limit]
    hottest = max(w / (d.write_shards if w > partition_limit else 1) for w in tenant_wcu)

    esm_limit = d.queues * (d.esm_max_concurrency or inputs.limit("esm_max_concurrency"))
    table_limit = d.table_write_quota or inputs.limit("dynamodb_table_wru")
    account = d.account_concurrency or inputs.limit("lambda_account_concurrency")
    api_limit = d.api_rate_limit or inputs.limit("api_account_rps")
    ingest_concurrency = api_rps * t_ingest
    utilization = {
        "api_account_rps": api_rps / api_limit,
        "lambda_account_concurrency": (ingest_concurrency + worker_concurrency) / account,
        "esm_max_concurrency": worker_concurrency / esm_limit,
        "sqs_in_flight": in_flight / (d.queues * inputs.limit("sqs_in_flight")),
        "dynamodb_table_wru": table_wcu / table_limit,
        "dynamodb_partition_wcu": hottest / partition_limit,
    }
    esm_start, esm_step = 5.0, inputs.limit("esm_scaling_per_minute") / 60
    capacity = Capacity(
        scenario=scenario,
        api_rps=api_rps,
        request_bytes=request_bytes,
        ingest_duration=t_ingest,
        ingest_concurrency=ingest_concurrency,
        batch=batch,
        worker_invocations=invocations,
        worker_duration=t_worker,
        worker_concurrency=worker_concurrency,
        sqs_in_flight=in_flight,
        write_units_per_log=wcu,
        table_wcu=table_wcu,
        hottest_partition_wcu=hottest,
        hot_tenant_shards_needed=shards_for(tenant_wcu[0], partition_limit),
        tenants_over_one_partition=len(over),
        ramp_s=max(0.0, min(worker_concurrency, esm_limit) - esm_start) / esm_step + d.cold_start_s,
        utilization=utilization,
    )
    capacity.stored_rate = stored_rate(capacity, tenant_wcu, partition_limit)
    capacity.notes = static_checks(capacity, inputs)
    return capacity


def assess(scenario: Scenario, inputs: Inputs) -> Capacity:
    """The model's figures with each limit's ceiling.

    Utilization is not quite proportional to traffic (a batch fills only when traffic
    allows it), so each ceiling is found by bisection on the traffic rather than as
    traffic / utilization.
    """
    capacity = model(scenario, inputs)
    for name in RATE_LIMITS:
        low, high = 0.0, scenario.logs_per_minute
        while _utilization(scenario, inputs, high, name) < 1.0 and high < 1e12:
            low, high = high, high * 2
        for _ in range(40):
            middle = (low + high) / 2
            if _utilization(scenario, inputs, middle, name) < 1.0:
                low = middle
            else:
                high = middle
        capacity.ceilings[name] = high
    return capacity


def _utilization(scenario: Scenario, inputs: Inputs, per_minute: float, name: str) -> float:
    return model(replace(scenario, logs_per_minute=per_minute), inputs).utilization[name]


def stored_rate(capacity: Capacity, tenant_wcu: list[float], partition_limit: float) -> float:
    """Logs per second stored once the pipeline is steady, if each limit passed exactly its
    capacity: the limits before DynamoDB scale every tenant down alike, each tenant then
    gets at most its partition keys' throughput, and all of them the table's."""
    upstream = [
        value for name, value in capacity.utilization.items() if not name.startswith("dynamodb_")
    ]
    scale = min(1.0, 1.0 / max(upstream)) if max(upstream) > 0 else 1.0
    d = capacity.scenario.deployment
    stored_wcu = 0.0
    for demand in tenant_wcu:
        cap = partition_limit * (d.write_shards if demand > partition_limit else 1)
        stored_wcu += min(demand * scale, cap)
    table = capacity.table_wcu / capacity.utilization["dynamodb_table_wru"]
    return min(stored_wcu, table) / capacity.write_units_per_log


def static_checks(capacity: Capacity, inputs: Inputs) -> list[str]:
    """Limits that do not bind a rate but refuse a request or a batch outright."""
    notes = []
    scenario = capacity.scenario
    d = scenario.deployment
    if capacity.request_bytes > inputs.limit("lambda_sync_payload_bytes"):
        notes.append("requests exceed the Lambda 6 MB synchronous payload")
    largest_message = scenario.sizes.largest_text_bytes + ENVELOPE_BYTES
    if d.batch_size * largest_message > inputs.limit("lambda_sync_payload_bytes"):
        notes.append("a batch of the largest logs exceeds 6 MB: the mapping hands over fewer")
    if item_bytes(scenario.sizes.largest_text_bytes) > inputs.limit("dynamodb_item_bytes"):
        notes.append("the largest logs do not fit a DynamoDB item")
    if capacity.worker_duration > d.worker_timeout_s:
        notes.append(
            f"invocations ({capacity.worker_duration:,.0f} s) outlast the worker's "
            f"{d.worker_timeout_s:g} s timeout: batches come back after the visibility timeout"
        )
    if d.work_per_char_s > 0:
        # TENANTLOG_WORKER_TIME_BUDGET: the function's timeout less 3 s.
        longest = (d.worker_timeout_s - 3) / d.work_per_char_s
        if scenario.sizes.largest_text_bytes > longest:
            notes.append(
                f"texts over {longest:,.0f} characters are refused at ingest (413): "
                "their simulated work outlasts the worker's time budget"
            )
    return notes
