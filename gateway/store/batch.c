/* batch.c: group commit (see gw/store.h). One writer thread takes queued
 * jobs, runs them in one write transaction with a savepoint each, commits
 * once and then reports each job's outcome. This is what lets many
 * concurrent xAPI requests share one fsync without weakening "answered means
 * durable": done() runs only after the commit returned.
 *
 * On PostgreSQL the instances sharing a database take turns: a group
 * commit holds a session advisory lock from before BEGIN until after the
 * end of its transaction. Running at once, two instances' group commits
 * take the same rows (new terms, new activities and their definitions, KPI
 * totals such as the unattributed statements of the day) request by
 * request in different orders: deadlocks, each costing deadlock_timeout and
 * a retry of the whole group commit, and under SERIALIZABLE the one that
 * merely waited fails once the other commits (issue 17). With a hot KPI
 * row in nearly every group commit they could never both commit anyway;
 * taking turns costs two round trips per group commit. A lost connection
 * releases the lock with its session. */
#include "gw/buf.h"
#include "gw/log.h"
#include "gw/timefmt.h"
#include "store_int.h"
#include "terms.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

enum { IDLE_POLL_MS = 50 };

struct gw_batcher {
    struct gw_store *store;
    int max_jobs;
    int64_t (*now_ms)(void *ud);
    void *now_ud;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct gw_batch_job *head, *tail;
    bool stop;
    gw_batcher_idle_fn idle;
    void *idle_ud;
    _Atomic int64_t busy_since;
    struct gw_batcher_stats stats;
};

/* Savepoint statements: prepared and cached on SQLite; PostgreSQL cannot
 * prepare them, so they go as simple queries. */
static enum gw_qs sp(struct gw_db *db, const char *sql, struct gw_error *err)
{
    if (gw_db_dialect(db) == GW_DIALECT_SQLITE)
        return gw_db_query(db, sql, NULL, 0, NULL, NULL, err);
    return gw_db_exec_script(db, sql, err);
}

/* Runs one job; guarded (with other jobs in the batch, after an unguarded
 * run of the batch met a failing job), under a savepoint so a failure rolls
 * back this job alone. Returns false when the whole batch must be retried (a
 * soft failure). An unguarded job that fails makes the batch roll back
 * (*rollback). */
static bool run_job(struct gw_db *db, struct gw_batch_job *j, bool guarded, bool *rollback)
{
    gw_error_clear(&j->err);
    enum gw_qs qs;
    size_t mark = gw_terms_mark(db);
    if (guarded) {
        qs = sp(db, "SAVEPOINT gwjob", &j->err);
        if (qs < 0) {
            j->rc = j->err.code ? j->err.code : GW_E_STORE_QUERY;
            return qs != GW_QS_SOFT;
        }
    }
    qs = j->fn(db, j->ud, &j->err);
    if (qs == GW_QS_SOFT)
        return false;
    j->rc = qs == GW_QS_HARD ? (j->err.code ? j->err.code : GW_E_STORE_QUERY) : GW_OK;
    if (!guarded) {
        *rollback = qs == GW_QS_HARD;
        return true;
    }
    struct gw_error ignored;
    if (qs == GW_QS_HARD && sp(db, "ROLLBACK TO SAVEPOINT gwjob", &ignored) < 0)
        return false;
    if (qs == GW_QS_HARD)
        gw_terms_rollback_to(db, mark);
    return sp(db, "RELEASE SAVEPOINT gwjob", &ignored) >= 0;
}

/* Runs the batch once; returns GW_QS_SOFT to retry it, GW_QS_HARD when the
 * transaction itself failed (every job gets that error), else GW_QS_NONE.
 * Unguarded, no job has a savepoint (two statements less per job): if one
 * fails, everything is rolled back and *guard asks for a guarded run, in
 * which a failing job rolls back alone. A lone job needs no savepoint. */
