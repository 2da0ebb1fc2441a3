"""In-memory tenant settings for unit tests; held to the same contract tests as the real
backends."""

from __future__ import annotations

from tenantlog.core.tenants import TenantSettings, TenantSettingsChanged


class MemoryTenantStore:
    def __init__(self) -> None:
        self._settings: dict[str, TenantSettings] = {}

    async def get(self, tenant_id: str) -> TenantSettings | None:
        return self._settings.get(tenant_id)

    async def put(self, settings: TenantSettings) -> None:
        self._settings[settings.tenant_id] = settings

    async def put_if_unchanged(
        self, settings: TenantSettings, expected: TenantSettings | None
    ) -> None:
        # No await between the comparison and the write: atomic within the event loop.
        if _version(self._settings.get(settings.tenant_id)) != _version(expected):
            raise TenantSettingsChanged(
                f"the settings of tenant {settings.tenant_id!r} changed since they were read"
            )
        self._settings[settings.tenant_id] = settings

    async def list(self) -> list[TenantSettings]:
        return [self._settings[tenant_id] for tenant_id in sorted(self._settings)]

    async def close(self) -> None:
        return None


def _version(settings: TenantSettings | None) -> tuple[str | None] | None:
    """What a conditional write compares: no settings, or settings of this updated_at."""
    return None if settings is None else (settings.updated_at,)
