/* kpi_pipeline.c: loads the facts of a department's pipeline KPIs
 * (shared/kpi-definitions.md) from the review and publishing tables, with no
 * rule applied: its course requests' dates, its courses (state, whether one
 * of its package versions passed validation, its first LMS publish), their
 * review rounds and the rounds' approvers (due date, decided or not), and
 * the department's settings text. What counts as requested in the
 * window, built, published or stalled, and the spans, are decided by
 * gw_kpi_pipeline_compute (kpi/kpi.c), which app/kpi_pipeline.c runs for
 * GET /api/v1/kpis (api/kpis.c). Schema read:
 *   course_requests(department_id, created_ms)
 *   courses(id, department_id, state)
 *   course_versions(course_id, package_id), packages(id, valid)
 *   review_rounds(id, course_id, opened_ms, closed_ms, state)
 *   round_approvers(round_id, person_id, due_ms), review_decisions(round_id, approver_id)
 *   course_lms(course_id, published_ms)
 * See gw/kpi_store.h. */
#include "gw/buf.h"
#include "gw/kpi_store.h"

#include <stdlib.h>
#include <string.h>

struct pipe_ctx {
    const char *department;
    struct gw_kpi_pipeline_facts *facts;
    char **settings;
};

/* The rows of a query whose first parameter is the department, one fact per
 * row (row_fn copies the row into the array's next element). */
typedef void (*row_fn)(struct gw_db_rows *r, void *elem);

static enum gw_qs load(struct gw_db *db, const char *sql, const char *department, void **arr,
                       size_t *n, size_t size, row_fn fn, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(department)};
    struct gw_db_rows *r = NULL;
    size_t cap = 0;
    enum gw_qs qs = gw_db_query(db, sql, p, 1, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        *arr = gw_xgrow(*arr, *n, &cap, size);
        char *elem = (char *)*arr + *n * size;
        memset(elem, 0, size);
        fn(r, elem);
        (*n)++;
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
}

static void request_row(struct gw_db_rows *r, void *elem)
{
    *(int64_t *)elem = gw_db_col_int(r, 0);
}

static void course_row(struct gw_db_rows *r, void *elem)
{
    struct gw_kpi_pipeline_course *c = elem;
    c->id = gw_xstrdup(gw_db_col_text(r, 0));
    c->state = gw_xstrdup(gw_db_col_text(r, 1));
    c->built = gw_db_col_int(r, 2) != 0;
    c->on_lms = !gw_db_col_null(r, 3);
    c->first_published_ms = c->on_lms ? gw_db_col_int(r, 3) : 0;
}

static void round_row(struct gw_db_rows *r, void *elem)
{
    struct gw_kpi_pipeline_round *o = elem;
    o->course_id = gw_xstrdup(gw_db_col_text(r, 0));
    o->state = gw_xstrdup(gw_db_col_text(r, 1));
    o->opened_ms = gw_db_col_int(r, 2);
    o->closed_ms = gw_db_col_int(r, 3);
}

static void approver_row(struct gw_db_rows *r, void *elem)
{
    struct gw_kpi_pipeline_approver *a = elem;
    a->round_state = gw_xstrdup(gw_db_col_text(r, 0));
    a->due_ms = gw_db_col_int(r, 1);
    a->decided = gw_db_col_int(r, 2) != 0;
}

/* Loads the department's facts (no rule applied: gw_kpi_pipeline_compute
 * decides what counts). What was read is kept in f even on error, for
 * gw_kpi_pipeline_facts_free. */
static enum gw_qs load_facts(struct gw_db *db, const char *dep, struct gw_kpi_pipeline_facts *f,
                             struct gw_error *err)
{
    void *arr = NULL;
    size_t n = 0;
    enum gw_qs qs = load(db, "SELECT created_ms FROM course_requests WHERE department_id = $1", dep,
                         &arr, &n, sizeof *f->requested_ms, request_row, err);
    f->requested_ms = arr;
    f->n_requests = n;
    if (qs < 0)
        return qs;
    arr = NULL;
    n = 0;
    qs = load(db,
              "SELECT c.id, c.state, CASE WHEN EXISTS (SELECT 1 FROM course_versions v JOIN "
              "packages p ON p.id = v.package_id WHERE v.course_id = c.id AND p.valid = 1) "
              "THEN 1 ELSE 0 END, (SELECT MIN(l.published_ms) FROM course_lms l WHERE "
              "l.course_id = c.id) FROM courses c WHERE c.department_id = $1",
              dep, &arr, &n, sizeof *f->courses, course_row, err);
    f->courses = arr;
    f->n_courses = n;
    if (qs < 0)
        return qs;
    arr = NULL;
    n = 0;
    qs = load(db,
              "SELECT r.course_id, r.state, r.opened_ms, r.closed_ms FROM review_rounds r "
              "JOIN courses c ON c.id = r.course_id WHERE c.department_id = $1",
              dep, &arr, &n, sizeof *f->rounds, round_row, err);
    f->rounds = arr;
    f->n_rounds = n;
    if (qs < 0)
        return qs;
    arr = NULL;
    n = 0;
    qs = load(db,
              "SELECT r.state, a.due_ms, CASE WHEN EXISTS (SELECT 1 FROM review_decisions d "
              "WHERE d.round_id = a.round_id AND d.approver_id = a.person_id) THEN 1 ELSE 0 "
              "END FROM round_approvers a JOIN review_rounds r ON r.id = a.round_id JOIN "
              "courses c ON c.id = r.course_id WHERE c.department_id = $1",
              dep, &arr, &n, sizeof *f->approvers, approver_row, err);
    f->approvers = arr;
    f->n_approvers = n;
    return qs;
}

static enum gw_qs pipe_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct pipe_ctx *c = ud;
    gw_kpi_pipeline_facts_free(c->facts);
    free(*c->settings);
    *c->settings = NULL;
    struct gw_dbp pd[] = {GW_P_TEXT(c->department)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs =
        gw_db_query(db, "SELECT settings FROM departments WHERE id = $1", pd, 1, &r, NULL, err);
    if (qs == GW_QS_ONE)
        *c->settings = gw_db_col_dup_or(r, 0, "{}");
    gw_db_rows_free(r);
    if (qs >= 0)
        qs = load_facts(db, c->department, c->facts, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_err gw_store_kpi_pipeline_facts(struct gw_store *s, const char *department,
                                        struct gw_kpi_pipeline_facts *facts, char **settings,
                                        struct gw_error *err)
{
    memset(facts, 0, sizeof *facts);
    *settings = NULL;
    struct pipe_ctx c = {department, facts, settings};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, pipe_tx, &c, err);
    if (rc != GW_OK) {
        gw_kpi_pipeline_facts_free(facts);
        free(*settings);
        *settings = NULL;
    }
    return rc;
}
