"""The operations pages in headless chromium: dead letters, keys and tenants, as an admin."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import DESKTOP, Keys, Logs, Watched, watched_page
from tests.support.server import ServerProcess, wait_until


@pytest.fixture(scope="module")
def failing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server whose worker fails every message, so that each one is dead-lettered."""
    env = {
        "TENANTLOG_AUTH": "keys",
        "TENANTLOG_CRASH_PROBABILITY": "1",
        "TENANTLOG_MAX_RECEIVE_COUNT": "1",
        "TENANTLOG_BACKOFF_BASE": "0",
    }
    with ServerProcess(tmp_path_factory.mktemp("failing") / "data", env=env) as running:
        yield running


def test_dead_letters_are_redriven_and_purged_after_confirmation(
    browser: Browser, failing: ServerProcess, screenshots: Path
) -> None:
    keys = Keys(failing)
    writer = {"Authorization": f"Bearer {keys('doomed', 'ingest')}"}
    admin = keys("ops", "admin")

    def dead_letters() -> int:
        queue = httpx.get(f"{failing.url}/queue", headers={"Authorization": f"Bearer {admin}"})
        count: int = queue.json()["dead_letters"]
        return count

    for text in ("first doomed log", "second doomed log"):
        answer = httpx.post(f"{failing.url}/ingest", json={"text": text}, headers=writer)
        assert answer.status_code == 202
    wait_until(lambda: dead_letters() == 2, seconds=60)
    with watched_page(browser, failing, screenshots, DESKTOP) as watched:
        page = watched.page
        watched.sign_in(admin)
        page.get_by_role("link", name="Queue").click()
        rows = page.locator("table.dead-letters tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text("doomed")
        expect(rows.first).to_contain_text("simulated")
        assert "doomed log" not in page.content()  # a dead letter's text never reaches the page
        watched.shot("operations")
        # WHEN the admin redrives, a confirmation comes first
        page.get_by_role("link", name="Redrive all…").click()
        expect(page.get_by_role("heading")).to_contain_text("Redrive 2 dead letters?")
        watched.shot("confirm-redrive")
        page.get_by_role("button", name="Yes, redrive").click()
        expect(page.get_by_role("status")).to_contain_text("Redrove 2 dead letters.")
        # THEN the failing worker dead-letters them again, and a purge deletes them for good
        wait_until(lambda: dead_letters() == 2, seconds=60)
        page.get_by_role("link", name="Queue").click()
        page.get_by_role("link", name="Purge all…").click()
        page.get_by_role("button", name="Yes, purge").click()
        expect(page.get_by_role("status")).to_contain_text("Purged 2 dead letters.")
        expect(page.locator("section.card")).to_contain_text("No dead letters")
        assert dead_letters() == 0
        watched.assert_nothing_ran()


def test_a_key_is_created_shown_once_and_revoked(
    desktop: Watched, keys: Keys, logs: Logs, server: ServerProcess
) -> None:
    logs.post("keyed", {"text": "a log for the new key"})
    page = desktop.page
    desktop.sign_in(keys("ops", "admin"))
    page.get_by_role("link", name="Keys").click()
    page.get_by_label("Tenant id").fill("keyed")
    page.get_by_label("ingest").uncheck()
    page.get_by_label("read").check()
    page.get_by_label("Name (optional)").fill("<b>dashboard</b>")
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_role("status")).to_contain_text("shown this once")
    secret = page.get_by_label("Secret").input_value()
    desktop.shot("key-created", hide=[page.get_by_label("Secret")])
    reader = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(f"{server.url}/tenants/keyed/logs", headers=reader).status_code == 200
    key_id = secret[4:20]
    row = page.locator("table.keys tr", has_text=key_id)
    expect(row).to_contain_text("<b>dashboard</b>")
    # Reloading the list never shows the secret again.
    page.get_by_role("link", name="Keys").click()
    assert secret not in page.content()
    # WHEN the key is revoked, after a confirmation
    page.locator("table.keys tr", has_text=key_id).get_by_role(
        "link", name=re.compile("Revoke")
    ).click()
    expect(page.get_by_role("heading")).to_contain_text(f"Revoke key {key_id}?")
    page.get_by_role("button", name="Yes, revoke").click()
    expect(page.locator("table.keys tr", has_text=key_id)).to_contain_text("revoked")
    # THEN it stops working within the key cache's bound
    wait_until(
        lambda: httpx.get(f"{server.url}/tenants/keyed/logs", headers=reader).status_code == 401,
        seconds=15,
    )
    desktop.assert_nothing_ran()


def test_tenants_show_limits_and_usage_per_day(desktop: Watched, keys: Keys, logs: Logs) -> None:
    logs.post("counted", *({"text": f"log {n}"} for n in range(7)))
    page = desktop.page
    desktop.sign_in(keys("ops", "admin"))

    def listed() -> bool:
        page.get_by_role("link", name="Tenants").click()
        return page.locator("table.tenants-table tr", has_text="counted").count() == 1

    wait_until(listed, seconds=30, every=0.5)
    desktop.shot("tenants-operations")
    page.get_by_role("link", name="counted").click()
    expect(page.locator("svg.chart rect.bar")).to_have_count(30)
    expect(page.locator("svg.chart desc")).to_contain_text("Most in one day: 7")
    page.get_by_text("Every day as a table").click()
    expect(page.locator("table.usage")).to_contain_text("7")
    desktop.shot("tenant-usage")
    desktop.assert_nothing_ran()


def test_the_queue_page_charts_logs_accepted_and_stored_per_minute(
    desktop: Watched, keys: Keys, logs: Logs
) -> None:
    logs.post("rated", *({"text": f"rated log {n}"} for n in range(6)))
    page = desktop.page
    desktop.sign_in(keys("ops", "admin"))
    accepted = page.locator("#rate-accepted svg.chart rect.bar")
    stored = page.locator("#rate-stored svg.chart rect.bar")

    def charted() -> bool:  # the processes flush their counts every few seconds
        page.get_by_role("link", name="Queue").click()
        return accepted.count() >= 1 and stored.count() >= 1

    wait_until(charted, seconds=30, every=0.5)
    # each chart is an image named by its heading, its numbers in a table too
    expect(page.get_by_role("img", name=re.compile("Logs accepted per minute"))).to_be_visible()
    expect(page.locator("#rate-stored desc")).to_contain_text("in the hour")
    page.get_by_text("Every minute with activity as a table").click()
    expect(page.locator("table.rates-table tbody tr").first).to_be_visible()
    expect(page.locator("#rate-dead-lettered")).to_contain_text("None in the last hour.")
    desktop.shot("operations-rates")
    desktop.assert_nothing_ran()
