/* The store contract: every backend must behave the same. Compiled twice,
 * with GW_TEST_PG=0 (SQLite in a temporary file) and GW_TEST_PG=1 (a fresh
 * database on the throwaway PostgreSQL server). */
#include "gw/kpi_app.h"
#include "gw/kpi_store.h"
#include "gw/store.h"
#include "gw/xapi_store.h"
#include "gwtest.h"
#include "testsupport.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *tmpdir;

/* A new, empty store for one test case. */
static struct gw_store *fresh_store(void)
{
    return gwt_fresh_store(tmpdir, GW_TEST_PG);
}

static void test_migrate(void)
{
    struct gw_store *s = fresh_store();
    REQUIRE(s);
    struct gw_error err;
    int applied = -1, dbv = -1, known = -1;
    CHECK_INT(gw_store_schema_version(s, &dbv, &known, &err), GW_OK);
    CHECK_INT(dbv, 0);
    CHECK(known >= 1);
    CHECK_INT(gw_store_migrate(s, &applied, &err), GW_OK);
    CHECK_INT(applied, GW_TEST_PG ? gw_migrations_postgres_count : gw_migrations_sqlite_count);
    CHECK_INT(gw_store_migrate(s, &applied, &err), GW_OK);
    CHECK_INT(applied, 0);
    CHECK_INT(gw_store_schema_version(s, &dbv, &known, &err), GW_OK);
    CHECK_INT(dbv, known);
    CHECK(gw_store_ping(s));
    gw_store_close(s);
}

/* Migrations are identified by their number: one merged later with a lower
 * number than the newest applied is still applied, once. */
static void test_migrations_by_number(void)
{
    struct gw_store *s = fresh_store();
    REQUIRE(s);
    struct gw_error err;
    const struct gw_migration first[] = {
        {"0001_a.sql", "CREATE TABLE mig_a (x INTEGER)"},
        {"0003_c.sql", "CREATE TABLE mig_c (x INTEGER)"},
    };
    const struct gw_migration later[] = {
        {"0001_a.sql", "CREATE TABLE mig_a (x INTEGER)"},
        {"0002_b.sql", "CREATE TABLE mig_b (x INTEGER)"},
        {"0003_c.sql", "CREATE TABLE mig_c (x INTEGER)"},
    };
    int applied = -1;
    CHECK_INT(gw_store_migrate_list(s, first, 2, &applied, &err), GW_OK);
    CHECK_INT(applied, 2);
    CHECK_INT(gw_store_migrate_list(s, later, 3, &applied, &err), GW_OK);
    CHECK_INT(applied, 1); /* only 0002 */
    CHECK_INT(gw_store_migrate_list(s, later, 3, &applied, &err), GW_OK);
    CHECK_INT(applied, 0);
    /* a binary that knows only up to 0002 refuses this database */
    CHECK_INT(gw_store_migrate_list(s, later, 2, &applied, &err), GW_E_STORE_SCHEMA_NEWER);
    gw_store_close(s);
}

static enum gw_qs mark_newer(struct gw_db *db, void *ud, struct gw_error *err)
{
    (void)ud;
    struct gw_dbp p[] = {GW_P_INT(9999)};
    return gw_db_query(db,
                       "INSERT INTO schema_migrations (version, name, applied_ms) "
                       "VALUES ($1, 'future.sql', 0)",
                       p, 1, NULL, NULL, err);
}

static void test_refuses_newer_schema(void)
{
    struct gw_store *s = fresh_store();
    REQUIRE(s);
    struct gw_error err;
    CHECK_INT(gw_store_migrate(s, NULL, &err), GW_OK);
    CHECK_INT(gw_store_tx(s, GW_TX_WRITE, mark_newer, NULL, &err), GW_OK);
    CHECK_INT(gw_store_migrate(s, NULL, &err), GW_E_STORE_SCHEMA_NEWER);
    CHECK(strstr(err.detail, "9999") != NULL);
    gw_store_close(s);
}

