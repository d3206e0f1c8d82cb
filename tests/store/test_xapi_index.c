/* The deferred xAPI index (store/xapi_index.c) against the inline path: the
 * same statements stored inline, deferred and indexed from memory, deferred
 * and indexed from the stored bodies (no memory budget), and deferred with
 * the index dropped before it ran (a crash: a new index finds the pending
 * rows) must leave identical filter-index rows, activity definitions and KPI
 * rows, which also equal what `kpi rebuild` computes. Also: nothing is
 * indexed before a round and everything after; a failing round leaves its
 * statements pending and the next one indexes them; voiding a statement that
 * is not indexed yet keeps it out of the KPIs; the rebuild leaves pending
 * statements to the index; the batcher's idle work indexes by itself and
 * readers can wait for it. SQLite (the backend that defers). */
#include "gw/buf.h"
#include "gw/hash.h"
#include "gw/json.h"
#include "gw/kpi_store.h"
#include "gw/timefmt.h"
#include "gw/xapi_store.h"
#include "gwtest.h"
#include "testsupport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *tmpdir;

static const int64_t T0 = 1780000000000; /* stored_ms of the first batch */
static int64_t base_ms = T0;             /* what make_batch uses */

static enum gw_qs script_fn(struct gw_db *db, void *ud, struct gw_error *err)
{
    return gw_db_exec_script(db, ud, err);
}

/* A fresh migrated SQLite store with two courses registered. */
static struct gw_store *fresh(void)
{
    struct gw_store *s = gwt_fresh_store(tmpdir, false); /* a new file each time */
    struct gw_error err;
    if (!s || gw_store_migrate(s, NULL, &err) != GW_OK)
        return NULL;
    const char *setup =
        "INSERT INTO departments (id, name, created_ms) VALUES ('dep', 'Sales', 0);"
        "INSERT INTO courses (id, department_id, title, state_since_ms, created_ms) VALUES "
        "('c1', 'dep', 'One', 0, 0), ('c2', 'dep', 'Two', 0, 0);"
        "INSERT INTO course_iris (iri, course_id, source, created_ms) VALUES "
        "('https://lms.example/course/1', 'c1', 'gateway', 0), "
        "('https://lms.example/course/2', 'c2', 'gateway', 0);";
    if (gw_store_tx(s, GW_TX_WRITE, script_fn, (void *)setup, &err) != GW_OK) {
        fprintf(stderr, "setup: %s\n", err.detail);
        gw_store_close(s);
        return NULL;
    }
    return s;
}

/* ---- the statements ---- */

enum { BATCHES = 6, PER = 7 };

/* Statement i of the fixed set: learners, courses, verbs, scores and days
 * vary; some have no timestamp or no id; some void earlier (or later)
 * statements; one has a Group actor, one a SubStatement. ids[] holds the
 * ids given so far (the voiding ones aim at them). */
