"""The embedded store's background chores (retention purge, text indexing), in rounds.

Each chore is a step that handles up to ``batch`` rows in one write
transaction and says how many it handled. Run back to back while steps come
back full (a backlog), then a round every few seconds, each step takes its
turn in the database's group commit with ingest instead of holding the
writer for a whole backlog. A failed step is logged and tried again at the
next round: a chore never stops the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from tenantlog.core.store import StoreUnavailable

log = logging.getLogger("tenantlog.store")


async def run_in_rounds(
    step: Callable[[int], Awaitable[int]],
    stopping: asyncio.Event,
    *,
    every: float,
    batch: int,
    doing: str,
) -> None:
    """Run ``step(batch)`` until ``stopping`` is set; ``doing`` names the chore in the
    warning of a failed round ("purging expired logs")."""
    while not stopping.is_set():
        try:
            backlog = await step(batch) >= batch
        except StoreUnavailable as exc:
            log.warning("%s failed, retrying in %.0fs: %s", doing, every, exc)
            backlog = False
        if not backlog:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), every)
