"""Moving a sharded tenant's logs to the keys of its current layout, so that the older
layouts can be forgotten (docs/write-sharding.md, "Finishing a change").

Until then every write of the tenant claims its log id under each older
layout's key, so the keys it had before a change keep taking a write per log.
``move_to_layout`` reads each of the tenant's partitions (consistent Queries)
and, for each item not under its key in the newest layout:

- a record is moved in one TransactWriteItems: put under its key (where
  nothing but a claim of its own id may be) and deleted where it was (only if
  it is still that record);
- a tombstone is moved the same way, so that the id stays refused;
- a claim is deleted: the record it names is under a layout the plan keeps.

Writers meanwhile write under the newest layout and claim the older keys,
so nothing new lands where the pass has been; a write racing a move of the
same id meets it on the same items, and one of the two transactions fails.
An item whose move fails is counted as left, and the layouts must then not
be forgotten (``tenants reshard`` checks that).

It is an operator's job (``tenantlog tenants reshard TENANT``), synchronous
like the backfill, with the operator's credentials; no function runs it.

Cost: one consistent read of every item of the tenant's partitions, and for
each item moved a transaction of two writes (2 write units per KB each).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tenantlog.store.dynamodb import CLAIM_ATTRIBUTE, ERASED_ATTRIBUTE
from tenantlog.store.dynamodb_shards import ShardPlan, partition_key, shard_of

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import DeleteTypeDef, QueryInputTypeDef

#: Items one Query reads at most: one step of progress.
PAGE_ITEMS = 500
# Under the item's new key: nothing, or a claim (of the same id: keys are per id).
_FREE = f"attribute_not_exists(log_id) OR attribute_exists({CLAIM_ATTRIBUTE})"


@dataclass(frozen=True, slots=True)
class Moved:
    """One Query page's progress: items read, moved (or, for claims, deleted), and left
    where they were because their move failed."""

    read: int
    moved: int
    left: int


def move_to_layout(
    client: DynamoDBClient, table: str, tenant_id: str, plan: ShardPlan
) -> Iterator[Moved]:
    """Move every item of the tenant that is not under its key in ``plan``'s newest layout,
    yielding after each page of each partition."""
    shards = plan.layouts[-1]
    for shard in plan.partitions():
        key = partition_key(tenant_id, shard)
        query: QueryInputTypeDef = {
            "TableName": table,
            "KeyConditionExpression": "tenant_id = :t",
            "ExpressionAttributeValues": {":t": {"S": key}},
            "ConsistentRead": True,
            "Limit": PAGE_ITEMS,
        }
        while True:
            response = client.query(**query)
            outcomes = []
            for item in response["Items"]:
                home = partition_key(tenant_id, shard_of(str(item["log_id"]["S"]), shards))
                outcomes.append(_move(client, table, item, home))
            yield Moved(len(outcomes), outcomes.count(True), outcomes.count(False))
            last = response.get("LastEvaluatedKey")
            if last is None:
                break
            query["ExclusiveStartKey"] = last


def _move(client: DynamoDBClient, table: str, item: dict[str, Any], home: str) -> bool | None:
    """Move one item to ``home``: True if it was moved or deleted, False if its move
    failed, None when it is home already (or a claim there, which the record replaces)."""
    if item["tenant_id"]["S"] == home:
        return None
    where = {"tenant_id": item["tenant_id"], "log_id": item["log_id"]}
    try:
        if CLAIM_ATTRIBUTE in item:
            client.delete_item(
                TableName=table,
                Key=where,
                ConditionExpression=f"attribute_exists({CLAIM_ATTRIBUTE})",
            )
            return True
        # Deleted only if it is still the item read: a tombstone, or that very record.
        delete: DeleteTypeDef = {
            "TableName": table,
            "Key": where,
            "ConditionExpression": f"attribute_exists({ERASED_ATTRIBUTE})",
        }
        if ERASED_ATTRIBUTE not in item:
            delete["ConditionExpression"] = (
                f"received_at = :received AND attribute_not_exists({CLAIM_ATTRIBUTE})"
            )
            delete["ExpressionAttributeValues"] = {":received": item["received_at"]}
        client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": table,
                        "Item": {**item, "tenant_id": {"S": home}},
                        "ConditionExpression": _FREE,
                    }
                },
                {"Delete": delete},
            ]
        )
    except (
        client.exceptions.ConditionalCheckFailedException,
        client.exceptions.TransactionCanceledException,
    ):
        return False
    return True
