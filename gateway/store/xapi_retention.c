/* xapi_retention.c: the monthly partitions of xapi_statements on
 * PostgreSQL (migration 0017): creating months ahead, listing them with
 * their archive records (xapi_archived_months), reading one month for its
 * archive, and dropping an archived month with its side rows. See
 * gw/xapi_retention.h. Partition DDL runs under the advisory lock 71420018,
 * which the migration's xapi_statements_add_month expects its callers to
 * hold, so instances starting together never create the same table twice.
 * Writing the archive file is app/retention.c's. */
#include "gw/xapi_retention.h"
#include "gw/buf.h"
#include "gw/kpi.h"
#include "gw/timefmt.h"
#include "kpi_int.h"
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PARTITION_LOCK "SELECT pg_advisory_xact_lock(71420018)"

/* ---- months ---- */

int gw_xapi_month_of(int64_t ms)
{
    return gw_kpi_month_of_day(gw_kpi_day(ms));
}

int gw_xapi_month_add(int yyyymm, int k)
{
    int m = (yyyymm / 100) * 12 + (yyyymm % 100 - 1) + k;
    return (m / 12) * 100 + m % 12 + 1;
}

int64_t gw_xapi_month_start_ms(int yyyymm)
{
    return gw_days_from_civil(yyyymm / 100, (unsigned)(yyyymm % 100), 1) * GW_KPI_DAY_MS;
}

bool gw_xapi_month_parse(const char *s, int *yyyymm)
{
    int y = 0, m = 0, used = 0;
    if (!s || strlen(s) != 7 || sscanf(s, "%4d-%2d%n", &y, &m, &used) != 2 || used != 7 ||
        s[4] != '-' || y < 1970 || y > 9999 || m < 1 || m > 12)
        return false;
    *yyyymm = y * 100 + m;
    return true;
}

static void partition_name(int yyyymm, char out[32])
{
    snprintf(out, 32, "xapi_statements_%06d", yyyymm);
}

static enum gw_err postgres_only(struct gw_store *s, struct gw_error *err)
{
    if (gw_store_dialect(s) == GW_DIALECT_POSTGRES)
        return GW_OK;
    return gw_error_set(err, GW_E_RETENTION_POSTGRES_ONLY, "database",
                        "this gateway stores statements in SQLite, which has no monthly "
                        "partitions to archive or drop");
}

/* ---- creating months ---- */

struct ensure_ctx {
    int64_t now_ms;
    int created;
};

static enum gw_qs add_month(struct gw_db *db, int yyyymm, int *created, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_INT(yyyymm)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs =
        gw_db_query(db, "SELECT CASE WHEN xapi_statements_add_month($1) THEN 1 ELSE 0 END", p, 1,
                    &r, NULL, err);
    if (qs == GW_QS_ONE && gw_db_col_int(r, 0) == 1)
        (*created)++;
    gw_db_rows_free(r);
    return qs;
}

static enum gw_qs ensure_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct ensure_ctx *c = ud;
    c->created = 0;
    enum gw_qs qs = gw_db_query(db, PARTITION_LOCK, NULL, 0, NULL, NULL, err);
    int now = gw_xapi_month_of(c->now_ms);
    for (int k = 0; qs >= 0 && k <= GW_XAPI_MONTHS_AHEAD; k++)
        qs = add_month(db, gw_xapi_month_add(now, k), &c->created, err);
    /* rows the safety net caught (a month nobody created in time) */
    struct gw_db_rows *r = NULL;
    int months[64];
    int n = 0;
    if (qs >= 0)
        qs = gw_db_query(db,
                         "SELECT DISTINCT xapi_month_of(stored_ms) FROM xapi_statements_default "
                         "ORDER BY 1 LIMIT 64",
                         NULL, 0, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r))
        months[n++] = (int)gw_db_col_int(r, 0);
    gw_db_rows_free(r);
    for (int i = 0; qs >= 0 && i < n; i++)
        qs = add_month(db, months[i], &c->created, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_err gw_store_xapi_partitions_ensure(struct gw_store *s, int64_t now_ms, int *created,
                                            struct gw_error *err)
{
    if (created)
        *created = 0;
    if (gw_store_dialect(s) != GW_DIALECT_POSTGRES)
        return GW_OK;
    struct ensure_ctx c = {now_ms, 0};
    /* READ COMMITTED: after the lock, see the tables another instance made */
    enum gw_err rc = gw_store_tx(s, GW_TX_WRITE_LOCKED, ensure_tx, &c, err);
    if (rc == GW_OK && created)
        *created = c.created;
    return rc;
}

/* ---- listing ---- */

struct months_ctx {
    struct gw_xapi_month *v;
    size_t n, cap;
};

static enum gw_qs count_rows(struct gw_db *db, int yyyymm, int64_t *n, struct gw_error *err)
{
    char name[32], sql[96];
    partition_name(yyyymm, name);
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", name);
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, sql, NULL, 0, &r, NULL, err);
    *n = qs == GW_QS_ONE ? gw_db_col_int(r, 0) : 0;
    gw_db_rows_free(r);
    return qs;
}

