"""The prefilter may let through a text with nothing to find, never hold back one with a value.

``superset`` rewrites a Python pattern as Hyperscan expressions that must
match every ASCII text the pattern matches; ``prefilter`` searches a line
for the plan's marks and the combined scan's candidates with them. Both are
held to Python's ``re`` on texts built to sit on the rewriting's edges:
look-arounds at either end and in the middle, classes under IGNORECASE,
repeats, alternations split for length, anchors and back-references.
"""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import hyperscan
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tenantlog.redaction import DETECTORS, Redactor, screen, superset
from tenantlog.redaction import prefilter as prefilter_module
from tenantlog.redaction.kinds import Scan
from tenantlog.redaction.prefilter import MAX_BYTES, Prefilter
from tenantlog.redaction.redactor import _plan

CORPUS = Path(__file__).with_name("corpus.jsonl")

# Patterns with every construct the rewriting reads, and flags they are read under.
_PATTERNS: list[tuple[str, int]] = [
    (r"(?<![0-9])[0-9]{3}-[0-9]{4}(?![0-9])", re.ASCII),
    (r"\b\d{3}[ .-]?\d{4}\b", 0),
    (r"0(?=(?:[ -]?[0-9]){7})[0-9]{0,5}+(?:[ -]?[0-9]{1,8}+){0,5}(?![0-9A-Za-z_])", re.ASCII),
    (r"(?i:ext|x)\.? ?[0-9]{1,4}(?![0-9])", re.ASCII),
    (r"(?i)pass(?:word|wd)?\s*[=:]\s*(?P<q>['\"]?)[^\s'\"]+(?P=q)", 0),
    (r"(?i)[a-fk]{2,}[^a-z\s]{1,3}", 0),
    (r"(?i)[^a-c0-9]{3}[\w.]+", re.ASCII),
    (r"(?<=[=:])[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?!\.[0-9])", re.ASCII),
    (r"^[0-9]+(?=\.)|[0-9]+$", 0),
    (r"(?:(a)|b)(?(1)c|d)[0-9]", 0),
    (r"(?>[0-9]+)x|[0-9]*?y|.[^\n]{2}\Z", re.DOTALL),
    (r"(?=[0-9A-F])(?:[0-9]{4}|[A-F]{2}[0-9]{2})[-/]?[0-9]{2,3}(?![0-9])", re.ASCII),
]
_ALPHABET = string.digits * 3 + "abcdefkxABCDEFKX .-_=:/()'\"\n\t"


def _database(expressions: list[str]) -> hyperscan.Database:
    database = hyperscan.Database()
    database.compile(
        expressions=[expression.encode() for expression in expressions],
        ids=[0] * len(expressions),
        elements=len(expressions),
        flags=hyperscan.HS_FLAG_ALLOWEMPTY | hyperscan.HS_FLAG_PREFILTER,
    )
    return database


def _matches(database: hyperscan.Database, text: str) -> bool:
    found: list[int] = []

    def on_match(id: int, start: int, end: int, flags: int, context: object) -> None:
        found.append(id)

    database.scan(text.encode(), on_match)
    return bool(found)


# Long expressions cut and split at every alternation, and whole ones.
_DATABASES = {
    (pattern, flags, limit): _database(superset.expressions(pattern, flags, limit))
    for pattern, flags in _PATTERNS
    for limit in (30, 1000)
}


@settings(max_examples=600)
@given(st.sampled_from(sorted(_DATABASES, key=repr)), st.text(alphabet=_ALPHABET, max_size=40))
@example((_PATTERNS[0][0], _PATTERNS[0][1], 1000), "555-0199")
@example((_PATTERNS[2][0], _PATTERNS[2][1], 30), "call 030 901820")
@example((_PATTERNS[8][0], _PATTERNS[8][1], 30), "12.")
def test_expressions_match_wherever_the_pattern_does(key: tuple[str, int, int], text: str) -> None:
    # GIVEN a pattern rewritten for Hyperscan; WHEN Python finds it in a text
    pattern, flags, _ = key
    if re.search(pattern, text, flags) is not None:
        # THEN so do the expressions
        assert _matches(_DATABASES[key], text)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        # A one-character look-around at an end is read as a character.
        (r"(?<![0-9])[0-9]{3}-[0-9]{4}(?![0-9])", "5555-01999"),
        # A look-ahead in the middle that needs more text stands for what follows.
        (r"0(?=[0-9]{7})[0-9]{0,5}", "0.376"),
        # IGNORECASE under ASCII is ASCII's.
        (r"(?i)k[0-9]", "\u212a1"),
    ],
)
def test_expressions_keep_what_rules_a_text_out(pattern: str, text: str) -> None:
    # GIVEN a text the pattern does not match, for a reason the rewriting keeps
    assert re.search(pattern, text, re.ASCII) is None
    # THEN the expressions do not match it either (so the prefilter is worth its call)
    assert not _matches(_database(superset.expressions(pattern, re.ASCII)), text)


