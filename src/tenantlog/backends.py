"""The one place that turns settings into a queue and a store."""

from __future__ import annotations

from typing import Protocol

from tenantlog.queue.base import Queue
from tenantlog.settings import Settings
from tenantlog.store.base import Store


class _Closeable(Protocol):
    async def close(self) -> None: ...


class Backends:
    """The queue and store of one process, and what they share (closed last)."""

    def __init__(self, queue: Queue, store: Store, *shared: _Closeable) -> None:
        self.queue = queue
        self.store = store
        self._shared = shared

    async def close(self) -> None:
        await self.queue.close()
        await self.store.close()
        for resource in self._shared:
            await resource.close()


async def open_backends(settings: Settings) -> Backends:
    if settings.backend == "aws":
        # Imported here so that the embedded default never loads boto3.
        from tenantlog.queue.sqs import SqsQueue
        from tenantlog.store.dynamodb import DynamoDbStore

        return Backends(SqsQueue.from_settings(settings), DynamoDbStore.from_settings(settings))

    from tenantlog.db.sqlite import SqliteDatabase
    from tenantlog.queue.sqlite import SqliteQueue
    from tenantlog.store.sqlite import SqliteStore

    database = await SqliteDatabase.open(
        settings.data_dir, busy_timeout=settings.sqlite_busy_timeout
    )
    queue = SqliteQueue(
        database,
        visibility_timeout=settings.visibility_timeout,
        max_receive_count=settings.max_receive_count,
    )
    return Backends(queue, SqliteStore(database), database)
