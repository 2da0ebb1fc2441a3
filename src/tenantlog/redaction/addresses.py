"""Email addresses and IPv6 addresses.

Both are recognised by a separator the rest of a log line rarely has (``@``
or its URL encoding ``%40``; ``::`` or seven colons), so each scan runs only
when that separator is present.
"""

from __future__ import annotations

import re

from tenantlog.redaction import validators
from tenantlog.redaction.kinds import Kind, Scan

# In a query string the local part may be glued to the parameter name by an
# encoded delimiter (``q%3Dname%40example.com``): the address starts after it.
_ENCODED_DELIMITER = re.compile(r".*%(?:3D|3A|2F|26|3F|20|22|27|3C|3E|2C|3B|5B|5D)", re.IGNORECASE)


def _check_email(text: str, start: int, end: int) -> tuple[int, int] | None:
    at = text.find("@", start, end)
    if at < 0:
        at = text.find("%40", start, end)
    prefix = _ENCODED_DELIMITER.match(text, start, at)
    if prefix is not None:
        start = prefix.end()
    return (start, end) if start < at else None


def _check_ipv6(text: str, start: int, end: int) -> tuple[int, int] | None:
    if text[end - 1] == ":" and text[end - 2] != ":":
        end -= 1  # "fe80::1: timeout" – the colon belongs to the message
    value = text[start:end]
    if "::" not in value and value.count(":") != 7:
        return None  # times ("12:34:56") and MAC addresses have neither
    if not any(ch.isdigit() for ch in value):
        return None  # "dead::beef" and C++ "Add::Face" are hex words, not hosts
    return (start, end) if validators.ipv6_ok(value) else None


EMAIL = Kind(
    "email",
    "email",
    "EMAIL",
    r"\w.%+'\-",
    r"[\w.%+'\-]{0,63}(?:@|%40)(?:[\w\-]+\.)+[A-Za-z]{2,24}(?![\w\-])",
    _check_email,
)

IPV6 = Kind(
    "ipv6",
    "ip",
    "IP",
    "0-9A-Fa-f:",
    # "2001:db8::1" but not the tail of one, nor "std::" or "key:value".
    r"(?<![0-9A-Fa-f:]:.)[0-9A-Fa-f]{0,3}(?::[0-9A-Fa-f]{0,4}){1,7}"
    r"(?:\.[0-9]{1,3}){0,3}(?:%[0-9A-Za-z]{1,15})?(?![0-9A-Za-z_])",
    _check_ipv6,
)


def _may_hold_email(text: str) -> bool:
    return "@" in text or "%40" in text


def _may_hold_ipv6(text: str) -> bool:
    return "::" in text or text.count(":") >= 7


EMAIL_SCAN = Scan((EMAIL,), trigger=_may_hold_email, boundary=r"(?<![\w.%+'\-].)")
IPV6_SCAN = Scan((IPV6,), trigger=_may_hold_ipv6, boundary=r"(?<![\w.].)", flags=re.ASCII)
