"""The operations pages for admin keys: the queue, the service's rates over the last hour,
its dead letters, redrive and purge.

The same core functions as ``tenantlog stats`` / ``tenantlog dlq`` and the
admin JSON routes (tenantlog.core.dead_letters), so a redrive or a purge
from here is recorded in the audit trail the same way. A dead letter is
listed without its text: an unredacted body must not reach a browser.
Both changes ask for confirmation on a page of their own, which works with
the keyboard and without a script; the seam has checked the admin scope and
the CSRF token before any handler runs.

The rates are the usage store's minute buckets (tenantlog.core.usage): the
counts of every process, API, worker and Lambda alike, where Prometheus'
``/metrics`` would show one process's, and none on Lambda.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tenantlog.console.charts import BarChart, bar_chart
from tenantlog.console.pages import render
from tenantlog.core import dead_letters
from tenantlog.core.audit import AuditLog, AuditUnavailable
from tenantlog.core.queue import Queue, QueueUnavailable
from tenantlog.core.usage import MinuteUsage, UsageStore, UsageUnavailable, recent_minutes
from tenantlog.http.policy import principal_of

#: Dead letters listed on the page (the oldest first, as ``tenantlog dlq list``).
LISTED = 100
ACTIONS: dict[str, str] = {
    "redrive": "Move every dead letter back to the main queue, to be processed again.",
    "purge": "Delete every dead letter for good. This cannot be undone.",
}
#: The rates charted, by the count each shows: (its id on the page, its heading).
RATES: dict[str, tuple[str, str]] = {
    "accepted_logs": ("accepted", "Logs accepted per minute"),
    "stored_logs": ("stored", "Logs stored (processed) per minute"),
    "dead_lettered_logs": ("dead-lettered", "Dead letters per minute"),
}
#: The rates' charts are small: three of them fit above the dead letters.
RATE_HEIGHT = 80


@dataclass(frozen=True, slots=True)
class Rate:
    """One rate's chart over the last hour."""

    id: str
    title: str
    chart: BarChart


def rates(minutes: list[MinuteUsage]) -> list[Rate]:
    """A chart per rate, a bar per minute labelled ``HH:MM`` (UTC), oldest first."""
    return [
        Rate(
            key,
            title,
            bar_chart(
                [(m.minute[11:], getattr(m.counts, count)) for m in minutes], height=RATE_HEIGHT
            ),
        )
        for count, (key, title) in RATES.items()
    ]


@dataclass(frozen=True, slots=True)
class Operations:
    queue: Queue
    audit: AuditLog
    usage: UsageStore
    clock: Callable[[], float] = time.time

    async def overview(self, request: Request) -> Response:
        counts: dict[str, int] | None = None
        entries: list[dict[str, Any]] = []
        problem = None
        minutes: list[MinuteUsage] = []
        rates_problem = None
        try:
            minutes = await recent_minutes(self.usage, self.clock())
        except UsageUnavailable:
            rates_problem = "Usage counts do not answer: the rates cannot be shown."
        try:
            counts = dead_letters.queue_counts(await self.queue.stats())
            listed = await self.queue.list_dead_letters(LISTED)
            entries = [dead_letters.dead_letter_summary(entry) for entry in listed]
        except QueueUnavailable:
            problem = "The queue does not answer; retry in a few seconds."
        done = request.query_params.get("done")
        return render(
            request,
            "operations.html",
            503 if problem else 200,
            counts=counts,
            entries=entries,
            problem=problem,
            done=done if done in ACTIONS else None,
            moved=request.query_params.get("count", ""),
            listed=LISTED,
            rates=rates(minutes) if minutes else [],
            busy_minutes=[m for m in reversed(minutes) if not m.counts.empty],
            rates_problem=rates_problem,
        )

    async def confirm(self, request: Request) -> Response:
        action = request.path_params["action"]
        if action not in ACTIONS:
            return render(request, "missing.html", 404, tenant=None, problem="no such action")
        try:
            count = (await self.queue.stats()).dead_letters
        except QueueUnavailable:
            return render(request, "missing.html", 503, tenant=None, problem="queue unavailable")
        return render(
            request, "confirm.html", action=action, explained=ACTIONS[action], count=count
        )

    async def act(self, request: Request) -> Response:
        action = request.path_params["action"]
        if action not in ACTIONS:
            return render(request, "missing.html", 404, tenant=None, problem="no such action")
        actor = principal_of(request.scope).actor
        change = dead_letters.redrive if action == "redrive" else dead_letters.purge
        try:
            count = await change(self.queue, self.audit, actor=actor)
        except (QueueUnavailable, AuditUnavailable):
            problem = "The queue or the audit trail did not answer; reload to see what changed."
            return render(request, "missing.html", 503, tenant=None, problem=problem)
        return RedirectResponse(f"/console/operations/?done={action}&count={count}", 303)
