/* xapi_index.c: the deferred xAPI index (see gw/xapi_store.h). Owns the
 * in-memory queue of prepared index records between a statement's commit and
 * its indexing, the indexing rounds the writer thread runs between group
 * commits (table xapi_index_pending, migration 0011), and the counters
 * readers wait on.
 *
 * Threads: the queue is touched only by the writer thread (committed() runs
 * in a job's done(), the rounds in the batcher's idle work) or, without a
 * server, by the one thread that drives gw_store_xapi_index_pending. The
 * counters (pending, committed_hi, indexed_hi, pending_since) are under mu,
 * so HTTP workers can wait on them and read them for headers. */
#include "gw/buf.h"
#include "gw/json.h"
#include "gw/log.h"
#include "gw/timefmt.h"
#include "gw/xapi_store.h"
#include "kpi_int.h"
#include "store_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Statements per indexing round: larger rounds dirty each index page once
 * for more rows; smaller ones keep a request that arrives meanwhile waiting
 * less for the write lock. */
enum { ROUND_IDLE = 2000, ROUND_BUSY = 500 };

struct rec {
    struct gw_xapi_new_statement it; /* its strings and arrays point into mem */
    char *mem;
    size_t bytes;
};

static void rec_free(struct rec *r)
{
    free(r->mem);
    free(r);
}

struct gw_xapi_index {
    struct gw_store *store;
    size_t mem_limit;
    int64_t max_lag;
    /* writer thread only: records in seq order (a ring) */
    struct rec **q;
    size_t q_head, q_len, q_cap, q_bytes;
    /* under mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int64_t pending;       /* statements listed in xapi_index_pending */
    int64_t committed_hi;  /* highest seq listed so far */
    int64_t indexed_hi;    /* highest seq indexed so far */
    int64_t pending_since; /* stored_ms of the oldest pending statement, or INT64_MAX */
    struct gw_xapi_index_stats stats;
    int64_t active;   /* statement writes being prepared or committed (gw_xapi_index_busy) */
    int urgent;       /* readers waiting in gw_xapi_index_wait */
    uint64_t failing; /* rounds failed in a row */
    void (*wake)(void *ud);
    void *wake_ud;
};

/* ---- the queue ---- */

static struct rec *q_at(struct gw_xapi_index *x, size_t i)
{
    return x->q[(x->q_head + i) % x->q_cap];
}

static void q_push(struct gw_xapi_index *x, struct rec *r)
{
    if (x->q_len == x->q_cap) {
        size_t cap = x->q_cap ? x->q_cap * 2 : 1024;
        struct rec **q = gw_xcalloc(cap, sizeof *q);
        for (size_t i = 0; i < x->q_len; i++)
            q[i] = q_at(x, i);
        free(x->q);
        x->q = q;
        x->q_cap = cap;
        x->q_head = 0;
    }
    x->q[(x->q_head + x->q_len) % x->q_cap] = r;
    x->q_len++;
    x->q_bytes += r->bytes;
}

static void q_pop(struct gw_xapi_index *x)
{
    struct rec *r = q_at(x, 0);
    x->q_bytes -= r->bytes;
    x->q_head = (x->q_head + 1) % x->q_cap;
    x->q_len--;
    rec_free(r);
}

