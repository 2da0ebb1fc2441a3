-- The text index of the logs' searchable text (tenantlog.store.sqlite_text_index): run
-- after schema.sql when this SQLite has FTS5, skipped when it has not (search scans).
--
-- The index itself is a set of FTS5 tables, log_text_<n>, each for one range of store
-- sequence numbers, made by the indexer (with their triggers) when it first reaches the
-- range. They are contentless: they keep trigrams and each row's seq only, never the
-- text, and the text they are given is the Python-folded modified_data (never
-- original_text), so that a phrase of the folded query is exactly the substring test
-- of tenantlog.core.query.

-- The indexer's progress: every record with seq <= indexed is in the index (a search
-- scans the ones after it).
CREATE TABLE IF NOT EXISTS text_index_progress (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    indexed INTEGER NOT NULL
);
INSERT INTO text_index_progress (id, indexed) SELECT 1, 0
    WHERE NOT EXISTS (SELECT 1 FROM text_index_progress);
-- The index's tables (shard n: log_text_<n>). deleted counts the entries removed from
-- one since it was last rewritten: an FTS5 delete leaves the old trigrams in the file
-- until then. erased is 1 once an erasure or a delete (not the retention purge) has
-- removed entries from it: the erasure rewrites it before it is done.
CREATE TABLE IF NOT EXISTS text_index_shards (
    shard   INTEGER PRIMARY KEY,
    deleted INTEGER NOT NULL,
    erased  INTEGER NOT NULL DEFAULT 0
);
