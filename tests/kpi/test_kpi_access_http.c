/* Who sees which department's KPIs and chargeback (issue 16, the web app's
 * department page), through the real lmsgw binary on SQLite or PostgreSQL
 * (GW_TEST_PG) with an SMTP sink for the sign-in links. Two departments with
 * a course each (made through the API, statements posted with an lms key);
 * then, signed in by the mailed link: a department's head reads their own
 * department's KPIs (by department, course and month, with or without naming
 * it) and chargeback (its CSV a download named after the department), and is
 * refused the other department's (403 KPI_NOT_HEAD) however they ask; a key
 * tied to the other head sees the mirror image; someone who heads nothing
 * sees no records and no chargeback; someone heading two departments sees
 * both and must name one for months; bi and admin see all; lms keys none.
 * Also the pure rule (gw_kpi_scope_of) case by case. */
#include "gw/kpi_access.h"
#include "gwtest.h"
#include "outbound/support.h"
#include "testsupport.h"

#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef GW_TEST_PG
#define GW_TEST_PG 0
#endif

static struct gwt_server srv;
static struct smtp_sink *sink;
static char h_admin[300], h_lms[300], h_otto_key[300];
static char s_hana[300], s_ann[300], s_mia[300], s_bea[300]; /* "Cookie: lmsgw_session=..." */
static char *dsn;
static char sales_course[64], ops_course[64];

/* ---- signing in by the mailed link ---- */

static void last_token(char out[65])
{
    char *all = smtp_sink_all(sink);
    const char *last = NULL;
    for (const char *p = all; p && (p = strstr(p, "/signin/")); p++)
        last = p;
    out[0] = '\0';
    if (last && strspn(last + 8, "0123456789abcdef") >= 64)
        snprintf(out, 65, "%.64s", last + 8);
    free(all);
}

/* Signs email in: asks for a link, takes it from the sink, presses Sign in
 * from our own origin; "Cookie: lmsgw_session=..." into hdr. */
static bool sign_in(const char *email, char *hdr, size_t cap)
{
    char body[200], token[65], path[128], origin[200];
    snprintf(body, sizeof body, "{\"email\":\"%s\"}", email);
    const char *hj[] = {"Content-Type: application/json", NULL};
    if (gwt_call(&srv, "POST", "/api/v1/signin", hj, body, strlen(body), NULL) != 202)
        return false;
    last_token(token);
    if (!token[0])
        return false;
    snprintf(path, sizeof path, "/signin/%s", token);
    snprintf(origin, sizeof origin, "Origin: %s", srv.base_url);
    const char *hf[] = {origin, "Content-Type: application/x-www-form-urlencoded", NULL};
    struct gwt_response r;
    long st = gwt_call(&srv, "POST", path, hf, "", 0, &r);
    char *set = gwt_header(&r, "Set-Cookie");
    bool ok = st == 303 && set && strncmp(set, "lmsgw_session=", 14) == 0;
    if (ok)
        snprintf(hdr, cap, "Cookie: %.*s", (int)strcspn(set, ";"), set);
    free(set);
    gwt_response_free(&r);
    return ok;
}

/* ---- requests ---- */

/* GET path with the header line who; the status, and the body parsed into
 * *j when j is not NULL (NULL when not JSON). */
static long get(const char *who, const char *path, json_t **j)
{
    const char *h[] = {who, NULL};
    struct gwt_response r;
    long st = gwt_call(&srv, "GET", path, h, NULL, 0, &r);
    if (j)
        *j = r.body ? json_loads(r.body, 0, NULL) : NULL;
    gwt_response_free(&r);
    return st;
}

/* Checks that GET path as who answers status with the error named name. */
static void check_refused(const char *who, const char *path, long status, const char *name)
{
    json_t *j = NULL;
    long st = get(who, path, &j);
    CHECK_INT(st, status);
    CHECK_STR(gwt_sv(j, "name"), name);
    if (st != status)
        fprintf(stderr, "  GET %s\n", path);
    json_decref(j);
}

static size_t nrecords(const json_t *env)
{
    return json_array_size(json_object_get(env, "records"));
}

/* Whether every record of env names department dep (and there is one). */
static bool only_department(const json_t *env, const char *dep)
{
    size_t i;
    const json_t *r;
    if (nrecords(env) == 0)
        return false;
    json_array_foreach(json_object_get(env, "records"), i, r)
    {
        if (strcmp(gwt_sv(r, "department_id"), dep) != 0)
            return false;
    }
    return true;
}

