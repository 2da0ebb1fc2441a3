"""``GET`` and ``PATCH /tenants/{tenant_id}/settings`` in-process: a JSON merge patch of a
tenant's settings, rules merged by name, and every refusal naming what is wrong."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from tenantlog.audit.memory import MemoryAuditLog
from tenantlog.core.identity import ANONYMOUS, Principal
from tenantlog.core.tenants import TENANT_SETTINGS, TenantPolicy, TenantSettings
from tenantlog.http.policy import PRINCIPAL
from tenantlog.http.tenant_settings import TenantSettingsRoutes
from tenantlog.redaction import DETECTORS
from tenantlog.tenants.memory import MemoryTenantStore
from tests.support.inprocess import in_process

pytestmark = pytest.mark.anyio

DEFAULTS = TenantPolicy(0.0, 10_000, 0, True, DETECTORS, "plain")
PATCH = {"Content-Type": "application/merge-patch+json"}
URL = "/tenants/acme/settings"


@dataclass
class Api:
    client: httpx.AsyncClient
    tenants: MemoryTenantStore
    audit: MemoryAuditLog
    caller: list[Principal]


class AsCaller:
    """What the policy seam leaves in the scope: the caller it admitted."""

    def __init__(self, app: ASGIApp, caller: list[Principal]) -> None:
        self.app = app
        self.caller = caller

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[PRINCIPAL] = self.caller[0]
        await self.app(scope, receive, send)


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    tenants, audit, caller = MemoryTenantStore(), MemoryAuditLog(), [ANONYMOUS]
    routes = TenantSettingsRoutes(tenants, audit, DEFAULTS)
    app = Starlette(
        routes=[
            Route("/tenants/{tenant_id}/settings", routes.show, methods=["GET"]),
            Route("/tenants/{tenant_id}/settings", routes.change, methods=["PATCH"]),
        ]
    )
    transport = httpx.ASGITransport(app=AsCaller(app, caller))
    async with httpx.AsyncClient(transport=transport, base_url="http://tenantlog.test") as client:
        yield Api(client, tenants, audit, caller)


async def patch(api: Api, body: Any) -> httpx.Response:
    return await api.client.patch(URL, json=body, headers=PATCH)


async def test_a_merge_patch_sets_resets_and_merges_rules_by_name(api: Api) -> None:
    # GIVEN a tenant with a burst, two rules and a deny list
    await api.tenants.put(
        TenantSettings(
            "acme", burst=5, redaction_rules=(("a", "a+"), ("b", "b+")), redaction_deny=("x",)
        )
    )
    # WHEN a patch sets a rate, resets the burst, replaces one rule, removes one, adds
    # one, and replaces the deny list
    response = await patch(
        api,
        {
            "rate_limit": 10,
            "burst": None,
            "redaction_rules": {"a": "aa+", "b": None, "employee_id": r"E\d{6}"},
            "redaction_deny": ["Project Falcon"],
        },
    )
    # THEN the answer is the tenant's settings afterwards
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["settings"] == {
        "rate_limit": 10.0,
        "redaction_rules": {"a": "aa+", "employee_id": r"E\d{6}"},
        "redaction_deny": ["Project Falcon"],
    }
    assert body["effective"]["burst"] == 10_000
    # AND they are stored, and GET gives the same
    assert (await api.client.get(URL)).json() == body
    # AND the audit trail has who and what, without patterns or entries
    (event,) = (await api.audit.list(10)).events
    assert (event.action, event.actor) == (TENANT_SETTINGS, "anonymous")
    assert event.detail == {
        "rate_limit": "10",
        "redaction_deny": "1 entry",
        "burst": "default",
        "redaction_rules": "rules: a,employee_id",
    }


async def test_null_rules_and_an_empty_deny_list_reset_them(api: Api) -> None:
    await api.tenants.put(TenantSettings("acme", redaction_rules=(("a", "a+"),)))

    response = await patch(api, {"redaction_rules": None, "redaction_deny": []})

    assert response.status_code == 200
    assert response.json()["settings"] == {}


async def test_a_tenant_nobody_set_shows_the_defaults(api: Api) -> None:
    response = await api.client.get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "tenant_id": "acme",
        "settings": {},
        "effective": DEFAULTS.to_dict(),
        "updated_at": None,
    }


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (
            {"redaction_rules": {"twice": r"(\d)\1"}},
            400,
            "invalid redaction_rules: rule 'twice': RE2 cannot compile it: an escape RE2 does"
            " not know (backreferences such as \\1 are not supported)",
        ),
        (
            {"redaction_rules": {"gone": None}},
            400,
            "invalid redaction_rules: no rule named 'gone'",
        ),
        (
            {"redaction_rules": ["a=b"]},
            400,
            "invalid redaction_rules: must be an object of rule names to patterns"
            " (null removes one)",
        ),
        (
            {"redaction_deny": ["ok", "Secret Codename" + "x" * 200]},
            400,
            "invalid redaction_deny: entry 2 has 215 characters; at most 200",
        ),
        ({"burst": 0}, 400, "invalid burst: must be between 1 and 1000000000"),
        (
            {"redaction_detectors": False},
            400,
            "invalid redaction_detectors: must be a list of detector names",
        ),
        (
            {"redaction_deny": ["same"] * 1001},
            400,
            "invalid redaction_deny: at most 1000 entries, not 1001",
        ),
        ({"redaction_deny": 5}, 400, "invalid redaction_deny: must be a list of texts"),
        (
            {"redaction_detectors": [["phone"]]},
            400,
            "invalid redaction_detectors: must be a list of detector names",
        ),
        ({"colour": "red"}, 400, "unknown setting 'colour'; known: rate_limit"),
        ({}, 400, "nothing to change: give one or more settings"),
        ([1], 400, "the body must be a JSON object of settings"),
    ],
)
async def test_a_bad_patch_is_refused_naming_what_is_wrong_and_changes_nothing(
    api: Api, body: Any, status: int, message: str
) -> None:
    before = TenantSettings("acme", redaction_rules=(("kept", "k+"),))
    await api.tenants.put(before)

    response = await patch(api, body)

    assert response.status_code == status
    assert response.json()["error"].startswith(message), response.json()
    assert "Secret" not in response.text
    assert await api.tenants.get("acme") == before


async def test_a_body_that_is_not_json_or_too_large_is_refused(api: Api) -> None:
    not_json = await api.client.patch(URL, content=b"nope", headers=PATCH)
    wrong_type = await api.client.patch(URL, content=b"{}", headers={"Content-Type": "text/plain"})
    too_large = await api.client.patch(URL, content=b" " * (1 << 20 + 1), headers=PATCH)

    assert (not_json.status_code, not_json.json()) == (400, {"error": "invalid JSON payload"})
    assert wrong_type.status_code == 415
    assert wrong_type.json()["error"].startswith("unsupported Content-Type")
    assert too_large.status_code == 413


async def test_only_admin_keys_read_or_change_settings() -> None:
    # GIVEN the whole app behind its request-policy seam, and a key of acme itself
    # with every scope but admin
    async with in_process() as app:
        secret = await app.new_key("acme", "ingest", "read", "audit", "delete")
        headers = {"Authorization": f"Bearer {secret}"}

        read = await app.client.get(URL, headers=headers)
        changed = await app.client.patch(URL, json={"rate_limit": 0}, headers=headers | PATCH)

        # THEN the seam refuses both, and nothing changed
        for response in (read, changed):
            assert response.status_code == 403
            assert response.json() == {"error": "this API key lacks the 'admin' scope"}
        assert await app.backends.tenants.get("acme") is None


async def test_an_invalid_tenant_id_in_the_path_is_refused(api: Api) -> None:
    response = await api.client.get("/tenants/a%20b/settings")

    assert (response.status_code, response.json()) == (
        400,
        {"error": "invalid tenant_id in path"},
    )
