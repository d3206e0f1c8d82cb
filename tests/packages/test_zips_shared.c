/* Stateless instances on PostgreSQL (issue 17): two real lmsgw processes on
 * one fresh database, each with its own data_dir and no shared filesystem.
 * A package uploaded through A is kept in the database (A's data_dir holds
 * no zip); through B its report is read, it becomes a course version, the
 * version is submitted, a file of it is fetched through B's content origin
 * (the course preview) and, once approved, B's outbox publishes it to lmssim,
 * which received exactly the uploaded bytes. Then A is stopped and its
 * data_dir removed, B's cache is removed, and the same package goes through
 * B again as another course: everything B needs comes from the database. */
#include "../outbound/support.h"
#include "gw/hash.h"
#include "gw/preview.h"
#include "gw/review_store.h"
#include "gw/store.h"
#include "gw/timefmt.h"
#include "gwtest.h"
#include "testsupport.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

static struct sim sim;
static char *tmp, *dsn;
static struct gwt_server a, b;
static char admin_b[256], author_a[256], author_b[256], approver_b[256];
static char *zip; /* the sample package's bytes */
static size_t zip_len;
static char zip_sha[GW_SHA256_HEX];
static char package_id[64];

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The bytes of entry name in the sample zip (heap, *len). */
static char *zip_entry(const char *name, size_t *len)
{
    char *path = gwt_fmt("%s/packages/scorm12-sample.zip", getenv("GW_BUILD_DIR"));
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
    free(path);
    zip_stat_t st;
    char *out = NULL;
    if (z && zip_stat(z, name, 0, &st) == 0) {
        zip_file_t *f = zip_fopen(z, name, 0);
        out = calloc(1, st.size + 1);
        *len = f ? (size_t)zip_fread(f, out, st.size) : 0;
        if (f)
            zip_fclose(f);
    }
    if (z)
        zip_discard(z);
    return out;
}

/* The first file a SCORM 1.2 package always has. */
#define ENTRY "imsmanifest.xml"

/* A course request with ann as approver and its course (author "author");
 * the course's id into course. */
static bool new_course(const char *title, char course[64])
{
    json_t *j = NULL;
    char body[1024];
    snprintf(body, sizeof body,
             "{\"department_id\":\"ops\",\"title\":\"%s\",\"business_case\":{\"problem\":"
             "\"p\",\"audience\":\"a\",\"reach\":\"r\",\"mandatory\":false,"
             "\"communication_plan\":\"c\",\"kpi\":\"k\",\"kpi_target\":\"t\",\"deadline\":"
             "\"2027-03-01\",\"effort_low_hours\":1,\"effort_high_hours\":2,\"project_code\":"
             "\"P-1\"},\"approvers\":[{\"person_id\":\"ann\"}]}",
             title);
    bool ok = gwt_post_json(&b, "/api/v1/requests", admin_b, body, &j) == 201;
    snprintf(body, sizeof body, "{\"request_id\":\"%s\",\"author_person_id\":\"author\"}",
             gwt_sv(j, "id"));
    json_decref(j);
    j = NULL;
    ok = ok && gwt_post_json(&b, "/api/v1/courses", author_b, body, &j) == 201;
    snprintf(course, 64, "%s", gwt_sv(j, "id"));
    json_decref(j);
    return ok;
}

/* A capability for round's preview by ann, minted with the shared key. */
static bool mint(const char *round, char *out, size_t cap)
{
    struct gw_error e;
    struct gw_store *s = gw_store_open(dsn, NULL, &e);
    uint8_t key[32];
    bool ok = s && gw_store_review_key(s, key, &e) == GW_OK;
    if (s)
        gw_store_close(s);
    struct gw_preview_cap c = {.expires_ms = gw_time_now_ms() + 3600 * 1000};
    snprintf(c.round_id, sizeof c.round_id, "%s", round);
    snprintf(c.approver_id, sizeof c.approver_id, "ann");
    snprintf(c.sha256, sizeof c.sha256, "%s", zip_sha);
    return ok && gw_preview_cap_make(key, sizeof key, &c, out, cap, &e) == GW_OK;
}

/* GET /api/v1/courses/{id}/publish on B until the state is published or
 * publish_failed; returns that state ("" when it never came). */
