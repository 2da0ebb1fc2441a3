"""Context words around candidates, held to the rules they were first written as.

The version rule has since grown (issue 13: a four-part version under a
version-like key, ``"app_version": "10.2.0.1"``, is not an address): it must
still say "version" wherever the first rule did, and now also after such keys.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenantlog.redaction import Redactor, context

# The oracle: the version check as first written, one regex searched at each
# of the sixteen positions before the number (issue 8 made it look only
# where the word would have to end).
_VERSION_BEFORE_REFERENCE = re.compile(
    r"(?:\b(?:v|ver|version|release|build|rev|revision|firmware|fw|os|sdk|api)\s*[:=]?\s*"
    r"|[A-Za-z][\w.\-]*/)$",
    re.IGNORECASE,
)


#: A Windows switch, which the reference took for a version: xfreerdp's "/v:<server>".
_SERVER_SWITCH = re.compile(r"/[vV][ \t]*:\Z")


def _says_version_reference(text: str, start: int, end: int) -> bool:
    if _SERVER_SWITCH.search(text, 0, start):
        return False
    if _VERSION_BEFORE_REFERENCE.search(text, max(0, start - 16), start) is not None:
        return True
    return context._VERSION_AFTER.match(text, end) is not None


# Version words in any case, their separators, product names with "/", and
# what makes the edges subtle: newlines before "$", words cut by the window,
# and letters that IGNORECASE folds onto ASCII ones (long s, Kelvin sign).
_PIECES = st.sampled_from(
    [
        *("v", "ver", "Version", "RELEASE", "build", "rev", "revision", "firmware", "fw"),
        *("os", "sdk", "api", "xversion", "ver\u017fion", "Chrome", "a/b", "é/", "Chrome/\n"),
        *(" ", "  ", "\t", "\n", "\u00a0", ":", "=", "::", "/", "_", "-", ".", "1", "\u212a"),
    ]
)


@settings(max_examples=1000)
@given(st.lists(_PIECES, max_size=12).map("".join), st.sampled_from(["", " ", "-beta", "+rc1"]))
def test_says_version_wherever_the_single_regex_did(before: str, after: str) -> None:
    text = before + "10.0.0.1" + after
    start, end = len(before), len(before) + len("10.0.0.1")
    if _says_version_reference(text, start, end):
        assert context.says_version(text, start, end)


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        ('{"app_version": "', True),
        ('{"agentVersion":"', True),
        ("APP_VERSION=", True),
        ('"firmware": "', True),
        ("firmware_rev: ", True),
        ('build_number="', True),
        ('{\\"agent_version\\":\\"', True),
        ('"version_name" : \'', True),
        ('{"server_ip": "', False),
        ('"build_host": "', False),
        ("client ", False),
        ('"xversion": "', False),
        ('"peer": "', False),
    ],
)
def test_says_version_after_version_like_keys(before: str, expected: bool) -> None:
    text = before + "10.2.0.1" + '"'
    assert context.says_version(text, len(before), len(before) + len("10.2.0.1")) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an upgrade's versions, both sides of "from … to …"
        ("firmware upgraded from 10.2.0.1 to 10.3.0.0", None),
        ("Downgrading to 4.1.0.2 after rollback", None),
        # kept as addresses: something else is upgraded, or moved from … to …
        (
            "Upgraded connection from 10.0.0.1 to 10.0.0.2",
            "Upgraded connection from [REDACTED:IP] to [REDACTED:IP]",
        ),
        ("NAT from 10.0.0.1 to 10.0.0.9", "NAT from [REDACTED:IP] to [REDACTED:IP]"),
    ],
)
def test_an_upgrades_versions_are_no_addresses(text: str, expected: str | None) -> None:
    assert Redactor(style="typed").redact(text) == (text if expected is None else expected)


_TYPED = Redactor(style="typed")
_PHONE = "[REDACTED:PHONE]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a phone word right after the number
        ("rappel au 01 42 68 53 00 (téléphone fixe)", f"rappel au {_PHONE} (téléphone fixe)"),
        ("reach 07911 111222 mobile", f"reach {_PHONE} mobile"),
        # a second number joined to a phone: "from … to …", "von … auf …", "->"
        (
            "changed tel from 03 88 12 34 56 to 09 72 12 34 56",
            f"changed tel from {_PHONE} to {_PHONE}",
        ),
        (
            "Mobilnummer geändert von 0160 9876543 auf 0176 12345678",
            f"Mobilnummer geändert von {_PHONE} auf {_PHONE}",
        ),
        (
            'field "mobile" changed (07911 111222 -> 07400 654321)',
            f'field "mobile" changed ({_PHONE} -> {_PHONE})',
        ),
        # a word glued by "-", a question, a quote after the gap words
        ("Tel.-Nr.: 0 30 90 18 20 (vormittags)", f"Tel.-Nr.: {_PHONE} (vormittags)"),
        ('téléphone invalide? valeur="07 81 23 45 67"', f'téléphone invalide? valeur="{_PHONE}"'),
        ("Telefon (privat) 089 / 12 34 56;", f"Telefon (privat) {_PHONE};"),
        ("Rückruf erbeten: 0049 30 901820", f"Rückruf erbeten: {_PHONE}"),
        ("Text me at 9175550123 later", f"Text me at {_PHONE} later"),
        ("(+49) 171 2345678", _PHONE),
        # kept: numbers joined to a number that is no phone, a word far after
        ("order 0123456789 to 0123456790", None),
        ("bytes 0612345678 / 0612345679", None),
        ("id 0612345678 sent, then a phone call", None),
    ],
)
def test_phone_words_after_the_number_and_joined_numbers(text: str, expected: str | None) -> None:
    assert _TYPED.redact(text) == (text if expected is None else expected)


# The shortcuts taken for the common case (an address after "from", "client_ip"),
# each held to the plain form it stands for, on texts of the characters they decide on.
_SHORTCUT_PIECES = st.sampled_from(
    [
        *("from", " to", "Upgrade", "updat", "backport", "grad", "Simphony", "client", "ip"),
        *("client_ip", "appVersion", "build_no", "BUILD", "a+b", "x-y", "fw", "\u212aelvin"),
        *(" ", "  ", "\t", "\n", ".", "-", "+", "_", "=", ":", "/", "1", "10.0.0.1", "é", "K"),
        *("Workstation" * 3, " " * 30),
    ]
)


@given(st.lists(_SHORTCUT_PIECES, max_size=16).map("".join))
@settings(max_examples=400)
def test_the_product_word_search_starts_where_the_word_can(before: str) -> None:
    text = f"{before}10.2.0.1 ok"
    start = len(before)
    plain = context._PRODUCT_WORD_BEFORE.search(text, max(0, start - 40), start)
    found = context._product_word_before(text, start)
    assert (found and found.span()) == (plain and plain.span())


@given(st.lists(_SHORTCUT_PIECES, max_size=16).map("".join))
@settings(max_examples=400)
def test_upgraded_before_is_the_plain_search(head: str) -> None:
    assert context._upgraded_before(head) == (context._UPGRADE_BEFORE.search(head) is not None)


def _names_version_plain(key: str) -> bool:
    parts = [
        part.casefold() for part in context._NOT_LETTERS.split(context._CAMEL.sub("_", key)) if part
    ]
    last = parts[-1] if parts else ""
    return bool(parts) and (
        last in context._VERSION_PARTS
        or not context._VERSION_ANYWHERE.isdisjoint(parts)
        or (last in context._VERSION_FORMS and not context._VERSION_PARTS.isdisjoint(parts))
    )


@given(st.lists(_SHORTCUT_PIECES, max_size=6).map("".join))
@settings(max_examples=400)
def test_names_version_splits_as_before(key: str) -> None:
    assert context._names_version(key) == _names_version_plain(key)
