/* review_sched.c: the verbs of the review scheduler's pass (gw/review_verbs.h):
 * every open round's approver slots with the schedule notices already
 * recorded, the people a notice can go to, the approver's stalled mark, the
 * pending notices' keys, a notice's claim (pending -> sending) and what its
 * delivery needs, its attempts and final status, and the notices as recorded.
 * The use cases that run them in one transaction each, and the domain's
 * decisions between them, are app/review_sched.c's; the exactly-once insert
 * of a notice is gw_rv_notice_insert (store/review_common.c). */
#include "gw/department.h"
#include "gw/buf.h"
#include "gw/json.h"
#include "review_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- items ---- */

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

enum gw_qs gw_rv_sched_items(struct gw_db *db, struct gw_sched_item **items, size_t *n,
                             struct gw_error *err)
{
    gw_sched_items_free(*items, *n);
    *items = NULL;
    *n = 0;
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
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *items = gw_xrealloc(*items, cap * sizeof **items);
        }
        struct gw_sched_item *it = &(*items)[(*n)++];
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
    for (size_t i = 0; qs >= 0 && i < *n; i++)
        qs = item_sent(db, &(*items)[i], err);
    return qs;
}

/* ---- recording a due notice ---- */

enum gw_qs gw_rv_notice_people(struct gw_db *db, const char *round_id, const char *approver_id,
                               struct gw_rv_notice_people *out, struct gw_error *err)
{
    memset(out, 0, sizeof *out);
    struct gw_dbp p[] = {GW_P_TEXT(round_id), GW_P_TEXT(approver_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(
        db,
        "SELECT ra.delegate_id, d1.head_person_id, c.author_person_id, d2.head_person_id FROM "
        "review_rounds r JOIN courses c ON c.id = r.course_id JOIN departments d2 ON d2.id = "
        "c.department_id LEFT JOIN round_approvers ra ON ra.round_id = r.id AND ra.person_id = "
        "$2 LEFT JOIN people p ON p.id = $2 LEFT JOIN departments d1 ON d1.id = p.department_id "
        "WHERE r.id = $1",
        p, 2, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        gw_copy_str(out->delegate_id, sizeof out->delegate_id, gw_db_col_text(r, 0));
        gw_copy_str(out->approver_head_id, sizeof out->approver_head_id, gw_db_col_text(r, 1));
        gw_copy_str(out->author_id, sizeof out->author_id, gw_db_col_text(r, 2));
        gw_copy_str(out->requester_head_id, sizeof out->requester_head_id, gw_db_col_text(r, 3));
    }
    gw_db_rows_free(r);
    return qs;
}

enum gw_qs gw_rv_approver_stalled(struct gw_db *db, const char *round_id, const char *approver_id,
                                  int64_t now_ms, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_INT(now_ms), GW_P_TEXT(round_id), GW_P_TEXT(approver_id)};
    return gw_db_query(db,
                       "UPDATE round_approvers SET stalled = 1, stalled_ms = $1 WHERE round_id = "
                       "$2 AND person_id = $3",
                       p, 3, NULL, NULL, err);
}

/* ---- delivery ---- */

void gw_notice_rows_free(struct gw_notice_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(rows[i].changes_summary);
    free(rows);
}

enum gw_qs gw_rv_notices_pending(struct gw_db *db, size_t max,
                                 char (*keys)[GW_REVIEW_NOTICE_KEY_MAX], size_t *n,
                                 struct gw_error *err)
{
    *n = 0;
    struct gw_dbp p[] = {GW_P_INT((int64_t)max)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT notice_key FROM review_notices WHERE status = 'pending' "
                                "ORDER BY created_ms, notice_key LIMIT $1",
                                p, 1, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more && *n < max; more = gw_db_next(r))
        gw_copy_str(keys[(*n)++], sizeof *keys, gw_db_col_text(r, 0));
    gw_db_rows_free(r);
    return qs;
}

enum gw_qs gw_rv_notice_claim(struct gw_db *db, const char *key, bool *claimed,
                              struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(key)};
    int64_t changes = 0;
    enum gw_qs qs = gw_db_query(db,
                                "UPDATE review_notices SET status = 'sending', attempts = attempts "
                                "+ 1 WHERE notice_key = $1 AND status = 'pending'",
                                p, 1, NULL, &changes, err);
    *claimed = qs >= 0 && changes > 0;
    return qs;
}

enum gw_qs gw_rv_notice_load(struct gw_db *db, struct gw_notice_row *n, struct gw_error *err)
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

enum gw_qs gw_rv_notice_attempts(struct gw_db *db, const char *key, int64_t *attempts,
                                 struct gw_error *err)
{
    *attempts = 0;
    struct gw_dbp p[] = {GW_P_TEXT(key)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, "SELECT attempts FROM review_notices WHERE notice_key = $1", p,
                                1, &r, NULL, err);
    if (qs == GW_QS_ONE)
        *attempts = gw_db_col_int(r, 0);
    gw_db_rows_free(r);
    return qs;
}

enum gw_qs gw_rv_notice_finish(struct gw_db *db, const char *key, const char *status,
                               const char *error, int64_t sent_ms, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(status), GW_P_TEXT(error), GW_P_INT(sent_ms), GW_P_TEXT(key)};
    return gw_db_query(db,
                       "UPDATE review_notices SET status = $1, last_error = $2, sent_ms = $3 "
                       "WHERE notice_key = $4",
                       p, 4, NULL, NULL, err);
}

/* ---- the notices as recorded ---- */

void gw_notice_items_free(struct gw_notice_item *items, size_t n)
{
    for (size_t i = 0; items && i < n; i++)
        free(items[i].recipient_id);
    free(items);
}

enum gw_qs gw_rv_notices_list(struct gw_db *db, const char *round_id, struct gw_notice_item **items,
                              size_t *n, struct gw_error *err)
{
    gw_notice_items_free(*items, *n);
    *items = NULL;
    *n = 0;
    size_t cap = 0;
    struct gw_dbp p[] = {GW_P_TEXT(round_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(
        db,
        round_id ? "SELECT notice_key, kind, status, attempts, recipient_id, approver_id, "
                   "scheduled_ms FROM review_notices WHERE round_id = $1 ORDER BY created_ms, "
                   "notice_key"
                 : "SELECT notice_key, kind, status, attempts, recipient_id, approver_id, "
                   "scheduled_ms FROM review_notices ORDER BY created_ms, notice_key",
        p, round_id ? 1 : 0, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        *items = gw_xgrow(*items, *n, &cap, sizeof **items);
        struct gw_notice_item *it = &(*items)[(*n)++];
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
