/* A course's publish status as the domain reads it (publish/status.c), without
 * a database: what the course waits for in words, with its own routes and the
 * open round's policy, and which job's message is its last error. */
#include "gw/publish.h"
#include "gwtest.h"

#include <string.h>

static void test_waiting_names_routes(void)
{
    struct gw_publish_status st = {.course_id = "c-1", .wait = {.state = GW_COURSE_VALIDATED}};
    char w[300];
    gw_publish_status_waiting(&st, w, sizeof w);
    CHECK_STR(w, "a version to be submitted for review: POST /api/v1/courses/c-1/submit");
    st.course_id = "a b"; /* would need escaping in a path: "{id}" stays */
    gw_publish_status_waiting(&st, w, sizeof w);
    CHECK_STR(w, "a version to be submitted for review: POST /api/v1/courses/{id}/submit");
}

static void test_waiting_round_policy(void)
{
    struct gw_publish_status st = {
        .course_id = "c1",
        .wait = {.state = GW_COURSE_IN_REVIEW, .approvers = 3, .decided = 1},
    };
    char w[300];
    gw_publish_status_waiting(&st, w, sizeof w); /* no policy: all must approve */
    CHECK_STR(w, "the review round: 1 of 3 approvers decided (all must approve)");
    st.policy = (struct gw_review_policy){.kind = GW_REVIEW_POLICY_N_OF_M, .required = 2};
    st.has_policy = true;
    gw_publish_status_waiting(&st, w, sizeof w);
    CHECK_STR(w, "the review round: 1 of 3 approvers decided (2 approvals needed)");
}

static void test_waiting_nothing(void)
{
    struct gw_publish_status st = {.course_id = "c1", .wait = {.state = GW_COURSE_PUBLISHED}};
    char w[300];
    gw_publish_status_waiting(&st, w, sizeof w);
    CHECK_STR(w, "");
    st.wait.retire_pending = true;
    gw_publish_status_waiting(&st, w, sizeof w);
    CHECK_STR(w, "the LMS to take the course off (the retire job is queued)");
}

static void test_last_error_is_newest_jobs(void)
{
    struct gw_publish_job_status jobs[2] = {{.last_error = "HTTP 500"}, {.last_error = NULL}};
    struct gw_publish_status st = {.course_id = "c1"};
    CHECK(gw_publish_status_last_error(&st) == NULL); /* no job */
    st.jobs = jobs;
    st.n_jobs = 1;
    CHECK_STR(gw_publish_status_last_error(&st), "HTTP 500");
    st.n_jobs = 2; /* the newest has none: an older message is not the course's */
    CHECK(gw_publish_status_last_error(&st) == NULL);
}

int main(void)
{
    GW_RUN(test_waiting_names_routes);
    GW_RUN(test_waiting_round_policy);
    GW_RUN(test_waiting_nothing);
    GW_RUN(test_last_error_is_newest_jobs);
    return gw_test_summary();
}
