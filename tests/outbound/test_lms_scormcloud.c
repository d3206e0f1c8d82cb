/* The SCORM Cloud connector against the real lmssim binary: publish, publish
 * again (nothing new), a new version, retire (twice), and the faults that make
 * exactly-once hard: 503 with Retry-After, a dropped upload, an upload the LMS
 * accepted but whose answer was lost, a slow answer beyond the timeout, an
 * import still running after the poll budget, an import error, bad
 * credentials. /_sim/state is the witness: one course, the right versions. */
#include "gw/outbound.h"
#include "gwtest.h"
#include "support.h"
#include "testsupport.h"

static struct sim sim;
static char *dir, *zip1, *zip2, *notzip;
static int sleeps;

static void count_sleep(void *ctx, int64_t ms)
{
    (void)ctx;
    (void)ms;
    sleeps++;
}

static struct gw_lms_env env = {.sleep_ms = count_sleep};

static struct gw_lms_target *target(const char *secret, long timeout_ms, int poll_max)
{
    char cfg[1024];
    struct gw_lms_target *t = NULL;
    struct gw_error err = {0};
    snprintf(cfg, sizeof cfg,
             "{\"type\":\"scormcloud\",\"base_url\":\"%s/api/v2\",\"app_id\":\"lmssim-app\","
             "\"secret\":\"%s\",\"engine_tenant\":\"t1\",\"timeout_ms\":%ld,"
             "\"import_poll_max\":%d,\"import_poll_interval_ms\":5}",
             sim.base_url, secret, timeout_ms, poll_max);
    json_t *j = json_loads(cfg, 0, NULL);
    if (gw_lms_target_new(j, &t, &err) != GW_OK)
        fprintf(stderr, "target: %s %s\n", err.where, err.detail);
    json_decref(j);
    return t;
}

static json_t *course_in_sim(const char *id, size_t *ncourses)
{
    json_t *st = sim_state(&sim);
    json_t *courses = json_object_get(json_object_get(st, "scormcloud"), "courses");
    *ncourses = json_object_size(courses);
    json_t *c = json_incref(json_object_get(courses, id));
    json_decref(st);
    return c;
}

static long uploads(void)
{
    json_t *st = sim_state(&sim);
    long n = sim_calls(st, "POST /api/v2/courses/importJobs/upload");
    json_decref(st);
    return n;
}

static void test_publish_again_version_retire(void)
{
    struct gw_lms_target *t = target("lmssim-secret", 5000, 5);
    REQUIRE(t && sim_reset(&sim));
    struct gw_lms_course c = {"c1", "Safety", 1, zip1, "aa", NULL};
    struct gw_lms_result r;
    struct gw_error err = {0};
    CHECK_INT(gw_lms_publish(t, &c, &env, &r, &err), GW_OK);
    CHECK_STR(r.lms_course_id, "lmsgw-c1");
    CHECK_INT(r.lms_version, 0);
    CHECK_INT(r.out.cls, GW_OUT_OK);
    CHECK(!r.already_done);
    CHECK_INT(json_array_size(r.activity_ids), 1);
    CHECK(strncmp(json_string_value(json_array_get(r.activity_ids, 0)), "urn:uuid:", 9) == 0);
    CHECK(r.course_url && strstr(r.course_url, "/courses/lmsgw-c1"));
    char *resume = gw_xstrdup(r.resume);
    gw_lms_result_free(&r);

    /* The same job again (its resume says done): nothing new. */
    c.resume = resume;
    CHECK_INT(gw_lms_publish(t, &c, &env, &r, &err), GW_OK);
    CHECK(r.already_done);
    CHECK_INT(r.lms_version, 0);
    gw_lms_result_free(&r);
    size_t n = 0;
    json_t *sc = course_in_sim("lmsgw-c1", &n);
    CHECK_INT(n, 1);
    CHECK_INT(json_array_size(json_object_get(sc, "versions")), 1);
    json_decref(sc);
    CHECK_INT(uploads(), 1);

    /* Version 2: a new SCORM Cloud version of the same course. */
    struct gw_lms_course c2 = {"c1", "Safety", 2, zip2, "bb", NULL};
    CHECK_INT(gw_lms_publish(t, &c2, &env, &r, &err), GW_OK);
    CHECK_INT(r.lms_version, 1);
    gw_lms_result_free(&r);
    sc = course_in_sim("lmsgw-c1", &n);
    CHECK_INT(n, 1);
    CHECK_INT(json_array_size(json_object_get(sc, "versions")), 2);
    json_decref(sc);

    /* Retire, and retire again (already gone is success). */
    CHECK_INT(gw_lms_retire(t, "c1", &env, &r, &err), GW_OK);
    CHECK(!r.already_done);
    gw_lms_result_free(&r);
    CHECK_INT(gw_lms_retire(t, "c1", &env, &r, &err), GW_OK);
    CHECK(r.already_done);
    gw_lms_result_free(&r);
    sc = course_in_sim("lmsgw-c1", &n);
    CHECK(sc == NULL);
    CHECK_INT(n, 0);
    free(resume);
    gw_lms_target_free(t);
}

