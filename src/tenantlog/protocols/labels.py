"""Prometheus label sets in text form, as Loki's protobuf push carries stream labels:
``{app="web", env="prod"}``.

A strict, linear-time parser: one pass, each step an anchored regular expression
without backtracking or a single character, so hostile input costs time in
proportion to its length. Accepted:

- names ``[a-zA-Z_][a-zA-Z0-9_]*`` (Loki's label names), each once;
- values in double quotes with the escapes Go's ``strconv.Quote`` writes (how
  Loki's agents render label sets): ``\\\\ \\" \\n \\t \\r \\a \\b \\f \\v``,
  ``\\xHH`` below 0x80, ``\\uHHHH`` and ``\\UHHHHHHHH`` (no surrogates); a raw
  newline inside a value is refused, as Go refuses it;
- spaces and tabs around the tokens, and one trailing comma, as PromQL allows.

At least one label is required: Loki refuses a stream without labels. Anything
else is a ``ProtocolError`` naming the offset, never echoing the input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from tenantlog.protocols.entries import ProtocolError

LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_SPACE = re.compile(r"[ \t]*")
#: A run of value characters that need no decoding.
_PLAIN = re.compile(r'[^"\\\n]*')
_HEX_DIGITS = re.compile(r"[0-9a-fA-F]*")
_SIMPLE_ESCAPES = {
    "\\": "\\",
    '"': '"',
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}
_HEX_ESCAPE_DIGITS = {"x": 2, "u": 4, "U": 8}
_RENDER_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n"})


def parse_labels(text: str) -> dict[str, str]:
    """The label set ``text`` names, or ``ProtocolError`` saying where it is malformed."""
    end = len(text)
    pos = _skip_space(text, 0)
    if not text.startswith("{", pos):
        raise _error("expected '{'", pos)
    pos = _skip_space(text, pos + 1)
    labels: dict[str, str] = {}
    while not text.startswith("}", pos):
        found = LABEL_NAME.match(text, pos)
        if found is None:
            raise _error("expected a label name", pos)
        name = found.group()
        if name in labels:
            raise _error("repeated label name", pos)
        pos = _skip_space(text, found.end())
        if not text.startswith("=", pos):
            raise _error("expected '=' after a label name", pos)
        pos = _skip_space(text, pos + 1)
        if not text.startswith('"', pos):
            raise _error("expected a double-quoted label value", pos)
        labels[name], pos = _read_value(text, pos + 1)
        pos = _skip_space(text, pos)
        if text.startswith(",", pos):
            pos = _skip_space(text, pos + 1)
        elif not text.startswith("}", pos):
            raise _error("expected ',' or '}' after a label value", pos)
    if not labels:
        raise ProtocolError("labels: a stream needs at least one label")
    pos = _skip_space(text, pos + 1)
    if pos != end:
        raise _error("unexpected text after '}'", pos)
    return labels


def render_labels(labels: Mapping[str, str]) -> str:
    """The canonical text of a label set: sorted by name, ``parse_labels`` reads it back."""
    pairs = (f'{name}="{labels[name].translate(_RENDER_ESCAPES)}"' for name in sorted(labels))
    return "{" + ", ".join(pairs) + "}"


def _skip_space(text: str, pos: int) -> int:
    found = _SPACE.match(text, pos)
    assert found is not None  # the pattern matches the empty string
    return found.end()


def _read_value(text: str, pos: int) -> tuple[str, int]:
    """The value starting after its opening quote, and the offset after its closing quote."""
    parts: list[str] = []
    end = len(text)
    while True:
        found = _PLAIN.match(text, pos)
        assert found is not None  # the pattern matches the empty string
        parts.append(found.group())
        pos = found.end()
        if pos >= end:
            raise _error("unterminated label value", pos)
        char = text[pos]
        if char == '"':
            return "".join(parts), pos + 1
        if char == "\n":
            raise _error("newline inside a label value", pos)
        decoded, pos = _read_escape(text, pos + 1)
        parts.append(decoded)


def _read_escape(text: str, pos: int) -> tuple[str, int]:
    """The character a backslash escape stands for, and the offset after the escape."""
    if pos >= len(text):
        raise _error("unterminated label value", pos)
    char = text[pos]
    simple = _SIMPLE_ESCAPES.get(char)
    if simple is not None:
        return simple, pos + 1
    digits = _HEX_ESCAPE_DIGITS.get(char)
    if digits is None:
        raise _error("unknown escape in a label value", pos - 1)
    found = _HEX_DIGITS.match(text, pos + 1, pos + 1 + digits)
    assert found is not None  # the pattern matches the empty string
    if found.end() - found.start() != digits:
        raise _error(f"\\{char} escape needs {digits} hex digits", pos - 1)
    code = int(found.group(), 16)
    if (char == "x" and code >= 0x80) or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        raise _error(f"\\{char} escape is not a valid character", pos - 1)
    return chr(code), found.end()


def _error(what: str, offset: int) -> ProtocolError:
    return ProtocolError(f"labels: {what} at offset {offset}")
