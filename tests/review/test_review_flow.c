/* Whole approval rounds on a fake clock, the way the scheduler, the API and
 * the link page will drive the review module: state transitions, decisions
 * through the API and through one-click links, reminders and escalation,
 * approve on silence, rejection and resubmission with "what changed", and an
 * audit log whose chain holds at the end. No store, no HTTP, no sleeping. */
#include "gw/clock.h"
#include "gw/review.h"
#include "gw/timefmt.h"
#include "gwtest.h"

#include <stdlib.h>

#define HOUR_MS 3600000LL

static const uint8_t key[] = "flow-test-key-flow-test-key-flow-test-key";
#define KEYLEN (sizeof key - 1)

static int64_t at(const char *iso)
{
    int64_t ms = 0;
    if (!gw_time_parse_iso(iso, false, &ms))
        abort();
    return ms;
}

/* The bits of a course the store would hold. */
struct world {
    struct gw_clock clock;
    enum gw_course_state state;
    char *audit[64];
    size_t n_audit;
    struct gw_review_sent sent[8][32];
    size_t n_sent[8];
    char used_nonces[8][GW_REVIEW_NONCE_HEX];
    size_t n_used;
};

static void audit(struct world *w, const char *actor, const char *action, const char *round,
                  const char *from, const char *to, const char *comment)
{
    struct gw_audit_record r = {0};
    r.seq = (int64_t)w->n_audit + 1;
    r.at_ms = gw_clock_now_ms(&w->clock);
    r.actor = actor;
    r.via = "api";
    r.action = action;
    r.course_id = "course-9";
    r.round_id = round;
    r.from_state = from;
    r.to_state = to;
    r.comment = comment;
    r.version_sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    gw_audit_chain(&r, w->n_audit ? w->audit[w->n_audit - 1] : NULL);
    w->audit[w->n_audit++] = gw_audit_json_line(&r);
}

static enum gw_err step(struct world *w, enum gw_course_event ev, struct gw_error *err)
{
    enum gw_course_state to;
    enum gw_err e = gw_review_transition(w->state, ev, &to, err);
    if (e != GW_OK)
        return e;
    audit(w, "system", "transition", NULL, gw_course_state_name(w->state), gw_course_state_name(to),
          NULL);
    w->state = to;
    return GW_OK;
}

/* The scheduler's tick over every approver of a round; returns notices sent. */
static size_t schedule_tick(struct world *w, const struct gw_review_round *r,
                            const struct gw_review_schedule_settings *set,
                            enum gw_review_notice_kind *kinds, size_t cap)
{
    size_t total = 0;
    int64_t now = gw_clock_now_ms(&w->clock);
    for (size_t i = 0; i < r->n_approvers; i++) {
        const struct gw_review_approver *a = &r->approvers[i];
        struct gw_review_schedule_input in = {
            .round_id = r->id,
            .approver_id = a->person_id,
            .asked_ms = r->opened_ms,
            .due_ms = a->due_ms,
            .decided = a->decision.kind != GW_REVIEW_PENDING,
            .silence_agreed = r->policy.approve_on_silence,
            .sent = w->sent[i],
            .n_sent = w->n_sent[i],
        };
        struct gw_review_due_notice out[3];
        size_t n = 0;
        gw_review_schedule_due(set, &in, now, out, &n);
        for (size_t k = 0; k < n; k++) {
            w->sent[i][w->n_sent[i]].kind = out[k].kind;
            w->sent[i][w->n_sent[i]++].scheduled_ms = out[k].scheduled_ms;
            if (total < cap)
                kinds[total] = out[k].kind;
            total++;
        }
    }
    return total;
}

