"""Usage counts in a DynamoDB table of their own: one item per (tenant, UTC day), partition
key ``tenant_id``, sort key ``day`` (``YYYY-MM-DD``), one Number attribute per count.

Why this shape:

- A flush adds to an item with one UpdateItem ``ADD``: an increment, created
  on first use, so that every ingest and worker instance adds its own counts
  without reading the item first and without losing another's. Only the
  non-zero counts are named; an absent attribute reads as 0.
- A tenant's last N days are one Query on its partition (``GET
  /tenants/{t}/usage``), consistent, so that a flush is seen by the next read.
- Every tenant's days (``GET /tenants``, ``tenants usage`` without a tenant)
  come from the global secondary index ``by_day`` (partition key ``day``,
  sort key ``tenant_id``, keys only): one Query per day of the window finds
  who had activity, and BatchGetItem reads their counts. No Scan, whose cost
  would grow with every day ever recorded. A keys-only index is written only
  when an item is created (an ``ADD`` changes no key), so it costs one more
  write per tenant and day, not one per flush.
- The service's minute buckets (the console's rates of the last hour) are
  items of the same table under the tenant ``SERVICE`` (``*``, which no tenant
  id can be), the minute (``YYYY-MM-DDTHH:MM``) as their ``day``: the same
  ``ADD``, one Query for the hour. They carry ``expires_at``, the table's TTL
  attribute (a tenant's days have none and are kept). The index lists them
  under their minute, which no Query for a day ever asks for.
- A table of its own, so that IAM can let the functions add to counts and
  read them, and nothing else.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from tenantlog.aws.clients import Blocking
from tenantlog.core.usage import (
    FIELDS,
    MAX_DAYS,
    MINUTES_KEPT,
    SERVICE,
    Counts,
    DayUsage,
    MinuteUsage,
    UsageUnavailable,
    day_range,
    minute_start,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        KeysAndAttributesTypeDef,
        QueryInputTypeDef,
    )

#: The table's TTL attribute: epoch seconds after which DynamoDB deletes a minute bucket.
EXPIRES_AT = "expires_at"
#: The index of every tenant's items of one day.
BY_DAY = "by_day"
#: Keys one BatchGetItem may ask for.
BATCH_GET_KEYS = 100
#: Rounds of BatchGetItem for keys DynamoDB left unprocessed (throttling) before giving up.
BATCH_GET_ATTEMPTS = 5


class DynamoDbUsageStore:
    def __init__(self, client: DynamoDBClient, table_name: str, *, threads: int = 8) -> None:
        """``client`` should have ≥ ``threads`` pooled connections."""
        self._client = client
        self._table = table_name
        self._calls = Blocking(threads, "DynamoDB usage", UsageUnavailable)

    async def add(self, tenant_id: str, day: str, counts: Counts) -> None:
        await self._add(tenant_id, day, counts)

    async def add_minute(self, minute: str, counts: Counts) -> None:
        await self._add(SERVICE, minute, counts, expires_at=minute_start(minute) + MINUTES_KEPT)

    async def _add(
        self, tenant_id: str, day: str, counts: Counts, *, expires_at: float | None = None
    ) -> None:
        added = {name: value for name, value in counts.to_dict().items() if value}
        if not added:
            return
        update = "ADD " + ", ".join(f"#{name} :{name}" for name in added)
        names = {f"#{name}": name for name in added}
        values: dict[str, AttributeValueTypeDef] = {
            f":{name}": {"N": str(v)} for name, v in added.items()
        }
        if expires_at is not None:
            update += f" SET #{EXPIRES_AT} = :{EXPIRES_AT}"
            names[f"#{EXPIRES_AT}"] = EXPIRES_AT
            values[f":{EXPIRES_AT}"] = {"N": str(int(expires_at))}
        await self._calls.run(
            partial(
                self._client.update_item,
                TableName=self._table,
                Key={"tenant_id": {"S": tenant_id}, "day": {"S": day}},
                UpdateExpression=update,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="NONE",
            )
        )

    async def tenant_days(self, tenant_id: str, first_day: str, last_day: str) -> list[DayUsage]:
        return [from_item(item) for item in await self._between(tenant_id, first_day, last_day)]

    async def minutes(self, first_minute: str, last_minute: str) -> list[MinuteUsage]:
        """A bucket past its ``expires_at`` that DynamoDB has not deleted yet (it may take
        days) is older than any window asked for, so it is never read."""
        items = await self._between(SERVICE, first_minute, last_minute)
        return [MinuteUsage(usage.day, usage.counts) for usage in map(from_item, items)]

    async def _between(self, tenant_id: str, first: str, last: str) -> list[dict[str, Any]]:
        query: QueryInputTypeDef = {
            "TableName": self._table,
            # "day" is a reserved word in DynamoDB's expressions
            "KeyConditionExpression": "tenant_id = :tenant AND #day BETWEEN :first AND :last",
            "ExpressionAttributeNames": {"#day": "day"},
            "ExpressionAttributeValues": {
                ":tenant": {"S": tenant_id},
                ":first": {"S": first},
                ":last": {"S": last},
            },
            "ConsistentRead": True,
        }
        return await self._query(query)

    async def all_days(self, first_day: str, last_day: str) -> list[DayUsage]:
        days = day_range(first_day, last_day)
        if len(days) > MAX_DAYS:  # a Query per day: the callers' windows are at most a year
            raise ValueError(f"at most {MAX_DAYS} days at a time, not {len(days)}")
        keys = [key for found in await asyncio.gather(*map(self._keys_of, days)) for key in found]
        batches = [keys[i : i + BATCH_GET_KEYS] for i in range(0, len(keys), BATCH_GET_KEYS)]
        found = [item for got in await asyncio.gather(*map(self._get, batches)) for item in got]
        return sorted(map(from_item, found), key=lambda u: (u.tenant_id, u.day))

    async def _keys_of(self, day: str) -> list[dict[str, AttributeValueTypeDef]]:
        """The keys of every tenant's item of ``day``, from the index."""
        query: QueryInputTypeDef = {
            "TableName": self._table,
            "IndexName": BY_DAY,
            "KeyConditionExpression": "#day = :day",
            "ExpressionAttributeNames": {"#day": "day"},
            "ExpressionAttributeValues": {":day": {"S": day}},
        }
        return [
            {"tenant_id": item["tenant_id"], "day": item["day"]}
            for item in await self._query(query)
        ]

    async def _query(self, query: QueryInputTypeDef) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            response = await self._calls.run(partial(self._client.query, **query))
            items += response.get("Items", [])
            last = response.get("LastEvaluatedKey")
            if not last:
                return items
            query["ExclusiveStartKey"] = last

    async def _get(self, keys: list[dict[str, AttributeValueTypeDef]]) -> list[dict[str, Any]]:
        """The items of ``keys`` (at most 100), asking again for what DynamoDB leaves out."""
        items: list[dict[str, Any]] = []
        request: dict[str, KeysAndAttributesTypeDef] = {self._table: {"Keys": keys}}
        for attempt in range(BATCH_GET_ATTEMPTS):
            response = await self._calls.run(
                partial(self._client.batch_get_item, RequestItems=request)
            )
            items += response.get("Responses", {}).get(self._table, [])
            left = response.get("UnprocessedKeys", {})
            if not left:
                return items
            request = cast("dict[str, KeysAndAttributesTypeDef]", left)  # the same keys back
            await asyncio.sleep(0.05 * 2**attempt)
        raise UsageUnavailable("DynamoDB usage: reads still throttled after retries")

    async def close(self) -> None:
        await asyncio.to_thread(self._calls.shutdown, wait=True, cancel_pending=False)
        self._client.close()


def from_item(item: Mapping[str, Any]) -> DayUsage:
    """The counts of an item; an attribute never added is 0. UsageUnavailable for an item
    no flush could have written (edited by hand)."""
    try:
        counts = Counts(*(int(item[name]["N"]) if name in item else 0 for name in FIELDS))
        return DayUsage(item["tenant_id"]["S"], item["day"]["S"], counts)
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageUnavailable(f"a usage item cannot be read: {exc!r}") from exc


def create_usage_table(client: DynamoDBClient, name: str) -> None:
    """Create a usage table, for emulators, tests and the bench.

    Production tables come from infra/dynamodb.tf, which declares the same keys, index
    and TTL attribute.
    """
    client.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "tenant_id", "KeyType": "HASH"},
            {"AttributeName": "day", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "tenant_id", "AttributeType": "S"},
            {"AttributeName": "day", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": BY_DAY,
                "KeySchema": [
                    {"AttributeName": "day", "KeyType": "HASH"},
                    {"AttributeName": "tenant_id", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": EXPIRES_AT}
    )
