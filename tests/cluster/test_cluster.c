/* Two gateways on one PostgreSQL behind HAProxy (scripts/cluster.sh), with
 * instances killed (SIGKILL) under load:
 *  - statements posted through the balancer in batches by two clients (that
 *    send a batch again after a 502 or a dropped connection, as an LMS
 *    resends) while each instance in turn is killed and started again: every
 *    acknowledged statement is in the database, once;
 *  - the review scheduler: after the instance that led is killed, the other
 *    plans what time caused (the escalation of a review whose due date was
 *    moved back in the database: only the leader plans) and each notice
 *    leaves once, also after the killed instance is back;
 *  - a publish in flight: the LMS (lmssim) is slow to take the upload, the
 *    instance holding the job is killed mid-upload; the other takes the job
 *    over when its lease ends and the course is published once, with one
 *    course and one version on the LMS (the zip comes from PostgreSQL: the
 *    instances share no files).
 * Prints "N passed, N failed" last. */
#include "gwtest.h"
#include "outbound/support.h"
#include "testsupport.h"

#include "gw/store.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *dir;
static char script[1024];
static struct gwt_server lb; /* base_url and admin_token: the balancer */
static char dsn[512], h_admin[300], h_lms[300], sim_url[256];
static struct smtp_sink *sink;

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int cluster(const char *verb, const char *instance)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s %s %s", script, verb, dir, instance ? instance : "");
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "  '%s' failed (%d)\n", cmd, rc);
    return rc;
}

/* Reads DIR/env (KEY=VALUE lines) into the globals. */
static bool read_env(void)
{
    char *path = gwt_fmt("%s/env", dir);
    char *text = gwt_slurp(path, NULL);
    free(path);
    if (!text)
        return false;
    static char url[256];
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        if (strcmp(line, "LB_URL") == 0)
            snprintf(url, sizeof url, "%s", eq + 1);
        else if (strcmp(line, "LMSSIM_URL") == 0)
            snprintf(sim_url, sizeof sim_url, "%s", eq + 1);
        else if (strcmp(line, "DSN") == 0)
            snprintf(dsn, sizeof dsn, "%s", eq + 1);
        else if (strcmp(line, "ADMIN_TOKEN") == 0)
            snprintf(lb.admin_token, sizeof lb.admin_token, "%s", eq + 1);
    }
    free(text);
    lb.base_url = url;
    snprintf(h_admin, sizeof h_admin, "Authorization: Bearer %s", lb.admin_token);
    return url[0] && dsn[0] && lb.admin_token[0];
}

/* ---- statements under kill ---- */

#define BATCH 20
#define MAX_ACKED 200000

static char (*acked)[40];
static atomic_int n_acked;
static atomic_bool stop_load;
static atomic_int resent;

struct client {
    int no;
    int batches;
};

static void *post_load(void *ud)
{
    struct client *c = ud;
    const char *h[] = {h_lms, "Content-Type: application/json", "X-Experience-API-Version: 1.0.3",
                       NULL};
    char *url = gwt_fmt("%s/xapi/statements", lb.base_url);
    while (!atomic_load(&stop_load)) {
        char ids[BATCH][40];
        json_t *arr = json_array();
        for (int i = 0; i < BATCH; i++) {
            char *u = gwt_uuid();
            snprintf(ids[i], sizeof ids[i], "%s", u);
            free(u);
            char mbox[96];
            snprintf(mbox, sizeof mbox, "mailto:learner%d.%d@example.org", c->no, i);
            json_array_append_new(
                arr, json_pack("{s:s, s:{s:s}, s:{s:s}, s:{s:s}}", "id", ids[i], "actor", "mbox",
                               mbox, "verb", "id", "http://adlnet.gov/expapi/verbs/experienced",
                               "object", "id", "https://courses.example.org/cluster/page"));
        }
        char *body = json_dumps(arr, JSON_COMPACT);
        json_decref(arr);
        /* the same batch until it is acknowledged (ids make a resend harmless) */
        for (int attempt = 0; attempt < 200; attempt++) {
            struct gwt_response r;
            bool got = gwt_http("POST", url, h, body, strlen(body), &r);
            long st = got ? r.status : -1;
            if (got)
                gwt_response_free(&r);
            if (st == 200) {
                for (int i = 0; i < BATCH; i++) {
                    int k = atomic_fetch_add(&n_acked, 1);
                    if (k < MAX_ACKED)
                        memcpy(acked[k], ids[i], sizeof ids[i]);
                }
                c->batches++;
                break;
            }
            atomic_fetch_add(&resent, 1);
            nap_ms(50);
        }
        free(body);
    }
    free(url);
    return NULL;
}

