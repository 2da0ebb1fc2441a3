"""The Queue interface: SQS's model, which every backend follows (DESIGN §4).

At-least-once delivery: a received message is hidden for the visibility
timeout and comes back unless it is acked. Each receive counts, except one a
stopping worker gives back; a message received more than ``max_receive_count``
times goes to the dead-letter queue with the reason of its last failure, so
nothing is ever dropped silently.

Fairness: every message belongs to a group, its tenant, and a backlog of one
group must not starve the others. The embedded queues serve the groups in
turn; SQS is given the group as each message's MessageGroupId, which makes a
standard queue a fair queue (it favours the groups without a backlog).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

#: Reason recorded when a message exhausts its receives without any worker
#: reporting a result: the process died or the work outlived its visibility.
NO_RESULT_REASON = "received {count} times without a result (worker died or timed out)"


class QueueUnavailable(Exception):
    """The queue cannot be reached or written."""


class VisibilityLimitReached(Exception):
    """The queue cannot hide the message that long: it will be delivered again.

    SQS refuses to keep a message hidden past 12 hours from the receive that
    got it. The embedded queues have no such limit.
    """


class Outgoing(NamedTuple):
    """One message to send: its group (the tenant id) and its body.

    The queue serves groups in turn: a group with a backlog takes its share
    of each receive, not all of it, so it does not hold back the messages of
    the others. Within a group the oldest visible message comes first (on
    SQS, roughly). A plain tuple, because ingest builds one per log.
    """

    group: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Delivery:
    """One received message. ``receipt`` names this receive, not the message."""

    message_id: str
    body: bytes
    receipt: str
    receive_count: int
    #: The group it was sent with ("" when the queue does not know it).
    group: str = ""


@dataclass(frozen=True, slots=True)
class DeadLetterEntry:
    message_id: str
    body: bytes
    reason: str
    receive_count: int
    dead_at: str
    #: The group it was sent with, which a redrive sends it again with.
    group: str = ""


@dataclass(frozen=True, slots=True)
class QueueStats:
    """Approximate counts, as SQS gives them: visible, hidden (in flight or backing off), DLQ."""

    visible: int
    in_flight: int
    dead_letters: int

    @property
    def depth(self) -> int:
        """Messages accepted and not yet acked; what backpressure limits."""
        return self.visible + self.in_flight


class Queue(Protocol):
    async def send(self, messages: Sequence[Outgoing]) -> None:
        """Durably enqueue; returns only once every message is committed.

        Raises QueueUnavailable when the queue cannot take them.
        """

    async def receive(self, max_messages: int, wait_seconds: float) -> list[Delivery]:
        """Up to ``max_messages`` visible messages, waiting up to ``wait_seconds`` for one."""

    async def ack(self, receipt: str) -> None:
        """Delete a processed message. A stale receipt (re-delivered since) is ignored."""

    async def release(self, receipt: str, delay: float, reason: str) -> None:
        """Make a failed message visible again after ``delay`` seconds, recording why."""

    async def extend(self, receipt: str, seconds: float) -> None:
        """Keep a message hidden for ``seconds`` more from now (heartbeat of a long job).

        Raises VisibilityLimitReached when the queue will not hide it that long:
        it stays hidden as long as the queue allows, then comes back. A caller
        must not go on believing it holds the message alone.
        """

    async def give_back(self, receipt: str) -> None:
        """Hand back, visible at once, a message this consumer will not process (it is stopping).

        This receive does not count towards ``max_receive_count`` and records no
        failure: stopping a worker says nothing about the message, so a shutdown
        never moves a healthy message closer to the dead-letter queue, let alone
        into it on its last receive. The price: a job that never ends is not
        dead-lettered by the shutdowns that interrupt it; bounding a job's time
        is the processor's business (a timeout is a failure, and failures count).
        A worker that dies without giving back still uses up the receive.
        """

    async def dead_letter(self, receipt: str, reason: str) -> None:
        """Move a message to the dead-letter queue now, with its reason."""

    async def stats(self) -> QueueStats: ...

    async def list_dead_letters(self, limit: int) -> list[DeadLetterEntry]: ...

    async def redrive(self) -> int:
        """Move every dead letter back to the main queue with a fresh receive count.

        Each keeps its group.
        """

    async def purge_dead_letters(self) -> int: ...

    async def erase_tenant(self, tenant_id: str, sent_before: float) -> int:
        """Delete the tenant's messages sent at or before ``sent_before`` (Unix seconds)
        that are still queued, in flight or dead-lettered; how many.

        The tenant is the message's group. A message deleted while in flight
        is simply gone: its holder's ack, release or give-back then finds
        nothing, as with a stale receipt. A queue that cannot delete from its
        main queue selectively (SQS) deletes only what it can and counts
        only that; the erasure does not depend on it, since the store refuses
        every log the erasure covers when a worker brings it.
        """

    async def close(self) -> None: ...
