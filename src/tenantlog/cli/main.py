"""``tenantlog``: serve, api, worker, logs, dlq, stats, keys, audit, send, bench (DESIGN §8).

Tables for humans, ``--json`` for scripts. Every command reads its settings
from the environment (DESIGN §7); flags override them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Column, Table

from tenantlog.cli import admin
from tenantlog.cli.log_table import print_logs
from tenantlog.cli.tenants import tenants_app
from tenantlog.core import dead_letters
from tenantlog.core.cursor import InvalidCursor
from tenantlog.core.models import LogRecord
from tenantlog.core.query import LogQuery, UnsupportedQuery
from tenantlog.core.store import StoreUnavailable
from tenantlog.settings import Settings, SettingsError, env_name, load_settings

app = typer.Typer(
    help="Multi-tenant log ingestion: 202 at once, durable queue, PII redaction.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
dlq_app = typer.Typer(help="Inspect and repair the dead-letter queue.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")
keys_app = typer.Typer(
    help="Tenant API keys: create (the secret is shown once), list, revoke.",
    no_args_is_help=True,
)
app.add_typer(keys_app, name="keys")
app.add_typer(tenants_app, name="tenants")
console = Console()

Backend = Annotated[
    str | None, typer.Option(help="sqlite or aws [env TENANTLOG_BACKEND]", show_default=False)
]
DataDir = Annotated[
    Path | None, typer.Option(help="SQLite data directory [env TENANTLOG_DATA_DIR]")
]
Host = Annotated[str | None, typer.Option(help="listen address [env TENANTLOG_HOST]")]
Port = Annotated[int | None, typer.Option(help="listen port [env TENANTLOG_PORT]")]
Json = Annotated[bool, typer.Option("--json", help="machine-readable output")]
ApiKeyOption = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        envvar="TENANTLOG_API_KEY",
        help="API key sent as a Bearer token [env TENANTLOG_API_KEY]",
        show_default=False,
    ),
]


def settings_or_exit(**overrides: Any) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def share_metrics(settings: Settings) -> None:
    """Every local process on this data dir writes its metrics to ``<data dir>/metrics``, so
    any API process's ``/metrics`` shows all of them (tenantlog.metrics_processes).

    Called before anything imports tenantlog.metrics, whose metrics get their
    (shared or in-memory) values when it is imported; child processes inherit
    the choice through the environment.
    """
    from tenantlog.metrics_processes import FOLDER, share

    try:
        share(settings.data_dir / FOLDER)
    except OSError as exc:
        where = f"{env_name('data_dir')}: cannot create {exc.filename}: {exc.strerror}"
        typer.echo(f"error: invalid setting {where}", err=True)
        raise typer.Exit(2) from None


def print_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")


@app.command()
def serve(
    backend: Backend = None,
    data_dir: DataDir = None,
    host: Host = None,
    port: Port = None,
    crash_probability: Annotated[float | None, typer.Option()] = None,
    processing_delay_per_char: Annotated[float | None, typer.Option()] = None,
    batch_size: Annotated[int | None, typer.Option()] = None,
    worker_concurrency: Annotated[
        int | None, typer.Option(help="batches in flight per worker process")
    ] = None,
    api_workers: Annotated[
        int | None, typer.Option(help="API processes on one port [env TENANTLOG_API_WORKERS]")
    ] = None,
    worker_processes: Annotated[
        int | None,
        typer.Option(help="worker processes [env TENANTLOG_SERVE_WORKER_PROCESSES]"),
    ] = None,
) -> None:
    """API and worker processes, restarted if they die. SIGTERM/SIGINT drains and exits 0."""
    overrides = {k: v for k, v in locals().items() if k != "worker_processes"}
    settings = settings_or_exit(serve_worker_processes=worker_processes, **overrides)
    if os.name == "nt":
        # Windows cannot ask a child to drain (no SIGTERM to send), so there
        # the API and the worker share this process, as they once did everywhere.
        share_metrics(settings)
        from tenantlog.cli.running import run

        run(settings)
        return
    # The children read their settings from the environment.
    for name, value in {**overrides, "serve_worker_processes": worker_processes}.items():
        if value is not None:
            os.environ[env_name(name)] = str(value)
    # The supervisor lives as long as the service, so it replaces this process
    # (the same pid, for whoever sends the signals) with a small one that has
    # not loaded the command line's libraries (about 20 MB less).
    stop_timeout = settings.shutdown_grace + 30  # the children drain within the grace
    from tenantlog.http.connections import raise_open_file_limit

    # Once for the whole service, as `api --workers N` does: the children inherit it.
    raise_open_file_limit(settings.max_connections)
    supervisor = "tenantlog.cli.supervisor"
    workers, level = str(settings.serve_worker_processes), settings.log_level
    os.execv(
        sys.executable, [sys.executable, "-m", supervisor, workers, level, f"{stop_timeout:g}"]
    )


@app.command()
def api(
    backend: Backend = None,
    data_dir: DataDir = None,
    host: Host = None,
    port: Port = None,
    workers: Annotated[
        int | None, typer.Option(help="API processes on one port [env TENANTLOG_API_WORKERS]")
    ] = None,
) -> None:
    """Only the HTTP API (run workers separately, on the same data dir or AWS)."""
    overrides = {"backend": backend, "data_dir": data_dir, "host": host, "port": port}
    settings = settings_or_exit(api_workers=workers, **overrides)
    share_metrics(settings)
    from tenantlog.cli.running import run, run_api_processes

    if settings.api_workers == 1:
        run(settings, with_worker=False)
        return
    # uvicorn's worker processes read their settings from the environment.
    for name, value in overrides.items():
        if value is not None:
            os.environ[env_name(name)] = str(value)
    run_api_processes(settings)


@app.command()
def worker(
    backend: Backend = None,
    data_dir: DataDir = None,
    crash_probability: Annotated[float | None, typer.Option()] = None,
    processing_delay_per_char: Annotated[float | None, typer.Option()] = None,
    batch_size: Annotated[int | None, typer.Option()] = None,
    worker_concurrency: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Only the worker. Start several on one data dir to use more cores."""
    settings = settings_or_exit(**locals())
    share_metrics(settings)
    from tenantlog.cli.running import run

    run(settings, with_api=False)


