"""In-memory usage counts for unit tests; held to the same contract tests as the real
backends."""

from __future__ import annotations

from tenantlog.core.usage import Counts, DayUsage, MinuteUsage, first_kept


class MemoryUsageStore:
    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], Counts] = {}
        self._minutes: dict[str, Counts] = {}

    async def add(self, tenant_id: str, day: str, counts: Counts) -> None:
        if counts.empty:  # as every backend: a day of zeros is no activity
            return
        self._counts[tenant_id, day] = self._counts.get((tenant_id, day), Counts()) + counts

    async def tenant_days(self, tenant_id: str, first_day: str, last_day: str) -> list[DayUsage]:
        return [
            usage
            for usage in await self.all_days(first_day, last_day)
            if usage.tenant_id == tenant_id
        ]

    async def all_days(self, first_day: str, last_day: str) -> list[DayUsage]:
        return [
            DayUsage(tenant_id, day, counts)
            for (tenant_id, day), counts in sorted(self._counts.items())
            if first_day <= day <= last_day
        ]

    async def add_minute(self, minute: str, counts: Counts) -> None:
        if counts.empty:
            return
        self._minutes[minute] = self._minutes.get(minute, Counts()) + counts
        oldest = first_kept(minute)
        for old in [m for m in self._minutes if m < oldest]:
            del self._minutes[old]

    async def minutes(self, first_minute: str, last_minute: str) -> list[MinuteUsage]:
        return [
            MinuteUsage(minute, counts)
            for minute, counts in sorted(self._minutes.items())
            if first_minute <= minute <= last_minute
        ]

    async def close(self) -> None:
        return None
