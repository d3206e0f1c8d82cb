/* The generic REST connector, configured by templates and JSON Pointers to
 * drive lmssim's SCORM Cloud endpoints: publish with an async job, publish
 * again (nothing new), a new version, an upload whose answer was lost (the
 * retry adopts the version that landed), an import error, retire twice, and
 * configuration errors. */
#include "gw/outbound.h"
#include "gwtest.h"
#include "support.h"
#include "testsupport.h"

static struct sim sim;
static char *dir, *zip1, *zip2, *notzip;

static struct gw_lms_target *target(void)
{
    char cfg[2048];
    struct gw_lms_target *t = NULL;
    struct gw_error err = {0};
    snprintf(
        cfg, sizeof cfg,
        "{\"type\":\"generic\",\"base_url\":\"%s/api/v2\",\"basic_user\":\"lmssim-app\","
        "\"basic_password\":\"lmssim-secret\",\"headers\":[\"EngineTenantName: t\"],"
        "\"lookup\":{\"url\":\"{base_url}/courses/{lms_course_id}\"},"
        "\"publish\":{\"url\":\"{base_url}/courses/importJobs/upload?courseId={lms_course_id}"
        "&mayCreateNewVersion=true\",\"body\":\"multipart\",\"file_field\":\"file\"},"
        "\"job_id_pointer\":\"/result\","
        "\"poll\":{\"url\":\"{base_url}/courses/importJobs/{job}\",\"status_pointer\":\"/status\","
        "\"done\":[\"COMPLETE\"],\"failed\":[\"ERROR\"],\"message_pointer\":\"/message\","
        "\"course_pointer\":\"/importResult/course\"},"
        "\"course_id_pointer\":\"/id\",\"activity_id_pointer\":\"/xapiActivityId\","
        "\"version_pointer\":\"/version\",\"retire\":{\"method\":\"DELETE\","
        "\"url\":\"{base_url}/courses/{lms_course_id}\"},\"import_poll_max\":5,"
        "\"timeout_ms\":5000}",
        sim.base_url);
    json_t *j = json_loads(cfg, 0, NULL);
    if (gw_lms_target_new(j, &t, &err) != GW_OK)
        fprintf(stderr, "target: %s %s\n", err.where, err.detail);
    json_decref(j);
    return t;
}

static size_t versions(const char *id, size_t *ncourses)
{
    json_t *st = sim_state(&sim);
    json_t *courses = json_object_get(json_object_get(st, "scormcloud"), "courses");
    *ncourses = json_object_size(courses);
    size_t n = json_array_size(json_object_get(json_object_get(courses, id), "versions"));
    json_decref(st);
    return n;
}

static void test_generic_flow(void)
{
    struct gw_lms_target *t = target();
    REQUIRE(t && sim_reset(&sim));
    struct gw_lms_course c = {"g1", "T", 1, zip1, "aa", NULL};
    struct gw_lms_result r;
    struct gw_error err = {0};
    size_t n = 0;
    CHECK_INT(gw_lms_publish(t, &c, NULL, &r, &err), GW_OK);
    CHECK_STR(r.lms_course_id, "lmsgw-g1");
    CHECK_INT(r.lms_version, 0);
    CHECK(strncmp(json_string_value(json_array_get(r.activity_ids, 0)), "urn:uuid:", 9) == 0);
    char *resume = gw_xstrdup(r.resume);
    gw_lms_result_free(&r);
    c.resume = resume;
    CHECK_INT(gw_lms_publish(t, &c, NULL, &r, &err), GW_OK);
    CHECK(r.already_done);
    gw_lms_result_free(&r);
    CHECK_INT(versions("lmsgw-g1", &n), 1);
    CHECK_INT(n, 1);
    free(resume);

    /* Version 2, whose upload answer is lost: the retry adopts it. */
    REQUIRE(sim_fault(&sim, "{\"match\":\"/api/v2/courses/importJobs/upload\","
                            "\"mode\":\"accept_then_drop\"}"));
    struct gw_lms_course c2 = {"g1", "T", 2, zip2, "bb", NULL};
    CHECK(gw_lms_publish(t, &c2, NULL, &r, &err) != GW_OK);
    CHECK_INT(r.out.cls, GW_OUT_RETRY);
    resume = gw_xstrdup(r.resume ? r.resume : "");
    gw_lms_result_free(&r);
    c2.resume = resume;
    CHECK_INT(gw_lms_publish(t, &c2, NULL, &r, &err), GW_OK);
    CHECK_INT(r.lms_version, 1);
    gw_lms_result_free(&r);
    free(resume);
    CHECK_INT(versions("lmsgw-g1", &n), 2);
    CHECK_INT(n, 1);

    struct gw_lms_course bad = {"g2", "T", 1, notzip, "cc", NULL};
    CHECK_INT(gw_lms_publish(t, &bad, NULL, &r, &err), GW_E_LMS_IMPORT_FAILED);
    CHECK_INT(r.out.cls, GW_OUT_PERMANENT);
    gw_lms_result_free(&r);

    CHECK_INT(gw_lms_retire(t, "g1", NULL, &r, &err), GW_OK);
    CHECK(!r.already_done);
    gw_lms_result_free(&r);
    CHECK_INT(gw_lms_retire(t, "g1", NULL, &r, &err), GW_OK);
    CHECK(r.already_done);
    gw_lms_result_free(&r);
    CHECK_INT(versions("lmsgw-g1", &n), 0);
    gw_lms_target_free(t);
}

static void test_generic_config(void)
{
    struct gw_lms_target *t = NULL;
    struct gw_error err = {0};
    json_t *j = json_loads("{\"type\":\"generic\",\"base_url\":\"http://x\","
                           "\"lookup\":{\"url\":\"u\"}}",
                           0, NULL);
    CHECK_INT(gw_lms_target_new(j, &t, &err), GW_E_LMS_TARGET_INVALID);
    CHECK_STR(err.where, "/publish");
    json_decref(j);
    j = json_loads("{\"type\":\"generic\",\"base_url\":\"http://x\",\"lookup\":{\"url\":\"u\"},"
                   "\"publish\":{\"url\":\"u\"},\"job_id_pointer\":\"/id\"}",
                   0, NULL);
    CHECK_INT(gw_lms_target_new(j, &t, &err), GW_E_LMS_TARGET_INVALID);
    CHECK_STR(err.where, "/poll");
    json_decref(j);
    j = json_loads("{\"type\":\"generic\",\"base_url\":\"http://x\",\"lookup\":{\"url\":\"u\"},"
                   "\"publish\":{\"url\":\"u\"},\"colour\":1}",
                   0, NULL);
    CHECK_INT(gw_lms_target_new(j, &t, &err), GW_E_LMS_TARGET_INVALID);
    CHECK_STR(err.where, "/colour");
    json_decref(j);
}

int main(void)
{
    gw_outbound_global_init();
    if (!sim_start(&sim))
        return 1;
    dir = gwt_tmpdir("outbound-gen");
    zip1 = make_scorm_zip(dir, "v1.zip", "T", "one");
    zip2 = make_scorm_zip(dir, "v2.zip", "T", "two");
    notzip = gw_xmalloc(strlen(dir) + 16);
    sprintf(notzip, "%s/bad.zip", dir);
    FILE *f = fopen(notzip, "w");
    fputs("not a zip", f);
    fclose(f);
    GW_RUN(test_generic_flow);
    GW_RUN(test_generic_config);
    sim_stop(&sim);
    gwt_rmtree(dir);
    free(dir);
    free(zip1);
    free(zip2);
    free(notzip);
    gw_outbound_global_cleanup();
    return gw_test_summary();
}
