"""The embedded queue: SQS's semantics on a table of the shared SQLite database.

Receives claim rows inside a write transaction, so several worker processes
on one data directory never receive the same message at once.

Fairness: each message has a tenant (its group), and a receive serves the
tenants in turn, as if handing out one message at a time round the tenants
that have visible messages: N messages asked for and k such tenants, each
gets N / k of its oldest visible ones, and a tenant with fewer leaves the
rest of its share to the others. The turn goes on where the previous
receive of this queue object stopped, so over many receives each tenant
with a backlog gets the same share, and a tenant with a few messages behind
another's backlog of 50,000 gets half of the next receive instead of
waiting for the backlog. Tenants are found by skipping through the index on
(tenant, visible_at, id), one seek per tenant.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import sqlite3
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from tenantlog.core.queue import (
    NO_RESULT_REASON,
    DeadLetterEntry,
    Delivery,
    Outgoing,
    QueueStats,
    QueueUnavailable,
)
from tenantlog.db.sqlite import COMMIT_ROWS, SqliteDatabase, raising

T = TypeVar("T")

#: How often a waiting receive looks for messages sent by other processes;
#: messages sent by this process wake it at once.
POLL_INTERVAL = 0.05
#: Messages one INSERT statement carries. A statement per message costs a
#: large batch half as much again in sqlite3 calls, all while it holds the
#: write lock; 250 (two parameters each) stays under the 999 parameters older
#: SQLite builds allow.
ROWS_A_STATEMENT = 250

#: Tenants one claim statement serves: its text is made for these numbers only
#: (slots left over name no tenant), so that few statements are compiled and cached.
CLAIM_SIZES = (1, 2, 4, 8, 16, 32, 64, 128)
_BURY = """
INSERT INTO dead_letters (message_id, body, sent_at, receive_count, reason, dead_at, tenant)
SELECT id, body, sent_at, receive_count, :reason, :now, tenant FROM queue_messages
 WHERE id = :id AND receive_count = :count
"""
#: Up to :limit tenants that have a visible message, in order from :after (the first
#: one ``>`` it, or ``>=`` in _RING_FROM) up to :upto (NULL: to the last): a skip
#: through the (tenant, visible_at, id) index, one seek per tenant, in one statement.
_RING = """
WITH RECURSIVE ring(tenant) AS (
    SELECT (SELECT tenant FROM queue_messages WHERE tenant {first} :after
             ORDER BY tenant LIMIT 1)
    UNION ALL
    SELECT (SELECT tenant FROM queue_messages WHERE tenant > ring.tenant
             ORDER BY tenant LIMIT 1)
      FROM ring WHERE ring.tenant IS NOT NULL AND (:upto IS NULL OR ring.tenant < :upto)
)
SELECT tenant FROM ring
 WHERE tenant IS NOT NULL AND (:upto IS NULL OR tenant <= :upto)
   AND EXISTS (SELECT 1 FROM queue_messages AS m
                WHERE m.tenant = ring.tenant AND m.visible_at <= :now)
 LIMIT :limit
"""
_RING_AFTER = _RING.format(first=">")
_RING_FROM = _RING.format(first=">=")


@functools.cache
def _claim(tenants: int) -> str:
    """One UPDATE claiming, for each of ``tenants`` tenants, up to its number of its oldest
    visible messages: ?1 is the time, ?2 the time they are hidden until, then each
    tenant and its number. One statement for them all: a statement per tenant costs
    several times as much in sqlite3 calls, all under the write lock."""
    each = " UNION ALL ".join(
        f"SELECT id FROM (SELECT id FROM queue_messages WHERE tenant = ?{n} AND visible_at <= ?1"
        f" ORDER BY visible_at, id LIMIT ?{n + 1})"
        for n in range(3, 2 * tenants + 3, 2)
    )
    return (
        "UPDATE queue_messages SET visible_at = ?2, receive_count = receive_count + 1"
        f" WHERE id IN ({each}) RETURNING tenant, id, body, receive_count, last_error"
    )


@functools.cache
def _insert(messages: int) -> str:
    """One INSERT of ``messages`` messages: ?1 is the time, then each one's tenant and body."""
    values = ",".join(f"(?{n},?{n + 1},?1,?1)" for n in range(2, 2 * messages + 2, 2))
    return f"INSERT INTO queue_messages (tenant, body, sent_at, visible_at) VALUES {values}"


