/* kpi_pipeline.c: loads the inputs of a department's pipeline KPIs
 * (shared/kpi-definitions.md) from the review and publishing tables; the
 * figures, the escalation threshold and the day spans are the domain's
 * (kpi/kpi.c). The counts are still SQL aggregates whose WHERE clauses carry
 * the definitions (built, published, stalled): see docs/ARCHITECTURE.md
 * "Not there yet". Served by GET /api/v1/kpis (api/kpis.c). Schema read:
 *   course_requests(id, department_id, created_ms)
 *   courses(id, department_id, state)                       -- 0005
 *   course_versions(course_id, package_id), packages(id, valid)
 *   review_rounds(id, course_id, opened_ms, closed_ms, state:
 *                 open | approved | changes_requested | superseded)
 *   round_approvers(round_id, due_ms, stalled_ms)
 *   course_lms(course_id, published_ms)
 * Figures: kpi/kpi.c (gw_kpi_pipeline_to_json). See gw/kpi_store.h. */
#include "gw/department.h"
#include "gw/buf.h"
#include "gw/kpi_store.h"

#include <stdlib.h>
#include <string.h>

struct pipe_ctx {
    const char *department;
    int64_t from_ms, to_ms, now_ms, escalation_ms;
    struct gw_kpi_pipeline_in *in;
};

static enum gw_qs count(struct gw_db *db, const char *sql, const struct gw_dbp *p, int n,
                        int64_t *out, struct gw_error *err)
{
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, sql, p, n, &r, NULL, err);
    *out = qs == GW_QS_ONE ? gw_db_col_int(r, 0) : 0;
    gw_db_rows_free(r);
    return qs;
}

/* Reads one column of millisecond spans as days. */
static enum gw_qs spans(struct gw_db *db, const char *sql, const struct gw_dbp *p, int n,
                        double **out, size_t *n_out, struct gw_error *err)
{
    struct gw_db_rows *r = NULL;
    size_t cap = 0;
    enum gw_qs qs = gw_db_query(db, sql, p, n, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        if (*n_out == cap) {
            cap = cap ? cap * 2 : 16;
            *out = gw_xrealloc(*out, cap * sizeof **out);
        }
        (*out)[(*n_out)++] = gw_kpi_span_days(gw_db_col_int(r, 0));
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
}

static enum gw_qs pipe_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct pipe_ctx *c = ud;
    struct gw_kpi_pipeline_in *in = c->in;
    gw_kpi_pipeline_free(in);
    struct gw_dbp pd[] = {GW_P_TEXT(c->department)};
    struct gw_dbp pw[] = {GW_P_TEXT(c->department), GW_P_INT(c->from_ms),
                          GW_P_INT(c->to_ms > 0 ? c->to_ms : INT64_MAX)};
    /* the department's own escalation threshold (review settings), else the default */
    int64_t escalation_ms = c->escalation_ms;
    struct gw_db_rows *r = NULL;
    enum gw_qs qs =
        gw_db_query(db, "SELECT settings FROM departments WHERE id = $1", pd, 1, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        struct gw_dept_settings ds;
        gw_dept_settings_read(gw_db_col_text(r, 0), &ds);
        escalation_ms = gw_kpi_escalation_ms(ds.has_escalate_after_days,
                                             ds.schedule.escalate_after_days, escalation_ms);
        gw_dept_settings_free(&ds);
    }
    gw_db_rows_free(r);
    if (qs < 0)
        return qs;
    struct gw_dbp ps[] = {GW_P_TEXT(c->department),
                          GW_P_INT(gw_kpi_stalled_cutoff_ms(c->now_ms, escalation_ms))};
    qs = count(db,
               "SELECT COUNT(*) FROM course_requests WHERE department_id = $1 AND "
               "created_ms >= $2 AND created_ms < $3",
               pw, 3, &in->courses_requested, err);
    if (qs >= 0)
        qs = count(db,
                   "SELECT COUNT(DISTINCT v.course_id) FROM course_versions v JOIN packages p ON "
                   "p.id = v.package_id JOIN courses c ON c.id = v.course_id WHERE "
                   "c.department_id = $1 AND p.valid = 1",
                   pd, 1, &in->courses_built, err);
    if (qs >= 0)
        qs = count(db,
                   "SELECT COUNT(*) FROM courses c WHERE c.department_id = $1 AND (c.state = "
                   "'published' OR EXISTS (SELECT 1 FROM course_lms l WHERE l.course_id = c.id))",
                   pd, 1, &in->courses_published, err);
    if (qs >= 0)
        qs = spans(db,
                   "SELECT r.closed_ms - r.opened_ms FROM review_rounds r JOIN courses c ON c.id "
                   "= r.course_id WHERE c.department_id = $1 AND r.state = 'approved' AND "
                   "r.closed_ms IS NOT NULL",
                   pd, 1, &in->approval_days, &in->n_approval, err);
    if (qs >= 0)
        qs = count(db,
                   /* approval requests: approvers of open rounds who have not decided,
                    * overdue by the threshold (no due date: never overdue) */
                   "SELECT COUNT(*) FROM round_approvers a JOIN review_rounds r ON r.id = "
                   "a.round_id JOIN courses c ON c.id = r.course_id WHERE c.department_id = $1 "
                   "AND r.state = 'open' AND a.due_ms > 0 AND a.due_ms <= $2 AND NOT EXISTS "
                   "(SELECT 1 FROM review_decisions d WHERE d.round_id = a.round_id AND "
                   "d.approver_id = a.person_id)",
                   ps, 2, &in->stalled_reviews, err);
    if (qs >= 0)
        qs = spans(db,
                   "SELECT MIN(l.published_ms) - (SELECT MAX(r.closed_ms) FROM review_rounds r "
                   "WHERE r.course_id = c.id AND r.state = 'approved') FROM courses c JOIN "
                   "course_lms l ON l.course_id = c.id WHERE c.department_id = $1 AND EXISTS "
                   "(SELECT 1 FROM review_rounds r WHERE r.course_id = c.id AND r.state = "
                   "'approved') GROUP BY c.id",
                   pd, 1, &in->publish_days, &in->n_publish, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_err gw_store_kpi_pipeline(struct gw_store *s, const char *department, int64_t from_ms,
                                  int64_t to_ms, int64_t now_ms, int64_t escalation_ms,
                                  struct gw_kpi_pipeline_in *in, struct gw_error *err)
{
    memset(in, 0, sizeof *in);
    struct pipe_ctx c = {department, from_ms, to_ms, now_ms, escalation_ms, in};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, pipe_tx, &c, err);
    if (rc != GW_OK)
        gw_kpi_pipeline_free(in);
    return rc;
}
