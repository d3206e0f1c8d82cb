/* review_views.c: what the API shows: a round as evaluated now (with what
 * changed), a course with its versions, rounds and activity IRIs, and whether
 * a link nonce was used. Read-only. The review page's data is
 * review_page.c's. */
#include "gw/buf.h"
#include "gw/json.h"
#include "gw/timefmt.h"
#include "review_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *time_json(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    char ts[32];
    gw_time_format_ms(ms, ts);
    return json_string(ts);
}

/* ---- views ---- */

struct round_view {
    const char *round_id;
    int64_t now_ms;
    json_t *out;
};

/* The approver in approvers (the round's JSON) with person_id, or NULL. */
static json_t *approver_of(json_t *approvers, const char *person_id)
{
    size_t i;
    json_t *a;
    json_array_foreach(approvers, i, a)
    {
        const char *id = json_string_value(json_object_get(a, "person_id"));
        if (id && person_id && strcmp(id, person_id) == 0)
            return a;
    }
    return NULL;
}

/* What the course page shows per approver beside the decision: the names
 * (approver and delegate), when they were asked (a request counts once
 * queued: the page may open before the mail leaves) and reminded (sent
 * reminders only), as the review page counts them (review_page.c). */
static enum gw_qs approver_facts(struct gw_db *db, const char *round_id, json_t *approvers,
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
        json_t *a = approver_of(approvers, gw_db_col_text(r, 0));
        if (!a)
            continue;
        json_object_set_new(a, "name", gw_json_str(gw_db_col_text(r, 1)));
        json_object_set_new(a, "delegate_name", gw_json_str(gw_db_col_text(r, 2)));
        json_object_set_new(a, "asked_at", json_null());
        json_object_set_new(a, "reminded_at", json_null());
        json_object_set_new(a, "reminders", json_integer(0));
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
        json_t *a = approver_of(approvers, gw_db_col_text(r, 0));
        if (!a)
            continue;
        bool sent = strcmp(gw_db_col_text(r, 2), "sent") == 0;
        int64_t when = sent ? gw_db_col_int(r, 4) : gw_db_col_int(r, 3);
        if (strcmp(gw_db_col_text(r, 1), "ask") == 0) {
            json_object_set_new(a, "asked_at", time_json(when));
        } else if (sent) {
            json_int_t n = json_integer_value(json_object_get(a, "reminders"));
            json_object_set_new(a, "reminders", json_integer(n + 1));
            json_object_set_new(a, "reminded_at", time_json(when));
        }
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
}

static enum gw_qs round_json(struct gw_db *db, const char *round_id, int64_t now_ms, json_t **out,
                             struct gw_error *err)
{
    struct gw_review_round r;
    struct gw_rv_round_meta m;
    *out = NULL;
    enum gw_qs qs = gw_rv_load_round(db, round_id, &r, &m, err);
    if (qs < 0) {
        gw_review_round_free(&r);
        return qs;
    }
    json_t *o = gw_review_round_to_json(&r, now_ms);
    gw_review_round_free(&r);
    json_object_set_new(o, "round_state", json_string(m.state));
    json_object_set_new(o, "version_id", json_string(m.version_id));
    json_object_set_new(o, "version_sha256", json_string(m.sha256));
    struct gw_dbp p[] = {GW_P_TEXT(round_id)};
    struct gw_db_rows *rows = NULL;
    qs = gw_db_query(
        db,
        "SELECT r.changes, r.number, c.title, c.state, d.name FROM review_rounds r JOIN "
        "courses c ON c.id = r.course_id JOIN departments d ON d.id = "
        "c.department_id WHERE r.id = $1",
        p, 1, &rows, NULL, err);
    if (qs == GW_QS_ONE) {
        const char *ch = gw_db_col_text(rows, 0);
        json_t *changes = ch ? json_loads(ch, 0, NULL) : NULL;
        json_object_set_new(o, "changes", changes ? changes : json_null());
        json_object_set_new(o, "number", json_integer(gw_db_col_int(rows, 1)));
        json_object_set_new(o, "course",
                            json_pack("{s:s, s:o, s:s, s:o}", "id", m.course_id, "title",
                                      gw_json_str(gw_db_col_text(rows, 2)), "state",
                                      gw_db_col_text(rows, 3), "department",
                                      gw_json_str(gw_db_col_text(rows, 4))));
    }
    gw_db_rows_free(rows);
    if (qs >= 0)
        qs = approver_facts(db, round_id, json_object_get(o, "approvers"), err);
    *out = o;
    return qs < 0 ? qs : GW_QS_ONE;
}

