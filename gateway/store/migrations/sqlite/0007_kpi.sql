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

-- The same state over all time, one row per (course, learner), with the
-- course's department and the learner's time to complete (ms; NULL when not
-- completed) so medians are order statistics on an index.
CREATE TABLE kpi_learners (
    course_id    TEXT NOT NULL,
    learner_key  TEXT NOT NULL,
    department_id TEXT NOT NULL,
    ttc_ms       INTEGER,
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

CREATE INDEX kpi_learners_course_ttc ON kpi_learners (course_id, ttc_ms) WHERE ttc_ms IS NOT NULL;
CREATE INDEX kpi_learners_department_ttc ON kpi_learners (department_id, ttc_ms)
    WHERE ttc_ms IS NOT NULL;

-- Totals over all time per scope ('c:' || course id, 'd:' || department id),
-- maintained by adding the change of each (course, learner) row: a pull
-- without a window reads one row per record. Sums are of the learners'
-- best scores and latest ratings in units of 1e-9 (GW_KPI_SUM_UNIT), so
-- they stay exact whatever the order of additions and reversals.
CREATE TABLE kpi_totals (
    scope       TEXT PRIMARY KEY,
    started     INTEGER NOT NULL,
    completed   INTEGER NOT NULL,
    passed      INTEGER NOT NULL,
    failed      INTEGER NOT NULL,
    n_score     INTEGER NOT NULL,
    sum_score   INTEGER NOT NULL,
    feedback    INTEGER NOT NULL,
    sum_rating  INTEGER NOT NULL,
    rating_1    INTEGER NOT NULL,
    rating_2    INTEGER NOT NULL,
    rating_3    INTEGER NOT NULL,
    rating_4    INTEGER NOT NULL,
    rating_5    INTEGER NOT NULL,
    comments    INTEGER NOT NULL,
    statements  INTEGER NOT NULL
);

-- How many times to complete fall in each bucket (gw_kpi_ttc_bucket: eight
-- per power of two) per scope: the median's bucket is found here, the exact
-- value then by a short walk of the ttc index from the bucket's start.
CREATE TABLE kpi_ttc_hist (
    scope   TEXT NOT NULL,
    bucket  INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (scope, bucket)
) WITHOUT ROWID;

-- Counted statements that matched no course, per UTC day.
CREATE TABLE kpi_unattributed_days (
    day         INTEGER PRIMARY KEY,
    statements  INTEGER NOT NULL
);
