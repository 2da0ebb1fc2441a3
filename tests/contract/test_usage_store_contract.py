"""Usage counts storage: one contract, every backend (memory, SQLite, DynamoDB)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tenantlog.core.usage import Counts, DayUsage, MinuteUsage, UsageStore
from tenantlog.db.sqlite import SqliteDatabase

pytestmark = pytest.mark.anyio

EVERY_COUNT = Counts(
    accepted_logs=10,
    accepted_bytes=2_345,
    rate_limited_logs=3,
    stored_logs=9,
    dead_lettered_logs=1,
)


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
async def usage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[UsageStore]:
    made: UsageStore
    database = None
    if request.param == "memory":
        from tenantlog.usage.memory import MemoryUsageStore

        made = MemoryUsageStore()
    elif request.param == "sqlite":
        from tenantlog.usage.sqlite import SqliteUsageStore

        database = await SqliteDatabase.open(tmp_path)
        made = SqliteUsageStore(database)
    else:
        from tests.support.aws_emulator import make_dynamodb_usage_store

        made = await make_dynamodb_usage_store()
    yield made
    await made.close()
    if database is not None:
        await database.close()


async def test_a_store_nobody_added_to_has_no_days(usage: UsageStore) -> None:
    assert await usage.tenant_days("acme", "2026-01-01", "2026-12-31") == []
    assert await usage.all_days("2026-01-01", "2026-12-31") == []


async def test_every_count_round_trips(usage: UsageStore) -> None:
    await usage.add("acme", "2026-12-02", EVERY_COUNT)

    assert await usage.tenant_days("acme", "2026-12-02", "2026-12-02") == [
        DayUsage("acme", "2026-12-02", EVERY_COUNT)
    ]


async def test_adds_are_increments_and_a_count_never_added_is_zero(usage: UsageStore) -> None:
    # GIVEN a day's counts added by two flushes, each naming only some counts
    await usage.add("acme", "2026-12-02", Counts(accepted_logs=2, accepted_bytes=100))
    await usage.add("acme", "2026-12-02", Counts(accepted_logs=3, stored_logs=4))
    # THEN the day holds their sums
    (day,) = await usage.tenant_days("acme", "2026-12-01", "2026-12-03")
    assert day.counts == Counts(accepted_logs=5, accepted_bytes=100, stored_logs=4)


async def test_concurrent_adds_all_count(usage: UsageStore) -> None:
    # as several processes (API workers, the worker, Lambda instances) flush at once
    await asyncio.gather(
        *(
            usage.add("acme", "2026-12-02", Counts(accepted_logs=1, stored_logs=2))
            for _ in range(20)
        )
    )

    (day,) = await usage.tenant_days("acme", "2026-12-02", "2026-12-02")
    assert day.counts == Counts(accepted_logs=20, stored_logs=40)


async def test_counts_beyond_32_bits_are_exact(usage: UsageStore) -> None:
    big = Counts(accepted_logs=3_000_000_000, accepted_bytes=2**53 + 1)

    await usage.add("acme", "2026-12-02", big)
    await usage.add("acme", "2026-12-02", big)

    (day,) = await usage.tenant_days("acme", "2026-12-02", "2026-12-02")
    assert day.counts == Counts(accepted_logs=6_000_000_000, accepted_bytes=2**54 + 2)


async def test_adding_nothing_makes_no_day(usage: UsageStore) -> None:
    await usage.add("acme", "2026-12-02", Counts())

    assert await usage.tenant_days("acme", "2026-12-01", "2026-12-03") == []
    assert await usage.all_days("2026-12-01", "2026-12-03") == []


async def test_a_tenants_days_are_its_own_within_the_range_by_day(usage: UsageStore) -> None:
    # GIVEN days of two tenants, added out of order, some outside the range
    for tenant, day in [
        ("acme", "2026-12-03"),
        ("acme", "2026-11-30"),  # before the range
        ("other", "2026-12-02"),
        ("acme", "2026-12-01"),  # its first day, inclusive
        ("acme", "2026-12-04"),  # its last day, inclusive
        ("acme", "2026-12-05"),  # after the range
    ]:
        await usage.add(tenant, day, Counts(stored_logs=int(day[-2:])))
    # THEN a tenant's range is its days in it, oldest first
    found = await usage.tenant_days("acme", "2026-12-01", "2026-12-04")
    assert [(u.tenant_id, u.day, u.counts.stored_logs) for u in found] == [
        ("acme", "2026-12-01", 1),
        ("acme", "2026-12-03", 3),
        ("acme", "2026-12-04", 4),
    ]


async def test_every_tenants_days_within_the_range_by_tenant_then_day(usage: UsageStore) -> None:
    await usage.add("zeta", "2026-12-02", Counts(accepted_logs=1))
    await usage.add("acme", "2026-12-03", Counts(accepted_logs=2))
    await usage.add("acme", "2026-12-02", Counts(accepted_logs=3))
    await usage.add("m.y_t-1", "2026-12-03", Counts(dead_lettered_logs=4))
    await usage.add("acme", "2026-11-01", Counts(accepted_logs=5))  # outside

    found = await usage.all_days("2026-12-01", "2026-12-31")

    assert found == [
        DayUsage("acme", "2026-12-02", Counts(accepted_logs=3)),
        DayUsage("acme", "2026-12-03", Counts(accepted_logs=2)),
        DayUsage("m.y_t-1", "2026-12-03", Counts(dead_lettered_logs=4)),
        DayUsage("zeta", "2026-12-02", Counts(accepted_logs=1)),
    ]


async def test_a_range_across_a_year_end(usage: UsageStore) -> None:
    await usage.add("acme", "2025-12-31", Counts(stored_logs=1))
    await usage.add("acme", "2026-01-01", Counts(stored_logs=2))

    assert [u.day for u in await usage.tenant_days("acme", "2025-12-31", "2026-01-01")] == [
        "2025-12-31",
        "2026-01-01",
    ]
    assert len(await usage.all_days("2025-12-30", "2026-01-02")) == 2


async def test_tenant_ids_are_exact(usage: UsageStore) -> None:
    await usage.add("Acme", "2026-12-02", Counts(accepted_logs=1))

    assert await usage.tenant_days("acme", "2026-12-02", "2026-12-02") == []
    assert len(await usage.tenant_days("Acme", "2026-12-02", "2026-12-02")) == 1


# ---- the service's minute buckets (the console's rates of the last hour) ----


async def test_a_minute_round_trips_and_adds_are_increments(usage: UsageStore) -> None:
    # GIVEN one minute added to by several processes at once, and by one more flush
    await asyncio.gather(
        *(usage.add_minute("2026-12-03T10:15", Counts(accepted_logs=1)) for _ in range(10))
    )
    await usage.add_minute("2026-12-03T10:15", EVERY_COUNT)
    # THEN the minute holds their sum
    assert await usage.minutes("2026-12-03T10:00", "2026-12-03T10:59") == [
        MinuteUsage("2026-12-03T10:15", EVERY_COUNT + Counts(accepted_logs=10))
    ]


async def test_minutes_within_the_range_oldest_first(usage: UsageStore) -> None:
    # GIVEN minutes added out of order, one of them (10:00) with zeros only
    for minute in ["2026-12-03T10:02", "2026-12-03T09:59", "2026-12-03T10:00", "2026-12-03T10:03"]:
        await usage.add_minute(minute, Counts(stored_logs=int(minute[-2:])))
    await usage.add_minute("2026-12-03T10:01", Counts())  # nothing: no bucket

    found = await usage.minutes("2026-12-03T10:00", "2026-12-03T10:02")

    assert found == [
        MinuteUsage("2026-12-03T10:02", Counts(stored_logs=2)),
    ]
    assert [m.minute for m in await usage.minutes("2026-12-03T09:59", "2026-12-03T10:03")] == [
        "2026-12-03T09:59",
        "2026-12-03T10:02",
        "2026-12-03T10:03",
    ]


async def test_minutes_never_show_among_the_tenants_days(usage: UsageStore) -> None:
    # GIVEN a tenant's day and the service's minutes of that day, and of the days around it
    await usage.add("acme", "2026-12-03", Counts(accepted_logs=1))
    for minute in ["2026-12-02T23:59", "2026-12-03T00:00", "2026-12-03T00:30"]:
        await usage.add_minute(minute, Counts(accepted_logs=100))
    # THEN every listing of days has the tenant's day alone
    expected = [DayUsage("acme", "2026-12-03", Counts(accepted_logs=1))]
    assert await usage.all_days("2026-12-01", "2026-12-05") == expected
    assert await usage.all_days("2026-12-03", "2026-12-03") == expected
    assert await usage.tenant_days("acme", "2026-12-01", "2026-12-05") == expected
    # AND the minutes hold no tenant's day
    assert [m.minute for m in await usage.minutes("2026-12-01", "2026-12-05")] == [
        "2026-12-02T23:59",
        "2026-12-03T00:00",
        "2026-12-03T00:30",
    ]


async def test_hostile_tenant_ids_never_reach_the_minutes(usage: UsageStore) -> None:
    # a tenant id is validated before it is counted; even one that got through must not
    # land in, or read, the service's buckets
    await usage.add_minute("2026-12-03T10:00", Counts(accepted_logs=7))
    await usage.add("2026-12-03T10:00", "2026-12-03T10:00", Counts(accepted_logs=1))

    assert await usage.minutes("2026-12-03T10:00", "2026-12-03T10:00") == [
        MinuteUsage("2026-12-03T10:00", Counts(accepted_logs=7))
    ]
    assert await usage.tenant_days("acme", "2026-12-03T10:00", "2026-12-03T10:00") == []


async def test_minutes_older_than_two_hours_are_gone(usage: UsageStore) -> None:
    # GIVEN a bucket of 10:00, then one of 12:00 (two hours on) and one of 12:01
    await usage.add_minute("2026-12-03T10:00", Counts(stored_logs=1))
    await usage.add_minute("2026-12-03T10:01", Counts(stored_logs=2))
    await usage.add_minute("2026-12-03T12:00", Counts(stored_logs=3))
    # THEN 10:00 is still kept two hours on, to the minute
    kept = await usage.minutes("2026-12-03T00:00", "2026-12-03T23:59")
    assert [m.minute for m in kept] == ["2026-12-03T10:00", "2026-12-03T10:01", "2026-12-03T12:00"]
    # WHEN a later minute is added, a bucket more than two hours older is gone or expires
    await usage.add_minute("2026-12-03T12:01", Counts(stored_logs=4))
    if expires_rather_than_deletes(usage):
        return  # DynamoDB's TTL: the test below
    left = await usage.minutes("2026-12-03T00:00", "2026-12-03T23:59")
    assert [m.minute for m in left] == ["2026-12-03T10:01", "2026-12-03T12:00", "2026-12-03T12:01"]


def expires_rather_than_deletes(usage: UsageStore) -> bool:
    """DynamoDB deletes a bucket once its TTL attribute has passed, in its own time."""
    from tenantlog.usage.dynamodb import DynamoDbUsageStore

    return isinstance(usage, DynamoDbUsageStore)


async def test_dynamodb_minutes_carry_the_tables_ttl_and_tenant_days_do_not() -> None:
    from tenantlog.usage.dynamodb import DynamoDbUsageStore, create_usage_table
    from tests.support.aws_emulator import create_table, dynamodb_client

    table = create_table(create_usage_table)
    client = dynamodb_client()
    store = DynamoDbUsageStore(client, table)
    try:
        # GIVEN a minute's bucket and a tenant's day
        await store.add_minute("2026-12-03T10:15", Counts(accepted_logs=1))
        await store.add_minute("2026-12-03T10:15", Counts(stored_logs=1))
        await store.add("acme", "2026-12-03", Counts(accepted_logs=1))
        # THEN the table expires what carries expires_at
        ttl = client.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
        assert (ttl["TimeToLiveStatus"], ttl.get("AttributeName")) == ("ENABLED", "expires_at")
        # AND the bucket expires two hours after its minute began, the day never
        minute = client.get_item(
            TableName=table, Key={"tenant_id": {"S": "*"}, "day": {"S": "2026-12-03T10:15"}}
        )["Item"]
        assert minute["expires_at"] == {"N": str(1_796_292_900 + 7200)}
        day = client.get_item(
            TableName=table, Key={"tenant_id": {"S": "acme"}, "day": {"S": "2026-12-03"}}
        )["Item"]
        assert "expires_at" not in day
    finally:
        await store.close()
