"""Credentials as protocols, tools and files print them: Redis' AUTH in RESP,
app passwords in groups, PgBouncer's userlist lines, expect's sends, SIP users
and a message's recipient. Each found whole, whatever it holds; near misses kept.
"""

from __future__ import annotations

import re
import string

import phonenumbers
from hypothesis import assume, given
from hypothesis import strategies as st

from tenantlog.redaction import Redactor
from tenantlog.redaction.passwords import is_masked

_TYPED = Redactor(style="typed")
_SECRET = "[REDACTED:SECRET]"
_PHONE = "[REDACTED:PHONE]"
_ANY_LABEL = re.compile(r"\[REDACTED:[A-Z_]+\]")

# What a password may hold here: no line break, backslash or quote (RESP counts
# bytes, so any other character is fine), and something besides blanks.
_PASSWORD = st.text(
    string.ascii_letters + string.digits + "!#%*+-.:=?@^_~/,;()[]{}<>|&$", min_size=1, max_size=40
)


@given(_PASSWORD, st.booleans(), st.booleans())
def test_a_resp_auth_password_is_removed_whole(password: str, escaped: bool, user: bool) -> None:
    # GIVEN Redis' AUTH as its protocol writes it (a capture escapes the line breaks)
    crlf = "\\r\\n" if escaped else "\r\n"
    parts = ["AUTH", *(["default"] if user else []), password]
    head = f"*{len(parts)}{crlf}" + "".join(
        f"${len(part)}{crlf}{part}{crlf}" for part in parts[:-1]
    )
    text = f"{head}${len(password)}{crlf}{password}{crlf}"
    # WHEN redacted
    redacted = _TYPED.redact(text)
    # THEN the password, its last bulk string, is gone whole and the rest is kept
    # (under another detector's label where one finds it whole: "0@0.AA" is an address)
    assert _ANY_LABEL.sub(_SECRET, redacted) == f"{head}${len(password)}{crlf}{_SECRET}{crlf}"


def test_a_resp_auth_whose_length_does_not_fit_is_kept() -> None:
    text = "*2\\r\\n$4\\r\\nAUTH\\r\\n$40\\r\\nshort\\r\\n"
    assert _TYPED.redact(text) == text


_GROUP = st.text(string.ascii_lowercase, min_size=4, max_size=4)


@given(st.lists(_GROUP, min_size=4, max_size=4), st.sampled_from(["password ", "password: "]))
def test_an_app_password_on_its_line_is_removed_whole(groups: list[str], name: str) -> None:
    # GIVEN an app password in four groups, its name first on the line
    text = f"host smtp.example.net\n{name}{' '.join(groups)}\nport 587"
    # THEN the four groups are gone together
    assert _TYPED.redact(text) == f"host smtp.example.net\n{name}{_SECRET}\nport 587"


def test_four_words_after_password_in_a_sentence_are_kept() -> None:
    text = "the reset says password will make sure this"
    assert _TYPED.redact(text) == text


@given(
    st.text(string.ascii_lowercase + "_", min_size=1, max_size=16),
    st.text(string.ascii_lowercase, min_size=4, max_size=8),
    st.text(string.ascii_uppercase, min_size=1, max_size=4),
    st.text(string.digits, min_size=2, max_size=4),
    st.sampled_from("!#-_.@"),
)
def test_a_userlist_line_loses_its_password(
    user: str, small: str, capitals: str, digits: str, symbol: str
) -> None:
    # GIVEN a PgBouncer userlist line printed alone: a user and a password, quoted
    # (eight characters or more, as a password in prose must have)
    password = capitals + small + symbol + digits
    text = f'"{user}" "{password}"'
    # THEN the password is gone and the user kept
    assert _TYPED.redact(text) == f'"{user}" "{_SECRET}"'


@given(_PASSWORD.filter(lambda value: not value.startswith("$")))
def test_what_expect_sends_after_a_password_prompt_is_removed(password: str) -> None:
    assume("\\" not in password and '"' not in password and len(password) >= 4)
    assume(not is_masked(password))  # ("NULL", "***": nothing to hide)
    # (a password that is also a word of the script, "expect", goes wherever it repeats)
    assume(password not in 'spawn ssh ops@h; expect "Password:"; send; interact')
    text = f'spawn ssh ops@h; expect "Password:"; send "{password}\\r"; interact'
    # (a password another detector names is gone as well: "0.0.0.0" as an address)
    redacted = re.sub(r"\[REDACTED:[A-Z_]+\]", _SECRET, _TYPED.redact(text))
    assert redacted == f'spawn ssh ops@h; expect "Password:"; send "{_SECRET}\\r"; interact'


def test_a_command_expect_types_is_kept() -> None:
    text = 'expect "$ "; send "uptime\\r"'
    assert _TYPED.redact(text) == text


# Mobile and fixed-line example numbers of many regions, as E.164 digits without "+".
_NUMBERS = sorted(
    phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)[1:]
    for region in ("GB", "DE", "FR", "BR", "IN", "ES", "IT", "NL", "ZA", "AU", "MX", "JP")
    for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE)
    if (example := phonenumbers.example_number_for_type(region, kind)) is not None
)


@given(st.sampled_from(_NUMBERS), st.sampled_from(["sip:", "sips:"]))
def test_a_sip_uri_user_that_is_a_number_is_a_phone(number: str, scheme: str) -> None:
    text = f"INVITE {scheme}{number}@gw.example.net SIP/2.0"
    assert _TYPED.redact(text) == f"INVITE {scheme}{_PHONE}@gw.example.net SIP/2.0"


@given(st.sampled_from(_NUMBERS), st.sampled_from(['"to":"', '"from":"', "to=", "recipient: "]))
def test_a_text_messages_recipient_is_a_phone(number: str, key: str) -> None:
    closing = '"' if key.endswith('"') else ""
    text = f"sms gateway {key}{number}{closing} status=queued"
    assert _TYPED.redact(text) == f"sms gateway {key}{_PHONE}{closing} status=queued"


def test_from_and_to_times_of_a_text_message_report_are_kept() -> None:
    text = '{"report":"sms","from":"1735689600","to":"1735776000"}'
    assert _TYPED.redact(text) == text
