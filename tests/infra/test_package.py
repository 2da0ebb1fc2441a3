"""packaging/build_lambda.py: what goes into the Lambda zip, and that it runs."""

from __future__ import annotations

import importlib.util
import os
import platform
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
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
    assert {"boto3", "mangum", "aws-lambda-powertools", "starlette"} <= names
    assert not names & set(DEV_TOOLS)


# ---- slow: real builds (pip downloads wheels) ---------------------------------------


@pytest.mark.slow
def test_package_host_build_imports_the_handlers_in_a_clean_interpreter(tmp_path: Path) -> None:
    # GIVEN a zip built for this machine's CPU and Python, extracted
    host_platform = platform.machine()
    host_python = f"{sys.version_info.major}.{sys.version_info.minor}"
    output = build_lambda.build(tmp_path / "lambda.zip", host_platform, host_python)
    root = tmp_path / "root"
    with zipfile.ZipFile(output) as archive:
        archive.extractall(root)
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
