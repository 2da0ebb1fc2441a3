"""API keys in a DynamoDB table of their own, one item per key, partition key ``key_id``.

Why this shape:

- A secret carries its key id (``tenantlog.core.keys``), so verifying a
  request that misses the in-memory cache is one consistent GetItem by
  primary key: no index, no Scan on the hot path, and a revocation is seen
  by the first lookup after it.
- A table of its own, not items in the logs table, so that IAM can treat
  keys apart: the ingest function may read keys and update only a key's
  ``last_used_at`` (``touch`` is an UpdateItem naming just that attribute,
  with ``ReturnValues`` NONE, which is what infra/iam.tf's conditions
  allow). Creating, listing and revoking keys is the operator's CLI, with
  the operator's own credentials.

Item attributes: ``key_id``, ``tenant_id``, ``secret_hash``, ``created_at``
(strings), ``scopes`` (a List of Strings, sorted: unlike a String Set a list
may be empty, so every ApiKey round-trips, and it reads the same as the
other backends' JSON), and ``name``, ``expires_at``, ``revoked_at``,
``last_used_at`` only when set (an absent attribute is None).
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, Any

from tenantlog.aws.clients import Blocking
from tenantlog.core.keys import ApiKey, DuplicateKey, KeyStoreUnavailable, sort_keys

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, ScanInputTypeDef

_OPTIONAL = ("name", "expires_at", "revoked_at", "last_used_at")


class DynamoDbKeyStore:
    def __init__(self, client: DynamoDBClient, table_name: str, *, threads: int = 8) -> None:
        """``client`` should have ≥ ``threads`` pooled connections."""
        self._client = client
        self._table = table_name
        self._calls = Blocking(threads, "DynamoDB keys", KeyStoreUnavailable)

    async def add(self, key: ApiKey) -> None:
        added = await self._calls.run_conditional(
            partial(
                self._client.put_item,
                TableName=self._table,
                Item=to_item(key),
                ConditionExpression="attribute_not_exists(key_id)",
            )
        )
        if added is None:
            raise DuplicateKey(f"key {key.key_id} exists already")

    async def get(self, key_id: str) -> ApiKey | None:
        # Consistent: a key revoked a moment ago must not verify on a cache miss.
        response = await self._calls.run(
            partial(
                self._client.get_item,
                TableName=self._table,
                Key={"key_id": {"S": key_id}},
                ConsistentRead=True,
            )
        )
        item = response.get("Item")
        return None if item is None else from_item(item)

    async def list(self, tenant_id: str | None = None) -> list[ApiKey]:
        """Every key (or one tenant's) by a full Scan.

        Keys are few (a handful per tenant) and listing them is an operator's
        action, so a Scan costs little and spares the table an index that
        the request path would never use. Consistent, so that a key just
        created or revoked shows as such.
        """
        scan: ScanInputTypeDef = {"TableName": self._table, "ConsistentRead": True}
        if tenant_id is not None:
            scan["FilterExpression"] = "tenant_id = :t"
            scan["ExpressionAttributeValues"] = {":t": {"S": tenant_id}}
        keys: list[ApiKey] = []
        while True:
            response = await self._calls.run(partial(self._client.scan, **scan))
            keys += [from_item(item) for item in response.get("Items", [])]
            last = response.get("LastEvaluatedKey")
            if not last:
                return sort_keys(keys)
            scan["ExclusiveStartKey"] = last

    async def revoke(self, key_id: str, at: str) -> ApiKey | None:
        # if_not_exists keeps the first revocation time when a key is revoked twice;
        # the condition stops UpdateItem from creating an item for an unknown id.
        response = await self._calls.run_conditional(
            partial(
                self._client.update_item,
                TableName=self._table,
                Key={"key_id": {"S": key_id}},
                UpdateExpression="SET revoked_at = if_not_exists(revoked_at, :at)",
                ConditionExpression="attribute_exists(key_id)",
                ExpressionAttributeValues={":at": {"S": at}},
                ReturnValues="ALL_NEW",
            )
        )
        return None if response is None else from_item(response["Attributes"])

    async def touch(self, key_id: str, at: str) -> None:
        # The exact request infra/iam.tf lets the ingest function make: it names only
        # key_id and last_used_at, and returns nothing (ReturnValues NONE, sent explicitly).
        # A failed condition: a key deleted between its check and its touch, nothing to record.
        await self._calls.run_conditional(
            partial(
                self._client.update_item,
                TableName=self._table,
                Key={"key_id": {"S": key_id}},
                UpdateExpression="SET last_used_at = :at",
                ConditionExpression="attribute_exists(key_id)",
                ExpressionAttributeValues={":at": {"S": at}},
                ReturnValues="NONE",
            )
        )

    async def close(self) -> None:
        await asyncio.to_thread(self._calls.shutdown, wait=True, cancel_pending=False)
        self._client.close()


def to_item(key: ApiKey) -> dict[str, AttributeValueTypeDef]:
    item: dict[str, AttributeValueTypeDef] = {
        "key_id": {"S": key.key_id},
        "tenant_id": {"S": key.tenant_id},
        "scopes": {"L": [{"S": scope} for scope in sorted(key.scopes)]},
        "secret_hash": {"S": key.secret_hash},
        "created_at": {"S": key.created_at},
    }
    for name in _OPTIONAL:
        value = getattr(key, name)
        if value is not None:
            item[name] = {"S": value}
    return item


def from_item(item: Mapping[str, Any]) -> ApiKey:
    def text(name: str) -> str | None:
        value = item.get(name)
        return None if value is None else str(value["S"])

    return ApiKey(
        key_id=str(item["key_id"]["S"]),
        tenant_id=str(item["tenant_id"]["S"]),
        scopes=frozenset(str(scope["S"]) for scope in item["scopes"]["L"]),
        secret_hash=str(item["secret_hash"]["S"]),
        created_at=str(item["created_at"]["S"]),
        name=text("name"),
        expires_at=text("expires_at"),
        revoked_at=text("revoked_at"),
        last_used_at=text("last_used_at"),
    )


def create_keys_table(client: DynamoDBClient, name: str) -> None:
    """Create a keys table, for emulators, tests and the bench.

    Production tables come from infra/dynamodb.tf, which declares the same key.
    """
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "key_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "key_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
