/* pipeline.c: what the pipeline view says of a course or request at an
 * instant (gw/pipeline.h): who holds it, how long it has been in its state,
 * how late each undecided approver is and whether that passes the
 * department's stall threshold (escalate_after_days), whether the request's
 * deadline has passed for something not yet live, and the launch
 * announcement in words. Pure: the rows come from store/pipeline.c, the
 * instant from the caller. */
#include "gw/announce.h"
#include "gw/buf.h"
#include "gw/department.h"
#include "gw/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The announcement mail in words: why none goes out, or how many go out or
 * went out. */
static void announcement_words(const struct gw_pipeline_item *it, char *out, size_t cap)
{
    json_t *bc = it->business_case ? json_loads(it->business_case, 0, NULL) : NULL;
    struct gw_announce_plan plan;
    gw_announce_plan_read(bc, &plan);
    const char *why = gw_announce_no_mail_reason(&plan);
    if (why)
        snprintf(out, cap, "%s", why);
    else if (it->announce_queued == 0)
        snprintf(out, cap, "%zu recipients when published", plan.n_recipients);
    else
        snprintf(out, cap, "mailed %lld of %lld", (long long)it->announce_sent,
                 (long long)it->announce_queued);
    json_decref(bc);
}

void gw_pipeline_assess(const struct gw_pipeline_item *it, int64_t now_ms,
                        struct gw_pipeline_view *out)
{
    memset(out, 0, sizeof *out);
    struct gw_dept_settings ds;
    gw_dept_settings_read(it->settings, &ds);
    out->stall_after_days = gw_review_stall_after_days(&ds.schedule);
    out->holder = it->is_request ? "training_team" : gw_course_state_holder(it->state);
    out->days_in_state = (now_ms - it->since_ms) / GW_REVIEW_DAY_MS;
    bool live =
        !it->is_request && (it->state == GW_COURSE_PUBLISHED || it->state == GW_COURSE_RETIRED);
    out->late = it->deadline_ms > 0 && now_ms >= it->deadline_ms + GW_REVIEW_DAY_MS && !live;
    out->shows_publish =
        !it->is_request && (it->state == GW_COURSE_APPROVED || it->state == GW_COURSE_PUBLISHING ||
                            it->state == GW_COURSE_PUBLISH_FAILED);
    if (!it->is_request)
        announcement_words(it, out->announcement, sizeof out->announcement);
    if (it->n_approvers)
        out->approvers = gw_xcalloc(it->n_approvers, sizeof *out->approvers);
    for (size_t i = 0; i < it->n_approvers; i++) {
        const struct gw_pipeline_approver *a = &it->approvers[i];
        struct gw_pipeline_approver_view *v = &out->approvers[i];
        v->days_overdue = gw_review_days_overdue(a->due_ms, now_ms);
        v->stalled = a->marked_stalled || gw_review_is_stalled(&ds.schedule, a->due_ms, now_ms);
        out->stalled = out->stalled || v->stalled;
        if (v->days_overdue > out->days_overdue)
            out->days_overdue = v->days_overdue;
    }
    gw_dept_settings_free(&ds);
}

void gw_pipeline_view_free(struct gw_pipeline_view *v)
{
    free(v->approvers);
    v->approvers = NULL;
}
