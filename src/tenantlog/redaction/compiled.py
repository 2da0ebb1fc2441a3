"""The redaction modules compiled to C by mypyc, used in place of their sources when built.

Redaction is the worker's hottest code: on a short log line with a value,
most of its time goes to Python's own work between the regex calls (the
checks that confirm a candidate, the plan of scans), which mypyc compiles
from the same typed sources mypy checks. ``packaging/compile_redaction.py``
(run by ``make run`` and ``make test``) builds them into ``build/compiled``
of the checkout; ``bench/redaction.py`` prints which the run used.

The compiled modules are used only when they were built from the sources
as they are now: a fingerprint of those sources, the compiler and the
interpreter's ABI is written next to them, and any edit, checkout or other
Python makes the package import its sources again until the next build. A
process without the build (an installed wheel, the Lambda package, a
machine without a C compiler) runs the sources. ``TENANTLOG_REDACTION_COMPILED=0``
runs them too, to compare the two.

This module and the package's ``__init__`` stay interpreted: they decide
which modules are imported. ``scans`` does too: it only assembles the
patterns, once per process.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
#: Where the build puts them: ``build/compiled`` at the root of a source checkout.
BUILD_DIR = PACKAGE_DIR.parents[2] / "build" / "compiled"
#: Names the build's shared library (one for every compiled module).
GROUP = "tenantlog_redaction"
FINGERPRINT_FILE = "fingerprint"
#: Set to "0" to import the sources even where a fresh build exists.
SWITCH = "TENANTLOG_REDACTION_COMPILED"
_INTERPRETED = frozenset(("__init__.py", "compiled.py", "scans.py"))


def compiled_sources() -> list[Path]:
    """The package's modules the build compiles, in a stable order."""
    return sorted(path for path in PACKAGE_DIR.glob("*.py") if path.name not in _INTERPRETED)


def fingerprint(compiler_version: str) -> str:
    """What a build was made from: every compiled source, the compiler, the ABI."""
    # Imported here: a process without a build (a Lambda's cold start) never needs them.
    import hashlib
    import sysconfig

    digest = hashlib.sha256()
    for part in (compiler_version, sysconfig.get_config_var("EXT_SUFFIX") or "", sys.version):
        digest.update(part.encode() + b"\0")
    for path in compiled_sources():
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def record(build_dir: Path, compiler_version: str, built_from: str) -> None:
    """Write what the build in ``build_dir`` was made from, for ``is_fresh``.

    ``built_from``: the sources' ``fingerprint`` read before the build began. Read
    after it, a source edited while it ran would pass for the one compiled.
    """
    text = f"{compiler_version} {built_from}\n"
    (build_dir / FINGERPRINT_FILE).write_text(text)


def is_fresh(build_dir: Path = BUILD_DIR, compiler_version: str | None = None) -> bool:
    """Whether ``build_dir`` holds a build of the sources as they are (by the given
    compiler, if one is named).

    The fingerprint file holds the compiler's version and the fingerprint
    computed with it: the sources are read again here (a few hundred
    kilobytes) only where a build exists.
    """
    try:
        version, built_from = (build_dir / FINGERPRINT_FILE).read_text().split()
    except (OSError, ValueError):
        return False  # no build, or an unfinished one
    if compiler_version is not None and version != compiler_version:
        return False
    return fingerprint(version) == built_from  # else the sources (or Python) changed since


def use_build(package_path: list[str], build_dir: Path = BUILD_DIR) -> bool:
    """Put a fresh build ahead of the sources on the package's path; whether it was."""
    if os.environ.get(SWITCH, "1") == "0" or not is_fresh(build_dir):
        return False
    import importlib.util
    import sysconfig

    library = build_dir / f"{GROUP}__mypyc{sysconfig.get_config_var('EXT_SUFFIX')}"
    spec = importlib.util.spec_from_file_location(f"{GROUP}__mypyc", library)
    if spec is None or spec.loader is None:
        return False
    # Each compiled module imports the shared library by this name.
    shared = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shared)
    sys.modules[spec.name] = shared
    package_path.insert(0, str(build_dir / "tenantlog" / "redaction"))
    return True


def in_use() -> bool:
    """Whether this process runs the compiled modules (the engine's is one of them)."""
    from tenantlog.redaction import engine

    return not engine.__file__.endswith(".py") if engine.__file__ else False
