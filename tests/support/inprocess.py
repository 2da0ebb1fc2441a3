"""The ASGI app over in-memory backends, called in-process through httpx (no socket).

For fast tests of the request policy and routes; the integration tests cover
the same behaviour over a real server.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from tenantlog.audit.memory import MemoryAuditLog
from tenantlog.backends import Backends
from tenantlog.core.key_admin import create_key
from tenantlog.core.processing import Ack, ProcessingPolicy, Processor
from tenantlog.core.store import Store
from tenantlog.core.usage_recorder import UsageRecorder
from tenantlog.http.app import create_app
from tenantlog.idempotency.memory import MemoryIdempotencyKeys
from tenantlog.keys.memory import MemoryKeyStore
from tenantlog.queue.memory import MemoryQueue
from tenantlog.ratelimit.memory import MemoryBuckets
from tenantlog.redaction import Redactor
from tenantlog.settings import load_settings
from tenantlog.store.memory import MemoryStore
from tenantlog.tenants.memory import MemoryTenantStore
from tenantlog.usage.memory import MemoryUsageStore


@dataclass
class InProcess:
    backends: Backends
    client: httpx.AsyncClient

    async def new_key(self, tenant: str, *scopes: str, **options: Any) -> str:
        _, secret = await create_key(
            self.backends.keys,
            self.backends.audit,
            tenant_id=tenant,
            scopes=scopes or ("ingest",),
            actor="test",
            **options,
        )
        return secret

    async def drain(self) -> None:
        """Process everything queued into the store, as the worker would (no crashes), and
        count it in the usage recorder (``backends.usage.flush()`` writes it)."""
        policy = ProcessingPolicy(crash_probability=0, processing_delay_per_char=0)
        processor = Processor(self.backends.store, Redactor(), policy, rng=random.Random(1))
        while deliveries := await self.backends.queue.receive(10, 0):
            for delivery in deliveries:
                outcome = await processor.process(delivery)
                assert isinstance(outcome, Ack), outcome
                self.backends.usage.outcome(outcome)
                await self.backends.queue.ack(delivery.receipt)


def memory_backends(store: Store | None = None) -> Backends:
    """Every backend in memory, or all but ``store``."""
    return Backends(
        MemoryQueue(),
        MemoryStore() if store is None else store,
        keys=MemoryKeyStore(),
        audit=MemoryAuditLog(),
        idempotency=MemoryIdempotencyKeys(),
        tenants=MemoryTenantStore(),
        buckets=MemoryBuckets(),
        usage=UsageRecorder(MemoryUsageStore()),
    )


@asynccontextmanager
async def in_process(
    client_address: tuple[str, int] = ("203.0.113.7", 1234),
    headers: Iterable[tuple[str, str]] = (),
    base_url: str = "http://tenantlog.test",
    **settings: Any,
) -> AsyncIterator[InProcess]:
    """``settings`` override the defaults (auth on, no key cache, nothing slowed down)."""
    chosen = {"auth": "keys", "key_cache_seconds": 0, **settings}
    backends = memory_backends()
    app = create_app(load_settings(**chosen), backends)
    transport = httpx.ASGITransport(app=app, client=client_address)
    async with httpx.AsyncClient(
        transport=transport, base_url=base_url, headers=list(headers)
    ) as client:
        yield InProcess(backends, client)
    await backends.close()
