-- KPI state, maintained as statements arrive (store/kpi.c) and recomputed by
-- 'lmsgw kpi rebuild'. A pull reads these tables only, never the statements.

-- Every counted statement (not voided, not a voiding statement) and where it
-- was attributed: course_id '' = unattributed, learner_key '' = no learner
-- (Group actor). Voiding and re-attribution read it to know what to undo.
CREATE TABLE kpi_statements (
    seq           BIGINT PRIMARY KEY,
    course_id     TEXT NOT NULL,
    learner_key   TEXT NOT NULL,
    course_level  BIGINT NOT NULL,
    ts_ms         BIGINT NOT NULL
);
CREATE INDEX kpi_statements_pair ON kpi_statements (course_id, learner_key);

-- One row per (course, learner, UTC day) with statements that day: the
-- learner's state folded over that day's statements (gw_kpi_row). Windowed
-- and monthly figures fold the days of a window, so distinct-learner counts
-- stay exact. complete_ms, best_score and rating* are NULL when absent.
CREATE TABLE kpi_learner_days (
    course_id    TEXT NOT NULL,
    learner_key  TEXT NOT NULL,
    day          BIGINT NOT NULL,
    month        BIGINT NOT NULL,      -- 202611
    statements   BIGINT NOT NULL,
    first_ms     BIGINT NOT NULL,
    complete_ms  BIGINT,
    passed       BIGINT NOT NULL,
    failed       BIGINT NOT NULL,
    best_score   DOUBLE PRECISION,
    rating_ms    BIGINT,
    rating_seq   BIGINT,
    rating       DOUBLE PRECISION,
    comments     BIGINT NOT NULL,
    PRIMARY KEY (course_id, learner_key, day)
);
CREATE INDEX kpi_learner_days_month ON kpi_learner_days (course_id, month);

-- The same state over all time, one row per (course, learner): what a pull
-- without a window reads.
CREATE TABLE kpi_learners (
    course_id    TEXT NOT NULL,
    learner_key  TEXT NOT NULL,
    statements   BIGINT NOT NULL,
    first_ms     BIGINT NOT NULL,
    complete_ms  BIGINT,
    passed       BIGINT NOT NULL,
    failed       BIGINT NOT NULL,
    best_score   DOUBLE PRECISION,
    rating_ms    BIGINT,
    rating_seq   BIGINT,
    rating       DOUBLE PRECISION,
    comments     BIGINT NOT NULL,
    PRIMARY KEY (course_id, learner_key)
);

-- Counted statements that matched no course, per UTC day.
CREATE TABLE kpi_unattributed_days (
    day         BIGINT PRIMARY KEY,
    statements  BIGINT NOT NULL
);
