"""Per-tenant settings (DESIGN §2b): what an operator set for a tenant, and what applies.

A tenant's stored settings hold only what was set for it; everything left
unset follows the service's defaults (``TENANTLOG_TENANT_RATE_LIMIT`` and
the rest), so changing a default changes it for every tenant that did not
choose otherwise. ``TenantPolicy`` is the two merged: what the API and the
worker apply.

The limits on each value live here, once: the settings (the defaults) and
``tenants set`` (a tenant's own values) both check with these functions, so
a value one of them accepts is never refused by the other.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, Literal, Protocol

from tenantlog.core.audit import AuditEvent, AuditLog
from tenantlog.core.models import utc_now
from tenantlog.core.validation import IngestError, check_tenant_id
from tenantlog.redaction import DETECTORS

RedactionStyle = Literal["plain", "typed"]
REDACTION_STYLES: tuple[RedactionStyle, ...] = ("plain", "typed")

#: The audit trail's action for a change of a tenant's settings.
TENANT_SETTINGS = "tenant.settings"

#: Bounds that keep every value storable and meaningful: DynamoDB numbers span
#: 1E-130 to 9.99E+125, so a positive rate is at least one log in 1,000 s, and
#: a retention beyond a century would overflow date arithmetic long before it
#: mattered.
MIN_RATE_LIMIT = 0.001
MAX_RATE_LIMIT = 1_000_000_000.0
MAX_BURST = 1_000_000_000
MAX_RETENTION_DAYS = 36_500


class TenantStoreUnavailable(Exception):
    """The tenant settings cannot be read or written."""


class InvalidTenantSetting(ValueError):
    """A value no tenant may have; ``field`` names the setting (``rate_limit``, ...)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


# ---- the checks, shared with tenantlog.settings -------------------------------------
# Each returns the value as stored (normalised) or raises ValueError with a reason that
# does not name the setting: the caller knows whether it is a flag or a variable.


def check_rate_limit(value: float) -> float:
    """Logs per second; 0 means unlimited."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number of logs per second")
    rate = float(value)
    if not math.isfinite(rate) or rate < 0:
        raise ValueError("must be a finite number of logs per second, at least 0 (unlimited)")
    if rate != 0 and not MIN_RATE_LIMIT <= rate <= MAX_RATE_LIMIT:
        raise ValueError(
            f"must be 0 (unlimited) or between {MIN_RATE_LIMIT:g} and {MAX_RATE_LIMIT:.0f}"
        )
    return rate


def check_burst(value: int) -> int:
    """Logs a tenant may send at once; a batch of more can never pass."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number of logs")
    if not 1 <= value <= MAX_BURST:
        raise ValueError(f"must be between 1 and {MAX_BURST}")
    return value


def check_retention_days(value: int) -> int:
    """Days a stored log is kept; 0 means forever."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number of days")
    if not 0 <= value <= MAX_RETENTION_DAYS:
        raise ValueError(f"must be between 0 (forever) and {MAX_RETENTION_DAYS}")
    return value


def check_store_original(value: bool) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def check_detectors(value: Iterable[str]) -> tuple[str, ...]:
    """Known detector names, each once, in DETECTORS' order (so equal sets compare equal).

    An empty set is allowed, as for ``TENANTLOG_REDACTION_DETECTORS``: nothing is redacted.
    """
    if isinstance(value, str):
        raise ValueError("must be a list of detector names")
    chosen = set(value)
    unknown = sorted(name for name in chosen if name not in DETECTORS)
    if unknown:
        raise ValueError(
            f"unknown detector(s): {', '.join(map(str, unknown))}; "
            f"choose from {', '.join(DETECTORS)}"
        )
    return tuple(name for name in DETECTORS if name in chosen)


def check_redaction_style(value: str) -> RedactionStyle:
    if value not in REDACTION_STYLES:
        raise ValueError(f"must be {' or '.join(REDACTION_STYLES)}")
    return value


_CHECKS: dict[str, Any] = {
    "rate_limit": check_rate_limit,
    "burst": check_burst,
    "retention_days": check_retention_days,
    "store_original": check_store_original,
    "redaction_detectors": check_detectors,
    "redaction_style": check_redaction_style,
}
#: The per-tenant settings, in the order they are shown.
SETTING_NAMES: tuple[str, ...] = tuple(_CHECKS)


@dataclass(frozen=True, slots=True)
class TenantSettings:
    """What was set for one tenant; None means "the default"."""

    tenant_id: str
    rate_limit: float | None = None  # logs per second; 0 = unlimited
    burst: int | None = None  # logs
    retention_days: int | None = None  # 0 = forever
    store_original: bool | None = None
    redaction_detectors: tuple[str, ...] | None = None
    redaction_style: RedactionStyle | None = None
    updated_at: str | None = None

    def with_changes(self, **changes: Any) -> TenantSettings:
        """These settings with ``changes`` applied; a None value leaves a field as it was."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def without(self, names: Iterable[str]) -> TenantSettings:
        """These settings with ``names`` back to the default."""
        defaults: dict[str, Any] = dict.fromkeys(names)
        return replace(self, **defaults)

    def chosen(self) -> dict[str, Any]:
        """The settings that were set (no tenant id or time), by name."""
        return {
            name: getattr(self, name) for name in SETTING_NAMES if getattr(self, name) is not None
        }

    def checked(self) -> TenantSettings:
        """These settings normalised (detectors in order, rate a float), or
        InvalidTenantSetting naming the first bad one."""
        normalised: dict[str, Any] = {}
        for name, value in self.chosen().items():
            try:
                normalised[name] = _CHECKS[name](value)
            except ValueError as exc:
                raise InvalidTenantSetting(name, str(exc)) from None
        return replace(self, **normalised)

    def to_dict(self) -> dict[str, Any]:
        """Only what was set (and the tenant and time), for ``--json`` and ``from_dict``."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TenantSettings:
        """The inverse of ``to_dict``, checked: ValueError (or KeyError, TypeError) for data
        no ``tenants set`` could have written, which the stores report as unavailable."""
        detectors = data.get("redaction_detectors")
        rate = data.get("rate_limit")
        settings = cls(
            tenant_id=str(data["tenant_id"]),
            # JSON and DynamoDB give back 5 for 5.0
            rate_limit=rate if rate is None or isinstance(rate, bool) else float(rate),
            burst=data.get("burst"),
            retention_days=data.get("retention_days"),
            store_original=data.get("store_original"),
            redaction_detectors=None if detectors is None else tuple(detectors),
            redaction_style=data.get("redaction_style"),
            updated_at=data.get("updated_at"),
        )
        return settings.checked()


@dataclass(frozen=True, slots=True)
class TenantPolicy:
    """What applies to a tenant: its settings over the service's defaults."""

    rate_limit: float  # logs per second; 0 = unlimited
    burst: int
    retention_days: int  # 0 = forever
    store_original: bool
    redaction_detectors: tuple[str, ...]
    redaction_style: RedactionStyle

    def over(self, settings: TenantSettings | None) -> TenantPolicy:
        """This policy (the defaults) with what ``settings`` set replacing it."""
        if settings is None:
            return self
        return replace(self, **settings.chosen())

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in SETTING_NAMES:
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, tuple) else value
        return out


