"""Jittered exponential backoff for failed messages."""

import random


def backoff_delay(receive_count: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds before attempt ``receive_count + 1``: equal jitter around base·2ⁿ⁻¹, capped.

    Equal jitter (half fixed, half random) spreads retries of a burst of
    failures without ever retrying immediately.
    """
    ceiling = min(cap, base * 2.0 ** max(receive_count - 1, 0))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)
