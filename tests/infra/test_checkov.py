"""infra/ passes checkov, and every check it skips says why next to the resource."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from tests.infra.terraform_config import INFRA_DIR, block, load

CHECKOV = INFRA_DIR.parent / ".venv-checkov" / "bin" / "checkov"
_SKIP = re.compile(r"#\s*checkov:skip=(?P<check>CKV2?_AWS_\d+):(?P<reason>.*)$")

#: Reviewed skips (each has its reason inline in infra/). A new skip must be added here too.
EXPECTED_SKIPS = {
    "CKV_AWS_116": "Lambda DLQ: async invocations only; ours are synchronous / SQS-polled",
    "CKV_AWS_117": "Lambda in VPC: the functions only call AWS APIs",
    "CKV_AWS_119": "DynamoDB CMK: AWS-managed key aws/dynamodb is used",
    "CKV_AWS_158": "Log group CMK: CloudWatch Logs' own encryption at rest",
    "CKV_AWS_173": "Lambda env CMK: no secrets in the environment",
    "CKV_AWS_272": "Lambda code signing: no Signer pipeline",
    "CKV_AWS_309": "Route authorizer: the app checks the tenant's API key (TENANTLOG_AUTH=keys)",
    "CKV_AWS_338": "Log retention of a year: operational logs, 30 days by default",
}


def test_checkov_skips_each_have_a_written_reason() -> None:
    skipped = set()
    for path in sorted(INFRA_DIR.glob("*.tf")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if "checkov:skip" not in line:
                continue
            where = f"{path.name}:{number}"
            match = _SKIP.search(line)
            assert match, f"{where}: a skip must read #checkov:skip=CKV_AWS_N:<reason>"
            assert len(match["reason"].split()) >= 8, f"{where}: the reason is too short to judge"
            skipped.add(match["check"])
    assert skipped == set(EXPECTED_SKIPS)


def test_checkov_route_authorizer_skip_holds_because_terraform_turns_keys_on() -> None:
    # GIVEN the reason given for API routes without an API Gateway authorizer
    (reason,) = [
        match["reason"]
        for line in (INFRA_DIR / "api.tf").read_text(encoding="utf-8").splitlines()
        if (match := _SKIP.search(line)) and match["check"] == "CKV_AWS_309"
    ]
    assert "TENANTLOG_AUTH=keys" in reason
    # THEN the ingest function, which serves every route, does get TENANTLOG_AUTH=keys
    tf = load()
    ingest = tf.resource("aws_lambda_function", "ingest")
    assert tf.resolve(block(ingest, "environment")["variables"])["TENANTLOG_AUTH"] == "keys"


@pytest.mark.slow
def test_checkov_finds_no_failed_check() -> None:
    if not CHECKOV.exists():
        pytest.fail(
            f"{CHECKOV} is missing: run `make test`, which creates .venv-checkov with checkov"
        )
    # GIVEN checkov run offline (--skip-download: no Prisma Cloud guideline download)
    completed = subprocess.run(
        [
            str(CHECKOV),
            "-d",
            str(INFRA_DIR),
            "--framework",
            "terraform",
            "--quiet",
            "--compact",
            "-o",
            "json",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    # WHEN its report is read
    report = json.loads(completed.stdout)
    assert isinstance(report, dict), f"unexpected checkov output: {completed.stdout[:500]}"
    # THEN it scanned the whole configuration and nothing failed
    failed = [
        f"{check['check_id']} {check['resource']} ({check['file_path']}): {check['check_name']}"
        for check in report["results"].get("failed_checks", [])
    ]
    assert not failed, "checkov failed checks:\n" + "\n".join(failed)
    summary = report["summary"]
    assert summary["parsing_errors"] == 0
    assert summary["resource_count"] >= 25
    assert summary["passed"] >= 50
    assert summary["skipped"] >= len(EXPECTED_SKIPS)
    assert completed.returncode == 0, completed.stderr[-2000:]
