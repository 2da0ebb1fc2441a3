"""Tenant settings in a DynamoDB table of their own, one item per tenant, partition key
``tenant_id``.

Why this shape:

- The request path reads one tenant's settings at a time (on a miss of each
  process's ``TenantPolicies``, at most every few seconds per tenant): one
  GetItem by primary key, the only action infra/iam.tf grants the functions
  here. Consistent, so that a change is seen by the first read after it and
  ``tenants set`` never builds on a stale copy.
- Listing every tenant is an operator's action (``tenantlog tenants list``)
  over a table of one small item per tenant that chose something other
  than the defaults: a Scan costs little there and spares the table an index
  nothing else would use.
- A table of its own, not items in the logs table, so that IAM can let the
  functions read settings and nothing more; ``tenants set`` writes with the
  operator's credentials.

Item attributes: ``tenant_id`` (S), and only the settings that were set:
``rate_limit``, ``burst``, ``retention_days`` (N), ``store_original``
(BOOL), ``redaction_detectors`` (a List of Strings: unlike a String Set a
list may be empty, which means "redact nothing", and keeps its order),
``redaction_style`` (S), the tenant's own rules ``redaction_rules`` (a List of
Maps ``{name, pattern}``: a Map of rules would lose their order, which decides
between two rules matching at one place) and ``redaction_deny`` (a List of
Strings), ``write_shards`` (N) and the values it had before, ``past_write_shards``
(a List of Numbers, kept through resets: docs/write-sharding.md), and
``updated_at`` (S). An absent attribute is the default. At the
caps (core/tenants.py) the rules and deny list take about 232 KB of the
item's 400 KB. ``put`` replaces the whole item, so a setting reset to the default
disappears from it; ``put_if_unchanged`` does so only under a ConditionExpression on
``updated_at`` (``attribute_not_exists(tenant_id)`` for a tenant with no item), so a
change made from a stale read is refused instead of overwriting the one in between.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, Any

from tenantlog.aws.clients import Blocking
from tenantlog.core.tenants import (
    TenantSettings,
    TenantSettingsChanged,
    TenantStoreUnavailable,
    number_text,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        PutItemInputTypeDef,
        ScanInputTypeDef,
    )


class DynamoDbTenantStore:
    def __init__(self, client: DynamoDBClient, table_name: str, *, threads: int = 8) -> None:
        """``client`` should have ≥ ``threads`` pooled connections."""
        self._client = client
        self._table = table_name
        self._calls = Blocking(threads, "DynamoDB tenant settings", TenantStoreUnavailable)

    async def get(self, tenant_id: str) -> TenantSettings | None:
        response = await self._calls.run(
            partial(
                self._client.get_item,
                TableName=self._table,
                Key={"tenant_id": {"S": tenant_id}},
                ConsistentRead=True,
            )
        )
        item = response.get("Item")
        return None if item is None else from_item(item)

    async def put(self, settings: TenantSettings) -> None:
        await self._calls.run(
            partial(self._client.put_item, TableName=self._table, Item=to_item(settings))
        )

    async def put_if_unchanged(
        self, settings: TenantSettings, expected: TenantSettings | None
    ) -> None:
        request: PutItemInputTypeDef = {"TableName": self._table, "Item": to_item(settings)}
        if expected is None:
            request["ConditionExpression"] = "attribute_not_exists(tenant_id)"
        elif expected.updated_at is None:
            request["ConditionExpression"] = (
                "attribute_exists(tenant_id) AND attribute_not_exists(updated_at)"
            )
        else:
            request["ConditionExpression"] = "updated_at = :read"
            request["ExpressionAttributeValues"] = {":read": {"S": expected.updated_at}}
        if await self._calls.run_conditional(partial(self._client.put_item, **request)) is None:
            raise TenantSettingsChanged(
                f"the settings of tenant {settings.tenant_id!r} changed since they were read"
            )

    async def list(self) -> list[TenantSettings]:
        scan: ScanInputTypeDef = {"TableName": self._table, "ConsistentRead": True}
        found: list[TenantSettings] = []
        while True:
            response = await self._calls.run(partial(self._client.scan, **scan))
            found += [from_item(item) for item in response.get("Items", [])]
            last = response.get("LastEvaluatedKey")
            if not last:
                return sorted(found, key=lambda settings: settings.tenant_id)
            scan["ExclusiveStartKey"] = last

    async def close(self) -> None:
        await asyncio.to_thread(self._calls.shutdown, wait=True, cancel_pending=False)
        self._client.close()


def to_item(settings: TenantSettings) -> dict[str, AttributeValueTypeDef]:
    item: dict[str, AttributeValueTypeDef] = {"tenant_id": {"S": settings.tenant_id}}
    if settings.rate_limit is not None:
        item["rate_limit"] = {"N": number_text(settings.rate_limit)}
    if settings.burst is not None:
        item["burst"] = {"N": str(settings.burst)}
    if settings.retention_days is not None:
        item["retention_days"] = {"N": str(settings.retention_days)}
    if settings.store_original is not None:
        item["store_original"] = {"BOOL": settings.store_original}
    if settings.redaction_detectors is not None:
        item["redaction_detectors"] = {"L": [{"S": name} for name in settings.redaction_detectors]}
    if settings.redaction_style is not None:
        item["redaction_style"] = {"S": settings.redaction_style}
    if settings.redaction_rules is not None:
        item["redaction_rules"] = {
            "L": [
                {"M": {"name": {"S": name}, "pattern": {"S": pattern}}}
                for name, pattern in settings.redaction_rules
            ]
        }
    if settings.redaction_deny is not None:
        item["redaction_deny"] = {"L": [{"S": entry} for entry in settings.redaction_deny]}
    if settings.write_shards is not None:
        item["write_shards"] = {"N": str(settings.write_shards)}
    if settings.past_write_shards is not None:
        item["past_write_shards"] = {"L": [{"N": str(n)} for n in settings.past_write_shards]}
    if settings.updated_at is not None:
        item["updated_at"] = {"S": settings.updated_at}
    return item


def from_item(item: Mapping[str, Any]) -> TenantSettings:
    """The settings of an item, or TenantStoreUnavailable for one ``to_item`` could not
    have made (edited by hand): the policy cache then keeps what it knew."""
    try:
        data: dict[str, Any] = {"tenant_id": item["tenant_id"]["S"]}
        if "rate_limit" in item:
            data["rate_limit"] = float(item["rate_limit"]["N"])
        for name in ("burst", "retention_days", "write_shards"):
            if name in item:
                data[name] = int(item[name]["N"])
        if "store_original" in item:
            data["store_original"] = item["store_original"]["BOOL"]
        if "redaction_detectors" in item:
            data["redaction_detectors"] = [v["S"] for v in item["redaction_detectors"]["L"]]
        if "redaction_rules" in item:
            data["redaction_rules"] = [
                (rule["M"]["name"]["S"], rule["M"]["pattern"]["S"])
                for rule in item["redaction_rules"]["L"]
            ]
        if "redaction_deny" in item:
            data["redaction_deny"] = [v["S"] for v in item["redaction_deny"]["L"]]
        if "past_write_shards" in item:
            data["past_write_shards"] = [int(v["N"]) for v in item["past_write_shards"]["L"]]
        for name in ("redaction_style", "updated_at"):
            if name in item:
                data[name] = item[name]["S"]
        return TenantSettings.from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        tenant = item.get("tenant_id", {}).get("S", "?")
        raise TenantStoreUnavailable(
            f"the stored settings of tenant {tenant!r} cannot be read: {exc!r}"
        ) from exc


def create_tenants_table(client: DynamoDBClient, name: str) -> None:
    """Create a tenant settings table, for emulators, tests and the bench.

    Production tables come from infra/dynamodb.tf, which declares the same key.
    """
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "tenant_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "tenant_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
