/* Publish on approval, end to end: the real lmsgw binary (with a targets file
 * pointing at the real lmssim, SCORM Cloud API) and whole approval rounds over
 * HTTP. Proves: an approved course becomes published with course_lms filled
 * and the LMS's activity id among the course's IRIs, one course on the LMS;
 * 503 + Retry-After twice, then success, still one course; an upload the LMS
 * accepted but whose answer was lost is not uploaded again; bad credentials
 * fail for good (publish_failed with the LMS's message) and an admin retry
 * after fixing the file publishes once; SIGKILL of the gateway during a slow
 * upload, then a restart, finishes the job exactly once; retire takes the
 * course off the LMS; the secrets never appear in the gateway's log or in an
 * error body, also when the LMS echoes our request headers in its error.
 * Moodle: v1 then v2 approved is one Moodle course whose activity
 * (same cmid) now holds v2's bytes, created with automatic completion that the
 * update keeps; the 0.1.0 plugin's PHP error on update fails the job at once
 * with Moodle's words, and an admin retry publishes once the plugin is fixed;
 * a database deadlock answered twice is retried and succeeds. Compiled once per backend
 * (GW_TEST_PG). Waits poll the gateway's state; nothing asserts on time. */
#include "../outbound/support.h"
#include "gw/hash.h"
#include "gw/outbound.h"
#include "gwtest.h"
#include "testsupport.h"

#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zip.h>

#define GOOD_SECRET "lmssim-secret"
#define BAD_SECRET "wrong-secret-0f3a9c"

static struct sim sim;
static char *tmp; /* targets files and package variants */

struct gw {
    struct gwt_server s;
    char admin[256], author[256], approver[256];
    char targets[512];
    char dsn[600]; /* PostgreSQL: the database; SQLite: "" (under the data dir) */
};

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

#define MOODLE_TOKEN "0123456789abcdef0123456789abcdef"

/* A targets file for lmssim: kind "scormcloud" (secret is the app secret) or
 * "moodle" (secret is the web-service token). */
static void write_targets(const char *path, const char *kind, const char *secret, long lease_ms)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fprintf(f,
            "{\"default\":\"sim\",\"poll_ms\":50,\"backoff_base_ms\":50,\"backoff_cap_ms\":200,"
            "\"lease_ms\":%ld,\"targets\":{\"sim\":",
            lease_ms);
    if (strcmp(kind, "moodle") == 0)
        fprintf(f,
                "{\"type\":\"moodle\",\"base_url\":\"%s\",\"token\":\"%s\",\"category_id\":1,"
                "\"timeout_ms\":10000,\"upload_timeout_ms\":30000}",
                sim.base_url, secret);
    else
        fprintf(f,
                "{\"type\":\"scormcloud\",\"base_url\":\"%s/api/v2\",\"app_id\":\"lmssim-app\","
                "\"secret\":\"%s\",\"import_poll_interval_ms\":10,\"timeout_ms\":10000,"
                "\"upload_timeout_ms\":30000}",
                sim.base_url, secret);
    fprintf(f, "}}\n");
    fclose(f);
}

/* A gateway with its own database and a targets file (secret, lease). */
static bool gw_start_kind(struct gw *g, const char *name, const char *kind, const char *secret,
                          long lease_ms)
{
    memset(g, 0, sizeof *g);
    snprintf(g->targets, sizeof g->targets, "%s/%s-targets.json", tmp, name);
    write_targets(g->targets, kind, secret, lease_ms);
    char extra[1024];
    snprintf(extra, sizeof extra, "{\"max_package_bytes\": 4000000, \"lms_targets_file\": \"%s\"}",
             g->targets);
    char *dsn = NULL;
#if GW_TEST_PG
    dsn = gwt_pg_fresh_dsn();
    if (!dsn)
        return false;
    snprintf(g->dsn, sizeof g->dsn, "%s", dsn);
#endif
    bool ok = gwt_server_start(&g->s, dsn, extra);
    free(dsn);
    if (!ok)
        return false;
    snprintf(g->admin, sizeof g->admin, "Authorization: Bearer %s", g->s.admin_token);
    json_t *j = NULL;
    ok = gwt_post_json(&g->s, "/api/v1/departments", g->admin, "{\"id\":\"ops\",\"name\":\"Ops\"}",
                       &j) == 201;
    json_decref(j);
    const char *people[] = {"ann", "author"};
    for (int i = 0; ok && i < 2; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"id\":\"%s\",\"name\":\"%s\",\"email\":\"%s@example.com\","
                 "\"department_id\":\"ops\"}",
                 people[i], people[i], people[i]);
        ok = gwt_post_json(&g->s, "/api/v1/people", g->admin, body, &j) == 201;
        json_decref(j);
    }
    /* an approver key belongs to a person who exists */
    /* approver keys belong to a person: the test's approver is ann */
    return ok &&
           gwt_make_key(&g->s, "author", "author", NULL, g->author, sizeof g->author, NULL, 0) &&
           gwt_make_key(&g->s, "approver", "approver", "ann", g->approver, sizeof g->approver, NULL,
                        0);
}

static bool gw_start(struct gw *g, const char *name, const char *secret, long lease_ms)
{
    return gw_start_kind(g, name, "scormcloud", secret, lease_ms);
}

static void gw_stop(struct gw *g)
{
    if (g->s.pid > 0)
        CHECK_INT(gwt_server_stop(&g->s, SIGTERM), 0); /* clean exit (ASan: no leak) */
    gwt_server_free(&g->s);
}

