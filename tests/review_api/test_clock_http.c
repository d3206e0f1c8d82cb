/* The movable clock (clock_movable) against the real lmsgw binary: an admin
 * moves a test gateway's time forward with POST /api/v1/clock, and what time
 * alone causes follows at once (the review goes overdue and stalled on the
 * pipeline, the woken scheduler escalates it to the department's head); the
 * body is checked; other roles are refused; a gateway on the real clock
 * refuses to move it (409 CLOCK_NOT_MOVABLE) and says it is not movable. */
#include "gw/timefmt.h"
#include "gwtest.h"
#include "testsupport.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct gwt_server srv, real;
static char h_admin[300], h_author[300];

static json_t *pipeline_course(json_t *pl, const char *id)
{
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(pl, "courses"), i, it)
    {
        if (strcmp(gwt_sv(it, "id"), id) == 0)
            return it;
    }
    return NULL;
}

/* The seconds since the epoch of an ISO 8601 time; 0 when it is not one. */
static time_t iso_secs(const char *s)
{
    int64_t ms = 0;
    return s && gw_time_parse_iso(s, false, &ms) ? (time_t)(ms / 1000) : 0;
}

static void test_moves_review_into_escalation(void)
{
    static const char *const people[] = {
        "{\"id\":\"author\",\"name\":\"Al Author\",\"email\":\"al@example.com\"}",
        "{\"id\":\"hana\",\"name\":\"Hana Head\",\"email\":\"hana@example.com\"}",
    };
    json_t *j = NULL;
    for (size_t i = 0; i < 2; i++) {
        CHECK_INT(gwt_post_json(&srv, "/api/v1/people", h_admin, people[i], &j), 201);
        json_decref(j);
    }
    CHECK_INT(gwt_post_json(&srv, "/api/v1/departments", h_admin,
                            "{\"id\":\"ops\",\"name\":\"Operations\",\"head_person_id\":\"hana\","
                            "\"settings\":{\"escalate_after_days\":2}}",
                            &j),
              201);
    json_decref(j);
    /* escalations go to the head of the approver's own department */
    CHECK_INT(gwt_post_json(&srv, "/api/v1/people", h_admin,
                            "{\"id\":\"ann\",\"name\":\"Ann Approver\",\"email\":"
                            "\"ann@example.com\",\"department_id\":\"ops\"}",
                            &j),
              201);
    json_decref(j);
    /* Ann is due in a day; the course goes in review */
    CHECK_INT(gwt_post_json(&srv, "/api/v1/requests", h_admin,
                            "{\"department_id\":\"ops\",\"title\":\"Forklift safety\","
                            "\"business_case\":{\"problem\":\"p\",\"audience\":\"a\","
                            "\"mandatory\":false,\"kpi\":\"k\"},"
                            "\"approvers\":[{\"person_id\":\"ann\",\"due_in_days\":1}]}",
                            &j),
              201);
    char *body =
        gwt_fmt("{\"request_id\":\"%s\",\"author_person_id\":\"author\"}", gwt_sv(j, "id"));
    json_decref(j);
    char course[64] = "", pkg[64] = "";
    CHECK_INT(gwt_post_json(&srv, "/api/v1/courses", h_admin, body, &j), 201);
    snprintf(course, sizeof course, "%s", gwt_sv(j, "id"));
    json_decref(j);
    free(body);
    CHECK_INT(gwt_upload_sample(&srv, h_admin, "scorm12-sample", pkg, sizeof pkg), 201);
    char *path = gwt_fmt("/api/v1/courses/%s/versions", course);
    body = gwt_fmt("{\"package_id\":\"%s\"}", pkg);
    CHECK_INT(gwt_post_json(&srv, path, h_admin, body, &j), 201);
    json_decref(j);
    free(path);
    free(body);
    path = gwt_fmt("/api/v1/courses/%s/submit", course);
    CHECK_INT(gwt_api(&srv, "POST", path, h_admin, NULL, NULL, 0, &j, NULL), 201);
    json_decref(j);
    free(path);

    CHECK_INT(gwt_api(&srv, "GET", "/api/v1/clock", h_admin, NULL, NULL, 0, &j, NULL), 200);
    CHECK(json_is_true(json_object_get(j, "movable")));
    CHECK_INT(json_integer_value(json_object_get(j, "ahead_by_hours")), 0);
    time_t before = iso_secs(gwt_sv(j, "now"));
    CHECK(llabs((long long)(before - time(NULL))) < 60);
    json_decref(j);
    CHECK_INT(gwt_api(&srv, "GET", "/api/v1/pipeline", h_admin, NULL, NULL, 0, &j, NULL), 200);
    json_t *c = pipeline_course(j, course);
    REQUIRE(c != NULL);
    CHECK_STR(gwt_sv(c, "state"), "in_review");
    CHECK(json_is_false(json_object_get(c, "stalled")));
    CHECK_INT(json_integer_value(json_object_get(c, "days_in_state")), 0);
    json_decref(j);

    /* the body is checked; only an admin moves the clock */
    CHECK_INT(gwt_post_json(&srv, "/api/v1/clock", h_admin, "{\"advance_hours\":0}", &j), 400);
    json_decref(j);
    CHECK_INT(gwt_post_json(&srv, "/api/v1/clock", h_admin, "{\"advance_hours\":-24}", &j), 400);
    json_decref(j);
    CHECK_INT(gwt_post_json(&srv, "/api/v1/clock", h_admin, "{}", &j), 400);
    json_decref(j);
    CHECK_INT(gwt_post_json(&srv, "/api/v1/clock", h_author, "{\"advance_hours\":240}", &j), 403);
    json_decref(j);

    /* ten days later */
    CHECK_INT(gwt_post_json(&srv, "/api/v1/clock", h_admin, "{\"advance_hours\":240}", &j), 200);
    CHECK(json_is_true(json_object_get(j, "movable")));
    CHECK_INT(json_integer_value(json_object_get(j, "ahead_by_hours")), 240);
    time_t after = iso_secs(gwt_sv(j, "now"));
    CHECK(after - time(NULL) > 240 * 3600 - 60 && after - time(NULL) < 240 * 3600 + 60);
    json_decref(j);
    /* the scheduler, woken by the change, escalates the overdue review */
    j = NULL;
    json_t *ann = NULL;
    for (int i = 0; i < 200; i++) {
        json_decref(j);
        j = NULL;
        CHECK_INT(gwt_api(&srv, "GET", "/api/v1/pipeline", h_admin, NULL, NULL, 0, &j, NULL), 200);
        c = pipeline_course(j, course);
        ann = json_array_get(json_object_get(c, "held_by"), 0);
        if (gwt_sv(ann, "escalated_to")[0])
            break;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    REQUIRE(c != NULL);
    CHECK(json_is_true(json_object_get(c, "stalled")));
    CHECK(json_integer_value(json_object_get(c, "days_in_state")) >= 9);
    CHECK(json_integer_value(json_object_get(c, "days_overdue")) >= 1);
    CHECK_STR(gwt_sv(ann, "escalated_to"), "Hana Head");
    /* when it fell due: after the due date, not after the moved now */
    time_t esc = iso_secs(gwt_sv(ann, "escalated_at"));
    CHECK(esc > before + 86400 && esc <= after);
    json_decref(j);

    /* the move is in the log, with who made it */
    char *log = gwt_slurp(srv.stderr_path, NULL);
    CHECK(log && strstr(log, "moved the clock forward by 240 hours"));
    free(log);
}

static void test_real_clock_refuses(void)
{
    json_t *j = NULL;
    CHECK_INT(gwt_api(&real, "GET", "/api/v1/clock", NULL, NULL, NULL, 0, &j, NULL), 401);
    json_decref(j);
    char h[300];
    snprintf(h, sizeof h, "Authorization: Bearer %s", real.admin_token);
    CHECK_INT(gwt_api(&real, "GET", "/api/v1/clock", h, NULL, NULL, 0, &j, NULL), 200);
    CHECK(json_is_false(json_object_get(j, "movable")));
    CHECK_INT(json_integer_value(json_object_get(j, "ahead_by_hours")), 0);
    json_decref(j);
    CHECK_INT(gwt_post_json(&real, "/api/v1/clock", h, "{\"advance_hours\":24}", &j), 409);
    CHECK_INT(json_integer_value(json_object_get(j, "code")), 1207);
    CHECK(strstr(gwt_sv(j, "detail"), "clock_movable") != NULL);
    json_decref(j);
}

int main(void)
{
    if (!gwt_server_start(&srv, NULL, "{\"clock_movable\":true}") ||
        !gwt_server_start(&real, NULL, NULL))
        return 1;
    snprintf(h_admin, sizeof h_admin, "Authorization: Bearer %s", srv.admin_token);
    if (!gwt_server_make_key(&srv, "author", h_author, sizeof h_author))
        return 1;
    GW_RUN(test_moves_review_into_escalation);
    GW_RUN(test_real_clock_refuses);
    gwt_server_stop(&srv, 15);
    gwt_server_stop(&real, 15);
    gwt_server_free(&srv);
    gwt_server_free(&real);
    return gw_test_summary();
}
