/* leader.c: the scheduler's leadership. SQLite: one process, always the
 * leader. PostgreSQL: a session advisory lock held on a dedicated
 * connection, so one instance of several runs the scheduler. */
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

/* ---- leadership ---- */

#define LEADER_LOCK_ID "7426117001" /* pg advisory lock key: the review scheduler */

struct gw_store_leader {
    struct gw_store *s;
    struct gw_db *db; /* PostgreSQL: the dedicated connection holding the lock */
    bool leader;
};

struct gw_store_leader *gw_store_leader_new(struct gw_store *s)
{
    struct gw_store_leader *l = gw_xcalloc(1, sizeof *l);
    l->s = s;
    return l;
}

bool gw_store_try_leader(struct gw_store_leader *l, struct gw_error *err)
{
    if (l->s->drv->dialect == GW_DIALECT_SQLITE)
        return true; /* one process owns a SQLite file */
    if (l->db && !l->db->drv->healthy(l->db)) {
        gw_db_disconnect(l->db); /* the session (and its lock) is gone */
        l->db = NULL;
        l->leader = false;
    }
    if (!l->db)
        l->db = l->s->drv->connect(l->s->dsn, &l->s->opt, err);
    if (!l->db)
        return false;
    struct gw_db_rows *r = NULL;
    /* while leader, this re-checks the session still answers (and the lock
     * is re-entrant within it: unlock once per success, so keep one) */
    enum gw_qs qs =
        l->leader ? l->db->drv->query(l->db, "SELECT true", NULL, 0, &r, NULL, err)
                  : l->db->drv->query(l->db, "SELECT pg_try_advisory_lock(" LEADER_LOCK_ID ")",
                                      NULL, 0, &r, NULL, err);
    bool got = qs == GW_QS_ONE && strcmp(l->db->drv->col_text(r, 0), "t") == 0;
    if (r)
        l->db->drv->rows_free(r);
    if (qs < 0) {
        gw_db_disconnect(l->db);
        l->db = NULL;
        got = false;
    }
    l->leader = got;
    return got;
}

void gw_store_leader_free(struct gw_store_leader *l)
{
    if (!l)
        return;
    if (l->db && l->leader) {
        /* release now, not when the server notices the session ended, so a
         * successor can take over at once */
        struct gw_error e;
        struct gw_db_rows *r = NULL;
        l->db->drv->query(l->db, "SELECT pg_advisory_unlock(" LEADER_LOCK_ID ")", NULL, 0, &r, NULL,
                          &e);
        if (r)
            l->db->drv->rows_free(r);
    }
    if (l->db)
        gw_db_disconnect(l->db);
    free(l);
}
