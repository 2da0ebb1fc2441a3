"""Cloud access keys, bearer and basic credentials, JWTs and token parameters.

Only the secret is replaced: ``Authorization: Bearer [REDACTED]`` and
``access_token=[REDACTED]`` keep the log readable and say what was there.
Key ids and auth schemes are branches of the combined scan; JWTs and secrets
known only by their parameter name have scans of their own.
"""

from __future__ import annotations

import itertools
import re

from tenantlog.redaction.kinds import Kind, Scan
from tenantlog.redaction.validators import HEX_DIGITS

_QUOTES_AND_SPACE = " \t\"'"
# Laravel's APP_KEY writes "base64:" before its key.
# One "=" may sit inside the value: Atlassian's tokens end with "=" and a
# checksum ("ATATT3…=ITHA3SCR"). Only one, so that a candidate reads at most
# two runs: a run of "n=value" pairs, every name rejected, is read in linear time.
_VALUE_CHAR = r"[A-Za-z0-9\-._~+/%]"
# A "$" inside joins parts of one token (Braintree's "access_token$production$…$…"),
# never first: "$TOKEN" is a reference.
_TOKEN_VALUE = (
    # Laravel Sanctum's tokens start with their id and "|": "7|pkmyBwl2…".
    # Login with Amazon's "Atza|IwEB…" and "Atzr|…".
    # Sumsub's "prd:…" and "sbx:…": the environment before the token. Unleash's API
    # tokens: the project (or "*"), ":", the environment, ".", 64 hex.
    r"(?:base64:|[0-9]{1,10}\|(?=[A-Za-z0-9]{40})|At(?:z[ar]|c)\||(?:prd|sbx|live|test):(?=[A-Za-z0-9]{20})"
    r"|(?:\*|[a-z0-9_\-]{1,40}):(?=(?:\*|[a-z0-9_\-]{1,40})\.[0-9a-f]{64}(?![0-9A-Za-z])))?"
    + _VALUE_CHAR
    + r"{8,}(?:\$"
    + _VALUE_CHAR
    + r"++)*+"
    # Netatmo's tokens: the user's id in hex, "|", the token's. Ably's keys: the key's
    # name, ":", its secret.
    + r"(?:\|[0-9a-f]{32}(?![0-9A-Za-z])|(?<=\.[A-Za-z0-9_\-]{6}):[A-Za-z0-9_\-]{30,}+)?"
    + r"(?:=+"
    + _VALUE_CHAR
    # Not before a "*": "sk_live_****4f2a" is a mask, not the key "sk_live_".
    + r"+)?=*(?![A-Za-z0-9\-._~+/%=*])"
)


#: A mask that shows a few characters: "****************9fKd", "sk_live_...4f2a"
#: (``passwords`` takes it for a masked value too).
SHOWN_TAIL = r"[\w\-]{0,12}(?:\*{4,}|[\u2022\u25cf]{4,})\w{1,6}|[\w\-]{1,12}(?:\.{3}|\u2026)\w{0,6}"
_SHOWN_TAIL = re.compile(SHOWN_TAIL)


# A digit or a symbol of a token's alphabet.
_DIGIT_OR_SYMBOL = re.compile(r"[\d\-._~+/=%]")


_PARTS = re.compile(r"[._\-:]")
#: What example files write instead of a value: "CHANGE_ME", "YOUR_API_KEY_HERE".
EXAMPLE_VALUE = (
    r"(?:[a-z]{2,8}_)?(?:change[_\-]?me|change[_\-]?it|replace[_\-]?me)"
    r"|your[_\-][\w\-]*|[\w\-]*[_\-]here|placeholder"
    # redis.conf's sample "requirepass foobared", public since Redis was.
    r"|foobared"
)
_EXAMPLE_VALUE = re.compile(EXAMPLE_VALUE, re.IGNORECASE)
#: Keys public by design, sent to every browser: Stripe's publishable keys, Mapbox's
#: public tokens ("pk.eyJ…"; its secret ones start "sk.").
PUBLIC_VALUE = r"pk_(?:live|test)_\w+|pk\.eyJ[\w.\-]+"
_PUBLIC_VALUE = re.compile(PUBLIC_VALUE)
#: A digest's scheme before its hex ("hmac-sha256:1c9e…"): Vault's audit log HMACs
#: the tokens it logs.
_DIGEST_SCHEME = re.compile(r"(?:hmac-)?(?:sha|md5)[0-9]*", re.IGNORECASE)


def is_placeholder(value: str) -> bool:
    """A key's shape filled with one character: "sk_test_xxxxxxxxxxxxxxxx",
    "SG.xxxxx.yyyyy", "AKIAXXXXXXXXXXXXXXXX" (example files and docs).

    (AWS' documented example keys, "AKIAIOSFODNN7EXAMPLE", are redacted: tests
    and samples use them as they would a real key.)
    """
    if len(value) < 4 or value[-4:] != value[-1] * 4:
        return False  # a fill ends the value: most values are told by one comparison
    parts = [part for part in _PARTS.split(value) if part]
    if len(parts) == 1 and len(value) >= 12 and value[-1] in "xX" and len(set(value[4:])) == 1:
        return True  # a prefix of four, then the fill: "AKIAXXXXXXXXXXXXXXXX"
    filled = [part for part in parts if len(part) >= 4 and len(set(part)) == 1]
    # A prefix of the key's own stays ("sk", "test", "SG"): one fill alone ("0000") is
    # as likely a password.
    # (Or a provider's prefix of five or six small letters: "whsec_xxxxxxxx…".)
    return 0 < len(filled) < len(parts) and all(
        part in filled or len(part) <= 4 or (len(part) <= 6 and part.isalpha() and part.islower())
        for part in parts
    )


def _looks_secret(value: str) -> bool:
    """Credentials mix character classes; words after "bearer" or "token=" do not."""
    if len(value) < 8 or is_placeholder(value):
        return False
    characters = set(value)
    if len(characters) <= 5 and len(characters.difference("-_. ")) <= 1:
        return False  # a mask: "xxxxxxxxxxxxxxxx", "****", "xxxx-xxxx-xxxx-xxxx"
    if ("****" in value or "..." in value or "\u2026" in value) and _SHOWN_TAIL.fullmatch(value):
        return False  # a mask that shows a few characters: "****9fKd", "sk_live_...4f2a"
    if value.islower() and _SLUG.fullmatch(value):
        return False  # small words joined: a name ("task_key=train_model", "tok_visa_stub")
    if _STRIPE_OBJECT_ID.fullmatch(value):
        return False  # an object's id: a card's token ("token=tok_1PQx…"), a payment method's
    if is_plainly_other(value):
        return False
    if _CAMEL_WORDS.fullmatch(value):
        # Capitalised words joined: a type's or a binding's name ("UserIdentityToken=UserName",
        # "secondary_key=Gamepad_LeftThumbstick").
        return False
    if len(value) >= 24 or _DIGIT_OR_SYMBOL.search(value):
        return True
    # Capitals inside, not only a word's first letter: "Refreshing" is a word.
    return value[1:] != value[1:].lower() and value != value.upper()


def is_plainly_other(value: str) -> bool:
    """A value under a secret's name that is plainly something else: a time
    ("token_expires=2024-06-12T18:05Z"), PowerShell's cmdlet that reads or makes the
    secret ("$recoveryKey = Read-Host …"), a store's object path ("Key:
    exports/2024/03/10/_SUCCESS")."""
    # (Each shape's own sign tested first: this runs for every value under a name.)
    if value[:4].isdigit() and _DATE_TIME.match(value):
        return True
    if "-" in value and _CMDLET.fullmatch(value):
        return True
    return "/" in value and bool(_OBJECT_PATH.fullmatch(value) or _DATA_FILE_PATH.fullmatch(value))


_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}|\Z)")
#: PowerShell's Verb-Noun.
_CMDLET = re.compile(r"(?:Read|Get|ConvertTo|ConvertFrom|New|Import|Set)-[A-Z][A-Za-z]{2,40}")
#: A data file's path: Terraform's state under a backend's "key" ("aks/prod.terraform.tfstate").
_DATA_FILE_PATH = re.compile(
    r"(?:[\w.\-]+/)+[\w.\-]+\.(?:tfstate|json|ya?ml|txt|csv|parquet|gz|zip|tar|log|xml)"
)
#: A path of three parts or more, none of them random (no part mixes cases with digits).
_OBJECT_PATH = re.compile(
    r"(?:[a-z0-9_.\-]+|[A-Z0-9_.\-]+|[A-Z]?[a-z_.\-]+)"
    r"(?:/(?:[a-z0-9_.\-]+|[A-Z0-9_.\-]+|[A-Z]?[a-z_.\-]+)){3,}"
)
# (A version may end it: Mapbox's style "outdoors-v12".)
_SLUG = re.compile(r"[a-z]{2,}(?:[_\-][a-z]{2,})*(?:[_\-](?:[a-z]{2,}|v[0-9]{1,3}))")
#: Stripe's objects' ids, what its tokenised card and payments are known by.
_STRIPE_OBJECT_ID = re.compile(
    r"(?:tok|btok|pm|pi|ch|cus|src|card|seti|txn|re|py|evt|price|prod|sub|in|ii|po|tr)_"
    r"[A-Za-z0-9]{8,32}"
    # A Checkout Session's id, which its success URL carries ("?session_id=cs_live_…").
    r"|cs_(?:live|test)_[A-Za-z0-9]{16,80}"
)
_CAMEL_WORDS = re.compile(r"[A-Z][a-z]{2,}(?:_?[A-Z][a-z]{2,})+")


