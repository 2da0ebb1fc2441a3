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
