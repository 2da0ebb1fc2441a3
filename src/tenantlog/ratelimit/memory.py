"""Buckets in one process's memory, for unit tests; held to the same contract as the others."""

from __future__ import annotations

from tenantlog.core.ratelimit import Bucket, gcra


class MemoryBuckets:
    def __init__(self) -> None:
        self._tat: dict[str, float] = {}

    async def lease(self, tenant_id: str, n: int, rate: float, burst: int, now: float) -> Bucket:
        bucket = gcra(self._tat.get(tenant_id), n, rate, burst, now)
        if bucket.granted:
            self._tat[tenant_id] = bucket.tat
        return bucket

    async def close(self) -> None:
        return None
