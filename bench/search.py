"""Search on the SQLite backend: first pages through the indexes against full scans, the
text index's build time and lag, and what the indexes cost the worker.

1. A file of ``--records`` stored logs (2,000,000 by default) of 10 tenants, half
   of them the queried tenant's, written straight into the store's schema (raw
   sqlite3, after ``SqliteDatabase.open`` made the schema), then text-indexed by
   the real indexer (timed). The file is kept under bench/results/ and reused
   while its schema version and size are the same.
2. For each query, the median time of its first page (100 logs) through
   ``SqliteStore.list``, next to the same page found by a full scan: the same
   conditions on every row of the tenant (``NOT INDEXED``: the table itself, in
   key order), sorted by time.
3. The text index's lag (seconds from a record's commit until the index holds
   it) while a writer stores ``--rate`` logs/s, indexer running, on a new file.
4. The worker's throughput (bench/worker.py's drain) without the store
   sequence's index and counter and without the text index, with them, and with
   the indexer running beside it: what the indexes cost ingest.

    python bench/search.py [--records 2000000] [--rate 2000] [--worker-logs 60000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from worker import bodies  # a script's folder is on its path

from tenantlog.core.models import LogRecord
from tenantlog.core.processing import ProcessingPolicy, Processor
from tenantlog.core.query import LogQuery, parse_query
from tenantlog.db.sqlite import DATABASE_FILE, SqliteDatabase
from tenantlog.queue.sqlite import SqliteQueue
from tenantlog.redaction import Redactor
from tenantlog.store import sqlite as sqlite_store
from tenantlog.store.sqlite import _COLUMNS, SqliteStore, _search
from tenantlog.store.sqlite_sequence import SEQUENCE_END
from tenantlog.store.sqlite_text_index import TextIndexer, optimize
from tenantlog.worker import Worker

#: Bump when the schema or the generated data change: a cached file of another version is
#: built again.
SCHEMA_VERSION = 3
RESULTS = Path(__file__).parent / "results"
TENANTS = 10
QUERIED = "tenant-0"
#: The data's last event: the queries' "now".
END = datetime(2024, 3, 1, tzinfo=UTC).timestamp()
SPAN_SECONDS = 30 * 86_400
RARE = "zeppelin"  # in about 1 log in 200,000
COMMON = "timeout"  # in about 1 log in 12
SEVERITIES = ["info"] * 14 + ["INFO"] * 4 + ["debug"] * 3 + ["warn"] * 2 + ["error", "ERROR"]
SERVICES = ["payments", "auth", "search", "cart", "email", "billing", "gateway", "profile"]
REGIONS = ["eu-west-1", "us-east-1", "ap-south-1", "sa-east-1"]
WORDS = [
    "request",
    "user",
    "order",
    "session",
    "cache",
    "database",
    "query",
    "retry",
    "handler",
    "worker",
    "queue",
    "message",
    "started",
    "finished",
    "failed",
    "succeeded",
    "connection",
    "upstream",
    "downstream",
    "latency",
    "bytes",
    "sent",
    "received",
    "token",
    "refresh",
    "expired",
    "invalid",
    "accepted",
    "rejected",
    "scheduled",
    "job",
    "batch",
    "item",
    "inventory",
    "shipment",
    "checkout",
    "price",
    "discount",
    "account",
    "profile",
    "update",
    "delete",
    "create",
    "read",
    "GET",
    "POST",
    "PUT",
    "DELETE",
    "/api/v1/orders",
    "/api/v1/users",
    "/health",
    "status=200",
    "status=404",
    "status=500",
    "took",
    "ms",
    "from",
    "to",
    "via",
    "with",
    "for",
    "the",
    "a",
    "of",
    "in",
    "on",
    "at",
    "by",
]


WITH_SEQUENCE = sqlite_store._INSERT
#: The conditional write as it was before the store sequence (the "none" variant).
WITHOUT_SEQUENCE = (
    WITH_SEQUENCE.replace(", event_time, seq)", ", event_time)")
    .replace(f", :event_time, {SEQUENCE_END} + 1", ", :event_time")
    .replace(", seq = excluded.seq", "")
)


def iso(seconds: float, digits: int) -> str:
    whole = int(seconds)
    text = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{seconds - whole:.9f}"[2 : 2 + digits]
    return f"{text}.{fraction}Z"


def line(rng: random.Random) -> str:
    """A log line of 50-300 bytes: common words, numbers, now and then the rare word."""
    target = rng.randint(50, 300)
    words: list[str] = []
    size = 0
    while size < target:
        draw = rng.random()
        if draw < 0.000005:
            word = RARE
        elif draw < 0.007:
            word = COMMON
        elif draw < 0.2:
            word = str(rng.randint(0, 99_999))
        else:
            word = rng.choice(WORDS)
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:300]


def rows(count: int, seed: int = 1) -> Iterator[tuple[Any, ...]]:
    """The stored rows, in event-time order, every other one the queried tenant's."""
    rng = random.Random(seed)
    step = SPAN_SECONDS / count
    for n in range(count):
        tenant = QUERIED if n % 2 == 0 else f"tenant-{1 + (n // 2) % (TENANTS - 1)}"
        at = END - SPAN_SECONDS + n * step
        text = line(rng)
        severity = rng.choice(SEVERITIES)
        attributes = orjson.dumps(
            {"service": rng.choice(SERVICES), "region": rng.choice(REGIONS)}
        ).decode()
        timestamp = iso(at, 9)
        yield (
            tenant,
            f"log-{n:09d}",
            "json_upload",
            text,
            text,
            iso(at, 3),
            iso(at, 3),
            1,
            "{}",
            None,
            timestamp,
            severity,
            None,
            attributes,
            None,
            timestamp,
            n + 1,
        )


