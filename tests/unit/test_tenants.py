"""Per-tenant settings: the checks shared with the settings, merging over the defaults,
``set_tenant_settings`` and its audit event, and the aws deployment without a table."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from tenantlog.audit.memory import MemoryAuditLog
from tenantlog.backends import TenantsNotConfigured
from tenantlog.core.tenants import (
    MAX_DENY_ENTRIES,
    MAX_DENY_ENTRY_CHARS,
    MAX_REDACTION_RULES,
    MAX_RULE_PATTERN_CHARS,
    TENANT_SETTINGS,
    InvalidTenantSetting,
    RedactionEdit,
    TenantPolicy,
    TenantSettings,
    TenantStoreUnavailable,
    set_tenant_settings,
)
from tenantlog.db.sqlite import SqliteDatabase
from tenantlog.redaction import DETECTORS
from tenantlog.settings import SettingsError, load_settings
from tenantlog.tenants.memory import MemoryTenantStore
from tenantlog.tenants.sqlite import SqliteTenantStore

pytestmark = pytest.mark.anyio

DEFAULTS = TenantPolicy(
    rate_limit=0.0,
    burst=10_000,
    retention_days=0,
    store_original=True,
    redaction_detectors=DETECTORS,
    redaction_style="plain",
)


# ---- one set of bounds for the defaults and for each tenant ---------------------------

#: (setting, per-tenant name, value): values both must refuse.
REFUSED: list[tuple[str, str, Any]] = [
    ("tenant_rate_limit", "rate_limit", -1),
    ("tenant_rate_limit", "rate_limit", math.inf),
    ("tenant_rate_limit", "rate_limit", math.nan),
    ("tenant_rate_limit", "rate_limit", 0.0001),
    ("tenant_rate_limit", "rate_limit", 2e9),
    ("tenant_burst", "burst", 0),
    ("tenant_burst", "burst", 1_000_000_001),
    ("retention_days", "retention_days", -1),
    ("retention_days", "retention_days", 36_501),
    ("redaction_detectors", "redaction_detectors", ("phone", "zip")),
    ("redaction_style", "redaction_style", "fancy"),
]
#: Values both must accept (the bounds themselves).
ACCEPTED: list[tuple[str, str, Any]] = [
    ("tenant_rate_limit", "rate_limit", 0.0),
    ("tenant_rate_limit", "rate_limit", 0.001),
    ("tenant_rate_limit", "rate_limit", 1e9),
    ("tenant_burst", "burst", 1),
    ("tenant_burst", "burst", 1_000_000_000),
    ("retention_days", "retention_days", 0),
    ("retention_days", "retention_days", 36_500),
    ("redaction_detectors", "redaction_detectors", ()),
    ("redaction_style", "redaction_style", "typed"),
]


@pytest.mark.parametrize(("setting", "name", "value"), REFUSED)
def test_a_value_the_settings_refuse_no_tenant_may_have(
    setting: str, name: str, value: Any
) -> None:
    with pytest.raises(SettingsError):
        load_settings(**{setting: value})
    with pytest.raises(InvalidTenantSetting) as refused:
        TenantSettings("acme", **{name: value}).checked()
    assert refused.value.field == name
    assert str(refused.value).startswith(f"{name}: ")


@pytest.mark.parametrize(("setting", "name", "value"), ACCEPTED)
def test_a_value_the_settings_accept_a_tenant_may_have(setting: str, name: str, value: Any) -> None:
    load_settings(**{setting: value})
    TenantSettings("acme", **{name: value}).checked()


def test_a_bad_default_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENANTLOG_TENANT_BURST", "0")

    with pytest.raises(SettingsError, match="TENANTLOG_TENANT_BURST"):
        load_settings()


def test_the_defaults_are_unlimited_forever_and_the_line_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in (
        "TENANTLOG_TENANT_RATE_LIMIT",
        "TENANTLOG_TENANT_BURST",
        "TENANTLOG_RETENTION_DAYS",
        "TENANTLOG_STORE_ORIGINAL_TEXT",
        "TENANTLOG_REDACTION_DETECTORS",
        "TENANTLOG_REDACTION_STYLE",
        "TENANTLOG_MAX_BATCH_LINES",
    ):
        monkeypatch.delenv(name, raising=False)

    settings = load_settings()

    assert settings.tenant_defaults() == DEFAULTS
    # an agent's largest batch passes a tenant that set nothing
    assert settings.tenant_defaults().burst == settings.max_batch_lines


def test_the_defaults_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENANTLOG_TENANT_RATE_LIMIT", "50.5")
    monkeypatch.setenv("TENANTLOG_TENANT_BURST", "200")
    monkeypatch.setenv("TENANTLOG_RETENTION_DAYS", "30")
    monkeypatch.setenv("TENANTLOG_STORE_ORIGINAL_TEXT", "false")
    monkeypatch.setenv("TENANTLOG_REDACTION_DETECTORS", "email,phone,email")
    monkeypatch.setenv("TENANTLOG_REDACTION_STYLE", "typed")

    assert load_settings().tenant_defaults() == TenantPolicy(
        rate_limit=50.5,
        burst=200,
        retention_days=30,
        store_original=False,
        redaction_detectors=("phone", "email"),  # each once, in the detectors' order
        redaction_style="typed",
    )


# ---- settings and policies -------------------------------------------------------------


def test_a_policy_takes_only_what_was_set() -> None:
    settings = TenantSettings("acme", burst=5, store_original=False, redaction_detectors=())

    policy = DEFAULTS.over(settings)

    assert policy == TenantPolicy(
        rate_limit=0.0,
        burst=5,
        retention_days=0,
        store_original=False,
        redaction_detectors=(),
        redaction_style="plain",
    )
    assert DEFAULTS.over(None) == DEFAULTS


def test_checked_settings_list_detectors_once_in_order() -> None:
    checked = TenantSettings("acme", redaction_detectors=("ip", "phone", "ip")).checked()

    assert checked.redaction_detectors == ("phone", "ip")


def test_settings_round_trip_through_their_dict() -> None:
    settings = TenantSettings(
        "acme",
        rate_limit=0.5,
        retention_days=7,
        redaction_detectors=("email",),
        updated_at="2024-01-01T00:00:00.000Z",
    )

    data = settings.to_dict()

    assert data == {
        "tenant_id": "acme",
        "rate_limit": 0.5,
        "retention_days": 7,
        "redaction_detectors": ["email"],
        "updated_at": "2024-01-01T00:00:00.000Z",
    }
    assert TenantSettings.from_dict(data) == settings


def test_from_dict_refuses_what_no_tenant_may_have() -> None:
    with pytest.raises(ValueError, match="burst"):
        TenantSettings.from_dict({"tenant_id": "acme", "burst": 0})
    with pytest.raises(ValueError, match="burst"):
        TenantSettings.from_dict({"tenant_id": "acme", "burst": 2.5})


# ---- set_tenant_settings ------------------------------------------------------------


async def test_set_changes_some_settings_and_keeps_the_others() -> None:
    # GIVEN a tenant with a rate limit and a style
    store, audit = MemoryTenantStore(), MemoryAuditLog()
    await store.put(TenantSettings("acme", rate_limit=10.0, redaction_style="typed"))
    # WHEN its burst is set and its style reset
    updated = await set_tenant_settings(
        store,
        audit,
        "acme",
        changes={"burst": 50, "rate_limit": None},
        reset=["redaction_style"],
        actor="cli:ops",
    )
    # THEN the rate limit stays, the burst is new, the style is the default again
    assert updated.chosen() == {"rate_limit": 10.0, "burst": 50}
    assert updated.updated_at is not None
    assert await store.get("acme") == updated
    # AND the change is in the audit trail, who and what
    (event,) = (await audit.list(10)).events
    assert (event.action, event.actor, event.tenant_id) == (TENANT_SETTINGS, "cli:ops", "acme")
    assert event.detail == {"burst": "50", "redaction_style": "default"}


async def test_set_records_each_value_as_text() -> None:
    store, audit = MemoryTenantStore(), MemoryAuditLog()

    await set_tenant_settings(
        store,
        audit,
        "acme",
        changes={
            "rate_limit": 2.5,
            "store_original": False,
            "redaction_detectors": ("email", "phone"),
        },
        actor="cli:ops",
    )

    (event,) = (await audit.list(10)).events
    assert event.detail == {
        "rate_limit": "2.5",
        "store_original": "false",
        "redaction_detectors": "phone,email",
    }


@pytest.mark.parametrize(
    ("changes", "reset", "field"),
    [
        ({"burst": 0}, [], "burst"),
        ({"redaction_style": "loud"}, [], "redaction_style"),
        ({"colour": "red"}, [], "colour"),
        ({}, ["colour"], "colour"),
        ({"burst": 5}, ["burst"], "burst"),
    ],
)
async def test_set_refuses_a_bad_change_and_writes_nothing(
    changes: dict[str, Any], reset: list[str], field: str
) -> None:
    store, audit = MemoryTenantStore(), MemoryAuditLog()

    with pytest.raises(InvalidTenantSetting) as refused:
        await set_tenant_settings(store, audit, "acme", changes=changes, reset=reset, actor="x")

    assert refused.value.field == field
    assert await store.list() == []
    assert (await audit.list(10)).events == []


async def test_set_refuses_a_bad_tenant_id() -> None:
    with pytest.raises(ValueError, match="invalid tenant"):
        await set_tenant_settings(
            MemoryTenantStore(), MemoryAuditLog(), "a b", changes={"burst": 1}, actor="x"
        )


# ---- backends -----------------------------------------------------------------------


async def test_an_aws_deployment_without_the_table_has_the_defaults_and_says_why() -> None:
    tenants = TenantsNotConfigured("TENANTLOG_DYNAMODB_TENANTS_TABLE")

    assert await tenants.get("acme") is None
    with pytest.raises(TenantStoreUnavailable, match="TENANTLOG_DYNAMODB_TENANTS_TABLE"):
        await tenants.put(TenantSettings("acme", burst=1))
    with pytest.raises(TenantStoreUnavailable, match="TENANTLOG_DYNAMODB_TENANTS_TABLE"):
        await tenants.list()


async def test_sqlite_row_edited_into_nonsense_is_unavailable(tmp_path: Path) -> None:
    # GIVEN rows no `tenants set` could write
    database = await SqliteDatabase.open(tmp_path)
    try:
        await database.write(
            lambda conn: conn.executemany(
                "INSERT INTO tenants (tenant_id, settings, updated_at) VALUES (?, ?, NULL)",
                [("acme", '{"burst": -3}'), ("beta", "not json")],
            )
        )
        store = SqliteTenantStore(database)
        # THEN reading them fails as the store being unavailable, naming the tenant
        with pytest.raises(TenantStoreUnavailable, match="'acme'"):
            await store.get("acme")
        with pytest.raises(TenantStoreUnavailable, match="'beta'"):
            await store.get("beta")
        with pytest.raises(TenantStoreUnavailable):
            await store.list()
    finally:
        await database.close()


def test_from_dict_does_not_take_a_boolean_for_a_rate() -> None:
    with pytest.raises(ValueError, match="rate_limit"):
        TenantSettings.from_dict({"tenant_id": "acme", "rate_limit": True})


# ---- a tenant's own redaction rules and deny list ------------------------------------

RULE = ("employee_id", r"E\d{6}")


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("redaction_rules", tuple((f"r{i}", "x") for i in range(33)), "at most 32 rules"),
        ("redaction_rules", (("r", "x" * 1001),), "at most 1000"),
        ("redaction_rules", (("1st", "x"),), "invalid rule name '1st'"),
        ("redaction_rules", (("has-dash", "x"),), "invalid rule name"),
        ("redaction_rules", (("a" * 33, "x"),), "invalid rule name"),
        ("redaction_rules", (("id", "x"), ("ID", "y")), "two rules named 'ID'"),
        ("redaction_rules", (("Deny_List", "x"),), "reserved for the deny list"),
        ("redaction_rules", (("r", ""),), "non-empty"),
        ("redaction_rules", (("r", "x", "y"),), "a name and a pattern"),
        ("redaction_rules", (("look", "a(?=b)"),), "rule 'look': RE2 cannot compile it"),
        ("redaction_rules", "employee_id=E1", "NAME=REGEX"),
        ("redaction_deny", tuple(f"e{i}" for i in range(1001)), "at most 1000 entries"),
        ("redaction_deny", ("ok", "x" * 201), "entry 2 has 201 characters; at most 200"),
        ("redaction_deny", ("ok", "  "), "entry 2 must be a text"),
        ("redaction_deny", "falcon", "a list of texts"),
        (
            "redaction_deny",
            tuple(f"{i:03d}" + "☃" * 100 for i in range(700)),
            "the entries take 212100 bytes in UTF-8; at most 200000",
        ),
    ],
)
def test_checked_refuses_rules_and_deny_lists_over_the_caps(
    name: str, value: Any, reason: str
) -> None:
    with pytest.raises(InvalidTenantSetting) as refused:
        TenantSettings("acme", **{name: value}).checked()

    assert refused.value.field == name
    assert reason in refused.value.reason


def test_a_refused_deny_entry_is_never_quoted() -> None:
    secret = "Project Falcon " + "x" * MAX_DENY_ENTRY_CHARS

    with pytest.raises(InvalidTenantSetting) as refused:
        TenantSettings("acme", redaction_deny=(secret,)).checked()

    assert "Falcon" not in str(refused.value)


def test_the_caps_themselves_are_accepted() -> None:
    rules = tuple(
        (f"rule_{i}", "y" * (MAX_RULE_PATTERN_CHARS - 1) + str(i % 10))
        for i in range(MAX_REDACTION_RULES)
    )
    deny = tuple(f"{i:04d}" + "z" * (MAX_DENY_ENTRY_CHARS - 4) for i in range(MAX_DENY_ENTRIES))

    checked = TenantSettings("acme", redaction_rules=rules, redaction_deny=deny).checked()

    assert checked.redaction_rules == rules
    assert checked.redaction_deny == deny


def test_deny_entries_are_kept_once_regardless_of_case() -> None:
    checked = TenantSettings("acme", redaction_deny=("Falcon", "FALCON", "kestrel")).checked()

    assert checked.redaction_deny == ("Falcon", "kestrel")
    # RE2 does not take "ß" for "SS": both stay, or one would go unredacted
    both = TenantSettings("acme", redaction_deny=("Straße", "STRASSE")).checked()
    assert both.redaction_deny == ("Straße", "STRASSE")


def test_rules_round_trip_through_their_dict_as_an_object_in_order() -> None:
    settings = TenantSettings(
        "acme", redaction_rules=(("zeta", "z+"), RULE), redaction_deny=("falcon",)
    )

    data = settings.to_dict()

    assert data["redaction_rules"] == {"zeta": "z+", "employee_id": r"E\d{6}"}
    assert list(data["redaction_rules"]) == ["zeta", "employee_id"]
    assert data["redaction_deny"] == ["falcon"]
    assert TenantSettings.from_dict(data) == settings
    # as the SQLite store writes them: pairs
    pairs = {**data, "redaction_rules": [["zeta", "z+"], ["employee_id", r"E\d{6}"]]}
    assert TenantSettings.from_dict(pairs) == settings


def test_a_tenant_without_rules_has_none_in_its_policy() -> None:
    assert (DEFAULTS.redaction_rules, DEFAULTS.redaction_deny) == ((), ())
    policy = DEFAULTS.over(TenantSettings("acme", redaction_rules=(RULE,)))
    assert (policy.redaction_rules, policy.redaction_deny) == ((RULE,), ())


async def test_an_edit_adds_replaces_in_place_and_removes_rules() -> None:
    # GIVEN a tenant with two rules and a burst
    store, audit = MemoryTenantStore(), MemoryAuditLog()
    await store.put(TenantSettings("acme", burst=5, redaction_rules=(("a", "a+"), ("b", "b+"))))
    # WHEN one rule is replaced, one removed and one added
    edit = RedactionEdit(put_rules=(("A", "aa+"), ("c", "c+")), remove_rules=("b",))
    updated = await set_tenant_settings(store, audit, "acme", changes={}, edit=edit, actor="x")
    # THEN the replaced rule keeps its place (under its new spelling), the rest stays
    assert updated.redaction_rules == (("A", "aa+"), ("c", "c+"))
    assert updated.burst == 5
    assert await store.get("acme") == updated
    # AND the audit trail names the rules, never their patterns
    (event,) = (await audit.list(10)).events
    assert event.detail == {"redaction_rules": "rules: A,c"}


async def test_an_edit_adds_and_removes_deny_entries_and_the_trail_only_counts_them() -> None:
    store, audit = MemoryTenantStore(), MemoryAuditLog()
    await store.put(TenantSettings("acme", redaction_deny=("Falcon", "kestrel")))

    edit = RedactionEdit(add_deny=("Osprey",), remove_deny=("FALCON",))
    updated = await set_tenant_settings(store, audit, "acme", changes={}, edit=edit, actor="x")

    assert updated.redaction_deny == ("kestrel", "Osprey")
    (event,) = (await audit.list(10)).events
    assert event.detail == {"redaction_deny": "2 entries"}
    assert "Osprey" not in str(event.detail)


async def test_removing_the_last_rule_puts_the_setting_back_to_none() -> None:
    store, audit = MemoryTenantStore(), MemoryAuditLog()
    await store.put(TenantSettings("acme", redaction_rules=(RULE,), redaction_deny=("x",)))

    edit = RedactionEdit(remove_rules=("employee_id",), remove_deny=("x",))
    updated = await set_tenant_settings(store, audit, "acme", changes={}, edit=edit, actor="x")

    assert updated.chosen() == {}
    (event,) = (await audit.list(10)).events
    assert event.detail == {"redaction_rules": "default", "redaction_deny": "default"}


async def test_a_reset_then_an_edit_replaces_every_rule() -> None:
    store, audit = MemoryTenantStore(), MemoryAuditLog()
    await store.put(TenantSettings("acme", redaction_rules=(("a", "a+"), ("b", "b+"))))

    updated = await set_tenant_settings(
        store,
        audit,
        "acme",
        changes={},
        reset=["redaction_rules"],
        edit=RedactionEdit(put_rules=(RULE,)),
        actor="x",
    )

    assert updated.redaction_rules == (RULE,)


@pytest.mark.parametrize(
    ("edit", "field", "reason"),
    [
        (RedactionEdit(remove_rules=("nope",)), "redaction_rules", "no rule named 'nope'"),
        (RedactionEdit(remove_deny=("Secret Name",)), "redaction_deny", "not in the deny list"),
        (
            RedactionEdit(put_rules=tuple((f"n{i}", "x") for i in range(MAX_REDACTION_RULES))),
            "redaction_rules",
            "at most 32 rules, not 33",
        ),
        (RedactionEdit(put_rules=(("bad", r"(a)\1"),)), "redaction_rules", "backreferences"),
        (
            RedactionEdit(put_rules=(RULE,), remove_rules=("EMPLOYEE_ID",)),
            "redaction_rules",
            "at once",
        ),
    ],
)
async def test_an_edit_that_does_not_fit_writes_nothing(
    edit: RedactionEdit, field: str, reason: str
) -> None:
    # GIVEN a tenant with one rule and one deny entry
    store, audit = MemoryTenantStore(), MemoryAuditLog()
    before = TenantSettings("acme", redaction_rules=(("kept", "k+"),), redaction_deny=("d",))
    await store.put(before)
    # WHEN an edit cannot apply
    with pytest.raises(InvalidTenantSetting) as refused:
        await set_tenant_settings(store, audit, "acme", changes={}, edit=edit, actor="x")
    # THEN it says why, and nothing changed
    assert refused.value.field == field
    assert reason in refused.value.reason
    assert "Secret" not in str(refused.value)
    assert await store.get("acme") == before
    assert (await audit.list(10)).events == []
