"""``tenantlog tenants``: per-tenant settings (DESIGN §2b): set, show, list; and usage.

A tenant's settings hold only what was set for it; the rest follows the
defaults (``TENANTLOG_TENANT_RATE_LIMIT`` and the others), so the commands
show both what was set and what applies. Running services pick a change up
within 10 s (``tenantlog.core.tenant_policies``).

Kept apart from ``tenantlog.cli.main``, which imports this module while it is
being built: the few shared option types are repeated here for that reason.
"""

from __future__ import annotations

import sys
import time
from functools import partial
from pathlib import Path
from typing import Annotated, Any, NoReturn

import orjson
import typer
from rich.console import Console
from rich.table import Column, Table

from tenantlog.backends import Backends
from tenantlog.cli import admin
from tenantlog.core.audit import AuditUnavailable
from tenantlog.core.erasure import Erasure, request_erasure
from tenantlog.core.models import epoch_seconds, utc_now
from tenantlog.core.queue import QueueUnavailable
from tenantlog.core.store import StoreUnavailable
from tenantlog.core.tenants import (
    MAX_WRITE_SHARDS,
    SETTING_NAMES,
    InvalidTenantSetting,
    RedactionEdit,
    TenantSettings,
    TenantStoreUnavailable,
    check_change,
    forget_past_write_shards,
    number_text,
    set_tenant_settings,
    tenant_view,
)
from tenantlog.core.usage import (
    DEFAULT_DAYS,
    MAX_DAYS,
    UsageUnavailable,
    tenant_usage,
    tenants_usage,
)
from tenantlog.core.usage import FIELDS as USAGE_FIELDS
from tenantlog.redaction import DETECTORS
from tenantlog.settings import TENANT_DEFAULTS, Settings, SettingsError, env_name, load_settings
from tenantlog.store.dynamodb_shards import PLAN_SECONDS, ShardPlan

tenants_app = typer.Typer(
    help="Per-tenant settings (rate limit, burst, retention, original text, redaction),"
    " usage, and erasure of a tenant's logs.",
    no_args_is_help=True,
)
console = Console()

Backend = Annotated[
    str | None, typer.Option(help="sqlite or aws [env TENANTLOG_BACKEND]", show_default=False)
]
DataDir = Annotated[
    Path | None, typer.Option(help="SQLite data directory [env TENANTLOG_DATA_DIR]")
]
Json = Annotated[bool, typer.Option("--json", help="machine-readable output")]
Tenant = Annotated[str, typer.Argument(metavar="TENANT")]

#: How each setting is named in the tables.
LABELS = {
    "rate_limit": "rate limit",
    "burst": "burst",
    "retention_days": "retention",
    "store_original": "original",
    "redaction_detectors": "detectors",
    "redaction_style": "style",
    "redaction_rules": "own rules",
    "redaction_deny": "deny list",
    "write_shards": "write shards",
}
#: The columns of ``tenants list``: every setting but write_shards, a storage layout few
#: tenants have, which would push the table past 80 columns (``show`` and --json have it).
LISTED = tuple(name for name in SETTING_NAMES if name != "write_shards")
#: The flag that sets each setting, where it is not --NAME.
FLAGS = {"redaction_rules": "--redaction-rule", "redaction_deny": "--redaction-deny"}
#: How each usage count is named in the tables.
USAGE_LABELS = {
    "accepted_logs": "accepted",
    "accepted_bytes": "bytes",
    "rate_limited_logs": "rate-limited",
    "stored_logs": "stored",
    "dead_lettered_logs": "dead-lettered",
}


def _settings_or_exit(**overrides: Any) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        _fail(str(exc), 2)


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _flag(name: str) -> str:
    return FLAGS.get(name, "--" + name.replace("_", "-"))


def _print_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")