def _value_after(text: str, start: int, end: int, skip: int) -> tuple[int, int] | None:
    """The span after ``skip`` characters of scheme or delimiter, if it looks secret."""
    value_start = start + skip
    if text[value_start - 1 : value_start + 1] == "=>":
        value_start += 1
    while value_start < end and text[value_start] in _QUOTES_AND_SPACE:
        value_start += 1
    opening = text[value_start : value_start + 2]
    if len(opening) == 2 and opening[0] in "\\b" and opening[1] in "'\"":
        # An escaped quote (JSON in a string: '\\"refreshToken\\":\\"…') or a Python
        # bytes' literal (b'…'): the value starts after the quote.
        value_start += 2
    if text[end : end + 1] in _PASSWORD_SYMBOLS and text[value_start - 1 : value_start] not in (
        '"',
        "'",
    ):
        # A password's symbols go on with it: "SECURITY_KEY=th0rb0r-R3size!Key".
        while end < len(text) and text[end] not in _UNQUOTED_STOPS:
            end += 1
    value = text[value_start:end]
    # A quoted value runs to its quote: Firebase's registration tokens hold a ":"
    # ('"fcm_token":"RFAsL1E9…:APA91bLm…"'), Netatmo's a "|", a password a "!".
    value_end = end
    quote = text[value_start - 1 : value_start]
    if quote in ('"', "'") and text[end : end + 1] not in ("", quote):
        close = _QUOTED_REST.match(text, end)
        if close is None or text[close.end() : close.end() + 1] != quote:
            # ... blanks too, once the part before them looks secret: a recovery key
            # '="Gw-Rec0very Key!2024"' (a sentence is no secret: judged below).
            close = _QUOTED_SPACED_REST.match(text, end)
        if close is not None and text[close.end() : close.end() + 1] == quote:
            value_end = close.end()
    if (
        not _looks_secret(text[value_start:value_end])
        or is_reference(text, value_start, end)
        or _EXAMPLE_VALUE.fullmatch(value)
        or _PUBLIC_VALUE.fullmatch(value)
    ):
        return None
    if text[end : end + 1] == ":" and _DIGEST_SCHEME.fullmatch(value):
        return None  # a digest of the token, not the token: "hmac-sha256:1c9e…"
    if _WORDS_OF_A_NAME.fullmatch(value) and _names_secret(text, value_start, end):
        # A name, not its value: "cannot fetch token: client_secret is missing",
        # "renewing token: X-Vault-Token: hvs.…" (a header's name, then its value).
        return None
    if text[end : end + 1] == ":":
        # A key's id, then its secret: Ghost's Admin API keys ("<24 hex>:<64 hex>").
        secret = _SECRET_AFTER_ID.match(text, end)
        if secret is not None and (HEX_DIGITS.issuperset(value) or _NUMBERED_ID.fullmatch(value)):
            # (Asana's personal access tokens: "2/<user>/<app>:<32 hex>".)
            return value_start, secret.end()
    signed = _SIGNED_TAIL.match(text, value_end)
    if signed is not None:
        return value_start, signed.end()  # oauth2-proxy's cookie: "<value>|<time>|<signature>"
    return value_start, _hex_groups_end(text, value_start, value_end)


#: Groups of hex after the first, one blank before each: a key printed in
#: groups ("Join Key: C684B3B1 BEAF17F8 9D39C0A3 BF1799EB").
_MORE_HEX_GROUPS = re.compile(r"(?: [0-9A-Fa-f]{4,8}+){2,15}+(?![^\s,;\"'])")


def _hex_groups_end(text: str, start: int, end: int) -> int:
    """Where a value of hex groups of one width ends; ``end`` for any other value."""
    width = end - start
    if not 4 <= width <= 8 or not HEX_DIGITS.issuperset(text[start:end]):
        return end
    more = _MORE_HEX_GROUPS.match(text, end)
    if more is None or any(len(group) != width for group in more.group().split()):
        return end
    return more.end()


_WORDS_OF_A_NAME = re.compile(r"[A-Za-z_\-]+")
#: A signed cookie's time and signature after its value.
_SIGNED_TAIL = re.compile(r"\|[0-9]{9,11}\|[A-Za-z0-9+/_\-]{20,}={0,2}")
#: Numbers joined by "/", a token's id before its secret.
_NUMBERED_ID = re.compile(r"[0-9]+(?:/[0-9]+){1,3}")
#: The secret after a key's id and its ":", hex as long as a key.
_SECRET_AFTER_ID = re.compile(r":[0-9a-fA-F]{32,}(?![0-9A-Za-z_\-])")
#: The rest of a quoted value after a character that ended its unquoted form ("…:…",
#: "…|…", "…!…"), up to its closing quote: no blank, quote or escape.
_QUOTED_REST = re.compile(r"[^\s\"'\\]{1,512}")
_QUOTED_SPACED_REST = re.compile(r"[^\"'\\\n]{1,128}")


#: A configuration provider's reference, a path and a key: Kafka Connect's
#: "${secrets:connect/pg-sink:password}", "${file:/opt/connect.properties:pw}".
PROVIDER_REFERENCE = r"\$\{[a-z][\w\-]*:[^\s{}:]+:[^\s{}]+\}"
#: A keyword argument's name and its "=".
_KEYWORD_ARGUMENT = re.compile(r"[A-Za-z_]\w*=")
# Code that reads the secret from elsewhere, up to its call or subscript:
# "os.environ[…]", "System.getenv(…)", "jwt.sign(…)".
_CODE_PATH = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")
# Terraform's references ("var.db_password", "data.vault_generic_secret.x"),
# and the path of a file of keys or settings ("/etc/nginx/tls/site.key",
# "/etc/redis/redis.conf"); a password may start with "/" ("MYSQL_PWD=/x/pw"),
# seldom with three parts of a path.
_REFERENCE = re.compile(
    r"(?:var|local|data|module|each)\.[A-Za-z_][\w.\-\[\]\"']*"
    # Node's "process.env.DISCORD_TOKEN"; Azure App Service's Key Vault reference,
    # "@Microsoft.KeyVault(SecretUri=https://…)".
    r"|(?:process|import\.meta)\.env\.[A-Za-z_]\w*|@Microsoft\.KeyVault\([^()\s]*\)?"
    # Vault's KV version 2 paths, a key after them: Ansible's "secret=kv/data/okta/api:token".
    r"|(?:kv|secret)/data/[\w.\-/]+(?::[\w.\-]+)?"
    + "|"
    + PROVIDER_REFERENCE
    # Nextflow's and GitHub's secrets by name: "accessToken = secrets.TOWER_ACCESS_TOKEN".
    + r"|secrets\.[A-Z_][A-Z0-9_]*"
    # Grafana's expansion of a file's, a variable's or Vault's value: "$__file{/etc/x}".
    + r"|\$__(?:file|env|vault)\{[^{}\s]{1,256}\}?"
    # Google Cloud's resource names of a key or a secret: "projects/p/locations/l/keyRings/…",
    # "projects/p/secrets/db-password/versions/3".
    r"|projects/[\w.\-]+/(?:locations|secrets)/[\w.\-/]+"
    # Windows' "%SECRET_KEY%"; OpenSSL's pass phrase sources, "-pass env:VAR", "file:…",
    # "fd:3" ("pass:…" is the phrase itself); PowerShell's "(Get-Credential CORP\dba)",
    # Ruby's "Aws::Credentials.new(…": code that asks for it.
    r"|%[A-Za-z_]\w*%|(?:env|file|fd):[\w.\-/]+|\(Get-Credential\b[^()\n]*\)?"
    # PowerShell's "$env:SA_PASSWORD"; a shell's command that prints it from a file,
    # "$(cat /run/secrets/db_password)".
    r"|\$env:[A-Za-z_]\w*|\$\((?:cat|type|Get-Content|gc)[ \t]+[^()\s]+\)"
    # altool's "-p @keychain:AC_PASSWORD" and "@env:VAR"; Vault's "password=@pass.txt".
    r"|@(?:keychain|env):[\w.\-]+|@[\w\-]+(?:\.[\w\-]+)*\.(?:txt|json|ya?ml|pem|key|b64|enc|bin|conf)"
    # (Names of letters first: "A::0" and "Q9::z7" are passwords.)
    r"|[A-Z][A-Za-z]\w*(?:::[A-Za-z_]\w*)+(?:\.\w+)*\(?"
    # A file the tool reads the value from: Vault's and curl's "password=@/dev/stdin", "@-".
    r"|@(?:-|(?:~|\.{1,2})?/[\w.\-/]*)"
    r"|(?:[\w\-]+:)?(?:~|\.{1,2})?/(?:[\w.\-]+/)*[\w\-]+"
    r"\.(?:key|pem|crt|cer|p12|pfx|jks|keystore|gpg|asc|der|conf|cfg|ini|json|ya?ml|txt|env"
    # ... or a file named for its secret: kubectl's "--from-file=password=./tls.pass".
    r"|pass|secret|token|pwd)"
    # ... or of three parts or more, whatever its name ("/home/ci/.ssh/id_rsa",
    # systemd's "LoadCredential=db-password:/etc/credstore/db-password"), the
    # first named by a letter ("/0/0/0" is no directory's path).
    r"|(?:[\w\-]+:)?(?:~|/[\w.\-]*[A-Za-z][\w.\-]*)/[\w.\-]+/[\w.\-]+(?:/[\w.\-]+)*"
)


