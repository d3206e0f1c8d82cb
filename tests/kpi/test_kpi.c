/* Unit tests of the KPI domain (kpi/kpi.c) with hand-computed inputs:
 * prefixes and longest-match attribution, statement facts (verbs, result
 * flags, feedback, ratings from raw/min/max and scaled), row folding,
 * figures (medians with even counts, rounding half up, nulls for absent
 * values), windows and months, pipeline figures, chargeback lines, CSV. */
#include "gw/department.h"
#include "gw/kpi.h"
#include "gwtest.h"

#include <math.h>
#include <string.h>

#define CHECK_NEAR(a, b) CHECK(fabs((double)(a) - (double)(b)) < 1e-9)

static json_t *J(const char *s)
{
    json_t *j = json_loads(s, 0, NULL);
    if (!j)
        abort();
    return j;
}

static void test_prefixes(void)
{
    size_t lens[8];
    const char *id = "https://ex.org/c1/m?x=1#f";
    size_t n = gw_kpi_iri_prefixes(id, lens, 8);
    /* whole, then cut before "#", "?", "/m", "/c1", "/c1...", "//", "/" */
    CHECK_INT(n, 7);
    CHECK_INT(lens[0], strlen(id));
    CHECK_INT(lens[1], strlen("https://ex.org/c1/m?x=1"));
    CHECK_INT(lens[2], strlen("https://ex.org/c1/m"));
    CHECK_INT(lens[3], strlen("https://ex.org/c1"));
    CHECK_INT(lens[4], strlen("https://ex.org"));
    CHECK_INT(gw_kpi_iri_prefixes("", lens, 8), 0);
}

static void test_attribute(void)
{
    bool cl = true;
    CHECK_INT(gw_kpi_attribute(NULL, 0, &cl), -1);
    CHECK(!cl);
    /* object under c1 (short IRI), parent under c2 (longer IRI): c2 wins, not course-level */
    struct gw_kpi_match m[] = {{"c1", 10, true}, {"c2", 20, false}};
    CHECK_INT(gw_kpi_attribute(m, 2, &cl), 1);
    CHECK(!cl);
    /* object matches both the winner's long and short IRIs: course-level */
    struct gw_kpi_match m2[] = {{"c2", 20, false}, {"c2", 12, true}, {"c1", 10, true}};
    CHECK_INT(gw_kpi_attribute(m2, 3, &cl), 0);
    CHECK(cl);
    /* equal lengths: the object's match wins, then the smaller course id */
    struct gw_kpi_match m3[] = {{"a", 10, false}, {"b", 10, true}};
    CHECK_INT(gw_kpi_attribute(m3, 2, &cl), 1);
    CHECK(cl);
    struct gw_kpi_match m4[] = {{"b", 10, false}, {"a", 10, false}};
    CHECK_INT(gw_kpi_attribute(m4, 2, &cl), 1);
    CHECK(!cl);
}

static void fact_of(const char *st, bool cl, struct gw_kpi_fact *f)
{
    json_t *j = J(st);
    gw_kpi_statement_fact(j, cl, 1000, f);
    json_decref(j);
}

#define V(x) "{\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/" x "\"}"