static int64_t I(const json_t *r, const char *k)
{
    const json_t *v = json_object_get(r, k);
    return json_is_integer(v) ? json_integer_value(v) : -999;
}

/* ---- the data ---- */

static bool post_ok(const char *path, const char *body, char *id, size_t cap)
{
    json_t *j = NULL;
    long st = gwt_post_json(&srv, path, h_admin, body, &j);
    if (st != 201 && st != 200)
        fprintf(stderr, "  POST %s: %ld %s\n", path, st, body);
    if (id)
        snprintf(id, cap, "%s", gwt_sv(j, "id"));
    json_decref(j);
    return st == 201 || st == 200;
}

/* A request of department dep, its course, and the IRI iri registered. */
static bool course(const char *dep, const char *title, const char *iri, char id[64])
{
    char rq[64], *body;
    body = gwt_fmt(
        "{\"department_id\":\"%s\",\"title\":\"%s\",\"business_case\":{\"problem\":"
        "\"p\",\"audience\":\"a\",\"reach\":\"r\",\"mandatory\":false,"
        "\"communication_plan\":\"c\",\"kpi\":\"k\",\"kpi_target\":\"t\",\"deadline\":"
        "\"2027-01-01\",\"effort_low_hours\":1,\"effort_high_hours\":2,"
        "\"project_code\":\"P-1\"},\"approvers\":[{\"person_id\":\"ann\",\"due_in_days\":1}]}",
        dep, title);
    bool ok = post_ok("/api/v1/requests", body, rq, sizeof rq);
    free(body);
    body = gwt_fmt("{\"request_id\":\"%s\",\"author_person_id\":\"alex\"}", rq);
    ok = ok && post_ok("/api/v1/courses", body, id, 64);
    free(body);
    char *path = gwt_fmt("/api/v1/courses/%s/iris", id);
    body = gwt_fmt("{\"iris\":[\"%s\"]}", iri);
    ok = ok && post_ok(path, body, NULL, 0);
    free(path);
    free(body);
    return ok;
}

/* completed learners who completed object, and one more who only launched
 * it, all in January 2026; learner mailboxes start with who */
static bool statements(const char *object, const char *prefix, int completed)
{
    json_t *arr = json_array();
    for (int i = 0; i <= completed; i++) {
        char who[80];
        snprintf(who, sizeof who, "mailto:%s-%d@ex.org", prefix, i);
        const char *verb = i < completed ? "http://adlnet.gov/expapi/verbs/completed"
                                         : "http://adlnet.gov/expapi/verbs/launched";
        json_array_append_new(arr, json_pack("{s:{s:s}, s:{s:s}, s:{s:s}, s:s}", "actor", "mbox",
                                             who, "verb", "id", verb, "object", "id", object,
                                             "timestamp", "2026-01-10T09:00:00Z"));
    }
    char *text = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    const char *h[] = {h_lms, "Content-Type: application/json", "X-Experience-API-Version: 1.0.3",
                       NULL};
    long st = gwt_call(&srv, "POST", "/xapi/statements", h, text, strlen(text), NULL);
    free(text);
    return st == 200;
}

/* ---- the cases ---- */

static void test_scope_rule(void)
{
    const char *one[] = {"sales"}, *two[] = {"hr", "fin"};
    const char *d = NULL;
    CHECK_INT(gw_kpi_scope_of(true, NULL, NULL, 0, &d), GW_KPI_SCOPE_ALL);
    CHECK(d == NULL);
    CHECK_INT(gw_kpi_scope_of(true, "ops", one, 1, &d), GW_KPI_SCOPE_ALL);
    CHECK_STR(d, "ops");
    CHECK_INT(gw_kpi_scope_of(false, "sales", one, 1, &d), GW_KPI_SCOPE_ONE);
    CHECK_STR(d, "sales");
    CHECK_INT(gw_kpi_scope_of(false, "ops", one, 1, &d), GW_KPI_SCOPE_FORBIDDEN);
    CHECK_INT(gw_kpi_scope_of(false, NULL, one, 1, &d), GW_KPI_SCOPE_ONE);
    CHECK_STR(d, "sales");
    CHECK_INT(gw_kpi_scope_of(false, NULL, two, 2, &d), GW_KPI_SCOPE_HEADED);
    CHECK(d == NULL);
    CHECK_INT(gw_kpi_scope_of(false, "fin", two, 2, &d), GW_KPI_SCOPE_ONE);
    CHECK_INT(gw_kpi_scope_of(false, NULL, NULL, 0, &d), GW_KPI_SCOPE_HEADED);
    CHECK_INT(gw_kpi_scope_of(false, "sales", NULL, 0, &d), GW_KPI_SCOPE_FORBIDDEN);
    CHECK(gw_kpi_may_read_department(false, "hana", "hana"));
    CHECK(!gw_kpi_may_read_department(false, "hana", "otto"));
    CHECK(!gw_kpi_may_read_department(false, "", ""));
    CHECK(!gw_kpi_may_read_department(false, "hana", NULL));
    CHECK(gw_kpi_may_read_department(true, "", NULL));
}

