/* review_decide.c: the decision and delegation use cases (gw/review_app.h).
 * Each runs in one write transaction: load the round (gw_rv_load_round), let
 * the domain decide (gw_review_round_decide, gw_review_round_delegate), then
 * apply with the store's verbs (gw/review_verbs.h): the decision row, its
 * audit line, and the round's conclusion when the decision settles it. No SQL
 * here; exactly once comes from the nonce row and the decision's key, whose
 * conflict makes the transaction retry and see the stored decision. */
#include "gw/review_app.h"

#include "gw/buf.h"
#include "gw/review_verbs.h"

#include <stdio.h>
#include <string.h>

struct decide_ctx {
    const struct gw_decide_request *rq;
    int64_t now_ms;
    struct gw_decide_result *out;
};

/* The audit line of a recorded decision: as the actor, on behalf of the
 * approver when a delegate decided. */
static enum gw_qs audit_decision(struct gw_db *db, const struct gw_decide_request *rq,
                                 const struct gw_review_approver *a,
                                 const struct gw_rv_round_meta *m, int64_t now_ms,
                                 struct gw_error *err)
{
    char action[64];
    snprintf(action, sizeof action, "decision.%s", gw_review_decision_name(rq->kind));
    struct gw_audit_record rec;
    gw_rv_audit_from(&rec, &rq->who, action, now_ms);
    if (strcmp(a->person_id, rq->actor_id) != 0)
        rec.on_behalf_of = a->person_id;
    rec.course_id = m->course_id;
    rec.round_id = rq->round_id;
    rec.comment = a->decision.comment;
    rec.version_sha256 = m->sha256;
    return gw_rv_audit(db, &rec, err);
}

static enum gw_qs decide_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct decide_ctx *c = ud;
    const struct gw_decide_request *rq = c->rq;
    struct gw_decide_result *out = c->out;
    memset(out, 0, sizeof *out);
    enum gw_qs qs = rq->nonce
                        ? gw_rv_nonce_use(db, rq->nonce, rq->round_id, rq->actor_id, c->now_ms, err)
                        : GW_QS_ONE;
    if (qs < 0)
        return qs;
    struct gw_review_round r;
    struct gw_rv_round_meta m;
    qs = gw_rv_load_round(db, rq->round_id, &r, &m, err);
    if (qs >= 0) {
        gw_copy_str(out->course_id, sizeof out->course_id, m.course_id);
        gw_copy_str(out->course_state, sizeof out->course_state, m.course_state);
        if (gw_review_round_decide(&r, rq->actor_id, rq->kind, rq->comment, rq->via, c->now_ms,
                                   &out->rec, err) != GW_OK)
            qs = GW_QS_HARD;
    }
    if (qs >= 0 && out->rec == GW_REVIEW_RECORDED) {
        const struct gw_review_approver *a = gw_review_round_find(&r, rq->actor_id);
        qs = gw_rv_decision_insert(db, rq->round_id, a, rq->kind, rq->via, rq->actor_id,
                                   rq->who.address, c->now_ms, err);
        if (qs >= 0)
            qs = audit_decision(db, rq, a, &m, c->now_ms, err);
        if (qs >= 0)
            qs = gw_rv_conclude(db, &r, &m, c->now_ms, &out->outcome, &out->job_queued, err);
    } else if (qs >= 0) {
        struct gw_review_outcome o;
        gw_review_round_evaluate(&r, c->now_ms, &o);
        out->outcome = o.state;
    }
    if (qs >= 0)
        qs = gw_rv_course_state(db, m.course_id, out->course_state, sizeof out->course_state, err);
    gw_review_round_free(&r);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_err gw_app_review_decide(struct gw_store *s, const struct gw_decide_request *rq,
                                 int64_t now_ms, struct gw_decide_result *out, struct gw_error *err)
{
    struct decide_ctx c = {rq, now_ms, out};
    return gw_store_tx(s, GW_TX_WRITE, decide_body, &c, err);
}

struct delegate_ctx {
    const char *round_id, *approver_id, *delegate_id;
    const struct gw_review_actor *who;
    int64_t now_ms;
};

static enum gw_qs delegate_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct delegate_ctx *c = ud;
    enum gw_qs qs = gw_rv_exists(db, "people", c->delegate_id, err);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_REVIEW_REFERENCE_UNKNOWN, "/delegate_id",
                     "no person has the id '%s'", c->delegate_id);
        return GW_QS_HARD;
    }
    if (qs < 0)
        return qs;
    struct gw_review_round r;
    struct gw_rv_round_meta m;
    qs = gw_rv_load_round(db, c->round_id, &r, &m, err);
    if (qs >= 0 &&
        gw_review_round_delegate(&r, c->approver_id, c->delegate_id, c->now_ms, err) != GW_OK)
        qs = GW_QS_HARD;
    if (qs >= 0)
        qs = gw_rv_delegate_set(db, c->round_id, c->approver_id, c->delegate_id, c->now_ms, err);
    if (qs >= 0) {
        char key[GW_REVIEW_NOTICE_KEY_MAX];
        gw_review_notice_key(key, c->round_id, c->approver_id, "ask_delegate", c->delegate_id);
        qs = gw_rv_notice_insert(db, key, c->round_id, c->approver_id, c->delegate_id, "ask",
                                 c->now_ms, 0, c->now_ms, NULL, err);
    }
    if (qs >= 0) {
        char comment[160];
        snprintf(comment, sizeof comment, "delegated to %s", c->delegate_id);
        struct gw_audit_record rec;
        gw_rv_audit_from(&rec, c->who, "round.delegated", c->now_ms);
        rec.on_behalf_of = c->approver_id;
        rec.course_id = m.course_id;
        rec.round_id = c->round_id;
        rec.comment = comment;
        rec.version_sha256 = m.sha256;
        qs = gw_rv_audit(db, &rec, err);
    }
    gw_review_round_free(&r);
    return qs;
}

enum gw_err gw_app_review_delegate(struct gw_store *s, const char *round_id,
                                   const char *approver_id, const char *delegate_id,
                                   const struct gw_review_actor *who, int64_t now_ms,
                                   struct gw_error *err)
{
    struct delegate_ctx c = {round_id, approver_id, delegate_id, who, now_ms};
    return gw_store_tx(s, GW_TX_WRITE, delegate_body, &c, err);
}
