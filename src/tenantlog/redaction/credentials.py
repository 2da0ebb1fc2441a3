"""Cloud access keys, bearer and basic credentials, JWTs and token parameters.

Only the secret is replaced: ``Authorization: Bearer [REDACTED]`` and
``access_token=[REDACTED]`` keep the log readable and say what was there.
"""

from __future__ import annotations

import re

from tenantlog.redaction.kinds import Kind, Scan

_QUOTES_AND_SPACE = " \t\"'"


def _looks_secret(value: str) -> bool:
    """Credentials mix character classes; words after "bearer" or "token=" do not."""
    if len(value) < 8:
        return False
    if len(value) >= 24 or any(ch.isdigit() or ch in "-._~+/=%" for ch in value):
        return True
    return value != value.lower() and value != value.upper()


def _value_after(text: str, start: int, end: int, skip: int) -> tuple[int, int] | None:
    """The span after ``skip`` characters of scheme or delimiter, if it looks secret."""
    value_start = start + skip
    while value_start < end and text[value_start] in _QUOTES_AND_SPACE:
        value_start += 1
    return (value_start, end) if _looks_secret(text[value_start:end]) else None


def _check_auth_scheme(text: str, start: int, end: int) -> tuple[int, int] | None:
    scheme_length = len("basic") if text[start + 1] in "aA" else len("bearer")
    return _value_after(text, start, end, scheme_length)


def _check_parameter(text: str, start: int, end: int) -> tuple[int, int] | None:
    return _value_after(text, start, end, 1)


def _check_aws_secret(text: str, start: int, end: int) -> tuple[int, int] | None:
    return end - 40, end


def _key_names(*names: str) -> str:
    """Look-behinds for ``name=``, ``name:``, ``"name":`` after the delimiter is consumed."""
    options = [f"(?<={re.escape(n)}{q}.)" for n in names for q in ("", '"', "'")]
    return "(?i:" + "|".join(options) + ")"


_TOKEN_VALUE = r"[A-Za-z0-9\-._~+/%]{8,}=*(?![A-Za-z0-9\-._~+/%=])"

KINDS: tuple[Kind, ...] = (
    # AKIA: long-term IAM user keys; ASIA: temporary STS credentials.
    Kind("aws_key_id", "aws_key", "AWS_KEY", "A", r"(?<![A-Za-z0-9].)(?:KIA|SIA)[A-Z0-9]{16}"
         r"(?![A-Za-z0-9])"),  # fmt: skip
    # A 40-character secret has no prefix of its own: only its parameter name tells.
    Kind(
        "aws_secret",
        "aws_key",
        "AWS_KEY",
        "=:",
        _key_names("aws_secret_access_key", "secret_access_key", "secretaccesskey",
                   "aws_secret_key", "aws_secret")  # fmt: skip
        + r"\s*[\"']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])",
        _check_aws_secret,
    ),
    Kind(
        "jwt",
        "token",
        "TOKEN",
        "e",
        r"(?<![A-Za-z0-9_\-].)yJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*"
        r"(?![A-Za-z0-9_\-])",
    ),
    Kind(
        "auth_scheme",
        "token",
        "TOKEN",
        "bB",
        r"(?<![A-Za-z0-9].)(?i:earer|asic)[ \t]+" + _TOKEN_VALUE,
        _check_auth_scheme,
    ),
    Kind(
        "token_param",
        "token",
        "TOKEN",
        "=:",
        _key_names("token", "api_key", "apikey", "api-key", "client_secret")
        + r"\s*[\"']?"
        + _TOKEN_VALUE,
        _check_parameter,
    ),
)

# Substrings without which no credential kind can match; ``in`` on a str runs
# at memory speed, far cheaper than letting the scan try every letter.
_HINTS = ("AKIA", "ASIA", "eyJ", "earer", "EARER", "asic", "ASIC", "oken", "OKEN", "ecret",
          "ECRET", "pi_key", "PI_KEY", "pikey", "PIKEY", "pi-key", "PI-KEY")  # fmt: skip


def _may_hold_credential(text: str) -> bool:
    return any(hint in text for hint in _HINTS)


SCAN = Scan(KINDS, trigger=_may_hold_credential, flags=re.ASCII)
