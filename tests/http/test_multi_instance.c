/* Several gateway instances on one PostgreSQL: two lmsgw processes started at
 * the same moment on a fresh database (their migrations race under the
 * advisory lock), a key made through one works on the other, a statement
 * written through one is read through the other, and the same statement id
 * PUT through both at once is stored once (equal content: both succeed;
 * different content: exactly one 409), KPI maintenance from both at once
 * equals a rebuild, and the notice a submit queues leaves within seconds
 * whichever instance took the submit (only one leads the scheduler; any
 * delivers), and once. */
#include "gw/kpi_app.h"
#include "gw/kpi_store.h"
#include "gwtest.h"
#include "outbound/support.h"
#include "testsupport.h"

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct gwt_server a, b;
static char lms_a[256], lms_b[256];
static struct smtp_sink *sink;
static char smtp_config[256];

struct starter {
    struct gwt_server *s;
    const char *dsn;
    bool ok;
};

static void *start(void *ud)
{
    struct starter *st = ud;
    st->ok = gwt_server_start(st->s, st->dsn, smtp_config);
    return NULL;
}

static void test_both_start_on_one_database(void)
{
    CHECK(a.port > 0 && b.port > 0 && a.port != b.port);
    char u[256];
    snprintf(u, sizeof u, "%s/readyz", b.base_url);
    struct gwt_response r;
    CHECK(gwt_http("GET", u, NULL, NULL, 0, &r));
    CHECK_INT(r.status, 200);
    gwt_response_free(&r);
}

static void test_shared_keys_and_statements(void)
{
    /* a key made through A (its admin key works on B too: one store) */
    REQUIRE(gwt_server_make_key(&a, "lms", lms_a, sizeof lms_a));
    snprintf(lms_b, sizeof lms_b, "%s", lms_a);
    char u[256];
    const char *h[] = {lms_b, "Content-Type: application/json", "X-Experience-API-Version: 1.0.3",
                       NULL};
    snprintf(u, sizeof u, "%s/xapi/statements", a.base_url);
    const char *st = "{\"actor\":{\"mbox\":\"mailto:ada@example.org\"},\"verb\":{\"id\":"
                     "\"http://adlnet.gov/expapi/verbs/completed\"},\"object\":{\"id\":"
                     "\"https://courses.example.org/multi\"}}";
    struct gwt_response r;
    CHECK(gwt_http("POST", u, h, st, strlen(st), &r));
    CHECK_INT(r.status, 200);
    json_t *ids = json_loads(r.body, 0, NULL);
    gwt_response_free(&r);
    REQUIRE(json_array_size(ids) == 1);
    snprintf(u, sizeof u, "%s/xapi/statements?statementId=%s", b.base_url,
             json_string_value(json_array_get(ids, 0)));
    CHECK(gwt_http("GET", u, h, NULL, 0, &r));
    CHECK_INT(r.status, 200); /* written through A, read through B */
    gwt_response_free(&r);
    json_decref(ids);
}

struct put {
    const struct gwt_server *s;
    const char *id, *body;
    long status;
};

static void *do_put(void *ud)
{
    struct put *p = ud;
    char u[256];
    snprintf(u, sizeof u, "%s/xapi/statements?statementId=%s", p->s->base_url, p->id);
    const char *h[] = {lms_a, "Content-Type: application/json", "X-Experience-API-Version: 1.0.3",
                       NULL};
    struct gwt_response r;
    p->status = gwt_http("PUT", u, h, p->body, strlen(p->body), &r) ? r.status : -1;
    gwt_response_free(&r);
    return NULL;
}

static void race(const char *id, const char *body_a, const char *body_b, long *sa, long *sb)
{
    struct put pa = {&a, id, body_a, 0}, pb = {&b, id, body_b, 0};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, do_put, &pa);
    pthread_create(&tb, NULL, do_put, &pb);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    *sa = pa.status;
    *sb = pb.status;
}

static void test_same_id_through_both(void)
{
    const char *same = "{\"actor\":{\"mbox\":\"mailto:bo@example.org\"},\"verb\":{\"id\":"
                       "\"http://adlnet.gov/expapi/verbs/passed\"},\"object\":{\"id\":"
                       "\"https://courses.example.org/multi\"}}";
    const char *other = "{\"actor\":{\"mbox\":\"mailto:bo@example.org\"},\"verb\":{\"id\":"
                        "\"http://adlnet.gov/expapi/verbs/failed\"},\"object\":{\"id\":"
                        "\"https://courses.example.org/multi\"}}";
    for (int i = 0; i < 5; i++) {
        char id[40];
        snprintf(id, sizeof id, "6d2e3a7c-1b4f-4c2a-9e8d-00000000000%d", i);
        long sa, sb;
        race(id, same, same, &sa, &sb);
        CHECK_INT(sa, 204); /* equal content: a replay, both succeed */
        CHECK_INT(sb, 204);
        snprintf(id, sizeof id, "6d2e3a7c-1b4f-4c2a-9e8d-00000000001%d", i);
        race(id, same, other, &sa, &sb);
        CHECK((sa == 204 && sb == 409) || (sa == 409 && sb == 204)); /* exactly one wins */
    }
}