static json_t *statement(int i, char ids[][37])
{
    static const char *const verbs[] = {
        "http://adlnet.gov/expapi/verbs/attempted", "http://adlnet.gov/expapi/verbs/completed",
        "http://adlnet.gov/expapi/verbs/passed", "http://adlnet.gov/expapi/verbs/failed"};
    snprintf(ids[i], 37, "%08x-0000-4000-8000-%012x", 0xabc00000u + (unsigned)i, (unsigned)i);
    char text[2048];
    if (i % 11 == 10) {
        /* 10 voids 2 (not indexed yet in test_voiding_across_the_index), 32
         * voids 16 (indexed by then), 21 voids 24 (stored after it) */
        int target = i == 10 ? 2 : i == 21 ? 24 : 16;
        snprintf(ids[target], 37, "%08x-0000-4000-8000-%012x", 0xabc00000u + (unsigned)target,
                 (unsigned)target);
        snprintf(text, sizeof text,
                 "{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:admin@example.org\"},"
                 "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/voided\"},"
                 "\"object\":{\"objectType\":\"StatementRef\",\"id\":\"%s\"}}",
                 ids[i], ids[target]);
    } else if (i == 17) { /* a Group actor and a SubStatement */
        snprintf(text, sizeof text,
                 "{\"id\":\"%s\",\"actor\":{\"objectType\":\"Group\",\"member\":[{\"mbox\":"
                 "\"mailto:g1@example.org\"}],\"mbox\":\"mailto:team@example.org\"},"
                 "\"verb\":{\"id\":\"%s\"},\"object\":{\"objectType\":\"SubStatement\","
                 "\"actor\":{\"mbox\":\"mailto:l3@example.org\"},\"verb\":{\"id\":\"%s\"},"
                 "\"object\":{\"id\":\"https://lms.example/course/2/sub\"}},"
                 "\"timestamp\":\"2026-03-0%dT10:00:00Z\"}",
                 ids[i], verbs[1], verbs[2], 1 + i % 5);
    } else {
        int learner = i % 4, course = 1 + i % 3, day = 1 + i % 6;
        /* scores as version 2 of the definitions reads them: raw/min/max
         * before scaled (1/4 or 3/4), raw alone on 0..100 (0.05 .. 0.85),
         * scaled (0.1 .. 0.9) */
        char score[96];
        if (i % 3 == 0)
            snprintf(score, sizeof score, "{\"raw\":%d,\"min\":0,\"max\":4,\"scaled\":0.%d}",
                     1 + 2 * (i % 2), 1 + i % 9);
        else if (i % 3 == 1)
            snprintf(score, sizeof score, "{\"raw\":%d}", 5 + 10 * (i % 9));
        else
            snprintf(score, sizeof score, "{\"scaled\":0.%d}", 1 + i % 9);
        char ts[64] = "";
        if (i % 5 != 4) /* every fifth has no timestamp: it is the stored instant */
            snprintf(ts, sizeof ts, ",\"timestamp\":\"2026-03-0%dT09:00:00.000Z\"", day);
        snprintf(text, sizeof text,
                 "{\"id\":\"%s\",\"actor\":{\"account\":{\"homePage\":\"https://lms.example\","
                 "\"name\":\"l%d\"}},\"verb\":{\"id\":\"%s\"},"
                 "\"object\":{\"id\":\"https://lms.example/course/%d/m/%d\",\"definition\":"
                 "{\"name\":{\"en\":\"Module %d v%d\"},\"type\":"
                 "\"http://adlnet.gov/expapi/activities/module\"}},"
                 "\"result\":{\"score\":%s,\"success\":%s,\"completion\":%s},"
                 "\"context\":{\"registration\":\"%08x-1111-4111-8111-000000000000\","
                 "\"contextActivities\":{\"parent\":[{\"id\":\"https://lms.example/course/%d\"}],"
                 "\"category\":[{\"id\":\"https://w3id.org/xapi/scorm\"}]}}%s}",
                 ids[i], learner, verbs[i % 4], course, i % 2, i % 2, i / 9, score,
                 i % 4 == 2 ? "true" : "false", i % 4 == 1 ? "true" : "false", (unsigned)learner,
                 course, ts);
    }
    json_error_t je;
    json_t *st = json_loads(text, 0, &je);
    if (!st)
        fprintf(stderr, "statement %d: %s\n%s\n", i, je.text, text);
    return st;
}

struct batch {
    struct gw_xapi_new_statement items[PER];
    struct gw_xapi_insert ins;
    int64_t stored_ms;
};

static void make_batch(struct batch *b, int k, char ids[][37], struct gw_xapi_index *x)
{
    memset(b, 0, sizeof *b);
    for (int i = 0; i < PER; i++) {
        json_t *st = statement(k * PER + i, ids);
        /* as the HTTP side stores it: no timestamp when the client sent none */
        gw_xapi_new_statement_init(&b->items[i], st, true, NULL);
        gw_xapi_new_statement_drop_json(&b->items[i]);
    }
    b->ins =
        (struct gw_xapi_insert){.items = b->items, .n = PER, .authority_key = "klms", .index = x};
    b->stored_ms = base_ms + k * 1000;
}

static void free_batch(struct batch *b)
{
    for (int i = 0; i < PER; i++)
        gw_xapi_new_statement_clear(&b->items[i]);
}

static enum gw_qs insert_fn(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct batch *b = ud;
    return gw_store_xapi_insert(db, &b->ins, b->stored_ms, err);
}

/* Stores the fixed set, batch by batch, inline (x NULL) or for x (told
 * after each commit, as the server does). */
static bool store_all(struct gw_store *s, struct gw_xapi_index *x)
{
    char ids[BATCHES * PER + 8][37];
    memset(ids, 0, sizeof ids);
    bool ok = true;
    for (int k = 0; k < BATCHES && ok; k++) {
        struct batch b;
        make_batch(&b, k, ids, x);
        struct gw_error err;
        ok = gw_store_tx(s, GW_TX_WRITE, insert_fn, &b, &err) == GW_OK;
        if (!ok)
            fprintf(stderr, "batch %d: %s\n", k, err.detail);
        else if (x)
            gw_xapi_index_committed(x, &b.ins);
        free_batch(&b);
    }
    return ok;
}

