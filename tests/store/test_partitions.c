/* Statements partitioned by month on PostgreSQL (migration 0017,
 * store/xapi_retention.c, app/retention.c, `lmsgw statements`): rows land in
 * their month's partition (or the default one until their month is made),
 * ids stay unique across months, reads by id and by filter work across
 * months over HTTP, the migration keeps every statement of a database that
 * had some, months are made by two handles at once without failing, and
 * archive -> drop keeps what the LRS returned in the file, refuses what was
 * not archived, and leaves the KPI state and the other months alone. */
#include "gw/buf.h"
#include "gw/kpi_store.h"
#include "gw/store.h"
#include "gw/xapi_retention.h"
#include "gw/xapi_store.h"
#include "gw/hash.h"
#include "gw/timefmt.h"
#include "gwtest.h"
#include "testsupport.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *tmpdir;
static int now_month; /* yyyymm of the real clock */

#define VERSION_HDR "X-Experience-API-Version: 1.0.3"
#define IRI "http://example.com/part/course"
#define ACTIVITY_M1 "activity=http%3A%2F%2Fexample.com%2Fpart%2Fcourse%2Fm1&limit=100"

/* An instant in the middle of month now_month + k. */
static int64_t mid(int k)
{
    return gw_xapi_month_start_ms(gw_xapi_month_add(now_month, k)) + 10LL * 86400000 + 3600000;
}

static char *statement(const char *id, int learner, const char *verb, int64_t ts, int score)
{
    char when[32];
    gw_time_format_ms(ts, when);
    return gwt_fmt("{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:l%d@example.com\"},\"verb\":{"
                   "\"id\":\"http://adlnet.gov/expapi/verbs/%s\"},\"object\":{\"id\":\"" IRI
                   "/m%d\"},\"result\":{\"score\":{\"scaled\":0.%02d}},\"timestamp\":\"%s\"}",
                   id, learner, verb, learner % 3, score, when);
}

static char *voiding(const char *id, const char *target)
{
    return gwt_fmt("{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:admin@example.com\"},\"verb\":{"
                   "\"id\":\"http://adlnet.gov/expapi/verbs/voided\"},\"object\":{\"objectType\":"
                   "\"StatementRef\",\"id\":\"%s\"}}",
                   id, target);
}

struct put_ctx {
    struct gw_xapi_insert *in;
    int64_t stored_ms;
};

static enum gw_qs put_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct put_ctx *c = ud;
    return gw_store_xapi_insert(db, c->in, c->stored_ms, err);
}

/* Stores the statement text (freed here) as received at stored_ms; *seq
 * (may be NULL) receives its row's seq (0: a replay). */
static enum gw_err put(struct gw_store *s, char *text, int64_t stored_ms, int64_t *seq)
{
    json_t *st = json_loads(text, 0, NULL);
    free(text);
    if (!st)
        return GW_E_INTERNAL;
    struct gw_xapi_new_statement item;
    memset(&item, 0, sizeof item);
    gw_xapi_new_statement_init(&item, st, true, NULL);
    gw_xapi_new_statement_drop_json(&item);
    struct gw_xapi_insert in = {.items = &item, .n = 1, .authority_key = "k"};
    struct put_ctx c = {&in, stored_ms};
    struct gw_error err;
    enum gw_err rc = gw_store_tx(s, GW_TX_WRITE, put_tx, &c, &err);
    if (seq)
        *seq = item.seq;
    gw_xapi_new_statement_clear(&item);
    return rc;
}

/* The first column of the first row of sql as text ("" when none); caller frees. */
struct scalar_ctx {
    const char *sql;
    char *out;
};

static enum gw_qs scalar_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct scalar_ctx *c = ud;
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, c->sql, NULL, 0, &r, NULL, err);
    free(c->out);
    c->out = gw_xstrdup(qs == GW_QS_ONE && !gw_db_col_null(r, 0) ? gw_db_col_text(r, 0) : "");
    gw_db_rows_free(r);
    return qs;
}

