"""Idempotency keys in the ``idempotency_keys`` table of the embedded database.

A claim is one function run by the database's single writer, inside its
transaction: read, decide, write, with no other writer in between. Expired
rows are deleted by the claims themselves, at most once a minute.
"""

from __future__ import annotations

import sqlite3
import time

from tenantlog.core.idempotency import Claim, IdempotencyUnavailable, KeyRecord, decide_claim
from tenantlog.db.sqlite import SqliteDatabase, raising

PURGE_EVERY_SECONDS = 60.0


class SqliteIdempotencyKeys:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        self._purged_at = float("-inf")

    async def claim(self, tenant_id: str, key: str, proposed: KeyRecord, now: float) -> Claim:
        purge = time.monotonic() - self._purged_at >= PURGE_EVERY_SECONDS
        if purge:
            self._purged_at = time.monotonic()

        def claim(conn: sqlite3.Connection) -> Claim:
            if purge:
                conn.execute("DELETE FROM idempotency_keys WHERE expires_at <= ?", (now,))
            row = conn.execute(
                "SELECT fingerprint, first_attempt_ms, done, lease_until, expires_at"
                " FROM idempotency_keys WHERE tenant_id = ? AND key = ?",
                (tenant_id, key),
            ).fetchone()
            existing = None if row is None else KeyRecord(row[0], row[1], bool(row[2]), *row[3:])
            owned, record = decide_claim(existing, proposed, now)
            if owned:
                conn.execute(
                    "INSERT OR REPLACE INTO idempotency_keys (tenant_id, key, fingerprint,"
                    " first_attempt_ms, done, lease_until, expires_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        tenant_id,
                        key,
                        record.fingerprint,
                        record.first_attempt_ms,
                        int(record.done),
                        record.lease_until,
                        record.expires_at,
                    ),
                )
            return Claim(owned, record)

        return await raising(self._db.write(claim), IdempotencyUnavailable)

    async def complete(self, tenant_id: str, key: str) -> None:
        sql = "UPDATE idempotency_keys SET done = 1 WHERE tenant_id = ? AND key = ?"
        await raising(
            self._db.write(lambda conn: conn.execute(sql, (tenant_id, key))),
            IdempotencyUnavailable,
        )

    async def release(self, tenant_id: str, key: str, fingerprint: str) -> None:
        sql = (
            "DELETE FROM idempotency_keys"
            " WHERE tenant_id = ? AND key = ? AND fingerprint = ? AND done = 0"
        )
        await raising(
            self._db.write(lambda conn: conn.execute(sql, (tenant_id, key, fingerprint))),
            IdempotencyUnavailable,
        )

    async def close(self) -> None:
        return None
