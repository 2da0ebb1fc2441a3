"""Secrets known by their parameter's name, scheme or cookie, in the shapes logs write them.

Values holding an "=" (Atlassian), names ending in a key of their own
("consumer_key", "hmac_key", "x-functions-key", Go's "apiKey :="), a URL's
"sig" and "code", Django REST Framework's "Token" scheme and session
cookies ("connect.sid", "_gh_sess", Laravel's "remember_web_<sha1>"); and
the near misses each rule must keep: ids, data keys, public keys, statuses.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenantlog.redaction import Redactor, credentials

_TYPED = Redactor(style="typed")
_TOKEN = "[REDACTED:TOKEN]"
_HEX40 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"
_HEX64 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
_ATLASSIAN = "ATATT3xFfGF0T5JNjXkq2bLr8vZpW1yHsMcQeDnUoKiAaBbCcDdEe=ITHA3SCR"
_SAS_SIG = "h0tRk9Jx%2BqLw7ZbN3vYpTm2sAcEfGiKoMuQwSyU%3D"
_CODE = "AbCdEfGh1234IjKlMnOp5678QrStUvWx=="
_LARAVEL = "remember_web_" + _HEX40


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 1. A value with an "=" inside is removed whole, not cut at the "=".
        (f"api_token={_ATLASSIAN} done", f"api_token={_TOKEN} done"),
        (f'{{"api_token": "{_ATLASSIAN}"}}', f'{{"api_token": "{_TOKEN}"}}'),
        (f"JIRA_API_TOKEN={_ATLASSIAN}", f"JIRA_API_TOKEN={_TOKEN}"),
        (f"Authorization: Bearer {_ATLASSIAN}", f"Authorization: Bearer {_TOKEN}"),
        # ... and base64 padding at the end still is.
        ("access_token=QWxhZGRpbjpvcGVuIHNlc2FtZQ== ok", f"access_token={_TOKEN} ok"),
        # 2. Names ending in a key of their own, with each separator.
        ("oauth consumer_key=abcdEFGH1234xyz ok", f"oauth consumer_key={_TOKEN} ok"),
        (f"hmac_key={_HEX64}", f"hmac_key={_TOKEN}"),
        (f'{{"hmac_key": "{_HEX64}"}}', f'{{"hmac_key": "{_TOKEN}"}}'),
        ("x-functions-key: AbCdEf1234567890xyzXYZ== sent", f"x-functions-key: {_TOKEN} sent"),
        ("x-functions-key=AbCdEf1234567890xyzXYZ==", f"x-functions-key={_TOKEN}"),
        ("headers x-functions-key='AbCdEf1234567890xyz'", f"headers x-functions-key='{_TOKEN}'"),
        ("consumerKey=abcdEFGH1234xyz", f"consumerKey={_TOKEN}"),
        ("TWITTER_CONSUMER_KEY=abcdEFGH1234xyz", f"TWITTER_CONSUMER_KEY={_TOKEN}"),
        (f'apiKey := "{_HEX40}"', f'apiKey := "{_TOKEN}"'),
        (f'hmacKey := "{_HEX64}"', f'hmacKey := "{_TOKEN}"'),
        (f"token:={_HEX40}", f"token:={_TOKEN}"),
        # ... also as a command-line flag's name, but not a data key's or a public one's.
        (f"sign --hmac-key {_HEX64} in.bin", f"sign --hmac-key {_TOKEN} in.bin"),
        # 3. A URL's "sig" and long, mixed "code".
        (
            f"GET https://acct.blob.core.windows.net/c/b.txt?sv=2022-11-02&sig={_SAS_SIG}&se=x",
            f"GET https://acct.blob.core.windows.net/c/b.txt?sv=2022-11-02&sig={_TOKEN}&se=x",
        ),
        (f"sas ?sig={_SAS_SIG}", f"sas ?sig={_TOKEN}"),
        (
            f"POST https://fn.azurewebsites.net/api/run?code={_CODE} 200",
            f"POST https://fn.azurewebsites.net/api/run?code={_TOKEN} 200",
        ),
        (
            "redirect /callback?state=xyz&code=4/0AfJohXn1TkQzLbR8sWvY2 done",
            f"redirect /callback?state=xyz&code={_TOKEN} done",
        ),
        # 4. Django REST Framework's "Token" scheme, like GitHub's "token".
        (f"Authorization: Token {_HEX40}", f"Authorization: Token {_TOKEN}"),
        (f'"authorization": "Token {_HEX40}"', f'"authorization": "Token {_TOKEN}"'),
        (f"Authorization: token {_HEX40}", f"Authorization: token {_TOKEN}"),
        # 5. Session cookies: "connect.sid" anywhere, "…sess" and
        # "remember_…" in a cookie header.
        ("cookie connect.sid=s%3AabcDEFghiJKL.xyzXYZ789 ok", f"cookie connect.sid={_TOKEN} ok"),
        ("set connect.sid=s%3AabcDEFghiJKL.xyzXYZ789", f"set connect.sid={_TOKEN}"),
        (
            "Cookie: connect.sid=s%3AabcDEFghiJKL; theme=dark",
            f"Cookie: connect.sid={_TOKEN}; theme=dark",
        ),
        ("Cookie: _gh_sess=AbCdEf1234GhIj%3D%3D; x=1", f"Cookie: _gh_sess={_TOKEN}; x=1"),
        ("Set-Cookie: app_sess=AbCdEfGhIjKlMnOp; path=/", f"Set-Cookie: app_sess={_TOKEN}; path=/"),
        (
            f"Cookie: {_LARAVEL}=eyJpdiI6IkFiQ2RFZiIsInZhbHVlIjoi; XSRF-TOKEN=x",
            f"Cookie: {_LARAVEL}={_TOKEN}; XSRF-TOKEN=x",
        ),
        (
            f"Set-Cookie: remember_admin_{_HEX40[:-1]}e=AbCdEf1234GhIjKl; path=/",
            f"Set-Cookie: remember_admin_{_HEX40[:-1]}e={_TOKEN}; path=/",
        ),
        (
            "Set-Cookie: remember_token=AbCdEf1234GhIjKl; path=/",
            f"Set-Cookie: remember_token={_TOKEN}; path=/",
        ),
        (
            "Cookie: remember-me=dXNlcjoxNzE0NTY3ODkwOmFiYzEyMw; x=1",
            f"Cookie: remember-me={_TOKEN}; x=1",
        ),
        (
            "Set-Cookie: REMEMBERME=QXBwXEVudGl0eVxVc2VyOmFkbWlu; path=/",
            f"Set-Cookie: REMEMBERME={_TOKEN}; path=/",
        ),
        (
            "Cookie: remember_web_short=AbCdEf1234GhIjKl",
            f"Cookie: remember_web_short={_TOKEN}",
        ),
    ],
)
def test_named_secret_is_removed(text: str, expected: str) -> None:
    assert _TYPED.redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # Data keys, ids and public keys keep their values.
        "public_key=AbCdEf1234GhIjKl",
        "publicKey=AbCdEf1234GhIjKl",
        "NEXT_PUBLIC_MAPS_ENV_KEY_HINT=AbCdEf1234GhIjKl",
        "sort_key=AbCdEf1234GhIjKl",
        "primary_key=AbCdEf1234GhIjKl",
        "partition_key=tenant-0042-orders",
        "query --sort-key createdAt9 --limit 5",
        "ssh-keygen --public-key AAAAB3NzaC1yc2E",
        '"partitionKey": "tenant-0042-orders"',
        "cache_key=user_profile_v2_0042",
        "s3_key=uploads/2024/05/avatar.png",
        "routing-key=orders.created.v1",
        "key=user:42:profile",
        "api_key_id=42",
        "key_id=AbCdEf1234GhIjKl",
        "hotkey=Ctrl1234Shift",
        "monkey=AbCdEf1234GhIjKl",
        # A "code" that is no secret: a status, an exit code, a short code.
        "exit code=1",
        "code=200",
        "http code=AbCdEfGh1234IjKlMnOp5678",
        "GET /verify?code=ABC123 ok",
        "GET /verify?code=abcdefghijklmnopqrstuvwx ok",
        "GET /search?q=x&sig=short",
        "signature sig=AbCdEf1234GhIjKl",
        # "Token" without an Authorization header, or not 40 hex.
        f"commit Token {_HEX40}",
        "Authorization: Token abc123",
        # Session-like names outside a cookie header, and a value with two "=".
        "process_sess=AbCdEf1234GhIjKl",
        f"{_LARAVEL}=AbCdEf1234GhIjKl",
        "remember_me=AbCdEf1234GhIjKl",
        "Cookie: remember_me=1; theme=dark",
        "sid=AbCdEf1234GhIjKl",
    ],
)
def test_near_miss_is_kept(text: str) -> None:
    assert _TYPED.redact(text) == text


_NEAR = 64 * 1024


# 64 KiB of near misses of each new rule: every candidate is rejected (or
# the one real value after the run is found), in linear time (timed by
# bench/redaction.py --section worst for the shapes it knows).
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A value with an "=" inside: names rejected at every "=" of a run.
        ("ab=cdefghin" * (_NEAR // 11), "ab=cdefghin" * (_NEAR // 11)),
        ("n=abcdefghij" * (_NEAR // 12), "n=abcdefghij" * (_NEAR // 12)),
        ("x" * _NEAR + "=" + "y" * 16, "x" * _NEAR + "=" + "y" * 16),
        (
            "n=" + "a" * _NEAR + " api_token=" + _ATLASSIAN,
            "n=" + "a" * _NEAR + " api_token=" + _TOKEN,
        ),
        # Names ending in a key, each a data key, and Go's ":=".
        ("sort_key=abcdefgh1234 " * (_NEAR // 22), "sort_key=abcdefgh1234 " * (_NEAR // 22)),
        ("_key=" * (_NEAR // 5), "_key=" * (_NEAR // 5)),
        ("Key :=" * (_NEAR // 6), "Key :=" * (_NEAR // 6)),
        ("-key" * (_NEAR // 4) + "=abcdefgh1234", "-key" * (_NEAR // 4) + "=" + _TOKEN),
        # A query's "sig" and "code" without a secret after them.
        ("?code=" * (_NEAR // 6), "?code=" * (_NEAR // 6)),
        (
            "&code=abcdefghijklmnopqrstu" * (_NEAR // 26),
            "&code=abcdefghijklmnopqrstu" * (_NEAR // 26),
        ),
        ("&sig=" * (_NEAR // 5), "&sig=" * (_NEAR // 5)),
        # Session cookies' names without a cookie header, and hex before "=".
        ("_sess=abcdefgh1 " * (_NEAR // 16), "_sess=abcdefgh1 " * (_NEAR // 16)),
        ("a" * 40 + "=" + "0" * 40 + "=", "a" * 40 + "=" + "0" * 40 + "="),
        (("_" + _HEX40 + "=") * (_NEAR // 42), ("_" + _HEX40 + "=") * (_NEAR // 42)),
        ("remember_" * (_NEAR // 9) + "=abcdefgh1", "remember_" * (_NEAR // 9) + "=abcdefgh1"),
        ("remember-me=" * (_NEAR // 12), "remember-me=" * (_NEAR // 12)),
        ("Token " * (_NEAR // 6), "Token " * (_NEAR // 6)),
        ("sid=" * (_NEAR // 4), "sid=" * (_NEAR // 4)),
    ],
)
def test_hostile_near_misses_find_nothing(text: str, expected: str) -> None:
    assert _TYPED.redact(text) == expected


def test_cookie_header_of_many_session_cookies_removes_each() -> None:
    # GIVEN a long cookie header of "…sess" cookies; WHEN redacted
    text = "Cookie: " + "; ".join(f"s{i}_sess=AbCdEf{i:04d}GhIj" for i in range(12))
    # THEN each value is gone and each name kept
    assert _TYPED.redact(text) == "Cookie: " + "; ".join(f"s{i}_sess={_TOKEN}" for i in range(12))


# The names as a forward search would find them, ending at the delimiter:
# the reading backwards (one anchored match) must agree with it everywhere.
_FORWARD_NAME = re.compile(
    r"(?:"
    + "|".join(name.replace("_", r"[_\-]?") for name in credentials._SECRET_NAMES)
    + r"|(?<=[?&])key)[\"']?[ \t]?\Z",
    re.IGNORECASE,
)
_NAME_PIECES = st.sampled_from(
    [
        *credentials._SECRET_NAMES,
        *("key", "KEY", "Token", "?", "&", "_", "-", '"', "'", " ", "x"),
        # The Kelvin sign and the long s, which case-blind matching takes for "k" and "s".
        *("\u212a", "\u017f", "ACCESS", "secret", "aws", "sig"),
    ]
)


@settings(max_examples=500)
@given(st.lists(_NAME_PIECES, max_size=6).map("".join), st.integers(0, 8))
def test_a_secret_name_read_backwards_is_found_where_a_forward_search_finds_it(
    text: str, cut: int
) -> None:
    start = min(cut, len(text))
    forward = _FORWARD_NAME.search(text, start, len(text)) is not None
    assert credentials._names_secret(text, start, len(text)) == forward