static void test_keys(void)
{
    struct gw_store *s = fresh_store();
    REQUIRE(s);
    struct gw_error err;
    REQUIRE(gw_store_migrate(s, NULL, &err) == GW_OK);
    struct gw_key k = {.key_id = "kabc", .name = "ops", .role = "admin", .created_ms = 1000};
    memset(k.secret_hash, 'a', 64);
    CHECK_INT(gw_store_key_insert(s, &k, &err), GW_OK);
    CHECK_INT(gw_store_key_insert(s, &k, &err), GW_E_CONFLICT); /* same id twice */
    struct gw_key bad = k;
    snprintf(bad.key_id, sizeof bad.key_id, "kbad");
    snprintf(bad.role, sizeof bad.role, "root");
    CHECK_INT(gw_store_key_insert(s, &bad, &err), GW_E_CONFLICT); /* CHECK constraint */
    struct gw_key got;
    CHECK_INT(gw_store_key_get(s, "kabc", &got, &err), GW_OK);
    CHECK_STR(got.name, "ops");
    CHECK_STR(got.role, "admin");
    CHECK_INT(got.created_ms, 1000);
    CHECK_INT(got.revoked_ms, 0);
    CHECK_INT(strlen(got.secret_hash), 64);
    CHECK_INT(gw_store_key_get(s, "nope", &got, &err), GW_E_NOT_FOUND);
    CHECK_STR(err.where, "key_id");

    struct gw_key k2 = k;
    snprintf(k2.key_id, sizeof k2.key_id, "kdef");
    snprintf(k2.role, sizeof k2.role, "bi");
    k2.created_ms = 2000;
    CHECK_INT(gw_store_key_insert(s, &k2, &err), GW_OK);
    struct gw_key *list = NULL;
    size_t nkeys = 0;
    CHECK_INT(gw_store_key_list(s, &list, &nkeys, &err), GW_OK);
    REQUIRE(list);
    CHECK_INT(nkeys, 2);
    CHECK_STR(list[0].key_id, "kdef");
    CHECK_STR(list[0].secret_hash, ""); /* never listed */
    CHECK_STR(list[1].key_id, "kabc");
    free(list);

    CHECK_INT(gw_store_key_revoke(s, "kabc", 5000, &err), GW_OK);
    CHECK_INT(gw_store_key_revoke(s, "kabc", 6000, &err), GW_E_NOT_FOUND);
    CHECK_INT(gw_store_key_get(s, "kabc", &got, &err), GW_OK);
    CHECK_INT(got.revoked_ms, 5000);
    gw_store_close(s);
}

/* ---- the transaction runner ---- */

static enum gw_qs create_counter(struct gw_db *db, void *ud, struct gw_error *err)
{
    (void)ud;
    enum gw_qs qs = gw_db_exec_script(
        db, "CREATE TABLE counter (id INTEGER PRIMARY KEY, n BIGINT NOT NULL, note TEXT, x REAL)",
        err);
    if (qs < 0)
        return qs;
    return gw_db_query(db, "INSERT INTO counter (id, n, note, x) VALUES (1, 0, NULL, 0.5)", NULL, 0,
                       NULL, NULL, err);
}

static enum gw_qs increment(struct gw_db *db, void *ud, struct gw_error *err)
{
    (void)ud;
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, "SELECT n FROM counter WHERE id = 1", NULL, 0, &r, NULL, err);
    int64_t n = qs == GW_QS_ONE ? gw_db_col_int(r, 0) : -1;
    gw_db_rows_free(r);
    if (qs < 0)
        return qs;
    struct gw_dbp p[] = {GW_P_INT(n + 1)};
    return gw_db_query(db, "UPDATE counter SET n = $1 WHERE id = 1", p, 1, NULL, NULL, err);
}

