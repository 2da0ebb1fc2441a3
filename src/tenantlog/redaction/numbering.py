"""Whether an international number is possible in its country's numbering plan.

The rule is phonenumbers' own, ``is_possible_number(parse("+" + digits))``:
take the country calling code, strip a national prefix the writer kept
("+44 (0)20 7946 0958") when what remains still fits, then compare the
national number's length with the lengths the country uses. It is read here
from phonenumbers' metadata instead of calling ``parse``, which costs 20 to
100 µs a call: a log of "+" numbers holds a candidate every fifteen
characters or so, each tried at up to six lengths (``numeric``), which came
to about a second per 64 KiB. Read from the tables, a check costs a few
microseconds. A test holds this module to ``phonenumbers.parse`` on random
numbers of every country code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata, region_code_for_country_code

# parse() refuses national numbers outside these lengths, whatever the country.
_MIN_NATIONAL = 2
_MAX_NATIONAL = 17


@dataclass(frozen=True, slots=True)
class _Plan:
    """What ``parse`` and ``is_possible_number`` read from one country's metadata."""

    lengths: tuple[int, ...]  # possible national number lengths, ascending
    local_only: frozenset[int]  # lengths only dialable inside the country: possible too
    national_prefix: re.Pattern[str] | None  # matched at the start of the national number
    transform: str | None  # replaces the national prefix instead of removing it
    national_number: re.Pattern[str] | None  # the shape of every national number

    def possible(self, length: int) -> bool:
        """``is_possible_number``'s verdict on a national number of this length."""
        return length in self.local_only or length in self.lengths

    def keeps_stripped(self, length: int) -> bool:
        # parse keeps the stripped number when its length is possible or too
        # long, not when it is too short, local-only or between two lengths.
        return length not in self.local_only and (
            length in self.lengths or length > self.lengths[-1]
        )

    def viable(self, national: str) -> bool:
        """Whether the whole national number has a shape the country uses."""
        return self.national_number is not None and bool(self.national_number.fullmatch(national))

    def strip_prefix(self, national: str) -> str:
        """The national number without its national prefix, where the metadata allows it."""
        if self.national_prefix is None:
            return national
        match = self.national_prefix.match(national)
        if match is None:
            return national
        if self.transform is None or match.groups()[-1] is None:
            stripped = national[match.end() :]
        else:
            stripped = self.national_prefix.sub(self.transform, national, count=1)
        if self.viable(national) and not self.viable(stripped):
            return national
        return stripped


@cache
def _plan(country_code: int) -> _Plan | None:
    """The plan of the calling code's main region, as parse picks it; None for no code."""
    if country_code not in COUNTRY_CODE_TO_REGION_CODE:
        return None
    region = region_code_for_country_code(country_code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    # parse asserts the same: every calling code has metadata.
    assert metadata is not None and metadata.general_desc is not None
    general = metadata.general_desc
    prefix = metadata.national_prefix_for_parsing
    pattern = general.national_number_pattern
    return _Plan(
        lengths=tuple(general.possible_length),
        local_only=frozenset(general.possible_length_local_only),
        national_prefix=re.compile(prefix) if prefix else None,
        transform=metadata.national_prefix_transform_rule or None,
        national_number=re.compile(pattern) if pattern else None,
    )


@cache
def _calling_code(first_digits: str) -> tuple[int, _Plan] | None:
    """The width of the calling code a number starts with, and its country's plan.

    Like parse: the first of its first one, two or three digits that is a
    calling code. Cached by the three digits, of which there are a thousand.
    """
    if first_digits[0] == "0":
        return None
    for width in (1, 2, 3):
        plan = _plan(int(first_digits[:width]))
        if plan is not None:
            return width, plan
    return None


def calling_code_width(digits: str) -> int | None:
    """How many of the digits (after a "+" or "00") are the country's calling code."""
    code = _calling_code(digits[:3]) if digits[:1].isdigit() else None
    return None if code is None else code[0]


def possible_number(digits: str) -> bool:
    """True when "+" followed by ``digits`` (ASCII digits only) is a possible phone number.

    Possible, not valid (``is_valid_number``): log samples and tests use
    unassigned, fictional ranges, and those are still phone numbers to redact.
    """
    if len(digits) <= _MIN_NATIONAL:  # parse: too short after the "+"
        return False
    code = _calling_code(digits[:3])
    if code is None:
        return False
    width, plan = code
    national = digits[width:]
    if len(national) < _MIN_NATIONAL:
        return False
    stripped = plan.strip_prefix(national)
    if plan.keeps_stripped(len(stripped)):
        national = stripped
    return _MIN_NATIONAL <= len(national) <= _MAX_NATIONAL and plan.possible(len(national))


#: How many digits a country's numbers may have grown by since a number was
#: written down: Nigeria's Lagos lines, "+234 1 271 0000", are ten digits now.
_GROWN_DIGITS = 2


def formerly_possible(digits: str) -> bool:
    """True when "+" followed by ``digits`` is a little shorter than its country's
    numbers are today: possible once, before its plan grew. Only a phone word
    next to it makes it a phone number."""
    code = _calling_code(digits[:3]) if len(digits) > _MIN_NATIONAL else None
    if code is None:
        return False
    width, plan = code
    length = len(digits) - width
    return plan.lengths[0] - _GROWN_DIGITS <= length < plan.lengths[0]


#: Countries whose mobile numbers are written at home with a trunk prefix
#: ("0" or Russia's "8"): "07700 900123", "0917 123 4567", "0300 1234567".
#: Not those whose mobiles have none (Italy's "3…", Spain's, China's "1…").
_TRUNK_MOBILE_REGIONS = (
    *("GB", "IE", "DE", "AT", "CH", "FR", "BE", "NL", "SE", "FI", "TR", "RU", "UA"),
    *("IL", "SA", "AE", "EG", "MA", "NG", "GH", "KE", "ZA", "TZ", "UG", "IN", "PK"),
    *("BD", "LK", "ID", "MY", "TH", "VN", "PH", "JP", "KR", "TW", "AU", "NZ"),
)


@cache
def _trunk_mobile() -> re.Pattern[str]:
    """Every such country's mobile numbers with their trunk prefix, as one pattern
    (phonenumbers' own ranges: its example and fictional ranges are in them)."""
    shapes = []
    for region in _TRUNK_MOBILE_REGIONS:
        metadata = PhoneMetadata.metadata_for_region(region)
        assert metadata is not None and metadata.mobile is not None
        pattern = metadata.mobile.national_number_pattern
        if not metadata.national_prefix or not pattern:
            continue
        # What parse strips as the prefix: Korea's carrier codes after the "0"
        # ("0841 0…"), unless a rule rewrites it (Japan's).
        prefix = metadata.national_prefix_for_parsing
        if not prefix or metadata.national_prefix_transform_rule:
            prefix = re.escape(metadata.national_prefix)
        shapes.append(f"(?:{prefix})(?:{pattern})")
    return re.compile("|".join(shapes))


def trunk_mobile(digits: str) -> bool:
    """Whether ``digits`` (ASCII) are a mobile number as its country writes it at
    home, trunk prefix first: "0917 123 4567" in the Philippines, "0812 …" in
    Indonesia. Mobile ranges are narrow, so an id of the same length rarely fits."""
    return _trunk_mobile().fullmatch(digits) is not None
