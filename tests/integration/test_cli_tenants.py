"""``tenantlog tenants set|show|list`` as an operator runs them, on the embedded backend."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import orjson
import pytest

from tenantlog.redaction import DETECTORS
from tests.support.cli import tenantlog

#: Every TENANTLOG_* default a command would otherwise take from the test's environment.
CLEAN = {name: value for name, value in os.environ.items() if not name.startswith("TENANTLOG_")}

DEFAULT_POLICY = {
    "rate_limit": 0.0,
    "burst": 10_000,
    "retention_days": 0,
    "store_original": True,
    "redaction_detectors": list(DETECTORS),
    "redaction_style": "plain",
    "redaction_rules": {},
    "redaction_deny": [],
    "write_shards": 1,
}


def run(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The command with ``env`` over a clean environment (no TENANTLOG_* but these)."""
    return subprocess.run(
        [sys.executable, "-m", "tenantlog", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env={**CLEAN, **env},
        timeout=60,
    )


def run_json(data_dir: Path, *args: str, **env: str) -> Any:
    result = run(data_dir, *args, "--json", **env)
    assert result.returncode == 0, result.stderr
    return orjson.loads(result.stdout)


def test_a_tenant_nobody_set_shows_the_defaults(tmp_path: Path) -> None:
    shown = run_json(tmp_path, "tenants", "show", "acme")
    human = run(tmp_path, "tenants", "show", "acme").stdout

    assert shown == {
        "tenant_id": "acme",
        "settings": {},
        "effective": DEFAULT_POLICY,
        "updated_at": None,
    }
    assert "the defaults apply" in human
    assert "default (TENANTLOG_TENANT_BURST)" in human
    assert run_json(tmp_path, "tenants", "list") == []


def test_set_show_and_list_a_tenants_settings(tmp_path: Path) -> None:
    # WHEN a tenant gets a rate limit, detectors and a style
    set_ = run_json(
        tmp_path, "tenants", "set", "acme", "--rate-limit", "100", "--burst", "10000",
        "--redaction-detectors", "email, phone", "--redaction-style", "typed",
    )  # fmt: skip
    # THEN `set` prints what applies now: what was set, over the defaults
    assert set_["tenant_id"] == "acme"
    assert set_["settings"] == {
        "rate_limit": 100.0,
        "burst": 10_000,
        "redaction_detectors": ["phone", "email"],
        "redaction_style": "typed",
    }
    assert set_["effective"] == {
        **DEFAULT_POLICY,
        "rate_limit": 100.0,
        "redaction_detectors": ["phone", "email"],
        "redaction_style": "typed",
    }
    assert set_["updated_at"].endswith("Z")
    # AND `show` says the same
    assert run_json(tmp_path, "tenants", "show", "acme") == set_
    # WHEN another setting is changed, the others stay
    again = run_json(tmp_path, "tenants", "set", "acme", "--store-original", "false")
    assert again["settings"] == {**set_["settings"], "store_original": False}
    # AND `list` has each tenant with settings, in order
    run_json(tmp_path, "tenants", "set", "Beta", "--retention-days", "30")
    listed = run_json(tmp_path, "tenants", "list")
    assert [item["tenant_id"] for item in listed] == ["Beta", "acme"]
    assert listed[1] == again
    assert listed[0]["effective"]["retention_days"] == 30


def test_human_output_marks_what_was_set_and_what_is_the_default(tmp_path: Path) -> None:
    shown = run(tmp_path, "tenants", "set", "acme", "--rate-limit", "2.5", "--retention-days", "7")
    listed = run(tmp_path, "tenants", "list")

    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert any("2.5/s" in line and "tenant" in line for line in lines)
    assert any("7 days" in line and "tenant" in line for line in lines)
    assert any("10000" in line and "default (TENANTLOG_TENANT_BURST)" in line for line in lines)
    assert "(defaults)" in listed.stdout
    assert "acme" in listed.stdout and "2.5/s" in listed.stdout


def test_reset_returns_settings_to_the_defaults(tmp_path: Path) -> None:
    run_json(tmp_path, "tenants", "set", "acme", "--rate-limit", "5", "--burst", "20000")

    reset = run_json(tmp_path, "tenants", "set", "acme", "--reset", "rate-limit")
    everything = run_json(tmp_path, "tenants", "set", "acme", "--reset", "all")

    assert reset["settings"] == {"burst": 20_000}
    assert reset["effective"]["rate_limit"] == 0.0
    assert everything["settings"] == {}
    assert everything["effective"] == DEFAULT_POLICY


def test_the_effective_policy_follows_the_defaults_of_the_environment(tmp_path: Path) -> None:
    run_json(tmp_path, "tenants", "set", "acme", "--burst", "20000")

    shown = run_json(
        tmp_path, "tenants", "show", "acme",
        TENANTLOG_TENANT_RATE_LIMIT="50", TENANTLOG_REDACTION_STYLE="typed",
    )  # fmt: skip

    assert shown["effective"]["rate_limit"] == 50.0
    assert shown["effective"]["redaction_style"] == "typed"
    assert shown["effective"]["burst"] == 20_000


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--rate-limit", "-1"], "--rate-limit"),
        (["--rate-limit", "inf"], "--rate-limit"),
        (["--burst", "0"], "--burst"),
        (["--retention-days", "-5"], "--retention-days"),
        (["--store-original", "maybe"], "--store-original"),
        (["--redaction-detectors", "phone,zip"], "--redaction-detectors"),
        (["--redaction-style", "loud"], "--redaction-style"),
        (["--reset", "colour"], "--reset"),
        (["--burst", "many"], "--burst"),  # not a number at all: Typer's own refusal
        ([], "--rate-limit"),  # nothing to change: the message lists the options
    ],
)
def test_invalid_values_exit_2_naming_the_option_and_change_nothing(
    tmp_path: Path, args: list[str], named: str
) -> None:
    result = tenantlog("tenants", "set", "acme", *args, data_dir=tmp_path, check=False)

    assert result.returncode == 2
    assert named in result.stderr
    assert "Traceback" not in result.stderr
    # checked before anything is opened: not even the database file was made
    assert not (tmp_path / "tenantlog.db").exists()


