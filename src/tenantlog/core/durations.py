"""Durations as people type them: ``90d``, ``12h``, ``30m``, ``2w``."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"([1-9][0-9]{0,5})([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """Raises ValueError naming the accepted forms."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise ValueError(
            f"invalid duration {text!r}: use a whole number and a unit, e.g. 30m, 12h, 90d, 2w"
        )
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
