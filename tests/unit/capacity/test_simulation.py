"""The simulation against the model: the same figures where no limit binds, the same first
bottleneck and ceiling everywhere, and the retries and redeliveries that only it shows."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tenantlog.capacity import plots, profiles
from tenantlog.capacity.ceiling import find_ceiling
from tenantlog.capacity.inputs import load_inputs
from tenantlog.capacity.model import Deployment, Scenario, assess
from tenantlog.capacity.simulation import simulate
from tenantlog.capacity.workload import SHORT_LOGS, SizeBucket, Sizes

INPUTS = load_inputs()
SHORT = Sizes(SHORT_LOGS)
SEED_WORK_WINDOW = replace(profiles.SEED_WORK, batching_window_s=1.0)

#: Small scenarios, one per limit that binds first, each runs in well under a second.
SCENARIOS = {
    "partition, seed": Scenario(10_000, profiles.REALISTIC, profiles.MIX, profiles.SEED),
    "partition, sharded": Scenario(
        100_000, profiles.REALISTIC, profiles.MIX, replace(profiles.SEED, write_shards=4)
    ),
    "API rate, Terraform defaults": Scenario(
        10_000, profiles.REALISTIC, profiles.MIX, profiles.TERRAFORM_DEFAULTS
    ),
    "mapping concurrency": Scenario(
        5_000, SHORT, profiles.MIX, replace(SEED_WORK_WINDOW, esm_max_concurrency=100)
    ),
    "account concurrency": Scenario(10_000, SHORT, profiles.MIX, SEED_WORK_WINDOW),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_simulation_names_the_models_first_bottleneck_and_ceiling(name: str) -> None:
    capacity = assess(SCENARIOS[name], INPUTS)
    ceiling = find_ceiling(SCENARIOS[name], INPUTS, high=2 * capacity.ceiling_per_minute, steps=8)
    assert ceiling.bottleneck == capacity.first_bottleneck
    assert ceiling.logs_per_minute == pytest.approx(capacity.ceiling_per_minute, rel=0.1)


@pytest.mark.parametrize("name", SCENARIOS)
def test_simulation_agrees_with_the_model_below_every_limit(name: str) -> None:
    capacity = assess(SCENARIOS[name], INPUTS)
    assert max(capacity.utilization.values()) < 1  # the scenarios run below their ceiling
    outcome = simulate(SCENARIOS[name], INPUTS, duration_s=90, warmup_s=30, prewarmed=True)
    assert outcome.stored_rate == pytest.approx(capacity.stored_rate, rel=0.1)
    assert outcome.worker_concurrency == pytest.approx(capacity.worker_concurrency, rel=0.1)
    assert outcome.ingest_concurrency == pytest.approx(capacity.ingest_concurrency, rel=0.1)
    assert outcome.first_throttle == {}


def test_simulation_hot_partition_stores_its_throughput_and_dead_letters_the_rest() -> None:
    # GIVEN 100k logs a minute, half of them one tenant's, on one partition key
    scenario = Scenario(100_000, profiles.REALISTIC, profiles.MIX, profiles.HIGH_THROUGHPUT)
    capacity = assess(scenario, INPUTS)
    assert capacity.first_bottleneck == "dynamodb_partition_wcu"
    # WHEN it runs
    outcome = simulate(scenario, INPUTS, duration_s=150, warmup_s=30, prewarmed=True)
    # THEN the other tenants and the partition's worth of the hot one are stored, and the
    # hot tenant's excess is retried until the dead-letter queue takes it
    assert outcome.stored_rate == pytest.approx(capacity.stored_rate, rel=0.1)
    assert outcome.stored_rate < 0.9 * scenario.rate
    assert outcome.dead_lettered > 0
    assert outcome.throttles["dynamodb_partition_wcu"] > 0
    # AND with four partition keys for the hot tenant nothing is throttled
    sharded = replace(scenario, deployment=replace(scenario.deployment, write_shards=4))
    calm = simulate(sharded, INPUTS, duration_s=150, warmup_s=30, prewarmed=True)
    assert calm.dead_lettered == 0
    assert calm.stored_rate == pytest.approx(scenario.rate, rel=0.02)


def test_simulation_redelivers_after_the_visibility_timeout_when_invocations_time_out() -> None:
    # GIVEN logs whose simulated work (100 s) outlasts the worker's 50 s timeout
    long_logs = Sizes((SizeBucket(2_000, 1.0),))
    deployment = Deployment(
        work_per_char_s=0.05, batch_size=1, visibility_timeout_s=100, poll_interval_s=1.0
    )
    scenario = Scenario(60, long_logs, profiles.MIX, deployment)
    # WHEN they run for longer than five receives take (5 x (50 s + 100 s))
    outcome = simulate(scenario, INPUTS, duration_s=900, warmup_s=0)
    # THEN nothing is stored, and the first arrivals went to the dead-letter queue
    assert outcome.stored_rate == 0
    assert 0 < outcome.dead_lettered < 900


def test_simulation_from_cold_ramps_the_mapping_and_drains_its_backlog(tmp_path: Path) -> None:
    scenario = Scenario(
        500_000, profiles.REALISTIC, profiles.MIX, replace(profiles.SEED, write_shards=16)
    )
    outcome = simulate(scenario, INPUTS, duration_s=180, warmup_s=120)
    warm = simulate(scenario, INPUTS, duration_s=180, warmup_s=120, prewarmed=True)
    peak = max(s.queue_backlog for s in outcome.samples)
    # The mapping starts at 5 concurrent batches and adds 5 a second: a backlog builds
    # that the prewarmed run does not have, then drains.
    assert peak > scenario.rate
    assert peak > 10 * max(s.queue_backlog for s in warm.samples)
    assert outcome.samples[-1].queue_backlog < 0.01 * peak
    assert outcome.stored_rate == pytest.approx(scenario.rate, rel=0.1)
    # The plots of such a run are PNG files.
    backlog, latency = tmp_path / "backlog.png", tmp_path / "latency.png"
    plots.backlog_plot([("N=16", outcome.samples)], "backlog", backlog)
    plots.latency_plot([("N=16", outcome.samples)], "latency", latency)
    for path in (backlog, latency):
        assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
