"""The embedded store: the ``logs`` table of the shared SQLite database.

Retention: ``expires_at`` is kept as whole Unix seconds (NULL: forever).
Reads compare it with the store's clock, so an expired row is never
returned even before it is deleted, and a write treats it as absent. The
rows themselves are deleted by ``purge_expired``, which the worker process
runs in the background (``run_purge``): a few hundred rows per write
transaction, through the database's normal write path, so the purge takes
turns with ingest in the group commit instead of holding the writer for a
whole backlog.

Erasure (tenantlog.core.store): a deleted log leaves a row in ``erased_logs``
and a tenant's erasures are rows of ``erasures``. The conditional write checks
both in the INSERT's own statement, so no erasure or delete can fall between
the check and the write: SQLite runs one writer at a time, and a statement is
atomic. Reads leave out rows an erasure covers (``received_at`` at or before
the tenant's mark, the greatest ``before``), which may be there until
``delete_erased`` reaches them. Deleted content is overwritten in the file
(``PRAGMA secure_delete``, tenantlog.db.sqlite), and the ``delete_erased``
call that finishes an erasure, like ``delete``, empties the write-ahead log,
which still holds the pages as they were before the delete.

Search (docs/search.md): a time window walks the index logs_by_event_time, and
the other filters are tested on the way; ``q`` asks the text index
(tenantlog.store.sqlite_text_index, kept by the worker in the background) and
tests the few records it has not reached yet, so results are exact whatever its
lag. The live tail (``follow``) reads records by their store sequence number
(tenantlog.store.sqlite_sequence). Deleting a record takes it out of the text
index too, and a delete or an erasure rewrites the index before emptying the
WAL, so that its trigrams are gone from the file as well.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import re
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import orjson

from tenantlog import metrics
from tenantlog.core.erasure import Erasure
from tenantlog.core.models import LogRecord, Page, expiry_timestamp, utc_now
from tenantlog.core.query import EVERYTHING, LogQuery, canonical_time, event_time, fold
from tenantlog.core.rare_warnings import RareWarnings
from tenantlog.core.store import MAX_PAGE_SIZE, Followed, StoreUnavailable
from tenantlog.db.sqlite import SqliteDatabase, raising
from tenantlog.queue.sqlite import ACK, parse_receipt
from tenantlog.store.rounds import run_in_rounds
from tenantlog.store.sqlite_sequence import SEQUENCE_END
from tenantlog.store.sqlite_text_index import (
    MIN_INDEXED_LENGTH,
    TextIndexer,
    candidates,
    mark_erased,
)

T = TypeVar("T")

log = logging.getLogger("tenantlog.store")

#: Expired rows one purge transaction deletes at most: enough to keep up with any
#: ingest rate the embedded backend sustains, few enough that the delete is a short
#: turn of the writer (it counts as a heavy operation, so light ones still go first).
PURGE_BATCH = 500
#: Seconds between purges once caught up (a full batch is followed by another at once).
PURGE_EVERY_SECONDS = 60.0
#: Store sequence numbers one ``follow`` call looks through at most: a tail whose filter
#: matches nothing costs a bounded read per poll, and its position still moves on.
FOLLOW_SCAN = 5000
#: Records the text index may name for a search before it counts as common: up to this
#: many are read by seq and sorted; a commoner text is found sooner by walking the time
#: index and testing each record (a page of matches turns up within a few thousand).
TEXT_CANDIDATES = 2000
#: Records the text index may lag behind before a text search scans instead: the records
#: after its progress are read by seq across every tenant, which beyond this costs more
#: than reading the one tenant's (a worker that has not run yet, say).
TEXT_LAG_LIMIT = 50_000

_COLUMNS = (
    "tenant_id, log_id, source, original_text, modified_data,"
    " received_at, processed_at, attempts, redactions, expires_at,"
    " timestamp, severity, severity_number, attributes, original_attributes"
)
# Numbered parameters, bound from a tuple (``_row``): a dict of names costs the writer
# thread a lookup per column, and it binds a row for every log stored.
_VALUES = "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15"
# The conditional write: the first record wins, unless it has expired (then it counts as
# absent, as every read treats it, and the new record takes its place). Nothing is
# written for an id with a tombstone or a record an erasure covers: the SELECT yields no
# row. (The SELECT form needs its WHERE before ON CONFLICT: SQLite's upsert parsing rule.)
_INSERT = (
    f"INSERT INTO logs ({_COLUMNS}, event_time, seq)"
    f" SELECT {_VALUES}, ?16, {SEQUENCE_END} + 1"
    " WHERE NOT EXISTS (SELECT 1 FROM erased_logs WHERE tenant_id = ?1 AND log_id = ?2)"
    " AND NOT EXISTS (SELECT 1 FROM erasures WHERE tenant_id = ?1 AND before >= ?6)"
    " ON CONFLICT (tenant_id, log_id) DO UPDATE SET"
    " source = excluded.source, original_text = excluded.original_text,"
    " modified_data = excluded.modified_data, received_at = excluded.received_at,"
    " processed_at = excluded.processed_at, attempts = excluded.attempts,"
    " redactions = excluded.redactions, expires_at = excluded.expires_at,"
    " timestamp = excluded.timestamp, severity = excluded.severity,"
    " severity_number = excluded.severity_number, attributes = excluded.attributes,"
    " original_attributes = excluded.original_attributes, event_time = excluded.event_time,"
    " seq = excluded.seq"
    " WHERE logs.expires_at <= ?17"
)
#: Records one statement of a batch write inserts at most: a worker's whole receive
#: (tenantlog.worker.runner.MAX_RECEIVE), where the build allows as many parameters
#: (16 a record, and ``now``); builds that allow only 999 take 62 at a time.
INSERT_ROWS = 200
#: Messages one statement of a batch write acks (two parameters each).
ACK_ROWS = 250


@functools.cache
def _insert_many(records: int) -> str:
    """``_INSERT`` of ``records`` records in one statement: ?1 is ``now``, then each
    record's 16 values (``_values``).

    One statement, so that SQLite writes the whole batch in one step: the writer thread
    gives up the GIL once for it, not once a row (taking it back each time, while the
    event loop runs, costs up to a switch interval). Each record's ``seq`` is the
    sequence's end before the statement plus its place in it: the statement reads the
    table it writes, so SQLite computes its rows before it inserts any, and the end
    is the same for all of them.
    """
    values = ", ".join(
        "(" + ", ".join(f"?{2 + 16 * n + column}" for column in range(16)) + f", {n + 1})"
        for n in range(records)
    )
    columns = ", ".join(f"v.column{column}" for column in range(1, 17))
    return (
        f"INSERT INTO logs ({_COLUMNS}, event_time, seq)"
        f" SELECT {columns}, {SEQUENCE_END} + v.column17 FROM (VALUES {values}) AS v"
        " WHERE NOT EXISTS (SELECT 1 FROM erased_logs"
        " WHERE tenant_id = v.column1 AND log_id = v.column2)"
        " AND NOT EXISTS (SELECT 1 FROM erasures"
        " WHERE tenant_id = v.column1 AND before >= v.column6)"
        + _INSERT[_INSERT.index(" ON CONFLICT") :].replace("?17", "?1")
    )


@functools.cache
def _ack_many(messages: int) -> str:
    """``ACK`` of ``messages`` messages in one statement: each one's id and count."""
    values = ", ".join(f"(?{2 * n + 1}, ?{2 * n + 2})" for n in range(messages))
    return (
        "DELETE FROM queue_messages WHERE id IN (SELECT v.column1"
        f" FROM (VALUES {values}) AS v JOIN queue_messages AS q"
        " ON q.id = v.column1 AND q.receive_count = v.column2)"
    )


