-- The preview LRS (issue 15): see the SQLite migration of the same number.
-- Kept apart from learners' statements and documents; joins nothing.
CREATE TABLE preview_statements (
    scope     TEXT NOT NULL,
    id        TEXT NOT NULL,
    seq       BIGINT NOT NULL,  -- arrival order within the scope
    stored_ms BIGINT NOT NULL,
    verb_id   TEXT NOT NULL,
    object_id TEXT NOT NULL DEFAULT '',
    body      TEXT NOT NULL,     -- as stored by the main LRS: without "stored"
    PRIMARY KEY (scope, id)
);
CREATE INDEX preview_statements_seq ON preview_statements (scope, seq);
CREATE INDEX preview_statements_age ON preview_statements (stored_ms);

-- State, activity profile and agent profile documents, as xapi_documents
-- keeps them (the parts of the key a kind does not use are ''), per scope.
CREATE TABLE preview_documents (
    scope        TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('state', 'activity_profile', 'agent_profile')),
    activity_id  TEXT NOT NULL DEFAULT '',
    agent_key    TEXT NOT NULL DEFAULT '',
    registration TEXT NOT NULL DEFAULT '',
    doc_id       TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content_b64  TEXT NOT NULL,
    etag         TEXT NOT NULL,  -- hex SHA-1 of the content
    updated_ms   BIGINT NOT NULL,
    PRIMARY KEY (scope, kind, activity_id, agent_key, registration, doc_id)
);
CREATE INDEX preview_documents_age ON preview_documents (updated_ms);
