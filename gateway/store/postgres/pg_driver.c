/* pg_driver.c: the PostgreSQL backend driver over libpq. One PGconn per
 * gw_db; statements prepared once per connection (named gw_N) and cached by
 * text; parameters sent as text and typed by the server from context, but
 * blobs, which go in binary (bytea); results come as text, a bytea column
 * decoded from its hex form on request (gw_db_col_blob).
 * Write transactions run SERIALIZABLE; serialization failures (40001),
 * deadlocks (40P01) and lost connections are reported as GW_QS_SOFT so the
 * transaction runner retries them on a healthy connection. */
#include "../driver.h"
#include "gw/buf.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pg_db {
    struct gw_db base;
    PGconn *conn;
    struct gw_stmt_cache cache;
    unsigned next_name;
};

struct pg_rows {
    struct gw_db_rows base;
    PGresult *res;
    int row, nrows;
    unsigned char *blob; /* the last gw_db_col_blob's bytes (PQunescapeBytea) */
};

static enum gw_qs classify_result(struct pg_db *db, PGresult *res, const char *what,
                                  struct gw_error *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn);
    if (PQstatus(db->conn) != CONNECTION_OK) {
        gw_error_set(err, GW_E_STORE_UNREACHABLE, "", "%s: connection lost: %s", what, msg);
        return GW_QS_SOFT;
    }
    if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
                  strcmp(state, "55P03") == 0)) {
        gw_error_set(err, GW_E_STORE_RETRY_EXHAUSTED, "", "%s: %s", what, msg);
        return GW_QS_SOFT;
    }
    if (state && strncmp(state, "23", 2) == 0) {
        gw_error_set(err, GW_E_CONFLICT, "", "%s", msg);
        return GW_QS_HARD;
    }
    gw_error_set(err, GW_E_STORE_QUERY, "", "%s: %s", what, msg);
    return GW_QS_HARD;
}

/* A session's settings, on a new connection and after a reset. Values too
 * large for a row (statement bodies past about 2 KB) are compressed with
 * lz4 rather than pglz when the server has it: pglz took a twentieth of
 * PostgreSQL's CPU while storing statements, lz4 a fraction of that; each
 * value records its method, so older rows read as before. A server built
 * without lz4 refuses the setting and keeps pglz. */
static void session_setup(PGconn *conn)
{
    PGresult *res = PQexec(conn, "SET client_min_messages TO WARNING; SET TIME ZONE 'UTC'");
    PQclear(res);
    res = PQexec(conn, "SET default_toast_compression TO lz4");
    PQclear(res);
}

static struct gw_db *pg_connect(const char *dsn, const struct gw_store_options *opt,
                                struct gw_error *err)
{
    (void)opt;
    PGconn *conn = PQconnectdb(dsn);
    if (PQstatus(conn) != CONNECTION_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(conn));
        /* libpq's message spans lines; the CLI reports one line */
        for (char *c = msg; *c; c++) {
            if (*c == '\n' || *c == '\t')
                *c = ' ';
        }
        size_t n = strlen(msg);
        while (n && msg[n - 1] == ' ')
            msg[--n] = '\0';
        gw_error_set(err, GW_E_STORE_UNREACHABLE, "database", "cannot connect to PostgreSQL: %s",
                     msg);
        PQfinish(conn);
        return NULL;
    }
    session_setup(conn);
    struct pg_db *db = gw_xcalloc(1, sizeof *db);
    db->base.drv = &gw_postgres_driver;
    db->conn = conn;
    return &db->base;
}

static void free_name(void *handle)
{
    free(handle);
}

static void pg_disconnect(struct gw_db *base)
{
    struct pg_db *db = (struct pg_db *)base;
    gw_stmt_cache_clear(&db->cache, free_name);
    PQfinish(db->conn);
    free(db);
}

