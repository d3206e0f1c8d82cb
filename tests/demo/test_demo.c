/* `lmsgw demo-data` as scripts/run.sh uses it: `lmsgw migrate`, then
 * `lmsgw demo-data` on the new database (the build's sample packages beside
 * the binary), then the real server, read through its API: every stage of
 * the pipeline has a course (and one request has none), a round is past its
 * due date, stalled and escalated, another has a decision, a publish failed
 * with the LMS's message, another waits for its retry, a live course has
 * its LMS link, every department has learners who completed, the audit log
 * chains, and the index says the data is demo data. A second run is a no-op
 * (exit 0); a database with a department of its own is refused
 * (DEMO_REFUSED); a missing database is not created (STORE_NOT_FOUND).
 * Compiled once per backend (GW_TEST_PG). */
#include "gwtest.h"
#include "testsupport.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct gwt_server srv;
static char h_admin[256];
static json_t *pipeline; /* GET /api/v1/pipeline's courses */

static char *fresh_dsn(void)
{
#if GW_TEST_PG
    return gwt_pg_fresh_dsn();
#else
    return NULL;
#endif
}

static int demo_data(const struct gwt_server *s, char **out, char **err)
{
    const char *args[] = {"--config", s->config_path, "demo-data", NULL};
    return gwt_run_lmsgw(args, NULL, out, err);
}

/* The pipeline's courses in state (borrowed), or NULL past the last. */
static json_t *in_state(const char *state, size_t nth)
{
    size_t i, seen = 0;
    json_t *c;
    json_array_foreach(pipeline, i, c)
    {
        if (strcmp(gwt_sv(c, "state"), state) == 0 && seen++ == nth)
            return c;
    }
    return NULL;
}

static json_t *get(const char *path)
{
    json_t *j = NULL;
    long st = gwt_api(&srv, "GET", path, h_admin, NULL, NULL, 0, &j, NULL);
    if (st != 200)
        fprintf(stderr, "  GET %s answered %ld\n", path, st);
    return j;
}

static json_t *publish_status(const json_t *course)
{
    char *path = gwt_fmt("/api/v1/courses/%s/publish", gwt_sv(course, "id"));
    json_t *j = get(path);
    free(path);
    return j;
}

static void test_index_says_demo(void)
{
    json_t *j = get("/api/v1");
    json_t *demo = json_object_get(j, "demo_data");
    CHECK(json_is_true(json_object_get(demo, "complete")));
    CHECK(json_is_string(json_object_get(demo, "written")));
    json_decref(j);
}

/* People sign in to the web app with the roles of their work: the training
 * manager runs everything, authors author, heads approve and read KPIs. */
static void test_people_roles(void)
{
    json_t *j = get("/api/v1/people");
    size_t i;
    json_t *p;
    int seen = 0;
    json_array_foreach(json_object_get(j, "people"), i, p)
    {
        char roles[128] = "";
        size_t k;
        json_t *r;
        json_array_foreach(json_object_get(p, "roles"), k, r)
        {
            strncat(roles, json_string_value(r), sizeof roles - strlen(roles) - 2);
            strcat(roles, ",");
        }
        const char *id = gwt_sv(p, "id");
        if (strcmp(id, "demo-hannah-becker") == 0) {
            CHECK_STR(roles, "admin,author,approver,bi,");
            seen++;
        } else if (strcmp(id, "demo-tom-okafor") == 0) {
            CHECK_STR(roles, "author,");
            seen++;
        } else if (strcmp(id, "demo-priya-raman") == 0) {
            CHECK_STR(roles, "approver,bi,");
            seen++;
        }
    }
    CHECK_INT(seen, 3);
    json_decref(j);
}

/* The demo has no mail server: the sign-in link is in the log, and it
 * signs the training manager in, with her roles. */
