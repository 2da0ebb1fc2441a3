"""The console end to end in headless chromium, against a real ``tenantlog serve``."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import Keys, Logs, Watched
from tests.support.server import ServerProcess

HOSTILE_TEXT = (
    "<script>window.__owned = 1; alert('script')</script>"
    ' "><img src=x onerror="window.__owned = 2; alert(\'img\')">'
    " <a href=\"javascript:alert('link')\">click me</a> call 555-0199"
)
HOSTILE_ATTRIBUTES = {
    "html": "<script>alert('attr')</script>",
    "quote": "\"><img src=x onerror=alert('attr-img')>",
    "link": "javascript:alert('attr-link')",
}


def test_sign_in_and_sign_out(desktop: Watched, keys: Keys, logs: Logs) -> None:
    logs.post("signin", {"text": "hello from signin"})
    page = desktop.page
    # GIVEN a browser without a session: the console sends it to sign in
    desktop.goto("/console/tenants/signin/logs")
    expect(page).to_have_url(re.compile(r"/console/sign-in\?"))
    desktop.shot("sign-in")
    # WHEN a wrong key is given, the form says so
    page.get_by_label("API key").fill("tlk_wrong")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("not valid")
    # AND the right one leads back to the page asked for
    page.get_by_label("API key").fill(keys("signin", "read"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/console/tenants/signin/logs$"))
    expect(page.locator("#results")).to_contain_text("hello from signin")
    (session,) = [c for c in desktop.context.cookies() if c["name"] == "tenantlog_session"]
    assert session["httpOnly"] and session["sameSite"] == "Strict" and session["path"] == "/"
    assert page.evaluate("document.cookie") == ""  # no script can read the key
    # THEN signing out clears the cookie and the pages need a key again
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("signed out")
    assert [c for c in desktop.context.cookies() if c["name"] == "tenantlog_session"] == []
    desktop.goto("/console/tenants/signin/logs")
    expect(page).to_have_url(re.compile(r"/console/sign-in\?"))
    desktop.assert_nothing_ran()


def test_a_read_key_never_sees_another_tenant(desktop: Watched, keys: Keys, logs: Logs) -> None:
    logs.post("mine", {"text": "my own line", "severity": "info"})
    logs.post("theirs", {"text": "their secret line", "severity": "info"})
    page = desktop.page
    desktop.sign_in(keys("mine", "read"))
    # Every page a reader of "mine" can reach, in the ways a user reaches them.
    page.get_by_role("link", name=re.compile(r"^\d{4}-")).first.click()
    expect(page.get_by_role("heading", name="Message")).to_be_visible()
    page.get_by_role("link", name="Live tail").click()
    expect(page.locator("#tail-status")).to_contain_text("Live")
    page.get_by_role("link", name="Explore").click()
    desktop.goto("/console/")  # the picker sends a tenant key to its own tenant
    expect(page).to_have_url(re.compile(r"/console/tenants/mine/logs$"))
    assert desktop.requests and all("theirs" not in url for url in desktop.requests)
    assert "their secret line" not in page.content()
    desktop.assert_nothing_ran()
    desktop.goto("/console/?tenant=theirs")
    expect(page).to_have_url(re.compile(r"/console/tenants/mine/logs$"))
    # WHEN the reader types the other tenant's URLs, the answer does not even confirm it exists
    for path in ("/console/tenants/theirs/logs", "/console/tenants/theirs/tail"):
        answer = page.goto(desktop.server.url + path)
        assert answer is not None and answer.status == 404
        assert "their secret line" not in page.content()
    stream = page.evaluate("fetch('/tenants/theirs/logs/tail').then(r => r.status)")
    assert stream == 404
    assert desktop.dialogs == desktop.violations == desktop.blocked == []


def test_filters_by_keyboard_and_pages_by_cursor(desktop: Watched, keys: Keys, logs: Logs) -> None:
    records: list[dict[str, object]] = [
        {
            "text": f"request {n} {'disk full' if n % 3 == 0 else 'ok'}",
            "severity": "error" if n % 3 == 0 else "info",
            "attributes": {"service": "db" if n % 2 else "web"},
            "timestamp": f"2026-01-01T10:{n:02d}:00Z",
        }
        for n in range(60)
    ]
    logs.post("filters", *records)
    page = desktop.page
    desktop.sign_in(keys("filters", "read"))
    expect(page.locator("table.logs tbody tr")).to_have_count(50)
    expect(page.locator("table.logs tbody tr").first).to_contain_text("request 59")
    desktop.shot("logs")
    # Pagination: the next page holds the 10 oldest, then back to the newest.
    page.get_by_role("link", name="Older").click()
    expect(page.locator("table.logs tbody tr")).to_have_count(10)
    expect(page.locator("table.logs tbody tr").last).to_contain_text("request 0 ")
    page.get_by_role("link", name="Newest").click()
    expect(page.locator("table.logs tbody tr")).to_have_count(50)
    # WHEN the user tabs to the text filter and submits with Enter
    page.locator("body").focus()
    for _ in range(40):
        if page.evaluate("document.activeElement.id") == "f-q":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-q"
    page.keyboard.type("disk")
    page.keyboard.press("Tab")  # to the severity checkboxes: tick "error" with the space bar
    while page.evaluate("document.activeElement.value") != "error":
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.get_by_label("Attributes").focus()
    page.keyboard.type("service=db")
    page.keyboard.press("Enter")
    # THEN only matching logs show, and the URL can be shared
    expect(page).to_have_url(re.compile(r"q=disk.*severity=error.*attr=service%3Ddb"))
    rows = page.locator("table.logs tbody tr")
    expect(rows).to_have_count(10)  # n % 3 == 0 and n odd, of 0..59
    for text in rows.all_inner_texts():
        assert "disk full" in text and "service=db" in text
    desktop.shot("logs-filtered")
    # AND a malformed filter is named, an empty result says so
    page.get_by_label("From").fill("yesterday")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("since")
    page.get_by_label("From").fill("")
    page.get_by_label("Text contains").fill("no such words")
    page.keyboard.press("Enter")
    expect(page.locator("#results")).to_contain_text("No logs match")
    desktop.assert_nothing_ran(answered=(400,))


def test_live_tail_shows_a_log_posted_meanwhile_and_resumes_after_a_pause(
    desktop: Watched, keys: Keys, logs: Logs
) -> None:
    page = desktop.page
    desktop.sign_in(keys("tail", "read"))
    page.get_by_role("link", name="Live tail").click()
    expect(page.locator("#tail-status")).to_contain_text("Live")
    expect(page.locator("#tail")).to_contain_text("Waiting for new logs")
    # WHEN a log arrives while the page is open, it appears with its redaction marked
    logs.post("tail", {"text": "first tail line from 555-0199", "severity": "warn"})
    first = page.locator("#tail li", has_text="first tail line")
    expect(first).to_be_visible()
    expect(first.locator("mark.redacted")).to_have_text("[REDACTED]")
    desktop.shot("tail")
    # AND one posted while paused arrives on resume, once
    page.get_by_role("button", name="Pause").click()
    expect(page.locator("#tail-status")).to_contain_text("Paused")
    logs.post("tail", {"text": "second tail line"})
    page.get_by_role("button", name="Resume").click()
    expect(page.locator("#tail li", has_text="second tail line")).to_have_count(1)
    expect(page.locator("#tail li", has_text="first tail line")).to_have_count(1)
    # THEN a row leads to the record
    page.locator("#tail li", has_text="second tail line").get_by_role("link").click()
    expect(page.get_by_role("heading", name="Timings")).to_be_visible()
    desktop.assert_nothing_ran()


def test_hostile_logs_render_inert_everywhere(
    desktop: Watched, keys: Keys, logs: Logs, server: ServerProcess
) -> None:
    (log_id,) = logs.post(
        "hostile", {"text": HOSTILE_TEXT, "severity": "error", "attributes": HOSTILE_ATTRIBUTES}
    )
    page = desktop.page
    desktop.sign_in(keys("hostile", "read", "audit"))
    row = page.locator("table.logs tbody tr").first
    expect(row).to_contain_text("<script>window.__owned = 1;")
    expect(row).to_contain_text("javascript:alert('attr-link')")
    expect(row.locator("mark.redacted")).to_have_count(1)
    assert (
        page.locator("table.logs img, table.logs script, table.logs a[href^=javascript]").count()
        == 0
    )
    desktop.shot("logs-hostile")
    # The record page, with the unredacted original shown to this audit key.
    row.get_by_role("link").click()
    expect(page.locator("pre.original")).to_contain_text("call 555-0199")
    expect(page.locator("pre.message")).to_contain_text("<img src=x onerror=")
    desktop.shot("record")
    # The live tail, with a hostile log posted while it is open.
    page.get_by_role("link", name="Live tail").click()
    expect(page.locator("#tail-status")).to_contain_text("Live")
    logs.post("hostile", {"text": HOSTILE_TEXT + " live", "attributes": HOSTILE_ATTRIBUTES})
    expect(page.locator("#tail li", has_text="live")).to_contain_text("<script>")
    assert page.locator("#tail img, #tail script, #tail a[href^=javascript]").count() == 0
    assert page.evaluate("window.__owned") is None
    assert log_id
    desktop.assert_nothing_ran()


def test_readable_on_a_phone(phone: Watched, keys: Keys, logs: Logs) -> None:
    logs.post(
        "phone",
        {"text": "a long line " * 20 + "from 555-0199", "attributes": {"service": "checkout"}},
    )
    page = phone.page
    phone.sign_in(keys("phone", "read"))
    expect(page.locator("table.logs tbody tr")).to_have_count(1)
    overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    assert page.evaluate(overflow) <= 0
    phone.shot("logs-phone")
    page.locator("table.logs tbody tr").first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Attributes")).to_be_visible()
    assert page.evaluate(overflow) <= 0
    phone.shot("record-phone")
    phone.assert_nothing_ran()


def test_an_admin_picks_a_tenant(desktop: Watched, keys: Keys, logs: Logs) -> None:
    logs.post("picked", {"text": "picked tenant line"})
    page = desktop.page
    desktop.goto("/console/")
    page.get_by_label("API key").fill(keys("ops", "admin"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Pick a tenant")).to_be_visible()
    desktop.shot("tenants")
    page.get_by_label("Tenant id").fill("picked")
    page.keyboard.press("Enter")
    expect(page.locator("#results")).to_contain_text("picked tenant line")
    desktop.assert_nothing_ran()


def test_docs_render_offline(desktop: Watched, server: ServerProcess) -> None:
    """Every request but the server's is aborted: Swagger UI must ship with the service."""
    page = desktop.page
    desktop.goto("/docs")
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() >= 10
    expect(page.locator("body")).to_contain_text("/ingest")
    desktop.shot("docs")
    assert httpx.get(f"{server.url}/openapi.json").status_code == 200
    desktop.assert_nothing_ran()
