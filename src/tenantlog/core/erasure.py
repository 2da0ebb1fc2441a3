"""Erasure, the right to be forgotten (DESIGN §2b): a tenant's logs, gone for good.

Erasing a tenant starts with a durable record, the Erasure, whose ``before``
is the moment it was asked for. From the moment the store has it, the store
refuses to write any log of that tenant received at or before ``before`` and
never returns one: that is what makes the erasure exact against a worker
already holding such a log (it writes nothing, or what it wrote is not seen
and is deleted). Then the logs themselves are deleted, and the tenant's
messages still queued or dead-lettered, in the background, by the worker that
receives the erasure's own queue message (an ``ErasureMessage``), so the work
survives a crash and runs on the same machinery locally and on Lambda.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import orjson

from tenantlog.core.audit import AuditEvent, AuditLog
from tenantlog.core.ids import new_log_id
from tenantlog.core.models import MessageDecodeError, epoch_seconds, utc_now
from tenantlog.core.queue import Outgoing, Queue

if TYPE_CHECKING:
    from tenantlog.core.store import Store

ErasureStatus = Literal["erasing", "done"]
#: What an ErasureMessage says it is: log messages carry no ``kind``.
ERASURE_KIND = "erasure"
#: The queue group of erasure messages. Not the tenant's own: in its group an erasure
#: would wait behind the tenant's whole backlog, the very messages it is to delete. No
#: tenant id can take this name ('#' is not allowed in one).
ERASURE_GROUP = "#erasures"
#: The audit trail's actions: a tenant's erasure asked for, one log deleted.
LOGS_ERASED = "logs.erase"
LOG_DELETED = "log.delete"


@dataclass(frozen=True, slots=True)
class Erasure:
    """One erasure of a tenant's logs and its progress.

    ``before`` is an RFC 3339 UTC time in the form every ``received_at``
    takes (``utc_now``), so the two compare as strings: a log with
    ``received_at <= before`` is erased.
    """

    erasure_id: str
    tenant_id: str
    before: str
    requested_by: str
    status: ErasureStatus = "erasing"
    records_deleted: int = 0
    messages_deleted: int = 0
    finished_at: str | None = None

    @classmethod
    def start(cls, tenant_id: str, requested_by: str) -> Erasure:
        """A new erasure of everything the tenant sent until now."""
        return cls(new_log_id(), tenant_id, utc_now(), requested_by)

    def covers(self, received_at: str) -> bool:
        """Whether a log received at ``received_at`` is erased by this erasure."""
        return received_at <= self.before

    def progressed(self, records: int = 0, messages: int = 0) -> Erasure:
        return replace(
            self,
            records_deleted=self.records_deleted + records,
            messages_deleted=self.messages_deleted + messages,
        )

    def finished(self) -> Erasure:
        return replace(self, status="done", finished_at=utc_now())

    def to_dict(self) -> dict[str, Any]:
        """What ``GET /tenants/{t}/erasures/{id}`` answers."""
        return {
            "erasure_id": self.erasure_id,
            "tenant_id": self.tenant_id,
            "status": self.status,
            "requested_at": self.before,
            "requested_by": self.requested_by,
            "records_deleted": self.records_deleted,
            "messages_deleted": self.messages_deleted,
            "finished_at": self.finished_at,
        }


@dataclass(frozen=True, slots=True)
class ErasureMessage:
    """The queue message that has a worker carry out an erasure (never any log text)."""

    tenant_id: str
    erasure_id: str

    def encode(self) -> bytes:
        return orjson.dumps(
            {"kind": ERASURE_KIND, "tenant_id": self.tenant_id, "erasure_id": self.erasure_id}
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ErasureMessage:
        tenant_id, erasure_id = data.get("tenant_id"), data.get("erasure_id")
        if not isinstance(tenant_id, str) or not isinstance(erasure_id, str):
            raise MessageDecodeError("erasure message lacks tenant_id or erasure_id")
        return cls(tenant_id, erasure_id)


#: Records one store call deletes at most: a short turn of the SQLite writer, and a
#: progress record saved after each, so a crash repeats at most this much work.
ERASE_BATCH = 500
#: Seconds one receive of an erasure message works before handing the message back
#: (``Continue``): a large tenant's erasure takes turns with the logs in the queue, and
#: on Lambda it stops well inside the invocation.
ERASE_SLICE_SECONDS = 10.0


class ErasureNotFound(Exception):
    """The erasure a message names is not in the store (yet, or any more)."""


async def request_erasure(
    store: Store, queue: Queue, audit: AuditLog, tenant_id: str, actor: str
) -> Erasure:
    """Put an erasure of everything the tenant sent until now in force, and have a worker
    carry it out; what ``DELETE /tenants/{t}/logs`` and ``tenantlog tenants erase`` do.

    The record is saved first: from then on no covered log is written or
    read, whatever happens next. Then its message is enqueued; if that fails
    (QueueUnavailable), the logs stay unreadable but in place until the
    erasure is asked for again. The audit trail gets the request last, and a
    failure to record it is raised (AuditUnavailable) for the caller to report.
    """
    erasure = Erasure.start(tenant_id, actor)
    await store.save_erasure(erasure)
    message = ErasureMessage(tenant_id, erasure.erasure_id).encode()
    await queue.send([Outgoing(ERASURE_GROUP, message)])
    await audit.record(
        AuditEvent(LOGS_ERASED, actor, tenant_id, {"erasure_id": erasure.erasure_id})
    )
    return erasure


async def carry_out(
    store: Store,
    erase_messages: Callable[[str, float], Awaitable[int]] | None,
    message: ErasureMessage,
    seconds: float,
    clock: Callable[[], float] = time.monotonic,
) -> Erasure:
    """Work on an erasure for about ``seconds``; the erasure as it then stands.

    First the tenant's queued and dead-lettered messages (``erase_messages``,
    the queue's ``erase_tenant``), then the stored records, ``ERASE_BATCH`` at
    a time, saving the progress after each batch. Every step can be repeated,
    so a crash or a redelivery only redoes a batch. Raises ErasureNotFound.
    """
    erasure = await store.get_erasure(message.tenant_id, message.erasure_id)
    if erasure is None:
        raise ErasureNotFound(f"erasure {message.erasure_id!r} not found")
    if erasure.status == "done":
        return erasure
    deadline = clock() + seconds
    if erase_messages is not None and erasure.messages_deleted == 0:
        erased = await erase_messages(erasure.tenant_id, epoch_seconds(erasure.before))
        erasure = erasure.progressed(messages=erased)
        await store.save_erasure(erasure)
    while True:
        deleted = await store.delete_erased(erasure.tenant_id, erasure.before, ERASE_BATCH)
        erasure = erasure.progressed(records=deleted)
        if deleted < ERASE_BATCH:
            erasure = erasure.finished()
        await store.save_erasure(erasure)
        if erasure.status == "done" or clock() >= deadline:
            return erasure