static size_t slen(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

/* Copies s into the record's block at *at; returns the copy (NULL for
 * NULL). */
static char *put(char *mem, size_t *at, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    memcpy(mem + *at, s, n);
    char *copy = mem + *at;
    *at += n;
    return copy;
}

/* The bytes of rec_copy's block for item. */
static size_t rec_block_size(const struct gw_xapi_new_statement *item)
{
    size_t n = item->n_activities * sizeof(struct gw_xapi_new_activity) +
               item->n_agents * sizeof(struct gw_xapi_new_agent) + slen(item->object_id) +
               slen(item->voids_id) + slen(item->learner_key) + slen(item->definition) +
               slen(item->registration) + 1;
    for (size_t i = 0; i < item->n_activities; i++)
        n += slen(item->activities[i].id);
    for (size_t i = 0; i < item->n_agents; i++)
        n += slen(item->agents[i].key);
    return n;
}

/* A compact copy of what indexing item needs (not its body), in one block of
 * size bytes; the item stays as it was for the reply and its owner. */
static struct rec *rec_copy(const struct gw_xapi_new_statement *item, size_t size)
{
    size_t arrays = item->n_activities * sizeof(struct gw_xapi_new_activity) +
                    item->n_agents * sizeof(struct gw_xapi_new_agent);
    struct rec *r = gw_xcalloc(1, sizeof *r);
    r->mem = gw_xmalloc(size);
    r->bytes = sizeof *r + size;
    struct gw_xapi_new_statement *it = &r->it;
    it->seq = item->seq;
    it->stored_ms = item->stored_ms;
    it->voided = item->voided;
    it->has_timestamp = item->has_timestamp;
    it->timestamp_ms = item->timestamp_ms;
    it->fact = item->fact;
    it->activities = (struct gw_xapi_new_activity *)(void *)r->mem;
    it->agents =
        (struct gw_xapi_new_agent *)(void *)(r->mem + item->n_activities *
                                                          sizeof(struct gw_xapi_new_activity));
    it->n_activities = item->n_activities;
    it->n_agents = item->n_agents;
    size_t at = arrays;
    for (size_t i = 0; i < item->n_activities; i++) {
        it->activities[i].id = put(r->mem, &at, item->activities[i].id);
        it->activities[i].role = item->activities[i].role; /* static strings */
    }
    for (size_t i = 0; i < item->n_agents; i++) {
        it->agents[i].key = put(r->mem, &at, item->agents[i].key);
        it->agents[i].role = item->agents[i].role;
    }
    it->object_id = put(r->mem, &at, item->object_id);
    it->voids_id = put(r->mem, &at, item->voids_id);
    it->learner_key = put(r->mem, &at, item->learner_key);
    it->definition = put(r->mem, &at, item->definition);
    it->registration = put(r->mem, &at, item->registration);
    return r;
}

/* ---- state ---- */

struct load_ctx {
    int64_t count, max_seq, since;
};

static enum gw_qs load_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct load_ctx *c = ud;
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT count(*), coalesce(max(p.seq), 0), min(s.stored_ms) FROM "
                                "xapi_index_pending p LEFT JOIN xapi_statements s ON s.seq = p.seq",
                                NULL, 0, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        c->count = gw_db_col_int(r, 0);
        c->max_seq = gw_db_col_int(r, 1);
        c->since = gw_db_col_null(r, 2) ? INT64_MAX : gw_db_col_int(r, 2);
    }
    gw_db_rows_free(r);
    return qs;
}

struct gw_xapi_index *gw_xapi_index_new(struct gw_store *s, size_t mem_limit, int64_t max_lag)
{
    struct gw_xapi_index *x = gw_xcalloc(1, sizeof *x);
    x->store = s;
    x->mem_limit = mem_limit;
    x->max_lag = max_lag > 0 ? max_lag : 1;
    pthread_mutex_init(&x->mu, NULL);
    pthread_cond_init(&x->cv, NULL);
    x->pending_since = INT64_MAX;
    /* what a previous run left pending (indexed by the first rounds) */
    struct load_ctx c = {0, 0, INT64_MAX};
    struct gw_error err;
    if (gw_store_tx(s, GW_TX_READ, load_tx, &c, &err) != GW_OK)
        gw_log_warn("xapi index: reading the pending statements failed: %s", err.detail);
    x->pending = c.count;
    x->committed_hi = c.max_seq;
    x->pending_since = c.count > 0 ? c.since : INT64_MAX;
    x->stats.pending = c.count;
    if (c.count > 0)
        gw_log_info("xapi index: %lld statements from before the restart wait to be indexed",
                    (long long)c.count);
    return x;
}

void gw_xapi_index_free(struct gw_xapi_index *x)
{
    if (!x)
        return;
    while (x->q_len)
        q_pop(x);
    free(x->q);
    pthread_mutex_destroy(&x->mu);
    pthread_cond_destroy(&x->cv);
    free(x);
}

