/* The statements of one request stored set-wise (store/xapi_bulk.c, on
 * PostgreSQL) must leave exactly the rows that storing them one by one
 * leaves, and hand replays, conflicts, duplicates and voiding to the
 * statement by statement path. Compiled per backend: on SQLite every case
 * takes that path, so the expectations are the backends' common contract. */
#include "gw/buf.h"
#include "gw/store.h"
#include "gw/xapi_store.h"
#include "gwtest.h"
#include "testsupport.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *tmpdir;
enum { T0 = 1780000000000LL, ROUNDS = 25 };

static struct gw_store *fresh(void)
{
    struct gw_store *s = gwt_fresh_store(tmpdir, GW_TEST_PG);
    struct gw_error err;
    if (s && gw_store_migrate(s, NULL, &err) != GW_OK) {
        fprintf(stderr, "  migrate: %s\n", err.detail);
        gw_store_close(s);
        return NULL;
    }
    return s;
}

static enum gw_qs script(struct gw_db *db, void *ud, struct gw_error *err)
{
    return gw_db_exec_script(db, ud, err);
}

/* A course that attributes the activities under https://c.example/1, so
 * the KPI rows per learner are written too. */
static const char *const world =
    "INSERT INTO api_keys (key_id, name, role, secret_hash, created_ms, xapi_dedup_window_s) "
    "VALUES ('klms', 'moodle', 'lms', 'h', 1, 600);"
    "INSERT INTO departments (id, name, created_ms) VALUES ('dep', 'Sales', 0);"
    "INSERT INTO courses (id, department_id, title, state_since_ms, created_ms) VALUES "
    "('c1', 'dep', 'Course', 0, 0);"
    "INSERT INTO course_iris (iri, course_id, source, created_ms) VALUES "
    "('https://c.example/1', 'c1', 'lms', 0);";

/* A migrated store holding the world above; NULL (said on stderr) when
 * either step fails. */
static struct gw_store *fresh_world(void)
{
    struct gw_store *s = fresh();
    struct gw_error err;
    if (s && gw_store_tx(s, GW_TX_WRITE, script, (void *)world, &err) != GW_OK) {
        fprintf(stderr, "  world: %s\n", err.detail);
        gw_store_close(s);
        return NULL;
    }
    return s;
}

/* n statements: learners, verbs, activities, registrations and definitions
 * that repeat within the request, one activity defined two ways. */
/* with_id false: an id of the 500s, as if the server had drawn it (the item
 * is marked had_id false by the caller). */
static char *statement(int i, bool with_id)
{
    char *s = NULL;
    const char *verbs[] = {"completed", "passed", "attempted", "failed"};
    char id[64];
    snprintf(id, sizeof id, "\"id\":\"6d0c0000-0000-4000-8000-%012d\",", i + (with_id ? 0 : 500));
    const char *def = i % 5 == 3 ? "{\"name\":{\"de-DE\":\"Lektion\"}}"
                                 : "{\"name\":{\"en-US\":\"Lesson\"},\"type\":"
                                   "\"http://adlnet.gov/expapi/activities/lesson\"}";
    int n = asprintf(
        &s,
        "{%s\"actor\":{\"account\":{\"homePage\":\"https://lms.example\",\"name\":\"l%d\"}},"
        "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/%s\"},"
        "\"object\":{\"id\":\"https://c.example/1/lesson/%d\",\"definition\":%s},"
        "\"result\":{\"score\":{\"scaled\":0.%d},\"success\":%s,\"completion\":true},"
        "\"context\":{\"registration\":\"00000000-0000-4000-8000-00000000000%d\","
        "\"instructor\":{\"mbox\":\"mailto:t%d@example.org\"},"
        "\"contextActivities\":{\"parent\":[{\"id\":\"https://c.example/1\"}]}},"
        "\"timestamp\":\"2026-05-0%dT10:00:00.000Z\"}",
        id, i % 3, verbs[i % 4], i % 4, def, 10 + i, i % 2 ? "true" : "false", i % 3, i % 2,
        1 + i % 3);
    return n < 0 ? NULL : s;
}

struct req {
    struct gw_xapi_new_statement items[16];
    struct gw_xapi_insert ins;
};

