/* The Moodle connector against the real lmssim binary: publish (course by
 * idnumber, draft upload, the companion plugin function, show), publish again
 * (no second course or activity), a new version (revision + 1), retire (hide)
 * twice, a create whose answer was lost (the retry finds the course by
 * idnumber), a taken short name, a bad token (auth error with Moodle's
 * "invalidtoken" visible and the token nowhere), 503 with Retry-After, a
 * create refused with courseidnumbertaken (the course is looked up again);
 * Moodle's exception answers: a PHP error without errorcode (the 0.1.0
 * plugin's update path) is a permanent error with Moodle's words, database
 * conflicts and lock waits are retried, an ambiguous write failure gets one
 * more attempt; the completion settings sent on create and kept on update,
 * and the target's completion settings checked. */
#include "gw/outbound.h"
#include "gwtest.h"
#include "support.h"
#include "testsupport.h"

#include <microhttpd.h>
#include <stdatomic.h>

#define TOKEN "0123456789abcdef0123456789abcdef"

static struct sim sim;
static char *dir, *zip1, *zip2;
static struct gw_lms_env env = {0};

/* A target for lmssim; extra ("" or ",\"key\":...") adds members. */
static struct gw_lms_target *target_with(const char *token, const char *extra)
{
    char cfg[1024];
    struct gw_lms_target *t = NULL;
    struct gw_error err = {0};
    snprintf(cfg, sizeof cfg,
             "{\"type\":\"moodle\",\"base_url\":\"%s/\",\"token\":\"%s\",\"category_id\":3,"
             "\"fullname_template\":\"{title} (v{version})\",\"timeout_ms\":5000%s}",
             sim.base_url, token, extra);
    json_t *j = json_loads(cfg, 0, NULL);
    if (gw_lms_target_new(j, &t, &err) != GW_OK)
        fprintf(stderr, "target: %s %s\n", err.where, err.detail);
    json_decref(j);
    return t;
}

static struct gw_lms_target *target(const char *token)
{
    return target_with(token, "");
}

/* The simulator's Moodle courses (new reference). */
static json_t *mcourses(void)
{
    json_t *st = sim_state(&sim);
    json_t *c = json_incref(json_object_get(json_object_get(st, "moodle"), "courses"));
    json_decref(st);
    return c;
}

static long calls(const char *endpoint)
{
    json_t *st = sim_state(&sim);
    long n = sim_calls(st, endpoint);
    json_decref(st);
    return n;
}

#define CREATE "POST /webservice/rest/server.php wsfunction=core_course_create_courses"

