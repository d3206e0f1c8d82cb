/* Unit tests of the KPI rules that the store's maintenance and pulls ask,
 * without a database (kpi/maintain.c, kpi/report.c): which statements and
 * activities count and when, attribution over a lookup, the fact of a
 * statement that is not course-level, totals deltas and histogram moves,
 * a pair recomputed from its facts, which state answers a query, a window
 * from the first-day state and its crossing pairs (window.c), the fold
 * of loaded rows into records, the median from the histogram, and the
 * chargeback report. */
#include "gw/kpi.h"
#include "gwtest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_NEAR(a, b) CHECK(fabs((double)(a) - (double)(b)) < 1e-9)

static void test_counts_and_time(void)
{
    CHECK_INT(gw_kpi_statement_ms(true, 1000, 5000), 1000);
    CHECK_INT(gw_kpi_statement_ms(false, 0, 5000), 5000);
    CHECK(gw_kpi_statement_counts(false));
    CHECK(!gw_kpi_statement_counts(true));
    bool via = false;
    CHECK(gw_kpi_role_attributes("object", &via));
    CHECK(via);
    CHECK(gw_kpi_role_attributes("parent", &via));
    CHECK(!via);
    CHECK(gw_kpi_role_attributes("category", &via));
    CHECK(!gw_kpi_role_attributes("sub_object", &via));
    CHECK(!gw_kpi_role_attributes("sub_parent", &via));
}

/* Registered IRIs: https://ex.org/c1 -> c1, https://ex.org/c1/m2 -> c2. */
static const char *lookup(void *ud, const char *iri, size_t len)
{
    (*(int *)ud)++;
    if (len == strlen("https://ex.org/c1") && strncmp(iri, "https://ex.org/c1", len) == 0)
        return "c1";
    if (len == strlen("https://ex.org/c1/m2") && strncmp(iri, "https://ex.org/c1/m2", len) == 0)
        return "c2";
    return NULL;
}

static void test_attribute_activities(void)
{
    int calls = 0;
    bool cl = true;
    CHECK(gw_kpi_attribute_activities(NULL, 0, lookup, &calls, &cl) == NULL);
    CHECK(!cl);
    /* object under c1, parent under c2's longer IRI: c2, not course-level */
    struct gw_kpi_activity a[] = {{"https://ex.org/c1/q7", true}, {"https://ex.org/c1/m2", false}};
    const char *c = gw_kpi_attribute_activities(a, 2, lookup, &calls, &cl);
    CHECK_STR(c, "c2");
    CHECK(!cl);
    /* the object itself under c2: course-level */
    struct gw_kpi_activity b[] = {{"https://ex.org/c1/m2?x=1", true}};
    CHECK_STR(gw_kpi_attribute_activities(b, 1, lookup, &calls, &cl), "c2");
    CHECK(cl);
    /* nothing registered matches */
    struct gw_kpi_activity d[] = {{"https://other.org/x", true}};
    CHECK(gw_kpi_attribute_activities(d, 1, lookup, &calls, &cl) == NULL);
    CHECK(!cl);
    /* more than 32 prefixes and matches: the heap fallbacks */
    char id[256] = "https://ex.org/c1";
    for (int i = 0; i < 40; i++)
        strcat(id, "/a");
    struct gw_kpi_activity e[40];
    for (int i = 0; i < 40; i++)
        e[i] = (struct gw_kpi_activity){id, i == 0};
    CHECK_STR(gw_kpi_attribute_activities(e, 40, lookup, &calls, &cl), "c1");
    CHECK(cl);
    CHECK(calls > 0);
}

static void test_attributed_fact(void)
{
    struct gw_kpi_fact cf = {.ts_ms = 1, .completing = true, .passed = true, .comment = true};
    struct gw_kpi_fact f;
    gw_kpi_attributed_fact(&cf, true, 7000, &f);
    CHECK(f.completing && f.passed && f.comment);
    CHECK_INT(f.ts_ms, 7000);
    /* not course-level: the statement counts, its result says nothing */
    gw_kpi_attributed_fact(&cf, false, 7000, &f);
    CHECK(!f.completing && !f.passed && !f.comment && !f.has_score && !f.has_rating);
    CHECK_INT(f.ts_ms, 7000);
}