@app.command()
def logs(
    tenant_id: str,
    limit: Annotated[int, typer.Option(min=1, help="records to show")] = 20,
    cursor: Annotated[str | None, typer.Option(help="continue after this page")] = None,
    every: Annotated[bool, typer.Option("--all", help="every record of the tenant")] = False,
    since: Annotated[
        str | None, typer.Option(help="event time from: RFC 3339, or 15m, 2h, 7d ago")
    ] = None,
    until: Annotated[str | None, typer.Option(help="event time before (same forms)")] = None,
    grep: Annotated[
        str | None, typer.Option(help="case-insensitive text in the redacted log")
    ] = None,
    severity: Annotated[
        list[str] | None, typer.Option(help="severity, any case; repeat for several")
    ] = None,
    attr: Annotated[
        list[str] | None, typer.Option(help="KEY=VALUE an attribute must equal; repeatable")
    ] = None,
    follow: Annotated[
        bool,
        typer.Option(
            "--follow", "-f", help="show logs as they are stored, from now on, until Ctrl-C"
        ),
    ] = False,
    backend: Backend = None,
    data_dir: DataDir = None,
    json: Json = False,
) -> None:
    """A tenant's stored logs, in log_id order; newest first with --since or --until.

    A table by default (event time, severity, source, redacted text,
    attributes); --json prints the records whole, with original_text (the
    read is then in the audit trail).
    """
    settings = settings_or_exit(backend=backend, data_dir=data_dir)
    try:
        if follow:
            _refuse_paging_options(since=since, until=until, cursor=cursor, every=every)
        query = admin.log_query(since, until, grep, severity or [], attr or [])
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if follow:
        _follow_logs(settings, tenant_id, query, json=json)
        return
    try:
        records, next_cursor = admin.with_backends(
            settings,
            lambda b: admin.fetch_logs(
                b, tenant_id, limit, cursor, every, shows_original_text=json, query=query
            ),
        )
    except (InvalidCursor, UnsupportedQuery) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if json:
        print_json({"items": [r.to_dict() for r in records], "next_cursor": next_cursor})
        return
    print_logs(console, records)
    if next_cursor:
        console.print(f"more: --cursor {next_cursor}", markup=False, highlight=False)


