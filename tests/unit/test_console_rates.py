"""The operations page's rates over the last hour in-process: the usage store's minute
buckets charted, with a table and an empty state, and never a tenant's name."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from tenantlog.console.operations import rates
from tenantlog.core.usage import Counts, MinuteUsage, UsageUnavailable, recent_minutes
from tenantlog.http.auth import SESSION_COOKIE
from tenantlog.usage.memory import MemoryUsageStore
from tests.support.factories import NDJSON
from tests.support.factories import bearer as auth
from tests.support.factories import ndjson_lines as lines
from tests.support.inprocess import InProcess, in_process

pytestmark = pytest.mark.anyio

PAGE = "/console/operations/"


def cookie(secret: str) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={secret}"}


def bars(page: str, rate: str) -> list[str]:
    """The titles of a rate's bars (``HH:MM: count``), left to right."""
    section = page.split(f'id="rate-{rate}"', 1)[1].split("</div>", 1)[0]
    return re.findall(r"<title>([^<]*)</title>", section)


class DownUsageStore(MemoryUsageStore):
    async def minutes(self, first_minute: str, last_minute: str) -> list[MinuteUsage]:
        raise UsageUnavailable("down")


async def clear_of_a_new_minute(margin: float = 10.0) -> None:
    """Start right after a minute turns when it is about to: the test below expects its logs
    accepted and stored within one UTC minute, and takes far less than ``margin`` seconds."""
    left = 60 - time.time() % 60
    if left < margin:
        await asyncio.sleep(left + 0.05)


async def send(app: InProcess, tenant: str, count: int) -> None:
    secret = await app.new_key(tenant, "ingest")
    sent = await app.client.post("/ingest", content=lines(count), headers=auth(secret, **NDJSON))
    assert sent.status_code == 202


async def test_with_nothing_counted_every_rate_shows_its_empty_state() -> None:
    async with in_process() as app:
        admin = await app.new_key("ops", "admin")

        page = await app.client.get(PAGE, headers=cookie(admin))

        assert page.status_code == 200
        assert "Rates over the last hour" in page.text
        assert page.text.count('<p class="empty">None in the last hour.</p>') == 3
        assert '<rect class="bar"' not in page.text
        assert "Every minute with activity" not in page.text


async def test_logs_accepted_and_stored_by_every_tenant_are_charted_per_minute() -> None:
    async with in_process() as app:
        # GIVEN two tenants' logs accepted, and the worker storing all of them
        await clear_of_a_new_minute()
        await send(app, "acme", 3)
        await send(app, "other", 2)
        await app.drain()
        # WHEN the counts are flushed and an admin opens the page
        assert await app.backends.usage.flush()
        admin = await app.new_key("ops", "admin")
        page = await app.client.get(PAGE, headers=cookie(admin))
        # THEN accepted and stored each have one bar: the minute they happened, both tenants
        assert page.status_code == 200
        (accepted,) = bars(page.text, "accepted")
        (stored,) = bars(page.text, "stored")
        assert re.fullmatch(r"\d\d:\d\d: 5", accepted), accepted
        assert re.fullmatch(r"\d\d:\d\d: 5", stored), stored
        assert "5 in the hour, at most 5 in one minute" in page.text
        # AND nothing was dead-lettered
        assert bars(page.text, "dead-lettered") == []
        assert page.text.count("None in the last hour.") == 1
        # AND the table says the same, the service's totals without any tenant's name
        table = page.text.split('class="rates-table"', 1)[1].split("</table>", 1)[0]
        assert re.search(
            r'<td class="number">5</td><td class="number">5</td><td class="number">0</td>', table
        )
        assert "acme" not in table and "other" not in table


async def test_the_minutes_never_show_among_the_tenants() -> None:
    async with in_process() as app:
        await send(app, "acme", 4)
        assert await app.backends.usage.flush()
        admin = await app.new_key("ops", "admin")

        listed = (await app.client.get("/tenants?days=1", headers=auth(admin))).json()
        page = await app.client.get("/console/operations/tenants", headers=cookie(admin))

        assert [t["tenant_id"] for t in listed["tenants"]] == ["acme"]
        assert "<code>*</code>" not in page.text and "<code>acme</code>" in page.text


async def test_without_usage_counts_the_queue_is_still_shown() -> None:
    async with in_process() as app:
        app.backends.usage.store = DownUsageStore()
        admin = await app.new_key("ops", "admin")

        page = await app.client.get(PAGE, headers=cookie(admin))

        assert page.status_code == 200
        assert "Usage counts do not answer: the rates cannot be shown." in page.text
        assert 'class="stat-label">dead letters' in page.text
        assert '<rect class="bar"' not in page.text


async def test_a_chart_has_a_bar_slot_for_each_of_the_last_60_minutes() -> None:
    store = MemoryUsageStore()
    now = time.time()
    last_hour = await recent_minutes(store, now)
    await store.add_minute(last_hour[0].minute, Counts(accepted_logs=2))
    await store.add_minute(last_hour[-1].minute, Counts(accepted_logs=8, stored_logs=1))

    accepted, stored, dead = rates(await recent_minutes(store, now))

    assert len(accepted.chart.bars) == 60
    assert (accepted.chart.total, accepted.chart.most) == (10, 8)
    assert accepted.chart.bars[0].label == last_hour[0].minute[11:]
    # the tallest bar fills the chart; the others are scaled to it
    assert accepted.chart.bars[-1].height == accepted.chart.baseline
    assert accepted.chart.bars[0].height == accepted.chart.baseline / 4
    assert (stored.chart.total, dead.chart.total) == (1, 0)