static void test_head_sees_own_department(void)
{
    json_t *j = NULL;
    CHECK_INT(get(s_hana, "/api/v1/kpis?department=sales", &j), 200);
    CHECK(only_department(j, "sales") && nrecords(j) == 1);
    const json_t *r = json_array_get(json_object_get(j, "records"), 0);
    CHECK_INT(I(r, "learners_started"), 3);
    CHECK_INT(I(r, "learners_completed"), 2);
    CHECK(json_object_get(r, "deployment_rate") != NULL); /* the pipeline figures too */
    json_decref(j);
    /* without naming it: the one department hana heads */
    CHECK_INT(get(s_hana, "/api/v1/kpis", &j), 200);
    CHECK(only_department(j, "sales") && nrecords(j) == 1);
    CHECK_STR(gwt_sv(j, "department"), "sales");
    json_decref(j);
    CHECK_INT(get(s_hana, "/api/v1/kpis?group_by=course", &j), 200);
    CHECK(only_department(j, "sales") && nrecords(j) == 1);
    CHECK_STR(gwt_sv(json_array_get(json_object_get(j, "records"), 0), "course_id"), sales_course);
    json_decref(j);
    /* months: sales's statements only (3 of the 3 + 2 in January) */
    CHECK_INT(get(s_hana, "/api/v1/kpis?group_by=month&from=2026-01-01&to=2026-02-01", &j), 200);
    CHECK_INT(nrecords(j), 1);
    CHECK_INT(I(json_array_get(json_object_get(j, "records"), 0), "statements"), 3);
    json_decref(j);
    /* the course filter cannot reach into another department */
    char *path = gwt_fmt("/api/v1/kpis?group_by=course&course=%s", ops_course);
    CHECK_INT(get(s_hana, path, &j), 200);
    CHECK_INT(nrecords(j), 0);
    json_decref(j);
    free(path);
    path = gwt_fmt("/api/v1/kpis?group_by=month&course=%s", ops_course);
    CHECK_INT(get(s_hana, path, &j), 200);
    CHECK_INT(nrecords(j), 0);
    json_decref(j);
    free(path);
    /* CSV too */
    CHECK_INT(get(s_hana, "/api/v1/kpis?format=csv", NULL), 200);
}

static void test_head_refused_other_department(void)
{
    check_refused(s_hana, "/api/v1/kpis?department=ops", 403, "KPI_NOT_HEAD");
    check_refused(s_hana, "/api/v1/kpis?department=ops&group_by=course", 403, "KPI_NOT_HEAD");
    check_refused(s_hana, "/api/v1/kpis?department=ops&group_by=month&format=csv", 403,
                  "KPI_NOT_HEAD");
    check_refused(s_hana, "/api/v1/departments/ops/chargeback?month=2026-01", 403, "KPI_NOT_HEAD");
    check_refused(s_hana, "/api/v1/departments/ops/chargeback?month=2026-01&format=csv", 403,
                  "KPI_NOT_HEAD");
    check_refused(s_hana, "/api/v1/departments/nope/chargeback?month=2026-01", 404, "NOT_FOUND");
    /* a key tied to ops's head: the mirror image */
    json_t *j = NULL;
    CHECK_INT(get(h_otto_key, "/api/v1/kpis", &j), 200);
    CHECK(only_department(j, "ops") && nrecords(j) == 1);
    CHECK_INT(I(json_array_get(json_object_get(j, "records"), 0), "learners_started"), 2);
    json_decref(j);
    check_refused(h_otto_key, "/api/v1/kpis?department=sales", 403, "KPI_NOT_HEAD");
    check_refused(h_otto_key, "/api/v1/departments/sales/chargeback?month=2026-01", 403,
                  "KPI_NOT_HEAD");
    CHECK_INT(get(h_otto_key, "/api/v1/departments/ops/chargeback?month=2026-01", NULL), 200);
}