/* ---- what the index wrote, as text ---- */

struct dump {
    const char *sql;
    struct gw_buf out;
};

static enum gw_qs dump_fn(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct dump *d = ud;
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, d->sql, NULL, 0, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        const char *v = gw_db_col_text(r, 0);
        gw_buf_printf(&d->out, "%s\n", v ? v : "NULL");
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
}

/* One text column per row: quote() of each column joined by '|'. */
static const char *const dumped[] = {
    "SELECT t.term || '|' || a.seq || '|' || a.role FROM xapi_statement_activity_rids a JOIN "
    "xapi_terms t ON t.rid = a.rid ORDER BY t.term, a.seq, a.role",
    "SELECT t.term || '|' || a.seq || '|' || a.role FROM xapi_statement_agent_rids a JOIN "
    "xapi_terms t ON t.rid = a.rid ORDER BY t.term, a.seq, a.role",
    "SELECT id || '|' || definition || '|' || updated_ms FROM xapi_activities ORDER BY id",
    "SELECT registration || '|' || seq FROM xapi_statement_registrations ORDER BY 1",
    "SELECT seq || '|' || voided FROM xapi_statements ORDER BY seq",
    "SELECT seq || '|' || course_id || '|' || learner_key || '|' || course_level || '|' || ts_ms "
    "FROM kpi_statements ORDER BY seq",
    "SELECT quote(course_id) || '|' || quote(learner_key) || '|' || day || '|' || month || '|' || "
    "statements || '|' || first_ms || '|' || quote(complete_ms) || '|' || passed || '|' || failed "
    "|| '|' || quote(best_score) || '|' || quote(rating_ms) || '|' || quote(rating_seq) || '|' || "
    "quote(rating) || '|' || comments FROM kpi_learner_days ORDER BY course_id, learner_key, day",
    "SELECT quote(course_id) || '|' || quote(learner_key) || '|' || department_id || '|' || "
    "quote(ttc_ms) || '|' || statements || '|' || first_ms || '|' || quote(complete_ms) || '|' || "
    "passed || '|' || failed || '|' || quote(best_score) || '|' || quote(rating_ms) || '|' || "
    "quote(rating_seq) || '|' || quote(rating) || '|' || comments FROM kpi_learners ORDER BY "
    "course_id, learner_key",
    "SELECT scope || '|' || started || '|' || completed || '|' || passed || '|' || failed || '|' "
    "|| n_score || '|' || sum_score || '|' || feedback || '|' || sum_rating || '|' || comments || "
    "'|' || statements FROM kpi_totals ORDER BY scope",
    "SELECT scope || '|' || bucket || '|' || n FROM kpi_ttc_hist ORDER BY scope, bucket",
    "SELECT day || '|' || statements FROM kpi_unattributed_days ORDER BY day",
};

/* Everything the index and the KPIs hold, as one text (caller frees). */
static char *dump_all(struct gw_store *s)
{
    struct gw_buf all = {0};
    for (size_t i = 0; i < sizeof dumped / sizeof dumped[0]; i++) {
        struct dump d = {dumped[i], {0}};
        struct gw_error err;
        if (gw_store_tx(s, GW_TX_READ, dump_fn, &d, &err) != GW_OK)
            gw_buf_printf(&all, "ERROR %s\n", err.detail);
        gw_buf_printf(&all, "-- %zu\n%s", i, gw_buf_str(&d.out));
        gw_buf_free(&d.out);
    }
    char *text = gw_xstrdup(gw_buf_str(&all));
    gw_buf_free(&all);
    return text;
}

static int64_t count_sql(struct gw_store *s, const char *sql)
{
    struct dump d = {sql, {0}};
    struct gw_error err;
    int64_t n = -1;
    if (gw_store_tx(s, GW_TX_READ, dump_fn, &d, &err) == GW_OK)
        n = strtoll(gw_buf_str(&d.out), NULL, 10);
    gw_buf_free(&d.out);
    return n;
}

static int64_t pending_rows(struct gw_store *s)
{
    return count_sql(s, "SELECT count(*) FROM xapi_index_pending");
}

/* The reference: the set stored inline. */
static char *reference;

