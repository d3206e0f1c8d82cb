/* The pipeline view's decisions (review/pipeline.c), without a database: who
 * holds a course or request, days in state, how late each undecided approver
 * is, stalled by the department's threshold or by the scheduler's mark, the
 * worst delay, a passed deadline only for what is not live, the publish
 * fields only while publishing matters, and the announcement in words. */
#include "gw/pipeline.h"
#include "gwtest.h"

#include <string.h>

#define DAY GW_REVIEW_DAY_MS
static const int64_t T0 = 1796000000000LL - 1796000000000LL % DAY; /* a midnight UTC */

static void test_course_in_review(void)
{
    struct gw_pipeline_approver ap[3] = {
        {.person_id = "ann", .due_ms = T0 - 3 * DAY}, /* 3 days overdue at T0 + 9 h */
        {.person_id = "bob", .due_ms = T0 + 2 * DAY}, /* not due yet */
        {.person_id = "cy", .due_ms = T0 + DAY, .marked_stalled = true},
    };
    struct gw_pipeline_item it = {
        .state = GW_COURSE_IN_REVIEW,
        .since_ms = T0 - 10 * DAY,
        .settings = "{\"escalate_after_days\": 3}",
        .approvers = ap,
        .n_approvers = 3,
    };
    struct gw_pipeline_view v;
    gw_pipeline_assess(&it, T0 + 9 * 3600000LL, &v);
    CHECK_STR(v.holder, "approvers");
    CHECK_INT(v.days_in_state, 10);
    CHECK_INT(v.stall_after_days, 3);
    CHECK_INT(v.approvers[0].days_overdue, 3);
    CHECK(v.approvers[0].stalled); /* overdue by the threshold */
    CHECK_INT(v.approvers[1].days_overdue, 0);
    CHECK(!v.approvers[1].stalled);
    CHECK(v.approvers[2].stalled); /* marked when escalated */
    CHECK(v.stalled);
    CHECK_INT(v.days_overdue, 3);
    CHECK(!v.shows_publish);
    CHECK(!v.late);
    gw_pipeline_view_free(&v);
    /* a day earlier ann is 2 days overdue: under the threshold */
    ap[2].marked_stalled = false;
    gw_pipeline_assess(&it, T0 - DAY + 9 * 3600000LL, &v);
    CHECK_INT(v.approvers[0].days_overdue, 2);
    CHECK(!v.stalled);
    gw_pipeline_view_free(&v);
    /* the default threshold is 7 days; a department that never escalates (0)
     * still sees a review stall after 7 days (the KPI stalled_reviews' rule) */
    it.settings = NULL;
    gw_pipeline_assess(&it, T0 + 9 * 3600000LL, &v);
    CHECK_INT(v.stall_after_days, 7);
    CHECK(!v.stalled);
    gw_pipeline_view_free(&v);
    it.settings = "{\"escalate_after_days\": 0}";
    gw_pipeline_assess(&it, T0 + 4 * DAY, &v);
    CHECK_INT(v.stall_after_days, 7);
    CHECK_INT(v.approvers[0].days_overdue, 7);
    CHECK(v.approvers[0].stalled);
    gw_pipeline_view_free(&v);
}

static void test_deadline_publish_and_announcement(void)
{
    struct gw_pipeline_item it = {
        .state = GW_COURSE_PUBLISH_FAILED,
        .since_ms = T0,
        .deadline_ms = T0 - 2 * DAY,
        .business_case =
            "{\"announce\": {\"recipients\": [\"a@corp.example\", \"b@corp.example\"]}}",
    };
    struct gw_pipeline_view v;
    gw_pipeline_assess(&it, T0 + 3600000LL, &v);
    CHECK_STR(v.holder, "lms_admin");
    CHECK(v.late);
    CHECK(v.shows_publish);
    CHECK_STR(v.announcement, "2 recipients when published");
    gw_pipeline_view_free(&v);
    it.state = GW_COURSE_PUBLISHED;
    it.announce_queued = 2;
    it.announce_sent = 1;
    gw_pipeline_assess(&it, T0 + 3600000LL, &v);
    CHECK_STR(v.holder, "nobody");
    CHECK(!v.late); /* live: the deadline no longer matters */
    CHECK(!v.shows_publish);
    CHECK_STR(v.announcement, "mailed 1 of 2");
    gw_pipeline_view_free(&v);
    it.business_case = NULL;
    gw_pipeline_assess(&it, T0, &v);
    CHECK_STR(v.announcement, "no recipients in the communication plan");
    gw_pipeline_view_free(&v);
    /* the deadline's own day is not late yet */
    it.state = GW_COURSE_DRAFT;
    it.deadline_ms = T0;
    gw_pipeline_assess(&it, T0 + DAY - 1, &v);
    CHECK(!v.late);
    CHECK_STR(v.holder, "author");
    gw_pipeline_view_free(&v);
    gw_pipeline_assess(&it, T0 + DAY, &v);
    CHECK(v.late);
    gw_pipeline_view_free(&v);
}

static void test_request(void)
{
    struct gw_pipeline_item it = {.is_request = true, .since_ms = T0 - 8 * DAY};
    struct gw_pipeline_view v;
    gw_pipeline_assess(&it, T0, &v);
    CHECK_STR(v.holder, "training_team");
    CHECK_INT(v.days_in_state, 8);
    CHECK_STR(v.announcement, "");
    CHECK(!v.stalled && !v.shows_publish);
    gw_pipeline_view_free(&v);
}

int main(void)
{
    GW_RUN(test_course_in_review);
    GW_RUN(test_deadline_publish_and_announcement);
    GW_RUN(test_request);
    return gw_test_summary();
}
