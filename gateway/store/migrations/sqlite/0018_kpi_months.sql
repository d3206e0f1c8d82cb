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
    month         INTEGER NOT NULL,      -- 202611
    department_id TEXT NOT NULL,
    ttc_ms        INTEGER,
    statements    INTEGER NOT NULL,
    first_ms      INTEGER NOT NULL,
    complete_ms   INTEGER,
    passed        INTEGER NOT NULL,
    failed        INTEGER NOT NULL,
    best_score    REAL,
    rating_ms     INTEGER,
    rating_seq    INTEGER,
    rating        REAL,
    comments      INTEGER NOT NULL,
    PRIMARY KEY (course_id, month, learner_key)
) WITHOUT ROWID;
CREATE INDEX kpi_learner_months_course_ttc ON kpi_learner_months (course_id, month, ttc_ms)
    WHERE ttc_ms IS NOT NULL;
CREATE INDEX kpi_learner_months_department_ttc ON kpi_learner_months (department_id, month, ttc_ms)
    WHERE ttc_ms IS NOT NULL;
CREATE INDEX kpi_learner_months_ttc ON kpi_learner_months (month, ttc_ms) WHERE ttc_ms IS NOT NULL;

-- kpi_totals per month: scope 'c:' || course, 'd:' || department, or 'a:'
-- (every course pooled), summed from the learners' month rows.
CREATE TABLE kpi_month_totals (
    scope       TEXT NOT NULL,
    month       INTEGER NOT NULL,
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
    statements  INTEGER NOT NULL,
    PRIMARY KEY (scope, month)
) WITHOUT ROWID;

-- kpi_ttc_hist per month and scope, of the month rows' times to complete.
CREATE TABLE kpi_month_hist (
    scope   TEXT NOT NULL,
    month   INTEGER NOT NULL,
    bucket  INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (scope, month, bucket)
) WITHOUT ROWID;

-- A window that is not whole months folds the day rows inside it: read
-- them by course and day rather than every day of the course's learners.
CREATE INDEX kpi_learner_days_window ON kpi_learner_days (course_id, day);

-- State derived before this migration has no month rows: the upgrade step
-- (gw_store_kpi_upgrade) rebuilds it once, as for an older rules version.
INSERT INTO kpi_meta (name, value)
    SELECT 'month_state', CASE WHEN EXISTS (SELECT 1 FROM kpi_learners) THEN 0 ELSE 1 END;
