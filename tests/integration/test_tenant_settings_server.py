"""Tenant settings on a real server: CLI changes apply without a restart, in API and worker."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.cli import tenantlog
from tests.support.server import ServerProcess, wait_until

NDJSON = {"Content-Type": "application/x-ndjson", "X-Tenant-ID": "acme"}
THREE = b'{"text":"a"}\n{"text":"b"}\n{"text":"c"}\n'


def test_a_limit_set_with_the_cli_applies_to_running_processes_within_10_s(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    with ServerProcess(data, command="api", env={"TENANTLOG_API_WORKERS": "2"}) as api:
        assert httpx.post(f"{api.url}/ingest", content=THREE, headers=NDJSON).status_code == 202
        # WHEN an operator limits the tenant while the API runs
        tenantlog("tenants", "set", "acme", "--rate-limit", "0.2", "--burst", "2", data_dir=data)
        changed = time.monotonic()

        # THEN once 10 s have passed, every request of more than 2 logs is refused (413:
        # over the burst) by whichever process takes it. (Waiting for the first 413s would
        # prove one process only: the kernel may hand every connection to the same one
        # while the other still holds the settings it read before the change.)
        time.sleep(max(0.0, changed + 10 - time.monotonic()))
        answers = [
            httpx.post(f"{api.url}/ingest", content=THREE, headers=NDJSON).status_code
            for _ in range(20)
        ]
        assert set(answers) == {413}, answers
        # AND the two processes share one bucket: the burst of 2 passes once, not once each
        single = {"Content-Type": "application/json"}
        answers = [
            httpx.post(
                f"{api.url}/ingest",
                json={"tenant_id": "acme", "text": "x"},
                headers=single,
            ).status_code
            for _ in range(6)
        ]
        assert answers.count(202) == 2, answers
        assert answers.count(429) == 4, answers


def test_a_tenants_redaction_and_original_text_policy_reach_the_worker(tmp_path: Path) -> None:
    data = tmp_path / "data"
    tenantlog(
        "tenants",
        "set",
        "acme",
        "--redaction-style",
        "typed",
        "--store-original",
        "false",
        data_dir=data,
    )
    with ServerProcess(data, command="serve") as server:
        for tenant in ("acme", "globex"):
            response = httpx.post(
                f"{server.url}/ingest",
                json={"tenant_id": tenant, "log_id": "1", "text": "call 555-0199"},
            )
            assert response.status_code == 202

        def stored(tenant: str) -> dict[str, object] | None:
            answer = httpx.get(f"{server.url}/tenants/{tenant}/logs/1")
            return answer.json() if answer.status_code == 200 else None

        wait_until(lambda: stored("acme") and stored("globex"))
        acme, globex = stored("acme"), stored("globex")
    assert acme is not None and globex is not None
    assert (acme["modified_data"], acme["original_text"]) == ("call [REDACTED:PHONE]", None)
    assert (globex["modified_data"], globex["original_text"]) == (
        "call [REDACTED]",
        "call 555-0199",
    )


def _stored(url: str, tenant: str, log_id: str) -> dict[str, Any] | None:
    answer = httpx.get(f"{url}/tenants/{tenant}/logs/{log_id}")
    if answer.status_code != 200:
        return None
    record: dict[str, Any] = answer.json()
    return record


def test_a_tenants_own_rules_redact_its_logs_and_not_another_tenants(tmp_path: Path) -> None:
    # GIVEN acme with a rule and a deny list of its own, set with the CLI
    data = tmp_path / "data"
    tenantlog(
        "tenants", "set", "acme", "--redaction-style", "typed",
        "--redaction-rule", r"employee_id=E\d{6}", "--redaction-deny", "project falcon",
        data_dir=data,
    )  # fmt: skip
    tenantlog("tenants", "set", "globex", "--redaction-style", "typed", data_dir=data)
    text = "E123456 mailed a@example.com about Project Falcon"
    with ServerProcess(data, command="serve") as server:
        # WHEN both tenants post the same log
        for tenant in ("acme", "globex"):
            response = httpx.post(
                f"{server.url}/ingest",
                json={"tenant_id": tenant, "log_id": "1", "text": text},
            )
            assert response.status_code == 202
        wait_until(lambda: _stored(server.url, "acme", "1") and _stored(server.url, "globex", "1"))
        acme, globex = _stored(server.url, "acme", "1"), _stored(server.url, "globex", "1")
    # THEN acme's is redacted by its rules too, and counted
    assert acme is not None and globex is not None
    assert acme["modified_data"] == (
        "[REDACTED:EMPLOYEE_ID] mailed [REDACTED:EMAIL] about [REDACTED:DENY_LIST]"
    )
    assert acme["redactions"] == {"EMAIL": 1, "EMPLOYEE_ID": 1, "DENY_LIST": 1}
    # AND globex's identical log only by the built-in detectors
    assert globex["modified_data"] == "E123456 mailed [REDACTED:EMAIL] about Project Falcon"
    assert globex["redactions"] == {"EMAIL": 1}


def test_a_rule_set_over_http_applies_to_the_running_worker(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with ServerProcess(data, command="serve") as server:
        # GIVEN a running service, WHEN an admin gives acme a rule over HTTP
        patched = httpx.patch(
            f"{server.url}/tenants/acme/settings",
            json={"redaction_rules": {"badge": r"B-\d{4}"}, "redaction_style": "typed"},
            headers={"Content-Type": "application/merge-patch+json"},
        )
        assert patched.status_code == 200, patched.text
        assert patched.json()["settings"]["redaction_rules"] == {"badge": r"B-\d{4}"}
        # AND a rule RE2 cannot run is refused, naming the rule and why
        refused = httpx.patch(
            f"{server.url}/tenants/acme/settings",
            json={"redaction_rules": {"twice": r"(\d)\1"}},
            headers={"Content-Type": "application/merge-patch+json"},
        )
        assert refused.status_code == 400
        assert refused.json()["error"].startswith("invalid redaction_rules: rule 'twice': ")
        # THEN acme's logs are redacted by it and globex's are not (the worker has seen
        # no log of acme's before, so it reads acme's settings as they are now)
        for tenant in ("acme", "globex"):
            response = httpx.post(
                f"{server.url}/ingest",
                json={"tenant_id": tenant, "log_id": "2", "text": "door B-1234 opened"},
            )
            assert response.status_code == 202
        wait_until(lambda: _stored(server.url, "acme", "2") and _stored(server.url, "globex", "2"))
        acme, globex = _stored(server.url, "acme", "2"), _stored(server.url, "globex", "2")
    assert acme is not None and globex is not None
    assert acme["modified_data"] == "door [REDACTED:BADGE] opened"
    assert globex["modified_data"] == "door B-1234 opened"