#: Deletes a delivered message, unless it was received again since (a stale receipt):
#: bound with ``parse_receipt``'s parameters. The SQLite store runs it too, in the
#: transaction that stores the message's log.
ACK = "DELETE FROM queue_messages WHERE id = :id AND receive_count = :count"


def parse_receipt(receipt: str) -> dict[str, int]:
    message_id, _, count = receipt.partition(".")
    return {"id": int(message_id), "count": int(count)}


class SqliteQueue:
    def __init__(
        self,
        database: SqliteDatabase,
        *,
        visibility_timeout: float = 300,
        max_receive_count: int = 5,
    ) -> None:
        self._db = database
        self._visibility = visibility_timeout
        self._max_receives = max_receive_count
        self._arrived = asyncio.Event()
        #: The tenant the previous receive served last: the next one starts after it.
        self._turn: str | None = None

    async def _write(
        self,
        operation: Callable[[sqlite3.Connection], T],
        *,
        several_statements: bool = False,
        rows: int = 1,
    ) -> T:
        write = self._db.write(operation, several_statements=several_statements, rows=rows)
        return await raising(write, QueueUnavailable)

    async def send(self, messages: Sequence[Outgoing]) -> None:
        now = time.time()
        step = ROWS_A_STATEMENT
        chunks = [messages[start : start + step] for start in range(0, len(messages), step)]

        def insert(conn: sqlite3.Connection) -> None:
            for chunk in chunks:
                # Each Outgoing is a (tenant, body) tuple: flat, they are the parameters.
                conn.execute(_insert(len(chunk)), (now, *itertools.chain.from_iterable(chunk)))

        await self._write(insert, several_statements=len(chunks) > 1, rows=len(messages))
        self._arrived.set()

    async def receive(self, max_messages: int, wait_seconds: float) -> list[Delivery]:
        deadline = time.monotonic() + wait_seconds
        while True:
            self._arrived.clear()
            deliveries = await self._claim(max_messages)
            remaining = deadline - time.monotonic()
            if deliveries or remaining <= 0:
                return deliveries
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout=min(remaining, POLL_INTERVAL))
            except TimeoutError:
                pass

    async def _claim(self, max_messages: int) -> list[Delivery]:
        max_receives = self._max_receives
        visibility = self._visibility
        turn = self._turn

        def claim(conn: sqlite3.Connection) -> tuple[list[Delivery], str | None]:
            now = time.time()
            claimed, last = _claim_in_turn(conn, turn, max_messages, now, now + visibility)
            deliveries = []
            # Interleaved, a message of each tenant in turn, each tenant's in order.
            for tenant, message_id, body, count, last_error in _interleave(claimed):
                if count > max_receives:
                    reason = last_error or NO_RESULT_REASON.format(count=max_receives)
                    _bury(conn, message_id, count, reason, now)
                else:
                    receipt = f"{message_id}.{count}"
                    deliveries.append(
                        Delivery(str(message_id), bytes(body), receipt, count, tenant)
                    )
            return deliveries, last

        # A claimed row costs the writer about half an inserted one (bench/worker.py's
        # profile): a receive of 200, the worker's most, weighs as a light operation.
        rows = (max_messages + 1) // 2
        deliveries, last = await self._write(claim, several_statements=True, rows=rows)
        if last is not None:
            self._turn = last
        return deliveries

    async def ack(self, receipt: str) -> None:
        params = parse_receipt(receipt)
        await self._write(lambda conn: conn.execute(ACK, params))

    def acks_in(self, store: object) -> bool:
        """Whether ``store`` writes into this queue's database file, so a worker can ack
        each message in the very transaction that stores its log (``ACK`` there)."""
        return getattr(store, "database", None) is self._db

    async def release(self, receipt: str, delay: float, reason: str) -> None:
        params = {**parse_receipt(receipt), "delay": delay, "reason": reason}
        await self._write(
            lambda conn: conn.execute(
                "UPDATE queue_messages SET visible_at = :now + :delay, last_error = :reason"
                " WHERE id = :id AND receive_count = :count",
                {**params, "now": time.time()},
            )
        )

    async def extend(self, receipt: str, seconds: float) -> None:
        params = {**parse_receipt(receipt), "seconds": seconds}
        await self._write(
            lambda conn: conn.execute(
                "UPDATE queue_messages SET visible_at = :now + :seconds"
                " WHERE id = :id AND receive_count = :count",
                {**params, "now": time.time()},
            )
        )

    async def give_back(self, receipt: str) -> None:
        """Visible now, with the receive taken back: the count is what it was before it.

        Receipts are ``id.count``, so until the next receive the receipt of the
        receive before is current again: if its holder still works on the
        message after its visibility ran out, its ack deletes a message it has
        itself processed, which is what an ack is for. The next receive reuses
        the given-back receipt, which its giver, stopping, uses no more.
        """
        params = parse_receipt(receipt)
        await self._write(
            lambda conn: conn.execute(
                "UPDATE queue_messages SET visible_at = :now, receive_count = receive_count - 1"
                " WHERE id = :id AND receive_count = :count",
                {**params, "now": time.time()},
            )
        )

    async def dead_letter(self, receipt: str, reason: str) -> None:
        params = parse_receipt(receipt)
        await self._write(
            lambda conn: _bury(conn, params["id"], params["count"], reason, time.time()),
            several_statements=True,
        )

    async def stats(self) -> QueueStats:
        def count(conn: sqlite3.Connection) -> QueueStats:
            visible, total = conn.execute(
                "SELECT count(*) FILTER (WHERE visible_at <= ?), count(*) FROM queue_messages",
                (time.time(),),
            ).fetchone()
            (dead,) = conn.execute("SELECT count(*) FROM dead_letters").fetchone()
            return QueueStats(visible, total - visible, dead)

        return await raising(self._db.read(count), QueueUnavailable)

    async def list_dead_letters(self, limit: int) -> list[DeadLetterEntry]:
        def select(conn: sqlite3.Connection) -> list[DeadLetterEntry]:
            rows = conn.execute(
                "SELECT message_id, body, reason, receive_count, dead_at, tenant"
                " FROM dead_letters ORDER BY id LIMIT ?",
                (limit,),
            ).fetchall()
            return [
                DeadLetterEntry(
                    str(message_id),
                    bytes(body),
                    reason,
                    count,
                    datetime.fromtimestamp(dead_at, UTC).isoformat().replace("+00:00", "Z"),
                    tenant,
                )
                for message_id, body, reason, count, dead_at, tenant in rows
            ]

        return await self._db.read(select)

    async def redrive(self) -> int:
        def move(conn: sqlite3.Connection) -> int:
            now = time.time()
            moved = conn.execute(
                "INSERT INTO queue_messages (body, sent_at, visible_at, tenant)"
                " SELECT body, sent_at, ?, tenant FROM dead_letters ORDER BY id",
                (now,),
            ).rowcount
            conn.execute("DELETE FROM dead_letters")
            return moved

        # However many dead letters there are, weighed as a full commit: it goes alone.
        moved = await self._write(move, several_statements=True, rows=COMMIT_ROWS)
        self._arrived.set()
        return moved

    async def purge_dead_letters(self) -> int:
        return await self._write(
            lambda conn: conn.execute("DELETE FROM dead_letters").rowcount, rows=COMMIT_ROWS
        )

    async def erase_tenant(self, tenant_id: str, sent_before: float) -> int:
        """Delete the tenant's messages sent at or before ``sent_before``: queued, in flight
        (their holder's ack or release then finds nothing) or dead-lettered.

        A redriven message keeps the time it was first sent.
        """
        params = {"tenant": tenant_id, "before": sent_before}

        def delete(conn: sqlite3.Connection) -> int:
            where = "WHERE tenant = :tenant AND sent_at <= :before"
            queued = conn.execute(f"DELETE FROM queue_messages {where}", params).rowcount
            dead = conn.execute(f"DELETE FROM dead_letters {where}", params).rowcount
            return queued + dead

        # However many there are, weighed as a full commit, as redrive is: it goes alone.
        return await self._write(delete, several_statements=True, rows=COMMIT_ROWS)

    async def close(self) -> None:
        return None


