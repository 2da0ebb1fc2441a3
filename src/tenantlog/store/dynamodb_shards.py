"""Write sharding on DynamoDB: which partition keys hold a tenant's logs, and how pages of
several partitions become one (docs/write-sharding.md).

A tenant with ``write_shards`` N has its logs under N partition keys: shard 0
is the tenant id itself (so N = 1 writes exactly the keys of an unsharded
table), shard s > 0 is ``<tenant_id>#<s>``; ``#`` is never in a tenant id, so
no tenant's key is another's. A log's shard is a stable hash of its log id
(BLAKE2b, not Python's salted ``hash()``) modulo N: every process finds a log
under one key, and a point read is one GetItem. The event-time index has the
same partition key attribute, so it is sharded alike.

Layouts. A tenant's logs stay under the key they were written to when N
changes; the tenant's settings keep every N it has had (``ShardPlan``). A
write goes under the newest layout's key, and claims the log id under each
older layout's key for the log, in one TransactWriteItems whose items are all
conditioned to be absent: a log already stored under any layout refuses the
write, so first-write-wins holds across the change. Two writers of one log id
whose plans differ (one process has not seen the change yet) share the keys of
the older plan, since plans only ever grow: their transactions meet on those
items and one of them fails. Reads look under every layout's key.
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from tenantlog.core.store import StoreUnavailable
from tenantlog.core.tenants import TenantStoreUnavailable

if TYPE_CHECKING:
    from tenantlog.core.models import LogRecord
    from tenantlog.core.tenants import TenantSettings

#: Between a tenant id and its shard number in a partition key (never in a tenant id).
SHARD_SEPARATOR = "#"
#: How long a process uses a tenant's plan before reading it again.
PLAN_SECONDS = 10.0
#: How many tenants' plans a process keeps.
MAX_PLANS = 10_000

SortKey = tuple[str, str]


def shard_of(log_id: str, shards: int) -> int:
    """The shard of a log under ``shards`` partition keys: the same in every process."""
    digest = hashlib.blake2b(log_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def partition_key(tenant_id: str, shard: int) -> str:
    return tenant_id if shard == 0 else f"{tenant_id}{SHARD_SEPARATOR}{shard}"


def tenant_of(key: str) -> str:
    """The tenant id of a partition key."""
    return key.partition(SHARD_SEPARATOR)[0]


@dataclass(frozen=True, slots=True)
class ShardPlan:
    """A tenant's layouts: ``layouts[-1]`` is the N new logs are written under, the others
    are the Ns older logs may still be under."""

    layouts: tuple[int, ...] = (1,)

    @classmethod
    def of(cls, settings: TenantSettings | None) -> ShardPlan:
        return cls() if settings is None else cls(settings.write_shard_layouts())

    def shards_of(self, log_id: str) -> list[int]:
        """The shards a log may be under: where it is written first, each once."""
        found: list[int] = []
        for shards in reversed(self.layouts):
            shard = shard_of(log_id, shards)
            if shard not in found:
                found.append(shard)
        return found

    def partitions(self) -> range:
        """Every shard any layout writes to (a layout of N uses shards 0 .. N-1)."""
        return range(max(self.layouts))


#: An unsharded tenant's plan; every tenant's where no settings table is configured.
UNSHARDED = ShardPlan()


class ShardPlans(Protocol):
    async def __call__(self, tenant_id: str) -> ShardPlan: ...


class CachedShardPlans:
    """Tenants' plans read through ``lookup`` (the tenant settings), each kept for
    ``PLAN_SECONDS``. A stale plan cannot break first-write-wins (see the module's
    docstring); it only delays reads of logs written under a newer layout by as much.

    At most ``max_tenants`` plans are kept (the least recently read go first): with
    authentication off a request may name any tenant. Lookups that miss at the same
    moment share one read of the settings.
    """

    def __init__(
        self,
        lookup: Callable[[str], Awaitable[TenantSettings | None]],
        *,
        seconds: float = PLAN_SECONDS,
        max_tenants: int = MAX_PLANS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lookup = lookup
        self._seconds = seconds
        self._max = max_tenants
        self._clock = clock
        self._plans: dict[str, tuple[float, ShardPlan]] = {}
        self._reading: dict[str, asyncio.Future[ShardPlan]] = {}

    async def __call__(self, tenant_id: str) -> ShardPlan:
        known = self._plans.get(tenant_id)
        if known is not None and self._clock() - known[0] < self._seconds:
            return known[1]
        reading = self._reading.get(tenant_id)
        if reading is None:
            reading = self._reading[tenant_id] = asyncio.ensure_future(self._read(tenant_id))
            reading.add_done_callback(lambda done: self._done(tenant_id, done))
        # Shielded: a caller that gives up does not cancel the read the others wait for.
        return await asyncio.shield(reading)

    async def _read(self, tenant_id: str) -> ShardPlan:
        now = self._clock()
        try:
            plan = ShardPlan.of(await self._lookup(tenant_id))
        except TenantStoreUnavailable as exc:
            # No guess: a write under a wrong layout could store a log twice.
            raise StoreUnavailable(f"the shard plan of tenant {tenant_id!r}: {exc}") from exc
        self._plans.pop(tenant_id, None)  # to the end of the eviction order
        self._plans[tenant_id] = (now, plan)
        while len(self._plans) > self._max:
            del self._plans[next(iter(self._plans))]
        return plan

    def _done(self, tenant_id: str, done: asyncio.Future[ShardPlan]) -> None:
        self._reading.pop(tenant_id, None)
        if not done.cancelled():
            done.exception()  # retrieved: every waiter may have given up already


async def unsharded(tenant_id: str) -> ShardPlan:
    """The plan lookup of a deployment without tenant settings."""
    return UNSHARDED


@dataclass(frozen=True, slots=True)
class PartitionRead:
    """What the Queries of one partition returned for a page: its matching records after
    the cursor, in the page's order, and the sort key of the last item they read when the
    partition may hold more (None: it was read to its end)."""

    records: list[LogRecord]
    frontier: SortKey | None


@dataclass(frozen=True, slots=True)
class MergedPage:
    """A page of several partitions: ``resume`` is the sort key the next page starts
    after, None on the last page."""

    records: list[LogRecord]
    resume: SortKey | None


def merge_page(
    reads: Sequence[PartitionRead],
    limit: int,
    sort_key: Callable[[LogRecord], SortKey],
    *,
    descending: bool,
) -> MergedPage:
    """The first ``limit`` records of the partitions' reads in one order (a k-way merge).

    A partition that stopped early (a full page of its own, or its Query budget
    spent) has read nothing past its frontier, so the page only goes as far as the
    nearest frontier: beyond it a record of that partition might come first.
    Resuming after the page's last record (or the frontier, for a page the
    frontier cut short) therefore neither repeats nor skips a record.
    """
    merged = heapq.merge(*(read.records for read in reads), key=sort_key, reverse=descending)
    frontiers = [read.frontier for read in reads if read.frontier is not None]
    bound = (max if descending else min)(frontiers) if frontiers else None
    page: list[LogRecord] = []
    for record in merged:
        key = sort_key(record)
        if bound is not None and (key < bound if descending else key > bound):
            break
        if len(page) == limit:
            return MergedPage(page, sort_key(page[-1]))
        page.append(record)
    return MergedPage(page, bound)
