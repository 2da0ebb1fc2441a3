"""DynamoDB write sharding beyond the shared contract: the keys written, a change of a
tenant's N with data stored, writers whose plans differ, and the wiring from the tenant
settings (docs/write-sharding.md). The contract suites run every store behaviour under
N = 1, 4 and 16 (tests/contract/conftest.py)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest

from tenantlog.audit.dynamodb import create_audit_table
from tenantlog.audit.memory import MemoryAuditLog
from tenantlog.aws.clients import make_client
from tenantlog.backends import dynamodb_store
from tenantlog.core.erasure import Erasure
from tenantlog.core.models import LogRecord
from tenantlog.core.query import LogQuery
from tenantlog.core.store import StoreUnavailable
from tenantlog.core.tenants import TenantSettings, TenantStoreUnavailable, set_tenant_settings
from tenantlog.settings import load_settings
from tenantlog.store.dynamodb import DynamoDbStore, create_erasures_table
from tenantlog.store.dynamodb_reshard import move_to_layout
from tenantlog.store.dynamodb_shards import CachedShardPlans, ShardPlan, partition_key, shard_of
from tenantlog.tenants.dynamodb import DynamoDbTenantStore, create_tenants_table
from tests.support.aws_emulator import REGION, create_table
from tests.support.cli import tenantlog
from tests.support.factories import make_record

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

pytestmark = pytest.mark.anyio

#: Received after any erasure a test starts now.
AFTER_ERASURE = "2999-01-01T00:00:00.000Z"


class Plans:
    """A plan lookup a test changes by hand, as ``tenants set --write-shards`` would."""

    def __init__(self, *layouts: int) -> None:
        self.plan = ShardPlan(layouts)

    async def __call__(self, tenant_id: str) -> ShardPlan:
        return self.plan


OpenStore = Callable[[Plans], DynamoDbStore]


@pytest.fixture
async def open_store(moto_server: str) -> AsyncIterator[OpenStore]:
    """Stores over one fresh table and erasures table, each with the plans it is given
    (several processes of one deployment)."""
    table = create_table()
    erasures = create_table(create_erasures_table)
    made: list[DynamoDbStore] = []

    def open_store(plans: Plans) -> DynamoDbStore:
        store = DynamoDbStore(
            make_client("dynamodb", REGION, 32), table, erasures_table=erasures, shard_plans=plans
        )
        made.append(store)
        return store

    yield open_store
    for store in made:
        await store.close()


def items(dynamodb: DynamoDBClient, store: DynamoDbStore) -> list[dict[str, Any]]:
    """Every item of the store's table, read behind its back."""
    return dynamodb.scan(TableName=store._table, ConsistentRead=True)["Items"]


def records_of(dynamodb: DynamoDBClient, store: DynamoDbStore, log_id: str) -> list[str]:
    """The partition keys under which a record (not a claim or tombstone) of ``log_id`` is."""
    return [
        item["tenant_id"]["S"]
        for item in items(dynamodb, store)
        if item["log_id"]["S"] == log_id and "stored_in" not in item and "erased_at" not in item
    ]


def timed(log_id: str, n: int) -> LogRecord:
    """A record with an event time that orders the records by ``n``."""
    moment = f"2023-12-{1 + n % 28:02d}T00:00:{n % 60:02d}.000000000Z"
    return replace(make_record(log_id=log_id), timestamp=moment)


async def every_page(store: DynamoDbStore, query: LogQuery | None, limit: int) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        page = await store.list("acme", limit, cursor, query)
        ids += [record.log_id for record in page.items]
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


def test_shard_of_is_a_stable_hash_of_the_log_id() -> None:
    # Fixed values: every process, on every machine and Python, finds a log under one key
    # (Python's own hash() of a str changes with each process); a lone surrogate too.
    assert [
        shard_of("123", 16),
        shard_of("a/b#c?%", 16),
        shard_of("ünï", 256),
        shard_of("\udcff", 7),
    ] == [9, 6, 151, 6]
    assert {shard_of(f"log-{n}", 1) for n in range(50)} == {0}
    assert {shard_of(f"log-{n}", 4) for n in range(200)} == {0, 1, 2, 3}
    assert partition_key("acme", 0) == "acme"
    assert partition_key("acme", 3) == "acme#3"


async def test_one_shard_writes_the_unsharded_keys(
    open_store: OpenStore, dynamodb: DynamoDBClient
) -> None:
    store = open_store(Plans(1))

    assert await store.put_if_absent(make_record(log_id="123")) is True

    (item,) = items(dynamodb, store)
    assert (item["tenant_id"], item["log_id"]) == ({"S": "acme"}, {"S": "123"})
    assert "stored_in" not in item