/* The link page's POST: verify, check the action, mark the nonce, decide. */
static enum gw_err link_decide(struct world *w, struct gw_review_round *r, const char *token,
                               enum gw_review_decision_kind kind, const char *comment,
                               struct gw_error *err)
{
    struct gw_review_token_claims c;
    int64_t now = gw_clock_now_ms(&w->clock);
    enum gw_err e = gw_review_token_verify(key, KEYLEN, token, now, &c, err);
    if (e == GW_OK)
        e = gw_review_token_allows(&c, kind, err);
    for (size_t i = 0; e == GW_OK && i < w->n_used; i++) {
        if (strcmp(w->used_nonces[i], c.nonce) == 0)
            e = gw_error_set(err, GW_E_REVIEW_TOKEN_USED, "/token", "Link already used.");
    }
    if (e == GW_OK && strcmp(c.round_id, r->id) != 0)
        e = gw_error_set(err, GW_E_REVIEW_ROUND_CLOSED, NULL, "Not this round.");
    if (e == GW_OK)
        e = gw_review_round_decide(r, c.approver_id, kind, comment, GW_REVIEW_VIA_LINK, now, NULL,
                                   err);
    if (e == GW_OK) {
        memcpy(w->used_nonces[w->n_used++], c.nonce, GW_REVIEW_NONCE_HEX);
        audit(w, c.approver_id, "decision", r->id, NULL, NULL, comment);
    }
    return e;
}

static void make_link(const char *round, const char *approver, int64_t expires, char *out)
{
    struct gw_review_token_claims c = {0};
    snprintf(c.round_id, sizeof c.round_id, "%s", round);
    snprintf(c.approver_id, sizeof c.approver_id, "%s", approver);
    c.actions = GW_REVIEW_ACTION_APPROVE | GW_REVIEW_ACTION_REQUEST_CHANGES;
    c.expires_ms = expires;
    CHECK(gw_review_token_new_nonce(&c));
    CHECK_INT(gw_review_token_make(key, KEYLEN, &c, out, GW_REVIEW_TOKEN_MAX, NULL), GW_OK);
}

static void world_free(struct world *w)
{
    for (size_t i = 0; i < w->n_audit; i++)
        free(w->audit[i]);
}