#: Where a row of ``SELECT {_COLUMNS}, event_time`` has the columns a page is sorted by.
_LOG_ID, _EVENT_TIME = 1, 15
_LIVE = "(expires_at IS NULL OR expires_at > :now)"
# Not covered by an erasure: received after the tenant's mark ('' without erasures, and
# every received_at sorts after it). The subquery is not correlated: it runs once.
_UNERASED = (
    "received_at > coalesce((SELECT max(before) FROM erasures WHERE tenant_id = :tenant_id), '')"
)
_ERASURE_COLUMNS = (
    "tenant_id, erasure_id, before, requested_by, status,"
    " records_deleted, messages_deleted, finished_at"
)
_SAVE_ERASURE = (
    f"INSERT INTO erasures ({_ERASURE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (tenant_id, erasure_id) DO UPDATE SET"
    " before = excluded.before, requested_by = excluded.requested_by,"
    " status = excluded.status, records_deleted = excluded.records_deleted,"
    " messages_deleted = excluded.messages_deleted, finished_at = excluded.finished_at"
)
# A tenant's rows are clustered by (tenant_id, log_id), so this reads only its rows. Not
# by log_id order: client-chosen ids need not follow arrival, so received_at decides.
_DELETE_ERASED = (
    "DELETE FROM logs WHERE tenant_id = :tenant_id AND log_id IN ("
    "SELECT log_id FROM logs WHERE tenant_id = :tenant_id AND received_at <= :before"
    " LIMIT :limit) RETURNING seq"
)
# Oldest expiries first, found through the partial index logs_by_expiry.
_PURGE = (
    "DELETE FROM logs WHERE (tenant_id, log_id) IN ("
    "SELECT tenant_id, log_id FROM logs WHERE expires_at IS NOT NULL AND expires_at <= ?"
    " ORDER BY expires_at LIMIT ?)"
)