static void req_add(struct req *r, const char *json, bool had_id, const char *sig)
{
    json_t *st = json_loads(json, 0, NULL);
    REQUIRE(st);
    struct gw_xapi_new_statement *it = &r->items[r->ins.n++];
    memset(it, 0, sizeof *it);
    gw_xapi_new_statement_init(it, st, had_id, sig);
    gw_xapi_new_statement_drop_json(it);
    r->ins.items = r->items;
    r->ins.authority_key = "klms";
    if (sig)
        r->ins.dedup_window_ms = 600000;
}

static void req_clear(struct req *r)
{
    for (size_t i = 0; i < r->ins.n; i++)
        gw_xapi_new_statement_clear(&r->items[i]);
    memset(r, 0, sizeof *r);
}

struct run {
    struct gw_xapi_insert *ins[4];
    int n;
};

/* The requests of one group commit, in one transaction as batch.c runs
 * them. */
static enum gw_qs run_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct run *r = ud;
    for (int i = 0; i < r->n; i++) {
        enum gw_qs qs = gw_store_xapi_insert(db, r->ins[i], T0, err);
        if (qs < 0)
            return qs;
    }
    return GW_QS_ONE;
}

static enum gw_err insert(struct gw_store *s, struct req *r, struct gw_error *err)
{
    struct run run = {{&r->ins}, 1};
    return gw_store_tx(s, GW_TX_WRITE, run_tx, &run, err);
}

/* Every row the statements and their index left, one line each; statements
 * are named by id, not seq (PostgreSQL does not give back the seqs a
 * rolled-back transaction drew), in the order of their seqs. */
static const char *const dumps[] = {
    "SELECT 'st|' || id || '|' || CAST(stored_ms AS TEXT) || '|' || "
    "CAST(timestamp_ms AS TEXT) || '|' || verb_id || '|' || coalesce(learner_key, '-') || '|' || "
    "object_type || '|' || coalesce(object_id, '-') || '|' || coalesce(registration, '-') || "
    "'|' || CAST(voided AS TEXT) || '|' || coalesce(voids_id, '-') || '|' || authority_key || "
    "'|' || coalesce(dedup_sig, '-') || '|' || body FROM xapi_statements ORDER BY seq",
    "SELECT 'act|' || t.term || '|' || s.id || '|' || CAST(a.role AS TEXT) FROM "
    "xapi_statement_activity_rids a JOIN xapi_terms t ON t.rid = a.rid JOIN xapi_statements s ON "
    "s.seq = a.seq ORDER BY 1",
    "SELECT 'agt|' || t.term || '|' || s.id || '|' || CAST(a.role AS TEXT) FROM "
    "xapi_statement_agent_rids a JOIN xapi_terms t ON t.rid = a.rid JOIN xapi_statements s ON "
    "s.seq = a.seq ORDER BY 1",
    "SELECT r.registration || '|' || s.id FROM xapi_statement_registrations r JOIN "
    "xapi_statements s ON s.seq = r.seq ORDER BY 1",
    "SELECT id || '|' || definition || '|' || CAST(updated_ms AS TEXT) FROM xapi_activities "
    "ORDER BY 1",
    "SELECT s.id || '|' || k.course_id || '|' || k.learner_key || '|' || "
    "CAST(k.course_level AS TEXT) || '|' || CAST(k.ts_ms AS TEXT) FROM kpi_statements k JOIN "
    "xapi_statements s ON s.seq = k.seq ORDER BY 1",
    "SELECT course_id || '|' || learner_key || '|' || CAST(day AS TEXT) || '|' || "
    "CAST(statements AS TEXT) || '|' || CAST(passed AS TEXT) || '|' || CAST(failed AS TEXT) || "
    "'|' || coalesce(CAST(best_score AS TEXT), '-') FROM kpi_learner_days ORDER BY 1",
    "SELECT course_id || '|' || learner_key || '|' || CAST(statements AS TEXT) FROM kpi_learners "
    "ORDER BY 1",
    "SELECT CAST(day AS TEXT) || '|' || CAST(statements AS TEXT) FROM kpi_unattributed_days "
    "ORDER BY 1",
};

struct dump {
    struct gw_buf out;
};

static enum gw_qs dump_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct dump *d = ud;
    gw_buf_reset(&d->out);
    for (size_t q = 0; q < sizeof dumps / sizeof *dumps; q++) {
        struct gw_db_rows *r = NULL;
        enum gw_qs qs = gw_db_query(db, dumps[q], NULL, 0, &r, NULL, err);
        for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r))
            gw_buf_printf(&d->out, "%s\n", gw_db_col_text(r, 0));
        gw_db_rows_free(r);
        if (qs < 0)
            return qs;
        gw_buf_puts(&d->out, "--\n");
    }
    return GW_QS_ONE;
}