static char *scalar(struct gw_store *s, const char *sql)
{
    struct scalar_ctx c = {sql, NULL};
    struct gw_error err;
    if (gw_store_tx(s, GW_TX_READ, scalar_tx, &c, &err) != GW_OK)
        fprintf(stderr, "  query failed: %s: %s\n", sql, err.detail);
    return c.out ? c.out : gw_xstrdup("");
}

static long long scalar_int(struct gw_store *s, const char *sql)
{
    char *v = scalar(s, sql);
    long long n = atoll(v);
    free(v);
    return n;
}

static enum gw_qs exec_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    return gw_db_exec_script(db, ud, err);
}

static bool exec_sql(struct gw_store *s, const char *sql)
{
    struct gw_error err;
    if (gw_store_tx(s, GW_TX_WRITE, exec_tx, (void *)sql, &err) == GW_OK)
        return true;
    fprintf(stderr, "  %s: %s\n", sql, err.detail);
    return false;
}

/* The partition holding the statement id ("" when none). */
static char *partition_of(struct gw_store *s, const char *id)
{
    char *sql = gwt_fmt("SELECT tableoid::regclass::text FROM xapi_statements WHERE id = '%s'", id);
    char *v = scalar(s, sql);
    free(sql);
    return v;
}

/* A fresh, migrated store on the PostgreSQL fixture. */
static struct gw_store *fresh_store(void)
{
    struct gw_store *s = gwt_fresh_store(tmpdir, true);
    struct gw_error err;
    if (s && gw_store_migrate(s, NULL, &err) != GW_OK) {
        fprintf(stderr, "  migrate: %s\n", err.detail);
        gw_store_close(s);
        return NULL;
    }
    return s;
}

static char *month_partition(int k)
{
    return gwt_fmt("xapi_statements_%06d", gw_xapi_month_add(now_month, k));
}

static void test_months_land_in_partitions(void)
{
    struct gw_store *s = fresh_store();
    REQUIRE(s);
    /* the migration made this month and the next two */
    for (int k = 0; k <= GW_XAPI_MONTHS_AHEAD; k++) {
        char *name = month_partition(k);
        char *sql = gwt_fmt("SELECT COUNT(*) FROM pg_inherits WHERE inhparent = "
                            "'xapi_statements'::regclass AND inhrelid = '%s'::regclass",
                            name);
        CHECK_INT(scalar_int(s, sql), 1);
        free(sql);
        free(name);
    }
    const char *ids[] = {
        "a0000000-0000-4000-8000-000000000001", "a0000000-0000-4000-8000-000000000002",
        "a0000000-0000-4000-8000-000000000003", "a0000000-0000-4000-8000-000000000004"};
    int months[] = {-5, -2, 0, 4}; /* two past, this one, one beyond those made */
    for (int i = 0; i < 4; i++)
        CHECK_INT(
            put(s, statement(ids[i], i, "experienced", mid(months[i]), 10), mid(months[i]), NULL),
            GW_OK);
    char *p = partition_of(s, ids[2]);
    char *want = month_partition(0);
    CHECK_STR(p, want); /* made ahead: straight into it */
    free(p);
    free(want);
    for (int i = 0; i < 4; i++) {
        if (i == 2)
            continue;
        p = partition_of(s, ids[i]);
        CHECK_STR(p, "xapi_statements_default"); /* the safety net */
        free(p);
    }
    /* the server's periodic step gives each caught month its partition */
    struct gw_error err;
    int created = -1;
    CHECK_INT(gw_store_xapi_partitions_ensure(s, mid(0), &created, &err), GW_OK);
    CHECK_INT(created, 3);
    for (int i = 0; i < 4; i++) {
        p = partition_of(s, ids[i]);
        want = month_partition(months[i]);
        CHECK_STR(p, want);
        free(p);
        free(want);
    }
    CHECK_INT(scalar_int(s, "SELECT COUNT(*) FROM xapi_statements_default"), 0);
    CHECK_INT(gw_store_xapi_partitions_ensure(s, mid(0), &created, &err), GW_OK);
    CHECK_INT(created, 0);
    /* each id is found through the directory, in its month */
    for (int i = 0; i < 4; i++) {
        char *body = NULL;
        int64_t stored = 0;
        CHECK_INT(gw_store_xapi_get(s, ids[i], false, &body, &stored, &err), GW_OK);
        CHECK_INT(stored, mid(months[i]));
        CHECK(body && strstr(body, ids[i]));
        free(body);
    }
    gw_store_close(s);
}

