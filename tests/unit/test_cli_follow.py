"""``tenantlog logs --follow``'s loop over a memory store: what it shows, and when."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from tenantlog.backends import Backends
from tenantlog.cli.admin import follow_logs
from tenantlog.core.audit import ORIGINAL_READ
from tenantlog.core.models import LogRecord
from tenantlog.core.query import LogQuery, UnsupportedQuery
from tenantlog.core.store import StoreUnavailable
from tests.support.factories import make_record
from tests.support.inprocess import memory_backends

pytestmark = pytest.mark.anyio


def backends() -> Backends:
    return memory_backends()


def record(log_id: str, tenant: str = "acme", **fields: Any) -> LogRecord:
    return dataclasses.replace(make_record(tenant, log_id), **fields)


async def shown_until(parts: Backends, count: int, **options: Any) -> list[str]:
    """Run the follow until ``count`` logs were shown; their ids."""
    shown: list[str] = []
    enough = asyncio.Event()

    def show(records: list[LogRecord]) -> None:
        shown.extend(r.log_id for r in records)
        if len(shown) >= count:
            enough.set()

    options.setdefault("on_unavailable", lambda exc: None)
    follow = asyncio.create_task(
        follow_logs(
            parts, "acme", options.pop("query", LogQuery()), show, poll_seconds=0.01, **options
        )
    )
    await asyncio.sleep(0.05)  # it has started: what is stored from here on is new
    for one in arrivals():
        assert await parts.store.put_if_absent(one)
    await asyncio.wait_for(enough.wait(), 10)
    follow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await follow
    return shown


def arrivals() -> list[LogRecord]:
    """What is stored once the follow runs: another tenant's log, an info, an error."""
    return [
        record("other", tenant="globex", severity="error"),
        record("quiet", severity="info"),
        record("loud", severity="ERROR"),
    ]


async def test_follow_shows_new_matching_logs_of_the_tenant_only() -> None:
    parts = backends()
    assert await parts.store.put_if_absent(record("old", severity="error"))

    shown = await shown_until(
        parts, 1, query=LogQuery(severities=frozenset({"error"})), shows_original_text=False
    )

    assert shown == ["loud"]
    assert (await parts.audit.list(10, None)).events == []


async def test_follow_with_original_text_records_the_read_in_the_audit_trail() -> None:
    parts = backends()

    shown = await shown_until(parts, 2, shows_original_text=True)

    assert shown == ["quiet", "loud"]
    [event] = (await parts.audit.list(10, None)).events
    assert event.action == ORIGINAL_READ
    assert event.detail["count"] == "2"


async def test_follow_keeps_its_place_while_the_store_is_unreachable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parts = backends()
    real = parts.store.follow
    calls = 0

    async def flaky(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        if 1 < calls < 20:  # after the start, a while unreachable
            raise StoreUnavailable("down")
        return await real(*args)

    monkeypatch.setattr(parts.store, "follow", flaky)
    told: list[StoreUnavailable] = []

    shown = await shown_until(parts, 2, shows_original_text=False, on_unavailable=told.append)

    assert shown == ["quiet", "loud"]
    assert len(told) == 1  # once, not at every retry


async def test_follow_on_a_backend_that_cannot_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    parts = backends()

    async def refuse(*args: Any) -> None:
        raise UnsupportedQuery("tail")

    monkeypatch.setattr(parts.store, "follow", refuse)

    with pytest.raises(UnsupportedQuery):
        await follow_logs(
            parts, "acme", LogQuery(), print, shows_original_text=False, on_unavailable=print
        )
