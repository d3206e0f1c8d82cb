/* review_org.c: departments, people and course requests (with the approvers
 * named at kickoff) in the store: the verbs the intake's use cases
 * (app/review_org.c) write with (gw/review_verbs.h), and the reads of
 * gw/review_store.h; a request is read back as gw/course_view.h's
 * gw_request_view. Which references must exist and the words of a refusal
 * are the domain's (gw/intake.h). */
#include "gw/buf.h"
#include "gw/course_view.h"
#include "gw/session.h"
#include "review_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- departments ---- */

enum gw_qs gw_rv_department_insert(struct gw_db *db, const struct gw_department *d, int64_t now_ms,
                                   struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(d->id),          GW_P_TEXT(d->name),
                         GW_P_TEXT(d->cost_center), GW_P_TEXT(d->head_person_id),
                         GW_P_TEXT(d->settings),    GW_P_INT(now_ms)};
    return gw_db_query(db,
                       "INSERT INTO departments (id, name, cost_center, head_person_id, settings, "
                       "created_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                       p, 6, NULL, NULL, err);
}

enum gw_qs gw_rv_department_update(struct gw_db *db, const char *id, const char *settings,
                                   const char *head_person_id, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(settings), GW_P_TEXT(head_person_id), GW_P_TEXT(id)};
    int64_t changes = 0;
    enum gw_qs qs = gw_db_query(db,
                                "UPDATE departments SET settings = COALESCE($1, settings), "
                                "head_person_id = COALESCE($2, head_person_id) WHERE id = $3",
                                p, 3, NULL, &changes, err);
    if (qs < 0)
        return qs;
    return changes == 0 ? GW_QS_NONE : GW_QS_ONE;
}

void gw_department_rows_free(struct gw_department_rows *rows)
{
    for (size_t i = 0; rows && i < rows->n; i++) {
        struct gw_department_row *d = &rows->v[i];
        free(d->id);
        free(d->name);
        free(d->cost_center);
        free(d->head_person_id);
        free(d->settings);
    }
    if (rows) {
        free(rows->v);
        rows->v = NULL;
        rows->n = 0;
    }
}

struct dep_list_ctx {
    const char *id; /* NULL: all */
    struct gw_department_rows *out;
};

static enum gw_qs dep_list_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct dep_list_ctx *c = ud;
    gw_department_rows_free(c->out); /* a retried transaction starts again */
    struct gw_dbp p[] = {GW_P_TEXT(c->id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(
        db,
        c->id ? "SELECT id, name, cost_center, head_person_id, settings, created_ms FROM "
                "departments WHERE id = $1"
              : "SELECT id, name, cost_center, head_person_id, settings, created_ms FROM "
                "departments ORDER BY name",
        p, c->id ? 1 : 0, &r, NULL, err);
    size_t cap = 0;
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        c->out->v = gw_xgrow(c->out->v, c->out->n, &cap, sizeof *c->out->v);
        struct gw_department_row *d = &c->out->v[c->out->n++];
        d->id = gw_db_col_dup_or(r, 0, "");
        d->name = gw_db_col_dup_or(r, 1, "");
        d->cost_center = gw_db_col_dup_or(r, 2, "");
        d->head_person_id = gw_db_col_dup_or(r, 3, "");
        d->settings = gw_db_col_dup_or(r, 4, "");
        d->created_ms = gw_db_col_int(r, 5);
    }
    bool found = qs == GW_QS_ONE;
    if (found)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    if (!found && qs == GW_QS_NONE && c->id) {
        gw_error_set(err, GW_E_NOT_FOUND, "id", "no department has the id '%s'", c->id);
        return GW_QS_HARD;
    }
    return qs;
}

enum gw_err gw_store_departments(struct gw_store *s, const char *id, struct gw_department_rows *out,
                                 struct gw_error *err)
{
    memset(out, 0, sizeof *out);
    struct dep_list_ctx c = {id, out};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, dep_list_body, &c, err);
    if (rc != GW_OK)
        gw_department_rows_free(out);
    return rc;
}

/* ---- people ---- */

