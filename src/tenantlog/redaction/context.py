"""What the words around a candidate say about it.

Some shapes are PII only when the log says so: ``4155550199`` is a phone
number after ``phone=`` but a byte count after ``bytes=``; ``10.2.3.4`` is an
address after ``client`` but a version after ``version``. These look-behind
checks run on candidates only, over a short window before them.
"""

from __future__ import annotations

import re

_WINDOW = 48

# The word must be followed by nothing but punctuation and filler ("is",
# "no.", "at") up to the number: a redacted value in between (a placeholder
# has letters) then never brings a word into reach on a second pass.
_PHONE_WORDS = re.compile(
    r"(?:phone|tel|mobile|cell|fax|sms|msisdn|whatsapp|contact|call(?:er|ed|ing)?)\w{0,12}"
    r"[\"']?\s*[:=#]?\s*[\"'(]?\s*(?:(?:is|no\.?|number|num|nr|me|at|on)\s*[:=#]?\s*){0,3}\Z",
    re.IGNORECASE,
)
_SSN_WORDS = re.compile(
    r"(?:ssn|social[ _\-]?security(?:[ _\-]?(?:number|no))?|tax[ _\-]?id)\w{0,8}"
    r"[\"']?\s*[:=#]?\s*[\"']?\s*(?:is\s*)?\Z",
    re.IGNORECASE,
)

# "version 1.2.3.4", "ver=1.2.3.4", "build: 10.0.19041.1"; the word ends where
# the spaces and the one ":" or "=" before the number begin (see says_version).
_VERSION_WORD = re.compile(
    r"\b(?:v|ver|version|release|build|rev|revision|firmware|fw|os|sdk|api)$", re.IGNORECASE
)
_LONGEST_VERSION_WORD = len("firmware")
# "Chrome/112.0.5615.4".
_PRODUCT_BEFORE = re.compile(r"[A-Za-z][\w.\-]*/$", re.IGNORECASE)
_VERSION_AFTER = re.compile(r"[\-+](?:alpha|beta|rc|dev|snapshot|build|pre)", re.IGNORECASE)


def says_phone(text: str, start: int) -> bool:
    """True when a phone-related word appears shortly before ``start``."""
    return _PHONE_WORDS.search(text, max(0, start - _WINDOW), start) is not None


def says_ssn(text: str, start: int) -> bool:
    """True when an SSN-related word appears shortly before ``start``."""
    return _SSN_WORDS.search(text, max(0, start - _WINDOW), start) is not None


def says_version(text: str, start: int, end: int) -> bool:
    """True when a dotted quad is introduced or followed like a version string.

    Runs once per IPv4 candidate, so a log dense with addresses pays for it
    thousands of times: the version word is looked for only where it would
    have to end, not at each of the sixteen positions before the number.
    """
    window_start = max(0, start - 16)
    window = text[window_start:start]
    # "$" also matches before a final newline, hence "/\n".
    if window.endswith(("/", "/\n")) and _PRODUCT_BEFORE.search(text, window_start, start):
        return True
    head = window.rstrip()
    if head.endswith((":", "=")):
        head = head[:-1].rstrip()
    word_end = window_start + len(head)
    word_start = max(window_start, word_end - _LONGEST_VERSION_WORD)
    if _VERSION_WORD.search(text, word_start, word_end) is not None:
        return True
    return _VERSION_AFTER.match(text, end) is not None
