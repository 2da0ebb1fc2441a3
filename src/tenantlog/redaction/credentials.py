"""Cloud access keys, bearer and basic credentials, JWTs and token parameters.

Only the secret is replaced: ``Authorization: Bearer [REDACTED]`` and
``access_token=[REDACTED]`` keep the log readable and say what was there.
Key ids and auth schemes are branches of the combined scan; JWTs and secrets
known only by their parameter name have scans of their own.
"""

from __future__ import annotations

import re

from tenantlog.redaction.kinds import Kind, Scan

_QUOTES_AND_SPACE = " \t\"'"
# Laravel's APP_KEY writes "base64:" before its key.
_TOKEN_VALUE = r"(?:base64:)?[A-Za-z0-9\-._~+/%]{8,}=*(?![A-Za-z0-9\-._~+/%=])"


def _looks_secret(value: str) -> bool:
    """Credentials mix character classes; words after "bearer" or "token=" do not."""
    if len(value) < 8 or len(set(value)) == 1:
        return False  # short, or a mask: "xxxxxxxxxxxxxxxx", "****************"
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
    if text.startswith("%20", start + scheme_length):  # URL-encoded: "Bearer%20eyJ…"
        scheme_length += 3
    return _value_after(text, start, end, scheme_length)


#: How far back "Authorization" may be from GitHub's "token" scheme.
_AUTHORIZATION_WINDOW = 32


def _check_token_scheme(text: str, start: int, end: int) -> tuple[int, int] | None:
    """GitHub's "Authorization: token <40 hex>" (a classic token, without a prefix): only
    after an Authorization header, where "token <sha>" cannot be a commit."""
    if "authorization" not in text[max(0, start - _AUTHORIZATION_WINDOW) : start].lower():
        return None
    return _value_after(text, start, end, len("token"))


# Branches of the combined scan (see ``scans``), which starts them after a
# delimiter, so a key id or JWT inside a longer token is not one.
BRANCHES = (
    # AKIA: long-term IAM user keys; ASIA: temporary STS credentials.
    r"A[KS]IA[A-Z0-9]{16}(?![A-Za-z0-9])(?P<aws_key_id>)",
    r"[Bb](?i:earer|asic)(?:[ \t]+|%20)" + _TOKEN_VALUE + "(?P<auth_scheme>)",
    # tenantlog's own API keys (tenantlog.core.keys), wherever a log quotes one.
    # GitHub's "Authorization: token <40 hex>" shares the "t" (a branch less to try at
    # every word that starts with one).
    r"t(?:lk_[a-z0-9]{16}_[A-Za-z0-9]{32}(?![A-Za-z0-9])(?P<tenantlog_key>)"
    r"|oken[ \t]+[0-9a-f]{40}(?![0-9A-Za-z])(?P<auth_token_hex>))",
)
KINDS = {
    "aws_key_id": Kind("aws_key", "AWS_KEY"),
    "tenantlog_key": Kind("token", "TOKEN"),
    "auth_scheme": Kind("token", "TOKEN", _check_auth_scheme),
    "auth_token_hex": Kind("token", "TOKEN", _check_token_scheme),
}

_BASE64URL = r"[A-Za-z0-9_\-]"


def _check_jwt(text: str, start: int, end: int) -> tuple[int, int] | None:
    # Without ".payload.signature" the candidate is the header's run alone.
    return (start, end) if text.find(".", start, end) != -1 else None


def may_hold_jwt(text: str) -> bool:
    # A search for the literal costs a regex call; most texts have no "eyJ".
    return "eyJ" in text


# A JWT ("eyJ" is base64 for '{"') starts where the combined scan's values
# do: not right after a letter, digit, "." or "-" ("id_eyJ..." is one). It is
# a scan of its own, not a branch of the combined one, because an "eyJ" after
# each "_" of a long run without dots would otherwise re-read the rest of the
# run from every "_": seconds for 64 KiB. A JWT starting later in the run
# of a rejected candidate would end its header where the candidate does and
# be rejected too, so the scan skips the whole run.
JWT_SCAN = Scan(
    r"eyJ(?<![0-9A-Za-z.\-]eyJ)"
    + _BASE64URL
    + r"{4,}+(?:\."
    + _BASE64URL
    + r"{4,}+\."
    + _BASE64URL
    + r"*+)?(?P<jwt>)",
    {"jwt": Kind("token", "TOKEN", _check_jwt)},
    flags=re.ASCII,
    trigger=may_hold_jwt,
    skip_rejected=True,
)