void gw_xapi_index_committed(struct gw_xapi_index *x, const struct gw_xapi_insert *in)
{
    int64_t n = 0, hi = 0, first_ms = INT64_MAX;
    for (size_t i = 0; i < in->n; i++) {
        const struct gw_xapi_new_statement *item = &in->items[i];
        if (item->seq <= 0)
            continue; /* a replay or a duplicate: nothing new stored */
        n++;
        hi = item->seq;
        if (first_ms == INT64_MAX)
            first_ms = item->stored_ms;
        size_t size = rec_block_size(item);
        if (x->q_bytes + sizeof(struct rec) + size <= x->mem_limit)
            q_push(x, rec_copy(item, size));
        /* else the round parses the stored body instead */
    }
    if (n == 0)
        return;
    pthread_mutex_lock(&x->mu);
    x->pending += n;
    x->stats.pending = x->pending;
    if (hi > x->committed_hi)
        x->committed_hi = hi;
    if (x->pending_since == INT64_MAX)
        x->pending_since = first_ms;
    pthread_mutex_unlock(&x->mu);
}

/* ---- a round ---- */

struct round {
    struct gw_xapi_index *x;
    int limit;
    /* results, valid after a committed round */
    int64_t done, hi, next_since, from_memory, from_body;
    size_t used; /* queue records consumed (popped after the commit) */
};

/* The index record of a statement the queue does not hold: from its stored
 * body. */
static enum gw_qs index_from_body(struct gw_db *db, int64_t seq, int64_t stored_ms, bool voided,
                                  struct gw_kst_batch *kb, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_INT(seq)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs =
        gw_db_query(db, "SELECT body FROM xapi_statements WHERE seq = $1", p, 1, &r, NULL, err);
    json_t *st = qs == GW_QS_ONE ? json_loads(gw_db_col_text(r, 0), 0, NULL) : NULL;
    gw_db_rows_free(r);
    if (qs < 0)
        return qs;
    if (!st)
        return GW_QS_NONE; /* gone or not JSON: nothing to index */
    struct gw_xapi_new_statement it;
    gw_xapi_new_statement_init(&it, st, false, NULL);
    gw_xapi_new_statement_drop_json(&it);
    qs = gw_xapi_index_statement(db, &it, seq, stored_ms, voided, kb, err);
    gw_xapi_new_statement_clear(&it);
    return qs;
}

static enum gw_qs round_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct round *c = ud;
    struct gw_xapi_index *x = c->x;
    c->done = c->hi = c->from_memory = c->from_body = 0;
    c->used = 0;
    c->next_since = INT64_MAX;
    struct gw_dbp p[] = {GW_P_INT(c->limit)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT p.seq, s.stored_ms, s.voided FROM xapi_index_pending p "
                                "JOIN xapi_statements s ON s.seq = p.seq ORDER BY p.seq LIMIT $1",
                                p, 1, &r, NULL, err);
    int64_t *rows = NULL; /* seq, stored_ms, voided per statement */
    size_t n = 0, cap = 0;
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            rows = gw_xrealloc(rows, cap * 3 * sizeof *rows);
        }
        rows[3 * n] = gw_db_col_int(r, 0);
        rows[3 * n + 1] = gw_db_col_int(r, 1);
        rows[3 * n + 2] = gw_db_col_int(r, 2);
        n++;
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    /* the queue is read from its head, in step with the pending seqs; it is
     * popped only once this transaction committed. The KPI rows of the
     * round are folded in memory and written once at its end. */
    size_t qi = 0;
    struct gw_kst_batch *kb = gw_kst_batch_new();
    for (size_t i = 0; qs >= 0 && i < n; i++) {
        int64_t seq = rows[3 * i], stored_ms = rows[3 * i + 1];
        bool voided = rows[3 * i + 2] != 0;
        while (qi < x->q_len && q_at(x, qi)->it.seq < seq)
            qi++; /* not pending any more (cannot happen unless rows were removed) */
        if (qi < x->q_len && q_at(x, qi)->it.seq == seq) {
            qs = gw_xapi_index_statement(db, &q_at(x, qi)->it, seq, stored_ms, voided, kb, err);
            qi++;
            c->from_memory++;
        } else {
            qs = index_from_body(db, seq, stored_ms, voided, kb, err);
            c->from_body++;
        }
        c->hi = seq;
    }
    free(rows);
    if (qs >= 0)
        qs = gw_kst_batch_flush(db, kb, err);
    gw_kst_batch_free(kb);
    if (qs >= 0 && n > 0) {
        struct gw_dbp pd[] = {GW_P_INT(c->hi)};
        qs = gw_db_query(db, "DELETE FROM xapi_index_pending WHERE seq <= $1", pd, 1, NULL, NULL,
                         err);
    }
    if (qs >= 0 && n > 0) {
        qs = gw_db_query(db,
                         "SELECT s.stored_ms FROM xapi_index_pending p JOIN xapi_statements s ON "
                         "s.seq = p.seq ORDER BY p.seq LIMIT 1",
                         NULL, 0, &r, NULL, err);
        if (qs == GW_QS_ONE)
            c->next_since = gw_db_col_int(r, 0);
        gw_db_rows_free(r);
    }
    c->done = (int64_t)n;
    c->used = qi;
    return qs < 0 ? qs : GW_QS_ONE;
}

