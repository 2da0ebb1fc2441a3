"""The per-process rate limiter over shared buckets: leases, verdicts and headers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenantlog.core.ratelimit import (
    LEASE_SECONDS,
    Bucket,
    RateLimiter,
    RateLimitUnavailable,
    Verdict,
    gcra,
    headers,
)
from tenantlog.core.tenants import TenantPolicy
from tenantlog.ratelimit.memory import MemoryBuckets

pytestmark = pytest.mark.anyio


def policy(rate: float, burst: int) -> TenantPolicy:
    return TenantPolicy(rate, burst, 0, True, ("phone",), "plain")


class Clock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class CountingBuckets(MemoryBuckets):
    def __init__(self) -> None:
        super().__init__()
        self.leases = 0

    async def lease(self, tenant_id: str, n: int, rate: float, burst: int, now: float) -> Bucket:
        self.leases += 1
        return await super().lease(tenant_id, n, rate, burst, now)


async def test_unlimited_tenants_are_not_counted() -> None:
    buckets = CountingBuckets()
    limiter = RateLimiter(buckets)

    assert await limiter.admit("acme", 10_000, policy(0, 10)) is None
    assert buckets.leases == 0


async def test_the_burst_passes_then_the_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(MemoryBuckets(), clock=clock)
    limited = policy(10, 20)

    first = await limiter.admit("acme", 20, limited)
    refused = await limiter.admit("acme", 1, limited)
    clock.now += 1
    after_a_second = [await limiter.admit("acme", 1, limited) for _ in range(11)]

    assert first is not None and first.allowed and first.remaining == 0
    assert refused is not None and not refused.allowed and refused.retry_after == 1
    assert [v is not None and v.allowed for v in after_a_second] == [True] * 10 + [False]


async def test_a_refusal_says_when_the_request_would_pass() -> None:
    limiter = RateLimiter(MemoryBuckets(), clock=Clock())
    limited = policy(10, 100)
    await limiter.admit("acme", 100, limited)

    refused = await limiter.admit("acme", 55, limited)

    assert refused == Verdict(False, 100, 10, 0, 10, retry_after=6)


async def test_leases_are_batched_so_single_logs_rarely_touch_the_shared_bucket() -> None:
    clock, buckets = Clock(), CountingBuckets()
    limiter = RateLimiter(buckets, clock=clock)
    limited = policy(1000, 2000)

    for _ in range(500):
        verdict = await limiter.admit("acme", 1, limited)
        assert verdict is not None and verdict.allowed
        clock.now += 0.0001

    assert buckets.leases == 5  # a lease is a tenth of a second's rate: 100 logs


async def test_leases_expire_instead_of_being_spent_later() -> None:
    clock = Clock()
    limiter = RateLimiter(MemoryBuckets(), clock=clock)
    limited = policy(100, 100)
    await limiter.admit("acme", 1, limited)  # leases 10, spends 1
    # GIVEN another process emptied the shared bucket meanwhile
    await limiter._buckets.lease("acme", 90, 100, 100, clock.now)

    clock.now += LEASE_SECONDS
    await limiter._buckets.lease("acme", 10, 100, 100, clock.now)  # and what refilled since
    verdict = await limiter.admit("acme", 9, limited)

    assert verdict is not None and not verdict.allowed  # the 9 left of the lease are gone


async def test_processes_sharing_buckets_admit_the_limit_between_them() -> None:
    clock, buckets = Clock(), MemoryBuckets()
    limiters = [RateLimiter(buckets, clock=clock) for _ in range(3)]
    limited = policy(100, 100)
    admitted = 0
    for step in range(1000):  # 10 s of 1 ms steps, every process flooding
        clock.now = 1_000.0 + step / 100
        for limiter in limiters:
            for _ in range(5):
                verdict = await limiter.admit("acme", 1, limited)
                admitted += verdict is not None and verdict.allowed

    assert 100 + 10 * 100 * 0.9 <= admitted <= 100 + 10 * 100


async def test_unreachable_buckets_admit_and_tell() -> None:
    class Down(MemoryBuckets):
        async def lease(
            self, tenant_id: str, n: int, rate: float, burst: int, now: float
        ) -> Bucket:
            raise RateLimitUnavailable("gone")

    told: list[RateLimitUnavailable] = []
    limiter = RateLimiter(Down(), on_unavailable=told.append)

    assert await limiter.admit("acme", 1, policy(1, 1)) is None
    assert len(told) == 1


def test_headers_carry_both_drafts_and_retry_after_on_refusal() -> None:
    allowed = dict(headers(Verdict(True, 100, 10, 42, 6)))
    refused = dict(headers(Verdict(False, 100, 10, 0, 10, retry_after=3)))

    assert allowed == {
        b"ratelimit-policy": b'"tenant";q=100;w=10',
        b"ratelimit": b'"tenant";r=42;t=6',
        b"ratelimit-limit": b"100",
        b"ratelimit-remaining": b"42",
        b"ratelimit-reset": b"6",
    }
    assert refused[b"retry-after"] == b"3"


@settings(max_examples=200)
@given(
    st.lists(st.tuples(st.integers(1, 50), st.floats(0, 2)), min_size=1, max_size=60),
    st.floats(0.5, 100),
    st.integers(50, 500),
)
def test_gcra_never_grants_more_than_burst_plus_refill(
    requests: list[tuple[int, float]], rate: float, burst: int
) -> None:
    now, tat, granted = 0.0, None, 0
    for n, wait in requests:
        now += wait
        bucket = gcra(tat, n, rate, burst, now)
        if bucket.granted:
            granted += n
            tat = bucket.tat
    assert granted <= burst + rate * now + 1e-6
