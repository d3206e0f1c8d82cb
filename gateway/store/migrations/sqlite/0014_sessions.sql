-- Signing in to the web app (issue 16). People sign in with their e-mail
-- address: the gateway mails a single-use link (signin_tokens keeps the
-- SHA-256 of its token, never the token) and keeps a session (sessions keeps
-- the SHA-256 of the cookie's value and the CSRF token the app sends back).
-- signin_attempts counts requests per address and per client for the rate
-- limit; rows older than a day go when new ones come.
-- A person's roles in the app, as API role names (admin, author, approver,
-- bi), comma-separated; everyone named in the people records may approve.
ALTER TABLE people ADD COLUMN roles TEXT NOT NULL DEFAULT 'approver';

CREATE TABLE signin_tokens (
    token_hash TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES people (id),
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    used_ms    INTEGER
);
CREATE INDEX signin_tokens_age ON signin_tokens (created_ms);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    person_id    TEXT NOT NULL REFERENCES people (id),
    csrf         TEXT NOT NULL,
    created_ms   INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    expires_ms   INTEGER NOT NULL, -- the absolute expiry; the idle one is last_seen_ms + idle
    revoked_ms   INTEGER,
    address      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_person ON sessions (person_id);

CREATE TABLE signin_attempts (
    at_ms   INTEGER NOT NULL,
    email   TEXT NOT NULL, -- lower-cased
    address TEXT NOT NULL
);
CREATE INDEX signin_attempts_email ON signin_attempts (email, at_ms);
CREATE INDEX signin_attempts_address ON signin_attempts (address, at_ms);
