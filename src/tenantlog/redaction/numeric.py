"""Kinds that start with a digit, ``+`` or ``(``: phones, SSNs, cards, IPv4.

These share one scan because they share their first characters, and logs are
dense with digits: one pass whose regex rejects timestamps, ids and versions
in C is what keeps the redactor faster than a single naive phone regex.

Hand-written patterns rather than a library's: Presidio-style recognisers
miss the seven-digit ``555-0199`` form and match inside timestamps and ids,
because they do not know which neighbouring characters make a number part of
a larger token. Here no value starts right after a letter or digit, or
after a "." or "-" glued to one, and none ends where a word or number goes on.
"""

from __future__ import annotations

import re

from tenantlog.redaction import context, validators
from tenantlog.redaction.kinds import Kind, Scan

# The value must not run on into a word, an id or a decimal.
_END = r"(?![0-9A-Za-z_\-])(?!\.[0-9])"
_EXT = r"(?:[ ]?(?:ext\.?|x)[ ]?[0-9]{1,6})?"
_NON_DIGIT = re.compile(r"[^0-9]")
_GROUP_GAP = re.compile(r"[ \-.()]+")


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
    return (start, end) if validators.ssn_ok(_digits(text[start:end])) else None


def _check_international(text: str, start: int, end: int) -> tuple[int, int] | None:
    # The regex is greedy across spaces ("+44 20 7946 0958 200 OK"); the
    # longest prefix that is a possible number for its country wins.
    for stop in _group_ends(text, start, end):
        if len(_digits(text[start:stop])) < 7:
            break
        if validators.international_phone_ok(text[start:stop]):
            return start, stop
    return None


# Ten-digit NANP numbers need a "-" or "." before the last four digits here:
# bare or space-separated digits are too often counts and table columns, and
# are redacted only after a phone word (see ``contextual``).
# A value may not start inside a word or number, nor glued to one by "." or
# "-" ("ORD-555-0199", "v1.2.3.4"), nor after "12:" (times, "host:port").
_BOUNDARY = r"(?<![0-9A-Za-z].)(?<![0-9A-Za-z][.\-].)(?<![0-9]:.)"
_EXT = r"(?:[ ]?(?:ext\.?|x)[ ]?[0-9]{1,6})?"
_LAST4 = r"[0-9]{4}" + _EXT + _END  # the subscriber number that ends a phone
_AREA = r"(?:\([2-9][0-9]{2}\)|[2-9][0-9]{2})"

# The digit-led branches share their first three digits and then branch on
# the fourth character, so "2024-05-01" or "1048576" is dismissed after a few
# steps. Order matters where shapes overlap: the first matching branch wins.
PATTERN = (
    "[0-9+(]" + _BOUNDARY + "(?:"
    r"(?<=\+)(?P<phone_intl>[1-9][0-9]{0,2}(?:[ \-.]?(?:\([0-9]{1,4}\)|[0-9]{1,5})){1,6}"
    r"(?![0-9A-Za-z_]))"
    r"|(?<=\()(?P<phone_paren>[2-9][0-9]{2}\)[ \-.]?[2-9][0-9]{2}[ \-.]?" + _LAST4 + ")"
    r"|(?<=[0-9])(?:"
    r"(?P<ipv4>[0-9]{0,2}+\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?![0-9A-Za-z_])(?!\.?[0-9]))"
    r"|(?<=1)(?P<phone_1>[ \-.]?" + _AREA + r"[ \-.]?[2-9][0-9]{2}[\-.]" + _LAST4 + ")"
    r"|[0-9]{2}(?:"
    # Cards: groups of four (16-19 digits), Amex/Diners 4-6-5/4, or 13-19 plain.
    r"(?<=[2-6][0-9]{2})(?P<card>(?:[0-9](?:[ \-]?[0-9]{4}){3}(?:[ \-]?[0-9]{1,3})?"
    r"|[0-9][ \-]?[0-9]{6}[ \-]?[0-9]{4,5}|[0-9]{10,16})(?![0-9A-Za-z]))"
    r"|-(?:(?<=[0-8][0-9]{2}-)(?P<ssn>[0-9]{2}-[0-9]{4}" + _END + ")"
    # The seed's seven-digit "555-0199"; NANP exchanges never start with 0
    # or 1, which keeps ranges such as "100-2000" out.
    r"|(?<=[2-9][0-9]{2}-)(?:(?P<phone_local>[0-9]{4}" + _END + ")"
    r"|(?P<phone_dash>[2-9][0-9]{2}[\-.]" + _LAST4 + ")))"
    # Ten-digit NANP numbers need a "-" or "." before the last four digits:
    # bare or space-separated digits are too often counts or table columns,
    # and are redacted only after a phone word (see ``contextual``).
    r"|(?<=[2-9][0-9]{2})[. ](?P<phone_sep>[2-9][0-9]{2}[\-.]" + _LAST4 + ")"
    "))"
    ")"
)

_PHONE = Kind("phone", "PHONE")
SCAN = Scan(
    PATTERN,
    {
        "phone_intl": Kind("phone", "PHONE", _check_international),
        "phone_paren": _PHONE,
        "ipv4": Kind("ip", "IP", _check_ipv4),
        "phone_1": _PHONE,
        "card": Kind("card", "CARD", _check_card),
        "ssn": Kind("ssn", "SSN", _check_ssn),
        "phone_local": _PHONE,
        "phone_dash": _PHONE,
        "phone_sep": _PHONE,
    },
    flags=re.ASCII,
)
