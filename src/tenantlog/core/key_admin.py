"""Creating and revoking keys, each change recorded in the audit trail.

Used by the CLI (and any future admin route), so that a key is made the same
way everywhere: a fresh id and secret, only the digest stored, the event
recorded without the secret.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from tenantlog.core.audit import KEY_CREATED, KEY_REVOKED, AuditEvent, AuditLog
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


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


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

    Raises ValueError for a bad tenant id or scope.
    """
    try:
        check_tenant_id(tenant_id, source="tenant")
    except IngestError as exc:
        raise ValueError(exc.message) from None
    now = datetime.now(UTC)
    key_id = new_key_id()
    secret = new_secret(key_id)
    key = ApiKey(
        key_id=key_id,
        tenant_id=tenant_id,
        scopes=check_scopes(scopes),
        secret_hash=secret_digest(secret),
        created_at=_rfc3339(now),
        name=name,
        expires_at=None if expires_in is None else _rfc3339(now + expires_in),
    )
    await keys.add(key)
    detail = {"key_id": key_id, "scopes": " ".join(sorted(key.scopes))}
    await audit.record(AuditEvent(KEY_CREATED, actor, tenant_id, detail))
    return key, secret


async def revoke_key(keys: KeyStore, audit: AuditLog, key_id: str, *, actor: str) -> ApiKey | None:
    """The revoked key, or None when there is no such key (nothing is recorded then)."""
    key = await keys.revoke(key_id, utc_now())
    if key is not None:
        await audit.record(AuditEvent(KEY_REVOKED, actor, key.tenant_id, {"key_id": key_id}))
    return key