static void test_reject_and_resubmit(void)
{
    struct world w = {0};
    struct gw_error err;
    struct gw_review_outcome o;
    struct gw_review_schedule_settings set;
    enum gw_review_notice_kind kinds[8] = {GW_NOTICE_ESCALATION};
    gw_review_schedule_defaults(&set);
    gw_clock_init_fake(&w.clock, at("2026-11-23T08:00:00Z")); /* Monday */
    w.state = GW_COURSE_DRAFT;

    /* Submitting a draft is refused, naming the state. */
    CHECK_INT(step(&w, GW_COURSE_EV_SUBMIT, &err), GW_E_REVIEW_ILLEGAL_TRANSITION);
    CHECK(strstr(err.detail, "'draft'") != NULL);
    CHECK_INT(step(&w, GW_COURSE_EV_NEW_VERSION, &err), GW_OK);
    CHECK_INT(step(&w, GW_COURSE_EV_VALIDATED, &err), GW_OK);
    CHECK_INT(step(&w, GW_COURSE_EV_SUBMIT, &err), GW_OK);

    struct gw_review_round r1;
    gw_review_round_init(&r1, "round-1", "course-9", gw_clock_now_ms(&w.clock), NULL);
    gw_review_round_add_approver(&r1, "ann", at("2026-11-27T00:00:00Z"), NULL); /* Friday */
    gw_review_round_add_approver(&r1, "bob", at("2026-11-27T00:00:00Z"), NULL);
    REQUIRE(gw_review_round_check(&r1, &err) == GW_OK);
    audit(&w, "chris", "round.opened", r1.id, NULL, NULL, NULL);
    char ann_link[GW_REVIEW_TOKEN_MAX], bob_link[GW_REVIEW_TOKEN_MAX];
    make_link(r1.id, "ann", gw_clock_now_ms(&w.clock) + 14 * GW_REVIEW_DAY_MS, ann_link);
    make_link(r1.id, "bob", gw_clock_now_ms(&w.clock) + 14 * GW_REVIEW_DAY_MS, bob_link);

    /* Through Thursday 09:00: one "before" reminder each. */
    size_t sent = 0;
    while (gw_clock_now_ms(&w.clock) < at("2026-11-26T10:00:00Z")) {
        sent += schedule_tick(&w, &r1, &set, kinds, 8);
        gw_clock_advance(&w.clock, HOUR_MS);
    }
    CHECK_INT(sent, 2);
    CHECK_INT(kinds[0], GW_NOTICE_REMINDER_BEFORE);

    /* Ann approves through her link; replaying the link is refused as used. */
    CHECK_INT(link_decide(&w, &r1, ann_link, GW_REVIEW_APPROVE, NULL, &err), GW_OK);
    CHECK_INT(link_decide(&w, &r1, ann_link, GW_REVIEW_APPROVE, NULL, &err),
              GW_E_REVIEW_TOKEN_USED);
    /* Bob asks for changes without a comment: refused, link not consumed. */
    CHECK_INT(link_decide(&w, &r1, bob_link, GW_REVIEW_REQUEST_CHANGES, "", &err),
              GW_E_REVIEW_COMMENT_REQUIRED);
    CHECK_INT(link_decide(&w, &r1, bob_link, GW_REVIEW_REJECT, "no", &err),
              GW_E_REVIEW_TOKEN_ACTION);
    CHECK_INT(link_decide(&w, &r1, bob_link, GW_REVIEW_REQUEST_CHANGES,
                          "The quiz on page 4 uses last year's figures.", &err),
              GW_OK);
    gw_review_round_evaluate(&r1, gw_clock_now_ms(&w.clock), &o);
    CHECK_INT(o.state, GW_REVIEW_CHANGES_REQUESTED);
    CHECK_INT(step(&w, GW_COURSE_EV_REQUEST_CHANGES, &err), GW_OK);
    r1.closed = true;
    /* No more reminders for a decided round. */
    gw_clock_advance(&w.clock, 3 * GW_REVIEW_DAY_MS);
    CHECK_INT(schedule_tick(&w, &r1, &set, kinds, 8), 0);

    /* The author uploads version 2: what changed. */
    struct gw_review_file v1[] = {{"index.html", 100, 1}, {"quiz/page4.html", 300, 2}};
    struct gw_review_file v2[] = {
        {"index.html", 100, 1}, {"quiz/page4.html", 310, 9}, {"quiz/figures-2026.json", 50, 3}};
    struct gw_review_diff d;
    gw_review_diff_files(v1, 2, v2, 3, &d);
    char *summary = gw_review_diff_summary(&d);
    CHECK_STR(summary, "1 file added, 1 changed");
    CHECK_INT(step(&w, GW_COURSE_EV_NEW_VERSION, &err), GW_OK);
    CHECK_INT(w.state, GW_COURSE_DRAFT);
    CHECK_INT(step(&w, GW_COURSE_EV_VALIDATED, &err), GW_OK);
    CHECK_INT(step(&w, GW_COURSE_EV_SUBMIT, &err), GW_OK);

    struct gw_review_round r2;
    gw_review_round_init(&r2, "round-2", "course-9", gw_clock_now_ms(&w.clock), NULL);
    gw_review_round_add_approver(&r2, "ann", at("2026-12-04T00:00:00Z"), NULL);
    gw_review_round_add_approver(&r2, "bob", at("2026-12-04T00:00:00Z"), NULL);
    REQUIRE(gw_review_round_check(&r2, &err) == GW_OK);
    audit(&w, "chris", "round.opened", r2.id, NULL, NULL, summary);
    struct gw_review_notice_view v = {.initial_request = true,
                                      .course_title = "Quarterly figures",
                                      .due_ms = r2.approvers[0].due_ms,
                                      .changes_summary = summary};
    char *body = gw_review_notice_text(&v);
    CHECK(strstr(body, "1 file added, 1 changed") != NULL);
    free(body);
    free(summary);
    gw_review_diff_free(&d);

    /* Bob's old link is for the closed round. */
    char bob2[GW_REVIEW_TOKEN_MAX];
    make_link(r2.id, "bob", gw_clock_now_ms(&w.clock) + 14 * GW_REVIEW_DAY_MS, bob2);
    CHECK_INT(gw_review_round_decide(&r1, "ann", GW_REVIEW_APPROVE, NULL, GW_REVIEW_VIA_API,
                                     gw_clock_now_ms(&w.clock), NULL, &err),
              GW_OK); /* a replay of ann's round-1 decision */
    CHECK_INT(gw_review_round_decide(&r2, "ann", GW_REVIEW_APPROVE, NULL, GW_REVIEW_VIA_API,
                                     gw_clock_now_ms(&w.clock), NULL, &err),
              GW_OK);
    audit(&w, "ann", "decision", r2.id, NULL, NULL, NULL);
    CHECK_INT(link_decide(&w, &r2, bob2, GW_REVIEW_APPROVE, NULL, &err), GW_OK);
    gw_review_round_evaluate(&r2, gw_clock_now_ms(&w.clock), &o);
    CHECK_INT(o.state, GW_REVIEW_APPROVED);
    CHECK_INT(step(&w, GW_COURSE_EV_APPROVE, &err), GW_OK);
    CHECK_INT(step(&w, GW_COURSE_EV_PUBLISH_START, &err), GW_OK);
    CHECK_INT(step(&w, GW_COURSE_EV_PUBLISH_SUCCEEDED, &err), GW_OK);
    CHECK_INT(w.state, GW_COURSE_PUBLISHED);

    size_t bad = 0;
    CHECK_INT(gw_audit_verify((const char *const *)w.audit, w.n_audit, NULL, NULL, &bad, &err),
              GW_OK);
    CHECK(w.n_audit >= 14);
    gw_review_round_free(&r1);
    gw_review_round_free(&r2);
    world_free(&w);
}