static void test_503_retry_after(void)
{
    struct gw_lms_target *t = target("lmssim-secret", 5000, 5);
    REQUIRE(t && sim_reset(&sim));
    REQUIRE(sim_fault(&sim, "{\"match\":\"/api/v2/courses/lmsgw-c2\",\"method\":\"GET\","
                            "\"mode\":\"status\",\"status\":503,\"retry_after\":\"7\"}"));
    struct gw_lms_course c = {"c2", "T", 1, zip1, "aa", NULL};
    struct gw_lms_result r;
    struct gw_error err = {0};
    CHECK_INT(gw_lms_publish(t, &c, &env, &r, &err), GW_E_LMS_BUSY);
    CHECK_INT(r.out.cls, GW_OUT_RETRY);
    CHECK_INT(r.out.retry_after_ms, 7000);
    CHECK_INT(r.out.http_status, 503);
    CHECK(strstr(err.detail, "503") != NULL);
    CHECK(strstr(err.detail, "lmssim-secret") == NULL);
    char *resume = r.resume ? gw_xstrdup(r.resume) : NULL;
    gw_lms_result_free(&r);
    c.resume = resume;
    CHECK_INT(gw_lms_publish(t, &c, &env, &r, &err), GW_OK);
    gw_lms_result_free(&r);
    CHECK_INT(uploads(), 1);
    free(resume);
    gw_lms_target_free(t);
}

/* The answer to an upload the LMS carried out is lost: the retry must adopt
 * the version that landed, for a first publish and for a new version. */
static void test_accept_then_drop(void)
{
    struct gw_lms_target *t = target("lmssim-secret", 5000, 5);
    REQUIRE(t && sim_reset(&sim));
    const char *fault = "{\"match\":\"/api/v2/courses/importJobs/upload\",\"method\":\"POST\","
                        "\"mode\":\"accept_then_drop\"}";
    REQUIRE(sim_fault(&sim, fault));
    struct gw_lms_course c = {"c3", "T", 1, zip1, "aa", NULL};
    struct gw_lms_result r;
    struct gw_error err = {0};
    enum gw_err rc = gw_lms_publish(t, &c, &env, &r, &err);
    CHECK(rc == GW_E_LMS_UNREACHABLE || rc == GW_E_LMS_BAD_RESPONSE);
    CHECK_INT(r.out.cls, GW_OUT_RETRY);
    REQUIRE(r.resume != NULL);
    char *resume = gw_xstrdup(r.resume);
    gw_lms_result_free(&r);
    c.resume = resume;
    CHECK_INT(gw_lms_publish(t, &c, &env, &r, &err), GW_OK);
    CHECK_INT(r.lms_version, 0);
    CHECK_STR(r.lms_course_id, "lmsgw-c3");
    CHECK_INT(json_array_size(r.activity_ids), 1);
    gw_lms_result_free(&r);
    free(resume);
    CHECK_INT(uploads(), 1);

    /* A new version whose upload answer is lost. */
    REQUIRE(sim_fault(&sim, fault));
    struct gw_lms_course c2 = {"c3", "T", 2, zip2, "bb", NULL};
    rc = gw_lms_publish(t, &c2, &env, &r, &err);
    CHECK(rc != GW_OK);
    CHECK_INT(r.out.cls, GW_OUT_RETRY);
    resume = gw_xstrdup(r.resume ? r.resume : "");
    gw_lms_result_free(&r);
    c2.resume = resume;
    CHECK_INT(gw_lms_publish(t, &c2, &env, &r, &err), GW_OK);
    CHECK_INT(r.lms_version, 1);
    gw_lms_result_free(&r);
    free(resume);
    CHECK_INT(uploads(), 2);
    size_t n = 0;
    json_t *sc = course_in_sim("lmsgw-c3", &n);
    CHECK_INT(n, 1);
    CHECK_INT(json_array_size(json_object_get(sc, "versions")), 2);
    json_decref(sc);
    gw_lms_target_free(t);
}

