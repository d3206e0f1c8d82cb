/* Nothing half-written: the store's fault injection makes the n-th query
 * fail, for every n across an xAPI insert (statements, voiding, index rows,
 * definitions) run through the group-commit writer. After each run a job has
 * either all of its statements and their index rows, or none, and no index
 * row is left without its statement. Compiled for SQLite and PostgreSQL. */
#include "gw/hash.h"
#include "gw/xapi_store.h"
#include "gwtest.h"
#include "testsupport.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *tmpdir;

static struct gw_store *fresh_store(void)
{
    struct gw_store *s = gwt_fresh_store(tmpdir, GW_TEST_PG);
    struct gw_error err;
    if (s && gw_store_migrate(s, NULL, &err) != GW_OK) {
        gw_store_close(s);
        return NULL;
    }
    return s;
}

/* Three statements: two with index rows and a definition, one voiding the first. */
struct job {
    char ids[3][37];
    struct gw_xapi_new_statement items[3];
    struct gw_xapi_insert ins;
};

static void make_job(struct job *j)
{
    memset(j, 0, sizeof *j);
    for (int i = 0; i < 3; i++)
        gw_uuid_v4(j->ids[i]);
    for (int i = 0; i < 3; i++) {
        json_t *st;
        if (i < 2)
            st = json_pack(
                "{s:s, s:{s:s}, s:{s:s}, s:{s:s, s:{s:{s:s}}}, s:{s:{s:[{s:s}]}, s:{s:s}}, "
                "s:s}",
                "id", j->ids[i], "actor", "mbox", "mailto:ada@example.org", "verb", "id",
                "http://adlnet.gov/expapi/verbs/completed", "object", "id",
                i ? "https://c.example/b" : "https://c.example/a", "definition", "name", "en", "A",
                "context", "contextActivities", "parent", "id", "https://c.example", "instructor",
                "mbox", "mailto:i@example.org", "timestamp", "2026-01-01T00:00:00.000Z");
        else
            st =
                json_pack("{s:s, s:{s:s}, s:{s:s}, s:{s:s, s:s}, s:s}", "id", j->ids[2], "actor",
                          "mbox", "mailto:admin@example.org", "verb", "id",
                          "http://adlnet.gov/expapi/verbs/voided", "object", "objectType",
                          "StatementRef", "id", j->ids[0], "timestamp", "2026-01-01T00:00:01.000Z");
        gw_xapi_new_statement_init(&j->items[i], st, true, NULL);
    }
    j->ins.items = j->items;
    j->ins.n = 3;
    j->ins.authority_key = "ktest";
}

static void free_job(struct job *j)
{
    for (int i = 0; i < 3; i++)
        gw_xapi_new_statement_clear(&j->items[i]);
}

static enum gw_qs insert_fn(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct job *j = ud;
    return gw_store_xapi_insert(db, &j->ins, 1700000000000, err);
}

struct counts {
    const struct job *j;
    int64_t statements, orphans, voided;
};

static int64_t scalar(struct gw_db *db, const char *sql, const struct gw_dbp *p, int n,
                      enum gw_qs *qs, struct gw_error *err)
{
    struct gw_db_rows *r = NULL;
    *qs = gw_db_query(db, sql, p, n, &r, NULL, err);
    int64_t v = *qs == GW_QS_ONE ? gw_db_col_int(r, 0) : -1;
    gw_db_rows_free(r);
    return v;
}

#if GW_TEST_PG
/* PostgreSQL interns new terms in statements of their own, committed at once
 * (store/terms.c): the terms of a job that failed stay, harmless. A side row
 * whose term is missing (a cached rid that is not stored) still counts. */
#define ORPHAN_TERMS "0"
#else
#define ORPHAN_TERMS                                                                               \
    "(SELECT COUNT(*) FROM xapi_terms t WHERE NOT EXISTS (SELECT 1 FROM "                          \
    "xapi_statement_activity_rids a WHERE a.rid = t.rid) AND NOT EXISTS (SELECT 1 FROM "           \
    "xapi_statement_agent_rids g WHERE g.rid = t.rid))"