static void test_ids_unique_across_partitions(void)
{
    struct gw_store *s = fresh_store();
    REQUIRE(s);
    struct gw_error err;
    REQUIRE(gw_store_xapi_partitions_ensure(s, mid(-3), NULL, &err) == GW_OK);
    const char *id = "b0000000-0000-4000-8000-000000000001";
    int64_t seq = -1;
    CHECK_INT(put(s, statement(id, 1, "passed", mid(-3), 50), mid(-3), &seq), GW_OK);
    CHECK(seq > 0);
    /* the same statement months later: a replay, no second row */
    CHECK_INT(put(s, statement(id, 1, "passed", mid(-3), 50), mid(0), &seq), GW_OK);
    CHECK_INT(seq, 0);
    /* another statement with that id: a conflict */
    CHECK_INT(put(s, statement(id, 1, "failed", mid(-3), 50), mid(0), &seq), GW_E_XAPI_ID_CONFLICT);
    char *sql = gwt_fmt("SELECT COUNT(*) FROM xapi_statements WHERE id = '%s'", id);
    CHECK_INT(scalar_int(s, sql), 1);
    free(sql);
    CHECK_INT(scalar_int(s, "SELECT COUNT(*) FROM xapi_statement_ids"), 1);
    /* a voiding statement in a later month voids its target in the earlier one */
    CHECK_INT(put(s, voiding("b0000000-0000-4000-8000-000000000002", id), mid(0), NULL), GW_OK);
    char *body = NULL;
    CHECK_INT(gw_store_xapi_get(s, id, false, &body, NULL, &err), GW_E_NOT_FOUND);
    CHECK_INT(gw_store_xapi_get(s, id, true, &body, NULL, &err), GW_OK);
    free(body);
    /* a statement arriving after its voiding statement is stored voided */
    const char *late = "b0000000-0000-4000-8000-000000000003";
    CHECK_INT(put(s, voiding("b0000000-0000-4000-8000-000000000004", late), mid(0), NULL), GW_OK);
    CHECK_INT(put(s, statement(late, 2, "passed", mid(1), 60), mid(1), NULL), GW_OK);
    CHECK_INT(gw_store_xapi_get(s, late, true, &body, NULL, &err), GW_OK);
    free(body);
    gw_store_close(s);
}

/* ---- two handles making months at once ---- */

struct ensure_arg {
    struct gw_store *s;
    int failures;
    int created;
};

static void *ensure_many(void *ud)
{
    struct ensure_arg *a = ud;
    for (int k = 0; k < 24; k++) {
        struct gw_error err;
        int created = 0;
        if (gw_store_xapi_partitions_ensure(a->s, mid(k - 30), &created, &err) != GW_OK) {
            fprintf(stderr, "  ensure: %s\n", err.detail);
            a->failures++;
        }
        a->created += created;
    }
    return NULL;
}

static void test_concurrent_partition_creation(void)
{
    char *dsn = gwt_pg_fresh_dsn();
    REQUIRE(dsn);
    struct gw_error err;
    struct gw_store *a = gw_store_open(dsn, NULL, &err), *b = gw_store_open(dsn, NULL, &err);
    REQUIRE(a && b);
    REQUIRE(gw_store_migrate(a, NULL, &err) == GW_OK);
    struct ensure_arg x = {a, 0, 0}, y = {b, 0, 0};
    pthread_t t1, t2;
    pthread_create(&t1, NULL, ensure_many, &x);
    pthread_create(&t2, NULL, ensure_many, &y);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    CHECK_INT(x.failures + y.failures, 0);
    /* months now-30 .. now-7 plus two ahead of each: 26, each made once */
    CHECK_INT(x.created + y.created, 26);
    CHECK_INT(scalar_int(a, "SELECT COUNT(*) FROM pg_inherits WHERE inhparent = "
                            "'xapi_statements'::regclass"),
              26 + 3 + 1); /* and the migration's three, and the default */
    gw_store_close(a);
    gw_store_close(b);
    free(dsn);
}

