"""Checksums and number rules used to confirm candidates."""

from __future__ import annotations

import pytest

from tenantlog.redaction import validators


@pytest.mark.parametrize(
    ("digits", "ok"),
    [("4111111111111111", True), ("4111111111111112", False), ("79927398713", True), ("0", True)],
)
def test_luhn_ok_checks_the_check_digit(digits: str, ok: bool) -> None:
    assert validators.luhn_ok(digits) is ok


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


@pytest.mark.parametrize(
    ("number", "ok"),
    [
        ("+44 20 7946 0958", True),
        ("+1 415 555 0199", True),
        ("+1 415 555 019", False),  # one digit short for NANP
        ("+4111111111111111", False),
        ("+12", False),
    ],
)
def test_international_phone_ok_uses_numbering_plans(number: str, ok: bool) -> None:
    assert validators.international_phone_ok(number) is ok


def test_ipv6_ok_accepts_compressed_and_rejects_times() -> None:
    assert validators.ipv6_ok("2001:db8::1")
    assert validators.ipv6_ok("::ffff:192.0.2.1")
    assert not validators.ipv6_ok("12:34:56")