static enum gw_qs months_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct months_ctx *c = ud;
    c->n = 0;
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(
        db,
        "SELECT m.month, a.file, a.statements, a.sha256, a.archived_ms FROM (SELECT "
        "substr(c.relname, 17)::INTEGER AS month FROM pg_inherits i JOIN pg_class c ON c.oid = "
        "i.inhrelid WHERE i.inhparent = 'xapi_statements'::regclass AND c.relname ~ "
        "'^xapi_statements_[0-9]{6}$') m LEFT JOIN xapi_archived_months a ON a.month = m.month "
        "ORDER BY m.month",
        NULL, 0, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        c->v = gw_xgrow(c->v, c->n, &c->cap, sizeof *c->v);
        struct gw_xapi_month *m = &c->v[c->n++];
        memset(m, 0, sizeof *m);
        m->month = (int)gw_db_col_int(r, 0);
        m->archived = !gw_db_col_null(r, 1);
        if (m->archived) {
            gw_copy_str(m->file, sizeof m->file, gw_db_col_text(r, 1));
            m->archived_statements = gw_db_col_int(r, 2);
            gw_copy_str(m->sha256, sizeof m->sha256, gw_db_col_text(r, 3));
            m->archived_ms = gw_db_col_int(r, 4);
        }
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    for (size_t i = 0; qs >= 0 && i < c->n; i++)
        qs = count_rows(db, c->v[i].month, &c->v[i].statements, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_err gw_store_xapi_months(struct gw_store *s, struct gw_xapi_month **out, size_t *n,
                                 struct gw_error *err)
{
    *out = NULL;
    *n = 0;
    if (postgres_only(s, err) != GW_OK)
        return err->code;
    struct months_ctx c = {0};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, months_tx, &c, err);
    if (rc != GW_OK) {
        free(c.v);
        return rc;
    }
    *out = c.v;
    *n = c.n;
    return GW_OK;
}

/* ---- reading a month ---- */

enum { PAGE = 1000 };

struct page_ctx {
    int yyyymm;
    int64_t after;
    size_t n;
    char *bodies[PAGE];
    int64_t seqs[PAGE], stored[PAGE];
};

static void page_clear(struct page_ctx *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->bodies[i]);
    c->n = 0;
}

static enum gw_qs page_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct page_ctx *c = ud;
    page_clear(c);
    char name[32], sql[160];
    partition_name(c->yyyymm, name);
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, "SELECT to_regclass($1) IS NOT NULL",
                                (struct gw_dbp[]){GW_P_TEXT(name)}, 1, &r, NULL, err);
    bool exists = qs == GW_QS_ONE && strcmp(gw_db_col_text(r, 0), "t") == 0;
    gw_db_rows_free(r);
    if (qs < 0 || !exists)
        return qs < 0 ? qs : GW_QS_NONE;
    snprintf(sql, sizeof sql,
             "SELECT seq, body, stored_ms FROM %s WHERE seq > $1 ORDER BY seq LIMIT $2", name);
    struct gw_dbp p[] = {GW_P_INT(c->after), GW_P_INT(PAGE)};
    qs = gw_db_query(db, sql, p, 2, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        c->seqs[c->n] = gw_db_col_int(r, 0);
        c->bodies[c->n] = gw_xstrdup(gw_db_col_text(r, 1));
        c->stored[c->n++] = gw_db_col_int(r, 2);
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
}

enum gw_err gw_store_xapi_month_each(struct gw_store *s, int yyyymm, gw_xapi_month_fn fn, void *ud,
                                     int64_t *count, struct gw_error *err)
{
    if (count)
        *count = 0;
    if (postgres_only(s, err) != GW_OK)
        return err->code;
    struct page_ctx *c = gw_xcalloc(1, sizeof *c);
    c->yyyymm = yyyymm;
    enum gw_err rc = GW_OK;
    for (;;) {
        rc = gw_store_tx(s, GW_TX_READ, page_tx, c, err);
        for (size_t i = 0; rc == GW_OK && i < c->n; i++) {
            rc = fn(ud, c->bodies[i], c->stored[i], err);
            if (rc == GW_OK && count)
                (*count)++;
        }
        size_t n = c->n;
        if (n)
            c->after = c->seqs[n - 1];
        page_clear(c);
        if (rc != GW_OK || n < PAGE)
            break;
    }
    free(c);
    return rc;
}

/* ---- the archive record ---- */

struct archived_ctx {
    int yyyymm;
    const char *file, *sha256;
    int64_t count, now_ms;
};

static enum gw_qs archived_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct archived_ctx *c = ud;
    struct gw_dbp p[] = {GW_P_INT(c->yyyymm), GW_P_TEXT(c->file), GW_P_INT(c->count),
                         GW_P_TEXT(c->sha256), GW_P_INT(c->now_ms)};
    return gw_db_query(db,
                       "INSERT INTO xapi_archived_months (month, file, statements, sha256, "
                       "archived_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (month) DO UPDATE "
                       "SET file = excluded.file, statements = excluded.statements, sha256 = "
                       "excluded.sha256, archived_ms = excluded.archived_ms, dropped_ms = NULL",
                       p, 5, NULL, NULL, err);
}

