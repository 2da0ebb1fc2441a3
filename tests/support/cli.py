"""Running the ``tenantlog`` command as a user would, and reading its --json output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson


def tenantlog(
    *args: str, data_dir: Path | None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run a command; ``data_dir`` is passed as --data-dir unless None."""
    where = [] if data_dir is None else ["--data-dir", str(data_dir)]
    result = subprocess.run(
        [sys.executable, "-m", "tenantlog", *args, *where],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"tenantlog {' '.join(args)} failed:\n{result.stderr}")
    return result


def tenantlog_json(*args: str, data_dir: Path | None) -> Any:
    return orjson.loads(tenantlog(*args, "--json", data_dir=data_dir).stdout)
