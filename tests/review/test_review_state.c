/* Tests for review/state.c: the course state machine and its names. */
#include "gw/review.h"
#include "gwtest.h"

static enum gw_course_state go(enum gw_course_state from, enum gw_course_event ev)
{
    enum gw_course_state to = GW_COURSE_RETIRED;
    struct gw_error err;
    CHECK_INT(gw_review_transition(from, ev, &to, &err), GW_OK);
    return to;
}

static void test_happy_path(void)
{
    enum gw_course_state s = GW_COURSE_DRAFT;
    s = go(s, GW_COURSE_EV_NEW_VERSION);
    CHECK_INT(s, GW_COURSE_DRAFT);
    s = go(s, GW_COURSE_EV_VALIDATED);
    CHECK_INT(s, GW_COURSE_VALIDATED);
    s = go(s, GW_COURSE_EV_SUBMIT);
    CHECK_INT(s, GW_COURSE_IN_REVIEW);
    s = go(s, GW_COURSE_EV_APPROVE);
    CHECK_INT(s, GW_COURSE_APPROVED);
    s = go(s, GW_COURSE_EV_PUBLISH_START);
    CHECK_INT(s, GW_COURSE_PUBLISHING);
    s = go(s, GW_COURSE_EV_PUBLISH_FAILED);
    CHECK_INT(s, GW_COURSE_PUBLISH_FAILED);
    s = go(s, GW_COURSE_EV_PUBLISH_RETRY);
    CHECK_INT(s, GW_COURSE_PUBLISHING);
    s = go(s, GW_COURSE_EV_PUBLISH_SUCCEEDED);
    CHECK_INT(s, GW_COURSE_PUBLISHED);
    s = go(s, GW_COURSE_EV_RETIRE);
    CHECK_INT(s, GW_COURSE_RETIRED);
}

static void test_back_to_draft(void)
{
    CHECK_INT(go(GW_COURSE_IN_REVIEW, GW_COURSE_EV_REQUEST_CHANGES), GW_COURSE_CHANGES_REQUESTED);
    CHECK_INT(go(GW_COURSE_CHANGES_REQUESTED, GW_COURSE_EV_REVISE), GW_COURSE_DRAFT);
    CHECK_INT(go(GW_COURSE_CHANGES_REQUESTED, GW_COURSE_EV_NEW_VERSION), GW_COURSE_DRAFT);
    /* a new version closes the open round */
    CHECK_INT(go(GW_COURSE_IN_REVIEW, GW_COURSE_EV_NEW_VERSION), GW_COURSE_DRAFT);
    CHECK_INT(go(GW_COURSE_VALIDATED, GW_COURSE_EV_NEW_VERSION), GW_COURSE_DRAFT);
    /* a live course's next version goes through review again */
    CHECK_INT(go(GW_COURSE_PUBLISHED, GW_COURSE_EV_NEW_VERSION), GW_COURSE_DRAFT);
}

static void test_illegal_names_state(void)
{
    struct gw_error err;
    enum gw_course_state to = GW_COURSE_RETIRED;
    gw_error_clear(&err);
    CHECK_INT(gw_review_transition(GW_COURSE_DRAFT, GW_COURSE_EV_SUBMIT, &to, &err),
              GW_E_REVIEW_ILLEGAL_TRANSITION);
    CHECK_INT(err.code, GW_E_REVIEW_ILLEGAL_TRANSITION);
    CHECK_INT(to, GW_COURSE_RETIRED); /* untouched */
    CHECK(strstr(err.detail, "'draft'") != NULL);
    CHECK(strstr(err.detail, "'submit'") != NULL);
    CHECK(strstr(err.detail, "'validated'") != NULL); /* where submit is allowed */
    /* and what to do next, in words (issue 16) */
    CHECK(strstr(err.detail, "What to do next: add a version first: POST the id of an uploaded "
                             "package to /api/v1/courses/{id}/versions") != NULL);
    CHECK_INT(gw_err_lookup(err.code)->http_status, 409);

    CHECK_INT(gw_review_transition(GW_COURSE_RETIRED, GW_COURSE_EV_NEW_VERSION, &to, &err),
              GW_E_REVIEW_ILLEGAL_TRANSITION);
    CHECK(strstr(err.detail, "'retired'") != NULL);
    CHECK_INT(gw_review_transition(GW_COURSE_PUBLISHING, GW_COURSE_EV_NEW_VERSION, &to, &err),
              GW_E_REVIEW_ILLEGAL_TRANSITION);
    CHECK(strstr(err.detail, "'publishing'") != NULL);
    CHECK_INT(gw_review_transition(GW_COURSE_APPROVED, GW_COURSE_EV_APPROVE, &to, &err),
              GW_E_REVIEW_ILLEGAL_TRANSITION);
    CHECK(strstr(err.detail, "'approved'") != NULL);
    CHECK_INT(gw_review_transition(GW_COURSE_RETIRED, GW_COURSE_EV_PUBLISH_RETRY, &to, NULL),
              GW_E_REVIEW_ILLEGAL_TRANSITION);
    CHECK_INT(gw_review_transition(GW_COURSE_PUBLISHED, GW_COURSE_EV_PUBLISH_RETRY, &to, &err),
              GW_E_REVIEW_ILLEGAL_TRANSITION);
    CHECK(strstr(err.detail, "add a new version to change the course, or an admin retires it"));
    CHECK_INT(gw_review_transition(GW_COURSE_IN_REVIEW, GW_COURSE_EV_SUBMIT, &to, &err),
              GW_E_REVIEW_ILLEGAL_TRANSITION);
    CHECK(strstr(err.detail, "wait for the approvers to decide"));
    /* every state says what moves it on */
    for (int s = 0; s < GW_COURSE_STATE_COUNT; s++)
        CHECK(strlen(gw_course_state_next_step((enum gw_course_state)s)) > 10);
}

