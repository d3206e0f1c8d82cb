/* The storage interface: one store, two backends (SQLite, PostgreSQL) chosen
 * by the DSN's scheme ("sqlite:PATH", "postgresql://..."/"postgres://...").
 *
 * Layers, all in gateway/store/:
 *  - a driver per backend (store/sqlite/, store/postgres/): connections,
 *    prepared-statement cache, parameter binding, row reading, transactions;
 *  - the pool and the transaction runner (store/store.c), which retries
 *    busy/serialization failures;
 *  - domain operations (store/keys.c, ...) written once against gw_db_query
 *    with "$1"-style placeholders, which both backends accept. SQL lives next
 *    to the function that runs it. Where the dialects differ, a function asks
 *    gw_db_dialect() and picks its SQL.
 *
 * Every "never twice" rule of the gateway is a unique constraint in the
 * migrations (store/migrations/<backend>/NNNN_name.sql), not a flag in memory.
 *
 * Values: timestamps are int64 milliseconds since the epoch (UTC); booleans are
 * integers 0/1; identifiers are text. */
#ifndef GW_STORE_H
#define GW_STORE_H

#include "gw/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- migrations (generated from the .sql files at build time) ---- */
struct gw_migration {
    const char *name; /* "0001_init.sql" */
    const char *sql;
};
extern const struct gw_migration gw_migrations_sqlite[];
extern const int gw_migrations_sqlite_count;
extern const struct gw_migration gw_migrations_postgres[];
extern const int gw_migrations_postgres_count;

/* ---- query status, as Taler's exchange has it ---- */
enum gw_qs {
    GW_QS_HARD = -2, /* failed; err says why; do not retry */
    GW_QS_SOFT = -1, /* busy, serialization failure or deadlock: retry the transaction */
    GW_QS_NONE = 0,  /* succeeded, no row */
    GW_QS_ONE = 1,   /* succeeded, at least one row (or one row changed) */
};

enum gw_dialect { GW_DIALECT_SQLITE, GW_DIALECT_POSTGRES };

struct gw_store; /* the pool and its backend; thread-safe */
struct gw_db;    /* one connection, used by one thread at a time */
struct gw_db_rows;

/* A query parameter. Text with s == NULL binds SQL NULL. A blob is the i
 * bytes at s (BLOB on SQLite, bytea on PostgreSQL, sent in binary). */
struct gw_dbp {
    enum { GW_DBP_NULL, GW_DBP_TEXT, GW_DBP_INT, GW_DBP_REAL, GW_DBP_BLOB } type;
    const char *s;
    int64_t i;
    double d;
};
#define GW_P_TEXT(x) ((struct gw_dbp){.type = GW_DBP_TEXT, .s = (x)})
#define GW_P_INT(x) ((struct gw_dbp){.type = GW_DBP_INT, .i = (x)})
#define GW_P_REAL(x) ((struct gw_dbp){.type = GW_DBP_REAL, .d = (x)})
#define GW_P_NULL ((struct gw_dbp){.type = GW_DBP_NULL})
#define GW_P_BLOB(p, n) ((struct gw_dbp){.type = GW_DBP_BLOB, .s = (p), .i = (int64_t)(n)})

struct gw_store_options {
    int pool_size;       /* connections; 0 = default (SQLite 4, PostgreSQL 8) */
    int busy_timeout_ms; /* SQLite busy wait per statement; 0 = 5000 */
    int max_retries;     /* transaction retries on GW_QS_SOFT; 0 = 10 */
    /* SQLite: WAL size beyond which the checkpointer holds the writers off
     * for a RESTART checkpoint (store.c); 0 = 256 MiB */
    long long wal_limit_bytes;
    /* Open a database that exists, never create one: SQLite opens the file
     * without SQLITE_OPEN_CREATE and answers GW_E_STORE_NOT_FOUND when it is
     * missing (PostgreSQL never creates a database). For every command but
     * migrate and serve. */
    bool existing_only;
};

/* Opens the store named by dsn. Connects once to check the server is reachable
 * (GW_E_STORE_UNREACHABLE / GW_E_STORE_BAD_DSN otherwise). Does not migrate.
 * The caller owns the store and closes it with gw_store_close. */
struct gw_store *gw_store_open(const char *dsn, const struct gw_store_options *opt,
                               struct gw_error *err);
void gw_store_close(struct gw_store *s);
enum gw_dialect gw_store_dialect(const struct gw_store *s);
/* "sqlite" or "postgresql". */
const char *gw_store_backend_name(const struct gw_store *s);

/* Applies pending migrations in order, each in its own transaction (on
 * PostgreSQL under an advisory lock, so several instances can start at once).
 * Refuses (GW_E_STORE_SCHEMA_NEWER) when the database has a newer schema than
 * this binary knows. *applied (may be NULL) receives how many ran. Then
 * rebuilds KPI state derived under older KPI definitions
 * (gw_store_kpi_upgrade, gw/kpi_store.h). */
