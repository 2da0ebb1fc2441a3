"""In-memory tenant settings for unit tests; held to the same contract tests as the real
backends."""

from __future__ import annotations

from tenantlog.core.tenants import TenantSettings


class MemoryTenantStore:
    def __init__(self) -> None:
        self._settings: dict[str, TenantSettings] = {}

    async def get(self, tenant_id: str) -> TenantSettings | None:
        return self._settings.get(tenant_id)

    async def put(self, settings: TenantSettings) -> None:
        self._settings[settings.tenant_id] = settings

    async def list(self) -> list[TenantSettings]:
        return [self._settings[tenant_id] for tenant_id in sorted(self._settings)]

    async def close(self) -> None:
        return None
