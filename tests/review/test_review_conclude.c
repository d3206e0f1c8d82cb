/* test_review_conclude.c: what a round's outcome makes happen
 * (gw_review_conclude), table-driven, without a database. */
#include "gw/review.h"
#include "gw/timefmt.h"
#include "gwtest.h"

#include <stdlib.h>
#include <string.h>

static int64_t at(const char *iso)
{
    int64_t ms = 0;
    if (!gw_time_parse_iso(iso, false, &ms))
        abort();
    return ms;
}

/* A decision: approver, kind, comment. */
struct dec {
    const char *who;
    enum gw_review_decision_kind kind;
    const char *comment;
};

static const struct {
    const char *name;
    enum gw_review_policy_kind policy;
    unsigned required;
    bool silence, closed;
    struct dec decs[3];
    const char *author, *now;
    /* expected */
    enum gw_review_outcome_state outcome;
    bool act, publish, notify;
    const char *round_state, *key;
    size_t n_silent;
} cases[] = {
    {"all approve",
     GW_REVIEW_POLICY_ALL,
     0,
     false,
     false,
     {{"ann", GW_REVIEW_APPROVE, NULL}, {"bob", GW_REVIEW_APPROVE, NULL}},
     "auth",
     "2026-11-25T10:00:00Z",
     GW_REVIEW_APPROVED,
     true,
     true,
     false,
     "approved",
     NULL,
     0},
    {"one still to decide",
     GW_REVIEW_POLICY_ALL,
     0,
     false,
     false,
     {{"ann", GW_REVIEW_APPROVE, NULL}},
     "auth",
     "2026-11-25T10:00:00Z",
     GW_REVIEW_OPEN,
     false,
     false,
     false,
     NULL,
     NULL,
     0},
    {"changes requested, author told",
     GW_REVIEW_POLICY_ALL,
     0,
     false,
     false,
     {{"ann", GW_REVIEW_REQUEST_CHANGES, "fix page 3"}},
     "auth",
     "2026-11-25T10:00:00Z",
     GW_REVIEW_CHANGES_REQUESTED,
     true,
     false,
     true,
     "changes_requested",
     "round-1/-/changes_requested/0",
     0},
    {"rejected, no author to tell",
     GW_REVIEW_POLICY_ALL,
     0,
     false,
     false,
     {{"bob", GW_REVIEW_REJECT, "not needed"}},
     "",
     "2026-11-25T10:00:00Z",
     GW_REVIEW_CHANGES_REQUESTED,
     true,
     false,
     false,
     "changes_requested",
     NULL,
     0},
    {"one of two is enough",
     GW_REVIEW_POLICY_N_OF_M,
     1,
     false,
     false,
     {{"bob", GW_REVIEW_APPROVE, NULL}},
     "auth",
     "2026-11-25T10:00:00Z",
     GW_REVIEW_APPROVED,
     true,
     true,
     false,
     "approved",
     NULL,
     0},
    {"silence approves after the due date",
     GW_REVIEW_POLICY_ALL,
     0,
     true,
     false,
     {{"bob", GW_REVIEW_APPROVE, NULL}},
     "auth",
     "2026-12-03T00:00:00Z",
     GW_REVIEW_APPROVED,
     true,
     true,
     false,
     "approved",
     NULL,
     1},
    {"silence before the due date passes",
     GW_REVIEW_POLICY_ALL,
     0,
     true,
     false,
     {{"bob", GW_REVIEW_APPROVE, NULL}},
     "auth",
     "2026-12-02T23:59:59Z",
     GW_REVIEW_OPEN,
     false,
     false,
     false,
     NULL,
     NULL,
     0},
    {"already closed: nothing again",
     GW_REVIEW_POLICY_ALL,
     0,
     false,
     true,
     {{"ann", GW_REVIEW_APPROVE, NULL}, {"bob", GW_REVIEW_APPROVE, NULL}},
     "auth",
     "2026-11-25T10:00:00Z",
     GW_REVIEW_APPROVED,
     false,
     false,
     false,
     NULL,
     NULL,
     0},
};

