/* publish_jobs.c: a course's queued publish jobs as JSON (tests and the
 * course view); the outbox itself is publish.c. */
#include "gw/department.h"
#include "gw/buf.h"
#include "gw/hash.h"
#include "gw/json.h"
#include "gw/timefmt.h"
#include "review_int.h"
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- publish jobs ---- */

struct jobs_ctx {
    const char *course_id;
    json_t *out;
};

static enum gw_qs jobs_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct jobs_ctx *c = ud;
    json_decref(c->out);
    c->out = json_array();
    struct gw_dbp p[] = {GW_P_TEXT(c->course_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT id, version_id, action, state, attempts, created_ms FROM "
                                "publish_jobs WHERE course_id = $1 ORDER BY created_ms, id",
                                p, 1, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r))
        json_array_append_new(c->out, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "id",
                                                gw_db_col_text(r, 0), "version_id",
                                                gw_db_col_text(r, 1), "action",
                                                gw_db_col_text(r, 2), "state", gw_db_col_text(r, 3),
                                                "attempts", (json_int_t)gw_db_col_int(r, 4),
                                                "created_ms", (json_int_t)gw_db_col_int(r, 5)));
    gw_db_rows_free(r);
    return qs;
}

enum gw_err gw_store_publish_jobs(struct gw_store *s, const char *course_id, json_t **out,
                                  struct gw_error *err)
{
    struct jobs_ctx c = {course_id, NULL};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, jobs_body, &c, err);
    if (rc != GW_OK) {
        json_decref(c.out);
        c.out = NULL;
    }
    *out = c.out;
    return rc;
}
