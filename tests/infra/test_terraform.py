"""infra/ wiring (DESIGN §9), checked on the parsed Terraform since it cannot be applied here."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, get_args

import hcl2
import pytest

from tenantlog.settings import Settings, env_name, load_settings
from tests.infra.terraform_config import (
    INFRA_DIR,
    OPTIONS,
    Body,
    TerraformConfig,
    block,
    blocks,
    expression,
    jsonencode_object,
    load,
)

REPO_ROOT = INFRA_DIR.parent

#: Read by Powertools for AWS Lambda, not by tenantlog.settings.
POWERTOOLS_ENVIRONMENT = frozenset(
    {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "LOG_LEVEL"}
)
SHARED_ENVIRONMENT = frozenset(
    {
        "TENANTLOG_BACKEND",
        "SQS_QUEUE_URL",
        "TENANTLOG_SQS_DLQ_URL",
        "DYNAMODB_TABLE_NAME",
        "TENANTLOG_MAX_TEXT_BYTES",
        "TENANTLOG_MAX_BODY_BYTES",
        "TENANTLOG_PROCESSING_DELAY_PER_CHAR",
        "TENANTLOG_WORKER_TIME_BUDGET",
        # per-tenant settings: ingest applies rate limits, the worker redaction choices
        "TENANTLOG_DYNAMODB_TENANTS_TABLE",
        # usage: ingest counts accepted and rate-limited logs, the worker stored and dead ones
        "TENANTLOG_DYNAMODB_USAGE_TABLE",
        # erasures: both check every read and write against them
        "TENANTLOG_DYNAMODB_ERASURES_TABLE",
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
        "LOG_LEVEL",
    }
)
#: Tenant identity (DESIGN §2a): only the ingest function checks keys and writes the audit trail.
INGEST_ONLY_ENVIRONMENT = frozenset(
    {
        "TENANTLOG_AUTH",
        "TENANTLOG_DYNAMODB_KEYS_TABLE",
        "TENANTLOG_DYNAMODB_AUDIT_TABLE",
        "TENANTLOG_DYNAMODB_IDEMPOTENCY_TABLE",
        "TENANTLOG_DYNAMODB_RATE_LIMITS_TABLE",
    }
)
WORKER_ONLY_ENVIRONMENT = frozenset(
    {
        "TENANTLOG_CRASH_PROBABILITY",
        "TENANTLOG_VISIBILITY_TIMEOUT",
        "TENANTLOG_MAX_RECEIVE_COUNT",
        "TENANTLOG_BACKOFF_BASE",
        "TENANTLOG_BACKOFF_MAX",
        "TENANTLOG_REDACTION_STYLE",
        "TENANTLOG_WORKER_RECORD_CONCURRENCY",
    }
)
API_ROUTES = frozenset(
    {
        "POST /ingest",
        "POST /v1/logs",
        "POST /loki/api/v1/push",
        "GET /tenants/{tenant_id}/logs",
        "GET /tenants/{tenant_id}/logs/{log_id+}",
        "GET /audit",
        "GET /tenants/{tenant_id}/usage",
        "GET /tenants",
        "DELETE /tenants/{tenant_id}/logs/{log_id+}",
        "DELETE /tenants/{tenant_id}/logs",
        "GET /tenants/{tenant_id}/erasures/{erasure_id}",
        "GET /healthz",
        "GET /readyz",
        "GET /openapi.json",
    }
)
LOGS, KEYS, AUDIT, IDEMPOTENCY, TENANTS, RATE_LIMITS = (
    "${aws_dynamodb_table.logs.arn}",
    "${aws_dynamodb_table.keys.arn}",
    "${aws_dynamodb_table.audit.arn}",
    "${aws_dynamodb_table.idempotency.arn}",
    "${aws_dynamodb_table.tenants.arn}",
    "${aws_dynamodb_table.rate_limits.arn}",
)
USAGE, USAGE_BY_DAY = (
    "${aws_dynamodb_table.usage.arn}",
    "${aws_dynamodb_table.usage.arn}/index/by_day",
)
ERASURES = "${aws_dynamodb_table.erasures.arn}"
LOGS_BY_EVENT_TIME = "${aws_dynamodb_table.logs.arn}/index/by_event_time"
HANDLERS = {
    "ingest": "tenantlog.lambdas.ingest.handler",
    "worker": "tenantlog.lambdas.worker.handler",
}


@pytest.fixture(scope="module")
def tf() -> TerraformConfig:
    return load()


def environment(tf: TerraformConfig, function: str, defaults: bool = True) -> dict[str, Any]:
    """The function's environment; variables at their defaults unless ``defaults`` is false."""
    body = tf.resource("aws_lambda_function", function)
    variables = tf.resolve(block(body, "environment")["variables"], defaults)
    assert isinstance(variables, dict), f"{function}'s environment does not resolve to a map"
    return variables


def role_statements(tf: TerraformConfig, role: str) -> list[Body]:
    """Every statement granted to aws_iam_role.<role> by an inline policy of infra/."""
    statements: list[Body] = []
    for policy in tf.resources.get("aws_iam_role_policy", {}).values():
        if expression(policy["role"]) != f"aws_iam_role.{role}.id":
            continue
        document = re.fullmatch(
            r"data\.aws_iam_policy_document\.(\w+)\.json", expression(policy["policy"]) or ""
        )
        assert document, f"the policy of role {role} is not an aws_iam_policy_document"
        statements.extend(
            blocks(tf.data_source("aws_iam_policy_document", document.group(1)), "statement")
        )
    assert statements, f"role {role} has no inline policy"
    return statements


def granted(statements: list[Body]) -> dict[str, set[str]]:
    """action -> resources it is allowed on."""
    grants: dict[str, set[str]] = {}
    for statement in statements:
        assert statement.get("effect", "Allow") == "Allow"
        assert "not_actions" not in statement and "not_resources" not in statement
        for action in statement["actions"]:
            grants.setdefault(action, set()).update(statement["resources"])
    return grants


def all_policy_statements(tf: TerraformConfig) -> list[Body]:
    return [
        statement
        for document in tf.data.get("aws_iam_policy_document", {}).values()
        for statement in blocks(document, "statement")
    ]


# ---- files -------------------------------------------------------------------------


