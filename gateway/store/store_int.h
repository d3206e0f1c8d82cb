/* store_int.h: the store object's internals, shared by store.c (pool,
 * transaction runner, migrations) and batch.c (group commit). Private to
 * gateway/store/. */
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
/* kpi.c: KPI maintenance inside the caller's write transaction. */
struct gw_xapi_new_statement;
/* Folds a newly inserted statement (row seq, not voided) into the KPI state:
 * attributes it, records it in kpi_statements and updates its (course,
 * learner, day) and (course, learner) rows or the unattributed count.
 * Voiding statements contribute nothing (GW_QS_NONE). Called by
 * gw_store_xapi_insert. */
enum gw_qs gw_kpi_apply_statement(struct gw_db *db, const struct gw_xapi_new_statement *it,
                                  int64_t seq, int64_t stored_ms, struct gw_error *err);
/* Reverses the contribution of the statement with this id, which has just
 * been marked voided: its (course, learner) state is recomputed from that
 * learner's remaining statements on the course. Idempotent; GW_QS_NONE when
 * the statement counted for nothing. */
enum gw_qs gw_kpi_apply_void(struct gw_db *db, const char *target_id, struct gw_error *err);
/* Re-attributes the stored statements that mention an IRI the course
 * registers (run after registering IRIs): statements move from other courses
 * or from unattributed, and the state of every affected (course, learner) is
 * recomputed. */
enum gw_qs gw_kpi_reattribute(struct gw_db *db, const char *course_id, struct gw_error *err);
/* Before a month's partition is dropped (xapi_retention.c): folds the KPI
 * contribution of its counted statements (table: the partition) into
 * kpi_archived_days and kpi_archived_unattributed, which recomputations and
 * rebuilds start from, and deletes their kpi_statements rows. PostgreSQL. */
enum gw_qs gw_kpi_archive_statements(struct gw_db *db, const char *table, struct gw_error *err);
/* kpi.c: the course_iris snapshot's share of a transaction's end and of
 * gw_db_disconnect. */
void gw_kpi_iris_tx_end(struct gw_db *db);
void gw_kpi_iris_free(struct gw_db *db);
/* kpi.c: a round of the deferred index folds its statements' KPI work in a
 * batch (gw_kpi_apply_statement_batched; kb NULL applies at once) and
 * writes each touched row once with gw_kpi_batch_flush, in the same
 * transaction. */
struct gw_kpi_batch;
struct gw_xapi_new_statement;
struct gw_kpi_batch *gw_kpi_batch_new(void);
enum gw_qs gw_kpi_apply_statement_batched(struct gw_db *db, struct gw_kpi_batch *kb,
                                          const struct gw_xapi_new_statement *it, int64_t seq,
                                          int64_t stored_ms, struct gw_error *err);
enum gw_qs gw_kpi_batch_flush(struct gw_db *db, struct gw_kpi_batch *kb, struct gw_error *err);
void gw_kpi_batch_free(struct gw_kpi_batch *kb);
/* xapi_statements.c: one stored statement's filter-index rows and (unless
 * voided) KPI rows, inline (kb NULL) or for the deferred index (xapi_index.c,
 * with its round's batch). */
enum gw_qs gw_xapi_index_statement(struct gw_db *db, const struct gw_xapi_new_statement *it,
                                   int64_t seq, int64_t stored_ms, bool voided,
                                   struct gw_kpi_batch *kb, struct gw_error *err);

#endif
