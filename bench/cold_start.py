"""Lambda cold starts: start-up plus the first request of each handler, from the built zip.

A cold start on Lambda is a fresh interpreter importing the handler from the
unpacked zip (read-only, so no bytecode is written: a module the zip carries no
bytecode for is compiled from source at every cold start), building its settings
and backends on the first invocation, and serving that invocation. This bench
does the same here: it builds the zip for this machine's CPU and Python with
packaging/build_lambda.py (so with bytecode), unpacks it, and
for each sample starts ``python -I -S -B`` with only the zip's root on
``sys.path`` and the environment Terraform gives the functions, pointed at a
moto server on the loopback. The child times its imports and its first
invocation (an API Gateway ``POST /ingest`` with an admin key; an SQS event of
one new log, stored in DynamoDB); the parent times the whole process from spawn
to the answer (interpreter start-up included).

The baseline runs in the same run, sample for sample alternately: a zip built
the same way from another checkout of the project (``--baseline DIR``, for
example the previous commit made with ``git worktree add``). Each side's zip is
built by that side's own build script and requirements.

    .venv/bin/python bench/cold_start.py --baseline ../tenantlog-previous [--samples 7]
        [--sources] [--write-hot-modules]

``--write-hot-modules`` writes packaging/cold_start_modules.txt, the modules the
build compiles: run it after changing what the handlers import.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from aws_ingest import moto_server

from tenantlog.audit.dynamodb import DynamoDbAuditLog, create_audit_table
from tenantlog.aws.clients import make_client
from tenantlog.core.key_admin import create_key
from tenantlog.core.models import InternalMessage
from tenantlog.idempotency.dynamodb import create_idempotency_table
from tenantlog.keys.dynamodb import DynamoDbKeyStore, create_keys_table
from tenantlog.ratelimit.dynamodb import create_rate_limits_table
from tenantlog.store.dynamodb import create_erasures_table
from tenantlog.store.dynamodb import create_table as create_logs_table
from tenantlog.tenants.dynamodb import create_tenants_table
from tenantlog.usage.dynamodb import create_usage_table

REPO_ROOT = Path(__file__).resolve().parent.parent
EVENTS = REPO_ROOT / "tests" / "aws" / "events"
REGION = "us-east-1"
HANDLERS = ("ingest", "worker")
MARK = "COLD-START "
HOT_MODULES = REPO_ROOT / "packaging" / "cold_start_modules.txt"

#: Run in the fresh interpreter: import the handler, serve one event, print the times.
CHILD = textwrap.dedent(
    """
    import time
    started = time.perf_counter()
    import importlib, json, sys
    sys.path.insert(0, ROOT)

    class Context:
        function_name = "tenantlog-" + NAME
        memory_limit_in_mb = 1024
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + NAME
        aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"

        def get_remaining_time_in_millis(self):
            return 60_000

    module = importlib.import_module("tenantlog.lambdas." + NAME)
    assert module.__file__.startswith(ROOT), module.__file__
    imported = time.perf_counter()
    answer = module.handler(json.loads(EVENT), Context())
    served = time.perf_counter()
    if NAME == "ingest":
        assert answer["statusCode"] == 202, answer
    else:
        assert answer == {"batchItemFailures": []}, answer
    modules = sorted(
        m.__file__[len(ROOT) + 1 :]
        for m in list(sys.modules.values())
        if getattr(m, "__file__", None) and m.__file__.startswith(ROOT + "/")
    )
    times = {"import": imported - started, "first": served - imported}
    print(MARK + json.dumps({**times, "modules": modules}))
    sys.stdout.flush()
    """
)


@dataclass
class Side:
    """One build of the project: its unpacked zip, and the samples measured on it."""

    name: str
    root: Path
    zip_bytes: int
    unzipped_bytes: int
    samples: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    #: The zip's modules each handler imported to start and serve its first request.
    modules: set[str] = field(default_factory=set)


def build(project: Path, workdir: Path, name: str, *options: str) -> Side:
    """The project's Lambda zip for this machine (its own build script), unpacked."""
    output = workdir / f"{name}.zip"
    python_version = f"{sys.version_info.major}.{sys.version_info.minor}"
    command = [
        sys.executable,
        str(project / "packaging" / "build_lambda.py"),
        "--platform",
        platform.machine(),
        "--python-version",
        python_version,
        "--output",
        str(output),
        *options,
    ]
    subprocess.run(command, check=True, cwd=project, stdout=subprocess.DEVNULL)
    root = workdir / name
    with zipfile.ZipFile(output) as archive:
        archive.extractall(root)
        unzipped = sum(info.file_size for info in archive.infolist())
    return Side(name, root, output.stat().st_size, unzipped)