/* The sample package with one extra file, so each course has its own zip. */
static char *package_variant(const char *tag, size_t *len)
{
    char src[1024], dst[1024];
    snprintf(src, sizeof src, "%s/packages/scorm12-sample.zip", getenv("GW_BUILD_DIR"));
    snprintf(dst, sizeof dst, "%s/pkg-%s.zip", tmp, tag);
    size_t n = 0;
    char *data = gwt_slurp(src, &n);
    if (!data)
        return NULL;
    FILE *f = fopen(dst, "wb");
    fwrite(data, 1, n, f);
    fclose(f);
    free(data);
    int zerr = 0;
    zip_t *z = zip_open(dst, 0, &zerr);
    if (!z)
        return NULL;
    char *note = strdup(tag);
    zip_source_t *s = zip_source_buffer(z, note, strlen(note), 0);
    zip_file_add(z, "notes.txt", s, ZIP_FL_OVERWRITE);
    zip_close(z);
    char *out = gwt_slurp(dst, len);
    free(note);
    return out;
}

/* A course through one round to approved; its id into course_id. */
static bool approve_version(struct gw *g, const char *tag, const char *course_id);

static bool approve_course(struct gw *g, const char *tag, char course_id[64])
{
    json_t *j = NULL;
    char body[1024];
    course_id[0] = '\0';
    snprintf(body, sizeof body,
             "{\"department_id\":\"ops\",\"title\":\"Course %s\",\"business_case\":{\"problem\":"
             "\"p\",\"audience\":\"a\",\"reach\":\"r\",\"mandatory\":false,"
             "\"communication_plan\":\"c\",\"kpi\":\"k\",\"kpi_target\":\"t\",\"deadline\":"
             "\"2027-03-01\",\"effort_low_hours\":1,\"effort_high_hours\":2,\"project_code\":"
             "\"P-1\"},\"approvers\":[{\"person_id\":\"ann\"}]}",
             tag);
    if (gwt_post_json(&g->s, "/api/v1/requests", g->admin, body, &j) != 201)
        goto fail;
    snprintf(body, sizeof body, "{\"request_id\":\"%s\",\"author_person_id\":\"author\"}",
             gwt_sv(j, "id"));
    json_decref(j);
    if (gwt_post_json(&g->s, "/api/v1/courses", g->author, body, &j) != 201)
        goto fail;
    snprintf(course_id, 64, "%s", gwt_sv(j, "id"));
    json_decref(j);
    return approve_version(g, tag, course_id);
fail:
    fprintf(stderr, "  approve_course %s failed: %s\n", tag, j ? gwt_sv(j, "detail") : "no body");
    json_decref(j);
    return false;
}

/* Uploads a package variant as the course's next version, submits it and has
 * ann approve it; true when the publish job was queued. */
static bool approve_version(struct gw *g, const char *tag, const char *course_id)
{
    json_t *j = NULL;
    char body[1024], path[256];
    size_t len = 0;
    char *zip = package_variant(tag, &len);
    long st = zip ? gwt_api(&g->s, "POST", "/api/v1/packages", g->author, "application/zip", zip,
                            len, &j, NULL)
                  : -1;
    free(zip);
    if (st != 201)
        goto fail;
    snprintf(body, sizeof body, "{\"package_id\":\"%s\"}", gwt_sv(j, "id"));
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/courses/%s/versions", course_id);
    if (gwt_post_json(&g->s, path, g->author, body, &j) != 201)
        goto fail;
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/courses/%s/submit", course_id);
    if (gwt_api(&g->s, "POST", path, g->author, NULL, NULL, 0, &j, NULL) != 201)
        goto fail;
    snprintf(path, sizeof path, "/api/v1/rounds/%s/decisions", gwt_sv(j, "id"));
    json_decref(j);
    if (gwt_post_json(&g->s, path, g->approver,
                      "{\"decision\":\"approve\",\"approver_id\":\"ann\"}", &j) != 201)
        goto fail;
    bool ok = json_is_true(json_object_get(j, "publish_job_queued"));
    json_decref(j);
    return ok;
fail:
    fprintf(stderr, "  approve_version %s failed: %s\n", tag, j ? gwt_sv(j, "detail") : "no body");
    json_decref(j);
    return false;
}

/* GET /api/v1/courses/{id}/publish until its state is one of the wanted
 * (comma separated); returns the last answer (new reference) or NULL. */
static json_t *wait_state(struct gw *g, const char *course_id, const char *wanted)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/courses/%s/publish", course_id);
    json_t *j = NULL;
    for (int i = 0; i < 1200; i++) {
        json_decref(j);
        j = NULL;
        if (gwt_api(&g->s, "GET", path, g->author, NULL, NULL, 0, &j, NULL) == 200 &&
            strstr(wanted, gwt_sv(j, "state")) && gwt_sv(j, "state")[0])
            return j;
        pause_ms(50);
    }
    fprintf(stderr, "  course %s never reached %s (last: %s)\n", course_id, wanted,
            j ? gwt_sv(j, "state") : "?");
    return j;
}

static json_t *sim_course(const json_t *state, const char *course_id)
{
    char id[300];
    snprintf(id, sizeof id, "lmsgw-%s", course_id);
    return json_object_get(json_object_get(json_object_get(state, "scormcloud"), "courses"), id);
}

static size_t sim_course_count(const json_t *state)
{
    return json_object_size(json_object_get(json_object_get(state, "scormcloud"), "courses"));
}

#define UPLOAD "POST /api/v2/courses/importJobs/upload"

static bool file_has(const char *path, const char *needle)
{
    size_t n = 0;
    char *s = gwt_slurp(path, &n);
    bool has = s && strstr(s, needle) != NULL;
    free(s);
    return has;
}

static struct gw main_gw;
static char published_course[64];

