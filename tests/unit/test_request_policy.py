"""The request-policy seam in-process: every route behind it, with keys and without."""

from __future__ import annotations

import pytest

from tenantlog.core.queue import QueueStats, QueueUnavailable
from tests.support.inprocess import in_process

pytestmark = pytest.mark.anyio

INVALID = {"error": "missing or invalid API key"}


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


async def test_no_or_bad_key_is_401_with_www_authenticate() -> None:
    async with in_process() as app:
        for headers in ({}, bearer("nope"), bearer("tlk_aaaaaaaaaaaaaaaa_" + "A" * 32)):
            for method, path in (
                ("POST", "/ingest"),
                ("GET", "/tenants/acme/logs"),
                ("GET", "/tenants/acme/logs/1"),
                ("GET", "/metrics"),
                ("GET", "/audit"),
                ("GET", "/no/such/route"),
            ):
                response = await app.client.request(method, path, headers=headers)
                assert response.status_code == 401, (method, path, headers)
                assert response.json() == INVALID
                assert response.headers["www-authenticate"].startswith("Bearer")
        assert (await app.backends.queue.stats()).depth == 0


async def test_open_routes_need_no_key_and_readyz_names_no_internals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with in_process() as app:
        for path in ("/healthz", "/readyz", "/openapi.json", "/docs"):
            assert (await app.client.get(path)).status_code == 200, path

        async def unreachable() -> QueueStats:
            raise QueueUnavailable("https://sqs.eu-west-1.amazonaws.com/123456789012/q refused")

        monkeypatch.setattr(app.backends.queue, "stats", unreachable)
        response = await app.client.get("/readyz")
        assert (response.status_code, response.json()) == (503, {"error": "not ready: queue"})


async def test_the_tenant_is_the_keys_for_json_text_and_ndjson() -> None:
    async with in_process() as app:
        secret = await app.new_key("acme", "ingest", "read")
        json_answer = await app.client.post("/ingest", json={"text": "a"}, headers=bearer(secret))
        text_answer = await app.client.post(
            "/ingest", content="b", headers={"X-API-Key": secret, "Content-Type": "text/plain"}
        )
        ndjson = b'{"text":"c"}\n{"text":"d","tenant_id":"acme"}\n'
        ndjson_answer = await app.client.post(
            "/ingest",
            content=ndjson,
            headers={"Content-Type": "application/x-ndjson"},
            auth=("ignored-user", secret),
        )
        assert [r.status_code for r in (json_answer, text_answer, ndjson_answer)] == [202] * 3
        assert json_answer.json()["tenant_id"] == text_answer.json()["tenant_id"] == "acme"
        assert {i["tenant_id"] for i in ndjson_answer.json()["items"]} == {"acme"}
        await app.drain()
        listed = (await app.client.get("/tenants/acme/logs", headers=bearer(secret))).json()
        assert sorted(r["modified_data"] for r in listed["items"]) == ["a", "b", "c", "d"]


@pytest.mark.parametrize(
    ("content_type", "body", "headers"),
    [
        ("application/json", b'{"tenant_id":"victim","text":"x"}', {}),
        ("text/plain", b"x", {"X-Tenant-ID": "victim"}),
        ("application/x-ndjson", b'{"text":"ok"}\n{"tenant_id":"victim","text":"x"}', {}),
        ("application/x-ndjson", b'{"text":"x"}', {"X-Tenant-ID": "victim"}),
    ],
)
async def test_naming_another_tenant_is_403_naming_it_and_enqueues_nothing(
    content_type: str, body: bytes, headers: dict[str, str]
) -> None:
    async with in_process() as app:
        secret = await app.new_key("acme", "ingest")
        response = await app.client.post(
            "/ingest",
            content=body,
            headers={"Content-Type": content_type, **headers, **bearer(secret)},
        )
        assert response.status_code == 403
        assert "'victim'" in response.json()["error"]
        assert (await app.backends.queue.stats()).depth == 0


async def test_reads_of_another_tenant_are_404_and_missing_scopes_403() -> None:
    async with in_process() as app:
        reader = await app.new_key("acme", "read")
        writer = await app.new_key("acme", "ingest")
        assert (
            await app.client.post("/ingest", json={"text": "x"}, headers=bearer(reader))
        ).json() == {"error": "this API key lacks the 'ingest' scope"}
        for path in ("/tenants/victim/logs", "/tenants/victim/logs/1"):
            response = await app.client.get(path, headers=bearer(reader))
            assert (response.status_code, response.json()) == (404, {"error": "not found"})
        response = await app.client.get("/tenants/acme/logs", headers=bearer(writer))
        assert response.status_code == 403
        assert "'read'" in response.json()["error"]
        for path in ("/metrics", "/audit"):
            response = await app.client.get(path, headers=bearer(reader))
            assert response.status_code == 403
            assert "'admin'" in response.json()["error"]