static void test_chargeback_for_head(void)
{
    const char *h[] = {s_hana, NULL};
    struct gwt_response r;
    CHECK_INT(
        gwt_call(&srv, "GET", "/api/v1/departments/sales/chargeback?month=2026-01", h, NULL, 0, &r),
        200);
    json_t *j = r.body ? json_loads(r.body, 0, NULL) : NULL;
    gwt_response_free(&r);
    const json_t *l = json_array_get(json_object_get(j, "lines"), 0);
    CHECK_INT(json_array_size(json_object_get(j, "lines")), 1);
    CHECK_INT(I(l, "learners_started"), 3);
    /* 4 h at 100 + 3 learners at 5 */
    CHECK(json_real_value(json_object_get(j, "total_amount")) == 415.0);
    json_decref(j);
    CHECK_INT(gwt_call(&srv, "GET", "/api/v1/departments/sales/chargeback?month=2026-01&format=csv",
                       h, NULL, 0, &r),
              200);
    char *cd = gwt_header(&r, "Content-Disposition");
    CHECK_STR(cd ? cd : "", "attachment; filename=\"chargeback-sales-emea-2026-01.csv\"");
    free(cd);
    char *ct = gwt_header(&r, "Content-Type");
    CHECK(ct && strncmp(ct, "text/csv", 8) == 0);
    free(ct);
    CHECK(r.body && strncmp(r.body, "course_id,course_title,hours,", 29) == 0);
    CHECK(r.body && strstr(r.body, "Negotiation") && strstr(r.body, ",415,"));
    gwt_response_free(&r);
    /* JSON carries no download name */
    CHECK_INT(
        gwt_call(&srv, "GET", "/api/v1/departments/sales/chargeback?month=2026-01", h, NULL, 0, &r),
        200);
    cd = gwt_header(&r, "Content-Disposition");
    CHECK(cd == NULL);
    free(cd);
    gwt_response_free(&r);
}

static void test_others(void)
{
    json_t *j = NULL;
    /* ann heads nothing: no records, no chargeback */
    CHECK_INT(get(s_ann, "/api/v1/kpis", &j), 200);
    CHECK_INT(nrecords(j), 0);
    json_decref(j);
    CHECK_INT(get(s_ann, "/api/v1/kpis?group_by=course", &j), 200);
    CHECK_INT(nrecords(j), 0);
    json_decref(j);
    CHECK_INT(get(s_ann, "/api/v1/kpis?group_by=month", &j), 200);
    CHECK_INT(nrecords(j), 0);
    json_decref(j);
    check_refused(s_ann, "/api/v1/kpis?department=sales", 403, "KPI_NOT_HEAD");
    check_refused(s_ann, "/api/v1/departments/sales/chargeback?month=2026-01", 403, "KPI_NOT_HEAD");
    /* mia heads hr and fin: both, nothing else; months need one named */
    CHECK_INT(get(s_mia, "/api/v1/kpis", &j), 200);
    CHECK_INT(nrecords(j), 2);
    CHECK(!only_department(j, "sales") && !only_department(j, "ops"));
    size_t i;
    const json_t *r;
    json_array_foreach(json_object_get(j, "records"), i, r)
    {
        const char *d = gwt_sv(r, "department_id");
        CHECK(strcmp(d, "hr") == 0 || strcmp(d, "fin") == 0);
    }
    json_decref(j);
    check_refused(s_mia, "/api/v1/kpis?group_by=month", 400, "QUERY_INVALID");
    CHECK_INT(get(s_mia, "/api/v1/kpis?group_by=month&department=hr", NULL), 200);
    check_refused(s_mia, "/api/v1/kpis?department=sales", 403, "KPI_NOT_HEAD");
    /* bea (bi) and the admin see every department */
    CHECK_INT(get(s_bea, "/api/v1/kpis", &j), 200);
    CHECK_INT(nrecords(j), 4);
    json_decref(j);
    CHECK_INT(get(s_bea, "/api/v1/kpis?department=ops", &j), 200);
    CHECK(only_department(j, "ops"));
    json_decref(j);
    CHECK_INT(get(s_bea, "/api/v1/departments/ops/chargeback?month=2026-01", NULL), 200);
    CHECK_INT(get(h_admin, "/api/v1/departments/sales/chargeback?month=2026-01", NULL), 200);
    /* lms keys read no KPIs at all */
    check_refused(h_lms, "/api/v1/kpis", 403, "AUTH_FORBIDDEN");
    check_refused(h_lms, "/api/v1/departments/sales/chargeback?month=2026-01", 403,
                  "AUTH_FORBIDDEN");
}