static void test_new_version_closes_round(void)
{
    struct world w = {0};
    struct gw_error err;
    gw_clock_init_fake(&w.clock, at("2026-11-23T08:00:00Z"));
    w.state = GW_COURSE_IN_REVIEW;
    struct gw_review_round r;
    gw_review_round_init(&r, "round-1", "course-9", gw_clock_now_ms(&w.clock), NULL);
    gw_review_round_add_approver(&r, "ann", 0, NULL);
    CHECK_INT(step(&w, GW_COURSE_EV_NEW_VERSION, &err), GW_OK);
    CHECK_INT(w.state, GW_COURSE_DRAFT);
    r.closed = true;
    CHECK_INT(gw_review_round_decide(&r, "ann", GW_REVIEW_APPROVE, NULL, GW_REVIEW_VIA_API,
                                     gw_clock_now_ms(&w.clock), NULL, &err),
              GW_E_REVIEW_ROUND_CLOSED);
    CHECK_INT(step(&w, GW_COURSE_EV_APPROVE, &err), GW_E_REVIEW_ILLEGAL_TRANSITION);
    CHECK(strstr(err.detail, "'draft'") != NULL);
    gw_review_round_free(&r);
    world_free(&w);
}

/* N of M with a delegate, a slow approver escalated, then approve on silence
 * closing a second course's round. */
static void test_escalation_then_n_of_m(void)
{
    struct world w = {0};
    struct gw_error err;
    struct gw_review_outcome o;
    struct gw_review_schedule_settings set;
    enum gw_review_notice_kind kinds[16] = {GW_NOTICE_REMINDER_BEFORE};
    gw_review_schedule_defaults(&set);
    gw_clock_init_fake(&w.clock, at("2026-11-23T08:00:00Z"));
    struct gw_review_policy p = {.kind = GW_REVIEW_POLICY_N_OF_M, .required = 2};
    struct gw_review_round r;
    gw_review_round_init(&r, "round-3", "course-9", gw_clock_now_ms(&w.clock), &p);
    gw_review_round_add_approver(&r, "ann", at("2026-11-25T00:00:00Z"), NULL);
    gw_review_round_add_approver(&r, "bob", at("2026-11-25T00:00:00Z"), NULL);
    gw_review_round_add_approver(&r, "cem", at("2026-11-25T00:00:00Z"), NULL);
    REQUIRE(gw_review_round_check(&r, &err) == GW_OK);
    CHECK_INT(gw_review_round_delegate(&r, "bob", "dan", gw_clock_now_ms(&w.clock), &err), GW_OK);
    CHECK_INT(gw_review_round_decide(&r, "ann", GW_REVIEW_APPROVE, NULL, GW_REVIEW_VIA_API,
                                     gw_clock_now_ms(&w.clock), NULL, &err),
              GW_OK);

    /* Nobody else answers; walk to the escalation (Wed 25 + 7 = Wed Dec 2). */
    size_t escalations = 0;
    bool stalled_before = false;
    while (gw_clock_now_ms(&w.clock) <= at("2026-12-02T12:00:00Z")) {
        size_t n = schedule_tick(&w, &r, &set, kinds, 16);
        for (size_t i = 0; i < n && i < 16; i++) {
            if (kinds[i] == GW_NOTICE_ESCALATION) {
                escalations++;
                CHECK_INT(gw_clock_now_ms(&w.clock), at("2026-12-02T09:00:00Z"));
            }
        }
        if (gw_clock_now_ms(&w.clock) < at("2026-12-02T00:00:00Z") &&
            gw_review_is_stalled(&set, r.approvers[1].due_ms, gw_clock_now_ms(&w.clock)))
            stalled_before = true;
        gw_clock_advance(&w.clock, HOUR_MS);
    }
    CHECK_INT(escalations, 2); /* bob and cem, not ann */
    CHECK(!stalled_before);
    CHECK(gw_review_is_stalled(&set, r.approvers[1].due_ms, gw_clock_now_ms(&w.clock)));
    /* Dan decides for bob: two of three, approved; cem is left pending. */
    CHECK_INT(gw_review_round_decide(&r, "dan", GW_REVIEW_APPROVE, "for Bob", GW_REVIEW_VIA_API,
                                     gw_clock_now_ms(&w.clock), NULL, &err),
              GW_OK);
    gw_review_round_evaluate(&r, gw_clock_now_ms(&w.clock), &o);
    CHECK_INT(o.state, GW_REVIEW_APPROVED);
    CHECK_INT(o.n_pending, 1);
    CHECK_STR(r.approvers[o.pending[0]].person_id, "cem");
    CHECK_STR(r.approvers[1].decision.decided_by, "dan");
    gw_review_round_free(&r);
    world_free(&w);
}