enum gw_err gw_store_migrate(struct gw_store *s, int *applied, struct gw_error *err);
/* gw_store_migrate over a given list (sorted by file name; a version is the
 * number the name starts with): every migration not recorded yet is applied,
 * also one numbered below the newest applied (work merged in another order). */
enum gw_err gw_store_migrate_list(struct gw_store *s, const struct gw_migration *list, int n,
                                  int *applied, struct gw_error *err);
/* The schema version in the database (0 when none) and the newest this binary knows. */
enum gw_err gw_store_schema_version(struct gw_store *s, int *db_version, int *known,
                                    struct gw_error *err);
/* Whether the database answers a trivial query now (for /readyz). */
bool gw_store_ping(struct gw_store *s);

/* Fault injection for tests: the n-th gw_db_query from now on (counting
 * every connection of this store) fails with GW_QS_HARD; 0 turns it off. Used
 * to prove that a failure anywhere leaves nothing half-written. */
void gw_store_fail_after(struct gw_store *s, long n);

/* Pool figures for /metrics. */
struct gw_store_stats {
    int pool_size;
    int in_use;
    uint64_t acquired_total;
    uint64_t wait_total_us;
    uint64_t tx_total;
    uint64_t tx_retries_total;
    uint64_t tx_failures_total;
};
/* A copy of the pool's counters (thread-safe; read by /metrics). */
void gw_store_stats(struct gw_store *s, struct gw_store_stats *out);

/* ---- transactions ---- */
enum gw_tx_kind {
    GW_TX_READ,
    GW_TX_WRITE,
    /* A write whose statements must each see what other sessions committed
     * before it (READ COMMITTED on PostgreSQL): for work serialized by an
     * advisory lock taken inside the transaction, such as migrations. */
    GW_TX_WRITE_LOCKED,
};

/* The body of a transaction: run queries on db; return GW_QS_HARD (with err
 * set: a domain code such as GW_E_NOT_FOUND, or a store code) to roll back and
 * fail, GW_QS_SOFT to roll back and retry, GW_QS_NONE/ONE to commit. It may run
 * more than once, so it must not have effects outside the transaction before
 * it returns. */
typedef enum gw_qs (*gw_tx_fn)(struct gw_db *db, void *ud, struct gw_error *err);

/* Runs fn in a transaction, retrying soft failures with a short backoff.
 * Returns GW_OK or the error code (also in *err). */
enum gw_err gw_store_tx(struct gw_store *s, enum gw_tx_kind kind, gw_tx_fn fn, void *ud,
                        struct gw_error *err);

/* ---- group commit ----
 * A batcher owns one writer thread. Jobs submitted from many threads are run
 * together in one write transaction (one commit, one fsync), each under its
 * own savepoint: a job that fails (GW_QS_HARD) is rolled back alone, a soft
 * failure or a failed commit re-runs the whole batch. done() is called for
 * every job only after its outcome is final (committed, or failed), from the
 * writer thread; it must not block. A job's fn may run more than once and must
 * reset its outputs at the start. The job's memory belongs to the submitter
 * until done() is called. */
struct gw_batch_job {
    gw_tx_fn fn;
    void (*done)(struct gw_batch_job *job); /* may be NULL with gw_batcher_run */
    void *ud;
    enum gw_err rc;            /* the outcome, set before done() */
    struct gw_error err;       /* details when rc != GW_OK */
    int64_t batch_ms;          /* when the batch that ran it began (read inside fn) */
    struct gw_batch_job *next; /* private */
    void *waiter;              /* private */
};

struct gw_batcher;
/* Starts the writer thread. now_ms gives batch_ms (the gateway's clock). */
struct gw_batcher *gw_batcher_new(struct gw_store *s, int max_jobs_per_batch,
                                  int64_t (*now_ms)(void *ud), void *now_ud);
void gw_batcher_submit(struct gw_batcher *b, struct gw_batch_job *job);
/* Submits fn and waits for its outcome (for callers that may block). */
enum gw_err gw_batcher_run(struct gw_batcher *b, gw_tx_fn fn, void *ud, struct gw_error *err);
/* The batch_ms of the batch being written now, or INT64_MAX when idle: every
 * statement stamped before it is committed (X-Experience-API-Consistent-Through). */
int64_t gw_batcher_busy_since(struct gw_batcher *b);
struct gw_batcher_stats {
    uint64_t batches, jobs, retries, max_jobs_seen;
};
/* A copy of the writer's counters (thread-safe; read by /metrics). */
void gw_batcher_stats(struct gw_batcher *b, struct gw_batcher_stats *out);
/* Work the writer thread does between group commits (the deferred xAPI
 * index): called when no job is queued (jobs_waiting false) and after every
 * batch (jobs_waiting true, when jobs are queued). It returns GW_IDLE_DID
 * when it did some work (it is called again before the thread sleeps),
 * GW_IDLE_LATER when it has work it will not do now (the thread looks again
 * within 50 ms, or on gw_batcher_wake), GW_IDLE_NONE when it has none (the
 * thread sleeps until a job or gw_batcher_wake). */
