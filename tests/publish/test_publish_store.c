/* The publish outbox's use cases and store operations in-process (no LMS,
 * no server), with explicit instants instead of a clock: claims are
 * due-ordered and leased, an expired lease makes the job claimable again and
 * the old claimer's late outcome is ignored, checkpoints keep resume across
 * claims, success writes course_lms, the LMS's IRIs and the state in one go,
 * failures back off or fail for good, admin retry and retire, one running
 * job per course, and two threads claiming at once never take the same job.
 * Also the targets file's parser. Compiled once per backend (GW_TEST_PG). */
#include "gw/publish.h"
#include "gwtest.h"
#include "testsupport.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct gw_store *st;
static char *tmp;

struct sql_ctx {
    const char *sql;
    const struct gw_dbp *p;
    int n;
};

static enum gw_qs sql_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct sql_ctx *c = ud;
    enum gw_qs qs = gw_db_query(db, c->sql, c->p, c->n, NULL, NULL, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

static bool sql(const char *q, const struct gw_dbp *p, int n)
{
    struct sql_ctx c = {q, p, n};
    struct gw_error e;
    bool ok = gw_store_tx(st, GW_TX_WRITE, sql_body, &c, &e) == GW_OK;
    if (!ok)
        fprintf(stderr, "  sql failed: %s\n", e.detail);
    return ok;
}

/* A course in state with version v<id> and a queued job j<id>-<action>. */
static bool course_with_job(const char *id, const char *state, const char *action, int64_t due)
{
    char v[64], j[64], pkg[64];
    snprintf(v, sizeof v, "v-%s", id);
    snprintf(j, sizeof j, "j-%s-%s", id, action);
    snprintf(pkg, sizeof pkg, "p-%s", id);
    struct gw_dbp c[] = {GW_P_TEXT(id), GW_P_TEXT(state)};
    struct gw_dbp p[] = {GW_P_TEXT(pkg)};
    struct gw_dbp cv[] = {GW_P_TEXT(v), GW_P_TEXT(id), GW_P_TEXT(pkg)};
    struct gw_dbp cur[] = {GW_P_TEXT(v), GW_P_TEXT(id)};
    struct gw_dbp pj[] = {GW_P_TEXT(j), GW_P_TEXT(id), GW_P_TEXT(v), GW_P_TEXT(action),
                          GW_P_INT(due)};
    return sql("INSERT INTO courses (id, department_id, title, state, state_since_ms, created_ms) "
               "VALUES ($1, 'd', 'A course', $2, 0, 0) ON CONFLICT (id) DO NOTHING",
               c, 2) &&
           sql("INSERT INTO packages (id, sha256, size, filename, standard, valid, errors, "
               "warnings, report, uploaded_by, created_ms) VALUES ($1, 'ab', 1, 'x.zip', "
               "'scorm12', 1, 0, 0, '{}', 't', 0) ON CONFLICT (id) DO NOTHING",
               p, 1) &&
           sql("INSERT INTO course_versions (id, course_id, number, package_id, sha256, valid, "
               "created_ms) VALUES ($1, $2, 1, $3, 'ab', 1, 0) ON CONFLICT (id) DO NOTHING",
               cv, 3) &&
           sql("UPDATE courses SET current_version_id = $1 WHERE id = $2", cur, 2) &&
           sql("INSERT INTO publish_jobs (id, course_id, version_id, action, state, attempts, "
               "next_attempt_ms, created_ms) VALUES ($1, $2, $3, $4, 'queued', 0, $5, $5)",
               pj, 5);
}

/* The status as the API renders it (gw_publish_status_json). */
static json_t *status(const char *course)
{
    json_t *out = NULL;
    struct gw_publish_status ps;
    struct gw_error e;
    if (gw_store_publish_status(st, course, &ps, &e) == GW_OK)
        out = gw_publish_status_json(&ps);
    else
        fprintf(stderr, "  status: %s\n", e.detail);
    gw_publish_status_free(&ps);
    return out;
}

static json_t *job0(json_t *s)
{
    return json_array_get(json_object_get(s, "jobs"), 0);
}

static bool claim(const char *worker, int64_t now, int64_t lease, struct gw_publish_job *j)
{
    bool found = false;
    struct gw_error e;
    enum gw_err rc = gw_app_publish_claim(st, worker, "sim", now, lease, j, &found, &e);
    if (rc != GW_OK)
        fprintf(stderr, "  claim: %s\n", e.detail);
    return rc == GW_OK && found;
}

static struct gw_lms_result result(const char *lms_id, const char *iri)
{
    struct gw_lms_result r;
    memset(&r, 0, sizeof r);
    r.lms_course_id = strdup(lms_id);
    r.course_url = strdup("http://lms/course");
    r.activity_ids = json_pack("[s]", iri);
    r.lms_version = 0;
    return r;
}

static void test_lease_and_success(void)
{
    REQUIRE(sql("INSERT INTO departments (id, name, created_ms) VALUES ('d', 'D', 0)", NULL, 0));
    REQUIRE(course_with_job("c1", "approved", "publish", 1000));
    struct gw_publish_job a, b;
    struct gw_error e;
    CHECK(!claim("A", 999, 100, &a)); /* not due yet */
    REQUIRE(claim("A", 1000, 100, &a));
    CHECK_STR(a.id, "j-c1-publish");
    CHECK_STR(a.action, "publish");
    CHECK_STR(a.sha256, "ab");
    CHECK_INT(a.version_number, 1);
    CHECK(a.resume == NULL);
    json_t *s = status("c1");
    CHECK_STR(gwt_sv(s, "state"), "publishing");
    CHECK_STR(gwt_sv(job0(s), "state"), "running");
    json_decref(s);
    CHECK(!claim("B", 1050, 100, &b)); /* A holds it */
    CHECK_INT(gw_store_publish_checkpoint(st, a.id, "A", "{\"base\":-1}", 1050, 100, &e), GW_OK);
    CHECK(!claim("B", 1120, 100, &b));  /* the checkpoint renewed the lease */
    REQUIRE(claim("B", 1151, 100, &b)); /* A is taken for dead */
    CHECK_STR(b.resume ? b.resume : "", "{\"base\":-1}");
    /* A's late outcome is ignored; B's counts */
    struct gw_lms_result ra = result("L-A", "https://lms.example/a");
    CHECK_INT(gw_app_publish_succeeded(st, &a, "A", "sim", &ra, 1160, &e), GW_OK);
    s = status("c1");
    CHECK_STR(gwt_sv(s, "state"), "publishing");
    CHECK_INT(json_array_size(json_object_get(s, "lms")), 0);
    json_decref(s);
    struct gw_lms_result rb = result("L-B", "https://lms.example/b");
    rb.resume = strdup("{\"done\":0}");
    CHECK_INT(gw_app_publish_succeeded(st, &b, "B", "sim", &rb, 1170, &e), GW_OK);
    s = status("c1");
    CHECK_STR(gwt_sv(s, "state"), "published");
    json_t *lms = json_array_get(json_object_get(s, "lms"), 0);
    CHECK_STR(gwt_sv(lms, "lms_course_id"), "L-B");
    CHECK_STR(gwt_sv(lms, "target"), "sim");
    CHECK_STR(gwt_sv(lms, "version_id"), "v-c1");
    CHECK_STR(gwt_sv(job0(s), "state"), "done");
    CHECK(json_is_null(json_object_get(s, "last_error")));
    json_decref(s);
    gw_lms_result_free(&ra);
    gw_lms_result_free(&rb);
    gw_publish_job_free(&a);
    gw_publish_job_free(&b);
    CHECK(!claim("C", 999999, 100, &b)); /* done jobs stay done */
}

struct count_ctx {
    const char *iri;
    int64_t n;
};

static enum gw_qs count_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct count_ctx *c = ud;
    struct gw_dbp p[] = {GW_P_TEXT(c->iri)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT COUNT(*) FROM course_iris WHERE iri = $1 AND source = "
                                "'lms' AND course_id = 'c1'",
                                p, 1, &r, NULL, err);
    c->n = qs == GW_QS_ONE ? gw_db_col_int(r, 0) : -1;
    gw_db_rows_free(r);
    return qs;
}

