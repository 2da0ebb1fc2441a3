"""Passwords in a column of a CSV export: the header names the column, each row
holds a value under it ("user_id,username,temp_password,created" then
"1042,ebrown,Tmp#4412eb,2024-05-02").

Logs dump such exports when an import fails or a job prints what it wrote;
no name stands next to the value, so only the header says what it is. As for
phone columns (``context``), the header is the text's first line (or the
second, after a first line that ends with a colon: "Dumping users.csv:"), read no
longer than ``COLUMN_WINDOW`` characters; a row is read no longer than that
either, so a hostile text of long rows costs one bounded parse per row.

A table of settings names its rows instead ("name,value,updated_at", a
``key|value`` dump): a row's value is a secret when its name says so
("ENCRYPTION_KEY", "jwtSecret"; not "LOG_LEVEL" or "public_key"). A SQL
statement's column list ("INSERT INTO users(name,password) VALUES …") is no
header: the next line is its result, not a row.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from tenantlog.redaction.context import read_fields
from tenantlog.redaction.passwords import is_masked

#: How much of the header, and of a row, is read.
COLUMN_WINDOW = 512
_DELIMITERS = ",;\t|"
#: A column's name that says password: "password", "temp_password", "Passwort",
#: "initial pwd", "db-secret"; not "password_hash", "password_changed_at". Or a key's
#: or a token's: "api_key", "app_key" (a LoRaWAN device's), "authorization_key" (an OCPP
#: charger's Basic password), "access_token"; not
#: "sort_key", "token_type". Or a PIN's.
_SECRET_COLUMN = re.compile(
    r"(?:[a-z]{1,16}[ _\-.])?(?:password|passwd|passphrase|passwort|pwd|pass|pw|secret|psk)"
    # (A camelCase name, lower-cased: "initialPassword".)
    r"|[a-z]{2,16}(?:password|passwd|passphrase)"
    r"|(?:app|api|private|secret|signing|auth|authorization|access|network|nwk|encryption|hmac)"
    r"[ _\-.]?key"
    r"|(?:api|access|auth|refresh|bearer)[ _\-.]?token"
    # A card's or an account's PIN: "pin", "pin_code" (not "pin_exp_date").
    r"|pin(?:[ _\-.]?code)?",
    re.IGNORECASE,
)
#: A call's name and its opening bracket: code, no header.
_CALL = re.compile(r"[A-Za-z_]\w*\(")
#: A statement that names columns, where a header would stand: its next line is no row.
_SQL_STATEMENT = re.compile(r"\b(?:SELECT|INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
#: The words of a setting's name that say its value is a secret: "jwtSecret",
#: "SMTP_PASSWORD"; "ENCRYPTION_KEY", but not a public or a cache's "…_key".
_SECRET_WORDS = frozenset(("password", "passwd", "passphrase", "secret", "token", "pwd"))
#: A settings table's types of a secret's row: its own word, AWS SSM's "SecureString".
_SECRET_TYPES = frozenset(("secret", "password", "securestring", "secure", "encrypted"))
_NOT_SECRET_KEYS = frozenset(("public", "cache", "sort", "partition", "primary", "foreign"))
#: A name's words: camelCase's humps, and what "_", "-", "." or a blank separate.
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def _names_secret_setting(name: str) -> bool:
    words = [word.lower() for word in _WORDS.findall(name)]
    if not _SECRET_WORDS.isdisjoint(words):
        return True
    return (
        bool(words)
        and words[-1] == "key"
        and (len(words) == 1 or words[-2] not in _NOT_SECRET_KEYS)
    )


#: Where each row starts: a line break, then a character of the row.
ROW_START = r"\n(?=[^\n])"


class _Columns(NamedTuple):
    """Where a header's table holds passwords: its delimiter and the value's column;
    in a table of settings ("name,value,updated_at"), also the column of their names,
    and a row's value is a secret only if its name says so."""

    delimiter: str
    value: int
    name: int | None = None
    kind: int | None = None  # the column of the settings' types ("secret", "SecureString")