async def _admin_secret(keys_table: str, audit_table: str) -> str:
    keys = DynamoDbKeyStore(make_client("dynamodb", REGION, 2), keys_table, threads=2)
    audit = DynamoDbAuditLog(make_client("dynamodb", REGION, 2), audit_table, threads=2)
    try:
        _, secret = await create_key(keys, audit, tenant_id="ops", scopes=("admin",), actor="bench")
    finally:
        await keys.close()
        await audit.close()
    return secret


def deployment(endpoint: str) -> tuple[dict[str, str], str]:
    """Queues and tables on the emulator: the functions' environment, and an admin key."""
    name = f"cold-{uuid.uuid4().hex[:8]}"
    sqs = boto3.session.Session().client("sqs", region_name=REGION)
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])
    policy = {"deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"], "maxReceiveCount": 5}
    queue_url = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": json.dumps(policy)})
    sqs.close()
    dynamodb = boto3.session.Session().client("dynamodb", region_name=REGION)
    tables = {
        "DYNAMODB_TABLE_NAME": create_logs_table,
        "TENANTLOG_DYNAMODB_KEYS_TABLE": create_keys_table,
        "TENANTLOG_DYNAMODB_AUDIT_TABLE": create_audit_table,
        "TENANTLOG_DYNAMODB_IDEMPOTENCY_TABLE": create_idempotency_table,
        "TENANTLOG_DYNAMODB_TENANTS_TABLE": create_tenants_table,
        "TENANTLOG_DYNAMODB_RATE_LIMITS_TABLE": create_rate_limits_table,
        "TENANTLOG_DYNAMODB_USAGE_TABLE": create_usage_table,
        "TENANTLOG_DYNAMODB_ERASURES_TABLE": create_erasures_table,
    }
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "TENANTLOG_BACKEND": "aws",
        "SQS_QUEUE_URL": queue_url["QueueUrl"],
        "TENANTLOG_SQS_DLQ_URL": dlq_url,
        "TENANTLOG_CRASH_PROBABILITY": "0",
        "TENANTLOG_PROCESSING_DELAY_PER_CHAR": "0",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_LAMBDA_FUNCTION_NAME": "tenantlog-cold-start",
    }
    for variable, create in tables.items():
        table = f"{name}-{variable.lower().replace('_', '-')}"[:200]
        create(dynamodb, table)
        environment[variable] = table
    dynamodb.close()
    secret = asyncio.run(
        _admin_secret(
            environment["TENANTLOG_DYNAMODB_KEYS_TABLE"],
            environment["TENANTLOG_DYNAMODB_AUDIT_TABLE"],
        )
    )
    return environment, secret


def ingest_event(secret: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / "apigw_v2_ingest_json.json").read_text())
    body = json.dumps({"tenant_id": "acme", "text": "User 555-0199 accessed system"})
    event["body"] = body
    event["headers"]["content-length"] = str(len(body.encode()))
    event["headers"]["authorization"] = f"Bearer {secret}"
    return event


def worker_event() -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / "sqs_event.json").read_text())
    [record] = event["Records"]
    message = InternalMessage(
        tenant_id="acme",
        log_id=uuid.uuid4().hex,
        source="json_upload",
        text="User 555-0199 accessed system",
        received_at="2024-01-01T00:00:00.000Z",
    )
    record.update(messageId=str(uuid.uuid4()), body=message.encode().decode())
    return event