static void test_publish_on_approval(void)
{
    REQUIRE(sim_reset(&sim));
    REQUIRE(approve_course(&main_gw, "plain", published_course));
    json_t *p = wait_state(&main_gw, published_course, "published,publish_failed");
    REQUIRE(p != NULL);
    CHECK_STR(gwt_sv(p, "state"), "published");
    json_t *lms = json_array_get(json_object_get(p, "lms"), 0);
    CHECK_INT(json_array_size(json_object_get(p, "lms")), 1);
    char want[128];
    snprintf(want, sizeof want, "lmsgw-%s", published_course);
    CHECK_STR(gwt_sv(lms, "lms_course_id"), want);
    CHECK_STR(gwt_sv(lms, "target"), "sim");
    CHECK(strstr(gwt_sv(lms, "course_url"), want) != NULL);
    CHECK(json_is_null(json_object_get(lms, "retired_at")));
    /* times are ISO 8601 UTC strings (issue 15) */
    const char *pub_at = json_string_value(json_object_get(lms, "published_at"));
    CHECK(pub_at && strlen(pub_at) == 24 && pub_at[10] == 'T' && pub_at[23] == 'Z');
    CHECK(json_object_get(lms, "published_ms") == NULL);
    json_t *job = json_array_get(json_object_get(p, "jobs"), 0);
    const char *created = json_string_value(json_object_get(job, "created_at"));
    CHECK(created && created[23] == 'Z');
    CHECK(json_is_string(json_object_get(job, "finished_at")));
    CHECK_STR(gwt_sv(job, "state"), "done");
    CHECK_STR(gwt_sv(job, "action"), "publish");
    json_decref(p);
    json_t *st = sim_state(&sim);
    REQUIRE(st != NULL);
    CHECK_INT(sim_course_count(st), 1);
    json_t *versions = json_object_get(sim_course(st, published_course), "versions");
    CHECK_INT(json_array_size(versions), 1);
    CHECK_INT(sim_calls(st, UPLOAD), 1);
    const char *xapi = gwt_sv(json_array_get(versions, 0), "xapiActivityId");
    CHECK(xapi[0] != '\0');
    /* the LMS's activity id is one of the course's IRIs, source lms */
    char path[256];
    snprintf(path, sizeof path, "/api/v1/courses/%s", published_course);
    json_t *c = NULL;
    CHECK_INT(gwt_api(&main_gw.s, "GET", path, main_gw.author, NULL, NULL, 0, &c, NULL), 200);
    CHECK_STR(gwt_sv(c, "state"), "published");
    bool found = false;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(c, "iris"), i, v) found =
        found || (strcmp(gwt_sv(v, "iri"), xapi) == 0 && strcmp(gwt_sv(v, "source"), "lms") == 0);
    CHECK(found);
    json_decref(c);
    json_decref(st);
    /* the department's pipeline KPIs see the request, the build and the publish */
    json_t *k = NULL;
    CHECK_INT(gwt_api(&main_gw.s, "GET", "/api/v1/kpis?group_by=department&department=ops",
                      main_gw.admin, NULL, NULL, 0, &k, NULL),
              200);
    json_t *rec = json_array_get(json_object_get(k, "records"), 0);
    CHECK(json_integer_value(json_object_get(rec, "courses_requested")) >= 1);
    CHECK(json_integer_value(json_object_get(rec, "courses_built")) >= 1);
    CHECK(json_integer_value(json_object_get(rec, "courses_published")) >= 1);
    CHECK(json_is_number(json_object_get(rec, "deployment_rate")));
    CHECK(json_is_number(json_object_get(rec, "median_approval_days")));
    CHECK(json_number_value(json_object_get(rec, "median_approval_days")) >= 0);
    CHECK(json_is_number(json_object_get(rec, "median_days_to_publish")));
    CHECK_INT(json_integer_value(json_object_get(rec, "stalled_reviews")), 0);
    json_decref(k);
}

/* A newer approved version of a live course updates the LMS course through
 * its versioning: still one course on the LMS, now with two versions. */
static void test_new_version_updates_the_lms(void)
{
    REQUIRE(published_course[0]);
    REQUIRE(approve_version(&main_gw, "plain-v2", published_course));
    json_t *p = wait_state(&main_gw, published_course, "published,publish_failed");
    REQUIRE(p != NULL);
    CHECK_STR(gwt_sv(p, "state"), "published");
    json_t *lms = json_array_get(json_object_get(p, "lms"), 0);
    CHECK_INT(json_array_size(json_object_get(p, "lms")), 1);
    CHECK_INT(json_array_size(json_object_get(p, "jobs")), 2);
    json_decref(p);
    (void)lms;
    json_t *st = sim_state(&sim);
    REQUIRE(st != NULL);
    CHECK_INT(sim_course_count(st), 1);
    CHECK_INT(json_array_size(json_object_get(sim_course(st, published_course), "versions")), 2);
    json_decref(st);
}

static void test_retry_after_then_success(void)
{
    REQUIRE(sim_reset(&sim));
    REQUIRE(sim_fault(&sim, "{\"match\":\"/api/v2/courses/importJobs/upload\",\"method\":"
                            "\"POST\",\"mode\":\"status\",\"status\":503,\"retry_after\":\"0\","
                            "\"count\":2}"));
    char id[64];
    REQUIRE(approve_course(&main_gw, "busy", id));
    json_t *p = wait_state(&main_gw, id, "published,publish_failed");
    REQUIRE(p != NULL);
    CHECK_STR(gwt_sv(p, "state"), "published");
    json_t *job = json_array_get(json_object_get(p, "jobs"), 0);
    CHECK_INT(json_integer_value(json_object_get(job, "attempts")), 2);
    CHECK_STR(gwt_sv(job, "state"), "done");
    json_decref(p);
    json_t *st = sim_state(&sim);
    CHECK_INT(sim_course_count(st), 1);
    CHECK_INT(json_array_size(json_object_get(sim_course(st, id), "versions")), 1);
    CHECK_INT(sim_calls(st, UPLOAD), 3);
    json_decref(st);
}