def is_reference(text: str, start: int, end: int) -> bool:
    """Whether the value ``text[start:end]`` says where a secret is, not what it is."""
    if end < len(text) and text[end] in "([" and _CODE_PATH.fullmatch(text, start, end):
        return True
    call = text.find("(", start, end)
    if (
        call != -1
        and "." in text[start:call]
        and _CODE_PATH.fullmatch(text, start, call)
        and _KEYWORD_ARGUMENT.fullmatch(text, call + 1, end)
    ):
        return True  # a call cut at its first argument's "=": "dbutils.secrets.get(scope="
    return _REFERENCE.fullmatch(text, start, end) is not None


#: How far back a scheme's header name may be: "Authorization: Bot …".
_HEADER_WINDOW = 24


def _after_authorization_header(text: str, start: int) -> bool:
    """Whether an ``Authorization`` header's name comes just before ``start``."""
    return "authorization" in text[max(0, start - _HEADER_WINDOW) : start].lower()


def _check_auth_scheme(text: str, start: int, end: int) -> tuple[int, int] | None:
    second = text[start + 1]
    if second in "oO":
        # Discord's "Bot" scheme, a word of prose but for the header before it.
        if not _after_authorization_header(text, start):
            return None
        scheme_length = len("bot")
    else:
        scheme_length = len("basic") if second in "aA" else len("bearer")
    if text.startswith("%20", start + scheme_length):  # URL-encoded: "Bearer%20eyJ…"
        scheme_length += 3
    if _NEXT_PAIR.match(text, start + scheme_length):
        return None  # a scheme's name, then the next pair: "token_type=Bearer expires_in=3600"
    if text.startswith((" -", "\t-"), start + scheme_length) and text[start - 1 : start] == "=":
        return None  # a setting, then a command's next flag: "authtype=basic -allowUntrusted"
    span = _value_after(text, start, end, scheme_length)
    if span is not None and second in "aA" and text[span[1] : span[1] + 1] == ":":
        # Basic's login written out, not encoded ("basic user:pw"): its password alone.
        if text.startswith("[REDACTED", span[1] + 1):
            return None  # replaced by an earlier pass
        password_end = span[1] + 1
        while password_end < len(text) and text[password_end] not in _LOGIN_STOPS:
            password_end += 1
        return (span[1] + 1, password_end) if password_end > span[1] + 1 else span
    return span


#: Symbols a password holds where a token's characters stop, and where it ends then.
_PASSWORD_SYMBOLS = frozenset("!#*^")
_UNQUOTED_STOPS = frozenset(" \t\r\n\"'&;,)]}<>|`")
#: Where a password written out after "Basic user:" ends.
_LOGIN_STOPS = frozenset(" \t\r\n\"'&;,)")


def _check_named_scheme(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A credential after a scheme that is a word of prose but in the header."""
    if not _after_authorization_header(text, start):
        return None
    scheme = start
    while text[scheme].isalpha():
        scheme += 1
    if _SCHEME_PARAMETER.match(text, scheme):
        return None  # OAuth 1's parameters, each found by its own name: 'OAuth oauth_token="…"'
    return _value_after(text, start, end, scheme - start)


_SCHEME_PARAMETER = re.compile(r"[ \t]+[A-Za-z_]{2,32}=\"")


_NEXT_PAIR = re.compile(r"[ \t]+[a-z_]{2,32}=")


#: How far back "Authorization" may be from GitHub's "token" scheme.
_AUTHORIZATION_WINDOW = 32


def _check_token_scheme(text: str, start: int, end: int) -> tuple[int, int] | None:
    """GitHub's "Authorization: token <40 hex>" (a classic token, without a prefix;
    Phrase's and Gitea's the same way): only after an Authorization header, where
    "token <sha>" cannot be a commit."""
    if "authorization" not in text[max(0, start - _AUTHORIZATION_WINDOW) : start].lower():
        return None
    return _value_after(text, start, end, len("token"))


#: An AWS access key's id. AKIA: long-term IAM user keys; ASIA: temporary STS credentials.
AWS_KEY_ID = r"A[KS]IA[A-Z0-9]{16}"


def _check_aws_key_id(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A key id, unless it is a fill ("AKIAXXXXXXXXXXXXXXXX")."""
    return None if is_placeholder(text[start:end]) else (start, end)


