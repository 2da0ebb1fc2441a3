"""Per-tenant rate limits that hold across processes and Lambda instances (DESIGN §2b).

The limit is a token bucket of ``burst`` logs refilled at ``rate`` logs a
second, kept as GCRA's one number, the theoretical arrival time ``tat``: the
bucket is full when ``tat <= now``, and taking ``n`` logs moves ``tat`` on by
``n / rate``, allowed while ``tat - now <= burst / rate``. One number means a
shared bucket is one row or item updated by a single conditional write,
without reading it first.

Every process serving a tenant takes its tokens from the shared bucket
(``SharedBuckets``: a SQLite file for the local processes, DynamoDB on AWS),
but not one request at a time: it leases a tenth of a second's worth, or
what the request needs if more, and spends the lease locally; a request
that finds neither its lease nor the bucket holding one is refused. A process
therefore costs its backend about ten writes a second per busy tenant
rather than one per request; and after a refusal it knows when the bucket
can next hold a request, so a flood of refused requests costs no writes.
Leases expire after ``LEASE_SECONDS``: what a process holds but does not
use is lost to the tenant (it errs on the side of admitting less), never
carried into a later second.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from tenantlog.core.tenants import TenantPolicy

#: A lease lasts this long, and is sized to this much of the rate.
LEASE_SECONDS = 0.1
#: Tenants whose local leases are remembered at once; the oldest are dropped beyond it.
MAX_TENANTS = 10_000


class RateLimitUnavailable(Exception):
    """The shared buckets cannot be reached."""


@dataclass(frozen=True, slots=True)
class Bucket:
    """A shared bucket after a lease: whether the tokens were granted, and its new ``tat``."""

    granted: bool
    tat: float


def gcra(tat: float | None, n: int, rate: float, burst: int, now: float) -> Bucket:
    """Take ``n`` tokens from a bucket at ``tat`` (None: never used, so full)."""
    start = now if tat is None or tat < now else tat
    after = start + n / rate
    if after - now > burst / rate + 1e-9:
        return Bucket(False, start)
    return Bucket(True, after)


class SharedBuckets(Protocol):
    """The buckets every process of a deployment shares. Each lease is atomic."""

    async def lease(self, tenant_id: str, n: int, rate: float, burst: int, now: float) -> Bucket:
        """Take ``n`` tokens if the tenant's bucket holds them (``gcra``), else nothing.
        Raises RateLimitUnavailable."""

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the limiter decided, with what the rate-limit headers report.

    ``remaining`` is the logs the tenant may still send at once (this
    process's lease and the shared bucket); ``reset`` the whole seconds until
    the bucket is full again; ``retry_after`` (refusals only) the whole
    seconds, at least 1, until the request could pass.
    """

    allowed: bool
    limit: int
    window: int
    remaining: int
    reset: int
    retry_after: int = 0


@dataclass(slots=True)
class _Held:
    tokens: int
    until: float
    tat: float  # the shared bucket's, as of the last lease
    lock: asyncio.Lock
    #: After a refused lease ``tat`` is a lower bound of the shared bucket's (tokens only
    #: come back with time, other processes only take more): a request the bucket could
    #: not hold at that ``tat`` is refused here without asking it again.
    refused: bool = False