enum gw_err gw_store_xapi_month_archived(struct gw_store *s, int yyyymm, const char *file,
                                         int64_t count, const char *sha256, int64_t now_ms,
                                         struct gw_error *err)
{
    if (postgres_only(s, err) != GW_OK)
        return err->code;
    struct archived_ctx c = {yyyymm, file, sha256, count, now_ms};
    return gw_store_tx(s, GW_TX_WRITE, archived_tx, &c, err);
}

/* ---- dropping a month ---- */

struct drop_ctx {
    int yyyymm;
    int64_t now_ms, dropped;
};

/* The month's side rows, by the seqs in its partition (the side tables are
 * keyed by term first, so each is scanned once). */
static enum gw_qs delete_side_rows(struct gw_db *db, const char *name, struct gw_error *err)
{
    static const char *const tables[] = {"xapi_statement_activity_rids",
                                         "xapi_statement_agent_rids",
                                         "xapi_statement_registrations", "xapi_index_pending"};
    enum gw_qs qs = GW_QS_NONE;
    for (size_t i = 0; qs >= 0 && i < sizeof tables / sizeof *tables; i++) {
        char sql[160];
        snprintf(sql, sizeof sql, "DELETE FROM %s x USING %s s WHERE x.seq = s.seq", tables[i],
                 name);
        qs = gw_db_query(db, sql, NULL, 0, NULL, NULL, err);
    }
    return qs;
}

static enum gw_qs drop_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct drop_ctx *c = ud;
    char name[32], sql[96];
    partition_name(c->yyyymm, name);
    enum gw_qs qs = gw_db_query(db, PARTITION_LOCK, NULL, 0, NULL, NULL, err);
    struct gw_db_rows *r = NULL;
    struct gw_dbp p[] = {GW_P_INT(c->yyyymm), GW_P_TEXT(name)};
    if (qs >= 0)
        qs = gw_db_query(db,
                         "SELECT to_regclass($2) IS NOT NULL, (SELECT statements FROM "
                         "xapi_archived_months WHERE month = $1)",
                         p, 2, &r, NULL, err);
    bool exists = qs == GW_QS_ONE && strcmp(gw_db_col_text(r, 0), "t") == 0;
    bool archived = qs == GW_QS_ONE && !gw_db_col_null(r, 1);
    int64_t archived_n = archived ? gw_db_col_int(r, 1) : -1;
    gw_db_rows_free(r);
    if (qs < 0 || !exists)
        return qs < 0 ? qs : GW_QS_NONE; /* nothing there (dropped already) */
    /* no writer touches its rows from here on (a voiding in flight waits) */
    snprintf(sql, sizeof sql, "LOCK TABLE %s IN ACCESS EXCLUSIVE MODE", name);
    qs = gw_db_query(db, sql, NULL, 0, NULL, NULL, err);
    if (qs >= 0)
        qs = count_rows(db, c->yyyymm, &c->dropped, err);
    if (qs < 0)
        return qs;
    if (!archived || archived_n != c->dropped) {
        char month[16];
        snprintf(month, sizeof month, "%04d-%02d", c->yyyymm / 100 % 10000, c->yyyymm % 100);
        if (!archived)
            gw_error_set(err, GW_E_RETENTION_NOT_ARCHIVED, month,
                         "%s was not archived: run 'lmsgw statements archive' first", month);
        else
            gw_error_set(err, GW_E_RETENTION_NOT_ARCHIVED, month,
                         "%s holds %lld statements but its archive has %lld: archive it again",
                         month, (long long)c->dropped, (long long)archived_n);
        return GW_QS_HARD;
    }
    qs = gw_kst_archive_statements(db, name, err); /* kpi.c */
    if (qs >= 0)
        qs = delete_side_rows(db, name, err);
    snprintf(sql, sizeof sql, "DROP TABLE %s", name);
    if (qs >= 0)
        qs = gw_db_query(db, sql, NULL, 0, NULL, NULL, err);
    struct gw_dbp pd[] = {GW_P_INT(c->yyyymm), GW_P_INT(c->now_ms)};
    if (qs >= 0)
        qs = gw_db_query(db, "UPDATE xapi_archived_months SET dropped_ms = $2 WHERE month = $1", pd,
                         2, NULL, NULL, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_err gw_store_xapi_month_drop(struct gw_store *s, int yyyymm, int64_t now_ms,
                                     int64_t *dropped, struct gw_error *err)
{
    if (dropped)
        *dropped = 0;
    if (postgres_only(s, err) != GW_OK)
        return err->code;
    struct drop_ctx c = {yyyymm, now_ms, 0};
    enum gw_err rc = gw_store_tx(s, GW_TX_WRITE_LOCKED, drop_tx, &c, err);
    if (rc == GW_OK && dropped)
        *dropped = c.dropped;
    return rc;
}
