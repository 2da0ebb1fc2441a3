"""packaging/build_lambda.py: what goes into the Lambda zip, and that it runs."""

from __future__ import annotations

import importlib.util
import os
import platform
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path, PurePosixPath
from types import ModuleType

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.infra.terraform_config import INFRA_DIR, block, load

REPO_ROOT = INFRA_DIR.parent
HANDLER_MODULES = ("tenantlog.lambdas.ingest", "tenantlog.lambdas.worker")
DEV_TOOLS = ("pytest", "moto", "hypothesis", "mypy", "ruff")
ELF_MACHINE = {"aarch64": 183, "x86_64": 62}


def _load_build_script() -> ModuleType:
    # packaging/ is a scripts folder, not an importable package (the name would shadow
    # the `packaging` distribution), so the script is loaded from its path.
    path = REPO_ROOT / "packaging" / "build_lambda.py"
    spec = importlib.util.spec_from_file_location("build_lambda", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_lambda = _load_build_script()


def elf_machine(data: bytes) -> int:
    assert data[:4] == b"\x7fELF", "not an ELF file"
    assert data[5] == 1, "not little-endian"
    return int.from_bytes(data[18:20], "little")


#: The zip's size at most: 10 MB until the redaction screen's automaton
#: (ahocorasick-rs, 0.4 MB zipped) joined it, which left the worker's cold
#: start with its first log as it was (docs/aws.md, bench/cold_start.py).
ZIP_BUDGET = 10_500_000


def top_level_names(archive: zipfile.ZipFile) -> set[str]:
    return {name.split("/", 1)[0] for name in archive.namelist()}


# ---- fast: the build's pieces ----------------------------------------------------------


def test_build_lambda_zip_is_reproducible_and_leaves_out_build_litter(tmp_path: Path) -> None:
    # GIVEN a staging directory as pip leaves it
    staging = tmp_path / "staging"
    files = {
        "tenantlog/__init__.py": b"",
        "tenantlog/lambdas/worker.py": b"def handler(event, context): ...\n",
        "tenantlog/__pycache__/__init__.cpython-312.pyc": b"bytecode",
        "tenantlog-0.1.0.dist-info/direct_url.json": b'{"url": "file:///somewhere"}',
        "tenantlog-0.1.0.dist-info/METADATA": b"Name: tenantlog\n",
        "bin/tenantlog": b"#!/usr/bin/python\n",
        "orjson/orjson.so": b"\x7fELF",
    }
    for name, data in files.items():
        (staging / name).parent.mkdir(parents=True, exist_ok=True)
        (staging / name).write_bytes(data)
    (staging / "orjson/orjson.so").chmod(0o755)
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    # WHEN it is zipped twice, the files touched in between
    build_lambda.write_zip(build_lambda.shipped_files(staging), first)
    for name in files:
        os.utime(staging / name, (2_000_000_000, 2_000_000_000))
    build_lambda.write_zip(build_lambda.shipped_files(staging), second)
    # THEN both zips are the same bytes, sorted, without bytecode, scripts or local paths
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        names = archive.namelist()
        infos = {info.filename: info for info in archive.infolist()}
    assert names == [
        "orjson/orjson.so",
        "tenantlog-0.1.0.dist-info/METADATA",
        "tenantlog/__init__.py",
        "tenantlog/lambdas/worker.py",
    ]
    assert {info.date_time for info in infos.values()} == {(1980, 1, 1, 0, 0, 0)}
    assert infos["orjson/orjson.so"].external_attr >> 16 == 0o100755
    assert infos["tenantlog/__init__.py"].external_attr >> 16 == 0o100644


def test_build_lambda_requirements_come_from_the_lambda_group(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        textwrap.dedent(
            """
            [project]
            name = "tenantlog"
            [project.optional-dependencies]
            aws = ["boto3>=1.34"]
            dev = ["pytest>=8"]
            lambda = [
                "tenantlog[aws]",
                "orjson>=3.10",
                "tomli; python_version < '3.11'",
                "pyyaml>=6; platform_machine == 'aarch64'",
            ]
            """
        ),
        encoding="utf-8",
    )
    arm = build_lambda.lambda_requirements(pyproject, "3.12", "aarch64")
    x86 = build_lambda.lambda_requirements(pyproject, "3.12", "x86_64")
    assert arm == ["boto3>=1.34", "orjson>=3.10", "pyyaml>=6"]
    assert x86 == ["boto3>=1.34", "orjson>=3.10"]
    with pytest.raises(build_lambda.BuildError, match=r"no .* group 'serverless'"):
        build_lambda.lambda_requirements(pyproject, "3.12", "aarch64", extra="serverless")


def test_build_lambda_platform_tags_follow_the_runtime_glibc() -> None:
    # python3.12 runs on Amazon Linux 2023 (glibc 2.34), python3.11 on Amazon Linux 2 (2.26).
    arm = build_lambda.platform_tags("aarch64", "3.12")
    assert arm[0] == "manylinux_2_34_aarch64"
    assert arm[-1] == "manylinux2014_aarch64"
    assert "manylinux_2_35_aarch64" not in arm
    assert build_lambda.platform_tags("x86_64", "3.11")[0] == "manylinux_2_26_x86_64"


def test_build_lambda_defaults_match_the_terraform_functions() -> None:
    tf = load()
    assert tf.default("lambda_runtime") == f"python{build_lambda.DEFAULT_PYTHON_VERSION}"
    assert build_lambda.DEFAULT_PLATFORM == "aarch64"
    for name in ("ingest", "worker"):
        assert tf.resource("aws_lambda_function", name)["architectures"] == ["arm64"]
    zip_from_infra = (INFRA_DIR / tf.default("lambda_zip_path")).resolve()
    assert zip_from_infra == build_lambda.DEFAULT_OUTPUT


def test_pyproject_lambda_group_ships_no_dev_tool() -> None:
    requirements = build_lambda.lambda_requirements(REPO_ROOT / "pyproject.toml", "3.12", "aarch64")
    names = {canonicalize_name(Requirement(requirement).name) for requirement in requirements}
    assert {"botocore", "mangum", "aws-lambda-powertools", "starlette", "google-re2"} <= names
    assert not names & set(DEV_TOOLS)


def test_pyproject_lambda_group_carries_no_yaml_full_phone_metadata_or_boto3() -> None:
    # Cold starts: no YAML parser (the OpenAPI document is served from JSON), the numbering
    # plans without the geocoder and carrier data, botocore without boto3 and s3transfer.
    requirements = build_lambda.lambda_requirements(REPO_ROOT / "pyproject.toml", "3.12", "aarch64")
    names = {canonicalize_name(Requirement(requirement).name) for requirement in requirements}
    assert "phonenumberslite" in names
    assert not names & {"pyyaml", "phonenumbers", "boto3", "s3transfer"}
    assert not names & build_lambda.FORBIDDEN_DISTRIBUTIONS


@pytest.mark.parametrize(
    ("name", "shipped"),
    [
        ("botocore/data/sqs/2012-11-05/service-2.json.gz", True),
        ("botocore/data/dynamodb/2012-08-10/service-2.json.gz", True),
        ("botocore/data/endpoints.json", True),
        ("botocore/data/_retry.json", True),
        ("botocore/data/ec2/2016-11-15/service-2.json.gz", False),
        ("botocore/data/s3/2006-03-01/endpoint-rule-set-1.json.gz", False),
        ("zstandard/backend_c.cpython-312-aarch64-linux-gnu.so", True),
        ("zstandard/_cffi.cpython-312-aarch64-linux-gnu.so", False),
        ("zstandard/backend_cffi.py", False),
        ("phonenumbers/phonenumberutil.pyi", False),
        ("botocore-1.44.8.dist-info/RECORD", False),
        ("botocore-1.44.8.dist-info/METADATA", True),
        ("tenantlog/__pycache__/settings.cpython-312.pyc", False),
        ("tenantlog/http/openapi.json", True),
        ("aws_lambda_powertools/logging/logger.py", True),
        ("aws_lambda_powertools/metrics/provider/base.py", True),
        ("aws_lambda_powertools/utilities/jmespath_utils/__init__.py", True),
        ("aws_lambda_powertools/event_handler/api_gateway.py", False),
        ("aws_lambda_powertools/utilities/parameters/base.py", False),
        ("pydantic/v1/main.py", False),
        ("pydantic/main.py", True),
        ("dateutil/zoneinfo/dateutil-zoneinfo.tar.gz", False),
        ("google/api/http_pb2.py", False),
        ("google/rpc/status_pb2.py", True),
        ("tenantlog/cli/main.py", False),
        ("tenantlog/capacity/model.py", False),
        ("tenantlog/console/routes.py", False),
        ("tenantlog/http/static/swagger-ui/swagger-ui-bundle.js", False),
        ("tenantlog/http/openapi.yaml", False),
        ("tenantlog/http/operations.py", True),
        ("pydantic/mypy.py", False),
        ("urllib3/contrib/socks.py", False),
        ("urllib3/connection.py", True),
        ("pydantic_core-2.50.5.dist-info/sboms/pydantic-core.cyclonedx.json", False),
        ("pydantic_core-2.50.5.dist-info/licenses/LICENSE", True),
    ],
)
def test_build_lambda_leaves_out_what_no_function_reads(name: str, shipped: bool) -> None:
    assert build_lambda._is_shipped(PurePosixPath(name)) is shipped


def elf_with_sections(*names: str) -> bytes:
    """A 64-bit little-endian ELF file with only a header and these (empty) sections."""
    table = b"\0" + b"".join(name.encode() + b"\0" for name in (*names, ".shstrtab"))
    offsets = [1]
    for name in names:
        offsets.append(offsets[-1] + len(name) + 1)
    header = bytearray(64)
    header[:6] = b"\x7fELF\x02\x01"
    shoff = 64 + len(table)
    header[0x28:0x30] = shoff.to_bytes(8, "little")
    header[0x3A:0x3C] = (64).to_bytes(2, "little")
    header[0x3C:0x3E] = (len(names) + 2).to_bytes(2, "little")
    header[0x3E:0x40] = (len(names) + 1).to_bytes(2, "little")
    sections = bytearray(64)  # the null section
    for index, name_at in enumerate(offsets):
        section = bytearray(64)
        section[0:4] = name_at.to_bytes(4, "little")
        if index == len(names):  # .shstrtab: where the names are
            section[0x18:0x20] = (64).to_bytes(8, "little")
            section[0x20:0x28] = len(table).to_bytes(8, "little")
        sections += section
    return bytes(header) + table + bytes(sections)


def test_build_lambda_finds_debug_sections_by_name() -> None:
    assert build_lambda._has_debug_sections(elf_with_sections(".text", ".debug_info"))
    assert not build_lambda._has_debug_sections(elf_with_sections(".text", ".symtab"))
    assert not build_lambda._has_debug_sections(b"#!/bin/sh\n")
    # a truncated or cut file is no ELF with debug sections, never an error
    whole = elf_with_sections(".text", ".debug_info")
    for cut in (b"\x7fELF", b"\x7fELF\x02", whole[:64], whole[:-10]):
        assert build_lambda._has_debug_sections(cut) in (True, False)
    assert not build_lambda._has_debug_sections(b"\x7fELF")


def test_build_lambda_keeps_bytecode_only_when_compiled() -> None:
    sourceless = PurePosixPath("tenantlog/settings.pyc")
    assert build_lambda._is_shipped(sourceless, keep_bytecode=True)
    assert not build_lambda._is_shipped(sourceless)
    with pytest.raises(build_lambda.BuildError, match=r"--compile needs Python 2\.7"):
        build_lambda.precompile(Path("unused"), "2.7", [])


def test_build_lambda_compiles_listed_modules_in_place_of_their_sources(tmp_path: Path) -> None:
    # GIVEN a staging folder with two modules, one of them listed as imported at start-up
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "hot.py").write_text("VALUE = 41 + 1\n")
    (tmp_path / "pkg" / "cold.py").write_text("VALUE = 0\n")
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    # WHEN they are precompiled (a listed module of another version is skipped)
    compiled = build_lambda.precompile(tmp_path, running, ["pkg/hot.py", "pkg/gone.py"])
    # THEN the listed module is bytecode alone, which Python imports, and the other is source
    assert compiled == 1
    assert sorted(p.name for p in (tmp_path / "pkg").iterdir()) == ["cold.py", "hot.pyc"]
    code = f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import pkg.hot as m; print(m.VALUE)"
    completed = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", code], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "42"


