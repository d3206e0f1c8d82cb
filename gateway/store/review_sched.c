/* review_sched.c: what the review scheduler reads and writes: every open
 * round's approver slots with the notices already recorded, recording a due
 * notice under its unique key together with its effect (stalled, approve on
 * silence), and claiming / completing notices for delivery. */
#include "gw/department.h"
#include "gw/buf.h"
#include "gw/json.h"
#include "review_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- items ---- */

struct items_ctx {
    struct gw_sched_item *items;
    size_t n;
};

static void items_clear(struct items_ctx *c)
{
    gw_sched_items_free(c->items, c->n);
    c->items = NULL;
    c->n = 0;
}

void gw_sched_items_free(struct gw_sched_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(items[i].settings);
        free(items[i].sent);
    }
    free(items);
}

static enum gw_qs item_sent(struct gw_db *db, struct gw_sched_item *it, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(it->round_id), GW_P_TEXT(it->approver_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT kind, scheduled_ms FROM review_notices WHERE round_id = $1 "
                                "AND approver_id = $2",
                                p, 2, &r, NULL, err);
    size_t cap = 0;
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        enum gw_review_notice_kind k;
        if (!gw_review_notice_kind_parse(gw_db_col_text(r, 0), &k))
            continue; /* ask, changes_requested: not schedule notices */
        if (it->n_sent == cap) {
            cap = cap ? cap * 2 : 8;
            it->sent = gw_xrealloc(it->sent, cap * sizeof *it->sent);
        }
        it->sent[it->n_sent].kind = k;
        it->sent[it->n_sent].scheduled_ms = gw_db_col_int(r, 1);
        it->n_sent++;
    }
    gw_db_rows_free(r);
    return qs;
}

static enum gw_qs items_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct items_ctx *c = ud;
    items_clear(c);
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(
        db,
        "SELECT r.id, r.course_id, ra.person_id, r.opened_ms, ra.due_ms, CASE WHEN EXISTS "
        "(SELECT 1 FROM review_decisions x WHERE x.round_id = r.id AND x.approver_id = "
        "ra.person_id) THEN 1 ELSE 0 END, r.approve_on_silence, d.settings FROM review_rounds r "
        "JOIN round_approvers ra ON ra.round_id = r.id JOIN courses c ON c.id = r.course_id JOIN "
        "departments d ON d.id = c.department_id WHERE r.state = 'open' ORDER BY r.opened_ms, "
        "r.id, ra.position",
        NULL, 0, &r, NULL, err);
    size_t cap = 0;
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        if (c->n == cap) {
            cap = cap ? cap * 2 : 16;
            c->items = gw_xrealloc(c->items, cap * sizeof *c->items);
        }
        struct gw_sched_item *it = &c->items[c->n++];
        memset(it, 0, sizeof *it);
        gw_copy_str(it->round_id, sizeof it->round_id, gw_db_col_text(r, 0));
        gw_copy_str(it->course_id, sizeof it->course_id, gw_db_col_text(r, 1));
        gw_copy_str(it->approver_id, sizeof it->approver_id, gw_db_col_text(r, 2));
        it->opened_ms = gw_db_col_int(r, 3);
        it->due_ms = gw_db_col_int(r, 4);
        it->decided = gw_db_col_int(r, 5) != 0;
        it->silence_agreed = gw_db_col_int(r, 6) != 0;
        it->settings = gw_db_col_dup_or(r, 7, "{}");
    }
    gw_db_rows_free(r);
    for (size_t i = 0; qs >= 0 && i < c->n; i++)
        qs = item_sent(db, &c->items[i], err);
    return qs;
}

enum gw_err gw_store_sched_items(struct gw_store *s, struct gw_sched_item **items, size_t *n,
                                 struct gw_error *err)
{
    struct items_ctx c = {NULL, 0};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, items_body, &c, err);
    if (rc != GW_OK)
        items_clear(&c);
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

/* Who a notice goes to, decided by gw_review_notice_recipient from the
 * people around the round's approver, loaded here in one query. */
