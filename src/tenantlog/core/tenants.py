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
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from tenantlog.core.audit import AuditEvent, AuditLog
from tenantlog.core.models import utc_now
from tenantlog.core.validation import IngestError, check_tenant_id
from tenantlog.redaction import DETECTORS

RedactionStyle = Literal["plain", "typed"]
#: A tenant's own redaction rules: (name, RE2 pattern) pairs, in the order they apply.
Rules = tuple[tuple[str, str], ...]
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
#: Partition keys a tenant's logs may be spread over (docs/write-sharding.md). 256 keys
#: take 256,000 write units a second, six times an account's default table quota
#: (40,000): more could never be used, and every page of a list reads each key.
MAX_WRITE_SHARDS = 256
#: Layouts (write_shards values) a tenant may have had: each write and point read
#: touches one key per distinct layout, in one transaction of at most 100 items.
MAX_WRITE_SHARD_LAYOUTS = 8
#: A tenant's own redaction rules (docs/custom-redaction-rules.md): few enough that
#: each log's search stays one RE2 program of bounded size, and small enough that a
#: tenant's settings stay one DynamoDB item.
MAX_REDACTION_RULES = 32
MAX_RULE_PATTERN_CHARS = 1_000
MAX_DENY_ENTRIES = 1_000
MAX_DENY_ENTRY_CHARS = 200
#: The whole deny list in UTF-8: entries of characters beyond ASCII take up to four
#: bytes each, and the rules (at most 128 KB) and the list must fit one 400 KB item.
MAX_DENY_LIST_BYTES = 200_000
#: A rule's name: its placeholder's label is the name upper-cased (``[REDACTED:EMPLOYEE_ID]``).
RULE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")


class TenantStoreUnavailable(Exception):
    """The tenant settings cannot be read or written."""


class TenantSettingsChanged(TenantStoreUnavailable):
    """The stored settings are no longer the ones a change was made from: another change
    was written in between, and this one was not written.

    A TenantStoreUnavailable, so that every caller that reports an unavailable store and
    invites a retry (503 with Retry-After, the CLI's exit status 1) reports this too."""


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


