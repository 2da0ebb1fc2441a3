"""Rate limits across Lambda instances: several limiters sharing one DynamoDB bucket.

Each limiter stands for an ingest instance with its own client, all on the
emulator's one table. Time is simulated (every instance reads the same
clock, moved on in steps), so the accuracy is exact and nothing sleeps; the
DynamoDB calls are real. Prints the accuracy and the writes per request.
"""

from __future__ import annotations

import pytest

from tenantlog.aws.clients import make_client
from tenantlog.core.ratelimit import Bucket, RateLimiter
from tenantlog.core.tenants import TenantPolicy
from tenantlog.ratelimit.dynamodb import DynamoDbBuckets, create_rate_limits_table
from tests.support.aws_emulator import REGION, create_table

pytestmark = pytest.mark.anyio

RATE, BURST = 200, 200
INSTANCES = 4
SECONDS = 5
STEP = 0.01  # each instance gets 10 R / INSTANCES logs a second, one log at a time


class Clock:
    now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class CountedBuckets(DynamoDbBuckets):
    calls = 0

    async def lease(self, tenant_id: str, n: int, rate: float, burst: int, now: float) -> Bucket:
        CountedBuckets.calls += 1
        return await super().lease(tenant_id, n, rate, burst, now)


@pytest.mark.slow
async def test_instances_sharing_a_bucket_admit_the_rate_between_them(
    moto_server: str,
) -> None:
    table = create_table(create_rate_limits_table)
    clock = Clock()
    buckets = [
        CountedBuckets(make_client("dynamodb", REGION, 2), table, threads=2)
        for _ in range(INSTANCES)
    ]
    limiters = [RateLimiter(b, clock=clock) for b in buckets]
    policy = TenantPolicy(RATE, BURST, 0, True, (), "plain")
    per_step = round(10 * RATE * STEP / INSTANCES)
    admitted = requests = 0
    try:
        for step in range(int(SECONDS / STEP)):
            clock.now = Clock.now + step * STEP
            for limiter in limiters:
                for _ in range(per_step):
                    verdict = await limiter.admit("hot", 1, policy)
                    requests += 1
                    admitted += verdict is not None and verdict.allowed
    finally:
        for bucket in buckets:
            await bucket.close()

    ceiling = BURST + RATE * SECONDS
    print(
        f"\n{INSTANCES} instances flooding at 10 R for {SECONDS} s (R = {RATE}/s, burst {BURST}):"
        f" {admitted} admitted of at most {ceiling} ({admitted / ceiling:.3f});"
        f" {CountedBuckets.calls} leases for {requests} requests"
        f" ({CountedBuckets.calls / requests:.3f} a request)"
    )
    assert 0.9 * ceiling <= admitted <= ceiling
    # about ten leases a second per instance, whatever the request rate
    assert CountedBuckets.calls <= INSTANCES * SECONDS * 15