async def test_original_text_only_with_the_audit_scope_and_every_such_read_is_audited() -> None:
    async with in_process() as app:
        writer = await app.new_key("acme", "ingest")
        reader = await app.new_key("acme", "read")
        auditor = await app.new_key("acme", "read", "audit")
        admin = await app.new_key("ops", "admin")
        body = {"log_id": "1", "text": "call 555-0199"}
        assert (
            await app.client.post("/ingest", json=body, headers=bearer(writer))
        ).status_code == 202
        await app.drain()
        trail_before = len((await app.backends.audit.list(1000)).events)

        plain = (await app.client.get("/tenants/acme/logs/1", headers=bearer(reader))).json()
        listed = (await app.client.get("/tenants/acme/logs", headers=bearer(reader))).json()
        assert "original_text" not in plain
        assert all("original_text" not in r for r in listed["items"])
        assert plain["modified_data"] == "call [REDACTED]"
        assert len((await app.backends.audit.list(1000)).events) == trail_before

        full = (await app.client.get("/tenants/acme/logs/1", headers=bearer(auditor))).json()
        assert full["original_text"] == "call 555-0199"
        trail = await app.client.get("/audit", headers=bearer(admin))
        newest = trail.json()["items"][0]
        assert newest["action"] == "log.read_original"
        assert newest["tenant_id"] == "acme"
        assert newest["detail"]["first_log_id"] == "1"
        assert "555-0199" not in trail.text  # the trail names ids, never text or secrets
        assert auditor not in trail.text


async def test_admin_keys_act_on_every_tenant() -> None:
    async with in_process() as app:
        admin = await app.new_key("ops", "admin")
        body = {"tenant_id": "acme", "log_id": "1", "text": "x"}
        assert (
            await app.client.post("/ingest", json=body, headers=bearer(admin))
        ).status_code == 202
        await app.drain()
        assert (
            await app.client.get("/tenants/acme/logs/1", headers=bearer(admin))
        ).status_code == 200
        metrics = await app.client.get("/metrics", headers=bearer(admin))
        assert metrics.status_code == 200
        assert "tenantlog_auth_failures_total" in metrics.text


async def test_repeated_failures_from_one_address_get_429_with_retry_after() -> None:
    async with in_process(auth_failure_limit=3) as app:
        secret = await app.new_key("acme", "ingest")
        for _ in range(3):
            assert (await app.client.post("/ingest", headers=bearer("wrong"))).status_code == 401
        refused = await app.client.post("/ingest", json={"text": "x"}, headers=bearer(secret))
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert (await app.backends.queue.stats()).depth == 0


async def test_a_secret_never_appears_in_metrics_or_errors() -> None:
    async with in_process() as app:
        admin = await app.new_key("ops", "admin")
        secret = await app.new_key("acme", "ingest")
        forged = secret[:-4] + "AAAA"
        answers = [
            await app.client.post("/ingest", json={"text": "x"}, headers=bearer(forged)),
            await app.client.post(
                "/ingest", json={"tenant_id": "victim", "text": "x"}, headers=bearer(secret)
            ),
            await app.client.post("/ingest", content=b"{", headers=bearer(secret)),
        ]
        metrics = await app.client.get("/metrics", headers=bearer(admin))
        for text in [a.text for a in answers] + [metrics.text]:
            assert "tlk_" not in text


async def test_with_auth_off_a_foreign_host_is_refused() -> None:
    async with in_process(auth="off", base_url="http://127.0.0.1:8000") as app:
        ok = await app.client.post("/ingest", json={"tenant_id": "acme", "text": "x"})
        assert ok.status_code == 202
        for host in ("attacker.example", "attacker.example:8000", "192.168.1.5"):
            refused = await app.client.get("/tenants/acme/logs", headers={"Host": host})
            assert refused.status_code == 403
            assert "Host" in refused.json()["error"]
        for host in ("localhost:8000", "[::1]:8000", "127.0.0.1"):
            assert (await app.client.get("/healthz", headers={"Host": host})).status_code == 200


async def test_with_auth_off_allowed_hosts_are_served() -> None:
    async with in_process(auth="off", allowed_hosts="logs.internal") as app:
        response = await app.client.get("/healthz", headers={"Host": "logs.internal:8000"})
        assert response.status_code == 200