static void test_accepted_then_dropped(void)
{
    REQUIRE(sim_reset(&sim));
    REQUIRE(sim_fault(&sim, "{\"match\":\"/api/v2/courses/importJobs/upload\",\"method\":"
                            "\"POST\",\"mode\":\"accept_then_drop\",\"count\":1}"));
    char id[64];
    REQUIRE(approve_course(&main_gw, "dropped", id));
    json_t *p = wait_state(&main_gw, id, "published,publish_failed");
    REQUIRE(p != NULL);
    CHECK_STR(gwt_sv(p, "state"), "published");
    CHECK_INT(json_integer_value(
                  json_object_get(json_array_get(json_object_get(p, "jobs"), 0), "attempts")),
              1);
    json_decref(p);
    json_t *st = sim_state(&sim);
    CHECK_INT(sim_course_count(st), 1);
    CHECK_INT(json_array_size(json_object_get(sim_course(st, id), "versions")), 1);
    CHECK_INT(sim_calls(st, UPLOAD), 1); /* the retry found the upload that landed */
    json_decref(st);
}

static void test_retire(void)
{
    REQUIRE(published_course[0]);
    /* the sim was reset since it was published: retire is idempotent on the
     * LMS (a course already gone is success) */
    char path[256];
    snprintf(path, sizeof path, "/api/v1/courses/%s/retire", published_course);
    json_t *j = NULL;
    CHECK_INT(gwt_api(&main_gw.s, "POST", path, main_gw.author, NULL, NULL, 0, &j, NULL), 403);
    json_decref(j);
    CHECK_INT(gwt_api(&main_gw.s, "POST", path, main_gw.admin, NULL, NULL, 0, &j, NULL), 202);
    CHECK(json_is_true(json_object_get(j, "retire_queued")));
    json_decref(j);
    json_t *p = wait_state(&main_gw, published_course, "retired");
    REQUIRE(p != NULL);
    CHECK_STR(gwt_sv(p, "state"), "retired");
    json_t *lms = json_array_get(json_object_get(p, "lms"), 0);
    CHECK(json_is_string(json_object_get(lms, "retired_at")));
    json_decref(p);
    /* retiring again names the state */
    CHECK_INT(gwt_api(&main_gw.s, "POST", path, main_gw.admin, NULL, NULL, 0, &j, NULL), 409);
    CHECK(strstr(gwt_sv(j, "detail"), "retired") != NULL);
    json_decref(j);
}

static void test_retire_removes_from_lms(void)
{
    REQUIRE(sim_reset(&sim));
    char id[64];
    REQUIRE(approve_course(&main_gw, "retireme", id));
    json_t *p = wait_state(&main_gw, id, "published,publish_failed");
    CHECK_STR(gwt_sv(p, "state"), "published");
    json_decref(p);
    json_t *st = sim_state(&sim);
    CHECK(sim_course(st, id) != NULL);
    json_decref(st);
    char path[256];
    snprintf(path, sizeof path, "/api/v1/courses/%s/retire", id);
    json_t *j = NULL;
    CHECK_INT(gwt_api(&main_gw.s, "POST", path, main_gw.admin, NULL, NULL, 0, &j, NULL), 202);
    json_decref(j);
    p = wait_state(&main_gw, id, "retired");
    CHECK_STR(gwt_sv(p, "state"), "retired");
    json_decref(p);
    st = sim_state(&sim);
    CHECK(sim_course(st, id) == NULL);
    CHECK_INT(sim_course_count(st), 0);
    json_decref(st);
}

