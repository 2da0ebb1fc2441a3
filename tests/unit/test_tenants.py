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
    TENANT_SETTINGS,
    InvalidTenantSetting,
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
