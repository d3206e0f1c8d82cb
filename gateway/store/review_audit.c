/* review_audit.c: reading the audit log: its lines verbatim (all, or one
 * course's) and the head of its hash chain. Writing a line is
 * review_common.c's gw_rv_audit, inside the transaction that did the step. */
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

/* ---- audit ---- */

struct audit_ctx {
    const char *course_id;
    struct gw_audit_lines *out;
    size_t cap;
};

static enum gw_qs audit_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct audit_ctx *c = ud;
    gw_audit_lines_free(c->out);
    c->cap = 0;
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, "SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1", NULL, 0,
                                &r, NULL, err);
    if (qs == GW_QS_ONE)
        gw_copy_str(c->out->head, sizeof c->out->head, gw_db_col_text(r, 0));
    gw_db_rows_free(r);
    if (qs < 0)
        return qs;
    struct gw_dbp p[] = {GW_P_TEXT(c->course_id)};
    qs = gw_db_query(db,
                     c->course_id ? "SELECT line FROM audit_log WHERE course_id = $1 ORDER BY seq"
                                  : "SELECT line FROM audit_log ORDER BY seq",
                     p, c->course_id ? 1 : 0, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        if (c->out->n == c->cap) {
            c->cap = c->cap ? 2 * c->cap : 64;
            c->out->lines = gw_xrealloc(c->out->lines, c->cap * sizeof *c->out->lines);
        }
        c->out->lines[c->out->n++] = gw_db_col_dup_or(r, 0, "");
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
}

enum gw_err gw_store_audit_lines(struct gw_store *s, const char *course_id,
                                 struct gw_audit_lines *out, struct gw_error *err)
{
    memset(out, 0, sizeof *out);
    struct audit_ctx c = {course_id, out, 0};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, audit_body, &c, err);
    if (rc != GW_OK)
        gw_audit_lines_free(out);
    return rc;
}

void gw_audit_lines_free(struct gw_audit_lines *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->lines[i]);
    free(a->lines);
    a->lines = NULL;
    a->n = 0;
    a->head[0] = '\0';
}