# Names whose value is a credential: "access_token=", "api-key:",
# "aws_secret_access_key=", JSON "client_secret": ... Checked backwards from
# the delimiter, so only delimiters followed by a long value pay for it.
# Azure's storage and Service Bus connection strings ("AccountKey=…;",
# "SharedAccessKey=…"), Azure API Management's "Subscription-Key", Datadog's
# "DD_APP_KEY" and "auth_key": keys that are the secret, where "partition_key",
# "public_key" or "idempotency_key" are not.
_SECRET_NAME = re.compile(
    r"(?:token|api[_\-]?key|client[_\-]?secret|secret[_\-]?access[_\-]?key|aws[_\-]?secret"
    r"(?:[_\-]?key)?|account[_\-]?key|shared[_\-]?access[_\-]?key|subscription[_\-]?key"
    r"|app[_\-]?key|auth[_\-]?key|license[_\-]?key"
    # A bare "key" only as a query parameter: "maps/api/js?key=…".
    r"|(?<=[?&])key)[\"']?[ \t]?\Z",
    re.IGNORECASE,
)
# .NET's '<add key="Twilio:AuthToken" value="…"/>': the name in one attribute,
# the secret in "value".
_NAME_ATTRIBUTE = re.compile(
    r"(?:key|name)[ \t]*=[ \t]*[\"'](?P<name>[^\"'<>]{1,64})[\"'][ \t]+value\Z", re.IGNORECASE
)


def may_name_secret(text: str) -> bool:
    """Whether a secret's name can occur: ``_SECRET_NAME`` here, or those of ``passwords``.

    Every name holds one of these words. Case-folded, because the name is
    matched with Unicode case rules: the Kelvin sign is a "k" and the long s
    an "s" to ``re``, and to ``casefold``. One test for the parameter scans
    and the secrets' names, which run one after the other: the engine runs
    a trigger shared by neighbouring scans once.
    """
    folded = text.casefold()
    # A rare character first: found at memory speed, and many lines have none.
    return (
        ("k" in folded and ("token" in folded or "key" in folded or "psk" in folded))
        or "secret" in folded
        or ("=" in text and holds_session_pair(folded))
        or "pass" in folded
        or ("w" in folded and "pw" in folded)
        or ("y" in folded and "identified" in folded)
        or (not text.isascii() and names_secret_in_other_language(folded))
    )


# What may follow "sess" up to the "=" of a session cookie's name.
_REST_OF_NAME = re.compile(r"[\w.\-]*=")


def holds_session_pair(folded: str) -> bool:
    """Whether a case-folded text holds a session cookie's name and its "=".

    Most lines that say "session" hold none. ``str.find`` for "sess", then the
    rest of a name at each: a case-insensitive regex search would step
    through the whole text instead.
    """
    at = folded.find("sess")
    while at != -1:
        if _REST_OF_NAME.match(folded, at + 4):
            return True
        at = folded.find("sess", at + 4)
    return False


# Words for "password" that do not hold "pass" and are written with letters
# outside ASCII (``passwords``): a test only texts that are not ASCII pay for.
_OTHER_LANGUAGE_NAMES = (
    "contrase\u00f1a",
    "l\u00f6senord",
    "has\u0142o",
    "\u043f\u0430\u0440\u043e\u043b\u044c",
)


def names_secret_in_other_language(folded: str) -> bool:
    """Whether a case-folded text holds one of ``_OTHER_LANGUAGE_NAMES``."""
    return any(name in folded for name in _OTHER_LANGUAGE_NAMES)


def _check_parameter(text: str, start: int, end: int) -> tuple[int, int] | None:
    if text[start - 1 : start] in ("d", "D"):
        # No secret's name ends so, only session cookies' ("JSESSIONID"): most
        # such names are ids ("trace_id=") and cost no search.
        return _value_after(text, start, end, 1) if _names_key_or_session(text, start) else None
    if _SECRET_NAME.search(text, max(0, start - 32), start) is None and not (
        _names_key_or_session(text, start)
    ):
        attribute = _NAME_ATTRIBUTE.search(text, max(0, start - 96), start)
        if attribute is None or _SECRET_NAME.search(attribute.group("name")) is None:
            return None
    return _value_after(text, start, end, 1)