class RateLimiter:
    """One process's view of the tenants' limits: leases from the shared buckets, spent locally.

    A store outage must not stop ingest: when the shared buckets cannot be
    reached the request is admitted (``on_unavailable`` is told), as an
    outage of the tenant settings leaves the last known limits in force.
    """

    def __init__(
        self,
        buckets: SharedBuckets,
        *,
        clock: Callable[[], float] = time.time,
        on_unavailable: Callable[[RateLimitUnavailable], None] = lambda exc: None,
    ) -> None:
        self._buckets = buckets
        self._clock = clock
        self._on_unavailable = on_unavailable
        self._held: dict[str, _Held] = {}

    async def admit(self, tenant_id: str, n: int, policy: TenantPolicy) -> Verdict | None:
        """Spend ``n`` of the tenant's tokens, or refuse; None when the tenant is unlimited.

        The caller refuses a request of more logs than the burst before asking
        (413: it could never pass); here ``n <= policy.burst``.
        """
        rate, burst = policy.rate_limit, policy.burst
        if rate <= 0:
            return None
        held = self._held.get(tenant_id)
        if held is None:
            if len(self._held) >= MAX_TENANTS:
                del self._held[next(iter(self._held))]
            held = self._held[tenant_id] = _Held(0, 0.0, 0.0, asyncio.Lock())
        async with held.lock:  # one lease in flight per tenant; the others wait for it
            now = self._clock()
            if held.until <= now:
                held.tokens = 0
            if held.tokens < n and not (held.refused and self._short(held, n, rate, burst, now)):
                try:
                    await self._lease(tenant_id, held, n, rate, burst, now)
                except RateLimitUnavailable as exc:
                    self._on_unavailable(exc)
                    return None
            allowed = held.tokens >= n
            if allowed:
                held.tokens -= n
            return self._verdict(held, n, rate, burst, now, allowed)

    async def _lease(
        self, tenant_id: str, held: _Held, n: int, rate: float, burst: int, now: float
    ) -> None:
        chunk = _chunk(n - held.tokens, rate, burst)
        bucket = await self._buckets.lease(tenant_id, chunk, rate, burst, now)
        held.tat = bucket.tat
        held.refused = not bucket.granted
        if bucket.granted:
            held.tokens += chunk
            held.until = now + LEASE_SECONDS

    @staticmethod
    def _short(held: _Held, n: int, rate: float, burst: int, now: float) -> bool:
        """Whether the bucket, at the ``tat`` last seen, lacks the lease this request needs."""
        return held.tat - now > (burst - _chunk(n - held.tokens, rate, burst)) / rate + 1e-9

    @staticmethod
    def _verdict(
        held: _Held, n: int, rate: float, burst: int, now: float, allowed: bool
    ) -> Verdict:
        debt = max(0.0, held.tat - now)  # seconds of tokens the shared bucket lacks
        shared = max(0, math.floor((burst / rate - debt) * rate + 1e-9))
        remaining = min(burst, held.tokens + shared)
        verdict = Verdict(
            allowed=allowed,
            limit=burst,
            window=max(1, math.ceil(burst / rate)),
            remaining=remaining,
            reset=math.ceil(debt),
        )
        if allowed:
            return verdict
        # The request passes once the bucket has refilled what it lacks.
        missing = max(1, n - remaining)
        return Verdict(
            allowed=False,
            limit=verdict.limit,
            window=verdict.window,
            remaining=remaining,
            reset=verdict.reset,
            retry_after=max(1, math.ceil(missing / rate)),
        )


def _chunk(need: int, rate: float, burst: int) -> int:
    """What a lease asks for: a tenth of a second's tokens, or what the request needs if
    more. Never less, even when the bucket holds what one request needs: waiting for a
    whole lease keeps a limited tenant at about ten leases a second per process."""
    return min(burst, max(need, math.ceil(rate * LEASE_SECONDS)))


def headers(verdict: Verdict) -> list[tuple[bytes, bytes]]:
    """The rate-limit fields of an answer: draft-ietf-httpapi-ratelimit-headers-11's
    ``RateLimit-Policy`` and ``RateLimit`` (a policy named "tenant" whose quota is the
    burst, in logs, over the seconds it takes to refill), and the older drafts'
    ``RateLimit-Limit`` / ``-Remaining`` / ``-Reset`` for clients written against them."""
    out = [
        (b"ratelimit-policy", f'"tenant";q={verdict.limit};w={verdict.window}'.encode()),
        (b"ratelimit", f'"tenant";r={verdict.remaining};t={verdict.reset}'.encode()),
        (b"ratelimit-limit", str(verdict.limit).encode()),
        (b"ratelimit-remaining", str(verdict.remaining).encode()),
        (b"ratelimit-reset", str(verdict.reset).encode()),
    ]
    if not verdict.allowed:
        out.append((b"retry-after", str(verdict.retry_after).encode()))
    return out


PolicyOf = Callable[[str], Awaitable[TenantPolicy]]