static void test_lms_iris_registered(void)
{
    struct count_ctx c = {"https://lms.example/b", 0};
    struct gw_error e;
    CHECK_INT(gw_store_tx(st, GW_TX_READ, count_body, &c, &e), GW_OK);
    CHECK_INT(c.n, 1);
    c.iri = "https://lms.example/a"; /* the stale claimer's result was not written */
    CHECK_INT(gw_store_tx(st, GW_TX_READ, count_body, &c, &e), GW_OK);
    CHECK_INT(c.n, 0);
}

static void test_backoff_fail_and_admin_retry(void)
{
    REQUIRE(course_with_job("c2", "approved", "publish", 1000));
    struct gw_publish_job j;
    struct gw_error e;
    struct gw_review_actor admin = {.actor = "key:admin", .via = "api"};
    REQUIRE(claim("A", 1000, 1000, &j));
    CHECK_INT(
        gw_app_publish_attempt_failed(st, &j, "A", "{\"base\":0}", "LMS_BUSY: 503", 5000, 1100, &e),
        GW_OK);
    gw_publish_job_free(&j);
    json_t *s = status("c2");
    CHECK_STR(gwt_sv(s, "state"), "publishing");
    CHECK_STR(gwt_sv(job0(s), "state"), "queued");
    CHECK_INT(json_integer_value(json_object_get(job0(s), "attempts")), 1);
    CHECK_STR(gwt_sv(s, "last_error"), "LMS_BUSY: 503");
    json_decref(s);
    CHECK(!claim("A", 4999, 1000, &j));
    REQUIRE(claim("A", 5000, 1000, &j));
    CHECK_INT(j.attempts, 1);
    CHECK_STR(j.resume ? j.resume : "", "{\"base\":0}");
    CHECK_INT(
        gw_app_publish_attempt_failed(st, &j, "A", NULL, "LMS_AUTH_FAILED: 401", -1, 5100, &e),
        GW_OK);
    gw_publish_job_free(&j);
    s = status("c2");
    CHECK_STR(gwt_sv(s, "state"), "publish_failed");
    CHECK_STR(gwt_sv(job0(s), "state"), "failed");
    CHECK_INT(json_integer_value(json_object_get(job0(s), "attempts")), 2);
    CHECK_STR(gwt_sv(s, "last_error"), "LMS_AUTH_FAILED: 401");
    json_decref(s);
    CHECK(!claim("A", 999999, 1000, &j)); /* failed jobs wait for an admin */
    CHECK_INT(gw_app_publish_retry(st, "c2", &admin, 6000, &e), GW_OK);
    s = status("c2");
    CHECK_STR(gwt_sv(s, "state"), "publishing");
    CHECK_STR(gwt_sv(job0(s), "state"), "queued");
    CHECK_INT(json_integer_value(json_object_get(job0(s), "attempts")), 0);
    json_decref(s);
    CHECK_INT(gw_app_publish_retry(st, "c2", &admin, 6000, &e), GW_E_REVIEW_ILLEGAL_TRANSITION);
    REQUIRE(claim("A", 6000, 1000, &j));
    CHECK_STR(j.resume ? j.resume : "", "{\"base\":0}"); /* resume survives the retry */
    gw_publish_job_free(&j);
    CHECK_INT(gw_app_publish_retry(st, "nope", &admin, 6000, &e), GW_E_NOT_FOUND);
}