static int cmp_id(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct id_list {
    char **ids;
    size_t n, cap;
};

static enum gw_qs all_ids(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct id_list *l = ud;
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, "SELECT id FROM xapi_statements", NULL, 0, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        if (l->n == l->cap) {
            l->cap = l->cap ? l->cap * 2 : 1024;
            l->ids = realloc(l->ids, l->cap * sizeof *l->ids);
        }
        l->ids[l->n++] = strdup(gw_db_col_text(r, 0));
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
}

static void test_statements_survive_kills(void)
{
    REQUIRE(gwt_make_key(&lb, "cluster-lms", "lms", NULL, h_lms, sizeof h_lms, NULL, 0));
    acked = calloc(MAX_ACKED, sizeof *acked);
    struct client cl[2] = {{0, 0}, {1, 0}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, post_load, &cl[i]);
    /* each instance killed in turn while both clients post, then started again */
    static const char *const order[] = {"a", "b"};
    for (int k = 0; k < 2; k++) {
        nap_ms(1500);
        int before = atomic_load(&n_acked);
        CHECK_INT(cluster("kill", order[k]), 0);
        nap_ms(1500);
        CHECK(atomic_load(&n_acked) > before); /* the other one took the load */
        CHECK_INT(cluster("restart", order[k]), 0);
    }
    nap_ms(1000);
    atomic_store(&stop_load, true);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    int n = atomic_load(&n_acked);
    REQUIRE(n <= MAX_ACKED);
    fprintf(stderr, "  %d statements acknowledged, %d batches sent again\n", n,
            atomic_load(&resent));
    CHECK(cl[0].batches > 0 && cl[1].batches > 0);

    struct gw_error e;
    struct gw_store *store = gw_store_open(dsn, NULL, &e);
    REQUIRE(store);
    struct id_list l = {0};
    CHECK_INT(gw_store_tx(store, GW_TX_READ, all_ids, &l, &e), GW_OK);
    qsort(l.ids, l.n, sizeof *l.ids, cmp_id);
    int missing = 0;
    for (int i = 0; i < n; i++) {
        const char *id = acked[i];
        if (!bsearch(&id, l.ids, l.n, sizeof *l.ids, cmp_id)) {
            if (missing++ < 5)
                fprintf(stderr, "  acknowledged, not stored: %s\n", id);
        }
    }
    CHECK_INT(missing, 0);
    /* nothing stored twice (the id is unique; a resend of a batch that was
     * stored before its answer was lost is the same statement) */
    size_t dup = 0;
    for (size_t i = 1; i < l.n; i++)
        dup += strcmp(l.ids[i - 1], l.ids[i]) == 0;
    CHECK_INT(dup, 0);
    CHECK((size_t)n <= l.n);
    for (size_t i = 0; i < l.n; i++)
        free(l.ids[i]);
    free(l.ids);
    free(acked);
    gw_store_close(store);
}

/* ---- the scheduler's leadership under kill ---- */

/* How many mails have a subject line that starts with prefix and names title. */
static int mails_with(const char *prefix, const char *title)
{
    char *all = smtp_sink_all(sink);
    int n = 0;
    for (char *line = all ? strtok(all, "\r\n") : NULL; line; line = strtok(NULL, "\r\n")) {
        if (strncmp(line, "Subject: ", 9) == 0 && strncmp(line + 9, prefix, strlen(prefix)) == 0 &&
            strstr(line, title))
            n++;
    }
    free(all);
    return n;
}

static bool wait_mail(const char *prefix, const char *title)
{
    for (int i = 0; i < 300; i++) {
        if (mails_with(prefix, title) >= 1)
            return true;
        nap_ms(50);
    }
    return false;
}

static enum gw_qs backdate(struct gw_db *db, void *ud, struct gw_error *err)
{
    const char *course = ud;
    int64_t now = (int64_t)time(NULL) * 1000;
    int64_t due = now - now % 86400000 - 10 * 86400000LL;
    struct gw_dbp p[] = {GW_P_INT(due), GW_P_TEXT(course)};
    return gw_db_query(db,
                       "UPDATE round_approvers SET due_ms = $1 WHERE round_id IN (SELECT id FROM "
                       "review_rounds WHERE course_id = $2)",
                       p, 2, NULL, NULL, err);
}

/* A course in review through the balancer, its approver (of department ops,
 * whose head is hana) ten days overdue. */
static void overdue_course(const char *title, char course[64])
{
    char zip_path[512], round[64];
    snprintf(zip_path, sizeof zip_path, "%s/packages/scorm12-sample.zip", getenv("GW_BUILD_DIR"));
    size_t len = 0;
    char *zip = gwt_slurp(zip_path, &len);
    REQUIRE(zip != NULL);
    long st = gwt_submit_package(&lb, h_admin, "ops", title, "ann", "al", zip, len, course, round);
    free(zip);
    REQUIRE(st == 201);
    struct gw_error e;
    struct gw_store *store = gw_store_open(dsn, NULL, &e);
    REQUIRE(store);
    CHECK_INT(gw_store_tx(store, GW_TX_WRITE, backdate, course, &e), GW_OK);
    gw_store_close(store);
}

/* Any change through the balancer wakes the scheduler of the instance that
 * took it. */
static void poke(const char *id)
{
    json_t *j = NULL;
    char *body =
        gwt_fmt("{\"id\":\"%s\",\"name\":\"%s\",\"email\":\"%s@example.com\"}", id, id, id);
    CHECK_INT(gwt_post_json(&lb, "/api/v1/people", h_admin, body, &j), 201);
    json_decref(j);
    free(body);
}

static void test_scheduler_moves_to_survivor(void)
{
    static const char *const setup[][2] = {
        {"/api/v1/people",
         "{\"id\":\"hana\",\"name\":\"Hana Head\",\"email\":\"hana@example.com\"}"},
        {"/api/v1/people", "{\"id\":\"al\",\"name\":\"Al\",\"email\":\"al@example.com\"}"},
        {"/api/v1/departments",
         "{\"id\":\"ops\",\"name\":\"Operations\",\"head_person_id\":\"hana\"}"},
        {"/api/v1/people", "{\"id\":\"ann\",\"name\":\"Ann\",\"email\":\"ann@example.com\","
                           "\"department_id\":\"ops\"}"},
    };
    json_t *j = NULL;
    for (size_t i = 0; i < 4; i++) {
        CHECK_INT(gwt_post_json(&lb, setup[i][0], h_admin, setup[i][1], &j), 201);
        json_decref(j);
    }
    /* B led or leads since A was killed above; now B goes: A must take over */
    CHECK_INT(cluster("kill", "b"), 0);
    char course[64];
    overdue_course("Forklift safety", course);
    poke("p1");
    CHECK(wait_mail("Stalled: Ann's review of ", "Forklift safety"));
    /* B back, both woken: nothing is planned or sent twice */
    CHECK_INT(cluster("restart", "b"), 0);
    poke("p2");
    poke("p3");
    poke("p4");
    nap_ms(1500);
    CHECK_INT(mails_with("Stalled: Ann's review of ", "Forklift safety"), 1);
    /* and A goes: B plans the next one */
    CHECK_INT(cluster("kill", "a"), 0);
    overdue_course("Ladder safety", course);
    poke("p5");
    CHECK(wait_mail("Stalled: Ann's review of ", "Ladder safety"));
    CHECK_INT(cluster("restart", "a"), 0);
    poke("p6");
    poke("p7");
    nap_ms(1500);
    CHECK_INT(mails_with("Stalled: Ann's review of ", "Ladder safety"), 1);
    CHECK_INT(mails_with("Stalled: Ann's review of ", "Forklift safety"), 1);
}

/* ---- a publish in flight under kill ---- */

struct job_row {
    char state[32], claimed_by[160];
};

static enum gw_qs job_of(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct job_row *j = ud;
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT state, COALESCE(claimed_by, '') FROM publish_jobs WHERE "
                                "action = 'publish' ORDER BY created_ms DESC LIMIT 1",
                                NULL, 0, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        snprintf(j->state, sizeof j->state, "%s", gw_db_col_text(r, 0));
        snprintf(j->claimed_by, sizeof j->claimed_by, "%s", gw_db_col_text(r, 1));
    }
    gw_db_rows_free(r);
    return qs < 0 ? qs : GW_QS_ONE;
}

