"""Every queue and store backend, behind one factory fixture each.

The contract tests are written once and run against all of them, so a fake
and a real backend are held to the same behaviour.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from tenantlog.core.queue import Queue
from tenantlog.core.store import Store
from tenantlog.core.tenants import TenantStore
from tenantlog.db.sqlite import SqliteDatabase
from tenantlog.queue.memory import MemoryQueue
from tenantlog.queue.sqlite import SqliteQueue
from tenantlog.store.dynamodb_shards import ShardPlan, ShardPlans
from tenantlog.store.memory import MemoryStore
from tenantlog.store.sqlite import SqliteStore

QueueFactory = Callable[..., Awaitable[Queue]]

#: 2024-02-01T00:00:00Z: the stores' fake "now" when a test starts.
START = 1_706_745_600.0


class Clock:
    """A clock the test moves by hand: records expire without anyone sleeping."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    """The clock every store of the test decides expiry by."""
    return Clock()


@pytest.fixture(params=["memory", "sqlite", "sqs"])
async def queue_factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[QueueFactory]:
    made: list[Queue] = []
    databases: list[SqliteDatabase] = []

    async def make(*, visibility_timeout: int = 30, max_receive_count: int = 5) -> Queue:
        queue: Queue
        if request.param == "memory":
            queue = MemoryQueue(
                visibility_timeout=visibility_timeout, max_receive_count=max_receive_count
            )
        elif request.param == "sqlite":
            database = await SqliteDatabase.open(tmp_path / f"db{len(databases)}")
            databases.append(database)
            queue = SqliteQueue(
                database,
                visibility_timeout=visibility_timeout,
                max_receive_count=max_receive_count,
            )
        else:
            from tests.support.aws_emulator import make_sqs_queue

            queue = await make_sqs_queue(
                visibility_timeout=visibility_timeout, max_receive_count=max_receive_count
            )
        made.append(queue)
        return queue

    yield make
    for queue in made:
        await queue.close()
    for database in databases:
        await database.close()


#: DynamoDB write sharding the store contract runs under (docs/write-sharding.md), by
#: fixture id: every tenant's layouts. "dynamodb-4" and "dynamodb-16" spread each tenant
#: over 4 or 16 keys from the start; "dynamodb-1-4-16" is a tenant moved from 1 to 4 to
#: 16 keys, whose writes claim the log id under the older layouts' keys.
SHARD_LAYOUTS = {
    "dynamodb": (1,),
    "dynamodb-4": (4,),
    "dynamodb-16": (16,),
    "dynamodb-1-4-16": (1, 4, 16),
}


def fixed_shard_plans(*layouts: int) -> ShardPlans:
    """A plan lookup that gives every tenant these write-sharding layouts."""
    plan = ShardPlan(layouts)

    async def plans(tenant_id: str) -> ShardPlan:
        return plan

    return plans


@pytest.fixture(params=["memory", "sqlite", *SHARD_LAYOUTS])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, clock: Clock
) -> AsyncIterator[Store]:
    made: Store
    database = None
    if request.param == "memory":
        made = MemoryStore(clock=clock)
    elif request.param == "sqlite":
        database = await SqliteDatabase.open(tmp_path)
        made = SqliteStore(database, clock=clock)
    else:
        from tenantlog.aws.clients import make_client
        from tenantlog.store.dynamodb import DynamoDbStore
        from tests.support.aws_emulator import REGION, create_table

        table = create_table()  # first: it starts the emulator the client resolves against
        made = DynamoDbStore(
            make_client("dynamodb", REGION, 32),
            table,
            shard_plans=fixed_shard_plans(*SHARD_LAYOUTS[request.param]),
            clock=clock,
        )
    yield made
    await made.close()
    if database is not None:
        await database.close()


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
async def tenants(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[TenantStore]:
    """Every tenant settings backend."""
    made: TenantStore
    database = None
    if request.param == "memory":
        from tenantlog.tenants.memory import MemoryTenantStore

        made = MemoryTenantStore()
    elif request.param == "sqlite":
        from tenantlog.tenants.sqlite import SqliteTenantStore

        database = await SqliteDatabase.open(tmp_path)
        made = SqliteTenantStore(database)
    else:
        from tests.support.aws_emulator import make_dynamodb_tenant_store

        made = await make_dynamodb_tenant_store()
    yield made
    await made.close()
    if database is not None:
        await database.close()
