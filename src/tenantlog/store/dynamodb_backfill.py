"""Making logs written before search searchable on DynamoDB.

Logs written by a release before search carry neither ``event_key`` (so the
event-time index does not hold them, and a search with since/until/order
misses them) nor ``severity_folded`` (so a severity filter misses them).
``backfill_search`` adds both to every such item, a Scan page at a time.

It is an operator's job, run once after the upgrade with the operator's own
credentials (``tenantlog backfill-search``):
the functions are granted no Scan (infra/iam.tf), and a Scan reads every
tenant's partition. Each item is updated with a condition that it
is still a record without the attributes, so a log erased, or written by the
new release, meanwhile is left alone, and running it twice is harmless.

Cost: the Scan reads the whole table once (eventually consistent: one read
unit per 8 KB), and each updated item costs its size in write units twice
(the table, and the index it now enters).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tenantlog.store.dynamodb import CLAIM_ATTRIBUTE, ERASED_ATTRIBUTE, from_item
from tenantlog.store.dynamodb_search import EVENT_KEY, search_attributes

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, ScanInputTypeDef

#: Items one Scan call reads at most: one page of progress.
SCAN_PAGE_ITEMS = 1000
# A record (it has received_at; a tombstone does not, and a sharded log's claim of its id
# is no record) that search cannot find yet.
_UNSEARCHABLE = (
    f"attribute_not_exists({EVENT_KEY}) AND attribute_exists(received_at)"
    f" AND attribute_not_exists({ERASED_ATTRIBUTE}) AND attribute_not_exists({CLAIM_ATTRIBUTE})"
)


@dataclass(frozen=True, slots=True)
class Backfilled:
    """One Scan page's progress: items read and updated, and the key to resume after
    (None once the whole table was read)."""

    read: int
    updated: int
    resume_after: dict[str, AttributeValueTypeDef] | None


def backfill_search(
    client: DynamoDBClient,
    table: str,
    *,
    resume_after: dict[str, AttributeValueTypeDef] | None = None,
    page_items: int = SCAN_PAGE_ITEMS,
) -> Iterator[Backfilled]:
    """Add the search attributes to every log of ``table`` that lacks them, yielding after
    each Scan page; ``resume_after`` (a page's ``resume_after``) continues a run that
    stopped."""
    scan: ScanInputTypeDef = {
        "TableName": table,
        "FilterExpression": _UNSEARCHABLE,
        "Limit": page_items,
    }
    if resume_after is not None:
        scan["ExclusiveStartKey"] = resume_after
    while True:
        response = client.scan(**scan)
        updated = sum(_add_search_attributes(client, table, item) for item in response["Items"])
        last = response.get("LastEvaluatedKey")
        yield Backfilled(response.get("ScannedCount", 0), updated, last)
        if last is None:
            return
        scan["ExclusiveStartKey"] = last


def _add_search_attributes(client: DynamoDBClient, table: str, item: dict[str, Any]) -> bool:
    """Whether the item was updated (False: it was erased or rewritten meanwhile)."""
    added = search_attributes(from_item(item))
    names = {f"#a{n}": name for n, name in enumerate(added)}
    values = {f":a{n}": value for n, value in enumerate(added.values())}
    try:
        client.update_item(
            TableName=table,
            Key={"tenant_id": item["tenant_id"], "log_id": item["log_id"]},
            UpdateExpression="SET " + ", ".join(f"#a{n} = :a{n}" for n in range(len(added))),
            ConditionExpression=_UNSEARCHABLE,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True