static enum gw_qs read_counter(struct gw_db *db, void *ud, struct gw_error *err)
{
    int64_t *out = ud;
    struct gw_db_rows *r = NULL;
    enum gw_qs qs =
        gw_db_query(db, "SELECT n, note, x FROM counter WHERE id = 1", NULL, 0, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        *out = gw_db_col_int(r, 0);
        if (!gw_db_col_null(r, 1) || gw_db_col_text(r, 1) != NULL || gw_db_col_real(r, 2) != 0.5)
            *out = -1;
    }
    gw_db_rows_free(r);
    return qs;
}

struct worker {
    struct gw_store *s;
    int rounds;
    int failures;
};

static void *hammer(void *ud)
{
    struct worker *w = ud;
    for (int i = 0; i < w->rounds; i++) {
        struct gw_error err;
        if (gw_store_tx(w->s, GW_TX_WRITE, increment, NULL, &err) != GW_OK) {
            fprintf(stderr, "  increment failed: %s\n", err.detail);
            w->failures++;
        }
    }
    return NULL;
}

/* Read-modify-write from several threads must lose no update: SQLite
 * serializes writers, PostgreSQL's SERIALIZABLE conflicts are retried. */
static void test_concurrent_writers(void)
{
    struct gw_store *s = fresh_store();
    REQUIRE(s);
    struct gw_error err;
    REQUIRE(gw_store_tx(s, GW_TX_WRITE, create_counter, NULL, &err) == GW_OK);
    enum { THREADS = 4, ROUNDS = 40 };
    pthread_t th[THREADS];
    struct worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){s, ROUNDS, 0};
        pthread_create(&th[i], NULL, hammer, &w[i]);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(w[i].failures, 0);
    }
    int64_t n = 0;
    CHECK_INT(gw_store_tx(s, GW_TX_READ, read_counter, &n, &err), GW_OK);
    CHECK_INT(n, THREADS * ROUNDS);
    struct gw_store_stats st;
    gw_store_stats(s, &st);
    CHECK(st.tx_total >= THREADS * ROUNDS);
    CHECK_INT(st.in_use, 0);
    gw_store_close(s);
}

struct flaky {
    int calls;
    int fail_times;
    enum gw_qs how;
};

static enum gw_qs flaky_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct flaky *f = ud;
    f->calls++;
    enum gw_qs qs =
        gw_db_query(db, "UPDATE counter SET n = n + 100 WHERE id = 1", NULL, 0, NULL, NULL, err);
    if (qs < 0)
        return qs;
    if (f->calls <= f->fail_times) {
        gw_error_set(err, f->how == GW_QS_HARD ? GW_E_NOT_FOUND : GW_E_STORE_RETRY_EXHAUSTED, "x",
                     "injected");
        return f->how;
    }
    return qs;
}

static void test_rollback_and_retry(void)
{
    struct gw_store *s = fresh_store();
    REQUIRE(s);
    struct gw_error err;
    REQUIRE(gw_store_tx(s, GW_TX_WRITE, create_counter, NULL, &err) == GW_OK);
    /* a hard failure rolls back the update and returns the body's code */
    struct flaky hard = {0, 1, GW_QS_HARD};
    CHECK_INT(gw_store_tx(s, GW_TX_WRITE, flaky_body, &hard, &err), GW_E_NOT_FOUND);
    CHECK_STR(err.where, "x");
    CHECK_INT(hard.calls, 1);
    int64_t n = -1;
    CHECK_INT(gw_store_tx(s, GW_TX_READ, read_counter, &n, &err), GW_OK);
    CHECK_INT(n, 0);
    /* soft failures are retried; only the last attempt's update remains */
    struct flaky soft = {0, 3, GW_QS_SOFT};
    CHECK_INT(gw_store_tx(s, GW_TX_WRITE, flaky_body, &soft, &err), GW_OK);
    CHECK_INT(soft.calls, 4);
    CHECK_INT(gw_store_tx(s, GW_TX_READ, read_counter, &n, &err), GW_OK);
    CHECK_INT(n, 100);
    struct gw_store_stats st;
    gw_store_stats(s, &st);
    CHECK(st.tx_retries_total >= 3);
    /* retries are bounded */
    struct flaky forever = {0, 1000, GW_QS_SOFT};
    CHECK_INT(gw_store_tx(s, GW_TX_WRITE, flaky_body, &forever, &err), GW_E_STORE_RETRY_EXHAUSTED);
    CHECK(forever.calls > 1 && forever.calls < 100);
    gw_store_close(s);
}

