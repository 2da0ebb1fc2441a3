"""Buckets in a DynamoDB table shared by every ingest Lambda instance: one item per tenant,
partition key ``tenant_id``, attribute ``tat`` (GCRA's theoretical arrival time, Unix
seconds).

A lease is one UpdateItem, without reading the item first:

- while the bucket is not full (``tat >= now``): ``SET tat = tat + n/rate`` on
  condition ``tat BETWEEN now AND now + (burst - n)/rate``;
- when that condition fails because the bucket is full (or new): ``SET tat =
  now + n/rate`` on condition that ``tat`` is absent or before ``now``;
- when the first fails with ``tat`` still ahead of ``now``, the bucket lacks
  the tokens: the failed condition returns the item
  (``ReturnValuesOnConditionCheckFailure``), whose ``tat`` the headers report.

Each lease takes a tenth of a second's tokens (tenantlog.core.ratelimit), so
a busy tenant costs about ten conditional writes a second per instance
serving it, whatever its request rate.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

from tenantlog.aws.clients import CONDITION_FAILED, Blocking, error_code
from tenantlog.core.ratelimit import Bucket, RateLimitUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

#: Rounds of the two conditional writes before a lease gives up on a contended bucket.
ATTEMPTS = 3


class DynamoDbBuckets:
    def __init__(self, client: DynamoDBClient, table_name: str, *, threads: int = 8) -> None:
        """``client`` should have ≥ ``threads`` pooled connections."""
        self._client = client
        self._table = table_name
        self._calls = Blocking(threads, "DynamoDB rate limits", RateLimitUnavailable)

    async def lease(self, tenant_id: str, n: int, rate: float, burst: int, now: float) -> Bucket:
        for _ in range(ATTEMPTS):
            tat = await self._spend(tenant_id, n, rate, burst, now)
            if isinstance(tat, Bucket):
                return tat
            if tat is not None and tat >= now:
                return Bucket(False, tat)  # not full, and short of n tokens
            if await self._refill_and_spend(tenant_id, n / rate, now):
                return Bucket(True, now + n / rate)
            # Another instance took the full bucket in between: its tat is now current.
        return Bucket(False, now)

    async def _spend(
        self, tenant_id: str, n: int, rate: float, burst: int, now: float
    ) -> Bucket | float | None:
        """Take n tokens from a bucket that is not full; else the item's tat (None: absent)."""
        try:
            response = await self._calls.run(
                partial(
                    self._client.update_item,
                    TableName=self._table,
                    Key={"tenant_id": {"S": tenant_id}},
                    UpdateExpression="SET tat = tat + :step",
                    ConditionExpression="tat BETWEEN :now AND :latest",
                    ExpressionAttributeValues={
                        ":step": _number(n / rate),
                        ":now": _number(now),
                        ":latest": _number(now + (burst - n) / rate),
                    },
                    ReturnValues="UPDATED_NEW",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
            )
        except RateLimitUnavailable as exc:
            if error_code(exc.__cause__) != CONDITION_FAILED:
                raise
            item = getattr(exc.__cause__, "response", {}).get("Item") or {}
            return float(item["tat"]["N"]) if "tat" in item else None
        return Bucket(True, float(response["Attributes"]["tat"]["N"]))

    async def _refill_and_spend(self, tenant_id: str, step: float, now: float) -> bool:
        """Take ``step`` seconds of tokens from a full (or new) bucket."""
        answer = await self._calls.run_conditional(
            partial(
                self._client.update_item,
                TableName=self._table,
                Key={"tenant_id": {"S": tenant_id}},
                UpdateExpression="SET tat = :after",
                ConditionExpression="attribute_not_exists(tat) OR tat < :now",
                ExpressionAttributeValues={
                    ":after": _number(now + step),
                    ":now": _number(now),
                },
            )
        )
        return answer is not None

    async def close(self) -> None:
        await asyncio.to_thread(self._calls.shutdown, wait=True, cancel_pending=False)
        self._client.close()


def _number(value: float) -> dict[str, str]:
    return {"N": f"{value:.6f}"}


def create_rate_limits_table(client: DynamoDBClient, name: str) -> None:
    """Create a rate-limit table, for emulators, tests and the bench (infra/dynamodb.tf
    declares the production one with the same key)."""
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "tenant_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "tenant_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
