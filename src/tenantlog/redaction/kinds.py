"""The vocabulary shared by the detector table and the engine.

A *kind* is one shape of one PII type (a dashed SSN, a parenthesised NANP
number...). Kinds are grouped into *scans*: one compiled regex each, run only
when a cheap trigger says the text may hold one of its kinds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# Given the text and a candidate's span, return the span of the confirmed value
# (possibly trimmed, never widened) or None to reject it.
Checker = Callable[[str, int, int], "tuple[int, int] | None"]


def accept(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The checker of kinds whose regex alone is conclusive."""
    return start, end


@dataclass(frozen=True, slots=True)
class Kind:
    """One shape of a PII type.

    ``first`` is the body of a character class for the value's first
    character and ``rest`` the regex for everything after it. Splitting them
    lets a scan start with a single character class, the one pattern shape
    for which CPython's ``re`` skips non-candidate characters in C instead of
    attempting a full match at every position (see ``engine``).
    """

    group: str
    detector: str
    label: str
    first: str
    rest: str
    check: Checker = accept
    # True when the checker consults words around the candidate; the engine
    # then re-checks a redacted text, since placeholders move those words.
    contextual: bool = False


@dataclass(frozen=True, slots=True)
class Scan:
    """Kinds compiled into one regex, guarded by a cheap whole-text trigger.

    ``boundary`` is a two-character negative look-behind class: the value may
    not be preceded by one of these characters (checked right after the first
    character is consumed, so the scan keeps its fast first-character skip).
    """

    kinds: tuple[Kind, ...]
    trigger: Callable[[str], bool] | None = None
    boundary: str = ""
    flags: int = 0