static void test_bad_credentials_then_admin_retry(void)
{
    REQUIRE(sim_reset(&sim));
    struct gw g;
    REQUIRE(gw_start(&g, "badsecret", BAD_SECRET, 1200000));
    char id[64];
    REQUIRE(approve_course(&g, "auth", id));
    json_t *p = wait_state(&g, id, "publish_failed,published");
    REQUIRE(p != NULL);
    CHECK_STR(gwt_sv(p, "state"), "publish_failed");
    const char *msg = gwt_sv(p, "last_error");
    CHECK(strstr(msg, "LMS_AUTH_FAILED") != NULL);
    CHECK(strstr(msg, BAD_SECRET) == NULL);
    char *text = json_dumps(p, 0);
    CHECK(text && strstr(text, BAD_SECRET) == NULL);
    free(text);
    json_t *job = json_array_get(json_object_get(p, "jobs"), 0);
    CHECK_STR(gwt_sv(job, "state"), "failed");
    CHECK_INT(json_integer_value(json_object_get(job, "attempts")), 1); /* auth: no retries */
    json_decref(p);
    /* the pipeline (the web app's board) carries the LMS's message too */
    json_t *pl = NULL;
    CHECK_INT(gwt_api(&g.s, "GET", "/api/v1/pipeline", g.author, NULL, NULL, 0, &pl, NULL), 200);
    size_t i;
    json_t *it, *mine = NULL;
    json_array_foreach(json_object_get(pl, "courses"), i, it)
    {
        if (strcmp(gwt_sv(it, "id"), id) == 0)
            mine = it;
    }
    REQUIRE(mine != NULL);
    CHECK_STR(gwt_sv(mine, "state"), "publish_failed");
    CHECK_STR(gwt_sv(mine, "holder"), "lms_admin");
    CHECK(strstr(gwt_sv(mine, "publish_error"), "LMS_AUTH_FAILED") != NULL);
    CHECK(strstr(gwt_sv(mine, "publish_error"), BAD_SECRET) == NULL);
    CHECK_INT(json_integer_value(json_object_get(mine, "publish_attempts")), 1);
    json_decref(pl);
    /* the course shows the state; an author may not retry */
    char path[256];
    snprintf(path, sizeof path, "/api/v1/courses/%s/publish/retry", id);
    json_t *j = NULL;
    CHECK_INT(gwt_api(&g.s, "POST", path, g.author, NULL, NULL, 0, &j, NULL), 403);
    json_decref(j);
    /* fix the file, restart, retry */
    CHECK_INT(gwt_server_stop(&g.s, SIGTERM), 0);
    write_targets(g.targets, "scormcloud", GOOD_SECRET, 1200000);
    REQUIRE(gwt_server_restart(&g.s));
    CHECK_INT(gwt_api(&g.s, "POST", path, g.admin, NULL, NULL, 0, &j, NULL), 202);
    CHECK_STR(gwt_sv(j, "state"), "publishing");
    json_decref(j);
    p = wait_state(&g, id, "published,publish_failed");
    CHECK_STR(gwt_sv(p, "state"), "published");
    json_decref(p);
    /* a retry of a published course names its state */
    CHECK_INT(gwt_api(&g.s, "POST", path, g.admin, NULL, NULL, 0, &j, NULL), 409);
    CHECK_INT(json_integer_value(json_object_get(j, "code")), 4000);
    text = json_dumps(j, 0);
    CHECK(text && strstr(text, BAD_SECRET) == NULL && strstr(text, GOOD_SECRET) == NULL);
    free(text);
    json_decref(j);
    json_t *st = sim_state(&sim);
    CHECK_INT(sim_course_count(st), 1);
    CHECK_INT(sim_calls(st, UPLOAD), 1);
    json_decref(st);
    CHECK(file_has(g.s.stderr_path, "LMS_AUTH_FAILED"));
    CHECK(!file_has(g.s.stderr_path, BAD_SECRET));
    CHECK(!file_has(g.s.stderr_path, GOOD_SECRET));
    gw_stop(&g);
}

static void test_sigkill_during_upload(void)
{
    REQUIRE(sim_reset(&sim));
    struct gw g;
    REQUIRE(gw_start(&g, "killed", GOOD_SECRET, 3000));
    REQUIRE(sim_fault(&sim, "{\"match\":\"/api/v2/courses/importJobs/upload\",\"method\":"
                            "\"POST\",\"mode\":\"slow\",\"delay_ms\":1000,\"count\":1}"));
    char id[64];
    REQUIRE(approve_course(&g, "killed", id));
    /* wait until the upload is in flight, then kill the gateway */
    bool inflight = false;
    for (int i = 0; i < 1200 && !inflight; i++) {
        json_t *st = sim_state(&sim);
        inflight = sim_calls(st, UPLOAD) >= 1;
        json_decref(st);
        if (!inflight)
            pause_ms(10);
    }
    REQUIRE(inflight);
    CHECK_INT(gwt_server_stop(&g.s, SIGKILL), 128 + SIGKILL);
    REQUIRE(gwt_server_restart(&g.s));
    json_t *p = wait_state(&g, id, "published,publish_failed");
    REQUIRE(p != NULL);
    CHECK_STR(gwt_sv(p, "state"), "published");
    CHECK_INT(json_array_size(json_object_get(p, "lms")), 1);
    json_decref(p);
    json_t *st = sim_state(&sim);
    CHECK_INT(sim_course_count(st), 1);
    CHECK_INT(json_array_size(json_object_get(sim_course(st, id), "versions")), 1);
    CHECK_INT(sim_calls(st, UPLOAD), 1);
    json_decref(st);
    CHECK(!file_has(g.s.stderr_path, GOOD_SECRET));
    gw_stop(&g);
}

static json_t *moodle_course(const json_t *state, const char *course_id)
{
    char idnumber[128];
    snprintf(idnumber, sizeof idnumber, "lmsgw:%s", course_id);
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(state, "moodle"), "courses"), i, c)
    {
        if (strcmp(gwt_sv(c, "idnumber"), idnumber) == 0)
            return c;
    }
    return NULL;
}

/* The Moodle connector: the course creation's answer is lost once; still one
 * course, published, its activity IRI registered; retire hides it. */