static char *dump(struct gw_store *s)
{
    struct dump d = {{0}};
    struct gw_error err;
    if (gw_store_tx(s, GW_TX_READ, dump_tx, &d, &err) != GW_OK) {
        fprintf(stderr, "  dump: %s\n", err.detail);
        gw_buf_free(&d.out);
        return NULL;
    }
    return d.out.data;
}

static struct gw_xapi_new_statement *add(struct req *r, int i)
{
    char *json = statement(i, true);
    req_add(r, json, true, NULL);
    free(json);
    return &r->items[r->ins.n - 1];
}

/* The statements stored. */
static int64_t rows(struct gw_store *s)
{
    char *d = dump(s);
    int64_t n = 0;
    /* the statements' lines come first, up to the first separator */
    for (const char *p = d; p && *p && strncmp(p, "--\n", 3) != 0; p = strchr(p, '\n') + 1)
        n++;
    free(d);
    return n;
}

/* The same statement twice in one request: stored once, the second a
 * replay; with another body: a conflict, nothing stored. */
static void test_duplicate_ids_in_one_request(void)
{
    struct gw_store *s = fresh_world();
    REQUIRE(s);
    struct gw_error err;
    struct req r = {0};
    add(&r, 1);
    add(&r, 2);
    add(&r, 1);
    CHECK_INT(insert(s, &r, &err), GW_OK);
    CHECK(r.items[0].seq > 0 && r.items[1].seq > 0);
    CHECK_INT(r.items[2].seq, 0);
    CHECK_STR(r.items[2].final_id, r.items[0].id);
    req_clear(&r);
    CHECK_INT(rows(s), 2);

    add(&r, 3);
    char *json = statement(3, true);
    json[strlen(json) - 4] = '1'; /* .001Z: another timestamp, another body */
    req_add(&r, json, true, NULL);
    free(json);
    CHECK_INT(insert(s, &r, &err), GW_E_XAPI_ID_CONFLICT);
    req_clear(&r);
    CHECK_INT(rows(s), 2);
    gw_store_close(s);
}

/* Two requests of one group commit (one transaction) with the same id: the
 * second sees the first's row: a replay of the same statement, a conflict
 * for another. */
static void test_same_id_in_one_group_commit(void)
{
    struct gw_store *s = fresh_world();
    REQUIRE(s);
    struct gw_error err;
    struct req a = {0}, b = {0};
    add(&a, 1);
    add(&a, 2);
    add(&b, 3);
    add(&b, 2);
    struct run run = {{&a.ins, &b.ins}, 2};
    CHECK_INT(gw_store_tx(s, GW_TX_WRITE, run_tx, &run, &err), GW_OK);
    CHECK(a.items[1].seq > 0);
    CHECK(b.items[0].seq > a.items[1].seq);
    CHECK_INT(b.items[1].seq, 0);
    CHECK_STR(b.items[1].final_id, a.items[1].id);
    CHECK_INT(rows(s), 3);
    req_clear(&a);
    req_clear(&b);
    gw_store_close(s);
}

/* A request with a stored statement among new ones: the stored one is a
 * replay, the others are stored; a statement whose voiding statement came
 * first is stored voided. */