static void test_totals(void)
{
    struct gw_kpi_row old, nw;
    gw_kpi_row_init(&old);
    struct gw_kpi_fact f = {.ts_ms = 1000, .has_score = true, .score = 0.5};
    gw_kpi_row_add(&old, &f, 1);
    nw = old;
    struct gw_kpi_fact g = {.ts_ms = 61000, .completing = true, .failed = true};
    gw_kpi_row_add(&nw, &g, 2);

    struct gw_kpi_totals t;
    gw_kpi_totals_of(NULL, true, &t);
    CHECK_INT(t.statements, 0);
    gw_kpi_totals_of(&nw, true, &t);
    CHECK_INT(t.started, 1);
    CHECK_INT(t.completed, 1);
    CHECK_INT(t.failed, 1);
    CHECK_INT(t.n_score, 1);
    CHECK_INT(t.sum_score, 500000000);
    CHECK_INT(t.statements, 2);
    /* no learner: statements and comments only */
    gw_kpi_totals_of(&nw, false, &t);
    CHECK_INT(t.started, 0);
    CHECK_INT(t.statements, 2);

    struct gw_kpi_totals d;
    gw_kpi_totals_delta(&old, &nw, true, &d);
    CHECK_INT(d.started, 0);
    CHECK_INT(d.completed, 1);
    CHECK_INT(d.failed, 1);
    CHECK_INT(d.n_score, 0);
    CHECK_INT(d.statements, 1);
    /* a pass later removes the learner from the failed */
    struct gw_kpi_row p = nw;
    struct gw_kpi_fact h = {.ts_ms = 62000, .passed = true};
    gw_kpi_row_add(&p, &h, 3);
    gw_kpi_totals_delta(&nw, &p, true, &d);
    CHECK_INT(d.passed, 1);
    CHECK_INT(d.failed, -1);
    /* deleting the row takes everything back */
    gw_kpi_totals_delta(&p, NULL, true, &d);
    CHECK_INT(d.started, -1);
    CHECK_INT(d.statements, -3);
    struct gw_kpi_totals sum = {0};
    gw_kpi_totals_of(&p, true, &t);
    gw_kpi_totals_add(&sum, &t);
    gw_kpi_totals_add(&sum, &d);
    CHECK_INT(sum.started, 0);
    CHECK_INT(sum.statements, 0);
    CHECK_INT(sum.passed, 0);

    /* acc over rows == totals summed */
    struct gw_kpi_acc a;
    gw_kpi_acc_init(&a);
    gw_kpi_acc_add(&a, &p, true);
    gw_kpi_totals_of(&p, true, &t);
    CHECK_INT(a.started, t.started);
    CHECK_INT(a.passed, t.passed);
    CHECK_INT(a.failed, t.failed);
    CHECK_INT(a.sum_score, t.sum_score);
    CHECK_INT(a.n_ttc, 1);
    CHECK_NEAR(a.ttc[0], 60.0);
    gw_kpi_acc_free(&a);
    gw_kpi_acc_init(&a);
    gw_kpi_acc_set_totals(&a, &t);
    CHECK_INT(a.completed, 1);
    CHECK_INT(a.n_ttc, 0);
    gw_kpi_acc_free(&a);
}

static void test_ttc_moves(void)
{
    struct gw_kpi_row a, b;
    gw_kpi_row_init(&a);
    struct gw_kpi_fact f = {.ts_ms = 1000};
    gw_kpi_row_add(&a, &f, 1);
    CHECK_INT(gw_kpi_learner_ttc(&a, true), -1);
    CHECK_INT(gw_kpi_learner_ttc(NULL, true), -1);
    b = a;
    struct gw_kpi_fact g = {.ts_ms = 5000, .completing = true};
    gw_kpi_row_add(&b, &g, 2);
    CHECK_INT(gw_kpi_learner_ttc(&b, true), 4000);
    CHECK_INT(gw_kpi_learner_ttc(&b, false), -1);
    int64_t from, to;
    gw_kpi_ttc_moves(&a, &b, true, &from, &to);
    CHECK_INT(from, -1);
    CHECK_INT(to, gw_kpi_ttc_bucket(4000));
    gw_kpi_ttc_moves(&b, &b, true, &from, &to);
    CHECK_INT(from, -1);
    CHECK_INT(to, -1);
    gw_kpi_ttc_moves(&b, NULL, true, &from, &to);
    CHECK_INT(from, gw_kpi_ttc_bucket(4000));
    CHECK_INT(to, -1);
    /* an earlier first statement moves the learner between buckets */
    struct gw_kpi_row c = b;
    struct gw_kpi_fact e = {.ts_ms = 0};
    gw_kpi_row_add(&c, &e, 3);
    gw_kpi_ttc_moves(&b, &c, true, &from, &to);
    CHECK_INT(from, gw_kpi_ttc_bucket(4000));
    CHECK_INT(to, gw_kpi_ttc_bucket(5000));
    gw_kpi_ttc_moves(&b, &c, false, &from, &to);
    CHECK_INT(from, -1);
    CHECK_INT(to, -1);
}