/* KPI maintenance from both instances at once: a course's IRI registered
 * after both started (each instance's IRI snapshot notices), attributed
 * statements posted through both concurrently (the same learners, days and
 * totals rows), and the incremental KPIs then equal a rebuild. */
static struct gw_store *store;
static const char *pg_dsn; /* the database both instances share */

static enum gw_qs script_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    return gw_db_exec_script(db, ud, err);
}

struct poster {
    const struct gwt_server *s;
    int who;
    int failed;
};

static void *post_many(void *ud)
{
    struct poster *p = ud;
    char u[256];
    snprintf(u, sizeof u, "%s/xapi/statements", p->s->base_url);
    const char *h[] = {lms_a, "Content-Type: application/json", "X-Experience-API-Version: 1.0.3",
                       NULL};
    static const char *const verbs[] = {"attempted", "completed", "passed", "failed"};
    for (int i = 0; i < 30; i++) {
        char body[1024];
        snprintf(body, sizeof body,
                 "[{\"actor\":{\"mbox\":\"mailto:l%d@example.org\"},\"verb\":{\"id\":"
                 "\"http://adlnet.gov/expapi/verbs/%s\"},\"object\":{\"id\":"
                 "\"https://courses.example.org/kpi/m%d\"},\"result\":{\"score\":{\"scaled\":"
                 "0.%d}},\"timestamp\":\"2026-11-%02dT10:00:00Z\"},{\"actor\":{\"mbox\":"
                 "\"mailto:l%d@example.org\"},\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/"
                 "experienced\"},\"object\":{\"id\":\"https://elsewhere.example.org/x\"}}]",
                 i % 5, verbs[(i + p->who) % 4], i % 3, (i * 7 + p->who) % 10, 1 + i % 3, i % 5);
        struct gwt_response r;
        if (!gwt_http("POST", u, h, body, strlen(body), &r) || r.status != 200)
            p->failed++;
        gwt_response_free(&r);
    }
    return NULL;
}

static json_t *pull_both(void)
{
    json_t *all = json_array();
    for (int g = 0; g < 3; g++) {
        struct gw_kpi_query q = {.group_by = (enum gw_kpi_group)g};
        json_t *out = NULL;
        struct gw_error e;
        CHECK_INT(gw_app_kpi_pull(store, &q, &out, &e), GW_OK);
        json_array_append_new(all, out ? out : json_null());
    }
    return all;
}

static void test_kpis_through_both(void)
{
    struct gw_error e;
    store = gw_store_open(pg_dsn, NULL, &e);
    REQUIRE(store);
    CHECK_INT(
        gw_store_tx(store, GW_TX_WRITE, script_tx,
                    "INSERT INTO departments (id, name, created_ms) VALUES ('dm', 'Multi', 0);"
                    "INSERT INTO courses (id, department_id, title, state_since_ms, "
                    "created_ms) VALUES ('cm', 'dm', 'Multi', 0, 0);"
                    "INSERT INTO course_iris (iri, course_id, source, created_ms) VALUES "
                    "('https://courses.example.org/kpi', 'cm', 'admin', 0);",
                    &e),
        GW_OK);
    struct poster ps[4] = {{&a, 0, 0}, {&b, 1, 0}, {&a, 2, 0}, {&b, 3, 0}};
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, post_many, &ps[i]);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 4; i++)
        CHECK_INT(ps[i].failed, 0);
    json_t *before = pull_both();
    /* 4 x 30 attributed statements and as many unattributed, plus the 11
     * of the tests before (under no registered IRI) */
    json_t *dept = json_array_get(json_object_get(json_array_get(before, 0), "records"), 0);
    CHECK_INT(json_integer_value(json_object_get(dept, "statements")), 120);
    CHECK_INT(
        json_integer_value(json_object_get(json_array_get(before, 0), "unattributed_statements")),
        131);
    int64_t counted = 0;
    CHECK_INT(gw_store_kpi_rebuild(store, &counted, &e), GW_OK);
    json_t *after = pull_both();
    if (!json_equal(before, after)) {
        char *x = json_dumps(before, JSON_COMPACT), *y = json_dumps(after, JSON_COMPACT);
        fprintf(stderr, "  incremental != rebuild\n  %s\n  %s\n", x, y);
        free(x);
        free(y);
        gwt_case_failed = 1;
    }
    json_decref(before);
    json_decref(after);
    gw_store_close(store);
}