async def test_sixteen_shards_spread_the_table_and_the_index_over_sixteen_keys(
    open_store: OpenStore, dynamodb: DynamoDBClient
) -> None:
    store = open_store(Plans(16))
    for n in range(200):
        assert await store.put_if_absent(timed(f"log-{n}", n)) is True

    keys = {item["tenant_id"]["S"] for item in items(dynamodb, store)}
    assert keys == {"acme", *(f"acme#{s}" for s in range(1, 16))}
    for n in (0, 7, 199):
        (key,) = records_of(dynamodb, store, f"log-{n}")
        assert key == partition_key("acme", shard_of(f"log-{n}", 16))
    # the event-time index is keyed by the same attribute: a partition of it per shard
    indexed = dynamodb.query(
        TableName=store._table,
        IndexName="by_event_time",
        KeyConditionExpression="tenant_id = :t",
        ExpressionAttributeValues={":t": {"S": "acme#5"}},
    )["Items"]
    assert indexed and all(item["tenant_id"]["S"] == "acme#5" for item in indexed)


async def test_changing_n_keeps_every_log_readable_and_a_redelivery_stores_no_second_copy(
    open_store: OpenStore, dynamodb: DynamoDBClient
) -> None:
    # GIVEN 30 logs stored unsharded, 30 more after a change to 4, 30 after one to 16
    plans = Plans(1)
    store = open_store(plans)
    written: list[LogRecord] = []
    for layouts in [(1,), (1, 4), (1, 4, 16)]:
        plans.plan = ShardPlan(layouts)
        for n in range(len(written), len(written) + 30):
            record = timed(f"log-{n:03d}", n)
            assert await store.put_if_absent(record) is True
            written.append(record)
    # WHEN every message is delivered again, under the newest plan
    for record in written:
        assert await store.put_if_absent(replace(record, modified_data="second")) is False
    # THEN each log is stored once, under the key of the layout it was first written in
    for record in written:
        assert len(records_of(dynamodb, store, record.log_id)) == 1
        assert await store.get("acme", record.log_id) == record
    # AND pages of every size, in both orders, list each once, in order
    by_id = sorted(record.log_id for record in written)
    by_time = [r.log_id for r in sorted(written, key=LogQuery(order="asc").sort_key)]
    for limit in (1, 7, 90, 1000):
        assert await every_page(store, None, limit) == by_id
        assert await every_page(store, LogQuery(order="asc"), limit) == by_time
        assert await every_page(store, LogQuery(order="desc"), limit) == by_time[::-1]


async def test_writers_with_an_old_and_a_new_plan_store_a_log_once(
    open_store: OpenStore, dynamodb: DynamoDBClient
) -> None:
    # GIVEN one process that has not seen a change from 1 to 4 shards, and one that has
    stale = open_store(Plans(1))
    fresh = open_store(Plans(1, 4))
    log_ids = [n for n in (f"log-{n}" for n in range(40)) if shard_of(n, 4) != 0][:6]
    # WHEN both deliver each log, in either order
    for n, log_id in enumerate(log_ids):
        first, second = (stale, fresh) if n % 2 else (fresh, stale)
        assert await first.put_if_absent(make_record(log_id=log_id)) is True
        # THEN the second is refused: the new layout's write claimed the old key
        assert await second.put_if_absent(make_record(log_id=log_id)) is False
        assert len(records_of(dynamodb, stale, log_id)) == 1
    # AND the stale process reads and deletes a log written under the layout it lacks
    newer = log_ids[0]  # written by the fresh process first
    assert await stale.get("acme", newer) == make_record(log_id=newer)
    assert await stale.delete("acme", newer) is True
    assert await fresh.get("acme", newer) is None
    assert await fresh.put_if_absent(make_record(log_id=newer)) is False


async def test_an_erasure_removes_logs_and_claims_of_every_layout(
    open_store: OpenStore, dynamodb: DynamoDBClient
) -> None:
    # GIVEN logs written under 1 shard, then under 16 (which claim their ids under key 0)
    plans = Plans(1)
    store = open_store(plans)
    for n in range(10):
        await store.put_if_absent(make_record(log_id=f"old-{n}"))
    plans.plan = ShardPlan((1, 16))
    for n in range(10):
        await store.put_if_absent(make_record(log_id=f"new-{n}"))
    assert any("stored_in" in item for item in items(dynamodb, store))
    # WHEN the tenant's logs are erased
    erasure = Erasure.start("acme", requested_by="test")
    await store.save_erasure(erasure)
    while await store.delete_erased("acme", erasure.before, 3) == 3:
        pass
    # THEN nothing of them is left, and an id may be used again by a later log
    assert items(dynamodb, store) == []
    later = replace(make_record(log_id="new-0"), received_at=AFTER_ERASURE)
    assert await store.put_if_absent(later) is True