static void test_pair(void)
{
    struct gw_kpi_pair p;
    gw_kpi_pair_init(&p);
    int64_t d1 = 20000 * GW_KPI_DAY_MS, d2 = 20001 * GW_KPI_DAY_MS;
    struct gw_kpi_fact f[] = {{.ts_ms = d2 + 5}, {.ts_ms = d1 + 1}, {.ts_ms = d2 + 9}};
    for (int i = 0; i < 3; i++)
        gw_kpi_pair_add(&p, &f[i], i + 1);
    CHECK_INT(p.n_days, 2);
    CHECK_INT(p.days[0].day, 20001);
    CHECK_INT(p.days[0].row.statements, 2);
    CHECK_INT(p.days[1].day, 20000);
    CHECK_INT(p.all.statements, 3);
    CHECK_INT(p.all.first_ms, d1 + 1);
    gw_kpi_pair_free(&p);
    CHECK_INT(p.n_days, 0);
}

static void test_query_rules(void)
{
    struct gw_kpi_query q = {.group_by = GW_KPI_BY_DEPARTMENT};
    CHECK(!gw_kpi_query_reads_days(&q));
    CHECK(gw_kpi_query_reads_totals(&q));
    CHECK(gw_kpi_query_lists_groups(&q));
    q.course = "c1"; /* cuts into the department's pool */
    CHECK(!gw_kpi_query_reads_totals(&q));
    q.group_by = GW_KPI_BY_COURSE;
    CHECK(gw_kpi_query_reads_totals(&q));
    q.has_from = true;
    CHECK(gw_kpi_query_reads_days(&q));
    CHECK(!gw_kpi_query_reads_totals(&q));
    struct gw_kpi_query m = {.group_by = GW_KPI_BY_MONTH};
    CHECK(gw_kpi_query_reads_days(&m));
    CHECK(!gw_kpi_query_reads_totals(&m));
    CHECK(!gw_kpi_query_lists_groups(&m));
}

/* Which pulls the month state answers (migration 0018): by month with
 * whole-month bounds, and one calendar month by course or department. */
static void test_month_rules(void)
{
    int64_t jan, feb, mar;
    int m = 0, fm = -1, tm = -1;
    CHECK(gw_kpi_month_parse("2026-01", &m, &jan, &feb));
    CHECK(gw_kpi_month_parse("2026-02", &m, &feb, &mar));
    struct gw_kpi_query q = {.group_by = GW_KPI_BY_MONTH};
    CHECK(gw_kpi_query_reads_months(&q, &fm, &tm));
    CHECK_INT(fm, 0);
    CHECK_INT(tm, 0);
    q.has_from = q.has_to = true;
    q.from_day = feb; /* starts mid-history, whole months */
    q.to_day = mar;
    CHECK(gw_kpi_query_reads_months(&q, &fm, &tm));
    CHECK_INT(fm, 202602);
    CHECK_INT(tm, 202603);
    q.from_day = feb + 1; /* not a month's first day: the day rows */
    CHECK(!gw_kpi_query_reads_months(&q, &fm, &tm));
    q.from_day = jan;
    q.to_day = mar - 1;
    CHECK(!gw_kpi_query_reads_months(&q, &fm, &tm));
    q.to_day = mar;
    q.from_rows = true;
    CHECK(!gw_kpi_query_reads_months(&q, &fm, &tm));
    CHECK(!gw_kpi_query_reads_totals(&q));
    /* by course or department: exactly one calendar month */
    struct gw_kpi_query c = {.group_by = GW_KPI_BY_COURSE, .has_from = true, .has_to = true};
    c.from_day = jan;
    c.to_day = feb;
    CHECK(gw_kpi_query_reads_months(&c, &fm, &tm));
    CHECK_INT(fm, 202601);
    CHECK_INT(tm, 202602);
    c.to_day = mar; /* two months: a learner in both counts once, not twice */
    CHECK(!gw_kpi_query_reads_months(&c, &fm, &tm));
    c.to_day = feb;
    c.has_to = false;
    CHECK(!gw_kpi_query_reads_months(&c, &fm, &tm));
    c.has_to = true;
    c.group_by = GW_KPI_BY_DEPARTMENT;
    CHECK(gw_kpi_query_reads_months(&c, &fm, &tm));
    c.course = "c1"; /* cuts into the department's pool */
    CHECK(!gw_kpi_query_reads_months(&c, &fm, &tm));
}

