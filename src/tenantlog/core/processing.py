"""What happens to one delivered message, and the one place that decides its fate.

The local worker and the Lambda SQS handler both call ``Processor.process``
and only apply the Outcome it returns: ack, retry after a delay, dead-letter
with a reason, or hand back a long job to go on with later.

Most messages carry a log; an erasure's message carries the erasure to carry
out (tenantlog.core.erasure), so that deleting a large tenant runs on the
same durable machinery as the logs, locally and on Lambda.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import orjson

from tenantlog.core.backoff import backoff_delay
from tenantlog.core.erasure import (
    ERASE_SLICE_SECONDS,
    ERASURE_KIND,
    ErasureMessage,
    ErasureNotFound,
    carry_out,
)
from tenantlog.core.models import (
    InternalMessage,
    LogRecord,
    MessageDecodeError,
    expires_after,
    utc_now,
)
from tenantlog.core.queue import Delivery
from tenantlog.core.store import RecordTooLarge, Store
from tenantlog.core.tenants import RedactionStyle, Rules, TenantPolicy

if TYPE_CHECKING:
    from tenantlog.redaction.redactor import Redactor


class SimulatedCrash(Exception):
    """simulated worker crash"""


@dataclass(frozen=True, slots=True)
class Ack:
    """Done: delete the message. ``stored`` is False when a copy was already stored;
    ``conflict`` names the (tenant_id, log_id) when that copy has another text (the first
    write stands; the shells count it and log the ids). ``tenant_id`` is the tenant the
    message names, for its usage counts: not part of the decision, so outcomes compare
    without it."""

    stored: bool
    redactions: dict[str, int] = field(default_factory=dict)
    conflict: tuple[str, str] | None = None
    tenant_id: str | None = field(default=None, compare=False)
    #: True when the message was an erasure's, now carried out (it stored no log).
    erasure: bool = False
    #: True when the message was already deleted, in the write that stored its log.
    acked: bool = field(default=False, compare=False)


@dataclass(frozen=True, slots=True)
class Retry:
    """Failed this time: make the message visible again after ``delay`` seconds."""

    delay: float
    reason: str


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """Give up: move the message to the dead-letter queue with ``reason``. ``tenant_id``
    as for Ack; None for a message that cannot be decoded (it names no tenant)."""

    reason: str
    tenant_id: str | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Continue:
    """Not finished, and not failed: hand the message back, visible at once and without
    counting the receive (``Queue.give_back``), for a later receive to go on with. Only
    an erasure's message, whose work is done a slice at a time, ends this way."""

    reason: str


Outcome = Ack | Retry | DeadLetter | Continue


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A message's record, ready to be written, and the redactions made in it."""

    record: LogRecord
    counts: Mapping[str, int]


@runtime_checkable
class PutsMany(Protocol):
    """A store that writes many records in one operation (the SQLite store does)."""

    async def put_many_if_absent(
        self, records: Sequence[LogRecord], receipts: Sequence[str] | None = None
    ) -> list[bool | Exception]:
        """``put_if_absent`` of each record, in one write: each one's result, or the
        exception its own write raised (the others' stand). With ``receipts``, one per
        record, each record's message is acked in that write where its record is written
        or found: only for a queue in the store's own database (``acks_in``)."""
        ...


@dataclass(frozen=True, slots=True)
class ProcessingPolicy:
    crash_probability: float = 0.05
    processing_delay_per_char: float = 0.05
    max_receive_count: int = 5
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    store_original_text: bool = True
    #: Seconds one invocation may spend on a message (the worker Lambda's timeout less its
    #: safety margin); None where a worker has no deadline.
    time_budget: float | None = None

    def work_seconds(self, text: str) -> float:
        """The simulated heavy work a text costs."""
        return self.processing_delay_per_char * len(text)

    def max_work_chars(self) -> int | None:
        """The longest text whose work fits the time budget, if there is one: ingest refuses
        longer ones (413) by the same rule that makes the worker dead-letter them."""
        if self.time_budget is None or self.processing_delay_per_char == 0:
            return None
        return int(self.time_budget / self.processing_delay_per_char)