def _refuse_paging_options(**given: object) -> None:
    """--follow starts now and has no pages: the options that choose a past page do not fit."""
    for name, value in given.items():
        if value:
            option = "--all" if name == "every" else f"--{name}"
            raise ValueError(
                f"{option} does not go with --follow, which shows logs as they are stored"
                " from now on; run the search without --follow for past logs"
            )


def _follow_logs(settings: Settings, tenant_id: str, query: LogQuery, *, json: bool) -> None:
    """``logs --follow``: one JSON object a line with --json, else table rows, as logs come,
    flushed at once so that a pipe sees each batch when it arrives."""
    first = True

    def show(records: list[LogRecord]) -> None:
        nonlocal first
        if json:
            sys.stdout.write("".join(orjson.dumps(r.to_dict()).decode() + "\n" for r in records))
        else:
            print_logs(console, records, header=first)
            first = False
        sys.stdout.flush()

    def unavailable(exc: StoreUnavailable) -> None:
        typer.echo(f"warning: store unavailable, retrying: {exc}", err=True)

    try:
        admin.until_interrupted(
            settings,
            lambda b: admin.follow_logs(
                b, tenant_id, query, show, shows_original_text=json, on_unavailable=unavailable
            ),
        )
    except UnsupportedQuery as exc:
        message = str(exc)
        if exc.name == "tail":
            message = "--follow needs the sqlite backend: this backend cannot follow new logs"
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:  # a second Ctrl-C, while the backends close
        return


@app.command("backfill-search")
def backfill_search(
    table: Annotated[
        str,
        typer.Option(envvar="DYNAMODB_TABLE_NAME", help="the logs table [env DYNAMODB_TABLE_NAME]"),
    ],
    region: Annotated[
        str | None, typer.Option(envvar="AWS_REGION", help="[env AWS_REGION]", show_default=False)
    ] = None,
    resume_after: Annotated[
        str | None,
        typer.Option(help="the JSON key a stopped run printed last", show_default=False),
    ] = None,
) -> None:
    """Make logs stored on DynamoDB before search findable by time and severity (once,
    after upgrading; with the operator's AWS credentials, as it scans the whole table).

    Prints the running totals after each page of the scan, with the key to pass as
    --resume-after if the run stops.
    """
    from tenantlog.aws.clients import AWS_ERRORS, error_text, make_client
    from tenantlog.store.dynamodb_backfill import backfill_search as backfill

    try:
        start = None if resume_after is None else orjson.loads(resume_after)
    except orjson.JSONDecodeError:
        typer.echo("error: --resume-after is not JSON: pass the key a run printed", err=True)
        raise typer.Exit(2) from None
    read = updated = 0
    resume = resume_after or ""
    try:
        client = make_client("dynamodb", region, 2)
        for page in backfill(client, table, resume_after=start):
            read, updated = read + page.read, updated + page.updated
            resume = "" if page.resume_after is None else orjson.dumps(page.resume_after).decode()
            print(f"read {read:,} updated {updated:,} {resume}".rstrip(), flush=True)
    except AWS_ERRORS as exc:
        again = f" with --resume-after '{resume}'" if resume else ""
        typer.echo(
            f"error: backfilling search in table {table} failed: {error_text(exc)};"
            f" run again{again}",
            err=True,
        )
        raise typer.Exit(1) from None


@app.command()
def stats(backend: Backend = None, data_dir: DataDir = None, json: Json = False) -> None:
    """Queue depth, in-flight and dead-letter counts."""
    settings = settings_or_exit(backend=backend, data_dir=data_dir)
    counts = dead_letters.queue_counts(admin.with_backends(settings, lambda b: b.queue.stats()))
    if json:
        print_json(counts)
        return
    table = Table("queue", "messages")
    for name, value in counts.items():
        table.add_row(name, str(value))
    console.print(table)


@dlq_app.command("list")
def dlq_list(
    limit: Annotated[int, typer.Option(min=1)] = 50,
    backend: Backend = None,
    data_dir: DataDir = None,
    json: Json = False,
) -> None:
    """Dead letters with the reason of their last failure."""
    settings = settings_or_exit(backend=backend, data_dir=data_dir)
    entries = admin.with_backends(settings, lambda b: b.queue.list_dead_letters(limit))
    rows = [admin.dead_letter_dict(e) for e in entries]
    if json:
        print_json(rows)
        return
    table = Table("message_id", "receives", "dead_at", "reason")
    for row in rows:
        table.add_row(row["message_id"], str(row["receive_count"]), row["dead_at"], row["reason"])
    console.print(table)


