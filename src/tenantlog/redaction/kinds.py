"""The vocabulary shared by the detector modules and the engine.

A *kind* is what one named regex group finds: its detector (the setting
name), its label (the placeholder and count key) and the checker that
confirms a candidate. A *scan* is one compiled regex holding several kinds,
run only when a cheap trigger says the text may hold one of them.

Scan patterns start with a single character class, then negative
look-behinds for what may not precede a value: the one pattern shape for
which CPython's ``re`` skips non-candidate characters in C instead of
attempting a full match at every position. Branches after the first
character are told apart by look-behinds such as ``(?<=\\+)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

# Given the text and a candidate's span, return the span of the confirmed value
# (possibly trimmed, never widened) or None to reject it.
Checker = Callable[[str, int, int], "tuple[int, int] | None"]


def accept(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The checker of kinds whose regex alone is conclusive."""
    return start, end


@dataclass(frozen=True, slots=True)
class Kind:
    """What a named group of a scan finds, and how a candidate is confirmed."""

    detector: str
    label: str
    check: Checker = accept


@dataclass(frozen=True, slots=True)
class Scan:
    """One regex over the text; each named group in ``pattern`` is a key of ``kinds``.

    The whole match (not the group) is the candidate span, so a group may sit
    at the end of a shared prefix. ``trigger`` is a whole-text test that must
    pass before the regex runs; None means always run.
    """

    pattern: str
    kinds: Mapping[str, Kind]
    trigger: Callable[[str], bool] | None = None
    flags: int = 0