static void test_publish_again_version_retire(void)
{
    struct gw_lms_target *t = target(TOKEN);
    REQUIRE(t && sim_reset(&sim));
    struct gw_lms_course c = {"m1", "Fire safety", 1, zip1, "aa", NULL};
    struct gw_lms_result r;
    struct gw_error err = {0};
    char url[256];
    CHECK_INT(gw_lms_publish(t, &c, &env, &r, &err), GW_OK);
    REQUIRE(r.lms_course_id != NULL);
    snprintf(url, sizeof url, "%s/course/view.php?id=%s", sim.base_url, r.lms_course_id);
    CHECK_STR(r.course_url, url);
    CHECK_INT(json_array_size(r.activity_ids), 2);
    CHECK(strstr(json_string_value(json_array_get(r.activity_ids, 0)), "/mod/scorm/view.php?id="));
    CHECK_STR(json_string_value(json_array_get(r.activity_ids, 1)), url);
    CHECK_INT(r.lms_version, 1);
    char *resume = gw_xstrdup(r.resume);
    gw_lms_result_free(&r);

    json_t *mc = mcourses();
    CHECK_INT(json_array_size(mc), 1);
    json_t *c0 = json_array_get(mc, 0);
    CHECK_STR(json_string_value(json_object_get(c0, "idnumber")), "lmsgw:m1");
    CHECK_STR(json_string_value(json_object_get(c0, "shortname")), "lmsgw-m1");
    CHECK_STR(json_string_value(json_object_get(c0, "fullname")), "Fire safety (v1)");
    CHECK_STR(json_string_value(json_object_get(c0, "format")), "singleactivity");
    CHECK_INT(json_integer_value(json_object_get(c0, "visible")), 1);
    CHECK_STR(json_string_value(json_object_get(json_object_get(c0, "scorm"), "idnumber")),
              "lmsgw:scorm");
    json_decref(mc);

    /* The same job again: nothing changes. */
    c.resume = resume;
    CHECK_INT(gw_lms_publish(t, &c, &env, &r, &err), GW_OK);
    CHECK(r.already_done);
    gw_lms_result_free(&r);
    CHECK_INT(calls(CREATE), 1);
    CHECK_INT(calls("POST /webservice/upload.php"), 1);

    /* Version 2: the same course, the same activity, a new revision. */
    struct gw_lms_course c2 = {"m1", "Fire safety", 2, zip2, "bb", NULL};
    CHECK_INT(gw_lms_publish(t, &c2, &env, &r, &err), GW_OK);
    CHECK_INT(r.lms_version, 2);
    CHECK(!r.already_done);
    gw_lms_result_free(&r);
    mc = mcourses();
    CHECK_INT(json_array_size(mc), 1);
    CHECK_INT(json_integer_value(
                  json_object_get(json_object_get(json_array_get(mc, 0), "scorm"), "revision")),
              2);
    json_decref(mc);
    CHECK_INT(calls(CREATE), 1);

    /* Retire hides; again is fine; an unknown course is already retired. */
    CHECK_INT(gw_lms_retire(t, "m1", &env, &r, &err), GW_OK);
    gw_lms_result_free(&r);
    CHECK_INT(gw_lms_retire(t, "m1", &env, &r, &err), GW_OK);
    gw_lms_result_free(&r);
    mc = mcourses();
    CHECK_INT(json_integer_value(json_object_get(json_array_get(mc, 0), "visible")), 0);
    json_decref(mc);
    CHECK_INT(gw_lms_retire(t, "nope", &env, &r, &err), GW_OK);
    CHECK(r.already_done);
    gw_lms_result_free(&r);
    free(resume);
    gw_lms_target_free(t);
}

static void test_create_answer_lost(void)
{
    struct gw_lms_target *t = target(TOKEN);
    REQUIRE(t && sim_reset(&sim));
    REQUIRE(sim_fault(&sim, "{\"match\":\"/webservice/rest/server.php\",\"wsfunction\":"
                            "\"core_course_create_courses\",\"mode\":\"accept_then_drop\"}"));
    struct gw_lms_course c = {"m2", "T", 1, zip1, "aa", NULL};
    struct gw_lms_result r;
    struct gw_error err = {0};
    CHECK_INT(gw_lms_publish(t, &c, &env, &r, &err), GW_E_LMS_UNREACHABLE);
    CHECK_INT(r.out.cls, GW_OUT_RETRY);
    gw_lms_result_free(&r);
    CHECK_INT(gw_lms_publish(t, &c, &env, &r, &err), GW_OK);
    gw_lms_result_free(&r);
    json_t *mc = mcourses();
    CHECK_INT(json_array_size(mc), 1);
    json_decref(mc);
    CHECK_INT(calls(CREATE), 1);

    /* The plugin call's answer lost: the retry replaces, never adds. */
    REQUIRE(sim_fault(&sim,
                      "{\"match\":\"/webservice/rest/server.php\",\"wsfunction\":"
                      "\"local_lmsgw_create_or_update_scorm\",\"mode\":\"accept_then_drop\"}"));
    struct gw_lms_course c2 = {"m2", "T", 2, zip2, "bb", NULL};
    CHECK(gw_lms_publish(t, &c2, &env, &r, &err) != GW_OK);
    gw_lms_result_free(&r);
    CHECK_INT(gw_lms_publish(t, &c2, &env, &r, &err), GW_OK);
    gw_lms_result_free(&r);
    mc = mcourses();
    CHECK_INT(json_array_size(mc), 1);
    CHECK_INT(json_integer_value(
                  json_object_get(json_object_get(json_array_get(mc, 0), "scorm"), "cmid")),
              1);
    json_decref(mc);
    /* A lookup answer that is not a course list is an error, never "absent". */
    REQUIRE(sim_fault(&sim, "{\"match\":\"/webservice/rest/server.php\",\"wsfunction\":"
                            "\"core_course_get_courses_by_field\",\"mode\":\"status\","
                            "\"status\":200}"));
    CHECK_INT(gw_lms_publish(t, &c2, &env, &r, &err), GW_E_LMS_BAD_RESPONSE);
    CHECK_INT(r.out.cls, GW_OUT_RETRY);
    gw_lms_result_free(&r);
    CHECK_INT(calls(CREATE), 1);
    gw_lms_target_free(t);
}

