r"""The vocabulary shared by the detector modules and the engine.

A *kind* is what one named regex group finds: its detector (the setting
name), its label (the placeholder and count key) and the checker that
confirms a candidate. A *scan* is one compiled regex holding several kinds.

Why the patterns look the way they do: CPython's ``re`` skips to candidates
in C only when a pattern starts with a literal (fastest) or one character
class; anything else (a leading look-behind, ``\b``) costs a full match
attempt at every position, which is why a naive ``\b\d{3}-\d{4}\b`` is
slow. Inside a scan, alternatives start with a literal or a class too, so
``re`` rejects them without entering them, and each ends with an empty
named group that only says which kind matched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# A value starts after a character that is not a letter or digit, nor "." or
# "-": a number after those belongs to a larger token ("ORD-555-0199",
# "v1.2.3.4"). Delimiters are rarer than digits in logs, so starting here
# also means fewer attempts than starting on the value's first character.
# Nor after "_": "txn_4539...", "ord_..." are ids, whatever their digits.
DELIMITER = r"[^0-9A-Za-z.\-_]"

# A compiled pattern's ``search``, or a function that returns the same matches.
Search = Callable[[str, int], "re.Match[str] | None"]

# Given the text and a candidate's span, return the span of the confirmed value
# (usually trimmed; an email's grows back to its local part) or None to reject it.
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
    # Tried when ``check`` rejects the candidate: a shape two kinds share,
    # where the group that matches first would otherwise hide the other.
    also: Kind | None = None


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
    # A character class the value must follow. The scan then starts on that
    # delimiter (rarer than the values' own first characters), and a value
    # at the very start of the text is tried separately.
    lead: str = ""
    # With a lead: the first characters of every value, as the inside of a
    # character class. The search then turns a delimiter away at once unless
    # one of them follows (logs have a delimiter every few characters), and
    # the value at the very start is not tried when the text starts otherwise.
    starts: str = ""
    # After a rejected candidate the search normally goes on one character
    # later, so that the candidate does not hide a value starting inside it.
    # A scan whose rejected candidates cannot hold one of its values sets
    # this to go on after the candidate instead: re-reading a long candidate
    # from each position inside it would make the scan quadratic.
    skip_rejected: bool = False
    # Builds the search from the compiled pattern, for a scan whose regex
    # cannot start on a literal (``re`` would try it at every candidate
    # letter): it may find candidates faster, but must return exactly the
    # matches the pattern's own ``search`` would.
    searcher: Callable[[re.Pattern[str]], Search] | None = None