@tenants_app.command("set")
def tenants_set(
    tenant_id: Tenant,
    rate_limit: Annotated[
        float | None,
        typer.Option(help="logs per second; 0 = unlimited", show_default=False),
    ] = None,
    burst: Annotated[
        int | None,
        typer.Option(help="logs at once; a request of more is refused (413)", show_default=False),
    ] = None,
    retention_days: Annotated[
        int | None, typer.Option(help="days a stored log is kept; 0 = forever")
    ] = None,
    store_original: Annotated[
        str | None,
        typer.Option(metavar="true|false", help="keep the unredacted text in original_text"),
    ] = None,
    redaction_detectors: Annotated[
        str | None,
        typer.Option(
            metavar="LIST",
            help=f"comma-separated, of {','.join(DETECTORS)}; or all, or none",
        ),
    ] = None,
    redaction_style: Annotated[
        str | None,
        typer.Option(metavar="plain|typed", help="[REDACTED] or [REDACTED:PHONE]"),
    ] = None,
    redaction_rule: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAME=REGEX",
            help="add a redaction rule of the tenant's own (RE2 syntax), or replace the rule"
            " of that name; repeat for several. Matches become [REDACTED:NAME]",
            show_default=False,
        ),
    ] = None,
    remove_redaction_rule: Annotated[
        list[str] | None,
        typer.Option(metavar="NAME", help="remove one of the tenant's rules; repeatable"),
    ] = None,
    redaction_deny: Annotated[
        list[str] | None,
        typer.Option(
            metavar="TEXT",
            help="add a text to the tenant's deny list (redacted wherever it appears,"
            " regardless of case); repeatable",
            show_default=False,
        ),
    ] = None,
    remove_redaction_deny: Annotated[
        list[str] | None,
        typer.Option(metavar="TEXT", help="remove a text from the deny list; repeatable"),
    ] = None,
    write_shards: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            help=f"DynamoDB partition keys the tenant's logs are spread over, 1 to"
            f" {MAX_WRITE_SHARDS} (aws backend; docs/write-sharding.md)",
            show_default=False,
        ),
    ] = None,
    reset: Annotated[
        list[str] | None,
        typer.Option(
            metavar="SETTING",
            help="back to the default, e.g. --reset burst; repeat for several, or all"
            " (--reset redaction-rules removes every rule, --reset redaction-deny the deny list)",
        ),
    ] = None,
    backend: Backend = None,
    data_dir: DataDir = None,
    json: Json = False,
) -> None:
    """Change a tenant's settings; the others stay. Prints what applies afterwards.

    Running services apply the change within 10 s, without a restart.
    """
    settings = _settings_or_exit(backend=backend, data_dir=data_dir)
    try:
        changes: dict[str, Any] = {
            "rate_limit": rate_limit,
            "burst": burst,
            "retention_days": retention_days,
            "store_original": None if store_original is None else _boolean(store_original),
            "redaction_detectors": (
                None if redaction_detectors is None else _detectors(redaction_detectors)
            ),
            "redaction_style": redaction_style,
            "write_shards": write_shards,
        }
        resetting = _reset_names(reset or [])
        edit = RedactionEdit(
            put_rules=tuple(_rule(text) for text in redaction_rule or []),
            remove_rules=tuple(remove_redaction_rule or []),
            add_deny=tuple(redaction_deny or []),
            remove_deny=tuple(remove_redaction_deny or []),
        )
        if all(value is None for value in changes.values()) and not resetting and not edit:
            flags = ", ".join(_flag(name) for name in SETTING_NAMES)
            _fail(f"nothing to change: give one or more of {flags}, or --reset", 2)
        # Checked before the backends are opened: a bad value changes nothing anywhere.
        check_change(tenant_id, changes, resetting, edit)
        stored = admin.with_backends(
            settings,
            lambda b: set_tenant_settings(
                b.tenants,
                b.audit,
                tenant_id,
                changes=changes,
                reset=resetting,
                edit=edit,
                actor=admin.cli_actor(),
            ),
        )
    except InvalidTenantSetting as exc:
        _fail(f"invalid {_flag(exc.field)}: {exc.reason}", 2)
    except ValueError as exc:  # the tenant id
        _fail(str(exc), 2)
    except TenantStoreUnavailable as exc:
        _fail(f"tenant settings unavailable: {exc}", 1)
    except AuditUnavailable as exc:
        _fail(f"the settings were changed, but the audit trail could not record it: {exc}", 1)
    effective = settings.tenant_defaults().over(stored)
    _show(settings, tenant_id, stored, json=json)
    if write_shards is not None and settings.backend != "aws":
        typer.echo(
            f"note: the {settings.backend} store keeps a tenant's logs in one file; write"
            " shards apply on the aws backend (DynamoDB)",
            err=True,
        )
    if settings.backend == "aws" and stored.past_write_shards:
        typer.echo(
            f"note: each write of tenant {tenant_id} also claims its log id under the keys of"
            f" its earlier write shards; in {3 * PLAN_SECONDS:.0f} s run `tenantlog tenants"
            f" reshard {tenant_id}` to move its logs and end that (docs/write-sharding.md)",
            err=True,
        )
    if effective.rate_limit > 0 and effective.burst < settings.max_batch_lines:
        typer.echo(
            f"warning: the burst of tenant {tenant_id} ({effective.burst}) is below "
            f"{env_name('max_batch_lines')} ({settings.max_batch_lines}): a request of more "
            f"than {effective.burst} logs is refused with 413, and agents drop a batch "
            "refused with 413 instead of retrying it; raise --burst or make the agents' "
            "batches smaller",
            err=True,
        )