static void test_shortname_taken(void)
{
    struct gw_lms_target *t = target(TOKEN);
    REQUIRE(t && sim_reset(&sim));
    /* Someone else's course already has our short name. */
    char url[256];
    const char *form = "wstoken=" TOKEN "&wsfunction=core_course_create_courses&"
                       "moodlewsrestformat=json&courses%5B0%5D%5Bfullname%5D=Other&"
                       "courses%5B0%5D%5Bshortname%5D=lmsgw-m3&courses%5B0%5D%5Bcategoryid%5D=1";
    snprintf(url, sizeof url, "%s/webservice/rest/server.php", sim.base_url);
    struct gw_http_request rq = {
        .method = "POST", .url = url, .body = form, .body_len = strlen(form)};
    struct gw_http_response resp = {0};
    REQUIRE(gw_http_perform(&rq, 0, &resp, NULL) == GW_OK);
    gw_http_response_free(&resp);
    struct gw_lms_course c = {"m3", "T", 1, zip1, "aa", NULL};
    struct gw_lms_result r;
    struct gw_error err = {0};
    CHECK_INT(gw_lms_publish(t, &c, &env, &r, &err), GW_E_LMS_REJECTED);
    CHECK_INT(r.out.cls, GW_OUT_PERMANENT);
    CHECK(strstr(err.detail, "shortnametaken") != NULL);
    CHECK(strstr(err.detail, TOKEN) == NULL);
    gw_lms_result_free(&r);
    gw_lms_target_free(t);
}

static void test_invalid_token_and_503(void)
{
    struct gw_lms_target *t = target("ffffffffffffffffffffffffffff0000");
    REQUIRE(t && sim_reset(&sim));
    struct gw_lms_course c = {"m4", "T", 1, zip1, "aa", NULL};
    struct gw_lms_result r;
    struct gw_error err = {0};
    CHECK_INT(gw_lms_publish(t, &c, &env, &r, &err), GW_E_LMS_AUTH_FAILED);
    CHECK_INT(r.out.cls, GW_OUT_AUTH);
    CHECK(strstr(err.detail, "invalidtoken") != NULL);
    CHECK(strstr(err.detail, "ffffffffffffffffffffffffffff0000") == NULL);
    gw_lms_result_free(&r);
    CHECK_INT(gw_lms_retire(t, "m4", &env, &r, &err), GW_E_LMS_AUTH_FAILED);
    CHECK(strstr(err.detail, "invalidtoken") != NULL);
    gw_lms_result_free(&r);
    gw_lms_target_free(t);

    t = target(TOKEN);
    REQUIRE(t);
    REQUIRE(sim_fault(&sim, "{\"match\":\"/webservice/upload.php\",\"mode\":\"status\","
                            "\"status\":503,\"retry_after\":\"Sun, 06 Nov 1994 08:49:37 GMT\"}"));
    CHECK_INT(gw_lms_publish(t, &c, &env, &r, &err), GW_E_LMS_BUSY);
    CHECK_INT(r.out.cls, GW_OUT_RETRY);
    CHECK_INT(r.out.retry_after_ms, 0); /* a date in the past: retry now */
    CHECK(strstr(err.detail, TOKEN) == NULL);
    gw_lms_result_free(&r);
    CHECK_INT(gw_lms_publish(t, &c, &env, &r, &err), GW_OK);
    gw_lms_result_free(&r);
    json_t *mc = mcourses();
    CHECK_INT(json_array_size(mc), 1);
    json_decref(mc);
    gw_lms_target_free(t);
}

