"""The console in a real headless browser: Debian's chromium driven by Playwright.

The browser is the system's (``/usr/bin/chromium``), never one Playwright
downloads. Without it the tests skip on a developer's machine and fail in CI
(``CI`` set), where ``make test`` installs it. Every test gets a fresh browser
context that may reach the test server and nothing else, and that records
what a hostile page would betray: dialogs, console errors, CSP violations.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import orjson
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Dialog,
    Locator,
    Page,
    Playwright,
    Route,
    expect,
    sync_playwright,
)

from tests.support.cli import tenantlog_json
from tests.support.server import ServerProcess, wait_until

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_FAILED_LOAD = "Failed to load resource: the server responded with a status of"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
#: Reports CSP violations to the test; an init script runs outside the page's CSP.
_WATCH_CSP = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.reportCspViolation(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Per module, not per run: Playwright's sync API keeps an event loop running in this
    thread until it stops, which the async tests that follow must not find."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium chromium-driver"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # Waits, not speed checks: a busy machine may take seconds to store and show a log.
    expect.set_options(timeout=15_000)
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data_dir = tmp_path_factory.mktemp("console") / "data"
    with ServerProcess(data_dir, env={"TENANTLOG_AUTH": "keys"}) as running:
        yield running


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where each page's screenshot is kept as a test artifact."""
    return tmp_path_factory.mktemp("screenshots")


@dataclass
class Keys:
    """Keys made with the real CLI against the test server's data directory."""

    server: ServerProcess
    made: dict[tuple[str, tuple[str, ...]], str] = field(default_factory=dict)

    def __call__(self, tenant: str, *scopes: str) -> str:
        if (tenant, scopes) not in self.made:
            args = ["keys", "create", tenant, *(f"--scope={s}" for s in scopes)]
            created = tenantlog_json(*args, data_dir=self.server.data_dir)
            self.made[(tenant, scopes)] = created["secret"]
        return self.made[(tenant, scopes)]


@pytest.fixture(scope="session")
def keys(server: ServerProcess) -> Keys:
    return Keys(server)


@dataclass
class Logs:
    """Posts logs with an ingest key and waits until they are stored."""

    server: ServerProcess
    keys: Keys

    def post(self, tenant: str, *records: Mapping[str, object]) -> list[str]:
        writer = self.keys(tenant, "ingest", "read")
        headers = {"Authorization": f"Bearer {writer}"}
        body = b"\n".join(orjson.dumps(record) for record in records)
        answer = httpx.post(
            f"{self.server.url}/ingest",
            content=body,
            headers={**headers, "Content-Type": "application/x-ndjson"},
            timeout=10,
        )
        assert answer.status_code == 202, answer.text
        ids = [item["log_id"] for item in answer.json()["items"]]
        last = f"{self.server.url}/tenants/{tenant}/logs/{ids[-1]}"
        wait_until(lambda: httpx.get(last, headers=headers).status_code == 200, seconds=30)
        return ids


@pytest.fixture(scope="session")
def logs(server: ServerProcess, keys: Keys) -> Logs:
    return Logs(server, keys)


@dataclass
class Watched:
    """A page in a context confined to the server, and what happened in it."""

    page: Page
    context: BrowserContext
    server: ServerProcess
    screenshots: Path
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def goto(self, path: str) -> None:
        self.page.goto(self.server.url + path)

    def sign_in(self, secret: str) -> None:
        """Sign in from the console's front door; a tenant key lands on its tenant's logs,
        an admin key on the tenant picker."""
        self.goto("/console/")
        self.page.get_by_label("API key").fill(secret)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(lambda url: "/console/sign-in" not in url)

    def shot(self, name: str, *, hide: Sequence[Locator] = ()) -> Path:
        """A full-page screenshot; ``hide`` covers what must not be kept (a secret)."""
        path = self.screenshots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True, mask=list(hide))
        return path

    def assert_nothing_ran(self, answered: tuple[int, ...] = ()) -> None:
        """No dialog, no error in the console, no CSP violation, no foreign request.

        ``answered``: statuses the test asked for, which chromium logs as errors."""
        expected = tuple(f"error {_FAILED_LOAD} {status} " for status in answered)
        errors = [line for line in self.console if line.startswith("error")]
        assert self.dialogs == []
        assert [line for line in errors if not line.startswith(expected)] == []
        assert self.violations == []
        assert self.blocked == []


@contextmanager
def watched_page(
    browser: Browser, server: ServerProcess, screenshots: Path, viewport: dict[str, int]
) -> Iterator[Watched]:
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    page = context.new_page()
    watched = Watched(page, context, server, screenshots)
    origin = urlsplit(server.url).netloc

    def confine(route: Route) -> None:
        if urlsplit(route.request.url).netloc == origin:
            route.continue_()
        else:
            watched.blocked.append(route.request.url)
            route.abort()

    context.route("**/*", confine)
    context.expose_function("reportCspViolation", lambda text: watched.violations.append(text))
    context.add_init_script(_WATCH_CSP)
    page.on("request", lambda request: watched.requests.append(request.url))
    page.on("console", lambda message: watched.console.append(f"{message.type} {message.text}"))

    def refuse(dialog: Dialog) -> None:
        watched.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    page.set_default_timeout(15_000)
    yield watched
    context.close()


@pytest.fixture
def desktop(browser: Browser, server: ServerProcess, screenshots: Path) -> Iterator[Watched]:
    with watched_page(browser, server, screenshots, DESKTOP) as watched:
        yield watched


@pytest.fixture
def phone(browser: Browser, server: ServerProcess, screenshots: Path) -> Iterator[Watched]:
    with watched_page(browser, server, screenshots, PHONE) as watched:
        yield watched
