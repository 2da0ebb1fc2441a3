"""The audit trail in a DynamoDB table: partition key ``trail``, sort key ``event_id``.

Every event goes into one partition, ``trail = "audit"``, sorted by its
UUIDv7 ``event_id``, that is by time. Audit writes are rare (key creation
and revocation, reads of unredacted text), so one partition's 1,000 writes
a second are plenty, and in exchange the newest-first listing is a single
Query in sort-key order with no index and no Scan. Should reads of
``original_text`` ever come near that rate, the trail would need write
sharding (``audit#0`` … ``audit#N``) and a merge of the shards on read.

Item attributes: ``trail``, ``event_id``, ``at``, ``actor``, ``action``,
``tenant_id`` (strings) and ``detail`` (a Map of Strings).
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, Any

from tenantlog.aws.clients import Blocking
from tenantlog.core.audit import MAX_AUDIT_PAGE, AuditEvent, AuditPage, AuditUnavailable
from tenantlog.core.cursor import InvalidCursor, decode_cursor, encode_cursor

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, QueryInputTypeDef

#: The partition key value of every event.
TRAIL = "audit"
#: DynamoDB's limit on a sort key value; a longer cursor cannot be one we issued.
MAX_SORT_KEY_BYTES = 1024


class DynamoDbAuditLog:
    def __init__(self, client: DynamoDBClient, table_name: str, *, threads: int = 4) -> None:
        """``client`` should have ≥ ``threads`` pooled connections."""
        self._client = client
        self._table = table_name
        self._calls = Blocking(threads, "DynamoDB audit", AuditUnavailable)

    async def record(self, event: AuditEvent) -> None:
        # Unconditional: event ids are unique, and a PutItem that botocore retries
        # after a lost response then writes the same item again instead of failing.
        await self._calls.run(
            partial(self._client.put_item, TableName=self._table, Item=to_item(event))
        )

    async def list(self, limit: int, cursor: str | None = None) -> AuditPage:
        limit = max(1, min(limit, MAX_AUDIT_PAGE))
        query: QueryInputTypeDef = {
            "TableName": self._table,
            "KeyConditionExpression": "trail = :trail",
            "ExpressionAttributeValues": {":trail": {"S": TRAIL}},
            "ScanIndexForward": False,
            # An admin who just revoked a key finds that in the trail at once.
            "ConsistentRead": True,
        }
        if cursor is not None:
            after = decode_cursor(cursor)
            if len(after.encode()) > MAX_SORT_KEY_BYTES:
                raise InvalidCursor("invalid cursor")
            query["ExclusiveStartKey"] = {"trail": {"S": TRAIL}, "event_id": {"S": after}}
        events: list[AuditEvent] = []
        # One more than asked, to know whether a next page exists. A Query page
        # stops at 1 MB, so it may take several to gather them.
        while len(events) <= limit:
            query["Limit"] = limit + 1 - len(events)
            response = await self._calls.run(partial(self._client.query, **query))
            events += [from_item(item) for item in response.get("Items", [])]
            last = response.get("LastEvaluatedKey")
            if not last:
                break
            query["ExclusiveStartKey"] = last
        if len(events) > limit:
            return AuditPage(events[:limit], encode_cursor(events[limit - 1].event_id))
        return AuditPage(events, None)

    async def close(self) -> None:
        await asyncio.to_thread(self._calls.shutdown, wait=True, cancel_pending=False)
        self._client.close()


def to_item(event: AuditEvent) -> dict[str, AttributeValueTypeDef]:
    return {
        "trail": {"S": TRAIL},
        "event_id": {"S": event.event_id},
        "at": {"S": event.at},
        "actor": {"S": event.actor},
        "action": {"S": event.action},
        "tenant_id": {"S": event.tenant_id},
        "detail": {"M": {name: {"S": value} for name, value in event.detail.items()}},
    }


def from_item(item: Mapping[str, Any]) -> AuditEvent:
    detail = item.get("detail", {}).get("M", {})
    return AuditEvent(
        event_id=str(item["event_id"]["S"]),
        at=str(item["at"]["S"]),
        actor=str(item["actor"]["S"]),
        action=str(item["action"]["S"]),
        tenant_id=str(item["tenant_id"]["S"]),
        detail={str(name): str(value["S"]) for name, value in detail.items()},
    )


def create_audit_table(client: DynamoDBClient, name: str) -> None:
    """Create an audit table, for emulators, tests and the bench.

    Production tables come from infra/dynamodb.tf, which declares the same keys.
    """
    client.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "trail", "KeyType": "HASH"},
            {"AttributeName": "event_id", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "trail", "AttributeType": "S"},
            {"AttributeName": "event_id", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
