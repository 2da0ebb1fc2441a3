"""The compiled redaction modules: used only when built from the sources as they are,
and giving the same results as the sources."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tenantlog.redaction import Redactor, compiled

CORPUS = Path(__file__).with_name("corpus.jsonl")


_NO_FRESH_BUILD = "no fresh build (no C compiler, or sources edited)"


def _write_build(directory: Path, version: str, fingerprint: str) -> None:
    directory.mkdir()
    (directory / compiled.FINGERPRINT_FILE).write_text(f"{version} {fingerprint}\n")


def test_a_build_of_other_sources_is_not_used(tmp_path: Path) -> None:
    build = tmp_path / "compiled"
    _write_build(build, "1.0", "0" * 64)
    path = ["sources"]
    assert compiled.use_build(path, build) is False
    assert path == ["sources"]


def test_no_build_or_an_unfinished_one_is_not_used(tmp_path: Path) -> None:
    path = ["sources"]
    assert compiled.use_build(path, tmp_path / "missing") is False
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    (unfinished / compiled.FINGERPRINT_FILE).write_text("")
    assert compiled.use_build(path, unfinished) is False
    assert path == ["sources"]


def test_the_switch_turns_a_fresh_build_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fingerprint of the sources as they are, and no library: only the switch stops it.
    build = tmp_path / "compiled"
    _write_build(build, "1.0", compiled.fingerprint("1.0"))
    monkeypatch.setenv(compiled.SWITCH, "0")
    path = ["sources"]
    assert compiled.use_build(path, build) is False
    assert path == ["sources"]


def test_a_build_records_the_sources_it_was_given_not_those_after_it(tmp_path: Path) -> None:
    # The build script reads the fingerprint before compiling: a source edited while
    # the compiler ran leaves a build that is not fresh for the edited sources.
    before_the_edit = "0" * 64
    compiled.record(tmp_path, "1.0", before_the_edit)
    assert compiled.is_fresh(tmp_path, "1.0") is False
    compiled.record(tmp_path, "1.0", compiled.fingerprint("1.0"))
    assert compiled.is_fresh(tmp_path, "1.0") is True


def test_the_fingerprint_follows_every_compiled_source_and_the_compiler() -> None:
    sources = compiled.compiled_sources()
    names = {path.name for path in sources}
    assert {"engine.py", "passwords.py", "screen.py", "redactor.py"} <= names
    assert not names & {"__init__.py", "compiled.py", "scans.py"}
    assert compiled.fingerprint("1.0") != compiled.fingerprint("1.1")


@pytest.mark.skipif(not compiled.is_fresh(), reason=_NO_FRESH_BUILD)
def test_a_fresh_build_is_what_this_process_runs() -> None:
    assert compiled.in_use()


def _redact_corpus() -> list[list[object]]:
    redactor = Redactor(style="typed")
    texts = [json.loads(line)["text"] for line in CORPUS.read_text().splitlines() if line]
    return [[result.text, result.counts] for result in map(redactor.redact_counted, texts)]


# (Without a build both sides would run the sources: nothing to compare.)
@pytest.mark.slow
@pytest.mark.skipif(not compiled.is_fresh(), reason=_NO_FRESH_BUILD)
def test_the_sources_and_the_build_redact_the_corpus_alike() -> None:
    # The sources in a process of their own (a package imports one or the other).
    environment = {**os.environ, compiled.SWITCH: "0"}
    script = (
        "import json, sys; sys.path.insert(0, 'tests/unit/redaction');"
        "from tenantlog.redaction import compiled; assert not compiled.in_use();"
        "import test_compiled; print(json.dumps(test_compiled._redact_corpus()))"
    )
    root = Path(__file__).resolve().parents[3]
    interpreted = subprocess.run(
        [sys.executable, "-c", script],
        env=environment,
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        timeout=240,
    )
    assert json.loads(interpreted.stdout) == json.loads(json.dumps(_redact_corpus()))
