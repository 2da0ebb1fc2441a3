"""The worker Lambda: SQS event source mapping batches, with partial batch responses.

Every record of a batch is processed concurrently by ``Processor.process``,
the same function the local worker calls; this handler only applies the
Outcome it returns:

- Ack: reported as a success. The event source mapping deletes the records
  not listed in ``batchItemFailures``; deleting them here as well would cost
  one more call per message for nothing.
- Retry(delay): ChangeMessageVisibility(delay), so the message comes back after
  the jittered backoff instead of the whole visibility timeout, and reported in
  ``batchItemFailures``.
- DeadLetter(reason): the message is copied to the DLQ with its reason and
  deleted, then reported as a success so that the mapping does not retry it.

At most ``TENANTLOG_WORKER_RECORD_CONCURRENCY`` records are processed at once
(10 by default, so a batch of up to 10 runs as before): a batch may hold up to
10,000 records when the event source mapping has a batching window, and all of
them at once would open as many DynamoDB writes and hold as many texts.

The time budget is the Lambda's remaining time less a safety margin kept for
applying the outcomes; each record gets what is left of it when its turn
comes, and work that cannot finish in that fails at once (a Retry) instead of
being cut off with the whole batch. A record whose turn comes after the budget
is spent is not started: it is reported failed, untouched, and comes back after
the visibility timeout.
Visibility is never extended here: SQS requires the queue's visibility timeout
to be at least the function's timeout, so a running invocation always outlives
its messages' invisibility.

Written directly rather than with Powertools' BatchProcessor: its record
handlers succeed or raise, while an outcome here has three forms (a dead
letter is a success that still needs work), and its async variant runs its
own event loop, where the backends live on the container's one loop.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from tenantlog.aws.sqs_messages import string_attributes
from tenantlog.backends import Backends, open_backends
from tenantlog.core.models import InternalMessage, MessageDecodeError
from tenantlog.core.processing import (
    Ack,
    Continue,
    DeadLetter,
    Outcome,
    Processor,
    Retry,
)
from tenantlog.core.queue import Delivery, QueueUnavailable
from tenantlog.core.tenant_policies import TenantPolicies
from tenantlog.lambdas import runtime
from tenantlog.queue.sqs import SqsQueue
from tenantlog.settings import Settings, load_settings

#: Seconds of the invocation kept back for applying outcomes and answering.
SAFETY_MARGIN = 3.0

logger = Logger(service="tenantlog")
metrics = Metrics(namespace="tenantlog", service="tenantlog")


class LambdaContext(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


class WorkerFunction:
    """The queue and processor of one container, and how one batch is handled."""

    def __init__(
        self,
        backends: Backends,
        queue: SqsQueue,
        processor: Processor,
        record_concurrency: int = 10,
    ) -> None:
        self.backends = backends
        self._queue = queue
        self._processor = processor
        self._record_concurrency = record_concurrency

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkerFunction:
        backends = runtime.run(open_backends(settings))
        if not isinstance(backends.queue, SqsQueue):
            raise TypeError("the worker Lambda consumes SQS: set TENANTLOG_BACKEND=aws")
        processor = Processor(
            backends.store,
            settings.redactor(),
            settings.processing_policy(),
            tenant_policy=TenantPolicies(backends.tenants, settings.tenant_defaults()).policy,
            erase_messages=backends.queue.erase_tenant,
        )
        backends.usage.flush_when_asked()  # at the end of an invocation, never frozen halfway
        return cls(backends, backends.queue, processor, settings.worker_record_concurrency)

    def __call__(self, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        records: list[dict[str, Any]] = event.get("Records", [])
        budget = context.get_remaining_time_in_millis() / 1000 - SAFETY_MARGIN
        done = runtime.run(self._handle_all(records, budget))
        # The stored and dead-lettered counts, before the container may be frozen for good.
        runtime.run(self.backends.usage.flush_if_due())
        metrics.add_metric(name="MessagesReceived", unit=MetricUnit.Count, value=len(records))
        failures = [
            {"itemIdentifier": record["messageId"]}
            for record, ok in zip(records, done, strict=True)
            if not ok
        ]
        return {"batchItemFailures": failures}

    def close(self) -> None:
        """Lambda never calls it (a container is frozen, then dropped); tests and tools do."""
        runtime.run(self.backends.close())

    async def _handle_all(self, records: list[dict[str, Any]], budget: float) -> list[bool]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + budget
        slots = asyncio.Semaphore(self._record_concurrency)

        async def in_turn(record: dict[str, Any]) -> bool:
            async with slots:
                time_left = deadline - loop.time()
                if time_left <= 0:
                    return self._not_started(record)
                return await self._handle(record, time_left)

        return await asyncio.gather(*(in_turn(record) for record in records))

    def _not_started(self, record: dict[str, Any]) -> bool:
        """A record the invocation had no time left for: reported failed, nothing else.

        No call to SQS: in a batch of thousands the records left over may be many, and
        the safety margin is for applying the outcomes of the others. The message comes
        back after the visibility timeout, as any failed record does.
        """
        metrics.add_metric(name="MessagesNotStarted", unit=MetricUnit.Count, value=1)
        logger.warning("no time left for message", extra={"message_id": record["messageId"]})
        return False

    def _hold(self, record: dict[str, Any]) -> Delivery:
        return self._queue.hold(
            record["messageId"],
            record["body"],
            record["receiptHandle"],
            int(record.get("attributes", {}).get("ApproximateReceiveCount", "1")),
            string_attributes(record.get("messageAttributes", {})),
            record.get("attributes", {}),
        )

    async def _handle(self, record: dict[str, Any], budget: float) -> bool:
        """Process and apply one record's outcome; True when the mapping may delete it."""
        delivery = self._hold(record)
        try:
            outcome = await asyncio.wait_for(
                self._processor.process(delivery, time_left=budget),
                timeout=max(budget + SAFETY_MARGIN / 2, 0.1),
            )
        except TimeoutError:
            outcome = self._processor.failed(
                delivery.receive_count,
                "processing outlived the Lambda's remaining time",
                _tenant_of(delivery),
            )
        try:
            return await self._apply(delivery, outcome)
        finally:
            self._queue.forget(delivery.receipt)

    async def _apply(self, delivery: Delivery, outcome: Outcome) -> bool:
        # Ids and counts only: never the text, original or redacted.
        log = {"message_id": delivery.message_id, "receive_count": delivery.receive_count}
        receipt = delivery.receipt
        if isinstance(outcome, Ack):
            self.backends.usage.outcome(outcome)
            metrics.add_metric(name=_ack_metric(outcome), unit=MetricUnit.Count, value=1)
            for kind, count in outcome.redactions.items():
                metrics.add_metric(name=f"Redactions{kind}", unit=MetricUnit.Count, value=count)
            logger.info("message processed", extra={**log, "stored": outcome.stored})
            if outcome.conflict is not None:
                metrics.add_metric(name="LogsConflicting", unit=MetricUnit.Count, value=1)
                tenant_id, log_id = outcome.conflict
                logger.warning(
                    "conflict: stored with another text; kept the first",
                    extra={**log, "tenant_id": tenant_id, "log_id": log_id},
                )
            return True
        try:
            if isinstance(outcome, Retry):
                metrics.add_metric(name="MessagesFailed", unit=MetricUnit.Count, value=1)
                logger.warning(
                    "message failed; retrying",
                    extra={**log, "reason": outcome.reason, "delay": outcome.delay},
                )
                await self._queue.release(receipt, outcome.delay, outcome.reason)
                return False
            if isinstance(outcome, Continue):
                # SqsQueue.give_back sends an uncounted copy and deletes this one: the
                # mapping has nothing left to delete or retry.
                logger.info("message handed back", extra={**log, "reason": outcome.reason})
                await self._queue.give_back(receipt)
                return True
            assert isinstance(outcome, DeadLetter)
            metrics.add_metric(name="MessagesDeadLettered", unit=MetricUnit.Count, value=1)
            logger.error("message dead-lettered", extra={**log, "reason": outcome.reason})
            await self._queue.dead_letter(receipt, outcome.reason)
            self.backends.usage.outcome(outcome)
            return True
        except QueueUnavailable as exc:
            # Reported as failed: it comes back after the visibility timeout.
            logger.error("could not apply outcome", extra={**log, "error": str(exc)})
            return False


def _ack_metric(ack: Ack) -> str:
    if ack.erasure:
        return "ErasuresDone"
    return "LogsStored" if ack.stored else "LogsDuplicate"


def _tenant_of(delivery: Delivery) -> str | None:
    """The tenant a message names, for the usage count of one dead-lettered by a timeout
    (the processor, which decodes it, did not get to say); None if it names none."""
    try:
        return InternalMessage.decode(delivery.body).tenant_id
    except MessageDecodeError:
        return None


_current: WorkerFunction | None = None


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _current
    if _current is None:
        _current = WorkerFunction.from_settings(load_settings())
    return _current(event, context)
