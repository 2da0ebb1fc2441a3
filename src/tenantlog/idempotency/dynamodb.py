"""Idempotency keys in a DynamoDB table: partition key ``tenant_id``, sort key ``key``.

Every step is one conditional request, so two ingest functions racing for a
key cannot both own it:

- a claim is a PutItem on condition that the key is unknown or expired;
  when the condition fails DynamoDB returns the item that made it fail
  (``ReturnValuesOnConditionCheckFailure``), so no second read can race a
  release in between;
- taking over a pending key whose lease ran out is an UpdateItem on
  condition that it is still pending, for the same request, and still out
  of its lease;
- ``expires_at`` (Unix seconds) is the table's TTL attribute. DynamoDB
  deletes expired items only within a day or two, so an expired item is
  treated as absent by the claim's condition, not by waiting for TTL.

Per tenant, one partition: a tenant's keyed requests are spread over its
sort keys, and a request claims one key.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

from tenantlog.aws.clients import CONDITION_FAILED, Blocking, error_code
from tenantlog.core.idempotency import Claim, IdempotencyUnavailable, KeyRecord, decide_claim

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef


class DynamoDbIdempotencyKeys:
    def __init__(self, client: DynamoDBClient, table_name: str, *, threads: int = 8) -> None:
        """``client`` should have ≥ ``threads`` pooled connections."""
        self._client = client
        self._table = table_name
        self._calls = Blocking(threads, "DynamoDB idempotency keys", IdempotencyUnavailable)

    def _key(self, tenant_id: str, key: str) -> dict[str, AttributeValueTypeDef]:
        return {"tenant_id": {"S": tenant_id}, "key": {"S": key}}

    async def claim(self, tenant_id: str, key: str, proposed: KeyRecord, now: float) -> Claim:
        try:
            await self._calls.run(
                partial(
                    self._client.put_item,
                    TableName=self._table,
                    Item={**self._key(tenant_id, key), **_attributes(proposed)},
                    ConditionExpression="attribute_not_exists(tenant_id) OR expires_at <= :now",
                    ExpressionAttributeValues={":now": _number(now)},
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
            )
        except IdempotencyUnavailable as exc:
            if error_code(exc.__cause__) != CONDITION_FAILED:
                raise
            item = getattr(exc.__cause__, "response", {}).get("Item") or await self._get(
                tenant_id, key
            )
        else:
            return Claim(True, proposed)
        if item is None:  # released between the two calls: claim it afresh
            return await self.claim(tenant_id, key, proposed, now)
        existing = _record(item)
        owned, record = decide_claim(existing, proposed, now)
        if owned and not await self._take_over(tenant_id, key, record, now):
            return Claim(False, existing)  # another retry took it over first
        return Claim(owned, record)

    async def _get(self, tenant_id: str, key: str) -> Mapping[str, AttributeValueTypeDef] | None:
        """The item, for an emulator that does not return it with a failed condition."""
        response = await self._calls.run(
            partial(
                self._client.get_item,
                TableName=self._table,
                Key=self._key(tenant_id, key),
                ConsistentRead=True,
            )
        )
        return response.get("Item")

    async def _take_over(self, tenant_id: str, key: str, record: KeyRecord, now: float) -> bool:
        taken = await self._calls.run_conditional(
            partial(
                self._client.update_item,
                TableName=self._table,
                Key=self._key(tenant_id, key),
                UpdateExpression="SET lease_until = :lease",
                ConditionExpression="done = :false AND fingerprint = :fp AND lease_until <= :now",
                ExpressionAttributeValues={
                    ":lease": _number(record.lease_until),
                    ":false": {"BOOL": False},
                    ":fp": {"S": record.fingerprint},
                    ":now": _number(now),
                },
            )
        )
        return taken is not None

    async def complete(self, tenant_id: str, key: str) -> None:
        # A failed condition means the key was released meanwhile: nothing to mark.
        await self._calls.run_conditional(
            partial(
                self._client.update_item,
                TableName=self._table,
                Key=self._key(tenant_id, key),
                UpdateExpression="SET done = :true",
                ConditionExpression="attribute_exists(tenant_id)",
                ExpressionAttributeValues={":true": {"BOOL": True}},
            )
        )

    async def release(self, tenant_id: str, key: str, fingerprint: str) -> None:
        # A failed condition means the key is done, or another request's: it stays.
        await self._calls.run_conditional(
            partial(
                self._client.delete_item,
                TableName=self._table,
                Key=self._key(tenant_id, key),
                ConditionExpression="done = :false AND fingerprint = :fp",
                ExpressionAttributeValues={
                    ":false": {"BOOL": False},
                    ":fp": {"S": fingerprint},
                },
            )
        )

    async def close(self) -> None:
        await asyncio.to_thread(self._calls.shutdown, wait=True, cancel_pending=False)
        self._client.close()


def _number(value: float) -> AttributeValueTypeDef:
    return {"N": repr(round(value, 3))}


def _attributes(record: KeyRecord) -> dict[str, AttributeValueTypeDef]:
    return {
        "fingerprint": {"S": record.fingerprint},
        "first_attempt_ms": {"N": str(record.first_attempt_ms)},
        "done": {"BOOL": record.done},
        "lease_until": _number(record.lease_until),
        # The TTL attribute: DynamoDB reads it as whole Unix seconds.
        "expires_at": {"N": str(int(record.expires_at))},
    }


def _record(item: Mapping[str, AttributeValueTypeDef]) -> KeyRecord:
    return KeyRecord(
        fingerprint=item["fingerprint"]["S"],
        first_attempt_ms=int(item["first_attempt_ms"]["N"]),
        done=item["done"]["BOOL"],
        lease_until=float(item["lease_until"]["N"]),
        expires_at=float(item["expires_at"]["N"]),
    )


def create_idempotency_table(client: DynamoDBClient, name: str) -> None:
    """Create an idempotency table, for emulators, tests and the bench.

    Production tables come from infra/dynamodb.tf, which declares the same key and TTL.
    """
    client.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "tenant_id", "KeyType": "HASH"},
            {"AttributeName": "key", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "tenant_id", "AttributeType": "S"},
            {"AttributeName": "key", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
