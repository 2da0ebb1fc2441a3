"""Creating and revoking keys, each change recorded in the audit trail.

Used by the CLI and the admin routes alike, so that a key is made the same
way everywhere: the request checked field by field, a fresh id and secret,
only the digest stored, the event recorded without the secret.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from tenantlog.core.audit import KEY_CREATED, KEY_REVOKED, AuditEvent, AuditLog
from tenantlog.core.durations import parse_duration
from tenantlog.core.keys import (
    ApiKey,
    KeyStore,
    check_scopes,
    new_key_id,
    new_secret,
    secret_digest,
)
from tenantlog.core.models import utc_now
from tenantlog.core.validation import IngestError, check_tenant_id

MAX_NAME_CHARS = 200


class InvalidKeyRequest(ValueError):
    """A key that cannot be made as asked; ``field`` names the culprit and so does the
    message, which the CLI prints and the admin routes answer with."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def key_lifetime(text: str) -> timedelta:
    """A key's lifetime as people type it (``90d``, ``12h``, ``2w``)."""
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise InvalidKeyRequest("expires_in", f"invalid expires_in: {exc}") from None


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _checked(tenant_id: str, scopes: Iterable[str], name: str | None) -> frozenset[str]:
    try:
        check_tenant_id(tenant_id)
    except IngestError as exc:
        raise InvalidKeyRequest("tenant_id", exc.message) from None
    try:
        chosen = check_scopes(scopes)
    except ValueError as exc:
        raise InvalidKeyRequest("scopes", f"invalid scopes: {exc}") from None
    if name is not None and not (0 < len(name) <= MAX_NAME_CHARS and name.isprintable()):
        message = f"invalid name: use 1-{MAX_NAME_CHARS} printable characters"
        raise InvalidKeyRequest("name", message)
    return chosen


async def create_key(
    keys: KeyStore,
    audit: AuditLog,
    *,
    tenant_id: str,
    scopes: Iterable[str],
    actor: str,
    name: str | None = None,
    expires_in: timedelta | None = None,
) -> tuple[ApiKey, str]:
    """The new key and its secret, which exists nowhere else afterwards.

    Raises InvalidKeyRequest for a bad tenant id, scope, name or lifetime.
    The event is recorded before the key is stored: a key nobody can see in
    the audit trail is worse than an entry for a key that a store outage then
    kept from existing.
    """
    chosen = _checked(tenant_id, scopes, name)
    now = datetime.now(UTC)
    try:
        expires_at = None if expires_in is None else _rfc3339(now + expires_in)
    except OverflowError:
        raise InvalidKeyRequest("expires_in", "invalid expires_in: past the year 9999") from None
    key_id = new_key_id()
    secret = new_secret(key_id)
    key = ApiKey(
        key_id=key_id,
        tenant_id=tenant_id,
        scopes=chosen,
        secret_hash=secret_digest(secret),
        created_at=_rfc3339(now),
        name=name,
        expires_at=expires_at,
    )
    detail = {"key_id": key_id, "scopes": " ".join(sorted(key.scopes))}
    await audit.record(AuditEvent(KEY_CREATED, actor, tenant_id, detail))
    await keys.add(key)
    return key, secret


async def revoke_key(keys: KeyStore, audit: AuditLog, key_id: str, *, actor: str) -> ApiKey | None:
    """The revoked key, or None when there is no such key (nothing is recorded then)."""
    key = await keys.revoke(key_id, utc_now())
    if key is not None:
        await audit.record(AuditEvent(KEY_REVOKED, actor, key.tenant_id, {"key_id": key_id}))
    return key
