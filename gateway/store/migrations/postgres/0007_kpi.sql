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

-- The same state over all time, one row per (course, learner), with the
-- course's department and the learner's time to complete (ms; NULL when not
-- completed) so medians are order statistics on an index.
CREATE TABLE kpi_learners (
    course_id    TEXT NOT NULL,
    learner_key  TEXT NOT NULL,
    department_id TEXT NOT NULL,
    ttc_ms       BIGINT,
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
    started     BIGINT NOT NULL,
    completed   BIGINT NOT NULL,
    passed      BIGINT NOT NULL,
    failed      BIGINT NOT NULL,
    n_score     BIGINT NOT NULL,
    sum_score   BIGINT NOT NULL,
    feedback    BIGINT NOT NULL,
    sum_rating  BIGINT NOT NULL,
    rating_1    BIGINT NOT NULL,
    rating_2    BIGINT NOT NULL,
    rating_3    BIGINT NOT NULL,
    rating_4    BIGINT NOT NULL,
    rating_5    BIGINT NOT NULL,
    comments    BIGINT NOT NULL,
    statements  BIGINT NOT NULL
);

-- How many times to complete fall in each bucket (gw_kpi_ttc_bucket: eight
-- per power of two) per scope: the median's bucket is found here, the exact
-- value then by a short walk of the ttc index from the bucket's start.
CREATE TABLE kpi_ttc_hist (
    scope   TEXT NOT NULL,
    bucket  BIGINT NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (scope, bucket)
);

-- Counted statements that matched no course, per UTC day.
CREATE TABLE kpi_unattributed_days (
    day         BIGINT PRIMARY KEY,
    statements  BIGINT NOT NULL
);