/* Runs one round of up to limit statements; the number indexed, or -1 when
 * the round failed (err set). */
static int64_t run_round(struct gw_xapi_index *x, int limit, struct gw_error *err)
{
    struct round c = {.x = x, .limit = limit};
    if (gw_store_tx(x->store, GW_TX_WRITE, round_tx, &c, err) != GW_OK)
        return -1;
    while (c.used > 0) {
        q_pop(x);
        c.used--;
    }
    while (c.done == 0 && x->q_len)
        q_pop(x); /* nothing is pending (another process indexed it): all stale */
    pthread_mutex_lock(&x->mu);
    if (c.done == 0) {
        x->pending = 0; /* nothing listed: the count had drifted */
        x->pending_since = INT64_MAX;
        x->indexed_hi = x->committed_hi;
    } else {
        x->pending -= c.done;
        if (x->pending < 0)
            x->pending = 0;
        x->indexed_hi = c.hi;
        x->pending_since = c.next_since;
        if (c.next_since == INT64_MAX) {
            x->pending = 0;
            x->indexed_hi = x->committed_hi;
        }
    }
    x->stats.indexed += (uint64_t)c.done;
    x->stats.from_memory += (uint64_t)c.from_memory;
    x->stats.from_body += (uint64_t)c.from_body;
    x->stats.rounds++;
    x->stats.pending = x->pending;
    pthread_cond_broadcast(&x->cv);
    pthread_mutex_unlock(&x->mu);
    return c.done;
}

/* When a round runs: readers wait for it, the backlog is past its bounds
 * (count or age), or, with nothing queued, no statement write is under way
 * either (the HTTP workers preparing statements would share the CPU with
 * it: a burst is acknowledged first and indexed right after). */
enum gw_idle gw_xapi_index_idle(void *ud, bool jobs_waiting)
{
    struct gw_xapi_index *x = ud;
    pthread_mutex_lock(&x->mu);
    int64_t pending = x->pending, since = x->pending_since, active = x->active;
    bool urgent = x->urgent > 0;
    pthread_mutex_unlock(&x->mu);
    if (pending <= 0)
        return GW_IDLE_NONE;
    bool full = pending >= x->max_lag;
    bool overdue = gw_time_now_ms() - since >= GW_XAPI_INDEX_MAX_AGE_MS;
    if (!urgent && !full && !overdue && (jobs_waiting || active > 0))
        return GW_IDLE_LATER;
    /* at the bound the round brings the backlog back under it (requests
     * then wait for the index: the acknowledged rate falls to the indexed
     * one); an old backlog gets small rounds between group commits */
    int64_t limit = ROUND_IDLE;
    if (full)
        limit = pending - x->max_lag + ROUND_IDLE;
    else if (jobs_waiting && !urgent)
        limit = ROUND_BUSY;
    struct gw_error err;
    int64_t done = run_round(x, limit > INT32_MAX ? INT32_MAX : (int)limit, &err);
    if (done < 0) {
        /* Left pending and tried again at the next look (at most every
         * 50 ms): nothing is skipped, so an index that cannot be written
         * (a full disk) stalls visibly (/metrics, the log, readers' waits
         * running out) rather than losing rows. Logged at the first failure
         * and every 100th after it. */
        pthread_mutex_lock(&x->mu);
        uint64_t streak = ++x->failing;
        x->stats.failures++;
        pthread_mutex_unlock(&x->mu);
        if (streak % 100 == 1)
            gw_log_error("xapi index: writing the index rows of pending statements failed (%llu "
                         "times in a row; retried): %s",
                         (unsigned long long)streak, err.detail);
        return GW_IDLE_LATER;
    }
    pthread_mutex_lock(&x->mu);
    if (x->failing)
        gw_log_info("xapi index: indexing works again after %llu failed rounds",
                    (unsigned long long)x->failing);
    x->failing = 0;
    pthread_mutex_unlock(&x->mu);
    return done > 0 ? GW_IDLE_DID : GW_IDLE_NONE;
}

