"""Redaction quality: recall and preservation per class of a labelled corpus.

A corpus is a JSON-lines file, one case a line: ``text``, ``expected`` (the
text with each value to redact replaced by a ``[REDACTED:LABEL]``
placeholder) and ``class`` (or a ``note`` whose part before ":" names it),
like tests/unit/redaction/corpus.jsonl. Any corpus of that format can be
scored, one the detectors were never written against included.

* recall: of the values the expected output replaces, the share that the
  redactor removes whole: neither the value nor any run of six of its
  characters is left (unless the expected output keeps that run elsewhere);
* preservation: of the cases, the share in which the redactor keeps every
  piece of text the expected output keeps (nothing over-redacted). A case
  that redacts more than expected, or cuts into kept text, fails it.

Placeholder labels are not compared: what matters is what is left.

    .venv/bin/python bench/redaction_quality.py [CORPUS] [--detectors a,b] [--failures N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from tenantlog.redaction import DETECTORS, Redactor

_DEFAULT_CORPUS = Path(__file__).parent.parent / "tests" / "unit" / "redaction" / "corpus.jsonl"
_PLACEHOLDER = re.compile(r"\[REDACTED(?::[A-Z_]+)?\]")
_WINDOW = 6


@dataclass
class _Tally:
    cases: int = 0
    preserved: int = 0
    values: int = 0
    removed: int = 0
    failures: list[str] = field(default_factory=list)


def _class_of(case: dict[str, str]) -> str:
    return case.get("class") or case.get("note", "unlabelled").split(":")[0].strip()


def _values(case: dict[str, str]) -> list[str] | None:
    """The values the expected output replaces, in order (None: it does not fit the text)."""
    pieces = _PLACEHOLDER.split(case["expected"])
    if len(pieces) == 1:
        return []
    pattern = "(.+?)".join(re.escape(piece) for piece in pieces)
    found = re.fullmatch(pattern, case["text"], re.DOTALL)
    if found is None:
        return None
    # A placeholder already in the text (an upstream redaction) is kept as it is.
    return [value for value in found.groups() if not _PLACEHOLDER.fullmatch(value)]


def _leaks(value: str, output: str, kept: str) -> bool:
    if value in output:
        return True
    runs = {value[i : i + _WINDOW] for i in range(len(value) - _WINDOW + 1)}
    return any(run in output and run not in kept for run in runs)


def _preserves(expected: str, output: str) -> bool:
    """Whether every piece the expected output keeps is in the output, in order.

    What lies between them (a placeholder, or a value left in place, which
    recall counts) is not looked at.
    """
    pieces = _PLACEHOLDER.split(expected)
    pattern = "(?:.*?)".join(re.escape(piece) for piece in pieces)
    return re.fullmatch(pattern, output, re.DOTALL) is not None


def score(cases: list[dict[str, str]], redactor: Redactor) -> dict[str, _Tally]:
    """Tallies per class, and under "all"."""
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    for case in cases:
        output = redactor.redact(case["text"])
        values = _values(case)
        if values is None:
            raise ValueError(f"expected output does not fit its text: {case['expected'][:80]!r}")
        kept = _PLACEHOLDER.sub("\x00", case["expected"])
        removed = sum(not _leaks(value, output, kept) for value in values)
        preserved = _preserves(case["expected"], output)
        for name in (_class_of(case), "all"):
            tally = tallies[name]
            tally.cases += 1
            tally.preserved += preserved
            tally.values += len(values)
            tally.removed += removed
            if (removed < len(values) or not preserved) and name != "all":
                tally.failures.append(f"{case['text']!r}\n    -> {output!r}")
    return tallies


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "-"


def main() -> int:
    """Print the table; exit 1 when the corpus is empty."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=_DEFAULT_CORPUS)
    parser.add_argument("--detectors", default=",".join(DETECTORS))
    parser.add_argument("--failures", type=int, default=0, help="print up to N failures a class")
    args = parser.parse_args()
    lines = args.corpus.read_text(encoding="utf-8").splitlines()
    cases = [json.loads(line) for line in lines if line.strip()]
    if not cases:
        print(f"no cases in {args.corpus}", file=sys.stderr)
        return 1
    redactor = Redactor(args.detectors.split(","), style="typed")
    tallies = score(cases, redactor)
    print(f"corpus: {os.path.relpath(args.corpus)} ({len(cases)} cases)")
    print("| class | cases | values | recall | preservation |")
    print("|---|---|---|---|---|")
    for name in sorted(tallies, key=lambda n: (n == "all", n)):
        tally = tallies[name]
        label = f"**{name}**" if name == "all" else name
        print(
            f"| {label} | {tally.cases} | {tally.values} | {_ratio(tally.removed, tally.values)} "
            f"| {_ratio(tally.preserved, tally.cases)} |"
        )
    if args.failures:
        for name, tally in sorted(tallies.items()):
            for failure in tally.failures[: args.failures]:
                print(f"[{name}] {failure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
