"""Retention in the core: when a record expires, as the worker computes it from its
tenant's policy, and how the record carries it."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from tenantlog.core.models import (
    InternalMessage,
    LogRecord,
    epoch_seconds,
    expires_after,
    expiry_timestamp,
)
from tenantlog.core.processing import Ack, ProcessingPolicy, Processor
from tenantlog.core.queue import Delivery
from tenantlog.core.tenants import TenantPolicy
from tenantlog.redaction import Redactor
from tenantlog.store.memory import MemoryStore
from tests.support.factories import make_record
from tests.support.inprocess import in_process

pytestmark = pytest.mark.anyio

RECEIVED = "2024-01-01T00:00:00.000Z"
#: The worker's fake clock: a week after the logs were received.
NOW = epoch_seconds("2024-01-08T00:00:00Z")


def policy(retention_days: int) -> TenantPolicy:
    return TenantPolicy(0, 1, retention_days, True, ("phone",), "plain")


def delivery(tenant_id: str, received_at: str = RECEIVED) -> Delivery:
    body = InternalMessage(tenant_id, "123", "json_upload", "call 555-0199", received_at).encode()
    return Delivery("m-1", body, "r-1", 1)


def processor(store: MemoryStore, retention: dict[str, int] | None) -> Processor:
    """A processor whose tenants keep their logs ``retention`` days (no tenant policy
    at all when None)."""

    async def policy_of(tenant_id: str) -> TenantPolicy:
        assert retention is not None
        return policy(retention[tenant_id])

    return Processor(
        store,
        Redactor(),
        ProcessingPolicy(crash_probability=0, processing_delay_per_char=0),
        rng=random.Random(1),
        now=lambda: "2024-01-08T00:00:00.000Z",
        tenant_policy=None if retention is None else policy_of,
    )


def stored(store: MemoryStore, tenant_id: str) -> LogRecord:
    """The record as stored, whether or not it has expired (reads would hide it)."""
    return store._records[(tenant_id, "123")]


async def test_processor_sets_expires_at_retention_days_after_the_log_was_received() -> None:
    # GIVEN tenants keeping logs 30 days, 1 day, and forever (0)
    store = MemoryStore(clock=lambda: NOW)
    work = processor(store, {"acme": 30, "brief": 1, "forever": 0})
    # WHEN a log of each, received on Jan 1st, is processed a week later
    for tenant in ("acme", "brief", "forever"):
        assert await work.process(delivery(tenant)) == Ack(True, {"PHONE": 1})
    # THEN each expires its retention after it was received, not after it was processed
    assert (stored(store, "acme")).expires_at == "2024-01-31T00:00:00Z"
    assert (stored(store, "brief")).expires_at == "2024-01-02T00:00:00Z"
    assert (stored(store, "forever")).expires_at is None
    # AND the one whose retention ended while it waited is stored but never read
    assert await store.get("brief", "123") is None
    assert await store.get("acme", "123") is not None


async def test_processor_without_tenant_policies_keeps_logs_forever() -> None:
    store = MemoryStore()

    await processor(store, None).process(delivery("acme"))

    assert (stored(store, "acme")).expires_at is None


async def test_processor_rounds_an_expiry_up_to_the_whole_second() -> None:
    store = MemoryStore(clock=lambda: NOW)

    await processor(store, {"acme": 1}).process(delivery("acme", "2024-01-01T00:00:00.250Z"))

    assert (stored(store, "acme")).expires_at == "2024-01-02T00:00:01Z"


async def test_processor_counts_from_processing_when_received_at_is_not_a_time() -> None:
    store = MemoryStore(clock=lambda: NOW)

    await processor(store, {"acme": 2}).process(delivery("acme", "not a time"))

    assert (stored(store, "acme")).expires_at == "2024-01-10T00:00:00Z"


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        ("2024-01-01T00:00:00.000Z", 0, None),
        ("2024-01-01T00:00:00.000Z", 30, "2024-01-31T00:00:00Z"),
        ("2024-02-28T12:00:00Z", 1, "2024-02-29T12:00:00Z"),  # a leap day is a day
        ("2024-01-01T00:00:00.001Z", 1, "2024-01-02T00:00:01Z"),
        ("2024-01-01T01:00:00+01:00", 1, "2024-01-02T00:00:00Z"),  # shown in UTC
        ("2024-01-01T00:00:00", 1, "2024-01-02T00:00:00Z"),  # no offset: UTC
        ("2024-01-01T00:00:00Z", 36_500, "2123-12-08T00:00:00Z"),  # the longest retention
    ],
)
def test_expires_after(start: str, days: int, expected: str | None) -> None:
    assert expires_after(start, days) == expected


def test_expires_after_refuses_a_start_that_is_not_rfc_3339() -> None:
    with pytest.raises(ValueError, match="Invalid isoformat"):
        expires_after("yesterday", 1)


def test_expiry_timestamp_and_seconds_are_inverse() -> None:
    seconds = 1_706_745_600

    assert expiry_timestamp(seconds) == "2024-02-01T00:00:00Z"
    assert epoch_seconds(expiry_timestamp(seconds)) == seconds
    record = replace(make_record(), expires_at=expiry_timestamp(seconds))
    assert record.expires_at_seconds == seconds


def test_record_expires_at_its_second() -> None:
    record = replace(make_record(), expires_at="2024-02-01T00:00:00Z")
    at = epoch_seconds("2024-02-01T00:00:00Z")

    assert not record.expired(at - 0.001)
    assert record.expired(at)
    assert not make_record().expired(float("inf"))


def test_record_dict_shows_expires_at_only_when_the_log_expires() -> None:
    forever = make_record()
    expiring = replace(forever, expires_at="2024-02-01T00:00:00Z")

    assert "expires_at" not in forever.to_dict()
    assert expiring.to_dict()["expires_at"] == "2024-02-01T00:00:00Z"
    assert LogRecord.from_dict(expiring.to_dict()) == expiring
    assert LogRecord.from_dict(forever.to_dict()) == forever


async def test_api_shows_expires_at_in_rfc_3339_and_leaves_it_out_for_logs_kept_forever() -> None:
    expiring = replace(make_record(log_id="a"), expires_at="2124-01-01T00:00:00Z")
    async with in_process(auth="off", base_url="http://127.0.0.1") as app:
        await app.backends.store.put_if_absent(expiring)
        await app.backends.store.put_if_absent(make_record(log_id="b"))

        one = (await app.client.get("/tenants/acme/logs/a")).json()
        page = (await app.client.get("/tenants/acme/logs")).json()
        chosen = await app.client.get("/tenants/acme/logs", params={"fields": "expires_at"})

    assert one["expires_at"] == "2124-01-01T00:00:00Z"
    assert [item.get("expires_at") for item in page["items"]] == ["2124-01-01T00:00:00Z", None]
    assert "expires_at" not in page["items"][1]
    assert chosen.json()["items"] == [
        {"tenant_id": "acme", "log_id": "a", "expires_at": "2124-01-01T00:00:00Z"},
        {"tenant_id": "acme", "log_id": "b"},
    ]
