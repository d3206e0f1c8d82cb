/* store.c: the store object: backend choice by DSN, the connection pool,
 * the transaction runner with retries, migrations and pool figures.
 * Owns no SQL of the domain; the drivers own the backend calls and the
 * domain files (keys.c, ...) own their queries. */
#include "kpi_int.h"
#include "store_int.h"
#include "terms.h"
#include "gw/buf.h"
#include "gw/hash.h"
#include "gw/kpi_store.h"
#include "gw/log.h"
#include "gw/timefmt.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static void *checkpointer(void *ud);

/* The default of gw_store_options.wal_limit_bytes (see checkpointer). */
enum { WAL_LIMIT = 256 * 1024 * 1024 };

static const struct gw_db_driver *driver_for(const char *dsn, const char **conn_str)
{
    if (strncmp(dsn, "sqlite:", 7) == 0) {
        *conn_str = dsn + 7;
        return &gw_sqlite_driver;
    }
    if (strncmp(dsn, "postgresql://", 13) == 0 || strncmp(dsn, "postgres://", 11) == 0) {
        *conn_str = dsn;
        return &gw_postgres_driver;
    }
    return NULL;
}

struct gw_store *gw_store_open(const char *dsn, const struct gw_store_options *opt,
                               struct gw_error *err)
{
    const char *conn_str = NULL;
    const struct gw_db_driver *drv = driver_for(dsn, &conn_str);
    if (!drv || !*conn_str) {
        gw_error_set(err, GW_E_STORE_BAD_DSN, "database",
                     "'%s' is not a store DSN: use sqlite:PATH or postgresql://...", dsn);
        return NULL;
    }
    struct gw_store_options o = opt ? *opt : (struct gw_store_options){0};
    if (o.pool_size <= 0)
        o.pool_size = drv->dialect == GW_DIALECT_SQLITE ? 4 : 8;
    if (o.busy_timeout_ms <= 0)
        o.busy_timeout_ms = 5000;
    if (o.max_retries <= 0)
        o.max_retries = 10;
    if (o.wal_limit_bytes <= 0)
        o.wal_limit_bytes = WAL_LIMIT;
    struct gw_db *first = drv->connect(conn_str, &o, err);
    if (!first)
        return NULL;
    struct gw_store *s = gw_xcalloc(1, sizeof *s);
    s->drv = drv;
    s->dsn = gw_xstrdup(conn_str);
    s->opt = o;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    pthread_mutex_init(&s->write_mu, NULL);
    pthread_cond_init(&s->write_cv, NULL);
    pthread_mutex_init(&s->terms_mu, NULL);
    s->nslots = o.pool_size;
    s->slots = gw_xcalloc((size_t)s->nslots, sizeof *s->slots);
    s->slots[0].db = first;
    s->stats.pool_size = s->nslots;
    if (drv->dialect == GW_DIALECT_SQLITE) {
        pthread_cond_init(&s->ckpt_cv, NULL);
        s->ckpt_running = pthread_create(&s->ckpt_thread, NULL, checkpointer, s) == 0;
    }
    return s;
}

/* SQLite checkpoints: connections do not checkpoint on commit
 * (wal_autocheckpoint=0), so the group-commit writer never pays for it; this
 * thread copies the WAL back into the database file with PASSIVE checkpoints,
 * which wait for no one. Under sustained writes a PASSIVE checkpoint never
 * catches up with the writer, and SQLite only starts the WAL over after one
 * that did: the file grew without bound (1.8 GB beside a 350 MB database in
 * writer_bench). So once the WAL file passes wal_limit_bytes, a RESTART
 * checkpoint runs with the in-process writers held off (they yield write_mu
 * to it rather than race SQLite's lock), after a PASSIVE one has copied most
 * frames without stopping them; a writer that sees twice the limit wakes
 * this thread at once. The next transaction then starts the WAL over, and
 * journal_size_limit (sqlite_driver.c) trims the file to half the limit. */

static long long wal_size(const char *db_path)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s-wal", db_path);
    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

void gw_store_wal_check(struct gw_store *s)
{
    if (!s->ckpt_running || wal_size(s->dsn) < 2 * s->opt.wal_limit_bytes)
        return;
    pthread_mutex_lock(&s->mu);
    s->ckpt_wanted = true; /* now, not at the next round (kept if it is busy) */
    pthread_cond_signal(&s->ckpt_cv);
    pthread_mutex_unlock(&s->mu);
}