static enum gw_qs recipient(struct gw_db *db, const struct gw_sched_item *it,
                            enum gw_review_recipient to, char out[GW_ID_MAX], struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(it->round_id), GW_P_TEXT(it->approver_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(
        db,
        "SELECT ra.delegate_id, d1.head_person_id, c.author_person_id, d2.head_person_id FROM "
        "review_rounds r JOIN courses c ON c.id = r.course_id JOIN departments d2 ON d2.id = "
        "c.department_id LEFT JOIN round_approvers ra ON ra.round_id = r.id AND ra.person_id = "
        "$2 LEFT JOIN people p ON p.id = $2 LEFT JOIN departments d1 ON d1.id = p.department_id "
        "WHERE r.id = $1",
        p, 2, &r, NULL, err);
    struct gw_review_notice_people people = {.approver_id = it->approver_id};
    if (qs == GW_QS_ONE) {
        people.delegate_id = gw_db_col_text(r, 0);
        people.approver_head_id = gw_db_col_text(r, 1);
        people.author_id = gw_db_col_text(r, 2);
        people.requester_head_id = gw_db_col_text(r, 3);
    }
    gw_copy_str(out, GW_ID_MAX, qs == GW_QS_ONE ? gw_review_notice_recipient(to, &people) : NULL);
    gw_db_rows_free(r);
    return qs < 0 ? qs : GW_QS_ONE;
}

static enum gw_qs record_effect(struct gw_db *db, struct record_ctx *c, struct gw_error *err)
{
    const struct gw_review_due_notice *n = c->n;
    const struct gw_sched_item *it = c->it;
    enum gw_qs qs = GW_QS_ONE;
    if (n->marks_stalled) {
        struct gw_dbp p[] = {GW_P_INT(c->now_ms), GW_P_TEXT(it->round_id),
                             GW_P_TEXT(it->approver_id)};
        qs = gw_db_query(db,
                         "UPDATE round_approvers SET stalled = 1, stalled_ms = $1 WHERE round_id = "
                         "$2 AND person_id = $3",
                         p, 3, NULL, NULL, err);
    }
    if (qs < 0 || (n->kind != GW_NOTICE_ESCALATION && n->kind != GW_NOTICE_APPROVE_ON_SILENCE))
        return qs;
    struct gw_review_round r;
    struct gw_rv_round_meta m;
    qs = gw_rv_load_round(db, it->round_id, &r, &m, err);
    if (qs >= 0) {
        char action[64], comment[96];
        snprintf(action, sizeof action, "notice.%s", gw_review_notice_kind_name(n->kind));
        snprintf(comment, sizeof comment, "%u days overdue", n->days_overdue);
        struct gw_audit_record rec;
        gw_rv_audit_from(&rec, NULL, action, c->now_ms);
        rec.on_behalf_of = it->approver_id;
        rec.course_id = m.course_id;
        rec.round_id = it->round_id;
        rec.comment = comment;
        rec.version_sha256 = m.sha256;
        qs = gw_rv_audit(db, &rec, err);
    }
    if (qs >= 0 && n->kind == GW_NOTICE_APPROVE_ON_SILENCE) {
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
    c->inserted = false;
    char to[GW_ID_MAX];
    enum gw_qs qs = recipient(db, c->it, c->n->recipient, to, err);
    if (qs >= 0)
        qs = gw_rv_notice_insert(db, c->n->key, c->it->round_id, c->it->approver_id,
                                 to[0] ? to : NULL, gw_review_notice_kind_name(c->n->kind),
                                 c->n->scheduled_ms, c->n->days_overdue, c->now_ms, &c->inserted,
                                 err);
    if (qs >= 0 && c->inserted)
        qs = record_effect(db, c, err);
    return qs;
}

enum gw_err gw_store_sched_record(struct gw_store *s, const struct gw_sched_item *it,
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

void gw_notice_rows_free(struct gw_notice_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(rows[i].changes_summary);
    free(rows);
}

static enum gw_qs notice_details(struct gw_db *db, struct gw_notice_row *n, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(n->key)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(
        db,
        "SELECT n.kind, n.round_id, n.approver_id, n.recipient_id, n.scheduled_ms, "
        "n.days_overdue, n.attempts, rp.name, COALESCE(rp.email, CASE WHEN n.kind = "
        "'announcement' THEN n.recipient_id END), ap.name, c.title, d.name, au.name, "
        "d.settings, ra.due_ms, rq.deadline_ms, r.changes, r.state, CASE WHEN EXISTS (SELECT 1 "
        "FROM review_decisions x WHERE x.round_id = n.round_id AND x.approver_id = "
        "n.approver_id) THEN 1 ELSE 0 END, r.course_id, r.version_id FROM review_notices n JOIN "
        "review_rounds r ON r.id = n.round_id JOIN courses c ON c.id = r.course_id JOIN "
        "departments d ON d.id = c.department_id LEFT JOIN people rp ON rp.id = n.recipient_id "
        "LEFT JOIN people ap ON ap.id = n.approver_id LEFT JOIN people au ON au.id = "
        "c.author_person_id LEFT JOIN round_approvers ra ON ra.round_id = n.round_id AND "
        "ra.person_id = n.approver_id LEFT JOIN course_requests rq ON rq.id = c.request_id WHERE "
        "n.notice_key = $1",
        p, 1, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        gw_copy_str(n->kind, sizeof n->kind, gw_db_col_text(r, 0));
        gw_copy_str(n->round_id, sizeof n->round_id, gw_db_col_text(r, 1));
        gw_copy_str(n->approver_id, sizeof n->approver_id, gw_db_col_text(r, 2));
        gw_copy_str(n->recipient_id, sizeof n->recipient_id, gw_db_col_text(r, 3));
        n->scheduled_ms = gw_db_col_int(r, 4);
        n->days_overdue = gw_db_col_int(r, 5);
        n->attempts = gw_db_col_int(r, 6);
        gw_copy_str(n->recipient_name, sizeof n->recipient_name, gw_db_col_text(r, 7));
        gw_copy_str(n->recipient_email, sizeof n->recipient_email, gw_db_col_text(r, 8));
        gw_copy_str(n->approver_name, sizeof n->approver_name, gw_db_col_text(r, 9));
        gw_copy_str(n->course_title, sizeof n->course_title, gw_db_col_text(r, 10));
        gw_copy_str(n->department, sizeof n->department, gw_db_col_text(r, 11));
        gw_copy_str(n->author_name, sizeof n->author_name, gw_db_col_text(r, 12));
        struct gw_dept_settings ds;
        gw_dept_settings_read(gw_db_col_text(r, 13), &ds);
        gw_copy_str(n->slack_webhook, sizeof n->slack_webhook, ds.slack_webhook);
        gw_copy_str(n->teams_webhook, sizeof n->teams_webhook, ds.teams_webhook);
        gw_dept_settings_free(&ds);
        n->due_ms = gw_db_col_int(r, 14);
        n->delivery_ms = gw_db_col_int(r, 15);
        json_t *ch = gw_db_col_text(r, 16) ? json_loads(gw_db_col_text(r, 16), 0, NULL) : NULL;
        const char *sum = json_string_value(json_object_get(ch, "summary"));
        n->changes_summary = sum ? gw_xstrdup(sum) : NULL;
        json_decref(ch);
        n->round_open = strcmp(gw_db_col_text(r, 17), "open") == 0;
        n->decided = gw_db_col_int(r, 18) != 0;
        gw_copy_str(n->course_id, sizeof n->course_id, gw_db_col_text(r, 19));
        gw_copy_str(n->version_id, sizeof n->version_id, gw_db_col_text(r, 20));
    }
    gw_db_rows_free(r);
    return qs;
}

static enum gw_qs claim_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct claim_ctx *c = ud;
    claim_clear(c);
    struct gw_dbp p[] = {GW_P_INT((int64_t)c->max)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT notice_key FROM review_notices WHERE status = 'pending' "
                                "ORDER BY created_ms, notice_key LIMIT $1",
                                p, 1, &r, NULL, err);
    size_t n_keys = 0;
    char(*keys)[sizeof c->rows->key] = gw_xcalloc(c->max + 1, sizeof *keys);
    for (bool more = qs == GW_QS_ONE; more && n_keys <= c->max; more = gw_db_next(r))
        gw_copy_str(keys[n_keys++], sizeof *keys, gw_db_col_text(r, 0));
    gw_db_rows_free(r);
    c->rows = gw_xcalloc(n_keys + 1, sizeof *c->rows);
    for (size_t i = 0; i < n_keys && qs >= 0; i++) {
        struct gw_dbp u[] = {GW_P_TEXT(keys[i])};
        int64_t changes = 0;
        qs = gw_db_query(db,
                         "UPDATE review_notices SET status = 'sending', attempts = attempts + 1 "
                         "WHERE notice_key = $1 AND status = 'pending'",
                         u, 1, NULL, &changes, err);
        if (qs < 0 || changes == 0)
            continue;
        struct gw_notice_row *n = &c->rows[c->n++];
        gw_copy_str(n->key, sizeof n->key, keys[i]);
        qs = notice_details(db, n, err);
    }
    free(keys);
    return qs;
}

enum gw_err gw_store_notices_claim(struct gw_store *s, size_t max, struct gw_notice_row **rows,
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
};

static enum gw_qs done_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct done_ctx *c = ud;
    struct gw_dbp p[] = {GW_P_TEXT(c->outcome), GW_P_INT(c->max_attempts), GW_P_TEXT(c->error),
                         GW_P_INT(c->now_ms), GW_P_TEXT(c->key)};
    return gw_db_query(
        db,
        "UPDATE review_notices SET status = CASE WHEN $1 <> 'failed' THEN $1 "
        "WHEN attempts >= $2 THEN 'failed' ELSE 'pending' END, last_error = $3, "
        "sent_ms = CASE WHEN $1 = 'sent' THEN CAST($4 AS BIGINT) ELSE 0 END WHERE notice_key = $5",
        p, 5, NULL, NULL, err);
}

enum gw_err gw_store_notice_done(struct gw_store *s, const char *key, const char *outcome,
                                 const char *error, int64_t max_attempts, int64_t now_ms,
                                 struct gw_error *err)
{
    struct done_ctx c = {key, outcome, error, max_attempts, now_ms};
    return gw_store_tx(s, GW_TX_WRITE, done_body, &c, err);
}

struct list_ctx {
    const char *round_id;
    struct gw_notice_item *items;
    size_t n, cap;
};

void gw_notice_items_free(struct gw_notice_item *items, size_t n)
{
    for (size_t i = 0; items && i < n; i++)
        free(items[i].recipient_id);
    free(items);
}

static enum gw_qs list_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct list_ctx *c = ud;
    for (size_t i = 0; i < c->n; i++) /* a retried transaction starts over */
        free(c->items[i].recipient_id);
    c->n = 0;
    struct gw_dbp p[] = {GW_P_TEXT(c->round_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(
        db,
        c->round_id ? "SELECT notice_key, kind, status, attempts, recipient_id, approver_id, "
                      "scheduled_ms FROM review_notices WHERE round_id = $1 ORDER BY created_ms, "
                      "notice_key"
                    : "SELECT notice_key, kind, status, attempts, recipient_id, approver_id, "
                      "scheduled_ms FROM review_notices ORDER BY created_ms, notice_key",
        p, c->round_id ? 1 : 0, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        c->items = gw_xgrow(c->items, c->n, &c->cap, sizeof *c->items);
        struct gw_notice_item *it = &c->items[c->n++];
        memset(it, 0, sizeof *it);
        gw_copy_str(it->key, sizeof it->key, gw_db_col_text(r, 0));
        gw_copy_str(it->kind, sizeof it->kind, gw_db_col_text(r, 1));
        gw_copy_str(it->status, sizeof it->status, gw_db_col_text(r, 2));
        it->attempts = gw_db_col_int(r, 3);
        const char *to = gw_db_col_text(r, 4);
        it->recipient_id = to ? gw_xstrdup(to) : NULL;
        gw_copy_str(it->approver_id, sizeof it->approver_id, gw_db_col_text(r, 5));
        it->scheduled_ms = gw_db_col_int(r, 6);
    }
    gw_db_rows_free(r);
    return qs;
}

enum gw_err gw_store_notices_list(struct gw_store *s, const char *round_id,
                                  struct gw_notice_item **items, size_t *n, struct gw_error *err)
{
    struct list_ctx c = {round_id, NULL, 0, 0};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, list_body, &c, err);
    *items = c.items;
    *n = c.n;
    return rc;
}
