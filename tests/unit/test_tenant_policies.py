"""TenantPolicies: each tenant's policy cached for a few seconds, one read at a time, and
kept in force through a store outage. Time is an injected clock."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from tenantlog.core.tenant_policies import TenantPolicies
from tenantlog.core.tenants import TenantPolicy, TenantSettings, TenantStoreUnavailable
from tenantlog.tenants.memory import MemoryTenantStore

pytestmark = pytest.mark.anyio

DEFAULTS = TenantPolicy(
    rate_limit=0.0,
    burst=10_000,
    retention_days=0,
    store_original=True,
    redaction_detectors=("phone", "email"),
    redaction_style="plain",
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeStore(MemoryTenantStore):
    """A memory store that counts reads, and can fail or hold them."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0
        self.down = False
        self.error: Exception | None = None
        self.gate: asyncio.Event | None = None

    async def get(self, tenant_id: str) -> TenantSettings | None:
        self.reads += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.error is not None:
            raise self.error
        if self.down:
            raise TenantStoreUnavailable("the store is down")
        return await super().get(tenant_id)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


def policies(store: FakeStore, clock: Clock, **options: Any) -> TenantPolicies:
    return TenantPolicies(store, DEFAULTS, clock=clock, **options)


async def test_a_tenant_without_settings_has_the_defaults(store: FakeStore, clock: Clock) -> None:
    assert await policies(store, clock).policy("acme") == DEFAULTS


async def test_stored_settings_replace_only_what_they_set(store: FakeStore, clock: Clock) -> None:
    await store.put(TenantSettings("acme", rate_limit=5.0, redaction_style="typed"))

    policy = await policies(store, clock).policy("acme")

    assert policy.rate_limit == 5.0
    assert policy.redaction_style == "typed"
    assert policy.burst == DEFAULTS.burst
    assert policy.redaction_detectors == DEFAULTS.redaction_detectors


async def test_a_policy_is_read_once_per_ttl_and_a_change_applies_after_it(
    store: FakeStore, clock: Clock
) -> None:
    # GIVEN a policy read once
    cache = policies(store, clock, ttl=5)
    await cache.policy("acme")
    # WHEN the tenant's settings change
    await store.put(TenantSettings("acme", burst=7))
    # THEN the cached policy is used until the ttl is over, without asking the store
    clock.now += 4.9
    assert (await cache.policy("acme")).burst == DEFAULTS.burst
    assert store.reads == 1
    # AND the change applies once it is
    clock.now += 0.1
    assert (await cache.policy("acme")).burst == 7
    assert store.reads == 2


async def test_tenants_are_cached_separately(store: FakeStore, clock: Clock) -> None:
    await store.put(TenantSettings("acme", burst=1))
    cache = policies(store, clock)

    assert (await cache.policy("acme")).burst == 1
    assert (await cache.policy("beta")).burst == DEFAULTS.burst
    assert store.reads == 2


async def test_concurrent_misses_make_one_read(store: FakeStore, clock: Clock) -> None:
    # GIVEN a store that holds its reads
    store.gate = asyncio.Event()
    await store.put(TenantSettings("acme", burst=3))
    cache = policies(store, clock)
    # WHEN many requests for one tenant miss at once
    requests = [asyncio.create_task(cache.policy("acme")) for _ in range(20)]
    await asyncio.sleep(0)
    store.gate.set()
    answers = await asyncio.gather(*requests)
    # THEN one read answered them all
    assert store.reads == 1
    assert {policy.burst for policy in answers} == {3}


async def test_an_outage_keeps_the_last_known_policy(store: FakeStore, clock: Clock) -> None:
    # GIVEN a tenant's policy, known
    await store.put(TenantSettings("acme", rate_limit=9.0))
    cache = policies(store, clock, ttl=5)
    await cache.policy("acme")
    # WHEN the store goes down and the entry is due
    store.down = True
    clock.now += 6
    # THEN the last known policy stays in force
    assert (await cache.policy("acme")).rate_limit == 9.0
    # AND the store is asked again only after another ttl
    reads = store.reads
    clock.now += 4
    await cache.policy("acme")
    assert store.reads == reads
    clock.now += 1
    await cache.policy("acme")
    assert store.reads == reads + 1


async def test_an_outage_gives_a_new_tenant_the_defaults(store: FakeStore, clock: Clock) -> None:
    store.down = True

    assert await policies(store, clock).policy("acme") == DEFAULTS


async def test_the_store_coming_back_brings_the_stored_policy(
    store: FakeStore, clock: Clock
) -> None:
    await store.put(TenantSettings("acme", burst=4))
    store.down = True
    cache = policies(store, clock, ttl=5)
    assert await cache.policy("acme") == DEFAULTS

    store.down = False
    clock.now += 5

    assert (await cache.policy("acme")).burst == 4


async def test_an_outage_is_logged_at_most_once_a_minute(
    store: FakeStore, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a store that is down, and many tenants asked for over a minute
    store.down = True
    cache = policies(store, clock, ttl=5)
    with caplog.at_level(logging.WARNING, logger="tenantlog"):
        for n in range(12):
            await cache.policy(f"t{n}")
            clock.now += 5
        first_minute = len(caplog.records)
        # WHEN the next minute begins
        await cache.policy("another")
    # THEN one warning for the first minute, one more for the next, naming the problem
    assert first_minute == 1
    assert len(caplog.records) == 2
    assert "the store is down" in caplog.records[0].getMessage()


async def test_the_oldest_entries_are_dropped_beyond_the_bound(
    store: FakeStore, clock: Clock
) -> None:
    # GIVEN room for two tenants, and three asked for
    cache = policies(store, clock, max_tenants=2)
    for tenant in ("a", "b", "c"):
        await cache.policy(tenant)
    assert store.reads == 3
    # THEN the two newest are still cached, the oldest is read again
    await cache.policy("b")
    await cache.policy("c")
    assert store.reads == 3
    await cache.policy("a")
    assert store.reads == 4


async def test_a_slow_store_is_waited_for_briefly_then_the_read_completes_behind(
    store: FakeStore, clock: Clock
) -> None:
    # GIVEN a tenant whose settings the store holds, and a store that stops answering
    await store.put(TenantSettings("acme", burst=2))
    store.gate = asyncio.Event()
    cache = policies(store, clock, ttl=5, wait_seconds=0.01)
    # WHEN its policy is asked for
    first = await cache.policy("acme")
    # THEN the request goes on with the defaults after the short wait
    assert first == DEFAULTS
    # AND the next requests within the ttl do not wait nor read again
    assert await asyncio.wait_for(cache.policy("acme"), 0.005) == DEFAULTS
    assert store.reads == 1
    # WHEN the read finally completes, its answer is used at once
    store.gate.set()
    await asyncio.sleep(0.01)
    assert (await cache.policy("acme")).burst == 2
    assert store.reads == 1


async def test_a_cancelled_request_does_not_cancel_the_read(store: FakeStore, clock: Clock) -> None:
    await store.put(TenantSettings("acme", burst=6))
    store.gate = asyncio.Event()
    cache = policies(store, clock)
    request = asyncio.create_task(cache.policy("acme"))
    await asyncio.sleep(0)

    request.cancel()
    store.gate.set()
    await asyncio.sleep(0.01)

    assert (await cache.policy("acme")).burst == 6
    assert store.reads == 1


async def test_an_unexpected_error_is_not_hidden(store: FakeStore, clock: Clock) -> None:
    store.error = RuntimeError("a bug")

    with pytest.raises(RuntimeError, match="a bug"):
        await policies(store, clock).policy("acme")