def test_infra_files_parse_and_pin_the_aws_provider(tf: TerraformConfig) -> None:
    assert {"main.tf", "variables.tf", "outputs.tf", "versions.tf"} <= {
        path.name for path in INFRA_DIR.glob("*.tf")
    }
    provider = block(tf.terraform[0], "required_providers")
    assert provider["aws"]["source"] == "hashicorp/aws"
    assert provider["aws"]["version"].startswith(">= 6.")


def test_provider_tags_every_resource_by_default(tf: TerraformConfig) -> None:
    tags = expression(block(tf.providers["aws"], "default_tags")["tags"])
    assert tags is not None
    assert 'Project = "tenantlog"' in tags
    assert "var.tags" in tags


# ---- SQS ---------------------------------------------------------------------------


def test_sqs_redrive_policy_targets_the_dlq_after_five_receives(tf: TerraformConfig) -> None:
    main = tf.resource("aws_sqs_queue", "main")
    redrive = jsonencode_object(main["redrive_policy"])
    assert redrive["deadLetterTargetArn"] == "aws_sqs_queue.dlq.arn"
    assert tf.number("${" + redrive["maxReceiveCount"] + "}") == 5


def test_sqs_main_queue_visibility_and_message_size(tf: TerraformConfig) -> None:
    main = tf.resource("aws_sqs_queue", "main")
    assert tf.number(main["visibility_timeout_seconds"]) == 300
    assert main["max_message_size"] == 1048576


def test_sqs_both_queues_are_encrypted(tf: TerraformConfig) -> None:
    for name in ("main", "dlq"):
        queue = tf.resource("aws_sqs_queue", name)
        assert queue.get("sqs_managed_sse_enabled") is True or queue.get("kms_master_key_id"), name


def test_sqs_dlq_keeps_messages_longer_than_the_main_queue(tf: TerraformConfig) -> None:
    # A standard queue's message keeps its first enqueue time in the DLQ, so the DLQ's
    # retention must be longer or dead letters could expire on arrival.
    dlq = tf.resource("aws_sqs_queue", "dlq")
    main = tf.resource("aws_sqs_queue", "main")
    assert dlq["message_retention_seconds"] == 14 * 24 * 3600
    assert dlq["max_message_size"] == 1048576
    assert tf.number(main["message_retention_seconds"]) < dlq["message_retention_seconds"]


def test_sqs_dlq_accepts_dead_letters_from_the_main_queue_only(tf: TerraformConfig) -> None:
    allow = tf.resource("aws_sqs_queue_redrive_allow_policy", "dlq")
    assert expression(allow["queue_url"]) == "aws_sqs_queue.dlq.id"
    policy = jsonencode_object(allow["redrive_allow_policy"])
    assert policy == {
        "redrivePermission": '"byQueue"',
        "sourceQueueArns": "[aws_sqs_queue.main.arn]",
    }


# ---- Lambda ------------------------------------------------------------------------


def test_event_source_mapping_feeds_the_worker_batches_of_five(tf: TerraformConfig) -> None:
    mapping = tf.resource("aws_lambda_event_source_mapping", "worker")
    assert expression(mapping["event_source_arn"]) == "aws_sqs_queue.main.arn"
    assert expression(mapping["function_name"]) == "aws_lambda_function.worker.arn"
    assert tf.number(mapping["batch_size"]) == 5
    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
    assert 2 <= tf.number(block(mapping, "scaling_config")["maximum_concurrency"]) <= 1000
    # and, by default, no batching window and every record of a batch at once, as before
    assert expression(mapping["maximum_batching_window_in_seconds"]) == (
        "var.worker_batching_window_seconds"
    )
    assert tf.number(mapping["maximum_batching_window_in_seconds"]) == 0
    concurrency = environment(tf, "worker")["TENANTLOG_WORKER_RECORD_CONCURRENCY"]
    assert tf.number(concurrency) >= tf.number(mapping["batch_size"])


def test_event_source_mapping_refuses_a_batch_over_10_without_a_window(
    tf: TerraformConfig,
) -> None:
    mapping = tf.resource("aws_lambda_event_source_mapping", "worker")
    conditions = [
        expression(precondition["condition"])
        for lifecycle in blocks(mapping, "lifecycle")
        for precondition in blocks(lifecycle, "precondition")
    ]
    assert conditions == ["var.worker_batch_size <= 10 || var.worker_batching_window_seconds > 0"]


def test_worker_record_concurrency_reaches_the_settings_unchanged(tf: TerraformConfig) -> None:
    worker = environment(tf, "worker", defaults=False)
    assert expression(worker["TENANTLOG_WORKER_RECORD_CONCURRENCY"]) == (
        "var.worker_record_concurrency"
    )
    field = Settings.model_fields["worker_record_concurrency"]
    assert field.default == tf.default("worker_record_concurrency") == 10
    bounds = {type(m).__name__: m for m in field.metadata}
    assert (bounds["Ge"].ge, bounds["Le"].le) == (1, 10_000)


@pytest.fixture(scope="module")
def variables_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """infra/variables.tf alone, initialised: Terraform checks its validation blocks on a
    plan without providers, so this runs offline in a fraction of a second."""
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not installed")
    directory = tmp_path_factory.mktemp("variables")
    shutil.copy(INFRA_DIR / "variables.tf", directory / "variables.tf")
    _terraform(directory, "init", "-input=false", "-backend=false")
    return directory