static void test_retire(void)
{
    struct gw_error e;
    struct gw_review_actor admin = {.actor = "key:admin", .via = "api"};
    bool queued = false;
    CHECK_INT(gw_app_publish_retire(st, "c2", &admin, 7000, &queued, &e),
              GW_E_REVIEW_ILLEGAL_TRANSITION); /* publishing, not published */
    CHECK_INT(gw_app_publish_retire(st, "c1", &admin, 7000, &queued, &e), GW_OK);
    CHECK(queued);
    CHECK_INT(gw_app_publish_retire(st, "c1", &admin, 7001, &queued, &e), GW_OK);
    CHECK(!queued); /* one retire job per version */
    struct gw_publish_job j;
    REQUIRE(claim("A", 7000, 1000, &j));
    CHECK_STR(j.action, "retire");
    CHECK_STR(j.course_id, "c1");
    struct gw_lms_result r;
    memset(&r, 0, sizeof r);
    CHECK_INT(gw_app_publish_succeeded(st, &j, "A", "sim", &r, 7100, &e), GW_OK);
    gw_publish_job_free(&j);
    json_t *s = status("c1");
    CHECK_STR(gwt_sv(s, "state"), "retired");
    CHECK_STR(json_string_value(
                  json_object_get(json_array_get(json_object_get(s, "lms"), 0), "retired_at")),
              "1970-01-01T00:00:07.100Z");
    CHECK_INT(json_array_size(json_object_get(s, "jobs")), 2);
    json_decref(s);
    CHECK_INT(gw_app_publish_retire(st, "c1", &admin, 7200, &queued, &e),
              GW_E_REVIEW_ILLEGAL_TRANSITION);
}

