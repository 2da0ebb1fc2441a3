"""What the admin commands do against the backends: logs, dlq, stats, keys, audit."""

from __future__ import annotations

import asyncio
import getpass
import signal
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from tenantlog.backends import Backends, open_backends
from tenantlog.core.audit import ORIGINAL_READ, AuditEvent
from tenantlog.core.dead_letters import dead_letter_summary
from tenantlog.core.models import LogRecord
from tenantlog.core.query import ATTRIBUTE_PREFIX, InvalidQuery, LogQuery, parse_query
from tenantlog.core.queue import DeadLetterEntry
from tenantlog.core.store import StoreUnavailable
from tenantlog.http.pacing import BATCH, POLL_SECONDS, may_pause
from tenantlog.settings import Settings

T = TypeVar("T")


def with_backends(settings: Settings, action: Callable[[Backends], Awaitable[T]]) -> T:
    async def main() -> T:
        backends = await open_backends(settings)
        try:
            return await action(backends)
        finally:
            await backends.close()

    return asyncio.run(main())


def until_interrupted(settings: Settings, action: Callable[[Backends], Awaitable[None]]) -> None:
    """Run ``action`` until Ctrl-C, then close the backends and return.

    Ctrl-C cancels the action as an event-loop callback (``add_signal_handler``),
    not through asyncio.run's own handler: that one runs between any two
    bytecodes, so it can cancel a future while the loop is copying a thread's
    result into it, and asyncio then prints an InvalidStateError traceback on
    the way out. A second Ctrl-C, while the backends close, stops at once.
    """

    async def interruptible(backends: Backends) -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        interrupted = False

        def interrupt() -> None:
            nonlocal interrupted
            interrupted = True
            loop.remove_signal_handler(signal.SIGINT)
            task.cancel()

        loop.add_signal_handler(signal.SIGINT, interrupt)
        try:
            await action(backends)
        except asyncio.CancelledError:
            if not interrupted:
                raise
            task.uncancel()
        finally:
            loop.remove_signal_handler(signal.SIGINT)

    with_backends(settings, interruptible)


async def fetch_logs(
    backends: Backends,
    tenant_id: str,
    limit: int,
    cursor: str | None,
    every_page: bool,
    *,
    shows_original_text: bool,
    query: LogQuery | None = None,
) -> tuple[list[LogRecord], str | None]:
    """A tenant's records that ``query`` matches; showing their unredacted text is recorded
    in the audit trail."""
    records: list[LogRecord] = []
    while True:
        size = min(limit - len(records), 1000) if not every_page else 1000
        page = await backends.store.list(tenant_id, max(size, 1), cursor, query)
        records += page.items
        cursor = page.next_cursor
        if cursor is None or (not every_page and len(records) >= limit):
            break
    if shows_original_text:
        await _audit_original_read(backends, tenant_id, records)
    return records, cursor


async def _audit_original_read(
    backends: Backends, tenant_id: str, records: list[LogRecord]
) -> None:
    """Record in the audit trail that these records' unredacted text is being shown."""
    shown = [r.log_id for r in records if r.original_text is not None]
    if shown:
        detail = {"count": str(len(shown)), "first_log_id": shown[0], "last_log_id": shown[-1]}
        await backends.audit.record(AuditEvent(ORIGINAL_READ, cli_actor(), tenant_id, detail))


async def follow_logs(
    backends: Backends,
    tenant_id: str,
    query: LogQuery,
    show: Callable[[list[LogRecord]], None],
    *,
    shows_original_text: bool,
    on_unavailable: Callable[[StoreUnavailable], None],
    poll_seconds: float = POLL_SECONDS,
) -> None:
    """Show the tenant's logs that ``query`` matches as they are stored, from now on, until
    cancelled (Ctrl-C).

    Reads the store as ``tenantlog logs`` does, rather than the service's
    HTTP tail: the same backends and the same options. While the store is
    unreachable (``on_unavailable`` is told once) the position is kept and the
    read retried, so no log stored meanwhile is missed. Showing unredacted
    text is recorded in the audit trail first, as a page of ``fetch_logs`` is.
    """
    position = (await backends.store.follow(tenant_id, None, query, BATCH)).position
    reachable = True
    while True:
        try:
            followed = await backends.store.follow(tenant_id, position, query, BATCH)
        except StoreUnavailable as exc:
            if reachable:  # said once, not at every retry
                on_unavailable(exc)
            reachable = False
            await asyncio.sleep(poll_seconds)
            continue
        reachable = True
        records = [record for _, record in followed.records]
        if records:
            if shows_original_text:
                await _audit_original_read(backends, tenant_id, records)
            show(records)
        moved, position = followed.position != position, followed.position
        if not moved or await may_pause(backends.store, tenant_id, followed):
            await asyncio.sleep(poll_seconds)


def log_query(
    since: str | None,
    until: str | None,
    grep: str | None,
    severities: list[str],
    attributes: list[str],
    *,
    now: float | None = None,
) -> LogQuery:
    """The query of ``tenantlog logs``' options, parsed as the HTTP API parses its
    parameters; InvalidQuery (a ValueError) naming a malformed one."""
    params = [(name, value) for name, value in (("since", since), ("until", until)) if value]
    if grep is not None:
        params.append(("q", grep))
    params += [("severity", value) for value in severities]
    for pair in attributes:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise InvalidQuery(f"invalid --attr {pair!r}: use KEY=VALUE")
        params.append((ATTRIBUTE_PREFIX + name, value))
    return parse_query(params, time.time() if now is None else now)


def cli_actor() -> str:
    """Who the audit trail names for a command run on this machine."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in a minimal container
        return "cli:unknown"


def dead_letter_dict(entry: DeadLetterEntry) -> dict[str, Any]:
    """A DLQ entry for humans and scripts: the summary the admin route gives too, and the
    whole body as text (it is JSON), for the operator on the queue's own machine."""
    return {**dead_letter_summary(entry), "body": entry.body.decode("utf-8", "replace")}