def test_an_invalid_tenant_id_exits_2(tmp_path: Path) -> None:
    set_ = tenantlog("tenants", "set", "a b", "--burst", "5", data_dir=tmp_path, check=False)
    show = tenantlog("tenants", "show", "a/b", data_dir=tmp_path, check=False)

    assert (set_.returncode, show.returncode) == (2, 2)
    assert "invalid tenant" in set_.stderr and "invalid tenant" in show.stderr
    assert not (tmp_path / "tenantlog.db").exists()


def test_a_burst_below_the_line_cap_is_warned_about(tmp_path: Path) -> None:
    # GIVEN an unlimited tenant: its burst limits nothing, so a low one is no concern
    unlimited = run(tmp_path, "tenants", "set", "acme", "--burst", "500")
    assert (unlimited.returncode, unlimited.stderr) == (0, "")
    # WHEN it gets a rate limit, with a burst below TENANTLOG_MAX_BATCH_LINES (10000)
    low = run(tmp_path, "tenants", "set", "acme", "--rate-limit", "50", "--json")
    # THEN it is stored, and stderr says that agents' larger batches would be dropped
    assert low.returncode == 0, low.stderr
    assert orjson.loads(low.stdout)["effective"]["burst"] == 500
    assert "TENANTLOG_MAX_BATCH_LINES (10000)" in low.stderr
    assert "agents drop a batch refused with 413" in low.stderr
    # AND changing something else warns again while the burst stays low
    other = run(tmp_path, "tenants", "set", "acme", "--retention-days", "1")
    assert "TENANTLOG_MAX_BATCH_LINES" in other.stderr
    # AND a burst at the line cap, or a lower cap, does not warn
    at_cap = run(tmp_path, "tenants", "set", "acme", "--burst", "10000")
    lower_cap = run(
        tmp_path, "tenants", "set", "acme", "--burst", "500", TENANTLOG_MAX_BATCH_LINES="500"
    )
    assert (at_cap.returncode, at_cap.stderr) == (0, "")
    assert (lower_cap.returncode, lower_cap.stderr) == (0, "")


def test_a_low_default_burst_is_warned_about_too(tmp_path: Path) -> None:
    result = run(
        tmp_path, "tenants", "set", "acme", "--rate-limit", "10", TENANTLOG_TENANT_BURST="100"
    )

    assert result.returncode == 0
    assert "burst of tenant acme (100)" in result.stderr


