"""Switching a SQLite file to write-ahead logging when several processes open it at once.

SQLite answers "database is locked" to a journal-mode change at once, without
calling the busy handler, while another connection is changing it: two
processes opening a new file together (``serve``'s API and worker, ``api
--workers N``) would see one of them fail. Once the file is in WAL the
statement is a no-op, so trying again until the busy timeout is enough.
"""

from __future__ import annotations

import sqlite3
import time

_PAUSE = 0.01


def enter_wal(conn: sqlite3.Connection, busy_timeout: float) -> None:
    """Put ``conn``'s file in WAL mode, waiting up to ``busy_timeout`` seconds for others."""
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(_PAUSE)