static void test_inline_reference(void)
{
    struct gw_store *s = fresh();
    REQUIRE(s);
    REQUIRE(store_all(s, NULL));
    CHECK_INT(pending_rows(s), 0);
    reference = dump_all(s);
    /* the set exercises what it should: attributed and voided statements */
    CHECK(count_sql(s, "SELECT count(*) FROM kpi_learners") >= 4);
    CHECK(count_sql(s, "SELECT count(*) FROM xapi_statements WHERE voided = 1") >= 3);
    CHECK(count_sql(s, "SELECT count(*) FROM kpi_unattributed_days") >= 1);
    CHECK(count_sql(s, "SELECT count(*) FROM xapi_statement_registrations") >= 20);
    /* scores only version 2 gives: from raw/min/max, and from raw alone */
    CHECK(count_sql(s, "SELECT count(*) FROM kpi_learner_days WHERE best_score IN (0.25, 0.75)") >=
          1);
    CHECK(count_sql(s, "SELECT count(*) FROM kpi_learner_days WHERE best_score IN (0.05, 0.15, "
                       "0.35, 0.45, 0.55, 0.65, 0.85)") >= 1);
    /* and the incremental state is what a rebuild computes */
    struct gw_error err;
    int64_t counted = 0;
    CHECK(gw_store_kpi_rebuild(s, &counted, &err) == GW_OK);
    char *rebuilt = dump_all(s);
    CHECK_STR(rebuilt, reference);
    free(rebuilt);
    gw_store_close(s);
}

/* Deferred: nothing indexed until a round; the rounds from memory then
 * write exactly what inline did. */
static void test_deferred_from_memory(void)
{
    REQUIRE(reference);
    struct gw_store *s = fresh();
    REQUIRE(s);
    struct gw_xapi_index *x = gw_xapi_index_new(s, GW_XAPI_INDEX_MEMORY, 1000000);
    REQUIRE(store_all(s, x));
    CHECK_INT(pending_rows(s), BATCHES * PER);
    CHECK_INT(count_sql(s, "SELECT count(*) FROM xapi_statement_agent_rids"), 0);
    CHECK_INT(count_sql(s, "SELECT count(*) FROM kpi_statements"), 0);
    CHECK(gw_xapi_index_pending_since(x) == T0);
    CHECK(!gw_xapi_index_wait(x, 1)); /* nobody indexes: not caught up */
    CHECK(gw_xapi_index_idle(x, false) == GW_IDLE_DID);
    while (gw_xapi_index_idle(x, false) == GW_IDLE_DID)
        ;
    CHECK(gw_xapi_index_wait(x, 1));
    CHECK(gw_xapi_index_pending_since(x) == INT64_MAX);
    CHECK_INT(pending_rows(s), 0);
    struct gw_xapi_index_stats st;
    gw_xapi_index_stats(x, &st);
    CHECK_INT((int64_t)st.indexed, BATCHES * PER);
    CHECK_INT((int64_t)st.from_memory, BATCHES * PER);
    CHECK_INT((int64_t)st.from_body, 0);
    CHECK_INT(st.pending, 0);
    char *got = dump_all(s);
    CHECK_STR(got, reference);
    free(got);
    CHECK(gw_xapi_index_idle(x, false) == GW_IDLE_NONE); /* nothing left */
    gw_xapi_index_free(x);
    gw_store_close(s);
}

/* No memory budget: every record comes from the stored body. */
static void test_deferred_from_bodies(void)
{
    REQUIRE(reference);
    struct gw_store *s = fresh();
    REQUIRE(s);
    struct gw_xapi_index *x = gw_xapi_index_new(s, 0, 1000000);
    REQUIRE(store_all(s, x));
    while (gw_xapi_index_idle(x, false) == GW_IDLE_DID)
        ;
    struct gw_xapi_index_stats st;
    gw_xapi_index_stats(x, &st);
    CHECK_INT((int64_t)st.from_body, BATCHES * PER);
    char *got = dump_all(s);
    CHECK_STR(got, reference);
    free(got);
    gw_xapi_index_free(x);
    gw_store_close(s);
}

/* The index is lost before it ran (a crash): the pending rows survive, and
 * the next gateway's index (here: the CLI's drain) indexes them. A KPI
 * rebuild in between leaves them alone. */