static void test_facts(void)
{
    struct gw_kpi_fact f;
    fact_of(V("completed") "}", true, &f);
    CHECK(f.completing && !f.passed && !f.failed && !f.has_score);
    fact_of(V("passed") ",\"result\":{\"score\":{\"scaled\":0.5}}}", true, &f);
    CHECK(f.completing && f.passed && !f.failed && f.has_score);
    CHECK_NEAR(f.score, 0.5);
    fact_of(V("failed") "}", true, &f);
    CHECK(!f.completing && !f.passed && f.failed);
    fact_of(V("experienced") ",\"result\":{\"completion\":true,\"success\":false}}", true, &f);
    CHECK(f.completing && !f.passed && f.failed);
    fact_of(V("experienced") ",\"result\":{\"success\":true}}", true, &f);
    CHECK(f.passed && !f.completing);
    /* not course-level: nothing but the timestamp */
    fact_of(V("passed") ",\"result\":{\"score\":{\"scaled\":0.5}}}", false, &f);
    CHECK(!f.completing && !f.passed && !f.has_score);
    CHECK_INT(f.ts_ms, 1000);
    /* feedback carries no score; ratings */
    fact_of("{\"verb\":{\"id\":\"http://id.tincanapi.com/verb/rated\"},\"result\":{\"score\":"
            "{\"raw\":4}}}",
            true, &f);
    CHECK(!f.has_score && f.has_rating);
    CHECK_NEAR(f.rating, 4.0);
    fact_of("{\"verb\":{\"id\":\"http://id.tincanapi.com/verb/rated\"},\"result\":{\"score\":"
            "{\"raw\":2,\"min\":0,\"max\":10}}}",
            true, &f);
    CHECK_NEAR(f.rating, 1.8);
    fact_of("{\"verb\":{\"id\":\"http://id.tincanapi.com/verb/rated\"},\"result\":{\"score\":"
            "{\"scaled\":0.375}}}",
            true, &f);
    CHECK_NEAR(f.rating, 2.5);
    fact_of("{\"verb\":{\"id\":\"http://id.tincanapi.com/verb/rated\"}}", true, &f);
    CHECK(!f.has_rating);
    fact_of(V("commented") ",\"result\":{\"response\":\"ok\",\"score\":{\"scaled\":1}}}", true, &f);
    CHECK(f.comment && !f.has_score);
    fact_of(V("commented") ",\"result\":{\"response\":\"\"}}", true, &f);
    CHECK(!f.comment);
    fact_of(V("commented") ",\"result\":{\"response\":\"ok\"}}", false, &f);
    CHECK(!f.comment);
}

/* The score of a statement, version 2 of the definitions: raw/min/max first
 * (Moodle's logstore_xapi rescales scaled to -1..1), then scaled, then raw
 * alone on 0..100, else none. */
static double score_of(const char *score_json, bool *has)
{
    json_t *j = J(score_json);
    double v = -999;
    *has = gw_kpi_score(j, &v);
    json_decref(j);
    return v;
}

static void test_score_v2(void)
{
    bool has = false;
    /* Moodle: 85 of 100 with scaled 0.7 -> 0.85, not 0.7 */
    CHECK_NEAR(score_of("{\"raw\":85,\"min\":0,\"max\":100,\"scaled\":0.7}", &has), 0.85);
    CHECK(has);
    CHECK_NEAR(score_of("{\"raw\":7,\"min\":2,\"max\":12}", &has), 0.5);
    CHECK(has);
    CHECK_NEAR(score_of("{\"raw\":-5,\"min\":-10,\"max\":10,\"scaled\":0.1}", &has), 0.25);
    /* max == min or max < min: scaled, else none */
    CHECK_NEAR(score_of("{\"raw\":5,\"min\":5,\"max\":5,\"scaled\":0.3}", &has), 0.3);
    CHECK(has);
    score_of("{\"raw\":5,\"min\":5,\"max\":5}", &has);
    CHECK(!has);
    score_of("{\"raw\":5,\"min\":10,\"max\":0}", &has);
    CHECK(!has);
    /* raw with only one bound: scaled when present, else none (raw is not alone) */
    CHECK_NEAR(score_of("{\"raw\":40,\"max\":50,\"scaled\":0.6}", &has), 0.6);
    score_of("{\"raw\":40,\"max\":50}", &has);
    CHECK(!has);
    score_of("{\"raw\":40,\"min\":0}", &has);
    CHECK(!has);
    /* scaled alone */
    CHECK_NEAR(score_of("{\"scaled\":-0.5}", &has), -0.5);
    CHECK(has);
    /* raw alone on 0..100 (SCORM 1.2), bounds included; outside it, none */
    CHECK_NEAR(score_of("{\"raw\":85}", &has), 0.85);
    CHECK(has);
    CHECK_NEAR(score_of("{\"raw\":0}", &has), 0.0);
    CHECK(has);
    CHECK_NEAR(score_of("{\"raw\":100}", &has), 1.0);
    CHECK(has);
    score_of("{\"raw\":100.5}", &has);
    CHECK(!has);
    score_of("{\"raw\":-1}", &has);
    CHECK(!has);
    score_of("{}", &has);
    CHECK(!has);
    /* through the fact: course-level, not feedback */
    struct gw_kpi_fact f;
    fact_of(V("passed") ",\"result\":{\"score\":{\"raw\":85,\"min\":0,\"max\":100,"
                        "\"scaled\":0.7}}}",
            true, &f);
    CHECK(f.has_score);
    CHECK_NEAR(f.score, 0.85);
    fact_of(V("completed") ",\"result\":{\"score\":{\"raw\":85}}}", true, &f);
    CHECK(f.has_score);
    CHECK_NEAR(f.score, 0.85);
    fact_of(V("completed") ",\"result\":{\"score\":{\"raw\":85}}}", false, &f);
    CHECK(!f.has_score);
    fact_of("{\"verb\":{\"id\":\"http://id.tincanapi.com/verb/rated\"},\"result\":{\"score\":"
            "{\"raw\":85}}}",
            true, &f);
    CHECK(!f.has_score);
}