static void wait_published(const char *course, char state[32])
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/courses/%s/publish", course);
    state[0] = '\0';
    for (int i = 0; i < 1200 && !state[0]; i++) {
        json_t *j = NULL;
        if (gwt_api(&b, "GET", path, author_b, NULL, NULL, 0, &j, NULL) == 200 &&
            (strcmp(gwt_sv(j, "state"), "published") == 0 ||
             strcmp(gwt_sv(j, "state"), "publish_failed") == 0))
            snprintf(state, 32, "%s", gwt_sv(j, "state"));
        json_decref(j);
        if (!state[0])
            pause_ms(50);
    }
}

/* lmssim's import job for course: the package it received. */
static json_t *sim_package(json_t *st, const char *course)
{
    char cid[128];
    snprintf(cid, sizeof cid, "lmsgw-%s", course);
    const char *k;
    json_t *job;
    json_object_foreach(json_object_get(json_object_get(st, "scormcloud"), "jobs"), k, job)
    {
        if (strcmp(gwt_sv(job, "courseId"), cid) == 0)
            return json_object_get(job, "package");
    }
    return NULL;
}

/* Through B: the package as a new course's version 1, submitted, previewed
 * through the content origin, approved and published to lmssim. */
static void through_b(const char *title)
{
    json_t *j = NULL;
    char path[512], course[64], round[64];
    /* the report, as A answered it */
    snprintf(path, sizeof path, "/api/v1/packages/%s/report", package_id);
    CHECK_INT(gwt_api(&b, "GET", path, author_b, NULL, NULL, 0, &j, NULL), 200);
    CHECK(json_is_true(json_object_get(j, "valid")));
    json_decref(j);
    REQUIRE(new_course(title, course));
    char body[256];
    snprintf(body, sizeof body, "{\"package_id\":\"%s\"}", package_id);
    snprintf(path, sizeof path, "/api/v1/courses/%s/versions", course);
    j = NULL;
    CHECK_INT(gwt_post_json(&b, path, author_b, body, &j), 201);
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/courses/%s/submit", course);
    j = NULL;
    REQUIRE(gwt_api(&b, "POST", path, author_b, NULL, NULL, 0, &j, NULL) == 201);
    snprintf(round, sizeof round, "%s", gwt_sv(j, "id"));
    json_decref(j);

    /* a file of the package through B's content origin */
    char cap[GW_REVIEW_TOKEN_MAX];
    REQUIRE(mint(round, cap, sizeof cap));
    char *url = gwt_fmt("%s/c/%s/f/%s", b.content_url, cap, ENTRY);
    struct gwt_response r;
    CHECK(gwt_http("GET", url, NULL, NULL, 0, &r));
    CHECK_INT(r.status, 200);
    size_t want_len = 0;
    char *want = zip_entry(ENTRY, &want_len);
    CHECK(want && r.body_len == want_len && memcmp(r.body, want, want_len) == 0);
    free(want);
    gwt_response_free(&r);
    free(url);

    /* approved: B's outbox publishes the zip to lmssim */
    snprintf(path, sizeof path, "/api/v1/rounds/%s/decisions", round);
    j = NULL;
    CHECK_INT(gwt_post_json(&b, path, approver_b,
                            "{\"decision\":\"approve\",\"approver_id\":\"ann\"}", &j),
              201);
    CHECK(json_is_true(json_object_get(j, "publish_job_queued")));
    json_decref(j);
    char state[32];
    wait_published(course, state);
    CHECK_STR(state, "published");
    json_t *st = sim_state(&sim);
    json_t *pkg = sim_package(st, course);
    REQUIRE(pkg != NULL);
    CHECK_STR(gwt_sv(pkg, "sha256"), zip_sha);
    CHECK_INT(json_integer_value(json_object_get(pkg, "size")), zip_len);
    json_decref(st);
}

static void test_upload_on_a(void)
{
    json_t *j = NULL;
    CHECK_INT(gwt_api(&a, "POST", "/api/v1/packages", author_a, "application/zip", zip, zip_len, &j,
                      NULL),
              201);
    CHECK_STR(gwt_sv(j, "sha256"), zip_sha);
    snprintf(package_id, sizeof package_id, "%s", gwt_sv(j, "id"));
    json_decref(j);
    /* kept in the database, not in A's data_dir */
    char *kept = gwt_fmt("%s/data/packages/%s.zip", a.dir, zip_sha);
    CHECK(!exists(kept));
    free(kept);
}

