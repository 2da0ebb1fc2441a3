"""Idempotency keys in memory, for unit tests; held to the same contract tests as the others."""

from __future__ import annotations

from dataclasses import replace

from tenantlog.core.idempotency import Claim, KeyRecord, decide_claim


class MemoryIdempotencyKeys:
    def __init__(self) -> None:
        self._records: dict[tuple[str, str], KeyRecord] = {}

    async def claim(self, tenant_id: str, key: str, proposed: KeyRecord, now: float) -> Claim:
        owned, record = decide_claim(self._records.get((tenant_id, key)), proposed, now)
        if owned:
            self._records[tenant_id, key] = record
        return Claim(owned, record)

    async def complete(self, tenant_id: str, key: str) -> None:
        record = self._records.get((tenant_id, key))
        if record is not None:
            self._records[tenant_id, key] = replace(record, done=True)

    async def release(self, tenant_id: str, key: str, fingerprint: str) -> None:
        record = self._records.get((tenant_id, key))
        if record is not None and not record.done and record.fingerprint == fingerprint:
            del self._records[tenant_id, key]

    async def close(self) -> None:
        return None
