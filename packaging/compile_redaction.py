"""Compile the redaction modules to C with mypyc, into ``build/compiled``.

``make run`` and ``make test`` run this first; it returns at once when the
build matches the sources (``tenantlog.redaction.compiled`` explains how the
package picks it up). Without a C compiler or Python's headers it says so
and exits 0: the sources then run, slower, with the same results.

mypyc rather than hand-written C or Cython: the modules are already typed
for mypy, so the same sources compile unchanged and stay readable Python.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from tenantlog.redaction import compiled

SOURCE_ROOT = compiled.PACKAGE_DIR.parents[1]


def missing_toolchain() -> str | None:
    """Why this machine cannot build C extensions for this Python (None: it can)."""
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        return f"no C compiler ({compiler})"
    headers = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not headers.is_file():
        return f"no Python headers ({headers})"
    return None


def build(into: Path, work: Path) -> None:
    """Compile every module of ``compiled.compiled_sources()`` into ``into``."""
    # setuptools and mypyc are build tools, imported only when there is something to build.
    from mypyc.build import mypycify
    from setuptools import setup

    sources = [str(path.relative_to(SOURCE_ROOT)) for path in compiled.compiled_sources()]
    # mypy names the modules from the paths: they are given from the source root.
    os.chdir(SOURCE_ROOT)
    # (mypy's cache goes to the scratch folder, not into the sources.)
    options = [f"--cache-dir={work / 'mypy-cache'}"]
    extensions = mypycify(
        [*options, *sources], group_name=compiled.GROUP, target_dir=str(work / "c")
    )
    setup(
        name="tenantlog-redaction-compiled",
        packages=[],
        py_modules=[],
        ext_modules=extensions,
        script_args=[
            "--quiet",
            "build_ext",
            f"--build-lib={into}",
            f"--build-temp={work / 'objects'}",
        ],
    )


def main() -> int:
    from mypy.version import __version__ as compiler_version

    target = compiled.BUILD_DIR
    if compiled.is_fresh(target, compiler_version):
        print(f"compiled redaction is up to date ({target})")
        return 0
    problem = missing_toolchain()
    if problem is not None:
        print(f"redaction will run interpreted: {problem}")
        return 0
    print(f"compiling redaction with mypyc {compiler_version} (a few minutes) ...", flush=True)
    started = time.monotonic()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".compiling-") as scratch:
        work = Path(scratch)
        built = work / "built"
        # (Read before compiling: the sources may be edited while it runs.)
        built_from = compiled.fingerprint(compiler_version)
        build(built, work)
        compiled.record(built, compiler_version, built_from)
        # Swapped in whole: a build stopped halfway leaves the last one (or none).
        if target.exists():
            target.rename(work / "previous")
        built.rename(target)
    print(f"compiled redaction into {target} in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
