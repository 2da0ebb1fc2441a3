"""API keys over HTTP (DESIGN §2a): ``GET``/``POST /keys`` and ``DELETE /keys/{key_id}``,
the same as ``tenantlog keys list``, ``keys create`` and ``keys revoke``.

Admin keys only; the request-policy seam checks that, as for every route.
Keys are made and revoked by tenantlog.core.key_admin, as the CLI makes
them, so both check a request the same way and leave the same audit trail.
The secret is in the answer to ``POST`` and nowhere else: not in a list,
not in the audit trail, not in an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tenantlog.core.audit import AuditLog, AuditUnavailable
from tenantlog.core.key_admin import InvalidKeyRequest, create_key, key_lifetime, revoke_key
from tenantlog.core.keys import DEFAULT_SCOPES, KEY_ID_CHARS, KeyStore, KeyStoreUnavailable
from tenantlog.core.validation import IngestError, check_tenant_id
from tenantlog.http.params import Refused, json_body
from tenantlog.http.policy import principal_of
from tenantlog.http.responses import JSON, RETRY_SOON, error

#: A key request is four short fields; anything near this is not one.
MAX_BODY_BYTES = 16 * 1024
FIELDS = ("tenant_id", "scopes", "name", "expires_in")
#: The secret is shown once: no cache along the way may keep a copy.
NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True, slots=True)
class KeyRoutes:
    keys: KeyStore
    audit: AuditLog

    async def list_keys(self, request: Request) -> Response:
        """Every key, or one tenant's (``?tenant_id=``), with its state; never a secret."""
        tenant_id = request.query_params.get("tenant_id")
        try:
            if tenant_id is not None:
                check_tenant_id(tenant_id)
        except IngestError as exc:
            return error(400, exc.message)
        try:
            keys = await self.keys.list(tenant_id)
        except KeyStoreUnavailable:
            return error(503, "key store unavailable; retry later", RETRY_SOON)
        return JSON({"items": [key.public_dict() for key in keys]})

    async def create(self, request: Request) -> Response:
        try:
            fields = _key_request(await _json_object(request))
            expires_in = fields["expires_in"]
            key, secret = await create_key(
                self.keys,
                self.audit,
                tenant_id=fields["tenant_id"],
                scopes=DEFAULT_SCOPES if fields["scopes"] is None else fields["scopes"],
                actor=principal_of(request.scope).actor,
                name=fields["name"],
                expires_in=None if expires_in is None else key_lifetime(expires_in),
            )
        except Refused as refused:
            return refused.response()
        except InvalidKeyRequest as exc:
            return error(400, str(exc))
        except AuditUnavailable:
            return error(503, "audit trail unavailable: no key was created", RETRY_SOON)
        except KeyStoreUnavailable:
            return error(503, "key store unavailable: no key was created", RETRY_SOON)
        return JSON({**key.public_dict(), "secret": secret}, status_code=201, headers=NO_STORE)

    async def revoke(self, request: Request) -> Response:
        """The revoked key; running services refuse it within TENANTLOG_KEY_CACHE_SECONDS."""
        key_id = request.path_params["key_id"]
        if not _looks_like_key_id(key_id):
            return error(404, "no such key")
        try:
            key = await revoke_key(
                self.keys, self.audit, key_id, actor=principal_of(request.scope).actor
            )
        except KeyStoreUnavailable:
            return error(503, "key store unavailable; retry later", RETRY_SOON)
        except AuditUnavailable:
            return error(503, "key revoked, but the audit trail is unavailable", RETRY_SOON)
        if key is None:
            return error(404, "no such key")
        return JSON(key.public_dict())


def _looks_like_key_id(key_id: str) -> bool:
    """What new_key_id makes; anything else is no key, and costs no store lookup."""
    return len(key_id) == KEY_ID_CHARS and key_id.isascii() and key_id.isalnum()


async def _json_object(request: Request) -> dict[str, Any]:
    data = await json_body(request, ("application/json",), MAX_BODY_BYTES, "key request")
    if not isinstance(data, dict):
        raise Refused(400, "the body must be a JSON object")
    return data


def _key_request(data: dict[str, Any]) -> dict[str, Any]:
    """The body's fields by name (None: absent or null), each of the right JSON type.

    What the values mean (a valid tenant id, known scopes, a duration) is
    create_key's to check, as for the CLI.
    """
    unknown = sorted(name for name in data if name not in FIELDS)
    if unknown:
        raise Refused(400, f"unknown field {unknown[0][:64]!r}; known: {', '.join(FIELDS)}")
    if data.get("tenant_id") is None:
        raise Refused(400, "missing required field: tenant_id")
    for name in ("tenant_id", "name", "expires_in"):
        if data.get(name) is not None and not isinstance(data[name], str):
            raise Refused(400, f"{name} must be a string")
    scopes = data.get("scopes")
    if scopes is not None and not (
        isinstance(scopes, list) and all(isinstance(s, str) for s in scopes)
    ):
        raise Refused(400, "scopes must be an array of strings")
    return {name: data.get(name) for name in FIELDS}
