"""Worker throughput on the SQLite backends, and the seed's default workload.

1. Queue → store with simulated crash and delay at 0: logs/s through the real
   worker (receive, redact, conditional insert, ack; every step committed with
   fsync), next to a baseline run in the same process: the same rows written
   straight to SQLite by one loop in transactions of 100 — the storage
   engine's ceiling without any queue semantics. The logs belong to
   ``--tenants`` tenants in turn (10 by default), so receives go round them.
2. The seed's defaults (0.05 s per character, crash probability 0.05):
   wall time until 1,000 logs of 100 characters are all stored by one
   process. The seed processes a Lambda batch serially: 5 s per such log.

    python bench/worker.py [--logs 30000] [--tenants 10]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import tempfile
import time
from importlib import resources
from pathlib import Path

from tenantlog.core.models import InternalMessage
from tenantlog.core.processing import ProcessingPolicy, Processor
from tenantlog.core.queue import Outgoing
from tenantlog.db.sqlite import SqliteDatabase
from tenantlog.queue.sqlite import SqliteQueue
from tenantlog.redaction import Redactor
from tenantlog.store.sqlite import SqliteStore
from tenantlog.worker import Worker

TEXT = "User 555-0199 accessed system from 10.1.2.3 at 2024-01-01T00:00:00Z"


def bodies(count: int, text: str = TEXT, tenants: int = 10) -> list[Outgoing]:
    """``count`` messages of ``tenants`` tenants in turn, each in its tenant's group."""
    messages = []
    for n in range(count):
        tenant = f"tenant-{n % tenants}"
        body = InternalMessage(
            tenant, f"log-{n:07d}", "json_upload", text, "2024-01-01T00:00:00.000Z"
        ).encode()
        messages.append(Outgoing(tenant, body))
    return messages


async def drain(
    data_dir: Path, messages: list[Outgoing], policy: ProcessingPolicy, expected: int
) -> float:
    """Seconds for one worker to store ``expected`` records from a pre-filled queue."""
    database = await SqliteDatabase.open(data_dir)
    queue = SqliteQueue(database)
    store = SqliteStore(database)
    for start in range(0, len(messages), 1000):
        await queue.send(messages[start : start + 1000])
    processor = Processor(store, Redactor(), policy, rng=random.Random(1))
    worker = Worker(queue, processor, batch_size=5, max_batches=256, shutdown_grace=60)
    stopping = asyncio.Event()
    started = time.perf_counter()
    task = asyncio.create_task(worker.run(stopping))
    while True:
        await asyncio.sleep(0.02)
        stored = await database.read(
            lambda conn: conn.execute("SELECT count(*) FROM logs").fetchone()[0]
        )
        if stored >= expected:
            break
    elapsed = time.perf_counter() - started
    stopping.set()
    await task
    await database.close()
    return elapsed


def baseline(data_dir: Path, messages: list[Outgoing]) -> float:
    """The same rows straight through sqlite3: insert log rows, delete queue rows, 100 a commit."""
    schema = resources.files("tenantlog.db").joinpath("schema.sql").read_text()
    conn = sqlite3.connect(data_dir / "baseline.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.executescript(schema)
    conn.executemany(
        "INSERT INTO queue_messages (tenant, body, sent_at, visible_at) VALUES (?, ?, 0, 0)",
        messages,
    )
    redactor = Redactor()
    started = time.perf_counter()
    for start in range(0, len(messages), 100):
        conn.execute("BEGIN IMMEDIATE")
        for offset, (_, body) in enumerate(messages[start : start + 100]):
            message = InternalMessage.decode(body)
            conn.execute(
                "INSERT INTO logs (tenant_id, log_id, source, original_text, modified_data,"
                " received_at, processed_at, attempts, redactions)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 1, '{}') ON CONFLICT DO NOTHING",
                (
                    message.tenant_id,
                    message.log_id,
                    message.source,
                    message.text,
                    redactor.redact(message.text),
                    message.received_at,
                    message.received_at,
                ),
            )
            conn.execute("DELETE FROM queue_messages WHERE id = ?", (start + offset + 1,))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--logs", type=int, default=30_000)
    parser.add_argument("--tenants", type=int, default=10, help="tenants the logs belong to")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        messages = bodies(args.logs, tenants=args.tenants)
        fast = ProcessingPolicy(crash_probability=0, processing_delay_per_char=0)
        ours = asyncio.run(drain(work / "fast", messages, fast, args.logs))
        (work / "base").mkdir()
        base = baseline(work / "base", messages)
        print(f"queue -> store, crash 0, delay 0, {args.logs:,} logs of {args.tenants} tenants")
        print(
            f"  tenantlog worker (fsync'd receive, insert, ack) {args.logs / ours:>10,.0f} logs/s"
        )
        print(
            f"  baseline: one loop, raw sqlite3, 100 per commit {args.logs / base:>10,.0f} logs/s"
        )
        print(f"  ratio: {base / ours:.0%} of the baseline (target >= 10,000 logs/s)")

        seed = ProcessingPolicy()  # the seed's defaults: 0.05 s/char, crash 0.05
        seed_logs = bodies(1000, text="x" * 100)
        wall = asyncio.run(drain(work / "seed", seed_logs, seed, 1000))
        clean = asyncio.run(
            drain(work / "seed0", seed_logs, ProcessingPolicy(crash_probability=0), 1000)
        )
        print()
        print("seed defaults: 1,000 logs of 100 characters, 0.05 s per character (5 s each)")
        print(f"  crash probability 0.05 (default): all stored in {wall:.1f} s")
        print(f"  crash probability 0:              all stored in {clean:.1f} s")
        print("  the seed, one log after another per batch of 5: 25.5 s per batch")


if __name__ == "__main__":
    main()