static enum gw_qs pg_query(struct gw_db *base, const char *sql, const struct gw_dbp *p, int np,
                           struct gw_db_rows **rows, int64_t *changes, struct gw_error *err)
{
    struct pg_db *db = (struct pg_db *)base;
    if (rows)
        *rows = NULL;
    if (changes)
        *changes = 0;
    const char *name = gw_stmt_cache_get(&db->cache, sql);
    if (!name) {
        char buf[32];
        snprintf(buf, sizeof buf, "gw_%u", db->next_name++);
        PGresult *pr = PQprepare(db->conn, buf, sql, 0, NULL);
        if (PQresultStatus(pr) != PGRES_COMMAND_OK) {
            enum gw_qs qs = classify_result(db, pr, "prepare", err);
            PQclear(pr);
            return qs;
        }
        PQclear(pr);
        char *copy = gw_xstrdup(buf);
        gw_stmt_cache_put(&db->cache, sql, copy);
        name = copy;
    }
    char numbuf[16][32];
    const char *stack_values[16];
    int stack_lengths[16], stack_formats[16];
    const char **values = np <= 16 ? stack_values : gw_xcalloc((size_t)np, sizeof *values);
    char(*nums)[32] = np <= 16 ? numbuf : gw_xcalloc((size_t)np, 32);
    int *lengths = np <= 16 ? stack_lengths : gw_xcalloc((size_t)np, sizeof *lengths);
    int *formats = np <= 16 ? stack_formats : gw_xcalloc((size_t)np, sizeof *formats);
    for (int i = 0; i < np; i++) {
        lengths[i] = 0;
        formats[i] = 0;
        switch (p[i].type) {
        case GW_DBP_NULL:
            values[i] = NULL;
            break;
        case GW_DBP_TEXT:
            values[i] = p[i].s;
            break;
        case GW_DBP_INT:
            snprintf(nums[i], 32, "%lld", (long long)p[i].i);
            values[i] = nums[i];
            break;
        case GW_DBP_REAL:
            snprintf(nums[i], 32, "%.17g", p[i].d);
            values[i] = nums[i];
            break;
        case GW_DBP_BLOB:
            values[i] = p[i].s ? p[i].s : "";
            lengths[i] = (int)p[i].i;
            formats[i] = 1;
            break;
        }
    }
    PGresult *res = PQexecPrepared(db->conn, name, np, values, lengths, formats, 0);
    if (np > 16) {
        free(values);
        free(nums);
        free(lengths);
        free(formats);
    }
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        enum gw_qs qs = classify_result(db, res, "query", err);
        PQclear(res);
        return qs;
    }
    const char *affected = PQcmdTuples(res);
    int64_t n_changed = affected && *affected ? strtoll(affected, NULL, 10) : 0;
    if (changes)
        *changes = st == PGRES_COMMAND_OK ? n_changed : 0;
    enum gw_qs qs;
    if (st == PGRES_TUPLES_OK)
        qs = PQntuples(res) > 0 ? GW_QS_ONE : GW_QS_NONE;
    else
        qs = n_changed > 0 ? GW_QS_ONE : GW_QS_NONE;
    if (rows) {
        struct pg_rows *r = gw_xcalloc(1, sizeof *r);
        r->base.drv = &gw_postgres_driver;
        r->res = res;
        r->nrows = st == PGRES_TUPLES_OK ? PQntuples(res) : 0;
        *rows = &r->base;
        return qs;
    }
    PQclear(res);
    return qs;
}

static enum gw_qs pg_exec_script(struct gw_db *base, const char *sql, struct gw_error *err)
{
    struct pg_db *db = (struct pg_db *)base;
    PGresult *res = PQexec(db->conn, sql);
    ExecStatusType st = PQresultStatus(res);
    enum gw_qs qs = GW_QS_NONE;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        qs = classify_result(db, res, "exec", err);
    PQclear(res);
    return qs;
}