/* A pair's days folded per month: the month rows the index keeps. */
static void test_pair_months(void)
{
    int64_t jan, feb;
    int m = 0;
    CHECK(gw_kpi_month_parse("2026-01", &m, &jan, &feb));
    struct gw_kpi_pair p;
    gw_kpi_pair_init(&p);
    struct gw_kpi_fact f[4] = {{0}};
    f[0].ts_ms = (feb + 2) * GW_KPI_DAY_MS + 5; /* February first, arriving first */
    f[1].ts_ms = (jan + 30) * GW_KPI_DAY_MS + 7;
    f[1].completing = true;
    f[2].ts_ms = (jan + 3) * GW_KPI_DAY_MS;
    f[3].ts_ms = (feb + 5) * GW_KPI_DAY_MS + 9;
    f[3].completing = true;
    for (int i = 0; i < 4; i++)
        gw_kpi_pair_add(&p, &f[i], i + 1);
    struct gw_kpi_month_row *mr = NULL;
    size_t n = gw_kpi_pair_months(&p, &mr);
    CHECK_INT(n, 2);
    CHECK_INT(mr[0].month, 202601);
    CHECK_INT(mr[0].row.statements, 2);
    CHECK_INT(mr[0].row.first_ms, f[2].ts_ms);
    CHECK_INT(gw_kpi_time_to_complete(&mr[0].row), f[1].ts_ms - f[2].ts_ms);
    CHECK_INT(mr[1].month, 202602);
    CHECK_INT(mr[1].row.statements, 2);
    /* completing in both months: each month's time counts from its own
     * first statement */
    CHECK_INT(gw_kpi_time_to_complete(&mr[1].row), f[3].ts_ms - f[0].ts_ms);
    free(mr);
    gw_kpi_pair_free(&p);
}

static struct gw_kpi_row row_of(int64_t first_ms, int64_t complete_ms)
{
    struct gw_kpi_row r;
    gw_kpi_row_init(&r);
    r.statements = 1;
    r.first_ms = first_ms;
    r.complete_ms = complete_ms;
    return r;
}

static void test_report_fold(void)
{
    struct gw_kpi_query q = {.group_by = GW_KPI_BY_COURSE};
    struct gw_kpi_report rp;
    gw_kpi_report_init(&rp, &q);
    gw_kpi_report_add_group(&rp, "c1", "Course 1", "d1");
    gw_kpi_report_add_group(&rp, "c2", "Course 2", "d1");
    /* learner a's two days on c1 merge: completed after 10 s, not twice */
    struct gw_kpi_row r1 = row_of(1000, INT64_MAX), r2 = row_of(5000, 11000);
    gw_kpi_report_row(&rp, "c1", "c1", "a", &r1);
    gw_kpi_report_row(&rp, "c1", "c1", "a", &r2);
    struct gw_kpi_row r3 = row_of(0, 30000);
    gw_kpi_report_row(&rp, "c1", "c1", "b", &r3);
    struct gw_kpi_row r4 = row_of(0, INT64_MAX);
    gw_kpi_report_row(&rp, "c1", "c1", "", &r4);  /* no learner */
    gw_kpi_report_row(&rp, "zz", "zz", "a", &r4); /* an unlisted course: ignored */
    gw_kpi_report_rows_end(&rp);
    rp.unattributed = 4;
    json_t *out = gw_kpi_report_json(&rp);
    CHECK_INT(json_integer_value(json_object_get(out, "unattributed_statements")), 4);
    json_t *recs = json_object_get(out, "records");
    CHECK_INT(json_array_size(recs), 2);
    json_t *c1 = json_array_get(recs, 0);
    CHECK_STR(json_string_value(json_object_get(c1, "course_title")), "Course 1");
    CHECK_INT(json_integer_value(json_object_get(c1, "learners_started")), 2);
    CHECK_INT(json_integer_value(json_object_get(c1, "learners_completed")), 2);
    CHECK_INT(json_integer_value(json_object_get(c1, "statements")), 4);
    CHECK_NEAR(json_real_value(json_object_get(c1, "median_time_to_complete_s")), 20.0);
    json_t *c2 = json_array_get(recs, 1);
    CHECK(json_is_null(json_object_get(c2, "completion_rate")));
    json_decref(out);
    /* a retried transaction starts over */
    gw_kpi_report_reset(&rp);
    CHECK_INT(rp.n, 0);
    gw_kpi_report_free(&rp);

    /* months get their group when first seen, in the rows' order */
    struct gw_kpi_query mq = {.group_by = GW_KPI_BY_MONTH};
    gw_kpi_report_init(&rp, &mq);
    gw_kpi_report_row(&rp, "202610", "c1", "a", &r1);
    gw_kpi_report_row(&rp, "202611", "c1", "a", &r2);
    gw_kpi_report_rows_end(&rp);
    out = gw_kpi_report_json(&rp);
    recs = json_object_get(out, "records");
    CHECK_INT(json_array_size(recs), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(recs, 1), "month")), "2026-11");
    json_decref(out);
    gw_kpi_report_free(&rp);
}