def sample(side: Side, handler: str, environment: dict[str, str], secret: str) -> None:
    event = ingest_event(secret) if handler == "ingest" else worker_event()
    code = f"ROOT = {str(side.root)!r}\nNAME = {handler!r}\nMARK = {MARK!r}\n"
    code += f"EVENT = {json.dumps(event)!r}\n" + CHILD
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-I", "-S", "-B", "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        cwd=side.root.parent,
    )
    assert process.stdout is not None
    result: dict[str, Any] | None = None
    for line in process.stdout:
        if line.startswith(MARK):
            result = json.loads(line[len(MARK) :])
            result["total"] = time.perf_counter() - started
            break
    _, errors = process.communicate(timeout=120)
    if result is None:
        raise RuntimeError(f"{side.name} {handler}: no answer\n{errors[-3000:]}")
    side.modules.update(result.pop("modules"))
    side.samples.setdefault(handler, []).append(result)


def median(side: Side, handler: str, key: str) -> float:
    return statistics.median(s[key] for s in side.samples[handler])


def args_baseline(sides: list[Side]) -> bool:
    return sides[0].name == "baseline" and len(sides) > 1


def report(sides: list[Side], samples: int) -> None:
    print(f"\nmedian of {samples} fresh processes each, sides alternating (seconds)")
    print(f"{'':10} {'side':10} {'import':>8} {'first req':>10} {'start+first':>12}")
    for handler in HANDLERS:
        for side in sides:
            figures = [median(side, handler, key) for key in ("import", "first", "total")]
            print(f"{handler:10} {side.name:10} " + " ".join(f"{f:>10.3f}" for f in figures))
        if args_baseline(sides):
            base = median(sides[0], handler, "total")
            for side in sides[1:]:
                ratio = median(side, handler, "total") / base
                print(f"{handler:10} {side.name + '/base':10} {'':>8} {'':>10} {ratio:>11.2f}x")
    print()
    for side in sides:
        print(
            f"zip {side.name:10} {side.zip_bytes / 1e6:6.1f} MB, "
            f"{side.unzipped_bytes / 1e6:6.1f} MB unzipped ({platform.machine()})"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, help="another checkout of the project")
    parser.add_argument("--samples", type=int, default=7, help="fresh processes per handler")
    parser.add_argument(
        "--sources",
        action="store_true",
        help="also measure the current code built without bytecode (--no-compile)",
    )
    parser.add_argument(
        "--write-hot-modules",
        action="store_true",
        help=f"write the modules the current side's handlers imported to {HOT_MODULES.name}"
        " (the list --compile compiles)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tenantlog-cold-") as tmp:
        workdir = Path(tmp)
        sides = []
        if args.baseline is not None:
            sides.append(build(args.baseline.resolve(), workdir, "baseline"))
        sides.append(build(REPO_ROOT, workdir, "current"))
        if args.sources:
            sides.append(build(REPO_ROOT, workdir, "sources", "--no-compile"))
        with moto_server() as endpoint:
            environment, secret = deployment(endpoint)
            for handler in HANDLERS:
                for side in sides:  # one unmeasured run each: the disk cache, not the code
                    sample(side, handler, environment, secret)
                    side.samples[handler].clear()
                for _ in range(args.samples):
                    for side in sides:
                        sample(side, handler, environment, secret)
        report(sides, args.samples)
        if args.write_hot_modules:
            current = next(side for side in sides if side.name == "current")
            write_hot_modules(current.modules)
    return 0


def write_hot_modules(modules: set[str]) -> None:
    """The sources a cold start imports, for ``build_lambda.py --compile`` to compile.

    Only these get bytecode: compiling all of the zip's modules doubles its
    size for modules (phonenumbers' per-region data, most of Powertools) that
    a cold start never loads. A stale list costs speed, never correctness: an
    unlisted module is compiled from source when it is imported, as before.
    """
    # A compiled side imported the listed modules from bytecode standing in for them.
    sources = sorted({name.removesuffix("c") for name in modules if name.endswith((".py", ".pyc"))})
    header = (
        "# Modules a Lambda cold start imports (both handlers, first request included),\n"
        "# compiled to bytecode by build_lambda.py --compile. Written by\n"
        "# bench/cold_start.py --write-hot-modules; regenerate after changing imports.\n"
    )
    HOT_MODULES.write_text(header + "".join(f"{name}\n" for name in sources))
    print(f"wrote {len(sources)} modules to {HOT_MODULES.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    raise SystemExit(main())