def test_set_is_recorded_in_the_audit_trail(tmp_path: Path) -> None:
    run_json(tmp_path, "tenants", "set", "acme", "--rate-limit", "2.5", "--store-original", "false")
    run_json(tmp_path, "tenants", "set", "acme", "--reset", "rate-limit")
    run(tmp_path, "tenants", "set", "acme", "--burst", "0")  # refused: not recorded

    trail = run_json(tmp_path, "audit")["items"]

    assert [(e["action"], e["tenant_id"], e["detail"]) for e in trail] == [
        ("tenant.settings", "acme", {"rate_limit": "default"}),
        ("tenant.settings", "acme", {"rate_limit": "2.5", "store_original": "false"}),
    ]
    assert all(e["actor"].startswith("cli:") for e in trail)


def test_aws_without_the_tenants_table_names_the_variable(tmp_path: Path) -> None:
    aws = {
        "TENANTLOG_BACKEND": "aws",
        "SQS_QUEUE_URL": "http://127.0.0.1:9/000000000000/q",
        "DYNAMODB_TABLE_NAME": "logs",
        "AWS_REGION": "us-east-1",
    }

    result = run(tmp_path, "tenants", "set", "acme", "--burst", "5", **aws)
    listed = run(tmp_path, "tenants", "list", **aws)

    assert result.returncode == 1
    assert "TENANTLOG_DYNAMODB_TENANTS_TABLE is not set" in result.stderr
    assert listed.returncode == 1
    assert "TENANTLOG_DYNAMODB_TENANTS_TABLE" in listed.stderr


def test_own_redaction_rules_and_deny_list_are_added_shown_and_removed(tmp_path: Path) -> None:
    # WHEN an operator gives a tenant two rules and two deny-list entries
    set_ = run_json(
        tmp_path, "tenants", "set", "acme",
        "--redaction-rule", r"employee_id=E\d{6}", "--redaction-rule", "badge=B-[0-9]+",
        "--redaction-deny", "Project Falcon", "--redaction-deny", "kestrel",
    )  # fmt: skip
    # THEN they are the tenant's, rules in the order given
    assert set_["settings"] == {
        "redaction_rules": {"employee_id": r"E\d{6}", "badge": "B-[0-9]+"},
        "redaction_deny": ["Project Falcon", "kestrel"],
    }
    assert list(set_["effective"]["redaction_rules"]) == ["employee_id", "badge"]
    # AND `show` lists the rules and counts the deny list without printing it
    human = run(tmp_path, "tenants", "show", "acme").stdout
    assert r"employee_id=E\d{6}" in human
    assert "2 entries" in human
    assert "Falcon" not in human
    # WHEN one rule is replaced, one removed, and a deny entry removed in another case
    changed = run_json(
        tmp_path, "tenants", "set", "acme",
        "--redaction-rule", r"employee_id=EMP-\d{6}", "--remove-redaction-rule", "badge",
        "--remove-redaction-deny", "PROJECT FALCON",
    )  # fmt: skip
    # THEN the rest stays
    assert changed["settings"] == {
        "redaction_rules": {"employee_id": r"EMP-\d{6}"},
        "redaction_deny": ["kestrel"],
    }
    # WHEN both are reset
    reset = run_json(
        tmp_path, "tenants", "set", "acme", "--reset", "redaction-rules", "--reset",
        "redaction-deny",
    )  # fmt: skip
    # THEN the tenant has none of its own again
    assert reset["settings"] == {}
    assert reset["effective"] == DEFAULT_POLICY


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--redaction-rule", r"twice=(\d)\1"],
            "invalid --redaction-rule: rule 'twice': RE2 cannot compile it: an escape RE2 does"
            " not know (backreferences such as \\1 are not supported)",
        ),
        (
            ["--redaction-rule", "ahead=token(?=:)"],
            "invalid --redaction-rule: rule 'ahead': RE2 cannot compile it: a group RE2 does"
            " not support",
        ),
        (
            ["--redaction-rule", "no-equals"],
            "invalid --redaction-rule: give each rule as NAME=REGEX",
        ),
        (["--redaction-rule", "9lives=x"], "invalid --redaction-rule: invalid rule name '9lives'"),
        (["--remove-redaction-rule", "absent"], "invalid --redaction-rule: no rule named 'absent'"),
        (
            ["--remove-redaction-deny", "Secret Codename"],
            "invalid --redaction-deny: an entry to remove is not in the deny list",
        ),
        (
            ["--redaction-deny", "Secret Codename " + "x" * 200],
            "invalid --redaction-deny: entry 1 has 216 characters; at most 200",
        ),
    ],
)
def test_a_rule_or_entry_that_cannot_be_used_exits_2_and_changes_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    run_json(tmp_path, "tenants", "set", "acme", "--redaction-rule", "kept=k+")

    result = run(tmp_path, "tenants", "set", "acme", *args)

    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {message}"), result.stderr
    assert "Secret" not in result.stderr  # a deny-list entry is never echoed
    assert run_json(tmp_path, "tenants", "show", "acme")["settings"] == {
        "redaction_rules": {"kept": "k+"}
    }