enum gw_qs gw_rv_person_insert(struct gw_db *db, const struct gw_person *p, unsigned roles,
                               int64_t now_ms, struct gw_error *err)
{
    char text[64];
    gw_session_roles_format(roles, text, sizeof text);
    struct gw_dbp v[] = {GW_P_TEXT(p->id),
                         GW_P_TEXT(p->name),
                         GW_P_TEXT(p->email),
                         GW_P_TEXT(p->department_id),
                         GW_P_TEXT(p->title ? p->title : ""),
                         GW_P_INT(now_ms),
                         GW_P_TEXT(text)};
    return gw_db_query(db,
                       "INSERT INTO people (id, name, email, department_id, title, created_ms, "
                       "roles) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                       v, 7, NULL, NULL, err);
}

void gw_person_rows_free(struct gw_person_rows *rows)
{
    for (size_t i = 0; rows && i < rows->n; i++) {
        struct gw_person_row *p = &rows->v[i];
        free(p->id);
        free(p->name);
        free(p->email);
        free(p->department_id);
        free(p->title);
    }
    if (rows) {
        free(rows->v);
        rows->v = NULL;
        rows->n = 0;
    }
}

static enum gw_qs person_list_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct gw_person_rows *out = ud;
    gw_person_rows_free(out);
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT id, name, email, department_id, title, created_ms, roles "
                                "FROM people ORDER BY name, id",
                                NULL, 0, &r, NULL, err);
    size_t cap = 0;
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        out->v = gw_xgrow(out->v, out->n, &cap, sizeof *out->v);
        struct gw_person_row *p = &out->v[out->n++];
        p->id = gw_db_col_dup_or(r, 0, "");
        p->name = gw_db_col_dup_or(r, 1, "");
        p->email = gw_db_col_dup_or(r, 2, "");
        p->department_id = gw_db_col_dup_or(r, 3, "");
        p->title = gw_db_col_dup_or(r, 4, "");
        p->created_ms = gw_db_col_int(r, 5);
        p->roles = gw_session_roles_parse(gw_db_col_text(r, 6));
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
}

enum gw_err gw_store_people(struct gw_store *s, struct gw_person_rows *out, struct gw_error *err)
{
    memset(out, 0, sizeof *out);
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, person_list_body, out, err);
    if (rc != GW_OK)
        gw_person_rows_free(out);
    return rc;
}

/* ---- course requests ---- */

enum gw_qs gw_rv_request_insert(struct gw_db *db, const struct gw_course_request *r, int64_t now_ms,
                                struct gw_error *err)
{
    struct gw_dbp p[] = {
        GW_P_TEXT(r->id),
        GW_P_TEXT(r->department_id),
        GW_P_TEXT(r->title),
        GW_P_TEXT(r->sme_person_id),
        GW_P_TEXT(r->business_case),
        GW_P_INT(r->deadline_ms),
        r->effort_low_hours >= 0 ? GW_P_REAL(r->effort_low_hours) : GW_P_NULL,
        r->effort_high_hours >= 0 ? GW_P_REAL(r->effort_high_hours) : GW_P_NULL,
        GW_P_TEXT(r->project_code ? r->project_code : ""),
        GW_P_TEXT(gw_review_policy_kind_name(r->policy.kind)),
        GW_P_INT(r->policy.required),
        GW_P_INT(r->policy.approve_on_silence ? 1 : 0),
        r->policy.approve_on_silence ? GW_P_TEXT(r->policy.silence_agreed_by) : GW_P_TEXT(NULL),
        GW_P_INT(r->policy.silence_agreed_ms),
        GW_P_INT(now_ms),
    };
    enum gw_qs qs =
        gw_db_query(db,
                    "INSERT INTO course_requests (id, department_id, title, sme_person_id, "
                    "business_case, deadline_ms, effort_low_hours, effort_high_hours, "
                    "project_code, policy, policy_n, approve_on_silence, silence_agreed_by, "
                    "silence_agreed_ms, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
                    "$10, $11, $12, $13, $14, $15)",
                    p, 15, NULL, NULL, err);
    for (size_t i = 0; qs >= 0 && i < r->n_approvers; i++) {
        struct gw_dbp a[] = {GW_P_TEXT(r->id), GW_P_TEXT(r->approvers[i].person_id),
                             GW_P_INT((int64_t)i), GW_P_INT(r->approvers[i].due_ms),
                             GW_P_INT(r->approvers[i].due_in_days)};
        qs = gw_db_query(db,
                         "INSERT INTO request_approvers (request_id, person_id, position, due_ms, "
                         "due_in_days) VALUES ($1, $2, $3, $4, $5)",
                         a, 5, NULL, NULL, err);
    }
    return qs;
}