@dlq_app.command("redrive")
def dlq_redrive(backend: Backend = None, data_dir: DataDir = None, json: Json = False) -> None:
    """Move every dead letter back to the main queue with a fresh receive count."""
    settings = settings_or_exit(backend=backend, data_dir=data_dir)
    moved = admin.with_backends(
        settings, lambda b: dead_letters.redrive(b.queue, b.audit, actor=admin.cli_actor())
    )
    print_json({"redriven": moved}) if json else console.print(f"redriven: {moved}")


@dlq_app.command("purge")
def dlq_purge(
    yes: Annotated[bool, typer.Option("--yes", help="do not ask")] = False,
    backend: Backend = None,
    data_dir: DataDir = None,
    json: Json = False,
) -> None:
    """Delete every dead letter for good."""
    if not yes and not typer.confirm("Delete every dead letter for good?"):
        raise typer.Exit(1)
    settings = settings_or_exit(backend=backend, data_dir=data_dir)
    purged = admin.with_backends(
        settings, lambda b: dead_letters.purge(b.queue, b.audit, actor=admin.cli_actor())
    )
    print_json({"purged": purged}) if json else console.print(f"purged: {purged}")


@app.command()
def send(
    text: Annotated[str | None, typer.Argument(help="the log text; stdin when omitted")] = None,
    tenant: Annotated[
        str | None,
        typer.Option("--tenant", "-t", help="tenant id [default: the key's, else 'default']"),
    ] = None,
    log_id: Annotated[str | None, typer.Option(help="log id (generated when omitted)")] = None,
    url: Annotated[str, typer.Option(help="the service's base URL")] = "http://127.0.0.1:8000",
    api_key: ApiKeyOption = None,
    json: Json = False,
) -> None:
    """POST one log to a running service, as JSON.

    With --api-key and no --tenant, the log goes to the key's own tenant.
    """
    import httpx

    payload: dict[str, str] = {"text": text or sys.stdin.read()}
    if tenant is not None:
        payload["tenant_id"] = tenant
    elif api_key is None:
        payload["tenant_id"] = "default"
    if log_id is not None:
        payload["log_id"] = log_id
    headers = {} if api_key is None else {"Authorization": f"Bearer {api_key}"}
    try:
        response = httpx.post(
            f"{url.rstrip('/')}/ingest", json=payload, headers=headers, timeout=30
        )
    except httpx.HTTPError as exc:
        typer.echo(f"error: cannot reach {url}: {exc}", err=True)
        raise typer.Exit(1) from None
    if json:
        print_json({"status_code": response.status_code, "body": response.json()})
    else:
        console.print(f"{response.status_code} {response.text}")
    if response.status_code != 202:
        raise typer.Exit(1)


@app.command()
def bench(
    url: Annotated[str, typer.Option(help="the service's base URL")] = "http://127.0.0.1:8000",
    requests: Annotated[int, typer.Option(min=1, help="requests to send")] = 10_000,
    concurrency: Annotated[int, typer.Option(min=1, help="requests in flight")] = 64,
    lines: Annotated[
        int, typer.Option(min=0, help="NDJSON lines per request; 0 sends single JSON logs")
    ] = 0,
    tenants: Annotated[
        int, typer.Option(min=1, help="distinct tenants (1 with --api-key: the key's)")
    ] = 10,
    api_key: ApiKeyOption = None,
    json: Json = False,
) -> None:
    """Load generator: posts logs with a progress bar, then prints a summary table."""
    from tenantlog.cli.loadgen import LoadPlan, print_summary, run_load

    plan = LoadPlan(url, requests, concurrency, lines, tenants, api_key)
    summary = run_load(plan, show_progress=not json)
    if json:
        print_json(summary.as_dict())
    else:
        print_summary(console, summary)
    if summary.errors:
        raise typer.Exit(1)


