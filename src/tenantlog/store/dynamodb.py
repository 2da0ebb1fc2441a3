"""The aws store: one DynamoDB item per log, partition key ``tenant_id``, sort key ``log_id``.

- ``put_if_absent`` is a PutItem conditioned on ``attribute_not_exists(log_id)``:
  the seed's conditional write, so the first write wins under any race.
- ``get`` reads consistently (a client that just saw its log processed finds it).
- ``list`` is a Query on one partition: in sort-key (log_id) order on the
  table, or in event-time order on the ``by_event_time`` index, with the
  search's filters as a FilterExpression (tenantlog.store.dynamodb_search).
  Never a Scan: a read only ever touches the named tenant's partition. Query
  pages are eventually consistent (half the read cost; the index cannot be
  read otherwise); a record written a moment ago may show up on the next call.

Item attributes are the LogRecord fields (DESIGN §3): strings, ``attempts`` a
number, ``redactions`` a map of numbers; ``original_text`` is left out when the
deployment does not keep it. Two more serve search only: ``event_key`` (the
index's sort key) and ``severity_folded``. Items written before search lack
them, and so are not in the index: tenantlog.store.dynamodb_backfill adds them.

Retention: ``expires_at`` is the table's TTL attribute (infra/dynamodb.tf), so
it is a Number of whole Unix seconds (DynamoDB's TTL ignores a string); the
record's RFC 3339 ``expires_at`` is derived from it on read. A log kept
forever has no such attribute. DynamoDB deletes expired items itself, but up
to about two days late, so reads filter them out: ``get`` in code, ``list``
with a FilterExpression. A filtered Query still reads (and pays for) the items
it skips, expired or not matching the search, so one ``list`` call makes at
most ``MAX_QUERIES_PER_PAGE`` Queries of at most 1 MB each: past a long run of
skipped items a page comes back short (even empty) with a ``next_cursor``
that resumes after the last item read. Read cost of one call: at most four
eventually consistent 1 MB reads, 512 read units, plus the erasure check.
``put_if_absent`` treats an expired item as absent, as the reads do.

Erasure (tenantlog.core.store). ``delete`` replaces the item with a tombstone:
the keys and ``erased_at`` only, and the old item's TTL if it had one, so
that DynamoDB removes it when it would have removed the record. The
conditional write's ``attribute_not_exists(log_id)`` then refuses the id for
free, and reads skip items carrying ``erased_at``.

A tenant's erasures are items of a table of their own (``erasures``: partition
key tenant_id, sort key erasure_id, a UUIDv7, so the latest sorts last). A
condition only sees its own item, so no PutItem can check an erasure; the
conditional write therefore brackets its PutItem with two strongly consistent
reads of the tenant's latest erasure (a Query, newest first, Limit 1):

1. Before: a record the erasure covers is refused, nothing written.
2. After a PutItem that wrote: if an erasure that covers the record was saved
   meanwhile, the item just written is deleted again and False returned.

Why that is exact. The erasure is in force once ``save_erasure`` has returned,
and its deletion pass (``delete_erased``, consistent Queries) begins after
that. A write whose PutItem landed before the pass read that part of the
partition is deleted by the pass. A write landing later came after
``save_erasure`` returned, so its post-check, which starts after its PutItem,
sees the erasure and deletes the item. Between its PutItem and its
post-check the item is invisible anyway, since every read drops covered
items. Only a writer that dies between the PutItem and the post-check leaves
an item behind; its message was not acknowledged, so it is delivered again,
and the redelivery's pre-check, which refuses the record, also deletes the
covered item under that key if one is there (a DeleteItem conditioned on
``received_at`` at or before the mark, so that a newer record or a tombstone
under the same id is never touched). Should every redelivery fail before it
reaches the store, the message is dead-lettered and the item stays, never
readable, until the message is redriven or the tenant's next erasure passes.
Nothing is cached between calls: each check reads the erasures table, so an
erasure holds from the moment it is saved, in every process.

``get`` and ``list`` read the latest erasure once per call (``get`` alongside
its GetItem) and drop covered items, ``list`` in its FilterExpression.

Cost: with an erasures table configured, each conditional write adds two
strongly consistent Queries of one small item (one read unit each; at
on-demand prices, where a read unit costs a fifth of a write unit, that is
about 40% on top of the one write unit of a log under 1 KB), and each
``get`` and ``list`` adds one. Without the table (a deployment made before
erasure) none of these reads is made, and ``save_erasure`` raises
StoreUnavailable: no erasure can exist, so there is nothing to check.

"The latest erasure" is the one whose id sorts last, and its ``before`` is
taken as the tenant's mark. An erasure's id and ``before`` are taken from
the same clock at the same moment (``Erasure.start``); only erasures
requested on instances whose clocks disagree could sort otherwise, and the
``received_at`` of their logs would be off by as much.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from tenantlog.aws.clients import CONDITION_FAILED, Blocking, error_code
from tenantlog.core.erasure import Erasure, ErasureStatus
from tenantlog.core.models import LogRecord, Page, Source, expiry_timestamp, utc_now
from tenantlog.core.query import EVERYTHING, LogQuery, UnsupportedQuery
from tenantlog.core.store import MAX_PAGE_SIZE, Followed, RecordTooLarge, StoreUnavailable
from tenantlog.store.dynamodb_search import (
    EVENT_INDEX,
    EVENT_KEY,
    cursor_after_key,
    search_attributes,
    search_input,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        QueryInputTypeDef,
        WriteRequestTypeDef,
    )


#: DynamoDB's item size limit (attribute names and values, UTF-8).
MAX_ITEM_BYTES = 400 * 1024
#: Query calls one ``list`` makes at most (each reads up to 1 MB, 128 read units): bounds
#: the time and read cost of a page when a search matches few items, or many expired
#: items wait for DynamoDB's TTL deletion.
MAX_QUERIES_PER_PAGE = 4
#: Items a Query reads at a time once skipped ones turned up (its Limit counts them).
SKIP_STEP = MAX_PAGE_SIZE
#: The TTL attribute infra/dynamodb.tf enables on the logs table.
TTL_ATTRIBUTE = "expires_at"
# Live: no TTL, a TTL that is not a Number (DynamoDB never expires it), or one still ahead.
_LIVE = (
    "attribute_not_exists(expires_at) OR NOT attribute_type(expires_at, :number)"
    " OR expires_at > :now"
)
#: The attribute that makes an item a tombstone (``delete``).
ERASED_ATTRIBUTE = "erased_at"
#: Keys one BatchWriteItem deletes at most (DynamoDB's limit).
BATCH_WRITE_ITEMS = 25
#: Attempts at a BatchWriteItem's unprocessed keys (throttling), with doubling pauses.
BATCH_WRITE_ATTEMPTS = 8


class DynamoDbStore:
    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        *,
        erasures_table: str | None = None,
        threads: int = 32,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``client`` should have ≥ ``threads`` pooled connections; ``clock`` gives the
        Unix time that decides which records have expired. Without ``erasures_table``
        nothing is checked against erasures, and none can be saved."""
        self._client = client
        self._table = table_name
        self._erasures = erasures_table
        self._calls = Blocking(threads, "DynamoDB", StoreUnavailable)
        self._clock = clock

    async def put_if_absent(self, record: LogRecord) -> bool:
        mark = await self._mark(record.tenant_id)
        if mark is not None and record.received_at <= mark:
            # Refused; and an item an earlier delivery wrote before dying is removed.
            await self._delete_covered(record.tenant_id, record.log_id, mark)
            return False
        if not await self._put(record):
            return False
        if self._erasures is None:
            return True
        mark = await self._mark(record.tenant_id)  # an erasure may have begun meanwhile
        if mark is not None and record.received_at <= mark:
            await self._delete_covered(record.tenant_id, record.log_id, mark)
            return False
        return True

    async def _put(self, record: LogRecord) -> bool:
        """The conditional PutItem; whether it wrote."""
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
        item, mark = await asyncio.gather(self._item(tenant_id, log_id), self._mark(tenant_id))
        if item is None or not _readable(item, self._clock(), mark):
            return None
        return from_item(item)

    async def list(
        self, tenant_id: str, limit: int, cursor: str | None, query: LogQuery | None = None
    ) -> Page:
        """One Query after another on the tenant's partition (the table, or the event-time
        index: tenantlog.store.dynamodb_search) until the page is full or
        ``MAX_QUERIES_PER_PAGE`` Queries were made; then a short page, with a cursor
        after the last item read."""
        query = EVERYTHING if query is None else query
        search = search_input(tenant_id, query, cursor)
        if search is None:
            return Page([], None)
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        mark = await self._mark(tenant_id)
        values: dict[str, AttributeValueTypeDef] = {
            **search.values,
            ":now": _number(self._clock()),
            ":number": {"S": "N"},
        }
        live = f"attribute_not_exists({ERASED_ATTRIBUTE}) AND ({_LIVE})"
        if mark is not None:
            live += " AND received_at > :mark"
            values[":mark"] = {"S": mark}
        call: QueryInputTypeDef = {
            "TableName": self._table,
            "KeyConditionExpression": search.key_condition,
            "FilterExpression": " AND ".join([live, *search.filters]),
            "ExpressionAttributeValues": values,
            "ScanIndexForward": search.forward,
        }
        if search.names:
            call["ExpressionAttributeNames"] = search.names
        if search.index is not None:
            call["IndexName"] = search.index
        if search.start_key is not None:
            call["ExclusiveStartKey"] = search.start_key
        records: list[LogRecord] = []
        last: Mapping[str, Any] = {}
        skipping = False  # items were filtered out: read in larger steps past them
        # One more than asked, to know whether a next page exists. A Query page
        # stops at 1 MB, and its Limit counts the items it filters out (expired,
        # erased, or not matching), so it may take several to gather them.
        for _ in range(MAX_QUERIES_PER_PAGE):
            wanted = limit + 1 - len(records)
            call["Limit"] = max(wanted, SKIP_STEP) if skipping else wanted
            response = await self._calls.run(partial(self._client.query, **call))
            items = response.get("Items", [])
            records += [from_item(item) for item in items]
            skipping |= response.get("ScannedCount", len(items)) > len(items)
            if len(records) > limit:
                return Page(records[:limit], query.cursor_after(records[limit - 1]))
            if "LastEvaluatedKey" not in response:
                return Page(records, None)
            last = call["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        # Out of Query calls: everything up to the last item read has been seen.
        return Page(records, cursor_after_key(query, last))

    async def follow(
        self, tenant_id: str, after: int | None, query: LogQuery, limit: int
    ) -> Followed:
        """Not here: a live tail would poll a query per follower for as long as it stays
        connected, and API Gateway cuts a Lambda's response at 30 s anyway."""
        raise UnsupportedQuery("tail")

    async def delete(self, tenant_id: str, log_id: str) -> bool:
        """A PutItem of the tombstone over whatever is there; the old item it returns tells
        whether a readable record was. The tombstone keeps the TTL of the item read just
        before (a record written between the two loses it: its tombstone is kept for good)."""
        current, mark = await asyncio.gather(self._item(tenant_id, log_id), self._mark(tenant_id))
        tombstone: dict[str, AttributeValueTypeDef] = {
            **_key(tenant_id, log_id),
            ERASED_ATTRIBUTE: {"S": utc_now()},
        }
        expires = None if current is None else current.get(TTL_ATTRIBUTE)
        if isinstance(expires, dict) and "N" in expires:
            tombstone[TTL_ATTRIBUTE] = {"N": str(expires["N"])}
        response = await self._calls.run(
            partial(
                self._client.put_item,
                TableName=self._table,
                Item=tombstone,
                ReturnValues="ALL_OLD",
            )
        )
        old = response.get("Attributes")
        return bool(old) and _readable(old, self._clock(), mark)

    async def save_erasure(self, erasure: Erasure) -> None:
        await self._calls.run(
            partial(
                self._client.put_item,
                TableName=self._erasures_table(),
                Item=erasure_item(erasure),
            )
        )

    async def get_erasure(self, tenant_id: str, erasure_id: str) -> Erasure | None:
        response = await self._calls.run(
            partial(
                self._client.get_item,
                TableName=self._erasures_table(),
                Key={"tenant_id": {"S": tenant_id}, "erasure_id": {"S": erasure_id}},
                ConsistentRead=True,
            )
        )
        item = response.get("Item")
        return None if item is None else erasure_from_item(item)

    async def delete_erased(self, tenant_id: str, before: str, limit: int) -> int:
        """Consistent Queries of the tenant's partition for the keys of covered items (the
        filter on ``received_at``, since client-chosen ids need not follow arrival), then
        BatchWriteItem deletes, 25 keys a call. Tombstones have no ``received_at``: they
        stay."""
        query: QueryInputTypeDef = {
            "TableName": self._table,
            "KeyConditionExpression": "tenant_id = :t",
            "FilterExpression": "received_at <= :before",
            "ProjectionExpression": "log_id",
            "ExpressionAttributeValues": {":t": {"S": tenant_id}, ":before": {"S": before}},
            "ConsistentRead": True,
        }
        log_ids: list[str] = []
        while len(log_ids) < limit:
            # Limit counts the items read, covered or not: at most what is still wanted.
            query["Limit"] = limit - len(log_ids)
            response = await self._calls.run(partial(self._client.query, **query))
            log_ids += [str(item["log_id"]["S"]) for item in response.get("Items", [])]
            last = response.get("LastEvaluatedKey")
            if not last:
                break
            query["ExclusiveStartKey"] = last
        for start in range(0, len(log_ids), BATCH_WRITE_ITEMS):
            await self._batch_delete(
                [
                    {"DeleteRequest": {"Key": _key(tenant_id, log_id)}}
                    for log_id in log_ids[start : start + BATCH_WRITE_ITEMS]
                ]
            )
        return len(log_ids)

    async def ping(self) -> None:
        await self._calls.run(partial(self._client.describe_table, TableName=self._table))

    async def _item(self, tenant_id: str, log_id: str) -> dict[str, Any] | None:
        response = await self._calls.run(
            partial(
                self._client.get_item,
                TableName=self._table,
                Key=_key(tenant_id, log_id),
                ConsistentRead=True,
            )
        )
        return cast("dict[str, Any] | None", response.get("Item"))

    async def _mark(self, tenant_id: str) -> str | None:
        """The ``before`` of the tenant's latest erasure (strongly consistent); None when
        it has none, or no erasures table is configured."""
        if self._erasures is None:
            return None
        response = await self._calls.run(
            partial(
                self._client.query,
                TableName=self._erasures,
                KeyConditionExpression="tenant_id = :t",
                ExpressionAttributeValues={":t": {"S": tenant_id}},
                ExpressionAttributeNames={"#before": "before"},
                ProjectionExpression="#before",
                ScanIndexForward=False,
                Limit=1,
                ConsistentRead=True,
            )
        )
        items = response.get("Items", [])
        return str(items[0]["before"]["S"]) if items else None

    async def _delete_covered(self, tenant_id: str, log_id: str, mark: str) -> None:
        """Delete the item under this key if it is a record covered by ``mark``: never a
        newer record or a tombstone."""
        await self._calls.run_conditional(
            partial(
                self._client.delete_item,
                TableName=self._table,
                Key=_key(tenant_id, log_id),
                ConditionExpression="received_at <= :mark",
                ExpressionAttributeValues={":mark": {"S": mark}},
            )
        )

    async def _batch_delete(self, requests: Sequence[WriteRequestTypeDef]) -> None:
        pause = 0.05
        for _ in range(BATCH_WRITE_ATTEMPTS):
            response = await self._calls.run(
                partial(self._client.batch_write_item, RequestItems={self._table: requests})
            )
            unprocessed = response.get("UnprocessedItems", {}).get(self._table, [])
            requests = cast("list[WriteRequestTypeDef]", unprocessed)  # the keys, sent again
            if not requests:
                return
            await asyncio.sleep(pause)
            pause *= 2
        raise StoreUnavailable(f"DynamoDB: {len(requests)} deletes left unprocessed")

    def _erasures_table(self) -> str:
        if self._erasures is None:
            raise StoreUnavailable(
                "erasures need their own table: TENANTLOG_DYNAMODB_ERASURES_TABLE is not set"
            )
        return self._erasures

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
            size += sum(len(k) + _value_bytes(v) for k, v in value["M"].items())
        else:
            size += 8
    return size


def _value_bytes(value: Mapping[str, Any]) -> int:
    if "S" in value:
        return len(str(value["S"]).encode("utf-8", "surrogatepass"))
    return 8


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
    # The structured fields only when the log has them, so a plain log's item is as before.
    if record.timestamp is not None:
        item["timestamp"] = {"S": record.timestamp}
    if record.severity is not None:
        item["severity"] = {"S": record.severity}
    if record.severity_number is not None:
        item["severity_number"] = {"N": str(record.severity_number)}
    if record.attributes:
        item["attributes"] = {"M": {k: {"S": v} for k, v in record.attributes.items()}}
    if record.original_attributes is not None:
        item["original_attributes"] = {
            "M": {k: {"S": v} for k, v in record.original_attributes.items()}
        }
    expires = record.expires_at_seconds
    if expires is not None:
        item[TTL_ATTRIBUTE] = {"N": str(expires)}
    item.update(search_attributes(record))
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
        timestamp=_optional_text(item, "timestamp"),
        severity=_optional_text(item, "severity"),
        severity_number=None
        if "severity_number" not in item
        else int(item["severity_number"]["N"]),
        attributes=_strings(item.get("attributes")) or {},
        original_attributes=_strings(item.get("original_attributes")),
    )