/* A dropped upload (nothing done): the retry uploads once more. */
static void test_drop(void)
{
    struct gw_lms_target *t = target("lmssim-secret", 5000, 5);
    REQUIRE(t && sim_reset(&sim));
    REQUIRE(sim_fault(&sim, "{\"match\":\"/api/v2/courses/importJobs/upload\",\"mode\":\"drop\"}"));
    struct gw_lms_course c = {"c4", "T", 1, zip1, "aa", NULL};
    struct gw_lms_result r;
    struct gw_error err = {0};
    CHECK_INT(gw_lms_publish(t, &c, &env, &r, &err), GW_E_LMS_UNREACHABLE);
    CHECK_INT(r.out.cls, GW_OUT_RETRY);
    CHECK_INT(r.out.retry_after_ms, -1);
    char *resume = gw_xstrdup(r.resume);
    gw_lms_result_free(&r);
    c.resume = resume;
    CHECK_INT(gw_lms_publish(t, &c, &env, &r, &err), GW_OK);
    gw_lms_result_free(&r);
    free(resume);
    size_t n = 0;
    json_t *sc = course_in_sim("lmsgw-c4", &n);
    CHECK_INT(json_array_size(json_object_get(sc, "versions")), 1);
    json_decref(sc);
    gw_lms_target_free(t);
}

static void test_timeout(void)
{
    struct gw_lms_target *t = target("lmssim-secret", 300, 5);
    REQUIRE(t && sim_reset(&sim));
    REQUIRE(sim_fault(&sim, "{\"match\":\"/api/v2/courses/lmsgw-c5\",\"mode\":\"slow\","
                            "\"delay_ms\":3000}"));
    struct gw_lms_course c = {"c5", "T", 1, zip1, "aa", NULL};
    struct gw_lms_result r;
    struct gw_error err = {0};
    CHECK_INT(gw_lms_publish(t, &c, &env, &r, &err), GW_E_LMS_TIMEOUT);
    CHECK_INT(r.out.cls, GW_OUT_RETRY);
    gw_lms_result_free(&r);
    gw_lms_target_free(t);
}

static void test_import_pending_then_complete(void)
{
    struct gw_lms_target *t = target("lmssim-secret", 5000, 2);
    REQUIRE(t && sim_reset(&sim));
    struct gw_http_response resp = {0};
    char url[256];
    const char *body = "{\"import_polls\":4}";
    snprintf(url, sizeof url, "%s/_sim/config", sim.base_url);
    struct gw_http_request rq = {
        .method = "POST", .url = url, .body = body, .body_len = strlen(body)};
    REQUIRE(gw_http_perform(&rq, 0, &resp, NULL) == GW_OK);
    gw_http_response_free(&resp);
    sleeps = 0;
    struct gw_lms_course c = {"c6", "T", 1, zip1, "aa", NULL};
    struct gw_lms_result r;
    struct gw_error err = {0};
    CHECK_INT(gw_lms_publish(t, &c, &env, &r, &err), GW_E_LMS_IMPORT_PENDING);
    CHECK_INT(r.out.cls, GW_OUT_RETRY);
    CHECK_INT(sleeps, 1);
    CHECK(r.resume && strstr(r.resume, "\"job\""));
    char *resume = gw_xstrdup(r.resume);
    gw_lms_result_free(&r);
    c.resume = resume;
    enum gw_err rc = gw_lms_publish(t, &c, &env, &r, &err);
    if (rc == GW_E_LMS_IMPORT_PENDING) { /* 4 RUNNING answers need a third call */
        free(resume);
        resume = gw_xstrdup(r.resume);
        c.resume = resume;
        gw_lms_result_free(&r);
        rc = gw_lms_publish(t, &c, &env, &r, &err);
    }
    CHECK_INT(rc, GW_OK);
    CHECK_INT(r.lms_version, 0);
    gw_lms_result_free(&r);
    free(resume);
    CHECK_INT(uploads(), 1);
    body = "{\"import_polls\":1}";
    rq.body = body;
    rq.body_len = strlen(body);
    REQUIRE(gw_http_perform(&rq, 0, &resp, NULL) == GW_OK);
    gw_http_response_free(&resp);
    gw_lms_target_free(t);
}

static void test_import_error_and_auth(void)
{
    struct gw_lms_target *t = target("lmssim-secret", 5000, 5);
    REQUIRE(t && sim_reset(&sim));
    struct gw_lms_course c = {"c7", "T", 1, notzip, "aa", NULL};
    struct gw_lms_result r;
    struct gw_error err = {0};
    CHECK_INT(gw_lms_publish(t, &c, &env, &r, &err), GW_E_LMS_IMPORT_FAILED);
    CHECK_INT(r.out.cls, GW_OUT_PERMANENT);
    CHECK(strlen(err.detail) > 40);
    gw_lms_result_free(&r);

    struct gw_lms_target *bad = target("wrong-secret-XYZ", 5000, 5);
    REQUIRE(bad);
    c.zip_path = zip1;
    CHECK_INT(gw_lms_publish(bad, &c, &env, &r, &err), GW_E_LMS_AUTH_FAILED);
    CHECK_INT(r.out.cls, GW_OUT_AUTH);
    CHECK(strstr(err.detail, "401") != NULL);
    CHECK(strstr(err.detail, "wrong-secret-XYZ") == NULL);
    gw_lms_result_free(&r);
    CHECK_INT(gw_lms_retire(bad, "c7", &env, &r, &err), GW_E_LMS_AUTH_FAILED);
    CHECK(strstr(err.detail, "wrong-secret-XYZ") == NULL);
    gw_lms_result_free(&r);
    gw_lms_target_free(bad);
    gw_lms_target_free(t);
}