static enum gw_qs many_rows(struct gw_db *db, void *ud, struct gw_error *err)
{
    int *count = ud;
    enum gw_qs qs = gw_db_exec_script(db, "CREATE TABLE rowsx (k TEXT PRIMARY KEY, v BIGINT)", err);
    for (int i = 0; i < 25 && qs >= 0; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%02d", i);
        struct gw_dbp p[] = {GW_P_TEXT(k), GW_P_INT(i * i)};
        qs = gw_db_query(db, "INSERT INTO rowsx (k, v) VALUES ($1, $2)", p, 2, NULL, NULL, err);
    }
    if (qs < 0)
        return qs;
    /* a parameter used twice and out of order */
    struct gw_dbp p[] = {GW_P_INT(100), GW_P_TEXT("k05")};
    struct gw_db_rows *r = NULL;
    qs = gw_db_query(db, "SELECT k, v FROM rowsx WHERE k >= $2 AND v <= $1 AND v <= $1 ORDER BY k",
                     p, 2, &r, NULL, err);
    *count = 0;
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r))
        (*count)++;
    gw_db_rows_free(r);
    int64_t changes = 0;
    qs = gw_db_query(db, "DELETE FROM rowsx WHERE v > 100", NULL, 0, NULL, &changes, err);
    if (changes != 14)
        *count = -1;
    return qs;
}

static void test_rows_and_params(void)
{
    struct gw_store *s = fresh_store();
    REQUIRE(s);
    struct gw_error err;
    int count = 0;
    CHECK_INT(gw_store_tx(s, GW_TX_WRITE, many_rows, &count, &err), GW_OK);
    CHECK_INT(count, 6); /* k05..k10 have v <= 100 */
    gw_store_close(s);
}

/* Migration 0010 moves the statement side tables onto interned terms: rows
 * written by a 0009 database come through with the same meaning. */
static enum gw_qs old_side_rows(struct gw_db *db, void *ud, struct gw_error *err)
{
    (void)ud;
    return gw_db_exec_script(
        db,
        "INSERT INTO xapi_statement_activities (activity_id, seq, role) VALUES "
        "('https://x.example/c1', 1, 'object'), ('https://x.example/c1', 2, 'parent'), "
        "('https://x.example/c2', 2, 'sub_other'); "
        "INSERT INTO xapi_statement_agents (agent_key, seq, role) VALUES "
        "('mbox:mailto:a@example.org', 1, 'actor'), ('mbox:mailto:a@example.org', 2, "
        "'sub_context'), ('https://x.example/c1', 2, 'member');",
        err);
}

static enum gw_qs converted(struct gw_db *db, void *ud, struct gw_error *err)
{
    char *out = ud;
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(
        db,
        "SELECT 'act', t.term, a.seq, a.role FROM xapi_statement_activity_rids a JOIN xapi_terms "
        "t ON t.rid = a.rid UNION ALL SELECT 'agt', t.term, g.seq, g.role FROM "
        "xapi_statement_agent_rids g JOIN xapi_terms t ON t.rid = g.rid ORDER BY 1, 2, 3",
        NULL, 0, &r, NULL, err);
    out[0] = '\0';
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        size_t len = strlen(out);
        snprintf(out + len, 1024 - len, "%s %s %lld %lld;", gw_db_col_text(r, 0),
                 gw_db_col_text(r, 1), (long long)gw_db_col_int(r, 2),
                 (long long)gw_db_col_int(r, 3));
    }
    gw_db_rows_free(r);
    return qs;
}