/* Which instance ("a" or "b") runs as pid, by DIR/<n>/pid; NULL if neither. */
static const char *instance_of(long pid)
{
    static const char *const names[] = {"a", "b"};
    for (int i = 0; i < 2; i++) {
        char *path = gwt_fmt("%s/%s/pid", dir, names[i]);
        char *text = gwt_slurp(path, NULL);
        free(path);
        long p = text ? atol(text) : -1;
        free(text);
        if (p == pid)
            return names[i];
    }
    return NULL;
}

static long sim(const char *method, const char *path, const char *body, json_t **out)
{
    char *url = gwt_fmt("%s%s", sim_url, path);
    const char *h[] = {"Content-Type: application/json", NULL};
    struct gwt_response r;
    long st = gwt_http(method, url, h, body, body ? strlen(body) : 0, &r) ? r.status : -1;
    if (st > 0) {
        if (out)
            *out = json_loads(r.body, 0, NULL);
        gwt_response_free(&r);
    }
    free(url);
    return st;
}

static void test_publish_taken_over(void)
{
    /* the LMS takes 4 s to answer the upload (it imports the course all the same) */
    CHECK_INT(sim("POST", "/_sim/faults",
                  "{\"match\":\"/api/v2/courses/importJobs/upload\",\"method\":\"POST\","
                  "\"mode\":\"slow\",\"delay_ms\":4000,\"count\":1}",
                  NULL),
              201);
    char zip_path[512], course[64], round[64];
    snprintf(zip_path, sizeof zip_path, "%s/packages/scorm12-sample.zip", getenv("GW_BUILD_DIR"));
    size_t len = 0;
    char *zip = gwt_slurp(zip_path, &len);
    REQUIRE(zip != NULL);
    long st = gwt_submit_package(&lb, h_admin, "ops", "Ladder safety II", "ann", "al", zip, len,
                                 course, round);
    free(zip);
    REQUIRE(st == 201);
    char *path = gwt_fmt("/api/v1/rounds/%s/decisions", round);
    json_t *j = NULL;
    CHECK_INT(gwt_post_json(&lb, path, h_admin,
                            "{\"decision\":\"approve\",\"approver_id\":\"ann\","
                            "\"on_behalf_reason\":\"approved at the kickoff\"}",
                            &j),
              201);
    CHECK(json_is_true(json_object_get(j, "publish_job_queued")));
    json_decref(j);
    j = NULL;
    free(path);

    /* the instance that claimed the job is in the middle of the upload: kill it */
    struct gw_error e;
    struct gw_store *store = gw_store_open(dsn, NULL, &e);
    REQUIRE(store);
    struct job_row job = {"", ""};
    for (int i = 0; i < 200; i++) {
        CHECK_INT(gw_store_tx(store, GW_TX_READ, job_of, &job, &e), GW_OK);
        if (strcmp(job.state, "running") == 0 && job.claimed_by[0])
            break;
        nap_ms(50);
    }
    REQUIRE(strcmp(job.state, "running") == 0);
    /* claimed_by is host/pid/random */
    const char *slash = strchr(job.claimed_by, '/');
    const char *holder = slash ? instance_of(atol(slash + 1)) : NULL;
    REQUIRE(holder != NULL);
    nap_ms(1000);
    CHECK_INT(cluster("kill", holder), 0);

    /* the other instance takes it over when the lease (5 s) ends */
    path = gwt_fmt("/api/v1/courses/%s/publish", course);
    const char *state = "";
    for (int i = 0; i < 400; i++) {
        json_decref(j);
        j = NULL;
        CHECK_INT(gwt_api(&lb, "GET", path, h_admin, NULL, NULL, 0, &j, NULL), 200);
        state = gwt_sv(j, "state");
        if (strcmp(state, "published") == 0 || strcmp(state, "publish_failed") == 0)
            break;
        nap_ms(100);
    }
    CHECK_STR(state, "published");
    json_decref(j);
    free(path);
    CHECK_INT(gw_store_tx(store, GW_TX_READ, job_of, &job, &e), GW_OK);
    CHECK_STR(job.state, "done");
    CHECK(strcmp(job.claimed_by, "") == 0 ||
          instance_of(atol(strchr(job.claimed_by, '/') + 1)) != holder);
    gw_store_close(store);

    /* one course on the LMS, with one version, for this course */
    json_t *s = NULL;
    CHECK_INT(sim("GET", "/_sim/state", NULL, &s), 200);
    json_t *courses = json_object_get(json_object_get(s, "scormcloud"), "courses");
    int n_courses = 0;
    const char *k;
    json_t *c;
    json_object_foreach(courses, k, c)
    {
        n_courses++;
        CHECK_INT(json_array_size(json_object_get(c, "versions")), 1);
    }
    CHECK_INT(n_courses, 1);
    json_decref(s);
    CHECK_INT(cluster("restart", holder), 0);
}