static enum gw_qs pg_begin(struct gw_db *base, enum gw_tx_kind kind, struct gw_error *err)
{
    const char *sql = kind == GW_TX_WRITE ? "BEGIN ISOLATION LEVEL SERIALIZABLE"
                      : kind == GW_TX_WRITE_LOCKED
                          ? "BEGIN ISOLATION LEVEL READ COMMITTED"
                          : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    return pg_exec_script(base, sql, err);
}

static enum gw_qs pg_commit(struct gw_db *base, struct gw_error *err)
{
    return pg_exec_script(base, "COMMIT", err);
}

static void pg_rollback(struct gw_db *base)
{
    struct pg_db *db = (struct pg_db *)base;
    if (PQstatus(db->conn) != CONNECTION_OK)
        return;
    if (PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
        PGresult *res = PQexec(db->conn, "ROLLBACK");
        PQclear(res);
    }
}

static bool pg_healthy(struct gw_db *base)
{
    struct pg_db *db = (struct pg_db *)base;
    if (PQstatus(db->conn) == CONNECTION_OK)
        return true;
    /* A new server session has none of our prepared statements. */
    gw_stmt_cache_clear(&db->cache, free_name);
    PQreset(db->conn);
    if (PQstatus(db->conn) != CONNECTION_OK)
        return false;
    session_setup(db->conn);
    return true;
}

static bool pg_next(struct gw_db_rows *base)
{
    struct pg_rows *r = (struct pg_rows *)base;
    PQfreemem(r->blob);
    r->blob = NULL;
    if (r->row >= r->nrows)
        return false;
    r->row++;
    return r->row < r->nrows;
}

static enum gw_qs pg_rows_status(const struct gw_db_rows *base, struct gw_error *err)
{
    (void)base;
    (void)err;
    return GW_QS_NONE; /* results are complete when the query returns */
}

static bool pg_col_null(struct gw_db_rows *base, int col)
{
    struct pg_rows *r = (struct pg_rows *)base;
    return r->row >= r->nrows || PQgetisnull(r->res, r->row, col);
}

static const char *pg_col_text(struct gw_db_rows *base, int col)
{
    struct pg_rows *r = (struct pg_rows *)base;
    if (pg_col_null(base, col))
        return NULL;
    return PQgetvalue(r->res, r->row, col);
}

static int64_t pg_col_int(struct gw_db_rows *base, int col)
{
    const char *s = pg_col_text(base, col);
    return s ? strtoll(s, NULL, 10) : 0;
}

static double pg_col_real(struct gw_db_rows *base, int col)
{
    const char *s = pg_col_text(base, col);
    return s ? strtod(s, NULL) : 0.0;
}

/* bytea arrives as text ("\\x" and hex); decoded into r->blob, which the
 * next row or the free releases. */
static const void *pg_col_blob(struct gw_db_rows *base, int col, size_t *len)
{
    struct pg_rows *r = (struct pg_rows *)base;
    *len = 0;
    const char *s = pg_col_text(base, col);
    if (!s)
        return NULL;
    PQfreemem(r->blob);
    r->blob = PQunescapeBytea((const unsigned char *)s, len);
    return r->blob;
}

static void pg_rows_free(struct gw_db_rows *base)
{
    struct pg_rows *r = (struct pg_rows *)base;
    PQfreemem(r->blob);
    PQclear(r->res);
    free(r);
}

const struct gw_db_driver gw_postgres_driver = {
    .name = "postgresql",
    .dialect = GW_DIALECT_POSTGRES,
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .query = pg_query,
    .exec_script = pg_exec_script,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .healthy = pg_healthy,
    .next = pg_next,
    .rows_status = pg_rows_status,
    .col_null = pg_col_null,
    .col_text = pg_col_text,
    .col_int = pg_col_int,
    .col_real = pg_col_real,
    .col_blob = pg_col_blob,
    .rows_free = pg_rows_free,
};
