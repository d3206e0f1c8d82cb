/* schedule.c: the public delivery schedule's share links and what the page
 * reads (migration 0015; gw/schedule.h). Only the SHA-256 of a link's token
 * is kept; making and revoking a link are audited. */
#include "gw/schedule.h"

#include "gw/buf.h"
#include "gw/department.h"
#include "review_int.h"
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum gw_qs department_exists(struct gw_db *db, const char *id, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(id)};
    enum gw_qs qs =
        gw_db_query(db, "SELECT 1 FROM departments WHERE id = $1", p, 1, NULL, NULL, err);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, NULL, "no department has the id %s", id);
        return GW_QS_HARD;
    }
    return qs;
}

/* The audit record of a link made or revoked; the department in the
 * comment (the audit record has no department member). */
static enum gw_qs audit(struct gw_db *db, const struct gw_review_actor *who, const char *action,
                        const char *department_id, int64_t now_ms, struct gw_error *err)
{
    char comment[128];
    snprintf(comment, sizeof comment, "department %s", department_id);
    struct gw_audit_record rec;
    gw_rv_audit_from(&rec, who, action, now_ms);
    rec.comment = comment;
    return gw_rv_audit(db, &rec, err);
}

struct link_ctx {
    const char *department_id, *token_hash; /* token_hash NULL: revoke */
    const struct gw_review_actor *who;
    int64_t now_ms;
};

static enum gw_qs link_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct link_ctx *c = ud;
    enum gw_qs qs = department_exists(db, c->department_id, err);
    if (qs < 0)
        return qs;
    struct gw_dbp d[] = {GW_P_TEXT(c->department_id)};
    int64_t removed = 0;
    qs = gw_db_query(db, "DELETE FROM schedule_links WHERE department_id = $1", d, 1, NULL,
                     &removed, err);
    if (qs < 0)
        return qs;
    if (!c->token_hash)
        return removed > 0
                   ? audit(db, c->who, "schedule_link.revoked", c->department_id, c->now_ms, err)
                   : GW_QS_ONE;
    struct gw_dbp p[] = {GW_P_TEXT(c->department_id), GW_P_TEXT(c->token_hash), GW_P_INT(c->now_ms),
                         GW_P_TEXT(c->who->actor)};
    qs = gw_db_query(db,
                     "INSERT INTO schedule_links (department_id, token_hash, created_ms, "
                     "created_by) VALUES ($1, $2, $3, $4)",
                     p, 4, NULL, NULL, err);
    if (qs < 0)
        return qs;
    return audit(db, c->who, "schedule_link.created", c->department_id, c->now_ms, err);
}

enum gw_err gw_store_schedule_link_set(struct gw_store *s, const char *department_id,
                                       const char *token_hash, const struct gw_review_actor *who,
                                       int64_t now_ms, struct gw_error *err)
{
    struct link_ctx c = {department_id, token_hash, who, now_ms};
    return gw_store_tx(s, GW_TX_WRITE, link_body, &c, err);
}

enum gw_err gw_store_schedule_link_revoke(struct gw_store *s, const char *department_id,
                                          const struct gw_review_actor *who, int64_t now_ms,
                                          struct gw_error *err)
{
    struct link_ctx c = {department_id, NULL, who, now_ms};
    return gw_store_tx(s, GW_TX_WRITE, link_body, &c, err);
}

/* ---- the page's data ---- */

struct read_ctx {
    const char *token_hash;
    struct gw_schedule *out;
    char department_id[GW_ID_MAX];
};

/* The request's approvers' names, "A, B", or NULL when it names none. */
static enum gw_qs approver_names(struct gw_db *db, const char *request_id, char **out,
                                 struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(request_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT p.name FROM request_approvers ra JOIN people p ON p.id = "
                                "ra.person_id WHERE ra.request_id = $1 ORDER BY ra.position",
                                p, 1, &r, NULL, err);
    struct gw_buf b = {0};
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        gw_buf_printf(&b, "%s%s", b.len ? ", " : "",
                      gw_db_col_text(r, 0) ? gw_db_col_text(r, 0) : "");
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    *out = b.len ? gw_xstrdup(gw_buf_str(&b)) : NULL;
    gw_buf_free(&b);
    return qs < 0 ? qs : GW_QS_ONE;
}