static void test_sign_in_from_the_log(void)
{
    const char *h[] = {"Content-Type: application/json", NULL};
    const char *body = "{\"email\":\"hannah.becker@example.org\"}";
    CHECK_INT(gwt_call(&srv, "POST", "/api/v1/signin", h, body, strlen(body), NULL), 202);
    char *log = gwt_slurp(srv.stderr_path, NULL);
    const char *p = log ? strstr(log, "/signin/") : NULL;
    REQUIRE(p && strspn(p + 8, "0123456789abcdef") >= 64);
    char path[80];
    snprintf(path, sizeof path, "/signin/%.64s", p + 8);
    free(log);
    struct gwt_response r;
    CHECK_INT(gwt_call(&srv, "POST", path, NULL, "", 0, &r), 303);
    char *set = gwt_header(&r, "Set-Cookie");
    gwt_response_free(&r);
    REQUIRE(set);
    char cookie[200];
    snprintf(cookie, sizeof cookie, "Cookie: %.*s", (int)strcspn(set, ";"), set);
    free(set);
    const char *hc[] = {cookie, NULL};
    CHECK_INT(gwt_call(&srv, "GET", "/api/v1/session", hc, NULL, 0, &r), 200);
    json_t *j = r.body ? json_loads(r.body, 0, NULL) : NULL;
    CHECK_STR(gwt_sv(json_object_get(j, "person"), "id"), "demo-hannah-becker");
    CHECK(json_array_size(json_object_get(j, "roles")) == 4);
    json_decref(j);
    gwt_response_free(&r);
}

static void test_every_stage(void)
{
    static const char *const states[] = {
        "draft",          "validated", "in_review", "changes_requested", "approved", "publishing",
        "publish_failed", "published", "retired"};
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
        CHECK(in_state(states[i], 0) != NULL);
        if (!in_state(states[i], 0))
            fprintf(stderr, "  no course is %s\n", states[i]);
    }
    /* the departments' requests outnumber the courses: one has none yet */
    json_t *k = get("/api/v1/kpis");
    json_int_t requested = 0;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(k, "records"), i, r) requested +=
        json_integer_value(json_object_get(r, "courses_requested"));
    CHECK(requested > (json_int_t)json_array_size(pipeline));
    json_decref(k);
    json_t *rq = get("/api/v1/requests/demo-req-negotiation");
    CHECK_STR(gwt_sv(rq, "title"), "Negotiation Skills for Account Managers");
    json_array_foreach(pipeline, i, r) CHECK(strcmp(gwt_sv(r, "title"), gwt_sv(rq, "title")) != 0);
    json_decref(rq);
}

/* One round is past its due date: stalled, escalated to the head. */
static void test_stalled_round(void)
{
    json_t *stalled = NULL;
    for (size_t n = 0; in_state("in_review", n); n++) {
        json_t *c = in_state("in_review", n);
        if (json_is_true(json_object_get(c, "stalled")))
            stalled = c;
    }
    REQUIRE(stalled);
    CHECK(json_integer_value(json_object_get(stalled, "days_overdue")) > 0);
    json_t *held = json_array_get(json_object_get(stalled, "held_by"), 0);
    CHECK(json_integer_value(json_object_get(held, "days_overdue")) > 0);
    /* its due date has passed */
    char today[11];
    time_t now = time(NULL);
    strftime(today, sizeof today, "%Y-%m-%d", gmtime(&now));
    const char *due = gwt_sv(held, "due");
    CHECK(due[0] && strncmp(due, today, 10) < 0);
    /* the scheduler escalated it (the audit log says so) */
    char *path = gwt_fmt("/api/v1/audit?course_id=%s", gwt_sv(stalled, "id"));
    char *text = NULL;
    CHECK_INT(gwt_api(&srv, "GET", path, h_admin, NULL, NULL, 0, NULL, &text), 200);
    CHECK(text && strstr(text, "\"notice.escalation\""));
    free(text);
    free(path);
}

/* Another open round has one decision recorded and one pending. */
static void test_round_with_decision(void)
{
    bool found = false;
    for (size_t n = 0; in_state("in_review", n) && !found; n++) {
        char *path = gwt_fmt("/api/v1/courses/%s", gwt_sv(in_state("in_review", n), "id"));
        json_t *c = get(path);
        free(path);
        size_t i, k;
        json_t *round, *a;
        json_array_foreach(json_object_get(c, "rounds"), i, round)
        {
            if (strcmp(gwt_sv(round, "state"), "open") != 0)
                continue;
            int approved = 0, pending = 0;
            json_array_foreach(json_object_get(round, "approvers"), k, a)
            {
                approved += strcmp(gwt_sv(a, "status"), "approve") == 0;
                pending += strcmp(gwt_sv(a, "status"), "pending") == 0;
            }
            found = found || (approved > 0 && pending > 0);
        }
        json_decref(c);
    }
    CHECK(found);
}