static void test_conclusions(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct gw_review_policy p = {.kind = cases[i].policy, .required = cases[i].required};
        if (cases[i].silence) {
            p.approve_on_silence = true;
            snprintf(p.silence_agreed_by, sizeof p.silence_agreed_by, "head-sales");
            p.silence_agreed_ms = at("2026-11-02T10:00:00Z");
        }
        struct gw_review_round r;
        gw_review_round_init(&r, "round-1", "course-1", at("2026-11-23T10:00:00Z"), &p);
        gw_review_round_add_approver(&r, "ann", at("2026-12-02T00:00:00Z"), NULL);
        gw_review_round_add_approver(&r, "bob", 0, NULL);
        for (size_t d = 0; d < 3 && cases[i].decs[d].who; d++)
            CHECK_INT(gw_review_round_decide(&r, cases[i].decs[d].who, cases[i].decs[d].kind,
                                             cases[i].decs[d].comment, GW_REVIEW_VIA_API,
                                             at("2026-11-24T10:00:00Z"), NULL, NULL),
                      GW_OK);
        r.closed = cases[i].closed;
        struct gw_review_conclusion cn;
        gw_review_conclude(&r, cases[i].author, at(cases[i].now), &cn);
        if (cn.outcome != cases[i].outcome || cn.act != cases[i].act ||
            cn.queue_publish != cases[i].publish || cn.notify_author != cases[i].notify ||
            cn.n_silent != cases[i].n_silent)
            fprintf(stderr, "  case: %s\n", cases[i].name);
        CHECK_INT(cn.outcome, cases[i].outcome);
        CHECK(cn.act == cases[i].act);
        CHECK(cn.queue_publish == cases[i].publish);
        CHECK(cn.notify_author == cases[i].notify);
        CHECK_INT(cn.n_silent, cases[i].n_silent);
        if (cases[i].round_state)
            CHECK_STR(cn.round_state, cases[i].round_state);
        if (cases[i].round_state)
            CHECK_INT(cn.course_event, strcmp(cases[i].round_state, "approved") == 0
                                           ? GW_COURSE_EV_APPROVE
                                           : GW_COURSE_EV_REQUEST_CHANGES);
        if (cases[i].key)
            CHECK_STR(cn.author_notice_key, cases[i].key);
        if (cn.n_silent) {
            CHECK_STR(cn.silent[0].approver_id, "ann");
            CHECK(strstr(cn.silent[0].audit_comment, "due date 2026-12-02 passed") != NULL);
            CHECK(strstr(cn.silent[0].audit_comment, "agreed by head-sales at 2026-11-02") != NULL);
        }
        gw_review_round_free(&r);
    }
}

/* Issue 15: a conclusion on silence tells the author (under the key of the
 * silent approver's scheduled notice, so the tick that concluded records it
 * once) and every approver, a delegate in their approver's place. */
static void test_silence_notices(void)
{
    struct gw_review_policy p = {.kind = GW_REVIEW_POLICY_ALL, .approve_on_silence = true};
    snprintf(p.silence_agreed_by, sizeof p.silence_agreed_by, "head-sales");
    p.silence_agreed_ms = at("2026-11-02T10:00:00Z");
    struct gw_review_round r;
    gw_review_round_init(&r, "round-1", "course-1", at("2026-11-23T10:00:00Z"), &p);
    gw_review_round_add_approver(&r, "ann", at("2026-12-02T00:00:00Z"), NULL);
    gw_review_round_add_approver(&r, "bob", at("2026-12-02T00:00:00Z"), NULL);
    snprintf(r.approvers[1].delegate_id, sizeof r.approvers[1].delegate_id, "cid");
    CHECK_INT(gw_review_round_decide(&r, "ann", GW_REVIEW_APPROVE, NULL, GW_REVIEW_VIA_API,
                                     at("2026-11-24T10:00:00Z"), NULL, NULL),
              GW_OK);
    struct gw_review_conclusion cn;
    gw_review_conclude(&r, "auth", at("2026-12-03T09:00:00Z"), &cn);
    CHECK_INT(cn.outcome, GW_REVIEW_APPROVED);
    REQUIRE(cn.n_notices == 3);
    /* the author, as the schedule keys bob's approve-on-silence notice */
    struct gw_review_schedule_settings set;
    gw_review_schedule_defaults(&set);
    struct gw_review_schedule_input in = {.round_id = "round-1",
                                          .approver_id = "bob",
                                          .asked_ms = at("2026-11-23T10:00:00Z"),
                                          .due_ms = at("2026-12-02T00:00:00Z"),
                                          .silence_agreed = true};
    struct gw_review_due_notice due[3];
    size_t n = 0;
    gw_review_schedule_due(&set, &in, at("2026-12-03T09:00:00Z"), due, &n);
    size_t k = 0;
    while (k < n && due[k].kind != GW_NOTICE_APPROVE_ON_SILENCE)
        k++;
    REQUIRE(k < n);
    CHECK_STR(cn.notices[0].recipient_id, "auth");
    CHECK_STR(cn.notices[0].approver_id, "bob");
    CHECK_STR(cn.notices[0].key, due[k].key);
    /* each approver once: ann, and cid for bob */
    CHECK_STR(cn.notices[1].recipient_id, "ann");
    CHECK_STR(cn.notices[2].recipient_id, "cid");
    CHECK(strcmp(cn.notices[1].key, cn.notices[2].key) != 0);
    CHECK(strcmp(cn.notices[0].key, cn.notices[1].key) != 0);
    CHECK(gw_review_notice_outlives_round("approve_on_silence"));
    CHECK(gw_review_notice_outlives_round("changes_requested"));
    CHECK(!gw_review_notice_outlives_round("reminder_due"));
    CHECK(!gw_review_notice_outlives_round("ask"));
    gw_review_round_free(&r);
    /* without silence no such notice */
    gw_review_round_init(&r, "round-2", "course-1", at("2026-11-23T10:00:00Z"), &p);
    gw_review_round_add_approver(&r, "ann", 0, NULL);
    CHECK_INT(gw_review_round_decide(&r, "ann", GW_REVIEW_APPROVE, NULL, GW_REVIEW_VIA_API,
                                     at("2026-11-24T10:00:00Z"), NULL, NULL),
              GW_OK);
    gw_review_conclude(&r, "auth", at("2026-11-24T10:00:00Z"), &cn);
    CHECK_INT(cn.n_notices, 0);
    gw_review_round_free(&r);
}

int main(void)
{
    GW_RUN(test_conclusions);
    GW_RUN(test_silence_notices);
    return gw_test_summary();
}
