"""Checksums and range rules that turn a regex candidate into a confirmed PII value.

Regexes only describe shapes; logs are full of numbers with the same shapes
(order ids, byte counts, versions). These pure functions are run on candidates
only, never on whole texts, so they may be a little slower than a regex.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

import phonenumbers

# Issuer prefixes (IIN ranges) and lengths of the card networks we redact.
# A Luhn check alone accepts one random digit string in ten; requiring a real
# network prefix and length is what keeps order ids and epoch milliseconds
# (which start with 1) out.
_CARD_RULES: tuple[tuple[int, int, frozenset[int]], ...] = (
    (4, 4, frozenset({13, 16, 19})),  # Visa
    (51, 55, frozenset({16})),  # Mastercard
    (2221, 2720, frozenset({16})),  # Mastercard 2-series
    (34, 34, frozenset({15})),  # Amex
    (37, 37, frozenset({15})),  # Amex
    (6011, 6011, frozenset({16, 17, 18, 19})),  # Discover
    (644, 649, frozenset({16, 17, 18, 19})),  # Discover
    (65, 65, frozenset({16, 17, 18, 19})),  # Discover
    (622126, 622925, frozenset({16, 17, 18, 19})),  # Discover / UnionPay co-brand
    (3528, 3589, frozenset({16, 17, 18, 19})),  # JCB
    (300, 305, frozenset({14, 16})),  # Diners Club
    (36, 36, frozenset({14, 16})),  # Diners Club
    (38, 39, frozenset({16})),  # Diners Club
)

# Length of each country's IBAN (ISO 13616 registry). The length check comes
# before mod-97 so that a random alphanumeric run is rejected cheaply, and it
# tells the detector where an IBAN ends when a word follows it.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
    "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
    "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
    "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27,
    "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28,
    "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip


_LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # 2*d with its digits summed


# ISO 13616 turns A..Z into 10..35 before the mod-97 check.
_IBAN_LETTERS = str.maketrans({chr(ord("A") + i): str(10 + i) for i in range(26)})


def luhn_ok(digits: str) -> bool:
    """Luhn (mod 10) check of a string of ASCII digits."""
    odd = sum(map(int, digits[-1::-2]))
    even = sum(_LUHN_DOUBLED[int(ch)] for ch in digits[-2::-2])
    return (odd + even) % 10 == 0


def card_ok(digits: str) -> bool:
    """A real network prefix, a length that network issues, and a valid Luhn digit."""
    n = len(digits)
    for low, high, lengths in _CARD_RULES:
        if n in lengths and low <= int(digits[: len(str(low))]) <= high:
            return luhn_ok(digits)
    return False


def iban_ok(compact: str) -> bool:
    """Country length and ISO 7064 mod-97 check of an upper-case IBAN without spaces."""
    if IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return False
    return int((compact[4:] + compact[:4]).translate(_IBAN_LETTERS)) % 97 == 1


def ssn_ok(digits: str) -> bool:
    """US SSN rules: area not 000, 666 or 9xx; group not 00; serial not 0000."""
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area != "000" and area != "666" and area[0] != "9" and group != "00" and serial != "0000"


def ipv4_ok(candidate: str) -> bool:
    """Four decimal octets of at most 255 each."""
    return all(int(octet) <= 255 for octet in candidate.split("."))


def ipv6_ok(candidate: str) -> bool:
    """A syntactically valid IPv6 address (compressed, zoned or IPv4-mapped forms)."""
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=4096)  # parsing costs ~15 µs; the same callers recur across logs
def international_phone_ok(candidate: str) -> bool:
    """An E.164 number whose length fits its country's numbering plan.

    ``phonenumbers`` knows every country's lengths; ``is_possible_number``
    is used rather than ``is_valid_number`` because log samples and tests use
    unassigned (fictional) ranges that are still phone numbers to redact.
    """
    try:
        number = phonenumbers.parse(candidate, None)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_possible_number(number))