def _row(record: LogRecord, now: float) -> tuple[Any, ...]:
    """``_INSERT``'s parameters: the columns in ``_COLUMNS`` order, the event time, and
    ``now`` (a record expired by then counts as absent)."""
    return (*_values(record), now)


def _values(record: LogRecord) -> tuple[Any, ...]:
    """A record's row: the columns in ``_COLUMNS`` order and the event time."""
    redactions = record.redactions
    return (
        record.tenant_id,
        record.log_id,
        record.source,
        record.original_text,
        record.modified_data,
        record.received_at,
        record.processed_at,
        record.attempts,
        orjson.dumps(dict(redactions)).decode() if redactions else "{}",
        None if record.expires_at is None else record.expires_at_seconds,
        record.timestamp,
        record.severity,
        record.severity_number,
        _json_or_null(record.attributes),
        _json_or_null(record.original_attributes),
        _event_time(record),
    )


#: ``received_at`` as ingest writes it: UTC, milliseconds.
_MILLISECONDS_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def _event_time(record: LogRecord) -> str:
    """``event_time(record)``, without parsing a date per log in the usual case.

    Most logs have no timestamp of their own, and their ``received_at`` has
    the form ingest writes: only its second needs checking and converting
    (the logs of one second share it), and its milliseconds carry over.
    """
    received = record.received_at
    if record.timestamp is None and _MILLISECONDS_UTC.fullmatch(received):
        second = _canonical_second(received[:19])
        if second is not None:
            return f"{second}.{received[20:23]}000000Z"
    return event_time(record)


@functools.lru_cache(maxsize=256)
def _canonical_second(second: str) -> str | None:
    """The canonical form of ``second`` (``YYYY-MM-DDTHH:MM:SS``), up to its fraction;
    None if it is no valid time (its event time is then the text itself)."""
    canonical = canonical_time(f"{second}.000Z")
    return canonical[:19] if canonical.endswith(".000000000Z") else None


