-- Review wiring (issue 5): course requests and their approvers, package
-- versions, approval rounds, decisions, used link nonces, notices, the
-- append-only audit log, the publish outbox and the effort log. Every
-- "never twice" rule is a key here: one open round per course, one decision
-- per approver and round, one use per link nonce, one notice per schedule
-- key, one audit record per predecessor, one publish job per version/action.
ALTER TABLE courses ADD COLUMN author_person_id TEXT;
ALTER TABLE courses ADD COLUMN current_version_id TEXT;

CREATE TABLE course_requests (
    id                  TEXT PRIMARY KEY,
    department_id       TEXT NOT NULL REFERENCES departments (id),
    title               TEXT NOT NULL,
    sme_person_id       TEXT REFERENCES people (id),
    business_case       TEXT NOT NULL DEFAULT '{}', -- JSON: problem, audience, reach, mandatory, ...
    deadline_ms         INTEGER NOT NULL DEFAULT 0, -- the delivery date, 0 = none
    effort_low_hours    REAL,
    effort_high_hours   REAL,
    project_code        TEXT NOT NULL DEFAULT '',
    policy              TEXT NOT NULL DEFAULT 'all', -- all | n_of_m
    policy_n            INTEGER NOT NULL DEFAULT 0,
    approve_on_silence  INTEGER NOT NULL DEFAULT 0,
    silence_agreed_by   TEXT,
    silence_agreed_ms   INTEGER NOT NULL DEFAULT 0,
    created_ms          INTEGER NOT NULL
);

CREATE TABLE request_approvers (
    request_id   TEXT NOT NULL REFERENCES course_requests (id),
    person_id    TEXT NOT NULL REFERENCES people (id),
    position     INTEGER NOT NULL,
    due_ms       INTEGER NOT NULL DEFAULT 0, -- a fixed due date (midnight UTC), 0 = none
    due_in_days  INTEGER NOT NULL DEFAULT 0, -- or: days after each round opens
    PRIMARY KEY (request_id, person_id)
);

CREATE TABLE course_versions (
    id          TEXT PRIMARY KEY,
    course_id   TEXT NOT NULL REFERENCES courses (id),
    number      INTEGER NOT NULL,
    package_id  TEXT NOT NULL REFERENCES packages (id),
    sha256      TEXT NOT NULL,
    valid       INTEGER NOT NULL,
    changes     TEXT, -- JSON diff against the previous version, NULL for the first
    created_by  TEXT NOT NULL DEFAULT '',
    created_ms  INTEGER NOT NULL,
    UNIQUE (course_id, number)
);

CREATE TABLE review_rounds (
    id                  TEXT PRIMARY KEY,
    course_id           TEXT NOT NULL REFERENCES courses (id),
    version_id          TEXT NOT NULL REFERENCES course_versions (id),
    number              INTEGER NOT NULL,
    state               TEXT NOT NULL DEFAULT 'open', -- open, approved, changes_requested, superseded
    policy              TEXT NOT NULL,
    policy_n            INTEGER NOT NULL DEFAULT 0,
    approve_on_silence  INTEGER NOT NULL DEFAULT 0,
    silence_agreed_by   TEXT,
    silence_agreed_ms   INTEGER NOT NULL DEFAULT 0,
    changes             TEXT, -- JSON: what changed since the previous round's version
    opened_ms           INTEGER NOT NULL,
    closed_ms           INTEGER NOT NULL DEFAULT 0,
    UNIQUE (course_id, number)
);
CREATE UNIQUE INDEX review_rounds_one_open ON review_rounds (course_id) WHERE state = 'open';

CREATE TABLE round_approvers (
    round_id      TEXT NOT NULL REFERENCES review_rounds (id),
    person_id     TEXT NOT NULL REFERENCES people (id),
    position      INTEGER NOT NULL,
    due_ms        INTEGER NOT NULL DEFAULT 0,
    delegate_id   TEXT REFERENCES people (id),
    delegated_ms  INTEGER NOT NULL DEFAULT 0,
    stalled       INTEGER NOT NULL DEFAULT 0,
    stalled_ms    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (round_id, person_id)
);

CREATE TABLE review_decisions (
    round_id     TEXT NOT NULL REFERENCES review_rounds (id),
    approver_id  TEXT NOT NULL,
    kind         TEXT NOT NULL, -- approve, request_changes, reject, approve_on_silence
    via          TEXT NOT NULL, -- api, link, system
    decided_by   TEXT NOT NULL,
    comment      TEXT,
    address      TEXT,
    at_ms        INTEGER NOT NULL,
    PRIMARY KEY (round_id, approver_id)
);

CREATE TABLE review_tokens_used (
    nonce        TEXT PRIMARY KEY,
    round_id     TEXT NOT NULL,
    approver_id  TEXT NOT NULL,
    used_ms      INTEGER NOT NULL
);

CREATE TABLE review_notices (
    notice_key    TEXT PRIMARY KEY, -- the schedule's unique key: never sent twice
    round_id      TEXT NOT NULL,
    approver_id   TEXT NOT NULL,   -- whose review the notice is about
    recipient_id  TEXT,            -- the person it goes to
    kind          TEXT NOT NULL,   -- ask, reminder_before, ..., changes_requested
    scheduled_ms  INTEGER NOT NULL,
    days_overdue  INTEGER NOT NULL DEFAULT 0,
    status        TEXT NOT NULL DEFAULT 'pending', -- pending, sending, sent, failed
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    created_ms    INTEGER NOT NULL,
    sent_ms       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX review_notices_round ON review_notices (round_id, approver_id);
CREATE INDEX review_notices_status ON review_notices (status);

CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    prev       TEXT NOT NULL UNIQUE,
    line       TEXT NOT NULL, -- the canonical JSON line, verbatim
    hash       TEXT NOT NULL UNIQUE,
    at_ms      INTEGER NOT NULL,
    course_id  TEXT,
    round_id   TEXT
);
CREATE INDEX audit_log_course ON audit_log (course_id);

CREATE TABLE publish_jobs (
    id               TEXT PRIMARY KEY,
    course_id        TEXT NOT NULL REFERENCES courses (id),
    version_id       TEXT NOT NULL REFERENCES course_versions (id),
    action           TEXT NOT NULL, -- publish, retire
    state            TEXT NOT NULL DEFAULT 'queued',
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms  INTEGER NOT NULL,
    created_ms       INTEGER NOT NULL,
    UNIQUE (version_id, action)
);
CREATE INDEX publish_jobs_state ON publish_jobs (state, next_attempt_ms);

CREATE TABLE effort_log (
    id          TEXT PRIMARY KEY,
    course_id   TEXT NOT NULL REFERENCES courses (id),
    person_id   TEXT NOT NULL,
    hours       REAL NOT NULL,
    day         TEXT NOT NULL, -- YYYY-MM-DD
    note        TEXT NOT NULL DEFAULT '',
    created_ms  INTEGER NOT NULL
);
CREATE INDEX effort_log_course ON effort_log (course_id);

-- Secrets shared by every instance on this database (the link-signing key).
CREATE TABLE review_secrets (
    name        TEXT PRIMARY KEY,
    secret      TEXT NOT NULL, -- hex
    created_ms  INTEGER NOT NULL
);
