"""Keys in the ``api_keys`` table of the embedded database."""

from __future__ import annotations

import sqlite3
from typing import Any, TypeVar

from tenantlog.core.keys import ApiKey, DuplicateKey, KeyStoreUnavailable
from tenantlog.db.sqlite import SqliteDatabase, raising

T = TypeVar("T")

_COLUMNS = (
    "key_id, tenant_id, scopes, secret_hash, created_at, name, expires_at, revoked_at, last_used_at"
)
_ORDER = " ORDER BY tenant_id, created_at, key_id"


def _key(row: tuple[Any, ...]) -> ApiKey:
    return ApiKey(
        key_id=row[0],
        tenant_id=row[1],
        scopes=frozenset(row[2].split()),
        secret_hash=row[3],
        created_at=row[4],
        name=row[5],
        expires_at=row[6],
        revoked_at=row[7],
        last_used_at=row[8],
    )


class SqliteKeyStore:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def add(self, key: ApiKey) -> None:
        row = (
            key.key_id,
            key.tenant_id,
            " ".join(sorted(key.scopes)),
            key.secret_hash,
            key.created_at,
            key.name,
            key.expires_at,
            key.revoked_at,
            key.last_used_at,
        )
        sql = (
            f"INSERT INTO api_keys ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING"
        )
        write = self._db.write(lambda conn: conn.execute(sql, row).rowcount)
        inserted: int = await raising(write, KeyStoreUnavailable)
        if inserted != 1:
            raise DuplicateKey(key.key_id)

    async def get(self, key_id: str) -> ApiKey | None:
        def select(conn: sqlite3.Connection) -> ApiKey | None:
            sql = f"SELECT {_COLUMNS} FROM api_keys WHERE key_id = ?"
            row = conn.execute(sql, (key_id,)).fetchone()
            return None if row is None else _key(row)

        return await raising(self._db.read(select), KeyStoreUnavailable)

    async def list(self, tenant_id: str | None = None) -> list[ApiKey]:
        def select(conn: sqlite3.Connection) -> list[ApiKey]:
            if tenant_id is None:
                rows = conn.execute(f"SELECT {_COLUMNS} FROM api_keys{_ORDER}")
            else:
                sql = f"SELECT {_COLUMNS} FROM api_keys WHERE tenant_id = ?{_ORDER}"
                rows = conn.execute(sql, (tenant_id,))
            return [_key(row) for row in rows]

        return await raising(self._db.read(select), KeyStoreUnavailable)

    async def revoke(self, key_id: str, at: str) -> ApiKey | None:
        sql = "UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE key_id = ?"
        await raising(
            self._db.write(lambda conn: conn.execute(sql, (at, key_id))), KeyStoreUnavailable
        )
        return await self.get(key_id)

    async def touch(self, key_id: str, at: str) -> None:
        sql = "UPDATE api_keys SET last_used_at = ? WHERE key_id = ?"
        await raising(
            self._db.write(lambda conn: conn.execute(sql, (at, key_id))), KeyStoreUnavailable
        )

    async def close(self) -> None:
        return None