@keys_app.command("create")
def keys_create(
    tenant_id: Annotated[str, typer.Argument(metavar="TENANT")],
    scope: Annotated[
        list[str] | None,
        typer.Option(help="ingest, read, audit, delete or admin; repeat for several"),
    ] = None,
    name: Annotated[str | None, typer.Option(help="a label for people")] = None,
    expires_in: Annotated[
        str | None, typer.Option(help="e.g. 90d, 12h, 2w; never when omitted")
    ] = None,
    backend: Backend = None,
    data_dir: DataDir = None,
    json: Json = False,
) -> None:
    """Create a key. Its secret is printed now and never again (only a hash is kept)."""
    from tenantlog.core.key_admin import create_key, key_lifetime
    from tenantlog.core.keys import DEFAULT_SCOPES

    settings = settings_or_exit(backend=backend, data_dir=data_dir)
    try:
        lifetime = None if expires_in is None else key_lifetime(expires_in)
        key, secret = admin.with_backends(
            settings,
            lambda b: create_key(
                b.keys,
                b.audit,
                tenant_id=tenant_id,
                scopes=scope or DEFAULT_SCOPES,
                actor=admin.cli_actor(),
                name=name,
                expires_in=lifetime,
            ),
        )
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if json:
        print_json({**key.public_dict(), "secret": secret})
        return
    console.print(f"key {key.key_id} for tenant {key.tenant_id}: {', '.join(sorted(key.scopes))}")
    console.print("secret (shown once, store it now):")
    # Plain print: no wrapping or markup may alter the secret.
    print(secret)


@keys_app.command("list")
def keys_list(
    tenant_id: Annotated[str | None, typer.Argument(metavar="[TENANT]")] = None,
    backend: Backend = None,
    data_dir: DataDir = None,
    json: Json = False,
) -> None:
    """Every key (or one tenant's) with its state; never a secret."""
    settings = settings_or_exit(backend=backend, data_dir=data_dir)
    keys = admin.with_backends(settings, lambda b: b.keys.list(tenant_id))
    rows = [k.public_dict() for k in keys]
    if json:
        print_json(rows)
        return
    table = Table(
        Column("key_id", no_wrap=True, min_width=16),
        *("tenant", "scopes", "name", "created", "expires", "revoked", "last used"),
    )
    for row in rows:
        table.add_row(
            row["key_id"],
            row["tenant_id"],
            ",".join(row["scopes"]),
            row["name"] or "",
            row["created_at"],
            row["expires_at"] or "never",
            row["revoked_at"] or "",
            row["last_used_at"] or "never",
        )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(metavar="KEY_ID")],
    backend: Backend = None,
    data_dir: DataDir = None,
    json: Json = False,
) -> None:
    """Revoke a key; running services refuse it within TENANTLOG_KEY_CACHE_SECONDS."""
    from tenantlog.core.key_admin import revoke_key

    settings = settings_or_exit(backend=backend, data_dir=data_dir)
    key = admin.with_backends(
        settings, lambda b: revoke_key(b.keys, b.audit, key_id, actor=admin.cli_actor())
    )
    if key is None:
        typer.echo(f"error: no key {key_id!r}", err=True)
        raise typer.Exit(1)
    if json:
        print_json(key.public_dict())
    else:
        console.print(f"revoked {key.key_id} (tenant {key.tenant_id}) at {key.revoked_at}")


@app.command()
def audit(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="events to show")] = 50,
    cursor: Annotated[str | None, typer.Option(help="continue with older events")] = None,
    backend: Backend = None,
    data_dir: DataDir = None,
    json: Json = False,
) -> None:
    """The audit trail, newest first: key changes and reads of unredacted text."""
    settings = settings_or_exit(backend=backend, data_dir=data_dir)
    page = admin.with_backends(settings, lambda b: b.audit.list(limit, cursor))
    events = [e.to_dict() for e in page.events]
    if json:
        print_json({"items": events, "next_cursor": page.next_cursor})
        return
    table = Table("at", "actor", "action", "tenant", "detail")
    for event in events:
        detail = " ".join(f"{k}={v}" for k, v in event["detail"].items())
        table.add_row(event["at"], event["actor"], event["action"], event["tenant_id"], detail)
    console.print(table)
    if page.next_cursor:
        console.print(f"more: --cursor {page.next_cursor}")