@tenants_app.command("show")
def tenants_show(
    tenant_id: Tenant, backend: Backend = None, data_dir: DataDir = None, json: Json = False
) -> None:
    """What applies to a tenant, and which of it was set for the tenant."""
    settings = _settings_or_exit(backend=backend, data_dir=data_dir)
    try:
        check_change(tenant_id, {})
    except ValueError as exc:
        _fail(str(exc), 2)
    try:
        stored = admin.with_backends(settings, lambda b: b.tenants.get(tenant_id))
    except TenantStoreUnavailable as exc:
        _fail(f"tenant settings unavailable: {exc}", 1)
    _show(settings, tenant_id, stored, json=json)


@tenants_app.command("list")
def tenants_list(backend: Backend = None, data_dir: DataDir = None, json: Json = False) -> None:
    """Every tenant with settings of its own (the others have the defaults)."""
    settings = _settings_or_exit(backend=backend, data_dir=data_dir)
    try:
        stored = admin.with_backends(settings, lambda b: b.tenants.list())
    except TenantStoreUnavailable as exc:
        _fail(f"tenant settings unavailable: {exc}", 1)
    defaults = settings.tenant_defaults()
    if json:
        _print_json([tenant_view(defaults, s.tenant_id, s) for s in stored])
        return
    table = Table(
        Column("tenant", no_wrap=True),
        *(Column(LABELS[name], overflow="fold") for name in LISTED),
    )
    table.add_row("(defaults)", *(_text(name, getattr(defaults, name)) for name in LISTED))
    for tenant in stored:
        table.add_row(
            tenant.tenant_id,
            *(
                "-" if getattr(tenant, name) is None else _text(name, getattr(tenant, name))
                for name in LISTED
            ),
        )
    console.print(table)
    console.print("-: the default. `tenantlog tenants show TENANT` shows what applies and when")
    console.print("it was last changed.")


@tenants_app.command("usage")
def tenants_usage_command(
    tenant_id: Annotated[
        str | None,
        typer.Argument(
            metavar="TENANT",
            help="one tenant, day by day; without it, every tenant with activity, in totals",
            show_default=False,
        ),
    ] = None,
    days: Annotated[
        int, typer.Option(min=1, max=MAX_DAYS, help="today (UTC) and the days before it")
    ] = DEFAULT_DAYS,
    backend: Backend = None,
    data_dir: DataDir = None,
    json: Json = False,
) -> None:
    """Usage per UTC day: logs and bytes accepted, logs rate-limited, stored, dead-lettered.

    Services write their counts every TENANTLOG_USAGE_FLUSH_SECONDS: the latest may be missing.
    """
    settings = _settings_or_exit(backend=backend, data_dir=data_dir)
    now = time.time()
    try:
        if tenant_id is None:
            shown = admin.with_backends(settings, lambda b: tenants_usage(b.usage.store, days, now))
        else:
            check_change(tenant_id, {})  # a valid tenant id, before anything is opened
            tenant = tenant_id
            shown = admin.with_backends(
                settings, lambda b: tenant_usage(b.usage.store, tenant, days, now)
            )
    except ValueError as exc:  # the tenant id
        _fail(str(exc), 2)
    except UsageUnavailable as exc:
        _fail(f"usage unavailable: {exc}", 1)
    if json:
        _print_json(shown)
        return
    if tenant_id is None:
        title = f"usage from {shown['first_day']} to {shown['last_day']} (UTC)"
        rows = [(row["tenant_id"], row) for row in shown["tenants"]]
        first = "tenant"
    else:
        title = f"usage of tenant {tenant_id} (UTC days)"
        rows = [(row["day"], row) for row in shown["days"]]
        total = {name: sum(row[name] for _, row in rows) for name in USAGE_FIELDS}
        rows.append(("total", total))
        first = "day"
    table = Table(
        Column(first, no_wrap=True),
        *(Column(label, justify="right") for label in USAGE_LABELS.values()),
        title=title,
        title_justify="left",
    )
    for name, row in rows:
        table.add_row(name, *(f"{row[field]:,}" for field in USAGE_LABELS))
    console.print(table)
    if tenant_id is None and not rows:
        console.print("no tenant had any activity in these days")


