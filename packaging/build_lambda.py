"""Build the Lambda deployment zip: tenantlog plus its ``lambda`` dependencies.

One zip serves both functions (infra/lambda.tf): they run the same package and differ
only in their handler, so building once keeps them on identical code and halves the
build. Dependencies are the ``lambda`` optional-dependency group of pyproject.toml,
installed as binary wheels for the Lambda platform (arm64 by default, as in
Terraform), never the dev tools, at the versions of constraints.txt. The zip is
reproducible: entries sorted, fixed timestamps and permissions, bytecode only for
the modules a cold start imports (``--compile``, on by default when the build runs on
the runtime's Python), so the same inputs give the same bytes and Terraform's
source_code_hash only changes when the code or a dependency does. What no function
reads is left out (docs/aws.md, "Cold starts and the size of the zip").

    .venv/bin/python packaging/build_lambda.py                      # dist/lambda.zip, arm64
    .venv/bin/python packaging/build_lambda.py --platform x86_64 --python-version 3.11
"""

from __future__ import annotations

import argparse
import platform as host_platform
import py_compile
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "dist" / "lambda.zip"
DEFAULT_PLATFORM = "aarch64"  # Terraform's architectures = ["arm64"]
DEFAULT_PYTHON_VERSION = "3.12"  # Terraform's lambda_runtime default, python3.12
EXTRA = "lambda"
CONSTRAINTS = "constraints.txt"
#: The modules ``--compile`` compiles: those a cold start imports.
HOT_MODULES = Path(__file__).resolve().parent / "cold_start_modules.txt"

#: Lambda's Python 3.12+ runtimes run on Amazon Linux 2023 (glibc 2.34), 3.11 on Amazon
#: Linux 2 (glibc 2.26): wheels for any manylinux up to that glibc load there.
_GLIBC_MINOR = {"3.11": 26}
_GLIBC_MINOR_DEFAULT = 34
_OLDEST_GLIBC_MINOR = 17  # manylinux2014

#: Never shipped: finding one means the requirement list pulled in a dev tool, or a
#: package the functions must not carry (the YAML parser, phonenumbers' full metadata:
#: phonenumberslite is the same module without the geocoder and carrier data; boto3,
#: whose clients the code does not use).
FORBIDDEN_DISTRIBUTIONS = frozenset(
    {"pytest", "moto", "hypothesis", "mypy", "ruff", "checkov", "pyyaml", "phonenumbers", "boto3"}
)
#: The AWS services whose botocore models the zip carries: the ones the functions call.
BOTOCORE_SERVICES = frozenset({"sqs", "dynamodb"})
#: The parts of Powertools the worker uses (Logger, Metrics) and what they import; the
#: rest (the event handler with its own copy of Swagger UI, the utilities) is 0.8 MB
#: of the zip that no function loads.
POWERTOOLS_PARTS = frozenset(
    {
        "__init__.py",
        "exceptions",
        "logging",
        "metrics",
        "package_logger.py",
        "py.typed",
        "shared",
        "tracing",
        "warnings",
    }
)
#: Never imported by the functions: pydantic's copy of its version 1 (``pydantic.v1``),
#: dateutil's time zone tarball (botocore uses UTC and the local zone only), the
#: Google API annotations of googleapis-common-protos (OTLP needs only ``google.rpc``),
#: and tenantlog's command line, capacity model and browser pages (the console and
#: Swagger UI, which API Gateway does not route: tenantlog.http.app).
UNUSED_FOLDERS = frozenset(
    {
        ("pydantic", "v1"),
        ("dateutil", "zoneinfo"),
        ("google", "api"),
        ("google", "type"),
        ("tenantlog", "cli"),
        ("tenantlog", "capacity"),
        ("tenantlog", "console"),
    }
)
#: Files that no function reads: tenantlog's pages' assets and the OpenAPI document's
#: source (the functions serve openapi.json, generated from it), pydantic's mypy plugin,
#: urllib3's optional transports (SOCKS, pyOpenSSL, Emscripten; botocore uses none).
UNUSED_FILES = (
    "tenantlog/http/static/",
    "tenantlog/http/openapi.yaml",
    "pydantic/mypy.py",
    "urllib3/contrib/",
)

# 1980-01-01 is the earliest time a zip entry can hold.
_ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
#: Lambda's hard limits: 250 MB unzipped, 50 MB for a zip uploaded directly (as Terraform does).
MAX_UNZIPPED_BYTES = 250 * 1000 * 1000
MAX_ZIPPED_BYTES = 50 * 1000 * 1000


class BuildError(RuntimeError):
    """The Lambda package could not be built."""