void gw_store_write_lock(struct gw_store *s)
{
    pthread_mutex_lock(&s->write_mu);
    while (atomic_load(&s->ckpt_pending))
        pthread_cond_wait(&s->write_cv, &s->write_mu);
}

void gw_store_write_unlock(struct gw_store *s)
{
    pthread_mutex_unlock(&s->write_mu);
}

static void restart_wal(struct gw_store *s, struct gw_db *db)
{
    struct gw_error err;
    atomic_store(&s->ckpt_pending, true); /* writers that get write_mu now wait */
    pthread_mutex_lock(&s->write_mu);     /* after the writer that holds it */
    gw_db_exec_script(db, "PRAGMA wal_checkpoint(RESTART)", &err);
    atomic_store(&s->ckpt_pending, false);
    pthread_cond_broadcast(&s->write_cv);
    pthread_mutex_unlock(&s->write_mu);
}

static void checkpoint_once(struct gw_store *s, struct gw_db *db, const char *db_path)
{
    struct gw_error err;
    long long limit = s->opt.wal_limit_bytes;
    gw_db_exec_script(db, "PRAGMA wal_checkpoint(PASSIVE)", &err);
    if (wal_size(db_path) >= limit)
        restart_wal(s, db);
}

static void *checkpointer(void *ud)
{
    struct gw_store *s = ud;
    struct gw_error err;
    struct gw_db *db = s->drv->connect(s->dsn, &s->opt, &err);
    /* a RESTART that a long reader holds up keeps the writers waiting at
     * most this long; it is tried again on the next round */
    if (db)
        gw_db_exec_script(db, "PRAGMA busy_timeout=200", &err);
    pthread_mutex_lock(&s->mu);
    while (!s->ckpt_stop) {
        struct timespec until = gw_time_deadline(250);
        if (!s->ckpt_wanted)
            pthread_cond_timedwait(&s->ckpt_cv, &s->mu, &until);
        s->ckpt_wanted = false;
        if (s->ckpt_stop || !db)
            continue;
        pthread_mutex_unlock(&s->mu);
        checkpoint_once(s, db, s->dsn);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    if (db) {
        gw_db_exec_script(db, "PRAGMA wal_checkpoint(TRUNCATE)", &err);
        gw_db_disconnect(db);
    }
    return NULL;
}

void gw_db_tx_ended(struct gw_db *db, bool committed)
{
    gw_terms_tx_end(db, committed);
    gw_kst_iris_tx_end(db);
}

void gw_db_disconnect(struct gw_db *db)
{
    gw_terms_free(db);
    gw_kst_iris_free(db);
    db->drv->disconnect(db);
}

void gw_store_close(struct gw_store *s)
{
    if (!s)
        return;
    if (s->ckpt_running) {
        pthread_mutex_lock(&s->mu);
        s->ckpt_stop = true;
        pthread_cond_signal(&s->ckpt_cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->ckpt_thread, NULL);
        pthread_cond_destroy(&s->ckpt_cv);
    }
    for (int i = 0; i < s->nslots; i++) {
        if (s->slots[i].db)
            gw_db_disconnect(s->slots[i].db);
    }
    free(s->slots);
    if (s->terms_db)
        gw_db_disconnect(s->terms_db);
    pthread_mutex_destroy(&s->terms_mu);
    free(s->dsn);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->write_mu);
    pthread_cond_destroy(&s->write_cv);
    free(s);
}

enum gw_dialect gw_store_dialect(const struct gw_store *s)
{
    return s->drv->dialect;
}

const char *gw_store_backend_name(const struct gw_store *s)
{
    return s->drv->name;
}

/* Takes a connection from the pool, connecting it when needed. Returns the
 * slot index, or -1 (err set) when no connection can be made. */
