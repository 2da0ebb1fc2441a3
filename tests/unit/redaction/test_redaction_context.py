"""Context words around candidates, held to the rules they were first written as.

The version rule has since grown (issue 13: a four-part version under a
version-like key, ``"app_version": "10.2.0.1"``, is not an address): it must
still say "version" wherever the first rule did, and now also after such keys.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenantlog.redaction import context

# The oracle: the version check as first written, one regex searched at each
# of the sixteen positions before the number (issue 8 made it look only
# where the word would have to end).
_VERSION_BEFORE_REFERENCE = re.compile(
    r"(?:\b(?:v|ver|version|release|build|rev|revision|firmware|fw|os|sdk|api)\s*[:=]?\s*"
    r"|[A-Za-z][\w.\-]*/)$",
    re.IGNORECASE,
)


def _says_version_reference(text: str, start: int, end: int) -> bool:
    if _VERSION_BEFORE_REFERENCE.search(text, max(0, start - 16), start) is not None:
        return True
    return context._VERSION_AFTER.match(text, end) is not None


# Version words in any case, their separators, product names with "/", and
# what makes the edges subtle: newlines before "$", words cut by the window,
# and letters that IGNORECASE folds onto ASCII ones (long s, Kelvin sign).
_PIECES = st.sampled_from(
    [
        *("v", "ver", "Version", "RELEASE", "build", "rev", "revision", "firmware", "fw"),
        *("os", "sdk", "api", "xversion", "ver\u017fion", "Chrome", "a/b", "é/", "Chrome/\n"),
        *(" ", "  ", "\t", "\n", "\u00a0", ":", "=", "::", "/", "_", "-", ".", "1", "\u212a"),
    ]
)


@settings(max_examples=1000)
@given(st.lists(_PIECES, max_size=12).map("".join), st.sampled_from(["", " ", "-beta", "+rc1"]))
def test_says_version_wherever_the_single_regex_did(before: str, after: str) -> None:
    text = before + "10.0.0.1" + after
    start, end = len(before), len(before) + len("10.0.0.1")
    if _says_version_reference(text, start, end):
        assert context.says_version(text, start, end)


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        ('{"app_version": "', True),
        ('{"agentVersion":"', True),
        ("APP_VERSION=", True),
        ('"firmware": "', True),
        ("firmware_rev: ", True),
        ('build_number="', True),
        ('{\\"agent_version\\":\\"', True),
        ('"version_name" : \'', True),
        ('{"server_ip": "', False),
        ('"build_host": "', False),
        ("client ", False),
        ('"xversion": "', False),
        ('"peer": "', False),
    ],
)
def test_says_version_after_version_like_keys(before: str, expected: bool) -> None:
    text = before + "10.2.0.1" + '"'
    assert context.says_version(text, len(before), len(before) + len("10.2.0.1")) is expected