/* ---- the duplicate-idnumber race ------------------------------------------
 * A course created by a concurrent or earlier attempt that the first lookup
 * does not yet see: Moodle refuses the create with courseidnumbertaken, and
 * the connector must look the course up again and carry on with it. lmssim
 * always answers lookups truthfully, so this case uses a tiny scripted Moodle
 * in the test: the first lookup answers no course, the later ones course 77. */

static atomic_int lookups, creates;

struct body {
    struct gw_buf b;
};

static enum MHD_Result race_moodle(void *cls, struct MHD_Connection *c, const char *url,
                                   const char *method, const char *version, const char *data,
                                   size_t *size, void **con_cls)
{
    struct body *bd = *con_cls;
    if (!bd) {
        *con_cls = gw_xcalloc(1, sizeof *bd);
        return MHD_YES;
    }
    if (*size) {
        gw_buf_append(&bd->b, data, *size);
        *size = 0;
        return MHD_YES;
    }
    const char *body = gw_buf_str(&bd->b), *answer;
    if (strcmp(url, "/webservice/upload.php") == 0)
        answer = "[{\"component\":\"user\",\"filearea\":\"draft\",\"itemid\":555}]";
    else if (strstr(body, "wsfunction=core_course_get_courses_by_field"))
        answer = atomic_fetch_add(&lookups, 1) == 0
                     ? "{\"courses\":[],\"warnings\":[]}"
                     : "{\"courses\":[{\"id\":77,\"idnumber\":\"lmsgw:m9\"}],\"warnings\":[]}";
    else if (strstr(body, "wsfunction=core_course_create_courses") &&
             atomic_fetch_add(&creates, 1) >= 0)
        answer = "{\"exception\":\"moodle_exception\",\"errorcode\":\"courseidnumbertaken\","
                 "\"message\":\"ID number is already used for another course (lmsgw:m9)\"}";
    else if (strstr(body, "wsfunction=local_lmsgw_create_or_update_scorm") &&
             strstr(body, "courseid=77&"))
        answer = "{\"cmid\":5,\"instance\":3,\"revision\":1,\"created\":true,\"warnings\":[]}";
    else if (strstr(body, "wsfunction=core_course_update_courses"))
        answer = "{\"warnings\":[]}";
    else
        answer = "{\"exception\":\"x\",\"errorcode\":\"unexpected\",\"message\":\"unexpected\"}";
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(answer), (void *)answer, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(c, 200, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void race_done(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    struct body *bd = *con_cls;
    if (bd) {
        gw_buf_free(&bd->b);
        free(bd);
    }
    *con_cls = NULL;
}

static void test_idnumber_taken_race(void)
{
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL, race_moodle,
        NULL, MHD_OPTION_NOTIFY_COMPLETED, race_done, NULL, MHD_OPTION_END);
    REQUIRE(d);
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char cfg[512];
    snprintf(cfg, sizeof cfg,
             "{\"type\":\"moodle\",\"base_url\":\"http://127.0.0.1:%u\",\"token\":\"" TOKEN
             "\",\"category_id\":1}",
             (unsigned)di->port);
    json_t *j = json_loads(cfg, 0, NULL);
    struct gw_lms_target *t = NULL;
    struct gw_error err = {0};
    CHECK_INT(gw_lms_target_new(j, &t, &err), GW_OK);
    json_decref(j);
    struct gw_lms_course c = {"m9", "T", 1, zip1, "aa", NULL};
    struct gw_lms_result r;
    CHECK_INT(gw_lms_publish(t, &c, &env, &r, &err), GW_OK);
    CHECK_STR(r.lms_course_id, "77");
    CHECK_INT(atomic_load(&creates), 1);
    CHECK_INT(atomic_load(&lookups), 2);
    gw_lms_result_free(&r);
    gw_lms_target_free(t);
    MHD_stop_daemon(d);
}

/* The lmssim course with our idnumber (borrowed from state). */
static json_t *course_of(json_t *state, const char *course_id)
{
    char idn[128];
    size_t i;
    json_t *c;
    snprintf(idn, sizeof idn, "lmsgw:%s", course_id);
    json_array_foreach(json_object_get(json_object_get(state, "moodle"), "courses"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "idnumber")), idn) == 0)
            return c;
    }
    return NULL;
}

