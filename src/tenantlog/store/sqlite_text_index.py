"""The text index of the embedded store: FTS5 trigrams of each log's folded text, kept up
in the background.

Keeping the index in the record's own transaction would cost ingest most of its
speed (the trigrams of one 200-byte line are some 200 index entries), so records
are indexed after they are stored, in batches, by ``TextIndexer.run`` in the
worker process: one batch per write transaction, through the database's group
commit, where it takes its turn with ingest like the retention purge. The
progress, ``text_index_progress.indexed``, is a store sequence number (every
record at or below it is indexed) read and moved in the batch's own transaction,
so several worker processes on one file never index a record twice.

Searches stay exact whatever the lag: a search asks the index for the records
stored up to the progress and scans the few stored after it
(tenantlog.store.sqlite). The lag costs speed only.

Deletes (erasure, retention, a replaced expired record) take the record out of
the index in their own statement (triggers), but FTS5 (as of SQLite 3.40,
without its secure-delete option) only adds a delete marker: the old trigrams
stay in the index's pages until those are merged. ``forget_erased`` rewrites
the index (FTS5's incremental optimize, in steps between other writes) so that
they are gone from the file; an erasure and a delete call it before they empty
the WAL. A rewrite costs in proportion to the index it rewrites, so the index is
split by store sequence into shards of ``SHARD_SEQS`` records, one FTS5 table
each, and only a shard that erased records were deleted from is rewritten:
deleting one log costs the rewrite of one shard, whatever the size of the store.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from tenantlog.core.query import fold
from tenantlog.core.store import StoreUnavailable
from tenantlog.db.sqlite import SqliteDatabase, raising
from tenantlog.store.rounds import run_in_rounds
from tenantlog.store.sqlite_sequence import SEQUENCE_END

log = logging.getLogger("tenantlog.store")

#: Records one indexing transaction takes at most, while there is a backlog: a heavy
#: write that commits alone (the writer alternates it with light ones), holding SQLite's
#: one write lock, which the API's commits (another process) wait for. 10,000 held it
#: 150-350 ms and set ingest's p99 while the worker was busy (bench/serve_isolation.py:
#: 339-438 ms; 137-147 ms at 2,000; 102 ms at 500, but with busy p50 up by half).
#: Bigger batches index faster (10,000 about 1.7 times as fast as 2,000 on
#: bench/search.py's data): the index's lag under a backlog pays for ingest's tail.
INDEX_BATCH = 2_000
#: Seconds between rounds once caught up (a full batch is followed by another at once).
#: A round indexes what came since the last, so a longer wait means fewer, bigger
#: batches (cheaper for ingest) and a longer lag: at 2 s, a record is searchable through
#: the index within about 2 s (bench/search.py measures it).
INDEX_EVERY_SECONDS = 2.0
#: Folded queries shorter than this have no trigram: they scan.
MIN_INDEXED_LENGTH = 3
#: Index pages one step of a rewrite writes at most: a step holds the writer for about
#: 150 ms (bench/search.py), and single logs wait for no more than one.
REWRITE_PAGES = 2000
#: The rows the group commit counts a rewrite step as: heavy, so light writes (single
#: logs, receives, acks) go first, and take turns with the steps.
REWRITE_ROWS = 10_000
#: Store sequence numbers per shard of the index (log_text_<n> holds seq numbers
#: n * SHARD_SEQS + 1 to (n + 1) * SHARD_SEQS). A shard's rewrite takes about 2 s
#: (bench/search.py); a search asks every shard. Fixed for good: files map seq
#: numbers to shards by it.
SHARD_SEQS = 250_000


def phrase(text: str) -> str:
    """An FTS5 query matching the folded ``text`` as a substring: one quoted phrase of its
    trigrams (the quotes make every character literal)."""
    return '"' + fold(text).replace('"', '""') + '"'


def _table(shard: int) -> str:
    return f"log_text_{shard}"


def _shards(conn: sqlite3.Connection) -> list[int]:
    return [row[0] for row in conn.execute("SELECT shard FROM text_index_shards ORDER BY shard")]


def _create_shard(conn: sqlite3.Connection, shard: int) -> None:
    """Make the FTS5 table of ``shard`` and the triggers that take deleted or replaced
    records out of it (given the fold of their text: a contentless table needs it)."""
    table, low, high = _table(shard), shard * SHARD_SEQS + 1, (shard + 1) * SHARD_SEQS
    conn.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5("
        "text, content = '', columnsize = 0, tokenize = 'trigram case_sensitive 1')"
    )
    # Merge 8 segments of a level at a time rather than 4: the indexer writes about a
    # quarter faster, and a search reads a few more segments.
    conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('automerge', 8)")
    for name, event in (("delete", "DELETE"), ("replace", "UPDATE OF seq")):
        conn.execute(
            f"CREATE TRIGGER IF NOT EXISTS {table}_on_{name} AFTER {event} ON logs"
            f" WHEN OLD.seq BETWEEN {low} AND {high}"
            " AND OLD.seq <= (SELECT indexed FROM text_index_progress) BEGIN"
            f" INSERT INTO {table} ({table}, rowid, text)"
            " VALUES ('delete', OLD.seq, casefold(OLD.modified_data));"
            f" UPDATE text_index_shards SET deleted = deleted + 1 WHERE shard = {shard};"
            " END"
        )
    conn.execute("INSERT INTO text_index_shards (shard, deleted) VALUES (?, 0)", (shard,))


def _index_batch(conn: sqlite3.Connection, batch: int) -> int:
    """Index the next ``batch`` records after the progress, in the caller's transaction;
    how many records it indexed."""
    indexed: int = conn.execute("SELECT indexed FROM text_index_progress").fetchone()[0]
    rows = conn.execute(
        "SELECT seq, modified_data FROM logs INDEXED BY logs_by_seq"
        " WHERE seq > ? ORDER BY seq LIMIT ?",
        (indexed, batch),
    ).fetchall()
    by_shard: dict[int, list[tuple[int, str]]] = {}
    for seq, text in rows:
        by_shard.setdefault((seq - 1) // SHARD_SEQS, []).append((seq, fold(text)))
    made = set(_shards(conn))
    for shard, entries in by_shard.items():
        if shard not in made:
            _create_shard(conn, shard)
        conn.executemany(f"INSERT INTO {_table(shard)} (rowid, text) VALUES (?, ?)", entries)
    if len(rows) == batch:
        progress = rows[-1][0]
    else:  # every record stored so far is indexed (this transaction holds the writer)
        progress = conn.execute(f"SELECT {SEQUENCE_END}").fetchone()[0]
    conn.execute("UPDATE text_index_progress SET indexed = ?", (max(progress, indexed),))
    return len(rows)


def candidates(conn: sqlite3.Connection, text: str, most: int) -> list[int] | None:
    """The seq of every indexed record whose folded text contains the folded ``text``,
    from every shard; None if there are more than ``most``."""
    query = phrase(text)
    found: list[int] = []
    for shard in _shards(conn):
        table = _table(shard)
        found += [
            row[0]
            for row in conn.execute(
                f"SELECT rowid FROM {table} WHERE {table} MATCH ? LIMIT ?",
                (query, most + 1 - len(found)),
            )
        ]
        if len(found) > most:
            return None
    return found


def mark_erased(conn: sqlite3.Connection, seqs: list[int]) -> None:
    """Note, in the transaction that deletes them, that erased records were in the shards
    of ``seqs``: ``forget_erased`` rewrites those (from any process, after a restart too).
    Shards that only the retention purge deleted from are left to FTS5's own merges."""
    shards = sorted({(seq - 1) // SHARD_SEQS for seq in seqs if seq is not None})
    conn.executemany(
        "UPDATE text_index_shards SET erased = 1 WHERE shard = ?", [(s,) for s in shards]
    )


def _rewrite_step(conn: sqlite3.Connection) -> bool:
    """One step of rewriting a shard that erased records were deleted from; whether none
    is left (every delete applied, the old trigrams' pages freed).

    A negative 'merge' is FTS5's incremental optimize: it merges every segment
    of the shard towards one, writing about REWRITE_PAGES pages. When it finds
    nothing left to merge (SQLite counts fewer than 2 changes), the shard is one
    segment, which holds no deleted entry; deletes made meanwhile added segments
    of their own, so they are merged in before that.
    """
    row = conn.execute(
        "SELECT shard, deleted FROM text_index_shards WHERE erased = 1 ORDER BY shard LIMIT 1"
    ).fetchone()
    if row is None:
        return True
    shard, deleted = row
    if deleted:
        table = _table(shard)
        before = conn.total_changes
        merge = f"INSERT INTO {table} ({table}, rank) VALUES ('merge', ?)"
        conn.execute(merge, (-REWRITE_PAGES,))
        if conn.total_changes - before >= 2:
            return False
    conn.execute("UPDATE text_index_shards SET deleted = 0, erased = 0 WHERE shard = ?", (shard,))
    return False


def optimize(conn: sqlite3.Connection) -> None:
    """Rewrite every shard whole, each in one statement (for tools and benchmarks: it holds
    the writer for as long as that takes)."""
    for shard in _shards(conn):
        conn.execute(f"INSERT INTO {_table(shard)} ({_table(shard)}) VALUES ('optimize')")


class TextIndexer:
    """Builds and trims the text index of one database (a no-op without FTS5)."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def index_batch(self, batch: int = INDEX_BATCH) -> int:
        """One write transaction indexing up to ``batch`` records; how many it indexed."""
        if not self._db.text_index:
            return 0
        write = self._db.write(
            lambda conn: _index_batch(conn, batch), several_statements=True, rows=batch
        )
        indexed: int = await raising(write, StoreUnavailable)
        return indexed

    async def forget_erased(self) -> None:
        """Rewrite the shards of the index that erased records were deleted from
        (``mark_erased``), so that their trigrams are gone from its pages, not only
        marked deleted.

        A shard is rewritten whole, so it costs in proportion to the shard
        (bench/search.py measures it), in steps of a write transaction each, which
        take turns with other writes. Erasures and deletes call it; ingest does not.
        """
        if not self._db.text_index:
            return
        while True:
            write = self._db.write(_rewrite_step, several_statements=True, rows=REWRITE_ROWS)
            if await raising(write, StoreUnavailable):
                return

    async def run(
        self,
        stopping: asyncio.Event,
        *,
        every: float = INDEX_EVERY_SECONDS,
        batch: int = INDEX_BATCH,
    ) -> None:
        """Index new records until ``stopping`` is set: batches back to back while they come
        back full (a backlog), then a round every ``every`` seconds.

        A failed round is logged and tried again at the next; searches stay exact
        meanwhile (they scan what the index lacks), only slower.
        """
        if not self._db.text_index:
            log.warning("this SQLite has no FTS5: text search scans each tenant's logs")
            return
        await run_in_rounds(
            self.index_batch, stopping, every=every, batch=batch, doing="indexing logs' text"
        )