def _filters(query: LogQuery, *, text: bool = True) -> tuple[list[str], dict[str, Any]]:
    """The conditions a record of the tenant must meet to match ``query`` (``text`` False:
    all but the substring test, which the text index answers), and their parameters but
    for :tenant_id and :now."""
    clauses = ["tenant_id = :tenant_id", _LIVE, _UNERASED]
    params: dict[str, Any] = {}
    if query.since is not None:
        clauses.append("event_time >= :since")
        params["since"] = query.since
    if query.until is not None:
        clauses.append("event_time < :until")
        params["until"] = query.until
    if text and query.text is not None:
        clauses.append("instr(casefold(modified_data), :text) > 0")
        params["text"] = fold(query.text)
    if query.severities:
        names = [f":severity{i}" for i in range(len(query.severities))]
        clauses.append(f"casefold(severity) IN ({', '.join(names)})")
        params.update(zip((n[1:] for n in names), sorted(query.severities), strict=True))
    if query.source is not None:
        clauses.append("source = :source")
        params["source"] = query.source
    for i, (name, value) in enumerate(query.attributes):
        clauses.append(
            "EXISTS (SELECT 1 FROM json_each(logs.attributes)"
            f" WHERE key = :attr_name{i} AND value = :attr_value{i})"
        )
        params[f"attr_name{i}"], params[f"attr_value{i}"] = name, value
    return clauses, params


def _search(
    query: LogQuery, after: tuple[str, str] | None, *, text: bool = True
) -> tuple[str, dict[str, Any]]:
    """The WHERE clause (with its ORDER BY) of a page of ``query`` after ``after``, and its
    parameters but for :tenant_id, :now and :limit.

    A time-ordered page walks the index logs_by_event_time; a log_id-ordered one the
    table itself. Without the text index, ``q`` reads every row of the tenant that the
    other conditions leave (a scan); with it, see ``_indexed_text_page``.
    """
    clauses, params = _filters(query, text=text)
    if not query.by_time:
        clauses.append("log_id > :after_id")
        params["after_id"] = "" if after is None else after[1]
        return " AND ".join(clauses) + " ORDER BY log_id", params
    direction = "DESC" if query.order == "desc" else "ASC"
    if after is not None:
        beyond = "<" if query.order == "desc" else ">"
        clauses.append(f"(event_time, log_id) {beyond} (:after_time, :after_id)")
        params["after_time"], params["after_id"] = after
    order = f" ORDER BY event_time {direction}, log_id {direction}"
    return " AND ".join(clauses) + order, params


def _indexed_text_page(
    conn: sqlite3.Connection,
    query: LogQuery,
    after: tuple[str, str] | None,
    params: dict[str, Any],
) -> list[tuple[Any, ...]] | None:
    """The rows of a ``q`` page (``params``: those of the scan), found through the text
    index; None when a scan finds them sooner (a common text, a lagging index).

    The index holds the records up to its progress; those stored after it are
    tested one by one. Both are read in one read transaction, so the progress
    and the index agree, and the two sorted lists merge into the page.
    """
    conn.execute("BEGIN")
    try:
        indexed, last = conn.execute(
            f"SELECT indexed, {SEQUENCE_END} FROM text_index_progress"
        ).fetchone()
        if last - indexed > TEXT_LAG_LIMIT:
            return None
        seqs = candidates(conn, query.text or "", TEXT_CANDIDATES)
        if seqs is None:
            return None
        where, found_params = _search(query, after, text=False)
        found_params.update(tenant_id=params["tenant_id"], now=params["now"], limit=params["limit"])
        found = conn.execute(
            f"SELECT {_COLUMNS}, event_time FROM logs INDEXED BY logs_by_seq"
            f" WHERE seq IN (SELECT value FROM json_each(:seqs)) AND {where} LIMIT :limit",
            {**found_params, "seqs": orjson.dumps(seqs).decode()},
        ).fetchall()
        where, _ = _search(query, after)
        fresh = conn.execute(
            f"SELECT {_COLUMNS}, event_time FROM logs INDEXED BY logs_by_seq"
            f" WHERE seq > :indexed AND {where} LIMIT :limit",
            {**params, "indexed": indexed},
        ).fetchall()
    finally:
        conn.execute("COMMIT")
    by_time, descending = query.by_time, query.by_time and query.order == "desc"
    rows = sorted(
        found + fresh,
        key=lambda row: (row[_EVENT_TIME], row[_LOG_ID]) if by_time else row[_LOG_ID],
        reverse=descending,
    )
    return rows[: params["limit"]]


