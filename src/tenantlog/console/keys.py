"""The keys page for admin keys: list, create (the secret shown once), revoke.

Keys are made and revoked by tenantlog.core.key_admin, as by the CLI and the
admin JSON routes, so the audit trail says the same whichever was used. The
new secret is in the answer to the creating POST only: it is not stored, and
the page is ``no-store`` (tenantlog.console.headers), so reloading or going
back cannot show it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tenantlog.console.pages import render
from tenantlog.core.audit import AuditLog, AuditUnavailable
from tenantlog.core.key_admin import InvalidKeyRequest, create_key, key_lifetime, revoke_key
from tenantlog.core.keys import SCOPES, ApiKey, KeyStore, KeyStoreUnavailable
from tenantlog.core.models import utc_now
from tenantlog.http.params import Refused, form_body
from tenantlog.http.policy import principal_of

UNAVAILABLE = "The key store or the audit trail does not answer; retry in a few seconds."


@dataclass(frozen=True, slots=True)
class KeyPages:
    keys: KeyStore
    audit: AuditLog

    async def index(self, request: Request) -> Response:
        return await self._page(request, 200)

    async def create(self, request: Request) -> Response:
        try:
            form = await form_body(request)
        except Refused as refused:
            return refused.response()
        tenant_id = form.get("tenant_id", [""])[0].strip()
        name = form.get("name", [""])[0].strip() or None
        lifetime = form.get("expires_in", [""])[0].strip()
        try:
            key, secret = await create_key(
                self.keys,
                self.audit,
                tenant_id=tenant_id,
                scopes=form.get("scope", []),
                actor=principal_of(request.scope).actor,
                name=name,
                expires_in=key_lifetime(lifetime) if lifetime else None,
            )
        except InvalidKeyRequest as invalid:
            return await self._page(request, 400, problem=str(invalid))
        except (KeyStoreUnavailable, AuditUnavailable):
            return await self._page(request, 503, problem=UNAVAILABLE)
        return await self._page(request, 201, created=key, secret=secret)

    async def confirm_revoke(self, request: Request) -> Response:
        key_id = request.path_params["key_id"]
        try:
            key = await self.keys.get(key_id)
        except KeyStoreUnavailable:
            return render(request, "missing.html", 503, tenant=None, problem=UNAVAILABLE)
        if key is None:
            return render(request, "missing.html", 404, tenant=None, problem="key not found")
        return render(request, "revoke.html", key=key)

    async def revoke(self, request: Request) -> Response:
        key_id = request.path_params["key_id"]
        actor = principal_of(request.scope).actor
        try:
            revoked = await revoke_key(self.keys, self.audit, key_id, actor=actor)
        except (KeyStoreUnavailable, AuditUnavailable):
            return render(request, "missing.html", 503, tenant=None, problem=UNAVAILABLE)
        if revoked is None:
            return render(request, "missing.html", 404, tenant=None, problem="key not found")
        return RedirectResponse("/console/operations/keys", 303)

    async def _page(
        self,
        request: Request,
        status: int,
        *,
        problem: str | None = None,
        created: ApiKey | None = None,
        secret: str | None = None,
    ) -> Response:
        listed: list[ApiKey] = []
        try:
            listed = await self.keys.list()
        except KeyStoreUnavailable:
            problem, status = UNAVAILABLE, 503
        now = utc_now()
        return render(
            request,
            "keys.html",
            status,
            keys=sorted(listed, key=lambda key: (key.tenant_id, key.created_at)),
            now=now,
            scopes=SCOPES,
            problem=problem,
            created=created,
            secret=secret,
        )
