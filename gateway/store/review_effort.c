/* review_effort.c: the effort log (hours per course and person and day) and
 * the chargeback view: the request's project code and estimate, the
 * requesting department's cost center, and the amount when the department
 * has charging on (settings.charge) at its hourly rate (settings.rates). */
#include "gw/json.h"
#include "review_int.h"

#include <stdio.h>
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
        gw_error_set(err, GW_E_NOT_FOUND, "id", "no course has the id %s", c->ef->course_id);
        return GW_QS_HARD;
    }
    if (qs >= 0)
        qs = gw_rv_exists(db, "people", c->ef->person_id, err);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_REVIEW_REFERENCE_UNKNOWN, "/person_id", "no person has the id %s",
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

struct get_ctx {
    const char *course_id;
    json_t *out;
};

static enum gw_qs get_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct get_ctx *c = ud;
    json_decref(c->out);
    c->out = NULL;
    struct gw_dbp p[] = {GW_P_TEXT(c->course_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(
        db,
        "SELECT rq.project_code, d.cost_center, d.name, d.settings, rq.effort_low_hours, "
        "rq.effort_high_hours FROM courses c JOIN departments d ON d.id = c.department_id LEFT "
        "JOIN course_requests rq ON rq.id = c.request_id WHERE c.id = $1",
        p, 1, &r, NULL, err);
    double rate = 0;
    bool charge = false;
    if (qs == GW_QS_ONE) {
        json_t *set = json_loads(gw_db_col_text(r, 3) ? gw_db_col_text(r, 3) : "{}", 0, NULL);
        json_t *rates = json_object_get(set, "rates");
        charge = json_is_true(json_object_get(set, "charge"));
        rate = json_number_value(json_object_get(rates, "hourly"));
        const char *cur = json_string_value(json_object_get(rates, "currency"));
        c->out = json_pack("{s:s, s:o, s:o, s:o, s:b, s:o, s:o, s:{s:f, s:f}}", "course_id",
                           c->course_id, "project_code", gw_json_str(gw_db_col_text(r, 0)),
                           "cost_center", gw_json_str(gw_db_col_text(r, 1)), "department",
                           gw_json_str(gw_db_col_text(r, 2)), "charge", charge, "rate",
                           charge && rate > 0 ? json_real(rate) : json_null(), "currency",
                           gw_json_str(cur), "estimate", "low", gw_db_col_real(r, 4), "high",
                           gw_db_col_real(r, 5));
        json_decref(set);
    }
    gw_db_rows_free(r);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, "id", "no course has the id %s", c->course_id);
        return GW_QS_HARD;
    }
    if (qs < 0)
        return qs;
    json_t *entries = json_array();
    json_object_set_new(c->out, "entries", entries);
    qs = gw_db_query(db,
                     "SELECT person_id, hours, day, note FROM effort_log WHERE course_id = $1 "
                     "ORDER BY day, created_ms, id",
                     p, 1, &r, NULL, err);
    double total = 0;
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        double h = gw_db_col_real(r, 1);
        total += h;
        json_array_append_new(entries,
                              json_pack("{s:s, s:f, s:s, s:o}", "person_id", gw_db_col_text(r, 0),
                                        "hours", h, "day", gw_db_col_text(r, 2), "note",
                                        gw_json_str(gw_db_col_text(r, 3))));
    }
    gw_db_rows_free(r);
    json_object_set_new(c->out, "total_hours", json_real(total));
    json_object_set_new(c->out, "amount",
                        charge && rate > 0 ? json_real(total * rate) : json_null());
    return qs;
}

enum gw_err gw_store_effort_get(struct gw_store *s, const char *course_id, json_t **out,
                                struct gw_error *err)
{
    struct get_ctx c = {course_id, NULL};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, get_body, &c, err);
    if (rc != GW_OK) {
        json_decref(c.out);
        c.out = NULL;
    }
    *out = c.out;
    return rc;
}