static enum gw_qs run_batch(struct gw_batcher *b, struct gw_batch_job *jobs, bool guarded,
                            bool *guard, struct gw_error *err)
{
    struct gw_store *s = b->store;
    int idx = gw_store_acquire(s, err);
    if (idx < 0)
        return GW_QS_SOFT;
    bool serialize = s->drv->dialect == GW_DIALECT_SQLITE;
    if (serialize)
        gw_store_write_lock(s);
    struct gw_db *db = s->slots[idx].db;
    int64_t now = b->now_ms(b->now_ud);
    atomic_store(&b->busy_since, now);
    /* PostgreSQL: one group commit at a time among the instances (see the
     * header); taken before BEGIN, so that the snapshot follows the previous
     * holder's commit. Not through gw_db_query: no injected fault may leave
     * it held. */
    bool across = s->drv->dialect == GW_DIALECT_POSTGRES;
    enum gw_qs qs =
        across ? gw_db_exec_script(db, "SELECT pg_advisory_lock(71420002)", err) : GW_QS_NONE;
    bool locked = across && qs >= 0;
    if (qs >= 0)
        qs = s->drv->begin(db, GW_TX_WRITE, err);
    bool alone = jobs && !jobs->next, rollback = false, flush_failed = false;
    /* unguarded, the jobs' index rows are written once, before the commit
     * (PostgreSQL; xapi_bulk.c): one set of statements per group commit
     * rather than per request */
    if (!guarded)
        gw_xapi_defer_begin(db);
    for (struct gw_batch_job *j = jobs; qs >= 0 && !rollback && j; j = j->next) {
        j->batch_ms = now;
        if (!run_job(db, j, guarded && !alone, &rollback)) {
            qs = GW_QS_SOFT;
            *err = j->err;
        }
    }
    if (qs >= 0 && !rollback) {
        qs = gw_xapi_defer_flush(db, err);
        /* which job's rows failed: again, guarded, each job writing its own */
        flush_failed = qs == GW_QS_HARD;
        if (flush_failed) {
            rollback = true;
            qs = GW_QS_NONE;
        }
    }
    gw_xapi_defer_end(db);
    *guard = (rollback && !alone) || flush_failed;
    if (qs >= 0 && !rollback)
        qs = s->drv->commit(db, err);
    if (qs < 0 || rollback)
        s->drv->rollback(db);
    gw_db_tx_ended(db, qs >= 0 && !rollback);
    struct gw_error ignored;
    if (locked && gw_db_exec_script(db, "SELECT pg_advisory_unlock(71420002)", &ignored) < 0)
        gw_log_error("group commit: the advisory lock was not released: %s", ignored.detail);
    atomic_store(&b->busy_since, INT64_MAX);
    if (serialize)
        gw_store_write_unlock(s);
    gw_store_release(s, idx);
    if (qs >= 0 && !rollback)
        gw_store_wal_check(s);
    return qs < 0 ? qs : GW_QS_NONE;
}

static void finish(struct gw_batch_job *jobs, enum gw_err fail, const struct gw_error *err)
{
    struct gw_batch_job *next;
    for (struct gw_batch_job *j = jobs; j; j = next) {
        next = j->next; /* done() may free j */
        if (fail != GW_OK) {
            j->rc = fail;
            j->err = *err;
        }
        if (j->done)
            j->done(j);
    }
}