static void test_moodle_publish_and_retire(void)
{
    REQUIRE(sim_reset(&sim));
    struct gw g;
    REQUIRE(gw_start_kind(&g, "moodle", "moodle", MOODLE_TOKEN, 1200000));
    REQUIRE(sim_fault(&sim, "{\"match\":\"/webservice/rest/server.php\",\"wsfunction\":"
                            "\"core_course_create_courses\",\"mode\":\"accept_then_drop\","
                            "\"count\":1}"));
    char id[64];
    REQUIRE(approve_course(&g, "moodle", id));
    json_t *p = wait_state(&g, id, "published,publish_failed");
    REQUIRE(p != NULL);
    CHECK_STR(gwt_sv(p, "state"), "published");
    json_t *lms = json_array_get(json_object_get(p, "lms"), 0);
    char lms_id[64];
    snprintf(lms_id, sizeof lms_id, "%s", gwt_sv(lms, "lms_course_id"));
    CHECK(strstr(gwt_sv(lms, "course_url"), "/course/view.php?id=") != NULL);
    /* the lost answer cost one attempt; the retry found the course by its idnumber */
    CHECK_INT(json_integer_value(
                  json_object_get(json_array_get(json_object_get(p, "jobs"), 0), "attempts")),
              1);
    json_decref(p);
    json_t *st = sim_state(&sim);
    CHECK_INT(json_array_size(json_object_get(json_object_get(st, "moodle"), "courses")), 1);
    json_t *mc = moodle_course(st, id);
    REQUIRE(mc != NULL);
    char want_id[64];
    snprintf(want_id, sizeof want_id, "%lld",
             (long long)json_integer_value(json_object_get(mc, "id")));
    CHECK_STR(lms_id, want_id);
    CHECK_INT(json_integer_value(json_object_get(mc, "visible")), 1);
    json_decref(st);
    /* the activity's IRI is the course's */
    char path[256];
    snprintf(path, sizeof path, "/api/v1/courses/%s", id);
    json_t *c = NULL;
    CHECK_INT(gwt_api(&g.s, "GET", path, g.author, NULL, NULL, 0, &c, NULL), 200);
    bool found = false;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(c, "iris"), i, v) found =
        found || (strstr(gwt_sv(v, "iri"), "/mod/scorm/view.php?id=") &&
                  strcmp(gwt_sv(v, "source"), "lms") == 0);
    CHECK(found);
    json_decref(c);
    snprintf(path, sizeof path, "/api/v1/courses/%s/retire", id);
    json_t *j = NULL;
    CHECK_INT(gwt_api(&g.s, "POST", path, g.admin, NULL, NULL, 0, &j, NULL), 202);
    json_decref(j);
    p = wait_state(&g, id, "retired");
    CHECK_STR(gwt_sv(p, "state"), "retired");
    json_decref(p);
    st = sim_state(&sim);
    mc = moodle_course(st, id);
    CHECK(mc && json_integer_value(json_object_get(mc, "visible")) == 0);
    json_decref(st);
    CHECK(!file_has(g.s.stderr_path, MOODLE_TOKEN));
    gw_stop(&g);
}

/* The SHA-256 of the package variant approve_version uploaded for tag. */
static void variant_sha256(const char *tag, char out[GW_SHA256_HEX])
{
    char path[1024];
    size_t n = 0;
    snprintf(path, sizeof path, "%s/pkg-%s.zip", tmp, tag);
    char *data = gwt_slurp(path, &n);
    gw_sha256_hex(data ? data : "", n, out);
    free(data);
}

static json_t *last_job(json_t *publish)
{
    json_t *jobs = json_object_get(publish, "jobs");
    return json_array_get(jobs, json_array_size(jobs) - 1);
}

/* Two versions of one course approved in turn: one Moodle course, the same
 * activity (cmid) with v2's package, its completion settings from the create
 * kept by the update. */
static void test_moodle_second_version(struct gw *g)
{
    REQUIRE(sim_reset(&sim));
    char id[64], sha[GW_SHA256_HEX];
    REQUIRE(approve_course(g, "md-v1", id));
    json_t *p = wait_state(g, id, "published,publish_failed");
    REQUIRE(p != NULL);
    CHECK_STR(gwt_sv(p, "state"), "published");
    json_decref(p);
    json_t *st = sim_state(&sim);
    json_t *mc = moodle_course(st, id);
    REQUIRE(mc != NULL);
    json_int_t course1 = json_integer_value(json_object_get(mc, "id"));
    json_int_t cmid1 = json_integer_value(json_object_get(json_object_get(mc, "scorm"), "cmid"));
    variant_sha256("md-v1", sha);
    CHECK_STR(gwt_sv(json_object_get(mc, "scorm"), "sha256"), sha);
    json_decref(st);

    REQUIRE(approve_version(g, "md-v2", id));
    p = wait_state(g, id, "published,publish_failed");
    REQUIRE(p != NULL);
    CHECK_STR(gwt_sv(p, "state"), "published");
    CHECK_INT(json_array_size(json_object_get(p, "lms")), 1);
    CHECK_INT(json_array_size(json_object_get(p, "jobs")), 2);
    CHECK_STR(gwt_sv(last_job(p), "state"), "done");
    json_decref(p);
    st = sim_state(&sim);
    CHECK_INT(json_array_size(json_object_get(json_object_get(st, "moodle"), "courses")), 1);
    mc = moodle_course(st, id);
    REQUIRE(mc != NULL);
    json_t *scorm = json_object_get(mc, "scorm");
    CHECK_INT(json_integer_value(json_object_get(mc, "id")), course1);
    CHECK_INT(json_integer_value(json_object_get(scorm, "cmid")), cmid1);
    CHECK_INT(json_integer_value(json_object_get(scorm, "revision")), 2);
    variant_sha256("md-v2", sha);
    CHECK_STR(gwt_sv(scorm, "sha256"), sha);
    CHECK_INT(json_integer_value(json_object_get(mc, "enablecompletion")), 1);
    CHECK_INT(json_integer_value(json_object_get(scorm, "completion")), 2);
    CHECK_INT(json_integer_value(json_object_get(scorm, "completionstatusrequired")), 6);
    json_t *calls = json_object_get(json_object_get(st, "moodle"), "plugin_calls");
    CHECK_INT(json_array_size(calls), 2);
    CHECK_STR(gwt_sv(json_array_get(calls, 0), "completiontracking"), "automatic");
    CHECK_STR(gwt_sv(json_array_get(calls, 0), "completionstatusrequired"), "6");
    CHECK(json_is_false(json_object_get(json_array_get(calls, 1), "created")));
    json_decref(st);
}

/* The plugin 0.1.0's update path (a PHP Error, no errorcode): the job fails at
 * the first attempt with Moodle's message in last_error and the log; with the
 * plugin fixed, an admin retry publishes v2. */
