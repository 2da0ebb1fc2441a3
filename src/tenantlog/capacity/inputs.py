"""The dated inputs of the capacity model: prices, published limits and timings.

Every figure lives in ``prices.toml`` with its unit, its source and the date
it was read, so that updating the model when AWS changes a price or a quota
is an edit of one file that a reviewer can check against the source. Timings
measured by ``bench/aws_timings.py`` replace the assumed ones they name
(``apply_measured``); the published ones stay.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One input and where it comes from."""

    value: float
    unit: str
    source: str
    as_of: str
    moved_by: str = ""


@dataclass(frozen=True)
class Inputs:
    prices: dict[str, Figure]
    limits: dict[str, Figure]
    timings: dict[str, Figure]

    def price(self, name: str) -> float:
        return self.prices[name].value

    def limit(self, name: str) -> float:
        return self.limits[name].value

    def timing(self, name: str) -> float:
        return self.timings[name].value


class InputError(ValueError):
    """A prices or timings file that cannot be used; the message names the file and why."""


def _figures(table: dict[str, Any]) -> dict[str, Figure]:
    return {name: Figure(**fields) for name, fields in table.items()}


def load_inputs(path: Path | None = None) -> Inputs:
    """The inputs of ``path``, by default the packaged ``prices.toml``."""
    if path is None:
        text = resources.files("tenantlog.capacity").joinpath("prices.toml").read_text()
    else:
        text = path.read_text()
    name = "prices.toml" if path is None else str(path)
    try:
        data = tomllib.loads(text)
        return Inputs(_figures(data["prices"]), _figures(data["limits"]), _figures(data["timings"]))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{name}: not TOML ({exc})") from None
    except KeyError as exc:
        raise InputError(f"{name}: no [{exc.args[0]}] table") from None
    except (TypeError, AttributeError):
        raise InputError(
            f"{name}: each figure needs value, unit, source and as_of (and moved_by)"
        ) from None


#: The timings a measured file may replace: only the Python work, never a service's latency,
#: because an emulator's latency says nothing about AWS's.
MEASURABLE = ("ingest_python_s", "ingest_python_per_log_s", "worker_python_s")


def apply_measured(inputs: Inputs, measured_path: Path) -> Inputs:
    """``inputs`` with the Python-work timings of a ``bench/aws_timings.py`` JSON file.

    Other keys of the file (the emulator's own latencies) are ignored on purpose.
    """
    try:
        measured = json.loads(measured_path.read_text())
    except json.JSONDecodeError:
        raise InputError(f"{measured_path}: not JSON") from None
    if not isinstance(measured, dict) or not any(name in measured for name in MEASURABLE):
        raise InputError(f"{measured_path}: a JSON object with {', '.join(MEASURABLE)} expected")
    timings = dict(inputs.timings)
    for name in MEASURABLE:
        if name in measured:
            value = measured[name]
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise InputError(f"{measured_path}: {name} must be a number of seconds")
            timings[name] = replace(
                timings[name],
                value=float(value),
                source=f"measured: {measured_path.name}",
                as_of=str(measured.get("measured_at", "")),
            )
    return replace(inputs, timings=timings)
