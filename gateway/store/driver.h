/* driver.h: what a storage backend implements (private to gateway/store/).
 * A backend embeds struct gw_db / struct gw_db_rows first in its own structs
 * and provides one const struct gw_db_driver. */
#ifndef GW_STORE_DRIVER_H
#define GW_STORE_DRIVER_H

#include "gw/store.h"

struct gw_db_driver;

struct gw_terms;
struct gw_kpi_iris;
struct gw_xapi_defer;
struct gw_db {
    const struct gw_db_driver *drv;
    struct gw_store *store; /* set when the pool hands the connection out */
    /* Per-connection caches, created on first use, freed by
     * gw_db_disconnect (store.c) before the driver disconnects. */
    struct gw_terms *terms;   /* interned terms (terms.c) */
    struct gw_kpi_iris *iris; /* the course_iris snapshot (kpi.c) */
    /* The open group commit's index rows not written yet (xapi_bulk.c,
     * PostgreSQL): set by the batcher for one transaction, else NULL. */
    struct gw_xapi_defer *xdefer;
};

struct gw_db_rows {
    const struct gw_db_driver *drv;
};

struct gw_db_driver {
    const char *name;
    enum gw_dialect dialect;
    /* Opens one connection for dsn (the part after "sqlite:" for SQLite, the
     * whole URI for PostgreSQL). */
    struct gw_db *(*connect)(const char *dsn, const struct gw_store_options *opt,
                             struct gw_error *err);
    void (*disconnect)(struct gw_db *db);
    enum gw_qs (*query)(struct gw_db *db, const char *sql, const struct gw_dbp *p, int np,
                        struct gw_db_rows **rows, int64_t *changes, struct gw_error *err);
    enum gw_qs (*exec_script)(struct gw_db *db, const char *sql, struct gw_error *err);
    enum gw_qs (*begin)(struct gw_db *db, enum gw_tx_kind kind, struct gw_error *err);
    enum gw_qs (*commit)(struct gw_db *db, struct gw_error *err);
    void (*rollback)(struct gw_db *db);
    /* Whether the connection is usable; may try to reconnect. */
    bool (*healthy)(struct gw_db *db);
    bool (*next)(struct gw_db_rows *r);
    enum gw_qs (*rows_status)(const struct gw_db_rows *r, struct gw_error *err);
    bool (*col_null)(struct gw_db_rows *r, int col);
    const char *(*col_text)(struct gw_db_rows *r, int col);
    int64_t (*col_int)(struct gw_db_rows *r, int col);
    double (*col_real)(struct gw_db_rows *r, int col);
    const void *(*col_blob)(struct gw_db_rows *r, int col, size_t *len);
    void (*rows_free)(struct gw_db_rows *r);
};

extern const struct gw_db_driver gw_sqlite_driver;
extern const struct gw_db_driver gw_postgres_driver;

/* A small cache from SQL text to a backend's prepared handle, per connection. */
struct gw_stmt_cache_entry {
    char *sql;
    uint64_t hash;
    void *handle; /* sqlite3_stmt* or a heap string with the PostgreSQL statement name */
};
struct gw_stmt_cache {
    struct gw_stmt_cache_entry *slots;
    size_t cap, count;
};
/* The cached handle for sql, or NULL. */
void *gw_stmt_cache_get(struct gw_stmt_cache *c, const char *sql);
void gw_stmt_cache_put(struct gw_stmt_cache *c, const char *sql, void *handle);
/* Calls release on every handle and frees the cache's memory. */
void gw_stmt_cache_clear(struct gw_stmt_cache *c, void (*release)(void *handle));

#endif
