"""The AWS emulator stopped mid-load and restarted: never a false 202, and nothing lost.

A ``tenantlog serve --backend aws`` subprocess talks to a moto server of its
own, in this process, which the test stops and starts again on the same port.
moto keeps its state in the process, so the queue and the table outlive the
outage, as SQS and DynamoDB would.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from tests.support.aws_emulator import (
    FAKE_ENVIRONMENT,
    create_queues,
    create_table,
    dynamodb_client,
)
from tests.support.faults import ContinuousLoad
from tests.support.server import ServerProcess, free_port, wait_until

pytestmark = pytest.mark.slow


def start_emulator(port: int) -> ThreadedMotoServer:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server


def stored_keys(table: str, tenants: int = 7) -> set[tuple[str, str]]:
    client = dynamodb_client()
    found: set[tuple[str, str]] = set()
    try:
        for n in range(tenants):
            paginator = client.get_paginator("query")
            for page in paginator.paginate(
                TableName=table,
                KeyConditionExpression="tenant_id = :t",
                ExpressionAttributeValues={":t": {"S": f"tenant-{n}"}},
                ProjectionExpression="tenant_id, log_id",
            ):
                found |= {(i["tenant_id"]["S"], i["log_id"]["S"]) for i in page["Items"]}
    finally:
        client.close()
    return found


def test_emulator_outage_answers_500_then_recovers_and_loses_nothing(
    moto_server: str, tmp_path: Path
) -> None:
    # GIVEN tenantlog on the aws backend, through an emulator endpoint the test controls
    queue_url, dlq_url = create_queues(visibility_timeout=5, max_receive_count=10)
    table = create_table()
    port = free_port()
    emulator = start_emulator(port)
    env = {
        **FAKE_ENVIRONMENT,
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "TENANTLOG_BACKEND": "aws",
        "SQS_QUEUE_URL": queue_url,
        "TENANTLOG_SQS_DLQ_URL": dlq_url,
        "DYNAMODB_TABLE_NAME": table,
        "TENANTLOG_VISIBILITY_TIMEOUT": "5",
        "TENANTLOG_MAX_RECEIVE_COUNT": "10",
        "TENANTLOG_BACKOFF_BASE": "0.1",
        "TENANTLOG_BACKOFF_MAX": "1",
    }
    try:
        with ServerProcess(tmp_path / "data", env=env) as server:
            with ContinuousLoad(server.url) as load:
                wait_until(lambda: len(load.accepted) > 100, seconds=60)
                # WHEN the emulator goes away mid-load
                emulator.stop()
                wait_until(lambda: sum(load.refused.values()) >= 20, seconds=60)
                during = dict(load.refused)
                accepted_at_restart = len(load.accepted)
                # AND comes back on the same address
                emulator = start_emulator(port)
                wait_until(lambda: len(load.accepted) > accepted_at_restart + 100, seconds=60)
            # THEN every 202 ends up stored, exactly once
            wait_until(lambda: load.accepted <= stored_keys(table), seconds=120)
    finally:
        emulator.stop()
    stored = stored_keys(table)
    print(
        f"\nemulator outage: accepted {len(load.accepted)}, stored {len(stored)},"
        f" refused during the outage {during}, lost {len(load.accepted - stored)}, duplicated 0"
        " (one item per key)"
    )
    assert set(during) == {500}, during
    assert load.accepted <= stored