static void test_hist_median(void)
{
    /* times 1 s, 2 s, 40 s, 50 s: buckets of 1000, 2000, 40000, 50000 ms */
    int64_t t[] = {1000, 2000, 40000, 50000};
    struct gw_kpi_hist_median m;
    gw_kpi_hist_median_init(&m, 4);
    CHECK_INT(m.k, 1);
    for (int i = 0; i < 4; i++)
        gw_kpi_hist_median_bucket(&m, gw_kpi_ttc_bucket(t[i]), 1);
    CHECK_INT(m.start, gw_kpi_ttc_bucket_start(gw_kpi_ttc_bucket(2000)));
    CHECK_INT(m.cum, 1);
    bool has = false;
    double med = 0;
    CHECK(gw_kpi_hist_median_result(&m, t + 1, 2, &has, &med));
    CHECK(has);
    CHECK_NEAR(med, 21.0);
    /* an even count needs both values */
    CHECK(!gw_kpi_hist_median_result(&m, t + 1, 1, &has, &med));
    /* odd count */
    gw_kpi_hist_median_init(&m, 3);
    for (int i = 0; i < 3; i++)
        gw_kpi_hist_median_bucket(&m, gw_kpi_ttc_bucket(t[i]), 1);
    CHECK(gw_kpi_hist_median_result(&m, t + 1, 1, &has, &med));
    CHECK_NEAR(med, 2.0);
    CHECK(!gw_kpi_hist_median_result(&m, NULL, 0, &has, &med));
    /* nobody completed: no median, no error */
    gw_kpi_hist_median_init(&m, 0);
    CHECK(gw_kpi_hist_median_result(&m, NULL, 0, &has, &med));
    CHECK(!has);
}

static void test_chargeback_report(void)
{
    struct gw_kpi_rates r = {.enabled = true, .has_hourly = true, .hourly_rate = 100};
    strcpy(r.currency, "EUR");
    struct gw_kpi_chargeback cb;
    gw_kpi_chargeback_init(&cb, "d1", 202611, &r);
    gw_kpi_chargeback_add(&cb, "c1", "One", 2.5, 3);
    gw_kpi_chargeback_add(&cb, "c2", "Two", 1.0, 0);
    json_t *out = gw_kpi_chargeback_json(&cb);
    gw_kpi_chargeback_free(&cb);
    CHECK_STR(json_string_value(json_object_get(out, "month")), "2026-11");
    CHECK_STR(json_string_value(json_object_get(out, "currency")), "EUR");
    CHECK_NEAR(json_real_value(json_object_get(out, "total_amount")), 350.0);
    CHECK_INT(json_array_size(json_object_get(out, "lines")), 2);
    json_decref(out);
    /* charging off: nothing priced, no total */
    struct gw_kpi_rates off = {0};
    gw_kpi_chargeback_init(&cb, "d1", 202611, &off);
    gw_kpi_chargeback_add(&cb, "c1", "One", 2.5, 3);
    out = gw_kpi_chargeback_json(&cb);
    CHECK(json_is_null(json_object_get(out, "total_amount")));
    CHECK(json_is_null(json_object_get(out, "currency")));
    json_decref(out);
}

static void test_pipeline_rules(void)
{
    int64_t def = 7 * GW_KPI_DAY_MS;
    CHECK_INT(gw_kpi_stalled_cutoff_ms(10 * GW_KPI_DAY_MS, def), 3 * GW_KPI_DAY_MS);
    CHECK_NEAR(gw_kpi_span_days(GW_KPI_DAY_MS / 2), 0.5);
}

static char *dup(const char *s)
{
    char *d = malloc(strlen(s) + 1);
    strcpy(d, s);
    return d;
}