static void test_one_running_job_per_course(void)
{
    REQUIRE(sql("UPDATE publish_jobs SET state = 'done' WHERE course_id = 'c2'", NULL, 0));
    REQUIRE(course_with_job("c3", "approved", "publish", 100));
    struct gw_publish_job a, b;
    REQUIRE(claim("A", 8000, 1000, &a));
    CHECK_STR(a.course_id, "c3");
    /* a second job of the same course waits while the first runs */
    struct gw_dbp pj[] = {GW_P_TEXT("j-c3-retire")};
    REQUIRE(sql("INSERT INTO publish_jobs (id, course_id, version_id, action, state, attempts, "
                "next_attempt_ms, created_ms) VALUES ($1, 'c3', 'v-c3', 'retire', 'queued', 0, "
                "0, 0)",
                pj, 1));
    CHECK(!claim("B", 8001, 1000, &b));
    gw_publish_job_free(&a);
}

/* Two threads claim from 12 queued jobs at once: each job is taken once. */
struct racer {
    const char *name;
    char ids[32][GW_ID_MAX];
    int n;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    for (int spins = 0; spins < 200 && r->n < 32; spins++) {
        struct gw_publish_job j;
        if (!claim(r->name, 10000, 100000, &j))
            continue;
        snprintf(r->ids[r->n++], GW_ID_MAX, "%s", j.id);
        struct gw_lms_result res = result("L", "");
        struct gw_error e;
        gw_app_publish_succeeded(st, &j, r->name, "sim", &res, 10001, &e);
        gw_lms_result_free(&res);
        gw_publish_job_free(&j);
    }
    return NULL;
}

static void test_concurrent_claims(void)
{
    REQUIRE(sql("UPDATE publish_jobs SET state = 'done'", NULL, 0));
    for (int i = 0; i < 12; i++) {
        char id[16];
        snprintf(id, sizeof id, "r%d", i);
        REQUIRE(course_with_job(id, "approved", "publish", 9000));
    }
    struct racer a = {.name = "A"}, b = {.name = "B"};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, race, &a);
    pthread_create(&tb, NULL, race, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    CHECK_INT(a.n + b.n, 12);
    for (int i = 0; i < a.n; i++)
        for (int k = 0; k < b.n; k++)
            CHECK(strcmp(a.ids[i], b.ids[k]) != 0);
    for (int i = 0; i < 12; i++) {
        char id[16];
        snprintf(id, sizeof id, "r%d", i);
        json_t *s = status(id);
        CHECK_STR(gwt_sv(s, "state"), "published");
        json_decref(s);
    }
}

