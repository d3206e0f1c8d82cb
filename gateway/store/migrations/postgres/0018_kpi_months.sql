-- Per-month KPI state (issue 17): a pull grouped by month, or over a window
-- of whole calendar months, reads one totals row per month and scope
-- instead of folding every (course, learner, day) row of the window.
-- Maintained beside kpi_learners by the same deltas (store/kpi.c): a
-- learner's month row is the fold of its day rows of that month, so every
-- figure (distinct learners, best scores, latest ratings, times to
-- complete) is the one the day rows give for that month.

-- One row per (course, learner, UTC month) with statements that month, with
-- the course's department and the month's time to complete (ms, NULL when
-- the learner did not complete that month), so a month's median is an
-- order statistic on an index. Keyed by course and month first: statements
-- arrive for recent months, so the rows they change stay on a few pages
-- (a learner's months are found through its day rows' months).
CREATE TABLE kpi_learner_months (
    course_id     TEXT NOT NULL,
    learner_key   TEXT NOT NULL,
    month         BIGINT NOT NULL,      -- 202611
    department_id TEXT NOT NULL,
    ttc_ms        BIGINT,
    statements    BIGINT NOT NULL,
    first_ms      BIGINT NOT NULL,
    complete_ms   BIGINT,
    passed        BIGINT NOT NULL,
    failed        BIGINT NOT NULL,
    best_score    DOUBLE PRECISION,
    rating_ms     BIGINT,
    rating_seq    BIGINT,
    rating        DOUBLE PRECISION,
    comments      BIGINT NOT NULL,
    PRIMARY KEY (course_id, month, learner_key)
);
CREATE INDEX kpi_learner_months_course_ttc ON kpi_learner_months (course_id, month, ttc_ms)
    WHERE ttc_ms IS NOT NULL;
CREATE INDEX kpi_learner_months_department_ttc ON kpi_learner_months (department_id, month, ttc_ms)
    WHERE ttc_ms IS NOT NULL;
CREATE INDEX kpi_learner_months_ttc ON kpi_learner_months (month, ttc_ms) WHERE ttc_ms IS NOT NULL;

-- kpi_totals per month: scope 'c:' || course, 'd:' || department, or 'a:'
-- (every course pooled), summed from the learners' month rows.
CREATE TABLE kpi_month_totals (
    scope       TEXT NOT NULL,
    month       BIGINT NOT NULL,
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
    statements  BIGINT NOT NULL,
    PRIMARY KEY (scope, month)
);

-- kpi_ttc_hist per month and scope, of the month rows' times to complete.
CREATE TABLE kpi_month_hist (
    scope   TEXT NOT NULL,
    month   BIGINT NOT NULL,
    bucket  BIGINT NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (scope, month, bucket)
);

-- A window that is not whole months folds the day rows inside it: read
-- them by course and day rather than every day of the course's learners.
CREATE INDEX kpi_learner_days_window ON kpi_learner_days (course_id, day);

-- State derived before this migration has no month rows: the upgrade step
-- (gw_store_kpi_upgrade) rebuilds it once, as for an older rules version.
INSERT INTO kpi_meta (name, value)
    SELECT 'month_state', CASE WHEN EXISTS (SELECT 1 FROM kpi_learners) THEN 0 ELSE 1 END;