static void test_replay_and_voided_in_a_request(void)
{
    struct gw_store *s = fresh_world();
    REQUIRE(s);
    struct gw_error err;
    struct req r = {0};
    add(&r, 1);
    req_add(&r,
            "{\"id\":\"6d0c0000-0000-4000-8000-00000000ffff\",\"actor\":{\"mbox\":\"mailto:a@"
            "example.org\"},\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/voided\"},"
            "\"object\":{\"objectType\":\"StatementRef\",\"id\":\"6d0c0000-0000-4000-8000-"
            "000000000004\"}}",
            true, NULL);
    CHECK_INT(insert(s, &r, &err), GW_OK);
    req_clear(&r);
    add(&r, 1);
    add(&r, 4);
    add(&r, 5);
    CHECK_INT(insert(s, &r, &err), GW_OK);
    CHECK_INT(r.items[0].seq, 0);
    CHECK(r.items[1].seq > 0 && r.items[2].seq > 0);
    req_clear(&r);
    add(&r, 6);
    add(&r, 7);
    CHECK_INT(insert(s, &r, &err), GW_OK);
    req_clear(&r);
    /* a new request (bulk on PostgreSQL) with a voided-first statement */
    req_add(&r,
            "{\"id\":\"6d0c0000-0000-4000-8000-00000000fffe\",\"actor\":{\"mbox\":\"mailto:a@"
            "example.org\"},\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/voided\"},"
            "\"object\":{\"objectType\":\"StatementRef\",\"id\":\"6d0c0000-0000-4000-8000-"
            "000000000008\"}}",
            true, NULL);
    CHECK_INT(insert(s, &r, &err), GW_OK);
    req_clear(&r);
    add(&r, 8);
    add(&r, 9);
    CHECK_INT(insert(s, &r, &err), GW_OK);
    CHECK(r.items[0].seq > 0);
    CHECK(r.items[0].voided);
    CHECK(!r.items[1].voided);
    req_clear(&r);
    char *d = dump(s);
    REQUIRE(d);
    CHECK(strstr(d, "|6d0c0000-0000-4000-8000-000000000004|") != NULL);
    const char *v = strstr(d, "|6d0c0000-0000-4000-8000-000000000008|1780000000000|");
    CHECK(v && strstr(v, "|1|-|klms|") != NULL && strstr(v, "|1|-|klms|") < strchr(v, '\n'));
    const char *w = strstr(d, "|6d0c0000-0000-4000-8000-000000000009|1780000000000|");
    CHECK(w && strstr(w, "|0|-|klms|") != NULL && strstr(w, "|0|-|klms|") < strchr(w, '\n'));
    free(d);
    CHECK_INT(rows(s), 9);
    gw_store_close(s);
}

/* Id-less statements of a deduplicating key: one that matches a stored
 * statement's signature within the window answers the stored id. */
static void test_dedup_in_a_request(void)
{
    struct gw_store *s = fresh_world();
    REQUIRE(s);
    struct gw_error err;
    struct req r = {0};
    char *json = statement(1, true);
    req_add(&r, json, false, "sig-one");
    free(json);
    json = statement(2, true);
    req_add(&r, json, false, "sig-two");
    free(json);
    CHECK_INT(insert(s, &r, &err), GW_OK);
    CHECK(r.items[0].seq > 0 && r.items[1].seq > 0);
    req_clear(&r);
    json = statement(3, false);
    req_add(&r, json, false, "sig-three");
    free(json);
    json = statement(4, false);
    req_add(&r, json, false, "sig-two");
    free(json);
    CHECK_INT(insert(s, &r, &err), GW_OK);
    CHECK(r.items[0].seq > 0);
    CHECK_INT(r.items[1].seq, 0);
    CHECK_STR(r.items[1].final_id, "6d0c0000-0000-4000-8000-000000000002");
    req_clear(&r);
    /* two of one signature in one request: the second is the first's */
    json = statement(5, false);
    req_add(&r, json, false, "sig-five");
    free(json);
    json = statement(6, false);
    req_add(&r, json, false, "sig-five");
    free(json);
    CHECK_INT(insert(s, &r, &err), GW_OK);
    CHECK(r.items[0].seq > 0);
    CHECK_INT(r.items[1].seq, 0);
    CHECK_STR(r.items[1].final_id, r.items[0].id);
    req_clear(&r);
    CHECK_INT(rows(s), 4);
    gw_store_close(s);
}

/* Two writers (two instances: each its own connection) post requests that
 * share one id each round: the same statement is stored once and answered
 * to both; another body under it is stored for one and a conflict for the
 * other, whose whole request is then not stored. */
struct writer {
    struct gw_store *s;
    int t;
    bool other_body;
    enum gw_err rc[ROUNDS];
};

static void *writer_main(void *ud)
{
    struct writer *w = ud;
    for (int k = 0; k < ROUNDS; k++) {
        struct req r = {0};
        char *json = statement(100 + k, true);
        if (w->other_body && w->t == 1)
            json[strlen(json) - 4] = '7';
        req_add(&r, json, true, NULL);
        free(json);
        add(&r, 200 + 2 * k + w->t);
        struct gw_error err;
        w->rc[k] = insert(w->s, &r, &err);
        req_clear(&r);
    }
    return NULL;
}