/* ---- the migration of a database that holds statements ---- */

static void test_migration_keeps_statements(void)
{
    char *dsn = gwt_pg_fresh_dsn();
    REQUIRE(dsn);
    struct gw_error err;
    struct gw_store *s = gw_store_open(dsn, NULL, &err);
    REQUIRE(s);
    int upto = 0;
    while (upto < gw_migrations_postgres_count &&
           strncmp(gw_migrations_postgres[upto].name, "0017", 4) < 0)
        upto++;
    REQUIRE(gw_store_migrate_list(s, gw_migrations_postgres, upto, NULL, &err) == GW_OK);
    /* today's insert writes the directory too, which an older gateway did
     * not have: there for the inserts only (0017 makes it from the rows) */
    REQUIRE(exec_sql(s, "CREATE TABLE xapi_statement_ids (id TEXT PRIMARY KEY, seq BIGINT, "
                        "stored_ms BIGINT, voids_id TEXT)"));
    char id[64];
    for (int i = 0; i < 30; i++) {
        snprintf(id, sizeof id, "c0000000-0000-4000-8000-%012d", i);
        int k = -(i % 5) - 1;
        CHECK_INT(put(s, statement(id, i, "experienced", mid(k), i), mid(k), NULL), GW_OK);
    }
    CHECK_INT(
        put(s,
            voiding("c1000000-0000-4000-8000-000000000000", "c0000000-0000-4000-8000-000000000007"),
            mid(-1), NULL),
        GW_OK);
    REQUIRE(exec_sql(s, "DROP TABLE xapi_statement_ids"));
    const char *dump = "SELECT string_agg(concat_ws('|', seq, id, stored_ms, timestamp_ms, "
                       "verb_id, learner_key, object_type, object_id, registration, voided, "
                       "voids_id, authority_key, dedup_sig, md5(body)), ';' ORDER BY seq) FROM "
                       "xapi_statements";
    char *before = scalar(s, dump);
    long long max_seq = scalar_int(s, "SELECT MAX(seq) FROM xapi_statements");
    int applied = 0;
    CHECK_INT(gw_store_migrate(s, &applied, &err), GW_OK);
    CHECK(applied >= 1);
    char *after = scalar(s, dump);
    CHECK(strlen(before) > 100);
    CHECK_STR(after, before);
    CHECK_INT(scalar_int(s, "SELECT COUNT(*) FROM xapi_statement_ids"), 31);
    CHECK_INT(scalar_int(s, "SELECT COUNT(*) FROM xapi_statements_default"), 0);
    CHECK_INT(scalar_int(s, "SELECT COUNT(DISTINCT tableoid) FROM xapi_statements"), 5);
    char *body = NULL;
    CHECK_INT(gw_store_xapi_get(s, "c0000000-0000-4000-8000-000000000007", true, &body, NULL, &err),
              GW_OK);
    free(body);
    /* new rows continue the numbering */
    int64_t seq = 0;
    CHECK_INT(put(s, statement("c2000000-0000-4000-8000-000000000000", 1, "passed", mid(0), 1),
                  mid(0), &seq),
              GW_OK);
    CHECK(seq > max_seq);
    /* an id from before the migration is still known */
    CHECK_INT(put(s, statement("c0000000-0000-4000-8000-000000000003", 3, "passed", mid(0), 3),
                  mid(0), NULL),
              GW_E_XAPI_ID_CONFLICT);
    free(before);
    free(after);
    gw_store_close(s);
    free(dsn);
}

/* ---- reads over HTTP, archive and drop ---- */

static struct gwt_server srv;
static char auth[256];