static void test_migration_0010_converts_side_rows(void)
{
    struct gw_store *s = fresh_store();
    REQUIRE(s);
    const struct gw_migration *all = GW_TEST_PG ? gw_migrations_postgres : gw_migrations_sqlite;
    int n = GW_TEST_PG ? gw_migrations_postgres_count : gw_migrations_sqlite_count;
    int upto = 0;
    while (upto < n && strncmp(all[upto].name, "0010", 4) < 0)
        upto++;
    REQUIRE(upto == 9);
    struct gw_error err;
    int applied = 0;
    REQUIRE(gw_store_migrate_list(s, all, upto, &applied, &err) == GW_OK);
    REQUIRE(gw_store_tx(s, GW_TX_WRITE, old_side_rows, NULL, &err) == GW_OK);
    CHECK_INT(gw_store_migrate(s, &applied, &err), GW_OK);
    char out[1024];
    CHECK_INT(gw_store_tx(s, GW_TX_READ, converted, out, &err), GW_OK);
    /* roles: activities object 1, parent 2, other 5 (+8 in a SubStatement);
     * agents actor 1, context 4, member 5 (+8) */
    CHECK_STR(out, "act https://x.example/c1 1 1;act https://x.example/c1 2 2;"
                   "act https://x.example/c2 2 13;agt https://x.example/c1 2 5;"
                   "agt mbox:mailto:a@example.org 1 1;agt mbox:mailto:a@example.org 2 12;");
    gw_store_close(s);
}

/* Migration 0011 moves the registration filter onto a side table: the
 * registrations of statements stored by a 0010 database come through. */
static enum gw_qs old_statements(struct gw_db *db, void *ud, struct gw_error *err)
{
    (void)ud;
    return gw_db_exec_script(
        db,
        "INSERT INTO xapi_statements (id, stored_ms, timestamp_ms, verb_id, object_type, "
        "registration, authority_key, body) VALUES "
        "('00000000-0000-4000-8000-000000000001', 1, 1, 'https://v.example/a', 'Activity', "
        "'11111111-1111-4111-8111-111111111111', 'k', '{}'), "
        "('00000000-0000-4000-8000-000000000002', 2, 2, 'https://v.example/a', 'Activity', NULL, "
        "'k', '{}'), "
        "('00000000-0000-4000-8000-000000000003', 3, 3, 'https://v.example/a', 'Activity', "
        "'11111111-1111-4111-8111-111111111111', 'k', '{}');",
        err);
}

static enum gw_qs registrations(struct gw_db *db, void *ud, struct gw_error *err)
{
    char *out = ud;
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT r.registration, s.id FROM xapi_statement_registrations r "
                                "JOIN xapi_statements s ON s.seq = r.seq ORDER BY s.id",
                                NULL, 0, &r, NULL, err);
    out[0] = '\0';
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        size_t len = strlen(out);
        snprintf(out + len, 1024 - len, "%.8s %.36s;", gw_db_col_text(r, 0), gw_db_col_text(r, 1));
    }
    gw_db_rows_free(r);
    return qs;
}

static void test_migration_0011_moves_registrations(void)
{
    struct gw_store *s = fresh_store();
    REQUIRE(s);
    const struct gw_migration *all = GW_TEST_PG ? gw_migrations_postgres : gw_migrations_sqlite;
    int n = GW_TEST_PG ? gw_migrations_postgres_count : gw_migrations_sqlite_count;
    int upto = 0;
    while (upto < n && strncmp(all[upto].name, "0011", 4) < 0)
        upto++;
    REQUIRE(upto == 10);
    struct gw_error err;
    int applied = 0;
    REQUIRE(gw_store_migrate_list(s, all, upto, &applied, &err) == GW_OK);
    REQUIRE(gw_store_tx(s, GW_TX_WRITE, old_statements, NULL, &err) == GW_OK);
    CHECK_INT(gw_store_migrate(s, &applied, &err), GW_OK);
    char out[1024];
    CHECK_INT(gw_store_tx(s, GW_TX_READ, registrations, out, &err), GW_OK);
    CHECK_STR(out, "11111111 00000000-0000-4000-8000-000000000001;"
                   "11111111 00000000-0000-4000-8000-000000000003;");
    gw_store_close(s);
}

