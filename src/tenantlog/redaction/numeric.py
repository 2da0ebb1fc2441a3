"""Kinds that start with a digit, ``+`` or ``(``: phones, SSNs, cards, IPv4.

These share one scan because they share their first characters, and logs are
dense with digits: one pass whose regex rejects timestamps, ids and versions
in C is what keeps the redactor faster than a single naive phone regex.

Hand-written patterns rather than a library's: Presidio-style recognisers
miss the seven-digit ``555-0199`` form and match inside timestamps and ids,
because they do not know which neighbouring characters make a number part of
a larger token. Here every kind refuses to start after a letter or digit
(the scan boundary) and most also after ``.`` or ``-`` (``STRICT``), and
refuses to end before one.
"""

from __future__ import annotations

import re

from tenantlog.redaction import context, validators
from tenantlog.redaction.kinds import Kind, Scan

# After the first character: the one before it must not be "." or "-" either
# (``ORD-555-0199``, ``1.555.0199``), for the weaker numeric shapes.
STRICT = r"(?<![.\-].)"
# The value must not run on into a word, an id or a decimal.
_END = r"(?![0-9A-Za-z_\-])(?!\.[0-9])"
_EXT = r"(?:[ ]?(?:ext\.?|x)[ ]?[0-9]{1,6})?"
_NON_DIGIT = re.compile(r"[^0-9]")
_GROUP_GAP = re.compile(r"[ \-.()]+")
_EXTENSION = re.compile(r"[ ]?(?:ext\.?|x)[ ]?[0-9]+$")


def _digits(text: str) -> str:
    return _NON_DIGIT.sub("", text)


def _group_ends(text: str, start: int, end: int) -> list[int]:
    """Ends of separator-delimited digit groups in a candidate, last first."""
    ends = [start + m.start() for m in _GROUP_GAP.finditer(text, start, end)]
    return [end, *(e for e in reversed(ends) if e > start)]


def _check_card(text: str, start: int, end: int) -> tuple[int, int] | None:
    # A trailing group may be a CVV or an unrelated number ("4111 ... 1111 123"):
    # try the whole candidate, then without its last groups.
    for stop in _group_ends(text, start, end):
        digits = _digits(text[start:stop])
        if len(digits) < 13:
            break
        if validators.card_ok(digits):
            return start, stop
    return None


def _check_ipv4(text: str, start: int, end: int) -> tuple[int, int] | None:
    if not validators.ipv4_ok(text[start:end]) or context.says_version(text, start, end):
        return None
    return start, end


def _check_ssn(text: str, start: int, end: int) -> tuple[int, int] | None:
    value = text[start:end]
    if not validators.ssn_ok(_digits(value)):
        return None
    # Only the dashed form is distinctive; "123 45 6789" or nine bare digits
    # are SSNs only when the log says so.
    if value.count("-") != 2 and not context.says_ssn(text, start):
        return None
    return start, end


def _check_nanp(text: str, start: int, end: int) -> tuple[int, int] | None:
    value = _EXTENSION.sub("", text[start:end])
    digits = _digits(value)
    if digits[0] == "1" and len(digits) == 11:
        digits = digits[1:]
    if not validators.nanp_ok(digits):
        return None
    # Ten bare digits or space-separated groups are as often byte counts or
    # columns of a table as phones: need a phone word nearby.
    distinctive = "(" in value or "-" in value or "." in value
    if not distinctive and not context.says_phone(text, start):
        return None
    return start, end


def _check_international(text: str, start: int, end: int) -> tuple[int, int] | None:
    # The regex is greedy across spaces ("+44 20 7946 0958 200 OK"); the
    # longest prefix that is a possible number for its country wins.
    for stop in _group_ends(text, start, end):
        if len(_digits(text[start:stop])) < 7:
            break
        if validators.international_phone_ok(text[start:stop]):
            return start, stop
    return None


_NANP_BODY = r"[2-9][0-9]{2}[ \-.]?[0-9]{4}" + _EXT + _END
_AREA = r"(?:\([2-9][0-9]{2}\)|[2-9][0-9]{2})"

KINDS: tuple[Kind, ...] = (
    # Longest shapes first: at one position the first matching branch wins.
    Kind(
        "card_groups",
        "card",
        "CARD",
        "2-6",
        r"[0-9]{3}(?:[ \-]?[0-9]{4}){3}(?:[ \-]?[0-9]{1,3})?(?![0-9A-Za-z])",
        _check_card,
    ),
    Kind(
        "card_amex",
        "card",
        "CARD",
        "3",
        r"[0-9]{3}[ \-]?[0-9]{6}[ \-]?[0-9]{4,5}(?![0-9A-Za-z])",
        _check_card,
    ),
    Kind("card_plain", "card", "CARD", "2-6", r"[0-9]{12,18}(?![0-9A-Za-z])", _check_card),
    Kind(
        "ipv4",
        "ip",
        "IP",
        "0-9",
        STRICT + r"[0-9]{0,2}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?![0-9A-Za-z_])(?!\.?[0-9])",
        _check_ipv4,
        contextual=True,
    ),
    Kind(
        "phone_intl",
        "phone",
        "PHONE",
        r"+",
        r"[1-9][0-9]{0,2}(?:[ \-.]?(?:\([0-9]{1,4}\)|[0-9]{1,5})){1,6}(?![0-9A-Za-z_])",
        _check_international,
    ),
    Kind("phone_paren", "phone", "PHONE", r"(", r"[2-9][0-9]{2}\)[ \-.]?" + _NANP_BODY),
    Kind(
        "phone_nanp1",
        "phone",
        "PHONE",
        "1",
        STRICT + r"[ \-.]?" + _AREA + r"[ \-.]?" + _NANP_BODY,
        _check_nanp,
        contextual=True,
    ),
    Kind(
        "phone_nanp",
        "phone",
        "PHONE",
        "2-9",
        STRICT + r"[0-9]{2}[ \-.]?" + _NANP_BODY,
        _check_nanp,
        contextual=True,
    ),
    Kind(
        "ssn",
        "ssn",
        "SSN",
        "0-8",
        STRICT + r"[0-9]{2}[ \-][0-9]{2}[ \-][0-9]{4}" + _END,
        _check_ssn,
        contextual=True,
    ),
    Kind(
        "ssn_plain",
        "ssn",
        "SSN",
        "0-8",
        STRICT + r"[0-9]{8}" + _END,
        _check_ssn,
        contextual=True,
    ),
    # The seed's seven-digit local number. The exchange cannot start with 0/1
    # in NANP, which keeps "100-2000" style ranges out.
    Kind("phone_local", "phone", "PHONE", "2-9", STRICT + r"[0-9]{2}-[0-9]{4}" + _END),
)

SCAN = Scan(KINDS, trigger=None, boundary="[0-9A-Za-z].", flags=re.ASCII)