enum gw_idle { GW_IDLE_NONE, GW_IDLE_LATER, GW_IDLE_DID };
typedef enum gw_idle (*gw_batcher_idle_fn)(void *ud, bool jobs_waiting);
void gw_batcher_set_idle(struct gw_batcher *b, gw_batcher_idle_fn fn, void *ud);
/* Wakes the writer thread so it looks at its idle work now. ud: the
 * batcher. */
void gw_batcher_wake(void *ud);
/* Runs what is queued, then stops the thread and frees b. */
void gw_batcher_free(struct gw_batcher *b);

/* ---- queries, inside a transaction body ---- */
enum gw_dialect gw_db_dialect(const struct gw_db *db);

/* Runs one SQL statement with "$1".."$N" placeholders. When rows is not NULL,
 * *rows receives a cursor the caller frees with gw_db_rows_free (also on
 * GW_QS_NONE). changes (may be NULL) receives the number of rows changed.
 * Returns GW_QS_ONE when a row is available or a row changed, GW_QS_NONE when
 * not, GW_QS_SOFT/HARD on failure. The statement is prepared once per
 * connection and cached by its text. */
enum gw_qs gw_db_query(struct gw_db *db, const char *sql, const struct gw_dbp *params, int nparams,
                       struct gw_db_rows **rows, int64_t *changes, struct gw_error *err);
/* Runs statements without parameters or results (DDL, scripts). */
enum gw_qs gw_db_exec_script(struct gw_db *db, const char *sql, struct gw_error *err);

/* Cursor: the first row is current right after gw_db_query returns
 * GW_QS_ONE; gw_db_next moves to the following one and returns false at the
 * end (or on an error, see gw_db_rows_status). */
bool gw_db_next(struct gw_db_rows *r);
/* GW_QS_NONE when iteration ended normally, or the failure that ended it. */
enum gw_qs gw_db_rows_status(const struct gw_db_rows *r, struct gw_error *err);
bool gw_db_col_null(struct gw_db_rows *r, int col);
/* Text of a column; NULL for SQL NULL. Valid until the next gw_db_next/free. */
const char *gw_db_col_text(struct gw_db_rows *r, int col);
/* A copy of a column's text the caller frees: NULL for SQL NULL
 * (gw_db_col_dup), or a copy of dflt (gw_db_col_dup_or). */
char *gw_db_col_dup(struct gw_db_rows *r, int col);
char *gw_db_col_dup_or(struct gw_db_rows *r, int col, const char *dflt);
int64_t gw_db_col_int(struct gw_db_rows *r, int col);
double gw_db_col_real(struct gw_db_rows *r, int col);
/* The bytes of a BLOB/bytea column (*len receives their count); NULL for SQL
 * NULL. Valid until the next gw_db_next/free. */
const void *gw_db_col_blob(struct gw_db_rows *r, int col, size_t *len);
void gw_db_rows_free(struct gw_db_rows *r);

/* ---- domain operations: API keys (store/keys.c) ---- */
struct gw_key {
    char key_id[32]; /* public part, e.g. "k3f9a0c1d2e4b" */
    char name[128];
    char role[16];
    char secret_hash[65]; /* hex SHA-256 of the secret */
    int64_t created_ms;
    int64_t revoked_ms;          /* 0 when active */
    int64_t xapi_dedup_window_s; /* lms keys: drop id-less resends within this window; 0 = off */
    unsigned xapi_dedup_members; /* what the dedup signature covers (GW_XAPI_DEDUP_*, gw/xapi.h) */
    char hmac_secret[65];        /* "" or the secret request bodies must be signed with */
    char person_id[64];          /* "" or the person the key belongs to (approvers) */
};

/* Stores a new key (k holds its secret's hash, never the secret); k stays
 * the caller's. A key id already taken fails as the store's constraint. */
enum gw_err gw_store_key_insert(struct gw_store *s, const struct gw_key *k, struct gw_error *err);
/* GW_E_NOT_FOUND when no key has this id. */
enum gw_err gw_store_key_get(struct gw_store *s, const char *key_id, struct gw_key *out,
                             struct gw_error *err);
/* Every key, newest first, without secrets (secret_hash and hmac_secret
 * empty): *keys is a heap array of *n (caller frees it). */
enum gw_err gw_store_key_list(struct gw_store *s, struct gw_key **keys, size_t *n,
                              struct gw_error *err);
/* Marks the key revoked; GW_E_NOT_FOUND when unknown or already revoked. */
enum gw_err gw_store_key_revoke(struct gw_store *s, const char *key_id, int64_t now_ms,
                                struct gw_error *err);

#endif