def test_build_lambda_ships_metadata_headers_without_the_long_description() -> None:
    metadata = b"Metadata-Version: 2.4\nName: x\nVersion: 1.0\n\n# x\n\nA long README.\n"
    assert build_lambda.metadata_headers(metadata) == (
        b"Metadata-Version: 2.4\nName: x\nVersion: 1.0\n"
    )


def test_hot_module_list_names_both_handlers() -> None:
    listed = build_lambda.hot_modules()
    assert {module.replace(".", "/") + ".py" for module in HANDLER_MODULES} <= set(listed)
    assert listed == sorted(set(listed))


# ---- slow: real builds (pip downloads wheels) ---------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("compiled", [False, True], ids=["sources", "compiled"])
def test_package_host_build_imports_the_handlers_in_a_clean_interpreter(
    tmp_path: Path, compiled: bool
) -> None:
    # GIVEN a zip built for this machine's CPU and Python (with bytecode: --compile), extracted
    host_platform = platform.machine()
    host_python = f"{sys.version_info.major}.{sys.version_info.minor}"
    output = build_lambda.build(
        tmp_path / "lambda.zip", host_platform, host_python, compile_bytecode=compiled
    )
    root = tmp_path / "root"
    with zipfile.ZipFile(output) as archive:
        archive.extractall(root)
    if compiled:  # the handlers as bytecode alone, and the zip still at most 10.5 MB
        assert (root / "tenantlog" / "lambdas" / "ingest.pyc").is_file()
        assert not (root / "tenantlog" / "lambdas" / "ingest.py").exists()
        assert output.stat().st_size <= ZIP_BUDGET, output.stat().st_size
    # and the environment Terraform gives the worker (resource attributes made up)
    tf = load()
    variables = block(tf.resource("aws_lambda_function", "worker"), "environment")["variables"]
    lambda_environment = {name: str(value) for name, value in tf.resolve(variables).items()}
    lambda_environment.update(
        SQS_QUEUE_URL="https://sqs.us-east-1.amazonaws.com/123456789012/tenantlog-queue",
        TENANTLOG_SQS_DLQ_URL="https://sqs.us-east-1.amazonaws.com/123456789012/tenantlog-dlq",
        DYNAMODB_TABLE_NAME="tenantlog-logs",
        TENANTLOG_VISIBILITY_TIMEOUT="300",
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
    )
    # WHEN an isolated interpreter without site-packages (-I -S; -I also ignores
    # PYTHONPATH, so the zip's root is put on sys.path by the code) imports the handlers
    code = textwrap.dedent(
        f"""
        import importlib, importlib.util, sys
        sys.path.insert(0, {str(root)!r})
        assert importlib.util.find_spec("pytest") is None, "not a clean interpreter"
        for name in {HANDLER_MODULES!r}:
            module = importlib.import_module(name)
            assert module.__file__.startswith({str(root)!r}), module.__file__
            assert callable(module.handler), name
        for absent in ("yaml", "boto3", "s3transfer", "phonenumbers.geodata"):
            assert importlib.util.find_spec(absent) is None, absent
        from tenantlog.http.operations import openapi_document
        from tenantlog import redact
        assert openapi_document()["openapi"].startswith("3.")
        assert redact("call +44 20 7946 0958 now") == "call [REDACTED] now"
        from importlib.metadata import version  # the headers are all that is shipped
        assert version("botocore") and version("pydantic")
        from tenantlog.aws.clients import make_client
        client = make_client("dynamodb", "us-east-1", 1)
        assert client.meta.service_model.service_name == "dynamodb"
        print("handlers ok")
        """
    )
    completed = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": os.environ.get("PATH", ""), **lambda_environment},
        cwd=tmp_path,
    )
    # THEN both handlers are there and callable
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert completed.stdout.strip() == "handlers ok"


