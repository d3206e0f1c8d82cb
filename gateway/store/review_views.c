/* review_views.c: loads what the API shows of a round (with what changed
 * and what each approver was sent) and of a course (its versions, rounds and
 * activity IRIs) into gw/course_view.h's structs, and whether a link nonce
 * was used. Read-only; the API renders (api/course_views.c). The review
 * page's data is review_page.c's. */
#include "gw/buf.h"
#include "gw/course_view.h"
#include "review_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- views ---- */

/* The index of person_id among the round's approvers, or -1. */
static int approver_index(const struct gw_review_round *r, const char *person_id)
{
    for (size_t i = 0; person_id && i < r->n_approvers; i++)
        if (strcmp(r->approvers[i].person_id, person_id) == 0)
            return (int)i;
    return -1;
}

/* The names of each approver and their delegate, and when they were asked
 * (an ask counts once queued: the page may open before the mail leaves) and
 * reminded (sent reminders only), as the review page counts them
 * (review_page.c). */
static enum gw_qs approver_facts(struct gw_db *db, const char *round_id, struct gw_round_view *v,
                                 struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(round_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT ra.person_id, pp.name, dp.name FROM round_approvers ra "
                                "JOIN people pp ON pp.id = ra.person_id LEFT JOIN people dp ON "
                                "dp.id = ra.delegate_id WHERE ra.round_id = $1",
                                p, 1, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        int i = approver_index(&v->round, gw_db_col_text(r, 0));
        if (i < 0)
            continue;
        struct gw_round_view_approver *f = &v->facts[i];
        free(f->name);
        free(f->delegate_name);
        *f = (struct gw_round_view_approver){
            .known = true, .name = gw_db_col_dup(r, 1), .delegate_name = gw_db_col_dup(r, 2)};
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    if (qs < 0)
        return qs;
    qs = gw_db_query(db,
                     "SELECT approver_id, kind, status, created_ms, sent_ms FROM review_notices "
                     "WHERE round_id = $1 AND kind IN ('ask', 'reminder_before', 'reminder_due', "
                     "'reminder_overdue') ORDER BY created_ms, notice_key",
                     p, 1, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        int i = approver_index(&v->round, gw_db_col_text(r, 0));
        if (i < 0 || !v->facts[i].known)
            continue;
        struct gw_round_view_approver *f = &v->facts[i];
        bool sent = strcmp(gw_db_col_text(r, 2), "sent") == 0;
        int64_t when = sent ? gw_db_col_int(r, 4) : gw_db_col_int(r, 3);
        if (strcmp(gw_db_col_text(r, 1), "ask") == 0) {
            f->asked_ms = when;
        } else if (sent) {
            f->reminders++;
            f->reminded_ms = when;
        }
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
}

void gw_round_view_free(struct gw_round_view *v)
{
    gw_review_round_free(&v->round);
    free(v->changes);
    free(v->course_title);
    free(v->department_name);
    for (size_t i = 0; i < GW_REVIEW_MAX_APPROVERS; i++) {
        free(v->facts[i].name);
        free(v->facts[i].delegate_name);
    }
    memset(v, 0, sizeof *v);
}

static enum gw_qs load_round_view(struct gw_db *db, const char *round_id, struct gw_round_view *v,
                                  struct gw_error *err)
{
    gw_round_view_free(v);
    struct gw_rv_round_meta m;
    enum gw_qs qs = gw_rv_load_round(db, round_id, &v->round, &m, err);
    if (qs < 0)
        return qs;
    gw_copy_str(v->state, sizeof v->state, m.state);
    gw_copy_str(v->version_id, sizeof v->version_id, m.version_id);
    gw_copy_str(v->sha256, sizeof v->sha256, m.sha256);
    struct gw_dbp p[] = {GW_P_TEXT(round_id)};
    struct gw_db_rows *rows = NULL;
    qs = gw_db_query(
        db,
        "SELECT r.changes, r.number, c.title, c.state, d.name FROM review_rounds r JOIN "
        "courses c ON c.id = r.course_id JOIN departments d ON d.id = "
        "c.department_id WHERE r.id = $1",
        p, 1, &rows, NULL, err);
    if (qs == GW_QS_ONE) {
        v->has_course = true;
        v->changes = gw_db_col_dup(rows, 0);
        v->number = gw_db_col_int(rows, 1);
        v->course_title = gw_db_col_dup(rows, 2);
        gw_copy_str(v->course_state, sizeof v->course_state, gw_db_col_text(rows, 3));
        v->department_name = gw_db_col_dup(rows, 4);
    }
    gw_db_rows_free(rows);
    if (qs >= 0)
        qs = approver_facts(db, round_id, v, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

struct round_view {
    const char *round_id;
    struct gw_round_view *out;
};

static enum gw_qs round_view_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct round_view *c = ud;
    return load_round_view(db, c->round_id, c->out, err);
}

enum gw_err gw_store_round_get(struct gw_store *s, const char *round_id, struct gw_round_view *out,
                               struct gw_error *err)
{
    memset(out, 0, sizeof *out);
    struct round_view c = {round_id, out};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, round_view_body, &c, err);
    if (rc != GW_OK)
        gw_round_view_free(out);
    return rc;
}

struct nonce_ctx {
    const char *nonce;
    bool used;
};

static enum gw_qs nonce_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct nonce_ctx *c = ud;
    struct gw_dbp p[] = {GW_P_TEXT(c->nonce)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs =
        gw_db_query(db, "SELECT 1 FROM review_tokens_used WHERE nonce = $1", p, 1, &r, NULL, err);
    gw_db_rows_free(r);
    c->used = qs == GW_QS_ONE;
    return qs;
}

enum gw_err gw_store_review_nonce_used(struct gw_store *s, const char *nonce, bool *used,
                                       struct gw_error *err)
{
    struct nonce_ctx c = {nonce, false};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, nonce_body, &c, err);
    *used = c.used;
    return rc;
}

void gw_course_view_free(struct gw_course_view *v)
{
    free(v->title);
    free(v->request_id);
    free(v->author_person_id);
    free(v->current_version_id);
    for (size_t i = 0; i < v->n_versions; i++)
        free(v->versions[i].changes);
    free(v->versions);
    for (size_t i = 0; i < v->n_iris; i++)
        free(v->iris[i].iri);
    free(v->iris);
    for (size_t i = 0; i < v->n_rounds; i++)
        gw_round_view_free(&v->rounds[i]);
    free(v->rounds);
    memset(v, 0, sizeof *v);
}

static enum gw_qs course_versions(struct gw_db *db, struct gw_course_view *v, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(v->id)};
    struct gw_db_rows *r = NULL;
    size_t cap = 0;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT id, number, package_id, sha256, valid, changes, "
                                "created_ms FROM course_versions WHERE course_id = $1 ORDER BY "
                                "number",
                                p, 1, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        if (v->n_versions == cap) {
            cap = cap ? 2 * cap : 8;
            v->versions = gw_xrealloc(v->versions, cap * sizeof *v->versions);
        }
        struct gw_course_view_version *ver = &v->versions[v->n_versions++];
        memset(ver, 0, sizeof *ver);
        gw_copy_str(ver->id, sizeof ver->id, gw_db_col_text(r, 0));
        ver->number = gw_db_col_int(r, 1);
        gw_copy_str(ver->package_id, sizeof ver->package_id, gw_db_col_text(r, 2));
        gw_copy_str(ver->sha256, sizeof ver->sha256, gw_db_col_text(r, 3));
        ver->valid = gw_db_col_int(r, 4) != 0;
        ver->changes = gw_db_col_dup(r, 5);
        ver->created_ms = gw_db_col_int(r, 6);
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    if (qs < 0)
        return qs;
    cap = 0;
    qs = gw_db_query(db, "SELECT iri, source FROM course_iris WHERE course_id = $1 ORDER BY iri", p,
                     1, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        if (v->n_iris == cap) {
            cap = cap ? 2 * cap : 8;
            v->iris = gw_xrealloc(v->iris, cap * sizeof *v->iris);
        }
        struct gw_course_view_iri *iri = &v->iris[v->n_iris++];
        iri->iri = gw_db_col_dup_or(r, 0, "");
        gw_copy_str(iri->source, sizeof iri->source, gw_db_col_text(r, 1));
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
}

static enum gw_qs course_rounds(struct gw_db *db, struct gw_course_view *v, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(v->id)};
    struct gw_db_rows *r = NULL;
    size_t n = 0, cap = 0;
    char(*ids)[GW_ID_MAX] = NULL;
    enum gw_qs qs =
        gw_db_query(db, "SELECT id FROM review_rounds WHERE course_id = $1 ORDER BY number", p, 1,
                    &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            ids = gw_xrealloc(ids, cap * sizeof *ids);
        }
        gw_copy_str(ids[n++], GW_ID_MAX, gw_db_col_text(r, 0));
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    if (n)
        v->rounds = gw_xcalloc(n, sizeof *v->rounds);
    for (size_t i = 0; i < n && qs >= 0; i++) {
        qs = load_round_view(db, ids[i], &v->rounds[i], err);
        v->n_rounds = i + 1;
    }
    free(ids);
    return qs;
}