static json_t *get(const char *query, long *status)
{
    const char *const hdrs[] = {auth, VERSION_HDR, NULL};
    char *path = gwt_fmt("/xapi/statements?%s", query);
    struct gwt_response r;
    *status = gwt_call(&srv, "GET", path, hdrs, NULL, 0, &r);
    free(path);
    json_t *j = json_loads(r.body ? r.body : "", 0, NULL);
    gwt_response_free(&r);
    return j;
}

static size_t count_of(const char *query)
{
    long st = 0;
    json_t *j = get(query, &st);
    size_t n = st == 200 ? json_array_size(json_object_get(j, "statements")) : (size_t)-1;
    json_decref(j);
    return n;
}

static void iso(int64_t ms, char out[64])
{
    char t[32];
    gw_time_format_ms(ms, t); /* ...Z: nothing to encode in a query */
    snprintf(out, 64, "%s", t);
}

static int run_cli(const char *a1, const char *a2, const char *a3, const char *a4, const char *a5,
                   char **out, char **errout)
{
    const char *args[] = {"--config", srv.config_path, "statements", a1, a2, a3, a4, a5, NULL};
    return gwt_run_lmsgw(args, NULL, out, errout);
}

static const char *kpi_dump =
    "SELECT concat((SELECT string_agg(concat_ws('|', course_id, learner_key, department_id, "
    "ttc_ms, statements, first_ms, complete_ms, passed, failed, best_score, rating_ms, "
    "rating_seq, rating, comments), ';' ORDER BY course_id, learner_key) FROM kpi_learners), "
    "'#', (SELECT string_agg(concat_ws('|', course_id, learner_key, day, statements, first_ms, "
    "complete_ms, passed, failed, best_score, comments), ';' ORDER BY course_id, learner_key, "
    "day) FROM kpi_learner_days), '#', (SELECT string_agg(concat_ws('|', scope, started, "
    "completed, passed, failed, n_score, sum_score, statements), ';' ORDER BY scope) FROM "
    "kpi_totals), '#', (SELECT string_agg(concat_ws('|', day, statements), ';' ORDER BY day) "
    "FROM kpi_unattributed_days))";

/* The month state (migration 0018): the learners' month rows and the month
 * totals and histograms. */
static const char *kpi_month_dump =
    "SELECT concat((SELECT string_agg(concat_ws('|', course_id, learner_key, month, "
    "department_id, ttc_ms, statements, first_ms, complete_ms, passed, failed, best_score, "
    "rating_ms, rating_seq, rating, comments), ';' ORDER BY course_id, learner_key, month) FROM "
    "kpi_learner_months), '#', (SELECT string_agg(concat_ws('|', scope, month, started, "
    "completed, passed, failed, n_score, sum_score, feedback, sum_rating, comments, statements), "
    "';' ORDER BY scope, month) FROM kpi_month_totals WHERE statements <> 0), '#', (SELECT "
    "string_agg(concat_ws('|', "
    "scope, month, bucket, n), ';' ORDER BY scope, month, bucket) FROM kpi_month_hist WHERE n <> "
    "0))";

