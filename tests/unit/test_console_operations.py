"""The console's operations pages in-process: admin only, confirmed changes, audited."""

from __future__ import annotations

import pytest

from tenantlog.core.audit import KEY_CREATED, KEY_REVOKED
from tenantlog.core.dead_letters import DLQ_PURGE, DLQ_REDRIVE
from tenantlog.core.models import InternalMessage
from tenantlog.core.queue import Outgoing
from tenantlog.http.auth import SESSION_COOKIE, csrf_token
from tests.support.inprocess import InProcess, in_process

pytestmark = pytest.mark.anyio


def cookie(secret: str) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={secret}"}


async def dead_letter(app: InProcess, tenant: str, text: str, reason: str) -> None:
    message = InternalMessage(tenant, f"{tenant}-1", "json_upload", text, "2026-01-01T00:00:00Z")
    await app.backends.queue.send([Outgoing(tenant, message.encode())])
    (delivery,) = await app.backends.queue.receive(1, 0)
    await app.backends.queue.dead_letter(delivery.receipt, reason)


async def actions(app: InProcess) -> list[str]:
    return [event.action for event in (await app.backends.audit.list(100)).events]


@pytest.mark.parametrize(
    "path",
    [
        "/console/operations/",
        "/console/operations/keys",
        "/console/operations/tenants",
        "/console/operations/tenants/acme",
        "/console/operations/dead-letters/purge",
    ],
)
async def test_operations_pages_need_the_admin_scope(path: str) -> None:
    async with in_process() as app:
        reader = await app.new_key("acme", "read", "audit", "delete", "ingest")
        refused = await app.client.get(path, headers=cookie(reader))
        assert refused.status_code == 403
        admin = await app.new_key("ops", "admin")
        assert (await app.client.get(path, headers=cookie(admin))).status_code == 200


async def test_dead_letters_show_reason_and_receives_but_never_text() -> None:
    async with in_process() as app:
        admin = await app.new_key("ops", "admin")
        await dead_letter(app, "acme", "User 555-0199 <script>x</script>", "boom <b>bad</b>")
        page = await app.client.get("/console/operations/", headers=cookie(admin))
        assert "boom &lt;b&gt;bad&lt;/b&gt;" in page.text
        assert "<code>acme</code>" in page.text and "acme-1" in page.text
        assert "555-0199" not in page.text and "<script>x" not in page.text
        assert 'class="stat-value">1</span> <span class="stat-label">dead letters' in page.text


async def test_redrive_and_purge_are_confirmed_then_audited() -> None:
    async with in_process() as app:
        admin = await app.new_key("ops", "admin")
        await dead_letter(app, "acme", "one", "failed")
        confirm = await app.client.get(
            "/console/operations/dead-letters/redrive", headers=cookie(admin)
        )
        assert "Redrive 1 dead letter?" in confirm.text
        assert (await app.backends.queue.stats()).dead_letters == 1
        # WHEN the confirmation is posted without its CSRF token, nothing moves
        refused = await app.client.post(
            "/console/operations/dead-letters/redrive", headers=cookie(admin)
        )
        assert refused.status_code == 403
        assert (await app.backends.queue.stats()).dead_letters == 1
        # WHEN it is posted with it, the dead letter is back on the queue and audited
        form = {"csrf_token": csrf_token(admin)}
        done = await app.client.post(
            "/console/operations/dead-letters/redrive", data=form, headers=cookie(admin)
        )
        assert done.headers["location"] == "/console/operations/?done=redrive&count=1"
        stats = await app.backends.queue.stats()
        assert (stats.dead_letters, stats.visible) == (0, 1)
        await dead_letter(app, "acme", "two", "failed again")
        await app.client.post(
            "/console/operations/dead-letters/purge", data=form, headers=cookie(admin)
        )
        assert (await app.backends.queue.stats()).dead_letters == 0
        assert [a for a in await actions(app) if a.startswith("dlq")] == [DLQ_PURGE, DLQ_REDRIVE]
        unknown = await app.client.post(
            "/console/operations/dead-letters/explode", data=form, headers=cookie(admin)
        )
        assert unknown.status_code == 404


async def test_a_key_is_created_with_its_secret_shown_once_and_revoked() -> None:
    async with in_process() as app:
        admin = await app.new_key("ops", "admin")
        form = {
            "csrf_token": csrf_token(admin),
            "tenant_id": "acme",
            "scope": ["read", "ingest"],
            "name": "<b>ci</b>",
            "expires_in": "30d",
        }
        created = await app.client.post(
            "/console/operations/keys", data=form, headers=cookie(admin)
        )
        assert created.status_code == 201
        assert created.headers["cache-control"] == "no-store"
        secret = created.text.split('id="new-secret" class="secret-value" value="')[1].split('"')[0]
        assert (
            await app.client.get("/tenants/acme/logs", headers=cookie(secret))
        ).status_code == 200
        assert "&lt;b&gt;ci&lt;/b&gt;" in created.text
        listed = await app.client.get("/console/operations/keys", headers=cookie(admin))
        assert secret not in listed.text
        # WHEN it is revoked (after a confirmation page)
        key_id = secret[4:20]
        confirm = await app.client.get(
            f"/console/operations/keys/{key_id}/revoke", headers=cookie(admin)
        )
        assert f"Revoke key <code>{key_id}</code>?" in confirm.text
        revoked = await app.client.post(
            f"/console/operations/keys/{key_id}/revoke",
            data={"csrf_token": csrf_token(admin)},
            headers=cookie(admin),
        )
        assert revoked.headers["location"] == "/console/operations/keys"
        # THEN its sessions end
        assert (
            await app.client.get("/tenants/acme/logs", headers=cookie(secret))
        ).status_code == 401
        assert KEY_CREATED in await actions(app) and KEY_REVOKED in await actions(app)


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("tenant_id", "bad tenant!", "tenant"),
        ("scope", "root", "scopes"),
        ("expires_in", "soon", "expires_in"),
    ],
)
async def test_a_bad_key_request_is_a_400_naming_the_field(
    field: str, value: str, named: str
) -> None:
    async with in_process() as app:
        admin = await app.new_key("ops", "admin")
        form = {"csrf_token": csrf_token(admin), "tenant_id": "acme", "scope": "read", field: value}
        answer = await app.client.post("/console/operations/keys", data=form, headers=cookie(admin))
        assert answer.status_code == 400
        assert named in answer.text.split('role="alert">')[1].split("<")[0]


async def test_tenants_show_limits_and_a_usage_chart() -> None:
    async with in_process(tenant_rate_limit=50, tenant_burst=100) as app:
        admin = await app.new_key("ops", "admin")
        writer = await app.new_key("acme", "ingest")
        for _ in range(3):
            answer = await app.client.post(
                "/ingest", json={"text": "x"}, headers={"Authorization": f"Bearer {writer}"}
            )
            assert answer.status_code == 202
        await app.backends.usage.flush()
        listed = await app.client.get("/console/operations/tenants", headers=cookie(admin))
        assert "/console/operations/tenants/acme" in listed.text
        row = listed.text.split("<code>acme</code>")[1].split("</tr>")[0]
        assert '<td class="number">3</td>' in row and '<td class="number">50' in row
        page = await app.client.get("/console/operations/tenants/acme", headers=cookie(admin))
        assert page.text.count('<rect class="bar"') == 30
        assert "Most in one day: 3" in page.text