#: A claimed row: tenant, id, body, receive count, last error.
_Claimed = tuple[str, int, bytes, int, str | None]


def _claim_in_turn(
    conn: sqlite3.Connection,
    turn: str | None,
    limit: int,
    now: float,
    hidden_until: float,
) -> tuple[list[list[_Claimed]], str | None]:
    """Claim up to ``limit`` messages round the tenants, starting after ``turn``.

    Returns each served tenant's claimed rows, in the order served, and the
    tenant the turn ended with. As if one message were handed out at a time:
    with k tenants the first ``limit % k`` get one more than the others, and
    the turn ends with the last of those. A tenant that has fewer visible
    messages than its share leaves the rest to the next pass over the tenants
    that had enough, and to tenants further round.
    """
    ring = _Ring(conn, turn, now)
    claimed: dict[str, list[_Claimed]] = {}
    remaining = limit
    tenants = ring.take(remaining)
    last = None
    while tenants and remaining > 0:
        share, extra = divmod(remaining, len(tenants))
        last = tenants[extra - 1] if extra else tenants[-1]
        wanted = {tenant: share + (n < extra) for n, tenant in enumerate(tenants)}
        got = _claim_each(conn, [(t, w) for t, w in wanted.items() if w], now, hidden_until)
        for tenant in tenants:  # in turn, whatever order the statement returned them in
            rows = got.get(tenant, [])
            claimed.setdefault(tenant, []).extend(rows)
            remaining -= len(rows)
        if remaining <= 0:
            break
        # The tenants that filled their share may have more; then those further round.
        more = [t for t in tenants if wanted[t] and len(got.get(t, ())) == wanted[t]]
        tenants = more + ring.take(remaining - len(more))
    return [sorted(rows, key=lambda row: row[1]) for rows in claimed.values() if rows], last