/* Ratings that share a timestamp: the one stored last (the higher seq) is
 * the latest, in whichever order the rows are folded. */
static void test_rating_ties(void)
{
    struct gw_kpi_fact f;
    memset(&f, 0, sizeof f);
    f.ts_ms = 5000;
    f.has_rating = true;
    struct gw_kpi_row x, y;
    gw_kpi_row_init(&x);
    gw_kpi_row_init(&y);
    f.rating = 2.0;
    gw_kpi_row_add(&x, &f, 10);
    f.rating = 4.0;
    gw_kpi_row_add(&x, &f, 11);
    CHECK_NEAR(x.rating, 4.0);
    f.rating = 4.0;
    gw_kpi_row_add(&y, &f, 11);
    f.rating = 2.0;
    gw_kpi_row_add(&y, &f, 10);
    CHECK_NEAR(y.rating, 4.0);
    /* a later timestamp wins over a later arrival */
    f.ts_ms = 6000;
    f.rating = 1.0;
    gw_kpi_row_add(&y, &f, 3);
    CHECK_NEAR(y.rating, 1.0);
}

static void test_rating_bucket(void)
{
    CHECK_INT(gw_kpi_rating_bucket(2.5), 3);
    CHECK_INT(gw_kpi_rating_bucket(2.4999), 2);
    CHECK_INT(gw_kpi_rating_bucket(1.0), 1);
    CHECK_INT(gw_kpi_rating_bucket(4.5), 5);
    CHECK_INT(gw_kpi_rating_bucket(5.0), 5);
    CHECK_INT(gw_kpi_rating_bucket(1 + 4 * 0.375), 3);
    double r = 0;
    json_t *s = J("{\"raw\":3,\"min\":3,\"max\":3}");
    CHECK(!gw_kpi_rating(s, &r));
    json_decref(s);
}

static void test_median(void)
{
    double v1[] = {3, 1, 2}, v2[] = {4, 1, 3, 2}, m = -1;
    CHECK(!gw_kpi_median(v1, 0, &m));
    CHECK(gw_kpi_median(v1, 3, &m));
    CHECK_NEAR(m, 2);
    CHECK(gw_kpi_median(v2, 4, &m));
    CHECK_NEAR(m, 2.5);
}

static void test_ttc_buckets(void)
{
    int64_t prev = -1;
    for (int64_t ms = 0; ms < 5000000; ms += ms < 100 ? 1 : 997) {
        int64_t b = gw_kpi_ttc_bucket(ms);
        CHECK(b >= prev);
        CHECK(gw_kpi_ttc_bucket_start(b) <= ms);
        CHECK(gw_kpi_ttc_bucket(gw_kpi_ttc_bucket_start(b)) == b);
        CHECK(gw_kpi_ttc_bucket_start(b + 1) > ms);
        prev = b;
    }
    CHECK_INT(gw_kpi_ttc_bucket(16), 16);
    CHECK_INT(gw_kpi_ttc_bucket(31), 23);
    CHECK_INT(gw_kpi_ttc_bucket(32), 24);
    CHECK_INT(gw_kpi_ttc_bucket_start(24), 32);
    int64_t big = 30LL * 86400000;
    CHECK(gw_kpi_ttc_bucket_start(gw_kpi_ttc_bucket(big)) <= big);
}

