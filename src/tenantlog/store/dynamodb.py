"""The aws store: one DynamoDB item per log, partition key ``tenant_id``, sort key ``log_id``.

- ``put_if_absent`` is a PutItem conditioned on ``attribute_not_exists(log_id)``:
  the seed's conditional write, so the first write wins under any race.
- ``get`` reads consistently (a client that just saw its log processed finds it).
- ``list`` is a Query on one partition, in sort-key (log_id) order, resuming
  from the cursor's log_id with ExclusiveStartKey. Never a Scan: a read only
  ever touches the named tenant's partition. Query pages are eventually
  consistent (half the read cost); a record written a moment ago may show
  up on the next call.

Item attributes are the LogRecord fields (DESIGN §3): strings, ``attempts`` a
number, ``redactions`` a map of numbers; ``original_text`` is left out when the
deployment does not keep it.

Retention: ``expires_at`` is the table's TTL attribute (infra/dynamodb.tf), so
it is a Number of whole Unix seconds (DynamoDB's TTL ignores a string); the
record's RFC 3339 ``expires_at`` is derived from it on read. A log kept
forever has no such attribute. DynamoDB deletes expired items itself, but up
to about two days late, so reads filter them out: ``get`` in code, ``list``
with a FilterExpression. A filtered Query still reads the expired items it
skips, so one ``list`` call reads at most ``MAX_QUERIES_PER_PAGE`` Query pages:
past a long run of expired items a page comes back short (even empty) with a
``next_cursor`` that resumes after the last item read. ``put_if_absent``
treats an expired item as absent, as the reads do.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from tenantlog.aws.clients import CONDITION_FAILED, Blocking, error_code
from tenantlog.core.cursor import InvalidCursor, decode_cursor, encode_cursor
from tenantlog.core.models import LogRecord, Page, Source, expiry_timestamp
from tenantlog.core.store import MAX_PAGE_SIZE, RecordTooLarge, StoreUnavailable

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, QueryInputTypeDef


#: DynamoDB's limit on a sort key value; a longer cursor cannot be one we issued.
MAX_SORT_KEY_BYTES = 1024
#: DynamoDB's item size limit (attribute names and values, UTF-8).
MAX_ITEM_BYTES = 400 * 1024
#: Query calls one ``list`` makes at most (each reads up to 1 MB): bounds the time and
#: read cost of a page when many expired items wait for DynamoDB's TTL deletion.
MAX_QUERIES_PER_PAGE = 10
#: Items a Query reads at a time once expired ones turned up (its Limit counts them).
SKIP_STEP = MAX_PAGE_SIZE
#: The TTL attribute infra/dynamodb.tf enables on the logs table.
TTL_ATTRIBUTE = "expires_at"
# Live: no TTL, a TTL that is not a Number (DynamoDB never expires it), or one still ahead.
_LIVE = (
    "attribute_not_exists(expires_at) OR NOT attribute_type(expires_at, :number)"
    " OR expires_at > :now"
)


class DynamoDbStore:
    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        *,
        threads: int = 32,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``client`` should have ≥ ``threads`` pooled connections; ``clock`` gives the
        Unix time that decides which records have expired."""
        self._client = client
        self._table = table_name
        self._calls = Blocking(threads, "DynamoDB", StoreUnavailable)
        self._clock = clock

    async def put_if_absent(self, record: LogRecord) -> bool:
        try:
            await self._calls.run(
                partial(
                    self._client.put_item,
                    TableName=self._table,
                    Item=to_item(record),
                    # An expired item awaiting TTL deletion counts as absent, as for reads.
                    ConditionExpression="attribute_not_exists(log_id) OR expires_at <= :now",
                    ExpressionAttributeValues={":now": _number(self._clock())},
                )
            )
        except StoreUnavailable as exc:
            code = error_code(exc.__cause__)
            if code == CONDITION_FAILED:
                return False
            if code == "ValidationException" and "size" in str(exc.__cause__).lower():
                raise RecordTooLarge(
                    f"record of {item_bytes(record):,} bytes is over DynamoDB's item size"
                    f" ({MAX_ITEM_BYTES:,} bytes)"
                ) from exc
            raise
        return True

    async def get(self, tenant_id: str, log_id: str) -> LogRecord | None:
        response = await self._calls.run(
            partial(
                self._client.get_item,
                TableName=self._table,
                Key={"tenant_id": {"S": tenant_id}, "log_id": {"S": log_id}},
                ConsistentRead=True,
            )
        )
        item = response.get("Item")
        if item is None or _expired(item, self._clock()):
            return None
        return from_item(item)

    async def list(self, tenant_id: str, limit: int, cursor: str | None) -> Page:
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        query: QueryInputTypeDef = {
            "TableName": self._table,
            "KeyConditionExpression": "tenant_id = :t",
            "FilterExpression": _LIVE,
            "ExpressionAttributeValues": {
                ":t": {"S": tenant_id},
                ":now": _number(self._clock()),
                ":number": {"S": "N"},
            },
            "ScanIndexForward": True,
        }
        if cursor is not None:
            after = decode_cursor(cursor)
            if len(after.encode()) > MAX_SORT_KEY_BYTES:
                raise InvalidCursor("invalid cursor")
            query["ExclusiveStartKey"] = {"tenant_id": {"S": tenant_id}, "log_id": {"S": after}}
        records: list[LogRecord] = []
        skipping = False  # expired items turned up: read in larger steps past them
        # One more than asked, to know whether a next page exists. A Query page
        # stops at 1 MB, and its Limit counts the expired items it filters out,
        # so it may take several to gather them.
        for _ in range(MAX_QUERIES_PER_PAGE):
            wanted = limit + 1 - len(records)
            query["Limit"] = max(wanted, SKIP_STEP) if skipping else wanted
            response = await self._calls.run(partial(self._client.query, **query))
            items = response.get("Items", [])
            records += [from_item(item) for item in items]
            skipping |= response.get("ScannedCount", len(items)) > len(items)
            last = response.get("LastEvaluatedKey")
            if len(records) > limit:
                return Page(records[:limit], encode_cursor(records[limit - 1].log_id))
            if not last:
                return Page(records, None)
            query["ExclusiveStartKey"] = last
            last_read = str(last["log_id"]["S"])
        # Out of Query calls: everything up to the last item read has been seen.
        return Page(records, encode_cursor(last_read))

    async def ping(self) -> None:
        await self._calls.run(partial(self._client.describe_table, TableName=self._table))

    async def close(self) -> None:
        await asyncio.to_thread(self._calls.shutdown, wait=True, cancel_pending=False)
        self._client.close()