@functools.lru_cache(maxsize=8)
def _secret_column(header: str) -> _Columns | None:
    """The header's password column, or its names' and values' columns."""
    delimiter = max(_DELIMITERS, key=header.count)
    if not header.count(delimiter) or _SQL_STATEMENT.search(header) or _CALL.search(header):
        # (A statement's columns: "INSERT INTO users(name,password) VALUES …"; a call's
        # arguments: Kamailio's 'modparam("auth", "secret", "…")'.)
        return None
    columns = [name.strip().strip("\"'`[]").lower() for name in read_fields(header, delimiter)]
    for index, name in enumerate(columns):
        if _SECRET_COLUMN.fullmatch(name):
            return _Columns(delimiter, index)
    if "value" in columns:
        kind = columns.index("type") if "type" in columns else None
        for name_column in ("name", "key", "setting", "variable"):
            if name_column in columns:
                return _Columns(delimiter, columns.index("value"), columns.index(name_column), kind)
    return None


def _header(text: str) -> tuple[str, _Columns] | None:
    """The header and its password column (``_secret_column``): the first line, or
    the second after a first that introduces it ("Dumping users.csv (2 rows):")."""
    end = text.find("\n", 0, COLUMN_WINDOW)
    if end == -1:
        return None
    first = text[:end].rstrip("\r")
    column = _secret_column(first)
    if column is not None:
        return first, column
    if not first.endswith(":"):
        return None
    second_end = text.find("\n", end + 1, end + 1 + COLUMN_WINDOW)
    if second_end == -1:
        return None
    second = text[end + 1 : second_end].rstrip("\r")
    column = _secret_column(second)
    return None if column is None else (second, column)


def may_hold_secret_column(text: str) -> bool:
    """Whether the text's first line (or the second, introduced by the first) is a
    header with a password column."""
    return _header(text) is not None


def _field_span(
    text: str, start: int, end: int, delimiter: str, index: int
) -> tuple[int, int] | None:
    """The span of the row's field ``index`` (without its quotes), the row being
    ``text[start:end]``: a scan by hand, as ``csv`` tells no positions."""
    field, position, field_start, quoted = 0, start, start, False
    while position < end:
        character = text[position]
        if character == '"' and (position == field_start or quoted):
            if quoted and text[position + 1 : position + 2] == '"':
                position += 2  # an escaped quote inside a quoted field
                continue
            quoted = not quoted
        elif character == delimiter and not quoted:
            if field == index:
                break
            field, field_start = field + 1, position + 1
        position += 1
    if field != index:
        return None
    value_start, value_end = field_start, position
    if text[value_start : value_start + 1] == '"' and text[value_end - 1 : value_end] == '"':
        value_start, value_end = value_start + 1, value_end - 1
    return value_start, value_end


def check_secret_field(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The value under the header's password column in the row at ``end``."""
    found = _header(text)
    if found is None or text.startswith(found[0], end):
        return None  # (the header's own line, when a line introduced it)
    delimiter, index, name_index, kind_index = found[1]
    row_end = text.find("\n", end, end + COLUMN_WINDOW)
    row_end = min(len(text), end + COLUMN_WINDOW) if row_end == -1 else row_end
    if text[row_end - 1 : row_end] == "\r":
        row_end -= 1
    if text.count(delimiter, end, row_end) < index:
        return None  # not a row of the table: too few fields
    if name_index is not None:
        name = _field_span(text, end, row_end, delimiter, name_index)
        kind = (
            None if kind_index is None else _field_span(text, end, row_end, delimiter, kind_index)
        )
        if (name is None or not _names_secret_setting(text[name[0] : name[1]])) and (
            kind is None or text[kind[0] : kind[1]].lower() not in _SECRET_TYPES
        ):
            return None  # a setting that is no secret: "LOG_LEVEL,info,…"
    span = _field_span(text, end, row_end, delimiter, index)
    if span is None or span[0] == span[1] or is_masked(text[span[0] : span[1]]):
        return None
    return span
