"""What the DynamoDB key store, audit log and tenant settings do beyond their contracts: the
items, the requests IAM is written against (infra/iam.tf), and the faults they turn into
KeyStoreUnavailable / AuditUnavailable / TenantStoreUnavailable."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from tenantlog.audit.dynamodb import TRAIL, DynamoDbAuditLog, create_audit_table
from tenantlog.aws.clients import make_client
from tenantlog.core.audit import AuditEvent, AuditUnavailable
from tenantlog.core.cursor import InvalidCursor, encode_cursor
from tenantlog.core.keys import KeyStoreUnavailable
from tenantlog.core.tenants import TenantSettings, TenantStoreUnavailable
from tenantlog.idempotency.dynamodb import create_idempotency_table
from tenantlog.keys.dynamodb import DynamoDbKeyStore, create_keys_table
from tenantlog.ratelimit.dynamodb import create_rate_limits_table
from tenantlog.store.dynamodb import create_erasures_table
from tenantlog.store.dynamodb import create_table as create_logs_table
from tenantlog.tenants.dynamodb import DynamoDbTenantStore, create_tenants_table
from tenantlog.usage.dynamodb import create_usage_table
from tests.aws.conftest import CallLog
from tests.contract.identity_fixtures import make_key
from tests.infra.terraform_config import load
from tests.support.aws_emulator import REGION, create_table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

pytestmark = pytest.mark.anyio

AT = "2024-01-02T00:00:00.000Z"

OpenKeyStore = Callable[..., tuple[DynamoDbKeyStore, CallLog]]
OpenAuditLog = Callable[..., tuple[DynamoDbAuditLog, CallLog]]
OpenTenantStore = Callable[..., tuple[DynamoDbTenantStore, CallLog]]


@pytest.fixture
async def open_key_store(moto_server: str) -> AsyncIterator[OpenKeyStore]:
    """A DynamoDbKeyStore on a fresh table (or the named one), its API calls recorded."""
    made: list[DynamoDbKeyStore] = []

    def open_key_store(table: str | None = None) -> tuple[DynamoDbKeyStore, CallLog]:
        client = make_client("dynamodb", REGION, 8)
        log = CallLog(client)
        store = DynamoDbKeyStore(client, table or create_table(create_keys_table))
        made.append(store)
        return store, log

    yield open_key_store
    for store in made:
        await store.close()


@pytest.fixture
async def open_audit_log(moto_server: str) -> AsyncIterator[OpenAuditLog]:
    """A DynamoDbAuditLog on a fresh table (or the named one), its API calls recorded."""
    made: list[DynamoDbAuditLog] = []

    def open_audit_log(table: str | None = None) -> tuple[DynamoDbAuditLog, CallLog]:
        client = make_client("dynamodb", REGION, 4)
        log = CallLog(client)
        audit = DynamoDbAuditLog(client, table or create_table(create_audit_table))
        made.append(audit)
        return audit, log

    yield open_audit_log
    for audit in made:
        await audit.close()


@pytest.fixture
async def open_tenant_store(moto_server: str) -> AsyncIterator[OpenTenantStore]:
    """A DynamoDbTenantStore on a fresh table (or the named one), its API calls recorded."""
    made: list[DynamoDbTenantStore] = []

    def open_tenant_store(table: str | None = None) -> tuple[DynamoDbTenantStore, CallLog]:
        client = make_client("dynamodb", REGION, 8)
        log = CallLog(client)
        store = DynamoDbTenantStore(client, table or create_table(create_tenants_table))
        made.append(store)
        return store, log

    yield open_tenant_store
    for store in made:
        await store.close()


# ---- tables --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terraform_name", "create"),
    [
        ("keys", create_keys_table),
        ("audit", create_audit_table),
        ("idempotency", create_idempotency_table),
        ("tenants", create_tenants_table),
        ("rate_limits", create_rate_limits_table),
        ("usage", create_usage_table),
        ("logs", create_logs_table),
        ("erasures", create_erasures_table),
    ],
)
def test_dynamodb_identity_tables_match_terraform(
    dynamodb: DynamoDBClient, terraform_name: str, create: Callable[[DynamoDBClient, str], None]
) -> None:
    # GIVEN a table made as the tests and the bench make it
    described = dynamodb.describe_table(TableName=create_table(create))["Table"]
    # THEN infra/ declares the same keys, on demand
    table = load().resource("aws_dynamodb_table", terraform_name)
    schema = {key["KeyType"]: key["AttributeName"] for key in described["KeySchema"]}
    assert schema == {
        kind: table[attribute]
        for kind, attribute in (("HASH", "hash_key"), ("RANGE", "range_key"))
        if attribute in table
    }
    assert {
        (a["AttributeName"], a["AttributeType"]) for a in described["AttributeDefinitions"]
    } == {(a["name"], a["type"]) for a in table["attribute"]}
    assert described["BillingModeSummary"]["BillingMode"] == table["billing_mode"]
    # AND the same global secondary indexes (the usage table's by_day, the logs' by_event_time)
    indexes = {
        index["IndexName"]: (
            {key["KeyType"]: key["AttributeName"] for key in index["KeySchema"]},
            index["Projection"]["ProjectionType"],
        )
        for index in described.get("GlobalSecondaryIndexes", [])
    }
    assert indexes == {
        index["name"]: (
            {
                kind: index[attribute]
                for kind, attribute in (("HASH", "hash_key"), ("RANGE", "range_key"))
                if attribute in index
            },
            index["projection_type"],
        )
        for index in table.get("global_secondary_index", [])
    }


# ---- keys ----------------------------------------------------------------------------


async def test_dynamodb_key_item_holds_only_the_fields_that_are_set(
    open_key_store: OpenKeyStore, dynamodb: DynamoDBClient
) -> None:
    store, _ = open_key_store()
    key = make_key(scopes=frozenset({"read", "ingest"}))

    await store.add(key)

    item = dynamodb.get_item(TableName=store._table, Key={"key_id": {"S": key.key_id}})["Item"]
    assert set(item) == {"key_id", "tenant_id", "scopes", "secret_hash", "created_at"}
    assert item["scopes"] == {"L": [{"S": "ingest"}, {"S": "read"}]}
    assert item["secret_hash"] == {"S": key.secret_hash}


async def test_dynamodb_key_add_is_one_conditional_put(open_key_store: OpenKeyStore) -> None:
    store, log = open_key_store()

    await store.add(make_key())

    (put,) = log.named("PutItem")
    assert put["ConditionExpression"] == "attribute_not_exists(key_id)"
    assert log.operations == {"PutItem"}


async def test_dynamodb_key_get_reads_consistently(open_key_store: OpenKeyStore) -> None:
    store, log = open_key_store()

    assert await store.get("key0000000000001") is None

    (get,) = log.named("GetItem")
    assert get["ConsistentRead"] is True


async def test_dynamodb_key_touch_is_the_update_the_ingest_role_may_make(
    open_key_store: OpenKeyStore, dynamodb: DynamoDBClient
) -> None:
    # GIVEN a key
    store, log = open_key_store()
    key = make_key()
    await store.add(key)
    # WHEN it is touched
    await store.touch(key.key_id, AT)
    # THEN the one UpdateItem names only key_id and last_used_at and asks for nothing back,
    # as the IAM conditions on the ingest role require (dynamodb:Attributes, ReturnValues)
    (update,) = log.named("UpdateItem")
    assert update["Key"] == {"key_id": {"S": key.key_id}}
    assert update["UpdateExpression"] == "SET last_used_at = :at"
    assert update["ConditionExpression"] == "attribute_exists(key_id)"
    assert update["ReturnValues"] == "NONE"
    assert "ExpressionAttributeNames" not in update
    item = dynamodb.get_item(TableName=store._table, Key={"key_id": {"S": key.key_id}})["Item"]
    assert item["last_used_at"] == {"S": AT}
    assert await store.get(key.key_id) == replace(key, last_used_at=AT)


async def test_dynamodb_key_list_scans_every_page(
    open_key_store: OpenKeyStore, dynamodb: DynamoDBClient
) -> None:
    # GIVEN more keys than one 1 MB Scan page holds (padded with a long name)
    store, log = open_key_store()
    keys = [replace(make_key(f"key{n:013d}"), name="x" * 100_000) for n in range(12)]
    for key in keys:
        await store.add(key)
    # WHEN they are listed
    listed = await store.list()
    # THEN several Scans gathered all of them, in order
    assert listed == keys
    assert len(log.named("Scan")) > 1
    assert all(scan["ConsistentRead"] is True for scan in log.named("Scan"))


async def test_dynamodb_key_store_missing_table_is_unavailable(
    open_key_store: OpenKeyStore,
) -> None:
    store, _ = open_key_store("missing")

    with pytest.raises(KeyStoreUnavailable):
        await store.add(make_key())
    with pytest.raises(KeyStoreUnavailable):
        await store.get("key0000000000001")
    with pytest.raises(KeyStoreUnavailable):
        await store.list()
    with pytest.raises(KeyStoreUnavailable):
        await store.revoke("key0000000000001", AT)
    with pytest.raises(KeyStoreUnavailable):
        await store.touch("key0000000000001", AT)


async def test_dynamodb_key_store_closed_is_unavailable(open_key_store: OpenKeyStore) -> None:
    store, _ = open_key_store()
    await store.close()

    with pytest.raises(KeyStoreUnavailable):
        await store.get("key0000000000001")


# ---- audit ---------------------------------------------------------------------------


async def test_dynamodb_audit_item_is_in_the_one_trail_partition(
    open_audit_log: OpenAuditLog, dynamodb: DynamoDBClient
) -> None:
    audit, _ = open_audit_log()
    event = AuditEvent("key.create", "cli:ops", "acme", {"key_id": "key0000000000001"})

    await audit.record(event)

    item = dynamodb.get_item(
        TableName=audit._table,
        Key={"trail": {"S": TRAIL}, "event_id": {"S": event.event_id}},
    )["Item"]
    assert item["detail"] == {"M": {"key_id": {"S": "key0000000000001"}}}
    assert {name: value["S"] for name, value in item.items() if "S" in value} == {
        "trail": "audit",
        "event_id": event.event_id,
        "at": event.at,
        "actor": "cli:ops",
        "action": "key.create",
        "tenant_id": "acme",
    }


async def test_dynamodb_audit_list_queries_the_trail_newest_first(
    open_audit_log: OpenAuditLog,
) -> None:
    # GIVEN three events
    audit, log = open_audit_log()
    for n in range(3):
        await audit.record(AuditEvent("key.create", "cli:ops", "acme", {"n": str(n)}))
    # WHEN two pages are read
    first = await audit.list(2)
    await audit.list(2, first.next_cursor)
    # THEN each page is consistent Queries on the one partition, backwards, never a Scan
    queries = log.named("Query")
    assert log.operations == {"PutItem", "Query"}
    assert all(q["ScanIndexForward"] is False and q["ConsistentRead"] is True for q in queries)
    assert all(q["ExpressionAttributeValues"] == {":trail": {"S": "audit"}} for q in queries)
    assert queries[-1]["ExclusiveStartKey"]["event_id"] == {"S": first.events[-1].event_id}


async def test_dynamodb_audit_refuses_a_cursor_no_sort_key_can_match(
    open_audit_log: OpenAuditLog,
) -> None:
    audit, log = open_audit_log()

    with pytest.raises(InvalidCursor):
        await audit.list(10, encode_cursor("x" * 1025))
    assert log.calls == []


async def test_dynamodb_audit_log_missing_table_is_unavailable(
    open_audit_log: OpenAuditLog,
) -> None:
    audit, _ = open_audit_log("missing")

    with pytest.raises(AuditUnavailable):
        await audit.record(AuditEvent("key.create", "cli:ops", "acme"))
    with pytest.raises(AuditUnavailable):
        await audit.list(10)


async def test_dynamodb_audit_log_closed_is_unavailable(open_audit_log: OpenAuditLog) -> None:
    audit, _ = open_audit_log()
    await audit.close()

    with pytest.raises(AuditUnavailable):
        await audit.record(AuditEvent("key.create", "cli:ops", "acme"))


# ---- tenant settings -----------------------------------------------------------------


async def test_dynamodb_tenant_item_holds_only_the_settings_that_are_set(
    open_tenant_store: OpenTenantStore, dynamodb: DynamoDBClient
) -> None:
    store, _ = open_tenant_store()

    await store.put(
        TenantSettings(
            "acme", rate_limit=2.5, burst=500, redaction_detectors=("phone",), updated_at=AT
        )
    )

    item = dynamodb.get_item(TableName=store._table, Key={"tenant_id": {"S": "acme"}})["Item"]
    assert item == {
        "tenant_id": {"S": "acme"},
        "rate_limit": {"N": "2.5"},
        "burst": {"N": "500"},
        "redaction_detectors": {"L": [{"S": "phone"}]},
        "updated_at": {"S": AT},
    }


async def test_dynamodb_tenant_item_types_of_the_other_settings(
    open_tenant_store: OpenTenantStore, dynamodb: DynamoDBClient
) -> None:
    store, _ = open_tenant_store()

    await store.put(
        TenantSettings(
            "acme",
            retention_days=0,
            store_original=False,
            redaction_detectors=(),
            redaction_style="typed",
        )
    )

    item = dynamodb.get_item(TableName=store._table, Key={"tenant_id": {"S": "acme"}})["Item"]
    assert item == {
        "tenant_id": {"S": "acme"},
        "retention_days": {"N": "0"},
        "store_original": {"BOOL": False},
        "redaction_detectors": {"L": []},
        "redaction_style": {"S": "typed"},
    }


async def test_dynamodb_tenant_get_is_the_one_consistent_get_item_the_functions_may_make(
    open_tenant_store: OpenTenantStore,
) -> None:
    # The ingest and worker roles may only GetItem on the tenants table (infra/iam.tf).
    store, log = open_tenant_store()

    assert await store.get("acme") is None

    (get,) = log.named("GetItem")
    assert get["Key"] == {"tenant_id": {"S": "acme"}}
    assert get["ConsistentRead"] is True
    assert log.operations == {"GetItem"}


async def test_dynamodb_tenant_list_scans_every_page(open_tenant_store: OpenTenantStore) -> None:
    # GIVEN more tenants than one 1 MB Scan page holds (padded with a long updated_at)
    store, log = open_tenant_store()
    settings = [
        TenantSettings(f"tenant-{n:02d}", burst=n + 1, updated_at="x" * 100_000) for n in range(12)
    ]
    for one in reversed(settings):
        await store.put(one)
    # WHEN they are listed
    listed = await store.list()
    # THEN several consistent Scans gathered all of them, in tenant order
    assert listed == settings
    assert len(log.named("Scan")) > 1
    assert all(scan["ConsistentRead"] is True for scan in log.named("Scan"))


async def test_dynamodb_tenant_item_edited_into_nonsense_is_unavailable(
    open_tenant_store: OpenTenantStore, dynamodb: DynamoDBClient
) -> None:
    # GIVEN items no `tenants set` could write: a burst of 0, a rate that is a string
    store, _ = open_tenant_store()
    dynamodb.put_item(
        TableName=store._table, Item={"tenant_id": {"S": "acme"}, "burst": {"N": "0"}}
    )
    dynamodb.put_item(
        TableName=store._table, Item={"tenant_id": {"S": "beta"}, "rate_limit": {"S": "fast"}}
    )
    # THEN reading them fails as the store being unavailable, naming the tenant
    with pytest.raises(TenantStoreUnavailable, match="'acme'"):
        await store.get("acme")
    with pytest.raises(TenantStoreUnavailable, match="'beta'"):
        await store.get("beta")
    with pytest.raises(TenantStoreUnavailable):
        await store.list()


async def test_dynamodb_tenant_store_missing_table_is_unavailable(
    open_tenant_store: OpenTenantStore,
) -> None:
    store, _ = open_tenant_store("missing")

    with pytest.raises(TenantStoreUnavailable):
        await store.get("acme")
    with pytest.raises(TenantStoreUnavailable):
        await store.put(TenantSettings("acme", burst=1))
    with pytest.raises(TenantStoreUnavailable):
        await store.list()


async def test_dynamodb_tenant_store_closed_is_unavailable(
    open_tenant_store: OpenTenantStore,
) -> None:
    store, _ = open_tenant_store()
    await store.close()

    with pytest.raises(TenantStoreUnavailable):
        await store.get("acme")