#endif

static enum gw_qs count_fn(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct counts *c = ud;
    enum gw_qs qs;
    struct gw_dbp p[] = {GW_P_TEXT(c->j->ids[0]), GW_P_TEXT(c->j->ids[1]), GW_P_TEXT(c->j->ids[2])};
    c->statements =
        scalar(db, "SELECT COUNT(*) FROM xapi_statements WHERE id IN ($1, $2, $3)", p, 3, &qs, err);
    if (qs < 0)
        return qs;
    c->voided = scalar(db, "SELECT COUNT(*) FROM xapi_statements WHERE id = $1 AND voided = 1", p,
                       1, &qs, err);
    if (qs < 0)
        return qs;
    c->orphans =
        scalar(db,
               "SELECT (SELECT COUNT(*) FROM xapi_statement_activity_rids a WHERE NOT "
               "EXISTS (SELECT 1 FROM xapi_statements s WHERE s.seq = a.seq)) + (SELECT "
               "COUNT(*) FROM xapi_statement_agent_rids g WHERE NOT EXISTS (SELECT 1 FROM "
               "xapi_statements s WHERE s.seq = g.seq)) + " ORPHAN_TERMS " + (SELECT COUNT(*) FROM "
               "xapi_statement_activity_rids a "
               "WHERE NOT EXISTS (SELECT 1 FROM xapi_terms t WHERE t.rid = a.rid)) + (SELECT "
               "COUNT(*) FROM xapi_statement_agent_rids g WHERE NOT EXISTS (SELECT 1 FROM "
               "xapi_terms t WHERE t.rid = g.rid))",
               NULL, 0, &qs, err);
    return qs;
}

static struct counts count(struct gw_store *s, const struct job *j)
{
    struct counts c = {j, -1, -1, -1};
    struct gw_error err;
    gw_store_fail_after(s, 0);
    if (gw_store_tx(s, GW_TX_READ, count_fn, &c, &err) != GW_OK)
        fprintf(stderr, "  count failed: %s\n", err.detail);
    return c;
}

/* A job either happened entirely or not at all. */
static void check_all_or_nothing(struct gw_store *s, const struct job *j, enum gw_err rc, long n)
{
    struct counts c = count(s, j);
    CHECK_INT(c.orphans, 0);
    if (rc == GW_OK) {
        CHECK_INT(c.statements, 3);
        CHECK_INT(c.voided, 1);
    } else {
        CHECK_INT(c.statements, 0);
    }
    if (c.orphans != 0 || (rc == GW_OK ? c.statements != 3 : c.statements != 0))
        fprintf(stderr, "  ^ with the failure at query %ld (rc %d)\n", n, (int)rc);
}

static int64_t now_fn(void *ud)
{
    (void)ud;
    return 1700000000000;
}

static void test_single_job(void)
{
    struct gw_store *s = fresh_store();
    REQUIRE(s);
    struct gw_batcher *b = gw_batcher_new(s, 64, now_fn, NULL);
    int failures = 0, successes = 0;
    for (long n = 1; n <= 150; n++) {
        struct job j;
        make_job(&j);
        gw_store_fail_after(s, n);
        struct gw_error err;
        enum gw_err rc = gw_batcher_run(b, insert_fn, &j, &err);
        check_all_or_nothing(s, &j, rc, n);
        if (rc == GW_OK)
            successes++;
        else
            failures++;
        free_job(&j);
    }
    CHECK(failures >= 5);  /* the failure landed inside the insert */
    CHECK(successes >= 1); /* and past it */
    gw_batcher_free(b);
    gw_store_close(s);
}

struct two {
    struct job a, b;
    struct gw_batch_job ja, jb;
    int done;
};

static void on_done(struct gw_batch_job *job)
{
    (void)job; /* the outcome stays in the job (rc) */
}