static struct gw_kpi_fact mk(int64_t ts, bool completing)
{
    struct gw_kpi_fact f = {0};
    f.ts_ms = ts;
    f.completing = completing;
    return f;
}

static void test_rows_and_figures(void)
{
    /* learner A: first at 1000, completes at 4601000 (4600 s), passed, best 0.9, ratings
     * 4.0 at t=5000 then 1.8 at t=6000 (latest wins even when folded out of order) */
    struct gw_kpi_row a, a2, b, g;
    gw_kpi_row_init(&a);
    gw_kpi_row_init(&a2);
    struct gw_kpi_fact f = mk(1000, false);
    gw_kpi_row_add(&a, &f, 1);
    f = mk(6000, false);
    f.has_rating = true;
    f.rating = 1.8;
    gw_kpi_row_add(&a2, &f, 5);
    f = mk(4601000, true);
    f.passed = true;
    f.has_score = true;
    f.score = 0.9;
    gw_kpi_row_add(&a2, &f, 3);
    f = mk(5000, false);
    f.has_rating = true;
    f.rating = 4.0;
    f.has_score = true;
    f.score = 0.8;
    gw_kpi_row_add(&a, &f, 4);
    gw_kpi_row_merge(&a, &a2);
    CHECK_INT(a.statements, 4);
    CHECK_INT(a.first_ms, 1000);
    CHECK_INT(a.complete_ms, 4601000);
    CHECK(a.passed && !a.failed);
    CHECK_NEAR(a.best_score, 0.9);
    CHECK_NEAR(a.rating, 1.8);
    /* learner B: failed, score 0.4, rating 2.5, not completed */
    gw_kpi_row_init(&b);
    f = mk(2000, false);
    f.failed = true;
    f.has_score = true;
    f.score = 0.4;
    gw_kpi_row_add(&b, &f, 2);
    f = mk(3000, false);
    f.has_rating = true;
    f.rating = 2.5;
    f.comment = true;
    gw_kpi_row_add(&b, &f, 6);
    /* a Group's statements: counted, no learner */
    gw_kpi_row_init(&g);
    f = mk(2000, true);
    gw_kpi_row_add(&g, &f, 7);

    struct gw_kpi_acc acc;
    gw_kpi_acc_init(&acc);
    gw_kpi_acc_add(&acc, &a, true);
    gw_kpi_acc_add(&acc, &b, true);
    gw_kpi_acc_add(&acc, &g, false);
    json_t *rec = json_object();
    gw_kpi_acc_to_json(&acc, rec);
    CHECK_INT(json_integer_value(json_object_get(rec, "learners_started")), 2);
    CHECK_INT(json_integer_value(json_object_get(rec, "learners_completed")), 1);
    CHECK_NEAR(json_real_value(json_object_get(rec, "completion_rate")), 0.5);
    CHECK_INT(json_integer_value(json_object_get(rec, "learners_passed")), 1);
    CHECK_INT(json_integer_value(json_object_get(rec, "learners_failed")), 1);
    CHECK_NEAR(json_real_value(json_object_get(rec, "pass_rate")), 0.5);
    CHECK_NEAR(json_real_value(json_object_get(rec, "avg_score")), 0.65);
    CHECK_NEAR(json_real_value(json_object_get(rec, "median_time_to_complete_s")), 4600);
    CHECK_INT(json_integer_value(json_object_get(rec, "feedback_count")), 2);
    CHECK_NEAR(json_real_value(json_object_get(rec, "avg_rating")), 2.15);
    CHECK_INT(json_integer_value(json_object_get(rec, "rating_2")), 1);
    CHECK_INT(json_integer_value(json_object_get(rec, "rating_3")), 1);
    CHECK_INT(json_integer_value(json_object_get(rec, "rating_1")), 0);
    CHECK_NEAR(json_real_value(json_object_get(rec, "feedback_response_rate")), 1.0);
    CHECK_INT(json_integer_value(json_object_get(rec, "comments")), 1);
    CHECK_INT(json_integer_value(json_object_get(rec, "statements")), 7);
    json_decref(rec);
    gw_kpi_acc_free(&acc);

    /* nothing: counts 0, every rate and mean null */
    gw_kpi_acc_init(&acc);
    rec = json_object();
    gw_kpi_acc_to_json(&acc, rec);
    CHECK_INT(json_integer_value(json_object_get(rec, "learners_started")), 0);
    static const char *const nulls[] = {"completion_rate", "pass_rate",
                                        "avg_score",       "median_time_to_complete_s",
                                        "avg_rating",      "feedback_response_rate"};
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        CHECK(json_is_null(json_object_get(rec, nulls[i])));
    json_decref(rec);
    gw_kpi_acc_free(&acc);
}

