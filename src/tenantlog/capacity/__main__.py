"""``python -m tenantlog.capacity``: print the tables of docs/capacity.md, draw its plots.

    python -m tenantlog.capacity [--timings FILE] [--prices FILE] [--no-simulation]
                                 [--plots DIR] [--cold-start SECONDS]

``--timings`` takes the JSON file ``bench/aws_timings.py`` writes: its Python
work per request and per record replace the assumed ones; the services'
latencies stay the published ones.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from tenantlog.capacity import plots, profiles, report
from tenantlog.capacity.ceiling import Ceiling, find_ceiling
from tenantlog.capacity.inputs import InputError, Inputs, apply_measured, load_inputs
from tenantlog.capacity.measurements import Outcome
from tenantlog.capacity.model import Capacity, Deployment, Scenario, assess
from tenantlog.capacity.simulation import simulate
from tenantlog.capacity.workload import LEVELS_PER_MINUTE

#: The plotted case: 1M logs a minute with the high-throughput profile, from cold.
PLOT_LEVEL = 1_000_000
PLOT_SECONDS = 600.0


def _simulated(capacity: Capacity, inputs: Inputs) -> tuple[Ceiling, Outcome]:
    ceiling = find_ceiling(capacity.scenario, inputs, high=2 * capacity.ceiling_per_minute)
    outcome = simulate(capacity.scenario, inputs, duration_s=150, warmup_s=30, prewarmed=True)
    return ceiling, outcome


def _sections(inputs: Inputs, simulation: bool, cold_start: float) -> list[tuple[str, str]]:
    def with_cold(deployment: Deployment) -> Deployment:
        return replace(deployment, cold_start_s=cold_start)

    seed = with_cold(profiles.SEED)
    demand = [
        assess(Scenario(level, profiles.REALISTIC, profiles.MIX, seed), inputs)
        for level in LEVELS_PER_MINUTE
    ]
    labelled: list[tuple[str, Capacity, Ceiling | None, Outcome | None]] = []
    rows = profiles.bottleneck_rows(LEVELS_PER_MINUTE, inputs)
    defaults = Scenario(10_000, profiles.REALISTIC, profiles.MIX, profiles.TERRAFORM_DEFAULTS)
    rows.insert(0, profiles.Row("Terraform defaults, N=1", defaults))
    for row in rows:
        scenario = replace(row.scenario, deployment=with_cold(row.scenario.deployment))
        capacity = assess(scenario, inputs)
        ceiling, outcome = _simulated(capacity, inputs) if simulation else (None, None)
        labelled.append((row.label, capacity, ceiling, outcome))
    work = []
    for level in LEVELS_PER_MINUTE:
        for label, deployment in (
            ("batch 5", profiles.SEED_WORK),
            (
                "batch 10, window 1 s",
                replace(profiles.SEED_WORK, batch_size=10, batching_window_s=1),
            ),
        ):
            scenario = Scenario(level, profiles.SHORT, profiles.MIX, with_cold(deployment))
            work.append((label, assess(scenario, inputs)))
    batching = []
    for per_char, sizes in ((0.0, profiles.REALISTIC), (0.05, profiles.SHORT)):
        for batch in (1, 5, 10, 100):
            for together in sorted({1, batch}):
                deployment = replace(
                    seed,
                    batch_size=batch,
                    batching_window_s=1.0,
                    record_concurrency=together,
                    work_per_char_s=per_char,
                    write_shards=32,
                    logs_per_request=100,
                )
                scenario = Scenario(PLOT_LEVEL, sizes, profiles.MIX, deployment)
                batching.append((batch, together, per_char, assess(scenario, inputs)))
    work_notes: list[tuple[str, Capacity, Ceiling | None, Outcome | None]] = [
        (f"seed work, {label}", c, None, None) for label, c in work
    ]
    cost_rows = [
        (
            label,
            assess(Scenario(PLOT_LEVEL, profiles.REALISTIC, profiles.MIX, deployment), inputs),
        )
        for label, deployment in (("seed", seed), ("high throughput", profiles.HIGH_THROUGHPUT))
    ]
    return [
        ("Demand at each level (seed profile, no sharding)", report.demand_table(demand)),
        (
            "First bottleneck and ceiling",
            report.bottleneck_table(labelled)
            + "\n\n"
            + report.notes([(label, c) for label, c, _, _ in labelled + work_notes]),
        ),
        (
            "Worker concurrency at 1M logs/min by batch size and records at once "
            "(window 1 s, 100 logs a request, N=32; work 0.05 s/char on 100-character logs)",
            report.worker_table(batching),
        ),
        (
            "The seed's simulated work (0.05 s per character, 100-character logs)",
            report.work_table(work),
        ),
        ("Cost per million logs at 1M logs/min (USD)", report.cost_table(cost_rows, inputs)),
        ("Limits", report.limits_table(inputs)),
        ("Prices and timings", report.inputs_table(inputs)),
    ]


def draw(inputs: Inputs, directory: Path) -> list[Path]:
    """The 1M/min plots, with and without sharding, from cold (the mapping's ramp shows)."""
    directory.mkdir(parents=True, exist_ok=True)
    base = profiles.HIGH_THROUGHPUT
    shards = profiles.shards_for_level(PLOT_LEVEL, base, inputs)
    runs = []
    for n in (1, shards):
        scenario = Scenario(
            PLOT_LEVEL, profiles.REALISTIC, profiles.MIX, replace(base, write_shards=n)
        )
        outcome = simulate(scenario, inputs, duration_s=PLOT_SECONDS, warmup_s=PLOT_SECONDS / 2)
        runs.append((f"N={n}", outcome.samples))
    title = "1M logs/min, high-throughput profile, from cold"
    backlog = directory / "backlog-1m.png"
    latency = directory / "latency-1m.png"
    plots.backlog_plot(runs, f"Backlog: {title}", backlog)
    plots.latency_plot(runs, f"Latency: {title}", latency)
    return [backlog, latency]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tenantlog.capacity", description=__doc__)
    parser.add_argument("--prices", type=Path, help="a prices file instead of the packaged one")
    parser.add_argument("--timings", type=Path, help="bench/aws_timings.py's JSON output")
    parser.add_argument("--no-simulation", action="store_true", help="the model's figures only")
    parser.add_argument("--plots", type=Path, help="draw the plots into this directory")
    parser.add_argument(
        "--cold-start", type=float, default=0.0, help="seconds a new environment takes to start"
    )
    args = parser.parse_args(argv)
    try:
        inputs = load_inputs(args.prices)
        if args.timings is not None:
            inputs = apply_measured(inputs, args.timings)
    except (InputError, OSError) as exc:
        parser.error(str(exc))
    for title, text in _sections(inputs, not args.no_simulation, args.cold_start):
        print(f"### {title}\n\n{text}\n")
    if args.plots is not None:
        for path in draw(inputs, args.plots):
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
