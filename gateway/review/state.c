/* state.c: the course state machine (draft -> ... -> published -> retired),
 * the API names of states and events, and what moves a course on from each
 * state, in words; what a publish or retire job's claim, success and final
 * failure do to its course. Owns which event is allowed from which state; does not
 * own persisting the state or the audit record of a transition (the caller
 * writes both in one transaction). */
#include "gw/review.h"

#include "gw/buf.h"

#include <stdio.h>
#include <string.h>

static const char *const state_names[GW_COURSE_STATE_COUNT] = {
    [GW_COURSE_DRAFT] = "draft",
    [GW_COURSE_VALIDATED] = "validated",
    [GW_COURSE_IN_REVIEW] = "in_review",
    [GW_COURSE_CHANGES_REQUESTED] = "changes_requested",
    [GW_COURSE_APPROVED] = "approved",
    [GW_COURSE_PUBLISHING] = "publishing",
    [GW_COURSE_PUBLISH_FAILED] = "publish_failed",
    [GW_COURSE_PUBLISHED] = "published",
    [GW_COURSE_RETIRED] = "retired",
};

static const char *const event_names[GW_COURSE_EVENT_COUNT] = {
    [GW_COURSE_EV_NEW_VERSION] = "new_version",
    [GW_COURSE_EV_VALIDATED] = "validated",
    [GW_COURSE_EV_SUBMIT] = "submit",
    [GW_COURSE_EV_APPROVE] = "approve",
    [GW_COURSE_EV_REQUEST_CHANGES] = "request_changes",
    [GW_COURSE_EV_REVISE] = "revise",
    [GW_COURSE_EV_PUBLISH_START] = "publish_start",
    [GW_COURSE_EV_PUBLISH_SUCCEEDED] = "publish_succeeded",
    [GW_COURSE_EV_PUBLISH_FAILED] = "publish_failed",
    [GW_COURSE_EV_PUBLISH_RETRY] = "publish_retry",
    [GW_COURSE_EV_RETIRE] = "retire",
};

/* One row per allowed (from, event) pair: the whole machine at a glance. */
struct transition {
    enum gw_course_state from;
    enum gw_course_event ev;
    enum gw_course_state to;
};

static const struct transition transitions[] = {
    {GW_COURSE_DRAFT, GW_COURSE_EV_NEW_VERSION, GW_COURSE_DRAFT},
    {GW_COURSE_VALIDATED, GW_COURSE_EV_NEW_VERSION, GW_COURSE_DRAFT},
    {GW_COURSE_IN_REVIEW, GW_COURSE_EV_NEW_VERSION, GW_COURSE_DRAFT}, /* closes the round */
    {GW_COURSE_CHANGES_REQUESTED, GW_COURSE_EV_NEW_VERSION, GW_COURSE_DRAFT},
    {GW_COURSE_DRAFT, GW_COURSE_EV_VALIDATED, GW_COURSE_VALIDATED},
    {GW_COURSE_VALIDATED, GW_COURSE_EV_SUBMIT, GW_COURSE_IN_REVIEW},
    {GW_COURSE_IN_REVIEW, GW_COURSE_EV_APPROVE, GW_COURSE_APPROVED},
    {GW_COURSE_IN_REVIEW, GW_COURSE_EV_REQUEST_CHANGES, GW_COURSE_CHANGES_REQUESTED},
    {GW_COURSE_CHANGES_REQUESTED, GW_COURSE_EV_REVISE, GW_COURSE_DRAFT},
    {GW_COURSE_APPROVED, GW_COURSE_EV_PUBLISH_START, GW_COURSE_PUBLISHING},
    {GW_COURSE_PUBLISHING, GW_COURSE_EV_PUBLISH_SUCCEEDED, GW_COURSE_PUBLISHED},
    {GW_COURSE_PUBLISHING, GW_COURSE_EV_PUBLISH_FAILED, GW_COURSE_PUBLISH_FAILED},
    {GW_COURSE_PUBLISH_FAILED, GW_COURSE_EV_PUBLISH_RETRY, GW_COURSE_PUBLISHING},
    {GW_COURSE_PUBLISHED, GW_COURSE_EV_RETIRE, GW_COURSE_RETIRED},
    /* a live course's next version: the course stays on the LMS (course_lms)
     * while the new version is reviewed; its publish updates the LMS course
     * through the LMS's versioning */
    {GW_COURSE_PUBLISHED, GW_COURSE_EV_NEW_VERSION, GW_COURSE_DRAFT},
};