static void race(bool other_body)
{
    struct gw_store *s = fresh_world();
    REQUIRE(s);
    struct writer w[2];
    pthread_t th[2];
    for (int t = 0; t < 2; t++) {
        w[t] = (struct writer){.s = s, .t = t, .other_body = other_body};
        pthread_create(&th[t], NULL, writer_main, &w[t]);
    }
    for (int t = 0; t < 2; t++)
        pthread_join(th[t], NULL);
    int ok = 0, conflict = 0;
    for (int k = 0; k < ROUNDS; k++) {
        for (int t = 0; t < 2; t++) {
            ok += w[t].rc[k] == GW_OK;
            conflict += w[t].rc[k] == GW_E_XAPI_ID_CONFLICT;
        }
        if (other_body)
            CHECK((w[0].rc[k] == GW_OK) != (w[1].rc[k] == GW_OK));
    }
    CHECK_INT(ok, other_body ? ROUNDS : 2 * ROUNDS);
    CHECK_INT(conflict, other_body ? ROUNDS : 0);
    CHECK_INT(rows(s), other_body ? 2 * ROUNDS : 3 * ROUNDS);
    gw_store_close(s);
}

static void test_same_id_from_two_writers(void)
{
    race(false);
}

static void test_conflicting_id_from_two_writers(void)
{
    race(true);
}

/* Two instances (two stores, each its own pool) on one database post, round
 * after round at the same time, group commits whose requests bring the same
 * new activity IRIs and agents in opposite orders (issue 17). Interned in
 * the acknowledging transaction, each instance held the terms of its first
 * requests while it waited for the other's: deadlocks, each costing
 * PostgreSQL's deadlock_timeout and a retry of the whole group commit. Every
 * statement must be stored once, every round answered, every side row's
 * term stored, and (PostgreSQL) the database must count no deadlock. */
enum { TERM_ROUNDS = 20, TERM_REQS = 6 };

struct terms_writer {
    struct gw_store *s;
    int t;
    pthread_barrier_t *bar;
    enum gw_err rc[TERM_ROUNDS];
};

struct term_run {
    struct req r[TERM_REQS];
};

/* The requests of one group commit, in one transaction as batch.c runs
 * them. */
static enum gw_qs term_run_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct term_run *tr = ud;
    for (int j = 0; j < TERM_REQS; j++) {
        enum gw_qs qs = gw_store_xapi_insert(db, &tr->r[j].ins, T0, err);
        if (qs < 0)
            return qs;
    }
    return GW_QS_ONE;
}

/* Statement m of request j of round k from instance t; o is the request's
 * place in the common order of its new terms (actor, object, parent), which
 * no other request of the round shares: the two instances meet in the
 * middle, each holding what the other needs next. */
static char *term_statement(int k, int t, int j, int o, int m)
{
    char *s = NULL;
    int n = asprintf(&s,
                     "{\"id\":\"7e000000-0000-4%03d-8%03d-%012d\","
                     "\"actor\":{\"account\":{\"homePage\":\"https://lms.example\","
                     "\"name\":\"r%d-l%d\"}},"
                     "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/experienced\"},"
                     "\"object\":{\"id\":\"https://t.example/r%d/%c%d\"},"
                     "\"context\":{\"contextActivities\":{\"parent\":[{\"id\":"
                     "\"https://t.example/r%d/p%d\"}]}},"
                     "\"timestamp\":\"2026-05-01T10:00:00.000Z\"}",
                     t * 100 + j, m, k, k, o, k, m ? 'b' : 'a', o, k, o);
    return n < 0 ? NULL : s;
}

static void *terms_writer_main(void *ud)
{
    struct terms_writer *w = ud;
    for (int k = 0; k < TERM_ROUNDS; k++) {
        struct term_run *tr = gw_xcalloc(1, sizeof *tr);
        for (int j = 0; j < TERM_REQS; j++) {
            int o = w->t ? TERM_REQS - 1 - j : j; /* the other instance: reversed */
            /* every third request has one statement (the statement by
             * statement path), the others two (the set-wise path) */
            for (int m = 0; m < (j % 3 == 2 ? 1 : 2); m++) {
                char *json = term_statement(k, w->t, j, o, m);
                req_add(&tr->r[j], json, true, NULL);
                free(json);
            }
        }
        pthread_barrier_wait(w->bar);
        struct gw_error err;
        w->rc[k] = gw_store_tx(w->s, GW_TX_WRITE, term_run_tx, tr, &err);
        if (w->rc[k] != GW_OK)
            fprintf(stderr, "  instance %d round %d: %s\n", w->t, k, err.detail);
        for (int j = 0; j < TERM_REQS; j++)
            req_clear(&tr->r[j]);
        free(tr);
    }
    return NULL;
}

