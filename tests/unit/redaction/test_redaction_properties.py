"""Properties that hold for any text, checked with hypothesis."""

from __future__ import annotations

import re
import string

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tenantlog.redaction import Redactor, numbering, redact
from tenantlog.redaction.command_lines import ARGUMENT_MARKS, ARGUMENT_WORDS
from tenantlog.redaction.context import says_identifier
from tenantlog.redaction.passwords import _NAME
from tenantlog.redaction.prose_keys import FOREIGN_WORDS
from tenantlog.redaction.validators import gs1_ok, luhn_ok

_TYPED = Redactor(style="typed")
# (Or a word for a key or a secret in another language: "LLAVE:", "klucz=".)
_SECRET_NAME_BEFORE = re.compile(
    r"(?:pass|pw|psk|secret|key|token|" + "|".join(FOREIGN_WORDS) + r")\w*\s*[=:]?\s*\Z", re.I
)
_PLACEHOLDER = "[REDACTED]"

# Log-like text: digits and separators are over-represented so that
# number-shaped candidates actually occur.
_LOGGY = st.text(
    alphabet=st.sampled_from(
        string.ascii_letters + string.digits * 3 + " .-:/+()@=_,;[]\"'%" + "éß€\t"
    ),
    max_size=120,
)
_ANY = st.one_of(_LOGGY, st.text(max_size=80))
_WORDS = st.lists(st.text(alphabet=string.ascii_letters, min_size=1, max_size=12), max_size=30)
# Punctuation a card may sit between. ".", "-" and "_" are left out: a number
# glued to a word by them is part of that token ("ORD-4111...", "v4.111...",
# "txn_4111...").
_SECRET_NAME = re.compile(_NAME, re.ASCII | re.IGNORECASE)
_SEPARATORS = st.sampled_from(list(" \t\n,;:=/()[]{}<>\"'|!?*&#~^`$"))


@st.composite
def _luhn_card(draw: st.DrawFn) -> str:
    """A card number with a real network prefix and a valid check digit."""
    prefix, length = draw(
        st.sampled_from(
            [
                ("4", 16),
                ("4", 13),
                ("51", 16),
                ("55", 16),
                ("2221", 16),
                ("34", 15),
                ("37", 15),
                ("6011", 16),
                ("65", 16),
            ]
        )
    )
    body = prefix + "".join(
        draw(
            st.lists(
                st.sampled_from(string.digits),
                min_size=length - len(prefix) - 1,
                max_size=length - len(prefix) - 1,
            )
        )
    )
    check = next(d for d in string.digits if luhn_ok(body + d))
    return body + check


def _format_card(number: str, style: str) -> str:
    if style == "plain" or len(number) != 16:
        return number
    sep = " " if style == "spaced" else "-"
    return sep.join(number[i : i + 4] for i in range(0, 16, 4))


@settings(max_examples=300)
@given(_ANY)
def test_redact_is_idempotent(text: str) -> None:
    once = _TYPED.redact(text)
    assert _TYPED.redact(once) == once


@settings(max_examples=300)
@given(_ANY)
def test_redact_grows_text_only_by_placeholders(text: str) -> None:
    # GIVEN a text redacted with the plain placeholder
    result = Redactor().redact_counted(text)
    replaced = sum(result.counts.values())
    # WHEN the placeholders are taken out again
    remainder = result.text.replace(_PLACEHOLDER, "")
    # THEN what is left is never longer than the input, and each value removed
    # at least one character
    assert result.text.count(_PLACEHOLDER) >= replaced
    assert len(remainder) <= len(text) - replaced


