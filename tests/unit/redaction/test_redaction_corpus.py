"""The labelled corpus: each PII type in its formats, and look-alikes that must survive.

Cases live in ``corpus.jsonl`` (text, expected output in the typed style,
note; the cases of issue 13 also name their class, which
bench/redaction_quality.py reports recall and preservation by). Positives
are rendered into several log templates so that the surrounding
punctuation varies; negatives are timestamps, ids, versions and
other values logs are full of.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tenantlog.redaction import Redactor

_CORPUS = [
    json.loads(line)
    for line in (Path(__file__).parent / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
_TYPED = Redactor(style="typed")
_PLAIN = Redactor()
_LABEL = re.compile(r"\[REDACTED:[A-Z_]+\]")


def _ids(case: dict[str, str]) -> str:
    return f"{case['note']}|{case['text'][:40]}"


@pytest.mark.parametrize("case", _CORPUS, ids=_ids)
def test_redactor_matches_corpus(case: dict[str, str]) -> None:
    assert _TYPED.redact(case["text"]) == case["expected"]


@pytest.mark.parametrize("case", _CORPUS, ids=_ids)
def test_redactor_plain_style_matches_corpus(case: dict[str, str]) -> None:
    assert _PLAIN.redact(case["text"]) == _LABEL.sub("[REDACTED]", case["expected"])


@pytest.mark.parametrize("case", _CORPUS, ids=_ids)
def test_redactor_counts_agree_with_placeholders(case: dict[str, str]) -> None:
    result = _TYPED.redact_counted(case["text"])
    labels = [m.group()[10:-1] for m in _LABEL.finditer(result.text)]
    assert dict(result.counts) == {label: labels.count(label) for label in set(labels)}


def test_corpus_covers_every_label_and_enough_negatives() -> None:
    labels = {m.group() for case in _CORPUS for m in _LABEL.finditer(case["expected"])}
    negatives = [case for case in _CORPUS if case["text"] == case["expected"]]
    assert len(_CORPUS) >= 300
    assert len(negatives) >= 100
    assert labels == {
        f"[REDACTED:{label}]"
        for label in ("PHONE", "EMAIL", "SSN", "CARD", "IP", "IBAN", "AWS_KEY", "TOKEN", "SECRET")
    }


def test_corpus_tags_every_issue_13_case_with_its_class() -> None:
    # The quality script (bench/redaction_quality.py) reports per class.
    tagged = [case for case in _CORPUS if "class" in case]
    classes = {case["class"] for case in tagged}
    assert len(tagged) >= 300
    assert {
        "password",
        "connection_string",
        "kv_secret",
        "api_key",
        "pem",
        "iban_lowercase",
        "phone_national",
        "phone_nanp_spaced",
        "phone_extension",
        "card_new_networks",
        "keep_git_remote",
        "keep_prefixed_id",
        "keep_version",
        "keep_secret_words",
    } <= classes


def test_redact_corpus_output_is_stable() -> None:
    # GIVEN every corpus text redacted once
    once = [_TYPED.redact(case["text"]) for case in _CORPUS]
    # WHEN redacted again
    twice = [_TYPED.redact(text) for text in once]
    # THEN nothing changes
    assert twice == once