static void test_restart_and_rebuild(void)
{
    REQUIRE(reference);
    struct gw_store *s = fresh();
    REQUIRE(s);
    struct gw_xapi_index *x = gw_xapi_index_new(s, GW_XAPI_INDEX_MEMORY, 1000000);
    REQUIRE(store_all(s, x));
    gw_xapi_index_free(x);
    struct gw_error err;
    int64_t counted = -1;
    CHECK(gw_store_kpi_rebuild(s, &counted, &err) == GW_OK);
    CHECK_INT(counted, 0); /* all pending: the index will count them */
    x = gw_xapi_index_new(s, GW_XAPI_INDEX_MEMORY, 1000000);
    struct gw_xapi_index_stats st;
    gw_xapi_index_stats(x, &st);
    CHECK_INT(st.pending, BATCHES * PER); /* found in the table */
    CHECK(gw_xapi_index_pending_since(x) == T0);
    gw_xapi_index_free(x);
    int64_t indexed = 0;
    CHECK(gw_store_xapi_index_pending(s, &indexed, &err) == GW_OK);
    CHECK_INT(indexed, BATCHES * PER);
    CHECK_INT(pending_rows(s), 0);
    char *got = dump_all(s);
    CHECK_STR(got, reference);
    free(got);
    gw_store_close(s);
}

/* Another process (`lmsgw kpi rebuild` while the gateway runs) indexes the
 * pending statements first: the gateway's index then finds nothing pending,
 * indexes nothing twice and drops its stale records. */
static void test_drained_elsewhere(void)
{
    REQUIRE(reference);
    struct gw_store *s = fresh();
    REQUIRE(s);
    struct gw_xapi_index *x = gw_xapi_index_new(s, GW_XAPI_INDEX_MEMORY, 1000000);
    REQUIRE(store_all(s, x));
    struct gw_error err;
    int64_t indexed = 0;
    CHECK(gw_store_xapi_index_pending(s, &indexed, &err) == GW_OK);
    CHECK_INT(indexed, BATCHES * PER);
    CHECK(gw_xapi_index_idle(x, false) == GW_IDLE_NONE);
    struct gw_xapi_index_stats st;
    gw_xapi_index_stats(x, &st);
    CHECK_INT(st.pending, 0);
    CHECK_INT((int64_t)st.indexed, 0);
    CHECK(gw_xapi_index_wait(x, 1));
    char *got = dump_all(s);
    CHECK_STR(got, reference);
    free(got);
    gw_xapi_index_free(x);
    gw_store_close(s);
}

/* A round that fails part-way leaves everything pending and the queue whole:
 * the next round indexes it all, once. */
static void test_failing_round(void)
{
    REQUIRE(reference);
    int failed = 0;
    for (long n = 1; n <= 40; n += 3) {
        struct gw_store *s = fresh();
        REQUIRE(s);
        struct gw_xapi_index *x = gw_xapi_index_new(s, GW_XAPI_INDEX_MEMORY, 1000000);
        REQUIRE(store_all(s, x));
        gw_store_fail_after(s, n);
        bool did = gw_xapi_index_idle(x, false) == GW_IDLE_DID;
        gw_store_fail_after(s, 0);
        if (!did) {
            failed++;
            CHECK_INT(pending_rows(s), BATCHES * PER);
            CHECK_INT(count_sql(s, "SELECT count(*) FROM kpi_statements"), 0);
        }
        while (gw_xapi_index_idle(x, false) == GW_IDLE_DID)
            ;
        char *got = dump_all(s);
        CHECK_STR(got, reference);
        free(got);
        struct gw_xapi_index_stats st;
        gw_xapi_index_stats(x, &st);
        CHECK_INT((int64_t)st.from_memory, BATCHES * PER); /* the queue survived the failure */
        CHECK_INT((int64_t)st.failures, did ? 0 : 1);
        gw_xapi_index_free(x);
        gw_store_close(s);
    }
    CHECK(failed >= 5); /* the failures landed inside the round */
}

/* Voiding a statement whose KPI rows are not written yet, and the reverse:
 * a statement voided after it was indexed. Both end as inline does. */
