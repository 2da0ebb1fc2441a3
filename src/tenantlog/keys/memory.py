"""In-memory keys for unit tests; held to the same contract tests as the real backends."""

from __future__ import annotations

from dataclasses import replace

from tenantlog.core.keys import ApiKey, DuplicateKey, sort_keys


class MemoryKeyStore:
    def __init__(self) -> None:
        self._keys: dict[str, ApiKey] = {}

    async def add(self, key: ApiKey) -> None:
        if key.key_id in self._keys:
            raise DuplicateKey(key.key_id)
        self._keys[key.key_id] = key

    async def get(self, key_id: str) -> ApiKey | None:
        return self._keys.get(key_id)

    async def list(self, tenant_id: str | None = None) -> list[ApiKey]:
        return sort_keys(k for k in self._keys.values() if tenant_id in (None, k.tenant_id))

    async def revoke(self, key_id: str, at: str) -> ApiKey | None:
        key = self._keys.get(key_id)
        if key is None:
            return None
        self._keys[key_id] = key.revoked(at)
        return self._keys[key_id]

    async def touch(self, key_id: str, at: str) -> None:
        key = self._keys.get(key_id)
        if key is not None:
            self._keys[key_id] = replace(key, last_used_at=at)

    async def close(self) -> None:
        return None
