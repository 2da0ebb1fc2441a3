"""Secrets a program's own label announces, where no secret's name stands.

* A registry's login in Docker's ``config.json`` (``"auth": "<base64>"``) or
  npm's ``.npmrc`` (``_auth=<base64>``): base64 of ``user:password``. The
  value is decoded to tell it from a setting (``"auth": "oauth2"``,
  ``auth=none``), so only a login is replaced.
* A Wi-Fi network's password in the QR code phones read,
  ``WIFI:T:WPA;S:<ssid>;P:<password>;;`` (a ``;`` in it escaped as ``\\;``).
* HashiCorp Vault's unseal and recovery key shares, as ``vault operator
  init`` prints them: ``Unseal Key 1: <base64>``.
* SMTP's ``AUTH LOGIN`` as a session's log shows it: after the server's
  prompt ``334 UGFzc3dvcmQ6`` (base64 of ``Password:``), the client's next
  line is the password in base64 (the user's name before it is kept).
* A private key's PEM block in base64, as Kubernetes stores files
  (a kubeconfig's ``client-key-data``, a Secret's ``tls.key``): it starts
  ``LS0tLS1CRUdJTi`` (``-----BEGIN``), and the type it decodes to says
  ``PRIVATE KEY``; a certificate's is public and stays.
"""

from __future__ import annotations

import base64
import binascii
import re

from tenantlog.redaction.kinds import Kind, Scan
from tenantlog.redaction.passwords import is_masked

_BASE64 = re.compile(r"[A-Za-z0-9+/]{8,}={0,2}")
#: The longest base64 decoded as a login: a hostile text must not make it decode megabytes.
_MAX_LOGIN = 1024
#: A base64 line of SMTP's AUTH LOGIN, to its end (or an escaped line break, a quote).
_SMTP_LOGIN = re.compile(r"[A-Za-z0-9+/]{4,}={0,2}(?=[\s'\"\\]|\Z)")
_KEY_SHARE = re.compile(r"[A-Za-z0-9+/]{20,}={0,2}|[0-9a-f]{32,}")

# Docker's '"auth": "…"' (a quoted key, a quoted value), npm's "_auth=…" (also
# after a registry's "//host/:"); not inside a word ("oauth").
_AUTH = r"(?<![A-Za-z])(?:auth[\"'][ \t]*:[ \t]*[\"']|_auth[ \t]*=[ \t]*[\"']?)"
# The test starts on the literal, which ``re`` skips to in C (a look-behind
# first would make it try every position of a line).
_AUTH_TEST = re.compile(r"auth(?:[\"'][ \t]*:[ \t]*[\"']|[ \t]*=[ \t]*[\"']?)[A-Za-z0-9+/]{8}")
# The QR code's fields come in any order: the password's "P:" after "WIFI:"
# and up to six other fields.
_WIFI = r"WIFI:(?:(?:[^;\n\\]|\\.){0,64};){0,6}?P:"
_KEY_SHARE_LABEL = r"(?:Unseal|Recovery)[ \t]Key[ \t][0-9]{1,2}:[ \t]*"
# SMTP's password prompt, then up to a line break (real or escaped) and the
# client's side's mark ("C: ", "<<< ", "send: '"), the password.
_SMTP_PASSWORD_PROMPT = (
    r"UGFzc3dvcmQ6(?:[^\n]{0,32}?\r?\n|[^\n\\]{0,32}(?:\\r)?\\n)[^\n]{0,24}?(?<![A-Za-z0-9+/])"
    r"(?=[A-Za-z0-9+/]{4,}={0,2}(?:[\s'\"\\]|\Z))"
)
# "-----BEGIN" in base64, from the start of a value.
_ENCODED_PEM = r"(?<![A-Za-z0-9+/])LS0tLS1CRUdJTi"
#: Enough base64 for the first line, "-----BEGIN ENCRYPTED PRIVATE KEY-----".
_PEM_HEAD = 64


def _check_basic_login(text: str, start: int, end: int) -> tuple[int, int] | None:
    """base64 of "user:password", whole: anything else under "auth" is a setting."""
    value = _BASE64.match(text, end)
    if value is None or value.end() - end > _MAX_LOGIN:
        return None
    if value.end() < len(text) and (text[value.end()].isalnum() or text[value.end()] in "_-"):
        return None  # runs on into a word: no base64 of its own
    try:
        decoded = base64.b64decode(value.group(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    if not (user and colon and password) or not decoded.isprintable():
        return None
    return value.span()


def _check_wifi(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The password up to its unescaped ";" (or the end of the code)."""
    value_end = end
    while value_end < len(text) and text[value_end] not in ";\n":
        value_end += 2 if text[value_end] == "\\" else 1
    value_end = min(value_end, len(text))
    if value_end == end or is_masked(text[end:value_end]):
        return None
    return end, value_end


def _check_smtp_password(text: str, start: int, end: int) -> tuple[int, int] | None:
    password = _SMTP_LOGIN.match(text, end)
    return None if password is None else password.span()


def _check_key_share(text: str, start: int, end: int) -> tuple[int, int] | None:
    share = _KEY_SHARE.match(text, end)
    return None if share is None else share.span()


def _check_encoded_pem(text: str, start: int, end: int) -> tuple[int, int] | None:
    block = _BASE64.match(text, start)
    assert block is not None  # the scan matched its first characters
    head = block.group()[:_PEM_HEAD]
    try:
        decoded = base64.b64decode(head[: len(head) // 4 * 4])
    except binascii.Error:
        return None
    return block.span() if b"PRIVATE KEY" in decoded.partition(b"\n")[0] else None


def may_hold_labelled_secret(text: str) -> bool:
    return (
        ("auth" in text and _AUTH_TEST.search(text) is not None)
        or "WIFI:" in text
        or "Unseal Key" in text
        or "Recovery Key" in text
        or "LS0tLS1CRUdJTi" in text
        or "UGFzc3dvcmQ6" in text
    )


#: The marks of ``may_hold_labelled_secret``, case-folded, each with its own test.
LABEL_MARKS = (
    # "auth" and what follows it in such a pair: lines that say "auth:",
    # "authentication" or "oauth" hold no mark.
    *(
        (mark, lambda text: _AUTH_TEST.search(text) is not None)
        for mark in ('auth"', "auth'", "_auth=", "_auth ", "_auth\t")
    ),
    ("wifi:", lambda text: "WIFI:" in text),
    ("unseal key", lambda text: "Unseal Key" in text),
    ("recovery key", lambda text: "Recovery Key" in text),
    ("ls0tls1crudjti", lambda text: "LS0tLS1CRUdJTi" in text),
    ("ugfzc3dvcmq6", lambda text: "UGFzc3dvcmQ6" in text),
)

LABELLED_SCAN = Scan(
    f"{_AUTH}(?P<basic_login>)|{_WIFI}(?P<wifi_password>)|{_KEY_SHARE_LABEL}(?P<key_share>)"
    f"|{_ENCODED_PEM}(?P<encoded_pem>)|{_SMTP_PASSWORD_PROMPT}(?P<smtp_password>)",
    {
        "smtp_password": Kind("secrets", "SECRET", _check_smtp_password),
        "encoded_pem": Kind("secrets", "SECRET", _check_encoded_pem),
        "basic_login": Kind("secrets", "SECRET", _check_basic_login),
        "wifi_password": Kind("secrets", "SECRET", _check_wifi),
        "key_share": Kind("secrets", "SECRET", _check_key_share),
    },
    trigger=may_hold_labelled_secret,
    flags=re.ASCII,
)
