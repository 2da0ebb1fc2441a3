"""Usage counts in the ``usage`` table of the embedded database: one row per (tenant, UTC
day), one column per count.

A flush adds to a row with ``INSERT ... ON CONFLICT DO UPDATE SET x = x +
excluded.x``, through the database's group-committed write path: one
statement per (tenant, day), and the rows of one flush share a commit. An
increment rather than read-modify-write, so that the API processes of
``api --workers N`` and the worker, each flushing its own counts, never lose
one another's.

The service's minute buckets are rows of the same table under the tenant
``SERVICE`` (``*``, which no tenant id can be) with the minute
(``YYYY-MM-DDTHH:MM``) as their day: the same increment, and no schema change.
The listing of every tenant's days leaves them out; the write that adds to a
minute deletes the buckets older than ``MINUTES_KEPT``, a handful at a time
since each add deletes what has aged since the last, through the primary key.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from tenantlog.core.usage import (
    FIELDS,
    SERVICE,
    Counts,
    DayUsage,
    MinuteUsage,
    UsageUnavailable,
    first_kept,
)
from tenantlog.db.sqlite import SqliteDatabase, raising

_COLUMNS = ", ".join(FIELDS)
_ADD = (
    f"INSERT INTO usage (tenant_id, day, {_COLUMNS})"
    f" VALUES (?, ?, {', '.join('?' for _ in FIELDS)})"
    " ON CONFLICT (tenant_id, day) DO UPDATE SET "
    + ", ".join(f"{name} = {name} + excluded.{name}" for name in FIELDS)
)
_SELECT = f"SELECT tenant_id, day, {_COLUMNS} FROM usage"
_EXPIRE = "DELETE FROM usage WHERE tenant_id = ? AND day < ?"


def _usage(row: tuple[Any, ...]) -> DayUsage:
    return DayUsage(row[0], row[1], Counts(*row[2:]))


class SqliteUsageStore:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def add(self, tenant_id: str, day: str, counts: Counts) -> None:
        if counts.empty:  # as every backend: a day of zeros is no activity
            return
        values = (tenant_id, day, *(getattr(counts, name) for name in FIELDS))
        await raising(self._db.write(lambda conn: conn.execute(_ADD, values)), UsageUnavailable)

    async def tenant_days(self, tenant_id: str, first_day: str, last_day: str) -> list[DayUsage]:
        def select(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
            sql = f"{_SELECT} WHERE tenant_id = ? AND day BETWEEN ? AND ? ORDER BY day"
            return list(conn.execute(sql, (tenant_id, first_day, last_day)))

        return [_usage(row) for row in await raising(self._db.read(select), UsageUnavailable)]

    async def all_days(self, first_day: str, last_day: str) -> list[DayUsage]:
        def select(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
            # usage_by_day finds the window's rows without reading older days
            # the service's minutes sort among the days ("2026-12-03T10:00" > "2026-12-03")
            sql = f"{_SELECT} WHERE day BETWEEN ? AND ? AND tenant_id != ? ORDER BY tenant_id, day"
            return list(conn.execute(sql, (first_day, last_day, SERVICE)))

        return [_usage(row) for row in await raising(self._db.read(select), UsageUnavailable)]

    async def add_minute(self, minute: str, counts: Counts) -> None:
        if counts.empty:
            return
        values = (SERVICE, minute, *(getattr(counts, name) for name in FIELDS))
        oldest = first_kept(minute)

        def add(conn: sqlite3.Connection) -> None:
            conn.execute(_ADD, values)
            conn.execute(_EXPIRE, (SERVICE, oldest))

        await raising(self._db.write(add, several_statements=True, rows=2), UsageUnavailable)

    async def minutes(self, first_minute: str, last_minute: str) -> list[MinuteUsage]:
        def select(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
            sql = f"{_SELECT} WHERE tenant_id = ? AND day BETWEEN ? AND ? ORDER BY day"
            return list(conn.execute(sql, (SERVICE, first_minute, last_minute)))

        rows = await raising(self._db.read(select), UsageUnavailable)
        return [MinuteUsage(row[1], Counts(*row[2:])) for row in rows]

    async def close(self) -> None:
        return None
