"""The console's pages in-process: escaping, filters, pages, the record view and its audit."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from tenantlog.console.pages import redactions
from tenantlog.console.session import destination
from tenantlog.console.static import FILES
from tenantlog.core.audit import ORIGINAL_READ
from tenantlog.core.models import LogRecord
from tenantlog.http.auth import SESSION_COOKIE
from tenantlog.http.responses import STRICT_CONTENT_SECURITY_POLICY as CONTENT_SECURITY_POLICY
from tests.support.inprocess import InProcess, in_process

pytestmark = pytest.mark.anyio

HOSTILE = (
    '<script>alert(1)</script> "><img src=x onerror=alert(2)> <a href="javascript:alert(3)">x</a>'
)


def cookie(secret: str) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={secret}"}


async def put(
    app: InProcess,
    log_id: str,
    text: str,
    *,
    minute: int = 0,
    severity: str | None = None,
    attributes: Mapping[str, str] | None = None,
    original: str | None = "the original",
    tenant: str = "acme",
) -> None:
    moment = f"2026-01-01T10:{minute:02d}:00.000Z"
    record = LogRecord(
        tenant_id=tenant,
        log_id=log_id,
        source="json_upload",
        original_text=original,
        modified_data=text,
        received_at=moment,
        processed_at=f"2026-01-01T10:{minute:02d}:01.250Z",
        attempts=1,
        severity=severity,
        attributes=attributes or {},
    )
    assert await app.backends.store.put_if_absent(record)


def test_redactions_escapes_first_then_marks_placeholders() -> None:
    marked = str(redactions('<b>[REDACTED]</b> [REDACTED:EMAIL] "[REDACTED:<x>]"'))
    assert marked == (
        '&lt;b&gt;<mark class="redacted">[REDACTED]</mark>&lt;/b&gt; '
        '<mark class="redacted">[REDACTED:EMAIL]</mark> &#34;[REDACTED:&lt;x&gt;]&#34;'
    )


@pytest.mark.parametrize(
    ("asked", "goes_to"),
    [
        (None, "/console/"),
        ("/console/tenants/a/logs?q=1", "/console/tenants/a/logs?q=1"),
        ("https://attacker.example/", "/console/"),
        ("//attacker.example/console/", "/console/"),
        ("/consoleevil", "/console/"),
        ("/console/sign-in?next=x", "/console/"),
        ("/\\attacker.example", "/console/"),
    ],
)
def test_destination_after_sign_in_stays_in_the_console(asked: str | None, goes_to: str) -> None:
    assert destination(asked) == goes_to


async def test_log_list_escapes_hostile_text_and_attributes() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme", "read")
        await put(app, "evil", HOSTILE + " [REDACTED:PHONE]", attributes={"k": HOSTILE})
        page = await app.client.get("/console/tenants/acme/logs", headers=cookie(secret))
        assert page.status_code == 200
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert page.headers["cache-control"] == "no-store"
        assert "<script>alert" not in page.text
        assert "<img src=x" not in page.text
        assert 'href="javascript:' not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert '<mark class="redacted">[REDACTED:PHONE]</mark>' in page.text
        # No inline script or handler anywhere: every <script> loads a file of ours.
        assert page.text.count("<script") == page.text.count('<script src="/console/static/')


async def test_log_list_filters_are_the_read_apis() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme", "read")
        await put(app, "1", "disk full", minute=1, severity="ERROR", attributes={"svc": "db"})
        await put(app, "2", "disk ok", minute=2, severity="info", attributes={"svc": "db"})
        await put(app, "3", "user login", minute=3, severity="error", attributes={"svc": "web x"})
        await put(app, "4", "disk full", minute=4, tenant="victim")

        async def shown(query: str) -> list[str]:
            page = await app.client.get(
                f"/console/tenants/acme/logs?{query}", headers=cookie(secret)
            )
            assert page.status_code == 200, page.text
            links = {i: page.text.find(f'/console/tenants/acme/logs/{i}"') for i in "1234"}
            return sorted((i for i, at in links.items() if at >= 0), key=links.__getitem__)

        assert await shown("") == ["3", "2", "1"]
        assert await shown("q=DISK") == ["2", "1"]
        assert await shown("severity=error") == ["3", "1"]
        assert await shown("attr=svc%3D%22web+x%22") == ["3"]
        assert await shown("q=disk&severity=error&attr=svc%3Ddb") == ["1"]
        assert await shown("since=2026-01-01T10:02:00Z&until=2026-01-01T10:03:00Z") == ["2"]


async def test_log_list_is_newest_first_and_pages_by_cursor() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme", "read")
        for minute in range(55):
            await put(app, f"log-{minute:02d}", f"line {minute}", minute=minute)
        first = await app.client.get("/console/tenants/acme/logs?q=line", headers=cookie(secret))
        assert first.text.index("log-54") < first.text.index("log-53")
        assert "log-04" not in first.text and "log-05" in first.text
        older = first.text.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
        assert "q=line" in older and "cursor=" in older
        second = await app.client.get(f"/console/tenants/acme/logs{older}", headers=cookie(secret))
        assert "log-04" in second.text and "log-00" in second.text and "log-05" not in second.text
        assert 'rel="next"' not in second.text
        assert ">Newest</a>" in second.text


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("since=yesterday", "since"),
        ("attr=novalue", "attr"),
        ("attr=%22a", "attr"),
        ("cursor=x", "cursor"),
    ],
)
async def test_a_malformed_filter_is_a_400_page_naming_it(query: str, named: str) -> None:
    async with in_process() as app:
        secret = await app.new_key("acme", "read")
        page = await app.client.get(f"/console/tenants/acme/logs?{query}", headers=cookie(secret))
        assert page.status_code == 400
        assert 'role="alert"' in page.text and named in page.text


async def test_empty_list_says_so() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme", "read")
        page = await app.client.get("/console/tenants/acme/logs", headers=cookie(secret))
        assert "No logs match these filters" in page.text


async def test_record_page_shows_fields_timings_and_escapes() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme", "read")
        await put(app, "a/b?c#d", HOSTILE, severity="warn", attributes={"k": HOSTILE})
        page = await app.client.get(
            "/console/tenants/acme/logs/a%2Fb%3Fc%23d", headers=cookie(secret)
        )
        assert page.status_code == 200
        assert "2026-01-01T10:00:00.000Z" in page.text and "+1.250 s" in page.text
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
        assert "Original text" not in page.text and "the original" not in page.text
        missing = await app.client.get("/console/tenants/acme/logs/nope", headers=cookie(secret))
        assert missing.status_code == 404 and "log not found" in missing.text


async def test_original_text_only_for_audit_keys_and_audited_first() -> None:
    async with in_process() as app:
        auditor = await app.new_key("acme", "read", "audit")
        await put(app, "kept", "User [REDACTED] in", original="User 555-0199 in")
        await put(app, "gone", "not kept", original=None)
        kept = await app.client.get("/console/tenants/acme/logs/kept", headers=cookie(auditor))
        assert "User 555-0199 in" in kept.text
        gone = await app.client.get("/console/tenants/acme/logs/gone", headers=cookie(auditor))
        assert "does not keep original texts" in gone.text
        events = (await app.backends.audit.list(100)).events
        reads = [e for e in events if e.action == ORIGINAL_READ]
        assert [e.detail["first_log_id"] for e in reads] == ["kept"]
        # The list never shows the original, so it is never audited.
        listed = await app.client.get("/console/tenants/acme/logs", headers=cookie(auditor))
        assert "555-0199" not in listed.text
        events = (await app.backends.audit.list(100)).events
        assert len([e for e in events if e.action == ORIGINAL_READ]) == 1


async def test_home_sends_a_tenant_key_to_its_logs_and_lets_an_admin_pick() -> None:
    async with in_process() as app:
        reader = await app.new_key("acme", "read")
        home = await app.client.get("/console/?tenant=victim", headers=cookie(reader))
        assert (home.status_code, home.headers["location"]) == (303, "/console/tenants/acme/logs")
        admin = await app.new_key("ops", "admin")
        picker = await app.client.get("/console/", headers=cookie(admin))
        assert picker.status_code == 200 and 'id="tenant"' in picker.text
        chosen = await app.client.get("/console/?tenant=victim", headers=cookie(admin))
        assert chosen.headers["location"] == "/console/tenants/victim/logs"
        bad = await app.client.get("/console/?tenant=%3Cscript%3E", headers=cookie(admin))
        assert "invalid tenant id" in bad.text and "<script>" not in bad.text


async def test_tail_page_streams_the_api_without_original_fields() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme", "read", "audit")
        page = await app.client.get(
            "/console/tenants/acme/tail?q=a%22b&severity=error", headers=cookie(secret)
        )
        stream = page.text.split('data-stream="')[1].split('"')[0].replace("&amp;", "&")
        assert stream.startswith("/tenants/acme/logs/tail?q=a%22b&severity=error&fields=")
        assert "original_text" not in stream


async def test_static_files_are_an_allow_list_with_cache_headers() -> None:
    async with in_process() as app:
        for name, found in FILES.items():
            current = await app.client.get(f"/console/static/{name}?v={found.digest}")
            assert current.status_code == 200
            assert current.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert current.headers["x-content-type-options"] == "nosniff"
            stale = await app.client.get(f"/console/static/{name}?v=old")
            assert stale.headers["cache-control"] == "no-cache"
            again = await app.client.get(
                f"/console/static/{name}", headers={"If-None-Match": current.headers["etag"]}
            )
            assert again.status_code == 304
        for name in ("VERSION", "htmx.LICENSE", "..%2F__init__.py", "../pages.py"):
            assert (await app.client.get(f"/console/static/{name}")).status_code != 200
