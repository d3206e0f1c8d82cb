/* review_sched.c: the review scheduler's use cases (gw/review_app.h), each in
 * one store transaction over the verbs of gw/review_verbs.h: loading the open
 * rounds' approver slots, recording a due notice with what the domain says
 * its recording does (gw_review_notice_recorded: the stalled mark, the audit
 * line, concluding the round on silence through gw_rv_conclude), claiming
 * pending notices for delivery, recording a delivery's outcome
 * (gw_review_notice_done; a sent launch announcement is audited with it) and
 * listing the notices. No SQL here and no clock:
 * the times are the caller's. Exactly once stays the store's: a notice is
 * inserted under its unique key, and its effect is applied only by the
 * transaction that inserted it; a notice is claimed only while pending. The
 * pass itself (who plans, rendering, sending) is app/scheduler.c. */
#include "gw/review_app.h"

#include "gw/buf.h"
#include "gw/review_verbs.h"

#include <stdlib.h>
#include <string.h>

/* ---- the open rounds' approver slots ---- */

struct items_ctx {
    struct gw_sched_item *items;
    size_t n;
};

static enum gw_qs items_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct items_ctx *c = ud;
    return gw_rv_sched_items(db, &c->items, &c->n, err);
}

enum gw_err gw_app_sched_items(struct gw_store *s, struct gw_sched_item **items, size_t *n,
                               struct gw_error *err)
{
    struct items_ctx c = {NULL, 0};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, items_body, &c, err);
    if (rc != GW_OK) {
        gw_sched_items_free(c.items, c.n);
        c.items = NULL;
        c.n = 0;
    }
    *items = c.items;
    *n = c.n;
    return rc;
}

/* ---- recording a due notice ---- */

struct record_ctx {
    const struct gw_sched_item *it;
    const struct gw_review_due_notice *n;
    int64_t now_ms;
    bool inserted;
};

/* Who the notice goes to ("" when nobody): the domain's choice among the
 * people around the round's approver. */
static enum gw_qs recipient(struct gw_db *db, const struct record_ctx *c, char out[GW_ID_MAX],
                            struct gw_error *err)
{
    struct gw_rv_notice_people p;
    enum gw_qs qs = gw_rv_notice_people(db, c->it->round_id, c->it->approver_id, &p, err);
    struct gw_review_notice_people people = {
        .approver_id = c->it->approver_id,
        .delegate_id = p.delegate_id,
        .approver_head_id = p.approver_head_id,
        .author_id = p.author_id,
        .requester_head_id = p.requester_head_id,
    };
    gw_copy_str(out, GW_ID_MAX,
                qs == GW_QS_ONE ? gw_review_notice_recipient(c->n->recipient, &people) : NULL);
    return qs < 0 ? qs : GW_QS_ONE;
}

/* The audit line of a recorded notice, by the system on behalf of the
 * approver, and the round's conclusion when the notice concludes it. */
static enum gw_qs audit_and_conclude(struct gw_db *db, const struct record_ctx *c,
                                     const struct gw_review_recorded_notice *fx,
                                     struct gw_error *err)
{
    struct gw_review_round r;
    struct gw_rv_round_meta m;
    enum gw_qs qs = gw_rv_load_round(db, c->it->round_id, &r, &m, err);
    if (qs >= 0) {
        struct gw_audit_record rec;
        gw_rv_audit_from(&rec, NULL, fx->audit_action, c->now_ms);
        rec.on_behalf_of = c->it->approver_id;
        rec.course_id = m.course_id;
        rec.round_id = c->it->round_id;
        rec.comment = fx->audit_comment;
        rec.version_sha256 = m.sha256;
        qs = gw_rv_audit(db, &rec, err);
    }
    if (qs >= 0 && fx->conclude) {
        enum gw_review_outcome_state o;
        bool job = false;
        qs = gw_rv_conclude(db, &r, &m, c->now_ms, &o, &job, err);
    }
    gw_review_round_free(&r);
    return qs;
}

static enum gw_qs record_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct record_ctx *c = ud;
    const struct gw_review_due_notice *n = c->n;
    c->inserted = false;
    char to[GW_ID_MAX];
    enum gw_qs qs = recipient(db, c, to, err);
    if (qs >= 0)
        qs = gw_rv_notice_insert(db, n->key, c->it->round_id, c->it->approver_id, to[0] ? to : NULL,
                                 gw_review_notice_kind_name(n->kind), n->scheduled_ms,
                                 n->days_overdue, c->now_ms, &c->inserted, err);
    if (qs < 0 || !c->inserted)
        return qs;
    struct gw_review_recorded_notice fx;
    gw_review_notice_recorded(n, &fx);
    if (fx.mark_stalled)
        qs = gw_rv_approver_stalled(db, c->it->round_id, c->it->approver_id, c->now_ms, err);
    if (qs >= 0 && fx.audit)
        qs = audit_and_conclude(db, c, &fx, err);
    return qs;
}