def _terraform(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["terraform", *args, "-no-color"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"},
    )


@pytest.mark.parametrize(
    ("variable", "value", "accepted"),
    [
        ("worker_batch_size", "1", True),
        ("worker_batch_size", "10000", True),
        ("worker_batch_size", "0", False),
        ("worker_batch_size", "10001", False),
        ("worker_batch_size", "2.5", False),
        ("worker_batching_window_seconds", "0", True),
        ("worker_batching_window_seconds", "300", True),
        ("worker_batching_window_seconds", "-1", False),
        ("worker_batching_window_seconds", "301", False),
        ("worker_record_concurrency", "1", True),
        ("worker_record_concurrency", "10000", True),
        ("worker_record_concurrency", "0", False),
        ("worker_record_concurrency", "10001", False),
        ("worker_max_concurrency", "2", True),
        ("worker_max_concurrency", "1000", True),
        ("worker_max_concurrency", "1", False),
        ("worker_max_concurrency", "1001", False),
    ],
)
def test_worker_scaling_variables_are_bounded_by_terraform(
    variables_only: Path, variable: str, value: str, accepted: bool
) -> None:
    completed = _terraform(variables_only, "plan", "-input=false", "-var", f"{variable}={value}")
    if accepted:
        assert completed.returncode == 0, completed.stderr
    else:
        assert completed.returncode != 0
        assert "Invalid value for variable" in completed.stderr
        assert f"{variable} must be" in " ".join(completed.stderr.split())


def test_high_throughput_example_is_valid_and_batches_with_a_window(
    tf: TerraformConfig, variables_only: Path
) -> None:
    example = INFRA_DIR / "examples" / "high-throughput.tfvars"
    values = hcl2.loads(example.read_text(encoding="utf-8"), serialization_options=OPTIONS)
    # GIVEN the documented profile: big batches, a window, records and invocations in parallel
    assert values["worker_batch_size"] > 10 and values["worker_batching_window_seconds"] > 0
    assert values["worker_record_concurrency"] > 10
    assert values["worker_max_concurrency"] > tf.default("worker_max_concurrency")
    # every invocation the mapping may start has reserved room, or nothing is reserved
    reserved = values["worker_reserved_concurrency"]
    assert reserved == -1 or reserved >= values["worker_max_concurrency"]
    # the queue still hides a message six worker timeouts long
    timeout = values.get("worker_timeout_seconds", tf.default("worker_timeout_seconds"))
    visibility = values.get(
        "queue_visibility_timeout_seconds", tf.default("queue_visibility_timeout_seconds")
    )
    assert visibility >= 6 * timeout
    # WHEN Terraform checks it against the variables' validation blocks
    completed = _terraform(variables_only, "plan", "-input=false", f"-var-file={example}")
    # THEN it passes
    assert completed.returncode == 0, completed.stderr


def test_lambda_functions_run_python_on_arm64(tf: TerraformConfig) -> None:
    for name in ("ingest", "worker"):
        function = tf.resource("aws_lambda_function", name)
        assert function["architectures"] == ["arm64"], name
        assert tf.resolve(function["runtime"]) in {"python3.11", "python3.12"}, name
        assert expression(function["filename"]) == "var.lambda_zip_path", name
        assert expression(function["source_code_hash"]) == "filebase64sha256(var.lambda_zip_path)"
        assert expression(function["role"]) == f"aws_iam_role.{name}.arn", name
        assert tf.number(function["reserved_concurrent_executions"]) >= 1, name


@pytest.mark.parametrize(("function", "handler"), sorted(HANDLERS.items()))
def test_lambda_handler_names_a_handler_defined_in_the_package(
    tf: TerraformConfig, function: str, handler: str
) -> None:
    # Checked on the source, without importing it: an import needs the Lambda environment.
    # tests/infra/test_package.py imports the handlers from the built zip.
    configured = tf.resolve(tf.resource("aws_lambda_function", function)["handler"])
    assert configured == handler
    module, _, attribute = handler.rpartition(".")
    source = REPO_ROOT / "src" / Path(*module.split(".")).with_suffix(".py")
    assert source.is_file(), f"{handler}: {source.relative_to(REPO_ROOT)} does not exist"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    defined = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            defined.add(node.name)
        elif isinstance(node, ast.Assign):
            defined.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            defined.add(node.target.id)
        elif isinstance(node, ast.ImportFrom | ast.Import):
            defined.update(alias.asname or alias.name for alias in node.names)
    assert attribute in defined, f"{source.relative_to(REPO_ROOT)} defines no top-level {attribute}"


def test_lambda_environments_set_exactly_the_documented_names(tf: TerraformConfig) -> None:
    ingest = environment(tf, "ingest")
    worker = environment(tf, "worker")
    assert set(ingest) == SHARED_ENVIRONMENT | INGEST_ONLY_ENVIRONMENT
    assert set(worker) == SHARED_ENVIRONMENT | WORKER_ONLY_ENVIRONMENT
    assert ingest["TENANTLOG_BACKEND"] == worker["TENANTLOG_BACKEND"] == "aws"
    assert ingest["POWERTOOLS_SERVICE_NAME"] == "tenantlog"
    assert ingest["POWERTOOLS_METRICS_NAMESPACE"] == "tenantlog"


def test_lambda_environment_names_are_all_read_by_the_code(tf: TerraformConfig) -> None:
    # A misspelt name would be ignored silently by pydantic-settings.
    read_by_settings = {env_name(field) for field in Settings.model_fields}
    for function in ("ingest", "worker"):
        unknown = set(environment(tf, function)) - read_by_settings - POWERTOOLS_ENVIRONMENT
        assert not unknown, f"{function} sets variables nothing reads: {sorted(unknown)}"
        # Lambda sets AWS_REGION itself; setting it is an error at deploy time.
        assert "AWS_REGION" not in environment(tf, function)


def test_lambda_worker_environment_matches_the_queue(tf: TerraformConfig) -> None:
    worker = environment(tf, "worker", defaults=False)
    main = tf.resource("aws_sqs_queue", "main")
    assert expression(worker["TENANTLOG_VISIBILITY_TIMEOUT"]) == (
        "aws_sqs_queue.main.visibility_timeout_seconds"
    )
    redrive = jsonencode_object(main["redrive_policy"])
    assert worker["TENANTLOG_MAX_RECEIVE_COUNT"] == "${" + redrive["maxReceiveCount"] + "}"
    shared = environment(tf, "ingest")
    assert expression(shared["SQS_QUEUE_URL"]) == "aws_sqs_queue.main.url"
    assert expression(shared["TENANTLOG_SQS_DLQ_URL"]) == "aws_sqs_queue.dlq.url"
    assert expression(shared["DYNAMODB_TABLE_NAME"]) == "aws_dynamodb_table.logs.name"


def test_lambda_environments_both_name_the_tenants_table(tf: TerraformConfig) -> None:
    # ingest reads a tenant's rate limit and burst, the worker its redaction choices
    for function in ("ingest", "worker"):
        variables = environment(tf, function, defaults=False)
        assert (
            expression(variables["TENANTLOG_DYNAMODB_TENANTS_TABLE"])
            == "aws_dynamodb_table.tenants.name"
        ), function


def test_lambda_ingest_environment_names_the_identity_tables_and_auth_mode(
    tf: TerraformConfig,
) -> None:
    ingest = environment(tf, "ingest", defaults=False)
    assert expression(ingest["TENANTLOG_DYNAMODB_KEYS_TABLE"]) == "aws_dynamodb_table.keys.name"
    assert expression(ingest["TENANTLOG_DYNAMODB_AUDIT_TABLE"]) == "aws_dynamodb_table.audit.name"
    assert (
        expression(ingest["TENANTLOG_DYNAMODB_IDEMPOTENCY_TABLE"])
        == "aws_dynamodb_table.idempotency.name"
    )
    assert expression(ingest["TENANTLOG_AUTH"]) == "var.auth_mode"


def test_auth_mode_defaults_to_keys_and_accepts_only_the_settings_values(
    tf: TerraformConfig,
) -> None:
    assert tf.default("auth_mode") == "keys"
    (validation,) = blocks(tf.variables["auth_mode"], "validation")
    assert expression(validation["condition"]) == 'contains(["keys", "off"], var.auth_mode)'
    # the values tenantlog.settings accepts for TENANTLOG_AUTH (Literal["keys", "off"] | None)
    literal, _ = get_args(Settings.model_fields["auth"].annotation)
    assert set(get_args(literal)) == {"keys", "off"}


def test_lambda_environment_defaults_are_valid_settings(
    tf: TerraformConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the worker's environment with every variable at its default
    attributes_known_after_apply = {
        "aws_sqs_queue.main.url": "https://sqs.us-east-1.amazonaws.com/123456789012/tenantlog-queue",
        "aws_sqs_queue.dlq.url": "https://sqs.us-east-1.amazonaws.com/123456789012/tenantlog-dlq",
        "aws_dynamodb_table.logs.name": "tenantlog-logs",
        "aws_dynamodb_table.tenants.name": "tenantlog-tenants",
        "aws_dynamodb_table.usage.name": "tenantlog-usage",
        "aws_dynamodb_table.erasures.name": "tenantlog-erasures",
        "aws_sqs_queue.main.visibility_timeout_seconds": str(
            tf.resolve(tf.resource("aws_sqs_queue", "main")["visibility_timeout_seconds"])
        ),
    }
    for name in list(Settings.model_fields):
        monkeypatch.delenv(env_name(name), raising=False)
    for name, value in environment(tf, "worker").items():
        resolved = attributes_known_after_apply.get(expression(value) or "", value)
        assert "${" not in str(resolved), f"{name} = {value} is not resolved"
        # Terraform renders numbers in an environment map as their decimal text.
        monkeypatch.setenv(name, str(resolved))
    # WHEN tenantlog reads it
    settings = load_settings()
    # THEN it starts with the design's values
    assert settings.backend == "aws"
    assert settings.visibility_timeout == 300
    assert settings.max_receive_count == 5
    assert settings.max_text_bytes == 65536
    # 4 MiB, base64-encoded (4/3) inside the event, stays under Lambda's 6 MB payload
    assert settings.max_body_bytes == 4 * 1024 * 1024
    assert settings.max_body_bytes * 4 / 3 + 64 * 1024 < 6 * 1024 * 1024
    assert settings.sqs_dlq_url == attributes_known_after_apply["aws_sqs_queue.dlq.url"]
    assert settings.dynamodb_erasures_table == "tenantlog-erasures"


def test_lambda_ingest_environment_defaults_turn_keys_on(
    tf: TerraformConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the ingest function's environment with every variable at its default
    attributes_known_after_apply = {
        "aws_sqs_queue.main.url": "https://sqs.us-east-1.amazonaws.com/123456789012/tenantlog-queue",
        "aws_sqs_queue.dlq.url": "https://sqs.us-east-1.amazonaws.com/123456789012/tenantlog-dlq",
        "aws_dynamodb_table.logs.name": "tenantlog-logs",
        "aws_dynamodb_table.keys.name": "tenantlog-keys",
        "aws_dynamodb_table.audit.name": "tenantlog-audit",
        "aws_dynamodb_table.idempotency.name": "tenantlog-idempotency",
        "aws_dynamodb_table.rate_limits.name": "tenantlog-rate-limits",
        "aws_dynamodb_table.tenants.name": "tenantlog-tenants",
        "aws_dynamodb_table.usage.name": "tenantlog-usage",
        "aws_dynamodb_table.erasures.name": "tenantlog-erasures",
    }
    for name in list(Settings.model_fields):
        monkeypatch.delenv(env_name(name), raising=False)
    for name, value in environment(tf, "ingest").items():
        resolved = attributes_known_after_apply.get(expression(value) or "", value)
        assert "${" not in str(resolved), f"{name} = {value} is not resolved"
        monkeypatch.setenv(name, str(resolved))
    # WHEN tenantlog reads it
    settings = load_settings()
    # THEN keys are required, and the key store and audit trail are the new tables
    assert settings.auth == "keys"
    assert settings.auth_enabled(behind_api_gateway=True)
    assert settings.dynamodb_keys_table == "tenantlog-keys"
    assert settings.dynamodb_audit_table == "tenantlog-audit"
    assert settings.dynamodb_idempotency_table == "tenantlog-idempotency"
    assert settings.dynamodb_rate_limits_table == "tenantlog-rate-limits"
    assert settings.dynamodb_tenants_table == "tenantlog-tenants"
    assert settings.dynamodb_usage_table == "tenantlog-usage"
    assert settings.dynamodb_erasures_table == "tenantlog-erasures"


def test_worker_timeout_fits_six_times_in_the_visibility_timeout(tf: TerraformConfig) -> None:
    worker = tf.resource("aws_lambda_function", "worker")
    visibility = tf.number(tf.resource("aws_sqs_queue", "main")["visibility_timeout_seconds"])
    assert visibility >= 6 * tf.number(worker["timeout"])
    # and Terraform refuses a plan that breaks it
    conditions = [
        expression(precondition["condition"])
        for lifecycle in blocks(worker, "lifecycle")
        for precondition in blocks(lifecycle, "precondition")
    ]
    assert "var.queue_visibility_timeout_seconds >= 6 * var.worker_timeout_seconds" in conditions
    assert expression(worker["timeout"]) == "var.worker_timeout_seconds"


def test_ingest_timeout_fits_the_api_gateway_integration_timeout(tf: TerraformConfig) -> None:
    ingest = tf.resource("aws_lambda_function", "ingest")
    integration = tf.resource("aws_apigatewayv2_integration", "ingest")
    assert tf.number(ingest["timeout"]) * 1000 < integration["timeout_milliseconds"] <= 30000


# ---- IAM ---------------------------------------------------------------------------


def test_iam_ingest_role_only_enqueues_reads_checks_keys_audits_and_claims_keys(
    tf: TerraformConfig,
) -> None:
    grants = granted(role_statements(tf, "ingest"))
    main, dlq = "${aws_sqs_queue.main.arn}", "${aws_sqs_queue.dlq.arn}"
    assert grants == {
        "sqs:SendMessage": {main},
        # queue stats (/readyz, backpressure) count both queues; /readyz describes the table
        "sqs:GetQueueAttributes": {main, dlq},
        "dynamodb:DescribeTable": {LOGS},
        # read logs; verify a key; read an idempotency key an emulator did not return;
        # read a tenant's settings (rate limit and burst); show an erasure
        "dynamodb:GetItem": {LOGS, KEYS, IDEMPOTENCY, TENANTS, ERASURES},
        # read logs, in log_id order or (the index) by event time; list the audit trail;
        # a tenant's usage, and who had any on a day; a tenant's latest erasure, which
        # reads leave out the logs of
        "dynamodb:Query": {LOGS, LOGS_BY_EVENT_TIME, AUDIT, USAGE, USAGE_BY_DAY, ERASURES},
        # every tenant's usage of a window (GET /tenants), after the index named them
        "dynamodb:BatchGetItem": {USAGE},
        # a key's last_used_at only (see the next test); take over or complete an idempotency key
        # ... and lease a rate-limited tenant's tokens from its shared bucket; add usage counts
        "dynamodb:UpdateItem": {KEYS, IDEMPOTENCY, RATE_LIMITS, USAGE},
        # append to the audit trail; claim an idempotency key; put a tombstone over an
        # erased log; save an erasure; and nowhere else
        "dynamodb:PutItem": {AUDIT, IDEMPOTENCY, LOGS, ERASURES},
        # release the idempotency key of a request that failed to enqueue
        "dynamodb:DeleteItem": {IDEMPOTENCY},
        "logs:CreateLogStream": {"${aws_cloudwatch_log_group.ingest.arn}:*"},
        "logs:PutLogEvents": {"${aws_cloudwatch_log_group.ingest.arn}:*"},
    }
    assert not {"sqs:ReceiveMessage", "sqs:DeleteMessage", "dynamodb:Scan"} & set(grants)
    assert "dynamodb:BatchWriteItem" not in grants


def test_iam_ingest_role_may_update_only_a_keys_last_used_at(tf: TerraformConfig) -> None:
    # GIVEN the ingest role's statements that touch the keys table
    statements = [s for s in role_statements(tf, "ingest") if KEYS in s["resources"]]
    updates = [s for s in statements if "dynamodb:UpdateItem" in s["actions"]]
    # THEN GetItem and UpdateItem are all it may do there, each in its own statement,
    assert sorted(action for s in statements for action in s["actions"]) == [
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
    ]
    (update,) = updates
    assert update["resources"] == [KEYS]
    # AND the update may name only the key and last_used_at, and return nothing
    # (the request DynamoDbKeyStore.touch makes; tests/aws/test_dynamodb_identity.py)
    conditions = {(c["test"], c["variable"]): c["values"] for c in blocks(update, "condition")}
    assert conditions == {
        ("ForAllValues:StringEquals", "dynamodb:Attributes"): ["key_id", "last_used_at"],
        # ForAllValues alone would also hold for a request naming no attribute
        ("Null", "dynamodb:Attributes"): ["false"],
        ("StringEquals", "dynamodb:ReturnValues"): ["NONE"],
    }


def test_iam_worker_role_only_consumes_dead_letters_and_stores(tf: TerraformConfig) -> None:
    grants = granted(role_statements(tf, "worker"))
    main, dlq, table = (
        "${aws_sqs_queue.main.arn}",
        "${aws_sqs_queue.dlq.arn}",
        "${aws_dynamodb_table.logs.arn}",
    )
    assert grants == {
        # nothing on the keys or audit tables; a tenant's settings are only read
        # consume the main queue; an erasure also deletes the tenant's dead letters
        "sqs:ReceiveMessage": {main, dlq},
        "sqs:DeleteMessage": {main, dlq},
        "sqs:ChangeMessageVisibility": {main, dlq},
        "sqs:GetQueueAttributes": {main, dlq},
        # dead-letter; hand an erasure's message back to go on later
        "sqs:SendMessage": {dlq, main},
        # store logs; save an erasure's progress
        "dynamodb:PutItem": {table, ERASURES},
        "dynamodb:GetItem": {table, TENANTS, ERASURES},
        # add the stored and dead-lettered counts
        "dynamodb:UpdateItem": {USAGE},
        # erasure: a tenant's latest erasure around each write; the logs it covers, deleted
        # in batches, or one at a time when it began during their write
        "dynamodb:Query": {table, ERASURES},
        "dynamodb:BatchWriteItem": {table},
        "dynamodb:DeleteItem": {table},
        "logs:CreateLogStream": {"${aws_cloudwatch_log_group.worker.arn}:*"},
        "logs:PutLogEvents": {"${aws_cloudwatch_log_group.worker.arn}:*"},
    }
    assert "dynamodb:Scan" not in grants
    assert not [action for action in grants if "*" in action]


def test_iam_sqs_and_dynamodb_actions_never_apply_to_every_resource(tf: TerraformConfig) -> None:
    ours = {
        "${aws_sqs_queue.main.arn}",
        "${aws_sqs_queue.dlq.arn}",
        LOGS,
        KEYS,
        AUDIT,
        IDEMPOTENCY,
        TENANTS,
        RATE_LIMITS,
        USAGE,
        USAGE_BY_DAY,
        ERASURES,
        LOGS_BY_EVENT_TIME,
    }
    statements = all_policy_statements(tf)
    checked = 0
    for statement in statements:
        if any(action.split(":")[0] in {"sqs", "dynamodb"} for action in statement["actions"]):
            assert set(statement["resources"]) <= ours, statement
            checked += 1
        assert not [action for action in statement["actions"] if "*" in action], statement
    assert checked >= 5


def test_iam_roles_get_no_permission_outside_these_policies(tf: TerraformConfig) -> None:
    # The inline policies checked above, plus AWS's X-Ray write policy when tracing is on.
    assert set(tf.resources["aws_iam_role_policy"]) == {"ingest", "worker"}
    assert set(tf.resources["aws_iam_role_policy_attachment"]) == {"xray"}
    xray = tf.resource("aws_iam_role_policy_attachment", "xray")
    assert xray["policy_arn"] == "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"
    for kind in ("aws_iam_policy_attachment", "aws_iam_role_policies_exclusive"):
        assert kind not in tf.resources
    for role in ("ingest", "worker"):
        body = tf.resource("aws_iam_role", role)
        assert "inline_policy" not in body and "managed_policy_arns" not in body


def test_iam_roles_can_only_be_assumed_by_lambda(tf: TerraformConfig) -> None:
    for role in ("ingest", "worker"):
        assume = expression(tf.resource("aws_iam_role", role)["assume_role_policy"])
        assert assume == "data.aws_iam_policy_document.lambda_assume.json"
    (statement,) = blocks(tf.data_source("aws_iam_policy_document", "lambda_assume"), "statement")
    assert statement["actions"] == ["sts:AssumeRole"]
    assert block(statement, "principals") == {
        "type": "Service",
        "identifiers": ["lambda.amazonaws.com"],
    }


def test_iam_tenant_reader_example_is_limited_by_leading_keys(tf: TerraformConfig) -> None:
    policy = tf.resource("aws_iam_policy", "tenant_reader")
    assert expression(policy["policy"]) == "data.aws_iam_policy_document.tenant_reader.json"
    (statement,) = blocks(tf.data_source("aws_iam_policy_document", "tenant_reader"), "statement")
    assert set(statement["actions"]) == {"dynamodb:GetItem", "dynamodb:Query"}
    conditions = {c["variable"]: c for c in blocks(statement, "condition")}
    leading = conditions["dynamodb:LeadingKeys"]
    assert leading["test"] == "ForAllValues:StringEquals"
    # "$${...}" is HCL's escape for a literal IAM policy variable "${...}".
    assert leading["values"] == ["$${aws:PrincipalTag/tenant_id}"]
    assert conditions["aws:PrincipalTag/tenant_id"]["test"] == "Null"
    assert "original_text" not in conditions["dynamodb:Attributes"]["values"]
    assert "modified_data" in conditions["dynamodb:Attributes"]["values"]


# ---- DynamoDB ----------------------------------------------------------------------


def test_dynamodb_table_is_keyed_by_tenant_then_log_id(tf: TerraformConfig) -> None:
    table = tf.resource("aws_dynamodb_table", "logs")
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert (table["hash_key"], table["range_key"]) == ("tenant_id", "log_id")
    assert {(a["name"], a["type"]) for a in blocks(table, "attribute")} == {
        ("tenant_id", "S"),
        ("log_id", "S"),
        ("event_key", "S"),
    }


def test_dynamodb_logs_are_searched_by_event_time_on_a_global_index(tf: TerraformConfig) -> None:
    table = tf.resource("aws_dynamodb_table", "logs")
    # a tenant's logs by event time, whole: a search reads the index alone
    assert blocks(table, "global_secondary_index") == [
        {
            "name": "by_event_time",
            "hash_key": "tenant_id",
            "range_key": "event_key",
            "projection_type": "ALL",
        }
    ]
    # never a local index: it would mean a new table and cap each tenant at 10 GB
    assert "local_secondary_index" not in table
    # AND only the ingest function (the read API) may Query it, and do nothing else there
    ingest, worker = granted(role_statements(tf, "ingest")), granted(role_statements(tf, "worker"))
    assert {a for a, resources in ingest.items() if LOGS_BY_EVENT_TIME in resources} == {
        "dynamodb:Query"
    }
    assert not [a for a, resources in worker.items() if LOGS_BY_EVENT_TIME in resources]


def test_dynamodb_table_is_protected_and_expires_items(tf: TerraformConfig) -> None:
    table = tf.resource("aws_dynamodb_table", "logs")
    assert block(table, "point_in_time_recovery")["enabled"] is True
    assert block(table, "server_side_encryption")["enabled"] is True
    assert block(table, "ttl") == {"attribute_name": "expires_at", "enabled": True}
    assert expression(table["deletion_protection_enabled"]) == "var.table_deletion_protection"
    assert tf.default("table_deletion_protection") is True


def test_dynamodb_keys_table_is_keyed_by_key_id(tf: TerraformConfig) -> None:
    # A secret carries its key id: verifying one is a GetItem, so no sort key and no index.
    table = tf.resource("aws_dynamodb_table", "keys")
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["hash_key"] == "key_id"
    assert "range_key" not in table
    assert {(a["name"], a["type"]) for a in blocks(table, "attribute")} == {("key_id", "S")}
    assert not blocks(table, "global_secondary_index")


def test_dynamodb_rate_limits_table_is_one_bucket_per_tenant(tf: TerraformConfig) -> None:
    table = tf.resource("aws_dynamodb_table", "rate_limits")
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["hash_key"] == "tenant_id"
    assert "range_key" not in table
    assert block(table, "server_side_encryption")["enabled"] is True


def test_dynamodb_idempotency_table_expires_keys_per_tenant(tf: TerraformConfig) -> None:
    table = tf.resource("aws_dynamodb_table", "idempotency")
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert (table["hash_key"], table["range_key"]) == ("tenant_id", "key")
    assert block(table, "ttl") == {"attribute_name": "expires_at", "enabled": True}
    assert block(table, "server_side_encryption")["enabled"] is True


def test_dynamodb_audit_table_is_one_trail_sorted_by_event_id(tf: TerraformConfig) -> None:
    table = tf.resource("aws_dynamodb_table", "audit")
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert (table["hash_key"], table["range_key"]) == ("trail", "event_id")
    assert {(a["name"], a["type"]) for a in blocks(table, "attribute")} == {
        ("trail", "S"),
        ("event_id", "S"),
    }


def test_dynamodb_tenants_table_is_keyed_by_tenant_id(tf: TerraformConfig) -> None:
    # One item per tenant, read by GetItem; listed by a Scan (few items), so no index.
    table = tf.resource("aws_dynamodb_table", "tenants")
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["hash_key"] == "tenant_id"
    assert "range_key" not in table
    assert {(a["name"], a["type"]) for a in blocks(table, "attribute")} == {("tenant_id", "S")}
    assert not blocks(table, "global_secondary_index")


def test_iam_both_roles_may_only_read_the_tenants_table(tf: TerraformConfig) -> None:
    # `tenantlog tenants set` writes with the operator's credentials, never a function's.
    for role in ("ingest", "worker"):
        actions = [
            action
            for statement in role_statements(tf, role)
            if TENANTS in statement["resources"]
            for action in statement["actions"]
        ]
        assert actions == ["dynamodb:GetItem"], role


def test_dynamodb_usage_table_is_one_item_per_tenant_and_day_listed_by_day(
    tf: TerraformConfig,
) -> None:
    table = tf.resource("aws_dynamodb_table", "usage")
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert (table["hash_key"], table["range_key"]) == ("tenant_id", "day")
    assert {(a["name"], a["type"]) for a in blocks(table, "attribute")} == {
        ("tenant_id", "S"),
        ("day", "S"),
    }
    # every tenant's days without a Scan; keys only, so an ADD to an item never writes it
    (index,) = blocks(table, "global_secondary_index")
    assert index == {
        "name": "by_day",
        "hash_key": "day",
        "range_key": "tenant_id",
        "projection_type": "KEYS_ONLY",
    }
    # protected as the other tables, and kept: usage is a record of the past
    assert block(table, "point_in_time_recovery")["enabled"] is True
    assert block(table, "server_side_encryption") == block(
        tf.resource("aws_dynamodb_table", "logs"), "server_side_encryption"
    )
    assert expression(table["deletion_protection_enabled"]) == "var.table_deletion_protection"
    # only the service's minute buckets carry expires_at: a tenant's days never expire
    assert block(table, "ttl") == {"attribute_name": "expires_at", "enabled": True}


def test_lambda_environments_both_name_the_usage_table(tf: TerraformConfig) -> None:
    for function in ("ingest", "worker"):
        variables = environment(tf, function, defaults=False)
        assert (
            expression(variables["TENANTLOG_DYNAMODB_USAGE_TABLE"])
            == "aws_dynamodb_table.usage.name"
        ), function


def test_iam_roles_add_usage_counts_and_only_ingest_reads_them(tf: TerraformConfig) -> None:
    def on_usage(role: str) -> dict[str, set[str]]:
        grants = granted(role_statements(tf, role))
        return {
            action: resources & {USAGE, USAGE_BY_DAY}
            for action, resources in grants.items()
            if resources & {USAGE, USAGE_BY_DAY}
        }

    # the worker only adds its counts; ingest adds, reads a tenant's days, and lists a
    # window's tenants through the index: never a Scan, never a PutItem that could reset one
    assert on_usage("worker") == {"dynamodb:UpdateItem": {USAGE}}
    assert on_usage("ingest") == {
        "dynamodb:UpdateItem": {USAGE},
        "dynamodb:Query": {USAGE, USAGE_BY_DAY},
        "dynamodb:BatchGetItem": {USAGE},
    }


def test_dynamodb_erasures_table_is_keyed_by_tenant_then_erasure_id(tf: TerraformConfig) -> None:
    # a tenant's latest erasure is one Query (UUIDv7 ids sort by time): no index
    table = tf.resource("aws_dynamodb_table", "erasures")
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert (table["hash_key"], table["range_key"]) == ("tenant_id", "erasure_id")
    assert {(a["name"], a["type"]) for a in blocks(table, "attribute")} == {
        ("tenant_id", "S"),
        ("erasure_id", "S"),
    }
    assert not blocks(table, "global_secondary_index")
    # protected as the other tables, and kept: the latest erasure refuses late redeliveries
    assert block(table, "point_in_time_recovery")["enabled"] is True
    assert block(table, "server_side_encryption") == block(
        tf.resource("aws_dynamodb_table", "logs"), "server_side_encryption"
    )
    assert expression(table["deletion_protection_enabled"]) == "var.table_deletion_protection"
    assert "ttl" not in table


def test_lambda_environments_both_name_the_erasures_table(tf: TerraformConfig) -> None:
    # ingest saves erasures and reads logs, the worker writes them: both check erasures
    for function in ("ingest", "worker"):
        variables = environment(tf, function, defaults=False)
        assert (
            expression(variables["TENANTLOG_DYNAMODB_ERASURES_TABLE"])
            == "aws_dynamodb_table.erasures.name"
        ), function


def test_iam_roles_check_erasures_and_only_the_worker_deletes_logs(tf: TerraformConfig) -> None:
    def on(role: str, resource: str) -> set[str]:
        grants = granted(role_statements(tf, role))
        return {action for action, resources in grants.items() if resource in resources}

    # both read a tenant's latest erasure and save or show one; never delete or scan one
    assert on("ingest", ERASURES) == {"dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query"}
    assert on("worker", ERASURES) == {"dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query"}
    # ingest writes a log only as a tombstone (DELETE of one log) and deletes none; the
    # worker deletes erased logs, in batches or one at a time
    assert on("ingest", LOGS) == {
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:DescribeTable",
        "dynamodb:PutItem",
    }
    assert on("worker", LOGS) == {
        "dynamodb:PutItem",
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:BatchWriteItem",
        "dynamodb:DeleteItem",
    }


@pytest.mark.parametrize("name", ["keys", "audit", "tenants"])
def test_dynamodb_identity_tables_are_protected(tf: TerraformConfig, name: str) -> None:
    table = tf.resource("aws_dynamodb_table", name)
    assert block(table, "point_in_time_recovery")["enabled"] is True
    # encrypted the same way as the logs table: the AWS-managed key, no CMK to grant
    assert block(table, "server_side_encryption") == block(
        tf.resource("aws_dynamodb_table", "logs"), "server_side_encryption"
    )
    assert expression(table["deletion_protection_enabled"]) == "var.table_deletion_protection"
    # none expires anything: keys end by revocation or expires_at, the trail is kept, and
    # a tenant's settings last until changed
    assert "ttl" not in table


# ---- API Gateway -------------------------------------------------------------------


def test_api_routes_all_reach_the_ingest_function(tf: TerraformConfig) -> None:
    api = tf.resource("aws_apigatewayv2_api", "http")
    assert api["protocol_type"] == "HTTP"
    route = tf.resource("aws_apigatewayv2_route", "ingest")
    assert expression(route["for_each"]) == "toset(local.api_route_keys)"
    assert set(tf.resolve("${local.api_route_keys}")) == API_ROUTES
    assert route["route_key"] == "${each.value}"
    assert route["target"] == "integrations/${aws_apigatewayv2_integration.ingest.id}"
    integration = tf.resource("aws_apigatewayv2_integration", "ingest")
    assert integration["integration_type"] == "AWS_PROXY"
    assert integration["payload_format_version"] == "2.0"
    assert expression(integration["integration_uri"]) == "aws_lambda_function.ingest.invoke_arn"


def test_api_may_invoke_the_ingest_function(tf: TerraformConfig) -> None:
    permission = tf.resource("aws_lambda_permission", "api")
    assert permission["principal"] == "apigateway.amazonaws.com"
    assert permission["action"] == "lambda:InvokeFunction"
    assert expression(permission["function_name"]) == "aws_lambda_function.ingest.function_name"
    assert permission["source_arn"] == "${aws_apigatewayv2_api.http.execution_arn}/*/*"


def test_api_stage_deploys_throttles_and_logs(tf: TerraformConfig) -> None:
    stage = tf.resource("aws_apigatewayv2_stage", "default")
    assert stage["name"] == "$default"
    assert stage["auto_deploy"] is True
    throttling = block(stage, "default_route_settings")
    assert expression(throttling["throttling_burst_limit"]) == "var.api_throttling_burst_limit"
    assert expression(throttling["throttling_rate_limit"]) == "var.api_throttling_rate_limit"
    assert tf.number(throttling["throttling_burst_limit"]) > 0
    assert tf.number(throttling["throttling_rate_limit"]) > 0
    logging = block(stage, "access_log_settings")
    assert expression(logging["destination_arn"]) == "aws_cloudwatch_log_group.api.arn"
    assert "$context.requestId" in logging["format"]


# ---- monitoring and outputs --------------------------------------------------------


def test_log_groups_have_a_retention_and_match_the_functions(tf: TerraformConfig) -> None:
    groups = tf.resources["aws_cloudwatch_log_group"]
    assert set(groups) == {"ingest", "worker", "api"}
    for group in groups.values():
        assert expression(group["retention_in_days"]) == "var.log_retention_days"
    assert tf.default("log_retention_days") == 30
    for function in ("ingest", "worker"):
        # Lambda writes to /aws/lambda/<function name>: the group must be that one.
        local_name = f"${{local.{function}_function_name}}"
        assert tf.resource("aws_lambda_function", function)["function_name"] == local_name
        assert groups[function]["name"] == f"/aws/lambda/{local_name}"


def test_dlq_alarm_fires_on_any_visible_message(tf: TerraformConfig) -> None:
    alarm = tf.resource("aws_cloudwatch_metric_alarm", "dlq_not_empty")
    assert (alarm["namespace"], alarm["metric_name"]) == (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
    )
    assert alarm["dimensions"] == {"QueueName": "${aws_sqs_queue.dlq.name}"}
    assert alarm["comparison_operator"] == "GreaterThanThreshold"
    assert alarm["threshold"] == 0
    assert alarm["alarm_actions"] == "${local.alarm_actions}"
    assert "var.alarm_sns_topic_arn" in (expression(tf.locals["alarm_actions"]) or "")
    assert tf.default("alarm_sns_topic_arn") is None


def test_outputs_expose_the_endpoints(tf: TerraformConfig) -> None:
    expected = {
        "api_invoke_url": "aws_apigatewayv2_api.http.api_endpoint",
        "queue_url": "aws_sqs_queue.main.url",
        "dlq_url": "aws_sqs_queue.dlq.url",
        "table_name": "aws_dynamodb_table.logs.name",
        # the CLI's aws backend (`tenantlog keys create`) needs the identity tables
        "keys_table_name": "aws_dynamodb_table.keys.name",
        "audit_table_name": "aws_dynamodb_table.audit.name",
        "idempotency_table_name": "aws_dynamodb_table.idempotency.name",
        "rate_limits_table_name": "aws_dynamodb_table.rate_limits.name",
        # `tenantlog tenants set` needs the tenants table
        "tenants_table_name": "aws_dynamodb_table.tenants.name",
        # `tenantlog tenants usage` needs the usage table
        "usage_table_name": "aws_dynamodb_table.usage.name",
        # `tenantlog tenants erase` needs the erasures table
        "erasures_table_name": "aws_dynamodb_table.erasures.name",
    }
    for output, value in expected.items():
        assert expression(tf.outputs[output]["value"]) == value


def test_lambda_xray_tracing_is_optional(tf: TerraformConfig) -> None:
    for name in ("ingest", "worker"):
        mode = expression(block(tf.resource("aws_lambda_function", name), "tracing_config")["mode"])
        assert mode == 'var.enable_xray_tracing ? "Active" : "PassThrough"'
    attachment = tf.resource("aws_iam_role_policy_attachment", "xray")
    assert "var.enable_xray_tracing" in (expression(attachment["for_each"]) or "")


@pytest.mark.parametrize("name", ["example.tfvars", "high-throughput.tfvars"])
def test_example_tfvars_sets_only_declared_variables(tf: TerraformConfig, name: str) -> None:
    example = INFRA_DIR / "examples" / name
    with example.open(encoding="utf-8") as handle:
        values = hcl2.load(handle, serialization_options=OPTIONS)
    assert values, f"{example} sets nothing"
    assert set(values) <= set(tf.variables), sorted(set(values) - set(tf.variables))
    # the example is the deployment docs/aws.md describes: no simulated failures
    assert values["crash_probability"] == 0
    assert values["processing_delay_per_char"] == 0
