/* sqlite_driver.c: the SQLite backend driver. One connection per gw_db, WAL
 * journal with synchronous=FULL (a committed transaction is on disk), foreign
 * keys on, a busy timeout, statements prepared once and cached by text.
 * Write transactions use BEGIN IMMEDIATE so lock conflicts surface at BEGIN,
 * where retrying is safe. */
#include "../driver.h"
#include "gw/buf.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sqlite_db {
    struct gw_db base;
    sqlite3 *h;
    struct gw_stmt_cache cache;
};

struct sqlite_rows {
    struct gw_db_rows base;
    struct sqlite_db *db;
    sqlite3_stmt *st;
    bool have_row;
    int err_rc;
    char err_msg[256];
};

static enum gw_qs classify(struct sqlite_db *db, int rc, const char *what, struct gw_error *err)
{
    int prim = rc & 0xff;
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED) {
        gw_error_set(err, GW_E_STORE_RETRY_EXHAUSTED, "", "%s: %s", what, sqlite3_errmsg(db->h));
        return GW_QS_SOFT;
    }
    if (prim == SQLITE_CONSTRAINT) {
        gw_error_set(err, GW_E_CONFLICT, "", "%s", sqlite3_errmsg(db->h));
        return GW_QS_HARD;
    }
    gw_error_set(err, GW_E_STORE_QUERY, "", "%s: %s", what, sqlite3_errmsg(db->h));
    return GW_QS_HARD;
}