async def build(records: int) -> tuple[Path, dict[str, float]]:
    """The cached data directory for ``records`` logs, and the seconds the indexer took to
    index them and then to rewrite the whole index (as an erasure does), measured when
    the file was built."""
    data_dir = RESULTS / f"search-v{SCHEMA_VERSION}-{records}"
    if (data_dir / "complete").exists():
        return data_dir, orjson.loads((data_dir / "complete").read_bytes())
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / DATABASE_FILE).unlink(missing_ok=True)
    database = await SqliteDatabase.open(data_dir)  # the real schema, indexes and triggers
    await database.close()
    conn = sqlite3.connect(data_dir / DATABASE_FILE, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    insert = f"INSERT INTO logs ({_COLUMNS}, event_time, seq) VALUES ({', '.join('?' * 17)})"
    started = time.perf_counter()
    batch: list[tuple[Any, ...]] = []
    for row in rows(records):
        batch.append(row)
        if len(batch) == 50_000:
            conn.executemany(insert, batch)  # one transaction each: autocommit per call
            batch.clear()
    conn.executemany(insert, batch)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    print(f"wrote {records:,} logs in {time.perf_counter() - started:.0f} s (raw sqlite3)")
    database = await SqliteDatabase.open(data_dir)
    indexer = TextIndexer(database)
    started = time.perf_counter()
    while await indexer.index_batch() > 0:
        pass
    index_seconds = time.perf_counter() - started
    started = time.perf_counter()
    await database.write(optimize)
    rewrite_seconds = time.perf_counter() - started
    await database.close()
    built = {"index_seconds": index_seconds, "rewrite_seconds": rewrite_seconds}
    (data_dir / "complete").write_bytes(orjson.dumps(built))
    return data_dir, built


def queries() -> dict[str, LogQuery]:
    def asked(**params: str) -> LogQuery:
        return parse_query(params.items(), END)

    return {
        "(a) since=1h": asked(since="1h"),
        "(b) severity=error & attr.service=payments": asked(
            severity="error", order="desc", **{"attr.service": "payments"}
        ),
        f"(c) q={RARE} (rare)": asked(q=RARE.upper(), order="desc"),
        f"(d) q={COMMON} (common)": asked(q=COMMON, order="desc"),
    }


def full_scan(query: LogQuery) -> tuple[str, dict[str, Any]]:
    """The query's first page by reading every row of the tenant: the same conditions and
    order, with the time and id columns kept from any index ("+column"), so the tenant's
    rows are read in key order and the matches sorted."""
    where, params = _search(query, None)
    where = re.sub(r"(?<![:\w])(event_time|log_id)\b", r"+\1", where)
    params.update(tenant_id=QUERIED, now=END, limit=100)
    return f"SELECT {_COLUMNS} FROM logs WHERE {where} LIMIT :limit", params


async def median_ms(call: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


async def compare(data_dir: Path, repeat: int) -> None:
    database = await SqliteDatabase.open(data_dir)
    store = SqliteStore(database, clock=lambda: END)
    print(f"first page (100 logs) of {QUERIED}'s logs, median of {repeat}")
    print(f"  {'query':<46} {'indexes':>10} {'full scan':>11} {'ratio':>8}")
    for name, query in queries().items():
        page = await store.list(QUERIED, 100, None, query)

        async def listed(query: LogQuery = query) -> None:
            await store.list(QUERIED, 100, None, query)

        sql, params = full_scan(query)

        async def scanned(sql: str = sql, params: dict[str, Any] = params) -> list[Any]:
            return await database.read(lambda conn: conn.execute(sql, params).fetchall())

        assert [r[1] for r in await scanned()] == [r.log_id for r in page.items], name
        fast = await median_ms(listed, repeat)
        slow = await median_ms(scanned, max(1, repeat // 3))
        print(f"  {name:<46} {fast:>8.1f}ms {slow:>9.1f}ms {slow / fast:>7.0f}x")
    await database.close()


async def delete_cost(data_dir: Path) -> None:
    """Time ``SqliteStore.delete`` of one indexed log of another tenant (the index is
    rewritten in steps before the WAL is emptied), and the longest wait of a one-row
    write every 10 ms meanwhile. It changes the cached file: one log fewer."""
    database = await SqliteDatabase.open(data_dir)
    store = SqliteStore(database, clock=lambda: END)
    victim = await database.read(
        lambda c: c.execute(
            "SELECT log_id FROM logs WHERE tenant_id = 'tenant-9' LIMIT 1"
        ).fetchone()
    )
    waits: list[float] = []
    done = asyncio.Event()

    async def light_writes() -> None:
        while not done.is_set():
            started = time.perf_counter()
            await database.write(lambda c: c.execute("SELECT 1").fetchall())
            waits.append(time.perf_counter() - started)
            await asyncio.sleep(0.01)

    writing = asyncio.create_task(light_writes())
    started = time.perf_counter()
    assert await store.delete("tenant-9", victim[0]) is True
    seconds = time.perf_counter() - started
    done.set()
    await writing
    await database.close()
    print(
        f"DELETE of one indexed log (index rewritten in steps): {seconds:.1f} s;"
        f" one-row writes meanwhile waited at most {max(waits) * 1000:.0f} ms"
        f" (median {statistics.median(waits) * 1000:.1f} ms)"
    )


async def lag(rate: int, seconds: float) -> None:
    """Store ``rate`` logs/s for ``seconds`` with the indexer running; print its lag."""
    with tempfile.TemporaryDirectory() as tmp:
        database = await SqliteDatabase.open(Path(tmp))
        store = SqliteStore(database)
        stopping = asyncio.Event()
        indexing = asyncio.create_task(TextIndexer(database).run(stopping))
        committed: dict[int, float] = {}  # seq -> when the writer saw it committed
        lags: list[float] = []
        rng = random.Random(2)

        async def write() -> None:
            n = 0
            started = time.perf_counter()
            while time.perf_counter() - started < seconds:
                tick = time.perf_counter()
                batch = [
                    LogRecord(
                        QUERIED,
                        f"lag-{n + k:08d}",
                        "json_upload",
                        None,
                        line(rng),
                        iso(time.time(), 3),
                        iso(time.time(), 3),
                        1,
                        {},
                    )
                    for k in range(rate // 10)
                ]
                n += len(batch)
                await asyncio.gather(*(store.put_if_absent(r) for r in batch))
                last = await database.read(
                    lambda c: c.execute(f"SELECT {SEQUENCE_END}").fetchone()[0]
                )
                committed[last] = time.perf_counter()
                await asyncio.sleep(max(0.0, 0.1 - (time.perf_counter() - tick)))

        async def watch() -> None:
            while not stopping.is_set() or committed:
                indexed = await database.read(
                    lambda c: c.execute("SELECT indexed FROM text_index_progress").fetchone()[0]
                )
                now = time.perf_counter()
                for seq in [s for s in committed if s <= indexed]:
                    lags.append(now - committed.pop(seq))
                await asyncio.sleep(0.05)

        watching = asyncio.create_task(watch())
        await write()
        stopping.set()
        await asyncio.wait_for(indexing, 60)
        while committed:  # the last records: one more round of the indexer
            await TextIndexer(database).index_batch()
            await asyncio.sleep(0.1)
        await watching
        await database.close()
    lags.sort()
    print(
        f"text index lag, writing {rate:,} logs/s for {seconds:.0f} s:"
        f" median {statistics.median(lags):.2f} s, p99 {lags[int(len(lags) * 0.99)]:.2f} s,"
        f" max {lags[-1]:.2f} s (target < 5 s)"
    )


async def drain(data_dir: Path, logs: int, variant: str) -> float:
    """bench/worker.py's drain: seconds for one worker to store ``logs`` queued logs."""
    database = await SqliteDatabase.open(data_dir, text_index=variant != "none")
    if variant == "none":  # as before the store sequence: no seq, no index, no triggers
        drops = ["INDEX logs_by_seq", "TRIGGER logs_sequence_on_delete"]
        drops.append("TRIGGER logs_sequence_on_replace")
        await database.write(lambda c: [c.execute(f"DROP {what}") for what in drops])
        sqlite_store._INSERT = WITHOUT_SEQUENCE
    else:
        sqlite_store._INSERT = WITH_SEQUENCE
    queue, store = SqliteQueue(database), SqliteStore(database)
    messages = bodies(logs)
    for start in range(0, logs, 1000):
        await queue.send(messages[start : start + 1000])
    policy = ProcessingPolicy(crash_probability=0, processing_delay_per_char=0)
    processor = Processor(store, Redactor(), policy, rng=random.Random(1))
    worker = Worker(queue, processor, batch_size=5, max_batches=256, shutdown_grace=60)
    stopping = asyncio.Event()
    started = time.perf_counter()
    tasks = [asyncio.create_task(worker.run(stopping))]
    if variant == "indexer":
        tasks.append(asyncio.create_task(store.run_text_index(stopping)))
    while True:
        await asyncio.sleep(0.02)
        stored = await database.read(lambda c: c.execute("SELECT count(*) FROM logs").fetchone()[0])
        if stored >= logs:
            break
    elapsed = time.perf_counter() - started
    stopping.set()
    await asyncio.gather(*tasks)
    await database.close()
    return elapsed


async def write_cost(logs: int, rounds: int) -> None:
    variants = {
        "none": "no store sequence, no text index",
        "sequence": "store sequence (seq index, triggers)",
        "indexer": "store sequence + text indexer running",
    }
    rates: dict[str, list[float]] = {v: [] for v in variants}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(rounds):  # alternate, so that the machine's drift hits all
            for variant in variants:
                seconds = await drain(Path(tmp) / f"{variant}-{round_}", logs, variant)
                rates[variant].append(logs / seconds)
    print(f"worker throughput, {logs:,} logs of 10 tenants, median of {rounds} rounds")
    base = statistics.median(rates["none"])
    for variant, label in variants.items():
        rate = statistics.median(rates[variant])
        print(f"  {label:<42} {rate:>8,.0f} logs/s  {rate / base - 1:>+5.0%}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=9, help="runs of each indexed query")
    parser.add_argument("--rate", type=int, default=2000, help="logs/s written for the lag")
    parser.add_argument("--lag-seconds", type=float, default=20.0)
    parser.add_argument(
        "--no-delete", dest="delete", action="store_false", help="skip the DELETE's cost"
    )
    parser.add_argument("--worker-logs", type=int, default=60_000)
    parser.add_argument("--worker-rounds", type=int, default=3)
    args = parser.parse_args()
    data_dir, built = await build(args.records)
    seconds = built["index_seconds"]
    size = (data_dir / DATABASE_FILE).stat().st_size
    print(
        f"text index of {args.records:,} logs built by the indexer in {seconds:.0f} s"
        f" ({args.records / seconds:,.0f} logs/s); rewritten whole in one transaction"
        f" ('optimize') in {built['rewrite_seconds']:.1f} s; file {size / 1e9:.2f} GB"
    )
    await compare(data_dir, args.repeat)
    if args.delete:
        await delete_cost(data_dir)
    if args.lag_seconds > 0:
        await lag(args.rate, args.lag_seconds)
    if args.worker_rounds > 0:
        await write_cost(args.worker_logs, args.worker_rounds)


if __name__ == "__main__":
    asyncio.run(main())
