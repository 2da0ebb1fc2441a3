"""Retention end to end: real processes expire logs by their tenant's retention, and the
worker process deletes expired rows from the database file in the background."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from tenantlog.core.models import epoch_seconds, expiry_timestamp
from tenantlog.db.sqlite import DATABASE_FILE, SqliteDatabase
from tenantlog.store.sqlite import SqliteStore
from tests.support.factories import make_record
from tests.support.server import ServerProcess, wait_until

pytestmark = pytest.mark.slow


def rows(data_dir: Path) -> list[str]:
    conn = sqlite3.connect(data_dir / DATABASE_FILE)
    try:
        return [row[0] for row in conn.execute("SELECT log_id FROM logs ORDER BY log_id")]
    finally:
        conn.close()


def test_worker_process_purges_expired_rows_in_the_background(data_dir: Path) -> None:
    # GIVEN a database holding an expired log, one expiring in a day and one kept forever
    async def fill() -> None:
        database = await SqliteDatabase.open(data_dir)
        store = SqliteStore(database)
        now = int(time.time())
        await store.put_if_absent(
            replace(make_record(log_id="expired"), expires_at=expiry_timestamp(now - 1))
        )
        await store.put_if_absent(
            replace(make_record(log_id="later"), expires_at=expiry_timestamp(now + 86_400))
        )
        await store.put_if_absent(make_record(log_id="forever"))
        await database.close()

    asyncio.run(fill())
    # WHEN a worker process runs
    with ServerProcess(data_dir, command="worker") as worker:
        # THEN it deletes the expired row from the file at once, and only that one
        wait_until(lambda: rows(data_dir) == ["forever", "later"], seconds=20)
        # AND it stops cleanly with its purge running
        assert worker.stop() == 0


def test_served_log_carries_expires_at_from_the_tenants_retention(data_dir: Path) -> None:
    # GIVEN a service whose tenants keep logs 30 days by default
    env = {"TENANTLOG_RETENTION_DAYS": "30"}
    with ServerProcess(data_dir, env=env) as server, httpx.Client(base_url=server.url) as http:
        # WHEN a log is ingested and processed
        accepted = http.post("/ingest", json={"tenant_id": "acme", "text": "hello"})
        assert accepted.status_code == 202
        log_id = accepted.json()["log_id"]
        url = f"/tenants/acme/logs/{log_id}"
        wait_until(lambda: http.get(url).status_code == 200, seconds=20)
        record = http.get(url).json()
    # THEN it expires 30 days after it was received, in RFC 3339, rounded up to the second
    expected = epoch_seconds(record["received_at"]) + 30 * 86_400
    assert record["expires_at"].endswith("Z")
    assert 0 <= epoch_seconds(record["expires_at"]) - expected < 1
