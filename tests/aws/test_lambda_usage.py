"""Usage counting in the Lambda handlers on the emulator: each invocation ends with a flush
when one is due (the container may be frozen for good after it), not one write per request.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from tenantlog.aws.clients import make_client
from tenantlog.core.usage import Counts, window
from tenantlog.lambdas import ingest as ingest_handler
from tenantlog.lambdas import worker as worker_handler
from tenantlog.usage.dynamodb import DynamoDbUsageStore, create_usage_table
from tests.support.aws_emulator import REGION, create_queues, create_table
from tests.support.lambda_events import FakeLambdaContext, event, sqs_event

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


@dataclass
class Deployment:
    queue_url: str
    usage_table: str
    monkeypatch: pytest.MonkeyPatch

    def totals(self, tenant_id: str) -> Counts:
        """The tenant's counts in the table, over yesterday and today (UTC)."""

        async def read() -> Counts:
            store = DynamoDbUsageStore(make_client("dynamodb", REGION, 2), self.usage_table)
            try:
                first, last = window(time.time(), 2)
                total = Counts()
                for day in await store.tenant_days(tenant_id, first, last):
                    total += day.counts
                return total
            finally:
                await store.close()

        return asyncio.run(read())


@pytest.fixture
def deployment(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployment]:
    queue_url, dlq_url = create_queues(visibility_timeout=30, max_receive_count=5)
    usage_table = create_table(create_usage_table)
    for name, value in {
        "TENANTLOG_BACKEND": "aws",
        "SQS_QUEUE_URL": queue_url,
        "TENANTLOG_SQS_DLQ_URL": dlq_url,
        "DYNAMODB_TABLE_NAME": create_table(),
        "TENANTLOG_DYNAMODB_USAGE_TABLE": usage_table,
        "TENANTLOG_AUTH": "off",  # the tenant from the body: no keys table needed here
        "TENANTLOG_CRASH_PROBABILITY": "0",
        "TENANTLOG_PROCESSING_DELAY_PER_CHAR": "0",
        "TENANTLOG_VISIBILITY_TIMEOUT": "30",
        "TENANTLOG_MAX_RECEIVE_COUNT": "3",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TENANTLOG_USAGE_FLUSH_SECONDS", raising=False)
    monkeypatch.setattr(ingest_handler, "_current", None)
    monkeypatch.setattr(worker_handler, "_current", None)
    yield Deployment(queue_url, usage_table, monkeypatch)
    for function in (ingest_handler._current, worker_handler._current):
        if function is not None:
            function.close()


def post_log(log_id: str) -> None:
    request = copy.deepcopy(event("apigw_v2_ingest_json.json"))
    body = f'{{"tenant_id": "acme", "log_id": "{log_id}", "text": "hello"}}'
    request["body"] = body
    request["headers"]["content-length"] = str(len(body))
    response = ingest_handler.handler(request, FakeLambdaContext(function_name="ingest"))
    assert response["statusCode"] == 202, response


def deliver(sqs: SQSClient, deployment: Deployment) -> int:
    """One poll of the event source mapping through the worker handler: messages handled."""
    messages = sqs.receive_message(
        QueueUrl=deployment.queue_url,
        MaxNumberOfMessages=10,
        WaitTimeSeconds=2,
        MessageSystemAttributeNames=["All"],
    ).get("Messages", [])
    arn = sqs.get_queue_attributes(QueueUrl=deployment.queue_url, AttributeNames=["QueueArn"])
    response: dict[str, Any] = worker_handler.handler(
        sqs_event(messages, arn["Attributes"]["QueueArn"]), FakeLambdaContext()
    )
    assert response["batchItemFailures"] == []
    return len(messages)


def test_an_invocation_flushes_when_due_and_a_busy_container_waits_the_interval(
    deployment: Deployment, sqs: SQSClient
) -> None:
    # WHEN a cold container serves its first request
    post_log("1")
    # THEN its count is written before the invocation returns (nothing was flushed before)
    assert deployment.totals("acme").accepted_logs == 1
    # WHEN it serves another at once
    post_log("2")
    # THEN that count waits in memory for the interval: not a write per request
    assert deployment.totals("acme").accepted_logs == 1
    current = ingest_handler._current
    assert current is not None
    assert sum(c.accepted_logs for c in current.backends.usage.pending.values()) == 1
    # WHEN the worker function stores both
    assert deliver(sqs, deployment) == 2
    # THEN its first invocation writes the stored count
    assert deployment.totals("acme").stored_logs == 2


def test_a_flush_interval_of_zero_writes_at_the_end_of_every_invocation(
    deployment: Deployment,
) -> None:
    deployment.monkeypatch.setenv("TENANTLOG_USAGE_FLUSH_SECONDS", "0")

    for n in range(3):
        post_log(str(n))

    total = deployment.totals("acme")
    assert (total.accepted_logs, total.accepted_bytes > 0) == (3, True)