def _optional_text(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name)
    return None if value is None else str(value["S"])


def _strings(value: Mapping[str, Any] | None) -> dict[str, str] | None:
    """A Map attribute of strings as a dict; None when the item has no such attribute."""
    if value is None:
        return None
    return {str(k): str(v["S"]) for k, v in value["M"].items()}


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


def _readable(item: Mapping[str, Any], now: float, mark: str | None) -> bool:
    """What a read returns: no tombstone, not expired, not covered by an erasure."""
    if ERASED_ATTRIBUTE in item or _expired(item, now):
        return False
    received = item.get("received_at", {}).get("S")
    return mark is None or (received is not None and received > mark)


def _key(tenant_id: str, log_id: str) -> dict[str, AttributeValueTypeDef]:
    return {"tenant_id": {"S": tenant_id}, "log_id": {"S": log_id}}


def erasure_item(erasure: Erasure) -> dict[str, AttributeValueTypeDef]:
    item: dict[str, AttributeValueTypeDef] = {
        "tenant_id": {"S": erasure.tenant_id},
        "erasure_id": {"S": erasure.erasure_id},
        "before": {"S": erasure.before},
        "requested_by": {"S": erasure.requested_by},
        "status": {"S": erasure.status},
        "records_deleted": {"N": str(erasure.records_deleted)},
        "messages_deleted": {"N": str(erasure.messages_deleted)},
    }
    if erasure.finished_at is not None:
        item["finished_at"] = {"S": erasure.finished_at}
    return item