/* Migration 0012 and the upgrade step: KPI state derived under version 1 of
 * the definitions (a Moodle score read from scaled, 0.7) is re-derived under
 * version 2 (raw/min/max: 0.85) when the gateway migrates, once; the keys
 * made before it keep their dedup signature, except lms keys, which get
 * Moodle's (no registration). */
static enum gw_qs v1_world(struct gw_db *db, void *ud, struct gw_error *err)
{
    (void)ud;
    return gw_db_exec_script(
        db,
        "INSERT INTO api_keys (key_id, name, role, secret_hash, created_ms, xapi_dedup_window_s) "
        "VALUES ('klms', 'moodle', 'lms', 'h', 1, 600), ('kadm', 'admin', 'admin', 'h', 1, 60);"
        "INSERT INTO departments (id, name, created_ms) VALUES ('dep', 'Sales', 0);"
        "INSERT INTO courses (id, department_id, title, state_since_ms, created_ms) VALUES "
        "('m1', 'dep', 'Moodle course', 0, 0);"
        "INSERT INTO course_iris (iri, course_id, source, created_ms) VALUES "
        "('http://127.0.0.1:8081/mod/scorm/view.php?id=1', 'm1', 'lms', 0);",
        err);
}

static enum gw_qs insert_one(struct gw_db *db, void *ud, struct gw_error *err)
{
    return gw_store_xapi_insert(db, ud, 1780000000000, err);
}

/* What version 1 wrote for the statement: its scaled, 0.7, as the score. */
static enum gw_qs as_v1(struct gw_db *db, void *ud, struct gw_error *err)
{
    (void)ud;
    return gw_db_exec_script(db,
                             "UPDATE kpi_learner_days SET best_score = 0.7;"
                             "UPDATE kpi_learners SET best_score = 0.7;"
                             "UPDATE kpi_totals SET sum_score = 700000000 WHERE n_score = 1;",
                             err);
}

static double course_avg_score(struct gw_store *s)
{
    struct gw_kpi_query q = {.course = "m1", .group_by = GW_KPI_BY_COURSE};
    json_t *out = NULL;
    struct gw_error err;
    if (gw_app_kpi_pull(s, &q, &out, &err) != GW_OK) {
        fprintf(stderr, "  pull: %s\n", err.detail);
        return -1;
    }
    const json_t *v =
        json_object_get(json_array_get(json_object_get(out, "records"), 0), "avg_score");
    double d = json_is_number(v) ? json_number_value(v) : -2;
    json_decref(out);
    return d;
}

static enum gw_qs rule_version(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, "SELECT value FROM kpi_meta WHERE name = 'rule_version'", NULL,
                                0, &r, NULL, err);
    *(int64_t *)ud = qs == GW_QS_ONE ? gw_db_col_int(r, 0) : -1;
    gw_db_rows_free(r);
    return qs;
}

static enum gw_qs legacy_directory(struct gw_db *db, void *ud, struct gw_error *err)
{
    return gw_db_exec_script(db, ud, err);
}