/* How many mails with this subject the sink got. */
static int mails_with(const char *subject)
{
    char *all = smtp_sink_all(sink);
    int n = 0;
    for (const char *p = all; p && (p = strstr(p, subject)); p++)
        n++;
    free(all);
    return n;
}

static void test_notices_leave_from_either(void)
{
    static const char *const setup[][2] = {
        {"/api/v1/people", "{\"id\":\"ann\",\"name\":\"Ann\",\"email\":\"ann@example.com\"}"},
        {"/api/v1/people", "{\"id\":\"al\",\"name\":\"Al\",\"email\":\"al@example.com\"}"},
        {"/api/v1/departments", "{\"id\":\"ops\",\"name\":\"Operations\"}"},
    };
    char h[300];
    snprintf(h, sizeof h, "Authorization: Bearer %s", a.admin_token);
    json_t *j = NULL;
    for (size_t i = 0; i < 3; i++) {
        CHECK_INT(gwt_post_json(&a, setup[i][0], h, setup[i][1], &j), 201);
        json_decref(j);
    }
    char zip_path[512], course[64], round[64];
    snprintf(zip_path, sizeof zip_path, "%s/packages/scorm12-sample.zip", getenv("GW_BUILD_DIR"));
    size_t len = 0;
    char *zip = gwt_slurp(zip_path, &len);
    REQUIRE(zip != NULL);
    /* one course submitted through each instance, one after the other: one
     * of them does not lead, and its mail must not wait for the leader's
     * next pass (GW_SCHEDULER_INTERVAL_S) */
    const struct gwt_server *via[2] = {&a, &b};
    const char *title[2] = {"Through A", "Through B"};
    for (int k = 0; k < 2; k++) {
        CHECK_INT(
            gwt_submit_package(via[k], h, "ops", title[k], "ann", "al", zip, len, course, round),
            201);
        char *subject = gwt_fmt("Review requested: %s", title[k]);
        for (int i = 0; i < 200 && mails_with(subject) < 1; i++) {
            struct timespec ts = {0, 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        CHECK_INT(mails_with(subject), 1);
        free(subject);
    }
    free(zip);
    /* both instances deliver: still once each */
    CHECK_INT(gwt_post_json(&b, "/api/v1/people", h,
                            "{\"id\":\"cy\",\"name\":\"Cy\",\"email\":\"cy@example.com\"}", &j),
              201);
    json_decref(j);
    CHECK_INT(gwt_post_json(&a, "/api/v1/people", h,
                            "{\"id\":\"di\",\"name\":\"Di\",\"email\":\"di@example.com\"}", &j),
              201);
    json_decref(j);
    struct timespec ts = {1, 0};
    nanosleep(&ts, NULL);
    CHECK_INT(mails_with("Review requested: Through A"), 1);
    CHECK_INT(mails_with("Review requested: Through B"), 1);
}

int main(void)
{
    int smtp_port = 0;
    sink = smtp_sink_start(&smtp_port);
    snprintf(smtp_config, sizeof smtp_config,
             "{\"access_log\": false, \"smtp_url\": \"smtp://127.0.0.1:%d\", \"smtp_from\": "
             "\"gw@example.org\", \"smtp_starttls\": \"none\"}",
             smtp_port);
    char *dsn = gwt_pg_fresh_dsn();
    pg_dsn = dsn;
    if (!dsn) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    struct starter sa = {&a, dsn, false}, sb = {&b, dsn, false};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, start, &sa);
    pthread_create(&tb, NULL, start, &sb);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    if (!sa.ok || !sb.ok) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    GW_RUN(test_both_start_on_one_database);
    GW_RUN(test_shared_keys_and_statements);
    GW_RUN(test_same_id_through_both);
    GW_RUN(test_kpis_through_both);
    GW_RUN(test_notices_leave_from_either);
    gwt_server_stop(&a, SIGTERM);
    gwt_server_stop(&b, SIGTERM);
    gwt_server_free(&a);
    gwt_server_free(&b);
    free(dsn);
    smtp_sink_stop(sink);
    return gw_test_summary();
}