static bool setup(void)
{
    int port = 0;
    sink = smtp_sink_start(&port);
    if (!sink)
        return false;
    char extra[512];
    snprintf(extra, sizeof extra,
             "{\"smtp_url\": \"smtp://127.0.0.1:%d\", \"smtp_from\": \"lmsgw@example.org\", "
             "\"smtp_starttls\": \"none\", \"access_log\": false}",
             port);
#if GW_TEST_PG
    dsn = gwt_pg_fresh_dsn();
    if (!dsn)
        return false;
#endif
    if (!gwt_server_start(&srv, dsn, extra))
        return false;
    snprintf(h_admin, sizeof h_admin, "Authorization: Bearer %s", srv.admin_token);
    const char *setup_posts[][2] = {
        {"/api/v1/people",
         "{\"id\":\"hana\",\"name\":\"Hana Head\",\"email\":\"hana@example.com\"}"},
        {"/api/v1/people",
         "{\"id\":\"otto\",\"name\":\"Otto Ops\",\"email\":\"otto@example.com\"}"},
        {"/api/v1/people", "{\"id\":\"ann\",\"name\":\"Ann\",\"email\":\"ann@example.com\"}"},
        {"/api/v1/people", "{\"id\":\"mia\",\"name\":\"Mia\",\"email\":\"mia@example.com\","
                           "\"roles\":[\"author\"]}"},
        {"/api/v1/people", "{\"id\":\"bea\",\"name\":\"Bea BI\",\"email\":\"bea@example.com\","
                           "\"roles\":[\"bi\"]}"},
        {"/api/v1/people", "{\"id\":\"alex\",\"name\":\"Alex\",\"email\":\"alex@example.com\","
                           "\"roles\":[\"author\"]}"},
        {"/api/v1/departments",
         "{\"id\":\"sales\",\"name\":\"Sales (EMEA)\",\"head_person_id\":\"hana\",\"settings\":"
         "{\"charge\":true,\"rates\":{\"hourly\":100,\"per_learner\":5,\"currency\":\"EUR\"}}}"},
        {"/api/v1/departments", "{\"id\":\"ops\",\"name\":\"Operations\",\"head_person_id\":"
                                "\"otto\"}"},
        {"/api/v1/departments", "{\"id\":\"hr\",\"name\":\"HR\",\"head_person_id\":\"mia\"}"},
        {"/api/v1/departments", "{\"id\":\"fin\",\"name\":\"Finance\",\"head_person_id\":\"mia\"}"},
    };
    for (size_t i = 0; i < sizeof setup_posts / sizeof setup_posts[0]; i++) {
        if (!post_ok(setup_posts[i][0], setup_posts[i][1], NULL, 0))
            return false;
    }
    if (!course("sales", "Negotiation", "https://lms.ex.org/sales/negotiation", sales_course) ||
        !course("ops", "Forklift safety", "https://lms.ex.org/ops/forklift", ops_course))
        return false;
    char *path = gwt_fmt("/api/v1/courses/%s/effort", sales_course);
    bool ok = post_ok(path, "{\"person_id\":\"alex\",\"hours\":4,\"day\":\"2026-01-12\"}", NULL, 0);
    free(path);
    if (!ok || !gwt_make_key(&srv, "lms", "lms", NULL, h_lms, sizeof h_lms, NULL, 0) ||
        !gwt_make_key(&srv, "otto", "approver", "otto", h_otto_key, sizeof h_otto_key, NULL, 0))
        return false;
    /* sales: 3 learners, 2 completed; ops: 2 learners, 1 completed */
    if (!statements("https://lms.ex.org/sales/negotiation", "s", 2) ||
        !statements("https://lms.ex.org/ops/forklift", "o", 1))
        return false;
    return sign_in("hana@example.com", s_hana, sizeof s_hana) &&
           sign_in("ann@example.com", s_ann, sizeof s_ann) &&
           sign_in("mia@example.com", s_mia, sizeof s_mia) &&
           sign_in("bea@example.com", s_bea, sizeof s_bea);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    GW_RUN(test_scope_rule);
    if (!setup()) {
        fprintf(stderr, "setup failed\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    GW_RUN(test_head_sees_own_department);
    GW_RUN(test_head_refused_other_department);
    GW_RUN(test_chargeback_for_head);
    GW_RUN(test_others);
    CHECK_INT(gwt_server_stop(&srv, SIGTERM), 0);
    gwt_server_free(&srv);
    smtp_sink_stop(sink);
    free(dsn);
    curl_global_cleanup();
    return gw_test_summary();
}
