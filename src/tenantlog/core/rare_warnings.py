"""Warnings about a lasting condition, logged at most once a minute each.

A backend that is down is seen by every request or flush; a line each would
bury the log (and the one line that matters) under thousands of copies.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

EVERY_SECONDS = 60.0


class RareWarnings:
    """Logs each kind of warning at most once every ``every`` seconds."""

    def __init__(
        self,
        logger: logging.Logger,
        *,
        every: float = EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._every = every
        self._clock = clock
        self._last: dict[str, float] = {}

    def warning(self, kind: str, message: str, *args: object) -> None:
        now = self._clock()
        last = self._last.get(kind)
        if last is not None and now - last < self._every:
            return
        self._last[kind] = now
        self._logger.warning(message, *args)