struct scalar_q {
    const char *sql;
    int64_t v;
};

static enum gw_qs scalar_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct scalar_q *q = ud;
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, q->sql, NULL, 0, &r, NULL, err);
    q->v = qs == GW_QS_ONE ? gw_db_col_int(r, 0) : -1;
    gw_db_rows_free(r);
    return qs;
}

static int64_t scalar(struct gw_store *s, const char *sql)
{
    struct scalar_q q = {sql, -1};
    struct gw_error err;
    if (gw_store_tx(s, GW_TX_READ, scalar_tx, &q, &err) != GW_OK)
        fprintf(stderr, "  %s: %s\n", sql, err.detail);
    return q.v;
}

/* The deadlocks PostgreSQL counted in this database; a backend reports its
 * count when it goes idle or exits, so this waits for the figure to settle. */
static int64_t deadlocks(const char *dsn)
{
    struct gw_error err;
    int64_t v = -1;
    for (int i = 0; i < 8; i++) {
        struct gw_store *s = gw_store_open(dsn, NULL, &err);
        if (!s)
            return -1;
        int64_t now = scalar(s, "SELECT deadlocks FROM pg_stat_database WHERE datname = "
                                "current_database()");
        gw_store_close(s);
        if (now > v)
            v = now;
        struct timespec ts = {0, 250 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return v;
}

static void test_new_terms_from_two_instances(void)
{
    char *dsn = GW_TEST_PG ? gwt_pg_fresh_dsn() : gwt_fmt("sqlite:%s/terms.db", tmpdir);
    REQUIRE(dsn);
    struct gw_error err;
    struct gw_store *s[2];
    for (int t = 0; t < 2; t++) {
        s[t] = gw_store_open(dsn, NULL, &err);
        REQUIRE(s[t]);
    }
    REQUIRE(gw_store_migrate(s[0], NULL, &err) == GW_OK);
    REQUIRE(gw_store_tx(s[0], GW_TX_WRITE, script, (void *)world, &err) == GW_OK);
    int64_t before = GW_TEST_PG ? deadlocks(dsn) : 0;
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, 2);
    struct terms_writer w[2];
    pthread_t th[2];
    for (int t = 0; t < 2; t++) {
        w[t] = (struct terms_writer){.s = s[t], .t = t, .bar = &bar};
        pthread_create(&th[t], NULL, terms_writer_main, &w[t]);
    }
    for (int t = 0; t < 2; t++)
        pthread_join(th[t], NULL);
    pthread_barrier_destroy(&bar);
    int ok = 0;
    uint64_t retries = 0;
    for (int t = 0; t < 2; t++) {
        for (int k = 0; k < TERM_ROUNDS; k++)
            ok += w[t].rc[k] == GW_OK;
        struct gw_store_stats st;
        gw_store_stats(s[t], &st);
        retries += st.tx_retries_total;
    }
    CHECK_INT(ok, 2 * TERM_ROUNDS);
    int64_t stored = 2 * TERM_ROUNDS * (TERM_REQS / 3) * 5; /* 2 + 2 + 1 per three requests */
    CHECK_INT(scalar(s[0], "SELECT COUNT(*) FROM xapi_statements"), stored);
    CHECK_INT(scalar(s[0], "SELECT COUNT(DISTINCT id) FROM xapi_statements"), stored);
    /* object, parent and actor of every statement, each with a stored term */
    CHECK_INT(scalar(s[0], "SELECT COUNT(*) FROM xapi_statement_activity_rids a JOIN xapi_terms "
                           "t ON t.rid = a.rid"),
              2 * stored);
    CHECK_INT(scalar(s[0], "SELECT COUNT(*) FROM xapi_statement_agent_rids a JOIN xapi_terms t "
                           "ON t.rid = a.rid WHERE a.role = 1"),
              stored);
    for (int t = 0; t < 2; t++)
        gw_store_close(s[t]);
    if (GW_TEST_PG) {
        int64_t after = deadlocks(dsn);
        fprintf(stderr, "  deadlocks %lld, retried transactions %llu\n",
                (long long)(after - before), (unsigned long long)retries);
        CHECK(before >= 0);
        CHECK_INT(after - before, 0);
    }
    free(dsn);
}

/* The same twelve statements, one request of twelve against twelve
 * requests of one: the same rows everywhere (seqs included). */
static void test_bulk_equals_one_by_one(void)
{
    struct gw_store *a = fresh(), *b = fresh();
    REQUIRE(a && b);
    struct gw_error err;
    REQUIRE(gw_store_tx(a, GW_TX_WRITE, script, (void *)world, &err) == GW_OK);
    REQUIRE(gw_store_tx(b, GW_TX_WRITE, script, (void *)world, &err) == GW_OK);
    struct req r = {0};
    for (int i = 0; i < 12; i++) {
        char *json = statement(i, i % 2 == 0);
        req_add(&r, json, i % 2 == 0, NULL);
        free(json);
    }
    CHECK_INT(insert(a, &r, &err), GW_OK);
    for (size_t i = 1; i < r.ins.n; i++)
        CHECK(r.items[i].seq > r.items[i - 1].seq); /* in the request's order */
    for (size_t i = 0; i < r.ins.n; i++) {
        struct req one = {0};
        char *json = statement((int)i, i % 2 == 0);
        req_add(&one, json, i % 2 == 0, NULL);
        free(json);
        CHECK_STR(one.items[0].id, r.items[i].id);
        CHECK_INT(insert(b, &one, &err), GW_OK);
        CHECK_INT(one.items[0].seq, r.items[i].seq);
        req_clear(&one);
    }
    req_clear(&r);
    char *da = dump(a), *db = dump(b);
    REQUIRE(da && db);
    CHECK(strlen(da) > 2000);
    CHECK_STR(da, db);
    free(da);
    free(db);
    gw_store_close(a);
    gw_store_close(b);
}

/* ---- through the group-commit writer ---- */

static int64_t fixed_now(void *ud)
{
    (void)ud;
    return T0;
}

/* A first job holds the writer until released, so that every job
 * submitted meanwhile goes into the next group commit together. */
struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool running, open;
};