int gw_store_acquire(struct gw_store *s, struct gw_error *err)
{
    int64_t t0 = gw_time_mono_us();
    pthread_mutex_lock(&s->mu);
    int idx = -1;
    for (;;) {
        for (int i = 0; i < s->nslots; i++) {
            if (!s->slots[i].in_use && (idx < 0 || (s->slots[i].db && !s->slots[idx].db)))
                idx = i; /* prefer an already connected slot */
        }
        if (idx >= 0)
            break;
        pthread_cond_wait(&s->cv, &s->mu);
    }
    s->slots[idx].in_use = true;
    s->stats.in_use++;
    s->stats.acquired_total++;
    s->stats.wait_total_us += (uint64_t)(gw_time_mono_us() - t0);
    pthread_mutex_unlock(&s->mu);

    struct pool_slot *slot = &s->slots[idx];
    bool ok;
    if (!slot->db) {
        slot->db = s->drv->connect(s->dsn, &s->opt, err);
        ok = slot->db != NULL;
    } else {
        ok = s->drv->healthy(slot->db);
        if (!ok)
            gw_error_set(err, GW_E_STORE_UNREACHABLE, "database",
                         "the database connection is lost and could not be re-established");
    }
    if (ok) {
        slot->db->store = s;
        return idx;
    }
    pthread_mutex_lock(&s->mu);
    slot->in_use = false;
    s->stats.in_use--;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return -1;
}