#define N_TRANSITIONS (sizeof transitions / sizeof transitions[0])

const char *gw_course_state_name(enum gw_course_state s)
{
    if ((unsigned)s >= GW_COURSE_STATE_COUNT)
        return "unknown";
    return state_names[s];
}

const char *gw_course_event_name(enum gw_course_event ev)
{
    if ((unsigned)ev >= GW_COURSE_EVENT_COUNT)
        return "unknown";
    return event_names[ev];
}

bool gw_course_state_parse(const char *name, enum gw_course_state *out)
{
    for (unsigned i = 0; name && i < GW_COURSE_STATE_COUNT; i++) {
        if (strcmp(name, state_names[i]) == 0) {
            *out = (enum gw_course_state)i;
            return true;
        }
    }
    return false;
}

bool gw_course_event_parse(const char *name, enum gw_course_event *out)
{
    for (unsigned i = 0; name && i < GW_COURSE_EVENT_COUNT; i++) {
        if (strcmp(name, event_names[i]) == 0) {
            *out = (enum gw_course_event)i;
            return true;
        }
    }
    return false;
}

const char *gw_course_state_holder(enum gw_course_state s)
{
    switch (s) {
    case GW_COURSE_DRAFT:
    case GW_COURSE_VALIDATED:
    case GW_COURSE_CHANGES_REQUESTED:
        return "author";
    case GW_COURSE_IN_REVIEW:
        return "approvers";
    case GW_COURSE_APPROVED:
    case GW_COURSE_PUBLISHING:
        return "gateway";
    case GW_COURSE_PUBLISH_FAILED:
        return "lms_admin";
    case GW_COURSE_PUBLISHED:
    case GW_COURSE_RETIRED:
        return "nobody";
    }
    return "nobody";
}

/* Writes "'a', 'b'" (the states ev is allowed from) into out. */
static void allowed_from(enum gw_course_event ev, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < N_TRANSITIONS; i++) {
        if (transitions[i].ev != ev)
            continue;
        int n = snprintf(out + used, cap - used, "%s'%s'", used ? ", " : "",
                         gw_course_state_name(transitions[i].from));
        if (n < 0 || (size_t)n >= cap - used)
            return;
        used += (size_t)n;
    }
}

const char *gw_course_state_next_step(enum gw_course_state s)
{
    switch (s) {
    case GW_COURSE_DRAFT:
        return "add a version first: POST the id of an uploaded package to "
               "/api/v1/courses/{id}/versions (a package without validation errors makes the "
               "course 'validated')";
    case GW_COURSE_VALIDATED:
        return "submit the version for review: POST /api/v1/courses/{id}/submit";
    case GW_COURSE_IN_REVIEW:
        return "wait for the approvers to decide (GET /api/v1/courses/{id}/publish says who is "
               "left), or add a new version, which closes the open round";
    case GW_COURSE_CHANGES_REQUESTED:
        return "add a new version with the changes the approvers asked for";
    case GW_COURSE_APPROVED:
    case GW_COURSE_PUBLISHING:
        return "nothing: the course is publishing by itself; GET /api/v1/courses/{id}/publish "
               "shows the job";
    case GW_COURSE_PUBLISH_FAILED:
        return "an admin fixes the cause (the job's last_error) and retries: POST "
               "/api/v1/courses/{id}/publish/retry";
    case GW_COURSE_PUBLISHED:
        return "add a new version to change the course, or an admin retires it: POST "
               "/api/v1/courses/{id}/retire";
    case GW_COURSE_RETIRED:
        return "nothing: a retired course takes no more steps; create a new course for the "
               "request";
    }
    return "nothing";
}