struct course_view {
    const char *id;
    struct gw_course_view *out;
};

static enum gw_qs course_view_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct course_view *c = ud;
    struct gw_course_view *v = c->out;
    gw_course_view_free(v);
    struct gw_dbp p[] = {GW_P_TEXT(c->id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT id, title, state, state_since_ms, department_id, "
                                "request_id, author_person_id, current_version_id, created_ms "
                                "FROM courses WHERE id = $1",
                                p, 1, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        gw_copy_str(v->id, sizeof v->id, gw_db_col_text(r, 0));
        v->title = gw_db_col_dup(r, 1);
        gw_copy_str(v->state, sizeof v->state, gw_db_col_text(r, 2));
        v->state_since_ms = gw_db_col_int(r, 3);
        gw_copy_str(v->department_id, sizeof v->department_id, gw_db_col_text(r, 4));
        v->request_id = gw_db_col_dup(r, 5);
        v->author_person_id = gw_db_col_dup(r, 6);
        v->current_version_id = gw_db_col_dup(r, 7);
        v->created_ms = gw_db_col_int(r, 8);
    }
    gw_db_rows_free(r);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, "id", "no course has the id '%s'", c->id);
        return GW_QS_HARD;
    }
    if (qs >= 0)
        qs = course_versions(db, v, err);
    if (qs >= 0)
        qs = course_rounds(db, v, err);
    return qs;
}

