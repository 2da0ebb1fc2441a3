"""The embedded queue: SQS's semantics on a table of the shared SQLite database.

Receives claim rows inside a write transaction, so several worker processes
on one data directory never receive the same message at once.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from tenantlog.core.queue import (
    NO_RESULT_REASON,
    DeadLetterEntry,
    Delivery,
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
#: write lock; 250 stays under the 999 parameters older SQLite builds allow.
ROWS_A_STATEMENT = 250

_CLAIM = """
UPDATE queue_messages
   SET visible_at = :hidden_until, receive_count = receive_count + 1
 WHERE id IN (SELECT id FROM queue_messages WHERE visible_at <= :now
              ORDER BY visible_at, id LIMIT :limit)
RETURNING id, body, receive_count, last_error
"""
_BURY = """
INSERT INTO dead_letters (message_id, body, sent_at, receive_count, reason, dead_at)
SELECT id, body, sent_at, receive_count, :reason, :now FROM queue_messages
 WHERE id = :id AND receive_count = :count
"""


@functools.cache
def _insert(messages: int) -> str:
    """One INSERT of ``messages`` bodies: ?1 is the time, ?2 onwards the bodies."""
    values = ",".join(f"(?{n},?1,?1)" for n in range(2, messages + 2))
    return f"INSERT INTO queue_messages (body, sent_at, visible_at) VALUES {values}"


def _parse_receipt(receipt: str) -> dict[str, int]:
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

    async def _write(
        self,
        operation: Callable[[sqlite3.Connection], T],
        *,
        several_statements: bool = False,
        rows: int = 1,
    ) -> T:
        write = self._db.write(operation, several_statements=several_statements, rows=rows)
        return await raising(write, QueueUnavailable)

    async def send(self, bodies: Sequence[bytes]) -> None:
        now = time.time()
        step = ROWS_A_STATEMENT
        chunks = [bodies[start : start + step] for start in range(0, len(bodies), step)]

        def insert(conn: sqlite3.Connection) -> None:
            for chunk in chunks:
                conn.execute(_insert(len(chunk)), (now, *chunk))

        await self._write(insert, several_statements=len(chunks) > 1, rows=len(bodies))
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

        def claim(conn: sqlite3.Connection) -> list[Delivery]:
            now = time.time()
            rows = conn.execute(
                _CLAIM, {"now": now, "hidden_until": now + visibility, "limit": max_messages}
            ).fetchall()
            deliveries = []
            for message_id, body, count, last_error in sorted(rows):
                if count > max_receives:
                    reason = last_error or NO_RESULT_REASON.format(count=max_receives)
                    _bury(conn, message_id, count, reason, now)
                else:
                    deliveries.append(
                        Delivery(str(message_id), bytes(body), f"{message_id}.{count}", count)
                    )
            return deliveries

        return await self._write(claim, several_statements=True, rows=max_messages)

    async def ack(self, receipt: str) -> None:
        params = _parse_receipt(receipt)
        await self._write(
            lambda conn: conn.execute(
                "DELETE FROM queue_messages WHERE id = :id AND receive_count = :count", params
            )
        )

    async def release(self, receipt: str, delay: float, reason: str) -> None:
        params = {**_parse_receipt(receipt), "delay": delay, "reason": reason}
        await self._write(
            lambda conn: conn.execute(
                "UPDATE queue_messages SET visible_at = :now + :delay, last_error = :reason"
                " WHERE id = :id AND receive_count = :count",
                {**params, "now": time.time()},
            )
        )

    async def extend(self, receipt: str, seconds: float) -> None:
        params = {**_parse_receipt(receipt), "seconds": seconds}
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
        params = _parse_receipt(receipt)
        await self._write(
            lambda conn: conn.execute(
                "UPDATE queue_messages SET visible_at = :now, receive_count = receive_count - 1"
                " WHERE id = :id AND receive_count = :count",
                {**params, "now": time.time()},
            )
        )

    async def dead_letter(self, receipt: str, reason: str) -> None:
        params = _parse_receipt(receipt)
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
                "SELECT message_id, body, reason, receive_count, dead_at FROM dead_letters"
                " ORDER BY id LIMIT ?",
                (limit,),
            ).fetchall()
            return [
                DeadLetterEntry(
                    str(message_id),
                    bytes(body),
                    reason,
                    count,
                    datetime.fromtimestamp(dead_at, UTC).isoformat().replace("+00:00", "Z"),
                )
                for message_id, body, reason, count, dead_at in rows
            ]

        return await self._db.read(select)

    async def redrive(self) -> int:
        def move(conn: sqlite3.Connection) -> int:
            now = time.time()
            moved = conn.execute(
                "INSERT INTO queue_messages (body, sent_at, visible_at)"
                " SELECT body, sent_at, ? FROM dead_letters ORDER BY id",
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

    async def close(self) -> None:
        return None


def _bury(conn: sqlite3.Connection, message_id: int, count: int, reason: str, now: float) -> None:
    params = {"id": message_id, "count": count, "reason": reason, "now": now}
    conn.execute(_BURY, params)
    conn.execute("DELETE FROM queue_messages WHERE id = :id AND receive_count = :count", params)