def _corpus_and_lines() -> list[str]:
    texts = [json.loads(line)["text"] for line in CORPUS.read_text().splitlines() if line]
    return [text for text in texts if text.isascii() and "\x00" not in text]


def test_prefilter_finds_every_mark_and_candidate_the_plan_would() -> None:
    # GIVEN the prefilter, compiled, and the project's corpus
    screen.prepare()
    plan = _plan(frozenset(DETECTORS))
    (combined,) = plan.untriggered
    searched = without_candidate = 0
    for text in _corpus_and_lines():
        found = screen._PREFILTER.search(text)
        if found is None:
            continue
        searched += 1
        # THEN it finds the marks the automaton finds in the folded text
        marks = {index for index, _, _ in screen._find(text.casefold().encode(), True)}
        assert found - {screen._COMBINED_ID} == marks, text
        # AND a text it finds no candidate in holds none for the combined scan
        if screen._COMBINED_ID not in found:
            without_candidate += 1
            assert combined.search(text, 0) is None, text
            assert combined.head is None or combined.head(text) is None, text
    # (the test reads the prefilter's answers, not its silence)
    assert searched > 2000 and without_candidate > 100


def _silent() -> Prefilter:
    """A prefilter that never answers: its scan cannot compile."""
    silent = Prefilter([], Scan(r"[z-a]", {}))
    with pytest.raises(re.error):
        silent.prepare()
    return silent


def test_prefiltered_and_unfiltered_plans_redact_the_corpus_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the corpus redacted with the prefilter
    screen.prepare()
    texts = _corpus_and_lines()
    redactor = Redactor(style="typed")
    prefiltered = [redactor.redact_counted(text) for text in texts]
    # AND without it: the plan's automaton and the combined scan on each
    monkeypatch.setattr(screen, "_PREFILTER", _silent())
    unfiltered = [redactor.redact_counted(text) for text in texts]
    # THEN they are the same
    assert prefiltered == unfiltered


@pytest.mark.parametrize(
    "text",
    ["caf\u00e9 555-0199", "a\x00b 555-0199", "555-0199 " + "x" * MAX_BYTES],
    ids=["not ASCII", "a NUL", "too long"],
)
def test_prefilter_leaves_texts_it_was_not_built_for(text: str) -> None:
    screen.prepare()
    assert screen._PREFILTER.search(text) is None
    assert (
        Redactor()
        .redact(text)
        .startswith(("caf\u00e9 [REDACTED]", "a\x00b [REDACTED]", "[REDACTED] "))
    )


def test_prefilter_compiles_once_asked_often_and_answers_then(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a prefilter of its own, which compiles after three searches
    monkeypatch.setattr(prefilter_module, "WARM_UP", 3)
    prefilter = Prefilter(["key"], Scan(r"[0-9]{3}-[0-9]{4}", {}, flags=re.ASCII))
    # WHEN it is asked before: no answer (the plan's own search then runs)
    for _ in range(3):
        assert prefilter.search("api key 555-0199") is None
    # THEN once compiled (the third search started it), it answers
    prefilter.prepare()
    assert prefilter.search("api KEY 555-0199") == {0, 1}
    assert prefilter.search("nothing 55-01") == set()


def test_a_process_that_redacts_a_few_lines_compiles_nothing() -> None:
    prefilter = Prefilter(["key"], Scan(r"[0-9]{3}-[0-9]{4}", {}, flags=re.ASCII))
    for _ in range(100):
        assert prefilter.search("api key 555-0199") is None
    assert not prefilter._database._started


def test_prefilter_that_cannot_compile_says_why_and_stays_silent() -> None:
    silent = _silent()  # refused by re itself, in prepare
    assert silent.search("555-0199") is None
