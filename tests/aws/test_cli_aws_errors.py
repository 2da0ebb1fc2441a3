"""Operators' DynamoDB commands meeting an AWS error end with one line naming what failed
and AWS's error, and a non-zero status: no traceback."""

from __future__ import annotations

import pytest

from tenantlog.audit.dynamodb import create_audit_table
from tenantlog.aws.clients import make_client
from tenantlog.core.tenants import TenantSettings
from tenantlog.tenants.dynamodb import DynamoDbTenantStore, create_tenants_table
from tests.support.aws_emulator import REGION, create_table
from tests.support.cli import tenantlog

pytestmark = pytest.mark.anyio


async def test_reshard_of_a_logs_table_that_is_not_there_says_so_in_one_line(
    moto_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a tenant whose change of write shards has reached every process, and a
    # deployment whose logs table name is wrong
    settings_table = create_table(create_tenants_table)
    for name, value in {
        "TENANTLOG_BACKEND": "aws",
        "SQS_QUEUE_URL": "http://127.0.0.1:9/unused",
        "DYNAMODB_TABLE_NAME": "tenantlog-no-such-table",
        "TENANTLOG_DYNAMODB_TENANTS_TABLE": settings_table,
        "TENANTLOG_DYNAMODB_AUDIT_TABLE": create_table(create_audit_table),
    }.items():
        monkeypatch.setenv(name, value)
    tenants = DynamoDbTenantStore(make_client("dynamodb", REGION, 2), settings_table)
    changed = TenantSettings(
        "acme", write_shards=4, past_write_shards=(1,), updated_at="2024-01-01T00:00:00.000Z"
    )
    try:
        await tenants.put(changed)
        # WHEN the operator reshards
        result = tenantlog("tenants", "reshard", "acme", data_dir=None, check=False)
        # THEN one line says which move failed and why, and nothing was forgotten
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith("error: moving the logs of tenant acme failed:")
        assert "ResourceNotFoundException (Query)" in line
        assert "run again" in line
        assert await tenants.get("acme") == changed
    finally:
        await tenants.close()


def test_backfill_of_a_table_that_is_not_there_says_so_in_one_line(moto_server: str) -> None:
    # GIVEN a logs table name that does not exist; WHEN the operator backfills search
    result = tenantlog(
        "backfill-search",
        "--table",
        "tenantlog-no-such-table",
        "--region",
        REGION,
        data_dir=None,
        check=False,
    )
    # THEN one line names the table and AWS's error, and the status is not zero
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(
        "error: backfilling search in table tenantlog-no-such-table failed:"
        " ResourceNotFoundException (Scan)"
    )