static void test_publish_states(void)
{
    /* failed for good, with the LMS's words */
    json_t *p = publish_status(in_state("publish_failed", 0));
    json_t *job = json_array_get(json_object_get(p, "jobs"), 0);
    CHECK_STR(gwt_sv(job, "state"), "failed");
    CHECK(strstr(gwt_sv(p, "last_error"), "LMS_REJECTED") != NULL);
    CHECK(strstr(gwt_sv(job, "last_error"), "the LMS answered 403") != NULL);
    json_decref(p);
    /* publishing: the first attempt failed, the retry is queued */
    p = publish_status(in_state("publishing", 0));
    job = json_array_get(json_object_get(p, "jobs"), 0);
    CHECK_STR(gwt_sv(job, "state"), "queued");
    CHECK_INT(json_integer_value(json_object_get(job, "attempts")), 1);
    CHECK(strstr(gwt_sv(job, "last_error"), "LMS_BUSY") != NULL);
    json_decref(p);
    /* approved: the job waits for the outbox */
    p = publish_status(in_state("approved", 0));
    job = json_array_get(json_object_get(p, "jobs"), 0);
    CHECK_STR(gwt_sv(job, "state"), "queued");
    CHECK_INT(json_integer_value(json_object_get(job, "attempts")), 0);
    json_decref(p);
    /* live, with its LMS link */
    p = publish_status(in_state("published", 0));
    json_t *lms = json_array_get(json_object_get(p, "lms"), 0);
    CHECK(strncmp(gwt_sv(lms, "course_url"), "https://", 8) == 0);
    CHECK(json_is_string(json_object_get(lms, "published_at")));
    CHECK(json_is_null(json_object_get(lms, "retired_at")));
    json_decref(p);
    /* retired: taken off the LMS */
    p = publish_status(in_state("retired", 0));
    lms = json_array_get(json_object_get(p, "lms"), 0);
    CHECK(json_is_string(json_object_get(lms, "retired_at")));
    json_decref(p);
}

static void test_kpis(void)
{
    json_t *k = get("/api/v1/kpis");
    size_t i;
    json_t *r;
    CHECK_INT(json_array_size(json_object_get(k, "records")), 3);
    json_array_foreach(json_object_get(k, "records"), i, r)
    {
        CHECK(strncmp(gwt_sv(r, "department_id"), "demo-", 5) == 0);
        CHECK(json_integer_value(json_object_get(r, "learners_completed")) > 0);
        CHECK(json_integer_value(json_object_get(r, "feedback_count")) > 0);
    }
    CHECK_INT(json_integer_value(json_object_get(k, "unattributed_statements")), 0);
    json_decref(k);
}

static void test_audit_chain(void)
{
    const char *args[] = {"--config", srv.config_path, "review", "audit-verify", NULL};
    char *out = NULL;
    CHECK_INT(gwt_run_lmsgw(args, NULL, &out, NULL), 0);
    CHECK(out && strstr(out, "audit log intact"));
    free(out);
}

static void test_again_is_noop(void)
{
    char *out = NULL, *err = NULL;
    CHECK_INT(demo_data(&srv, &out, &err), 0);
    CHECK(out && strstr(out, "demo data is already there"));
    free(out);
    free(err);
    json_t *p = get("/api/v1/pipeline");
    CHECK_INT(json_array_size(json_object_get(p, "courses")), json_array_size(pipeline));
    json_decref(p);
}

