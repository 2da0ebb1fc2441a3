"""Both Lambda handlers end to end on the emulator: API event → SQS → SQS event → DynamoDB.

The test plays API Gateway (events from tests/aws/events) and the SQS event
source mapping: it receives the real messages, hands them to the worker
handler as an SQS event with their real receipt handles and receive counts,
and deletes the records the handler did not report as failed, as the mapping
does.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tenantlog.aws import ingest_handler, worker_handler
from tests.support.aws_emulator import create_queues, create_table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

EVENTS = Path(__file__).parent / "events"


def event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return loaded


@dataclass
class FakeLambdaContext:
    """What Lambda passes as ``context``; only the remaining time matters to the handlers."""

    remaining_ms: int = 60_000
    function_name: str = "tenantlog-worker"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:tenantlog-worker"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@dataclass
class Deployment:
    """Fresh queues and table, and the handlers' environment pointing at them."""

    queue_url: str
    dlq_url: str
    table: str
    monkeypatch: pytest.MonkeyPatch

    def configure(self, **environment: str) -> None:
        """Change settings before the handlers' first (cold-start) invocation."""
        for name, value in environment.items():
            self.monkeypatch.setenv(name, value)


@pytest.fixture
def deployment(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployment]:
    # The redrive policy allows more receives than the worker: a message the
    # worker gives up on is dead-lettered by the handler, with its reason.
    queue_url, dlq_url = create_queues(visibility_timeout=30, max_receive_count=5)
    table = create_table()
    for name, value in {
        "TENANTLOG_BACKEND": "aws",
        "SQS_QUEUE_URL": queue_url,
        "TENANTLOG_SQS_DLQ_URL": dlq_url,
        "DYNAMODB_TABLE_NAME": table,
        "TENANTLOG_CRASH_PROBABILITY": "0",
        "TENANTLOG_PROCESSING_DELAY_PER_CHAR": "0",
        "TENANTLOG_VISIBILITY_TIMEOUT": "30",
        "TENANTLOG_MAX_RECEIVE_COUNT": "3",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(ingest_handler, "_current", None)
    monkeypatch.setattr(worker_handler, "_current", None)
    yield Deployment(queue_url, dlq_url, table, monkeypatch)
    for function in (ingest_handler._current, worker_handler._current):
        if function is not None:
            function.close()


def ingest(body: str | None = None, name: str = "apigw_v2_ingest_json.json") -> dict[str, Any]:
    """POST /ingest through the ingest handler; the JSON response body."""
    request = event(name)
    if body is not None:
        request["body"] = body
        request["headers"]["content-length"] = str(len(body.encode()))
    response = ingest_handler.handler(request, FakeLambdaContext(function_name="ingest"))
    assert response["statusCode"] == 202, response
    answer: dict[str, Any] = json.loads(response["body"])
    return answer


def sqs_event(messages: list[MessageTypeDef], queue_arn: str) -> dict[str, Any]:
    """The event Lambda's event source mapping would build from these received messages."""
    [template] = event("sqs_event.json")["Records"]
    records = []
    for message in messages:
        record = copy.deepcopy(template)
        record.update(
            messageId=message["MessageId"],
            receiptHandle=message["ReceiptHandle"],
            body=message["Body"],
            md5OfBody=hashlib.md5(message["Body"].encode()).hexdigest(),
            eventSourceARN=queue_arn,
            messageAttributes={
                name: {"stringValue": value["StringValue"], "dataType": value["DataType"]}
                for name, value in message.get("MessageAttributes", {}).items()
            },
        )
        record["attributes"].update(message["Attributes"])
        records.append(record)
    return {"Records": records}


def deliver(
    sqs: SQSClient, deployment: Deployment, context: FakeLambdaContext
) -> tuple[list[str], list[MessageTypeDef]]:
    """One poll of the event source mapping: the failed message ids, and the batch."""
    messages = sqs.receive_message(
        QueueUrl=deployment.queue_url,
        MaxNumberOfMessages=10,
        WaitTimeSeconds=2,
        MessageSystemAttributeNames=["All"],
        MessageAttributeNames=["All"],
    ).get("Messages", [])
    arn = sqs.get_queue_attributes(QueueUrl=deployment.queue_url, AttributeNames=["QueueArn"])
    response = worker_handler.handler(sqs_event(messages, arn["Attributes"]["QueueArn"]), context)
    failed = [item["itemIdentifier"] for item in response["batchItemFailures"]]
    for message in messages:
        if message["MessageId"] not in failed:
            sqs.delete_message(
                QueueUrl=deployment.queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
    return failed, messages


def message_id_of(messages: list[MessageTypeDef], log_id: str) -> str:
    [found] = [m["MessageId"] for m in messages if json.loads(m["Body"])["log_id"] == log_id]
    return found


def stored(dynamodb: DynamoDBClient, table: str, tenant_id: str) -> list[dict[str, Any]]:
    items = dynamodb.query(
        TableName=table,
        KeyConditionExpression="tenant_id = :t",
        ExpressionAttributeValues={":t": {"S": tenant_id}},
    )["Items"]
    return [dict(item) for item in items]


def test_lambda_ingest_to_dynamodb_end_to_end(
    deployment: Deployment, sqs: SQSClient, dynamodb: DynamoDBClient
) -> None:
    # GIVEN the seed's two requests, JSON and text/plain with X-Tenant-ID, as API Gateway events
    # WHEN the ingest handler serves them
    json_answer = ingest()
    text_answer = ingest(name="apigw_v2_ingest_text.json")
    # THEN both are accepted with the seed's body
    assert json_answer == {"status": "enqueued", "tenant_id": "acme", "log_id": "123"}
    assert text_answer["status"] == "enqueued"
    assert text_answer["tenant_id"] == "globex"
    # WHEN the worker handler gets them as an SQS event
    failed, batch = deliver(sqs, deployment, FakeLambdaContext())
    # THEN none failed, and DynamoDB holds each, redacted, with the DESIGN §3 fields
    assert (failed, len(batch)) == ([], 2)
    [item] = stored(dynamodb, deployment.table, "acme")
    assert {name: value for name, value in item.items() if "_at" not in name} == {
        "tenant_id": {"S": "acme"},
        "log_id": {"S": "123"},
        "source": {"S": "json_upload"},
        "original_text": {"S": "User 555-0199 accessed system"},
        "modified_data": {"S": "User [REDACTED] accessed system"},
        "attempts": {"N": "1"},
        "redactions": {"M": {"PHONE": {"N": "1"}}},
    }
    assert item["received_at"]["S"] <= item["processed_at"]["S"]
    [text_item] = stored(dynamodb, deployment.table, "globex")
    assert text_item["log_id"] == {"S": text_answer["log_id"]}
    assert text_item["source"] == {"S": "text_upload"}
    assert text_item["modified_data"] == {"S": "User [REDACTED] accessed system"}


@pytest.mark.slow
def test_lambda_worker_reports_only_the_failed_records_of_a_batch(
    deployment: Deployment, sqs: SQSClient, dynamodb: DynamoDBClient
) -> None:
    # GIVEN one second of budget per invocation and 10 ms of work per character,
    deployment.configure(TENANTLOG_PROCESSING_DELAY_PER_CHAR="0.01")
    context = FakeLambdaContext(remaining_ms=int((worker_handler.SAFETY_MARGIN + 1) * 1000))
    # AND a batch of a short log, a log too long for the budget, and an undecodable body
    ingest(json.dumps({"tenant_id": "acme", "log_id": "short", "text": "User 555-0199 here"}))
    ingest(json.dumps({"tenant_id": "acme", "log_id": "long", "text": "x" * 400}))
    sqs.send_message(QueueUrl=deployment.queue_url, MessageBody="not json")
    # WHEN the worker handler gets the batch
    failed, batch = deliver(sqs, deployment, context)
    # THEN only the long log is reported failed; its batch-mates are done
    assert len(batch) == 3
    long_id = message_id_of([m for m in batch if m["Body"] != "not json"], "long")
    assert failed == [long_id]
    assert [item["log_id"]["S"] for item in stored(dynamodb, deployment.table, "acme")] == ["short"]
    # AND the undecodable body is in the DLQ with its reason, out of the main queue
    [dead] = sqs.receive_message(
        QueueUrl=deployment.dlq_url, WaitTimeSeconds=1, MessageAttributeNames=["All"]
    )["Messages"]
    assert dead["Body"] == "not json"
    assert dead["MessageAttributes"]["reason"]["StringValue"].startswith("message body is not JSON")
    # AND the long log comes back after its backoff, as a second receive
    [again] = sqs.receive_message(
        QueueUrl=deployment.queue_url, WaitTimeSeconds=5, MessageSystemAttributeNames=["All"]
    )["Messages"]
    assert again["MessageId"] == long_id
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"


def test_lambda_worker_dead_letters_a_message_that_fails_every_receive(
    deployment: Deployment, sqs: SQSClient, dynamodb: DynamoDBClient
) -> None:
    # GIVEN a worker that always crashes, retries at once, and allows two receives
    deployment.configure(
        TENANTLOG_CRASH_PROBABILITY="1",
        TENANTLOG_BACKOFF_BASE="0",
        TENANTLOG_MAX_RECEIVE_COUNT="2",
    )
    ingest()
    # WHEN the message is delivered twice
    first_failed, [message] = deliver(sqs, deployment, FakeLambdaContext())
    second_failed, _ = deliver(sqs, deployment, FakeLambdaContext())
    # THEN the first failure is retried, the second dead-letters it with the crash as reason
    assert (first_failed, second_failed) == ([message["MessageId"]], [])
    [dead] = sqs.receive_message(
        QueueUrl=deployment.dlq_url, WaitTimeSeconds=1, MessageAttributeNames=["All"]
    )["Messages"]
    assert dead["Body"] == message["Body"]
    attributes = {name: value["StringValue"] for name, value in dead["MessageAttributes"].items()}
    assert attributes["reason"] == "SimulatedCrash: simulated worker crash"
    assert attributes["receive_count"] == "2"
    assert (
        sqs.receive_message(QueueUrl=deployment.queue_url, WaitTimeSeconds=1).get("Messages", [])
        == []
    )
    assert stored(dynamodb, deployment.table, "acme") == []