static enum gw_qs gate_fn(struct gw_db *db, void *ud, struct gw_error *err)
{
    (void)db;
    (void)err;
    struct gate *g = ud;
    pthread_mutex_lock(&g->mu);
    g->running = true;
    pthread_cond_broadcast(&g->cv);
    while (!g->open)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
    return GW_QS_NONE;
}

struct job {
    struct gw_batch_job job;
    struct req r;
    pthread_mutex_t *mu;
    pthread_cond_t *cv;
    int *left;
};

static enum gw_qs job_fn(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct job *j = ud;
    return gw_store_xapi_insert(db, &j->r.ins, j->job.batch_ms, err);
}

static void job_done(struct gw_batch_job *job)
{
    struct job *j = job->ud;
    pthread_mutex_lock(j->mu);
    (*j->left)--;
    pthread_cond_signal(j->cv);
    pthread_mutex_unlock(j->mu);
}

enum { GROUP = 7 };

/* A statement with id ...0000000<n> that voids statement target. */
static void add_voiding(struct req *r, int n, int target)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"id\":\"6d0c0000-0000-4000-8000-0000000%05d\",\"actor\":{\"mbox\":\"mailto:a@"
             "example.org\"},\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/voided\"},"
             "\"object\":{\"objectType\":\"StatementRef\",\"id\":\"6d0c0000-0000-4000-8000-"
             "%012d\"}}",
             n, target);
    req_add(r, json, true, NULL);
}

/* Request k of the group: bulk requests, a lone statement, one that voids a
 * statement of the first request (which goes statement by statement, after
 * the earlier requests' index rows), one statement voided before it comes,
 * and a statement whose id conflicts with one stored (that job alone fails:
 * the group commit runs again, each job under a savepoint). */
static void group_request(struct req *r, int k)
{
    switch (k) {
    case 0: /* statements 0..4 */
    case 2: /* 5..9 */
        for (int i = 5 * (k / 2); i < 5 * (k / 2) + 5; i++)
            add(r, i);
        break;
    case 1: /* a lone statement */
        add(r, 20);
        break;
    case 3: /* voids statement 1 of request 0, and stores 21 */
        add_voiding(r, 90001, 1);
        add(r, 21);
        break;
    case 4: /* voids 23, which comes in request 5 */
        add_voiding(r, 90002, 23);
        break;
    case 5: /* 22 and 23 */
        add(r, 22);
        add(r, 23);
        break;
    default: { /* 24, and statement 2 with another timestamp: a conflict */
        add(r, 24);
        char *json = statement(2, true);
        json[strlen(json) - 4] = '1';
        req_add(r, json, true, NULL);
        free(json);
        break;
    }
    }
}