void gw_request_view_free(struct gw_request_view *v)
{
    free(v->department_id);
    free(v->title);
    free(v->sme_person_id);
    free(v->project_code);
    free(v->business_case);
    free(v->silence_agreed_by);
    for (size_t i = 0; i < v->n_approvers; i++)
        free(v->approvers[i].name);
    free(v->approvers);
    memset(v, 0, sizeof *v);
}

struct req_get {
    const char *id;
    struct gw_request_view *out;
};

static enum gw_qs req_get_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct req_get *c = ud;
    struct gw_request_view *v = c->out;
    gw_request_view_free(v);
    struct gw_dbp p[] = {GW_P_TEXT(c->id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(
        db,
        "SELECT id, department_id, title, sme_person_id, business_case, deadline_ms, "
        "effort_low_hours, effort_high_hours, project_code, policy, policy_n, approve_on_silence, "
        "silence_agreed_by, silence_agreed_ms, created_ms FROM course_requests WHERE id = $1",
        p, 1, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        gw_copy_str(v->id, sizeof v->id, gw_db_col_text(r, 0));
        v->department_id = gw_db_col_dup(r, 1);
        v->title = gw_db_col_dup(r, 2);
        v->sme_person_id = gw_db_col_dup(r, 3);
        v->business_case = gw_db_col_dup(r, 4);
        v->deadline_ms = gw_db_col_int(r, 5);
        v->has_effort_low = !gw_db_col_null(r, 6);
        v->effort_low_hours = v->has_effort_low ? gw_db_col_real(r, 6) : 0;
        v->has_effort_high = !gw_db_col_null(r, 7);
        v->effort_high_hours = v->has_effort_high ? gw_db_col_real(r, 7) : 0;
        v->project_code = gw_db_col_dup(r, 8);
        gw_copy_str(v->policy_kind, sizeof v->policy_kind, gw_db_col_text(r, 9));
        v->policy_n = gw_db_col_int(r, 10);
        v->approve_on_silence = gw_db_col_int(r, 11) != 0;
        v->silence_agreed_by = gw_db_col_dup(r, 12);
        v->silence_agreed_ms = gw_db_col_int(r, 13);
        v->created_ms = gw_db_col_int(r, 14);
    }
    gw_db_rows_free(r);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, "id", "no course request has the id '%s'", c->id);
        return GW_QS_HARD;
    }
    if (qs < 0)
        return qs;
    size_t cap = 0;
    qs = gw_db_query(db,
                     "SELECT a.person_id, a.due_ms, a.due_in_days, p.name FROM request_approvers a "
                     "JOIN people p ON p.id = a.person_id WHERE a.request_id = $1 ORDER BY "
                     "a.position",
                     p, 1, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        if (v->n_approvers == cap) {
            cap = cap ? 2 * cap : 8;
            v->approvers = gw_xrealloc(v->approvers, cap * sizeof *v->approvers);
        }
        struct gw_request_view_approver *a = &v->approvers[v->n_approvers++];
        gw_copy_str(a->person_id, sizeof a->person_id, gw_db_col_text(r, 0));
        a->due_ms = gw_db_col_int(r, 1);
        a->due_in_days = gw_db_col_int(r, 2);
        a->name = gw_db_col_dup(r, 3);
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
}

enum gw_err gw_store_request_get(struct gw_store *s, const char *id, struct gw_request_view *out,
                                 struct gw_error *err)
{
    memset(out, 0, sizeof *out);
    struct req_get c = {id, out};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, req_get_body, &c, err);
    if (rc != GW_OK)
        gw_request_view_free(out);
    return rc;
}