def _json_or_null(attributes: Mapping[str, str] | None) -> str | None:
    """Attributes as a JSON object; NULL for none, so plain logs cost nothing more."""
    return orjson.dumps(attributes).decode() if attributes else None


def _record(row: tuple[Any, ...]) -> LogRecord:
    return LogRecord(
        tenant_id=row[0],
        log_id=row[1],
        source=row[2],
        original_text=row[3],
        modified_data=row[4],
        received_at=row[5],
        processed_at=row[6],
        attempts=row[7],
        redactions=orjson.loads(row[8]),
        expires_at=None if row[9] is None else expiry_timestamp(row[9]),
        timestamp=row[10],
        severity=row[11],
        severity_number=row[12],
        attributes={} if row[13] is None else orjson.loads(row[13]),
        original_attributes=None if row[14] is None else orjson.loads(row[14]),
    )


def _erasure(row: tuple[Any, ...]) -> Erasure:
    return Erasure(
        erasure_id=row[1],
        tenant_id=row[0],
        before=row[2],
        requested_by=row[3],
        status=row[4],
        records_deleted=row[5],
        messages_deleted=row[6],
        finished_at=row[7],
    )


def _put_many(
    values: list[tuple[Any, ...]],
    acks: list[dict[str, int]] | None,
    now: float,
    conn: sqlite3.Connection,
) -> list[bool | Exception]:
    """``put_many_if_absent``'s write: the records in statements of ``INSERT_ROWS`` and
    their acks in statements of ``ACK_ROWS`` where every record is new (the usual case);
    otherwise, or should a statement fail, undone and done again a statement per record,
    so that each one has its own result."""
    conn.execute("SAVEPOINT put_many")
    try:
        try:
            all_new = all(
                conn.execute(
                    _insert_many(len(chunk)), (now, *itertools.chain.from_iterable(chunk))
                ).rowcount
                == len(chunk)
                for chunk in _chunks(values, _insert_rows(conn))
            )
        except sqlite3.Error:
            if not conn.in_transaction:
                raise  # SQLite gave up the whole transaction: every row fails
            all_new = False
        if not all_new:  # a record stored already, or a failed row: which one, row by row
            conn.execute("ROLLBACK TO put_many")
            return _put_each([(*row, now) for row in values], acks, conn)
        results: list[bool | Exception] = [True] * len(values)
        if acks is not None:
            try:
                for chunk in _chunks(acks, ACK_ROWS):
                    params = tuple(v for ack in chunk for v in (ack["id"], ack["count"]))
                    conn.execute(_ack_many(len(chunk)), params)
            except sqlite3.Error:
                if not conn.in_transaction:
                    raise
                # Which ack failed, one by one (the ones done already delete nothing):
                # its record stays written, its message is released as failed, and its
                # redelivery finds the record.
                for n, ack in enumerate(acks):
                    try:
                        conn.execute(ACK, ack)
                    except sqlite3.Error as exc:
                        if not conn.in_transaction:
                            raise
                        results[n] = StoreUnavailable(str(exc))
        return results
    finally:
        if conn.in_transaction:
            conn.execute("RELEASE put_many")