static void test_moodle_update_error_fails_fast(struct gw *g)
{
    REQUIRE(sim_reset(&sim));
    char id[64];
    REQUIRE(approve_course(g, "md-bug", id));
    json_t *p = wait_state(g, id, "published,publish_failed");
    CHECK_STR(gwt_sv(p, "state"), "published");
    json_decref(p);
    REQUIRE(sim_config(&sim, "{\"moodle_update_bug\":true}"));
    REQUIRE(approve_version(g, "md-bug-v2", id));
    p = wait_state(g, id, "publish_failed,published");
    REQUIRE(p != NULL);
    CHECK_STR(gwt_sv(p, "state"), "publish_failed");
    const char *msg = gwt_sv(p, "last_error");
    CHECK(strstr(msg, "LMS_REJECTED") != NULL);
    CHECK(strstr(msg, "Class \"grade_item\" not found") != NULL);
    CHECK(strstr(msg, MOODLE_TOKEN) == NULL);
    json_t *job = last_job(p);
    CHECK_STR(gwt_sv(job, "state"), "failed");
    CHECK(json_integer_value(json_object_get(job, "attempts")) <= 2);
    CHECK_INT(json_integer_value(json_object_get(job, "attempts")), 1);
    json_decref(p);
    CHECK(file_has(g->s.stderr_path, "Class \\\"grade_item\\\" not found"));

    REQUIRE(sim_config(&sim, "{\"moodle_update_bug\":false}"));
    char path[256];
    snprintf(path, sizeof path, "/api/v1/courses/%s/publish/retry", id);
    json_t *j = NULL;
    CHECK_INT(gwt_api(&g->s, "POST", path, g->admin, NULL, NULL, 0, &j, NULL), 202);
    json_decref(j);
    p = wait_state(g, id, "published,publish_failed");
    CHECK_STR(gwt_sv(p, "state"), "published");
    json_decref(p);
    json_t *st = sim_state(&sim);
    CHECK_INT(json_array_size(json_object_get(json_object_get(st, "moodle"), "courses")), 1);
    CHECK_INT(json_integer_value(
                  json_object_get(json_object_get(moodle_course(st, id), "scorm"), "revision")),
              2);
    json_decref(st);
}

/* A deadlock answered twice by the plugin call: retried, then published. */
static void test_moodle_transient_exception_retried(struct gw *g)
{
    REQUIRE(sim_reset(&sim));
    REQUIRE(sim_fault(&sim,
                      "{\"match\":\"/webservice/rest/server.php\",\"wsfunction\":"
                      "\"local_lmsgw_create_or_update_scorm\",\"mode\":\"answer\",\"count\":2,"
                      "\"body\":{\"exception\":\"dml_write_exception\",\"errorcode\":"
                      "\"dmlwriteexception\",\"message\":\"Error writing to database\","
                      "\"debuginfo\":\"ERROR: deadlock detected\"}}"));
    char id[64];
    REQUIRE(approve_course(g, "md-deadlock", id));
    json_t *p = wait_state(g, id, "published,publish_failed");
    REQUIRE(p != NULL);
    CHECK_STR(gwt_sv(p, "state"), "published");
    /* two failed attempts (the successful one is not counted), three calls */
    CHECK_INT(json_integer_value(json_object_get(last_job(p), "attempts")), 2);
    json_decref(p);
    json_t *st = sim_state(&sim);
    CHECK_INT(sim_calls(st, "POST /webservice/rest/server.php "
                            "wsfunction=local_lmsgw_create_or_update_scorm"),
              3);
    CHECK_INT(json_array_size(json_object_get(json_object_get(st, "moodle"), "courses")), 1);
    CHECK_INT(json_integer_value(
                  json_object_get(json_object_get(moodle_course(st, id), "scorm"), "revision")),
              1);
    json_decref(st);
    CHECK(file_has(g->s.stderr_path, "deadlock detected"));
}

/* A write failure whose cause Moodle hides (debugging off), every time: one
 * more attempt, then publish_failed with Moodle's message, not the whole
 * attempt budget. */
static void test_moodle_ambiguous_write_failure(struct gw *g)
{
    REQUIRE(sim_reset(&sim));
    REQUIRE(sim_fault(&sim,
                      "{\"match\":\"/webservice/rest/server.php\",\"wsfunction\":"
                      "\"local_lmsgw_create_or_update_scorm\",\"mode\":\"answer\",\"count\":-1,"
                      "\"body\":{\"exception\":\"dml_write_exception\",\"errorcode\":"
                      "\"dmlwriteexception\",\"message\":\"Error writing to database\"}}"));
    char id[64];
    REQUIRE(approve_course(g, "md-writefail", id));
    json_t *p = wait_state(g, id, "published,publish_failed");
    REQUIRE(p != NULL);
    CHECK_STR(gwt_sv(p, "state"), "publish_failed");
    CHECK_INT(json_integer_value(json_object_get(last_job(p), "attempts")), 2);
    CHECK(strstr(gwt_sv(p, "last_error"), "Error writing to database") != NULL);
    json_decref(p);
    json_t *st = sim_state(&sim);
    CHECK_INT(sim_calls(st, "POST /webservice/rest/server.php "
                            "wsfunction=local_lmsgw_create_or_update_scorm"),
              2);
    json_decref(st);
}

static void test_moodle_versions_and_exceptions(void)
{
    struct gw g;
    REQUIRE(gw_start_kind(&g, "moodle-versions", "moodle", MOODLE_TOKEN, 1200000));
    test_moodle_second_version(&g);
    test_moodle_update_error_fails_fast(&g);
    test_moodle_transient_exception_retried(&g);
    test_moodle_ambiguous_write_failure(&g);
    CHECK(!file_has(g.s.stderr_path, MOODLE_TOKEN));
    gw_stop(&g);
}