static void test_migration_0012_rederives_kpis(void)
{
    struct gw_store *s = fresh_store();
    REQUIRE(s);
    const struct gw_migration *all = GW_TEST_PG ? gw_migrations_postgres : gw_migrations_sqlite;
    int n = GW_TEST_PG ? gw_migrations_postgres_count : gw_migrations_sqlite_count;
    int upto = 0;
    while (upto < n && strncmp(all[upto].name, "0012", 4) < 0)
        upto++;
    REQUIRE(upto == 11);
    struct gw_error err;
    REQUIRE(gw_store_migrate_list(s, all, upto, NULL, &err) == GW_OK);
    REQUIRE(gw_store_tx(s, GW_TX_WRITE, v1_world, NULL, &err) == GW_OK);
    /* logstore_xapi's 85 of 100, stored by a 0011 gateway */
    json_t *st = json_loads(
        "{\"id\":\"6d0c0000-0000-4000-8000-000000000001\",\"actor\":{\"account\":{\"homePage\":"
        "\"http://127.0.0.1:8081\",\"name\":\"3\"}},\"verb\":{\"id\":"
        "\"http://adlnet.gov/expapi/verbs/passed\"},\"object\":{\"id\":"
        "\"http://127.0.0.1:8081/mod/scorm/view.php?id=1#sco\"},\"result\":{\"score\":{\"raw\":85,"
        "\"min\":0,\"max\":100,\"scaled\":0.7}},\"timestamp\":\"2026-12-07T04:51:56.000Z\"}",
        0, NULL);
    REQUIRE(st);
    struct gw_xapi_new_statement item;
    memset(&item, 0, sizeof item);
    gw_xapi_new_statement_init(&item, st, true, NULL);
    gw_xapi_new_statement_drop_json(&item);
    struct gw_xapi_insert ins = {.items = &item, .n = 1, .authority_key = "klms"};
    /* today's insert also writes PostgreSQL's statement directory, which a
     * 0011 gateway did not have: there for the insert only (0017 makes it) */
    if (GW_TEST_PG)
        REQUIRE(gw_store_tx(s, GW_TX_WRITE, legacy_directory,
                            "CREATE TABLE xapi_statement_ids "
                            "(id TEXT PRIMARY KEY, seq BIGINT, stored_ms BIGINT, voids_id TEXT)",
                            &err) == GW_OK);
    REQUIRE(gw_store_tx(s, GW_TX_WRITE, insert_one, &ins, &err) == GW_OK);
    if (GW_TEST_PG)
        REQUIRE(gw_store_tx(s, GW_TX_WRITE, legacy_directory, "DROP TABLE xapi_statement_ids",
                            &err) == GW_OK);
    gw_xapi_new_statement_clear(&item);
    REQUIRE(gw_store_tx(s, GW_TX_WRITE, as_v1, NULL, &err) == GW_OK);
    CHECK(fabs(course_avg_score(s) - 0.7) < 1e-9); /* what a version 1 gateway showed */

    int applied = 0;
    CHECK_INT(gw_store_migrate(s, &applied, &err), GW_OK);
    CHECK_INT(applied, n - upto);
    CHECK(fabs(course_avg_score(s) - 0.85) < 1e-9);
    int64_t v = 0;
    CHECK_INT(gw_store_tx(s, GW_TX_READ, rule_version, &v, &err), GW_OK);
    CHECK_INT(v, 2);
    /* once: a state at the current version is left alone */
    bool rebuilt = true;
    REQUIRE(gw_store_tx(s, GW_TX_WRITE, as_v1, NULL, &err) == GW_OK);
    CHECK_INT(gw_store_kpi_upgrade(s, &rebuilt, &err), GW_OK);
    CHECK(!rebuilt);
    CHECK(fabs(course_avg_score(s) - 0.7) < 1e-9);
    /* `lmsgw kpi rebuild` repairs it whatever the version */
    CHECK_INT(gw_store_kpi_rebuild(s, NULL, &err), GW_OK);
    CHECK(fabs(course_avg_score(s) - 0.85) < 1e-9);

    struct gw_key k;
    REQUIRE(gw_store_key_get(s, "klms", &k, &err) == GW_OK);
    CHECK_INT(k.xapi_dedup_members, GW_XAPI_DEDUP_MOODLE);
    CHECK_INT(k.xapi_dedup_window_s, 600);
    REQUIRE(gw_store_key_get(s, "kadm", &k, &err) == GW_OK);
    CHECK_INT(k.xapi_dedup_members, GW_XAPI_DEDUP_LEGACY);
    gw_store_close(s);
}

