-- xAPI documents: the State, Activity Profile and Agent Profile resources.
-- One table for the three kinds; the parts of the key a kind does not use
-- are '' (never NULL, so the primary key holds). Content is kept as base64
-- of the bytes received, with the Content-Type it came with.
CREATE TABLE xapi_documents (
    kind         TEXT NOT NULL CHECK (kind IN ('state', 'activity_profile', 'agent_profile')),
    activity_id  TEXT NOT NULL DEFAULT '',
    agent_key    TEXT NOT NULL DEFAULT '', -- gw_xapi_agent_key of the agent parameter
    registration TEXT NOT NULL DEFAULT '',
    doc_id       TEXT NOT NULL,            -- stateId or profileId
    content_type TEXT NOT NULL,
    content_b64  TEXT NOT NULL,
    etag         TEXT NOT NULL,            -- hex SHA-1 of the content
    updated_ms   BIGINT NOT NULL,
    PRIMARY KEY (kind, activity_id, agent_key, registration, doc_id)
);
