"""The dated inputs: every figure traceable, measured timings replacing only Python work."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from tenantlog.capacity.inputs import apply_measured, load_inputs


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