void gw_xapi_index_set_wake(struct gw_xapi_index *x, void (*wake)(void *ud), void *ud)
{
    pthread_mutex_lock(&x->mu);
    x->wake = wake;
    x->wake_ud = ud;
    pthread_mutex_unlock(&x->mu);
}

void gw_xapi_index_busy(struct gw_xapi_index *x, bool begin)
{
    if (!x)
        return;
    pthread_mutex_lock(&x->mu);
    x->active += begin ? 1 : -1;
    bool quiet = x->active == 0 && x->pending > 0;
    void (*wake)(void *) = x->wake;
    void *wake_ud = x->wake_ud;
    pthread_mutex_unlock(&x->mu);
    if (quiet && wake)
        wake(wake_ud);
}

bool gw_xapi_index_wait(struct gw_xapi_index *x, int64_t timeout_ms)
{
    if (!x)
        return true;
    struct timespec until = gw_time_deadline(timeout_ms);
    pthread_mutex_lock(&x->mu);
    int64_t target = x->committed_hi;
    int rc = 0;
    bool waited = x->pending > 0 && x->indexed_hi < target;
    if (waited) {
        x->urgent++; /* the writer indexes now, even while statements arrive */
        if (x->wake) {
            void (*wake)(void *) = x->wake;
            void *wake_ud = x->wake_ud;
            pthread_mutex_unlock(&x->mu);
            wake(wake_ud);
            pthread_mutex_lock(&x->mu);
        }
    }
    while (x->pending > 0 && x->indexed_hi < target && rc == 0)
        rc = pthread_cond_timedwait(&x->cv, &x->mu, &until);
    bool ok = x->pending == 0 || x->indexed_hi >= target;
    if (waited)
        x->urgent--;
    pthread_mutex_unlock(&x->mu);
    return ok;
}

int64_t gw_xapi_index_pending_since(struct gw_xapi_index *x)
{
    if (!x)
        return INT64_MAX;
    pthread_mutex_lock(&x->mu);
    int64_t since = x->pending > 0 ? x->pending_since : INT64_MAX;
    pthread_mutex_unlock(&x->mu);
    return since;
}

void gw_xapi_index_stats(struct gw_xapi_index *x, struct gw_xapi_index_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!x)
        return;
    pthread_mutex_lock(&x->mu);
    *out = x->stats;
    pthread_mutex_unlock(&x->mu);
}

enum gw_err gw_store_xapi_index_pending(struct gw_store *s, int64_t *indexed, struct gw_error *err)
{
    struct gw_xapi_index *x = gw_xapi_index_new(s, 0, 1);
    int64_t total = 0, done = 1;
    enum gw_err rc = GW_OK;
    while (done > 0) {
        done = run_round(x, ROUND_IDLE, err);
        if (done > 0)
            total += done;
    }
    if (done < 0)
        rc = err->code ? err->code : GW_E_STORE_QUERY;
    gw_xapi_index_free(x);
    if (indexed)
        *indexed = total;
    return rc;
}