@tenants_app.command("erase")
def tenants_erase(
    tenant_id: Tenant,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
    wait: Annotated[
        bool, typer.Option("--wait", help="follow the erasure until a worker has finished it")
    ] = False,
    backend: Backend = None,
    data_dir: DataDir = None,
    json: Json = False,
) -> None:
    """Erase every log the tenant sent until now: stored, queued, in flight, dead-lettered.

    From the moment it returns no such log is written or returned; a worker
    deletes them in the background (``--wait`` follows it). The tenant's
    settings, keys and usage stay. The same as ``DELETE /tenants/TENANT/logs``.
    """
    settings = _settings_or_exit(backend=backend, data_dir=data_dir)
    try:
        check_change(tenant_id, {})
    except ValueError as exc:
        _fail(str(exc), 2)
    if not yes:
        if not sys.stdin.isatty():
            _fail("erasing cannot be undone: add --yes to erase without a prompt", 2)
        typer.confirm(f"Erase every log of tenant {tenant_id!r}? This cannot be undone", abort=True)
    actor = admin.cli_actor()
    try:
        erasure = admin.with_backends(
            settings,
            lambda b: request_erasure(b.store, b.queue, b.audit, tenant_id, actor),
        )
    except (StoreUnavailable, QueueUnavailable, AuditUnavailable) as exc:
        _fail(f"erasure failed: {exc}", 1)
    while wait and erasure.status != "done":
        if not json:
            console.print(
                f"erasing: {erasure.records_deleted:,} logs and"
                f" {erasure.messages_deleted:,} messages deleted so far"
            )
        time.sleep(1)
        found = admin.with_backends(settings, partial(_erasure, tenant_id, erasure.erasure_id))
        if found is not None:
            erasure = found
    if json:
        _print_json(erasure.to_dict())
        return
    if erasure.status == "done":
        console.print(
            f"erased tenant {tenant_id}: {erasure.records_deleted:,} logs and"
            f" {erasure.messages_deleted:,} queued or dead-lettered messages deleted"
        )
    else:
        console.print(
            f"erasure {erasure.erasure_id} started: no log tenant {tenant_id} sent until now"
            " will be returned; a worker deletes them now (GET"
            f" /tenants/{tenant_id}/erasures/{erasure.erasure_id} shows its progress)"
        )


@tenants_app.command("reshard")
def tenants_reshard(tenant_id: Tenant, backend: Backend = None, data_dir: DataDir = None) -> None:
    """Finish a change of --write-shards (aws backend): move the tenant's logs to the keys
    of its current layout, then forget the layouts it had before, whose keys otherwise
    keep taking a write for every log (docs/write-sharding.md).

    Safe to run while logs arrive, and again after a stop.
    """
    settings = _settings_or_exit(backend=backend, data_dir=data_dir)
    try:
        check_change(tenant_id, {})
    except ValueError as exc:
        _fail(str(exc), 2)
    if settings.backend != "aws":
        typer.echo(f"nothing to move: the {settings.backend} store is not sharded")
        return
    try:
        stored = admin.with_backends(settings, lambda b: b.tenants.get(tenant_id))
    except TenantStoreUnavailable as exc:
        _fail(f"tenant settings unavailable: {exc}", 1)
    if stored is None or not stored.past_write_shards:
        typer.echo(f"nothing to move: tenant {tenant_id} has had one layout only")
        return
    # Every running process must write under the new layout before the pass: one that
    # still wrote under an old one could put a log where the pass has already been.
    changed = epoch_seconds(stored.updated_at or utc_now())
    settle = changed + 3 * PLAN_SECONDS - time.time()
    if settle > 0:
        _fail(f"the settings changed {stored.updated_at}: run again in {settle:.0f} s", 1)
    from tenantlog.aws.clients import AWS_ERRORS, error_text, make_client
    from tenantlog.store.dynamodb_reshard import move_to_layout

    read = moved = left = 0
    try:
        client = make_client("dynamodb", settings.aws_region, 2)
        for page in move_to_layout(
            client, settings.dynamodb_table_name or "", tenant_id, ShardPlan.of(stored)
        ):
            read, moved, left = read + page.read, moved + page.moved, left + page.left
            typer.echo(f"read {read:,} moved {moved:,} left {left:,}")
    except AWS_ERRORS as exc:
        # Each item is moved in one transaction and the layouts are still known: every
        # log stays readable where it is, and a second run picks up where this one stopped.
        _fail(
            f"moving the logs of tenant {tenant_id} failed: {error_text(exc)};"
            " every log stays readable, run again once that is fixed",
            1,
        )
    if left:
        _fail(f"{left:,} items could not be moved: run again", 1)
    try:
        admin.with_backends(
            settings,
            lambda b: forget_past_write_shards(b.tenants, b.audit, stored, actor=admin.cli_actor()),
        )
    except InvalidTenantSetting as exc:
        _fail(f"--write-shards {exc.reason}", 1)
    except (TenantStoreUnavailable, AuditUnavailable) as exc:
        _fail(f"the logs were moved, but the settings could not be updated: {exc}", 1)
    typer.echo(
        f"tenant {tenant_id}: every log is under its {stored.write_shard_layouts()[-1]} keys;"
        f" the layouts before ({', '.join(map(str, stored.past_write_shards))}) are forgotten"
    )


