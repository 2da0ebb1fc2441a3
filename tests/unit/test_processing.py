"""The one place deciding a message's fate: ack, retry with backoff, or dead-letter."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenantlog.core.backoff import backoff_delay
from tenantlog.core.models import LogRecord
from tenantlog.core.processing import Ack, DeadLetter, ProcessingPolicy, Processor, Retry
from tenantlog.core.queue import Delivery
from tenantlog.core.store import RecordTooLarge
from tenantlog.core.tenants import TenantPolicy
from tenantlog.redaction import Redactor
from tenantlog.store.memory import MemoryStore
from tests.support.factories import message_body

pytestmark = pytest.mark.anyio


def delivery(body: bytes | None = None, receive_count: int = 1) -> Delivery:
    return Delivery("m-1", message_body() if body is None else body, "r-1", receive_count)


class Sleeps(list[float]):
    """Records simulated work instead of waiting for it."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def processor(
    store: MemoryStore,
    sleeps: Sleeps | None = None,
    *,
    crash_probability: float = 0.0,
    processing_delay_per_char: float = 0.0,
    store_original_text: bool = True,
    time_budget: float | None = None,
) -> Processor:
    policy = ProcessingPolicy(
        crash_probability=crash_probability,
        processing_delay_per_char=processing_delay_per_char,
        store_original_text=store_original_text,
        time_budget=time_budget,
    )
    return Processor(
        store,
        Redactor(),
        policy,
        rng=random.Random(7),
        sleep=sleeps if sleeps is not None else Sleeps(),
        now=lambda: "T-processed",
    )


async def test_processor_stores_redacted_record_with_design_fields() -> None:
    store = MemoryStore()

    outcome = await processor(store).process(delivery(receive_count=2))

    assert outcome == Ack(stored=True, redactions={"PHONE": 1})
    record = await store.get("acme", "123")
    assert record is not None
    assert record.to_dict() == {
        "tenant_id": "acme",
        "log_id": "123",
        "source": "json_upload",
        "original_text": "User 555-0199 accessed system",
        "modified_data": "User [REDACTED] accessed system",
        "received_at": "2024-01-01T00:00:00.000Z",
        "processed_at": "T-processed",
        "attempts": 2,
        "redactions": {"PHONE": 1},
    }


async def test_processor_duplicate_is_success_and_changes_nothing() -> None:
    # GIVEN a log already stored
    store = MemoryStore()
    await processor(store).process(delivery())
    first = await store.get("acme", "123")
    # WHEN the same (tenant_id, log_id) arrives again with other text
    outcome = await processor(store).process(delivery(message_body(text="other 555-0100")))
    # THEN it is acked as a conflicting duplicate and the stored record is untouched
    assert outcome == Ack(stored=False, conflict=("acme", "123"))
    assert await store.get("acme", "123") == first


async def test_processor_redelivery_of_the_same_text_is_no_conflict() -> None:
    store = MemoryStore()
    await processor(store).process(delivery())

    outcome = await processor(store).process(delivery(receive_count=2))

    assert outcome == Ack(stored=False)


async def test_processor_conflict_is_judged_on_redacted_text_without_originals() -> None:
    store = MemoryStore()
    await processor(store, store_original_text=False).process(delivery())

    same = await processor(store, store_original_text=False).process(delivery())
    other = await processor(store, store_original_text=False).process(
        delivery(message_body(text="User 555-0100 left"))
    )

    assert same == Ack(stored=False)
    assert other == Ack(stored=False, conflict=("acme", "123"))


async def test_processor_can_drop_the_original_text() -> None:
    store = MemoryStore()

    await processor(store, store_original_text=False).process(delivery())

    record = await store.get("acme", "123")
    assert record is not None
    assert record.original_text is None
    assert record.modified_data == "User [REDACTED] accessed system"


async def test_processor_simulated_crash_retries_with_backoff() -> None:
    outcome = await processor(MemoryStore(), crash_probability=1.0).process(delivery())

    assert isinstance(outcome, Retry)
    assert outcome.reason == "SimulatedCrash: simulated worker crash"
    assert 0.5 <= outcome.delay <= 1.0


async def test_processor_last_receive_failure_dead_letters() -> None:
    outcome = await processor(MemoryStore(), crash_probability=1.0).process(
        delivery(receive_count=5)
    )

    assert outcome == DeadLetter("SimulatedCrash: simulated worker crash")


