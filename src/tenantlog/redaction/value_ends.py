"""Where a value ends after the label that announces it: the checkers the
labelled secrets share (``labelled_secrets``, ``program_secrets``, ``prose_keys``),
and the test that finds a label where its word stands (``matches_at_word``).

Each takes the text, the match's start and its end (where the value starts, as
the pattern's look-ahead saw it) and returns the value's span, or None when
the value hides nothing (``passwords.is_masked``).
"""

from __future__ import annotations

import re

from tenantlog.redaction.passwords import is_masked


def stop_at(text: str, position: int, stops: str) -> int:
    """Where the value at ``position`` ends: at the first of ``stops``, or the text's end."""
    while position < len(text) and text[position] not in stops:
        position += 1
    return position


def blank_after(text: str, position: int) -> int:
    """Where the word at ``position`` ends: at the next blank, or the text's end."""
    while position < len(text) and not text[position].isspace():
        position += 1
    return position


def check_quoted(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The quoted value at ``end``, without its quotes; WordPress' salts hold any
    character but their own quote."""
    quote = text[end]
    value_end = text.find(quote, end + 1)
    value = text[end + 1 : value_end]
    if value_end == -1 or not value or is_masked(value) or value == _WORDPRESS_PLACEHOLDER:
        return None
    return end + 1, value_end


#: What wp-config-sample.php holds where a key goes.
_WORDPRESS_PLACEHOLDER = "put your unique phrase here"


def check_to_word_end(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The value at ``end``, to the next blank or quote."""
    value_end = end
    while value_end < len(text) and not text[value_end].isspace() and text[value_end] not in "\"'":
        value_end += 1
    return None if is_masked(text[end:value_end]) else (end, value_end)


def check_until_delimiter(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The value at ``end``: quoted (without its quotes), or to a blank, "}" or ";"."""
    if text[end] in "\"'":
        return check_quoted(text, start, end)
    value_end = stop_at(text, end, " \t\r\n};\"'")
    return None if is_masked(text[end:value_end]) else (end, value_end)


def check_element_text(text: str, start: int, end: int) -> tuple[int, int] | None:
    """An element's text, to the "<" that closes it."""
    value_end = text.find("<", end)
    if value_end == -1 or is_masked(text[end:value_end]):
        return None
    return end, value_end


def matches_at_word(pattern: re.Pattern[str], word: str, text: str) -> bool:
    """Whether ``pattern`` matches where ``word`` stands in ``text``, in any case: the
    word found by ``str.find`` in the lower-cased text, then the pattern matched there.

    A search for a case-blind name tries it at every character (20 µs on a line of
    160 with "token" in it); the word is found at memory speed. A text whose letters
    lower-case to more of them moves the positions: that one is searched whole.
    """
    lowered = text.lower()
    if len(lowered) != len(text):
        return pattern.search(text) is not None
    at = lowered.find(word)
    while at != -1:
        if pattern.match(text, at) is not None:
            return True
        at = lowered.find(word, at + 1)
    return False