static void test_approve_on_silence_flow(void)
{
    struct world w = {0};
    struct gw_error err;
    struct gw_review_outcome o;
    struct gw_review_schedule_settings set;
    enum gw_review_notice_kind kinds[8] = {GW_NOTICE_ESCALATION};
    gw_review_schedule_defaults(&set);
    gw_clock_init_fake(&w.clock, at("2026-11-23T08:00:00Z"));
    w.state = GW_COURSE_IN_REVIEW;
    struct gw_review_policy p = {.approve_on_silence = true};
    snprintf(p.silence_agreed_by, sizeof p.silence_agreed_by, "head-warehouse");
    p.silence_agreed_ms = at("2026-10-01T10:00:00Z");
    struct gw_review_round r;
    gw_review_round_init(&r, "round-4", "course-9", gw_clock_now_ms(&w.clock), &p);
    gw_review_round_add_approver(&r, "ann", at("2026-11-25T00:00:00Z"), NULL);
    REQUIRE(gw_review_round_check(&r, &err) == GW_OK);

    bool approved = false;
    while (!approved && gw_clock_now_ms(&w.clock) < at("2026-12-31T00:00:00Z")) {
        size_t n = schedule_tick(&w, &r, &set, kinds, 8);
        gw_review_round_evaluate(&r, gw_clock_now_ms(&w.clock), &o);
        if (o.state == GW_REVIEW_APPROVED) {
            /* The scheduler records the implied approvals, never silently. */
            CHECK_INT(o.n_silent, 1);
            CHECK_INT(n, 1);
            CHECK_INT(kinds[0], GW_NOTICE_APPROVE_ON_SILENCE);
            for (size_t i = 0; i < o.n_silent; i++)
                audit(&w, "system", "decision.approve_on_silence", r.id, NULL, NULL,
                      p.silence_agreed_by);
            CHECK_INT(step(&w, GW_COURSE_EV_APPROVE, &err), GW_OK);
            approved = true;
        } else {
            gw_clock_advance(&w.clock, HOUR_MS);
        }
    }
    CHECK(approved);
    CHECK_INT(gw_clock_now_ms(&w.clock), at("2026-11-26T00:00:00Z"));
    CHECK_INT(w.state, GW_COURSE_APPROVED);
    CHECK(strstr(w.audit[0], "decision.approve_on_silence") != NULL);
    gw_review_round_free(&r);
    world_free(&w);
}

int main(void)
{
    GW_RUN(test_reject_and_resubmit);
    GW_RUN(test_new_version_closes_round);
    GW_RUN(test_escalation_then_n_of_m);
    GW_RUN(test_approve_on_silence_flow);
    return gw_test_summary();
}