static void test_time(void)
{
    int64_t d = 0;
    CHECK(gw_kpi_parse_day("2026-01-20", &d));
    CHECK_INT(d, 20473);
    CHECK(gw_kpi_parse_day("2026-01-20T00:00:00Z", &d));
    CHECK_INT(d, 20473);
    CHECK(!gw_kpi_parse_day("2026-01-20T00:00:01Z", &d));
    CHECK(!gw_kpi_parse_day("2026-1-2", &d));
    CHECK(!gw_kpi_parse_day("", &d));
    CHECK_INT(gw_kpi_day(-1), -1);
    CHECK_INT(gw_kpi_day(GW_KPI_DAY_MS), 1);
    CHECK_INT(gw_kpi_month_of_day(20473), 202601);
    CHECK_INT(gw_kpi_month_of_day(0), 197001);
    char m[8];
    gw_kpi_month_format(202602, m);
    CHECK_STR(m, "2026-02");
    int month = 0;
    int64_t a = 0, b = 0;
    CHECK(gw_kpi_month_parse("2026-12", &month, &a, &b));
    CHECK_INT(month, 202612);
    CHECK_INT(b - a, 31);
    CHECK(gw_kpi_month_parse("2024-02", &month, &a, &b));
    CHECK_INT(b - a, 29);
    CHECK(!gw_kpi_month_parse("2026-13", &month, &a, &b));
    CHECK(!gw_kpi_month_parse("2026-1", &month, &a, &b));
    CHECK(!gw_kpi_month_parse(NULL, &month, &a, &b));
}

static void test_pipeline(void)
{
    double appr[] = {5, 1, 3, 2}, pub[] = {7};
    struct gw_kpi_pipeline_in in = {4, 3, 2, appr, 4, 1, pub, 1};
    json_t *rec = json_object();
    gw_kpi_pipeline_to_json(&in, rec);
    CHECK_INT(json_integer_value(json_object_get(rec, "courses_requested")), 4);
    CHECK_NEAR(json_real_value(json_object_get(rec, "deployment_rate")), 2.0 / 3.0);
    CHECK_NEAR(json_real_value(json_object_get(rec, "median_approval_days")), 2.5);
    CHECK_INT(json_integer_value(json_object_get(rec, "stalled_reviews")), 1);
    CHECK_NEAR(json_real_value(json_object_get(rec, "median_days_to_publish")), 7);
    json_decref(rec);
    struct gw_kpi_pipeline_in none = {0};
    rec = json_object();
    gw_kpi_pipeline_to_json(&none, rec);
    CHECK(json_is_null(json_object_get(rec, "deployment_rate")));
    CHECK(json_is_null(json_object_get(rec, "median_approval_days")));
    CHECK(json_is_null(json_object_get(rec, "median_days_to_publish")));
    json_decref(rec);
}

static void rates_from(const char *settings, struct gw_kpi_rates *r)
{
    struct gw_dept_settings ds;
    gw_dept_settings_read(settings, &ds);
    *r = ds.rates;
    gw_dept_settings_free(&ds);
}