def test_thirty_three_rules_are_refused(tmp_path: Path) -> None:
    rules = [arg for i in range(33) for arg in ("--redaction-rule", f"r{i}=x{i}")]

    result = run(tmp_path, "tenants", "set", "acme", *rules)

    assert result.returncode == 2
    assert "at most 32 rules, not 33" in result.stderr


@pytest.mark.parametrize("shards", ["1", "4", "16", "256"])
def test_write_shards_are_set_shown_and_noted_as_the_aws_backends(
    tmp_path: Path, shards: str
) -> None:
    result = run(tmp_path, "tenants", "set", "acme", "--write-shards", shards, "--json")

    assert result.returncode == 0, result.stderr
    shown = orjson.loads(result.stdout)
    assert shown["settings"] == {"write_shards": int(shards)}
    assert shown["effective"]["write_shards"] == int(shards)
    assert "write shards apply on the aws backend" in result.stderr
    human = run(tmp_path, "tenants", "show", "acme").stdout
    assert "write shards" in human


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "invalid --write-shards: must be between 1 (no sharding) and 256"),
        ("257", "invalid --write-shards: must be between 1 (no sharding) and 256"),
        ("-4", "invalid --write-shards: must be between 1 (no sharding) and 256"),
        ("99999999999999999999", "invalid --write-shards: must be between 1"),
    ],
)
def test_write_shards_out_of_bounds_exit_2_naming_the_bounds(
    tmp_path: Path, value: str, message: str
) -> None:
    result = run(tmp_path, "tenants", "set", "acme", "--write-shards", value)

    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {message}"), result.stderr
    assert not (tmp_path / "tenantlog.db").exists()


@pytest.mark.parametrize("value", ["four", "2.5", ""])
def test_write_shards_that_are_not_whole_numbers_are_refused_by_the_option(
    tmp_path: Path, value: str
) -> None:
    result = run(tmp_path, "tenants", "set", "acme", "--write-shards", value)

    assert result.returncode == 2
    assert "--write-shards" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_change_of_write_shards_keeps_the_layouts_logs_were_written_under(
    tmp_path: Path,
) -> None:
    # GIVEN a tenant moved from the default 1 to 4, to 16, and back to 1 by a reset of all
    run_json(tmp_path, "tenants", "set", "acme", "--write-shards", "4")
    run_json(tmp_path, "tenants", "set", "acme", "--write-shards", "16")
    shown = run_json(tmp_path, "tenants", "set", "acme", "--reset", "all")

    # THEN it shows the default, and the settings keep every layout for the store
    assert shown["settings"] == {}
    assert shown["effective"]["write_shards"] == 1
    with closing(sqlite3.connect(tmp_path / "tenantlog.db")) as database:
        (stored,) = database.execute("SELECT settings FROM tenants").fetchone()
    assert orjson.loads(stored) == {"past_write_shards": [1, 4, 16]}


def test_reshard_on_the_embedded_backend_has_nothing_to_move(tmp_path: Path) -> None:
    run_json(tmp_path, "tenants", "set", "acme", "--write-shards", "4")

    result = run(tmp_path, "tenants", "reshard", "acme")

    assert (result.returncode, result.stdout) == (
        0,
        "nothing to move: the sqlite store is not sharded\n",
    )
