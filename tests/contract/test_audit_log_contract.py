"""The AuditLog contract, run against every backend (see identity_fixtures.py)."""

from __future__ import annotations

import asyncio
import random

import pytest

from tenantlog.core.audit import KEY_CREATED, MAX_AUDIT_PAGE, AuditEvent, AuditLog
from tenantlog.core.cursor import InvalidCursor
from tests.contract.identity_fixtures import audit_log

__all__ = ["audit_log"]

pytestmark = pytest.mark.anyio


def make_events(count: int) -> list[AuditEvent]:
    """``count`` events with fresh UUIDv7 ids (tests expect the ids' order, not creation's)."""
    return [
        AuditEvent(KEY_CREATED, "cli:ops", "acme", {"key_id": f"key{n:013d}"}) for n in range(count)
    ]


def newest_first(events: list[AuditEvent]) -> list[str]:
    return sorted((event.event_id for event in events), reverse=True)


async def test_audit_log_lists_newest_first(audit_log: AuditLog) -> None:
    # GIVEN events recorded out of their time order (writers race)
    events = make_events(5)
    for event in random.Random(7).sample(events, len(events)):
        await audit_log.record(event)
    # WHEN the trail is listed
    page = await audit_log.list(10)
    # THEN the newest event comes first, and there is no further page
    assert [event.event_id for event in page.events] == newest_first(events)
    assert page.next_cursor is None


async def test_audit_log_pages_visit_every_event_once(audit_log: AuditLog) -> None:
    # GIVEN 7 events
    events = make_events(7)
    for event in events:
        await audit_log.record(event)
    # WHEN the trail is read three at a time, following the cursors
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = await audit_log.list(3, cursor)
        seen += [event.event_id for event in page.events]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    # THEN every event comes once, newest first, in three pages
    assert seen == newest_first(events)
    assert pages == 3


async def test_audit_log_exact_multiple_has_no_empty_last_page(audit_log: AuditLog) -> None:
    for event in make_events(4):
        await audit_log.record(event)

    first = await audit_log.list(2)
    second = await audit_log.list(2, first.next_cursor)

    assert len(second.events) == 2
    assert second.next_cursor is None


async def test_audit_log_event_round_trips_with_its_detail(audit_log: AuditLog) -> None:
    event = AuditEvent(
        "log.read_original",
        "key0000000000001",
        "acme",
        {"log_id": "a/b#c?d", "route": "GET /tenants/{tenant_id}/logs", "note": "ünïcødé"},
        at="2024-01-01T00:00:00.000Z",
    )
    bare = AuditEvent("key.revoke", "anonymous", "globex", at="2024-01-01T00:00:00.001Z")

    await audit_log.record(event)
    await audit_log.record(bare)

    page = await audit_log.list(10)
    assert {e.event_id: e for e in page.events} == {event.event_id: event, bare.event_id: bare}
    assert all(isinstance(value, str) for e in page.events for value in e.detail.values())


async def test_audit_log_empty_trail_lists_nothing(audit_log: AuditLog) -> None:
    page = await audit_log.list(10)

    assert page.events == [] and page.next_cursor is None


async def test_audit_log_rejects_garbage_cursor(audit_log: AuditLog) -> None:
    await audit_log.record(make_events(1)[0])

    with pytest.raises(InvalidCursor):
        await audit_log.list(10, "!!not-a-cursor!!")


async def test_audit_log_limit_below_one_gives_one_event(audit_log: AuditLog) -> None:
    events = make_events(2)
    for event in events:
        await audit_log.record(event)

    page = await audit_log.list(0)

    assert [event.event_id for event in page.events] == newest_first(events)[:1]
    assert page.next_cursor is not None


@pytest.mark.slow
async def test_audit_log_limit_above_the_maximum_is_clamped(audit_log: AuditLog) -> None:
    # GIVEN one event more than the largest page (recorded concurrently, as busy writers do)
    events = make_events(MAX_AUDIT_PAGE + 1)
    await asyncio.gather(*(audit_log.record(event) for event in events))
    # WHEN more than that is asked for
    first = await audit_log.list(MAX_AUDIT_PAGE + 500)
    # THEN one full page comes, and its cursor leads to the oldest event
    assert len(first.events) == MAX_AUDIT_PAGE
    assert first.next_cursor is not None
    rest = await audit_log.list(MAX_AUDIT_PAGE, first.next_cursor)
    assert [event.event_id for event in rest.events] == newest_first(events)[-1:]
    assert rest.next_cursor is None
