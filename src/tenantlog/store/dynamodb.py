"""The aws store: one DynamoDB item per log, partition key ``tenant_id``, sort key ``log_id``.

A tenant with write sharding has its logs under several partition keys, and
a change of its layout leaves claims of log ids under the older keys
(tenantlog.store.dynamodb_shards): each read and write below goes to every
key the tenant's plan names for it, and merges what it finds.

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
most ``MAX_QUERIES_PER_PAGE`` Queries of at most 1 MB each per partition key:
past a long run of skipped items a page comes back short (even empty) with a
``next_cursor`` that resumes after the last item read. Read cost of one call:
at most four eventually consistent 1 MB reads (512 read units) per partition
key of the tenant, plus the erasure check.
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

from botocore.exceptions import ClientError

from tenantlog.aws.clients import CONDITION_FAILED, Blocking, error_code
from tenantlog.core.erasure import Erasure, ErasureStatus
from tenantlog.core.models import LogRecord, Page, Source, expiry_timestamp, utc_now
from tenantlog.core.query import EVERYTHING, LogQuery, UnsupportedQuery
from tenantlog.core.store import MAX_PAGE_SIZE, Followed, RecordTooLarge, StoreUnavailable
from tenantlog.store.dynamodb_search import (
    EVENT_INDEX,
    EVENT_KEY,
    SearchInput,
    cursor_at,
    key_position,
    search_attributes,
    search_input,
)
from tenantlog.store.dynamodb_shards import (
    PartitionRead,
    ShardPlan,
    ShardPlans,
    merge_page,
    partition_key,
    tenant_of,
    unsharded,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        QueryInputTypeDef,
        TransactWriteItemTypeDef,
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
#: The attribute that makes an item a claim of a sharded log's id under an older layout's
#: key: the shard the log itself is under (tenantlog.store.dynamodb_shards).
CLAIM_ATTRIBUTE = "stored_in"
#: What a conditional write finds absent: no item, or one expired (counted as absent, as
#: the reads do).
_ABSENT = "attribute_not_exists(log_id) OR expires_at <= :now"
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
        shard_plans: ShardPlans = unsharded,
        threads: int = 32,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``client`` should have ≥ ``threads`` pooled connections; ``clock`` gives the
        Unix time that decides which records have expired. Without ``erasures_table``
        nothing is checked against erasures, and none can be saved. ``shard_plans``
        gives each tenant's write sharding (every tenant unsharded by default)."""
        self._client = client
        self._table = table_name
        self._erasures = erasures_table
        self._plans = shard_plans
        self._calls = Blocking(threads, "DynamoDB", StoreUnavailable)
        self._clock = clock

    async def put_if_absent(self, record: LogRecord) -> bool:
        tenant_id, log_id = record.tenant_id, record.log_id
        keys = self._keys(tenant_id, log_id, await self._plans(tenant_id))
        mark = await self._mark(tenant_id)
        if mark is not None and record.received_at <= mark:
            # Refused; and an item an earlier delivery wrote before dying is removed.
            await self._delete_covered(keys, log_id, mark)
            return False
        if not await self._put(record, keys):
            return False
        if self._erasures is None:
            return True
        mark = await self._mark(tenant_id)  # an erasure may have begun meanwhile
        if mark is not None and record.received_at <= mark:
            await self._delete_covered(keys, log_id, mark)
            return False
        return True

    async def _put(self, record: LogRecord, keys: Sequence[str]) -> bool:
        """The conditional write under ``keys[0]``, with claims under the other keys (an
        older layout's: tenantlog.store.dynamodb_shards); whether it wrote."""
        item = to_item(record)
        item["tenant_id"] = {"S": keys[0]}
        now = _number(self._clock())
        try:
            if len(keys) == 1:
                await self._calls.run(
                    partial(
                        self._client.put_item,
                        TableName=self._table,
                        Item=item,
                        ConditionExpression=_ABSENT,
                        ExpressionAttributeValues={":now": now},
                    )
                )
            else:
                await self._calls.run(
                    partial(
                        self._client.transact_write_items,
                        TransactItems=[
                            self._absent_put(item, now),
                            *(
                                self._absent_put(_claim(record, key, keys[0]), now)
                                for key in keys[1:]
                            ),
                        ],
                    )
                )
        except StoreUnavailable as exc:
            code = error_code(exc.__cause__)
            if code == CONDITION_FAILED or _condition_cancelled(exc.__cause__):
                return False
            if code == "ValidationException" and "size" in str(exc.__cause__).lower():
                raise RecordTooLarge(
                    f"record of {item_bytes(record):,} bytes is over DynamoDB's item size"
                    f" ({MAX_ITEM_BYTES:,} bytes)"
                ) from exc
            raise
        return True

    def _absent_put(
        self, item: dict[str, AttributeValueTypeDef], now: AttributeValueTypeDef
    ) -> TransactWriteItemTypeDef:
        return {
            "Put": {
                "TableName": self._table,
                "Item": item,
                "ConditionExpression": _ABSENT,
                "ExpressionAttributeValues": {":now": now},
            }
        }

    async def get(self, tenant_id: str, log_id: str) -> LogRecord | None:
        keys = self._keys(tenant_id, log_id, await self._plans(tenant_id))
        items, mark = await asyncio.gather(self._items(keys, log_id), self._mark(tenant_id))
        if any(ERASED_ATTRIBUTE in item for item in items):
            return None
        item = next((item for item in items if CLAIM_ATTRIBUTE not in item), None)
        if item is None and items:
            # Only claims: the log is under a layout newer than this process's plan.
            item = await self._item(_claimed_key(items[0], tenant_id), log_id)
        if item is None or not _readable(item, self._clock(), mark):
            return None
        return from_item(item)

    async def list(
        self, tenant_id: str, limit: int, cursor: str | None, query: LogQuery | None = None
    ) -> Page:
        """Each of the tenant's partitions read at once (the table, or the event-time index:
        tenantlog.store.dynamodb_search), a Query after another until it has a page of its
        own or made ``MAX_QUERIES_PER_PAGE`` Queries; then the partitions merged in order
        (tenantlog.store.dynamodb_shards.merge_page), so a page may come back short, with
        a cursor after the last item every partition has read."""
        query = EVERYTHING if query is None else query
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        plan = await self._plans(tenant_id)
        partitions = [partition_key(tenant_id, shard) for shard in plan.partitions()]
        searches = [search_input(key, query, cursor) for key in partitions]
        mark = await self._mark(tenant_id)
        reads = await asyncio.gather(
            *(
                self._read_partition(search, query, limit, mark)
                for search in searches
                if search is not None
            )
        )
        if not reads:
            return Page([], None)
        page = merge_page(reads, limit, query.sort_key, descending=query.order == "desc")
        return Page(page.records, None if page.resume is None else cursor_at(query, page.resume))

    async def _read_partition(
        self, search: SearchInput, query: LogQuery, limit: int, mark: str | None
    ) -> PartitionRead:
        """Up to a page and one more record of one partition, in at most
        ``MAX_QUERIES_PER_PAGE`` Queries."""
        values: dict[str, AttributeValueTypeDef] = {
            **search.values,
            ":now": _number(self._clock()),
            ":number": {"S": "N"},
        }
        live = (
            f"attribute_not_exists({ERASED_ATTRIBUTE})"
            f" AND attribute_not_exists({CLAIM_ATTRIBUTE}) AND ({_LIVE})"
        )
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
            if "LastEvaluatedKey" not in response:
                return PartitionRead(records, None)
            call["ExclusiveStartKey"] = response["LastEvaluatedKey"]
            if len(records) > limit:
                break
        # A full page, or out of Query calls: everything up to the last item read is seen.
        return PartitionRead(records, key_position(query, call["ExclusiveStartKey"]))

    async def follow(
        self, tenant_id: str, after: int | None, query: LogQuery, limit: int
    ) -> Followed:
        """Not here: a live tail would poll a query per follower for as long as it stays
        connected, and API Gateway cuts a Lambda's response at 30 s anyway."""
        raise UnsupportedQuery("tail")

    async def delete(self, tenant_id: str, log_id: str) -> bool:
        """A PutItem of the tombstone over whatever is under each of the log's keys (one
        per layout: tenantlog.store.dynamodb_shards); the old items it returns tell
        whether a readable record was there. A tombstone keeps the TTL of the item read
        just before (a record written between the two loses it: its tombstone is kept
        for good)."""
        keys = self._keys(tenant_id, log_id, await self._plans(tenant_id))
        mark = await self._mark(tenant_id)
        olds = await asyncio.gather(*(self._tombstone(key, log_id) for key in keys))
        # A claim under a layout newer than this process's plan names the log's key.
        newer = {_claimed_key(old, tenant_id) for old in olds if CLAIM_ATTRIBUTE in old}
        olds += await asyncio.gather(
            *(self._tombstone(key, log_id) for key in newer.difference(keys))
        )
        now = self._clock()
        return any(bool(old) and _readable(old, now, mark) for old in olds)

    async def _tombstone(self, key: str, log_id: str) -> dict[str, Any]:
        """Put a tombstone under ``key``; the item it replaced ({} for none)."""
        current = await self._item(key, log_id)
        tombstone: dict[str, AttributeValueTypeDef] = {
            **_key(key, log_id),
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
        return cast("dict[str, Any]", response.get("Attributes", {}))

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
        """Consistent Queries of the tenant's partitions, one after another, for the keys
        of covered records (the filter on ``received_at``, since client-chosen ids need
        not follow arrival), then BatchWriteItem deletes, 25 keys a call, and the claims
        of their ids under other layouts' keys. Tombstones have no ``received_at``: they
        stay."""
        plan = await self._plans(tenant_id)
        deleted = 0
        for shard in plan.partitions():
            key = partition_key(tenant_id, shard)
            log_ids = await self._covered(key, before, limit - deleted)
            for start in range(0, len(log_ids), BATCH_WRITE_ITEMS):
                await self._batch_delete(
                    [
                        {"DeleteRequest": {"Key": _key(key, log_id)}}
                        for log_id in log_ids[start : start + BATCH_WRITE_ITEMS]
                    ]
                )
            for log_id in log_ids:
                claims = [k for k in self._keys(tenant_id, log_id, plan) if k != key]
                if claims:
                    await self._delete_covered(claims, log_id, before)
            deleted += len(log_ids)
            if deleted == limit:
                break
        return deleted

    async def _covered(self, key: str, before: str, limit: int) -> Sequence[str]:
        """The log ids of up to ``limit`` items under ``key`` received at or before
        ``before``."""
        query: QueryInputTypeDef = {
            "TableName": self._table,
            "KeyConditionExpression": "tenant_id = :t",
            "FilterExpression": (
                f"received_at <= :before AND attribute_not_exists({CLAIM_ATTRIBUTE})"
            ),
            "ProjectionExpression": "log_id",
            "ExpressionAttributeValues": {":t": {"S": key}, ":before": {"S": before}},
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
        return log_ids

    async def ping(self) -> None:
        await self._calls.run(partial(self._client.describe_table, TableName=self._table))

    def _keys(self, tenant_id: str, log_id: str, plan: ShardPlan) -> tuple[str, ...]:
        """The partition keys a log may be under, the one it is written to first."""
        return tuple(partition_key(tenant_id, shard) for shard in plan.shards_of(log_id))

    async def _items(self, keys: Sequence[str], log_id: str) -> tuple[dict[str, Any], ...]:
        """The items under each key (consistent GetItems at once), those that exist."""
        items = await asyncio.gather(*(self._item(key, log_id) for key in keys))
        return tuple(item for item in items if item is not None)

    async def _item(self, key: str, log_id: str) -> dict[str, Any] | None:
        response = await self._calls.run(
            partial(
                self._client.get_item,
                TableName=self._table,
                Key=_key(key, log_id),
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

    async def _delete_covered(self, keys: Sequence[str], log_id: str, mark: str) -> None:
        """Delete the items under these keys that are a record (or its claim) covered by
        ``mark``: never a newer record or a tombstone."""
        await asyncio.gather(
            *(
                self._calls.run_conditional(
                    partial(
                        self._client.delete_item,
                        TableName=self._table,
                        Key=_key(key, log_id),
                        ConditionExpression="received_at <= :mark",
                        ExpressionAttributeValues={":mark": {"S": mark}},
                    )
                )
                for key in keys
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
        tenant_id=tenant_of(text("tenant_id")),
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
    """What a read returns: a record (no tombstone, no claim), not expired, not covered by
    an erasure."""
    if ERASED_ATTRIBUTE in item or CLAIM_ATTRIBUTE in item or _expired(item, now):
        return False
    received = item.get("received_at", {}).get("S")
    return mark is None or (received is not None and received > mark)


def _key(key: str, log_id: str) -> dict[str, AttributeValueTypeDef]:
    """The primary key of a log under the partition key ``key`` (tenant_id, or a shard's)."""
    return {"tenant_id": {"S": key}, "log_id": {"S": log_id}}


def _claim(record: LogRecord, key: str, stored_under: str) -> dict[str, AttributeValueTypeDef]:
    """The claim of a log's id under an older layout's key: the shard the log is under,
    and its ``received_at`` and TTL, so that it goes with the log (erasure, expiry)."""
    claim: dict[str, AttributeValueTypeDef] = {
        **_key(key, record.log_id),
        CLAIM_ATTRIBUTE: {"S": stored_under},
        "received_at": {"S": record.received_at},
    }
    expires = record.expires_at_seconds
    if expires is not None:
        claim[TTL_ATTRIBUTE] = {"N": str(expires)}
    return claim


def _claimed_key(claim: Mapping[str, Any], tenant_id: str) -> str:
    """The partition key a claim names, checked to be one of ``tenant_id``'s."""
    key = str(claim[CLAIM_ATTRIBUTE]["S"])
    if tenant_of(key) != tenant_id:
        raise StoreUnavailable(f"a claim under tenant {tenant_id!r} names another tenant's key")
    return key


def _condition_cancelled(exc: BaseException | None) -> bool:
    """Whether a TransactWriteItems was cancelled because an item's condition failed (the
    log is stored already), rather than by a conflict worth retrying."""
    if not isinstance(exc, ClientError) or error_code(exc) != "TransactionCanceledException":
        return False
    reasons = cast("list[dict[str, Any]]", exc.response.get("CancellationReasons", []))
    return any(reason.get("Code") == "ConditionalCheckFailed" for reason in reasons)


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