async def test_processor_undecodable_message_dead_letters_at_once() -> None:
    outcome = await processor(MemoryStore()).process(delivery(b"not json"))

    assert isinstance(outcome, DeadLetter)
    assert outcome.reason.startswith("message body is not JSON")


async def test_processor_simulates_work_per_character() -> None:
    sleeps = Sleeps()

    await processor(MemoryStore(), sleeps, processing_delay_per_char=0.05).process(
        delivery(message_body(text="x" * 100))
    )

    assert list(sleeps) == [pytest.approx(5.0)]


async def test_processor_work_longer_than_time_left_fails_at_once() -> None:
    # GIVEN 20,000 characters at 0.05 s each: 1,000 s, longer than any Lambda may run
    sleeps = Sleeps()
    made = processor(MemoryStore(), sleeps, processing_delay_per_char=0.05)
    # WHEN only 900 s remain
    outcome = await made.process(delivery(message_body(text="x" * 20_000)), time_left=900)
    # THEN it fails without sleeping, naming why
    assert isinstance(outcome, Retry)
    assert outcome.reason == "processing needs 1000.0s but only 900.0s remain"
    assert sleeps == []


async def test_processor_work_over_the_whole_budget_dead_letters_at_once() -> None:
    # GIVEN a worker that may spend 47 s on a message, and 1,000 s of work
    sleeps = Sleeps()
    made = processor(MemoryStore(), sleeps, processing_delay_per_char=0.05, time_budget=47)
    # WHEN it is received for the first time
    outcome = await made.process(delivery(message_body(text="x" * 20_000)), time_left=47)
    # THEN no receive could ever finish it: dead-lettered now, with the reason
    assert outcome == DeadLetter("processing needs 1000.0s, over the worker's budget of 47.0s")
    assert sleeps == []


async def test_processor_record_the_store_can_never_hold_dead_letters_at_once() -> None:
    class SmallStore(MemoryStore):
        async def put_if_absent(self, record: LogRecord) -> bool:
            raise RecordTooLarge("record of 512,000 bytes is over the item size")

    outcome = await processor(SmallStore()).process(delivery(receive_count=1))

    assert outcome == DeadLetter("record of 512,000 bytes is over the item size")


async def test_processor_store_failure_is_retried() -> None:
    class BrokenStore(MemoryStore):
        async def put_if_absent(self, record: LogRecord) -> bool:
            raise OSError("disk full")

    outcome = await processor(BrokenStore()).process(delivery())

    assert isinstance(outcome, Retry)
    assert outcome.reason == "OSError: disk full"


@given(
    receive_count=st.integers(1, 50),
    base=st.floats(0.01, 10),
    cap=st.floats(0.01, 600),
    seed=st.integers(0, 2**32),
)
def test_backoff_is_jittered_within_half_to_full_ceiling(
    receive_count: int, base: float, cap: float, seed: int
) -> None:
    ceiling = min(cap, base * 2.0 ** (receive_count - 1))

    delay = backoff_delay(receive_count, base, cap, random.Random(seed))

    assert ceiling / 2 <= delay <= ceiling


def test_backoff_grows_exponentially() -> None:
    rng = random.Random(1)
    ceilings = [backoff_delay(n, 1, 60, rng) for n in range(1, 8)]

    assert ceilings[0] <= 1 < ceilings[2] <= 4 < ceilings[5] <= 32 < ceilings[6]


async def test_processor_applies_each_tenants_redaction_and_original_text_policy() -> None:
    store = MemoryStore()
    policies = {
        "acme": TenantPolicy(0, 1, 0, False, ("email",), "typed"),
        "globex": TenantPolicy(0, 1, 0, True, ("phone",), "plain"),
    }

    async def policy_of(tenant_id: str) -> TenantPolicy:
        return policies[tenant_id]

    processor = Processor(
        store,
        Redactor(),
        ProcessingPolicy(crash_probability=0, processing_delay_per_char=0),
        tenant_policy=policy_of,
    )
    text = "mail a@b.co or call 555-0199"
    for tenant in policies:
        await processor.process(delivery(message_body(tenant_id=tenant, text=text)))

    acme, globex = await store.get("acme", "123"), await store.get("globex", "123")
    assert acme is not None and globex is not None
    assert (acme.modified_data, acme.original_text) == (
        "mail [REDACTED:EMAIL] or call 555-0199",
        None,
    )
    assert (globex.modified_data, globex.original_text) == ("mail a@b.co or call [REDACTED]", text)
