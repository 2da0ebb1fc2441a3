"""Keys and tokens named in a sentence, and secrets named in other languages:
a branch of ``labelled_secrets``' scan, behind its trigger, with its own marks.

The names' scans (``credentials``, ``passwords``) read a key's or a token's
value right after its delimiter ("api_key=…", "token: …"). People and
programs also write the name, a few words, then the value: "API key
GBAw7ihR… revoked by admin", "access token expired: WDhy…", "refreshtoken
invalid: \"piVD…\"", "Invalid X-Api-Key header value 46E7…", and in other
languages "Klucz API: …" (Polish), "chiave API non valida \"…\"" (Italian),
"API-nyckel <uuid> saknar behörighet" (Swedish), "oude sleutel …" (Dutch),
"geheime_sleutel=…", "sekret_aplikacji=\"…\"", "'chiave_segreta' => '…'".

A value found so must look generated, as no word of a sentence does: twenty
characters or more with letters and digits, and mixed case, or hex of 32 or
more, or small letters with four digits or more (24 or more), or a UUID. After
a foreign name's own "=" or ":" (and an English "key" or "token" ending a
compound in another language, "token_renovacao="), any value a password may be
is one, but a number (a card's, a phone's: their own kinds find them). Names
that are no secret's stay: a cache's, a row's or an object's key, a page's or a
request's token, a key's id, name or fingerprint ("key id: 3f1c…" names a key,
it is not one). An English name alone right before its own "=" or ":" is left
to the names' scans, which know its exceptions.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from tenantlog.redaction.credentials import AWS_KEY_ID, is_plainly_other
from tenantlog.redaction.kinds import Kind
from tenantlog.redaction.passwords import is_masked, looks_like_password, value_span
from tenantlog.redaction.value_ends import matches_at_word

#: Where a name starts: the text's start, a blank, a quote, a bracket, a separator or a
#: property's dot ("palkanmaksu.api_salaisuus"), or CJK punctuation ("【ログ】認証トークン").
_NAME_STARTS = frozenset(" \t\r\n\"'([{,;|.\u3011\u300d\u300f\uff09\u3001\u3002\uff1a")
#: Words for a key, a token or a secret in other languages, in ASCII or as they are
#: written: Dutch, Swedish, Polish, Italian, Spanish, Danish and Norwegian, Finnish,
#: Hungarian, Romanian; Dutch, Swedish, Polish, Italian, Spanish and Danish for "secret".
FOREIGN_WORDS = (
    *("sleutel", "nyckel", "klucz", "chiave", "llave", "n\u00f8gle", "n\u00f8kkel", "avain"),
    *("kulcs", "cheie", "hemlighet", "geheim", "sekret", "segreto", "secreto", "hemmelighed"),
    # Turkish, Czech (with and without its accents), Greek ("κλειδί" and its cases),
    # French ("jeton", a token; "clé", a key; "clé secrète" written without accents), German.
    *("anahtar", "kl\u00ed\u010d", "klic", "\u03ba\u03bb\u03b5\u03b9\u03b4", "jeton"),
    *("secrete", "secr\u00e8te", "geheimnis", "cl\u00e9"),
    # Spanish "clave" (a key, "clave_api"), Finnish "salaisuus", Russian and Ukrainian
    # "токен" and "ключ", Vietnamese "khóa", Indonesian "kunci".
    *("clave", "salaisuus", "\u0442\u043e\u043a\u0435\u043d", "\u043a\u043b\u044e\u0447"),
    *("kh\u00f3a", "kunci"),
    # Portuguese "chave" ("chave de API inválida …"), German "Schlüssel" and its
    # compounds ("Webhook-Schlüssel … lautet …").
    *("chave", "schl\u00fcssel", "schluessel"),
    # Norwegian "hemmelighet"; Korean "비밀" (a secret) and "암호" (a password, a cipher);
    # Japanese "トークン" (a token).
    *("hemmelighet", "\ube44\ubc00", "\uc554\ud638", "\u30c8\u30fc\u30af\u30f3"),
)
#: The words a glued name may start with before "key" ("apikey", "X-Api-Key",
#: "client_key"); before "token", any ("refreshtoken", "Uppdateringstoken").
_KEY_PREFIXES = frozenset(
    {
        *("api", "xapi", "access", "secret", "private", "auth", "app", "application"),
        *("client", "license", "licence", "account", "master", "signing", "encryption"),
        *("session", "subscription", "developer", "service", "integration", "partner"),
        *("merchant", "admin"),
    }
)
# Each name is matched from its own word, which ``re`` finds fast; the letters
# glued before it (a compound's) are read back by ``_checked_name``. Started on any
# letter, a compound's pattern cost every line with "key" or "token" a search.
_ENGLISH_NAME = r"(?=[kKtT])(?i:key|token)(?![A-Za-z])"
#: ... with a compound's last part in another language: Portuguese "token_renovacao=".
_COMPOUND_END = r"[_\-][A-Za-z]{2,24}(?![\w\-])"
#: A name in another language, with its ending and a compound's last part:
#: "geheime_sleutel", "sekret_aplikacji".
_FOREIGN_NAME = (
    # (A word's own ending too: Greek's "κλειδί", Turkish's "anahtar\u0131" ("its key"),
    # Japanese's particle and verb: "トークンを取得しました:".)
    # (Their first letters first: one test of a character where the alternation
    # of twenty words cost every character of a long text.)
    r"(?=[" + "".join(sorted({c for w in FOREIGN_WORDS for c in (w[0], w[0].upper())})) + "])"
    r"(?i:" + "|".join(FOREIGN_WORDS) + r")[^\s\"'=:,;(){}\[\]<>_\-]{0,10}?"
    r"(?:[_\-][^\s\"'=:,;(){}\[\]<>]{1,24})?"
)
#: A word between the name and its value ("expired", "non valida", "header value").
_WORD = r"[^\s=:\"'<>][^\s=:\"<>]{0,23}"  # (an apostrophe inside: French's "d'accès")
#: The value's first characters, as a generated value starts.
_VALUE_AHEAD = r"(?=[A-Za-z0-9+/_\-]{16})"
_DELIMITER = r"[ \t]*(?:=>|[:=])[ \t]*[\"']?"
#: A verb that gives the value: English, German, French, Spanish, Italian, Dutch.
_VERB = r"(?i:is|was|lautet|ist|est|es|era|\u00e8|\u00e9|wordt|blijft)"

#: An English name, then words and a delimiter, or a blank (and words before a
#: quote), then the value.
_PROSE_KEY = (
    _ENGLISH_NAME
    + rf"(?:(?:[ \t]+{_WORD}){{1,5}}?{_DELIMITER}|[ \t]+(?:{_WORD}[ \t]+){{0,2}}?[\"']?"
    # (Or more words, then a verb that says the value follows: "Zugangstoken für die
    # Händler-API lautet …", "token for the billing API is …"; not "token expired for
    # user <uuid>".)
    + rf"|[ \t]+(?:{_WORD}[ \t]+){{2,5}}?{_VERB}[ \t]+[\"']?)"
    + _VALUE_AHEAD
)
#: A name in another language, then any of those, or its own delimiter (then any
#: value a password may be: ``_check``).
_FOREIGN_KEY = (
    _FOREIGN_NAME
    + rf"(?:[\"']?{_DELIMITER}(?=[^\s\"'])|(?:(?:[ \t]+{_WORD}){{1,6}}?{_DELIMITER}"
    + rf"|[ \t]+(?:{_WORD}[ \t]+){{0,4}}?[\"']?)"
    + _VALUE_AHEAD
    + ")"
)

#: An English name ending a compound in another language, then its delimiter.
_COMPOUND_KEY = _ENGLISH_NAME + _COMPOUND_END + rf"[\"']?{_DELIMITER}(?=[^\s\"'])"

PATTERN = f"(?:{_PROSE_KEY}|{_COMPOUND_KEY})(?P<prose_key>)|{_FOREIGN_KEY}(?P<foreign_key>)"

#: Words before or inside a name that make it no secret's: "cache key", "NextToken".
_NOT_SECRET_BEFORE = frozenset(
    {
        *("cache", "idempotency", "partition", "primary", "foreign", "sort", "row", "object"),
        *("public", "host", "routing", "dedup", "dedupe", "lookup", "map", "hash", "shard"),
        *("index", "unique", "composite", "next", "page", "continuation", "csrf", "xsrf"),
        *("sync", "resume", "request", "clientrequest", "nextpage", "pagination", "cursor"),
        *("publickey", "sas", "storage", "bucket", "s3", "redis", "kv", "dict", "ssh", "gpg"),
    }
)
#: Words before a key's name that say it is a secret's: "secret key", "Global API Key".
_SECRET_WORDS = frozenset({"global", "secret", "private", "master"})
#: Words before "key" that say its hex is the key itself: a feeder's "sharing key",
#: a licence's or a device's.
_HEX_KEY_WORDS = frozenset(
    {"sharing", "shared", "license", "licence", "activation", "registration", "device"}
)
#: Words between a name and its value that say the value is about the key, not the key.
_ABOUT_THE_KEY = frozenset(
    {
        *("id", "ids", "uid", "identifier", "name", "names", "fingerprint", "hash", "digest"),
        "alias",
        *("arn", "version", "type", "length", "size", "count", "path", "file", "url", "prefix"),
        *("ref", "reference", "index", "slot", "label"),
        # A key's file or its encoding: "client-key-data", "key_file", "token_store".
        *("data", "files", "dir", "store", "pair", "usage", "format", "algorithm"),
        # French's kinds of keys that are no secret's, after "clé": "clé primaire".
        *("primaire", "\u00e9trang\u00e8re", "etrangere", "usb"),
        # When it ends: "x_security_token_expires = 2024-06-12T18:05:11Z".
        *("expires", "expiry", "expiration", "expiresat", "ttl"),
    }
)
_VALUE = re.compile(r"[A-Za-z0-9+/_\-~]+={0,2}")
_WORD_HUMP = re.compile(r"[A-Z][a-z]{2,}")
_LICENSE_KEY = re.compile(r"(?=[A-Z0-9-]*[0-9])(?=[A-Z0-9-]*[A-Z])[A-Z0-9]{5}(?:-[A-Z0-9]{5}){3,5}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_HEX = frozenset("0123456789abcdefABCDEF")
_LEAST_LENGTH = 20
_LEAST_HEX = 32
_LEAST_SMALL = 24
_LEAST_SMALL_DIGITS = 4
_NOT_LETTERS = re.compile(r"[\W\d_]+")
_AWS_KEY_ID_AT = re.compile(AWS_KEY_ID)
_NAME_AT = re.compile(f"{_ENGLISH_NAME}(?:{_COMPOUND_END})?|{_FOREIGN_NAME}", re.ASCII)


#: A code's name of words and acronyms, as a function's: "ParsePKCS1PrivateKey".
_CODE_NAME = re.compile(r"(?:[A-Z][a-z]{2,}|[A-Z]{2,}[0-9]*)*[A-Z][a-z]{2,}(?:[A-Z]{2,}[0-9]*)?")


def _generated(value: str) -> bool:
    """A value no person wrote: long, with letters and digits, mixed case or hex, or a UUID."""
    if _UUID.fullmatch(value):
        return True
    if _CODE_NAME.fullmatch(value) and len(_WORD_HUMP.findall(value)) >= 2:
        return False  # a function's name: "use ParsePKCS1PrivateKey instead"
    if len(value) < _LEAST_LENGTH:
        return False
    if not any(c.isdigit() for c in value) or not any(c.isalpha() for c in value):
        return False
    if _HEX.issuperset(value):
        return len(value) >= _LEAST_HEX
    letters = value.replace("-", "").replace("_", "")
    if _LICENSE_KEY.fullmatch(value):
        return True  # a licence's key in groups of five: "4A3XR-2UM7K-53UED-Q9RXC-ZKYUE"
    if letters.isalnum() and letters.isupper() and len(value) >= _LEAST_LENGTH:
        # Capitals and digits, many of them: "71KJAYG71LQN25NIGF0ZATLI".
        return sum(c.isdigit() for c in value) >= _LEAST_SMALL_DIGITS
    if letters.isalnum() and letters.islower() and len(value) >= _LEAST_SMALL:
        # Small letters and digits, long, four digits or more: "oj4hyd6zogcp…".
        return sum(c.isdigit() for c in value) >= _LEAST_SMALL_DIGITS
    return letters != letters.lower() and letters != letters.upper()


def _check(text: str, start: int, end: int) -> tuple[int, int] | None:
    name = _NAME_AT.match(text, start)
    name_end = end if name is None else name.end()
    if text[name_end:end].strip(" \t\"'") in ("=", ":", "=>"):
        # The name's own delimiter: any value a password may be, as after "password=".
        span = value_span(text, end - 1 if text[end - 1] in "\"'" else end)
        if span is not None:
            value = text[span[0] : span[1]]
            # (A number is a card's, a phone's or a PIN's, found by its own kind.)
            if (
                looks_like_password(value)
                and not value.replace(" ", "").replace("-", "").isdigit()
                and not is_plainly_other(value)
            ):
                return _checked_name(text, start, name_end, end, span)
    found = _VALUE.match(text, end)
    if found is None:
        return None
    value = found.group()
    value_end = found.end()
    after = text[value_end : value_end + 2]
    if after[:1] in ("=", ":", "@") or (after[:1] == "." and after[1:2].isalnum()):
        return None  # the next pair's name, a host's name, an address
    if (
        is_masked(value)
        or not _generated(value)
        or value.startswith("/")
        # An access key's id, the key id scan's: the secret after it is the AWS pair's.
        or _AWS_KEY_ID_AT.fullmatch(value)
        or is_plainly_other(value)
    ):
        return None
    return _checked_name(text, start, name_end, end, (end, value_end), value)


def _checked_name(
    text: str, start: int, name_end: int, end: int, span: tuple[int, int], value: str = ""
) -> tuple[int, int] | None:
    """``span`` unless the name, the words before it or between say it is no secret's."""
    # The compound the name ends ("refreshtoken", "X-Api-Key", "toegangssleutel"), and
    # the word before it.
    name_start = start
    while name_start > 0 and (text[name_start - 1].isalnum() or text[name_start - 1] in "_-"):
        name_start -= 1
    if name_start > 0 and text[name_start - 1] not in _NAME_STARTS:
        return None  # inside a path or a word: "/tokens/…"
    glued = text[name_start:start].lower().replace("_", "").replace("-", "")
    if glued and text[start : start + 3].lower() == "key" and glued not in _KEY_PREFIXES:
        return None  # no key's name: "monkey", "hockey"
    line_start = max(text.rfind("\n", 0, name_start) + 1, name_start - 24)
    before = [word for word in _NOT_LETTERS.split(text[line_start:name_start].lower()) if word]
    own = [word for word in _NOT_LETTERS.split(text[name_start:name_end].lower()) if word]
    if before[-1:] and before[-1] in _NOT_SECRET_BEFORE:
        return None
    if any(word.removesuffix("token").removesuffix("key") in _NOT_SECRET_BEFORE for word in own):
        return None
    if any(word in _ABOUT_THE_KEY for word in own):
        return None  # a key's id or type by the name's own suffix: "key_id", "token_type"
    between = _NOT_LETTERS.split(text[name_end:end].lower())
    if any(word in _ABOUT_THE_KEY for word in between):
        return None
    if (
        value
        and _HEX.issuperset(value)
        and ":" not in text[name_end:end]
        and "=" not in text[name_end:end]
        and "value" not in between
        and not (before[-1:] and before[-1] in _KEY_PREFIXES | _SECRET_WORDS | _HEX_KEY_WORDS)
        and glued not in _KEY_PREFIXES  # "X-API-Key 3f1c…": a key's own compound
    ):
        # A commit's or a digest's hex after a word ("merge token 99ee02ca…"), not a
        # key's ("Global API Key 1a5a08…").
        return None
    if text[end - 1 : end] in "\"'" and text[span[1] : span[1] + 1] != text[end - 1]:
        return None  # a quoted sentence, not a value
    return span


KINDS = {
    "prose_key": Kind("secrets", "TOKEN", _check),
    "foreign_key": Kind("secrets", "SECRET", _check),
}

_ENGLISH_WORDS = ("key", "token")
_ENGLISH_TEST = re.compile(f"{_PROSE_KEY}|{_COMPOUND_KEY}", re.ASCII)
_FOREIGN_TEST = re.compile(_FOREIGN_KEY, re.ASCII)


def _holds(word: str, text: str) -> bool:
    """Whether a name of the pattern stands where ``word`` is, followed as it says:
    only the branch the word starts (the foreign names' first letters include "k")."""
    branch = _ENGLISH_TEST if word in _ENGLISH_WORDS else _FOREIGN_TEST
    return matches_at_word(branch, word, text)


#: The marks of the names above, case-folded, each with the branch's test (``screen``).
MARKS: tuple[tuple[str, Callable[[str], bool]], ...] = tuple(
    (word, functools.partial(_holds, word)) for word in (*_ENGLISH_WORDS, *FOREIGN_WORDS)
)