/* Issue 16: what a course waits for, in words, per state. */
static void test_waiting_words(void)
{
    char w[300];
    struct gw_course_wait cw = {.state = GW_COURSE_DRAFT};
    gw_course_waiting_words(&cw, w, sizeof w);
    CHECK_STR(w, "a first version: add an uploaded package with POST "
                 "/api/v1/courses/{id}/versions");
    cw.has_version = true;
    gw_course_waiting_words(&cw, w, sizeof w);
    CHECK(strncmp(w, "a version that passes validation", 32) == 0);
    cw.state = GW_COURSE_VALIDATED;
    gw_course_waiting_words(&cw, w, sizeof w);
    CHECK_STR(w, "a version to be submitted for review: POST /api/v1/courses/{id}/submit");
    struct gw_review_policy two = {.kind = GW_REVIEW_POLICY_N_OF_M, .required = 2};
    cw = (struct gw_course_wait){.state = GW_COURSE_IN_REVIEW, .approvers = 3, .decided = 1};
    gw_course_waiting_words(&cw, w, sizeof w);
    CHECK_STR(w, "the review round: 1 of 3 approvers decided (all must approve)");
    cw.policy = &two;
    gw_course_waiting_words(&cw, w, sizeof w);
    CHECK_STR(w, "the review round: 1 of 3 approvers decided (2 approvals needed)");
    cw = (struct gw_course_wait){.state = GW_COURSE_IN_REVIEW, .approvers = 1};
    gw_course_waiting_words(&cw, w, sizeof w);
    CHECK_STR(w, "the review round: 0 of 1 approver decided (all must approve)");
    cw = (struct gw_course_wait){.state = GW_COURSE_PUBLISH_FAILED};
    gw_course_waiting_words(&cw, w, sizeof w);
    CHECK(strstr(w, "POST /api/v1/courses/{id}/publish/retry") != NULL);
    cw.state = GW_COURSE_PUBLISHED;
    gw_course_waiting_words(&cw, w, sizeof w);
    CHECK_STR(w, ""); /* nothing: shown as null */
    cw.retire_pending = true;
    gw_course_waiting_words(&cw, w, sizeof w);
    CHECK(strstr(w, "retire job") != NULL);
    cw = (struct gw_course_wait){.state = GW_COURSE_RETIRED};
    gw_course_waiting_words(&cw, w, sizeof w);
    CHECK_STR(w, "");
    for (int s = GW_COURSE_CHANGES_REQUESTED; s <= GW_COURSE_PUBLISHING; s++) {
        cw = (struct gw_course_wait){.state = (enum gw_course_state)s};
        gw_course_waiting_words(&cw, w, sizeof w);
        CHECK(strlen(w) > 10);
    }
}

static void test_matrix(void)
{
    /* Exactly the 15 documented transitions are legal. */
    int legal = 0;
    for (int s = 0; s < GW_COURSE_STATE_COUNT; s++) {
        for (int e = 0; e < GW_COURSE_EVENT_COUNT; e++) {
            enum gw_course_state to;
            if (gw_review_transition((enum gw_course_state)s, (enum gw_course_event)e, &to, NULL) ==
                GW_OK)
                legal++;
        }
    }
    CHECK_INT(legal, 15);
    /* Nothing leaves retired. */
    for (int e = 0; e < GW_COURSE_EVENT_COUNT; e++) {
        enum gw_course_state to;
        CHECK(gw_review_transition(GW_COURSE_RETIRED, (enum gw_course_event)e, &to, NULL) != GW_OK);
    }
}

static void test_names(void)
{
    for (int s = 0; s < GW_COURSE_STATE_COUNT; s++) {
        enum gw_course_state back;
        const char *n = gw_course_state_name((enum gw_course_state)s);
        CHECK(strcmp(n, "unknown") != 0);
        CHECK(gw_course_state_parse(n, &back));
        CHECK_INT(back, s);
    }
    for (int e = 0; e < GW_COURSE_EVENT_COUNT; e++) {
        enum gw_course_event back;
        CHECK(gw_course_event_parse(gw_course_event_name((enum gw_course_event)e), &back));
        CHECK_INT(back, e);
    }
    enum gw_course_state s;
    CHECK(!gw_course_state_parse("Draft", &s));
    CHECK(!gw_course_state_parse(NULL, &s));
    CHECK_STR(gw_course_state_name((enum gw_course_state)99), "unknown");
    CHECK_STR(gw_course_state_name(GW_COURSE_PUBLISH_FAILED), "publish_failed");
    CHECK_STR(gw_course_state_holder(GW_COURSE_IN_REVIEW), "approvers");
    CHECK_STR(gw_course_state_holder(GW_COURSE_CHANGES_REQUESTED), "author");
    CHECK_STR(gw_course_state_holder(GW_COURSE_PUBLISH_FAILED), "lms_admin");
}