static void test_reads_archive_and_drop(void)
{
    char *dsn = gwt_pg_fresh_dsn();
    REQUIRE(dsn);
    REQUIRE(gwt_server_start(&srv, dsn, NULL));
    REQUIRE(gwt_server_make_key(&srv, "lms", auth, sizeof auth));
    struct gw_error err;
    struct gw_store *s = gw_store_open(dsn, NULL, &err);
    REQUIRE(s);
    REQUIRE(exec_sql(s, "INSERT INTO departments (id, name, created_ms) VALUES ('dep', 'D', 0);"
                        "INSERT INTO courses (id, department_id, title, state_since_ms, "
                        "created_ms) VALUES ('c1', 'dep', 'C', 0, 0);"
                        "INSERT INTO course_iris (iri, course_id, source, created_ms) VALUES "
                        "('" IRI "', 'c1', 'lms', 0);"));
    REQUIRE(gw_store_xapi_partitions_ensure(s, mid(-3), NULL, &err) == GW_OK);
    /* learners 0..5 in months -3, -2, -1 and this one; a seventh statement
     * per month mentions no course (unattributed) */
    char id[64];
    for (int k = -3; k <= 0; k++) {
        for (int l = 0; l < 6; l++) {
            snprintf(id, sizeof id, "d0000000-0000-4000-8000-%06d%06d", k + 10, l);
            const char *verb = l % 2 ? "passed" : "completed";
            CHECK_INT(
                put(s, statement(id, l, verb, mid(k) - l * 1000, 10 * l + k + 5), mid(k) + l, NULL),
                GW_OK);
        }
        snprintf(id, sizeof id, "d1000000-0000-4000-8000-%012d", k + 10);
        char *other = gwt_fmt("{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:x@example.com\"},"
                              "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/experienced\"},"
                              "\"object\":{\"id\":\"http://example.com/elsewhere\"}}",
                              id);
        CHECK_INT(put(s, other, mid(k) + 100, NULL), GW_OK);
    }
    /* this month voids one statement of month -2 */
    const char *victim = "d0000000-0000-4000-8000-000008000003";
    CHECK_INT(put(s, voiding("d2000000-0000-4000-8000-000000000000", victim), mid(0) + 200, NULL),
              GW_OK);

    /* reads across the months */
    char since[64], until[64], q[512];
    CHECK_INT(count_of("limit=100"), 4 * 7 - 1 + 1); /* all but the voided one, and the voider */
    iso(mid(-2) - 86400000, since);
    iso(mid(-1) + 86400000, until);
    snprintf(q, sizeof q, "since=%s&until=%s&limit=100", since, until);
    CHECK_INT(count_of(q), 2 * 7 - 1);
    /* learner 3's four but the voided one, and the voiding statement that
     * refers to it */
    CHECK_INT(count_of("agent=%7B%22mbox%22%3A%22mailto%3Al3%40example.com%22%7D&limit=100"), 4);
    CHECK_INT(count_of(ACTIVITY_M1), 4 * 2); /* learners 1, 4 */
    CHECK_INT(count_of("verb=http%3A%2F%2Fadlnet.gov%2Fexpapi%2Fverbs%2Fvoided&limit=100"), 1);
    long st = 0;
    json_t *j = get("statementId=d0000000-0000-4000-8000-000007000002", &st);
    CHECK_INT(st, 200);
    CHECK_STR(gwt_sv(j, "id"), "d0000000-0000-4000-8000-000007000002");
    json_decref(j);
    char path[128];
    snprintf(path, sizeof path, "voidedStatementId=%s", victim);
    j = get(path, &st);
    CHECK_INT(st, 200);
    json_decref(j);
    snprintf(path, sizeof path, "statementId=%s", victim);
    json_decref(get(path, &st));
    CHECK_INT(st, 404);
    /* paging across partitions: limit 5, follow "more" */
    size_t seen = 0;
    char *more = gwt_fmt("/xapi/statements?limit=5");
    while (more && *more && seen < 100) {
        const char *const hdrs[] = {auth, VERSION_HDR, NULL};
        struct gwt_response r;
        CHECK_INT(gwt_call(&srv, "GET", more, hdrs, NULL, 0, &r), 200);
        json_t *page = json_loads(r.body ? r.body : "", 0, NULL);
        gwt_response_free(&r);
        seen += json_array_size(json_object_get(page, "statements"));
        free(more);
        more = gwt_fmt("%s", gwt_sv(page, "more"));
        json_decref(page);
    }
    free(more);
    CHECK_INT(seen, 28);

    /* drop before archive: refused, nothing removed */
    char before_m[16];
    int b = gw_xapi_month_add(now_month, -1);
    snprintf(before_m, sizeof before_m, "%04d-%02d", b / 100, b % 100);
    char *out = NULL, *errout = NULL;
    CHECK_INT(run_cli("drop", "--before", before_m, NULL, NULL, &out, &errout), 1);
    CHECK(errout && strstr(errout, "RETENTION_NOT_ARCHIVED"));
    free(out);
    free(errout);
    char *p3 = month_partition(-3);
    char *reg = gwt_fmt("SELECT to_regclass('%s') IS NOT NULL", p3);
    char *v = scalar(s, reg);
    CHECK_STR(v, "t");
    free(v);
    /* a month not yet over is refused */
    int next = gw_xapi_month_add(now_month, 1);
    char next_m[16];
    snprintf(next_m, sizeof next_m, "%04d-%02d", next / 100, next % 100);
    char *file = gwt_fmt("%s/archive.jsonl", srv.dir);
    CHECK_INT(run_cli("archive", "--before", next_m, "--out", file, &out, &errout), 1);
    CHECK(errout && strstr(errout, "RETENTION_MONTH"));
    free(out);
    free(errout);

    char *kpi_before = scalar(s, kpi_dump);
    CHECK(strlen(kpi_before) > 50);
    char *months_before = scalar(s, kpi_month_dump);
    CHECK(strlen(months_before) > 50);
    /* archive months -3 and -2 */
    CHECK_INT(run_cli("archive", "--before", before_m, "--out", file, &out, &errout), 0);
    free(out);
    free(errout);
    size_t len = 0;
    char *text = gwt_slurp(file, &len);
    REQUIRE(text);
    char sha[65];
    gw_sha256_hex(text, len, sha);
    size_t lines = 0;
    for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        CHECK(nl != NULL); /* every line ends */
        if (nl)
            *nl = '\0';
        json_t *a = json_loads(line, 0, NULL);
        CHECK(a != NULL);
        lines++;
        /* equal to what the LRS returns by its id */
        const char *sid = gwt_sv(a, "id");
        snprintf(q, sizeof q, "%s=%s",
                 strcmp(sid, victim) == 0 ? "voidedStatementId" : "statementId", sid);
        json_t *g = get(q, &st);
        CHECK_INT(st, 200);
        CHECK(json_equal(a, g));
        json_decref(g);
        json_decref(a);
    }
    CHECK_INT(lines, 14);
    free(text);
    char *sql = gwt_fmt("SELECT COUNT(*) FROM xapi_archived_months WHERE sha256 = '%s' AND "
                        "statements = 7",
                        sha);
    CHECK_INT(scalar_int(s, sql), 2);
    free(sql);
    /* a second archive never replaces the file */
    CHECK_INT(run_cli("archive", "--before", before_m, "--out", file, &out, &errout), 1);
    free(out);
    free(errout);

    /* the seqs of the months to drop, to find their side rows afterwards */
    char *p2 = month_partition(-2);
    sql = gwt_fmt("CREATE TABLE gone AS SELECT seq FROM %s UNION SELECT seq FROM %s", p3, p2);
    REQUIRE(exec_sql(s, sql));
    free(sql);
    CHECK(scalar_int(s, "SELECT COUNT(*) FROM xapi_statement_activity_rids x JOIN gone g ON "
                        "g.seq = x.seq") > 0);
    CHECK_INT(run_cli("drop", "--before", before_m, NULL, NULL, &out, &errout), 0);
    CHECK(out && strstr(out, "dropped 2 months"));
    free(out);
    free(errout);
    v = scalar(s, reg);
    CHECK_STR(v, "f");
    free(v);
    free(reg);
    static const char *const sides[] = {"xapi_statement_activity_rids", "xapi_statement_agent_rids",
                                        "kpi_statements"};
    for (size_t i = 0; i < 3; i++) {
        sql = gwt_fmt("SELECT COUNT(*) FROM %s x JOIN gone g ON g.seq = x.seq", sides[i]);
        CHECK_INT(scalar_int(s, sql), 0);
        free(sql);
    }
    CHECK_INT(scalar_int(s, "SELECT COUNT(*) FROM xapi_archived_months WHERE dropped_ms IS NOT "
                            "NULL"),
              2);
    /* the KPI state is as it was, and a rebuild gives it again */
    char *kpi_after = scalar(s, kpi_dump);
    CHECK_STR(kpi_after, kpi_before);
    free(kpi_after);
    char *months_after = scalar(s, kpi_month_dump);
    CHECK_STR(months_after, months_before);
    free(months_after);
    CHECK_INT(gw_store_kpi_rebuild(s, NULL, &err), GW_OK);
    kpi_after = scalar(s, kpi_dump);
    CHECK_STR(kpi_after, kpi_before);
    free(kpi_after);
    months_after = scalar(s, kpi_month_dump); /* the month rows again, from the archived days */
    CHECK_STR(months_after, months_before);
    free(months_after);
    free(months_before);
    /* the other months read as before; the dropped ones are gone */
    CHECK_INT(count_of("limit=100"), 2 * 7 + 1);
    CHECK_INT(count_of("agent=%7B%22mbox%22%3A%22mailto%3Al3%40example.com%22%7D&limit=100"), 2);
    CHECK_INT(count_of(ACTIVITY_M1), 4);
    json_decref(get("statementId=d0000000-0000-4000-8000-000007000002", &st));
    CHECK_INT(st, 404);
    json_decref(get("statementId=d0000000-0000-4000-8000-000009000002", &st));
    CHECK_INT(st, 200);
    /* an archived id is never stored again */
    int64_t seq = -1;
    CHECK_INT(put(s, statement("d0000000-0000-4000-8000-000007000002", 2, "completed", mid(0), 1),
                  mid(0), &seq),
              GW_OK);
    CHECK_INT(seq, 0);
    /* voiding a remaining statement of a learner with archived months
     * recomputes them from the archived days and what remains */
    CHECK_INT(
        put(s,
            voiding("d2000000-0000-4000-8000-000000000001", "d0000000-0000-4000-8000-000009000001"),
            mid(0) + 300, NULL),
        GW_OK);
    char *kpi_voided = scalar(s, kpi_dump);
    char *months_voided = scalar(s, kpi_month_dump);
    CHECK_INT(gw_store_kpi_rebuild(s, NULL, &err), GW_OK);
    kpi_after = scalar(s, kpi_dump);
    CHECK_STR(kpi_after, kpi_voided);
    months_after = scalar(s, kpi_month_dump);
    CHECK_STR(months_after, months_voided);
    free(months_after);
    free(months_voided);
    /* learner 1: two archived months, one left after the voiding */
    char l1[GW_SHA1_HEX];
    gw_sha1_hex("mailto:l1@example.com", strlen("mailto:l1@example.com"), l1);
    sql = gwt_fmt("SELECT statements FROM kpi_learners WHERE learner_key = 'mbox_sha1sum:%s'", l1);
    CHECK_INT(scalar_int(s, sql), 3);
    free(sql);
    free(kpi_after);
    free(kpi_voided);
    /* a changed archive file blocks the next drop */
    b = now_month;
    snprintf(before_m, sizeof before_m, "%04d-%02d", b / 100, b % 100);
    char *file2 = gwt_fmt("%s/archive2.jsonl", srv.dir);
    CHECK_INT(run_cli("archive", "--before", before_m, "--out", file2, &out, &errout), 0);
    free(out);
    free(errout);
    FILE *f = fopen(file2, "a");
    REQUIRE(f);
    fputs("{}\n", f);
    fclose(f);
    CHECK_INT(run_cli("drop", "--before", before_m, NULL, NULL, &out, &errout), 1);
    CHECK(errout && strstr(errout, "changed since it was written"));
    free(out);
    free(errout);
    CHECK_INT(count_of("limit=100"), 2 * 7 + 1 - 1 + 1);

    free(kpi_before);
    free(file);
    free(file2);
    free(p2);
    free(p3);
    gw_store_close(s);
    gwt_server_stop(&srv, SIGTERM);
    gwt_server_free(&srv);
    free(dsn);
}

int main(void)
{
    tmpdir = gwt_tmpdir("gw-partitions");
    now_month = gw_xapi_month_of(gw_time_now_ms());
    GW_RUN(test_months_land_in_partitions);
    GW_RUN(test_ids_unique_across_partitions);
    GW_RUN(test_concurrent_partition_creation);
    GW_RUN(test_migration_keeps_statements);
    GW_RUN(test_reads_archive_and_drop);
    gwt_rmtree(tmpdir);
    free(tmpdir);
    return gw_test_summary();
}