def erasure_from_item(item: Mapping[str, Any]) -> Erasure:
    finished = item.get("finished_at")
    return Erasure(
        erasure_id=str(item["erasure_id"]["S"]),
        tenant_id=str(item["tenant_id"]["S"]),
        before=str(item["before"]["S"]),
        requested_by=str(item["requested_by"]["S"]),
        status=cast("ErasureStatus", str(item["status"]["S"])),
        records_deleted=int(item["records_deleted"]["N"]),
        messages_deleted=int(item["messages_deleted"]["N"]),
        finished_at=None if finished is None else str(finished["S"]),
    )


def _number(value: float) -> AttributeValueTypeDef:
    return {"N": repr(float(value))}


def create_table(client: DynamoDBClient, name: str) -> None:
    """Create a table with tenantlog's keys (DESIGN §7) and its event-time index, for
    emulators and tests.

    Production tables come from infra/dynamodb.tf, which declares the same keys and
    index (tests/aws/test_dynamodb_identity.py holds the two to each other).
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
            {"AttributeName": EVENT_KEY, "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": EVENT_INDEX,
                "KeySchema": [
                    {"AttributeName": "tenant_id", "KeyType": "HASH"},
                    {"AttributeName": EVENT_KEY, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def create_erasures_table(client: DynamoDBClient, name: str) -> None:
    """Create an erasures table (partition key tenant_id, sort key erasure_id), for
    emulators and tests.

    The production table comes from infra/dynamodb.tf, which declares the same keys.
    """
    client.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "tenant_id", "KeyType": "HASH"},
            {"AttributeName": "erasure_id", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "tenant_id", "AttributeType": "S"},
            {"AttributeName": "erasure_id", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
