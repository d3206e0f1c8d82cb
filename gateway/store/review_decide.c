/* review_decide.c: recording a decision (through the API or a one-click
 * link, whose nonce is marked used in the same transaction) and delegation;
 * a decision that satisfies or blocks the round concludes it at once. */
#include "gw/buf.h"
#include "gw/json.h"
#include "gw/timefmt.h"
#include "review_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum gw_qs course_state(struct gw_db *db, const char *id, char *out, size_t cap,
                               struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, "SELECT state FROM courses WHERE id = $1", p, 1, &r, NULL, err);
    gw_copy_str(out, cap, qs == GW_QS_ONE ? gw_db_col_text(r, 0) : NULL);
    gw_db_rows_free(r);
    return qs;
}

/* ---- decisions ---- */

struct decide_ctx {
    const struct gw_decide_request *rq;
    int64_t now_ms;
    struct gw_decide_result *out;
};

static enum gw_qs mark_nonce(struct gw_db *db, const struct gw_decide_request *rq, int64_t now_ms,
                             struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(rq->nonce), GW_P_TEXT(rq->round_id), GW_P_TEXT(rq->actor_id),
                         GW_P_INT(now_ms)};
    int64_t changes = 0;
    enum gw_qs qs = gw_db_query(db,
                                "INSERT INTO review_tokens_used (nonce, round_id, approver_id, "
                                "used_ms) VALUES ($1, $2, $3, $4) ON CONFLICT (nonce) DO NOTHING",
                                p, 4, NULL, &changes, err);
    if (qs >= 0 && changes == 0) {
        gw_error_set(err, GW_E_REVIEW_TOKEN_USED, "token",
                     "this approval link was already used; each link takes one decision");
        return GW_QS_HARD;
    }
    return qs;
}

static enum gw_qs insert_decision(struct gw_db *db, const struct gw_decide_request *rq,
                                  const struct gw_review_approver *a, int64_t now_ms,
                                  struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(rq->round_id),
                         GW_P_TEXT(a->person_id),
                         GW_P_TEXT(gw_review_decision_name(rq->kind)),
                         GW_P_TEXT(gw_review_via_name(rq->via)),
                         GW_P_TEXT(rq->actor_id),
                         GW_P_TEXT(a->decision.comment),
                         GW_P_TEXT(rq->who.address),
                         GW_P_INT(now_ms)};
    enum gw_qs qs = gw_db_query(db,
                                "INSERT INTO review_decisions (round_id, approver_id, kind, via, "
                                "decided_by, comment, address, at_ms) VALUES ($1, $2, $3, $4, $5, "
                                "$6, $7, $8)",
                                p, 8, NULL, NULL, err);
    if (qs == GW_QS_HARD && err->code == GW_E_CONFLICT)
        return GW_QS_SOFT; /* decided concurrently: the retry sees the stored decision */
    return qs;
}

static enum gw_qs decide_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct decide_ctx *c = ud;
    const struct gw_decide_request *rq = c->rq;
    struct gw_decide_result *out = c->out;
    memset(out, 0, sizeof *out);
    enum gw_qs qs = rq->nonce ? mark_nonce(db, rq, c->now_ms, err) : GW_QS_ONE;
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
        struct gw_review_approver *a = gw_review_round_find(&r, rq->actor_id);
        qs = insert_decision(db, rq, a, c->now_ms, err);
        if (qs >= 0) {
            char action[64];
            snprintf(action, sizeof action, "decision.%s", gw_review_decision_name(rq->kind));
            struct gw_audit_record rec;
            gw_rv_audit_from(&rec, &rq->who, action, c->now_ms);
            if (strcmp(a->person_id, rq->actor_id) != 0)
                rec.on_behalf_of = a->person_id;
            rec.course_id = m.course_id;
            rec.round_id = r.id;
            rec.comment = a->decision.comment;
            rec.version_sha256 = m.sha256;
            qs = gw_rv_audit(db, &rec, err);
        }
        if (qs >= 0)
            qs = gw_rv_conclude(db, &r, &m, c->now_ms, &out->outcome, &out->job_queued, err);
    } else if (qs >= 0) {
        struct gw_review_outcome o;
        gw_review_round_evaluate(&r, c->now_ms, &o);
        out->outcome = o.state;
    }
    if (qs >= 0)
        qs = course_state(db, m.course_id, out->course_state, sizeof out->course_state, err);
    gw_review_round_free(&r);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_err gw_store_review_decide(struct gw_store *s, const struct gw_decide_request *rq,
                                   int64_t now_ms, struct gw_decide_result *out,
                                   struct gw_error *err)
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
    if (qs >= 0) {
        struct gw_dbp p[] = {GW_P_TEXT(c->delegate_id), GW_P_INT(c->now_ms), GW_P_TEXT(c->round_id),
                             GW_P_TEXT(c->approver_id)};
        qs = gw_db_query(db,
                         "UPDATE round_approvers SET delegate_id = $1, delegated_ms = $2 WHERE "
                         "round_id = $3 AND person_id = $4",
                         p, 4, NULL, NULL, err);
    }
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

enum gw_err gw_store_review_delegate(struct gw_store *s, const char *round_id,
                                     const char *approver_id, const char *delegate_id,
                                     const struct gw_review_actor *who, int64_t now_ms,
                                     struct gw_error *err)
{
    struct delegate_ctx c = {round_id, approver_id, delegate_id, who, now_ms};
    return gw_store_tx(s, GW_TX_WRITE, delegate_body, &c, err);
}
