-- xAPI statements: the normalized JSON plus the columns and side tables the
-- GET filters, voiding, attribution and KPIs read.
ALTER TABLE api_keys ADD COLUMN xapi_dedup_window_s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN hmac_secret TEXT;

CREATE TABLE xapi_statements (
    seq           BIGSERIAL PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    stored_ms     BIGINT NOT NULL,
    timestamp_ms  BIGINT NOT NULL,
    verb_id       TEXT NOT NULL,
    learner_key   TEXT,             -- the actor's key when the actor is an Agent
    object_type   TEXT NOT NULL,
    object_id     TEXT,             -- activity id, StatementRef id or agent key
    registration  TEXT,
    voided        BIGINT NOT NULL DEFAULT 0,
    voids_id      TEXT,             -- set on voiding statements: the target's id
    authority_key TEXT NOT NULL,    -- the API key that stored it
    dedup_sig     TEXT,             -- set on id-less statements of deduplicating clients
    body          TEXT NOT NULL
);
CREATE INDEX xapi_statements_stored ON xapi_statements (stored_ms);
CREATE INDEX xapi_statements_verb ON xapi_statements (verb_id, seq);
CREATE INDEX xapi_statements_registration ON xapi_statements (registration, seq)
    WHERE registration IS NOT NULL;
CREATE INDEX xapi_statements_voids ON xapi_statements (voids_id) WHERE voids_id IS NOT NULL;
CREATE INDEX xapi_statements_ref ON xapi_statements (object_id) WHERE object_type = 'StatementRef';
CREATE INDEX xapi_statements_dedup ON xapi_statements (authority_key, dedup_sig)
    WHERE dedup_sig IS NOT NULL;

-- Every activity id a statement mentions, by role: object, parent, grouping,
-- category, other (prefixed sub_ inside a SubStatement). Attribution to
-- courses matches these ids against the IRIs courses register.
CREATE TABLE xapi_statement_activities (
    activity_id TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    role        TEXT NOT NULL,
    PRIMARY KEY (activity_id, seq, role)
);

-- Every agent key a statement mentions, by role: actor, object, authority,
-- instructor, team, context (prefixed sub_ inside a SubStatement).
CREATE TABLE xapi_statement_agents (
    agent_key TEXT NOT NULL,
    seq       BIGINT NOT NULL,
    role      TEXT NOT NULL,
    PRIMARY KEY (agent_key, seq, role)
);

CREATE TABLE xapi_attachments (
    sha2         TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    length       BIGINT NOT NULL,
    content_b64  TEXT NOT NULL,
    created_ms   BIGINT NOT NULL
);

-- The latest definition seen for each activity (the activities resource).
CREATE TABLE xapi_activities (
    id          TEXT PRIMARY KEY,
    definition  TEXT NOT NULL,
    updated_ms  BIGINT NOT NULL
);