static void test_targets_file(void)
{
    struct gw_publish_targets *t = NULL;
    struct gw_error e;
    json_t *doc = json_loads(
        "{\"default\":\"sc\",\"poll_ms\":5,\"lease_ms\":3000,\"targets\":{\"sc\":{\"type\":"
        "\"scormcloud\",\"base_url\":\"http://127.0.0.1:1/api/v2\",\"app_id\":\"a\",\"secret\":"
        "\"TOPSECRET1\"},\"md\":{\"type\":\"moodle\",\"base_url\":\"http://127.0.0.1:1\","
        "\"token\":\"TOPSECRET2\",\"category_id\":1}}}",
        0, NULL);
    REQUIRE(doc);
    CHECK_INT(gw_publish_targets_parse(doc, &t, &e), GW_OK);
    json_decref(doc);
    REQUIRE(t);
    CHECK_STR(t->default_name, "sc");
    CHECK(t->default_target != NULL);
    CHECK_INT(t->poll_ms, 10); /* at least 10 ms */
    CHECK_INT(t->lease_ms, 3000);
    CHECK_INT(t->backoff_base_ms, GW_PUBLISH_BACKOFF_BASE_MS);
    char msg[128] = "401 for TOPSECRET1 and TOPSECRET2";
    gw_publish_scrub(t, msg, sizeof msg);
    CHECK(strstr(msg, "TOPSECRET") == NULL);
    gw_publish_targets_free(t);
    static const char *const bad[][2] = {
        {"{\"default\":\"x\",\"targets\":{}}", "/default"},
        {"{\"targets\":{}}", "/default"},
        {"{\"default\":\"x\",\"targets\":[]}", "/targets"},
        {"{\"default\":\"x\",\"targets\":{},\"extra\":1}", ""},
        {"{\"default\":\"x\",\"poll_ms\":-1,\"targets\":{\"x\":{\"type\":\"scormcloud\","
         "\"base_url\":\"http://h/api/v2\",\"app_id\":\"a\",\"secret\":\"s\"}}}",
         "/poll_ms"},
        {"{\"default\":\"x\",\"targets\":{\"x\":{\"type\":\"scormcloud\",\"secret\":"
         "\"TOPSECRET3\",\"app_id\":\"a\"}}}",
         "/targets/x"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        doc = json_loads(bad[i][0], 0, NULL);
        REQUIRE(doc);
        t = NULL;
        gw_error_clear(&e);
        CHECK_INT(gw_publish_targets_parse(doc, &t, &e), GW_E_PUBLISH_TARGETS_INVALID);
        CHECK(t == NULL);
        CHECK(strncmp(e.where, bad[i][1], strlen(bad[i][1])) == 0);
        CHECK(strstr(e.detail, "TOPSECRET") == NULL);
        json_decref(doc);
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/missing.json", tmp);
    CHECK_INT(gw_publish_targets_load(path, &t, &e), GW_E_PUBLISH_TARGETS_INVALID);
    CHECK(strstr(e.where, "missing.json") != NULL);
}

int main(void)
{
    tmp = gwt_tmpdir("lmsgw-publish-store");
    st = tmp ? gwt_fresh_store(tmp, GW_TEST_PG) : NULL;
    struct gw_error e;
    if (!st || gw_store_migrate(st, NULL, &e) != GW_OK) {
        fprintf(stderr, "setup failed\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    GW_RUN(test_lease_and_success);
    GW_RUN(test_lms_iris_registered);
    GW_RUN(test_backoff_fail_and_admin_retry);
    GW_RUN(test_retire);
    GW_RUN(test_one_running_job_per_course);
    GW_RUN(test_concurrent_claims);
    GW_RUN(test_targets_file);
    gw_store_close(st);
    gwt_rmtree(tmp);
    free(tmp);
    return gw_test_summary();
}
