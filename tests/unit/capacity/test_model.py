"""The capacity model's formulas on cases that can be worked out by hand."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tenantlog.capacity import profiles
from tenantlog.capacity.__main__ import main
from tenantlog.capacity.costs import costs
from tenantlog.capacity.inputs import load_inputs
from tenantlog.capacity.model import Deployment, Scenario, assess, model
from tenantlog.capacity.workload import SHORT_LOGS, Sizes, TenantMix, write_units

INPUTS = load_inputs()


@pytest.mark.parametrize(("text_bytes", "units"), [(150, 1), (500, 2), (4_096, 9), (65_536, 129)])
def test_write_units_count_both_copies_of_the_text(text_bytes: int, units: int) -> None:
    assert write_units(text_bytes) == units


def test_tenant_mix_gives_the_hot_tenant_half_and_sums_to_one() -> None:
    shares = TenantMix().shares()
    assert shares[0] == 0.5
    assert sum(shares) == pytest.approx(1.0)
    assert shares[1] > shares[2] > shares[-1]


def test_model_worker_concurrency_is_invocations_times_duration() -> None:
    capacity = model(Scenario(60_000, profiles.REALISTIC, profiles.MIX, profiles.SEED), INPUTS)
    assert capacity.batch == 5
    assert capacity.worker_invocations == pytest.approx(1_000 / 5)
    assert capacity.worker_concurrency == pytest.approx(200 * capacity.worker_duration)


def test_model_seed_work_needs_far_more_than_the_account_concurrency() -> None:
    # The case: 1M 100-character logs a minute at 0.05 s per character, batch 5.
    scenario = Scenario(1_000_000, Sizes(SHORT_LOGS), TenantMix(), profiles.SEED_WORK)
    capacity = assess(scenario, INPUTS)
    assert capacity.worker_concurrency > 16_000
    assert capacity.first_bottleneck == "lambda_account_concurrency"


def test_model_in_invocation_concurrency_shortens_invocations() -> None:
    sequential = Deployment(work_per_char_s=0.05, batch_size=10, record_concurrency=1)
    together = replace(sequential, record_concurrency=10)
    short = Sizes(SHORT_LOGS)
    one = model(Scenario(60_000, short, TenantMix(), sequential), INPUTS)
    ten = model(Scenario(60_000, short, TenantMix(), together), INPUTS)
    assert one.worker_duration > 9 * ten.worker_duration


def test_model_sharding_moves_the_first_bottleneck_off_the_hot_partition() -> None:
    level = 1_000_000
    unsharded = Scenario(level, profiles.REALISTIC, profiles.MIX, profiles.HIGH_THROUGHPUT)
    before = assess(unsharded, INPUTS)
    shards = profiles.shards_for_level(level, profiles.HIGH_THROUGHPUT, INPUTS)
    after = assess(
        replace(unsharded, deployment=replace(profiles.HIGH_THROUGHPUT, write_shards=shards)),
        INPUTS,
    )
    assert before.first_bottleneck == "dynamodb_partition_wcu"
    assert before.stored_rate < 0.5 * level / 60
    assert after.first_bottleneck == "dynamodb_table_wru"
    assert after.stored_rate == pytest.approx(level / 60)


def test_model_ceiling_is_where_the_limit_is_reached() -> None:
    capacity = assess(
        Scenario(10_000, profiles.REALISTIC, profiles.MIX, profiles.TERRAFORM_DEFAULTS), INPUTS
    )
    # The stage's 500 requests a second of single logs: 30,000 logs a minute.
    assert capacity.first_bottleneck == "api_account_rps"
    assert capacity.ceiling_per_minute == pytest.approx(30_000, rel=1e-6)


def test_costs_dynamodb_writes_pay_for_the_table_and_its_index() -> None:
    capacity = model(Scenario(1_000_000, profiles.REALISTIC, profiles.MIX, profiles.SEED), INPUTS)
    price = INPUTS.price("dynamodb_write_request_units_per_million")
    assert costs(capacity, INPUTS).dynamodb_writes == pytest.approx(
        capacity.write_units_per_log * 2 * price
    )


def test_costs_batching_cuts_the_per_request_components() -> None:
    level = 1_000_000
    seed = model(Scenario(level, profiles.REALISTIC, profiles.MIX, profiles.SEED), INPUTS)
    high = model(
        Scenario(level, profiles.REALISTIC, profiles.MIX, profiles.HIGH_THROUGHPUT), INPUTS
    )
    assert costs(high, INPUTS).api < costs(seed, INPUTS).api / 50
    assert costs(high, INPUTS).total < costs(seed, INPUTS).total


def test_model_ingest_duration_is_overhead_python_at_the_cpu_share_and_the_sends() -> None:
    # 512 MB buys 512/1769 of a vCPU; 100 logs are 10 SendMessageBatch calls, 8 at a time.
    t = INPUTS.timing
    share = 512 / t("vcpu_memory_mb")
    single = model(Scenario(6_000, profiles.REALISTIC, profiles.MIX, profiles.SEED), INPUTS)
    assert single.ingest_duration == pytest.approx(
        t("invocation_overhead_s") + t("ingest_python_s") / share + t("ingest_sqs_send_s")
    )
    assert single.ingest_concurrency == pytest.approx(100 * single.ingest_duration)
    batched = model(
        Scenario(6_000, profiles.REALISTIC, profiles.MIX, profiles.HIGH_THROUGHPUT), INPUTS
    )
    python = t("ingest_python_s") + 99 * t("ingest_python_per_log_s")
    assert batched.ingest_duration == pytest.approx(
        t("invocation_overhead_s") + python / share + 2 * t("ingest_sqs_send_s")
    )


def test_capacity_command_prints_the_models_tables(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--no-simulation"])
    printed = capsys.readouterr().out
    for heading in ("Demand at each level", "First bottleneck and ceiling", "Limits"):
        assert f"### {heading}" in printed
    assert "| 1.00M | high throughput, N=32 | DynamoDB table writes | 1.22M |" in printed