def check_write_shards(value: int) -> int:
    """Partition keys a tenant's logs are spread over on DynamoDB; 1 = the tenant's own key."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number of partition keys")
    if not 1 <= value <= MAX_WRITE_SHARDS:
        raise ValueError(f"must be between 1 (no sharding) and {MAX_WRITE_SHARDS}")
    return value


def check_detectors(value: Iterable[str]) -> tuple[str, ...]:
    """Known detector names, each once, in DETECTORS' order (so equal sets compare equal).

    An empty set is allowed, as for ``TENANTLOG_REDACTION_DETECTORS``: nothing is redacted.
    """
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValueError("must be a list of detector names")
    names = list(value)
    if not all(isinstance(name, str) for name in names):
        raise ValueError("must be a list of detector names")
    chosen = set(names)
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


def check_redaction_rules(value: Iterable[tuple[str, str]] | Mapping[str, str]) -> Rules:
    """Named patterns, in the order given (the first listed wins where two match at one
    place), each one RE2 can run; names unique regardless of case (they become labels)."""
    # Here, not at the top: RE2 and the redactor load only where rules are checked,
    # never in a process that just admits logs (the ingest API, a Lambda cold start).
    from tenantlog.redaction.custom_rules import (
        DENY_LABEL,
        RuleRejected,
        compile_rule,
        custom_rules,
    )

    if isinstance(value, str):
        raise ValueError("must be a list of NAME=REGEX rules")
    pairs = list(value.items() if isinstance(value, Mapping) else value)
    if len(pairs) > MAX_REDACTION_RULES:
        raise ValueError(f"at most {MAX_REDACTION_RULES} rules, not {len(pairs)}")
    labels: set[str] = set()
    rules: list[tuple[str, str]] = []
    for pair in pairs:
        try:
            name, pattern = pair
        except (TypeError, ValueError):
            raise ValueError("each rule must be a name and a pattern") from None
        if not isinstance(name, str) or not RULE_NAME.fullmatch(name):
            raise ValueError(
                f"invalid rule name {str(name)[:40]!r}: use 1-32 characters of A-Z, a-z,"
                " 0-9 or '_', starting with a letter"
            )
        label = name.upper()
        if label == DENY_LABEL:
            raise ValueError(f"rule name {name!r} is reserved for the deny list")
        if label in labels:
            raise ValueError(f"two rules named {name!r} (names are compared regardless of case)")
        labels.add(label)
        if not isinstance(pattern, str) or not pattern:
            raise ValueError(f"rule {name!r}: the pattern must be a non-empty text")
        if len(pattern) > MAX_RULE_PATTERN_CHARS:
            raise ValueError(
                f"rule {name!r}: the pattern has {len(pattern)} characters;"
                f" at most {MAX_RULE_PATTERN_CHARS}"
            )
        try:
            compile_rule(name, pattern)  # cached: reading stored rules compiles them once
        except RuleRejected as exc:
            raise ValueError(str(exc)) from None
        rules.append((name, pattern))
    try:
        custom_rules(tuple(rules), ())  # together, as the worker runs them (cached)
    except RuleRejected as exc:
        raise ValueError(exc.reason) from None
    return tuple(rules)


def check_redaction_deny(value: Iterable[str]) -> tuple[str, ...]:
    """Literal texts, matched regardless of case; each once, in the order first given.

    A reason never quotes an entry: the list is what the tenant wants hidden."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValueError("must be a list of texts")
    given = list(value)
    if len(given) > MAX_DENY_ENTRIES:  # as given: a list that only dedupes to the cap is not
        raise ValueError(f"at most {MAX_DENY_ENTRIES} entries, not {len(given)}")
    entries: list[str] = []
    seen: set[str] = set()
    for position, entry in enumerate(given, 1):
        if not isinstance(entry, str) or not entry.strip():
            raise ValueError(f"entry {position} must be a text with a visible character")
        if len(entry) > MAX_DENY_ENTRY_CHARS:
            raise ValueError(
                f"entry {position} has {len(entry)} characters; at most {MAX_DENY_ENTRY_CHARS}"
            )
        # lower(), not casefold(): "Straße" and "STRASSE" are two entries to RE2's
        # simple case folding, and dropping one would let it through.
        if entry.lower() not in seen:
            seen.add(entry.lower())
            entries.append(entry)
    if len(entries) > MAX_DENY_ENTRIES:
        raise ValueError(f"at most {MAX_DENY_ENTRIES} entries, not {len(entries)}")
    size = sum(len(entry.encode()) for entry in entries)
    if size > MAX_DENY_LIST_BYTES:
        raise ValueError(f"the entries take {size} bytes in UTF-8; at most {MAX_DENY_LIST_BYTES}")
    # Not compiled here: literals within these caps always compile (the largest list is
    # tested), and every read of the settings would pay for it.
    return tuple(entries)