enum gw_err gw_app_sched_record(struct gw_store *s, const struct gw_sched_item *it,
                                const struct gw_review_due_notice *n, int64_t now_ms,
                                bool *inserted, struct gw_error *err)
{
    struct record_ctx c = {it, n, now_ms, false};
    enum gw_err rc = gw_store_tx(s, GW_TX_WRITE, record_body, &c, err);
    *inserted = rc == GW_OK && c.inserted;
    return rc;
}

/* ---- delivery ---- */

struct claim_ctx {
    size_t max;
    struct gw_notice_row *rows;
    size_t n;
};

static void claim_clear(struct claim_ctx *c)
{
    gw_notice_rows_free(c->rows, c->n);
    c->rows = NULL;
    c->n = 0;
}

static enum gw_qs claim_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct claim_ctx *c = ud;
    claim_clear(c);
    size_t n_keys = 0;
    char(*keys)[GW_REVIEW_NOTICE_KEY_MAX] = gw_xcalloc(c->max + 1, sizeof *keys);
    enum gw_qs qs = gw_rv_notices_pending(db, c->max, keys, &n_keys, err);
    c->rows = gw_xcalloc(n_keys + 1, sizeof *c->rows);
    for (size_t i = 0; i < n_keys && qs >= 0; i++) {
        bool claimed = false;
        qs = gw_rv_notice_claim(db, keys[i], &claimed, err);
        if (qs < 0 || !claimed)
            continue;
        struct gw_notice_row *n = &c->rows[c->n++];
        gw_copy_str(n->key, sizeof n->key, keys[i]);
        qs = gw_rv_notice_load(db, n, err);
    }
    free(keys);
    return qs;
}

enum gw_err gw_app_notices_claim(struct gw_store *s, size_t max, struct gw_notice_row **rows,
                                 size_t *n, struct gw_error *err)
{
    struct claim_ctx c = {max, NULL, 0};
    enum gw_err rc = gw_store_tx(s, GW_TX_WRITE, claim_body, &c, err);
    if (rc != GW_OK)
        claim_clear(&c);
    *rows = c.rows;
    *n = c.n;
    return rc;
}

struct done_ctx {
    const char *key, *outcome, *error;
    int64_t max_attempts, now_ms;
    const struct gw_announcement *a; /* an announcement's: audited when sent */
    const char *comment;
};

static enum gw_qs done_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct done_ctx *c = ud;
    int64_t attempts = 0;
    enum gw_qs qs = gw_rv_notice_attempts(db, c->key, &attempts, err);
    if (qs == GW_QS_ONE) {
        struct gw_review_notice_done d;
        gw_review_notice_done(c->outcome, attempts, c->max_attempts, c->now_ms, &d);
        qs = gw_rv_notice_finish(db, c->key, d.status, c->error, d.sent_ms, err);
    }
    if (qs < 0 || !c->a || strcmp(c->outcome, "sent") != 0)
        return qs;
    struct gw_audit_record rec;
    gw_rv_audit_from(&rec, NULL, "announcement.sent", c->now_ms);
    rec.course_id = c->a->course_id;
    rec.version_sha256 = c->a->sha256[0] ? c->a->sha256 : NULL;
    rec.comment = c->comment;
    return gw_rv_audit(db, &rec, err);
}

enum gw_err gw_app_notice_done(struct gw_store *s, const char *key, const char *outcome,
                               const char *error, int64_t max_attempts, int64_t now_ms,
                               struct gw_error *err)
{
    struct done_ctx c = {key, outcome, error, max_attempts, now_ms, NULL, NULL};
    return gw_store_tx(s, GW_TX_WRITE, done_body, &c, err);
}

enum gw_err gw_app_announcement_done(struct gw_store *s, const char *key,
                                     const struct gw_announcement *a, const char *outcome,
                                     const char *error, const char *comment, int64_t max_attempts,
                                     int64_t now_ms, struct gw_error *err)
{
    struct done_ctx c = {key, outcome, error, max_attempts, now_ms, a, comment};
    return gw_store_tx(s, GW_TX_WRITE, done_body, &c, err);
}

/* ---- the notices as recorded ---- */

struct list_ctx {
    const char *round_id;
    struct gw_notice_item *items;
    size_t n;
};

static enum gw_qs list_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct list_ctx *c = ud;
    return gw_rv_notices_list(db, c->round_id, &c->items, &c->n, err);
}

enum gw_err gw_app_notices_list(struct gw_store *s, const char *round_id,
                                struct gw_notice_item **items, size_t *n, struct gw_error *err)
{
    struct list_ctx c = {round_id, NULL, 0};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, list_body, &c, err);
    *items = c.items;
    *n = c.n;
    return rc;
}