static void test_pipeline_compute(void)
{
    int64_t day = GW_KPI_DAY_MS;
    struct gw_kpi_pipeline_facts f = {0};
    f.n_requests = 3;
    f.requested_ms = malloc(3 * sizeof *f.requested_ms);
    f.requested_ms[0] = 1 * day;
    f.requested_ms[1] = 5 * day;
    f.requested_ms[2] = 9 * day;
    /* c1 built and on an LMS; c2 built, published by state; c3 not built */
    f.n_courses = 3;
    f.courses = calloc(3, sizeof *f.courses);
    f.courses[0] = (struct gw_kpi_pipeline_course){dup("c1"), dup("live"), true, true, 20 * day};
    f.courses[1] = (struct gw_kpi_pipeline_course){dup("c2"), dup("published"), true, false, 0};
    f.courses[2] = (struct gw_kpi_pipeline_course){dup("c3"), dup("draft"), false, false, 0};
    /* c1: changes requested, then approved twice (the last approval counts) */
    f.n_rounds = 4;
    f.rounds = calloc(4, sizeof *f.rounds);
    f.rounds[0] = (struct gw_kpi_pipeline_round){dup("c1"), dup("changes_requested"), 0, 2 * day};
    f.rounds[1] = (struct gw_kpi_pipeline_round){dup("c1"), dup("approved"), 2 * day, 4 * day};
    f.rounds[2] = (struct gw_kpi_pipeline_round){dup("c1"), dup("approved"), 10 * day, 17 * day};
    f.rounds[3] = (struct gw_kpi_pipeline_round){dup("c3"), dup("open"), 18 * day, 0};
    /* open round: overdue undecided, overdue decided, no due date, not yet overdue */
    f.n_approvers = 5;
    f.approvers = calloc(5, sizeof *f.approvers);
    f.approvers[0] = (struct gw_kpi_pipeline_approver){dup("open"), 19 * day, false};
    f.approvers[1] = (struct gw_kpi_pipeline_approver){dup("open"), 19 * day, true};
    f.approvers[2] = (struct gw_kpi_pipeline_approver){dup("open"), 0, false};
    f.approvers[3] = (struct gw_kpi_pipeline_approver){dup("open"), 25 * day, false};
    f.approvers[4] = (struct gw_kpi_pipeline_approver){dup("approved"), 1 * day, false};
    struct gw_kpi_pipeline_in in;
    gw_kpi_pipeline_compute(&f, 2 * day, 9 * day, 30 * day, 7 * day, &in);
    CHECK_INT(in.courses_requested, 1); /* [2, 9): only day 5 */
    CHECK_INT(in.courses_built, 2);
    CHECK_INT(in.courses_published, 2);
    CHECK_INT(in.n_approval, 2);
    CHECK_NEAR(in.approval_days[0] + in.approval_days[1], 9.0);
    CHECK_INT(in.stalled_reviews, 1); /* due day 19 <= 30 - 7 */
    CHECK_INT(in.n_publish, 1);
    CHECK_NEAR(in.publish_days[0], 3.0); /* approved day 17, on the LMS day 20 */
    gw_kpi_pipeline_free(&in);
    gw_kpi_pipeline_compute(&f, 0, 0, 30 * day, 7 * day, &in); /* an open window */
    CHECK_INT(in.courses_requested, 3);
    gw_kpi_pipeline_free(&in);
    gw_kpi_pipeline_facts_free(&f);
    CHECK_INT(f.n_courses, 0);
}

/* ---- any whole-day window from the first-day state (window.c) ---- */

/* Span classes and the stabbing ranges: a pair crosses day p (f < p <= l)
 * exactly when its first day lies in its class's range for p and l >= p. */
static void test_span_stab(void)
{
    CHECK_INT(gw_kpi_span_class(5, 5), 0);
    CHECK_INT(gw_kpi_span_class(5, 6), 1);
    CHECK_INT(gw_kpi_span_class(5, 7), 2);
    CHECK_INT(gw_kpi_span_class(5, 8), 2);
    CHECK_INT(gw_kpi_span_class(5, 9), 3);
    CHECK_INT(gw_kpi_span_class(0, 1023), 10);
    CHECK_INT(gw_kpi_span_class(0, 1024), 11);
    CHECK_INT(gw_kpi_span_class(-719528, 2932896), 22); /* years 0000 to 9999 */
    int64_t lo = 0, hi = 0;
    CHECK(!gw_kpi_span_stab(100, 0, GW_KPI_DAY_OPEN_MIN, &lo, &hi));
    int wrong = 0;
    for (int64_t floor = -1; floor <= 40; floor += 41) {
        for (int64_t f = 0; f < 80; f++) {
            for (int64_t l = f; l < f + 80; l++) {
                int k = gw_kpi_span_class(f, l);
                for (int64_t p = 0; p < 170; p++) {
                    bool crosses = f < p && p <= l && f >= floor;
                    bool found =
                        gw_kpi_span_stab(p, k, floor, &lo, &hi) && f >= lo && f < hi && l >= p;
                    wrong += crosses != found;
                }
            }
        }
    }
    CHECK_INT(wrong, 0);
}