# Branches of the combined scan (see ``scans``), which starts them after a
# delimiter, so a key id or JWT inside a longer token is not one.
BRANCHES = (
    AWS_KEY_ID + r"(?![A-Za-z0-9])(?P<aws_key_id>)",
    r"[Bb](?i:earer|asic|ot)(?:[ \t]+|%20)" + _TOKEN_VALUE + "(?P<auth_scheme>)",
    # Elasticsearch's "ApiKey" and Splunk HEC's "Splunk" schemes, Kerberos' and
    # NTLM's "Negotiate" and "NTLM", Okta's "SSWS", hawkBit's "TargetToken" and
    # "GatewayToken", OAuth 1's and others' "OAuth", "Key", "Token", after the header's name.
    r"(?:ApiKey|Splunk|Negotiate|NTLM|SSWS|TargetToken|GatewayToken|OAuth|Key|Token)[ \t]+"
    + _TOKEN_VALUE
    + "(?P<auth_scheme_named>)",
    # tenantlog's own API keys (tenantlog.core.keys), wherever a log quotes one.
    # GitHub's "Authorization: token <40 hex>" shares the "t" (a branch less to try at
    # every word that starts with one).
    r"t(?:lk_[a-z0-9]{16}_[A-Za-z0-9]{32}(?![A-Za-z0-9])(?P<tenantlog_key>)"
    r"|oken[ \t]+" + _TOKEN_VALUE + r"(?P<auth_token_hex>))",
    # Django REST Framework's "Token <40 hex>": a branch of its own, since a
    # class "[tT]" for both would cost every word the fast test of "t".
    r"Token[ \t]+" + _TOKEN_VALUE + r"(?P<auth_token_title>)",
)
KINDS = {
    "aws_key_id": Kind("aws_key", "AWS_KEY", _check_aws_key_id),
    "tenantlog_key": Kind("token", "TOKEN"),
    "auth_scheme": Kind("token", "TOKEN", _check_auth_scheme),
    "auth_scheme_named": Kind("token", "TOKEN", _check_named_scheme),
    "auth_token_hex": Kind("token", "TOKEN", _check_token_scheme),
    "auth_token_title": Kind("token", "TOKEN", _check_token_scheme),
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
    # A JWE's five parts: its ciphertext and tag after the key and the vector.
    + r"*+(?:\."
    + _BASE64URL
    + r"*+\."
    + _BASE64URL
    + r"*+)?)?(?P<jwt>)",
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
# "public_key" or "idempotency_key" are not (``_names_secret_key`` takes
# the other names ending in a key).
# Each "_" stands for an optional "_" or "-" ("api_key", "api-key", "apikey").
_SECRET_NAMES = (
    *("token", "api_key", "client_secret", "secret_access_key", "aws_secret", "aws_secret_key"),
    # Consul's ACL token and Vault's AppRole credential ("SecretID:", "secret_id=").
    "secret_id",
    *("account_key", "shared_access_key", "subscription_key", "app_key", "application_key"),
    "auth_key",
    # OCPP's charge point password, set as a configuration key ("AuthorizationKey").
    "authorization_key",
    "license_key",
    # A client's own key, however it is glued: Hue's "clientkey", TLS' "client_key".
    "client_key",
    # OCLC's and Europeana's web service keys ("?wskey=…"), a developer's key ("devkey").
    *("ws_key", "dev_key"),
    # A message authentication code's key: "hmac_key", "hmacKey"; or the code itself,
    # which signs a message as a signature does ('"hmac":"6877a3…"', "cle_hmac=").
    *("hmac_key", "hmac"),
    # Rails' Active Record encryption: "key_derivation_salt:" (its "primary_key:" is a
    # column's name elsewhere: a bare key's, only when its value looks random).
    "key_derivation_salt",
    # Drupal's "$settings['hash_salt']", a site's secret for its one-time links.
    "hash_salt",
    # A login's ticket: Umbraco's and ASP.NET's "auth_ticket=…", a game's "SessionTicket=".
    *("auth_ticket", "session_ticket"),
    # A request's signature (AWS SigV4's "Signature=", a presigned URL's
    # "X-Amz-Signature="): it opens the object to anyone holding the URL.
    "signature",
    # Sign in with Apple's and OAuth's one-time code ('"authorizationCode":"c84a…"').
    "authorization_code",
    "auth_code",
    # An S3-compatible store's key id, whatever its shape (MinIO's, R2's, Spaces'):
    # AWS' own are redacted wherever they stand.
    *("access_key_id", "access_key"),
    # A wireless network's key to join it or to read its traffic: ISA100's and
    # WirelessHART's "join_key", Zigbee's "network key"; LoRaWAN's session keys
    # ("AT+APPSKEY=", "NwkSKey").
    *("join_key", "network_key", "apps_key", "nwks_key"),
    # An account's key to recover it (Apple ID's "Recovery Key: …"), Spring Cloud
    # Config's symmetric key ("ENCRYPT_KEY=", "encrypt.key").
    *("recovery_key", "encrypt_key"),
    # Redshift's COPY of client-side encrypted files: "master_symmetric_key=…".
    "symmetric_key",
    # A form's CSRF key (Harbor's "CSRF_KEY").
    "csrf_key",
)


# Read backwards from the delimiter: one anchored match. Searched forwards
# for a name ending at the delimiter, ``re`` tried the whole case-blind
# alternation at each of the 32 characters before it (3 µs a pair).
_SECRET_NAME_REVERSED = re.compile(
    # (A subscript's bracket too: PHP's "$settings['hash_salt'] = …".)
    r"[ \t]?\]?[\"']?\\?(?:"
    # Shortest first: "access_key" ends "shared_access_key" too, and the window
    # decides whether the shorter one, which fits in more of them, is found.
    + "|".join(name[::-1].replace("_", r"[_\-]?") for name in sorted(_SECRET_NAMES, key=len))
    # A bare "key" only as a query parameter: "maps/api/js?key=…".
    + r"|yek(?=[?&]))",
    re.IGNORECASE,
)
#: Longer than any name with its quote and blank.
_SECRET_NAME_WINDOW = 40
# The same names in words, as a console or a form prints them: "API Key: …",
# Apple's "Recovery Key: …", a gateway's "Join Key: …". Prose names them too
# ("API key: missing"), so their value must be one a machine made (``_machine_made``).
_SPACED_SECRET_NAME_REVERSED = re.compile(
    r"[\"']?(?:"
    + "|".join(name[::-1].replace("_", " ") for name in _SECRET_NAMES if "_" in name)
    + r")(?![A-Za-z])",
    re.IGNORECASE,
)


def _machine_made(value: str) -> bool:
    """Twelve characters or more besides blanks, letters and digits among them:
    no word or id a person types ("lkc-7q2x9m", a cluster's id, is shorter)."""
    compact = value.replace(" ", "")
    return (
        len(compact) >= 12
        and any(ch.isdigit() for ch in compact)
        and any(ch.isalpha() for ch in compact)
    )


def _names_secret(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` ends with a secret's name (and a quote, a blank)."""
    low = max(start, end - _SECRET_NAME_WINDOW)
    # One character more: the "?" before a bare "key" may lie before ``start``.
    found = _SECRET_NAME_REVERSED.match(text[max(0, low - 1) : end][::-1])
    return found is not None and found.end() <= end - low


# .NET's '<add key="Twilio:AuthToken" value="…"/>': the name in one attribute,
# the secret in "value"; the same two fields in JSON ('{"name": "API_KEY",
# "value": "…"}', ECS' and Kubernetes' environment) and in CloudFormation's
# shorthand ("ParameterKey=ApiToken,ParameterValue=…").
_NAME_ATTRIBUTE = re.compile(
    # (External Secrets' "property": a key of the secret it fetched.)
    r"(?:key|name|property)[\"']?[ \t]*[=:][ \t]*"
    r"(?:[\"'](?P<name>[^\"'<>]{1,64})[\"']|(?P<bare>[\w.\-]{1,64}))"
    r"(?:[ \t]+|[ \t]*,[ \t]*(?:(?:\\n|\r?\n)[ \t]*)?[\"']?|[ \t]*(?:\\n|\n)[ \t]*)"
    # (An XML namespace's prefix on both: Android's '<meta-data android:name="…API_KEY"
    # android:value="…"/>'.)
    r"(?:[A-Za-z]\w{0,15}:)?(?:parameter)?value[\"']?\Z"
    # Hadoop's "<name>fs.azure.account.key</name><value>…".
    r"|<name>(?P<element>[^<>]{1,64})</name>[ \t]*(?:\\n|\r?\n)?[ \t]*<value\Z",
    re.IGNORECASE,
)


def may_name_secret(text: str) -> bool:
    """Whether a secret's name can occur: ``_SECRET_NAMES`` here, or those of ``passwords``.

    Every name holds one of ``SECRET_NAME_WORDS`` or is a pair's
    (``holds_named_pair``). Case-folded, because the name is matched with
    Unicode case rules: the Kelvin sign is a "k" and the long s an "s" to
    ``re``, and to ``casefold``. One test for the parameter scans and the
    secrets' names, which run one after the other: the engine runs a trigger
    shared by neighbouring scans once.
    """
    folded = text.casefold()
    return (
        any(word in folded for word in SECRET_NAME_WORDS)
        or holds_other_authorization(folded)
        or (("=" in text or ":" in text or "value" in folded) and holds_named_pair(text, folded))
    )


# What may follow "sess" up to the "=" of a session cookie's name, or up to
# the field of its value when a HAR export writes it as fields:
# '{"name": "laravel_session", "value": "…"}' (case-folded text).
_REST_OF_NAME = re.compile(r"[\w.\-]*(?:=|[\"'][ \t]*:|[\"']?[ \t]*(?:,|\\n|\n)[ \t]*[\"']?value)")


#: An Authorization header whose credential follows no scheme the combined scan knows
#: ("Bearer", "Basic", "Bot"): another scheme's, or one with none.
_OTHER_SCHEME = re.compile(r"[\"']?[ \t]*[:=][ \t]*+(?:b?[\"'])?+(?!(?:bearer|basic|bot)[ \t])")


def holds_other_authorization(folded: str) -> bool:
    """Whether an Authorization header's credential (in the case-folded text) is for
    the parameter scans: after a scheme of another name ("Klaviyo-API-Key pk_…") or
    none ("sk_sbox_…"). ``str.find`` for the name, as ``holds_named_pair`` does."""
    at = folded.find("authorization")
    while at != -1:
        if _OTHER_SCHEME.match(folded, at + 13):
            return True
        at = folded.find("authorization", at + 13)
    return False


def holds_named_pair(text: str, folded: str) -> bool:
    """Whether a text holds a pair named without "token", "key" or "secret".

    A session cookie's name and its "=" (``folded``, the case-folded text:
    "sess" in most names, Express's "connect.sid" or a bare "sid", "remember…",
    WordPress' "wordpress_…", SAP's "MYSAPSSO2"), or a URL's "sig=" (Azure
    SAS), "code=" (Azure Functions' keys, OAuth codes) or "appid="
    (OpenWeatherMap's keys) after its "?" or "&", looked for as written (in
    ``text``). Most lines that say "session" hold none. ``str.find`` for
    "sess", then the rest of a name at each: a case-insensitive regex search
    would step through the whole text instead.
    """
    at = folded.find("sess")
    while at != -1:
        if _REST_OF_NAME.match(folded, at + 4):
            return True
        at = folded.find("sess", at + 4)
    # Each word behind a character its pair must hold: a search for one
    # character costs a quarter of one for a word, and most lines with an
    # "=" hold no such pair. A "remember…" cookie anywhere (its value decides:
    # one no person wrote is a session's); a URL's parameters follow its "?" or "&".
    return (
        "sid=" in folded
        or "wordpress_" in folded
        or "mysapsso2" in folded
        or "authcookie=" in folded
        or "oauth2_proxy=" in folded
        or ("asp" in folded and ("aspxauth" in folded or "aspnetcore." in folded))
        or "remember" in folded
        or (
            ("?" in text or "&" in text)
            and (
                "sig=" in text
                or "code=" in text
                or "appid=" in text
                or "app_id=" in text
                or "auth=" in text
                # A one-time link's token: "?t=", "?tk=" (not every name ending in "t").
                or "?t=" in text
                or "&t=" in text
                or "?tk=" in text
                or "&tk=" in text
                or "invite=" in text
                or "jeton=" in text
                or "codigo=" in text
                or "oobCode=" in text  # Firebase's email action: "?mode=resetPassword&oobCode="
            )
        )
    )


# Words for "password" that do not hold "pass" and are written with letters
# outside ASCII (``passwords``).
_OTHER_LANGUAGE_NAMES = (
    "contrase\u00f1a",
    "l\u00f6senord",
    "has\u0142o",
    "\u043f\u0430\u0440\u043e\u043b\u044c",
    # Japanese, Chinese (simplified and traditional) and Korean.
    "\u30d1\u30b9\u30ef\u30fc\u30c9",
    "\u5bc6\u7801",
    "\u5bc6\u78bc",
    "\ube44\ubc00\ubc88\ud638",
    # Arabic ("kalimat al-murur", "kalimat as-sirr"), Persian ("ramz-e obur"),
    # Hebrew (both spellings), Hindi, Thai, Greek (the stem of "kodikos"),
    # Turkish, Vietnamese, Hungarian.
    "\u0643\u0644\u0645\u0629 \u0627\u0644\u0645\u0631\u0648\u0631",
    "\u0643\u0644\u0645\u0629 \u0627\u0644\u0633\u0631",
    # ... as a field's name, joined by "_": '"كلمة_المرور": "…"'.
    "\u0643\u0644\u0645\u0629_\u0627\u0644\u0645\u0631\u0648\u0631",
    "\u0631\u0645\u0632 \u0639\u0628\u0648\u0631",
    "\u05e1\u05d9\u05e1\u05de\u05d4",
    "\u05e1\u05d9\u05e1\u05de\u05d0",
    "\u092a\u093e\u0938\u0935\u0930\u094d\u0921",
    "\u0e23\u0e2b\u0e31\u0e2a\u0e1c\u0e48\u0e32\u0e19",
    "\u03ba\u03c9\u03b4\u03b9\u03ba",
    "\u015fifre",
    "m\u1eadt kh\u1ea9u",
    "jelsz\u00f3",
    # Keys, secrets and tokens in other languages: German "Schlüssel" (its compounds),
    # French "clé secrète", Japanese "シークレット", "APIキー", "アクセストークン".
    "schl\u00fcssel",
    "secr\u00e8te",
    "\u30b7\u30fc\u30af\u30ec\u30c3\u30c8",
    "api\u30ad\u30fc",
    "\u30a2\u30af\u30bb\u30b9\u30c8\u30fc\u30af\u30f3",
    # Russian "секретный ключ" (a secret key).
    "\u0441\u0435\u043a\u0440\u0435\u0442\u043d\u044b\u0439 \u043a\u043b\u044e\u0447",
    # Icelandic "lykilorð"; Japanese "暗号化キー" (an encryption key).
    "lykilor\u00f0",
    "\u6697\u53f7\u5316\u30ad\u30fc",
    # Japanese "パスフレーズ" (a passphrase).
    "\u30d1\u30b9\u30d5\u30ec\u30fc\u30ba",
    # Chinese "miyao" (a key; simplified, its common misspelling, traditional).
    "\u5bc6\u94a5",
    "\u79d8\u94a5",
    "\u5bc6\u9470",
)


#: Secrets' names of configuration files and devices that hold no other
#: name's word: Redis's "masterauth", SSSD's "authtok", SNMP's "community", a
#: wallet's BIP39 "mnemonic" (its words are its private keys).
DIRECTIVE_NAME_WORDS = ("masterauth", "authtok", "community", "mnemonic")


#: Words for "password" in other languages, written in ASCII: Portuguese,
#: Dutch, Turkish, Romanian, French, German, Finnish, Czech and Slovak,
#: Croatian and Serbian, Slovene, Danish, Spanish without its "ñ" and its
#: "clave", Indonesian's "kata sandi" (the regex wants both words).
#: Norwegian's "passord" holds "pass".
PASSWORD_WORDS_ASCII = (
    "senha",
    "wachtwoord",
    # Turkish without its "ş" and Romanian's "parola"; French's "mdp" (mot de passe).
    "sifre",
    "parola",
    "mdp",
    "kennwort",
    "salasana",
    "heslo",
    "lozinka",
    "geslo",
    "adgangskode",
    # Danish's and Norwegian's other word ("kodeord").
    "kodeord",
    "contrasena",
    "clave",
    "sandi",
    # A key or a secret in Portuguese ("chave de API", "chave secreta", "segredo") and
    # German written in ASCII ("API-Schluessel").
    "chave",
    "segredo",
    "schluessel",
    # Icelandic's "lykilorð" written without its "ð"; Hungarian's "jelszava" (its password).
    "lykilord",
    "jelszav",
    # Italian's "chiave segreta", Polish's "klucz szyfrujący" (the regex wants both words).
    "chiave",
    "klucz",
)
#: Names of pairs without "token", "key" or "secret" (``holds_named_pair``):
#: session cookies (WordPress' and SAP's too), a URL's "sig", "code" and "appid".
NAMED_PAIR_WORDS = (
    *("sess", "sid=", "remember", "sig=", "code=", "aspxauth", "aspnetcore."),
    *("wordpress_", "mysapsso2", "appid=", "app_id=", "authcookie=", "oauth2_proxy="),
    *("auth=", "?t=", "&t=", "?tk=", "&tk=", "invite=", "jeton=", "codigo=", "oobcode="),
)
#: Words in a secret's name, looked for in the case-folded text.
SECRET_NAME_WORDS = (
    "token",
    "key",
    "psk",
    "secret",
    "pass",
    "pw",
    "pswd",  # ACORD's "<Pswd>", "CustPswd"
    "identified",
    "credential",
    "signature=",
    "hmac",
    *("authorizationcode", "authorization_code", "authorization-code"),
    *("authcode", "auth_code", "auth-code"),
    *("auth_ticket", "authticket", "auth-ticket"),
    # Drupal's "hash_salt", an environment's "…_SALT", any salt by its name (a random
    # value only); a personal access token's "…_PAT=".
    *("salt", "_pat=", "authentication="),
    *DIRECTIVE_NAME_WORDS,
    *_OTHER_LANGUAGE_NAMES,
    *PASSWORD_WORDS_ASCII,
)


#: A token that pages through a list, no credential: Google's "nextPageToken",
#: AWS' "NextToken" and S3's "NextContinuationToken", Google's "prevPageToken",
#: Kubernetes' "continue" token, a change stream's "resumeToken";
#: or one that makes a request idempotent: AWS' "ClientRequestToken", EC2's "ClientToken"
#: (Vault's "client_token" is a login's).
_NOT_A_CREDENTIAL_TOKEN = re.compile(
    r"(?<![^\W_])(?:page|next(?:[_\-]?(?:page|continuation))?|prev(?:ious)?[_\-]?page"
    # (Microsoft Graph's "$skiptoken" too.)
    r"|continu(?:e|ation)|sync|resume|skip"
    r"|client[_\-]?request|(?-i:Client)|idempotency)"
    r"[_\-]?token[\"']?[ \t]?\Z",
    re.IGNORECASE,
)
#: The shortest "code" in a URL's query taken for a secret: "?code=200" is a status.
_MIN_CODE = 20


#: A URL's parameters that carry a one-time link's token under a name of no secret:
#: a magic sign-in link's "?t=…", an invitation's "?invite=…", French and Spanish
#: "?jeton=…", "?codigo=…", Firebase's email action "&oobCode=…".
_ONE_TIME_PARAMETERS = tuple(
    f"{lead}{name}" for name in ("t", "tk", "invite", "jeton", "codigo", "oobCode") for lead in "?&"
)
#: Their last letters: a name that ends otherwise is none of them, told by one test.
_ONE_TIME_LAST = frozenset(name[-1] for name in _ONE_TIME_PARAMETERS)


def _check_parameter(text: str, start: int, end: int) -> tuple[int, int] | None:
    last = text[start - 1 : start]
    if (last == "g" or last == "e") and _in_query(text, start):
        return _check_query_parameter(text, start, end)
    if last in _ONE_TIME_LAST and text.endswith(_ONE_TIME_PARAMETERS, 0, start):
        # Its value decides: "?t=1733603600" is a time, "?t=8EjRcXlG…" no person wrote.
        value = text[start + 1 : end]
        return (start + 1, end) if looks_random(value) else None
    if (
        last == "h"
        and text[start - 5 : start - 4] in ("?", "&")
        and text.startswith("auth", start - 4)
    ):
        value = text[start + 1 : end]
        return (start + 1, end) if looks_random(value) else None
    if last == "d" and (
        text[start - 6 : start] in _APPID_PARAMETERS or text[start - 7 : start] in _APPID_PARAMETERS
    ):
        value = text[start + 1 : end]
        hex_key = len(value) == 32 and HEX_DIGITS.issuperset(value) and not value.isdigit()
        return (start + 1, end) if hex_key else None
    if last in _SESSION_ENDINGS and not (
        (last == "c" or last == "C") and text[start - 4 : start].lower() == "hmac"
    ):
        # No secret's name ends so but "secret_id", only session cookies'
        # ("JSESSIONID", "_gh_sess", "remember_web_<sha1>"): most such names are
        # ids ("trace_id=") and cost no search.
        if _names_key_or_session(text, start) or (
            (last == "d" or last == "D")
            and (
                text.rfind("ecret", max(0, start - 12), start) != -1
                or text[max(0, start - 5) : start].lower() in _KEY_ID_ENDINGS
            )
            and _names_secret(text, max(0, start - 32), start)
        ):
            span = _value_after(text, start, end, 1)
            if (
                span is not None
                and "/" in text[span[0] : span[1]]
                and text.rfind("ecret", max(0, start - 12), start) != -1
            ):
                return None  # a secret's name in its store: AWS' "SecretId=prod/apns/auth-key"
            if span is not None and text.startswith("KEYS", start - 4):
                listed = _LISTED_KEYS.match(text, span[1])
                if listed is not None:  # Strapi's "APP_KEYS=a==,b==": every key of the list
                    return span[0], listed.end()
            return span
        return None
    # Go's "apiKey := …": the name ends before the ":".
    name_end = start - 1 if last == ":" and text[start] == "=" else start
    if text.endswith(_ION, 0, name_end) and _names_authorization(text, name_end):
        if (
            text[start] == "="
            and text[name_end - 14 : name_end - 13] in ("?", "&")
            and not text[start + 1 : start + 7].lower().startswith(("bearer", "basic"))
        ):
            return _value_after(text, start, end, 1)  # a query's "?Authorization=<token>"
        return _after_any_scheme(text, start)
    if text.startswith('","start_offset"', end):
        return None  # Elasticsearch's analysis of a text: '{"token":"wafer","start_offset":0…'
    if _NOT_A_CREDENTIAL_TOKEN.search(text, max(0, name_end - 24), name_end):
        # A list's position ("nextPageToken", AWS' "NextToken"), an idempotency key
        # ("ClientRequestToken").
        return None
    if last == "n" and text[max(0, name_end - 14) : name_end].lower() == "publickeytoken":
        return None  # .NET's assembly name: the public key's hash, public too
    if (
        not _names_secret(text, max(0, name_end - 32), name_end)
        and not _names_key_or_session(text, start)
        and not _names_secret_key(text, name_end)
        and not _names_secret_field(text, start)
    ):
        if _SPACED_SECRET_NAME_REVERSED.match(text[max(0, name_end - 40) : name_end][::-1]):
            span = _value_after(text, start, end, 1)
            if span is not None and _machine_made(text[span[0] : span[1]]):
                return span
        if _PAIRED_KEY_NAME.search(text, max(0, name_end - 16), name_end) and _long_random(
            text[start + 1 : end].lstrip(">").strip(_QUOTES_AND_SPACE)
        ):
            # Azure's pair of keys ("primaryKey", "secondaryKey"): a key when its value is
            # one no person wrote and as long (a table's or a binding's key is a name).
            return _value_after(text, start, end, 1)
        bare = _BARE_KEY.search(text, max(0, name_end - 16), name_end)
        if bare is None and "alt" in text[max(0, name_end - 8) : name_end].lower():
            # A salt's name may be a long property's: "idp.persistentId.salt".
            bare = _BARE_KEY.search(text, max(0, name_end - 48), name_end)
        value = text[start + 1 : end].lstrip(">").strip(_QUOTES_AND_SPACE)
        if (
            bare is None
            or not (
                looks_random(value)
                or _RANDOM_SMALL.fullmatch(value)
                or _STREAM_KEY.fullmatch(value)
            )
            or _composed_of_words(value)
            or (
                _AUTHENTICATION.search(bare.group())
                and (
                    sum(c.isdigit() for c in value) < 3
                    or text[start] != "="
                    or bare.group()[-1:] in _QUOTES_AND_SPACE
                )
            )
        ):
            # (An authentication's value is a key only with digits, not "OAuth2ClientCredentials",
            # and after "authentication=" as written: the mark the plan looks for.)
            return None
        if _PUBLIC_BEFORE.search(text, max(0, bare.start() - 8), bare.start()):
            return None  # WireGuard's "public key: xTIBA5…=" is public
    return _value_after(text, start, end, 1)


def _composed_of_words(value: str) -> bool:
    """Whether a value joins words and a hash, as a cache's key does
    ("node-cache-Linux-x64-npm-5a20e764…"): two words of small letters or more."""
    words = [part for part in _ID_PARTS.split(value) if len(part) >= 3 and part.isalpha()]
    return sum(1 for part in words if part.islower()) >= 2


_ID_PARTS = re.compile(r"[\-_.]")
#: A URL's "appid" parameter: OpenWeatherMap's API key, 32 hex (Open Exchange Rates'
#: "app_id" too).
_APPID_PARAMETERS = frozenset({"?appid", "&appid", "?app_id", "&app_id"})
#: The other keys of a list after the first: ",0J4JHrffSvPCAqL2b0qe1r==".
_LISTED_KEYS = re.compile(r"(?:,[A-Za-z0-9+/_\-]{8,}={0,2})+(?![A-Za-z0-9+/=_\-])")
#: How "access_key_id" ends, written any way: the one id among the secrets' names.
_KEY_ID_ENDINGS = frozenset({"keyid", "ey_id", "ey-id"})


#: How "Authorization" ends before its delimiter (one C call turns most names away).
_ION = ("ion", "ION", 'ion"', "ion'", 'ION"', "ION'")


def _names_authorization(text: str, name_end: int) -> bool:
    """Whether the name ending at ``name_end`` (before its quote) is "Authorization"."""
    name = text[max(0, name_end - 14) : name_end].rstrip("\"'")
    return name[-13:].lower() == "authorization"


#: A scheme of any name, then its credential: '"Authorization": "Klaviyo-API-Key pk_…"'.
_ANY_SCHEME = re.compile(
    r"[ \t]*[\"']?[A-Za-z][A-Za-z0-9\-]{1,40}[ \t]+(?P<credential>" + _TOKEN_VALUE + ")"
)


def _after_any_scheme(text: str, start: int) -> tuple[int, int] | None:
    """The credential in an Authorization header, whatever its scheme is called
    (the well-known ones, "Bearer", "Basic", "ApiKey"..., are found anywhere), or
    without one (Checkout.com's "Authorization: sk_sbox_…")."""
    found = _ANY_SCHEME.match(text, start + 1)
    if found is None:
        bare = _BARE_CREDENTIAL.match(text, start + 1)
        if bare is None or not _letters_and_digits(bare.group("credential")):
            return None
        return bare.span("credential")
    if "=" in found.group("credential").rstrip("=") or text.startswith("[REDACTED", found.end()):
        # A list of parameters: SigV4's "Credential=AKIA…/…, Signature=…" (its
        # key id replaced already: "Credential=[REDACTED:AWS_KEY]/…").
        return None
    return _value_after(text, found.start("credential") - 1, found.end(), 1)


#: A credential alone after the header's name: one word of twenty characters or more.
_BARE_CREDENTIAL = re.compile(
    r"[ \t]*[\"']?(?P<credential>[A-Za-z0-9_\-+/.~]{20,512}={0,2})(?=[\"'\s,;]|\Z)"
)


def _letters_and_digits(value: str) -> bool:
    return any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


def _names_secret_field(text: str, start: int) -> bool:
    """Whether a field before the value field at ``start`` names a secret or a
    session cookie ('{"name": "API_KEY", "value": …}', a HAR export's cookies)."""
    attribute = _NAME_ATTRIBUTE.search(text, max(0, start - 96), start)
    if attribute is None:
        return False
    group = next(g for g in ("name", "bare", "element") if attribute[g])
    return _names_secret(text, *attribute.span(group)) or _names_session(
        text, attribute[group], start, _value_start(text, start + 1)
    )


_AUTHENTICATION = re.compile(r"authentication", re.IGNORECASE)
_PUBLIC_BEFORE = re.compile(r"public[ \t_\-]?[\"']?\Z", re.IGNORECASE)
#: A name that is "key" alone, or PagerDuty's "routing_key" (RabbitMQ's routes messages),
#: or a user's key (Pushover's "user_key", "pushoveruserkey"),
#: or Duo's "skey" (its secret key), or Rails' encryption "primary_key" (a table's key's
#: column elsewhere): its value is a secret only if it looks random.
_BARE_KEY = re.compile(
    # (A flag's too: nessuscli's "--key=<hex>".)
    r"(?:(?<![\w.\-])|(?<=--))[\"']?(?:(?:\w{0,16}user[_\-]?|routing[_\-]?|s|primary[_\-]?)?key"
    # A salt, whoever's: Shibboleth's "idp.persistentId.salt", "salt:".
    # (A password's salt is the passwords' scan's: "passwordsalt".)
    r"|[\w.\-]{0,40}?(?<!password)salt"
    # An SDK's server-to-server key named for what it does: AppsFlyer's "authentication=".
    r"|authentication)[\"']?[ \t]?\Z",
    re.IGNORECASE,
)
#: A key in small letters and digits that no person wrote (PagerDuty's routing keys,
#: Pushover's user keys, nginx-rtmp's stream keys): long, four digits or more among its
#: letters, nothing between.
_RANDOM_SMALL = re.compile(r"(?=(?:[a-z]*[0-9]){4})(?=[0-9]*[a-z])[a-z0-9]{20,}")
#: A streaming service's key in groups of four (YouTube's "bi5z-mp8d-h9l7-u2r0-zbq5").
_STREAM_KEY = re.compile(r"(?=[^\s]*[0-9])[a-z0-9]{4}(?:-[a-z0-9]{4}){3,5}")
#: The least length of a random value under a bare "key".
_RANDOM_LENGTH = 20


def looks_random(value: str) -> bool:
    """A key's value that no person wrote: long, with capitals, small letters and
    digits, or hex with letters and digits ("key=a1b2…"), or a licence's key in
    groups of five; a cache or data key ("user:42:profile", "tenant-0042-orders")
    is none."""
    if _LICENSE_KEY.fullmatch(value):
        return True
    if len(value) < _RANDOM_LENGTH or ":" in value or "." in value:
        return False
    digits = any(ch.isdigit() for ch in value)
    if HEX_DIGITS.issuperset(value):
        return digits and any(ch.isalpha() for ch in value)
    return digits and value != value.lower() and value != value.upper()


# The last characters before the "=" of names ``_check_parameter`` reads as
# session cookies only ("e" may end Laravel's SHA-1 too, or "value"; "H"
# ends ASP.NET's ".ASPXAUTH").
_SESSION_ENDINGS = frozenset("dDsShH0123456789abcf")


def _in_query(text: str, start: int) -> bool:
    """Whether the "=" at ``start`` follows a URL query's "sig" or "code"."""
    return (start >= 4 and text[start - 4] in "?&" and text.startswith("sig", start - 3)) or (
        start >= 5 and text[start - 5] in "?&" and text.startswith("code", start - 4)
    )


def _check_query_parameter(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A URL's "sig=" (Azure SAS), or its "code=" (Azure Functions, OAuth) if long and mixed."""
    if text[start - 1] == "e":
        value = text[start + 1 : end]
        classes = (
            any(ch.islower() for ch in value)
            + any(ch.isupper() for ch in value)
            + any(ch.isdigit() for ch in value)
        )
        if len(value) < _MIN_CODE or classes < 2:
            return None
    return _value_after(text, start, end, 1)


# An environment variable named "…_KEY" holds a key ("ALGOLIA_ADMIN_KEY=…"),
# unless its name says the key is public or an index's.
# (Strapi's "APP_KEYS=a==,b==" holds several; a "…_SALT" is a key for a hash.)
# (A webhook's "…_HMAC" is its key too.)
_ENV_KEY = re.compile(r"[A-Z][A-Z0-9_]*_(?:KEYS?|SALT|PAT|HMAC)(?:_[0-9]{1,2})?")
_NOT_SECRET_ENV_KEYS = (
    "PUBLIC",
    "PUBLISHABLE",
    "PARTITION",
    "SORT",
    "CACHE",
    "PRIMARY",
    "IDEMPOTENCY",
    "FOREIGN",
    "ROUTING",
    "HASH",
    "RANGE",
    "SEARCH",
    "SITE",
    "DEDUP",
    "LOOKUP",
    "OBJECT",
    "GROUP",
    "MESSAGE",
    "TRACE",
    "REQUEST",
    "UNIQUE",
)
_NOT_SECRET_KEYS = re.compile(f"(?:{'|'.join(_NOT_SECRET_ENV_KEYS)})_KEYS?\\Z")
# Any other name ending in a key of its own, "_key", "-key", ".key" or
# "Key": "consumer_key" (OAuth 1), "hmac_key", "x-functions-key" (Azure
# Functions), "hmacKey", a header's "Fastly-Key". The word before it, read backwards.
# (After a capital too: LoRaWAN's session keys "NwkSKey", "AppSKey".)
_KEY_SUFFIX_REVERSED = re.compile(r"(?:ye[kK][_\-.]|yeK(?=[A-Za-z]))(?P<word>[A-Za-z0-9]*)")
# Words before "key" that name a key of data, an index or a public key, not a secret.
_NOT_SECRET_KEY_WORDS = frozenset(
    {
        *(word.lower() for word in _NOT_SECRET_ENV_KEYS),
        "",
        "dedupe",
        "row",
        "shard",
        "map",
        "dict",
        "lock",
        "metric",
        "label",
        "tag",
        "translation",
        "i18n",
        "composite",
        "join",
        "index",
        "entity",
        "event",
        "s3",
        "file",
        "bucket",
        "item",
        "field",
        "column",
        "node",
        "host",
        "distribution",
        "cluster",
        "clustering",
        "natural",
        "surrogate",
        "candidate",
        "alternate",
        "config",
        "setting",
        "record",
        "order",
        "user",
        "session",
        "storage",
        "redis",
        "list",
        "sharding",
        # A binding's second key, a game's or an editor's ("secondary_key=LeftShift").
        "secondary",
        # CloudFormation's "ParameterKey", a header's, an attribute's or a property's name.
        "parameter",
        "attribute",
        "property",
        "header",
        # A build's, a cache's, a partition's, a sort's, an object's or a request's key.
        *("build", "cache", "partition", "sort", "primary", "foreign", "object"),
        "idempotency",
        # A WebSocket handshake's nonce ("Sec-WebSocket-Key"), no secret.
        "websocket",
        # A public key by another name: NATS' "pub_key", NaCl's "verify_key".
        *("pub", "verify"),
        # A job's or a task's key: its id in a queue ("job_key=img-tx-7f3e9a21").
        *("job", "task"),
        # An alert's key that groups its events: PagerDuty's "incident_key", "dedup_key"
        # (its "routing_key" is the integration's secret).
        *("incident", "dedup"),
    }
)


# Key material the secrets detector names (``passwords``), which labels its value.
_SECRETS_NAMES = ("secret", "pass", "pwd", "private", "signing", "encryption", "master")


def _names_secret_key(text: str, name_end: int) -> bool:
    """Whether the name ending at ``name_end`` (before a quote or space) is a secret key's.

    Not a public one: "NEXT_PUBLIC_…" values are sent to every browser.
    """
    before = text[max(0, name_end - 48) : name_end].rstrip(" \t\"'")[::-1]
    suffix = _KEY_SUFFIX_REVERSED.match(before)
    if suffix is None or suffix.group("word")[::-1].lower() in _NOT_SECRET_KEY_WORDS:
        return False
    name = _NAME_REVERSED.match(before)
    folded = name.group()[::-1].lower() if name is not None else ""
    return "public" not in folded and not any(word in folded for word in _SECRETS_NAMES)


# Session cookies: their value is the login. The distinctive names anywhere;
# any name with "sess" in it, or a "remember…" one (Laravel's "remember_web_<sha1>",
# Spring's "remember-me", Symfony's "REMEMBERME"), only in a cookie header.
_SESSION_COOKIES = frozenset(
    {"jsessionid", "phpsessid", "asp.net_sessionid", "connect.sid", "sessionid", "mysapsso2"}
    # Perl's CGI::Session (Koha's "CGISESSID").
    | {"cgisessid"}
    # oauth2-proxy's session (its "_oauth2_proxy" cookie, the "_" taken off).
    | {"oauth2_proxy"}
    # ASP.NET's forms authentication and ASP.NET Core's authentication cookies.
    | {".aspxauth", ".aspnetcore.cookies", ".aspnetcore.identity.application"}
)
#: WordPress' login cookies, named after the site's hash: "wordpress_logged_in_<md5>=…".
_WORDPRESS_LOGINS = ("wordpress_logged_in_", "wordpress_sec_")
#: How far back a cookie header may start before a session cookie.
_COOKIE_WINDOW = 400
# The name before an "=", read backwards (its end is known, its start is not:
# a search forward would try every position before it).
_NAME_REVERSED = re.compile(r"[\w.\-]{1,160}")
#: Longer than a name may be: Shibboleth's cookie names hold the site's id in hex.
_NAME_WINDOW = 160


def _names_key_or_session(text: str, start: int) -> bool:
    """Whether the name before "=" at ``start`` is an environment key or a session cookie
    (or, before a JSON ":", a session cookie: '"laravel_session":"…"')."""
    if text[start] == ":" and text[start - 1 : start] in ('"', "'"):
        quoted = _NAME_REVERSED.match(text[max(0, start - 1 - _NAME_WINDOW) : start - 1][::-1])
        if quoted is None:
            return False
        name = quoted.group()[::-1]
        if _ENV_KEY.fullmatch(name) and "SECRET" not in name and "PASS" not in name:
            # A settings dict's key in capitals: "{'STEAM_PARTNER_KEY': '…'}" (Python's
            # repr, JSON), as the variable it comes from.
            return _NOT_SECRET_KEYS.search(name) is None
        return _names_session(text, name, start, _value_start(text, start + 1))
    if text[start] != "=" and text[start] != ":":
        return False
    name_end = start
    while name_end > 0 and text[name_end - 1] in " \t":
        name_end -= 1  # Python's settings: "SECURITY_KEY = '…'"
    reversed_name = _NAME_REVERSED.match(text[max(0, name_end - _NAME_WINDOW) : name_end][::-1])
    if reversed_name is None:
        return False
    name = reversed_name.group()[::-1]
    # TeamCity's parameters put "env." first: "env.DEPLOY_KEY".
    variable = name[4:] if name.startswith("env.") else name
    if _ENV_KEY.fullmatch(variable):
        if name_end < start and ("SECRET" in variable or "PASS" in variable):
            return False  # "SECRET_KEY = '…'": the secrets' names' scan reads it
        # Also a YAML or JavaScript object of such variables: 'ALGOLIA_ADMIN_KEY: "…"'.
        return _NOT_SECRET_KEYS.search(variable) is None
    return text[start] == "=" and _names_session(text, name, start, _value_start(text, start + 1))


def _names_session(text: str, name: str, start: int, value_at: int) -> bool:
    """Whether ``name``, before the delimiter at ``start``, is a session cookie's.

    ``value_at``: where its value starts (after its quote). A HAR export
    writes a cookie as fields, '{"name": "laravel_session", "value": "…"}'.
    """
    folded = name.lower()
    if folded == ".aspnetcore.culture" or folded.endswith(_NOT_SESSION_ENDINGS):
        # The language chosen (".AspNetCore.Culture=c%3Den-US"); when a session ends
        # ("grafana_session_expiry=1717487482").
        return False
    # Cookies' prefixes that bind them to a host: "__Host-sid", "__Secure-sessionid".
    folded = folded.removeprefix("__host-").removeprefix("__secure-")
    if (
        "sess" not in folded
        and folded.lstrip("_") not in _SESSION_COOKIES
        and not folded.startswith("remember")
        # A bare "sid=" (not JSON's "sid": a Twilio or Windows id): a session's
        # id whose value no person wrote, "sid=K8XpclR6B6-uh_eKqGrZD6L3HeVAkBCK".
        and not (folded.lstrip("_") == "sid" and text[start] == "=")
        and not folded.endswith("authcookie")
        and not folded.startswith(_WORDPRESS_LOGINS)
        and not folded.startswith(".aspnetcore.")
    ):
        return False
    if (
        folded.lstrip("_") in _SESSION_COOKIES
        or folded.startswith(_WORDPRESS_LOGINS)
        # ASP.NET Core's cookies, each its Data Protection's ciphertext: the session's,
        # the antiforgery token's (".AspNetCore.Antiforgery.<id>"), the login's.
        or folded.startswith(".aspnetcore.")
        or folded.endswith("authcookie")  # Proxmox's "PVEAuthCookie", a login's ticket
    ):
        return True
    if "cookie" in text[max(0, start - _COOKIE_WINDOW) : start].lower():
        return True
    # Elsewhere a session's id is a correlation id, unless no person could have
    # written it: "laravel_session=TdsibG…%3D", "BW_SESSION=u1wIn+qbj9…".
    value = _SESSION_VALUE.match(text, value_at)
    if (
        value is not None
        and folded.endswith(("_session", "_sess"))
        and _SESSION_HEX.fullmatch(value.group())
    ):
        return True  # an app's session cookie in hex: "grafana_session", "_gitlab_session"
    if value is not None and folded.endswith("key") and _SESSION_HEX.fullmatch(value.group()):
        return True  # a session's key in hex, no id: "session_key=8b249e29…" (ECDH's)
    if value is not None and folded.lstrip("_") == "sid" and _TOMCAT_SID.fullmatch(value.group()):
        return True  # Tomcat's session id in a request's context: "[sid=CB5774…]"
    if (
        value is not None
        and folded.lstrip("_") in _SESSION_ID_NAMES
        and _SESSION_HEX.fullmatch(value.group())
        and (len(value.group()) >= 40 or folded.lstrip("_") == "sid")
    ):
        # A session's id of 40 hex or more (Odoo's, a SHA-1), or a bare "sid" of 32: the
        # session itself ("session_id=2b187af4…" logged at login). 32 hex under
        # "session_id" is as often a trace's id (W3C's trace ids are 32 hex), and stays.
        return True
    # Capitals among its letters: a trace's hex or a UUID is a correlation id,
    # and so is a Twilio resource's "sid=SM<32 hex>".
    return (
        value is not None
        and (looks_random(value.group()) or is_lower_session_key(value.group()))
        and not HEX_DIGITS.issuperset(value.group())
        and _TWILIO_SID.fullmatch(value.group()) is None
        # Pairs encoded: JDBC's "sessionVariables=default_storage_engine%3DInnoDB".
        and "%3d" not in value.group().lower()
    )


_TWILIO_SID = re.compile(r"[A-Z]{2}[0-9a-f]{32}")
#: The names of a pair of keys, the first and the second, which Azure gives each resource.
_PAIRED_KEY_NAME = re.compile(r"(?:primary|secondary)[_\-]?key[\"']?[ \t]*\Z", re.IGNORECASE)
#: A key's length in base64: 32 bytes and more.
_LEAST_KEY_LENGTH = 40


def _long_random(value: str) -> bool:
    return len(value) >= _LEAST_KEY_LENGTH and looks_random(value)


#: A session's id by its own name (not "trace_session_id", not "sessionIndex").
_SESSION_ID_NAMES = frozenset({"session_id", "sid", "sess_id", "session"})
_NOT_SESSION_ENDINGS = ("_expiry", "_expires", "_expiration", "_exp", "_ts", "_timeout")
_SESSION_HEX = re.compile(r"[0-9a-f]{32,128}")
_TOMCAT_SID = re.compile(r"[0-9A-F]{32,64}")
#: A licence's key in groups of five, letters and digits: "MB272-TB2NR-GV7XQ-URY65-83YC9".
_LICENSE_KEY = re.compile(r"(?=[A-Z0-9-]*[0-9])(?=[A-Z0-9-]*[A-Z])[A-Z0-9]{5}(?:-[A-Z0-9]{5}){3,5}")
# Django's session keys (and many stores' after it): 32 small letters and digits.
_LOWER_SESSION_KEY = re.compile(r"[a-z0-9]{24,64}")


#: Switches between a letter and a digit: a random key of 24 has about nine,
#: a name with a year or a counter in it two.
_MIN_SWITCHES = 6


def is_lower_session_key(value: str) -> bool:
    """A session's key in small letters and digits, mixed as no word or counter is."""
    if _LOWER_SESSION_KEY.fullmatch(value) is None:
        return False
    switches = sum(a.isdigit() != b.isdigit() for a, b in itertools.pairwise(value))
    return switches >= _MIN_SWITCHES


def _value_start(text: str, at: int) -> int:
    """Where a value after its delimiter starts: past blanks and an opening quote."""
    while at < len(text) and text[at] in " \t":
        at += 1
    return at + 1 if text[at : at + 1] in ('"', "'") else at


#: A session's value without its quotes, for ``looks_random``.
_SESSION_VALUE = re.compile(r"(?<=[=\"'])[A-Za-z0-9+/%=_\-]{20,}")


def _parameter_scan(delimiter: str, *after_names: str) -> Scan:
    """Secrets known only by their parameter name, found from ``delimiter``.

    A single literal first character is the cheapest scan ``re`` can run; the
    look-behind dismisses delimiters whose name cannot end in "token", "key"
    or "secret" (nor be one of ``after_names``) before any value is read.
    """
    return Scan(
        re.escape(delimiter)
        # "token=", "token": and "TOKEN = " (INI, HCL, Python); an XML
        # attribute "value=" after the name's own attribute.
        + r"(?:(?<=[nNyYtTdD].)|(?<=[nNyYtT][\"'].)|(?<=[nNyYtTdD] .)|(?<=[vV][aA][lL][uU][eE].)"
        # PowerShell's hashtables: "@{ 'X-Api-Key' = '…' }"; a subscript, PHP's
        # "$settings['hash_salt'] = '…'", Python's 'settings["API_TOKEN"] = "…"'.
        + r"|(?<=[nNyYtT][\"'] .)|(?<=[nNyYtT][\"']\] .)"
        # JSON escaped in a string: '{\\"refreshToken\\":\\"…\\"}'.
        + r"|(?<=[nNyYtT]\\[\"'].)"
        # A session's id quoted: Python's "{'sessionid': '…'}", '"JSESSIONID": "…"';
        # Vault's AppRole secret, '"secret_id": "…"'.
        + r"|(?<=[nNsS][iI][dD][\"'].)|(?<=[tT]_[iI][dD][\"'].)"
        # JSON's '"value": "…"' after a field naming the secret ('"name": "API_KEY"').
        + r"|(?<=[vV][aA][lL][uU][eE][\"'].)"
        # A numbered key's variable: "VAULT_UNSEAL_KEY_1=…".
        + r"|(?<=EY_[0-9].)|(?<=EY_[0-9][0-9].)"
        + "".join(f"|(?<={name})" for name in after_names)
        # Python's bytes print with a "b" before their quote: "'X-Amz-Security-Token': b'…'".
        + ")"
        # PHP's and Ruby's "=>": "'api_key' => '…'", "{:key => '…'}".
        + (">?" if delimiter == "=" else "")
        + r"[ \t]*(?:b(?=[\"']))?\\?[\"']?"
        + _TOKEN_VALUE
        + "(?P<token_param>)",
        {"token_param": Kind("token", "TOKEN", _check_parameter)},
        trigger=may_name_secret,
        flags=re.ASCII,
    )


def _check_flag_parameter(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``--token x``, ``--api-key x``, ``--hmac-key x``: a command-line flag, then its value."""
    flag = _FLAG_BEFORE.search(text, max(0, start - 40), start)
    if flag is None:
        # "token" as a word of a sentence, then a value no person wrote:
        # "Authentication error (token Md23eQodRGEXUvmc…)".
        if _TOKEN_WORD_BEFORE.search(text, max(0, start - 8), start) is None:
            return None
        value = text[start + 1 : end].strip(_QUOTES_AND_SPACE)
        if (
            len(value) < _PROSE_TOKEN_LENGTH
            or "=" in value.rstrip("=")  # a pair after the word: "token account_id=Kz…"
            or not looks_random(value)
            or HEX_DIGITS.issuperset(value)  # a commit's or a merge's hash
        ):
            return None
        return _value_after(text, start, end, 1)
    if not _names_secret(text, flag.start(), start) and not _names_secret_key(text, start):
        return None
    if text.startswith("--", start + 1):
        return None  # the next flag: "databricks configure --token --profile staging" asks
    return _value_after(text, start, end, 1)


_TOKEN_WORD_BEFORE = re.compile(r"(?<![\w\-])token\Z", re.IGNORECASE)
#: The least length of a token in a sentence, named by the word "token" alone.
_PROSE_TOKEN_LENGTH = 32


# "--token", "--auth-token", "--api-key", "--client-secret" just before the space
# (a dotted setting's too: "--runtime.http_key", "--root-keys.app-key.key").
_FLAG_BEFORE = re.compile(r"(?<![\w\-])--?[A-Za-z][\w.\-]{0,38}\Z")
# A flag's value after a space: the name must end in "token", "key" or
# "secret", whose last letter the look-behind asks for before any value is
# read; the checker then wants a flag ("-" first) of such a name.
_TOKEN_FLAG_SCAN = Scan(
    # (Its value may be quoted: nakama's '--runtime.http_key "…"'.)
    r"[ \t](?<=[nNyYtT][ \t])[\"']?" + _TOKEN_VALUE + "(?P<token_flag>)",
    {"token_flag": Kind("token", "TOKEN", _check_flag_parameter)},
    trigger=may_name_secret,
    flags=re.ASCII,
)

# After "=" only: a cookie's name ending in "sess" ("_gh_sess"), in Laravel's
# SHA-1 ("remember_web_<40 hex>") or in "remember-me", Go's ":=" after a name,
# and a URL's "sig" (its "code" is ``_CODE_NAME``'s, as any name ending so).
_CODE_NAME = r"[cC][oO][dD][eE]."
_AFTER_NAMES = (
    r"[sS].",
    r"_[0-9a-f]{40}.",
    # Shibboleth's "_shibsession_<the site's id in hex>=".
    r"[0-9a-f]{32}.",
    # Jenkins' session cookie, named after the instance: "JSESSIONID.4f2c81e6=".
    r"[iI][dD]\.[0-9a-f]{8}.",
    r"[rR][eE][mM][eE][mM][bB][eE][rR][_\-][mM][eE].",
    r"REMEMBERME.",
    r"[nNyYtT]:.",
    r"[nNyYtT] :.",
    r"[?&]sig.",
    r"AUTH.",  # ".ASPXAUTH"
    r"SSO2.",  # SAP's logon ticket, "MYSAPSSO2"
    r"[aA][uU][tT][hH][cC][oO][oO][kK][iI][eE].",  # Proxmox's "PVEAuthCookie"
    # OpenWeatherMap's key in its URLs: "&appid=<32 hex>" (Open Exchange Rates' "app_id").
    r"[?&]appid.",
    r"[?&]app_id.",
    # A query's "auth": Firebase's REST API ("?auth=<token>"), a bidder's win notice.
    r"[?&]auth.",
    r"[?&]invite.",
    r"[?&]tk.",
    # A message authentication code's key, or the code: "LAB_WEBHOOK_HMAC=", "cle_hmac=".
    r"[hH][mM][aA][cC].",
    r"[?&]codigo.",
)
PARAMETER_SCANS = (
    # "...ure=": a signature; "...Code": an OAuth code ('"authorizationCode":"c84a…"').
    _parameter_scan("=", *_AFTER_NAMES, r"[uU][rR][eE].", _CODE_NAME),
    _parameter_scan(
        ":",
        _CODE_NAME,
        r"[cC][oO][dD][eE][\"'].",
        r"[cC][oO][dD][eE]\\[\"'].",
        r"[hH][mM][aA][cC].",
        r"[hH][mM][aA][cC][\"'].",
    ),
    # An XML element's text: Android's '<string name="refresh_token">…</string>',
    # "<accessToken>…</accessToken>".
    _parameter_scan(">"),
    _TOKEN_FLAG_SCAN,
)