static json_int_t ival(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

static const char *sval(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* The plugin 0.1.0 on Moodle 4.3: the update path died on a PHP error, which
 * Moodle answers as 200 {"exception":"Error","message":...} without an
 * errorcode. The connector fails at once (permanent) with Moodle's words;
 * with the fixed plugin the same version then goes through. */
static void test_php_error_is_permanent_with_moodles_words(void)
{
    struct gw_lms_target *t = target(TOKEN);
    REQUIRE(t && sim_reset(&sim));
    struct gw_lms_course c1 = {"p1", "Fire safety", 1, zip1, "aa", NULL};
    struct gw_lms_course c2 = {"p1", "Fire safety", 2, zip2, "bb", NULL};
    struct gw_lms_result r;
    struct gw_error err = {0};
    CHECK_INT(gw_lms_publish(t, &c1, &env, &r, &err), GW_OK);
    gw_lms_result_free(&r);
    REQUIRE(sim_config(&sim, "{\"moodle_update_bug\":true}"));
    CHECK_INT(gw_lms_publish(t, &c2, &env, &r, &err), GW_E_LMS_REJECTED);
    CHECK_INT(r.out.cls, GW_OUT_PERMANENT);
    CHECK(strstr(err.detail, "local_lmsgw_create_or_update_scorm") != NULL);
    CHECK(strstr(err.detail, "Error: Class \"grade_item\" not found") != NULL);
    CHECK(strstr(err.detail, TOKEN) == NULL);
    gw_lms_result_free(&r);
    json_t *st = sim_state(&sim);
    json_t *mc = course_of(st, "p1");
    REQUIRE(mc != NULL);
    CHECK_INT(ival(json_object_get(mc, "scorm"), "revision"), 1); /* nothing changed */
    json_decref(st);

    REQUIRE(sim_config(&sim, "{\"moodle_update_bug\":false}"));
    CHECK_INT(gw_lms_publish(t, &c2, &env, &r, &err), GW_OK);
    CHECK_INT(r.lms_version, 2);
    gw_lms_result_free(&r);
    st = sim_state(&sim);
    mc = course_of(st, "p1");
    CHECK_INT(json_array_size(json_object_get(json_object_get(st, "moodle"), "courses")), 1);
    CHECK_INT(ival(json_object_get(mc, "scorm"), "revision"), 2);
    CHECK_INT(ival(json_object_get(mc, "scorm"), "cmid"), 1);
    json_decref(st);
    gw_lms_target_free(t);
}

/* One scripted answer of the plugin function, then the publish's outcome. */
static enum gw_err publish_with_answer(struct gw_lms_target *t, const char *course_id,
                                       const char *answer, struct gw_lms_result *r,
                                       struct gw_error *err)
{
    char fault[1024];
    snprintf(fault, sizeof fault,
             "{\"match\":\"/webservice/rest/server.php\",\"wsfunction\":"
             "\"local_lmsgw_create_or_update_scorm\",\"mode\":\"answer\",\"body\":%s}",
             answer);
    if (!sim_fault(&sim, fault))
        return GW_E_INTERNAL;
    struct gw_lms_course c = {course_id, "T", 1, zip1, "aa", NULL};
    return gw_lms_publish(t, &c, &env, r, err);
}

static void test_exception_classes(void)
{
    struct gw_lms_target *t = target(TOKEN);
    REQUIRE(t && sim_reset(&sim));
    struct gw_lms_result r;
    struct gw_error err = {0};

    /* A deadlock the site shows (debugging on): retried with back-off. */
    CHECK_INT(publish_with_answer(t, "e1",
                                  "{\"exception\":\"dml_write_exception\",\"errorcode\":"
                                  "\"dmlwriteexception\",\"message\":\"Error writing to "
                                  "database\",\"debuginfo\":\"ERROR:  deadlock detected\"}",
                                  &r, &err),
              GW_E_LMS_BUSY);
    CHECK_INT(r.out.cls, GW_OUT_RETRY);
    CHECK_INT(r.max_attempts, 0);
    CHECK(strstr(err.detail,
                 "dmlwriteexception (dml_write_exception): Error writing to database") != NULL);
    CHECK(strstr(err.detail, "deadlock detected") != NULL);
    gw_lms_result_free(&r);
    /* the retry goes through: one course, one activity */
    struct gw_lms_course c = {"e1", "T", 1, zip1, "aa", NULL};
    CHECK_INT(gw_lms_publish(t, &c, &env, &r, &err), GW_OK);
    gw_lms_result_free(&r);

    /* A serialization failure in the message: retried. */
    CHECK_INT(publish_with_answer(t, "e2",
                                  "{\"exception\":\"dml_write_exception\",\"errorcode\":"
                                  "\"dmlwriteexception\",\"message\":\"ERROR: could not "
                                  "serialize access due to concurrent update\"}",
                                  &r, &err),
              GW_E_LMS_BUSY);
    CHECK_INT(r.out.cls, GW_OUT_RETRY);
    CHECK_INT(r.max_attempts, 0);
    gw_lms_result_free(&r);

    /* A write failure whose cause the site hides: one more attempt only. */
    CHECK_INT(publish_with_answer(t, "e3",
                                  "{\"exception\":\"dml_write_exception\",\"errorcode\":"
                                  "\"dmlwriteexception\",\"message\":\"Error writing to "
                                  "database\"}",
                                  &r, &err),
              GW_E_LMS_BUSY);
    CHECK_INT(r.out.cls, GW_OUT_RETRY);
    CHECK_INT(r.max_attempts, 2);
    gw_lms_result_free(&r);

    /* The plugin's lock wait, also with a namespaced class (Moodle 4.4+). */
    CHECK_INT(publish_with_answer(t, "e4",
                                  "{\"exception\":\"core\\\\exception\\\\moodle_exception\","
                                  "\"errorcode\":\"locktimeout\",\"message\":\"Another lmsgw "
                                  "publish of course 5 is still running; try again later.\"}",
                                  &r, &err),
              GW_E_LMS_BUSY);
    CHECK_INT(r.out.cls, GW_OUT_RETRY);
    gw_lms_result_free(&r);

    /* A transaction misuse is a coding error: permanent. */
    CHECK_INT(publish_with_answer(t, "e5",
                                  "{\"exception\":\"dml_transaction_exception\",\"errorcode\":"
                                  "\"dmltransactionexception\",\"message\":\"Database "
                                  "transaction error\"}",
                                  &r, &err),
              GW_E_LMS_REJECTED);
    CHECK_INT(r.out.cls, GW_OUT_PERMANENT);
    gw_lms_result_free(&r);

    /* A TypeError: permanent, with Moodle's message. */
    CHECK_INT(publish_with_answer(t, "e6",
                                  "{\"exception\":\"TypeError\",\"message\":\"Argument #1 must "
                                  "be of type int\"}",
                                  &r, &err),
              GW_E_LMS_REJECTED);
    CHECK_INT(r.out.cls, GW_OUT_PERMANENT);
    CHECK(strstr(err.detail, "TypeError: Argument #1 must be of type int") != NULL);
    gw_lms_result_free(&r);

    /* The 0.1.0 plugin refusing the completion parameters: a hint to upgrade. */
    CHECK_INT(publish_with_answer(t, "e8",
                                  "{\"exception\":\"invalid_parameter_exception\",\"errorcode\":"
                                  "\"invalidparameter\",\"message\":\"Invalid parameter value "
                                  "detected\"}",
                                  &r, &err),
              GW_E_LMS_REJECTED);
    CHECK(strstr(err.detail, "Invalid parameter value detected") != NULL);
    CHECK(strstr(err.detail, "local_lmsgw before 0.2.0") != NULL);
    gw_lms_result_free(&r);

    /* A missing capability is the credentials' problem. */
    CHECK_INT(publish_with_answer(t, "e7",
                                  "{\"exception\":\"required_capability_exception\",\"errorcode\":"
                                  "\"nopermissions\",\"message\":\"Sorry, but you do not "
                                  "currently have permissions to do that (Add a new SCORM "
                                  "package).\"}",
                                  &r, &err),
              GW_E_LMS_AUTH_FAILED);
    CHECK_INT(r.out.cls, GW_OUT_AUTH);
    gw_lms_result_free(&r);
    gw_lms_target_free(t);
}

/* The completion settings the plugin is asked for on create, the course's
 * completion tracking on, and an update that keeps the activity's settings
 * whatever the target says now. */
static void test_completion_settings(void)
{
    struct gw_lms_target *t = target(TOKEN);
    REQUIRE(t && sim_reset(&sim));
    struct gw_lms_course c1 = {"k1", "T", 1, zip1, "aa", NULL};
    struct gw_lms_course c2 = {"k1", "T", 2, zip2, "bb", NULL};
    struct gw_lms_result r;
    struct gw_error err = {0};
    CHECK_INT(gw_lms_publish(t, &c1, &env, &r, &err), GW_OK);
    gw_lms_result_free(&r);
    json_t *st = sim_state(&sim);
    json_t *mc = course_of(st, "k1");
    REQUIRE(mc != NULL);
    CHECK_INT(ival(mc, "enablecompletion"), 1);
    json_t *scorm = json_object_get(mc, "scorm");
    CHECK_INT(ival(scorm, "completion"), 2);               /* COMPLETION_TRACKING_AUTOMATIC */
    CHECK_INT(ival(scorm, "completionstatusrequired"), 6); /* passed 2 | completed 4 */
    CHECK(json_is_null(json_object_get(scorm, "completionscorerequired")));
    json_t *call =
        json_array_get(json_object_get(json_object_get(st, "moodle"), "plugin_calls"), 0);
    CHECK_STR(sval(call, "completiontracking"), "automatic");
    CHECK_STR(sval(call, "completionstatusrequired"), "6");
    CHECK_STR(sval(call, "completionscorerequired"), "0");
    CHECK(json_is_true(json_object_get(call, "created")));
    json_decref(st);
    gw_lms_target_free(t);

    /* The target now says "none": the update sends it, the activity keeps its settings. */
    t = target_with(TOKEN, ",\"completion\":{\"tracking\":\"none\"}");
    REQUIRE(t);
    CHECK_INT(gw_lms_publish(t, &c2, &env, &r, &err), GW_OK);
    CHECK_INT(r.lms_version, 2);
    gw_lms_result_free(&r);
    st = sim_state(&sim);
    json_t *calls = json_object_get(json_object_get(st, "moodle"), "plugin_calls");
    CHECK_INT(json_array_size(calls), 2);
    call = json_array_get(calls, 1);
    CHECK_STR(sval(call, "completiontracking"), "none");
    CHECK(json_is_false(json_object_get(call, "created")));
    scorm = json_object_get(course_of(st, "k1"), "scorm");
    CHECK_INT(ival(scorm, "completion"), 2);
    CHECK_INT(ival(scorm, "completionstatusrequired"), 6);
    CHECK_INT(ival(scorm, "revision"), 2);
    json_decref(st);

    /* A new course under that target: no tracking, and the course says so too. */
    struct gw_lms_course n1 = {"k2", "T", 1, zip1, "aa", NULL};
    CHECK_INT(gw_lms_publish(t, &n1, &env, &r, &err), GW_OK);
    gw_lms_result_free(&r);
    gw_lms_target_free(t);
    st = sim_state(&sim);
    mc = course_of(st, "k2");
    CHECK_INT(ival(mc, "enablecompletion"), 0);
    CHECK_INT(ival(json_object_get(mc, "scorm"), "completion"), 0);
    json_decref(st);

    /* Passed only, with a minimum score. */
    t = target_with(TOKEN,
                    ",\"completion\":{\"status_required\":[\"passed\"],\"score_required\":80}");
    REQUIRE(t);
    struct gw_lms_course s1 = {"k3", "T", 1, zip1, "aa", NULL};
    CHECK_INT(gw_lms_publish(t, &s1, &env, &r, &err), GW_OK);
    gw_lms_result_free(&r);
    gw_lms_target_free(t);
    st = sim_state(&sim);
    scorm = json_object_get(course_of(st, "k3"), "scorm");
    CHECK_INT(ival(scorm, "completion"), 2);
    CHECK_INT(ival(scorm, "completionstatusrequired"), 2);
    CHECK_INT(ival(scorm, "completionscorerequired"), 80);
    json_decref(st);

    /* A score alone: the status rule off. */
    t = target_with(TOKEN, ",\"completion\":{\"status_required\":[],\"score_required\":50}");
    REQUIRE(t);
    struct gw_lms_course s2 = {"k4", "T", 1, zip1, "aa", NULL};
    CHECK_INT(gw_lms_publish(t, &s2, &env, &r, &err), GW_OK);
    gw_lms_result_free(&r);
    gw_lms_target_free(t);
    st = sim_state(&sim);
    scorm = json_object_get(course_of(st, "k4"), "scorm");
    CHECK(json_is_null(json_object_get(scorm, "completionstatusrequired")));
    CHECK_INT(ival(scorm, "completionscorerequired"), 50);
    json_decref(st);
}

static void test_completion_settings_checked(void)
{
    static const struct {
        const char *extra, *where;
    } bad[] = {
        {",\"completion\":{\"tracking\":\"manual\"}", "/completion/tracking"},
        {",\"completion\":{\"status_required\":[\"failed\"]}", "/completion/status_required/0"},
        {",\"completion\":{\"status_required\":[\"passed\",\"passed\"]}",
         "/completion/status_required/1"},
        {",\"completion\":{\"status_required\":[]}", "/completion"},
        {",\"completion\":{\"tracking\":\"none\",\"score_required\":50}", "/completion"},
        {",\"completion\":{\"score_required\":-1}", "/completion/score_required"},
        {",\"completion\":{\"view\":true}", "/completion/view"},
        {",\"completion\":true", "/completion"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char cfg[1024];
        struct gw_lms_target *t = NULL;
        struct gw_error err = {0};
        snprintf(cfg, sizeof cfg,
                 "{\"type\":\"moodle\",\"base_url\":\"http://m.example\",\"token\":\"x\","
                 "\"category_id\":1%s}",
                 bad[i].extra);
        json_t *j = json_loads(cfg, 0, NULL);
        REQUIRE(j != NULL);
        CHECK_INT(gw_lms_target_new(j, &t, &err), GW_E_LMS_TARGET_INVALID);
        CHECK(t == NULL);
        CHECK_STR(err.where, bad[i].where);
        json_decref(j);
    }
}

int main(void)
{
    gw_outbound_global_init();
    if (!sim_start(&sim))
        return 1;
    dir = gwt_tmpdir("outbound-md");
    zip1 = make_scorm_zip(dir, "v1.zip", "Fire safety", "one");
    zip2 = make_scorm_zip(dir, "v2.zip", "Fire safety", "two");
    GW_RUN(test_publish_again_version_retire);
    GW_RUN(test_create_answer_lost);
    GW_RUN(test_shortname_taken);
    GW_RUN(test_invalid_token_and_503);
    GW_RUN(test_idnumber_taken_race);
    GW_RUN(test_php_error_is_permanent_with_moodles_words);
    GW_RUN(test_exception_classes);
    GW_RUN(test_completion_settings);
    GW_RUN(test_completion_settings_checked);
    sim_stop(&sim);
    gwt_rmtree(dir);
    free(dir);
    free(zip1);
    free(zip2);
    gw_outbound_global_cleanup();
    return gw_test_summary();
}
