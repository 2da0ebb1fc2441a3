"""Running the ``tenantlog`` command as a user would, and reading its --json output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson


def tenantlog(*args: str, data_dir: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "tenantlog", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"tenantlog {' '.join(args)} failed:\n{result.stderr}")
    return result


def tenantlog_json(*args: str, data_dir: Path) -> Any:
    return orjson.loads(tenantlog(*args, "--json", data_dir=data_dir).stdout)