static void test_span_place(void)
{
    struct gw_kpi_window w = {10, 20};
    CHECK_INT(gw_kpi_span_place(&w, 2, 9), GW_KPI_SPAN_OUTSIDE);
    CHECK_INT(gw_kpi_span_place(&w, 20, 25), GW_KPI_SPAN_OUTSIDE);
    CHECK_INT(gw_kpi_span_place(&w, 10, 19), GW_KPI_SPAN_INSIDE);
    CHECK_INT(gw_kpi_span_place(&w, 9, 10), GW_KPI_SPAN_CROSSES_START);
    CHECK_INT(gw_kpi_span_place(&w, 2, 30), GW_KPI_SPAN_CROSSES_START);
    CHECK_INT(gw_kpi_span_place(&w, 19, 20), GW_KPI_SPAN_CROSSES_END);
    struct gw_kpi_query q = {.has_to = true, .to_day = 20};
    gw_kpi_window_of(&q, &w);
    CHECK_INT(w.a, GW_KPI_DAY_OPEN_MIN);
    CHECK_INT(gw_kpi_span_place(&w, -500, 19), GW_KPI_SPAN_INSIDE);
    CHECK_INT(gw_kpi_span_place(&w, -500, 20), GW_KPI_SPAN_CROSSES_END);
}

/* The periods a window sums cover each first day in [a, b) once and none
 * outside, whole months by their month row. */
static void test_window_periods(void)
{
    int m = 0;
    int64_t jan = 0, feb = 0;
    CHECK(gw_kpi_month_parse("2026-01", &m, &jan, &feb));
    int wrong = 0, months_used = 0;
    for (int64_t a = jan - 70; a < jan + 70; a += 3) {
        for (int64_t b = a + 1; b < a + 130; b += 7) {
            for (int open = 0; open < 3; open++) {
                struct gw_kpi_window w = {open == 1 ? GW_KPI_DAY_OPEN_MIN : a,
                                          open == 2 ? GW_KPI_DAY_OPEN_MAX : b};
                struct gw_kpi_periods pp;
                gw_kpi_window_periods(&w, &pp);
                months_used += pp.month_lo < pp.month_hi;
                for (int64_t d = jan - 200; d < jan + 300; d++) {
                    int n = 0;
                    for (int i = 0; i < 2; i++)
                        n += d >= pp.day_lo[i] && d < pp.day_hi[i];
                    int dm = gw_kpi_month_of_day(d);
                    n += dm >= pp.month_lo && dm < pp.month_hi;
                    wrong += n != (d >= w.a && d < w.b ? 1 : 0);
                }
            }
        }
    }
    CHECK_INT(wrong, 0);
    CHECK(months_used > 100);
}

/* A random pair: 1-5 days within 60 days, 1-3 facts a day. */
struct wpair {
    int64_t day[5];
    struct gw_kpi_row row[5], all;
    int n;
    bool learner;
};

static void random_pair(unsigned *seed, int64_t day0, struct wpair *p)
{
    p->n = 1 + rand_r(seed) % 5;
    p->learner = rand_r(seed) % 8 != 0;
    gw_kpi_row_init(&p->all);
    int64_t d = day0 + rand_r(seed) % 60;
    for (int i = 0; i < p->n; i++) {
        p->day[i] = d;
        d += 1 + rand_r(seed) % (i % 2 ? 2 : 20);
        gw_kpi_row_init(&p->row[i]);
        for (int k = 0, nf = 1 + rand_r(seed) % 3; k < nf; k++) {
            struct gw_kpi_fact f = {0};
            f.ts_ms = p->day[i] * GW_KPI_DAY_MS + rand_r(seed) % GW_KPI_DAY_MS;
            f.completing = rand_r(seed) % 4 == 0;
            f.passed = rand_r(seed) % 5 == 0;
            f.failed = !f.passed && rand_r(seed) % 5 == 0;
            f.has_score = rand_r(seed) % 3 == 0;
            f.score = (rand_r(seed) % 101) / 100.0;
            f.has_rating = rand_r(seed) % 4 == 0;
            f.rating = 1 + (rand_r(seed) % 9) / 2.0;
            f.comment = rand_r(seed) % 6 == 0;
            gw_kpi_row_add(&p->row[i], &f, rand_r(seed));
        }
        gw_kpi_row_merge(&p->all, &p->row[i]);
    }
}

/* The correction (gw_kpi_window_fix_pair) and the median from the
 * corrected histogram give, for random pairs and windows, exactly the
 * figures of the pairs' day rows folded inside the window. */
