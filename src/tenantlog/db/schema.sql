-- The embedded backends' whole schema: queue, dead letters and the log store
-- live in one database file so that one process needs one writer.

CREATE TABLE IF NOT EXISTS queue_messages (
    id            INTEGER PRIMARY KEY,
    body          BLOB    NOT NULL,
    sent_at       REAL    NOT NULL,  -- unix seconds
    visible_at    REAL    NOT NULL,  -- hidden until then (visibility timeout, backoff)
    receive_count INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT
);
CREATE INDEX IF NOT EXISTS queue_messages_by_visibility ON queue_messages (visible_at, id);

CREATE TABLE IF NOT EXISTS dead_letters (
    id            INTEGER PRIMARY KEY,
    message_id    INTEGER NOT NULL,
    body          BLOB    NOT NULL,
    sent_at       REAL    NOT NULL,
    receive_count INTEGER NOT NULL,
    reason        TEXT    NOT NULL,
    dead_at       REAL    NOT NULL
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
    PRIMARY KEY (tenant_id, log_id)
) WITHOUT ROWID;

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