/* A 403 with the LMS's words (SCORM Cloud at its plan's course limit) is the
 * LMS refusing the course, not refused credentials; a bare 403 still reads as
 * credentials. */
static void test_forbidden_course_limit(void)
{
    struct gw_lms_target *t = target("lmssim-secret", 5000, 5);
    REQUIRE(t && sim_reset(&sim));
    REQUIRE(sim_fault(&sim, "{\"match\":\"/api/v2/courses/importJobs/upload\",\"mode\":\"answer\","
                            "\"status\":403,\"body\":{\"message\":\"Course limit reached for this "
                            "application (100 of 100 courses).\"}}"));
    struct gw_lms_course c = {"c8", "T", 1, zip1, "aa", NULL};
    struct gw_lms_result r;
    struct gw_error err = {0};
    CHECK_INT(gw_lms_publish(t, &c, &env, &r, &err), GW_E_LMS_REJECTED);
    CHECK_INT(r.out.cls, GW_OUT_PERMANENT);
    CHECK(strstr(err.detail, "403: Course limit reached for this application") != NULL);
    CHECK(strstr(err.detail, "credentials") == NULL);
    gw_lms_result_free(&r);

    REQUIRE(sim_fault(&sim, "{\"match\":\"/api/v2/courses/importJobs/upload\",\"mode\":\"answer\","
                            "\"status\":403,\"body\":{}}"));
    CHECK_INT(gw_lms_publish(t, &c, &env, &r, &err), GW_E_LMS_AUTH_FAILED);
    CHECK_INT(r.out.cls, GW_OUT_AUTH);
    gw_lms_result_free(&r);
    gw_lms_target_free(t);
}

static void test_config_errors(void)
{
    struct gw_lms_target *t = NULL;
    struct gw_error err = {0};
    json_t *j = json_loads("{\"type\":\"scormcloud\",\"base_url\":\"http://x/api/v2\"}", 0, NULL);
    CHECK_INT(gw_lms_target_new(j, &t, &err), GW_E_LMS_TARGET_INVALID);
    CHECK(t == NULL);
    json_decref(j);
    j = json_loads("{\"type\":\"scormcloud\",\"base_url\":\"http://x\",\"oauth_token\":\"t\","
                   "\"bogus\":1}",
                   0, NULL);
    CHECK_INT(gw_lms_target_new(j, &t, &err), GW_E_LMS_TARGET_INVALID);
    CHECK_STR(err.where, "/bogus");
    json_decref(j);
    j = json_loads("{\"type\":\"blackboard\"}", 0, NULL);
    CHECK_INT(gw_lms_target_new(j, &t, &err), GW_E_LMS_TARGET_INVALID);
    CHECK_STR(err.where, "/type");
    json_decref(j);
    j = json_loads("{\"type\":\"scormcloud\",\"base_url\":\"http://x\",\"oauth_token\":\"t\","
                   "\"timeout_ms\":-1}",
                   0, NULL);
    CHECK_INT(gw_lms_target_new(j, &t, &err), GW_E_LMS_TARGET_INVALID);
    CHECK_STR(err.where, "/timeout_ms");
    json_decref(j);
}

int main(void)
{
    gw_outbound_global_init();
    if (!sim_start(&sim))
        return 1;
    dir = gwt_tmpdir("outbound-sc");
    zip1 = make_scorm_zip(dir, "v1.zip", "Safety Basics", "one");
    zip2 = make_scorm_zip(dir, "v2.zip", "Safety Basics", "two");
    notzip = gw_xmalloc(strlen(dir) + 16);
    sprintf(notzip, "%s/bad.zip", dir);
    FILE *f = fopen(notzip, "w");
    fputs("this is not a zip", f);
    fclose(f);
    GW_RUN(test_publish_again_version_retire);
    GW_RUN(test_503_retry_after);
    GW_RUN(test_accept_then_drop);
    GW_RUN(test_drop);
    GW_RUN(test_timeout);
    GW_RUN(test_import_pending_then_complete);
    GW_RUN(test_import_error_and_auth);
    GW_RUN(test_forbidden_course_limit);
    GW_RUN(test_config_errors);
    sim_stop(&sim);
    gwt_rmtree(dir);
    free(dir);
    free(zip1);
    free(zip2);
    free(notzip);
    gw_outbound_global_cleanup();
    return gw_test_summary();
}
