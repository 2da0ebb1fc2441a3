"""The queue and its dead letters over HTTP (DESIGN §4): ``GET /queue``, ``GET
/dead-letters``, ``POST /dead-letters/redrive`` and ``DELETE /dead-letters``, the
same as ``tenantlog stats``, ``dlq list``, ``dlq redrive`` and ``dlq purge --yes``.

Admin keys only; the request-policy seam checks that, as for every route.
A dead letter's text is shown redacted with its tenant's own settings, as
the worker would have stored it: the CLI's ``--json`` prints the raw body
on the queue's own machine, but an answer travels and is kept by browsers
and proxies. A body that is not a tenant's log message shows no text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from tenantlog.core import dead_letters
from tenantlog.core.audit import AuditLog, AuditUnavailable
from tenantlog.core.queue import DeadLetterEntry, Queue, QueueUnavailable
from tenantlog.core.tenants import TenantPolicy
from tenantlog.http.params import Refused, positive_int
from tenantlog.http.policy import principal_of
from tenantlog.http.responses import JSON, RETRY_SOON, error

if TYPE_CHECKING:
    from tenantlog.redaction.redactor import Redactor

DEFAULT_LIMIT = 50  # tenantlog dlq list's
MAX_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class QueueRoutes:
    queue: Queue
    audit: AuditLog
    #: What applies to a tenant now (TenantPolicies.policy): its redaction settings.
    policy: Callable[[str], Awaitable[TenantPolicy]]

    async def counts(self, request: Request) -> Response:
        """Visible, in-flight and dead-lettered messages, and the depth backpressure limits."""
        try:
            stats = await self.queue.stats()
        except QueueUnavailable:
            return error(503, "queue unavailable", RETRY_SOON)
        return JSON(dead_letters.queue_counts(stats))

    async def list_dead_letters(self, request: Request) -> Response:
        """The oldest ``limit`` dead letters, each with its reason and its redacted text."""
        try:
            limit = positive_int(request.query_params, "limit", DEFAULT_LIMIT, MAX_LIMIT)
            entries = await self.queue.list_dead_letters(limit)
        except Refused as refused:
            return refused.response()
        except QueueUnavailable:
            return error(503, "queue unavailable", RETRY_SOON)
        redactors: dict[str, Redactor] = {}
        items = [await self._shown(entry, redactors) for entry in entries]
        return JSON({"items": items})

    async def redrive(self, request: Request) -> Response:
        try:
            moved = await dead_letters.redrive(
                self.queue, self.audit, actor=principal_of(request.scope).actor
            )
        except QueueUnavailable:
            return error(503, "queue unavailable", RETRY_SOON)
        except AuditUnavailable:
            message = "dead letters redriven, but the audit trail is unavailable"
            return error(503, message, RETRY_SOON)
        return JSON({"redriven": moved})

    async def purge(self, request: Request) -> Response:
        try:
            purged = await dead_letters.purge(
                self.queue, self.audit, actor=principal_of(request.scope).actor
            )
        except QueueUnavailable:
            return error(503, "queue unavailable", RETRY_SOON)
        except AuditUnavailable:
            return error(503, "dead letters purged, but the audit trail is unavailable", RETRY_SOON)
        return JSON({"purged": purged})

    async def _shown(self, entry: DeadLetterEntry, redactors: dict[str, Redactor]) -> Any:
        summary = dead_letters.dead_letter_summary(entry)
        text = dead_letters.dead_letter_text(entry)
        tenant_id = summary["tenant_id"]
        if text is None or tenant_id is None:
            return {**summary, "text": None}
        redactor = redactors.get(tenant_id)
        if redactor is None:
            redactor = redactors[tenant_id] = _redactor(await self.policy(tenant_id))
        return {**summary, "text": redactor.redact(text)}


def _redactor(policy: TenantPolicy) -> Redactor:
    """The redaction the worker applies to the tenant's logs (built per request: a list of
    dead letters is rare, and the worker's cache is the worker's). Imported here, not at
    start-up: a Lambda cold start must not pay for compiling the detectors."""
    from tenantlog.redaction.custom_rules import tenant_redactor

    return tenant_redactor(
        policy.redaction_detectors,
        policy.redaction_style,
        policy.redaction_rules,
        policy.redaction_deny,
    )