_CHECKS: dict[str, Any] = {
    "rate_limit": check_rate_limit,
    "burst": check_burst,
    "retention_days": check_retention_days,
    "store_original": check_store_original,
    "redaction_detectors": check_detectors,
    "redaction_style": check_redaction_style,
    "redaction_rules": check_redaction_rules,
    "redaction_deny": check_redaction_deny,
    "write_shards": check_write_shards,
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
    redaction_rules: Rules | None = None
    redaction_deny: tuple[str, ...] | None = None
    write_shards: int | None = None  # DynamoDB partition keys; 1 = unsharded
    # Not a setting: every write_shards value in force before the current one, ascending,
    # kept through resets because logs written under them stay where they were written.
    past_write_shards: tuple[int, ...] | None = None
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
                out[f.name] = _json_value(f.name, value)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TenantSettings:
        """The inverse of ``to_dict``, checked: ValueError (or KeyError, TypeError) for data
        no ``tenants set`` could have written, which the stores report as unavailable."""
        detectors = data.get("redaction_detectors")
        rules = data.get("redaction_rules")
        deny = data.get("redaction_deny")
        rate = data.get("rate_limit")
        past = data.get("past_write_shards")
        settings = cls(
            tenant_id=str(data["tenant_id"]),
            # JSON and DynamoDB give back 5 for 5.0
            rate_limit=rate if rate is None or isinstance(rate, bool) else float(rate),
            burst=data.get("burst"),
            retention_days=data.get("retention_days"),
            store_original=data.get("store_original"),
            redaction_detectors=None if detectors is None else tuple(detectors),
            redaction_style=data.get("redaction_style"),
            redaction_rules=None if rules is None else _rules(rules),
            redaction_deny=None if deny is None else tuple(deny),
            write_shards=data.get("write_shards"),
            past_write_shards=None if past is None else _past_write_shards(past),
            updated_at=data.get("updated_at"),
        )
        return settings.checked()

    def write_shard_layouts(self) -> tuple[int, ...]:
        """Every write_shards value the tenant's logs may have been written under, the one
        in force last (1 for a tenant that never set one)."""
        current = 1 if self.write_shards is None else self.write_shards
        return (*[n for n in self.past_write_shards or () if n != current], current)


@dataclass(frozen=True, slots=True)
class TenantPolicy:
    """What applies to a tenant: its settings over the service's defaults."""

    rate_limit: float  # logs per second; 0 = unlimited
    burst: int
    retention_days: int  # 0 = forever
    store_original: bool
    redaction_detectors: tuple[str, ...]
    redaction_style: RedactionStyle
    # No service-wide default: a tenant has its own rules or none.
    redaction_rules: Rules = ()
    redaction_deny: tuple[str, ...] = ()
    # Not from the environment: a tenant is unsharded unless set otherwise.
    write_shards: int = 1

    def over(self, settings: TenantSettings | None) -> TenantPolicy:
        """This policy (the defaults) with what ``settings`` set replacing it."""
        if settings is None:
            return self
        return replace(self, **settings.chosen())

    def to_dict(self) -> dict[str, Any]:
        return {name: _json_value(name, getattr(self, name)) for name in SETTING_NAMES}


def _json_value(name: str, value: Any) -> Any:
    """Rules as a JSON object (name to pattern, in order), other tuples as lists."""
    if name == "redaction_rules":
        return dict(value)
    return list(value) if isinstance(value, tuple) else value


def _past_write_shards(value: Any) -> tuple[int, ...]:
    """A stored history, checked as the values once set were."""
    past = tuple(sorted({check_write_shards(n) for n in value}))
    if len(past) > MAX_WRITE_SHARD_LAYOUTS:
        raise ValueError(f"past_write_shards: more than {MAX_WRITE_SHARD_LAYOUTS} values")
    return past


def _rules(value: Any) -> Rules:
    """Rules as stored or sent: a JSON object, or pairs (JSON arrays or tuples)."""
    pairs = value.items() if isinstance(value, Mapping) else value
    return tuple((name, pattern) for name, pattern in pairs)


def tenant_view(
    defaults: TenantPolicy, tenant_id: str, stored: TenantSettings | None
) -> dict[str, Any]:
    """What ``tenants show --json`` and ``GET /tenants/{tenant_id}/settings`` answer: what
    was set for the tenant (``settings``, only those) and what applies (``effective``)."""
    chosen = {} if stored is None else stored.to_dict()
    chosen.pop("tenant_id", None)
    chosen.pop("past_write_shards", None)  # the store's business, not a setting
    updated_at = chosen.pop("updated_at", None)
    return {
        "tenant_id": tenant_id,
        "settings": chosen,
        "effective": defaults.over(stored).to_dict(),
        "updated_at": updated_at,
    }


class TenantStore(Protocol):
    """Where tenant settings are kept; every call may raise TenantStoreUnavailable."""

    async def get(self, tenant_id: str) -> TenantSettings | None: ...

    async def put(self, settings: TenantSettings) -> None:
        """Replace the tenant's settings with these, whatever is stored: for copies and
        tests. A change made from what was read goes through ``put_if_unchanged``."""

    async def put_if_unchanged(
        self, settings: TenantSettings, expected: TenantSettings | None
    ) -> None:
        """Replace the tenant's settings with ``settings`` only if the stored ones are
        still ``expected`` (None: the tenant has none stored), compared by their
        ``updated_at``, in one atomic step; TenantSettingsChanged, nothing written,
        otherwise."""

    async def list(self) -> list[TenantSettings]:
        """Every tenant with settings, by tenant id."""

    async def close(self) -> None: ...


#: Reads and conditional writes a change is tried with before it gives up: each retry
#: follows a change that was written meanwhile, and settings change by hand.
CHANGE_ATTEMPTS = 5


def check_change(
    tenant_id: str,
    changes: Mapping[str, Any],
    reset: Iterable[str] = (),
    edit: RedactionEdit | None = None,
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
    if edit:
        edit.check()
        edited = ["redaction_rules"] * bool(edit.put_rules or edit.remove_rules) + [
            "redaction_deny"
        ] * bool(edit.add_deny or edit.remove_deny)
        both = sorted(set(given) & set(edited))
        if both:
            raise InvalidTenantSetting(both[0], "cannot be both replaced and edited")
    return TenantSettings(tenant_id, **given).checked().chosen(), resetting


@dataclass(frozen=True, slots=True)
class RedactionEdit:
    """Changes to a tenant's own rules and deny list that keep the rest of them.

    Applied after any reset and before the new values are checked as a whole,
    so ``--reset redaction-rules --redaction-rule a=...`` replaces every rule.
    """

    put_rules: Rules = ()  # a new name is added at the end; a known one keeps its place
    remove_rules: tuple[str, ...] = ()
    add_deny: tuple[str, ...] = ()
    remove_deny: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.put_rules or self.remove_rules or self.add_deny or self.remove_deny)

    def check(self) -> None:
        """Each part alone (InvalidTenantSetting), before any store is opened; the caps
        on the whole are checked once the current rules are known."""
        try:
            check_redaction_rules(self.put_rules)
        except ValueError as exc:
            raise InvalidTenantSetting("redaction_rules", str(exc)) from None
        try:
            check_redaction_deny(self.add_deny)
        except ValueError as exc:
            raise InvalidTenantSetting("redaction_deny", str(exc)) from None
        if {n.upper() for n in self.remove_rules} & {n.upper() for n, _ in self.put_rules}:
            raise InvalidTenantSetting(
                "redaction_rules", "a rule cannot be set and removed at once"
            )
        if {e.lower() for e in self.remove_deny} & {e.lower() for e in self.add_deny}:
            raise InvalidTenantSetting(
                "redaction_deny", "an entry cannot be added and removed at once"
            )

    def applied(self, current: TenantSettings) -> dict[str, Any]:
        """The new rules and deny list (only those this edit touches; None: none left),
        or InvalidTenantSetting for a removal of something the tenant does not have."""
        out: dict[str, Any] = {}
        if self.put_rules or self.remove_rules:
            rules = dict(current.redaction_rules or ())
            by_label = {name.upper(): name for name in rules}
            for name in self.remove_rules:
                known = by_label.pop(name.upper(), None)
                if known is None:
                    raise InvalidTenantSetting("redaction_rules", f"no rule named {name!r}")
                del rules[known]
            for name, pattern in self.put_rules:
                known = by_label.get(name.upper())
                if known is not None and known != name:  # renamed in case: keep the place
                    rules = {name if n == known else n: p for n, p in rules.items()}
                by_label[name.upper()] = name
                rules[name] = pattern
            out["redaction_rules"] = tuple(rules.items()) or None
        if self.add_deny or self.remove_deny:
            deny = list(current.redaction_deny or ())
            for entry in self.remove_deny:
                lowered = [kept.lower() for kept in deny]
                if entry.lower() not in lowered:
                    # Not quoted: a deny-list entry is what the tenant wants hidden.
                    raise InvalidTenantSetting(
                        "redaction_deny", "an entry to remove is not in the deny list"
                    )
                del deny[lowered.index(entry.lower())]
            out["redaction_deny"] = tuple([*deny, *self.add_deny]) or None
        return out


async def set_tenant_settings(
    store: TenantStore,
    audit: AuditLog,
    tenant_id: str,
    *,
    changes: Mapping[str, Any],
    reset: Iterable[str] = (),
    edit: RedactionEdit = RedactionEdit(),
    actor: str,
) -> TenantSettings:
    """Change some of a tenant's settings, keep the others, and record it in the audit trail.

    ``changes`` maps setting names to new values (None: unchanged); ``reset``
    names settings that go back to the default; ``edit`` adds and removes some
    of the tenant's own rules and deny-list entries. Raises what ``check_change``
    raises before anything is read or written, InvalidTenantSetting for an edit
    that does not fit what the tenant has (nothing is written then), then
    TenantStoreUnavailable and AuditUnavailable.

    The change is written only onto the settings it was made from: one written
    meanwhile (another operator's, or ``tenants reshard`` forgetting the past
    write-shard layouts) would otherwise be lost, and with it a layout that
    still holds logs. On such a conflict the change is made again from the
    settings as they now are, up to CHANGE_ATTEMPTS times, then
    TenantSettingsChanged.
    """
    requested, resetting = check_change(tenant_id, changes, reset, edit)
    for _ in range(CHANGE_ATTEMPTS):
        read = await store.get(tenant_id)
        updated, detail = _changed(read or TenantSettings(tenant_id), requested, resetting, edit)
        try:
            await store.put_if_unchanged(updated, read)
        except TenantSettingsChanged:
            continue
        await audit.record(AuditEvent(TENANT_SETTINGS, actor, tenant_id, detail))
        return updated
    raise TenantSettingsChanged(_kept_changing(tenant_id))


def _changed(
    current: TenantSettings,
    requested: Mapping[str, Any],
    resetting: list[str],
    edit: RedactionEdit,
) -> tuple[TenantSettings, dict[str, str]]:
    """``current`` with the change applied, and the change as the audit trail records it."""
    resetting = list(resetting)
    kept = current.without(resetting)
    edited = edit.applied(kept) if edit else {}
    if edited:  # the whole lists, against the caps, before anything is written
        cleared = [name for name, value in edited.items() if value is None]
        edited = {name: value for name, value in edited.items() if value is not None}
        kept = kept.without(cleared)
        edited = TenantSettings(current.tenant_id, **edited).checked().chosen()
        resetting += [name for name in cleared if name not in resetting]
    updated = replace(
        kept.with_changes(**requested, **edited), updated_at=_next_updated_at(current.updated_at)
    )
    updated = _with_write_shard_history(current, updated)
    detail = {name: _audit_value(name, value) for name, value in requested.items()}
    detail.update(dict.fromkeys(resetting, "default"))
    detail.update({name: _audit_value(name, value) for name, value in edited.items()})
    return updated, detail


def _next_updated_at(previous: str | None) -> str:
    """Now, but always after ``previous``: ``updated_at`` is what a conditional write
    compares, so two changes within one millisecond must not write the same one."""
    now = utc_now()
    if previous is None:
        return now
    try:
        before = datetime.fromisoformat(previous)
    except ValueError:  # not a time utc_now wrote: now differs from it all the same
        return now
    if before.tzinfo is None:
        before = before.replace(tzinfo=UTC)
    after = before + timedelta(milliseconds=1)
    if datetime.fromisoformat(now) >= after:
        return now
    return after.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _kept_changing(tenant_id: str) -> str:
    return (
        f"the settings of tenant {tenant_id!r} changed {CHANGE_ATTEMPTS} times while this"
        " change was being made; nothing was written, try again"
    )


def _with_write_shard_history(current: TenantSettings, updated: TenantSettings) -> TenantSettings:
    """``updated`` remembering the layout ``current`` wrote under, when it changes: logs
    stay under the partition keys they were written to (docs/write-sharding.md), so
    reads look there and a write checks there that its log is not stored already.
    InvalidTenantSetting once a tenant has had too many layouts."""
    before = 1 if current.write_shards is None else current.write_shards
    after = 1 if updated.write_shards is None else updated.write_shards
    if before == after:
        return updated
    past = tuple(sorted({*(current.past_write_shards or ()), before}))
    if len({*past, after}) > MAX_WRITE_SHARD_LAYOUTS:
        raise InvalidTenantSetting(
            "write_shards",
            f"the tenant's logs were written under {len(past)} other values"
            f" ({', '.join(map(str, past))}); at most {MAX_WRITE_SHARD_LAYOUTS} values in all,"
            " so use one of those",
        )
    return replace(updated, past_write_shards=past)


async def forget_past_write_shards(
    store: TenantStore, audit: AuditLog, moved: TenantSettings, *, actor: str
) -> TenantSettings:
    """Drop the layouts a tenant had before its current write_shards, once its logs were
    all moved to the current one's keys (``tenants reshard``); ``moved`` are the settings
    the move was made for. InvalidTenantSetting, nothing written, if write_shards changed
    meanwhile: the logs may then be under a layout this move did not know.

    Written only onto the settings that check was made against, so a change of
    write_shards landing between the check and the write is seen on the next read
    (and refused as above) rather than overwritten; another setting's change is kept.
    """
    for _ in range(CHANGE_ATTEMPTS):
        read = await store.get(moved.tenant_id)
        current = read or TenantSettings(moved.tenant_id)
        if current.write_shard_layouts() != moved.write_shard_layouts():
            raise InvalidTenantSetting(
                "write_shards", "changed while the logs were moved; run the move again"
            )
        updated = replace(
            current, past_write_shards=None, updated_at=_next_updated_at(current.updated_at)
        )
        try:
            await store.put_if_unchanged(updated, read)
        except TenantSettingsChanged:
            continue
        await audit.record(
            AuditEvent(TENANT_SETTINGS, actor, moved.tenant_id, {"past_write_shards": "forgotten"})
        )
        return updated
    raise TenantSettingsChanged(_kept_changing(moved.tenant_id))


def _audit_value(name: str, value: object) -> str:
    # A rule's pattern and a deny-list entry may spell out what the tenant hides: the
    # trail names the rules and counts the entries.
    if name == "redaction_rules" and isinstance(value, tuple):
        return "rules: " + ",".join(rule for rule, _ in value)
    if name == "redaction_deny" and isinstance(value, tuple):
        return "1 entry" if len(value) == 1 else f"{len(value)} entries"
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