def platform_tags(platform: str, python_version: str) -> list[str]:
    """Manylinux tags the Lambda runtime accepts, newest first (pip prefers earlier tags)."""
    newest = _GLIBC_MINOR.get(python_version, _GLIBC_MINOR_DEFAULT)
    tags = [f"manylinux_2_{minor}_{platform}" for minor in range(newest, _OLDEST_GLIBC_MINOR, -1)]
    return [*tags, f"manylinux2014_{platform}"]


def lambda_requirements(
    pyproject: Path, python_version: str, platform: str, extra: str = EXTRA
) -> list[str]:
    """The ``extra`` group of ``pyproject``, self-references expanded, markers evaluated.

    Markers are evaluated for the Lambda platform, not this machine, and dropped, because
    pip would evaluate them against the interpreter that runs it.
    """
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    groups: dict[str, list[str]] = project.get("optional-dependencies", {})
    if extra not in groups:
        raise BuildError(f"{pyproject} has no [project.optional-dependencies] group {extra!r}")
    own_name = canonicalize_name(project["name"])
    environment = {
        "python_version": python_version,
        "python_full_version": f"{python_version}.0",
        "platform_machine": platform,
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
    }
    seen_groups: set[str] = set()
    requirements: list[str] = []

    def expand(group: str) -> None:
        if group in seen_groups:
            return
        seen_groups.add(group)
        for line in groups.get(group, []):
            requirement = Requirement(line)
            if requirement.marker and not requirement.marker.evaluate(environment):
                continue
            if canonicalize_name(requirement.name) == own_name:
                # "tenantlog[aws]": the project itself is installed from source separately.
                for nested in sorted(requirement.extras):
                    expand(nested)
                continue
            requirement.marker = None
            requirements.append(str(requirement))

    expand(extra)
    return sorted(set(requirements))


def _pip(*args: str) -> None:
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-compile",
        "--no-input",
        *args,
    ]
    completed = subprocess.run(command, check=False)
    if completed.returncode != 0:
        raise BuildError(f"pip failed ({completed.returncode}): {' '.join(command)}")


def install(
    staging: Path,
    project_dir: Path,
    requirements: Sequence[str],
    platform: str,
    python_version: str,
) -> None:
    """Install the dependencies as Lambda-platform wheels, then tenantlog itself from source.

    The versions are the project's constraints.txt, the set the tests ran with, so the
    zip carries what was tested rather than whatever is newest on the day of the build.
    """
    platform_args = [
        arg for tag in platform_tags(platform, python_version) for arg in ("--platform", tag)
    ]
    constraints = project_dir / CONSTRAINTS
    constraint_args = ["--constraint", str(constraints)] if constraints.is_file() else []
    _pip(
        "--target",
        str(staging),
        "--implementation",
        "cp",
        "--python-version",
        python_version,
        "--only-binary=:all:",
        *platform_args,
        *constraint_args,
        *requirements,
    )
    # --upgrade: the project's console script may replace a dependency's in bin/, which is
    # left out of the zip anyway; without it pip warns that bin/ exists.
    _pip("--target", str(staging), "--no-deps", "--upgrade", str(project_dir))


def strip_tool(platform: str) -> str | None:
    """A strip that reads ``platform``'s shared objects: llvm-strip reads every CPU's, the
    system's GNU strip only this machine's. None when neither is there."""
    candidates = ["llvm-strip"]
    if platform == host_platform.machine():
        candidates.append("strip")
    for name in candidates:
        found = shutil.which(name)
        if found:
            return found
    return None


def strip_debug_info(staging: Path, platform: str) -> list[str]:
    """Remove debug sections from the shipped shared objects; return the ones stripped.

    Some wheels ship their extension with its debug information (zstandard's is 10.6 MB,
    0.8 MB without): the loader never reads it, and it was a fifth of the zip. Only the
    .debug sections go (``--strip-debug``): symbols, and so tracebacks from native code,
    stay.
    """
    tool = strip_tool(platform)
    stripped: list[str] = []
    for path in sorted(staging.rglob("*.so*")):
        if not path.is_file() or not _has_debug_sections(path.read_bytes()):
            continue
        if tool is None:
            print(
                f"build_lambda: no llvm-strip: {path.relative_to(staging)} keeps its debug "
                "sections (install LLVM for a smaller zip)",
                file=sys.stderr,
            )
            continue
        subprocess.run([tool, "--strip-debug", str(path)], check=True)
        stripped.append(path.relative_to(staging).as_posix())
    return stripped


