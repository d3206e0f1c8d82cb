-- The public delivery schedule (issue 16): one share link per department,
-- made (or replaced) and revoked by the department's head or an admin. Only
-- the SHA-256 of the link's token is kept; revoking deletes the row, so the
-- old link is unknown at once. The link is shown once, when it is made.
CREATE TABLE schedule_links (
    department_id TEXT PRIMARY KEY REFERENCES departments (id),
    token_hash    TEXT NOT NULL UNIQUE,
    created_ms    INTEGER NOT NULL,
    created_by    TEXT NOT NULL -- person id, or "key:<key_id>"
);
