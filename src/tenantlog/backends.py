"""The one place that turns settings into the backends: queue, store, keys, audit trail, the
record of idempotency keys, the tenants' settings and their usage counts.

Backends take plain values (a client, a table name, a database); only this
module reads ``Settings``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from tenantlog.core.audit import AuditEvent, AuditLog, AuditPage, AuditUnavailable
from tenantlog.core.idempotency import Claim, IdempotencyKeys, IdempotencyUnavailable, KeyRecord
from tenantlog.core.keys import ApiKey, KeyStore, KeyStoreUnavailable
from tenantlog.core.queue import Queue
from tenantlog.core.rare_warnings import RareWarnings
from tenantlog.core.ratelimit import SharedBuckets
from tenantlog.core.store import Store
from tenantlog.core.tenants import TenantSettings, TenantStore, TenantStoreUnavailable
from tenantlog.core.usage import (
    Counts,
    DayUsage,
    MinuteUsage,
    UsageStore,
    UsageUnavailable,
)
from tenantlog.core.usage_recorder import UsageRecorder
from tenantlog.settings import Settings, env_name

if TYPE_CHECKING:
    from tenantlog.queue.sqs import SqsQueue
    from tenantlog.store.dynamodb import DynamoDbStore

log = logging.getLogger("tenantlog")

#: Threads (and pooled connections) of each AWS backend's client.
SQS_CALL_THREADS, SQS_POLL_THREADS = 32, 16
DYNAMODB_THREADS = 32
KEYS_THREADS = 8
AUDIT_THREADS = 4
RATE_LIMIT_THREADS = 16
IDEMPOTENCY_THREADS = 16
TENANTS_THREADS = 8
USAGE_THREADS = 8


class _Closeable(Protocol):
    async def close(self) -> None: ...


class Backends:
    """The backends of one process, and what they share (closed last)."""

    def __init__(
        self,
        queue: Queue,
        store: Store,
        *shared: _Closeable,
        keys: KeyStore,
        audit: AuditLog,
        idempotency: IdempotencyKeys,
        tenants: TenantStore,
        buckets: SharedBuckets,
        usage: UsageRecorder,
    ) -> None:
        self.queue = queue
        self.store = store
        self.keys = keys
        self.audit = audit
        self.idempotency = idempotency
        self.tenants = tenants
        self.buckets = buckets
        self.usage = usage
        self._shared = shared

    async def close(self) -> None:
        await self.usage.close()  # first: its last flush may write through a shared database
        await self.queue.close()
        await self.store.close()
        await self.keys.close()
        await self.audit.close()
        await self.idempotency.close()
        await self.tenants.close()
        await self.buckets.close()
        for resource in self._shared:
            await resource.close()


async def open_backends(settings: Settings) -> Backends:
    if settings.backend == "aws":
        return _aws_backends(settings)

    from tenantlog.audit.sqlite import SqliteAuditLog
    from tenantlog.db.sqlite import SqliteDatabase
    from tenantlog.idempotency.sqlite import SqliteIdempotencyKeys
    from tenantlog.keys.sqlite import SqliteKeyStore
    from tenantlog.queue.sqlite import SqliteQueue
    from tenantlog.ratelimit.sqlite import SqliteBuckets
    from tenantlog.store.sqlite import SqliteStore
    from tenantlog.tenants.sqlite import SqliteTenantStore
    from tenantlog.usage.sqlite import SqliteUsageStore

    database = await SqliteDatabase.open(
        settings.data_dir, busy_timeout=settings.sqlite_busy_timeout
    )
    queue = SqliteQueue(
        database,
        visibility_timeout=settings.visibility_timeout,
        max_receive_count=settings.max_receive_count,
    )
    return Backends(
        queue,
        SqliteStore(database),
        database,
        keys=SqliteKeyStore(database),
        audit=SqliteAuditLog(database),
        idempotency=SqliteIdempotencyKeys(database),
        tenants=SqliteTenantStore(database),
        buckets=SqliteBuckets(settings.data_dir, busy_timeout=settings.sqlite_busy_timeout),
        usage=UsageRecorder(SqliteUsageStore(database), flush_seconds=settings.usage_flush_seconds),
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


def dynamodb_store(settings: Settings, tenants: TenantStore | None = None) -> DynamoDbStore:
    """The logs table; each tenant's write sharding read from ``tenants`` (every tenant
    unsharded without it: a deployment without a tenant settings table)."""
    from tenantlog.aws.clients import make_client
    from tenantlog.store.dynamodb import DynamoDbStore
    from tenantlog.store.dynamodb_shards import CachedShardPlans, unsharded

    if not settings.dynamodb_table_name:
        raise ValueError("the aws backend needs DYNAMODB_TABLE_NAME")
    client = make_client("dynamodb", settings.aws_region, DYNAMODB_THREADS)
    return DynamoDbStore(
        client,
        settings.dynamodb_table_name,
        erasures_table=settings.dynamodb_erasures_table,
        shard_plans=unsharded if tenants is None else CachedShardPlans(tenants.get),
        threads=DYNAMODB_THREADS,
    )


def _aws_backends(settings: Settings) -> Backends:
    from tenantlog.audit.dynamodb import DynamoDbAuditLog
    from tenantlog.aws.clients import make_client
    from tenantlog.idempotency.dynamodb import DynamoDbIdempotencyKeys
    from tenantlog.keys.dynamodb import DynamoDbKeyStore
    from tenantlog.ratelimit.dynamodb import DynamoDbBuckets
    from tenantlog.ratelimit.memory import MemoryBuckets
    from tenantlog.tenants.dynamodb import DynamoDbTenantStore
    from tenantlog.usage.dynamodb import DynamoDbUsageStore

    keys: KeyStore = KeysNotConfigured(env_name("dynamodb_keys_table"))
    if settings.dynamodb_keys_table:
        client = make_client("dynamodb", settings.aws_region, KEYS_THREADS)
        keys = DynamoDbKeyStore(client, settings.dynamodb_keys_table, threads=KEYS_THREADS)
    audit: AuditLog = AuditNotConfigured(env_name("dynamodb_audit_table"))
    if settings.dynamodb_audit_table:
        client = make_client("dynamodb", settings.aws_region, AUDIT_THREADS)
        audit = DynamoDbAuditLog(client, settings.dynamodb_audit_table, threads=AUDIT_THREADS)
    idempotency: IdempotencyKeys = IdempotencyNotConfigured(env_name("dynamodb_idempotency_table"))
    if settings.dynamodb_idempotency_table:
        client = make_client("dynamodb", settings.aws_region, IDEMPOTENCY_THREADS)
        idempotency = DynamoDbIdempotencyKeys(
            client, settings.dynamodb_idempotency_table, threads=IDEMPOTENCY_THREADS
        )
    tenants: TenantStore = TenantsNotConfigured(env_name("dynamodb_tenants_table"))
    if settings.dynamodb_tenants_table:
        client = make_client("dynamodb", settings.aws_region, TENANTS_THREADS)
        tenants = DynamoDbTenantStore(
            client, settings.dynamodb_tenants_table, threads=TENANTS_THREADS
        )
    # Without the table (the worker, the CLI) a limit could only be counted per process.
    buckets: SharedBuckets = MemoryBuckets()
    if settings.dynamodb_rate_limits_table:
        client = make_client("dynamodb", settings.aws_region, RATE_LIMIT_THREADS)
        buckets = DynamoDbBuckets(
            client, settings.dynamodb_rate_limits_table, threads=RATE_LIMIT_THREADS
        )
    usage: UsageStore = UsageNotConfigured(env_name("dynamodb_usage_table"))
    if settings.dynamodb_usage_table:
        client = make_client("dynamodb", settings.aws_region, USAGE_THREADS)
        usage = DynamoDbUsageStore(client, settings.dynamodb_usage_table, threads=USAGE_THREADS)
    return Backends(
        sqs_queue(settings),
        dynamodb_store(settings, tenants if settings.dynamodb_tenants_table else None),
        keys=keys,
        audit=audit,
        idempotency=idempotency,
        tenants=tenants,
        buckets=buckets,
        usage=UsageRecorder(usage, flush_seconds=settings.usage_flush_seconds),
    )


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


class IdempotencyNotConfigured:
    """The idempotency record of an aws deployment without its table: a request with an
    Idempotency-Key gets 503 naming the setting; requests without one are unaffected."""

    def __init__(self, variable: str) -> None:
        self._problem = f"{variable} is not set"

    async def claim(self, tenant_id: str, key: str, proposed: KeyRecord, now: float) -> Claim:
        raise IdempotencyUnavailable(self._problem)

    async def complete(self, tenant_id: str, key: str) -> None:
        raise IdempotencyUnavailable(self._problem)

    async def release(self, tenant_id: str, key: str, fingerprint: str) -> None:
        raise IdempotencyUnavailable(self._problem)

    async def close(self) -> None:
        return None


class TenantsNotConfigured:
    """The tenant settings of an aws deployment without their table: every tenant has the
    defaults (so a deployment made before the table existed runs as it did), and setting
    or listing them names the missing setting."""

    def __init__(self, variable: str) -> None:
        self._problem = f"{variable} is not set"

    async def get(self, tenant_id: str) -> TenantSettings | None:
        return None

    async def put(self, settings: TenantSettings) -> None:
        raise TenantStoreUnavailable(self._problem)

    async def put_if_unchanged(
        self, settings: TenantSettings, expected: TenantSettings | None
    ) -> None:
        raise TenantStoreUnavailable(self._problem)

    async def list(self) -> list[TenantSettings]:
        raise TenantStoreUnavailable(self._problem)

    async def close(self) -> None:
        return None


class UsageNotConfigured:
    """The usage counts of an aws deployment without their table: counting goes on and is
    dropped at each flush, with a warning at most once a minute (ingest and the worker never
    fail for it); reading them names the missing setting."""

    def __init__(self, variable: str) -> None:
        self._problem = f"{variable} is not set"
        self._warnings = RareWarnings(log)

    async def add(self, tenant_id: str, day: str, counts: Counts) -> None:
        self._warnings.warning("dropped", "usage counts dropped: %s", self._problem)

    async def tenant_days(self, tenant_id: str, first_day: str, last_day: str) -> list[DayUsage]:
        raise UsageUnavailable(self._problem)

    async def all_days(self, first_day: str, last_day: str) -> list[DayUsage]:
        raise UsageUnavailable(self._problem)

    async def add_minute(self, minute: str, counts: Counts) -> None:
        self._warnings.warning("dropped", "usage counts dropped: %s", self._problem)

    async def minutes(self, first_minute: str, last_minute: str) -> list[MinuteUsage]:
        raise UsageUnavailable(self._problem)

    async def close(self) -> None:
        return None