class TenantStore(Protocol):
    """Where tenant settings are kept; every call may raise TenantStoreUnavailable."""

    async def get(self, tenant_id: str) -> TenantSettings | None: ...

    async def put(self, settings: TenantSettings) -> None:
        """Replace the tenant's settings with these."""

    async def list(self) -> list[TenantSettings]:
        """Every tenant with settings, by tenant id."""

    async def close(self) -> None: ...


def check_change(
    tenant_id: str, changes: Mapping[str, Any], reset: Iterable[str] = ()
) -> tuple[dict[str, Any], list[str]]:
    """The values to set (checked and normalised, None ones left out) and the settings to
    reset, each once. Raises ValueError for a bad tenant id, InvalidTenantSetting for the
    rest. Needs no store, so a caller can refuse a bad change before opening one."""
    try:
        check_tenant_id(tenant_id, source="tenant")
    except IngestError as exc:
        raise ValueError(exc.message) from None
    given = {name: value for name, value in changes.items() if value is not None}
    resetting = list(dict.fromkeys(reset))
    for name in [*given, *resetting]:
        if name not in SETTING_NAMES:
            raise InvalidTenantSetting(name, f"no such setting; known: {', '.join(SETTING_NAMES)}")
    both = sorted(set(given) & set(resetting))
    if both:
        raise InvalidTenantSetting(both[0], "cannot be both set and reset")
    return TenantSettings(tenant_id, **given).checked().chosen(), resetting


async def set_tenant_settings(
    store: TenantStore,
    audit: AuditLog,
    tenant_id: str,
    *,
    changes: Mapping[str, Any],
    reset: Iterable[str] = (),
    actor: str,
) -> TenantSettings:
    """Change some of a tenant's settings, keep the others, and record it in the audit trail.

    ``changes`` maps setting names to new values (None: unchanged); ``reset``
    names settings that go back to the default. Raises what ``check_change``
    raises before anything is read or written, then TenantStoreUnavailable and
    AuditUnavailable.

    Read-modify-write: two operators changing different settings of one
    tenant at the same moment may lose one change. Settings change rarely and
    by hand, so this is not worth a conditional write; the audit trail shows both.
    """
    requested, resetting = check_change(tenant_id, changes, reset)
    current = await store.get(tenant_id) or TenantSettings(tenant_id)
    updated = replace(current.without(resetting).with_changes(**requested), updated_at=utc_now())
    await store.put(updated)
    detail = {name: _audit_value(value) for name, value in requested.items()}
    detail.update(dict.fromkeys(resetting, "default"))
    await audit.record(AuditEvent(TENANT_SETTINGS, actor, tenant_id, detail))
    return updated


def _audit_value(value: object) -> str:
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return number_text(value)
    return str(value)


def number_text(value: float) -> str:
    """``100`` for 100.0 and ``0.5`` for 0.5: exact, and without a needless ``.0``."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)