class Processor:
    """Simulated crash → simulated heavy work → redact → conditional write (DESIGN §5)."""

    def __init__(
        self,
        store: Store,
        redactor: Redactor,
        policy: ProcessingPolicy,
        *,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        now: Callable[[], str] = utc_now,
        tenant_policy: Callable[[str], Awaitable[TenantPolicy]] | None = None,
        erase_messages: Callable[[str, float], Awaitable[int]] | None = None,
    ) -> None:
        """``tenant_policy`` gives each tenant's redaction, original-text and retention
        policy; without it every tenant gets ``redactor`` and
        ``policy.store_original_text``, and its logs are kept forever.
        ``erase_messages`` is the queue's ``erase_tenant``, which an erasure calls
        to delete the tenant's queued and dead-lettered messages."""
        self._store = store
        # Known once: a runtime protocol check walks the class's attributes each time.
        self._puts_many: PutsMany | None = store if isinstance(store, PutsMany) else None
        self._redactor = redactor
        self._policy = policy
        self._tenant_policy = tenant_policy
        self._erase_messages = erase_messages
        # By the whole redaction policy: one tenant's own rules reach another's logs
        # only if that tenant set the very same rules.
        self._redactors: dict[tuple[object, ...], Redactor] = {}
        self._rng = rng or random.Random()
        self._sleep = sleep
        self._now = now

    @property
    def policy(self) -> ProcessingPolicy:
        return self._policy

    @property
    def store(self) -> Store:
        return self._store

    async def process(self, delivery: Delivery, time_left: float | None = None) -> Outcome:
        """Process one delivery; never raises except on cancellation.

        ``time_left`` is the seconds the caller can still wait (a Lambda's
        remaining time): work that cannot finish in it fails at once rather
        than being cut off, and with it its whole batch, again and again.
        """
        try:
            message = _decode(delivery.body)
        except MessageDecodeError as exc:
            return DeadLetter(str(exc))
        try:
            if isinstance(message, ErasureMessage):
                outcome = await self._erase(message, time_left)
            else:
                outcome = await self._handle(message, delivery.receive_count, time_left)
        except RecordTooLarge as exc:
            outcome = DeadLetter(str(exc))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            outcome = self.failed(delivery.receive_count, _describe(exc))
        return _for_tenant(outcome, message.tenant_id)

    def failed(
        self, receive_count: int, reason: str, tenant_id: str | None = None
    ) -> Retry | DeadLetter:
        """Retry with jittered backoff, or dead-letter once the last receive has failed."""
        if receive_count >= self._policy.max_receive_count:
            return DeadLetter(reason, tenant_id)
        delay = backoff_delay(
            receive_count, self._policy.backoff_base, self._policy.backoff_max, self._rng
        )
        return Retry(delay, reason)

    async def _handle(
        self, message: InternalMessage, receive_count: int, time_left: float | None
    ) -> Outcome:
        prepared = await self._prepare(message, receive_count, time_left)
        if not isinstance(prepared, _Prepared):
            return prepared
        return await self._settle(prepared, await self._store.put_if_absent(prepared.record))

    async def _prepare(
        self, message: InternalMessage, receive_count: int, time_left: float | None
    ) -> _Prepared | Outcome:
        """Everything before the write: the simulated crash and work, the tenant's policy,
        redaction; the record to write, or the outcome that ends the message here."""
        work = self._before_work(message, receive_count, time_left)
        if isinstance(work, Retry | DeadLetter):
            return work
        if work > 0:
            await self._sleep(work)
        if self._tenant_policy is None:
            return self._prepared(
                message, receive_count, self._redactor, self._policy.store_original_text, 0
            )
        tenant = await self._tenant_policy(message.tenant_id)
        redactor = self._redactor_for(
            tenant.redaction_detectors,
            tenant.redaction_style,
            tenant.redaction_rules,
            tenant.redaction_deny,
        )
        return self._prepared(
            message, receive_count, redactor, tenant.store_original, tenant.retention_days
        )

    def _before_work(
        self, message: InternalMessage, receive_count: int, time_left: float | None
    ) -> float | Retry | DeadLetter:
        """The seconds of simulated work the message costs, or the outcome that ends it
        before any (work no receive can finish); raises SimulatedCrash."""
        work = self._policy.work_seconds(message.text)
        budget = self._policy.time_budget
        if budget is not None and work > budget:  # no receive can ever finish it
            return DeadLetter(
                f"processing needs {work:.1f}s, over the worker's budget of {budget:.1f}s"
            )
        if time_left is not None and work > time_left:
            return self.failed(
                receive_count,
                f"processing needs {work:.1f}s but only {time_left:.1f}s remain",
            )
        if self._rng.random() < self._policy.crash_probability:
            raise SimulatedCrash
        return work

    def _prepared(
        self,
        message: InternalMessage,
        receive_count: int,
        redactor: Redactor,
        keep_original: bool,
        retention_days: int,
    ) -> _Prepared:
        """The message's record, redacted by ``redactor``: no await in it, so that a batch
        without simulated work or tenant policies prepares each message in one go."""
        text = message.text
        redaction = redactor.redact_counted(text)
        counts: Mapping[str, int] = redaction.counts
        attributes: dict[str, str] = {}
        if message.attributes:  # attribute values are redacted, and counted, like the text
            added = Counter(counts)
            for key, value in message.attributes.items():
                redacted = redactor.redact_counted(value)
                attributes[key] = redacted.text
                added.update(redacted.counts)
            counts = added
        processed_at = self._now()
        received_at = message.received_at
        record = LogRecord(
            message.tenant_id,
            message.log_id,
            message.source,
            text if keep_original else None,
            redaction.text,
            received_at,
            processed_at,
            receive_count,
            dict(counts),
            # Kept forever (0 days): nothing to compute, and nothing to parse.
            _expires_at(received_at, processed_at, retention_days) if retention_days else None,
            message.timestamp,
            message.severity,
            message.severity_number,
            attributes,
            dict(message.attributes) if keep_original and message.attributes else None,
        )
        return _Prepared(record, counts)

    async def _settle(self, prepared: _Prepared, stored: bool, *, acked: bool = False) -> Ack:
        """The Ack of a record written (``stored``) or found there already, naming its
        tenant; ``acked`` when the write that stored it also deleted its message."""
        if stored:
            return _stored(prepared, acked)
        record = prepared.record
        tenant = record.tenant_id
        if await self._conflicts(record):
            return Ack(False, conflict=(tenant, record.log_id), tenant_id=tenant, acked=acked)
        return Ack(False, tenant_id=tenant, acked=acked)

    async def process_batch(
        self, deliveries: Sequence[Delivery], *, ack: bool = False
    ) -> list[Outcome]:
        """``process`` for each delivery, in order, with one write for the batch's records
        where the store can take many at once.

        Each message still has its own fate: a crash, a failed write or a
        record too large ends that message only. The messages are prepared one
        after another, without a task each, so this is for messages without
        simulated work: when there is work to wait for, the worker calls
        ``process`` for each message, and each settles as soon as its own work
        ends.

        ``ack`` (for a queue that shares the store's database) deletes each
        written record's message in the same write: its outcome is then an Ack
        with ``acked`` set, and there is nothing left to write for it.
        """
        if self._puts_many is None:
            return list(await asyncio.gather(*(self.process(d) for d in deliveries)))
        # Every message of a batch goes through here: no coroutine, task or lookup table
        # per message where a list and an index do, since the loop's time per message is
        # what the worker's throughput is made of.
        outcomes: list[Outcome | None] = [None] * len(deliveries)
        ready: list[tuple[int, _Prepared]] = []  # (position, record to write)
        at_once = self._tenant_policy is None  # else each message awaits its tenant's policy
        redactor, keep_original = self._redactor, self._policy.store_original_text
        messages: list[tuple[int, InternalMessage]] = []
        for n, delivery in enumerate(deliveries):
            try:
                message = _decode(delivery.body)
            except MessageDecodeError:
                continue  # process() dead-letters it, with its reason
            if isinstance(message, InternalMessage):  # not an erasure: process() does those
                messages.append((n, message))
        # The redaction's screen searches the whole batch at once (Redactor.prime).
        redactor.prime(
            text for _, message in messages for text in (message.text, *message.attributes.values())
        )
        for n, message in messages:
            receive_count = deliveries[n].receive_count
            prepared: _Prepared | Outcome
            try:
                if at_once:  # _prepare without a coroutine per message
                    work = self._before_work(message, receive_count, None)
                    if isinstance(work, Retry | DeadLetter):
                        prepared = work
                    else:
                        if work > 0:
                            await self._sleep(work)
                        prepared = self._prepared(
                            message, receive_count, redactor, keep_original, 0
                        )
                else:
                    prepared = await self._prepare(message, receive_count, None)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                prepared = self.failed(receive_count, _describe(exc), message.tenant_id)
            if isinstance(prepared, _Prepared):
                ready.append((n, prepared))
            else:
                outcomes[n] = _for_tenant(prepared, message.tenant_id)
        redactor.prime(())  # the batch's texts are not kept for the next one
        written: Sequence[bool | Exception]
        try:
            receipts = [deliveries[n].receipt for n, _ in ready] if ack else None
            written = await self._puts_many.put_many_if_absent(
                [p.record for _, p in ready], receipts
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the whole write failed: so did each record's
            written = [exc] * len(ready)
        for (n, prepared), result in zip(ready, written, strict=True):
            if result is True:  # stored: the usual case, settled here without an await
                outcomes[n] = _stored(prepared, ack)
            else:
                outcomes[n] = await self._written(deliveries[n], prepared, result, ack)
        return [
            await self.process(delivery) if outcome is None else outcome
            for delivery, outcome in zip(deliveries, outcomes, strict=True)
        ]

    async def _written(
        self,
        delivery: Delivery,
        prepared: _Prepared,
        written: bool | Exception,
        acked: bool,
    ) -> Outcome:
        """The outcome of one record of a batch's write, as ``process`` would give it;
        ``acked`` when the write deleted the message of each record it stored or found."""
        tenant = prepared.record.tenant_id
        try:
            if isinstance(written, Exception):
                raise written
            return await self._settle(prepared, written, acked=acked)
        except RecordTooLarge as exc:
            return DeadLetter(str(exc), tenant)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            return self.failed(delivery.receive_count, _describe(exc), tenant)

    async def _erase(self, message: ErasureMessage, time_left: float | None) -> Outcome:
        """A slice of an erasure's work; Continue until it is done.

        An erasure the store does not have is dead-lettered at once: its record
        is saved before its message is sent, so no later receive would find it.
        """
        seconds = ERASE_SLICE_SECONDS if time_left is None else min(ERASE_SLICE_SECONDS, time_left)
        try:
            erasure = await carry_out(self._store, self._erase_messages, message, seconds)
        except ErasureNotFound as exc:
            return DeadLetter(str(exc))
        if erasure.status == "done":
            return Ack(False, erasure=True)
        return Continue(f"erasure goes on: {erasure.records_deleted} records deleted so far")

    def _redactor_for(
        self,
        detectors: tuple[str, ...],
        style: RedactionStyle,
        rules: Rules = (),
        deny: tuple[str, ...] = (),
    ) -> Redactor:
        """One Redactor per distinct tenant policy: building one compiles its detectors
        and the tenant's own rules, so a version of a tenant's rules is compiled once per
        process, not per log. A tenant without rules gets the built-in Redactor alone:
        its logs cost nothing more."""
        # Most tenants have no rules: a key of two, as before there were any.
        key = (detectors, style, rules, deny) if rules or deny else (detectors, style)
        redactor = self._redactors.get(key)
        if redactor is None:
            # Imported on first use, like every redaction module: the ingest side imports
            # this module for its outcome types and never redacts.
            from tenantlog.redaction.custom_rules import CACHED_RULE_SETS, tenant_redactor

            if len(self._redactors) >= CACHED_RULE_SETS:  # changed rules leave old versions
                del self._redactors[next(iter(self._redactors))]
            redactor = self._redactors[key] = tenant_redactor(detectors, style, rules, deny)
        return redactor

    async def _conflicts(self, record: LogRecord) -> bool:
        """Whether the record already stored under this id has another text.

        A redelivered message finds its own copy; a different text means two
        requests chose one log_id (a client's, or a reused one). Only
        duplicates pay for this read, and they are rare.
        """
        stored = await self._store.get(record.tenant_id, record.log_id)
        if stored is None:
            return False
        if stored.original_text is not None and record.original_text is not None:
            return stored.original_text != record.original_text
        return stored.modified_data != record.modified_data


def _decode(body: bytes) -> InternalMessage | ErasureMessage:
    """A queue body as the message it is; any defect raises MessageDecodeError."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MessageDecodeError(f"message body is not JSON: {exc.msg}") from None
    if isinstance(data, dict) and data.get("kind") == ERASURE_KIND:
        return ErasureMessage.from_dict(data)
    return InternalMessage.from_data(data)


def _expires_at(received_at: str, processed_at: str, retention_days: int) -> str | None:
    """When the record expires: ``retention_days`` after the log was received.

    Counted from ``received_at`` rather than from processing, because that
    is what a tenant is told ("kept N days after it was received") and
    because it does not move when a message waits in the queue or is
    redelivered: every copy of a log expires at the same moment. A log that
    waited longer than its retention is stored already expired, so no read
    returns it and the purge (or DynamoDB's TTL) deletes it; its message is
    acked like any other. A ``received_at`` that is not RFC 3339 (our ingest
    never writes one) counts from the processing time instead, so that the
    log still expires.
    """
    try:
        return expires_after(received_at, retention_days)
    except ValueError:
        return expires_after(processed_at, retention_days)


def _describe(exc: BaseException) -> str:
    """A failure reason for the DLQ: the exception's type and message, never the log text."""
    detail = str(exc) or (exc.__doc__ or "").strip()
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _stored(prepared: _Prepared, acked: bool) -> Ack:
    """The Ack of a record the write stored, naming its tenant and what was redacted."""
    return Ack(True, dict(prepared.counts), tenant_id=prepared.record.tenant_id, acked=acked)


def _for_tenant(outcome: Outcome, tenant_id: str) -> Outcome:
    """``outcome`` naming the message's tenant, where it carries one (usage counts it)."""
    if isinstance(outcome, Ack | DeadLetter):
        return replace(outcome, tenant_id=tenant_id)
    return outcome
