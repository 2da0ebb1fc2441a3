"""Usage counting (DESIGN §2b): the in-memory recorder and its flushes, with an injected
clock; what the processor and the worker count; the routes' rules and metric labels."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import UTC, datetime

import pytest

from tenantlog.backends import UsageNotConfigured
from tenantlog.core.models import LogRecord
from tenantlog.core.processing import Ack, DeadLetter, ProcessingPolicy, Processor, Retry
from tenantlog.core.queue import Delivery, Outgoing
from tenantlog.core.usage import (
    SERVICE,
    Counts,
    DayUsage,
    MinuteUsage,
    UsageUnavailable,
    day_range,
    recent_minutes,
    tenant_usage,
    tenants_usage,
    utc_day,
    utc_minute,
    window,
)
from tenantlog.core.usage_recorder import UsageRecorder
from tenantlog.http.policy import Rule, route_label, rule_for
from tenantlog.queue.memory import MemoryQueue
from tenantlog.redaction import Redactor
from tenantlog.store.memory import MemoryStore
from tenantlog.usage.memory import MemoryUsageStore
from tenantlog.worker import Worker
from tests.support.factories import message, message_body

pytestmark = pytest.mark.anyio

NOON = datetime(2026, 12, 2, 12, tzinfo=UTC).timestamp()
MIDNIGHT = datetime(2026, 12, 3, tzinfo=UTC).timestamp()


class Clock:
    def __init__(self, now: float = NOON) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class FlakyStore(MemoryUsageStore):
    """Records every add; refuses the adds of the tenants in ``refusing``."""

    def __init__(self) -> None:
        super().__init__()
        self.adds: list[tuple[str, str, Counts]] = []
        self.minute_adds: list[tuple[str, Counts]] = []
        self.refusing: set[str] = set()  # "*" refuses the service's minutes

    async def add(self, tenant_id: str, day: str, counts: Counts) -> None:
        if tenant_id in self.refusing:
            raise UsageUnavailable("down")
        self.adds.append((tenant_id, day, counts))
        await super().add(tenant_id, day, counts)

    async def add_minute(self, minute: str, counts: Counts) -> None:
        if SERVICE in self.refusing:
            raise UsageUnavailable("down")
        self.minute_adds.append((minute, counts))
        await super().add_minute(minute, counts)


def recorder(
    store: FlakyStore, clock: Clock, *, flush_seconds: float = 10.0, max_pending: int = 100
) -> UsageRecorder:
    made = UsageRecorder(store, clock=clock, flush_seconds=flush_seconds, max_pending=max_pending)
    made.flush_when_asked()  # the tests flush themselves, unless they test the timer
    return made


# ---- the recorder --------------------------------------------------------------------


async def test_counts_wait_in_memory_and_one_flush_writes_one_add_per_tenant_and_day() -> None:
    # GIVEN many counts of two tenants
    store, clock = FlakyStore(), Clock()
    usage = recorder(store, clock)
    for _ in range(100):
        usage.accepted("acme", 10, 2000)
    usage.rate_limited("acme", 5)
    usage.accepted("other", 1, 50)
    # THEN nothing is written until a flush
    assert store.adds == []
    # WHEN it flushes
    assert await usage.flush()
    # THEN each (tenant, day) is one add of its sums
    assert sorted(store.adds) == [
        (
            "acme",
            "2026-12-02",
            Counts(accepted_logs=1000, accepted_bytes=200_000, rate_limited_logs=5),
        ),
        ("other", "2026-12-02", Counts(accepted_logs=1, accepted_bytes=50)),
    ]
    assert usage.pending == {}
    # AND a flush with nothing to write writes nothing
    assert await usage.flush()
    assert len(store.adds) == 2


async def test_flush_if_due_waits_for_the_interval_since_the_last_flush() -> None:
    store, clock = FlakyStore(), Clock()
    usage = recorder(store, clock, flush_seconds=10)
    # a container's first invocation flushes at once: nothing flushed before
    usage.accepted("acme", 1, 10)
    await usage.flush_if_due()
    assert len(store.adds) == 1
    # within the interval, counts wait
    clock.now += 9.9
    usage.accepted("acme", 1, 10)
    await usage.flush_if_due()
    assert len(store.adds) == 1
    assert usage.pending == {("acme", "2026-12-02"): Counts(accepted_logs=1, accepted_bytes=10)}
    # once it has passed, they are written
    clock.now += 0.1
    await usage.flush_if_due()
    assert len(store.adds) == 2
    assert usage.pending == {}


async def test_a_flush_interval_of_zero_flushes_every_time() -> None:
    store, clock = FlakyStore(), Clock()
    usage = recorder(store, clock, flush_seconds=0)
    for _ in range(3):
        usage.accepted("acme", 1, 10)
        await usage.flush_if_due()
    assert len(store.adds) == 3


async def test_a_failed_flush_keeps_the_counts_for_the_next_one() -> None:
    # GIVEN counts of two tenants, and a store that refuses one of them
    store, clock = FlakyStore(), Clock()
    usage = recorder(store, clock)
    usage.accepted("acme", 2, 20)
    usage.accepted("other", 3, 30)
    store.refusing = {"acme"}
    # WHEN a flush fails for that one
    assert not await usage.flush()
    # THEN the other's counts are written once, and the refused ones are kept...
    assert store.adds == [("other", "2026-12-02", Counts(accepted_logs=3, accepted_bytes=30))]
    assert usage.pending == {("acme", "2026-12-02"): Counts(accepted_logs=2, accepted_bytes=20)}
    # ... merged with what is counted meanwhile, and written by the next flush
    usage.accepted("acme", 1, 10)
    store.refusing = set()
    assert await usage.flush()
    assert store.adds[-1] == ("acme", "2026-12-02", Counts(accepted_logs=3, accepted_bytes=30))
    assert await store.all_days("2026-12-02", "2026-12-02") == [
        DayUsage("acme", "2026-12-02", Counts(accepted_logs=3, accepted_bytes=30)),
        DayUsage("other", "2026-12-02", Counts(accepted_logs=3, accepted_bytes=30)),
    ]


async def test_a_failed_flush_warns_at_most_once_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, clock = FlakyStore(), Clock()
    usage = recorder(store, clock)
    store.refusing = {"acme"}
    with caplog.at_level(logging.WARNING, logger="tenantlog"):
        for _ in range(5):
            usage.accepted("acme", 1, 1)
            await usage.flush()
    assert [r.getMessage() for r in caplog.records] == [
        "usage counts not written, kept for the next flush: down"
    ]
    assert usage.pending == {("acme", "2026-12-02"): Counts(accepted_logs=5, accepted_bytes=5)}


async def test_counts_go_to_the_utc_day_on_which_they_happen() -> None:
    store, clock = FlakyStore(), Clock(MIDNIGHT - 0.001)
    usage = recorder(store, clock)
    usage.accepted("acme", 1, 10)
    clock.now = MIDNIGHT
    usage.accepted("acme", 2, 20)
    clock.now = MIDNIGHT - 1  # a clock stepped back is followed too
    usage.rate_limited("acme", 4)

    assert usage.pending == {
        ("acme", "2026-12-02"): Counts(accepted_logs=1, accepted_bytes=10, rate_limited_logs=4),
        ("acme", "2026-12-03"): Counts(accepted_logs=2, accepted_bytes=20),
    }


async def test_memory_is_bounded_new_pairs_beyond_the_limit_are_dropped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, clock = FlakyStore(), Clock()
    usage = recorder(store, clock, max_pending=2)
    with caplog.at_level(logging.WARNING, logger="tenantlog"):
        usage.accepted("a", 1, 1)
        usage.accepted("b", 1, 1)
        usage.accepted("c", 1, 1)  # a third pair: dropped
        usage.accepted("a", 1, 1)  # a pair already held still counts
    assert set(usage.pending) == {("a", "2026-12-02"), ("b", "2026-12-02")}
    assert usage.pending["a", "2026-12-02"].accepted_logs == 2
    assert usage.dropped == 1
    assert "usage counts dropped" in caplog.text
    # after a flush there is room again
    await usage.flush()
    usage.accepted("c", 1, 1)
    assert set(usage.pending) == {("c", "2026-12-02")}


async def test_the_timer_flushes_after_the_interval_and_close_flushes_the_rest() -> None:
    # GIVEN a recorder with its timer (real time, a short interval)
    store = FlakyStore()
    usage = UsageRecorder(store, flush_seconds=0.05)
    # WHEN something is counted
    usage.accepted("acme", 1, 10)
    # THEN it is written within the interval, without being asked
    for _ in range(100):
        if store.adds:
            break
        await asyncio.sleep(0.01)
    assert [(t, c) for t, _, c in store.adds] == [
        ("acme", Counts(accepted_logs=1, accepted_bytes=10))
    ]
    # AND what is counted after it is written by close, at once
    usage.rate_limited("acme", 2)
    await usage.close()
    assert [(t, c) for t, _, c in store.adds][-1] == ("acme", Counts(rate_limited_logs=2))


async def test_an_idle_recorder_starts_no_timer() -> None:
    usage = UsageRecorder(FlakyStore(), flush_seconds=0.01)
    await asyncio.sleep(0.05)
    assert {t.get_name() for t in asyncio.all_tasks()}.isdisjoint({"tenantlog-usage-flush"})
    await usage.close()


async def test_outcomes_count_stored_logs_and_dead_letters_of_a_known_tenant() -> None:
    store, clock = FlakyStore(), Clock()
    usage = recorder(store, clock)
    usage.outcome(Ack(True, tenant_id="acme"))
    usage.outcome(Ack(True, tenant_id="acme"))
    usage.outcome(Ack(False, tenant_id="acme"))  # a duplicate: stored before
    usage.outcome(Retry(1.0, "crash"))
    usage.outcome(DeadLetter("too large", tenant_id="acme"))
    usage.outcome(DeadLetter("not JSON"))  # names no tenant

    assert usage.pending == {("acme", "2026-12-02"): Counts(stored_logs=2, dead_lettered_logs=1)}


# ---- the service's minutes (the console's rates) ---------------------------------------


async def test_every_tenants_counts_add_up_in_the_minute_they_happen() -> None:
    # GIVEN counts of two tenants in one minute, and of one in the next
    store, clock = FlakyStore(), Clock(NOON + 59.9)
    usage = recorder(store, clock)
    usage.accepted("acme", 10, 100)
    usage.accepted("other", 5, 50)
    usage.outcome(Ack(True, tenant_id="acme"))
    usage.outcome(DeadLetter("not JSON"))  # names no tenant: the service's count all the same
    clock.now = NOON + 60
    usage.outcome(Ack(True, tenant_id="other"))
    usage.rate_limited("acme", 3)
    # THEN each minute holds the sums of every tenant
    first = Counts(accepted_logs=15, accepted_bytes=150, stored_logs=1, dead_lettered_logs=1)
    second = Counts(rate_limited_logs=3, stored_logs=1)
    assert usage.pending_minutes == {"2026-12-02T12:00": first, "2026-12-02T12:01": second}
    # WHEN it flushes, one add per minute goes with the tenants' days
    assert await usage.flush()
    assert sorted(store.minute_adds) == [("2026-12-02T12:00", first), ("2026-12-02T12:01", second)]
    assert len(store.adds) == 2  # one per tenant and day, as ever
    assert usage.pending_minutes == {}
    assert await store.minutes("2026-12-02T12:00", "2026-12-02T12:01") == [
        MinuteUsage("2026-12-02T12:00", first),
        MinuteUsage("2026-12-02T12:01", second),
    ]


async def test_a_message_naming_the_services_key_counts_for_no_tenant() -> None:
    # a forged queue message: no valid tenant id is "*", so admission never counts one
    store, clock = FlakyStore(), Clock()
    usage = recorder(store, clock)
    usage.outcome(DeadLetter("forged", tenant_id=SERVICE))
    usage.outcome(Ack(True, tenant_id=SERVICE))

    assert usage.pending == {}
    assert usage.pending_minutes == {
        "2026-12-02T12:00": Counts(stored_logs=1, dead_lettered_logs=1)
    }


async def test_the_minute_counts_even_when_a_tenants_day_is_dropped() -> None:
    store, clock = FlakyStore(), Clock()
    usage = recorder(store, clock, max_pending=1)
    usage.accepted("a", 1, 1)
    usage.accepted("b", 2, 2)  # over the limit of pairs: the tenant's day is dropped

    assert set(usage.pending) == {("a", "2026-12-02")}
    assert usage.pending_minutes == {"2026-12-02T12:00": Counts(accepted_logs=3, accepted_bytes=3)}


async def test_a_failed_flush_keeps_minutes_until_their_bucket_would_be_gone() -> None:
    # GIVEN a minute's counts the store refuses
    store, clock = FlakyStore(), Clock()
    usage = recorder(store, clock)
    usage.accepted("acme", 1, 10)
    store.refusing = {SERVICE}
    assert not await usage.flush()
    # THEN the tenant's day is written and the minute kept, merged with later counts
    assert store.adds == [("acme", "2026-12-02", Counts(accepted_logs=1, accepted_bytes=10))]
    usage.accepted("acme", 1, 10)
    assert usage.pending_minutes == {"2026-12-02T12:00": Counts(accepted_logs=2, accepted_bytes=20)}
    # WHEN the store stays down for two hours and more
    clock.now = NOON + 2 * 3600 + 60
    usage.accepted("acme", 1, 10)
    assert not await usage.flush()
    # THEN the old minute is let go (its bucket would be deleted), the new one kept
    assert usage.pending_minutes == {"2026-12-02T14:01": Counts(accepted_logs=1, accepted_bytes=10)}
    store.refusing = set()
    assert await usage.flush()
    assert store.minute_adds == [
        ("2026-12-02T14:01", Counts(accepted_logs=1, accepted_bytes=10)),
    ]


async def test_the_last_hour_is_every_minute_oldest_first_with_zeros() -> None:
    store = FlakyStore()
    now = NOON + 30  # half-way through 12:00
    await store.add_minute("2026-12-02T11:01", Counts(stored_logs=1))  # the first of the hour
    await store.add_minute("2026-12-02T11:00", Counts(stored_logs=9))  # just before it
    await store.add_minute("2026-12-02T12:00", Counts(accepted_logs=2))  # the current minute

    last_hour = await recent_minutes(store, now)

    assert len(last_hour) == 60
    assert last_hour[0] == MinuteUsage("2026-12-02T11:01", Counts(stored_logs=1))
    assert last_hour[-1] == MinuteUsage("2026-12-02T12:00", Counts(accepted_logs=2))
    assert all(m.counts.empty for m in last_hour[1:-1])
    assert [m.minute for m in last_hour] == [utc_minute(now - 60 * n) for n in range(59, -1, -1)]


# ---- reading ---------------------------------------------------------------------------


def test_days_and_windows_are_utc_and_include_today() -> None:
    assert utc_day(MIDNIGHT - 0.001) == "2026-12-02"
    assert utc_day(MIDNIGHT) == "2026-12-03"
    assert window(NOON, 1) == ("2026-12-02", "2026-12-02")
    assert window(NOON, 7) == ("2026-11-26", "2026-12-02")
    assert day_range("2024-02-28", "2024-03-01") == ["2024-02-28", "2024-02-29", "2024-03-01"]


async def test_a_tenants_window_shows_every_day_oldest_first_with_zeros() -> None:
    store = MemoryUsageStore()
    await store.add("acme", "2026-12-01", Counts(accepted_logs=2, accepted_bytes=20))
    await store.add("acme", "2026-11-01", Counts(accepted_logs=9))  # outside the window

    shown = await tenant_usage(store, "acme", 3, NOON)

    zero = Counts().to_dict()
    assert shown == {
        "tenant_id": "acme",
        "days": [
            {"day": "2026-11-30", **zero},
            {"day": "2026-12-01", **zero, "accepted_logs": 2, "accepted_bytes": 20},
            {"day": "2026-12-02", **zero},
        ],
    }


async def test_every_tenants_window_shows_totals_of_tenants_with_activity() -> None:
    store = MemoryUsageStore()
    await store.add("zeta", "2026-12-02", Counts(stored_logs=1))
    await store.add("acme", "2026-12-01", Counts(stored_logs=2))
    await store.add("acme", "2026-12-02", Counts(stored_logs=3, dead_lettered_logs=1))

    shown = await tenants_usage(store, 7, NOON)

    zero = Counts().to_dict()
    assert shown == {
        "first_day": "2026-11-26",
        "last_day": "2026-12-02",
        "tenants": [
            {"tenant_id": "acme", **zero, "stored_logs": 5, "dead_lettered_logs": 1},
            {"tenant_id": "zeta", **zero, "stored_logs": 1},
        ],
    }


async def test_without_its_table_usage_is_dropped_and_reading_names_the_variable(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = UsageNotConfigured("TENANTLOG_DYNAMODB_USAGE_TABLE")
    with caplog.at_level(logging.WARNING, logger="tenantlog"):
        await store.add("acme", "2026-12-02", Counts(accepted_logs=1))
        await store.add("acme", "2026-12-02", Counts(accepted_logs=1))
    assert caplog.text.count("TENANTLOG_DYNAMODB_USAGE_TABLE is not set") == 1
    with pytest.raises(UsageUnavailable, match="TENANTLOG_DYNAMODB_USAGE_TABLE is not set"):
        await store.tenant_days("acme", "2026-12-01", "2026-12-02")
    with pytest.raises(UsageUnavailable, match="TENANTLOG_DYNAMODB_USAGE_TABLE"):
        await store.all_days("2026-12-01", "2026-12-02")
    # the service's minutes likewise: dropped without a second warning, unreadable
    with caplog.at_level(logging.WARNING, logger="tenantlog"):
        await store.add_minute("2026-12-02T12:00", Counts(accepted_logs=1))
    assert caplog.text.count("TENANTLOG_DYNAMODB_USAGE_TABLE is not set") == 1
    with pytest.raises(UsageUnavailable, match="TENANTLOG_DYNAMODB_USAGE_TABLE"):
        await store.minutes("2026-12-02T11:00", "2026-12-02T12:00")


# ---- what the worker counts ------------------------------------------------------------


def delivery(body: bytes, receive_count: int = 1) -> Delivery:
    return Delivery("m1", body, "r1", receive_count)


def processor(store: MemoryStore, max_receive_count: int = 5) -> Processor:
    policy = ProcessingPolicy(
        crash_probability=0,
        processing_delay_per_char=0,
        max_receive_count=max_receive_count,
        backoff_base=0.001,
        backoff_max=0.01,
    )
    return Processor(store, Redactor(), policy, rng=random.Random(1))


async def test_the_processors_outcomes_name_the_tenant_of_the_message() -> None:
    store = MemoryStore()
    work = processor(store)

    stored = await work.process(delivery(message_body("acme", "1")))
    again = await work.process(delivery(message_body("acme", "1")))
    undecodable = await work.process(delivery(b"not json"))

    assert isinstance(stored, Ack) and stored.tenant_id == "acme" and stored.stored
    assert isinstance(again, Ack) and again.tenant_id == "acme" and not again.stored
    assert isinstance(undecodable, DeadLetter) and undecodable.tenant_id is None
    # the tenant is accounting, not part of the decision
    assert stored == Ack(True, stored.redactions)


class BrokenStore(MemoryStore):
    async def put_if_absent(self, record: LogRecord) -> bool:
        raise RuntimeError("disk on fire")


async def test_a_message_failing_its_last_receive_is_dead_lettered_for_its_tenant() -> None:
    outcome = await processor(BrokenStore(), max_receive_count=2).process(
        delivery(message_body("acme", "1"), receive_count=2)
    )

    assert isinstance(outcome, DeadLetter) and outcome.tenant_id == "acme"


async def test_the_worker_counts_stored_and_dead_lettered_logs_once() -> None:
    # GIVEN queued messages: three of two tenants, one sent twice, and one no tenant names
    queue, store = MemoryQueue(), MemoryStore()
    await queue.send(
        [
            message("acme", "1"),
            message("acme", "2"),
            message("acme", "2"),  # a duplicate: stored once
            message("other", "1"),
            Outgoing("", b"not json"),  # dead-lettered, names no tenant
        ]
    )
    usage = UsageRecorder(FlakyStore(), flush_seconds=3600)
    worker = Worker(queue, processor(store), batch_size=5, receive_wait=0.01, usage=usage)
    # WHEN the worker has processed them all
    stopping = asyncio.Event()
    task = asyncio.create_task(worker.run(stopping))
    for _ in range(200):
        if (await queue.stats()).depth == 0:
            break
        await asyncio.sleep(0.01)
    stopping.set()
    await asyncio.wait_for(task, 5)
    # THEN each stored log counts once, for its tenant (on whichever day it was stored)
    by_tenant: dict[str, Counts] = {}
    for (tenant, _), counts in usage.pending.items():
        by_tenant[tenant] = by_tenant.get(tenant, Counts()) + counts
    assert by_tenant == {"acme": Counts(stored_logs=2), "other": Counts(stored_logs=1)}
    assert (await queue.stats()).dead_letters == 1
    await usage.close()


# ---- the routes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "rule"),
    [
        ("GET", "/tenants/acme/usage", Rule("read", "acme")),
        ("GET", "/tenants", Rule("admin")),
        ("GET", "/tenants/acme/usage/more", Rule(None)),
    ],
)
def test_usage_routes_rules(method: str, path: str, rule: Rule) -> None:
    assert rule_for(method, path) == rule


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/tenants/acme/usage", "/tenants/{tenant_id}/usage"),
        ("/tenants", "/tenants"),
        ("/tenants/acme/logs", "/tenants/{tenant_id}/logs"),
        ("/tenants/usage/logs", "/tenants/{tenant_id}/logs"),
        ("/tenants/acme/logs/usage", "/tenants/{tenant_id}/logs/{log_id}"),
    ],
)
def test_usage_routes_metric_labels_never_hold_a_tenant(path: str, label: str) -> None:
    assert route_label(path) == label
