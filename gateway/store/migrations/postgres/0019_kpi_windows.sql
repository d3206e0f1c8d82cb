-- KPI pulls over any whole-day window (issue 17): instead of folding every
-- (course, learner, day) row inside the window, a pull sums the all-time
-- contributions of the pairs by their first active day and corrects for the
-- few pairs whose days cross one of the window's bounds (store/kpi_pull.c,
-- kpi/window.c). Maintained beside kpi_totals by the same deltas
-- (store/kpi.c).

-- Each (course, learner) keeps its first and last active UTC day (all time),
-- the class of its span, ceil(log2(last_day - first_day + 1)), and the
-- histogram bucket of its time to complete (gw_kpi_ttc_bucket). A pair
-- whose span contains day p and whose class is k has its first day in
-- (p - 2^k, p): the span indexes find the pairs crossing a bound with one
-- short range per class.
ALTER TABLE kpi_learners ADD COLUMN first_day BIGINT NOT NULL DEFAULT 0;
ALTER TABLE kpi_learners ADD COLUMN last_day BIGINT NOT NULL DEFAULT 0;
ALTER TABLE kpi_learners ADD COLUMN span_class BIGINT NOT NULL DEFAULT 0;
ALTER TABLE kpi_learners ADD COLUMN ttc_bucket BIGINT;
CREATE INDEX kpi_learners_span ON kpi_learners (span_class, first_day, last_day);
CREATE INDEX kpi_learners_department_span ON kpi_learners (department_id, span_class, first_day,
    last_day);
-- The median's candidates: the completed pairs of a scope in one bucket
-- whose first day lies in the window.
CREATE INDEX kpi_learners_course_first ON kpi_learners (course_id, ttc_bucket, first_day,
    last_day, ttc_ms) WHERE ttc_ms IS NOT NULL;
CREATE INDEX kpi_learners_department_first ON kpi_learners (department_id, ttc_bucket, first_day,
    last_day, ttc_ms) WHERE ttc_ms IS NOT NULL;

-- The pairs' all-time contributions (gw_kpi_totals_of) summed per scope
-- ('c:' || course, 'd:' || department) and first active day (grain 0,
-- period a UTC day number) or first active month (grain 1, period 202611):
-- a window sums its days and whole months.
CREATE TABLE kpi_first_totals (
    scope       TEXT NOT NULL,
    grain       BIGINT NOT NULL,
    period      BIGINT NOT NULL,
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
    PRIMARY KEY (scope, grain, period)
);

-- The pairs' all-time times to complete per scope, grain, period and
-- histogram bucket.
CREATE TABLE kpi_first_hist (
    scope   TEXT NOT NULL,
    grain   BIGINT NOT NULL,
    period  BIGINT NOT NULL,
    bucket  BIGINT NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (scope, grain, period, bucket)
);

-- State derived before this migration has no first-day state: the upgrade
-- step (gw_store_kpi_upgrade) rebuilds it once, as for the month rows (0018).
INSERT INTO kpi_meta (name, value)
    SELECT 'window_state', CASE WHEN EXISTS (SELECT 1 FROM kpi_learners) THEN 0 ELSE 1 END;