void gw_store_release(struct gw_store *s, int idx)
{
    pthread_mutex_lock(&s->mu);
    s->slots[idx].in_use = false;
    s->stats.in_use--;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

void gw_store_backoff(int attempt)
{
    uint32_t r = 0;
    gw_random_bytes(&r, sizeof r);
    long base_us = 1000L << (attempt < 7 ? attempt : 7); /* 1 ms .. 128 ms */
    long us = base_us / 2 + (long)(r % (uint32_t)base_us);
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

void gw_store_count(struct gw_store *s, uint64_t *field)
{
    pthread_mutex_lock(&s->mu);
    (*field)++;
    pthread_mutex_unlock(&s->mu);
}

/* One attempt: begin, body, commit. */
static enum gw_qs attempt_tx(struct gw_store *s, struct gw_db *db, enum gw_tx_kind kind,
                             gw_tx_fn fn, void *ud, struct gw_error *err)
{
    enum gw_qs qs = s->drv->begin(db, kind, err);
    if (qs < 0)
        return qs;
    qs = fn(db, ud, err);
    if (qs < 0) {
        s->drv->rollback(db);
        gw_db_tx_ended(db, false);
        return qs;
    }
    qs = s->drv->commit(db, err);
    if (qs < 0)
        s->drv->rollback(db);
    gw_db_tx_ended(db, qs >= 0);
    if (qs >= 0 && kind != GW_TX_READ)
        gw_store_wal_check(s);
    return qs;
}

enum gw_err gw_store_tx(struct gw_store *s, enum gw_tx_kind kind, gw_tx_fn fn, void *ud,
                        struct gw_error *err)
{
    struct gw_error local;
    struct gw_error *e = err ? err : &local;
    gw_error_clear(e);
    gw_store_count(s, &s->stats.tx_total);
    bool serialize = kind != GW_TX_READ && s->drv->dialect == GW_DIALECT_SQLITE;
    for (int attempt = 0;; attempt++) {
        int idx = gw_store_acquire(s, e);
        enum gw_qs qs;
        if (idx < 0) {
            qs = GW_QS_SOFT; /* the server may come back within the retries */
        } else {
            if (serialize)
                gw_store_write_lock(s);
            gw_error_clear(e);
            qs = attempt_tx(s, s->slots[idx].db, kind, fn, ud, e);
            if (serialize)
                gw_store_write_unlock(s);
            gw_store_release(s, idx);
        }
        if (qs >= 0)
            return GW_OK;
        if (qs == GW_QS_HARD || attempt >= s->opt.max_retries) {
            gw_store_count(s, &s->stats.tx_failures_total);
            if (e->code == GW_OK)
                gw_error_set(e, GW_E_STORE_QUERY, "", "the transaction failed");
            if (qs == GW_QS_SOFT && e->code != GW_E_STORE_UNREACHABLE)
                e->code = GW_E_STORE_RETRY_EXHAUSTED;
            return e->code;
        }
        gw_store_count(s, &s->stats.tx_retries_total);
        gw_store_backoff(attempt);
    }
}

void gw_store_stats(struct gw_store *s, struct gw_store_stats *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->stats;
    pthread_mutex_unlock(&s->mu);
}

static enum gw_qs ping_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    (void)ud;
    return gw_db_query(db, "SELECT 1", NULL, 0, NULL, NULL, err);
}

bool gw_store_ping(struct gw_store *s)
{
    struct gw_error err;
    return gw_store_tx(s, GW_TX_READ, ping_body, NULL, &err) == GW_OK;
}

/* ---- migrations ---- */

static const char *const sql_create_migrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
    "name TEXT NOT NULL, applied_ms BIGINT NOT NULL)";

static void known_migrations(const struct gw_store *s, const struct gw_migration **list, int *n)
{
    if (s->drv->dialect == GW_DIALECT_SQLITE) {
        *list = gw_migrations_sqlite;
        *n = gw_migrations_sqlite_count;
    } else {
        *list = gw_migrations_postgres;
        *n = gw_migrations_postgres_count;
    }
}

static enum gw_qs read_version(struct gw_db *db, int *version, struct gw_error *err)
{
    struct gw_db_rows *rows = NULL;
    enum gw_qs qs = gw_db_query(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", NULL,
                                0, &rows, NULL, err);
    if (qs == GW_QS_ONE)
        *version = (int)gw_db_col_int(rows, 0);
    gw_db_rows_free(rows);
    return qs;
}

/* A migration's version is the number its file name starts with
 * ("0004_packages.sql" is 4), so migrations merged from parallel work in any
 * order keep their identity. */
static int migration_number(const struct gw_migration *m)
{
    return atoi(m->name);
}

struct migrate_ctx {
    const struct gw_migration *m; /* the migration this transaction applies */
    int newest_known;
    bool ran;   /* whether it was applied by this transaction */
    bool newer; /* the database has a version this binary does not know */
    int db_max;
};

static enum gw_qs migrate_step(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct migrate_ctx *c = ud;
    c->ran = false;
    enum gw_qs qs;
    if (gw_db_dialect(db) == GW_DIALECT_POSTGRES) {
        /* Several instances may start at once: one migrates, the others wait. */
        qs = gw_db_query(db, "SELECT pg_advisory_xact_lock(71420001)", NULL, 0, NULL, NULL, err);
        if (qs < 0)
            return qs;
    }
    qs = gw_db_exec_script(db, sql_create_migrations, err);
    if (qs < 0)
        return qs;
    qs = read_version(db, &c->db_max, err);
    if (qs < 0)
        return qs;
    if (c->db_max > c->newest_known) {
        c->newer = true;
        return GW_QS_NONE;
    }
    int number = migration_number(c->m);
    struct gw_dbp v[] = {GW_P_INT(number)};
    qs = gw_db_query(db, "SELECT 1 FROM schema_migrations WHERE version = $1", v, 1, NULL, NULL,
                     err);
    if (qs != GW_QS_NONE)
        return qs < 0 ? qs : GW_QS_NONE; /* applied already (by us or another instance) */
    qs = gw_db_exec_script(db, c->m->sql, err);
    if (qs < 0) {
        char detail[sizeof err->detail];
        snprintf(detail, sizeof detail, "%s", err->detail);
        gw_error_set(err, GW_E_STORE_MIGRATION, c->m->name, "%s: %s", c->m->name, detail);
        return qs == GW_QS_SOFT ? qs : GW_QS_HARD;
    }
    struct gw_dbp p[] = {GW_P_INT(number), GW_P_TEXT(c->m->name), GW_P_INT(gw_time_now_ms())};
    qs = gw_db_query(
        db, "INSERT INTO schema_migrations (version, name, applied_ms) VALUES ($1, $2, $3)", p, 3,
        NULL, NULL, err);
    if (qs < 0)
        return qs;
    c->ran = true;
    return GW_QS_ONE;
}

enum gw_err gw_store_migrate(struct gw_store *s, int *applied, struct gw_error *err)
{
    const struct gw_migration *list;
    int n;
    known_migrations(s, &list, &n);
    enum gw_err rc = gw_store_migrate_list(s, list, n, applied, err);
    /* KPI state derived under older KPI definitions is rebuilt (migration 0012) */
    return rc == GW_OK ? gw_store_kpi_upgrade(s, NULL, err) : rc;
}

enum gw_err gw_store_migrate_list(struct gw_store *s, const struct gw_migration *list, int n,
                                  int *applied, struct gw_error *err)
{
    struct migrate_ctx c = {0};
    c.newest_known = n ? migration_number(&list[n - 1]) : 0;
    if (applied)
        *applied = 0;
    for (int i = 0; i < n && !c.newer; i++) {
        c.m = &list[i];
        /* READ COMMITTED: after the advisory lock, see what another instance
         * migrated meanwhile (a SERIALIZABLE snapshot would predate it) */
        enum gw_err rc = gw_store_tx(s, GW_TX_WRITE_LOCKED, migrate_step, &c, err);
        if (rc != GW_OK)
            return rc;
        if (c.ran) {
            gw_log_info("applied migration %s", list[i].name);
            if (applied)
                (*applied)++;
        }
    }
    if (n == 0 || c.newer) {
        int dbv = 0, known = c.newest_known, ignored = 0;
        enum gw_err rc = gw_store_schema_version(s, &dbv, &ignored, err);
        if (rc != GW_OK)
            return rc;
        if (dbv > known)
            return gw_error_set(err, GW_E_STORE_SCHEMA_NEWER, "database",
                                "the database has schema version %d but this lmsgw knows only "
                                "up to %d; upgrade lmsgw",
                                dbv, known);
    }
    return GW_OK;
}

struct version_ctx {
    int version;
    bool has_table;
};

static enum gw_qs version_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct version_ctx *v = ud;
    const char *sql = gw_db_dialect(db) == GW_DIALECT_SQLITE
                          ? "SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                            "name = 'schema_migrations'"
                          : "SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND "
                            "tablename = 'schema_migrations'";
    enum gw_qs qs = gw_db_query(db, sql, NULL, 0, NULL, NULL, err);
    if (qs < 0)
        return qs;
    v->has_table = qs == GW_QS_ONE;
    if (!v->has_table) {
        v->version = 0;
        return GW_QS_NONE;
    }
    return read_version(db, &v->version, err);
}

