"""Checksums and number rules used to confirm candidates."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenantlog.redaction import validators


@pytest.mark.parametrize(
    ("digits", "ok"),
    [("4111111111111111", True), ("4111111111111112", False), ("79927398713", True), ("0", True)],
)
def test_luhn_ok_checks_the_check_digit(digits: str, ok: bool) -> None:
    assert validators.luhn_ok(digits) is ok


def _luhn_reference(digits: str) -> bool:
    """Luhn as textbooks write it: double every second digit from the right."""
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


@given(st.text("0123456789", max_size=24))
def test_luhn_ok_agrees_with_the_textbook_rule(digits: str) -> None:
    assert validators.luhn_ok(digits) is _luhn_reference(digits)


def _card_ok_reference(digits: str) -> bool:
    """The network table read rule by rule, then Luhn; thirteen digits that are also a
    GS1 number (a barcode, a location number) are no card."""
    return (
        _luhn_reference(digits)
        and any(
            len(digits) in lengths and low <= int(digits[: len(str(low))]) <= high
            for low, high, lengths in validators._CARD_RULES
        )
        and not (len(digits) == 13 and validators.gs1_ok(digits))
    )


# Network prefixes and their neighbours, so that every range edge is tried.
_CARD_LEADS = [
    *("4", "51", "55", "50", "56", "2221", "2220", "2720", "2721", "34", "37", "35"),
    *("6011", "6012", "644", "649", "643", "65", "622126", "622925", "622125"),
    *("3528", "3589", "3527", "3590", "300", "305", "306", "36", "38", "39", "1", "7", "9"),
]


@settings(max_examples=500)
@given(st.sampled_from(_CARD_LEADS), st.text("0123456789", min_size=8, max_size=16))
def test_card_ok_agrees_with_the_network_table(lead: str, rest: str) -> None:
    digits = lead + rest
    assert validators.card_ok(digits) is _card_ok_reference(digits)


@pytest.mark.parametrize(
    ("digits", "ok"),
    [
        ("4111111111111111", True),
        ("378282246310005", True),
        ("6011111111111117", True),
        ("2223003122003222", True),
        ("1234567812345670", False),  # Luhn-valid, no network starts with 1
        ("41111111111111", False),  # Visa is 13, 16 or 19 digits
    ],
)
def test_card_ok_needs_network_prefix_length_and_luhn(digits: str, ok: bool) -> None:
    assert validators.card_ok(digits) is ok


@pytest.mark.parametrize(
    ("iban", "ok"),
    [
        ("DE89370400440532013000", True),
        ("GB82WEST12345698765432", True),
        ("NO9386011117947", True),
        ("DE89370400440532013001", False),  # check digits do not match
        ("DE8937040044053201300", False),  # one character short for Germany
        ("QQ89370400440532013000", False),  # no such country
    ],
)
def test_iban_ok_checks_country_length_and_mod97(iban: str, ok: bool) -> None:
    assert validators.iban_ok(iban) is ok


@pytest.mark.parametrize(
    ("digits", "ok"),
    [
        ("123456789", True),
        ("000123456", False),
        ("666123456", False),
        ("912345678", False),
        ("123004567", False),
        ("123450000", False),
    ],
)
def test_ssn_ok_excludes_never_issued_numbers(digits: str, ok: bool) -> None:
    assert validators.ssn_ok(digits) is ok


def test_ipv6_ok_accepts_compressed_and_rejects_times() -> None:
    assert validators.ipv6_ok("2001:db8::1")
    assert validators.ipv6_ok("::ffff:192.0.2.1")
    assert not validators.ipv6_ok("12:34:56")


def _ipaddress_says(candidate: str) -> bool:
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return False
    return True


# Hextets, valid and not (too long, not hex, empty: a third colon), an
# optional "::", an IPv4 tail (leading zeros, big octets, three or five
# octets) and a zone (empty, or two of them): valid addresses and near misses.
_HEXTETS = st.sampled_from(
    [*["0", "1", "db8", "2001", "ffff", "FfFf", "abcd"] * 4, "", "12345", "g"]
)
_IPV4_TAILS = st.sampled_from(["1.2.3.4", "0.0.0.0", "01.2.3.4", "256.1.1.1", "1.2.3", "1.2.3.4.5"])


@st.composite
def _ipv6_like(draw: st.DrawFn) -> str:
    size = draw(st.integers(0, 9))
    hextets = draw(st.lists(_HEXTETS, min_size=size, max_size=size))
    if draw(st.booleans()):
        at = draw(st.integers(0, len(hextets)))
        hextets[at:at] = [""] if 0 < at < len(hextets) else ["", ""]
    candidate = ":".join(hextets)
    if draw(st.booleans()):
        candidate += draw(st.sampled_from([":", ""])) + draw(_IPV4_TAILS)
    if draw(st.booleans()):
        candidate += draw(st.sampled_from(["%eth0", "%", "%a%b", "/64"]))
    return candidate


_IPV6_LIKE = st.one_of(_ipv6_like(), st.text("0123456789abcdefABCDEF:.%", max_size=45))


@settings(max_examples=500)
@given(_IPV6_LIKE)
def test_ipv6_ok_agrees_with_ipaddress(candidate: str) -> None:
    assert validators.ipv6_ok(candidate) is _ipaddress_says(candidate)


@pytest.mark.parametrize(
    "candidate",
    [
        *("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::", "::1:2:3:4:5:6:7"),
        *("1::2:3:4:5:6:7:8", "1:2:3:4:5:6:7::8", "::", ":::", "1::2::3", ":1::2", "1::2:"),
        *("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "::1:2:3:4:5:1.2.3.4"),
        *("1:2:3:4:5::1.2.3.4", "1:2:3:4:5:6::1.2.3.4"),
        *("::1:2:3:4:5:6:1.2.3.4", "::ffff:01.2.3.4", "::ffff:255.255.255.255", "::1.2.3.4"),
        *("fe80::1%eth0", "fe80::1%", "fe80::1%a%b", "2001:db8::/32", "12345::1"),
    ],
)
def test_ipv6_ok_agrees_with_ipaddress_at_the_edges(candidate: str) -> None:
    assert validators.ipv6_ok(candidate) is _ipaddress_says(candidate)
