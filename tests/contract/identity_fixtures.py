"""Every key store and audit log backend, behind one fixture each, and a key factory.

Kept out of conftest.py and imported by the two identity contract modules,
so that the queue and store suites do not load the identity backends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tenantlog.core.audit import AuditLog
from tenantlog.core.keys import ApiKey, KeyStore, new_secret, secret_digest
from tenantlog.db.sqlite import SqliteDatabase

BACKENDS = ["memory", "sqlite", "dynamodb"]
CREATED = "2024-01-01T00:00:00.000Z"


def make_key(
    key_id: str = "key0000000000001",
    tenant_id: str = "acme",
    *,
    created_at: str = CREATED,
    scopes: frozenset[str] = frozenset({"ingest"}),
) -> ApiKey:
    """A key with only its required fields, and a real secret's digest."""
    return ApiKey(
        key_id=key_id,
        tenant_id=tenant_id,
        scopes=scopes,
        secret_hash=secret_digest(new_secret(key_id)),
        created_at=created_at,
    )


@pytest.fixture(params=BACKENDS)
async def key_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[KeyStore]:
    made: KeyStore
    database = None
    if request.param == "memory":
        from tenantlog.keys.memory import MemoryKeyStore

        made = MemoryKeyStore()
    elif request.param == "sqlite":
        from tenantlog.keys.sqlite import SqliteKeyStore

        database = await SqliteDatabase.open(tmp_path)
        made = SqliteKeyStore(database)
    else:
        from tests.support.aws_emulator import make_dynamodb_key_store

        made = await make_dynamodb_key_store()
    yield made
    await made.close()
    if database is not None:
        await database.close()


@pytest.fixture(params=BACKENDS)
async def audit_log(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AuditLog]:
    made: AuditLog
    database = None
    if request.param == "memory":
        from tenantlog.audit.memory import MemoryAuditLog

        made = MemoryAuditLog()
    elif request.param == "sqlite":
        from tenantlog.audit.sqlite import SqliteAuditLog

        database = await SqliteDatabase.open(tmp_path)
        made = SqliteAuditLog(database)
    else:
        from tests.support.aws_emulator import make_dynamodb_audit_log

        made = await make_dynamodb_audit_log()
    yield made
    await made.close()
    if database is not None:
        await database.close()
