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
from tenantlog.db.sqlite import SqliteDatabase
from tenantlog.queue.memory import MemoryQueue
from tenantlog.queue.sqlite import SqliteQueue
from tenantlog.store.memory import MemoryStore
from tenantlog.store.sqlite import SqliteStore

QueueFactory = Callable[..., Awaitable[Queue]]


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


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    made: Store
    database = None
    if request.param == "memory":
        made = MemoryStore()
    elif request.param == "sqlite":
        database = await SqliteDatabase.open(tmp_path)
        made = SqliteStore(database)
    else:
        from tests.support.aws_emulator import make_dynamodb_store

        made = await make_dynamodb_store()
    yield made
    await made.close()
    if database is not None:
        await database.close()
