/* store_int.h: the store object's internals (the pool, the writer lock, the
 * checkpointer's state, the KPI maintenance switch), defined by store.c
 * (pool, transaction runner, migrations) and used by the store's modules:
 * batch.c (group commit) and the verbs that need the connection's caches or
 * the writer lock. Also the one cross-module verb of the write path,
 * gw_xapi_index_statement. The KPI maintenance verbs are in kpi_int.h.
 * Private to gateway/store/; nothing outside it includes this. */
#ifndef GW_STORE_INT_H
#define GW_STORE_INT_H

#include "driver.h"

#include <pthread.h>
#include <stdatomic.h>

struct pool_slot {
    struct gw_db *db; /* NULL until first used */
    bool in_use;
};

struct gw_store {
    const struct gw_db_driver *drv;
    char *dsn; /* what the driver's connect takes */
    struct gw_store_options opt;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct pool_slot *slots;
    int nslots;
    /* SQLite has one writer at a time; in-process writers queue here rather
     * than spinning on SQLITE_BUSY. */
    pthread_mutex_t write_mu;
    /* A RESTART checkpoint waiting for write_mu: writers let it go first
     * (gw_store_write_lock), since a writer that relocks at once would
     * starve it (mutexes are not fair). */
    _Atomic bool ckpt_pending;
    pthread_cond_t write_cv;
    struct gw_store_stats stats;
    /* fault injection (gw_store_fail_after): queries left before one fails */
    _Atomic long fail_countdown;
    /* SQLite: WAL checkpoints run here, not in the committing writer */
    bool ckpt_running;
    bool ckpt_stop;
    bool ckpt_wanted; /* a writer saw the WAL past twice its limit */
    pthread_t ckpt_thread;
    pthread_cond_t ckpt_cv;
    /* gw_kpi_set_maintenance(s, false): statements are stored without
     * folding them into KPI rows (benchmarks measure the two apart) */
    _Atomic bool kpi_maintenance_off;
    /* PostgreSQL: the connection on which new terms are interned, each set
     * in a statement committed at once (terms.c); connected on first use,
     * used under terms_mu */
    pthread_mutex_t terms_mu;
    struct gw_db *terms_db;
};

/* SQLite's in-process writer lock (write_mu), yielding to a pending
 * checkpoint. */
void gw_store_write_lock(struct gw_store *s);
void gw_store_write_unlock(struct gw_store *s);
/* Takes a connection from the pool (connecting it when needed); returns the
 * slot index or -1 with err set. */
int gw_store_acquire(struct gw_store *s, struct gw_error *err);
void gw_store_release(struct gw_store *s, int idx);
/* Sleeps a jittered, growing delay before retry number attempt. */
void gw_store_backoff(int attempt);
/* Adds one to a stats counter under the pool's lock. */
void gw_store_count(struct gw_store *s, uint64_t *field);
/* After a transaction on db ended (committed or rolled back): settles the
 * connection's caches (terms.c, kpi.c). */
void gw_db_tx_ended(struct gw_db *db, bool committed);
/* SQLite, after a write commit: wakes the checkpointer at once when the WAL
 * is past twice its limit (see store.c). */
void gw_store_wal_check(struct gw_store *s);
/* Frees the connection's caches and closes it. */
void gw_db_disconnect(struct gw_db *db);
struct gw_kst_batch; /* kpi_int.h */
struct gw_xapi_new_statement;
/* xapi_statements.c: one stored statement's filter-index rows and (unless
 * voided) KPI rows, inline (kb NULL) or for the deferred index (xapi_index.c,
 * with its round's batch). */
enum gw_qs gw_xapi_index_statement(struct gw_db *db, const struct gw_xapi_new_statement *it,
                                   int64_t seq, int64_t stored_ms, bool voided,
                                   struct gw_kst_batch *kb, struct gw_error *err);
/* xapi_statements.c: an activity's definition stored, or merged into the
 * stored one; one statement's attachments. */
enum gw_qs gw_xapi_save_definition(struct gw_db *db, const char *id, const char *def,
                                   int64_t stored_ms, struct gw_error *err);
enum gw_qs gw_xapi_insert_attachments(struct gw_db *db, const struct gw_xapi_new_statement *it,
                                      int64_t stored_ms, struct gw_error *err);
struct gw_xapi_insert;
/* xapi_bulk.c: on PostgreSQL, the statements of a request of two or more
 * stored set-wise (GW_QS_ONE, items' seq and final_id set) when none is a
 * replay, a duplicate or a voiding statement; GW_QS_NONE, nothing written,
 * when it leaves them to the statement by statement path. */
enum gw_qs gw_xapi_insert_bulk(struct gw_db *db, struct gw_xapi_insert *in, int64_t stored_ms,
                               struct gw_error *err);
/* xapi_bulk.c: a group commit's index rows written once, at its end
 * (PostgreSQL; batch.c). After gw_xapi_defer_begin, the requests stored
 * set-wise list their side rows, registrations and definitions and fold
 * their KPI work into one batch instead of writing them; gw_xapi_defer_flush
 * writes what is listed (before the commit, and before a request goes
 * statement by statement, so that everything it reads or changes is
 * written in the order the statements came) and starts a new list;
 * gw_xapi_defer_end drops the list (after the commit or the rollback). A
 * no-op on SQLite. */
void gw_xapi_defer_begin(struct gw_db *db);
enum gw_qs gw_xapi_defer_flush(struct gw_db *db, struct gw_error *err);
void gw_xapi_defer_end(struct gw_db *db);

#endif