@pytest.mark.slow
def test_package_default_build_ships_arm64_binaries_and_no_dev_tools(tmp_path: Path) -> None:
    output = build_lambda.build(
        tmp_path / "lambda.zip", build_lambda.DEFAULT_PLATFORM, build_lambda.DEFAULT_PYTHON_VERSION
    )
    with zipfile.ZipFile(output) as archive:
        names = archive.namelist()
        shared_objects = [name for name in names if name.endswith(".so") or ".so." in name]
        machines = {name: elf_machine(archive.read(name)[:20]) for name in shared_objects}
        tops = top_level_names(archive)
    assert any(name.startswith("orjson/") for name in shared_objects)
    assert set(machines.values()) == {ELF_MACHINE["aarch64"]}, machines
    assert {module.replace(".", "/") + ".py" for module in HANDLER_MODULES} <= set(names)
    for tool in DEV_TOOLS:
        assert not [top for top in tops if top == tool or top.startswith(f"{tool}-")], tool
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    assert names == sorted(names)


@pytest.mark.slow
def test_package_default_build_is_at_most_10_mb_without_yaml_or_phone_geodata(
    tmp_path: Path,
) -> None:
    # GIVEN the zip Terraform deploys (arm64, the default Python)
    output = build_lambda.build(
        tmp_path / "lambda.zip", build_lambda.DEFAULT_PLATFORM, build_lambda.DEFAULT_PYTHON_VERSION
    )
    with zipfile.ZipFile(output) as archive:
        names = archive.namelist()
        shared_objects = {
            name: archive.read(name) for name in names if name.endswith(".so") or ".so." in name
        }
        tops = top_level_names(archive)
    # THEN it is at most 10.5 MB (it was 34 MB with boto3, full phonenumbers and PyYAML)
    assert output.stat().st_size <= ZIP_BUDGET, output.stat().st_size
    # AND it carries no YAML parser, no phone geocoder, carrier or time-zone data, no boto3
    assert not tops & {"yaml", "_yaml", "boto3", "s3transfer"}, tops
    assert not [top for top in tops if top.lower().startswith(("pyyaml-", "phonenumbers-"))]
    phone_data = ("phonenumbers/geodata/", "phonenumbers/carrierdata/", "phonenumbers/tzdata/")
    assert "phonenumbers/data/__init__.py" in names
    assert not [name for name in names if name.startswith(phone_data)]
    # AND botocore's models only for the services the functions call; RE2 is there
    services = {name.split("/")[2] for name in names if name.startswith("botocore/data/")}
    assert {s for s in services if "." not in s} == set(build_lambda.BOTOCORE_SERVICES)
    assert any(top.startswith("google_re2-1.1") for top in tops), tops
    # AND no shared object carries debug sections (stripped when llvm-strip is there)
    if build_lambda.strip_tool(build_lambda.DEFAULT_PLATFORM) is not None:
        debug = [
            name for name, data in shared_objects.items() if build_lambda._has_debug_sections(data)
        ]
        assert debug == []