static void test_window_fix(void)
{
    unsigned seed = 20261207;
    enum { PAIRS = 300 };
    struct wpair *ps = calloc(PAIRS, sizeof *ps);
    for (int i = 0; i < PAIRS; i++)
        random_pair(&seed, 20454, &ps[i]);
    int crossing = 0, medians = 0;
    for (int round = 0; round < 200; round++) {
        struct gw_kpi_window w = {20440 + rand_r(&seed) % 110, 0};
        w.b = w.a + 1 + rand_r(&seed) % 70;
        /* expected: the fold of each pair's days inside the window */
        struct gw_kpi_acc want;
        gw_kpi_acc_init(&want);
        /* actual: first-day sums over [a, b), then the correction */
        struct gw_kpi_window_fix x;
        gw_kpi_window_fix_init(&x);
        int64_t *inside = calloc(PAIRS, sizeof *inside);
        size_t n_inside = 0;
        for (int i = 0; i < PAIRS; i++) {
            const struct wpair *p = &ps[i];
            struct gw_kpi_row in;
            gw_kpi_row_init(&in);
            for (int d = 0; d < p->n; d++) {
                if (p->day[d] >= w.a && p->day[d] < w.b)
                    gw_kpi_row_merge(&in, &p->row[d]);
            }
            if (in.statements)
                gw_kpi_acc_add(&want, &in, p->learner);
            int64_t f = p->day[0], l = p->day[p->n - 1];
            int64_t ttc = gw_kpi_learner_ttc(&p->all, p->learner);
            if (f >= w.a && f < w.b) { /* what kpi_first_totals holds for [a, b) */
                struct gw_kpi_totals t;
                gw_kpi_totals_of(&p->all, p->learner, &t);
                gw_kpi_totals_add(&x.t, &t);
                if (ttc >= 0)
                    gw_kpi_window_fix_hist(&x, gw_kpi_ttc_bucket(ttc), 1);
            }
            enum gw_kpi_span_place pl = gw_kpi_span_place(&w, f, l);
            if (pl == GW_KPI_SPAN_INSIDE && ttc >= 0)
                inside[n_inside++] = ttc;
            if (pl == GW_KPI_SPAN_CROSSES_START || pl == GW_KPI_SPAN_CROSSES_END) {
                gw_kpi_window_fix_pair(&x, &p->all, &in, p->learner, pl == GW_KPI_SPAN_CROSSES_END);
                crossing++;
            }
        }
        struct gw_kpi_acc got;
        gw_kpi_acc_init(&got);
        gw_kpi_acc_set_totals(&got, &x.t);
        struct gw_kpi_hist_median hm;
        int64_t b1 = -1, b2 = -1;
        gw_kpi_window_median_buckets(&x, x.t.completed, &hm, &b1, &b2);
        /* the store reads the inside pairs of buckets b1 and b2 only */
        size_t nd = 0;
        for (size_t i = 0; i < n_inside; i++) {
            int64_t b = gw_kpi_ttc_bucket(inside[i]);
            if (b1 >= 0 && (b == b1 || b == b2))
                inside[nd++] = inside[i];
        }
        bool has = false;
        CHECK(gw_kpi_window_median_pick(&hm, b1, b2, inside, nd, &x, &has, &got.median));
        got.median_known = has;
        medians += has;
        json_t *jw = json_object(), *jg = json_object();
        gw_kpi_acc_to_json(&want, jw);
        gw_kpi_acc_to_json(&got, jg);
        if (!json_equal(jw, jg)) {
            char *a = json_dumps(jw, JSON_SORT_KEYS), *b = json_dumps(jg, JSON_SORT_KEYS);
            fprintf(stderr, "  window [%lld, %lld): want %s\n  got %s\n", (long long)w.a,
                    (long long)w.b, a, b);
            free(a);
            free(b);
            gwt_case_failed = 1;
        }
        json_decref(jw);
        json_decref(jg);
        gw_kpi_acc_free(&want);
        gw_kpi_acc_free(&got);
        gw_kpi_window_fix_free(&x);
        free(inside);
    }
    CHECK(crossing > 1000);
    CHECK(medians > 150);
    free(ps);
}

int main(void)
{
    GW_RUN(test_counts_and_time);
    GW_RUN(test_attribute_activities);
    GW_RUN(test_attributed_fact);
    GW_RUN(test_totals);
    GW_RUN(test_ttc_moves);
    GW_RUN(test_pair);
    GW_RUN(test_query_rules);
    GW_RUN(test_month_rules);
    GW_RUN(test_pair_months);
    GW_RUN(test_span_stab);
    GW_RUN(test_span_place);
    GW_RUN(test_window_periods);
    GW_RUN(test_window_fix);
    GW_RUN(test_report_fold);
    GW_RUN(test_hist_median);
    GW_RUN(test_chargeback_report);
    GW_RUN(test_pipeline_rules);
    GW_RUN(test_pipeline_compute);
    return gw_test_summary();
}
