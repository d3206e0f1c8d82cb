-- Foundation: API keys.
CREATE TABLE api_keys (
    key_id      TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'author', 'approver', 'lms', 'bi')),
    secret_hash TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    revoked_ms  INTEGER NOT NULL DEFAULT 0
);