void gw_course_waiting_words(const struct gw_course_wait *w, char *out, size_t cap)
{
    const char *words = "";
    switch (w->state) {
    case GW_COURSE_DRAFT:
        if (!w->has_version)
            words = "a first version: add an uploaded package with POST "
                    "/api/v1/courses/{id}/versions";
        else if (!w->version_valid)
            words = "a version that passes validation: the latest version has validation "
                    "errors; add the corrected package as a new version";
        else /* taken back to draft after a round asked for changes */
            words = "a new version: add the revised package with POST "
                    "/api/v1/courses/{id}/versions";
        break;
    case GW_COURSE_VALIDATED:
        words = "a version to be submitted for review: POST /api/v1/courses/{id}/submit";
        break;
    case GW_COURSE_IN_REVIEW: {
        char policy[64];
        if (w->policy && w->policy->kind == GW_REVIEW_POLICY_N_OF_M)
            snprintf(policy, sizeof policy, "%u approval%s needed", w->policy->required,
                     w->policy->required == 1 ? "" : "s");
        else
            snprintf(policy, sizeof policy, "all must approve");
        snprintf(out, cap, "the review round: %u of %u approver%s decided (%s)", w->decided,
                 w->approvers, w->approvers == 1 ? "" : "s", policy);
        return;
    }
    case GW_COURSE_CHANGES_REQUESTED:
        words = "a new version with the changes the approvers asked for";
        break;
    case GW_COURSE_APPROVED:
        words = "the outbox to start the publish job (it is queued)";
        break;
    case GW_COURSE_PUBLISHING:
        words = "the LMS to take the course (the publish job runs, or waits for its next attempt)";
        break;
    case GW_COURSE_PUBLISH_FAILED:
        words = "an admin to fix the cause (last_error) and retry: POST "
                "/api/v1/courses/{id}/publish/retry";
        break;
    case GW_COURSE_PUBLISHED:
        words =
            w->retire_pending ? "the LMS to take the course off (the retire job is queued)" : "";
        break;
    case GW_COURSE_RETIRED:
        break;
    }
    snprintf(out, cap, "%s", words);
}

enum gw_err gw_review_transition(enum gw_course_state from, enum gw_course_event ev,
                                 enum gw_course_state *to, struct gw_error *err)
{
    char allowed[256];
    for (size_t i = 0; i < N_TRANSITIONS; i++) {
        if (transitions[i].from == from && transitions[i].ev == ev) {
            *to = transitions[i].to;
            return GW_OK;
        }
    }
    allowed_from(ev, allowed, sizeof allowed);
    return gw_error_set(err, GW_E_REVIEW_ILLEGAL_TRANSITION, "/state",
                        "The course is in state '%s'; '%s' is allowed only from %s. What to do "
                        "next: %s.",
                        gw_course_state_name(from), gw_course_event_name(ev),
                        allowed[0] ? allowed : "no state", gw_course_state_next_step(from));
}

void gw_review_job_failed(bool publish, enum gw_course_state st, enum gw_course_event ev[2],
                          size_t *n, const char **audit_action)
{
    *n = 0;
    *audit_action = publish ? "publish.failed" : "retire.failed";
    if (!publish)
        return;
    if (st == GW_COURSE_APPROVED)
        ev[(*n)++] = GW_COURSE_EV_PUBLISH_START;
    if (st == GW_COURSE_APPROVED || st == GW_COURSE_PUBLISHING)
        ev[(*n)++] = GW_COURSE_EV_PUBLISH_FAILED;
}

void gw_review_job_claimed(bool publish, enum gw_course_state st, enum gw_course_event ev[1],
                           size_t *n)
{
    *n = 0;
    if (publish && st == GW_COURSE_APPROVED)
        ev[(*n)++] = GW_COURSE_EV_PUBLISH_START;
}

void gw_review_job_succeeded(bool publish, enum gw_course_state st, enum gw_course_event ev[2],
                             size_t *n, const char **audit_action)
{
    *n = 0;
    *audit_action = publish ? "publish.succeeded" : "retire.succeeded";
    if (!publish) {
        if (st == GW_COURSE_PUBLISHED)
            ev[(*n)++] = GW_COURSE_EV_RETIRE;
        return;
    }
    if (st == GW_COURSE_APPROVED)
        ev[(*n)++] = GW_COURSE_EV_PUBLISH_START;
    if (st == GW_COURSE_APPROVED || st == GW_COURSE_PUBLISHING)
        ev[(*n)++] = GW_COURSE_EV_PUBLISH_SUCCEEDED;
}

void gw_course_name_paths(char *text, size_t cap, const char *course_id)
{
    static const char unreserved[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789-._~";
    if (!text || strspn(course_id, unreserved) != strlen(course_id))
        return; /* an id that would need escaping in a path stays "{id}" */
    struct gw_buf b = {0};
    const char *p = text;
    const char *hit = strstr(p, "{id}");
    while (hit) {
        gw_buf_append(&b, p, (size_t)(hit - p));
        gw_buf_puts(&b, course_id);
        p = hit + 4;
        hit = strstr(p, "{id}");
    }
    gw_buf_puts(&b, p);
    snprintf(text, cap, "%s", gw_buf_str(&b));
    gw_buf_free(&b);
}
