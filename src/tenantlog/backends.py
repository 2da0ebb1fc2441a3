"""The one place that turns settings into a queue, a store, the key store and the audit trail.

Backends take plain values (a client, a table name, a database); only this
module reads ``Settings``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from tenantlog.core.audit import AuditEvent, AuditLog, AuditPage, AuditUnavailable
from tenantlog.core.keys import ApiKey, KeyStore, KeyStoreUnavailable
from tenantlog.core.queue import Queue
from tenantlog.core.store import Store
from tenantlog.settings import Settings, env_name

if TYPE_CHECKING:
    from tenantlog.queue.sqs import SqsQueue
    from tenantlog.store.dynamodb import DynamoDbStore

#: Threads (and pooled connections) of each AWS backend's client.
SQS_CALL_THREADS, SQS_POLL_THREADS = 32, 16
DYNAMODB_THREADS = 32
KEYS_THREADS = 8
AUDIT_THREADS = 4


class _Closeable(Protocol):
    async def close(self) -> None: ...


class Backends:
    """The backends of one process, and what they share (closed last)."""

    def __init__(
        self, queue: Queue, store: Store, keys: KeyStore, audit: AuditLog, *shared: _Closeable
    ) -> None:
        self.queue = queue
        self.store = store
        self.keys = keys
        self.audit = audit
        self._shared = shared

    async def close(self) -> None:
        await self.queue.close()
        await self.store.close()
        await self.keys.close()
        await self.audit.close()
        for resource in self._shared:
            await resource.close()


async def open_backends(settings: Settings) -> Backends:
    if settings.backend == "aws":
        return _aws_backends(settings)

    from tenantlog.audit.sqlite import SqliteAuditLog
    from tenantlog.db.sqlite import SqliteDatabase
    from tenantlog.keys.sqlite import SqliteKeyStore
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
    return Backends(
        queue, SqliteStore(database), SqliteKeyStore(database), SqliteAuditLog(database), database
    )


def sqs_queue(settings: Settings) -> SqsQueue:
    # Imported here (as every boto3 user below) so that the embedded default never loads boto3.
    from tenantlog.aws.clients import make_client
    from tenantlog.queue.sqs import SqsQueue

    if not settings.sqs_queue_url:
        raise ValueError("the aws backend needs SQS_QUEUE_URL")
    return SqsQueue(
        make_client("sqs", settings.aws_region, SQS_CALL_THREADS + SQS_POLL_THREADS),
        settings.sqs_queue_url,
        dlq_url=settings.sqs_dlq_url,
        visibility_timeout=settings.visibility_timeout,
        max_receive_count=settings.max_receive_count,
        call_threads=SQS_CALL_THREADS,
        poll_threads=SQS_POLL_THREADS,
    )


def dynamodb_store(settings: Settings) -> DynamoDbStore:
    from tenantlog.aws.clients import make_client
    from tenantlog.store.dynamodb import DynamoDbStore

    if not settings.dynamodb_table_name:
        raise ValueError("the aws backend needs DYNAMODB_TABLE_NAME")
    client = make_client("dynamodb", settings.aws_region, DYNAMODB_THREADS)
    return DynamoDbStore(client, settings.dynamodb_table_name, threads=DYNAMODB_THREADS)


def _aws_backends(settings: Settings) -> Backends:
    from tenantlog.audit.dynamodb import DynamoDbAuditLog
    from tenantlog.aws.clients import make_client
    from tenantlog.keys.dynamodb import DynamoDbKeyStore

    keys: KeyStore = KeysNotConfigured(env_name("dynamodb_keys_table"))
    if settings.dynamodb_keys_table:
        client = make_client("dynamodb", settings.aws_region, KEYS_THREADS)
        keys = DynamoDbKeyStore(client, settings.dynamodb_keys_table, threads=KEYS_THREADS)
    audit: AuditLog = AuditNotConfigured(env_name("dynamodb_audit_table"))
    if settings.dynamodb_audit_table:
        client = make_client("dynamodb", settings.aws_region, AUDIT_THREADS)
        audit = DynamoDbAuditLog(client, settings.dynamodb_audit_table, threads=AUDIT_THREADS)
    return Backends(sqs_queue(settings), dynamodb_store(settings), keys, audit)


class KeysNotConfigured:
    """The key store of an aws deployment without a keys table (the worker never needs one).

    Any use names the missing setting, instead of every process failing at start-up.
    """

    def __init__(self, variable: str) -> None:
        self._problem = f"{variable} is not set"

    async def add(self, key: ApiKey) -> None:
        raise KeyStoreUnavailable(self._problem)

    async def get(self, key_id: str) -> ApiKey | None:
        raise KeyStoreUnavailable(self._problem)

    async def list(self, tenant_id: str | None = None) -> list[ApiKey]:
        raise KeyStoreUnavailable(self._problem)

    async def revoke(self, key_id: str, at: str) -> ApiKey | None:
        raise KeyStoreUnavailable(self._problem)

    async def touch(self, key_id: str, at: str) -> None:
        raise KeyStoreUnavailable(self._problem)

    async def close(self) -> None:
        return None


class AuditNotConfigured:
    """The audit trail of an aws deployment without an audit table: any use names the setting."""

    def __init__(self, variable: str) -> None:
        self._problem = f"{variable} is not set"

    async def record(self, event: AuditEvent) -> None:
        raise AuditUnavailable(self._problem)

    async def list(self, limit: int, cursor: str | None = None) -> AuditPage:
        raise AuditUnavailable(self._problem)

    async def close(self) -> None:
        return None
