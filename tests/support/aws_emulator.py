"""A local AWS (moto's server mode) for tests, and fresh SQS queues and DynamoDB tables on it.

Real boto3 calls over HTTP to a real server: the aws backend is tested as it
runs, endpoint resolution included. The server is one per test session,
started lazily by the first helper that needs it (so the contract tests'
conftest need not know about it) and stopped at exit. Starting it points
boto3 at it for the whole process through ``AWS_ENDPOINT_URL`` and fake
credentials, which is exactly how a user points tenantlog at an emulator.
"""

from __future__ import annotations

import atexit
import functools
import json
import logging
import os
import threading
import uuid
from typing import TYPE_CHECKING

import boto3
from moto.dynamodb.models import DynamoDBBackend
from moto.server import ThreadedMotoServer

from tenantlog.audit.dynamodb import DynamoDbAuditLog, create_audit_table
from tenantlog.aws.clients import make_client
from tenantlog.idempotency.dynamodb import DynamoDbIdempotencyKeys, create_idempotency_table
from tenantlog.keys.dynamodb import DynamoDbKeyStore, create_keys_table
from tenantlog.queue.sqs import SqsQueue
from tenantlog.ratelimit.dynamodb import DynamoDbBuckets, create_rate_limits_table
from tenantlog.store.dynamodb import DynamoDbStore
from tenantlog.store.dynamodb import create_table as create_dynamodb_table
from tenantlog.tenants.dynamodb import DynamoDbTenantStore, create_tenants_table
from tenantlog.usage.dynamodb import DynamoDbUsageStore, create_usage_table

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

REGION = "us-east-1"
FAKE_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    # AWS_DEFAULT_REGION, not AWS_REGION: the latter is a tenantlog setting, and
    # tests of the settings' defaults must not see it change under them.
    "AWS_DEFAULT_REGION": REGION,
}

_lock = threading.Lock()
_endpoint: str | None = None


#: DynamoDB applies each write to an item atomically: a conditional update's
#: condition and its change are one step. moto's server answers requests on
#: many threads and checks a condition, then writes, with no lock between, so
#: under load two refills of one new rate-limit bucket could both pass their
#: condition. The emulator serialises its item writes to keep DynamoDB's
#: guarantee that the backends rely on (reads stay concurrent).
_ITEM_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")
_item_writes_lock = threading.RLock()


def _serialise_item_writes() -> None:
    for name in _ITEM_WRITES:
        write = getattr(DynamoDBBackend, name)

        @functools.wraps(write)
        def serialised(
            *args: object, _write: Callable[..., object] = write, **kwargs: object
        ) -> object:
            with _item_writes_lock:
                return _write(*args, **kwargs)

        setattr(DynamoDBBackend, name, serialised)


def emulator_endpoint() -> str:
    """The URL of the session's moto server, starting it (and pointing boto3 at it) once."""
    global _endpoint
    with _lock:
        if _endpoint is None:
            # moto logs every request through werkzeug; keep test output for failures.
            logging.getLogger("werkzeug").setLevel(logging.ERROR)
            _serialise_item_writes()
            server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            server.start()
            atexit.register(server.stop)
            host, port = server.get_host_and_port()
            _endpoint = f"http://{host}:{port}"
            os.environ.update(FAKE_ENVIRONMENT)
            os.environ["AWS_ENDPOINT_URL"] = _endpoint
        return _endpoint


def sqs_client() -> SQSClient:
    """A plain client for arranging and inspecting queues behind the backend's back."""
    emulator_endpoint()
    return boto3.session.Session().client("sqs", region_name=REGION)


def dynamodb_client() -> DynamoDBClient:
    emulator_endpoint()
    return boto3.session.Session().client("dynamodb", region_name=REGION)


def create_queues(*, visibility_timeout: int, max_receive_count: int) -> tuple[str, str]:
    """A fresh, uniquely named main queue and its DLQ (via RedrivePolicy): their URLs."""
    client = sqs_client()
    name = f"tenantlog-{uuid.uuid4().hex[:12]}"
    try:
        dlq_url = client.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        policy = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count}
        url = client.create_queue(
            QueueName=name,
            Attributes={
                "VisibilityTimeout": str(visibility_timeout),
                "RedrivePolicy": json.dumps(policy),
            },
        )["QueueUrl"]
    finally:
        client.close()
    return url, dlq_url


def create_table(create: Callable[[DynamoDBClient, str], None] = create_dynamodb_table) -> str:
    """A fresh, uniquely named table made by ``create``: by default the logs table with
    tenantlog's key schema (DESIGN §7); another (keys, audit trail, ...) when given."""
    client = dynamodb_client()
    name = f"tenantlog-{uuid.uuid4().hex[:12]}"
    try:
        create(client, name)
    finally:
        client.close()
    return name


async def make_sqs_queue(*, visibility_timeout: int, max_receive_count: int) -> SqsQueue:
    """An SqsQueue on fresh queues.

    Its DLQ is found through the RedrivePolicy, as in production when
    TENANTLOG_SQS_DLQ_URL is unset.
    """
    url, _ = create_queues(
        visibility_timeout=visibility_timeout, max_receive_count=max_receive_count
    )
    return SqsQueue(
        make_client("sqs", REGION, 48),
        url,
        visibility_timeout=visibility_timeout,
        max_receive_count=max_receive_count,
    )


async def make_dynamodb_store() -> DynamoDbStore:
    table = create_table()  # first: it starts the emulator the client resolves against
    return DynamoDbStore(make_client("dynamodb", REGION, 32), table)


async def make_dynamodb_key_store() -> DynamoDbKeyStore:
    # The table first: making it starts the emulator, which the client's endpoint and
    # credentials are resolved against.
    table = create_table(create_keys_table)
    return DynamoDbKeyStore(make_client("dynamodb", REGION, 8), table)


async def make_dynamodb_audit_log() -> DynamoDbAuditLog:
    table = create_table(create_audit_table)
    return DynamoDbAuditLog(make_client("dynamodb", REGION, 4), table)


async def make_dynamodb_idempotency_keys() -> DynamoDbIdempotencyKeys:
    table = create_table(create_idempotency_table)
    return DynamoDbIdempotencyKeys(make_client("dynamodb", REGION, 8), table)


async def make_dynamodb_buckets() -> DynamoDbBuckets:
    table = create_table(create_rate_limits_table)
    return DynamoDbBuckets(make_client("dynamodb", REGION, 8), table)


async def make_dynamodb_tenant_store() -> DynamoDbTenantStore:
    table = create_table(create_tenants_table)
    return DynamoDbTenantStore(make_client("dynamodb", REGION, 8), table)


async def make_dynamodb_usage_store() -> DynamoDbUsageStore:
    table = create_table(create_usage_table)
    return DynamoDbUsageStore(make_client("dynamodb", REGION, 8), table)