enum gw_err gw_store_schema_version(struct gw_store *s, int *db_version, int *known,
                                    struct gw_error *err)
{
    const struct gw_migration *list;
    int n;
    known_migrations(s, &list, &n);
    *known = n ? migration_number(&list[n - 1]) : 0;
    struct version_ctx v = {0};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, version_body, &v, err);
    *db_version = v.version;
    return rc;
}

/* ---- query dispatch ---- */

enum gw_dialect gw_db_dialect(const struct gw_db *db)
{
    return db->drv->dialect;
}

void gw_store_fail_after(struct gw_store *s, long n)
{
    atomic_store(&s->fail_countdown, n);
}

/* Fault injection: true when this query is the one set to fail. */
static bool injected_failure(struct gw_db *db, struct gw_error *err)
{
    if (!db->store || atomic_load(&db->store->fail_countdown) <= 0)
        return false;
    if (atomic_fetch_sub(&db->store->fail_countdown, 1) != 1)
        return false;
    gw_error_set(err, GW_E_STORE_QUERY, "", "injected store failure");
    return true;
}

enum gw_qs gw_db_query(struct gw_db *db, const char *sql, const struct gw_dbp *params, int nparams,
                       struct gw_db_rows **rows, int64_t *changes, struct gw_error *err)
{
    if (injected_failure(db, err)) {
        if (rows)
            *rows = NULL;
        return GW_QS_HARD;
    }
    return db->drv->query(db, sql, params, nparams, rows, changes, err);
}

enum gw_qs gw_db_exec_script(struct gw_db *db, const char *sql, struct gw_error *err)
{
    return db->drv->exec_script(db, sql, err);
}

bool gw_db_next(struct gw_db_rows *r)
{
    return r && r->drv->next(r);
}

enum gw_qs gw_db_rows_status(const struct gw_db_rows *r, struct gw_error *err)
{
    return r ? r->drv->rows_status(r, err) : GW_QS_NONE;
}

bool gw_db_col_null(struct gw_db_rows *r, int col)
{
    return r->drv->col_null(r, col);
}

const char *gw_db_col_text(struct gw_db_rows *r, int col)
{
    return r->drv->col_text(r, col);
}

char *gw_db_col_dup(struct gw_db_rows *r, int col)
{
    const char *t = r->drv->col_text(r, col);
    return t ? gw_xstrdup(t) : NULL;
}

char *gw_db_col_dup_or(struct gw_db_rows *r, int col, const char *dflt)
{
    const char *t = r->drv->col_text(r, col);
    return gw_xstrdup(t ? t : dflt);
}

int64_t gw_db_col_int(struct gw_db_rows *r, int col)
{
    return r->drv->col_int(r, col);
}

double gw_db_col_real(struct gw_db_rows *r, int col)
{
    return r->drv->col_real(r, col);
}

const void *gw_db_col_blob(struct gw_db_rows *r, int col, size_t *len)
{
    return r->drv->col_blob(r, col, len);
}

void gw_db_rows_free(struct gw_db_rows *r)
{
    if (r)
        r->drv->rows_free(r);
}