static enum gw_qs round_view_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct round_view *c = ud;
    json_decref(c->out);
    return round_json(db, c->round_id, c->now_ms, &c->out, err);
}

enum gw_err gw_store_round_get(struct gw_store *s, const char *round_id, int64_t now_ms,
                               json_t **out, struct gw_error *err)
{
    struct round_view c = {round_id, now_ms, NULL};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, round_view_body, &c, err);
    if (rc != GW_OK) {
        json_decref(c.out);
        c.out = NULL;
    }
    *out = c.out;
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

struct course_view {
    const char *id;
    int64_t now_ms;
    json_t *out;
};

static enum gw_qs course_versions_json(struct gw_db *db, const char *id, json_t *o,
                                       struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(id)};
    struct gw_db_rows *r = NULL;
    json_t *arr = json_array();
    json_object_set_new(o, "versions", arr);
    enum gw_qs qs = gw_db_query(db,
                                "SELECT id, number, package_id, sha256, valid, changes, "
                                "created_ms FROM course_versions WHERE course_id = $1 ORDER BY "
                                "number",
                                p, 1, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        const char *ch = gw_db_col_text(r, 5);
        json_t *changes = ch ? json_loads(ch, 0, NULL) : NULL;
        json_array_append_new(
            arr,
            json_pack("{s:s, s:I, s:s, s:s, s:b, s:o, s:o}", "id", gw_db_col_text(r, 0), "number",
                      (json_int_t)gw_db_col_int(r, 1), "package_id", gw_db_col_text(r, 2), "sha256",
                      gw_db_col_text(r, 3), "valid", gw_db_col_int(r, 4) != 0, "changes",
                      changes ? changes : json_null(), "created", time_json(gw_db_col_int(r, 6))));
    }
    gw_db_rows_free(r);
    if (qs < 0)
        return qs;
    json_t *iris = json_array();
    json_object_set_new(o, "iris", iris);
    qs = gw_db_query(db, "SELECT iri, source FROM course_iris WHERE course_id = $1 ORDER BY iri", p,
                     1, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r))
        json_array_append_new(iris, json_pack("{s:s, s:s}", "iri", gw_db_col_text(r, 0), "source",
                                              gw_db_col_text(r, 1)));
    gw_db_rows_free(r);
    return qs;
}

static enum gw_qs course_view_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct course_view *c = ud;
    json_decref(c->out);
    c->out = NULL;
    struct gw_dbp p[] = {GW_P_TEXT(c->id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT id, title, state, state_since_ms, department_id, "
                                "request_id, author_person_id, current_version_id, created_ms "
                                "FROM courses WHERE id = $1",
                                p, 1, &r, NULL, err);
    if (qs == GW_QS_ONE)
        c->out =
            json_pack("{s:s, s:o, s:s, s:o, s:s, s:o, s:o, s:o, s:o}", "id", gw_db_col_text(r, 0),
                      "title", gw_json_str(gw_db_col_text(r, 1)), "state", gw_db_col_text(r, 2),
                      "state_since", time_json(gw_db_col_int(r, 3)), "department_id",
                      gw_db_col_text(r, 4), "request_id", gw_json_str(gw_db_col_text(r, 5)),
                      "author_person_id", gw_json_str(gw_db_col_text(r, 6)), "current_version_id",
                      gw_json_str(gw_db_col_text(r, 7)), "created", time_json(gw_db_col_int(r, 8)));
    gw_db_rows_free(r);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, "id", "no course has the id '%s'", c->id);
        return GW_QS_HARD;
    }
    if (qs >= 0)
        qs = course_versions_json(db, c->id, c->out, err);
    if (qs < 0)
        return qs;
    json_t *rounds = json_array();
    json_object_set_new(c->out, "rounds", rounds);
    qs = gw_db_query(db, "SELECT id FROM review_rounds WHERE course_id = $1 ORDER BY number", p, 1,
                     &r, NULL, err);
    json_t *ids = json_array();
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r))
        json_array_append_new(ids, json_string(gw_db_col_text(r, 0)));
    gw_db_rows_free(r);
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id)
    {
        json_t *rj = NULL;
        if (qs >= 0)
            qs = round_json(db, json_string_value(id), c->now_ms, &rj, err);
        if (rj)
            json_array_append_new(rounds, rj);
    }
    json_decref(ids);
    return qs;
}

enum gw_err gw_store_course_get(struct gw_store *s, const char *id, int64_t now_ms, json_t **out,
                                struct gw_error *err)
{
    struct course_view c = {id, now_ms, NULL};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, course_view_body, &c, err);
    if (rc != GW_OK) {
        json_decref(c.out);
        c.out = NULL;
    }
    *out = c.out;
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