async def _erasure(tenant_id: str, erasure_id: str, backends: Backends) -> Erasure | None:
    return await backends.store.get_erasure(tenant_id, erasure_id)


def _show(settings: Settings, tenant_id: str, stored: TenantSettings | None, *, json: bool) -> None:
    defaults = settings.tenant_defaults()
    if json:
        _print_json(tenant_view(defaults, tenant_id, stored))
        return
    effective = defaults.over(stored)
    table = Table("setting", "value", "from", title=f"tenant {tenant_id}", title_justify="left")
    for name in SETTING_NAMES:
        own = stored is not None and getattr(stored, name) is not None
        default = TENANT_DEFAULTS.get(name)  # a tenant's own rules have no default but none
        source = "tenant" if own else f"default ({env_name(default)})" if default else "-"
        table.add_row(LABELS[name], _text(name, getattr(effective, name)), source)
    console.print(table)
    if stored is None or stored.updated_at is None:
        console.print("no settings of its own: the defaults apply")
    else:
        console.print(f"updated {stored.updated_at}")


def _text(name: str, value: Any) -> str:
    """A value as people read it: ``unlimited``, ``100/s``, ``forever``, ``30 days``, ..."""
    if name == "rate_limit":
        return "unlimited" if value == 0 else f"{number_text(value)}/s"
    if name == "retention_days":
        return "forever" if value == 0 else f"{value} days"
    if name == "store_original":
        return "kept" if value else "not kept"
    if name == "redaction_detectors":
        if set(value) == set(DETECTORS):
            return "all"
        return ",".join(value) or "none"
    if name == "redaction_rules":
        return "\n".join(f"{rule}={pattern}" for rule, pattern in value) or "none"
    if name == "redaction_deny":
        # Counted, not listed: the entries are what the tenant hides (--json lists them).
        return "none" if not value else "1 entry" if len(value) == 1 else f"{len(value)} entries"
    return str(value)


def _boolean(text: str) -> bool:
    choice = text.strip().lower()
    if choice not in ("true", "false"):
        raise InvalidTenantSetting("store_original", "must be true or false")
    return choice == "true"


def _detectors(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    if names == ("all",):
        return DETECTORS
    if names == ("none",):
        return ()
    return names


def _rule(text: str) -> tuple[str, str]:
    name, equals, pattern = text.partition("=")
    if not equals or not name.strip():
        raise InvalidTenantSetting("redaction_rules", "give each rule as NAME=REGEX")
    return name.strip(), pattern


def _reset_names(given: list[str]) -> list[str]:
    names: list[str] = []
    for text in given:
        name = text.strip().removeprefix("--").replace("-", "_")
        if name == "all":
            names += SETTING_NAMES
        elif name in SETTING_NAMES:
            names.append(name)
        else:
            known = ", ".join(n.replace("_", "-") for n in SETTING_NAMES)
            raise InvalidTenantSetting("reset", f"no setting {text!r}; choose from {known}, all")
    return names
