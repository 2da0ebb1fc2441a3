"""Who is calling (a Principal) and what that lets them do with a tenant's data (DESIGN §2a).

Decided once per request by the HTTP policy seam and passed down; the core
only asks the questions below, so every route answers them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenantlog.core.keys import SCOPES, ApiKey


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated key, or ``ANONYMOUS`` when authentication is off (loopback only).

    ``tenant_id`` is None when the principal is not bound to one tenant.
    """

    actor: str
    tenant_id: str | None
    scopes: frozenset[str]

    @classmethod
    def of_key(cls, key: ApiKey) -> Principal:
        return cls(actor=key.key_id, tenant_id=key.tenant_id, scopes=key.scopes)

    def allows(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes

    @property
    def every_tenant(self) -> bool:
        """Admin keys and the anonymous principal act on any tenant; other keys on their own."""
        return self.tenant_id is None or "admin" in self.scopes

    def may_use(self, tenant_id: str) -> bool:
        return self.every_tenant or tenant_id == self.tenant_id

    @property
    def sees_original_text(self) -> bool:
        """Least privilege for the one field that holds unredacted PII."""
        return self.allows("audit")


ANONYMOUS = Principal(actor="anonymous", tenant_id=None, scopes=frozenset(SCOPES))


def foreign_tenant(tenant_id: str) -> str:
    """The 403 message for a write naming a tenant the key does not belong to."""
    return f"this API key may not write to tenant '{tenant_id}'"