@given(_WORDS)
def test_redact_leaves_plain_prose_unchanged(words: list[str]) -> None:
    text = " ".join(words)
    # Commands whose positional argument is a password ("AUTH AbCd", "net user
    # bob AbCd") are no prose: any word after them may be the password.
    assume(not any(mark in words for mark in ARGUMENT_MARKS))
    assume(not any(word in text.casefold() for word in ARGUMENT_WORDS))
    # A secret's name and one word, alone on a line, are a configuration's
    # directive and its value ("requirepass foobared", "masterauth AA").
    assume(not (len(words) == 2 and _SECRET_NAME.fullmatch(words[0])))
    # An auth scheme's word is followed by its credential ("Basic AbCdEfGh").
    assume(not any(word.lower() in ("basic", "bearer") for word in words[:-1]))
    assert redact(text) == text


@settings(max_examples=300)
@given(
    _luhn_card(),
    st.sampled_from(["plain", "spaced", "dashed"]),
    st.text(alphabet=string.ascii_letters + " ", max_size=30),
    _SEPARATORS,
    _SEPARATORS,
    st.text(alphabet=string.ascii_letters + " ", max_size=30),
)
def test_redact_removes_luhn_valid_card_anywhere(
    number: str, style: str, before: str, left: str, right: str, after: str
) -> None:
    # GIVEN a valid card number between punctuation inside other text
    text = before + left + _format_card(number, style) + right + after
    # (not after a word that makes it an identifier's value, "UUID 4000...",
    # which is kept by design)
    assume(not says_identifier(text, len(before) + len(left)))
    # (nor after a secret's name and its separator, "passphrase=4111...", which
    # the secrets detector takes whole as the secret it names)
    assume(_SECRET_NAME_BEFORE.search(before + left) is None)
    # (nor thirteen digits that are a GS1 number too: a barcode's or a GLN's)
    assume(not (len(number) == 13 and gs1_ok(number)))
    # (nor after an authorization scheme's word, "BEARER 4111…": a token, whatever its shape)
    assume(not re.search(r"(?i)(?:bearer|basic|token)\W*\Z", before + left))
    # WHEN redacted
    result = _TYPED.redact_counted(text)
    # THEN its digits are gone and it was counted as a card
    assert number not in result.text.replace(" ", "").replace("-", "")
    assert result.counts.get("CARD") == 1


@settings(max_examples=300)
@given(
    st.sampled_from(["41 79", "49 30", "33 6", "44 20", "34 612", "39 02", "31 6"]),
    st.lists(st.text("0123456789", min_size=2, max_size=4), min_size=2, max_size=3),
)
def test_international_prefix_00_reads_as_plus(head: str, groups: list[str]) -> None:
    """ "00" and a country code is redacted exactly as "+" and the same groups are."""
    number = " ".join([head, *groups])
    with_plus = _TYPED.redact(f"forwarded to +{number} today")
    with_zeros = _TYPED.redact(f"forwarded to 00{number} today")
    assert (with_plus == "forwarded to [REDACTED:PHONE] today") == (
        with_zeros == "forwarded to [REDACTED:PHONE] today"
    )


@settings(max_examples=300)
@given(
    st.text("0123456789", min_size=9, max_size=10).filter(lambda rest: rest[0] != "0"),
    st.sampled_from([" ", "-"]),
    st.sampled_from(["sent to", "from", "Customer:", "cash-in", "ke"]),
)
def test_a_mobile_number_in_groups_with_its_trunk_is_a_phone(
    rest: str, gap: str, before: str
) -> None:
    """A mobile number of a listed country, written as people write it at home
    (the trunk and the operator's code, then groups of three or more), is
    redacted whole with no phone word; the same groups after a record's
    number word ("Nr.", "order") are kept."""
    digits = "0" + rest
    # (not "011", North America's international prefix)
    assume(numbering.trunk_mobile(digits) and not digits.startswith("011"))
    written = gap.join([digits[:4], digits[4:7], digits[7:]])
    assert _TYPED.redact(f"{before} {written} today") == f"{before} [REDACTED:PHONE] today"
    assert _TYPED.redact(f"Rechnung Nr. {written} today") == f"Rechnung Nr. {written} today"
