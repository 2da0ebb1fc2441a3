"""What happens to parsed logs before the queue, once, for every route that takes logs.

A route (``/ingest``, and the agents' ``/v1/logs`` and ``/loki/api/v1/push``)
turns its request into an ``Accepted`` batch; ``Admission.admit`` then decides, in this order:

1. backpressure: the queue is over its depth limit → 503;
2. tenant limits: a batch larger than its tenant's burst could never pass → 413;
3. Idempotency-Key: a retry of a request already enqueued is answered from
   the record (and costs no tokens), a key still in flight → 409, reused for
   another request → 422;
4. rate limit, counted in logs: over it → 429 with ``Retry-After``;
5. enqueue → 202 (500 if the queue cannot be written).

Rate-limit headers go on every 202 and 429 of a limited tenant. A refused
request enqueues nothing, and releases its Idempotency-Key. The tenants' usage
counts (``tenantlog.core.usage``) are taken here too: logs and bytes on a 202,
logs on a 429.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tenantlog import metrics
from tenantlog.core import idempotency
from tenantlog.core.idempotency import DerivedLogIds, IdempotencyKeys, IdempotencyUnavailable
from tenantlog.core.models import Source
from tenantlog.core.queue import Outgoing, Queue, QueueUnavailable
from tenantlog.core.ratelimit import PolicyOf, RateLimiter, Verdict, headers
from tenantlog.core.tenants import TenantPolicy
from tenantlog.core.usage_recorder import UsageRecorder
from tenantlog.core.validation import IngestError, too_large
from tenantlog.http.backpressure import Backpressure
from tenantlog.http.responses import error_body

log = logging.getLogger("tenantlog")

ENQUEUE_FAILED = "failed to enqueue message"
IDEMPOTENCY_UNAVAILABLE = "idempotency keys unavailable; retry later"
BACKPRESSURE_RETRY_AFTER = "5"

Headers = list[tuple[bytes, bytes]]
Answer = tuple[int, bytes, Headers]


@dataclass(frozen=True, slots=True)
class Accepted:
    """A valid batch: its messages encoded for the queue (each in its tenant's group), its
    202 answer serialised, and how many logs and message bytes each tenant sends in it (the
    first tenant scopes an Idempotency-Key; usage counts the bytes as accepted)."""

    messages: list[Outgoing]
    source: Source
    tenants: Counter[str]
    sizes: Counter[str]
    answer: bytes

    @property
    def tenant_id(self) -> str:
        return next(iter(self.tenants))


@dataclass(frozen=True, slots=True)
class Keyed:
    """What an Idempotency-Key adds to a request: the key, when it was first tried (this
    attempt's time until the record says otherwise), and what makes it the same request."""

    key: str
    attempt_ms: int
    fingerprint: str

    @classmethod
    def of(cls, header: str, *request_parts: bytes | str | None) -> Keyed:
        fingerprint = idempotency.fingerprint(*request_parts)
        return cls(idempotency.parse_key(header), int(time.time() * 1000), fingerprint)

    def log_ids(self, first_attempt_ms: int | None = None) -> DerivedLogIds:
        return DerivedLogIds(self.key, first_attempt_ms or self.attempt_ms)


#: Builds the batch again under the log ids of a keyed request's first attempt.
Rebuild = Callable[[int], Awaitable[Accepted]]


class Admission:
    def __init__(
        self,
        queue: Queue,
        backpressure: Backpressure,
        keys: IdempotencyKeys,
        idempotency_window: float,
        limiter: RateLimiter,
        policy_of: PolicyOf,
        usage: UsageRecorder,
    ) -> None:
        self._queue = queue
        self._backpressure = backpressure
        self._keys = keys
        self._window = idempotency_window
        self._limiter = limiter
        self._policy_of = policy_of
        self._usage = usage

    async def admit(self, accepted: Accepted, keyed: Keyed | None, rebuild: Rebuild) -> Answer:
        try:
            return await self._admit(accepted, keyed, rebuild)
        except IngestError as exc:
            return refused(exc)

    async def _admit(self, accepted: Accepted, keyed: Keyed | None, rebuild: Rebuild) -> Answer:
        if self._backpressure.over_limit():
            message = "queue is over its depth limit; retry later"
            raise IngestError(503, message, {"retry-after": BACKPRESSURE_RETRY_AFTER})
        policies = await self._policies_within_bursts(accepted)
        if keyed is None:
            verdict = await self._spend(accepted, policies)
            return await self._enqueue(accepted, verdict)
        return await self._enqueue_once(accepted, policies, keyed, rebuild)

    async def _policies_within_bursts(self, accepted: Accepted) -> dict[str, TenantPolicy]:
        """Each tenant's policy; 413 for a tenant whose logs here could never pass."""
        policies = {}
        for tenant, count in accepted.tenants.items():
            policy = policies[tenant] = await self._policy_of(tenant)
            if policy.rate_limit > 0 and count > policy.burst:
                raise too_large(
                    f"{count} logs for tenant '{tenant}', over its burst of {policy.burst}"
                    " (a request can never carry more)"
                )
        return policies

    async def _spend(self, accepted: Accepted, policies: dict[str, TenantPolicy]) -> Verdict | None:
        """Take each tenant's logs from its limit; raise 429 for the first over it."""
        first: Verdict | None = None
        for tenant, count in accepted.tenants.items():
            verdict = await self._limiter.admit(tenant, count, policies[tenant])
            if verdict is None:
                continue
            if not verdict.allowed:
                metrics.RATE_LIMITED.inc(count)
                self._usage.rate_limited(tenant, count)
                raise IngestError(
                    429,
                    f"rate limit exceeded for tenant '{tenant}'",
                    {name.decode(): value.decode() for name, value in headers(verdict)},
                )
            first = first or verdict
        return first

    async def _enqueue(self, accepted: Accepted, verdict: Verdict | None) -> Answer:
        started = time.perf_counter()
        try:
            await self._queue.send(accepted.messages)
        except QueueUnavailable:
            return 500, error_body(ENQUEUE_FAILED), []
        metrics.ENQUEUE_SECONDS.observe(time.perf_counter() - started)
        metrics.accepted(accepted.source).inc(len(accepted.messages))
        for tenant, size in accepted.sizes.items():
            self._usage.accepted(tenant, accepted.tenants[tenant], size)
        return 202, accepted.answer, [] if verdict is None else headers(verdict)

    async def _enqueue_once(
        self,
        accepted: Accepted,
        policies: dict[str, TenantPolicy],
        keyed: Keyed,
        rebuild: Rebuild,
    ) -> Answer:
        """Enqueue a keyed request unless its key has been seen: then answer as the first
        time (the same ids), or refuse a different request (422) or one in flight (409)."""
        now = time.time()
        proposed = idempotency.KeyRecord(
            keyed.fingerprint,
            keyed.attempt_ms,
            False,
            now + idempotency.LEASE_SECONDS,
            now + self._window,
        )
        tenant = accepted.tenant_id
        try:
            claim = await self._keys.claim(tenant, keyed.key, proposed, now)
        except IdempotencyUnavailable:
            raise IngestError(503, IDEMPOTENCY_UNAVAILABLE, {"retry-after": "5"}) from None
        refusal = idempotency.refusal(claim, keyed.fingerprint)
        if refusal is not None:
            raise refusal
        first_attempt_ms = claim.record.first_attempt_ms
        if first_attempt_ms != keyed.attempt_ms:  # the ids of the first attempt
            accepted = await rebuild(first_attempt_ms)
        if not claim.owned:
            return 202, accepted.answer, [idempotency.REPLAYED_HEADER]
        try:
            verdict = await self._spend(accepted, policies)
        except IngestError:
            await self._settle(tenant, keyed, enqueued=False)
            raise
        answer = await self._enqueue(accepted, verdict)
        await self._settle(tenant, keyed, enqueued=answer[0] == 202)
        return answer

    async def _settle(self, tenant: str, keyed: Keyed, *, enqueued: bool) -> None:
        """Mark the key done, or free it for the retry. If the record cannot be written
        the key stays pending: a retry takes it over once its lease has run out and
        sends again under the same ids, which the store keeps once."""
        try:
            if enqueued:
                await self._keys.complete(tenant, keyed.key)
            else:
                await self._keys.release(tenant, keyed.key, keyed.fingerprint)
        except IdempotencyUnavailable as exc:
            log.warning("could not record an Idempotency-Key's outcome: %s", exc)


def refused(exc: IngestError) -> Answer:
    extra = [(name.encode(), value.encode()) for name, value in exc.headers.items()]
    return exc.status, error_body(exc.message), extra