static void test_chargeback(void)
{
    struct gw_kpi_rates r;
    rates_from("{\"charge\":true,\"rates\":{\"hourly\":85.0,"
               "\"per_learner\":2.5,\"currency\":\"EUR\"}}",
               &r);
    CHECK(r.enabled);
    CHECK_STR(r.currency, "EUR");
    json_t *l = gw_kpi_chargeback_line("c1", "Course", 10, 3, &r);
    CHECK_NEAR(json_real_value(json_object_get(l, "effort_amount")), 850);
    CHECK_NEAR(json_real_value(json_object_get(l, "learner_amount")), 7.5);
    CHECK_NEAR(json_real_value(json_object_get(l, "amount")), 857.5);
    json_decref(l);
    rates_from("{}", &r);
    CHECK(!r.enabled);
    l = gw_kpi_chargeback_line("c1", "Course", 10, 3, &r);
    CHECK(json_is_null(json_object_get(l, "amount")));
    CHECK_NEAR(json_real_value(json_object_get(l, "hours")), 10);
    json_decref(l);
    rates_from("not json", &r);
    CHECK(!r.enabled);
    /* the one rule (effort view and chargeback): a rate not set is not
     * priced, a rate of 0 is priced at 0 */
    struct {
        const char *settings;
        double hours;
        int64_t learners;
        bool priced, effort_priced, learner_priced;
        double amount;
    } cases[] = {
        {"{\"charge\":true,\"rates\":{\"hourly\":80}}", 3.5, 4, true, true, false, 280},
        {"{\"charge\":true,\"rates\":{\"per_learner\":2}}", 3.5, 4, true, false, true, 8},
        {"{\"charge\":true,\"rates\":{\"hourly\":0,\"per_learner\":0}}", 3, 4, true, true, true, 0},
        {"{\"charge\":true}", 3, 4, false, false, false, 0},
        {"{\"charge\":false,\"rates\":{\"hourly\":80}}", 3, 4, false, false, false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct gw_kpi_charge ch;
        rates_from(cases[i].settings, &r);
        gw_kpi_charge(&r, cases[i].hours, cases[i].learners, &ch);
        CHECK(ch.priced == cases[i].priced);
        CHECK(ch.effort_priced == cases[i].effort_priced);
        CHECK(ch.learner_priced == cases[i].learner_priced);
        CHECK_NEAR(ch.amount, cases[i].amount);
        l = gw_kpi_chargeback_line("c1", "Course", cases[i].hours, cases[i].learners, &r);
        CHECK(json_is_null(json_object_get(l, "amount")) == !cases[i].priced);
        CHECK(json_is_null(json_object_get(l, "learner_amount")) == !cases[i].learner_priced);
        json_decref(l);
    }
}

/* Who sees one course's KPIs: admin and bi always; otherwise only its
 * author and the head of the requesting department; a key bound to no
 * person, or a course without an author or head, opens nothing. */
static void test_may_read_course(void)
{
    CHECK(gw_kpi_may_read_course(true, "", "", ""));
    CHECK(gw_kpi_may_read_course(true, "zoe", "alex", "hana"));
    CHECK(gw_kpi_may_read_course(false, "alex", "alex", "hana"));
    CHECK(gw_kpi_may_read_course(false, "hana", "alex", "hana"));
    CHECK(!gw_kpi_may_read_course(false, "ann", "alex", "hana"));
    CHECK(!gw_kpi_may_read_course(false, "", "", ""));
    CHECK(!gw_kpi_may_read_course(false, "", "alex", ""));
    CHECK(!gw_kpi_may_read_course(false, "alex", "", ""));
    CHECK(!gw_kpi_may_read_course(false, "alex", NULL, NULL));
    CHECK(!gw_kpi_may_read_course(false, NULL, "alex", "hana"));
}

static void test_csv(void)
{
    json_t *recs = J("[{\"a\":\"x,y\",\"b\":null,\"c\":0.1,\"d\":3},"
                     "{\"a\":\"q\\\"\",\"b\":true,\"c\":2.5,\"d\":0}]");
    char *csv = gw_kpi_csv(recs, NULL);
    /* numbers for people (issue 16): 0.1, not 0.10000000000000001 */
    CHECK_STR(csv, "a,b,c,d\r\n\"x,y\",,0.1,3\r\n\"q\"\"\",true,2.5,0\r\n");
    free(csv);
    static const char *const cols[] = {"d", "a", NULL};
    json_t *empty = json_array();
    csv = gw_kpi_csv(empty, cols);
    CHECK_STR(csv, "d,a\r\n");
    free(csv);
    json_decref(empty);
    json_decref(recs);
    /* text that reads as a formula is neutralised; numbers, negative too, stay numbers */
    recs = J("[{\"t\":\"-1\",\"n\":-1.5,\"i\":-2,\"f\":\"=1+1\"}]");
    csv = gw_kpi_csv(recs, NULL);
    CHECK_STR(csv, "t,n,i,f\r\n\"'-1\",-1.5,-2,\"'=1+1\"\r\n");
    free(csv);
    json_decref(recs);
    /* a rate, an average and an amount as the KPI and chargeback CSVs print them */
    recs = J("[{\"rate\":0.65000000000000002,\"avg\":0.8333333333333334,\"amount\":1234.5000000001,"
             "\"hours\":7.0}]");
    csv = gw_kpi_csv(recs, NULL);
    CHECK_STR(csv, "rate,avg,amount,hours\r\n0.65,0.833333,1234.5,7\r\n");
    free(csv);
    json_decref(recs);
}

/* Which activities attribute a statement; a learner's time to complete. */
static void test_activities_and_ttc(void)
{
    json_t *st =
        json_loads("{\"actor\":{\"mbox\":\"mailto:a@e.org\"},\"verb\":{\"id\":\"http://e.org/v\"},"
                   "\"object\":{\"id\":\"https://e.org/obj\"},\"context\":{\"contextActivities\":"
                   "{\"parent\":[{\"id\":\"https://e.org/course\"}]}}}",
                   0, NULL);
    REQUIRE(st);
    size_t n = 0;
    struct gw_kpi_activity *a = gw_kpi_statement_activities(st, &n);
    CHECK_INT(n, 2);
    CHECK_STR(a[0].id, "https://e.org/obj");
    CHECK(a[0].via_object);
    CHECK_STR(a[1].id, "https://e.org/course");
    CHECK(!a[1].via_object);
    free(a);
    json_decref(st);
    /* a SubStatement's activities do not attribute */
    st = json_loads("{\"actor\":{\"mbox\":\"mailto:a@e.org\"},\"verb\":{\"id\":\"http://e.org/v\"},"
                    "\"object\":{\"objectType\":\"SubStatement\",\"actor\":{\"mbox\":"
                    "\"mailto:a@e.org\"},\"verb\":{\"id\":\"http://e.org/v\"},\"object\":{\"id\":"
                    "\"https://e.org/inner\"}}}",
                    0, NULL);
    REQUIRE(st);
    a = gw_kpi_statement_activities(st, &n);
    CHECK_INT(n, 0);
    free(a);
    json_decref(st);
    struct gw_kpi_row r;
    gw_kpi_row_init(&r);
    CHECK_INT(gw_kpi_time_to_complete(&r), -1);
    r.first_ms = 1000;
    r.complete_ms = 61000;
    CHECK_INT(gw_kpi_time_to_complete(&r), 60000);
}

int main(void)
{
    GW_RUN(test_prefixes);
    GW_RUN(test_attribute);
    GW_RUN(test_facts);
    GW_RUN(test_score_v2);
    GW_RUN(test_rating_ties);
    GW_RUN(test_rating_bucket);
    GW_RUN(test_median);
    GW_RUN(test_ttc_buckets);
    GW_RUN(test_rows_and_figures);
    GW_RUN(test_time);
    GW_RUN(test_pipeline);
    GW_RUN(test_chargeback);
    GW_RUN(test_activities_and_ttc);
    GW_RUN(test_csv);
    GW_RUN(test_may_read_course);
    return gw_test_summary();
}
