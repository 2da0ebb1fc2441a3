"""One event loop per Lambda container, shared by every invocation.

tenantlog's core is async and a Lambda handler is a plain function. A fresh
loop per invocation (``asyncio.run``) would strand everything the backends
made on the previous one (clients' futures, locks, the send batcher), so the
container keeps one loop for its whole life and each invocation runs to
completion on it. A container handles one invocation at a time, so the loop
never runs twice at once; between invocations it is simply idle (frozen).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

LOOP = asyncio.new_event_loop()


def use_loop() -> asyncio.AbstractEventLoop:
    """Make the container's loop current (Mangum looks it up with ``get_event_loop``)."""
    asyncio.set_event_loop(LOOP)
    return LOOP


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return use_loop().run_until_complete(coroutine)
