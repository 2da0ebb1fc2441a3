"""Backlog and latency over time, as PNG files for docs/capacity/.

Figures are made with ``matplotlib.figure.Figure`` rather than pyplot: no
global state and no display, and saving a PNG uses the Agg canvas whatever
backend the process has chosen. The PNG metadata names no software version,
so the files change only when the figures do.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from tenantlog.capacity.measurements import Sample

_METADATA = {"Software": None}


def backlog_plot(runs: Sequence[tuple[str, list[Sample]]], title: str, path: Path) -> None:
    """Logs waiting in SQS and at the clients (refused, to be retried), and those given
    up on (the dead-letter queue), over time."""
    figure = Figure(figsize=(8, 4.2))
    axis = figure.subplots()
    for label, samples in runs:
        times = [s.time for s in samples]
        axis.plot(times, [s.queue_backlog for s in samples], label=f"{label}: SQS visible")
        if any(s.client_backlog > 1 for s in samples):
            axis.plot(
                times,
                [s.client_backlog for s in samples],
                linestyle="--",
                label=f"{label}: at the clients (refused)",
            )
        if any(s.dead_lettered > 0 for s in samples):
            axis.plot(
                times,
                [s.dead_lettered for s in samples],
                linestyle=":",
                label=f"{label}: dead-lettered (total)",
            )
    axis.set_xlabel("seconds")
    axis.set_ylabel("logs")
    axis.set_title(title)
    axis.grid(alpha=0.3)
    axis.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=110, metadata=_METADATA)


def latency_plot(runs: Sequence[tuple[str, list[Sample]]], title: str, path: Path) -> None:
    """From the 202 to the record stored, per second of storing: median and p99."""
    figure = Figure(figsize=(8, 4.2))
    axis = figure.subplots()
    for label, samples in runs:
        stored = [s for s in samples if s.stored > 0]
        times = [s.time for s in stored]
        line = axis.plot(times, [s.latency_p50 for s in stored], label=f"{label}: median")
        axis.plot(
            times,
            [s.latency_p99 for s in stored],
            linestyle="--",
            color=line[0].get_color(),
            label=f"{label}: p99",
        )
    axis.set_yscale("log")
    axis.set_xlabel("seconds")
    axis.set_ylabel("seconds from 202 to stored")
    axis.set_title(title)
    axis.grid(alpha=0.3, which="both")
    axis.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=110, metadata=_METADATA)