/* A job's final failure: which events the course takes, by state. */
static void test_job_failed(void)
{
    static const struct {
        bool publish;
        enum gw_course_state st;
        size_t n;
        enum gw_course_event ev[2];
        const char *action;
    } cases[] = {
        {true,
         GW_COURSE_APPROVED,
         2,
         {GW_COURSE_EV_PUBLISH_START, GW_COURSE_EV_PUBLISH_FAILED},
         "publish.failed"},
        {true, GW_COURSE_PUBLISHING, 1, {GW_COURSE_EV_PUBLISH_FAILED}, "publish.failed"},
        {true, GW_COURSE_DRAFT, 0, {0}, "publish.failed"},
        {true, GW_COURSE_PUBLISHED, 0, {0}, "publish.failed"},
        {false, GW_COURSE_PUBLISHED, 0, {0}, "retire.failed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum gw_course_event ev[2];
        size_t n = 9;
        const char *action = NULL;
        gw_review_job_failed(cases[i].publish, cases[i].st, ev, &n, &action);
        CHECK_INT(n, cases[i].n);
        for (size_t k = 0; k < n && k < 2; k++)
            CHECK_INT(ev[k], cases[i].ev[k]);
        CHECK_STR(action, cases[i].action);
        /* every event it names is a legal step from where the course is */
        enum gw_course_state st = cases[i].st;
        for (size_t k = 0; k < n; k++)
            CHECK_INT(gw_review_transition(st, ev[k], &st, NULL), GW_OK);
        if (n)
            CHECK_INT(st, GW_COURSE_PUBLISH_FAILED);
    }
}

/* A job's claim and success: which events the course takes, by state. */
static void test_job_claimed_succeeded(void)
{
    static const struct {
        bool publish;
        enum gw_course_state st;
        size_t n_claim, n_done;
        enum gw_course_event done[2];
        const char *action;
        enum gw_course_state end;
    } cases[] = {
        {true,
         GW_COURSE_APPROVED,
         1,
         2,
         {GW_COURSE_EV_PUBLISH_START, GW_COURSE_EV_PUBLISH_SUCCEEDED},
         "publish.succeeded",
         GW_COURSE_PUBLISHED},
        {true,
         GW_COURSE_PUBLISHING,
         0,
         1,
         {GW_COURSE_EV_PUBLISH_SUCCEEDED},
         "publish.succeeded",
         GW_COURSE_PUBLISHED},
        {true, GW_COURSE_DRAFT, 0, 0, {0}, "publish.succeeded", GW_COURSE_DRAFT},
        {true, GW_COURSE_PUBLISH_FAILED, 0, 0, {0}, "publish.succeeded", GW_COURSE_PUBLISH_FAILED},
        {true, GW_COURSE_PUBLISHED, 0, 0, {0}, "publish.succeeded", GW_COURSE_PUBLISHED},
        {false,
         GW_COURSE_PUBLISHED,
         0,
         1,
         {GW_COURSE_EV_RETIRE},
         "retire.succeeded",
         GW_COURSE_RETIRED},
        {false, GW_COURSE_APPROVED, 0, 0, {0}, "retire.succeeded", GW_COURSE_APPROVED},
        {false, GW_COURSE_RETIRED, 0, 0, {0}, "retire.succeeded", GW_COURSE_RETIRED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum gw_course_event claim[1], done[2];
        size_t n = 9;
        gw_review_job_claimed(cases[i].publish, cases[i].st, claim, &n);
        CHECK_INT(n, cases[i].n_claim);
        if (n)
            CHECK_INT(claim[0], GW_COURSE_EV_PUBLISH_START);
        const char *action = NULL;
        n = 9;
        gw_review_job_succeeded(cases[i].publish, cases[i].st, done, &n, &action);
        CHECK_INT(n, cases[i].n_done);
        for (size_t k = 0; k < n && k < 2; k++)
            CHECK_INT(done[k], cases[i].done[k]);
        CHECK_STR(action, cases[i].action);
        /* every event it names is a legal step from where the course is */
        enum gw_course_state st = cases[i].st;
        for (size_t k = 0; k < n; k++)
            CHECK_INT(gw_review_transition(st, done[k], &st, NULL), GW_OK);
        CHECK_INT(st, cases[i].end);
    }
}

int main(void)
{
    GW_RUN(test_happy_path);
    GW_RUN(test_back_to_draft);
    GW_RUN(test_illegal_names_state);
    GW_RUN(test_waiting_words);
    GW_RUN(test_matrix);
    GW_RUN(test_names);
    GW_RUN(test_job_failed);
    GW_RUN(test_job_claimed_succeeded);
    return gw_test_summary();
}