/* SQLite under sustained writes: the checkpointer keeps the WAL near its
 * limit (a RESTART checkpoint with the writers held off) instead of letting
 * it hold everything written since the last quiet moment. */
static enum gw_qs write_blobs(struct gw_db *db, void *ud, struct gw_error *err)
{
    int *round = ud;
    enum gw_qs qs = GW_QS_NONE;
    if (*round == 0)
        qs = gw_db_exec_script(db, "CREATE TABLE blobs (k INTEGER PRIMARY KEY, v TEXT)", err);
    static char v[4001];
    memset(v, 'x', sizeof v - 1);
    for (int i = 0; i < 100 && qs >= 0; i++) {
        struct gw_dbp p[] = {GW_P_TEXT(v)};
        qs = gw_db_query(db, "INSERT INTO blobs (v) VALUES ($1)", p, 1, NULL, NULL, err);
    }
    return qs;
}

static void test_wal_stays_bounded(void)
{
    if (GW_TEST_PG)
        return;
    char path[512];
    snprintf(path, sizeof path, "%s/walbound.db", tmpdir);
    char dsn[600];
    snprintf(dsn, sizeof dsn, "sqlite:%s", path);
    struct gw_store_options opt = {.wal_limit_bytes = 2 * 1024 * 1024};
    struct gw_error err;
    struct gw_store *s = gw_store_open(dsn, &opt, &err);
    REQUIRE(s);
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", path);
    long long most = 0;
    /* 120 transactions of 100 x 4 KB: about 48 MB through the WAL */
    for (int round = 0; round < 120; round++) {
        REQUIRE(gw_store_tx(s, GW_TX_WRITE, write_blobs, &round, &err) == GW_OK);
        struct stat st;
        if (stat(wal, &st) == 0 && st.st_size > most)
            most = st.st_size;
    }
    gw_store_close(s);
    fprintf(stderr, "  largest WAL seen: %lld bytes\n", most);
    CHECK(most > 0);
    /* about twice the limit and the writes until the checkpointer ran; not
     * all that went through it */
    CHECK(most < 16LL * 1024 * 1024);
}

static void test_bad_dsn_and_unreachable(void)
{
    struct gw_error err;
    CHECK(gw_store_open("mysql://x", NULL, &err) == NULL);
    CHECK_INT(err.code, GW_E_STORE_BAD_DSN);
    CHECK(gw_store_open("sqlite:", NULL, &err) == NULL);
    CHECK_INT(err.code, GW_E_STORE_BAD_DSN);
#if GW_TEST_PG
    CHECK(gw_store_open("postgresql://postgres@/x?host=/nonexistent-dir", NULL, &err) == NULL);
#else
    CHECK(gw_store_open("sqlite:/nonexistent-dir/x/y.db", NULL, &err) == NULL);
#endif
    CHECK_INT(err.code, GW_E_STORE_UNREACHABLE);
    CHECK(strlen(err.detail) > 10);
}

int main(void)
{
    tmpdir = gwt_tmpdir("store");
    GW_RUN(test_migrate);
    GW_RUN(test_refuses_newer_schema);
    GW_RUN(test_migrations_by_number);
    GW_RUN(test_keys);
    GW_RUN(test_concurrent_writers);
    GW_RUN(test_rollback_and_retry);
    GW_RUN(test_rows_and_params);
    GW_RUN(test_migration_0010_converts_side_rows);
    GW_RUN(test_migration_0011_moves_registrations);
    GW_RUN(test_migration_0012_rederives_kpis);
    GW_RUN(test_wal_stays_bounded);
    GW_RUN(test_bad_dsn_and_unreachable);
    gwt_rmtree(tmpdir);
    free(tmpdir);
    return gw_test_summary();
}