def _claim_each(
    conn: sqlite3.Connection, wanted: list[tuple[str, int]], now: float, hidden_until: float
) -> dict[str, list[_Claimed]]:
    """Claim up to its number of each tenant's oldest visible messages; the rows by tenant."""
    got: dict[str, list[_Claimed]] = {}
    most = CLAIM_SIZES[-1]
    for start in range(0, len(wanted), most):
        chunk = wanted[start : start + most]
        size = next(size for size in CLAIM_SIZES if size >= len(chunk))
        params: list[Any] = [now, hidden_until]
        for tenant, count in chunk:
            params += (tenant, count)
        params += (None, 0) * (size - len(chunk))
        for row in conn.execute(_claim(size), params):
            got.setdefault(row[0], []).append(row)
    return got


def _interleave(claimed: list[list[_Claimed]]) -> list[_Claimed]:
    """One row of each tenant in turn: tenants with fewer rows drop out."""
    if len(claimed) == 1:
        return claimed[0]
    rounds = itertools.zip_longest(*claimed)
    return [row for round_ in rounds for row in round_ if row is not None]


class _Ring:
    """The tenants that have visible messages, in order after ``turn``, wrapping round once.

    ``take`` gives the next ones each time it is called, each tenant once.
    """

    def __init__(self, conn: sqlite3.Connection, turn: str | None, now: float) -> None:
        self._conn = conn
        self._now = now
        self._turn = turn
        # First the tenants after ``turn``, then, wrapped, from the first up to ``turn``.
        self._wrapped = turn is None
        self._after: str | None = turn
        self._done = False

    def take(self, count: int) -> list[str]:
        found: list[str] = []
        while len(found) < count and not self._done:
            wanted = count - len(found)
            if self._after is None:  # from the very first tenant, '' included
                sql, after = _RING_FROM, ""
            else:
                sql, after = _RING_AFTER, self._after
            upto = self._turn if self._wrapped else None
            params = {"after": after, "upto": upto, "now": self._now, "limit": wanted}
            tenants = [tenant for (tenant,) in self._conn.execute(sql, params)]
            found += tenants
            if len(tenants) == wanted:
                self._after = tenants[-1]
            elif self._wrapped:
                self._done = True
            else:
                self._wrapped, self._after = True, None
        return found


def _bury(conn: sqlite3.Connection, message_id: int, count: int, reason: str, now: float) -> None:
    params = {"id": message_id, "count": count, "reason": reason, "now": now}
    conn.execute(_BURY, params)
    conn.execute("DELETE FROM queue_messages WHERE id = :id AND receive_count = :count", params)