static void *writer(void *ud)
{
    struct gw_batcher *b = ud;
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (!b->head && !b->stop) {
            enum gw_idle idle = GW_IDLE_NONE;
            gw_batcher_idle_fn fn = b->idle;
            void *fn_ud = b->idle_ud;
            if (fn) {
                /* nothing queued: the idle work, as long as it does some */
                pthread_mutex_unlock(&b->mu);
                idle = fn(fn_ud, false);
                pthread_mutex_lock(&b->mu);
                if (idle == GW_IDLE_DID)
                    continue;
            }
            if (b->head || b->stop)
                break;
            if (idle == GW_IDLE_LATER) {
                /* it waits for quiet or for its backlog to age: look again
                 * soon even if nobody wakes us */
                struct timespec t = gw_time_deadline(IDLE_POLL_MS);
                pthread_cond_timedwait(&b->cv, &b->mu, &t);
            } else {
                pthread_cond_wait(&b->cv, &b->mu);
            }
        }
        if (!b->head && b->stop)
            break;
        struct gw_batch_job *jobs = b->head, *last = b->head;
        int n = 1;
        while (last->next && n < b->max_jobs) {
            last = last->next;
            n++;
        }
        b->head = last->next;
        if (!b->head)
            b->tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&b->mu);

        struct gw_error err;
        gw_error_clear(&err);
        enum gw_qs qs = GW_QS_SOFT;
        int attempt = 0;
        bool guarded = false, guard = false;
        for (; attempt <= b->store->opt.max_retries; attempt++) {
            qs = run_batch(b, jobs, guarded, &guard, &err);
            if (guard && !guarded) {
                guarded = true; /* a job failed: again, each job under a savepoint */
                attempt--;
                continue;
            }
            if (qs != GW_QS_SOFT)
                break;
            gw_store_backoff(attempt);
        }
        enum gw_err fail = GW_OK;
        if (qs < 0) {
            fail = err.code ? err.code : GW_E_STORE_QUERY;
            if (qs == GW_QS_SOFT && fail != GW_E_STORE_UNREACHABLE)
                fail = GW_E_STORE_RETRY_EXHAUSTED;
            gw_log_error("group commit of %d jobs failed: %s", n, err.detail);
        }
        pthread_mutex_lock(&b->mu);
        b->stats.batches++;
        b->stats.jobs += (uint64_t)n;
        b->stats.retries += (uint64_t)(attempt > 0 ? attempt : 0);
        if ((uint64_t)n > b->stats.max_jobs_seen)
            b->stats.max_jobs_seen = (uint64_t)n;
        pthread_mutex_unlock(&b->mu);
        finish(jobs, fail, &err);
        /* between batches the idle work decides whether it must run although
         * requests wait (a bounded backlog) */
        pthread_mutex_lock(&b->mu);
        gw_batcher_idle_fn idle = b->head ? b->idle : NULL;
        void *idle_ud = b->idle_ud;
        pthread_mutex_unlock(&b->mu);
        if (idle)
            idle(idle_ud, true);
        pthread_mutex_lock(&b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

struct gw_batcher *gw_batcher_new(struct gw_store *s, int max_jobs_per_batch,
                                  int64_t (*now_ms)(void *ud), void *now_ud)
{
    struct gw_batcher *b = gw_xcalloc(1, sizeof *b);
    b->store = s;
    b->max_jobs = max_jobs_per_batch > 0 ? max_jobs_per_batch : 256;
    b->now_ms = now_ms;
    b->now_ud = now_ud;
    atomic_store(&b->busy_since, INT64_MAX);
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    pthread_create(&b->thread, NULL, writer, b);
    return b;
}

void gw_batcher_set_idle(struct gw_batcher *b, gw_batcher_idle_fn fn, void *ud)
{
    pthread_mutex_lock(&b->mu);
    b->idle = fn;
    b->idle_ud = ud;
    pthread_cond_signal(&b->cv); /* the idle work may have something to do already */
    pthread_mutex_unlock(&b->mu);
}

void gw_batcher_wake(void *ud)
{
    struct gw_batcher *b = ud;
    pthread_mutex_lock(&b->mu);
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

void gw_batcher_submit(struct gw_batcher *b, struct gw_batch_job *job)
{
    job->next = NULL;
    job->rc = GW_OK;
    pthread_mutex_lock(&b->mu);
    if (b->tail)
        b->tail->next = job;
    else
        b->head = job;
    b->tail = job;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
};

static void wake(struct gw_batch_job *job)
{
    struct waiter *w = job->waiter;
    pthread_mutex_lock(&w->mu);
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

enum gw_err gw_batcher_run(struct gw_batcher *b, gw_tx_fn fn, void *ud, struct gw_error *err)
{
    struct waiter w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};
    struct gw_batch_job job = {.fn = fn, .done = wake, .ud = ud, .waiter = &w};
    gw_batcher_submit(b, &job);
    pthread_mutex_lock(&w.mu);
    while (!w.done)
        pthread_cond_wait(&w.cv, &w.mu);
    pthread_mutex_unlock(&w.mu);
    if (err && job.rc != GW_OK)
        *err = job.err;
    return job.rc;
}

int64_t gw_batcher_busy_since(struct gw_batcher *b)
{
    return atomic_load(&b->busy_since);
}

void gw_batcher_stats(struct gw_batcher *b, struct gw_batcher_stats *out)
{
    pthread_mutex_lock(&b->mu);
    *out = b->stats;
    pthread_mutex_unlock(&b->mu);
}

void gw_batcher_free(struct gw_batcher *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->mu);
    b->stop = true;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->thread, NULL);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    free(b);
}
