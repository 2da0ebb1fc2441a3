"""A tenant's settings over HTTP (DESIGN §2b): ``GET`` and ``PATCH
/tenants/{tenant_id}/settings``, for admin keys, the same as ``tenantlog tenants
show`` and ``tenants set``.

``PATCH`` takes a JSON merge patch (RFC 7396), which says what an operator
means without a verb per setting: a value sets a setting, ``null`` puts it
back to the default; ``redaction_rules`` is an object merged by rule name (a
pattern adds or replaces that rule, ``null`` removes it, the others stay) and
``redaction_deny`` an array that replaces the whole deny list. The answer is
the tenant's settings afterwards, as ``GET`` gives them.

Admin only, checked here as well as by the policy seam: a tenant's settings
include its rate limit, which its own keys must not raise. Nothing the
tenant set is echoed in an error: a refused rule is named, a deny-list entry
is counted by position. On AWS, API Gateway does not route it (infra/main.tf)
and the functions may read the tenants table but not write it (infra/iam.tf):
operators change settings there with ``tenantlog tenants set``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tenantlog.core.audit import AuditLog, AuditUnavailable
from tenantlog.core.tenants import (
    SETTING_NAMES,
    InvalidTenantSetting,
    RedactionEdit,
    TenantPolicy,
    TenantStore,
    TenantStoreUnavailable,
    set_tenant_settings,
    tenant_view,
)
from tenantlog.core.validation import is_valid_tenant_id
from tenantlog.http.params import Refused, json_body
from tenantlog.http.policy import principal_of
from tenantlog.http.responses import JSON, RETRY_SOON, error

#: A patch at the caps (32 rules of 1,000 characters, 1,000 deny-list entries of 200,
#: each escaped in JSON) fits well within this.
MAX_PATCH_BYTES = 1 << 20
PATCH_TYPES = ("application/merge-patch+json", "application/json")


@dataclass(frozen=True, slots=True)
class TenantSettingsRoutes:
    tenants: TenantStore
    audit: AuditLog
    defaults: TenantPolicy

    async def show(self, request: Request) -> Response:
        tenant_id = request.path_params["tenant_id"]
        if not is_valid_tenant_id(tenant_id):  # admin keys only: the policy seam checked
            return error(400, "invalid tenant_id in path")
        try:
            stored = await self.tenants.get(tenant_id)
        except TenantStoreUnavailable:
            return error(503, "tenant settings unavailable", RETRY_SOON)
        return JSON(tenant_view(self.defaults, tenant_id, stored))

    async def change(self, request: Request) -> Response:
        tenant_id = request.path_params["tenant_id"]
        if not is_valid_tenant_id(tenant_id):  # admin keys only: the policy seam checked
            return error(400, "invalid tenant_id in path")
        try:
            body = await json_body(request, PATCH_TYPES, MAX_PATCH_BYTES, "settings patch")
            changes, reset, edit = _patch(body)
            stored = await set_tenant_settings(
                self.tenants,
                self.audit,
                tenant_id,
                changes=changes,
                reset=reset,
                edit=edit,
                actor=principal_of(request.scope).actor,
            )
        except Refused as exc:
            return exc.response()
        except InvalidTenantSetting as exc:
            return error(400, f"invalid {exc.field}: {exc.reason}")
        except TenantStoreUnavailable:
            return error(503, "tenant settings unavailable", RETRY_SOON)
        except AuditUnavailable:
            return error(503, "settings changed, but the audit trail is unavailable", RETRY_SOON)
        return JSON(tenant_view(self.defaults, tenant_id, stored))


def _patch(patch: Any) -> tuple[dict[str, Any], list[str], RedactionEdit]:
    """The merge patch as ``set_tenant_settings``' changes, resets and rule edit."""
    if not isinstance(patch, dict):
        raise Refused(400, "the body must be a JSON object of settings")
    unknown = sorted(name for name in patch if name not in SETTING_NAMES)
    if unknown:
        raise Refused(
            400, f"unknown setting {unknown[0][:64]!r}; known: {', '.join(SETTING_NAMES)}"
        )
    if not patch:
        raise Refused(400, "nothing to change: give one or more settings")
    changes: dict[str, Any] = {}
    reset: list[str] = []
    edit = RedactionEdit()
    for name, value in patch.items():
        if value is None or (name == "redaction_deny" and value == []):
            reset.append(name)
        elif name == "redaction_rules":
            edit = _rules_edit(value)
        else:
            changes[name] = tuple(value) if isinstance(value, list) else value
    return changes, reset, edit


def _rules_edit(rules: Any) -> RedactionEdit:
    if not isinstance(rules, Mapping):
        raise InvalidTenantSetting(
            "redaction_rules", "must be an object of rule names to patterns (null removes one)"
        )
    put = tuple((name, pattern) for name, pattern in rules.items() if pattern is not None)
    removed = tuple(name for name, pattern in rules.items() if pattern is None)
    return RedactionEdit(put_rules=put, remove_rules=removed)
