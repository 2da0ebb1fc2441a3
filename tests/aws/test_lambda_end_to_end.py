"""Both Lambda handlers end to end on the emulator: API event → SQS → SQS event → DynamoDB.

The test plays API Gateway (events from tests/aws/events) and the SQS event
source mapping: it receives the real messages, hands them to the worker
handler as an SQS event with their real receipt handles and receive counts,
and deletes the records the handler did not report as failed, as the mapping
does.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from tenantlog.audit.dynamodb import DynamoDbAuditLog, create_audit_table
from tenantlog.aws.clients import make_client
from tenantlog.core.key_admin import create_key, revoke_key
from tenantlog.core.processing import Outcome
from tenantlog.core.queue import Delivery
from tenantlog.core.tenants import TenantSettings
from tenantlog.idempotency.dynamodb import create_idempotency_table
from tenantlog.keys.dynamodb import DynamoDbKeyStore, create_keys_table
from tenantlog.lambdas import ingest as ingest_handler
from tenantlog.lambdas import worker as worker_handler
from tenantlog.ratelimit.dynamodb import create_rate_limits_table
from tenantlog.settings import load_settings
from tenantlog.store.dynamodb import create_erasures_table
from tenantlog.tenants.dynamodb import DynamoDbTenantStore, create_tenants_table
from tests.support.aws_emulator import REGION, create_queues, create_table
from tests.support.lambda_events import FakeLambdaContext, event, sqs_event

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef


@dataclass
class Deployment:
    """Fresh queues and tables, the handlers' environment pointing at them, an admin key."""

    queue_url: str
    dlq_url: str
    table: str
    keys_table: str
    audit_table: str
    idempotency_table: str
    tenants_table: str
    admin_secret: str
    monkeypatch: pytest.MonkeyPatch

    def new_key(self, tenant: str, *scopes: str) -> tuple[str, str]:
        """A key made the way ``tenantlog keys create`` makes it: (key_id, secret)."""
        return asyncio.run(_new_key(self.keys_table, self.audit_table, tenant, scopes))

    def revoke(self, key_id: str) -> None:
        asyncio.run(_revoke(self.keys_table, self.audit_table, key_id))

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
    keys_table = create_table(create_keys_table)
    audit_table = create_table(create_audit_table)
    idempotency_table = create_table(create_idempotency_table)
    tenants_table = create_table(create_tenants_table)
    rate_limits_table = create_table(create_rate_limits_table)
    erasures_table = create_table(create_erasures_table)
    _, admin = asyncio.run(_new_key(keys_table, audit_table, "ops", ("admin",)))
    for name, value in {
        "TENANTLOG_BACKEND": "aws",
        "SQS_QUEUE_URL": queue_url,
        "TENANTLOG_SQS_DLQ_URL": dlq_url,
        "DYNAMODB_TABLE_NAME": table,
        "TENANTLOG_DYNAMODB_KEYS_TABLE": keys_table,
        "TENANTLOG_DYNAMODB_AUDIT_TABLE": audit_table,
        "TENANTLOG_DYNAMODB_IDEMPOTENCY_TABLE": idempotency_table,
        "TENANTLOG_DYNAMODB_TENANTS_TABLE": tenants_table,
        "TENANTLOG_DYNAMODB_RATE_LIMITS_TABLE": rate_limits_table,
        "TENANTLOG_DYNAMODB_ERASURES_TABLE": erasures_table,
        "TENANTLOG_CRASH_PROBABILITY": "0",
        "TENANTLOG_PROCESSING_DELAY_PER_CHAR": "0",
        "TENANTLOG_VISIBILITY_TIMEOUT": "30",
        "TENANTLOG_MAX_RECEIVE_COUNT": "3",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(ingest_handler, "_current", None)
    monkeypatch.setattr(worker_handler, "_current", None)
    monkeypatch.delenv("TENANTLOG_AUTH", raising=False)  # the handlers' own default: keys
    yield Deployment(
        queue_url,
        dlq_url,
        table,
        keys_table,
        audit_table,
        idempotency_table,
        tenants_table,
        admin,
        monkeypatch,
    )
    for function in (ingest_handler._current, worker_handler._current):
        if function is not None:
            function.close()


async def _new_key(
    keys_table: str, audit_table: str, tenant: str, scopes: tuple[str, ...]
) -> tuple[str, str]:
    keys = DynamoDbKeyStore(make_client("dynamodb", REGION, 2), keys_table, threads=2)
    audit = DynamoDbAuditLog(make_client("dynamodb", REGION, 2), audit_table, threads=2)
    try:
        key, secret = await create_key(keys, audit, tenant_id=tenant, scopes=scopes, actor="test")
    finally:
        await keys.close()
        await audit.close()
    return key.key_id, secret


async def _revoke(keys_table: str, audit_table: str, key_id: str) -> None:
    keys = DynamoDbKeyStore(make_client("dynamodb", REGION, 2), keys_table, threads=2)
    audit = DynamoDbAuditLog(make_client("dynamodb", REGION, 2), audit_table, threads=2)
    try:
        assert await revoke_key(keys, audit, key_id, actor="test") is not None
    finally:
        await keys.close()
        await audit.close()


def call(
    request: dict[str, Any], secret: str | None, body: str | None = None
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """One API Gateway event through the ingest handler: status, JSON body, headers."""
    request = copy.deepcopy(request)
    if body is not None:
        request["body"] = body
        request["headers"]["content-length"] = str(len(body.encode()))
    if secret is not None:
        request["headers"]["authorization"] = f"Bearer {secret}"
    response = ingest_handler.handler(request, FakeLambdaContext(function_name="ingest"))
    return response["statusCode"], json.loads(response["body"]), response.get("headers", {})


def ingest(
    deployment: Deployment, body: str | None = None, name: str = "apigw_v2_ingest_json.json"
) -> dict[str, Any]:
    """POST /ingest through the ingest handler with the admin key; the JSON response body."""
    status, answer, _ = call(event(name), deployment.admin_secret, body)
    assert status == 202, answer
    return answer


def receive_ten(sqs: SQSClient, deployment: Deployment) -> list[MessageTypeDef]:
    """One ReceiveMessage as the event source mapping makes it: up to 10, with attributes."""
    return sqs.receive_message(
        QueueUrl=deployment.queue_url,
        MaxNumberOfMessages=10,
        WaitTimeSeconds=2,
        MessageSystemAttributeNames=["All"],
        MessageAttributeNames=["All"],
    ).get("Messages", [])


def deliver(
    sqs: SQSClient, deployment: Deployment, context: FakeLambdaContext
) -> tuple[list[str], list[MessageTypeDef]]:
    """One poll of the event source mapping: the failed message ids, and the batch."""
    messages = receive_ten(sqs, deployment)
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
    json_answer = ingest(deployment)
    text_answer = ingest(deployment, name="apigw_v2_ingest_text.json")
    # THEN both are accepted with the seed's body
    assert json_answer == {"status": "enqueued", "tenant_id": "acme", "log_id": "123"}
    assert text_answer["status"] == "enqueued"
    assert text_answer["tenant_id"] == "globex"
    # WHEN the worker handler gets them as an SQS event
    failed, batch = deliver(sqs, deployment, FakeLambdaContext())
    # THEN none failed, and DynamoDB holds each, redacted, with the DESIGN §3 fields
    assert (failed, len(batch)) == ([], 2)
    [item] = stored(dynamodb, deployment.table, "acme")
    # (and the event-time index's sort key: received_at, canonical, then the log_id)
    assert item.pop("event_key")["S"].endswith("Z 123")
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


def test_lambda_ingest_retry_with_an_idempotency_key_enqueues_nothing_new(
    deployment: Deployment, sqs: SQSClient, dynamodb: DynamoDBClient
) -> None:
    # GIVEN an NDJSON batch sent with an Idempotency-Key, then sent again (a client retry)
    request = event("apigw_v2_ingest_json.json")
    request["headers"].update({"content-type": "application/x-ndjson", "idempotency-key": "b-1"})
    body = '{"tenant_id":"acme","text":"a 555-0100"}\n{"tenant_id":"acme","text":"b"}\n'
    first = call(request, deployment.admin_secret, body)
    retry = call(request, deployment.admin_secret, body)
    other = call(request, deployment.admin_secret, body + '{"tenant_id":"acme","text":"c"}\n')
    # THEN the retry gets the first answer, marked as replayed; the changed body gets 422
    assert (first[0], retry[0], other[0]) == (202, 202, 422)
    assert retry[1] == first[1]
    assert retry[2]["idempotent-replayed"] == "true"
    # AND only the first attempt's two messages were enqueued, and are stored under its ids
    failed, batch = deliver(sqs, deployment, FakeLambdaContext())
    assert (failed, len(batch)) == ([], 2)
    ids = sorted(item["log_id"]["S"] for item in stored(dynamodb, deployment.table, "acme"))
    assert ids == sorted(item["log_id"] for item in first[1]["items"])


def test_lambda_ingest_enforces_a_tenants_rate_limit_from_the_shared_tables(
    deployment: Deployment,
) -> None:
    # GIVEN a tenant limited to 1 log/s with a burst of 5, set as `tenantlog tenants set` does
    asyncio.run(_set_limit(deployment.tenants_table, "acme", rate=1, burst=5))
    request = event("apigw_v2_ingest_json.json")
    request["headers"]["content-type"] = "application/x-ndjson"
    batch = '{"tenant_id":"acme","text":"a"}\n' * 4
    # WHEN it sends 4 logs, then 4 more at once, then a batch over its burst
    first = call(request, deployment.admin_secret, batch)
    second = call(request, deployment.admin_secret, batch)
    too_big = call(request, deployment.admin_secret, batch * 2)
    # THEN the first passes with the headers, the second is 429 and the third 413
    assert (first[0], second[0], too_big[0]) == (202, 429, 413)
    assert first[2]["ratelimit-policy"] == '"tenant";q=5;w=5'
    assert second[1] == {"error": "rate limit exceeded for tenant 'acme'"}
    assert int(second[2]["retry-after"]) >= 1
    assert "over its burst of 5" in too_big[1]["error"]


async def _set_limit(table: str, tenant: str, *, rate: float, burst: int) -> None:
    store = DynamoDbTenantStore(make_client("dynamodb", REGION, 2), table, threads=2)
    try:
        await store.put(TenantSettings(tenant, rate_limit=rate, burst=burst))
    finally:
        await store.close()


@pytest.mark.slow
def test_lambda_worker_reports_only_the_failed_records_of_a_batch(
    deployment: Deployment, sqs: SQSClient, dynamodb: DynamoDBClient
) -> None:
    # GIVEN one second of budget per invocation and 10 ms of work per character,
    deployment.configure(TENANTLOG_PROCESSING_DELAY_PER_CHAR="0.01")
    context = FakeLambdaContext(remaining_ms=int((worker_handler.SAFETY_MARGIN + 1) * 1000))
    # AND a batch of a short log, a log too long for the budget, and an undecodable body
    ingest(
        deployment,
        json.dumps({"tenant_id": "acme", "log_id": "short", "text": "User 555-0199 here"}),
    )
    ingest(deployment, json.dumps({"tenant_id": "acme", "log_id": "long", "text": "x" * 400}))
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
    ingest(deployment)
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


def test_lambda_ingest_authenticates_against_the_keys_table(
    deployment: Deployment, dynamodb: DynamoDBClient
) -> None:
    # GIVEN the ingest function with its default (keys), a tenant key and a cache of 0 s
    deployment.configure(TENANTLOG_KEY_CACHE_SECONDS="0")
    key_id, secret = deployment.new_key("acme", "ingest")
    request = event("apigw_v2_ingest_json.json")
    mine = json.dumps({"log_id": "k1", "text": "hello"})
    # WHEN requests come without a key, with the key, naming another tenant, and after revocation
    anonymous = call(request, None, mine)
    good = call(request, secret, mine)
    foreign = call(request, secret, json.dumps({"tenant_id": "victim", "text": "x"}))
    deployment.revoke(key_id)
    revoked = call(request, secret, mine)
    # THEN only the key's own tenant is written, and only while the key is valid
    assert anonymous[:2] == (401, {"error": "missing or invalid API key"})
    assert anonymous[2]["www-authenticate"].startswith("Bearer")
    assert good[:2] == (202, {"status": "enqueued", "tenant_id": "acme", "log_id": "k1"})
    assert foreign[:2] == (403, {"error": "this API key may not write to tenant 'victim'"})
    assert revoked[0] == 401
    # AND the key's last use was written back to its table
    item = dynamodb.get_item(TableName=deployment.keys_table, Key={"key_id": {"S": key_id}})
    assert "last_used_at" in item["Item"]


def api_request(method: str, path: str) -> dict[str, Any]:
    """An API Gateway event for ``method path`` without a body."""
    request = copy.deepcopy(event("apigw_v2_ingest_json.json"))
    request.update(routeKey=f"{method} {path}", rawPath=path, body=None)
    request["requestContext"]["http"].update(method=method, path=path)
    request["requestContext"]["routeKey"] = f"{method} {path}"
    del request["headers"]["content-length"], request["headers"]["content-type"]
    return request


def test_lambda_erasure_deletes_a_tenants_logs_through_the_worker(
    deployment: Deployment, sqs: SQSClient, dynamodb: DynamoDBClient
) -> None:
    # GIVEN a stored log of the tenant
    ingest(deployment)
    assert deliver(sqs, deployment, FakeLambdaContext())[0] == []
    assert len(stored(dynamodb, deployment.table, "acme")) == 1
    # WHEN the tenant's logs are erased through the ingest function
    status, answer, headers = call(
        api_request("DELETE", "/tenants/acme/logs"), deployment.admin_secret
    )
    # THEN the answer is 202 and the log is no longer read, before any worker ran
    assert (status, answer["status"]) == (202, "erasing")
    location = headers["location"]
    status, page, _ = call(api_request("GET", "/tenants/acme/logs"), deployment.admin_secret)
    assert (status, page["items"]) == (200, [])
    # AND the worker function, given the erasure's message, deletes it from the table
    failed, batch = deliver(sqs, deployment, FakeLambdaContext())
    assert (failed, len(batch)) == ([], 1)
    assert stored(dynamodb, deployment.table, "acme") == []
    status, progress, _ = call(api_request("GET", location), deployment.admin_secret)
    assert (status, progress["status"], progress["records_deleted"]) == (200, "done", 1)
    # AND the same log sent again after the erasure is kept
    ingest(deployment)
    assert deliver(sqs, deployment, FakeLambdaContext())[0] == []
    assert len(stored(dynamodb, deployment.table, "acme")) == 1


def test_lambda_search_serves_filters_from_the_table_and_its_index(
    deployment: Deployment, sqs: SQSClient
) -> None:
    # GIVEN structured logs stored through both functions
    for log_id, minute, severity, service in [
        ("a", 1, "ERROR", "pay"),
        ("b", 2, "info", "pay"),
        ("c", 3, "Error", "auth"),
        ("d", 4, "error", "pay"),
    ]:
        body = {
            "tenant_id": "acme",
            "log_id": log_id,
            "text": "disk full",
            "timestamp": f"2024-03-01T12:0{minute}:00Z",
            "severity": severity,
            "attributes": {"service": service},
        }
        ingest(deployment, json.dumps(body))
    assert deliver(sqs, deployment, FakeLambdaContext())[0] == []

    def search(query: str) -> tuple[int, dict[str, Any]]:
        request = api_request("GET", "/tenants/acme/logs")
        request["rawQueryString"] = query
        status, answer, _ = call(request, deployment.admin_secret)
        return status, answer

    # WHEN a window is searched by severity and attribute, a page at a time
    status, page = search("since=2024-03-01T12:00:00Z&severity=error&attr.service=pay&limit=1")
    # THEN the newest match comes first, and its cursor leads to the next
    assert status == 200, page
    assert [r["log_id"] for r in page["items"]] == ["d"]
    status, page = search(
        "since=2024-03-01T12:00:00Z&severity=error&attr.service=pay&limit=1"
        f"&cursor={page['next_cursor']}"
    )
    assert (status, [r["log_id"] for r in page["items"]]) == (200, ["a"])
    # AND a filter in log_id order reads the table
    status, page = search("severity=ERROR")
    assert (status, [r["log_id"] for r in page["items"]]) == (200, ["a", "c", "d"])
    # AND text search is refused by name
    assert search("q=disk") == (400, {"error": "q is not supported on this backend"})


def receive_batch(sqs: SQSClient, deployment: Deployment, count: int) -> list[MessageTypeDef]:
    """Up to ``count`` messages, received 10 at a time as a mapping with a batching window
    gathers a batch larger than one ReceiveMessage returns."""
    messages: dict[str, MessageTypeDef] = {}
    while len(messages) < count:
        received = receive_ten(sqs, deployment)
        if not received:
            break
        messages.update((message["MessageId"], message) for message in received)
    return list(messages.values())


def invoke_worker(
    sqs: SQSClient, deployment: Deployment, messages: list[MessageTypeDef], context: Any
) -> list[str]:
    """The worker handler on one event of ``messages``; delete what it did not report failed."""
    arn = sqs.get_queue_attributes(QueueUrl=deployment.queue_url, AttributeNames=["QueueArn"])
    response = worker_handler.handler(sqs_event(messages, arn["Attributes"]["QueueArn"]), context)
    failed = [item["itemIdentifier"] for item in response["batchItemFailures"]]
    for message in messages:
        if message["MessageId"] not in failed:
            sqs.delete_message(
                QueueUrl=deployment.queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
    return failed


class InFlight:
    """Counts the records in ``Processor.process`` at once, around the real method."""

    def __init__(self) -> None:
        self.now = self.most = self.calls = 0

    def around(self, process: Any) -> Any:
        async def counted(delivery: Delivery, time_left: float | None = None) -> Outcome:
            self.now += 1
            self.calls += 1
            self.most = max(self.most, self.now)
            try:
                outcome: Outcome = await process(delivery, time_left)
                return outcome
            finally:
                self.now -= 1

        return counted


def test_lambda_worker_with_concurrent_records_reports_exactly_the_failed_ones(
    deployment: Deployment, sqs: SQSClient, dynamodb: DynamoDBClient
) -> None:
    # GIVEN a worker that processes 3 records of an invocation at once, 10 ms of work a
    # character and 5 s of budget, its processor counted
    deployment.configure(
        TENANTLOG_WORKER_RECORD_CONCURRENCY="3", TENANTLOG_PROCESSING_DELAY_PER_CHAR="0.01"
    )
    worker_handler._current = worker_handler.WorkerFunction.from_settings(load_settings())
    in_flight = InFlight()
    processor = worker_handler._current._processor
    deployment.monkeypatch.setattr(processor, "process", in_flight.around(processor.process))
    context = FakeLambdaContext(remaining_ms=int((worker_handler.SAFETY_MARGIN + 5) * 1000))
    # AND one batch of 12: nine short logs, two too long for the budget, one undecodable body
    short = [f"s{n}" for n in range(9)]
    for log_id in short:
        ingest(deployment, json.dumps({"tenant_id": "acme", "log_id": log_id, "text": "555-0199"}))
    for log_id in ("long1", "long2"):
        ingest(deployment, json.dumps({"tenant_id": "acme", "log_id": log_id, "text": "x" * 600}))
    sqs.send_message(QueueUrl=deployment.queue_url, MessageBody="not json")
    batch = receive_batch(sqs, deployment, 12)
    assert len(batch) == 12
    # (the short logs first, so that the first three to start are all still working)
    batch.sort(key=lambda m: not m["Body"].startswith('{"tenant_id":"acme","log_id":"s'))
    # WHEN the worker handler gets them as one event
    failed = invoke_worker(sqs, deployment, batch, context)
    # THEN exactly the two long logs are reported failed
    decodable = [m for m in batch if m["Body"] != "not json"]
    assert sorted(failed) == sorted(message_id_of(decodable, i) for i in ("long1", "long2"))
    # AND every short log is stored once, the undecodable body is dead-lettered
    stored_ids = sorted(item["log_id"]["S"] for item in stored(dynamodb, deployment.table, "acme"))
    assert stored_ids == short
    [dead] = sqs.receive_message(QueueUrl=deployment.dlq_url, WaitTimeSeconds=1)["Messages"]
    assert dead["Body"] == "not json"
    # AND all 12 were processed, never more than 3 at once, and 3 at once at some point
    assert (in_flight.calls, in_flight.most) == (12, 3)


def test_lambda_worker_reports_failed_what_it_had_no_time_to_start(
    deployment: Deployment, sqs: SQSClient, dynamodb: DynamoDBClient
) -> None:
    # GIVEN an invocation whose remaining time is already inside the safety margin
    deployment.configure(TENANTLOG_WORKER_RECORD_CONCURRENCY="2")
    for log_id in ("a", "b", "c"):
        ingest(deployment, json.dumps({"tenant_id": "acme", "log_id": log_id, "text": "hi"}))
    batch = receive_batch(sqs, deployment, 3)
    context = FakeLambdaContext(remaining_ms=int(worker_handler.SAFETY_MARGIN * 1000) - 1)
    # WHEN the worker handler gets the batch
    failed = invoke_worker(sqs, deployment, batch, context)
    # THEN none is started: all three are reported failed, none stored or dead-lettered,
    # and each is still on the queue, hidden until its visibility timeout
    assert sorted(failed) == sorted(m["MessageId"] for m in batch)
    assert stored(dynamodb, deployment.table, "acme") == []
    assert (
        sqs.receive_message(QueueUrl=deployment.dlq_url, WaitTimeSeconds=1).get("Messages") is None
    )
    attributes = sqs.get_queue_attributes(
        QueueUrl=deployment.queue_url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "3"