def _has_debug_sections(data: bytes) -> bool:
    """Whether a 64-bit little-endian ELF file has a section named .debug_*."""
    if data[:4] != b"\x7fELF" or data[4:6] != b"\x02\x01":  # 64-bit, little-endian
        return False
    shoff = int.from_bytes(data[0x28:0x30], "little")
    shentsize = int.from_bytes(data[0x3A:0x3C], "little")
    shnum = int.from_bytes(data[0x3C:0x3E], "little")
    shstrndx = int.from_bytes(data[0x3E:0x40], "little")
    if shoff == 0 or shstrndx >= shnum:
        return False

    def header(index: int) -> bytes:
        start = shoff + index * shentsize
        return data[start : start + shentsize]

    names = header(shstrndx)
    names_at = int.from_bytes(names[0x18:0x20], "little")
    names_size = int.from_bytes(names[0x20:0x28], "little")
    table = data[names_at : names_at + names_size]
    for index in range(shnum):
        name_at = int.from_bytes(header(index)[0:4], "little")
        if table[name_at : table.find(b"\0", name_at)].startswith(b".debug_"):
            return True
    return False


def installed_distributions(staging: Path) -> set[str]:
    """Canonical names of the distributions installed in ``staging``."""
    names: set[str] = set()
    for dist_info in staging.glob("*.dist-info"):
        name = dist_info.name.removesuffix(".dist-info").rsplit("-", 1)[0]
        names.add(canonicalize_name(name))
    return names


def _is_shipped(relative: PurePosixPath, keep_bytecode: bool = False) -> bool:
    parts = relative.parts
    if parts[0] == "bin":  # console scripts, with this machine's interpreter in their shebang
        return False
    if relative.suffix in {".pyc", ".pyo"}:  # only precompile's: pip runs with --no-compile
        return keep_bytecode and relative.suffix == ".pyc"
    if parts[:2] in UNUSED_FOLDERS or str(relative).startswith(UNUSED_FILES):
        return False
    if parts[0] == "aws_lambda_powertools" and len(parts) > 1:
        if parts[1] == "utilities":  # jmespath_utils: the Logger's correlation ids
            return len(parts) == 2 or parts[2] in {"__init__.py", "jmespath_utils"}
        return parts[1] in POWERTOOLS_PARTS
    if relative.suffix == ".pyi":  # type stubs: read by type checkers, never at run time
        return False
    if parts[:2] == ("botocore", "data") and len(parts) > 3:
        # One folder of models per AWS service (450 of them, most of botocore's size);
        # the functions call only these. The files directly in data/ (endpoints,
        # partitions, retry rules, defaults) serve every service and stay.
        return parts[2] in BOTOCORE_SERVICES
    if parts[0] == "zstandard" and relative.name.startswith(("_cffi.", "backend_cffi.")):
        # zstandard's CFFI backend, for PyPy: CPython loads its C extension (backend_c).
        return False
    if parts[0].endswith(".dist-info") and "sboms" in parts:
        return False  # software bills of materials, for scanners of the wheel, not code
    # direct_url.json records the absolute path of the source tree it was installed from;
    # RECORD lists every installed file for pip's uninstall (botocore's: 0.2 MB).
    return relative.name not in {"direct_url.json", "RECORD"}


def shipped_files(staging: Path, *, keep_bytecode: bool = False) -> Iterator[tuple[str, Path]]:
    """(name in the zip, file) for everything that goes into the package, sorted by name."""
    entries = []
    for path in staging.rglob("*"):
        if path.is_file():
            relative = PurePosixPath(path.relative_to(staging).as_posix())
            if _is_shipped(relative, keep_bytecode):
                entries.append((str(relative), path))
    yield from sorted(entries)


def metadata_headers(data: bytes) -> bytes:
    """A distribution's METADATA without its long description (its README, after the
    headers' blank line): importlib.metadata reads the headers (name, version,
    requirements), and the descriptions were 0.1 MB of the zip."""
    headers, _, _ = data.partition(b"\n\n")
    return headers + b"\n"


