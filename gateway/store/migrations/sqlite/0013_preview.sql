-- The preview LRS (issue 15): what a cmi5 or Tin Can course sends while an
-- approver runs it on the review page (api/preview_xapi.c, store/preview.c).
-- Kept apart from learners' statements and documents: no KPI, attribution
-- or GET /xapi/ query reads these tables, and they join nothing.
-- A scope is "round/approver": one reviewer's previews of one round.
-- Bounded: rows older than 30 days go when anything is written, and a scope
-- keeps its newest 5000 statements and 1000 documents (store/preview.c).
CREATE TABLE preview_statements (
    scope     TEXT NOT NULL,
    id        TEXT NOT NULL,
    seq       INTEGER NOT NULL,  -- arrival order within the scope
    stored_ms INTEGER NOT NULL,
    verb_id   TEXT NOT NULL,
    object_id TEXT NOT NULL DEFAULT '',
    body      TEXT NOT NULL,     -- as stored by the main LRS: without "stored"
    PRIMARY KEY (scope, id)
) WITHOUT ROWID;
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
    updated_ms   INTEGER NOT NULL,
    PRIMARY KEY (scope, kind, activity_id, agent_key, registration, doc_id)
) WITHOUT ROWID;
CREATE INDEX preview_documents_age ON preview_documents (updated_ms);
