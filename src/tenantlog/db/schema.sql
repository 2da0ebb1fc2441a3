-- The embedded backends' whole schema: queue, dead letters and the log store
-- live in one database file so that one process needs one writer.

CREATE TABLE IF NOT EXISTS queue_messages (
    id            INTEGER PRIMARY KEY,
    body          BLOB    NOT NULL,
    sent_at       REAL    NOT NULL,  -- unix seconds
    visible_at    REAL    NOT NULL,  -- hidden until then (visibility timeout, backoff)
    receive_count INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    tenant        TEXT    NOT NULL DEFAULT ''  -- the message's group, served in turn
);
-- A receive goes round the tenants (skipping from one to the next through this index)
-- and takes each one's oldest visible messages. It replaced an index on (visible_at, id).
-- (Files made before fairness get the tenant column from tenantlog.db.migrations.)
DROP INDEX IF EXISTS queue_messages_by_visibility;
CREATE INDEX IF NOT EXISTS queue_messages_by_tenant ON queue_messages (tenant, visible_at, id);

CREATE TABLE IF NOT EXISTS dead_letters (
    id            INTEGER PRIMARY KEY,
    message_id    INTEGER NOT NULL,
    body          BLOB    NOT NULL,
    sent_at       REAL    NOT NULL,
    receive_count INTEGER NOT NULL,
    reason        TEXT    NOT NULL,
    dead_at       REAL    NOT NULL,
    tenant        TEXT    NOT NULL DEFAULT ''  -- kept for the redrive, and for erasure
);

-- WITHOUT ROWID clusters each tenant's rows together on disk, in log_id order.
CREATE TABLE IF NOT EXISTS logs (
    tenant_id     TEXT    NOT NULL,
    log_id        TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    original_text TEXT,
    modified_data TEXT    NOT NULL,
    received_at   TEXT    NOT NULL,
    processed_at  TEXT    NOT NULL,
    attempts      INTEGER NOT NULL,
    redactions    TEXT    NOT NULL,  -- JSON object: type -> count
    expires_at    INTEGER,           -- unix seconds the tenant's retention ends; NULL: forever
    timestamp     TEXT,              -- the client's event time, RFC 3339 UTC, 9 digits
    severity      TEXT,
    severity_number INTEGER,         -- OTLP's 1-24
    attributes    TEXT,              -- JSON object of strings (redacted); NULL: none
    original_attributes TEXT,        -- their audit copy; NULL: none or not kept
    event_time    TEXT,              -- timestamp, or else received_at, 9 digits (search)
    seq           INTEGER,           -- store sequence: grows in commit order (live tail)
    PRIMARY KEY (tenant_id, log_id)
) WITHOUT ROWID;
-- The retention purge's way to the oldest expiries; logs kept forever stay out of it.
-- (Files made before retention get expires_at from tenantlog.db.migrations, run first.)
CREATE INDEX IF NOT EXISTS logs_by_expiry ON logs (expires_at) WHERE expires_at IS NOT NULL;
-- Searches by time (GET /tenants/{t}/logs?since=...): a tenant's logs in (event time,
-- log_id) order, which is also the order and the cursor of such a page.
CREATE INDEX IF NOT EXISTS logs_by_event_time ON logs (tenant_id, event_time, log_id);
-- The store sequence (a live tail's positions, the text indexer's progress). The table
-- clusters rows by key, so the order records were stored in needs a column of its own:
-- each write takes the next number (tenantlog.store.sqlite: one more than the greatest in
-- use or retired) inside its transaction, and SQLite has one writer, so a record
-- committed later never has a smaller one. A replaced expired record gets a new number.
-- (Files made before get seq from tenantlog.db.migrations, run first.)
CREATE INDEX IF NOT EXISTS logs_by_seq ON logs (seq);
-- The greatest number of a record deleted or replaced, so that no number is ever given
-- twice (the greatest in use may go with a delete). Kept by triggers on the rare writes
-- that retire a number, not on each insert.
CREATE TABLE IF NOT EXISTS log_sequence (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    retired INTEGER NOT NULL
);
INSERT INTO log_sequence (id, retired) SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM log_sequence);
CREATE TRIGGER IF NOT EXISTS logs_sequence_on_delete AFTER DELETE ON logs
    WHEN OLD.seq > (SELECT retired FROM log_sequence)
    BEGIN UPDATE log_sequence SET retired = OLD.seq; END;
