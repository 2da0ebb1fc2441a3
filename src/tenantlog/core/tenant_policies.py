"""Each tenant's policy, as the API and the worker look it up on every request and message.

The policy of a tenant is the service's defaults with the tenant's stored
settings over them (``TenantPolicy.over``). Asking the store for every log
would put it on the hot path, so each process keeps the policies it used in
``TenantPolicies`` and asks again once an entry is ``ttl`` seconds old
(default 5): a change made with ``tenantlog tenants set`` applies everywhere
within ttl plus one read, well inside the 10 s the design promises, without
a restart.

A store outage must not refuse ingest: while the store cannot be read, the
last known policy of a tenant stays in force (the defaults for a tenant not
seen before), the store is asked again after another ``ttl``, and a warning
is logged at most once a minute. A store that is slow rather than down is
waited for at most ``wait_seconds``; the request then goes on with what is
known, and the read carries on in the background to update the entry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from tenantlog.core.rare_warnings import RareWarnings
from tenantlog.core.tenants import TenantPolicy, TenantStore, TenantStoreUnavailable

log = logging.getLogger("tenantlog")

#: Seconds an entry is used before the store is asked again.
DEFAULT_TTL = 5.0
#: Tenants remembered at once; the entry refreshed longest ago is dropped beyond it.
MAX_TENANTS = 10_000
#: Seconds a request waits for a slow store before going on with what is known.
DEFAULT_WAIT = 1.0


@dataclass(frozen=True, slots=True)
class _Entry:
    policy: TenantPolicy
    checked_at: float  # when the store last answered, or last failed to


class TenantPolicies:
    """The policies of the tenants one process serves, each at most ``ttl`` seconds old.

    No I/O of its own: the store is the only thing it calls. At most one
    read per tenant is in flight; requests that miss at the same moment
    wait for that one read.
    """

    def __init__(
        self,
        store: TenantStore,
        defaults: TenantPolicy,
        *,
        ttl: float = DEFAULT_TTL,
        max_tenants: int = MAX_TENANTS,
        wait_seconds: float = DEFAULT_WAIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self.defaults = defaults
        self._ttl = ttl
        self._max = max_tenants
        self._wait = wait_seconds
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._reading: dict[str, asyncio.Task[TenantPolicy]] = {}
        self._warnings = RareWarnings(log, clock=clock)

    async def policy(self, tenant_id: str) -> TenantPolicy:
        """What applies to the tenant now. Never raises for a store outage."""
        entry = self._entries.get(tenant_id)
        if entry is not None and self._clock() - entry.checked_at < self._ttl:
            return entry.policy
        read = self._reading.get(tenant_id)
        if read is None:
            read = asyncio.get_running_loop().create_task(self._read(tenant_id))
            self._reading[tenant_id] = read
            read.add_done_callback(lambda task: self._done(tenant_id, task))
        # asyncio.wait neither cancels the read on timeout nor when this request is
        # cancelled: the read always completes and updates the entry.
        done, _ = await asyncio.wait({read}, timeout=self._wait)
        if done:
            return read.result()
        known = self._known(tenant_id)
        self._remember(tenant_id, known)  # no more waiting for this tenant for a ttl
        self._warn(f"reading the settings of tenant {tenant_id!r} takes over {self._wait:g} s")
        return known

    async def _read(self, tenant_id: str) -> TenantPolicy:
        try:
            settings = await self._store.get(tenant_id)
        except TenantStoreUnavailable as exc:
            known = self._known(tenant_id)
            self._remember(tenant_id, known)
            self._warn(str(exc) or type(exc).__name__)
            return known
        policy = self.defaults.over(settings)
        self._remember(tenant_id, policy)
        return policy

    def _done(self, tenant_id: str, read: asyncio.Task[TenantPolicy]) -> None:
        if self._reading.get(tenant_id) is read:
            del self._reading[tenant_id]
        if not read.cancelled():
            # Retrieved here so that asyncio does not report it again; the requests
            # waiting for this read re-raise it.
            read.exception()

    def _known(self, tenant_id: str) -> TenantPolicy:
        entry = self._entries.get(tenant_id)
        return self.defaults if entry is None else entry.policy

    def _remember(self, tenant_id: str, policy: TenantPolicy) -> None:
        # Re-inserted at the end, so the first entry is the one refreshed longest ago.
        self._entries.pop(tenant_id, None)
        while len(self._entries) >= self._max:
            del self._entries[next(iter(self._entries))]
        self._entries[tenant_id] = _Entry(policy, self._clock())

    def _warn(self, problem: str) -> None:
        self._warnings.warning(
            "store",
            "tenant settings unavailable (%s): the last known policies, or the defaults, "
            "stay in force",
            problem,
        )
