"""Worker throughput on the SQLite backends, and the seed's default workload.

1. Queue → store with simulated crash and delay at 0: logs/s through the real
   worker (receive, redact, conditional insert, ack; every step committed with
   fsync), next to a baseline run in the same process: the same rows written
   straight to SQLite by one loop in transactions of 100 — the storage
   engine's ceiling without any queue semantics — into a file with the
   store's whole schema (store sequence, text index tables and triggers).
   The logs belong to ``--tenants`` tenants in turn (10 by default), so
   receives go round them; ``--rounds`` alternates worker and baseline.
2. The seed's defaults (0.05 s per character, crash probability 0.05):
   wall time until 1,000 logs of 100 characters are all stored by one
   process. The seed processes a Lambda batch serially: 5 s per such log.

    python bench/worker.py [--logs 30000] [--tenants 10] [--rounds 3] [--no-seed]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import orjson

from tenantlog.core.models import InternalMessage
from tenantlog.core.processing import ProcessingPolicy, Processor
from tenantlog.core.queue import Outgoing
from tenantlog.db.sqlite import SECURE_DELETE, SqliteDatabase
from tenantlog.queue.sqlite import SqliteQueue
from tenantlog.redaction import Redactor
from tenantlog.store.sqlite import SqliteStore
from tenantlog.store.sqlite_sequence import SEQUENCE_END
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
    """The same rows straight through sqlite3: insert log rows, delete queue rows, 100 a commit.

    The file is made by ``SqliteDatabase.open``, so it has the store's schema: the
    index on the store sequence, the text index's tables and their triggers. Each
    row takes its ``seq`` by the store's own expression and carries every column
    the worker writes; what the baseline leaves out is the queue's semantics
    (claims, receipts, fair turns) and the erasure checks.
    """
    database = asyncio.run(SqliteDatabase.open(data_dir))
    asyncio.run(database.close())
    conn = sqlite3.connect(database.path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(f"PRAGMA secure_delete={SECURE_DELETE}")
    conn.executemany(
        "INSERT INTO queue_messages (tenant, body, sent_at, visible_at) VALUES (?, ?, 0, 0)",
        messages,
    )
    first_id = conn.execute("SELECT min(id) FROM queue_messages").fetchone()[0]
    redactor = Redactor()
    insert = (
        "INSERT INTO logs (tenant_id, log_id, source, original_text, modified_data,"
        " received_at, processed_at, attempts, redactions, event_time, seq)"
        f" VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, {SEQUENCE_END} + 1)"
        " ON CONFLICT DO NOTHING"
    )
    started = time.perf_counter()
    for start in range(0, len(messages), 100):
        conn.execute("BEGIN IMMEDIATE")
        for offset, (_, body) in enumerate(messages[start : start + 100]):
            message = InternalMessage.decode(body)
            redaction = redactor.redact_counted(message.text)
            conn.execute(
                insert,
                (
                    message.tenant_id,
                    message.log_id,
                    message.source,
                    message.text,
                    redaction.text,
                    message.received_at,
                    message.received_at,
                    orjson.dumps(dict(redaction.counts)).decode(),
                    message.received_at,
                ),
            )
            conn.execute("DELETE FROM queue_messages WHERE id = ?", (first_id + start + offset,))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    stored = conn.execute("SELECT count(*) FROM logs").fetchone()[0]
    conn.close()
    if stored != len(messages):
        raise SystemExit(f"baseline stored {stored} of {len(messages)} logs")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--logs", type=int, default=30_000)
    parser.add_argument("--tenants", type=int, default=10, help="tenants the logs belong to")
    parser.add_argument("--rounds", type=int, default=1, help="worker and baseline, in turn")
    parser.add_argument("--no-seed", action="store_true", help="skip part 2 (about 20 s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        messages = bodies(args.logs, tenants=args.tenants)
        fast = ProcessingPolicy(crash_probability=0, processing_delay_per_char=0)
        print(f"queue -> store, crash 0, delay 0, {args.logs:,} logs of {args.tenants} tenants")
        ratios = []
        for round_ in range(args.rounds):
            ours = asyncio.run(drain(work / f"fast{round_}", messages, fast, args.logs))
            (work / f"base{round_}").mkdir()
            base = baseline(work / f"base{round_}", messages)
            ratios.append(base / ours)
            print(
                f"  tenantlog worker (fsync'd receive, insert, ack) {args.logs / ours:>10,.0f}"
                f" logs/s; baseline (raw sqlite3, 100 a commit) {args.logs / base:>10,.0f} logs/s;"
                f" ratio {base / ours:.2f}"
            )
        print(
            f"  ratio: median {statistics.median(ratios):.2f} of the baseline"
            " (target >= 0.7, and >= 10,000 logs/s)"
        )
        if args.no_seed:
            return

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