CREATE TRIGGER IF NOT EXISTS logs_sequence_on_replace AFTER UPDATE OF seq ON logs
    WHEN OLD.seq > (SELECT retired FROM log_sequence)
    BEGIN UPDATE log_sequence SET retired = OLD.seq; END;

-- API keys (DESIGN §2a): only the SHA-256 digest of a secret is kept.
CREATE TABLE IF NOT EXISTS api_keys (
    key_id       TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    scopes       TEXT NOT NULL,  -- space-separated
    secret_hash  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    name         TEXT,
    expires_at   TEXT,
    revoked_at   TEXT,
    last_used_at TEXT
);

-- The audit trail: who created or revoked a key, who read unredacted text.
-- event_id is a UUIDv7, so its order is time order.
CREATE TABLE IF NOT EXISTS audit_events (
    event_id  TEXT PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    detail    TEXT NOT NULL  -- JSON object of strings
) WITHOUT ROWID;

-- Idempotency-Keys of ingest requests (DESIGN §2), kept for the idempotency window.
-- Times are unix seconds; first_attempt_ms seeds the request's derived log ids.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    tenant_id        TEXT    NOT NULL,
    key              TEXT    NOT NULL,
    fingerprint      TEXT    NOT NULL,
    first_attempt_ms INTEGER NOT NULL,
    done             INTEGER NOT NULL,
    lease_until      REAL    NOT NULL,
    expires_at       REAL    NOT NULL,
    PRIMARY KEY (tenant_id, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idempotency_keys_by_expiry ON idempotency_keys (expires_at);

-- Per-tenant settings (DESIGN §2b): only what an operator set; the rest follows the
-- defaults. settings is a JSON object (rate_limit, burst, ...), so a new setting needs no
-- new column.
CREATE TABLE IF NOT EXISTS tenants (
    tenant_id  TEXT PRIMARY KEY,
    settings   TEXT NOT NULL,
    updated_at TEXT
) WITHOUT ROWID;

-- Usage per tenant and UTC day (DESIGN §2b), added to by each process's periodic flush of
-- its in-memory counts (tenantlog.core.usage): one increment per (tenant, day) and flush,
-- never a write per request. day is YYYY-MM-DD, so text order is day order.
CREATE TABLE IF NOT EXISTS usage (
    tenant_id          TEXT    NOT NULL,
    day                TEXT    NOT NULL,
    accepted_logs      INTEGER NOT NULL DEFAULT 0,
    accepted_bytes     INTEGER NOT NULL DEFAULT 0,
    rate_limited_logs  INTEGER NOT NULL DEFAULT 0,
    stored_logs        INTEGER NOT NULL DEFAULT 0,
    dead_lettered_logs INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, day)
) WITHOUT ROWID;
-- Every tenant's days of a window (the admin's listing) without reading older days.
CREATE INDEX IF NOT EXISTS usage_by_day ON usage (day);

-- Erasure (DESIGN §2b). A deleted log leaves a tombstone here, so that the conditional
-- write in tenantlog.store.sqlite never writes that (tenant_id, log_id) again: not a
-- redelivered message, an Idempotency-Key retry or a client reusing the id.
CREATE TABLE IF NOT EXISTS erased_logs (
    tenant_id TEXT NOT NULL,
    log_id    TEXT NOT NULL,
    erased_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, log_id)
) WITHOUT ROWID;

-- Erasures of a tenant's logs and their progress. Once a row is here, no log of the tenant
-- received at or before its "before" (RFC 3339, compared as text with received_at) is
-- written or read; the rows are kept, since the greatest "before" is the tenant's mark.
CREATE TABLE IF NOT EXISTS erasures (
    tenant_id        TEXT    NOT NULL,
    erasure_id       TEXT    NOT NULL,  -- UUIDv7
    before           TEXT    NOT NULL,
    requested_by     TEXT    NOT NULL,
    status           TEXT    NOT NULL,  -- erasing | done
    records_deleted  INTEGER NOT NULL,
    messages_deleted INTEGER NOT NULL,
    finished_at      TEXT,
    PRIMARY KEY (tenant_id, erasure_id)
) WITHOUT ROWID;
