"""The international-number rule, held to phonenumbers itself."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenantlog.redaction import numbering


def _phonenumbers_says(number: str) -> bool:
    """The reference: what the redactor asked phonenumbers before reading its tables itself."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_possible_number(parsed))


_CODES = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
# Digits after the calling code that national prefixes and their transform
# rules react to (0, 1, 8, Argentina's 0..15, Brazil's 90, Japan's 0003768...),
# so that stripping is exercised and not only lengths.
_NATIONAL_LEADS = ["", "0", "00", "1", "8", "06", "90", "011", "01115", "1115", "0003768", "20"]


@st.composite
def _candidates(draw: st.DrawFn) -> tuple[str, str]:
    """Digits after a "+", and the same number written as the scan finds it."""
    code = draw(st.sampled_from(_CODES).map(str) | st.integers(1, 999).map(str))
    lead = draw(st.sampled_from(_NATIONAL_LEADS))
    digits = code + lead + draw(st.text("0123456789", max_size=14))
    written = "+"
    position = 0
    while position < len(digits):
        size = draw(st.integers(1, 5))
        group = digits[position : position + size]
        if position and len(group) <= 4 and draw(st.booleans()):
            group = f"({group})"
        written += (draw(st.sampled_from(["", " ", "-", "."])) if position else "") + group
        position += size
    return digits, written


@pytest.mark.parametrize(
    ("digits", "ok"),
    [
        ("442079460958", True),
        ("14155550199", True),
        ("1415555019", False),  # one digit short for NANP
        ("4111111111111111", False),
        ("12", False),
        ("4402079460958", True),  # "+44 (0)20 7946 0958": the kept national prefix is stripped
        # National prefixes the metadata rewrites rather than strips (transform rules):
        ("54011150051450", True),  # Argentina, "0 11 15 ..." becomes "9 11 ..."
        ("5590157820817383", True),  # Brazil, "90 15 ..." (prefix and carrier) dropped
        ("241060747839", True),  # Gabon, "0 60 ..." becomes "60 ..."
    ],
)
def test_possible_number_uses_numbering_plans(digits: str, ok: bool) -> None:
    assert numbering.possible_number(digits) is ok


@settings(max_examples=400)
@given(_candidates())
def test_possible_number_agrees_with_phonenumbers(candidate: tuple[str, str]) -> None:
    digits, written = candidate
    assert numbering.possible_number(digits) is _phonenumbers_says(written)


def test_possible_number_agrees_with_phonenumbers_for_every_code_and_length() -> None:
    # GIVEN every calling code followed by national numbers of 1 to 18 digits,
    # plain or behind a "0" national prefix
    numbers = [
        f"{code}{lead}{'5' * length}"
        for code in _CODES
        for lead in ("", "0")
        for length in range(1, 19)
    ]
    # WHEN both rules judge them THEN they agree on each
    disagreements = [
        digits
        for digits in numbers
        if numbering.possible_number(digits) is not _phonenumbers_says("+" + digits)
    ]
    assert disagreements == []


_MOBILE_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)


def _phonenumbers_says_mobile(digits: str) -> bool:
    """The reference: a valid mobile number of one of the listed countries, read
    with that country's trunk prefix as phonenumbers reads a national number."""
    for region in numbering._TRUNK_MOBILE_REGIONS:
        try:
            parsed = phonenumbers.parse(digits, region)
        except phonenumbers.NumberParseException:
            continue
        kind = phonenumbers.number_type(parsed)
        if phonenumbers.is_valid_number_for_region(parsed, region) and kind in _MOBILE_TYPES:
            return True
    return False


@settings(max_examples=400)
@given(st.text("0123456789", min_size=8, max_size=11).filter(lambda rest: rest[0] != "0"))
def test_trunk_mobile_agrees_with_phonenumbers(rest: str) -> None:
    # GIVEN a national number behind a trunk "0" ("00" is the international prefix)
    digits = "0" + rest
    # THEN the table and phonenumbers' own validation agree on it
    assert numbering.trunk_mobile(digits) is _phonenumbers_says_mobile(digits)


@pytest.mark.parametrize("region", numbering._TRUNK_MOBILE_REGIONS)
def test_each_listed_country_example_mobile_is_a_trunk_mobile(region: str) -> None:
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    assert example is not None
    national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
    assert numbering.trunk_mobile("".join(filter(str.isdigit, national)))