class ConcurrentQueries:
    """The client, but each Query waits until ``parties`` Queries are in flight at once: a
    store that queried its shards one by one would break the barrier."""

    def __init__(self, client: DynamoDBClient, parties: int) -> None:
        self._client = client
        self._barrier = threading.Barrier(parties, timeout=30)

    def query(self, **params: Any) -> Any:
        self._barrier.wait()
        return self._client.query(**params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


async def test_a_page_queries_the_shards_at_once(moto_server: str) -> None:
    table = create_table()
    client = make_client("dynamodb", REGION, 32)
    writer = DynamoDbStore(client, table, shard_plans=Plans(8))
    for n in range(20):
        await writer.put_if_absent(make_record(log_id=f"log-{n:02d}"))
    reader = DynamoDbStore(
        ConcurrentQueries(make_client("dynamodb", REGION, 32), 8),  # type: ignore[arg-type]
        table,
        shard_plans=Plans(8),
    )
    try:
        page = await reader.list("acme", 100, None)
    finally:
        await reader.close()
        await writer.close()

    assert [record.log_id for record in page.items] == [f"log-{n:02d}" for n in range(20)]


async def test_the_wiring_reads_each_tenants_shards_from_its_settings(
    moto_server: str, dynamodb: DynamoDBClient
) -> None:
    # GIVEN a deployment with a tenant settings table, and acme set to 4 shards
    tenants = DynamoDbTenantStore(
        make_client("dynamodb", REGION, 4), create_table(create_tenants_table)
    )
    await set_tenant_settings(
        tenants, MemoryAuditLog(), "acme", changes={"write_shards": 4}, actor="test"
    )
    table = create_table()
    settings = load_settings(backend="aws", sqs_queue_url="unused", dynamodb_table_name=table)
    store = dynamodb_store(settings, tenants)
    try:
        # WHEN acme and another tenant write
        for n in range(40):
            await store.put_if_absent(make_record("acme", f"log-{n}"))
            await store.put_if_absent(make_record("other", f"log-{n}"))
    finally:
        await store.close()
        await tenants.close()
    # THEN acme's logs are spread over its 4 keys (claims of ids under key 0, the layout
    # it had before), the other tenant's are under its own key alone
    keys = {item["tenant_id"]["S"] for item in dynamodb.scan(TableName=table)["Items"]}
    assert keys == {"acme", "acme#1", "acme#2", "acme#3", "other"}


async def test_cached_plans_are_read_again_after_their_bound_and_never_guessed() -> None:
    now = [0.0]
    answers: list[TenantSettings | Exception | None] = [
        TenantSettings("acme", write_shards=4, past_write_shards=(1,)),
        TenantSettings("acme", write_shards=16, past_write_shards=(1, 4)),
        TenantStoreUnavailable("table gone"),
    ]

    async def lookup(tenant_id: str) -> TenantSettings | None:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    plans = CachedShardPlans(lookup, seconds=10, clock=lambda: now[0])

    assert (await plans("acme")).layouts == (1, 4)
    now[0] = 9.9
    assert (await plans("acme")).layouts == (1, 4)  # still the cached plan
    now[0] = 10.0
    assert (await plans("acme")).layouts == (1, 4, 16)
    now[0] = 20.0
    with pytest.raises(StoreUnavailable, match="shard plan of tenant 'acme'"):
        await plans("acme")


async def test_moving_to_the_current_layout_lets_the_older_ones_be_forgotten(
    open_store: OpenStore, dynamodb: DynamoDBClient
) -> None:
    # GIVEN logs stored unsharded, one of them deleted, then more under 4 shards
    plans = Plans(1)
    store = open_store(plans)
    written = [make_record(log_id=f"old-{n:02d}") for n in range(20)]
    for record in written:
        await store.put_if_absent(record)
    deleted = next(r.log_id for r in written if shard_of(r.log_id, 4) != 0)
    assert await store.delete("acme", deleted) is True
    plans.plan = ShardPlan((1, 4))
    for n in range(20):
        record = make_record(log_id=f"new-{n:02d}")
        await store.put_if_absent(record)
        written.append(record)
    # WHEN the items are moved to the current layout's keys, and the old layout forgotten
    table = store._table
    moves = list(move_to_layout(dynamodb, table, "acme", plans.plan))
    plans.plan = ShardPlan((4,))
    # THEN every item is under its key of 4 shards, and no claim is left
    assert sum(m.left for m in moves) == 0 and sum(m.moved for m in moves) > 0
    for item in items(dynamodb, store):
        assert "stored_in" not in item
        assert item["tenant_id"]["S"] == partition_key("acme", shard_of(item["log_id"]["S"], 4))
    # AND every log reads back, once, and a redelivery or the deleted id stays refused
    live = [r for r in written if r.log_id != deleted]
    assert await every_page(store, None, 7) == sorted(r.log_id for r in live)
    for record in written:
        assert await store.put_if_absent(record) is False
        assert await store.get("acme", record.log_id) == (
            None if record.log_id == deleted else record
        )
    # AND a second pass has nothing to do
    assert sum(m.moved for m in move_to_layout(dynamodb, table, "acme", ShardPlan((1, 4)))) == 0


async def test_tenants_set_then_reshard_moves_a_tenant_and_forgets_its_old_layout(
    moto_server: str, dynamodb: DynamoDBClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an aws deployment with tenant settings and an audit trail, and 30 logs of acme
    # stored unsharded
    settings_table = create_table(create_tenants_table)
    table = create_table()
    for name, value in {
        "TENANTLOG_BACKEND": "aws",
        "SQS_QUEUE_URL": "http://127.0.0.1:9/unused",
        "DYNAMODB_TABLE_NAME": table,
        "TENANTLOG_DYNAMODB_TENANTS_TABLE": settings_table,
        "TENANTLOG_DYNAMODB_AUDIT_TABLE": create_table(create_audit_table),
    }.items():
        monkeypatch.setenv(name, value)
    tenants = DynamoDbTenantStore(make_client("dynamodb", REGION, 4), settings_table)
    store = dynamodb_store(load_settings(), tenants)
    records = [make_record(log_id=f"log-{n:02d}") for n in range(30)]
    try:
        for record in records:
            assert await store.put_if_absent(record) is True
        # WHEN the operator sets 4 shards, and reshards once running processes have the plan
        changed = tenantlog("tenants", "set", "acme", "--write-shards", "4", data_dir=None)
        early = tenantlog("tenants", "reshard", "acme", data_dir=None, check=False)
        dynamodb.update_item(
            TableName=settings_table,
            Key={"tenant_id": {"S": "acme"}},
            UpdateExpression="SET updated_at = :then",
            ExpressionAttributeValues={":then": {"S": "2024-01-01T00:00:00.000Z"}},
        )
        done = tenantlog("tenants", "reshard", "acme", data_dir=None)
        # THEN the first is refused until the change has reached every process, the second
        # moved the logs and left the tenant one layout of 4 keys
        assert "run `tenantlog tenants reshard acme`" in changed.stderr
        assert early.returncode == 1 and "run again in" in early.stderr
        assert "the layouts before (1) are forgotten" in done.stdout
        stored = await tenants.get("acme")
        assert stored is not None and stored.write_shard_layouts() == (4,)
        keys = {item["tenant_id"]["S"] for item in dynamodb.scan(TableName=table)["Items"]}
        assert keys == {"acme", "acme#1", "acme#2", "acme#3"}
        # AND a process reading the settings anew finds every log, and refuses redeliveries
        fresh = dynamodb_store(load_settings(), tenants)
        try:
            assert [r.log_id for r in (await fresh.list("acme", 100, None)).items] == [
                r.log_id for r in records
            ]
            for record in records:
                assert await fresh.put_if_absent(record) is False
        finally:
            await fresh.close()
    finally:
        await store.close()
        await tenants.close()


async def test_cached_plans_share_one_read_per_tenant_and_keep_a_bounded_number() -> None:
    reads: list[str] = []
    release = asyncio.Event()

    async def lookup(tenant_id: str) -> TenantSettings | None:
        reads.append(tenant_id)
        await release.wait()
        return TenantSettings(tenant_id, write_shards=4)

    plans = CachedShardPlans(lookup, max_tenants=3)
    # GIVEN ten lookups of one tenant waiting at once, one of them given up
    waiting = [asyncio.create_task(plans("acme")) for _ in range(10)]
    await asyncio.sleep(0)
    waiting[0].cancel()
    release.set()
    # THEN one read answered the nine others
    answers = await asyncio.gather(*waiting[1:])
    assert reads == ["acme"] and {plan.layouts for plan in answers} == {(4,)}
    # WHEN more tenants than the bound are read
    for tenant in ("t1", "t2", "t3"):
        await plans(tenant)
    # THEN the least recently read plan was dropped, and is read again when asked for
    await plans("t3")
    await plans("acme")
    assert reads == ["acme", "t1", "t2", "t3", "acme"]
    await plans("t1")  # dropped by the read of "acme" just before
    assert reads[-1] == "t1" and len(plans._plans) == 3
