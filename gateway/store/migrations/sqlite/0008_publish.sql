-- 0008_publish.sql: the publish outbox's claims and what each LMS knows of a
-- course (gateway/store/publish.c, gateway/publish/outbox.c).
-- A job is 'queued' (due at next_attempt_ms), 'running' (claimed_by holds it
-- until lease_until_ms; an expired lease means the claimer died and the job
-- is claimable again), 'done' or 'failed'. resume is the connector's text
-- (gw_lms_result.resume), kept across attempts and crashes.
ALTER TABLE publish_jobs ADD COLUMN target TEXT;
ALTER TABLE publish_jobs ADD COLUMN claimed_by TEXT;
ALTER TABLE publish_jobs ADD COLUMN lease_until_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE publish_jobs ADD COLUMN last_error TEXT;
ALTER TABLE publish_jobs ADD COLUMN resume TEXT;
ALTER TABLE publish_jobs ADD COLUMN finished_ms INTEGER;

-- One row per course and LMS target: the LMS's id and page for the course,
-- the version it has, and when it was retired (NULL while live).
CREATE TABLE course_lms (
    course_id      TEXT NOT NULL REFERENCES courses (id),
    target         TEXT NOT NULL,
    lms_course_id  TEXT NOT NULL,
    course_url     TEXT,
    version_id     TEXT NOT NULL,
    lms_version    INTEGER NOT NULL DEFAULT -1,
    published_ms   INTEGER NOT NULL,
    retired_ms     INTEGER,
    PRIMARY KEY (course_id, target)
);
