"""Changes of tenant settings driven into each other step by step: a store wrapper that
holds one read until the test lets it go, so that another change lands exactly between
that read and the write made from it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from tenantlog.core.tenants import TenantSettings, TenantStore

T = TypeVar("T")


class HeldReads:
    """A store whose next read, once ``hold`` is called, is answered only when the test
    calls ``release``: whatever is written meanwhile makes that answer stale."""

    def __init__(self, inner: TenantStore) -> None:
        self.inner = inner
        self.holding = asyncio.Event()
        self._gate = asyncio.Event()
        self._armed = False

    def hold(self) -> None:
        self._gate = asyncio.Event()
        self.holding.clear()
        self._armed = True

    def release(self) -> None:
        self._gate.set()

    async def get(self, tenant_id: str) -> TenantSettings | None:
        found = await self.inner.get(tenant_id)
        if self._armed:  # this read only: the retry after it reads the store as it is
            self._armed = False
            self.holding.set()
            await self._gate.wait()
        return found

    async def put(self, settings: TenantSettings) -> None:
        await self.inner.put(settings)

    async def put_if_unchanged(
        self, settings: TenantSettings, expected: TenantSettings | None
    ) -> None:
        await self.inner.put_if_unchanged(settings, expected)

    async def list(self) -> list[TenantSettings]:
        return await self.inner.list()

    async def close(self) -> None:
        return None


async def between_read_and_write(
    held: HeldReads, change: Awaitable[T], meanwhile: Awaitable[object]
) -> asyncio.Task[T]:
    """Start ``change`` on ``held``, run ``meanwhile`` once its read is answered but not
    yet returned, then let it go on; the change's task, finished."""
    held.hold()
    task = asyncio.ensure_future(change)
    holding = asyncio.ensure_future(held.holding.wait())
    await asyncio.wait([task, holding], return_when=asyncio.FIRST_COMPLETED)
    if not holding.done():  # the change ended before it read: its error, not a hang
        holding.cancel()
        task.result()
        raise AssertionError("the change never read the settings")
    await meanwhile
    held.release()
    await asyncio.wait([task])
    return task
