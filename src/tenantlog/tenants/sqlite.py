"""Tenant settings in the ``tenants`` table of the embedded database.

One row per tenant: what was set, as a JSON object, so that a setting added
by a later release needs no schema change; an absent key is the default. A
tenant's own rules are kept as ``[[name, pattern], ...]``, in their order; the
``write_shards`` values in force before the current one as
``past_write_shards`` (the embedded store ignores them, but a copy of the
settings keeps them).
"""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from tenantlog.core.tenants import TenantSettings, TenantSettingsChanged, TenantStoreUnavailable
from tenantlog.db.sqlite import SqliteDatabase, raising

_SELECT = "SELECT tenant_id, settings, updated_at FROM tenants"


def _settings(row: tuple[Any, ...]) -> TenantSettings:
    try:
        return TenantSettings.from_dict(
            {**orjson.loads(row[1]), "tenant_id": row[0], "updated_at": row[2]}
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise TenantStoreUnavailable(
            f"the stored settings of tenant {row[0]!r} cannot be read: {exc}"
        ) from exc


def _row(settings: TenantSettings) -> tuple[str, str, str | None]:
    data = settings.chosen()
    if settings.past_write_shards is not None:
        data["past_write_shards"] = settings.past_write_shards
    # orjson writes tuples as arrays
    return settings.tenant_id, orjson.dumps(data).decode(), settings.updated_at


class SqliteTenantStore:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def get(self, tenant_id: str) -> TenantSettings | None:
        def select(conn: sqlite3.Connection) -> tuple[Any, ...] | None:
            row: tuple[Any, ...] | None = conn.execute(
                f"{_SELECT} WHERE tenant_id = ?", (tenant_id,)
            ).fetchone()
            return row

        row = await raising(self._db.read(select), TenantStoreUnavailable)
        return None if row is None else _settings(row)

    async def put(self, settings: TenantSettings) -> None:
        sql = (
            "INSERT INTO tenants (tenant_id, settings, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (tenant_id) DO UPDATE"
            " SET settings = excluded.settings, updated_at = excluded.updated_at"
        )
        row = _row(settings)
        await raising(self._db.write(lambda conn: conn.execute(sql, row)), TenantStoreUnavailable)

    async def put_if_unchanged(
        self, settings: TenantSettings, expected: TenantSettings | None
    ) -> None:
        """One statement that compares and writes, so that another process's change
        (the API's, another operator's CLI) cannot land between the two."""
        tenant_id, data, updated_at = _row(settings)
        sql: str
        values: tuple[str | None, ...]
        if expected is None:
            sql = (
                "INSERT INTO tenants (tenant_id, settings, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (tenant_id) DO NOTHING"
            )
            values = (tenant_id, data, updated_at)
        else:
            # IS, not =: a row written without a time (by hand, or by a copy) matches one
            # read without one.
            sql = (
                "UPDATE tenants SET settings = ?, updated_at = ?"
                " WHERE tenant_id = ? AND updated_at IS ?"
            )
            values = (data, updated_at, tenant_id, expected.updated_at)

        def write(conn: sqlite3.Connection) -> int:
            return conn.execute(sql, values).rowcount

        if await raising(self._db.write(write), TenantStoreUnavailable) != 1:
            raise TenantSettingsChanged(
                f"the settings of tenant {tenant_id!r} changed since they were read"
            )

    async def list(self) -> list[TenantSettings]:
        def select(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
            return list(conn.execute(f"{_SELECT} ORDER BY tenant_id"))

        rows = await raising(self._db.read(select), TenantStoreUnavailable)
        return [_settings(row) for row in rows]

    async def close(self) -> None:
        return None