/* A department of its own: refused, with the code, and nothing written. */
static void test_refused_on_real_data(void)
{
    struct gwt_server other;
    char *dsn = fresh_dsn();
    bool ok = gwt_server_start(&other, dsn, "{\"access_log\": false}");
    free(dsn);
    REQUIRE(ok);
    char auth[256];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", other.admin_token);
    CHECK_INT(gwt_post_json(&other, "/api/v1/departments", auth,
                            "{\"id\":\"hr\",\"name\":\"Human Resources\"}", NULL),
              201);
    char *out = NULL, *err = NULL;
    CHECK_INT(demo_data(&other, &out, &err), 1);
    CHECK(err && strstr(err, "[DEMO_REFUSED 1206]"));
    CHECK(err && strstr(err, "1 department"));
    CHECK(err && strstr(err, "lmsgw migrate"));
    free(out);
    free(err);
    json_t *j = NULL;
    CHECK_INT(gwt_api(&other, "GET", "/api/v1/pipeline", auth, NULL, NULL, 0, &j, NULL), 200);
    CHECK_INT(json_array_size(json_object_get(j, "courses")), 0);
    json_decref(j);
    CHECK_INT(gwt_api(&other, "GET", "/api/v1", auth, NULL, NULL, 0, &j, NULL), 200);
    CHECK(json_is_null(json_object_get(j, "demo_data")));
    json_decref(j);
    CHECK_INT(gwt_server_stop(&other, SIGTERM), 0);
    gwt_server_free(&other);
}

#if !GW_TEST_PG
/* Like every command but migrate and serve: no database, no demo. */
static void test_no_database(void)
{
    char *dir = gwt_tmpdir("demo-nodb");
    char *cfg = gwt_fmt("%s/config.json", dir);
    FILE *f = fopen(cfg, "w");
    REQUIRE(f);
    fprintf(f, "{\"data_dir\": \"%s/data\"}\n", dir);
    fclose(f);
    const char *args[] = {"--config", cfg, "demo-data", NULL};
    char *err = NULL;
    CHECK_INT(gwt_run_lmsgw(args, NULL, NULL, &err), 1);
    CHECK(err && strstr(err, "[STORE_NOT_FOUND 1307]"));
    free(err);
    char *db = gwt_fmt("%s/data/lmsgw.db", dir);
    FILE *exists = fopen(db, "r");
    CHECK(exists == NULL);
    if (exists)
        fclose(exists);
    free(db);
    free(cfg);
    gwt_rmtree(dir);
    free(dir);
}
#endif

/* migrate (gwt_server_prepare), demo-data, then serve. */
static bool setup(void)
{
    char *dsn = fresh_dsn();
#if GW_TEST_PG
    if (!dsn)
        return false;
#endif
    bool ok = gwt_server_prepare(&srv, dsn, "{\"access_log\": false}");
    free(dsn);
    if (!ok)
        return false;
    char *out = NULL, *err = NULL;
    int rc = demo_data(&srv, &out, &err);
    if (rc != 0 || !out || strncmp(out, "demo data written (", 19) != 0) {
        fprintf(stderr, "  demo-data: exit %d: %s%s\n", rc, out ? out : "", err ? err : "");
        ok = false;
    }
    fprintf(stderr, "  %s", out ? out : "");
    free(out);
    free(err);
    if (!ok || !gwt_server_restart(&srv))
        return false;
    snprintf(h_admin, sizeof h_admin, "Authorization: Bearer %s", srv.admin_token);
    json_t *p = get("/api/v1/pipeline");
    pipeline = json_incref(json_object_get(p, "courses"));
    json_decref(p);
    return json_array_size(pipeline) > 0;
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!setup()) {
        fprintf(stderr, "setup failed\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    GW_RUN(test_index_says_demo);
    GW_RUN(test_people_roles);
    GW_RUN(test_sign_in_from_the_log);
    GW_RUN(test_every_stage);
    GW_RUN(test_stalled_round);
    GW_RUN(test_round_with_decision);
    GW_RUN(test_publish_states);
    GW_RUN(test_kpis);
    GW_RUN(test_audit_chain);
    GW_RUN(test_again_is_noop);
    GW_RUN(test_refused_on_real_data);
#if !GW_TEST_PG
    GW_RUN(test_no_database);
#endif
    json_decref(pipeline);
    CHECK_INT(gwt_server_stop(&srv, SIGTERM), 0);
    gwt_server_free(&srv);
    curl_global_cleanup();
    return gw_test_summary();
}