static struct gw_db *sq_connect(const char *path, const struct gw_store_options *opt,
                                struct gw_error *err)
{
    sqlite3 *h = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (!opt->existing_only)
        flags |= SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(path, &h, flags, NULL);
    if (rc == SQLITE_CANTOPEN && opt->existing_only) {
        gw_error_set(err, GW_E_STORE_NOT_FOUND, "database",
                     "there is no SQLite database %s (only 'lmsgw migrate' and 'lmsgw serve' "
                     "create one): run the command with the server's configuration (--config, "
                     "LMSGW_DATA_DIR or LMSGW_DATABASE)",
                     path);
        sqlite3_close(h);
        return NULL;
    }
    if (rc != SQLITE_OK) {
        gw_error_set(err, GW_E_STORE_UNREACHABLE, "database", "cannot open SQLite database %s: %s",
                     path, h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
        sqlite3_close(h);
        return NULL;
    }
    sqlite3_busy_timeout(h, opt->busy_timeout_ms);
    char *msg = NULL;
    rc = sqlite3_exec(h,
                      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                      "PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=0;"
                      "PRAGMA cache_size=-16384;",
                      NULL, NULL, &msg);
    if (rc == SQLITE_OK) {
        /* a WAL started over is trimmed to half the checkpointer's limit */
        char limit[64];
        snprintf(limit, sizeof limit, "PRAGMA journal_size_limit=%lld",
                 (opt->wal_limit_bytes > 0 ? opt->wal_limit_bytes : 256LL * 1024 * 1024) / 2);
        rc = sqlite3_exec(h, limit, NULL, NULL, &msg);
    }
    if (rc != SQLITE_OK) {
        gw_error_set(err, GW_E_STORE_UNREACHABLE, "database",
                     "cannot set up SQLite database %s: %s", path, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        sqlite3_close(h);
        return NULL;
    }
    struct sqlite_db *db = gw_xcalloc(1, sizeof *db);
    db->base.drv = &gw_sqlite_driver;
    db->h = h;
    return &db->base;
}

static void finalize_stmt(void *handle)
{
    sqlite3_finalize(handle);
}

static void sq_disconnect(struct gw_db *base)
{
    struct sqlite_db *db = (struct sqlite_db *)base;
    gw_stmt_cache_clear(&db->cache, finalize_stmt);
    sqlite3_close(db->h);
    free(db);
}

static enum gw_qs bind_params(struct sqlite_db *db, sqlite3_stmt *st, const struct gw_dbp *p,
                              int np, struct gw_error *err)
{
    /* SQLite numbers "$N" parameters in order of appearance: each of the
     * statement's parameters says which of ours it is by its name. Ours that
     * the statement does not use are not bound. */
    int n = sqlite3_bind_parameter_count(st);
    for (int idx = 1; idx <= n; idx++) {
        const char *name = sqlite3_bind_parameter_name(st, idx);
        int i = 0;
        for (const char *d = name && name[0] == '$' ? name + 1 : ""; *d >= '0' && *d <= '9'; d++)
            i = i * 10 + (*d - '0');
        i--;
        if (i < 0 || i >= np)
            continue; /* not one of ours: left NULL */
        int rc = SQLITE_OK;
        switch (p[i].type) {
        case GW_DBP_NULL:
            rc = sqlite3_bind_null(st, idx);
            break;
        case GW_DBP_TEXT:
            rc = p[i].s ? sqlite3_bind_text(st, idx, p[i].s, -1, SQLITE_STATIC)
                        : sqlite3_bind_null(st, idx);
            break;
        case GW_DBP_INT:
            rc = sqlite3_bind_int64(st, idx, p[i].i);
            break;
        case GW_DBP_REAL:
            rc = sqlite3_bind_double(st, idx, p[i].d);
            break;
        case GW_DBP_BLOB:
            rc = sqlite3_bind_blob64(st, idx, p[i].s, (sqlite3_uint64)p[i].i, SQLITE_STATIC);
            break;
        }
        if (rc != SQLITE_OK)
            return classify(db, rc, "bind", err);
    }
    return GW_QS_NONE;
}

static enum gw_qs sq_query(struct gw_db *base, const char *sql, const struct gw_dbp *p, int np,
                           struct gw_db_rows **rows, int64_t *changes, struct gw_error *err)
{
    struct sqlite_db *db = (struct sqlite_db *)base;
    if (rows)
        *rows = NULL;
    if (changes)
        *changes = 0;
    sqlite3_stmt *st = gw_stmt_cache_get(&db->cache, sql);
    if (!st) {
        int rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
        if (rc != SQLITE_OK)
            return classify(db, rc, "prepare", err);
        gw_stmt_cache_put(&db->cache, sql, st);
    }
    enum gw_qs qs = bind_params(db, st, p, np, err);
    if (qs < 0)
        goto reset;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        qs = classify(db, rc, "step", err);
        goto reset;
    }
    if (changes)
        *changes = rc == SQLITE_DONE ? sqlite3_changes64(db->h) : 0;
    if (rc == SQLITE_ROW)
        qs = GW_QS_ONE;
    else
        qs = sqlite3_stmt_readonly(st) || sqlite3_changes64(db->h) == 0 ? GW_QS_NONE : GW_QS_ONE;
    if (rows) {
        struct sqlite_rows *r = gw_xcalloc(1, sizeof *r);
        r->base.drv = &gw_sqlite_driver;
        r->db = db;
        r->st = st;
        r->have_row = rc == SQLITE_ROW;
        *rows = &r->base;
        return qs; /* the cursor resets the statement when freed */
    }
reset:
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return qs;
}

static enum gw_qs sq_exec_script(struct gw_db *base, const char *sql, struct gw_error *err)
{
    struct sqlite_db *db = (struct sqlite_db *)base;
    int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? GW_QS_NONE : classify(db, rc, "exec", err);
}

static enum gw_qs sq_begin(struct gw_db *base, enum gw_tx_kind kind, struct gw_error *err)
{
    return sq_exec_script(base, kind == GW_TX_READ ? "BEGIN" : "BEGIN IMMEDIATE", err);
}

static enum gw_qs sq_commit(struct gw_db *base, struct gw_error *err)
{
    return sq_exec_script(base, "COMMIT", err);
}

static void sq_rollback(struct gw_db *base)
{
    struct sqlite_db *db = (struct sqlite_db *)base;
    if (!sqlite3_get_autocommit(db->h))
        sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

static bool sq_healthy(struct gw_db *base)
{
    (void)base;
    return true;
}

static bool sq_next(struct gw_db_rows *base)
{
    struct sqlite_rows *r = (struct sqlite_rows *)base;
    if (!r->have_row)
        return false;
    int rc = sqlite3_step(r->st);
    if (rc == SQLITE_ROW)
        return true;
    r->have_row = false;
    if (rc != SQLITE_DONE) {
        r->err_rc = rc;
        snprintf(r->err_msg, sizeof r->err_msg, "%s", sqlite3_errmsg(r->db->h));
    }
    return false;
}

static enum gw_qs sq_rows_status(const struct gw_db_rows *base, struct gw_error *err)
{
    const struct sqlite_rows *r = (const struct sqlite_rows *)base;
    if (!r->err_rc)
        return GW_QS_NONE;
    int prim = r->err_rc & 0xff;
    gw_error_set(err, prim == SQLITE_BUSY ? GW_E_STORE_RETRY_EXHAUSTED : GW_E_STORE_QUERY, "",
                 "step: %s", r->err_msg);
    return prim == SQLITE_BUSY || prim == SQLITE_LOCKED ? GW_QS_SOFT : GW_QS_HARD;
}

static bool sq_col_null(struct gw_db_rows *base, int col)
{
    struct sqlite_rows *r = (struct sqlite_rows *)base;
    return sqlite3_column_type(r->st, col) == SQLITE_NULL;
}

static const char *sq_col_text(struct gw_db_rows *base, int col)
{
    struct sqlite_rows *r = (struct sqlite_rows *)base;
    return (const char *)sqlite3_column_text(r->st, col);
}

static int64_t sq_col_int(struct gw_db_rows *base, int col)
{
    struct sqlite_rows *r = (struct sqlite_rows *)base;
    return sqlite3_column_int64(r->st, col);
}

static double sq_col_real(struct gw_db_rows *base, int col)
{
    struct sqlite_rows *r = (struct sqlite_rows *)base;
    return sqlite3_column_double(r->st, col);
}

static const void *sq_col_blob(struct gw_db_rows *base, int col, size_t *len)
{
    struct sqlite_rows *r = (struct sqlite_rows *)base;
    const void *b = sqlite3_column_blob(r->st, col);
    *len = (size_t)sqlite3_column_bytes(r->st, col);
    return b;
}

static void sq_rows_free(struct gw_db_rows *base)
{
    struct sqlite_rows *r = (struct sqlite_rows *)base;
    sqlite3_reset(r->st);
    sqlite3_clear_bindings(r->st);
    free(r);
}

const struct gw_db_driver gw_sqlite_driver = {
    .name = "sqlite",
    .dialect = GW_DIALECT_SQLITE,
    .connect = sq_connect,
    .disconnect = sq_disconnect,
    .query = sq_query,
    .exec_script = sq_exec_script,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .healthy = sq_healthy,
    .next = sq_next,
    .rows_status = sq_rows_status,
    .col_null = sq_col_null,
    .col_text = sq_col_text,
    .col_int = sq_col_int,
    .col_real = sq_col_real,
    .col_blob = sq_col_blob,
    .rows_free = sq_rows_free,
};
