"""Bringing a database file made by an older tenantlog up to the current schema.

``schema.sql`` creates what is missing (``CREATE ... IF NOT EXISTS``), but it
cannot add a column to a table an older release created, and an index on
such a column would fail on that file. So the columns added since are listed
here and added first, when a database is opened, before the schema runs.

Several processes (``serve``'s API and worker, ``api --workers N``) may open
one file at the same moment: a column is added inside a write transaction,
after looking again, so exactly one of them adds it and the others find it.
"""

from __future__ import annotations

import sqlite3

from tenantlog.core.query import canonical_time

#: (table, column, declaration) of every column added after its table first shipped.
ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    # Retention (DESIGN §2b): unix seconds a log expires; NULL keeps it forever, which is
    # what every log stored before retention existed gets.
    ("logs", "expires_at", "INTEGER"),
    # Fair queueing: each message's group (its tenant), served in turn. Messages queued
    # or dead-lettered before get '', one group of their own.
    ("queue_messages", "tenant", "TEXT NOT NULL DEFAULT ''"),
    ("dead_letters", "tenant", "TEXT NOT NULL DEFAULT ''"),
    # Structured logs (DESIGN §3): the client's event time, severity and attributes.
    # Logs stored before have none: NULL.
    ("logs", "timestamp", "TEXT"),
    ("logs", "severity", "TEXT"),
    ("logs", "severity_number", "INTEGER"),
    ("logs", "attributes", "TEXT"),
    ("logs", "original_attributes", "TEXT"),
    # Search (DESIGN §2, reads): the event time in canonical form, the timestamp or else
    # received_at, so that one index orders a tenant's logs by time. Filled in below.
    ("logs", "event_time", "TEXT"),
    # The store sequence (live tail, text index). Logs stored before get numbers in no
    # particular order: a tail only follows records stored after it starts.
    ("logs", "seq", "INTEGER"),
)
#: Statements that fill in an added column for the rows already there, run in the
#: transaction that adds it (so a reader never sees it half filled). They may call
#: ``canonical_time`` (tenantlog.core.query).
BACKFILLS: dict[tuple[str, str], str] = {
    ("logs", "event_time"): (
        "UPDATE logs SET event_time = coalesce(timestamp, canonical_time(received_at))"
    ),
    ("logs", "seq"): (
        "WITH numbered AS (SELECT tenant_id, log_id, row_number() OVER () AS n FROM logs)"
        " UPDATE logs SET seq = numbered.n FROM numbered"
        " WHERE numbered.tenant_id = logs.tenant_id AND numbered.log_id = logs.log_id"
    ),
}


def upgrade(conn: sqlite3.Connection) -> None:
    """Add the columns an existing file lacks; a table not there yet is left to the schema.

    ``conn`` is in autocommit mode (``isolation_level=None``).
    """
    for table, column, declaration in ADDED_COLUMNS:
        if not _lacks(conn, table, column):  # the common case costs one read, no lock
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if _lacks(conn, table, column):  # another process may have added it meanwhile
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
                backfill = BACKFILLS.get((table, column))
                if backfill is not None:
                    conn.create_function("canonical_time", 1, canonical_time, deterministic=True)
                    conn.execute(backfill)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def _lacks(conn: sqlite3.Connection, table: str, column: str) -> bool:
    """Whether ``table`` exists without ``column``."""
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    return bool(columns) and column not in columns
