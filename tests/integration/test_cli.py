"""The command line as a user runs it: settings errors, logs, stats, dlq, send."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import tenantlog, tenantlog_json
from tests.support.server import ServerProcess, wait_until


def test_cli_bad_setting_names_the_variable(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tenantlog", "stats"],
        capture_output=True,
        text=True,
        env={"TENANTLOG_CRASH_PROBABILITY": "1.5", "PATH": "/usr/bin:/bin"},
        timeout=60,
    )

    assert result.returncode == 2
    assert "TENANTLOG_CRASH_PROBABILITY" in result.stderr
    assert "less than or equal to 1" in result.stderr


def test_cli_bad_flag_value_names_the_flag(tmp_path: Path) -> None:
    result = tenantlog("serve", "--batch-size", "0", data_dir=tmp_path, check=False)

    assert result.returncode == 2
    assert "--batch-size" in result.stderr


@pytest.mark.slow
def test_cli_send_logs_stats_and_dead_letter_repair(tmp_path: Path) -> None:
    # GIVEN a running server whose worker always crashes, with one receive allowed
    data_dir = tmp_path / "data"
    env = {"TENANTLOG_CRASH_PROBABILITY": "1", "TENANTLOG_MAX_RECEIVE_COUNT": "1"}
    with ServerProcess(data_dir, env=env) as server:
        # WHEN a log is sent with `tenantlog send`
        sent = subprocess.run(
            [sys.executable, "-m", "tenantlog", "send", "call 555-0100", "--tenant", "acme",
             "--log-id", "L1", "--url", server.url, "--json"],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        assert '"status_code": 202' in sent.stdout
        # THEN it ends in the DLQ with its reason, visible in stats and dlq list
        wait_until(lambda: tenantlog_json("stats", data_dir=data_dir)["dead_letters"] == 1)
    [dead] = tenantlog_json("dlq", "list", data_dir=data_dir)
    assert dead["reason"] == "SimulatedCrash: simulated worker crash"
    assert '"log_id":"L1"' in dead["body"]
    # WHEN it is redriven and a healthy server runs
    assert tenantlog_json("dlq", "redrive", data_dir=data_dir) == {"redriven": 1}
    with ServerProcess(data_dir):
        wait_until(lambda: tenantlog_json("stats", data_dir=data_dir)["depth"] == 0)
    # THEN it is stored, and `logs` shows it redacted
    logs = tenantlog_json("logs", "acme", data_dir=data_dir)
    assert [(r["log_id"], r["modified_data"]) for r in logs["items"]] == [("L1", "call [REDACTED]")]
    human = tenantlog("logs", "acme", data_dir=data_dir).stdout
    assert "call [REDACTED]" in human


def test_cli_dlq_purge_needs_yes(tmp_path: Path) -> None:
    refused = tenantlog("dlq", "purge", data_dir=tmp_path, check=False)
    purged = tenantlog_json("dlq", "purge", "--yes", data_dir=tmp_path)

    assert refused.returncode == 1
    assert purged == {"purged": 0}


@pytest.mark.slow
def test_cli_bench_posts_and_summarises(tmp_path: Path) -> None:
    with ServerProcess(tmp_path / "data", command="api") as server:
        summary = tenantlog_json(
            "bench", "--url", server.url, "--requests", "300", "--concurrency", "8",
            "--lines", "10", data_dir=None,
        )  # fmt: skip

    assert summary["statuses"] == {"202": 300}
    assert summary["logs_accepted"] == 3000
    assert summary["errors"] == 0
    assert summary["latency_ms"]["p99"] > 0


def test_cli_keys_refuse_bad_input_with_a_named_reason(tmp_path: Path) -> None:
    bad_scope = tenantlog(
        "keys", "create", "acme", "--scope", "root", data_dir=tmp_path, check=False
    )
    assert bad_scope.returncode == 2
    assert "unknown scope(s) ['root']" in bad_scope.stderr
    bad_tenant = tenantlog("keys", "create", "a b", data_dir=tmp_path, check=False)
    assert bad_tenant.returncode == 2
    assert "invalid tenant" in bad_tenant.stderr
    bad_duration = tenantlog(
        "keys", "create", "acme", "--expires-in", "soon", data_dir=tmp_path, check=False
    )
    assert bad_duration.returncode == 2
    assert "invalid duration 'soon'" in bad_duration.stderr
    unknown = tenantlog("keys", "revoke", "nosuchkey", data_dir=tmp_path, check=False)
    assert unknown.returncode == 1
    assert "no key 'nosuchkey'" in unknown.stderr


def test_cli_keys_create_list_revoke_and_audit(tmp_path: Path) -> None:
    created = tenantlog_json("keys", "create", "acme", "--name", "ship", data_dir=tmp_path)
    assert created["scopes"] == ["ingest"]
    assert created["secret"].startswith(f"tlk_{created['key_id']}_")
    human = tenantlog("keys", "list", data_dir=tmp_path).stdout
    assert created["key_id"] in human
    assert created["secret"] not in human
    revoked = tenantlog_json("keys", "revoke", created["key_id"], data_dir=tmp_path)
    assert revoked["revoked_at"] is not None
    [listed] = tenantlog_json("keys", "list", "acme", data_dir=tmp_path)
    assert listed["revoked_at"] == revoked["revoked_at"]
    assert set(listed) == {
        "key_id", "tenant_id", "scopes", "name", "created_at", "expires_at", "revoked_at",
        "last_used_at",
    }  # fmt: skip
    trail = tenantlog_json("audit", data_dir=tmp_path)["items"]
    assert [e["action"] for e in trail] == ["key.revoke", "key.create"]
    assert all(e["actor"].startswith("cli:") for e in trail)
    assert created["secret"] not in tenantlog("audit", data_dir=tmp_path).stdout
