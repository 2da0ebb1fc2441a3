"""The request-policy seam's second way to present a key: the console's session cookie.

The cookie carries the key's secret, so it is verified like a header; what a
cookie adds is a CSRF token on state-changing requests, redirects to the
sign-in page for console pages, and the sign-in form itself.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tenantlog.http.auth import SESSION_COOKIE, csrf_token
from tenantlog.http.params import MAX_FORM_BODY
from tenantlog.http.policy import Rule, rule_for
from tests.support.inprocess import in_process

pytestmark = pytest.mark.anyio


def cookie(secret: str) -> dict[str, str]:
    return {"Cookie": f"other=1; {SESSION_COOKIE}={secret}"}


def sign_in_redirect(response: httpx.Response) -> dict[str, list[str]]:
    """The query of a 303 to the sign-in page (fails for any other answer)."""
    assert response.status_code == 303, (response.status_code, response.text)
    location = urlsplit(response.headers["location"])
    assert location.path == "/console/sign-in"
    return parse_qs(location.query)


def test_rule_for_console_paths_names_the_tenant_like_the_api() -> None:
    assert rule_for("GET", "/console/tenants/acme/logs") == Rule("read", "acme")
    assert rule_for("GET", "/console/tenants/acme/logs/a/b") == Rule("read", "acme")
    assert rule_for("GET", "/console/tenants/acme/tail") == Rule("read", "acme")
    assert rule_for("GET", "/console/operations/queue") == Rule("admin")
    assert rule_for("GET", "/console/") == Rule(None)
    assert rule_for("POST", "/console/sign-out") == Rule(None)
    assert rule_for("POST", "/console/sign-in") == Rule(None)
    assert rule_for("GET", "/console/sign-in") is None
    assert rule_for("GET", "/console/static/console.js") is None


async def test_cookie_reads_like_a_header_and_only_its_tenant() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme", "ingest", "read")
        assert (
            await app.client.get("/tenants/acme/logs", headers=cookie(secret))
        ).status_code == 200
        page = await app.client.get("/console/tenants/acme/logs", headers=cookie(secret))
        assert page.status_code == 200
        for path in (
            "/tenants/victim/logs",
            "/console/tenants/victim/logs",
            "/console/tenants/victim/tail",
        ):
            refused = await app.client.get(path, headers=cookie(secret))
            assert (refused.status_code, refused.json()) == (404, {"error": "not found"}), path
        # The live tail's EventSource sends the cookie, never a header.
        head = await app.client.head("/tenants/acme/logs/tail", headers=cookie(secret))
        assert head.status_code == 200
        assert head.headers["content-type"].startswith("text/event-stream")


async def test_a_header_wins_over_the_cookie() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme", "read")
        headers = {**cookie(secret), "Authorization": "Bearer wrong"}
        assert (await app.client.get("/tenants/acme/logs", headers=headers)).status_code == 401


async def test_a_revoked_keys_session_ends_and_its_cookie_is_cleared() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme", "read")
        assert (
            await app.client.get("/console/tenants/acme/logs", headers=cookie(secret))
        ).status_code == 200
        # WHEN the key is revoked (the key cache is off in these tests: the bound is 0 s)
        await app.backends.keys.revoke(secret[4:20], "2026-01-01T00:00:00Z")
        # THEN a console page sends the browser to sign in and clears the cookie
        page = await app.client.get("/console/tenants/acme/logs?q=x", headers=cookie(secret))
        query = sign_in_redirect(page)
        assert query == {"reason": ["invalid"], "next": ["/console/tenants/acme/logs?q=x"]}
        assert page.headers["set-cookie"].startswith(f"{SESSION_COOKIE}=;")
        assert "Max-Age=0" in page.headers["set-cookie"]
        # AND the API answers the cookie as it answers the same key in a header
        api = await app.client.get("/tenants/acme/logs", headers=cookie(secret))
        assert api.status_code == 401


@pytest.mark.parametrize("value", ["", "garbage", "tlk_" + "a" * 49, '"tlk_x"'])
async def test_a_malformed_cookie_is_refused(value: str) -> None:
    async with in_process() as app:
        answer = await app.client.get("/tenants/acme/logs", headers=cookie(value))
        assert answer.status_code == 401


async def test_state_changes_by_cookie_need_the_csrf_token() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme", "ingest", "read")
        token = csrf_token(secret)
        # GIVEN a cookie-authenticated POST without a token, or with another key's
        other = csrf_token(await app.new_key("acme", "read"))
        for extra in ({}, {"X-CSRF-Token": other}, {"X-CSRF-Token": "0" * 64}):
            refused = await app.client.post(
                "/ingest", json={"text": "x"}, headers={**cookie(secret), **extra}
            )
            assert refused.status_code == 403
            assert refused.json() == {"error": "missing or invalid CSRF token"}
        assert (await app.backends.queue.stats()).depth == 0
        # WHEN the token comes in the header
        ok = await app.client.post(
            "/ingest", json={"text": "x"}, headers={**cookie(secret), "X-CSRF-Token": token}
        )
        # THEN the request goes through
        assert ok.status_code == 202
        # AND a form carries it as a field, and the route still reads the whole form
        signed_out = await app.client.post(
            "/console/sign-out", data={"csrf_token": token}, headers=cookie(secret)
        )
        assert sign_in_redirect(signed_out) == {"reason": ["ended"]}
        assert "Max-Age=0" in signed_out.headers["set-cookie"]
        refused = await app.client.post(
            "/console/sign-out", data={"csrf_token": other}, headers=cookie(secret)
        )
        assert refused.status_code == 403


async def test_header_authenticated_calls_need_no_csrf_token() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme", "ingest")
        answer = await app.client.post(
            "/ingest", json={"text": "x"}, headers={"Authorization": f"Bearer {secret}"}
        )
        assert answer.status_code == 202


async def test_console_pages_without_a_key_redirect_to_sign_in_without_counting_failures() -> None:
    async with in_process(auth_failure_limit=3) as app:
        for _ in range(5):
            page = await app.client.get("/console/tenants/acme/logs")
            assert sign_in_redirect(page)["reason"] == ["signed-out"]
        assert (await app.client.get("/console/sign-in")).status_code == 200
        # The JSON API still answers 401 with a body.
        assert (await app.client.get("/tenants/acme/logs")).status_code == 401


async def test_sign_in_sets_a_strict_http_only_cookie_holding_the_key() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme", "read")
        answer = await app.client.post(
            "/console/sign-in", data={"api_key": secret, "next": "/console/tenants/acme/tail"}
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == "/console/tenants/acme/tail"
        attributes = [part.strip() for part in answer.headers["set-cookie"].split(";")]
        assert attributes[0] == f"{SESSION_COOKIE}={secret}"
        assert {"HttpOnly", "Path=/", "SameSite=strict"} <= set(attributes)
        assert "Secure" not in attributes  # plain HTTP: a Secure cookie would never come back


@pytest.mark.parametrize(
    ("base_url", "client", "proxies", "forwarded", "secure"),
    [
        ("https://tenantlog.test", "203.0.113.7", "", None, True),
        ("http://tenantlog.test", "10.0.0.2", "10.0.0.0/8", "https", True),
        ("http://tenantlog.test", "10.0.0.2", "10.0.0.0/8", "http", False),
        ("http://tenantlog.test", "203.0.113.7", "10.0.0.0/8", "https", False),
    ],
)
async def test_sign_in_cookie_is_secure_over_tls_or_a_trusted_proxy_saying_so(
    base_url: str, client: str, proxies: str, forwarded: str | None, secure: bool
) -> None:
    headers = {} if forwarded is None else {"X-Forwarded-Proto": forwarded}
    async with in_process(
        client_address=(client, 1234), base_url=base_url, trusted_proxies=proxies
    ) as app:
        secret = await app.new_key("acme", "read")
        answer = await app.client.post(
            "/console/sign-in", data={"api_key": secret}, headers=headers
        )
        assert answer.status_code == 303
        assert ("Secure" in answer.headers["set-cookie"].split("; ")) is secure


async def test_failed_sign_ins_return_to_the_form_and_are_throttled() -> None:
    async with in_process(auth_failure_limit=3) as app:
        secret = await app.new_key("acme", "read")
        for key in ("wrong", secret[:-4] + "AAAA", "tlk_" + "a" * 49):
            answer = await app.client.post(
                "/console/sign-in", data={"api_key": key, "next": "/console/tenants/acme/tail"}
            )
            query = sign_in_redirect(answer)
            assert query == {"reason": ["invalid"], "next": ["/console/tenants/acme/tail"]}
            assert "set-cookie" not in answer.headers
        # THEN even the right key waits out the window
        throttled = await app.client.post("/console/sign-in", data={"api_key": secret})
        assert sign_in_redirect(throttled)["reason"] == ["throttled"]
        assert 1 <= int(throttled.headers["retry-after"]) <= 60


@pytest.mark.parametrize(
    "extra",
    [{"padding": "x" * 20_000}, {f"field{n}": "x" for n in range(60)}],
    ids=["oversized", "too-many-fields"],
)
async def test_an_oversized_or_overfull_sign_in_form_is_no_key(extra: dict[str, str]) -> None:
    async with in_process() as app:
        secret = await app.new_key("acme", "read")
        answer = await app.client.post("/console/sign-in", data={"api_key": secret, **extra})
        assert sign_in_redirect(answer)["reason"] == ["signed-out"]


async def test_a_large_cookie_form_post_reaches_the_route_whole() -> None:
    async with in_process() as app:
        admin = await app.new_key("ops", "admin")
        form = {"tenant_id": "acme", "scope": "read", "name": "n" * 30_000}
        answer = await app.client.post(
            "/console/operations/keys",
            data=form,
            headers={**cookie(admin), "X-CSRF-Token": csrf_token(admin)},
        )
        # The route read the whole body: it names the over-long name, not a missing tenant.
        assert answer.status_code == 400
        assert "invalid name" in answer.text


async def test_cross_origin_console_posts_are_refused_with_auth_on_and_off() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme", "read")
        for origin in ("https://attacker.example", "null"):
            answer = await app.client.post(
                "/console/sign-in", data={"api_key": secret}, headers={"Origin": origin}
            )
            assert answer.status_code == 403
            assert answer.json() == {"error": "cross-origin request refused"}
        same = await app.client.post(
            "/console/sign-in",
            data={"api_key": secret},
            headers={"Origin": "http://tenantlog.test"},
        )
        assert same.status_code == 303
    async with in_process(auth="off", base_url="http://127.0.0.1:8000") as app:
        answer = await app.client.post(
            "/console/sign-out", headers={"Origin": "https://attacker.example"}
        )
        assert answer.status_code == 403


async def test_with_auth_off_no_route_takes_a_post_from_another_sites_page() -> None:
    # A page elsewhere can make a local browser post without asking first (no body, no
    # custom header); with authentication off nothing else would stop it.
    async with in_process(auth="off", base_url="http://127.0.0.1:8000") as app:
        foreign = {"Origin": "https://attacker.example"}
        redrive = await app.client.post("/dead-letters/redrive", headers=foreign)
        ingest = await app.client.post(
            "/ingest", content="x", headers={**foreign, "Content-Type": "text/plain"}
        )
        assert [redrive.status_code, ingest.status_code] == [403, 403]
        assert redrive.json() == {"error": "cross-origin request refused"}
        # Clients that are not browsers send no Origin, and a same-origin page may post.
        assert (await app.client.post("/dead-letters/redrive")).status_code == 200
        same = {"Origin": "http://127.0.0.1:8000", "Content-Type": "text/plain"}
        answer = await app.client.post("/ingest", content="x", headers={**same, "X-Tenant-ID": "a"})
        assert answer.status_code == 202


async def test_a_console_form_larger_than_its_bound_is_refused() -> None:
    async with in_process(auth="off", base_url="http://127.0.0.1:8000") as app:
        too_large = {"name": "x" * (MAX_FORM_BODY + 1), "tenant_id": "acme"}
        for path in ("/console/sign-in", "/console/operations/keys"):
            answer = await app.client.post(path, data=too_large)
            assert answer.status_code == 413, path
            assert answer.json() == {"error": f"form larger than {MAX_FORM_BODY} bytes"}


async def test_with_auth_off_the_console_opens_without_sign_in() -> None:
    async with in_process(auth="off", base_url="http://127.0.0.1:8000") as app:
        assert (await app.client.get("/console/tenants/acme/logs")).status_code == 200
        home = await app.client.get("/console/sign-in")
        assert (home.status_code, home.headers["location"]) == (303, "/console/")
        assert "set-cookie" not in (await app.client.post("/console/sign-in")).headers