/* Two gateways on one database and data directory (as two instances behind a
 * load balancer): every approved course is published once. */
static void test_two_instances(void)
{
    REQUIRE(sim_reset(&sim));
    struct gw g2;
    memset(&g2, 0, sizeof g2);
    char extra[2048];
    snprintf(extra, sizeof extra,
             "{\"max_package_bytes\": 4000000, \"lms_targets_file\": \"%s\", \"data_dir\": "
             "\"%s/data\"}",
             main_gw.targets, main_gw.s.dir);
    REQUIRE(gwt_server_start(&g2.s, main_gw.dsn[0] ? main_gw.dsn : NULL, extra));
    char ids[4][64];
    for (int i = 0; i < 4; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "twin%d", i);
        REQUIRE(approve_course(&main_gw, tag, ids[i]));
    }
    for (int i = 0; i < 4; i++) {
        json_t *p = wait_state(&main_gw, ids[i], "published,publish_failed");
        CHECK_STR(gwt_sv(p, "state"), "published");
        json_decref(p);
    }
    json_t *st = sim_state(&sim);
    CHECK_INT(sim_course_count(st), 4);
    CHECK_INT(sim_calls(st, UPLOAD), 4);
    for (int i = 0; i < 4; i++)
        CHECK_INT(json_array_size(json_object_get(sim_course(st, ids[i]), "versions")), 1);
    json_decref(st);
    CHECK(file_has(g2.s.stderr_path, "publish outbox started"));
    CHECK_INT(gwt_server_stop(&g2.s, SIGTERM), 0);
    gwt_server_free(&g2.s);
}

/* An LMS (or a proxy before it) that echoes our request in its error body:
 * the publish status and the log show neither the secret, nor its HTTP Basic
 * base64 form, nor a wstoken; the rest of the LMS's words stay. */
static void test_echoed_credentials_redacted(void)
{
    static const struct {
        const char *kind, *secret, *match, *name;
        int status;
    } cases[] = {
        {"scormcloud", GOOD_SECRET, "/api/v2/", "echo-scorm", 400},
        {"moodle", MOODLE_TOKEN, "/webservice/", "echo-moodle", 200}, /* a Moodle exception */
    };
    char *basic = gw_redact_basic_form("lmssim-app", GOOD_SECRET);
    REQUIRE(basic);
    for (size_t i = 0; i < 2; i++) {
        REQUIRE(sim_reset(&sim));
        struct gw g;
        REQUIRE(gw_start_kind(&g, cases[i].name, cases[i].kind, cases[i].secret, 1200000));
        char fault[256];
        snprintf(fault, sizeof fault,
                 "{\"match\":\"%s\",\"mode\":\"echo\",\"status\":%d,\"count\":-1}", cases[i].match,
                 cases[i].status);
        REQUIRE(sim_fault(&sim, fault));
        char id[64];
        REQUIRE(approve_course(&g, cases[i].name, id));
        json_t *p = wait_state(&g, id, "publish_failed,published");
        REQUIRE(p != NULL);
        CHECK_STR(gwt_sv(p, "state"), "publish_failed");
        char *text = json_dumps(p, 0);
        REQUIRE(text);
        CHECK(strstr(text, cases[i].secret) == NULL);
        CHECK(strstr(text, basic) == NULL);
        const char *msg = gwt_sv(p, "last_error");
        CHECK(strlen(msg) <= 1000);
        /* the echo reached the status, its credentials redacted */
        CHECK(strstr(msg, "Bad request, you sent") != NULL);
        if (strcmp(cases[i].kind, "scormcloud") == 0)
            CHECK(strstr(msg, "Authorization: REDACTED") != NULL);
        else
            CHECK(strstr(msg, "wstoken=REDACTED") != NULL);
        free(text);
        json_decref(p);
        CHECK(file_has(g.s.stderr_path, "publish failed"));
        CHECK(!file_has(g.s.stderr_path, cases[i].secret));
        CHECK(!file_has(g.s.stderr_path, basic));
        gw_stop(&g);
    }
    free(basic);
    REQUIRE(sim_reset(&sim));
}

static void test_no_secret_in_logs(void)
{
    CHECK(!file_has(main_gw.s.stderr_path, GOOD_SECRET));
    CHECK(file_has(main_gw.s.stderr_path, "publish outbox started"));
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    tmp = gwt_tmpdir("lmsgw-publish");
    if (!tmp || !sim_start(&sim) || !gw_start(&main_gw, "main", GOOD_SECRET, 1200000)) {
        fprintf(stderr, "setup failed\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    GW_RUN(test_publish_on_approval);
    GW_RUN(test_new_version_updates_the_lms);
    GW_RUN(test_retry_after_then_success);
    GW_RUN(test_accepted_then_dropped);
    GW_RUN(test_retire);
    GW_RUN(test_retire_removes_from_lms);
    GW_RUN(test_bad_credentials_then_admin_retry);
    GW_RUN(test_sigkill_during_upload);
    GW_RUN(test_moodle_publish_and_retire);
    GW_RUN(test_moodle_versions_and_exceptions);
    GW_RUN(test_two_instances);
    GW_RUN(test_echoed_credentials_redacted);
    GW_RUN(test_no_secret_in_logs);
    gw_stop(&main_gw);
    sim_stop(&sim);
    gwt_rmtree(tmp);
    free(tmp);
    curl_global_cleanup();
    return gw_test_summary();
}