/* Two jobs in one batch: the failure in one leaves the other committed. */
static void test_two_jobs_in_a_batch(void)
{
    struct gw_store *s = fresh_store();
    REQUIRE(s);
    /* Both are queued at once, so they usually share a batch; either way each
     * must be all or nothing. */
    for (long n = 1; n <= 150; n++) {
        struct two t;
        make_job(&t.a);
        make_job(&t.b);
        t.ja = (struct gw_batch_job){.fn = insert_fn, .done = on_done, .ud = &t.a};
        t.jb = (struct gw_batch_job){.fn = insert_fn, .done = on_done, .ud = &t.b};
        gw_store_fail_after(s, n);
        struct gw_batcher *b = gw_batcher_new(s, 64, now_fn, NULL);
        gw_batcher_submit(b, &t.ja);
        gw_batcher_submit(b, &t.jb);
        gw_batcher_free(b); /* runs what is queued, then stops */
        check_all_or_nothing(s, &t.a, t.ja.rc, n);
        check_all_or_nothing(s, &t.b, t.jb.rc, n);
        free_job(&t.a);
        free_job(&t.b);
    }
    gw_store_close(s);
}

/* A batch whose middle job fails: the writer first runs the batch without
 * savepoints, then, after the failure, again with one per job, so the
 * others are committed and the failing one leaves nothing behind. A first
 * job holds the writer until all three are queued, so they share a batch. */
struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool open;
};

static enum gw_qs wait_fn(struct gw_db *db, void *ud, struct gw_error *err)
{
    (void)db;
    (void)err;
    struct gate *g = ud;
    pthread_mutex_lock(&g->mu);
    while (!g->open)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
    return GW_QS_NONE;
}

struct counted {
    struct job j;
    int calls;
    bool fail;
};

static enum gw_qs counted_fn(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct counted *c = ud;
    c->calls++;
    enum gw_qs qs = insert_fn(db, &c->j, err);
    if (qs >= 0 && c->fail) {
        gw_error_set(err, GW_E_XAPI_ID_CONFLICT, "/id", "refused after writing (test)");
        return GW_QS_HARD;
    }
    return qs;
}

static void test_failing_job_among_others(void)
{
    struct gw_store *s = fresh_store();
    REQUIRE(s);
    struct gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};
    struct counted c[3];
    struct gw_batch_job jobs[4];
    jobs[0] = (struct gw_batch_job){.fn = wait_fn, .done = on_done, .ud = &g};
    for (int i = 0; i < 3; i++) {
        make_job(&c[i].j);
        c[i].calls = 0;
        c[i].fail = i == 1;
        jobs[i + 1] = (struct gw_batch_job){.fn = counted_fn, .done = on_done, .ud = &c[i]};
    }
    struct gw_batcher *b = gw_batcher_new(s, 64, now_fn, NULL);
    gw_batcher_submit(b, &jobs[0]);
    for (int i = 1; i < 4; i++)
        gw_batcher_submit(b, &jobs[i]);
    pthread_mutex_lock(&g.mu);
    g.open = true;
    pthread_cond_signal(&g.cv);
    pthread_mutex_unlock(&g.mu);
    gw_batcher_free(b);
    CHECK_INT(jobs[1].rc, GW_OK);
    CHECK_INT(jobs[2].rc, GW_E_XAPI_ID_CONFLICT);
    CHECK_INT(jobs[3].rc, GW_OK);
    check_all_or_nothing(s, &c[0].j, jobs[1].rc, 0);
    check_all_or_nothing(s, &c[1].j, jobs[2].rc, 0);
    check_all_or_nothing(s, &c[2].j, jobs[3].rc, 0);
    /* unguarded, then guarded; the job after the failure ran once */
    CHECK_INT(c[0].calls, 2);
    CHECK_INT(c[1].calls, 2);
    CHECK_INT(c[2].calls, 1);
    for (int i = 0; i < 3; i++)
        free_job(&c[i].j);
    gw_store_close(s);
}

int main(void)
{
    tmpdir = gwt_tmpdir("faults");
    GW_RUN(test_single_job);
    GW_RUN(test_two_jobs_in_a_batch);
    GW_RUN(test_failing_job_among_others);
    gwt_rmtree(tmpdir);
    free(tmpdir);
    return gw_test_summary();
}
