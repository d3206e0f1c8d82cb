/* demo.c (store): the demo data's marker, the row 'demo_data' of kpi_meta
 * (value 0: a run began; > 0: the time it finished), and the census that
 * decides whether demo data may be written (see gw/demo.h). The demo rows
 * themselves are written by the ordinary store verbs. */
#include "gw/demo.h"

#include <stddef.h>

static enum gw_qs read_marker(struct gw_db *db, enum gw_demo_marker *m, int64_t *written_ms,
                              struct gw_error *err)
{
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, "SELECT value FROM kpi_meta WHERE name = 'demo_data'", NULL, 0,
                                &r, NULL, err);
    int64_t v = qs == GW_QS_ONE ? gw_db_col_int(r, 0) : 0;
    gw_db_rows_free(r);
    *m = qs != GW_QS_ONE ? GW_DEMO_NONE : v > 0 ? GW_DEMO_WRITTEN : GW_DEMO_STARTED;
    if (written_ms)
        *written_ms = v > 0 ? v : 0;
    return qs;
}

static enum gw_qs read_census(struct gw_db *db, struct gw_demo_census *c, struct gw_error *err)
{
    struct gw_db_rows *r = NULL;
    enum gw_qs qs =
        gw_db_query(db,
                    "SELECT (SELECT COUNT(*) FROM departments), (SELECT COUNT(*) FROM people), "
                    "(SELECT COUNT(*) FROM course_requests), (SELECT COUNT(*) FROM packages), "
                    "(SELECT COUNT(*) FROM xapi_statements)",
                    NULL, 0, &r, NULL, err);
    if (qs == GW_QS_ONE)
        *c = (struct gw_demo_census){gw_db_col_int(r, 0), gw_db_col_int(r, 1), gw_db_col_int(r, 2),
                                     gw_db_col_int(r, 3), gw_db_col_int(r, 4)};
    gw_db_rows_free(r);
    return qs;
}

static bool census_empty(const struct gw_demo_census *n)
{
    return !n->departments && !n->people && !n->requests && !n->packages && !n->statements;
}

struct marker_ctx {
    bool begin, begun;
    enum gw_demo_marker m;
    int64_t written_ms;
    struct gw_demo_census census;
};

static enum gw_qs marker_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct marker_ctx *c = ud;
    c->begun = false;
    enum gw_qs qs = read_marker(db, &c->m, &c->written_ms, err);
    if (qs >= 0)
        qs = read_census(db, &c->census, err);
    if (qs < 0 || !c->begin || c->m != GW_DEMO_NONE || !census_empty(&c->census))
        return qs;
    qs = gw_db_query(db, "INSERT INTO kpi_meta (name, value) VALUES ('demo_data', 0)", NULL, 0,
                     NULL, NULL, err);
    c->begun = qs >= 0;
    return qs;
}

static enum gw_err marker_tx(struct gw_store *s, bool begin, bool *begun, enum gw_demo_marker *m,
                             int64_t *written_ms, struct gw_demo_census *census,
                             struct gw_error *err)
{
    struct marker_ctx c = {.begin = begin};
    enum gw_err rc = gw_store_tx(s, begin ? GW_TX_WRITE : GW_TX_READ, marker_body, &c, err);
    if (begun)
        *begun = rc == GW_OK && c.begun;
    *m = c.m;
    if (written_ms)
        *written_ms = c.written_ms;
    if (census)
        *census = c.census;
    return rc;
}

enum gw_err gw_store_demo_marker(struct gw_store *s, enum gw_demo_marker *m, int64_t *written_ms,
                                 struct gw_demo_census *census, struct gw_error *err)
{
    return marker_tx(s, false, NULL, m, written_ms, census, err);
}

enum gw_err gw_store_demo_begin(struct gw_store *s, bool *begun, enum gw_demo_marker *m,
                                int64_t *written_ms, struct gw_demo_census *census,
                                struct gw_error *err)
{
    return marker_tx(s, true, begun, m, written_ms, census, err);
}

static enum gw_qs finish_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_INT(*(const int64_t *)ud)};
    return gw_db_query(db, "UPDATE kpi_meta SET value = $1 WHERE name = 'demo_data'", p, 1, NULL,
                       NULL, err);
}

enum gw_err gw_store_demo_finish(struct gw_store *s, int64_t now_ms, struct gw_error *err)
{
    return gw_store_tx(s, GW_TX_WRITE, finish_body, &now_ms, err);
}
