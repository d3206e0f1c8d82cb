/* publish_jobs.c: a course's publish jobs as the course view shows them
 * (loaded into structs; api/courses.c renders them); the outbox's verbs are
 * publish.c, its use cases app/publish_jobs.c. */
#include "gw/review_store.h"

#include "gw/buf.h"
#include "store_int.h"

#include <string.h>

/* ---- publish jobs ---- */

struct jobs_ctx {
    const char *course_id;
    struct gw_course_publish_job *jobs;
    size_t n, cap;
};

static enum gw_qs jobs_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct jobs_ctx *c = ud;
    c->n = 0; /* a retried transaction starts over */
    struct gw_dbp p[] = {GW_P_TEXT(c->course_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT id, version_id, action, state, attempts, created_ms FROM "
                                "publish_jobs WHERE course_id = $1 ORDER BY created_ms, id",
                                p, 1, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        c->jobs = gw_xgrow(c->jobs, c->n, &c->cap, sizeof *c->jobs);
        struct gw_course_publish_job *j = &c->jobs[c->n++];
        memset(j, 0, sizeof *j);
        gw_copy_str(j->id, sizeof j->id, gw_db_col_text(r, 0));
        gw_copy_str(j->version_id, sizeof j->version_id, gw_db_col_text(r, 1));
        gw_copy_str(j->action, sizeof j->action, gw_db_col_text(r, 2));
        gw_copy_str(j->state, sizeof j->state, gw_db_col_text(r, 3));
        j->attempts = gw_db_col_int(r, 4);
        j->created_ms = gw_db_col_int(r, 5);
    }
    gw_db_rows_free(r);
    return qs;
}

enum gw_err gw_store_publish_jobs(struct gw_store *s, const char *course_id,
                                  struct gw_course_publish_job **jobs, size_t *n,
                                  struct gw_error *err)
{
    struct jobs_ctx c = {course_id, NULL, 0, 0};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, jobs_body, &c, err);
    *jobs = c.jobs;
    *n = rc == GW_OK ? c.n : 0;
    return rc;
}