static void test_review_preview_publish_on_b(void)
{
    REQUIRE(package_id[0]);
    through_b("Shared one");
    /* B read the zip from the database into its cache, never into packages/ */
    char *cached = gwt_fmt("%s/data/cache/zips/%s.zip", b.dir, zip_sha);
    char *kept = gwt_fmt("%s/data/packages/%s.zip", b.dir, zip_sha);
    CHECK(exists(cached));
    CHECK(!exists(kept));
    free(cached);
    free(kept);
}

static void test_again_without_a_and_cache(void)
{
    REQUIRE(package_id[0]);
    CHECK_INT(gwt_server_stop(&a, SIGTERM), 0);
    char *a_data = gwt_fmt("%s/data", a.dir);
    gwt_rmtree(a_data);
    CHECK(!exists(a_data));
    free(a_data);
    char *b_cache = gwt_fmt("%s/data/cache", b.dir);
    gwt_rmtree(b_cache);
    CHECK(!exists(b_cache));
    free(b_cache);
    through_b("Shared two");
}

/* Starts A (no LMS) and B (lmssim as its LMS) on one fresh database. */
static bool setup(void)
{
    tmp = gwt_tmpdir("zips-shared");
    dsn = gwt_pg_fresh_dsn();
    char *sample = gwt_fmt("%s/packages/scorm12-sample.zip", getenv("GW_BUILD_DIR"));
    zip = gwt_slurp(sample, &zip_len);
    free(sample);
    if (!tmp || !dsn || !zip || !sim_start(&sim))
        return false;
    gw_sha256_hex(zip, zip_len, zip_sha);
    char *targets = gwt_fmt("%s/targets.json", tmp);
    FILE *f = fopen(targets, "w");
    if (!f)
        return false;
    fprintf(f,
            "{\"default\":\"sim\",\"poll_ms\":50,\"backoff_base_ms\":50,\"backoff_cap_ms\":200,"
            "\"targets\":{\"sim\":{\"type\":\"scormcloud\",\"base_url\":\"%s/api/v2\","
            "\"app_id\":\"lmssim-app\",\"secret\":\"lmssim-secret\","
            "\"import_poll_interval_ms\":10,\"timeout_ms\":10000,\"upload_timeout_ms\":30000}}}\n",
            sim.base_url);
    fclose(f);
    char *extra_b = gwt_fmt("{\"lms_targets_file\": \"%s\"}", targets);
    free(targets);
    bool ok = gwt_server_start(&a, dsn, NULL) && gwt_server_start(&b, dsn, extra_b);
    free(extra_b);
    if (!ok || !b.content_url[0])
        return false;
    snprintf(admin_b, sizeof admin_b, "Authorization: Bearer %s", b.admin_token);
    json_t *j = NULL;
    ok = gwt_post_json(&b, "/api/v1/departments", admin_b, "{\"id\":\"ops\",\"name\":\"Ops\"}",
                       &j) == 201;
    json_decref(j);
    const char *people[] = {"ann", "author"};
    for (int i = 0; ok && i < 2; i++) {
        char *body = gwt_fmt("{\"id\":\"%s\",\"name\":\"%s\",\"email\":\"%s@example.com\","
                             "\"department_id\":\"ops\"}",
                             people[i], people[i], people[i]);
        ok = gwt_post_json(&b, "/api/v1/people", admin_b, body, &j) == 201;
        json_decref(j);
        free(body);
    }
    /* keys live in the database: one made through B works on A */
    return ok && gwt_make_key(&b, "author", "author", NULL, author_b, sizeof author_b, NULL, 0) &&
           gwt_make_key(&b, "author-a", "author", NULL, author_a, sizeof author_a, NULL, 0) &&
           gwt_make_key(&b, "approver", "approver", "ann", approver_b, sizeof approver_b, NULL, 0);
}

int main(void)
{
    if (!setup()) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    GW_RUN(test_upload_on_a);
    GW_RUN(test_review_preview_publish_on_b);
    GW_RUN(test_again_without_a_and_cache);
    if (a.pid > 0)
        gwt_server_stop(&a, SIGTERM);
    int b_exit = gwt_server_stop(&b, SIGTERM); /* clean exit (ASan: no leak) */
    gwt_server_free(&a);
    gwt_server_free(&b);
    sim_stop(&sim);
    gwt_rmtree(tmp);
    free(tmp);
    free(dsn);
    free(zip);
    if (b_exit != 0) {
        fprintf(stderr, "  B exited with %d\n", b_exit);
        return 1;
    }
    return gw_test_summary();
}