def _insert_rows(conn: sqlite3.Connection) -> int:
    """Records one ``_insert_many`` statement may carry on this connection's SQLite."""
    most = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, min(INSERT_ROWS, (most - 1) // 16))


def _chunks(items: list[T], size: int) -> list[list[T]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _put_each(
    rows: list[tuple[Any, ...]], acks: list[dict[str, int]] | None, conn: sqlite3.Connection
) -> list[bool | Exception]:
    """``_put_many`` a statement per row: each row's own result, or its own failure."""
    results: list[bool | Exception] = []
    for n, row in enumerate(rows):
        try:
            inserted = conn.execute(_INSERT, row).rowcount == 1
            if acks is not None:
                # Should this fail alone, the record stays written: its message
                # is released as failed and its redelivery finds the record.
                conn.execute(ACK, acks[n])
            results.append(inserted)
        except sqlite3.Error as exc:
            if not conn.in_transaction:
                raise  # SQLite gave up the whole transaction: every row fails
            results.append(StoreUnavailable(str(exc)))
    return results


class SqliteStore:
    def __init__(self, database: SqliteDatabase, *, clock: Callable[[], float] = time.time) -> None:
        """``clock`` gives the Unix time that decides which records have expired."""
        self._db = database
        self._clock = clock
        # Rows a finishing delete_erased call deleted before emptying the WAL failed: the
        # call is repeated (and deletes nothing more), and its count must not be lost.
        self._uncounted: dict[tuple[str, str], int] = {}
        self._text = TextIndexer(database)
        self._warnings = RareWarnings(log)

    async def put_if_absent(self, record: LogRecord) -> bool:
        row = _row(record, self._clock())
        write = self._db.write(lambda conn: conn.execute(_INSERT, row).rowcount)
        inserted: int = await raising(write, StoreUnavailable)
        return inserted == 1

    @property
    def database(self) -> SqliteDatabase:
        """The file this store writes: a queue in the same file acks in its writes."""
        return self._db

    async def put_many_if_absent(
        self, records: Sequence[LogRecord], receipts: Sequence[str] | None = None
    ) -> list[bool | Exception]:
        """``put_if_absent`` of each record in one write (the worker's batch): one that
        fails fails alone, as in a write of its own.

        With ``receipts`` (the SQLite queue's, of this database, one per record), each
        record's message is acked in the same transaction once its record is stored or
        found there: a stored log and its deleted message are committed together or not
        at all, and a stale receipt deletes nothing, as in ``SqliteQueue.ack``.
        """
        if not records:
            return []
        now = self._clock()
        values = [_values(record) for record in records]
        acks = [parse_receipt(receipt) for receipt in receipts] if receipts is not None else None
        if acks is not None and len(acks) != len(values):
            raise ValueError("one receipt per record")
        rows_written = len(values) * (1 if acks is None else 2)
        write = self._db.write(functools.partial(_put_many, values, acks, now), rows=rows_written)
        return await raising(write, StoreUnavailable)

    async def get(self, tenant_id: str, log_id: str) -> LogRecord | None:
        now = self._clock()

        def select(conn: sqlite3.Connection) -> LogRecord | None:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM logs WHERE tenant_id = :tenant_id AND log_id = :log_id"
                f" AND {_LIVE} AND {_UNERASED}",
                {"tenant_id": tenant_id, "log_id": log_id, "now": now},
            ).fetchone()
            return None if row is None else _record(row)

        return await self._read(select)

    async def list(
        self, tenant_id: str, limit: int, cursor: str | None, query: LogQuery | None = None
    ) -> Page:
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        query = query or EVERYTHING
        after = None if cursor is None else query.position(cursor)
        where, params = _search(query, after)
        params.update(tenant_id=tenant_id, now=self._clock(), limit=limit + 1)
        sql = f"SELECT {_COLUMNS} FROM logs WHERE {where} LIMIT :limit"
        indexed = self._text_indexed(query)

        def select(conn: sqlite3.Connection) -> list[LogRecord]:
            # casefold is Python's Unicode case folding (tenantlog.db.sqlite): SQLite's
            # lower() folds ASCII only.
            if indexed:
                rows = _indexed_text_page(conn, query, after, params)
                if rows is not None:
                    return [_record(row) for row in rows]
            return [_record(row) for row in conn.execute(sql, params).fetchall()]

        records = await self._read(select)
        if len(records) > limit:
            return Page(records[:limit], query.cursor_after(records[limit - 1]))
        return Page(records, None)

    def _text_indexed(self, query: LogQuery) -> bool:
        """Whether the text index may serve ``query``'s ``q`` (else it scans, warning)."""
        if query.text is None:
            return False
        if not self._db.text_index:
            self._warnings.warning(
                "no-fts5", "this SQLite has no FTS5: text search scans each tenant's logs"
            )
            return False
        if len(fold(query.text)) < MIN_INDEXED_LENGTH:
            self._warnings.warning(
                "short-text",
                "text searches of fewer than %d characters scan the tenant's logs",
                MIN_INDEXED_LENGTH,
            )
            return False
        return True

    async def follow(
        self, tenant_id: str, after: int | None, query: LogQuery, limit: int
    ) -> Followed:
        """Positions are the records' seq (tenantlog.store.sqlite_sequence). A call reads
        the sequence's end first, so a record committed meanwhile has a greater seq than
        the end it reads up to, and the next call finds it."""
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        clauses, params = _filters(query)
        params.update(tenant_id=tenant_id, now=self._clock(), limit=limit)
        sql = (
            f"SELECT seq, {_COLUMNS} FROM logs INDEXED BY logs_by_seq"
            f" WHERE seq > :after AND seq <= :upto AND {' AND '.join(clauses)}"
            " ORDER BY seq LIMIT :limit"
        )

        def select(conn: sqlite3.Connection) -> Followed:
            last: int = conn.execute(f"SELECT {SEQUENCE_END}").fetchone()[0]
            if after is None:
                return Followed([], last)
            upto = min(last, max(after, 0) + FOLLOW_SCAN)
            if upto <= after:
                return Followed([], after)
            rows = conn.execute(sql, {**params, "after": after, "upto": upto}).fetchall()
            found = [(row[0], _record(row[1:])) for row in rows]
            return Followed(found, found[-1][0] if len(found) == limit else upto)

        return await self._read(select)

    async def delete(self, tenant_id: str, log_id: str) -> bool:
        key = {"tenant_id": tenant_id, "log_id": log_id, "now": self._clock()}

        indexed = self._db.text_index

        def erase(conn: sqlite3.Connection) -> bool:
            live = conn.execute(
                "SELECT 1 FROM logs WHERE tenant_id = :tenant_id AND log_id = :log_id"
                f" AND {_LIVE} AND {_UNERASED}",
                key,
            ).fetchone()
            seqs = conn.execute(
                "DELETE FROM logs WHERE tenant_id = :tenant_id AND log_id = :log_id RETURNING seq",
                key,
            ).fetchall()
            conn.execute(
                "INSERT INTO erased_logs (tenant_id, log_id, erased_at)"
                " VALUES (:tenant_id, :log_id, :erased_at) ON CONFLICT DO NOTHING",
                {**key, "erased_at": utc_now()},
            )
            if indexed:
                mark_erased(conn, [row[0] for row in seqs])
            return live is not None

        write = self._db.write(erase, several_statements=True)
        deleted: bool = await raising(write, StoreUnavailable)
        try:
            await self._text.forget_erased()
        except StoreUnavailable:
            log.warning("a deleted log's trigrams stay in the text index until it is rewritten")
        try:
            emptied = await self._empty_wal()
        except StoreUnavailable:
            emptied = False
        if not emptied:  # the log is deleted all the same: the answer must say so
            log.warning("a deleted log's old page stays in the WAL until its next reset")
        return deleted

    async def save_erasure(self, erasure: Erasure) -> None:
        row = (
            erasure.tenant_id,
            erasure.erasure_id,
            erasure.before,
            erasure.requested_by,
            erasure.status,
            erasure.records_deleted,
            erasure.messages_deleted,
            erasure.finished_at,
        )

        def save(conn: sqlite3.Connection) -> None:
            conn.execute(_SAVE_ERASURE, row)

        await raising(self._db.write(save), StoreUnavailable)

    async def get_erasure(self, tenant_id: str, erasure_id: str) -> Erasure | None:
        def select(conn: sqlite3.Connection) -> Erasure | None:
            row = conn.execute(
                f"SELECT {_ERASURE_COLUMNS} FROM erasures WHERE tenant_id = ? AND erasure_id = ?",
                (tenant_id, erasure_id),
            ).fetchone()
            return None if row is None else _erasure(row)

        return await self._read(select)

    async def delete_erased(self, tenant_id: str, before: str, limit: int) -> int:
        """One write transaction of up to ``limit`` rows, through the group commit (a heavy
        operation past ``LIGHT_ROWS``, so single logs still go first).

        The call that deletes fewer than ``limit`` (the last) then empties the
        WAL (TRUNCATE checkpoint); if other connections keep it from doing so,
        it raises StoreUnavailable and the caller's repeat tries again (its
        rows are counted by the call that succeeds).
        """
        params = {"tenant_id": tenant_id, "before": before, "limit": limit}
        indexed = self._db.text_index

        def erase(conn: sqlite3.Connection) -> int:
            seqs = [row[0] for row in conn.execute(_DELETE_ERASED, params).fetchall()]
            if indexed:
                mark_erased(conn, seqs)
            return len(seqs)

        write = self._db.write(erase, several_statements=indexed, rows=limit)
        deleted: int = await raising(write, StoreUnavailable)
        if deleted >= limit:
            return deleted
        key = (tenant_id, before)
        deleted += self._uncounted.pop(key, 0)
        try:
            await self._text.forget_erased()  # their trigrams, before the WAL is emptied
            if not await self._empty_wal():
                raise StoreUnavailable(
                    "erased logs deleted, but other connections kept the WAL from being emptied"
                )
        except StoreUnavailable:
            self._uncounted[key] = deleted
            raise
        return deleted

    async def _empty_wal(self) -> bool:
        """Copy the WAL into the database file and truncate it; whether that was done.

        It holds the writer (a few milliseconds for a WAL of a few MB), and waits
        at most the busy timeout for other processes' readers: once, since a
        finishing erasure is repeated by its caller anyway.
        """
        return await raising(self._db.checkpoint_wal("TRUNCATE"), StoreUnavailable)

    async def purge_expired(self, batch: int = PURGE_BATCH) -> int:
        """Delete up to ``batch`` expired rows in one write transaction; how many it deleted.

        Counted in ``tenantlog_records_expired_total``.
        """
        now = self._clock()
        write = self._db.write(lambda conn: conn.execute(_PURGE, (now, batch)).rowcount, rows=batch)
        deleted: int = await raising(write, StoreUnavailable)
        if deleted:
            metrics.RECORDS_EXPIRED.inc(deleted)
        return deleted

    async def run_purge(
        self,
        stopping: asyncio.Event,
        *,
        every: float = PURGE_EVERY_SECONDS,
        batch: int = PURGE_BATCH,
    ) -> None:
        """Purge expired rows until ``stopping`` is set: at once, again straight away while
        batches come back full (a backlog), then every ``every`` seconds.

        A failed purge is logged and tried again at the next round; it never
        stops the worker, and an expired row is unreadable meanwhile anyway.
        """
        await run_in_rounds(
            self.purge_expired, stopping, every=every, batch=batch, doing="purging expired logs"
        )

    async def run_text_index(self, stopping: asyncio.Event) -> None:
        """Keep the text index up to date until ``stopping`` is set (TextIndexer.run)."""
        await self._text.run(stopping)

    async def ping(self) -> None:
        await self._read(lambda conn: conn.execute("SELECT 1 FROM logs LIMIT 1").fetchall())

    async def _read(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        return await raising(self._db.read(operation), StoreUnavailable)

    async def close(self) -> None:
        return None