enum gw_err gw_store_course_get(struct gw_store *s, const char *id, struct gw_course_view *out,
                                struct gw_error *err)
{
    memset(out, 0, sizeof *out);
    struct course_view c = {id, out};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, course_view_body, &c, err);
    if (rc != GW_OK)
        gw_course_view_free(out);
    return rc;
}

struct people_ctx {
    const char *id;
    struct gw_course_people *out;
};

static enum gw_qs course_people_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct people_ctx *c = ud;
    memset(c->out, 0, sizeof *c->out);
    struct gw_dbp p[] = {GW_P_TEXT(c->id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT c.author_person_id, d.head_person_id FROM courses c LEFT "
                                "JOIN departments d ON d.id = c.department_id WHERE c.id = $1",
                                p, 1, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        gw_copy_str(c->out->author_id, sizeof c->out->author_id, gw_db_col_text(r, 0));
        gw_copy_str(c->out->head_id, sizeof c->out->head_id, gw_db_col_text(r, 1));
    }
    gw_db_rows_free(r);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, "id", "no course has the id '%s'", c->id);
        return GW_QS_HARD;
    }
    return qs;
}

enum gw_err gw_store_course_people(struct gw_store *s, const char *id, struct gw_course_people *out,
                                   struct gw_error *err)
{
    struct people_ctx c = {id, out};
    return gw_store_tx(s, GW_TX_READ, course_people_body, &c, err);
}
