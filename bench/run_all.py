"""``make bench``: every benchmark, one after another, each with its own baseline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = [
    "ingest.py",
    "ingest_hostile.py",
    "rate_limit.py",
    "worker.py",
    "e2e.py",
    "fairness.py",
    "agents.py",
    "protocols.py",
    "redaction.py",
    "aws_ingest.py",
    # The figures need 2,000,000 logs (a 2.5 GB file, about ten minutes to build
    # the first time): run bench/search.py alone for them. A tenth keeps this run short.
    "search.py --records 200000",
]


def main() -> None:
    failed = []
    for name in BENCHMARKS:
        script, *args = name.split()
        print(f"\n=== bench/{name} ===", flush=True)
        if subprocess.run([sys.executable, str(HERE / script), *args], check=False).returncode:
            failed.append(name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
