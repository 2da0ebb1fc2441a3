"""The dated inputs: every figure traceable, measured timings replacing only Python work."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from tenantlog.capacity.__main__ import main
from tenantlog.capacity.inputs import InputError, apply_measured, load_inputs


def test_inputs_every_figure_has_a_source_and_a_date() -> None:
    inputs = load_inputs()
    figures = {**inputs.prices, **inputs.limits, **inputs.timings}
    assert len(figures) > 20
    for name, figure in figures.items():
        assert figure.source.startswith(("https://", "bench/")), name
        datetime.date.fromisoformat(figure.as_of)
        assert figure.unit, name
    for name, limit in inputs.limits.items():
        assert limit.moved_by, f"{name} does not say what moves it"


def test_apply_measured_replaces_python_work_and_keeps_published_latencies(
    tmp_path: Path,
) -> None:
    # GIVEN a timings file with the Python work and the emulator's own latency
    measured = tmp_path / "timings.json"
    measured.write_text(
        json.dumps(
            {
                "measured_at": "2026-12-03",
                "ingest_python_s": 0.0123,
                "worker_python_s": 0.0045,
                "dynamodb_put_s": 0.4,
            }
        )
    )
    inputs = load_inputs()
    # WHEN it is applied
    applied = apply_measured(inputs, measured)
    # THEN the Python work is the measured one, the PutItem latency still AWS's
    assert applied.timing("ingest_python_s") == 0.0123
    assert applied.timing("worker_python_s") == 0.0045
    assert applied.timings["worker_python_s"].source == "measured: timings.json"
    assert applied.timing("dynamodb_put_s") == inputs.timing("dynamodb_put_s")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("[1, 2]", "a JSON object with"),
        ('{"measured_at": "today"}', "a JSON object with"),
        ('{"worker_python_s": "fast"}', "worker_python_s must be a number of seconds"),
        ('{"worker_python_s": -1}', "worker_python_s must be a number of seconds"),
        ("{not json", "not JSON"),
    ],
)
def test_a_timings_file_that_cannot_be_used_is_refused_naming_why(
    tmp_path: Path, content: str, reason: str
) -> None:
    path = tmp_path / "timings.json"
    path.write_text(content)
    with pytest.raises(InputError, match=reason):
        apply_measured(load_inputs(), path)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("prices = [", "not TOML"),
        ("[prices]\n[limits]\n", r"no \[timings\] table"),
        ("[prices.x]\nvalue = 1\n[limits]\n[timings]\n", "each figure needs"),
    ],
)
def test_a_prices_file_that_cannot_be_used_is_refused_naming_why(
    tmp_path: Path, content: str, reason: str
) -> None:
    path = tmp_path / "prices.toml"
    path.write_text(content)
    with pytest.raises(InputError, match=reason):
        load_inputs(path)


def test_the_command_says_what_is_wrong_with_a_file_instead_of_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "timings.json"
    path.write_text("[1, 2]")
    with pytest.raises(SystemExit) as exited:
        main(["--timings", str(path), "--no-simulation"])
    assert exited.value.code == 2
    assert "a JSON object with" in capsys.readouterr().err
