"""Shared rate-limit buckets: one contract, every backend (memory, SQLite file, DynamoDB)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tenantlog.core.ratelimit import SharedBuckets

pytestmark = pytest.mark.anyio

NOW = 1_800_000_000.0


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
async def buckets(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SharedBuckets]:
    made: SharedBuckets
    if request.param == "memory":
        from tenantlog.ratelimit.memory import MemoryBuckets

        made = MemoryBuckets()
    elif request.param == "sqlite":
        from tenantlog.ratelimit.sqlite import SqliteBuckets

        made = SqliteBuckets(tmp_path)
    else:
        from tests.support.aws_emulator import make_dynamodb_buckets

        made = await make_dynamodb_buckets()
    yield made
    await made.close()


async def test_a_new_bucket_is_full(buckets: SharedBuckets) -> None:
    granted = await buckets.lease("acme", 100, 10.0, 100, NOW)
    refused = await buckets.lease("acme", 1, 10.0, 100, NOW)

    assert granted.granted and granted.tat == pytest.approx(NOW + 10)
    assert not refused.granted and refused.tat == pytest.approx(NOW + 10)


async def test_tokens_come_back_at_the_rate(buckets: SharedBuckets) -> None:
    await buckets.lease("acme", 100, 10.0, 100, NOW)

    assert not (await buckets.lease("acme", 11, 10.0, 100, NOW + 1)).granted
    assert (await buckets.lease("acme", 10, 10.0, 100, NOW + 1)).granted
    assert (await buckets.lease("acme", 100, 10.0, 100, NOW + 100)).granted  # full again


async def test_a_refused_lease_takes_nothing(buckets: SharedBuckets) -> None:
    await buckets.lease("acme", 90, 10.0, 100, NOW)

    assert not (await buckets.lease("acme", 20, 10.0, 100, NOW)).granted
    assert (await buckets.lease("acme", 10, 10.0, 100, NOW)).granted


async def test_buckets_are_per_tenant(buckets: SharedBuckets) -> None:
    await buckets.lease("acme", 100, 10.0, 100, NOW)

    assert (await buckets.lease("globex", 100, 10.0, 100, NOW)).granted


async def test_concurrent_leases_never_grant_more_than_the_bucket(
    buckets: SharedBuckets,
) -> None:
    results = await asyncio.gather(*(buckets.lease("race", 10, 1.0, 50, NOW) for _ in range(12)))

    assert sum(r.granted for r in results) <= 5
    assert sum(r.granted for r in results) >= 1