static enum gw_err group_outcome(int k)
{
    return k == GROUP - 1 ? GW_E_XAPI_ID_CONFLICT : GW_OK;
}

/* The requests of one group commit leave the rows they leave one request
 * per transaction: on PostgreSQL the set-wise requests' index rows and KPI
 * work wait for the end of the group commit (or for a request that goes
 * statement by statement) and are written once. */
static void test_group_commit_equals_one_by_one(void)
{
    struct gw_store *a = fresh(), *b = fresh();
    REQUIRE(a && b);
    struct gw_error err;
    REQUIRE(gw_store_tx(a, GW_TX_WRITE, script, (void *)world, &err) == GW_OK);
    REQUIRE(gw_store_tx(b, GW_TX_WRITE, script, (void *)world, &err) == GW_OK);
    for (int k = 0; k < GROUP; k++) {
        struct req r = {0};
        group_request(&r, k);
        CHECK_INT(insert(b, &r, &err), group_outcome(k));
        req_clear(&r);
    }

    struct gw_batcher *w = gw_batcher_new(a, 64, fixed_now, NULL);
    struct gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false};
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
    int left = GROUP;
    struct job *jobs = calloc(GROUP, sizeof *jobs);
    REQUIRE(jobs);
    struct gw_batch_job gate_batch = {.fn = gate_fn, .ud = &g}; /* a group commit of its own */
    gw_batcher_submit(w, &gate_batch);
    pthread_mutex_lock(&g.mu);
    while (!g.running)
        pthread_cond_wait(&g.cv, &g.mu);
    pthread_mutex_unlock(&g.mu);
    for (int k = 0; k < GROUP; k++) {
        group_request(&jobs[k].r, k);
        jobs[k].mu = &mu;
        jobs[k].cv = &cv;
        jobs[k].left = &left;
        jobs[k].job.fn = job_fn;
        jobs[k].job.done = job_done;
        jobs[k].job.ud = &jobs[k];
        gw_batcher_submit(w, &jobs[k].job);
    }
    pthread_mutex_lock(&g.mu);
    g.open = true;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    pthread_mutex_lock(&mu);
    while (left > 0)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    struct gw_batcher_stats st;
    gw_batcher_stats(w, &st);
    gw_batcher_free(w);
    CHECK_INT((int64_t)st.max_jobs_seen, GROUP); /* the requests in one group commit */
    CHECK_INT((int64_t)st.batches, 2);           /* the gate's and theirs */
    for (int k = 0; k < GROUP; k++) {
        CHECK_INT(jobs[k].job.rc, group_outcome(k));
        req_clear(&jobs[k].r);
    }
    free(jobs);

    char *da = dump(a), *db = dump(b);
    REQUIRE(da && db);
    CHECK(strlen(da) > 2000);
    CHECK_STR(da, db);
    /* statement 1 voided by request 3, 23 stored voided (request 4 came first) */
    for (int i = 0; i < 2; i++) {
        const char *v = strstr(da, i ? "st|6d0c0000-0000-4000-8000-000000000023|"
                                     : "st|6d0c0000-0000-4000-8000-000000000001|");
        CHECK(v && strstr(v, "|1|-|klms|") != NULL && strstr(v, "|1|-|klms|") < strchr(v, '\n'));
    }
    free(da);
    free(db);
    gw_store_close(a);
    gw_store_close(b);
}

int main(void)
{
    tmpdir = gwt_tmpdir("xapi_bulk");
    GW_RUN(test_bulk_equals_one_by_one);
    GW_RUN(test_duplicate_ids_in_one_request);
    GW_RUN(test_same_id_in_one_group_commit);
    GW_RUN(test_replay_and_voided_in_a_request);
    GW_RUN(test_dedup_in_a_request);
    GW_RUN(test_same_id_from_two_writers);
    GW_RUN(test_conflicting_id_from_two_writers);
    GW_RUN(test_new_terms_from_two_instances);
    GW_RUN(test_group_commit_equals_one_by_one);
    gwt_rmtree(tmpdir);
    free(tmpdir);
    return gw_test_summary();
}