def item_bytes(record: LogRecord) -> int:
    """The record's size as DynamoDB counts it, near enough to name in a reason."""
    size = 0
    for name, value in to_item(record).items():
        size += len(name)
        if "S" in value:
            size += len(value["S"].encode("utf-8", "surrogatepass"))
        elif "M" in value:
            size += sum(len(k) + 8 for k in value["M"])
        else:
            size += 8
    return size


def to_item(record: LogRecord) -> dict[str, AttributeValueTypeDef]:
    item: dict[str, AttributeValueTypeDef] = {
        "tenant_id": {"S": record.tenant_id},
        "log_id": {"S": record.log_id},
        "source": {"S": record.source},
        "modified_data": {"S": record.modified_data},
        "received_at": {"S": record.received_at},
        "processed_at": {"S": record.processed_at},
        "attempts": {"N": str(record.attempts)},
        "redactions": {"M": {kind: {"N": str(n)} for kind, n in record.redactions.items()}},
    }
    if record.original_text is not None:
        item["original_text"] = {"S": record.original_text}
    expires = record.expires_at_seconds
    if expires is not None:
        item[TTL_ATTRIBUTE] = {"N": str(expires)}
    return item


def from_item(item: Mapping[str, Any]) -> LogRecord:
    def text(name: str) -> str:
        return str(item[name]["S"])

    original = item.get("original_text")
    redactions = item.get("redactions", {}).get("M", {})
    expires = _expires_at(item)
    return LogRecord(
        tenant_id=text("tenant_id"),
        log_id=text("log_id"),
        source=cast(Source, text("source")),
        original_text=None if original is None else str(original["S"]),
        modified_data=text("modified_data"),
        received_at=text("received_at"),
        processed_at=text("processed_at"),
        attempts=int(item["attempts"]["N"]),
        redactions={str(kind): int(value["N"]) for kind, value in redactions.items()},
        expires_at=None if expires is None else expiry_timestamp(math.ceil(expires)),
    )


def _expires_at(item: Mapping[str, Any]) -> float | None:
    """The item's TTL in Unix seconds; None when it has none (or not a Number, which
    DynamoDB's TTL ignores too)."""
    value = item.get(TTL_ATTRIBUTE)
    if not isinstance(value, dict) or "N" not in value:
        return None
    return float(value["N"])


def _expired(item: Mapping[str, Any], now: float) -> bool:
    expires = _expires_at(item)
    return expires is not None and expires <= now


def _number(value: float) -> AttributeValueTypeDef:
    return {"N": repr(float(value))}


def create_table(client: DynamoDBClient, name: str) -> None:
    """Create a table with tenantlog's keys (DESIGN §7), for emulators and tests.

    Production tables come from infra/dynamodb.tf, which declares the same keys.
    """
    client.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "tenant_id", "KeyType": "HASH"},
            {"AttributeName": "log_id", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "tenant_id", "AttributeType": "S"},
            {"AttributeName": "log_id", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