static void test_voiding_across_the_index(void)
{
    REQUIRE(reference);
    struct gw_store *s = fresh();
    REQUIRE(s);
    struct gw_xapi_index *x = gw_xapi_index_new(s, GW_XAPI_INDEX_MEMORY, 1000000);
    char ids[BATCHES * PER + 8][37];
    memset(ids, 0, sizeof ids);
    for (int k = 0; k < BATCHES; k++) {
        struct batch b;
        make_batch(&b, k, ids, x);
        struct gw_error err;
        CHECK(gw_store_tx(s, GW_TX_WRITE, insert_fn, &b, &err) == GW_OK);
        gw_xapi_index_committed(x, &b.ins);
        free_batch(&b);
        if (k % 2 == 1) /* index every other batch: voiding meets both states */
            while (gw_xapi_index_idle(x, false) == GW_IDLE_DID)
                ;
    }
    while (gw_xapi_index_idle(x, false) == GW_IDLE_DID)
        ;
    char *got = dump_all(s);
    CHECK_STR(got, reference);
    free(got);
    gw_xapi_index_free(x);
    gw_store_close(s);
}

/* Idle work in the batcher: with no job queued the writer indexes by
 * itself; a reader's wait returns once it did. While jobs are queued and
 * the backlog is small, the idle work declines. */
static int64_t fixed_now(void *ud)
{
    (void)ud;
    return T0;
}

static void test_batcher_idle(void)
{
    struct gw_store *s = fresh();
    REQUIRE(s);
    struct gw_xapi_index *x = gw_xapi_index_new(s, GW_XAPI_INDEX_MEMORY, 1000000);
    base_ms = gw_time_now_ms(); /* young statements: not overdue */
    bool stored = store_all(s, x);
    base_ms = T0;
    REQUIRE(stored);
    gw_xapi_index_busy(x, true); /* a write under way: no round */
    CHECK(gw_xapi_index_idle(x, false) == GW_IDLE_LATER);
    CHECK(gw_xapi_index_idle(x, true) == GW_IDLE_LATER);
    gw_xapi_index_busy(x, false);
    CHECK(gw_xapi_index_idle(x, true) == GW_IDLE_LATER); /* requests queued: not yet either */
    CHECK_INT(pending_rows(s), BATCHES * PER);
    struct gw_batcher *b = gw_batcher_new(s, 16, fixed_now, NULL);
    gw_xapi_index_set_wake(x, gw_batcher_wake, b);
    gw_batcher_set_idle(b, gw_xapi_index_idle, x);
    CHECK(gw_xapi_index_wait(x, 60000)); /* the writer indexes by itself */
    CHECK_INT(pending_rows(s), 0);
    CHECK(count_sql(s, "SELECT count(*) FROM kpi_statements") > 0);
    gw_batcher_free(b);
    gw_xapi_index_free(x);
    gw_store_close(s);
}

/* Statements pending since long ago are overdue: indexed although requests
 * are queued. */
static void test_overdue(void)
{
    struct gw_store *s = fresh();
    REQUIRE(s);
    struct gw_xapi_index *x = gw_xapi_index_new(s, GW_XAPI_INDEX_MEMORY, 1000000);
    REQUIRE(store_all(s, x)); /* stored at T0, months ago */
    gw_xapi_index_busy(x, true);
    CHECK(gw_xapi_index_idle(x, true) == GW_IDLE_DID);
    gw_xapi_index_busy(x, false);
    gw_xapi_index_free(x);
    gw_store_close(s);
}

/* A backlog past max_lag is indexed between group commits too. */
static void test_backlog_bound(void)
{
    struct gw_store *s = fresh();
    REQUIRE(s);
    struct gw_xapi_index *x = gw_xapi_index_new(s, GW_XAPI_INDEX_MEMORY, BATCHES * PER);
    REQUIRE(store_all(s, x));
    gw_xapi_index_busy(x, true);
    CHECK(gw_xapi_index_idle(x, true) == GW_IDLE_DID); /* at the bound: runs although jobs wait */
    gw_xapi_index_busy(x, false);
    CHECK_INT(pending_rows(s), 0);
    gw_xapi_index_free(x);
    gw_store_close(s);
}

int main(void)
{
    tmpdir = gwt_tmpdir("xindex");
    GW_RUN(test_inline_reference);
    GW_RUN(test_deferred_from_memory);
    GW_RUN(test_deferred_from_bodies);
    GW_RUN(test_restart_and_rebuild);
    GW_RUN(test_drained_elsewhere);
    GW_RUN(test_failing_round);
    GW_RUN(test_voiding_across_the_index);
    GW_RUN(test_batcher_idle);
    GW_RUN(test_overdue);
    GW_RUN(test_backlog_bound);
    free(reference);
    gwt_rmtree(tmpdir);
    free(tmpdir);
    return gw_test_summary();
}