# An environment variable named "…_KEY" holds a key ("ALGOLIA_ADMIN_KEY=…"),
# unless its name says the key is public or an index's.
_ENV_KEY = re.compile(r"[A-Z][A-Z0-9_]*_KEY")
_NOT_SECRET_KEYS = re.compile(
    r"(?:PUBLIC|PUBLISHABLE|PARTITION|SORT|CACHE|PRIMARY|IDEMPOTENCY|FOREIGN|ROUTING|HASH"
    r"|RANGE|SEARCH|SITE|DEDUP|LOOKUP|OBJECT|GROUP|MESSAGE|TRACE|REQUEST|UNIQUE)_KEY\Z"
)
# Session cookies: their value is the login. The distinctive names anywhere;
# any name with "sess" in it only in a cookie header.
_SESSION_COOKIES = frozenset(
    {"jsessionid", "phpsessid", "asp.net_sessionid", "connect.sid", "sessionid"}
)
#: How far back a cookie header may start before a session cookie.
_COOKIE_WINDOW = 400
# The name before an "=", read backwards (its end is known, its start is not:
# a search forward would try every position before it).
_NAME_REVERSED = re.compile(r"[\w.\-]{1,64}")


def _names_key_or_session(text: str, start: int) -> bool:
    """Whether the name before "=" at ``start`` is an environment key or a session cookie."""
    if text[start] != "=":
        return False
    reversed_name = _NAME_REVERSED.match(text[max(0, start - 64) : start][::-1])
    if reversed_name is None:
        return False
    name = reversed_name.group()[::-1]
    if _ENV_KEY.fullmatch(name):
        return _NOT_SECRET_KEYS.search(name) is None
    folded = name.lower()
    if "sess" not in folded and folded != "connect.sid":
        return False
    return (
        folded.lstrip("_") in _SESSION_COOKIES
        or "cookie" in text[max(0, start - _COOKIE_WINDOW) : start].lower()
    )


def _parameter_scan(delimiter: str) -> Scan:
    """Secrets known only by their parameter name, found from ``delimiter``.

    A single literal first character is the cheapest scan ``re`` can run; the
    look-behind dismisses delimiters whose name cannot end in "token", "key"
    or "secret" before any value is read.
    """
    return Scan(
        re.escape(delimiter)
        # "token=", "token": and "TOKEN = " (INI, HCL, Python); an XML
        # attribute "value=" after the name's own attribute.
        + r"(?:(?<=[nNyYtTdD].)|(?<=[nNyYtT][\"'].)|(?<=[nNyYtT] .)|(?<=[vV][aA][lL][uU][eE].))"
        + r"\s*[\"']?"
        + _TOKEN_VALUE
        + "(?P<token_param>)",
        {"token_param": Kind("token", "TOKEN", _check_parameter)},
        trigger=may_name_secret,
        flags=re.ASCII,
    )


def _check_flag_parameter(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``--token x``, ``--api-key x``: a command-line flag, then its value."""
    flag = _FLAG_BEFORE.search(text, max(0, start - 40), start)
    if flag is None or _SECRET_NAME.search(text, flag.start(), start) is None:
        return None
    return _value_after(text, start, end, 1)


# "--token", "--auth-token", "--api-key", "--client-secret" just before the space.
_FLAG_BEFORE = re.compile(r"(?<![\w\-])--?[A-Za-z][\w\-]{0,38}\Z")
# A flag's value after a space: the name must end in "token", "key" or
# "secret", whose last letter the look-behind asks for before any value is
# read; the checker then wants a flag ("-" first) of such a name.
_TOKEN_FLAG_SCAN = Scan(
    r"[ \t](?<=[nNyYtT][ \t])" + _TOKEN_VALUE + "(?P<token_flag>)",
    {"token_flag": Kind("token", "TOKEN", _check_flag_parameter)},
    trigger=may_name_secret,
    flags=re.ASCII,
)

PARAMETER_SCANS = (_parameter_scan("="), _parameter_scan(":"), _TOKEN_FLAG_SCAN)