int main(void)
{
    dir = gwt_tmpdir("lmsgw-cluster-");
    const char *src = getenv("GW_SOURCE_DIR"), *build = getenv("GW_BUILD_DIR");
    if (!dir || !src || !build) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    snprintf(script, sizeof script, "%s/scripts/cluster.sh", src);
    int smtp_port = 0;
    sink = smtp_sink_start(&smtp_port);
    char smtp[64];
    snprintf(smtp, sizeof smtp, "smtp://127.0.0.1:%d", smtp_port);
    setenv("LMSGW_SMTP_URL", smtp, 1);
    setenv("LMSGW_SMTP_FROM", "gw@example.org", 1);
    setenv("LMSGW_SMTP_STARTTLS", "none", 1);
    setenv("LMSGW_ACCESS_LOG", "false", 1);
    setenv("GW_PG_DURABLE", "0", 1);
    char *lmssim = gwt_fmt("%s/tests/lmssim/lmssim", build);
    setenv("GW_LMSSIM_BIN", lmssim, 1);
    free(lmssim);
    if (cluster("start", NULL) != 0 || !read_env()) {
        cluster("stop", NULL);
        printf("0 passed, 1 failed\n");
        return 1;
    }
    GW_RUN(test_statements_survive_kills);
    GW_RUN(test_scheduler_moves_to_survivor);
    GW_RUN(test_publish_taken_over);
    cluster("stop", NULL);
    smtp_sink_stop(sink);
    if (gwt_failed == 0) /* else kept: the logs of both instances and HAProxy */
        gwt_rmtree(dir);
    else
        fprintf(stderr, "  logs kept in %s\n", dir);
    free(dir);
    return gw_test_summary();
}
