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
    "fairness.py",
    "agents.py",
    "protocols.py",
    "redaction.py",
    "aws_ingest.py",
]


def main() -> None:
    failed = []
    for name in BENCHMARKS:
        print(f"\n=== bench/{name} ===", flush=True)
        if subprocess.run([sys.executable, str(HERE / name)], check=False).returncode != 0:
            failed.append(name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
