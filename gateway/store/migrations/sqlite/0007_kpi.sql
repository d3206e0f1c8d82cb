-- KPI state, maintained as statements arrive (store/kpi.c) and recomputed by
-- 'lmsgw kpi rebuild'. A pull reads these tables only, never the statements.

-- Every counted statement (not voided, not a voiding statement) and where it
-- was attributed: course_id '' = unattributed, learner_key '' = no learner
-- (Group actor). Voiding and re-attribution read it to know what to undo.
CREATE TABLE kpi_statements (
    seq           INTEGER PRIMARY KEY,
    course_id     TEXT NOT NULL,
    learner_key   TEXT NOT NULL,
    course_level  INTEGER NOT NULL,
    ts_ms         INTEGER NOT NULL
);
CREATE INDEX kpi_statements_pair ON kpi_statements (course_id, learner_key);

-- One row per (course, learner, UTC day) with statements that day: the
-- learner's state folded over that day's statements (gw_kpi_row). Windowed
-- and monthly figures fold the days of a window, so distinct-learner counts
-- stay exact. complete_ms, best_score and rating* are NULL when absent.
CREATE TABLE kpi_learner_days (
    course_id    TEXT NOT NULL,
    learner_key  TEXT NOT NULL,
    day          INTEGER NOT NULL,
    month        INTEGER NOT NULL,      -- 202611
    statements   INTEGER NOT NULL,
    first_ms     INTEGER NOT NULL,
    complete_ms  INTEGER,
    passed       INTEGER NOT NULL,
    failed       INTEGER NOT NULL,
    best_score   REAL,
    rating_ms    INTEGER,
    rating_seq   INTEGER,
    rating       REAL,
    comments     INTEGER NOT NULL,
    PRIMARY KEY (course_id, learner_key, day)
) WITHOUT ROWID;
CREATE INDEX kpi_learner_days_month ON kpi_learner_days (course_id, month);

-- The same state over all time, one row per (course, learner): what a pull
-- without a window reads.
CREATE TABLE kpi_learners (
    course_id    TEXT NOT NULL,
    learner_key  TEXT NOT NULL,
    statements   INTEGER NOT NULL,
    first_ms     INTEGER NOT NULL,
    complete_ms  INTEGER,
    passed       INTEGER NOT NULL,
    failed       INTEGER NOT NULL,
    best_score   REAL,
    rating_ms    INTEGER,
    rating_seq   INTEGER,
    rating       REAL,
    comments     INTEGER NOT NULL,
    PRIMARY KEY (course_id, learner_key)
) WITHOUT ROWID;

-- Counted statements that matched no course, per UTC day.
CREATE TABLE kpi_unattributed_days (
    day         INTEGER PRIMARY KEY,
    statements  INTEGER NOT NULL
);