def write_zip(files: Iterable[tuple[str, Path]], destination: Path) -> int:
    """Write a reproducible zip of ``files`` to ``destination``; return the unzipped size."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    unzipped = 0
    with zipfile.ZipFile(partial, "w") as archive:
        for name, path in files:
            data = path.read_bytes()
            if name.endswith(".dist-info/METADATA"):
                data = metadata_headers(data)
            unzipped += len(data)
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so that the permission bits below are honoured
            mode = 0o755 if path.stat().st_mode & 0o111 else 0o644
            info.external_attr = (0o100000 | mode) << 16
            archive.writestr(info, data, compresslevel=9)
    partial.replace(destination)
    return unzipped


def precompile(staging: Path, python_version: str, modules: Iterable[str]) -> int:
    """Compile the modules a cold start imports to bytecode.

    Lambda unpacks the zip on a read-only disk, so without bytecode every cold start
    compiles each module it imports (about half of a cold start here). Only the
    modules of ``HOT_MODULES`` (written by ``bench/cold_start.py
    --write-hot-modules``) are compiled: bytecode for all of them would add 5 MB for
    modules a cold start never loads. They ship as bytecode alone, in place of their
    sources (Python imports a ``.pyc`` that stands where its ``.py`` would), which
    keeps the zip within 10.5 MB; tracebacks still name the file and line, without the
    line's text. The bytecode must come from the runtime's own Python version, so
    this runs only when the build runs on it. ``unchecked-hash``: the unpacked
    files' times say nothing. Returns how many modules were compiled.
    """
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if running != python_version:
        raise BuildError(
            f"--compile needs Python {python_version} to run the build (this is {running})"
        )
    compiled = 0
    for name in modules:
        source = staging / name
        if not source.is_file():  # a module of another version of a dependency
            continue
        try:
            py_compile.compile(
                str(source),
                cfile=str(source) + "c",
                dfile=name,
                doraise=True,
                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
            )
        except py_compile.PyCompileError as exc:
            raise BuildError(f"cannot compile {name}: {exc.msg}") from None
        source.unlink()
        compiled += 1
    return compiled


def hot_modules(path: Path = HOT_MODULES) -> list[str]:
    """The list's module paths (relative to the zip's root), without comments."""
    lines = path.read_text().splitlines()
    return [line for line in (raw.strip() for raw in lines) if line and not line.startswith("#")]


def build(
    output: Path,
    platform: str,
    python_version: str,
    project_dir: Path = REPO_ROOT,
    *,
    compile_bytecode: bool = False,
) -> Path:
    requirements = lambda_requirements(project_dir / "pyproject.toml", python_version, platform)
    with tempfile.TemporaryDirectory(prefix="tenantlog-lambda-") as tmp:
        staging = Path(tmp)
        install(staging, project_dir, requirements, platform, python_version)
        forbidden = sorted(installed_distributions(staging) & FORBIDDEN_DISTRIBUTIONS)
        if forbidden:
            raise BuildError(f"would be shipped: {', '.join(forbidden)}")
        strip_debug_info(staging, platform)
        if compile_bytecode:
            listed = hot_modules(project_dir / "packaging" / HOT_MODULES.name)
            precompile(staging, python_version, listed)
        unzipped = write_zip(shipped_files(staging, keep_bytecode=compile_bytecode), output)
    if unzipped > MAX_UNZIPPED_BYTES:
        raise BuildError(f"{output}: {unzipped} bytes unzipped, over Lambda's 250 MB limit")
    if output.stat().st_size > MAX_ZIPPED_BYTES:
        raise BuildError(f"{output}: over the 50 MB Lambda accepts as a direct upload")
    return output


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--platform",
        choices=["aarch64", "x86_64"],
        default=DEFAULT_PLATFORM,
        help="CPU of the Lambda functions (aarch64 = arm64, as in infra/); x86_64 for a "
        "build that also imports on this machine",
    )
    parser.add_argument(
        "--python-version",
        default=DEFAULT_PYTHON_VERSION,
        choices=["3.11", "3.12"],
        help="Python of the Lambda runtime (infra's lambda_runtime)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="zip to write")
    parser.add_argument(
        "--compile",
        action=argparse.BooleanOptionalAction,
        help="ship bytecode of the modules a cold start imports: cold starts take about"
        " half as long (docs/aws.md). Needs the runtime's Python to run the build; by"
        " default on when it does",
    )
    args = parser.parse_args(argv)
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    compile_bytecode = args.compile if args.compile is not None else running == args.python_version
    if not compile_bytecode and args.compile is None:
        print(
            f"build_lambda: no bytecode shipped (this is Python {running}, the runtime"
            f" {args.python_version}): build with Python {args.python_version} for cold"
            " starts about half as long",
            file=sys.stderr,
        )
    try:
        output = build(
            args.output, args.platform, args.python_version, compile_bytecode=compile_bytecode
        )
    except BuildError as exc:
        print(f"build_lambda: {exc}", file=sys.stderr)
        return 1
    size_mb = output.stat().st_size / 1e6
    kind = "bytecode" if compile_bytecode else "sources"
    print(f"{output} ({size_mb:.1f} MB, {args.platform}, Python {args.python_version}, {kind})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
