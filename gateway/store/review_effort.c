/* review_effort.c: the effort log (hours per course and person and day),
 * persisted, and what a course's effort view is made of (the request's
 * project code and estimate, the department's cost center and settings,
 * learners started, the log). The amounts are not decided here: the API
 * renders them with the one chargeback rule (kpi/kpi.c, gw_kpi_charge). */
#include "gw/buf.h"
#include "review_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct add_ctx {
    const struct gw_effort *ef;
    int64_t now_ms;
};

static enum gw_qs add_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct add_ctx *c = ud;
    enum gw_qs qs = gw_rv_exists(db, "courses", c->ef->course_id, err);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, "id", "no course has the id '%s'", c->ef->course_id);
        return GW_QS_HARD;
    }
    if (qs >= 0)
        qs = gw_rv_exists(db, "people", c->ef->person_id, err);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_REVIEW_REFERENCE_UNKNOWN, "/person_id", "no person has the id '%s'",
                     c->ef->person_id);
        return GW_QS_HARD;
    }
    if (qs < 0)
        return qs;
    char id[GW_ID_MAX];
    gw_rv_new_id(id);
    struct gw_dbp p[] = {GW_P_TEXT(id),
                         GW_P_TEXT(c->ef->course_id),
                         GW_P_TEXT(c->ef->person_id),
                         GW_P_REAL(c->ef->hours),
                         GW_P_TEXT(c->ef->day),
                         GW_P_TEXT(c->ef->note ? c->ef->note : ""),
                         GW_P_INT(c->now_ms)};
    return gw_db_query(db,
                       "INSERT INTO effort_log (id, course_id, person_id, hours, day, note, "
                       "created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                       p, 7, NULL, NULL, err);
}

enum gw_err gw_store_effort_add(struct gw_store *s, const struct gw_effort *ef, int64_t now_ms,
                                struct gw_error *err)
{
    struct add_ctx c = {ef, now_ms};
    return gw_store_tx(s, GW_TX_WRITE, add_body, &c, err);
}

static char *dup_or_null(const char *t)
{
    return t ? gw_xstrdup(t) : NULL;
}

void gw_effort_view_free(struct gw_effort_view *v)
{
    if (!v)
        return;
    free(v->project_code);
    free(v->cost_center);
    free(v->department);
    free(v->settings);
    for (size_t i = 0; i < v->n_entries; i++) {
        free(v->entries[i].person_id);
        free(v->entries[i].day);
        free(v->entries[i].note);
    }
    free(v->entries);
    memset(v, 0, sizeof *v);
}

struct get_ctx {
    const char *course_id;
    struct gw_effort_view *out;
};

static enum gw_qs get_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct get_ctx *c = ud;
    struct gw_effort_view *v = c->out;
    gw_effort_view_free(v); /* a retried transaction starts again */
    struct gw_dbp p[] = {GW_P_TEXT(c->course_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(
        db,
        "SELECT rq.project_code, d.cost_center, d.name, d.settings, rq.effort_low_hours, "
        "rq.effort_high_hours FROM courses c JOIN departments d ON d.id = c.department_id LEFT "
        "JOIN course_requests rq ON rq.id = c.request_id WHERE c.id = $1",
        p, 1, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        v->project_code = dup_or_null(gw_db_col_text(r, 0));
        v->cost_center = dup_or_null(gw_db_col_text(r, 1));
        v->department = dup_or_null(gw_db_col_text(r, 2));
        v->settings = dup_or_null(gw_db_col_text(r, 3));
        v->estimate_low = gw_db_col_real(r, 4);
        v->estimate_high = gw_db_col_real(r, 5);
    }
    gw_db_rows_free(r);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, "id", "no course has the id '%s'", c->course_id);
        return GW_QS_HARD;
    }
    if (qs < 0)
        return qs;
    qs = gw_db_query(db,
                     "SELECT COUNT(DISTINCT learner_key) FROM kpi_learner_days WHERE course_id = "
                     "$1 AND learner_key <> ''",
                     p, 1, &r, NULL, err);
    if (qs == GW_QS_ONE)
        v->learners_started = gw_db_col_int(r, 0);
    gw_db_rows_free(r);
    if (qs < 0)
        return qs;
    qs = gw_db_query(db,
                     "SELECT person_id, hours, day, note FROM effort_log WHERE course_id = $1 "
                     "ORDER BY day, created_ms, id",
                     p, 1, &r, NULL, err);
    size_t cap = 0;
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        v->entries = gw_xgrow(v->entries, v->n_entries, &cap, sizeof *v->entries);
        struct gw_effort_entry *en = &v->entries[v->n_entries++];
        en->person_id = gw_db_col_dup_or(r, 0, "");
        en->hours = gw_db_col_real(r, 1);
        en->day = gw_db_col_dup_or(r, 2, "");
        en->note = gw_db_col_dup_or(r, 3, "");
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
}

enum gw_err gw_store_effort_get(struct gw_store *s, const char *course_id,
                                struct gw_effort_view *out, struct gw_error *err)
{
    memset(out, 0, sizeof *out);
    struct get_ctx c = {course_id, out};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, get_body, &c, err);
    if (rc != GW_OK)
        gw_effort_view_free(out);
    return rc;
}
