"""Checksums and range rules that turn a regex candidate into a confirmed PII value.

Regexes only describe shapes; logs are full of numbers with the same shapes
(order ids, byte counts, versions). These pure functions are run on candidates
only, never on whole texts, so they may be a little slower than a regex.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

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
    (62, 62, frozenset({16, 17, 18, 19})),  # UnionPay
    (3528, 3589, frozenset({16, 17, 18, 19})),  # JCB
    (2131, 2131, frozenset({15})),  # JCB's older fifteen-digit cards
    (1800, 1800, frozenset({15})),  # JCB's older fifteen-digit cards
    (300, 305, frozenset({14, 16})),  # Diners Club
    (36, 36, frozenset({14, 16})),  # Diners Club
    (38, 39, frozenset({14, 16})),  # Diners Club
    (2200, 2204, frozenset({16, 17, 18, 19})),  # Mir
    (606282, 606282, frozenset({16})),  # Hipercard
    (3841, 3841, frozenset({16, 19})),  # Hipercard
    (5067, 5067, frozenset({16})),  # Elo
    (509, 509, frozenset({16})),  # Elo
    (6277, 6277, frozenset({16})),  # Elo
    (6362, 6363, frozenset({16})),  # Elo
    (504175, 504175, frozenset({16})),  # Elo (its others lie in Visa's and Discover's)
    (60, 60, frozenset({16})),  # RuPay
    (81, 82, frozenset({16})),  # RuPay
    (508, 508, frozenset({16})),  # RuPay
    (506099, 506198, frozenset({16, 18, 19})),  # Verve
    (507865, 507964, frozenset({16, 18, 19})),  # Verve
    (9792, 9792, frozenset({16})),  # Troy
    (94, 94, frozenset({16})),  # BC Card's domestic cards (Korea)
    (5019, 5019, frozenset({16})),  # Dankort
    (8600, 8600, frozenset({16})),  # UzCard (Uzbekistan)
    (9860, 9860, frozenset({16})),  # Humo (Uzbekistan)
    (9704, 9704, frozenset({16, 19})),  # Napas (Vietnam)
    # UATP (airlines' cards): "1", fifteen digits, found only in its groups (4-6-5, as
    # Amex prints): a plain run of fifteen digits from "1" is as often an id.
    (1, 1, frozenset({15})),
    (6703, 6703, frozenset(range(16, 20))),  # Bancontact
    # Maestro's wider ranges (50, 56 to 58), as long as the other networks' cards.
    (50, 50, frozenset(range(16, 20))),
    (56, 58, frozenset(range(16, 20))),
    # Maestro's own ranges, 12 to 19 digits.
    (5018, 5018, frozenset(range(12, 20))),
    (5020, 5020, frozenset(range(12, 20))),
    (5038, 5038, frozenset(range(12, 20))),
    (5893, 5893, frozenset(range(12, 20))),
    (6304, 6304, frozenset(range(12, 20))),
    (6759, 6759, frozenset(range(12, 20))),
    (6761, 6763, frozenset(range(12, 20))),
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


#: Hexadecimal digits in either case: Cisco's type-7 passwords, random keys,
#: certificate fingerprints.
HEX_DIGITS = frozenset("0123456789ABCDEFabcdef")

# Each digit d as the digit sum of 2*d, the Luhn weight of every second digit.
_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")


# ISO 13616 turns A..Z into 10..35 before the mod-97 check.
_IBAN_LETTERS = str.maketrans({chr(ord("A") + i): str(10 + i) for i in range(26)})


def luhn_ok(digits: str) -> bool:
    """Luhn (mod 10) check of a string of ASCII digits.

    Summed as bytes (each digit is its code minus 48), in C: a log dense
    with card-shaped numbers runs this once per group of four digits.
    """
    weighted = digits[-1::-2] + digits[-2::-2].translate(_LUHN_DOUBLED)
    return (sum(weighted.encode()) - 48 * len(weighted)) % 10 == 0


# The rules by first digit, each with the width of its prefix: a log dense
# with card-shaped numbers (one candidate per group of four digits) must not
# pay for thirteen rules per candidate.
_CARD_RULES_BY_LEAD: dict[str, tuple[tuple[int, int, int, frozenset[int]], ...]] = {
    lead: tuple(
        (len(str(low)), low, high, lengths)
        for low, high, lengths in _CARD_RULES
        if str(low)[0] <= lead <= str(high)[0]
    )
    for lead in "0123456789"
}


def gs1_ok(digits: str) -> bool:
    """GS1's check digit (EAN-13 barcodes, GLN location numbers): weights 3 and 1 from
    the right, the check digit first."""
    body = digits[-2::-2].encode(), digits[-3::-2].encode()
    total = 3 * (sum(body[0]) - 48 * len(body[0])) + sum(body[1]) - 48 * len(body[1])
    return (10 - total % 10) % 10 == int(digits[-1])


def card_ok(digits: str, named: bool = False) -> bool:
    """A real network prefix, a length that network issues, and a valid Luhn digit.

    Thirteen digits that are also a valid GS1 number are a barcode or a location
    number (an EDI partner's GLN, Germany's start with 40 to 44), not an old Visa card,
    unless ``named`` says a card's key names them ("old_card=4015628390712").
    """
    n = len(digits)
    for width, low, high, lengths in _CARD_RULES_BY_LEAD.get(digits[:1], ()):
        if n in lengths and low <= int(digits[:width]) <= high:
            return luhn_ok(digits) and (named or not (n == 13 and gs1_ok(digits)))
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


# The text forms of an IPv6 address (RFC 4291, section 2.2) exactly as
# ``ipaddress.IPv6Address`` accepts them: eight hextets, or a "::" standing
# for at least one hextet among at most seven; the last two may be written as
# an IPv4 address (octets without leading zeros); then an optional zone
# ("%eth0"). One regex matched in C costs about a quarter of ``IPv6Address``,
# which was most of what a log of compressed addresses (one every five
# characters) cost. A test holds it to ``ipaddress``.
_HEXTET = "[0-9A-Fa-f]{1,4}"
_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4_TAIL = rf"{_OCTET}(?:\.{_OCTET}){{3}}"


def _hextets(count: int) -> str:
    return rf"{_HEXTET}(?::{_HEXTET}){{{count - 1}}}" if count else ""


def _ipv6_forms() -> Iterator[str]:
    yield rf"(?:{_HEXTET}:){{7}}{_HEXTET}"
    yield rf"(?:{_HEXTET}:){{6}}{_IPV4_TAIL}"
    for before in range(8):  # hextets before the "::"
        room = 7 - before  # hextets it leaves room for after it
        after = rf"(?:{_HEXTET}(?::{_HEXTET}){{0,{room - 1}}})?" if room else ""
        yield _hextets(before) + "::" + after
        if room >= 2:
            yield _hextets(before) + "::" + rf"(?:{_HEXTET}:){{0,{room - 2}}}{_IPV4_TAIL}"


_IPV6 = re.compile("(?:" + "|".join(_ipv6_forms()) + ")(?:%[^%/]+)?")


def ipv6_ok(candidate: str) -> bool:
    """A syntactically valid IPv6 address (compressed, zoned or IPv4-mapped forms)."""
    return _IPV6.fullmatch(candidate) is not None