/* Columns: 0 title, 1 state, 2 since, 3 deadline, 4 request id. */
static const char ITEMS_SQL[] =
    "SELECT c.title, c.state, c.state_since_ms, COALESCE(rq.deadline_ms, 0), c.request_id FROM "
    "courses c LEFT JOIN course_requests rq ON rq.id = c.request_id WHERE c.department_id = $1 "
    "UNION ALL SELECT rq.title, 'requested', rq.created_ms, COALESCE(rq.deadline_ms, 0), rq.id "
    "FROM course_requests rq WHERE rq.department_id = $1 AND NOT EXISTS (SELECT 1 FROM courses "
    "c WHERE c.request_id = rq.id) ORDER BY 3, 1";

static enum gw_qs read_items(struct gw_db *db, struct read_ctx *c, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(c->department_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, ITEMS_SQL, p, 1, &r, NULL, err);
    size_t cap = 0;
    struct gw_schedule *o = c->out;
    char **requests = NULL;
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        if (o->n == cap) {
            cap = cap ? 2 * cap : 16;
            o->v = gw_xrealloc(o->v, cap * sizeof *o->v);
            requests = gw_xrealloc(requests, cap * sizeof *requests);
        }
        struct gw_schedule_item *it = &o->v[o->n];
        memset(it, 0, sizeof *it);
        it->title = gw_db_col_dup_or(r, 0, "");
        gw_copy_str(it->state, sizeof it->state, gw_db_col_text(r, 1));
        it->since_ms = gw_db_col_int(r, 2);
        it->deadline_ms = gw_db_col_int(r, 3);
        requests[o->n++] = gw_db_col_dup(r, 4);
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    for (size_t i = 0; i < o->n; i++) {
        if (qs >= 0 && o->shows_approvers && requests[i])
            qs = approver_names(db, requests[i], &o->v[i].approvers, err);
        free(requests[i]);
    }
    free(requests);
    return qs < 0 ? qs : GW_QS_ONE;
}

static enum gw_qs read_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct read_ctx *c = ud;
    gw_schedule_free(c->out); /* a retried transaction starts over */
    struct gw_dbp p[] = {GW_P_TEXT(c->token_hash)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT d.id, d.name, d.settings FROM schedule_links l JOIN "
                                "departments d ON d.id = l.department_id WHERE l.token_hash = $1",
                                p, 1, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        gw_copy_str(c->department_id, sizeof c->department_id, gw_db_col_text(r, 0));
        c->out->department = gw_db_col_dup_or(r, 1, "");
        struct gw_dept_settings ds;
        gw_dept_settings_read(gw_db_col_text(r, 2), &ds);
        c->out->shows_approvers = ds.schedule_shows_approvers;
        gw_dept_settings_free(&ds);
    }
    gw_db_rows_free(r);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, NULL,
                     "this schedule link is unknown: it was revoked or replaced");
        return GW_QS_HARD;
    }
    if (qs < 0)
        return qs;
    return read_items(db, c, err);
}

enum gw_err gw_store_schedule(struct gw_store *s, const char *token_hash, struct gw_schedule *out,
                              struct gw_error *err)
{
    memset(out, 0, sizeof *out);
    struct read_ctx c = {token_hash, out, ""};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, read_body, &c, err);
    if (rc != GW_OK)
        gw_schedule_free(out);
    return rc;
}

void gw_schedule_free(struct gw_schedule *sch)
{
    if (!sch)
        return;
    for (size_t i = 0; i < sch->n; i++) {
        free(sch->v[i].title);
        free(sch->v[i].approvers);
    }
    free(sch->v);
    free(sch->department);
    memset(sch, 0, sizeof *sch);
}
