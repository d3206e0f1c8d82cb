/* kpi.c: KPI state in the store (tables kpi_statements, kpi_learner_days,
 * kpi_learners, kpi_unattributed_days, kpi_totals, kpi_ttc_hist; migration
 * 0007; the version of the definitions it follows in kpi_meta, migration
 * 0012; the same state per month, kpi_learner_months, kpi_month_totals and
 * kpi_month_hist, migration 0018; the pairs' spans and their all-time
 * contributions per first day and month, kpi_first_totals and
 * kpi_first_hist, migration 0019). Loads the rows a change touches into the domain's structs, asks
 * the domain (kpi/maintain.c, kpi/kpi.c) what a statement, a voiding or a
 * re-attribution does to them, and writes what it computed: inline in the
 * writer's transaction or folded per round of the deferred index (struct
 * gw_kst_batch, which coalesces the writes of a round). Also the
 * connection's course_iris snapshot that attribution looks IRIs up in, the
 * rebuild from the statements (also once after an upgrade of the
 * definitions) and the store's maintenance switch. The pulls are in
 * kpi_pull.c. See gw/kpi_store.h and kpi_int.h. */
#include "gw/buf.h"
#include "gw/kpi_store.h"
#include "gw/log.h"
#include "gw/timefmt.h"
#include "kpi_int.h"
#include "pgarray.h"
#include "store_int.h"
#include "strmap.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The KPI rows are written on every attributed statement. On SQLite they
 * are INSERT OR FAIL: the values satisfy every constraint, and a statement
 * that cannot abort half-way needs no statement journal, which SQLite would
 * otherwise open and release on each of these upserts (a fifth of the
 * writer's time). PostgreSQL has no such clause and needs none. */
#define INSERT_INTO(db, rest)                                                                      \
    (gw_db_dialect(db) == GW_DIALECT_SQLITE ? "INSERT OR FAIL INTO " rest : "INSERT INTO " rest)

/* ---- attribution against course_iris ---- */

/* The course_iris snapshot of one connection: IRI -> course id, and course
 * -> department. Reloaded when course_iris_version (bumped by triggers on
 * course_iris and on a course's department, migration 0010) differs from
 * the version it was read at; checked once per
 * transaction, and again by a re-attribution (which follows IRI changes in
 * its own transaction). */
struct gw_kpi_iris {
    struct gw_strmap map;   /* key: iri, sval: course id */
    struct gw_strmap depts; /* key: course id, sval: department id */
    int64_t version;        /* 0: never loaded */
    bool checked;           /* in the open transaction */
    bool months;            /* the schema has the month state (migration 0018) */
    bool firsts;            /* the schema has the first-day state (migration 0019) */
};

void gw_kst_iris_tx_end(struct gw_db *db)
{
    if (db->iris)
        db->iris->checked = false;
}

void gw_kst_iris_free(struct gw_db *db)
{
    if (!db->iris)
        return;
    gw_strmap_free(&db->iris->map);
    gw_strmap_free(&db->iris->depts);
    free(db->iris);
    db->iris = NULL;
}

static enum gw_qs iris_current(struct gw_db *db, struct gw_kpi_iris **out, struct gw_error *err)
{
    if (!db->iris)
        db->iris = gw_xcalloc(1, sizeof *db->iris);
    struct gw_kpi_iris *c = db->iris;
    *out = c;
    if (c->checked)
        return GW_QS_ONE;
    struct gw_db_rows *r = NULL;
    enum gw_qs qs =
        gw_db_query(db, "SELECT version FROM course_iris_version", NULL, 0, &r, NULL, err);
    int64_t version = qs == GW_QS_ONE ? gw_db_col_int(r, 0) : 0;
    gw_db_rows_free(r);
    if (qs < 0)
        return qs;
    /* a database migrated only part of the way (tests of old schemas) has
     * no month state (0018) or first-day state (0019) to keep; the upgrade
     * step rebuilds them once it has */
    r = NULL;
    qs = gw_db_query(db,
                     gw_db_dialect(db) == GW_DIALECT_SQLITE
                         ? "SELECT COALESCE(SUM(name = 'kpi_learner_months'), 0), "
                           "COALESCE(SUM(name = 'kpi_first_totals'), 0) FROM sqlite_master WHERE "
                           "type = 'table' AND name IN ('kpi_learner_months', 'kpi_first_totals')"
                         : "SELECT COUNT(*) FILTER (WHERE tablename = 'kpi_learner_months'), "
                           "COUNT(*) FILTER (WHERE tablename = 'kpi_first_totals') FROM pg_tables "
                           "WHERE schemaname = current_schema() AND tablename IN "
                           "('kpi_learner_months', 'kpi_first_totals')",
                     NULL, 0, &r, NULL, err);
    c->months = qs == GW_QS_ONE && gw_db_col_int(r, 0) > 0;
    c->firsts = qs == GW_QS_ONE && gw_db_col_int(r, 1) > 0;
    gw_db_rows_free(r);
    if (qs < 0)
        return qs;
    if (version != c->version || version == 0) {
        gw_strmap_clear(&c->map);
        c->version = 0;
        r = NULL;
        qs = gw_db_query(db, "SELECT iri, course_id FROM course_iris", NULL, 0, &r, NULL, err);
        for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
            const char *iri = gw_db_col_text(r, 0);
            struct gw_strmap_entry *e = gw_strmap_add(&c->map, iri, strlen(iri));
            e->sval = gw_xstrdup(gw_db_col_text(r, 1));
        }
        if (qs == GW_QS_ONE)
            qs = gw_db_rows_status(r, err);
        gw_db_rows_free(r);
        gw_strmap_clear(&c->depts);
        r = NULL;
        if (qs >= 0)
            qs = gw_db_query(db, "SELECT id, department_id FROM courses", NULL, 0, &r, NULL, err);
        for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
            const char *id = gw_db_col_text(r, 0);
            struct gw_strmap_entry *e = gw_strmap_add(&c->depts, id, strlen(id));
            e->sval = gw_xstrdup(gw_db_col_text(r, 1));
        }
        if (qs == GW_QS_ONE)
            qs = gw_db_rows_status(r, err);
        gw_db_rows_free(r);
        if (qs < 0) {
            gw_strmap_clear(&c->map);
            gw_strmap_clear(&c->depts);
            return qs;
        }
        c->version = version;
    }
    c->checked = true;
    return GW_QS_ONE;
}

/* Whether this transaction keeps the month state (the schema has it). */
static enum gw_qs months_kept(struct gw_db *db, bool *kept, struct gw_error *err)
{
    struct gw_kpi_iris *iris = NULL;
    enum gw_qs qs = iris_current(db, &iris, err);
    *kept = qs >= 0 && iris->months;
    return qs;
}

/* Whether this transaction keeps the first-day state (migration 0019). */
static enum gw_qs firsts_kept(struct gw_db *db, bool *kept, struct gw_error *err)
{
    struct gw_kpi_iris *iris = NULL;
    enum gw_qs qs = iris_current(db, &iris, err);
    *kept = qs >= 0 && iris->firsts;
    return qs;
}

/* The department that requested course (heap, "" when the course is
 * unknown): from the snapshot, which course_iris_version also invalidates
 * when a course moves to another department. */
static enum gw_qs course_department(struct gw_db *db, const char *course, char **dept,
                                    struct gw_error *err)
{
    struct gw_kpi_iris *iris = NULL;
    enum gw_qs qs = iris_current(db, &iris, err);
    const struct gw_strmap_entry *e =
        qs >= 0 ? gw_strmap_get(&iris->depts, course, strlen(course)) : NULL;
    if (e) {
        *dept = gw_xstrdup(e->sval);
        return GW_QS_ONE;
    }
    struct gw_dbp p[] = {GW_P_TEXT(course)};
    struct gw_db_rows *r = NULL;
    if (qs >= 0)
        qs =
            gw_db_query(db, "SELECT department_id FROM courses WHERE id = $1", p, 1, &r, NULL, err);
    *dept = gw_xstrdup(qs == GW_QS_ONE ? gw_db_col_text(r, 0) : "");
    gw_db_rows_free(r);
    return qs;
}

static const char *iris_lookup(void *ud, const char *iri, size_t len)
{
    const struct gw_strmap_entry *e = gw_strmap_get(ud, iri, len);
    return e ? e->sval : NULL;
}

/* *course: the course the statement is attributed to (gw_kpi_attribute_activities
 * over the connection's course_iris snapshot), or NULL when unattributed.
 * Borrowed from the snapshot, which stays as it is until the transaction
 * ends or a re-attribution starts. */
static enum gw_qs attribute(struct gw_db *db, const struct gw_kpi_activity *acts, size_t n,
                            const char **course, bool *course_level, struct gw_error *err)
{
    *course = NULL;
    *course_level = false;
    struct gw_kpi_iris *iris = NULL;
    enum gw_qs qs = iris_current(db, &iris, err);
    if (qs < 0)
        return qs;
    if (iris->map.count == 0)
        return GW_QS_NONE;
    *course = gw_kpi_attribute_activities(acts, n, iris_lookup, &iris->map, course_level);
    return GW_QS_NONE;
}

/* ---- rows ---- */

#define ROW_COLS                                                                                   \
    "statements, first_ms, complete_ms, passed, failed, best_score, rating_ms, rating_seq, "       \
    "rating, comments"

void gw_kst_row_read(struct gw_db_rows *r, int c, struct gw_kpi_row *row)
{
    gw_kpi_row_init(row);
    row->statements = gw_db_col_int(r, c);
    row->first_ms = gw_db_col_int(r, c + 1);
    if (!gw_db_col_null(r, c + 2))
        row->complete_ms = gw_db_col_int(r, c + 2);
    row->passed = gw_db_col_int(r, c + 3) != 0;
    row->failed = gw_db_col_int(r, c + 4) != 0;
    row->has_score = !gw_db_col_null(r, c + 5);
    if (row->has_score)
        row->best_score = gw_db_col_real(r, c + 5);
    row->has_rating = !gw_db_col_null(r, c + 8);
    if (row->has_rating) {
        row->rating_ms = gw_db_col_int(r, c + 6);
        row->rating_seq = gw_db_col_int(r, c + 7);
        row->rating = gw_db_col_real(r, c + 8);
    }
    row->comments = gw_db_col_int(r, c + 9);
}

/* The ten row values as parameters, after the leading ones in p[0..k). */
static void row_params(const struct gw_kpi_row *row, struct gw_dbp *p)
{
    p[0] = GW_P_INT(row->statements);
    p[1] = GW_P_INT(row->first_ms);
    p[2] = row->complete_ms != INT64_MAX ? GW_P_INT(row->complete_ms) : GW_P_NULL;
    p[3] = GW_P_INT(row->passed ? 1 : 0);
    p[4] = GW_P_INT(row->failed ? 1 : 0);
    p[5] = row->has_score ? GW_P_REAL(row->best_score) : GW_P_NULL;
    p[6] = row->has_rating ? GW_P_INT(row->rating_ms) : GW_P_NULL;
    p[7] = row->has_rating ? GW_P_INT(row->rating_seq) : GW_P_NULL;
    p[8] = row->has_rating ? GW_P_REAL(row->rating) : GW_P_NULL;
    p[9] = GW_P_INT(row->comments);
}

#define ROW_SET                                                                                    \
    "statements = excluded.statements, first_ms = excluded.first_ms, complete_ms = "               \
    "excluded.complete_ms, passed = excluded.passed, failed = excluded.failed, best_score = "      \
    "excluded.best_score, rating_ms = excluded.rating_ms, rating_seq = excluded.rating_seq, "      \
    "rating = excluded.rating, comments = excluded.comments"

#define ROW_UPDATE                                                                                 \
    "statements = $4, first_ms = $5, complete_ms = $6, passed = $7, failed = $8, best_score = "    \
    "$9, "                                                                                         \
    "rating_ms = $10, rating_seq = $11, rating = $12, comments = $13"

/* Writes the (course, learner, day) row; exists says whether the caller
 * found it in this transaction. An existing row is updated in place (no
 * indexed column changes, so SQLite needs no statement journal); a new one
 * is inserted (on PostgreSQL as an upsert, in case another instance added
 * it meanwhile). */
static enum gw_qs put_day(struct gw_db *db, const char *course, const char *learner, int64_t day,
                          const struct gw_kpi_row *row, bool exists, struct gw_error *err)
{
    struct gw_dbp p[14] = {GW_P_TEXT(course), GW_P_TEXT(learner), GW_P_INT(day)};
    int64_t changed = 0;
    enum gw_qs qs = GW_QS_NONE;
    if (exists) {
        row_params(row, p + 3);
        qs = gw_db_query(db,
                         "UPDATE kpi_learner_days SET " ROW_UPDATE " WHERE course_id = $1 AND "
                         "learner_key = $2 AND day = $3",
                         p, 13, NULL, &changed, err);
        if (qs < 0 || changed > 0)
            return qs;
    }
    p[3] = GW_P_INT(gw_kpi_month_of_day(day));
    row_params(row, p + 4);
    return gw_db_query(
        db,
        gw_db_dialect(db) == GW_DIALECT_SQLITE
            ? "INSERT OR FAIL INTO kpi_learner_days (course_id, learner_key, day, "
              "month, " ROW_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
              "$10, $11, $12, $13, $14)"
            : "INSERT INTO kpi_learner_days (course_id, learner_key, day, month, " ROW_COLS
              ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
              "$14) ON CONFLICT (course_id, learner_key, day) DO UPDATE SET " ROW_SET,
        p, 14, NULL, NULL, err);
}

/* ---- a round's KPI work folded in memory (the deferred index) ----
 * A round of the deferred index (xapi_index.c) applies up to thousands of
 * statements in one transaction. Instead of reading and writing a learner's
 * rows and the totals once per statement, the round folds its statements
 * into these entries (each row read once, when first touched) and writes
 * every touched row once at the end: the same rows as statement by
 * statement, since the folds are the same and in the same order, and the
 * totals and histogram moves are sums. Entries are found by a key with a
 * kind prefix in one map (ival: the index in the kind's array). */
struct kb_day {
    char *course, *learner;
    int64_t day;
    bool exists;
    struct gw_kpi_row row;
};

/* A (course, learner) row over all time (month 0) or of one month. */
struct kb_learner {
    char *course, *learner, *old_dept;
    int month;
    bool found;
    struct gw_kpi_row old, cur;
    int64_t old_last, cur_last; /* last active day (over all time only) */
};

/* Which totals of a scope a delta moves: over all time (kpi_totals), of
 * one month (kpi_month_totals, period 202611), or of the pairs first active
 * on a day or in a month (kpi_first_totals, migration 0019, period the day
 * number or 202611); the histograms alike. */
enum tk_kind { TK_ALL, TK_MONTH, TK_FIRST_DAY, TK_FIRST_MONTH };
struct tkey {
    enum tk_kind kind;
    int64_t period;
};

/* Totals and histogram buckets of a scope, under one key. */
struct kb_scope {
    char *scope;
    struct tkey k;
    struct gw_kpi_totals d;
};

struct kb_hist {
    char *scope;
    struct tkey k;
    int64_t bucket, n;
};

struct kb_unattributed {
    int64_t day, n;
};

struct gw_kst_batch {
    struct gw_strmap ix;
    struct gw_buf key;
    struct kb_day *days;
    size_t n_days, cap_days;
    struct kb_learner *learners;
    size_t n_learners, cap_learners;
    struct kb_learner *months;
    size_t n_months, cap_months;
    struct kb_scope *scopes;
    size_t n_scopes, cap_scopes;
    struct kb_hist *hists;
    size_t n_hists, cap_hists;
    struct kb_unattributed *unattributed;
    size_t n_unattributed, cap_unattributed;
    /* PostgreSQL: the kpi_statements rows, columns as array literals,
     * inserted by the flush in one statement */
    struct gw_pgarray rows[5];
};

struct gw_kst_batch *gw_kst_batch_new(void)
{
    return gw_xcalloc(1, sizeof(struct gw_kst_batch));
}

void gw_kst_batch_free(struct gw_kst_batch *kb)
{
    if (!kb)
        return;
    for (size_t i = 0; i < kb->n_days; i++) {
        free(kb->days[i].course);
        free(kb->days[i].learner);
    }
    for (size_t i = 0; i < kb->n_learners; i++) {
        free(kb->learners[i].course);
        free(kb->learners[i].learner);
        free(kb->learners[i].old_dept);
    }
    for (size_t i = 0; i < kb->n_months; i++) {
        free(kb->months[i].course);
        free(kb->months[i].learner);
        free(kb->months[i].old_dept);
    }
    for (size_t i = 0; i < kb->n_scopes; i++)
        free(kb->scopes[i].scope);
    for (size_t i = 0; i < kb->n_hists; i++)
        free(kb->hists[i].scope);
    free(kb->days);
    free(kb->learners);
    free(kb->months);
    free(kb->scopes);
    free(kb->hists);
    free(kb->unattributed);
    for (int i = 0; i < 5; i++)
        gw_pgarray_free(&kb->rows[i]);
    gw_strmap_free(&kb->ix);
    gw_buf_free(&kb->key);
    free(kb);
}

/* The key of an entry: a kind letter and the parts, separated by a unit
 * separator (no IRI or agent key holds one). */
static const char *kb_key(struct gw_kst_batch *kb, char kind, const char *a, const char *b,
                          int64_t n)
{
    gw_buf_reset(&kb->key);
    gw_buf_printf(&kb->key, "%c%s\x1f%s\x1f%lld", kind, a ? a : "", b ? b : "", (long long)n);
    return gw_buf_str(&kb->key);
}

/* The index of the entry for the key just built, or -1. */
static int64_t kb_find(const struct gw_kst_batch *kb)
{
    const struct gw_strmap_entry *e = gw_strmap_get(&kb->ix, kb->key.data, kb->key.len);
    return e ? e->ival : -1;
}

static void kb_index(struct gw_kst_batch *kb, size_t i)
{
    gw_strmap_add(&kb->ix, kb->key.data, kb->key.len)->ival = (int64_t)i;
}

static void kb_totals(struct gw_kst_batch *kb, const char *scope, struct tkey k,
                      const struct gw_kpi_totals *d)
{
    char kk[32];
    snprintf(kk, sizeof kk, "%d", (int)k.kind);
    kb_key(kb, 'S', scope, kk, k.period);
    int64_t i = kb_find(kb);
    if (i < 0) {
        kb->scopes = gw_xgrow(kb->scopes, kb->n_scopes, &kb->cap_scopes, sizeof *kb->scopes);
        i = (int64_t)kb->n_scopes++;
        kb->scopes[i] = (struct kb_scope){.scope = gw_xstrdup(scope), .k = k};
        kb_index(kb, (size_t)i);
    }
    gw_kpi_totals_add(&kb->scopes[i].d, d);
}

static void kb_hist(struct gw_kst_batch *kb, const char *scope, struct tkey k, int64_t bucket,
                    int n)
{
    char kk[48];
    snprintf(kk, sizeof kk, "%d:%lld", (int)k.kind, (long long)k.period);
    kb_key(kb, 'H', scope, kk, bucket);
    int64_t i = kb_find(kb);
    if (i < 0) {
        kb->hists = gw_xgrow(kb->hists, kb->n_hists, &kb->cap_hists, sizeof *kb->hists);
        i = (int64_t)kb->n_hists++;
        kb->hists[i] = (struct kb_hist){gw_xstrdup(scope), k, bucket, 0};
        kb_index(kb, (size_t)i);
    }
    kb->hists[i].n += n;
}

static void kb_unattributed(struct gw_kst_batch *kb, int64_t day, int n)
{
    kb_key(kb, 'U', NULL, NULL, day);
    int64_t i = kb_find(kb);
    if (i < 0) {
        kb->unattributed = gw_xgrow(kb->unattributed, kb->n_unattributed, &kb->cap_unattributed,
                                    sizeof *kb->unattributed);
        i = (int64_t)kb->n_unattributed++;
        kb->unattributed[i] = (struct kb_unattributed){day, 0};
        kb_index(kb, (size_t)i);
    }
    kb->unattributed[i].n += n;
}

/* ---- totals and the time-to-complete histogram ---- */

#define TOTALS_COLS                                                                                \
    "started, completed, passed, failed, n_score, sum_score, feedback, sum_rating, rating_1, "     \
    "rating_2, rating_3, rating_4, rating_5, comments, statements"

#define TOTALS_ADD(t)                                                                              \
    "started = " t ".started + excluded.started, completed = " t ".completed + "                   \
    "excluded.completed, passed = " t ".passed + excluded.passed, failed = " t ".failed + "        \
    "excluded.failed, n_score = " t ".n_score + excluded.n_score, sum_score = " t ".sum_score + "  \
    "excluded.sum_score, feedback = " t ".feedback + excluded.feedback, sum_rating = " t           \
    ".sum_rating + excluded.sum_rating, rating_1 = " t ".rating_1 + excluded.rating_1, rating_2 "  \
    "= " t ".rating_2 + excluded.rating_2, rating_3 = " t ".rating_3 + excluded.rating_3, "        \
    "rating_4 = " t ".rating_4 + excluded.rating_4, rating_5 = " t ".rating_5 + "                  \
    "excluded.rating_5, comments = " t ".comments + excluded.comments, statements = " t            \
    ".statements + excluded.statements"

#define TOTALS_ADD_PARAMS                                                                          \
    "started = started + $2, completed = completed + $3, passed = passed + $4, failed = failed + " \
    "$5, n_score = n_score + $6, sum_score = sum_score + $7, feedback = feedback + $8, "           \
    "sum_rating = sum_rating + $9, rating_1 = rating_1 + $10, rating_2 = rating_2 + $11, "         \
    "rating_3 = rating_3 + $12, rating_4 = rating_4 + $13, rating_5 = rating_5 + $14, comments "   \
    "= comments + $15, statements = statements + $16"

#define TOTALS_VALUES "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16"

/* The SQL that moves one kind of totals and histograms: an UPDATE of the
 * existing row (no index changes: no statement journal on SQLite), or the
 * first row as an upsert. Parameters: $1 scope, $2..$16 the deltas
 * (TOTALS_COLS), then the key ($17, $18); for the histogram $1 scope, $2
 * bucket, $3 n, then the key ($4, $5). */
struct tk_sql {
    const char *update, *upsert, *hist_update, *hist_upsert;
    int n_key;
};

static const struct tk_sql tk_sqls[] = {
    [TK_ALL] = {"UPDATE kpi_totals SET " TOTALS_ADD_PARAMS " WHERE scope = $1",
                "INSERT INTO kpi_totals (scope, " TOTALS_COLS ") VALUES (" TOTALS_VALUES
                ") ON CONFLICT (scope) DO UPDATE SET " TOTALS_ADD("kpi_totals"),
                "UPDATE kpi_ttc_hist SET n = n + $3 WHERE scope = $1 AND bucket = $2",
                "INSERT INTO kpi_ttc_hist (scope, bucket, n) VALUES ($1, $2, $3) ON CONFLICT "
                "(scope, bucket) DO UPDATE SET n = kpi_ttc_hist.n + excluded.n",
                0},
    [TK_MONTH] =
        {"UPDATE kpi_month_totals SET " TOTALS_ADD_PARAMS " WHERE scope = $1 AND month = $17",
         "INSERT INTO kpi_month_totals (scope, " TOTALS_COLS ", month) VALUES (" TOTALS_VALUES
         ", $17) ON CONFLICT (scope, month) DO UPDATE SET " TOTALS_ADD("kpi_month_totals"),
         "UPDATE kpi_month_hist SET n = n + $3 WHERE scope = $1 AND month = $4 AND bucket = "
         "$2",
         "INSERT INTO kpi_month_hist (scope, bucket, n, month) VALUES ($1, $2, $3, $4) ON "
         "CONFLICT (scope, month, bucket) DO UPDATE SET n = kpi_month_hist.n + excluded.n",
         1},
    [TK_FIRST_DAY] =
        {"UPDATE kpi_first_totals SET " TOTALS_ADD_PARAMS
         " WHERE scope = $1 AND grain = $17 AND period = $18",
         "INSERT INTO kpi_first_totals (scope, " TOTALS_COLS
         ", grain, period) VALUES (" TOTALS_VALUES
         ", $17, $18) ON CONFLICT (scope, grain, period) DO UPDATE SET " TOTALS_ADD(
             "kpi_first_totals"),
         "UPDATE kpi_first_hist SET n = n + $3 WHERE scope = $1 AND grain = $4 AND "
         "period = $5 AND bucket = $2",
         "INSERT INTO kpi_first_hist (scope, bucket, n, grain, period) VALUES ($1, $2, "
         "$3, $4, $5) ON CONFLICT (scope, grain, period, bucket) DO UPDATE SET n = "
         "kpi_first_hist.n + excluded.n",
         2},
};

/* The SQL of a key (the first-period kinds share theirs) and its key
 * parameters. */
static const struct tk_sql *tk_of(struct tkey k, struct gw_dbp key[2])
{
    key[0] = k.kind == TK_FIRST_DAY     ? GW_P_INT(GW_KPI_GRAIN_DAY)
             : k.kind == TK_FIRST_MONTH ? GW_P_INT(GW_KPI_GRAIN_MONTH)
                                        : GW_P_INT(k.period);
    key[1] = GW_P_INT(k.period);
    return &tk_sqls[k.kind == TK_FIRST_MONTH ? TK_FIRST_DAY : k.kind];
}

/* Adds deltas d to one scope's totals under key k. */
static enum gw_qs totals_add(struct gw_db *db, const char *scope, struct tkey k,
                             const struct gw_kpi_totals *d, struct gw_error *err)
{
    struct gw_dbp p[18] = {
        GW_P_TEXT(scope),        GW_P_INT(d->started),  GW_P_INT(d->completed),
        GW_P_INT(d->passed),     GW_P_INT(d->failed),   GW_P_INT(d->n_score),
        GW_P_INT(d->sum_score),  GW_P_INT(d->feedback), GW_P_INT(d->sum_rating),
        GW_P_INT(d->dist[0]),    GW_P_INT(d->dist[1]),  GW_P_INT(d->dist[2]),
        GW_P_INT(d->dist[3]),    GW_P_INT(d->dist[4]),  GW_P_INT(d->comments),
        GW_P_INT(d->statements),
    };
    const struct tk_sql *t = tk_of(k, p + 16);
    int64_t changed = 0;
    enum gw_qs qs = gw_db_query(db, t->update, p, 16 + t->n_key, NULL, &changed, err);
    if (qs < 0 || changed > 0)
        return qs;
    return gw_db_query(db, t->upsert, p, 16 + t->n_key, NULL, NULL, err);
}

/* Moves one scope's time-to-complete histogram bucket by n, under key k. */
static enum gw_qs hist_add(struct gw_db *db, const char *scope, struct tkey k, int64_t bucket,
                           int n, struct gw_error *err)
{
    struct gw_dbp p[5] = {GW_P_TEXT(scope), GW_P_INT(bucket), GW_P_INT(n)};
    const struct tk_sql *t = tk_of(k, p + 3);
    int64_t changed = 0;
    enum gw_qs qs = gw_db_query(db, t->hist_update, p, 3 + t->n_key, NULL, &changed, err);
    if (qs < 0 || changed > 0)
        return qs;
    return gw_db_query(db, t->hist_upsert, p, 3 + t->n_key, NULL, NULL, err);
}

/* Moves the totals and histograms of scopes (the course's and the
 * department's; of a month also every course's, 'a:') under key k by what
 * the change of a (course, learner) row from old to nw (either may be NULL)
 * does to them (gw_kpi_totals_delta, gw_kpi_ttc_moves): at once, or summed
 * in a round's batch kb. */
static enum gw_qs totals_delta(struct gw_db *db, const char *const *scopes, int n_scopes,
                               struct tkey k, const struct gw_kpi_row *old,
                               const struct gw_kpi_row *nw, bool learner, struct gw_kst_batch *kb,
                               struct gw_error *err)
{
    struct gw_kpi_totals d;
    gw_kpi_totals_delta(old, nw, learner, &d);
    int64_t from = -1, to = -1;
    gw_kpi_ttc_moves(old, nw, learner, &from, &to);
    enum gw_qs qs = GW_QS_NONE;
    for (int i = 0; i < n_scopes && qs >= 0; i++) {
        if (kb)
            kb_totals(kb, scopes[i], k, &d);
        else
            qs = totals_add(db, scopes[i], k, &d, err);
    }
    for (int i = 0; i < n_scopes && qs >= 0; i++) {
        if (from >= 0 && kb)
            kb_hist(kb, scopes[i], k, from, -1);
        else if (from >= 0)
            qs = hist_add(db, scopes[i], k, from, -1, err);
        if (qs >= 0 && to >= 0 && kb)
            kb_hist(kb, scopes[i], k, to, 1);
        else if (qs >= 0 && to >= 0)
            qs = hist_add(db, scopes[i], k, to, 1, err);
    }
    return qs;
}

#define ROW_UPDATE_AT3                                                                             \
    "statements = $3, first_ms = $4, complete_ms = $5, passed = $6, failed = $7, best_score = "    \
    "$8, "                                                                                         \
    "rating_ms = $9, rating_seq = $10, rating = $11, comments = $12"

/* The columns of kpi_learners the first-day state indexes (migration
 * 0019): first and last active day, span class, time-to-complete bucket. */
struct learner_span {
    int64_t first_day, last_day, span_class, ttc_bucket; /* ttc_bucket -1: none */
};

static struct learner_span span_of(const struct gw_kpi_row *r, int64_t last_day, int64_t ttc)
{
    struct learner_span sp = {-1, -1, -1, -1};
    if (!r)
        return sp;
    sp.first_day = gw_kpi_day(r->first_ms);
    sp.last_day = last_day;
    sp.span_class = gw_kpi_span_class(sp.first_day, last_day);
    sp.ttc_bucket = ttc >= 0 ? gw_kpi_ttc_bucket(ttc) : -1;
    return sp;
}

/* Writes the change of a (course, learner) row over all time from old to
 * nw into the department's and the course's first-period totals (migration
 * 0019): under the pair's first day and first month, moved from the old
 * first day to the new one when a late statement or a voiding moved it. */
static enum gw_qs firsts_delta(struct gw_db *db, const char *const scopes[2],
                               const struct gw_kpi_row *old, const struct gw_kpi_row *nw,
                               bool is_learner, struct gw_kst_batch *kb, struct gw_error *err)
{
    int64_t f_old = old ? gw_kpi_day(old->first_ms) : 0, f_new = nw ? gw_kpi_day(nw->first_ms) : 0;
    bool same = old && nw && f_old == f_new;
    /* the moves: under the new first day from old (same day) or nothing,
     * and under the old first day (moved) to nothing */
    const struct {
        int64_t day;
        const struct gw_kpi_row *from, *to;
    } mv[2] = {{f_new, same ? old : NULL, nw}, {f_old, same ? NULL : old, NULL}};
    enum gw_qs qs = GW_QS_NONE;
    for (int i = 0; i < 2 && qs >= 0; i++) {
        if (!mv[i].from && !mv[i].to)
            continue;
        qs = totals_delta(db, scopes, 2, (struct tkey){TK_FIRST_DAY, mv[i].day}, mv[i].from,
                          mv[i].to, is_learner, kb, err);
        if (qs >= 0)
            qs = totals_delta(db, scopes, 2,
                              (struct tkey){TK_FIRST_MONTH, gw_kpi_month_of_day(mv[i].day)},
                              mv[i].from, mv[i].to, is_learner, kb, err);
    }
    return qs;
}

/* Writes the indexed columns of an existing (course, learner) row:
 * department, time to complete and, when the schema has them, the span
 * columns. */
static enum gw_qs put_learner_index(struct gw_db *db, const char *course, const char *learner,
                                    const char *dept, int64_t ttc, const struct learner_span *sp,
                                    bool firsts, struct gw_error *err)
{
    struct gw_dbp p[] = {
        GW_P_TEXT(course),        GW_P_TEXT(learner),
        GW_P_TEXT(dept),          ttc >= 0 ? GW_P_INT(ttc) : GW_P_NULL,
        GW_P_INT(sp->first_day),  GW_P_INT(sp->last_day),
        GW_P_INT(sp->span_class), sp->ttc_bucket >= 0 ? GW_P_INT(sp->ttc_bucket) : GW_P_NULL};
    return gw_db_query(db,
                       firsts ? "UPDATE kpi_learners SET department_id = $3, ttc_ms = $4, "
                                "first_day = $5, last_day = $6, span_class = $7, ttc_bucket = $8 "
                                "WHERE course_id = $1 AND learner_key = $2"
                              : "UPDATE kpi_learners SET department_id = $3, ttc_ms = $4 WHERE "
                                "course_id = $1 AND learner_key = $2",
                       p, firsts ? 8 : 4, NULL, NULL, err);
}

/* Inserts a new (course, learner) row (on PostgreSQL as an upsert). */
static enum gw_qs insert_learner(struct gw_db *db, const char *course, const char *learner,
                                 const char *dept, int64_t ttc, const struct gw_kpi_row *nw,
                                 const struct learner_span *sp, bool firsts, struct gw_error *err)
{
    struct gw_dbp p[18] = {GW_P_TEXT(course), GW_P_TEXT(learner), GW_P_TEXT(dept),
                           ttc >= 0 ? GW_P_INT(ttc) : GW_P_NULL};
    row_params(nw, p + 4);
    p[14] = GW_P_INT(sp->first_day);
    p[15] = GW_P_INT(sp->last_day);
    p[16] = GW_P_INT(sp->span_class);
    p[17] = sp->ttc_bucket >= 0 ? GW_P_INT(sp->ttc_bucket) : GW_P_NULL;
    bool lite = gw_db_dialect(db) == GW_DIALECT_SQLITE;
    const char *sql = NULL;
    if (firsts)
        sql = lite ? "INSERT OR FAIL INTO kpi_learners (course_id, learner_key, department_id, "
                     "ttc_ms, " ROW_COLS ", first_day, last_day, span_class, ttc_bucket) VALUES "
                     "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
                     "$17, $18)"
                   : "INSERT INTO kpi_learners (course_id, learner_key, department_id, "
                     "ttc_ms, " ROW_COLS
                     ", first_day, last_day, span_class, ttc_bucket) VALUES ($1, $2, $3, $4, $5, "
                     "$6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) ON CONFLICT "
                     "(course_id, learner_key) DO UPDATE SET department_id = "
                     "excluded.department_id, ttc_ms = excluded.ttc_ms, first_day = "
                     "excluded.first_day, last_day = excluded.last_day, span_class = "
                     "excluded.span_class, ttc_bucket = excluded.ttc_bucket, " ROW_SET;
    else
        sql = lite ? "INSERT OR FAIL INTO kpi_learners (course_id, learner_key, department_id, "
                     "ttc_ms, " ROW_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
                     "$12, $13, $14)"
                   : "INSERT INTO kpi_learners (course_id, learner_key, department_id, "
                     "ttc_ms, " ROW_COLS
                     ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON "
                     "CONFLICT (course_id, learner_key) DO UPDATE SET department_id = "
                     "excluded.department_id, ttc_ms = excluded.ttc_ms, " ROW_SET;
    return gw_db_query(db, sql, p, firsts ? 18 : 14, NULL, NULL, err);
}

/* Replaces the (course, learner) row old (in department old_dept, last
 * active on day old_last) by nw (NULL: deleted; last active on new_last)
 * and moves the course's and the department's totals by the difference,
 * over all time and per first period (migration 0019). An existing row is
 * updated in place; its indexed columns (department, time to complete,
 * span) only when they change. */
static enum gw_qs update_learner(struct gw_db *db, const char *course, const char *learner,
                                 const struct gw_kpi_row *old, const char *old_dept,
                                 int64_t old_last, const struct gw_kpi_row *nw, int64_t new_last,
                                 struct gw_kst_batch *kb, struct gw_error *err)
{
    char *dept = NULL;
    bool firsts = false;
    enum gw_qs qs = course_department(db, course, &dept, err);
    if (qs >= 0)
        qs = firsts_kept(db, &firsts, err);
    bool is_learner = learner[0] != '\0'; /* "": statements without a learner */
    int64_t t_old = gw_kpi_learner_ttc(old, is_learner), t_new = gw_kpi_learner_ttc(nw, is_learner);
    struct learner_span s_old = span_of(old, old_last, t_old), s_new = span_of(nw, new_last, t_new);
    if (qs >= 0 && nw && old) {
        struct gw_dbp p[12] = {GW_P_TEXT(course), GW_P_TEXT(learner)};
        row_params(nw, p + 2);
        qs = gw_db_query(db,
                         "UPDATE kpi_learners SET " ROW_UPDATE_AT3 " WHERE course_id = $1 AND "
                         "learner_key = $2",
                         p, 12, NULL, NULL, err);
        bool moved = firsts && memcmp(&s_old, &s_new, sizeof s_old) != 0;
        if (qs >= 0 && (t_old != t_new || !old_dept || strcmp(old_dept, dept) != 0 || moved))
            qs = put_learner_index(db, course, learner, dept, t_new, &s_new, firsts, err);
    } else if (qs >= 0 && nw) {
        qs = insert_learner(db, course, learner, dept, t_new, nw, &s_new, firsts, err);
    } else if (qs >= 0) {
        struct gw_dbp p[] = {GW_P_TEXT(course), GW_P_TEXT(learner)};
        qs = gw_db_query(db, "DELETE FROM kpi_learners WHERE course_id = $1 AND learner_key = $2",
                         p, 2, NULL, NULL, err);
    }
    /* courses.department_id is NOT NULL: the department scope always exists */
    if (qs >= 0) {
        size_t nc = strlen(course) + 3, nd = strlen(dept) + 3;
        char *sc = gw_xmalloc(nc), *sd = gw_xmalloc(nd);
        snprintf(sc, nc, "c:%s", course);
        snprintf(sd, nd, "d:%s", dept);
        const char *const scopes[2] = {sc, sd};
        qs = totals_delta(db, scopes, 2, (struct tkey){TK_ALL, 0}, old, nw, is_learner, kb, err);
        if (qs >= 0 && firsts)
            qs = firsts_delta(db, scopes, old, nw, is_learner, kb, err);
        free(sc);
        free(sd);
    }
    free(dept);
    return qs;
}

/* One learner row (ROW_COLS then department_id) by sql; *found says whether
 * it exists (row initialised when not), *dept (heap, may be NULL) receives
 * its department. */
static enum gw_qs load_row(struct gw_db *db, const char *sql, const struct gw_dbp *p, int n,
                           struct gw_kpi_row *row, bool *found, char **dept, int64_t *last_day,
                           struct gw_error *err)
{
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, sql, p, n, &r, NULL, err);
    *found = qs == GW_QS_ONE;
    *dept = NULL;
    if (*found) {
        gw_kst_row_read(r, 0, row);
        *dept = gw_xstrdup(gw_db_col_text(r, 10));
        if (last_day)
            *last_day = gw_db_col_int(r, 11);
    } else {
        gw_kpi_row_init(row);
    }
    gw_db_rows_free(r);
    return qs;
}

/* The (course, learner) row over all time; *found says whether it exists,
 * *dept (heap, may be NULL) receives its department, *last_day its last
 * active day (-1 when unknown: not found, or a schema before 0019). */
static enum gw_qs get_learner(struct gw_db *db, const char *course, const char *learner,
                              struct gw_kpi_row *row, bool *found, char **dept, int64_t *last_day,
                              struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(course), GW_P_TEXT(learner)};
    bool firsts = false;
    enum gw_qs qs = firsts_kept(db, &firsts, err);
    *last_day = -1;
    *found = false;
    *dept = NULL;
    if (qs < 0)
        return qs;
    return load_row(db,
                    firsts ? "SELECT " ROW_COLS ", department_id, last_day FROM kpi_learners "
                             "WHERE course_id = $1 AND learner_key = $2"
                           : "SELECT " ROW_COLS ", department_id FROM kpi_learners WHERE "
                             "course_id = $1 AND learner_key = $2",
                    p, 2, row, found, dept, firsts ? last_day : NULL, err);
}

/* ---- a learner's month rows (migration 0018) ---- */

/* The (course, learner, month) row; *found says whether it exists, *dept
 * (heap, may be NULL) receives its department. */
static enum gw_qs get_month(struct gw_db *db, const char *course, const char *learner, int month,
                            struct gw_kpi_row *row, bool *found, char **dept, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(course), GW_P_TEXT(learner), GW_P_INT(month)};
    return load_row(db,
                    "SELECT " ROW_COLS ", department_id FROM kpi_learner_months "
                    "WHERE course_id = $1 AND learner_key = $2 AND month = $3",
                    p, 3, row, found, dept, NULL, err);
}

/* update_learner for the learner's row of one month: replaces old (in
 * department old_dept) by nw (NULL: deleted) and moves that month's totals
 * of the course, the department and every course ('a:'). */
static enum gw_qs update_month(struct gw_db *db, const char *course, const char *learner, int month,
                               const struct gw_kpi_row *old, const char *old_dept,
                               const struct gw_kpi_row *nw, struct gw_kst_batch *kb,
                               struct gw_error *err)
{
    char *dept = NULL;
    enum gw_qs qs = course_department(db, course, &dept, err);
    bool is_learner = learner[0] != '\0';
    int64_t t_old = gw_kpi_learner_ttc(old, is_learner), t_new = gw_kpi_learner_ttc(nw, is_learner);
    if (qs >= 0 && nw && old) {
        struct gw_dbp p[13] = {GW_P_TEXT(course), GW_P_TEXT(learner)};
        row_params(nw, p + 2);
        p[12] = GW_P_INT(month);
        qs = gw_db_query(db,
                         "UPDATE kpi_learner_months SET " ROW_UPDATE_AT3 " WHERE course_id = $1 "
                         "AND learner_key = $2 AND month = $13",
                         p, 13, NULL, NULL, err);
        if (qs >= 0 && (t_old != t_new || !old_dept || strcmp(old_dept, dept) != 0)) {
            struct gw_dbp pi[] = {GW_P_TEXT(course), GW_P_TEXT(learner), GW_P_TEXT(dept),
                                  t_new >= 0 ? GW_P_INT(t_new) : GW_P_NULL, GW_P_INT(month)};
            qs = gw_db_query(db,
                             "UPDATE kpi_learner_months SET department_id = $3, ttc_ms = $4 "
                             "WHERE course_id = $1 AND learner_key = $2 AND month = $5",
                             pi, 5, NULL, NULL, err);
        }
    } else if (qs >= 0 && nw) {
        struct gw_dbp p[15] = {GW_P_TEXT(course), GW_P_TEXT(learner), GW_P_TEXT(dept),
                               t_new >= 0 ? GW_P_INT(t_new) : GW_P_NULL};
        row_params(nw, p + 4);
        p[14] = GW_P_INT(month);
        qs = gw_db_query(
            db,
            gw_db_dialect(db) == GW_DIALECT_SQLITE
                ? "INSERT OR FAIL INTO kpi_learner_months (course_id, learner_key, department_id, "
                  "ttc_ms, " ROW_COLS ", month) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                  "$11, $12, $13, $14, $15)"
                : "INSERT INTO kpi_learner_months (course_id, learner_key, department_id, "
                  "ttc_ms, " ROW_COLS ", month) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                  "$11, $12, $13, $14, $15) ON CONFLICT (course_id, learner_key, month) DO "
                  "UPDATE SET department_id = excluded.department_id, ttc_ms = excluded.ttc_ms, "
                  "" ROW_SET,
            p, 15, NULL, NULL, err);
    } else if (qs >= 0) {
        struct gw_dbp p[] = {GW_P_TEXT(course), GW_P_TEXT(learner), GW_P_INT(month)};
        qs = gw_db_query(db,
                         "DELETE FROM kpi_learner_months WHERE course_id = $1 AND learner_key = "
                         "$2 AND month = $3",
                         p, 3, NULL, NULL, err);
    }
    if (qs >= 0) {
        size_t nc = strlen(course) + 3, nd = strlen(dept) + 3;
        char *sc = gw_xmalloc(nc), *sd = gw_xmalloc(nd);
        snprintf(sc, nc, "c:%s", course);
        snprintf(sd, nd, "d:%s", dept);
        const char *const scopes[3] = {sc, sd, "a:"};
        qs = totals_delta(db, scopes, 3, (struct tkey){TK_MONTH, month}, old, nw, is_learner, kb,
                          err);
        free(sc);
        free(sd);
    }
    free(dept);
    return qs;
}

/* Folds one fact into the day row and the learner row. */
static enum gw_qs fold_fact(struct gw_db *db, const char *course, const char *learner,
                            const struct gw_kpi_fact *f, int64_t seq, struct gw_error *err)
{
    int64_t day = gw_kpi_day(f->ts_ms);
    struct gw_kpi_row row;
    struct gw_dbp p[] = {GW_P_TEXT(course), GW_P_TEXT(learner), GW_P_INT(day)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT " ROW_COLS " FROM kpi_learner_days WHERE course_id = $1 "
                                "AND learner_key = $2 AND day = $3",
                                p, 3, &r, NULL, err);
    bool day_exists = qs == GW_QS_ONE;
    if (day_exists)
        gw_kst_row_read(r, 0, &row);
    else
        gw_kpi_row_init(&row);
    gw_db_rows_free(r);
    if (qs < 0)
        return qs;
    gw_kpi_row_add(&row, f, seq);
    qs = put_day(db, course, learner, day, &row, day_exists, err);
    if (qs < 0)
        return qs;
    struct gw_kpi_row old;
    bool found = false;
    char *old_dept = NULL;
    int64_t old_last = -1;
    qs = get_learner(db, course, learner, &old, &found, &old_dept, &old_last, err);
    if (qs >= 0) {
        row = old;
        gw_kpi_row_add(&row, f, seq);
        qs = update_learner(db, course, learner, found ? &old : NULL, old_dept, old_last, &row,
                            found && old_last > day ? old_last : day, NULL, err);
    }
    free(old_dept);
    old_dept = NULL;
    int month = gw_kpi_month_of_day(day);
    bool months = false;
    if (qs >= 0)
        qs = months_kept(db, &months, err);
    if (qs >= 0 && months)
        qs = get_month(db, course, learner, month, &old, &found, &old_dept, err);
    if (qs >= 0 && months) {
        row = old;
        gw_kpi_row_add(&row, f, seq);
        qs = update_month(db, course, learner, month, found ? &old : NULL, old_dept, &row, NULL,
                          err);
    }
    free(old_dept);
    return qs;
}

/* fold_fact in a round's batch: the rows are read when first touched and
 * written by gw_kst_batch_flush. */
static enum gw_qs fold_fact_batched(struct gw_db *db, struct gw_kst_batch *kb, const char *course,
                                    const char *learner, const struct gw_kpi_fact *f, int64_t seq,
                                    struct gw_error *err)
{
    int64_t day = gw_kpi_day(f->ts_ms);
    enum gw_qs qs = GW_QS_NONE;
    kb_key(kb, 'D', course, learner, day);
    int64_t d = kb_find(kb);
    if (d < 0) {
        struct kb_day e = {.day = day};
        struct gw_dbp p[] = {GW_P_TEXT(course), GW_P_TEXT(learner), GW_P_INT(day)};
        struct gw_db_rows *r = NULL;
        qs = gw_db_query(db,
                         "SELECT " ROW_COLS " FROM kpi_learner_days WHERE course_id = $1 "
                         "AND learner_key = $2 AND day = $3",
                         p, 3, &r, NULL, err);
        e.exists = qs == GW_QS_ONE;
        if (e.exists)
            gw_kst_row_read(r, 0, &e.row);
        else
            gw_kpi_row_init(&e.row);
        gw_db_rows_free(r);
        if (qs < 0)
            return qs;
        e.course = gw_xstrdup(course);
        e.learner = gw_xstrdup(learner);
        kb->days = gw_xgrow(kb->days, kb->n_days, &kb->cap_days, sizeof *kb->days);
        d = (int64_t)kb->n_days++;
        kb->days[d] = e;
        kb_index(kb, (size_t)d); /* kb->key still holds its key */
    }
    gw_kpi_row_add(&kb->days[d].row, f, seq);
    kb_key(kb, 'L', course, learner, 0);
    int64_t l = kb_find(kb);
    if (l < 0) {
        struct kb_learner e = {0};
        qs = get_learner(db, course, learner, &e.old, &e.found, &e.old_dept, &e.old_last, err);
        if (qs < 0) {
            free(e.old_dept);
            return qs;
        }
        e.cur = e.old;
        e.cur_last = e.found ? e.old_last : day;
        e.course = gw_xstrdup(course);
        e.learner = gw_xstrdup(learner);
        kb->learners =
            gw_xgrow(kb->learners, kb->n_learners, &kb->cap_learners, sizeof *kb->learners);
        l = (int64_t)kb->n_learners++;
        kb->learners[l] = e;
        kb_index(kb, (size_t)l); /* kb->key still holds its key */
    }
    gw_kpi_row_add(&kb->learners[l].cur, f, seq);
    if (day > kb->learners[l].cur_last)
        kb->learners[l].cur_last = day;
    bool months = false;
    qs = months_kept(db, &months, err);
    if (qs < 0 || !months)
        return qs < 0 ? qs : GW_QS_ONE;
    int month = gw_kpi_month_of_day(day);
    kb_key(kb, 'M', course, learner, month);
    int64_t m = kb_find(kb);
    if (m < 0) {
        struct kb_learner e = {.month = month};
        qs = get_month(db, course, learner, month, &e.old, &e.found, &e.old_dept, err);
        if (qs < 0) {
            free(e.old_dept);
            return qs;
        }
        e.cur = e.old;
        e.course = gw_xstrdup(course);
        e.learner = gw_xstrdup(learner);
        kb->months = gw_xgrow(kb->months, kb->n_months, &kb->cap_months, sizeof *kb->months);
        m = (int64_t)kb->n_months++;
        kb->months[m] = e;
        kb_index(kb, (size_t)m); /* kb->key still holds its key */
    }
    gw_kpi_row_add(&kb->months[m].cur, f, seq);
    return GW_QS_ONE;
}

/* Moves the unattributed count of a UTC day. */
static enum gw_qs unattributed_add_day(struct gw_db *db, int64_t day, int64_t delta,
                                       struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_INT(day), GW_P_INT(delta)};
    return gw_db_query(db,
                       INSERT_INTO(db, "kpi_unattributed_days (day, statements) VALUES ($1, $2) "
                                       "ON CONFLICT (day) DO UPDATE SET statements = "
                                       "kpi_unattributed_days.statements + excluded.statements"),
                       p, 2, NULL, NULL, err);
}

static enum gw_qs unattributed_add(struct gw_db *db, int64_t ts_ms, int delta, struct gw_error *err)
{
    return unattributed_add_day(db, gw_kpi_day(ts_ms), delta, err);
}

/* ---- applying one statement ---- */

void gw_kpi_set_maintenance(struct gw_store *s, bool on)
{
    atomic_store(&s->kpi_maintenance_off, !on);
}

static bool maintenance_off(const struct gw_db *db)
{
    return db->store && atomic_load(&db->store->kpi_maintenance_off);
}

/* Records one counted statement (instant ts_ms) in kpi_statements and
 * folds it into its (course, learner) rows or the unattributed count; the
 * domain attributes it and says what it contributes. course_fact: its fact
 * as if attributed at course level (gw_kpi_statement_fact with course_level
 * true). */
static enum gw_qs apply_core(struct gw_db *db, const struct gw_kpi_fact *course_fact,
                             const char *learner, int64_t seq, int64_t ts_ms,
                             const struct gw_kpi_activity *acts, size_t n_acts,
                             struct gw_kst_batch *kb, struct gw_error *err)
{
    const char *course = NULL;
    bool cl = false;
    enum gw_qs qs = attribute(db, acts, n_acts, &course, &cl, err);
    if (qs < 0)
        return qs;
    const char *lk = learner ? learner : "";
    if (kb && gw_db_dialect(db) == GW_DIALECT_POSTGRES) {
        gw_pgarray_int(&kb->rows[0], seq); /* written by the flush */
        gw_pgarray_text(&kb->rows[1], course ? course : "");
        gw_pgarray_text(&kb->rows[2], lk);
        gw_pgarray_int(&kb->rows[3], cl ? 1 : 0);
        gw_pgarray_int(&kb->rows[4], ts_ms);
    } else {
        struct gw_dbp p[] = {GW_P_INT(seq), GW_P_TEXT(course ? course : ""), GW_P_TEXT(lk),
                             GW_P_INT(cl ? 1 : 0), GW_P_INT(ts_ms)};
        qs = gw_db_query(db,
                         INSERT_INTO(db, "kpi_statements (seq, course_id, learner_key, "
                                         "course_level, ts_ms) VALUES ($1, $2, $3, $4, $5)"),
                         p, 5, NULL, NULL, err);
    }
    if (qs < 0)
        return qs;
    if (!course && kb) {
        kb_unattributed(kb, gw_kpi_day(ts_ms), 1);
        return GW_QS_ONE;
    }
    if (!course)
        qs = unattributed_add(db, ts_ms, 1, err);
    if (!course)
        return qs < 0 ? qs : GW_QS_ONE;
    struct gw_kpi_fact f;
    gw_kpi_attributed_fact(course_fact, cl, ts_ms, &f);
    qs = kb ? fold_fact_batched(db, kb, course, lk, &f, seq, err)
            : fold_fact(db, course, lk, &f, seq, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_qs gw_kst_apply_statement_batched(struct gw_db *db, struct gw_kst_batch *kb,
                                          const struct gw_xapi_new_statement *it, int64_t seq,
                                          int64_t stored_ms, struct gw_error *err)
{
    if (!gw_kpi_statement_counts(it->voids_id != NULL) || maintenance_off(db))
        return GW_QS_NONE;
    int64_t ts = gw_kpi_statement_ms(it->has_timestamp, it->timestamp_ms, stored_ms);
    struct gw_kpi_activity small[16];
    struct gw_kpi_activity *acts =
        it->n_activities <= 16 ? small : gw_xcalloc(it->n_activities, sizeof *acts);
    size_t n = 0;
    for (size_t i = 0; i < it->n_activities; i++) {
        if (gw_kpi_role_attributes(it->activities[i].role, &acts[n].via_object))
            acts[n++].id = it->activities[i].id;
    }
    enum gw_qs qs = apply_core(db, &it->fact, it->learner_key, seq, ts, acts, n, kb, err);
    if (acts != small)
        free(acts);
    return qs;
}

enum gw_qs gw_kst_apply_statement(struct gw_db *db, const struct gw_xapi_new_statement *it,
                                  int64_t seq, int64_t stored_ms, struct gw_error *err)
{
    return gw_kst_apply_statement_batched(db, NULL, it, seq, stored_ms, err);
}

enum gw_qs gw_kst_batch_flush(struct gw_db *db, struct gw_kst_batch *kb, struct gw_error *err)
{
    enum gw_qs qs = GW_QS_NONE;
    if (kb->rows[0].n) {
        struct gw_dbp p[5];
        for (int i = 0; i < 5; i++)
            p[i] = GW_P_TEXT(gw_pgarray_str(&kb->rows[i]));
        qs = gw_db_query(db,
                         "INSERT INTO kpi_statements (seq, course_id, learner_key, course_level, "
                         "ts_ms) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], "
                         "$4::bigint[], $5::bigint[])",
                         p, 5, NULL, NULL, err);
    }
    for (size_t i = 0; qs >= 0 && i < kb->n_days; i++) {
        const struct kb_day *e = &kb->days[i];
        qs = put_day(db, e->course, e->learner, e->day, &e->row, e->exists, err);
    }
    /* the learners' rows; their totals and histogram moves add up in kb */
    for (size_t i = 0; qs >= 0 && i < kb->n_learners; i++) {
        const struct kb_learner *e = &kb->learners[i];
        qs = update_learner(db, e->course, e->learner, e->found ? &e->old : NULL, e->old_dept,
                            e->old_last, &e->cur, e->cur_last, kb, err);
    }
    for (size_t i = 0; qs >= 0 && i < kb->n_months; i++) {
        const struct kb_learner *e = &kb->months[i];
        qs = update_month(db, e->course, e->learner, e->month, e->found ? &e->old : NULL,
                          e->old_dept, &e->cur, kb, err);
    }
    for (size_t i = 0; qs >= 0 && i < kb->n_scopes; i++)
        qs = totals_add(db, kb->scopes[i].scope, kb->scopes[i].k, &kb->scopes[i].d, err);
    for (size_t i = 0; qs >= 0 && i < kb->n_hists; i++)
        qs = hist_add(db, kb->hists[i].scope, kb->hists[i].k, kb->hists[i].bucket,
                      (int)kb->hists[i].n, err);
    for (size_t i = 0; qs >= 0 && i < kb->n_unattributed; i++)
        qs = unattributed_add_day(db, kb->unattributed[i].day, kb->unattributed[i].n, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

/* ---- recomputing one (course, learner) ---- */

/* The archived day rows of (course, learner) (dropped months, see "dropped
 * months" below), merged into pair. */
static enum gw_qs archived_days(struct gw_db *db, const char *course, const char *learner,
                                struct gw_kpi_pair *pair, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(course), GW_P_TEXT(learner)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT " ROW_COLS ", day FROM kpi_archived_days WHERE "
                                "course_id = $1 AND learner_key = $2",
                                p, 2, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        struct gw_kpi_row row;
        gw_kst_row_read(r, 0, &row);
        gw_kpi_pair_merge_day(pair, gw_db_col_int(r, 10), &row);
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
}

/* The months in which (course, learner) has day rows, which are the months
 * it has month rows for (heap array in *out, *n of them). */
static enum gw_qs pair_row_months(struct gw_db *db, const char *course, const char *learner,
                                  int **out, size_t *n, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(course), GW_P_TEXT(learner)};
    struct gw_db_rows *r = NULL;
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT DISTINCT month FROM kpi_learner_days WHERE course_id = $1 "
                                "AND learner_key = $2",
                                p, 2, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        *out = gw_xgrow(*out, *n, &cap, sizeof **out);
        (*out)[(*n)++] = (int)gw_db_col_int(r, 0);
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
}

/* Replaces the month rows of (course, learner), which exist for old_months,
 * by those of pair (its days folded per month, gw_kpi_pair_months), each
 * month's totals moving by the difference: months the pair no longer has
 * are deleted. */
static enum gw_qs replace_months(struct gw_db *db, const char *course, const char *learner,
                                 const int *old_months, size_t n_old,
                                 const struct gw_kpi_pair *pair, struct gw_error *err)
{
    bool months = false;
    enum gw_qs qs = months_kept(db, &months, err);
    if (qs < 0 || !months)
        return qs;
    struct gw_kpi_month_row *nw = NULL;
    size_t n_new = gw_kpi_pair_months(pair, &nw);
    bool *seen = gw_xcalloc(n_new ? n_new : 1, sizeof *seen);
    for (size_t i = 0; qs >= 0 && i < n_old; i++) {
        struct gw_kpi_row old;
        bool found = false;
        char *old_dept = NULL;
        qs = get_month(db, course, learner, old_months[i], &old, &found, &old_dept, err);
        const struct gw_kpi_row *to = NULL;
        for (size_t j = 0; j < n_new && !to; j++) {
            if (nw[j].month == old_months[i]) {
                to = &nw[j].row;
                seen[j] = true;
            }
        }
        if (qs >= 0 && (found || to))
            qs = update_month(db, course, learner, old_months[i], found ? &old : NULL, old_dept, to,
                              NULL, err);
        free(old_dept);
    }
    for (size_t j = 0; qs >= 0 && j < n_new; j++) {
        if (!seen[j])
            qs = update_month(db, course, learner, nw[j].month, NULL, NULL, &nw[j].row, NULL, err);
    }
    free(seen);
    free(nw);
    return qs;
}

/* Recomputes one (course, learner) from what dropped months contributed and
 * its counted statements (after a voiding or a re-attribution): its day rows
 * are rewritten, its row and the totals move by the difference. The fold is
 * the domain's (gw_kpi_pair). */
static enum gw_qs recompute_pair(struct gw_db *db, const char *course, const char *learner,
                                 struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(course), GW_P_TEXT(learner)};
    struct gw_kpi_pair pair;
    gw_kpi_pair_init(&pair);
    struct gw_db_rows *r = NULL;
    int *old_months = NULL;
    size_t n_old_months = 0;
    enum gw_qs qs = pair_row_months(db, course, learner, &old_months, &n_old_months, err);
    if (qs >= 0)
        qs = gw_db_query(db,
                         "DELETE FROM kpi_learner_days WHERE course_id = $1 AND "
                         "learner_key = $2",
                         p, 2, NULL, NULL, err);
    struct gw_kpi_row old;
    bool found = false;
    char *old_dept = NULL;
    int64_t old_last = -1;
    if (qs >= 0)
        qs = get_learner(db, course, learner, &old, &found, &old_dept, &old_last, err);
    if (qs >= 0) /* what dropped months contributed, then the statements there are */
        qs = archived_days(db, course, learner, &pair, err);
    if (qs >= 0)
        qs = gw_db_query(db,
                         "SELECT k.seq, k.course_level, k.ts_ms, s.body FROM kpi_statements k "
                         "JOIN xapi_statements s ON s.seq = k.seq WHERE k.course_id = $1 AND "
                         "k.learner_key = $2 AND k.course_id <> '' ORDER BY k.seq",
                         p, 2, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        json_t *st = json_loads(gw_db_col_text(r, 3), 0, NULL);
        struct gw_kpi_fact f;
        gw_kpi_statement_fact(st, gw_db_col_int(r, 1) != 0, gw_db_col_int(r, 2), &f);
        json_decref(st);
        gw_kpi_pair_add(&pair, &f, gw_db_col_int(r, 0));
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    for (size_t i = 0; qs >= 0 && i < pair.n_days; i++)
        qs = put_day(db, course, learner, pair.days[i].day, &pair.days[i].row, false, err);
    if (qs >= 0 && (found || pair.all.statements > 0))
        qs = update_learner(db, course, learner, found ? &old : NULL, old_dept, old_last,
                            pair.all.statements > 0 ? &pair.all : NULL, gw_kpi_pair_last_day(&pair),
                            NULL, err);
    if (qs >= 0)
        qs = replace_months(db, course, learner, old_months, n_old_months, &pair, err);
    free(old_months);
    free(old_dept);
    gw_kpi_pair_free(&pair);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_qs gw_kst_apply_void(struct gw_db *db, const char *target_id, struct gw_error *err)
{
    if (maintenance_off(db))
        return GW_QS_NONE;
    struct gw_dbp p[] = {GW_P_TEXT(target_id)};
    struct gw_db_rows *r = NULL;
    char *course = NULL, *learner = NULL;
    int64_t seq = 0, ts = 0;
    /* by id: on PostgreSQL the statements' directory (migration 0017) */
    enum gw_qs qs = gw_db_query(db,
                                gw_db_dialect(db) == GW_DIALECT_POSTGRES
                                    ? "SELECT k.seq, k.course_id, k.learner_key, k.ts_ms FROM "
                                      "xapi_statement_ids s JOIN kpi_statements k ON k.seq = "
                                      "s.seq WHERE s.id = $1"
                                    : "SELECT k.seq, k.course_id, k.learner_key, k.ts_ms FROM "
                                      "xapi_statements s JOIN kpi_statements k ON k.seq = s.seq "
                                      "WHERE s.id = $1",
                                p, 1, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        seq = gw_db_col_int(r, 0);
        course = gw_xstrdup(gw_db_col_text(r, 1));
        learner = gw_xstrdup(gw_db_col_text(r, 2));
        ts = gw_db_col_int(r, 3);
    }
    gw_db_rows_free(r);
    if (qs != GW_QS_ONE)
        goto done;
    struct gw_dbp ps[] = {GW_P_INT(seq)};
    qs = gw_db_query(db, "DELETE FROM kpi_statements WHERE seq = $1", ps, 1, NULL, NULL, err);
    if (qs < 0)
        goto done;
    if (course[0] == '\0')
        qs = unattributed_add(db, ts, -1, err);
    else
        qs = recompute_pair(db, course, learner, err);
done:
    free(course);
    free(learner);
    return qs;
}

/* ---- re-attribution ---- */

struct pair {
    char *course, *learner;
};

struct pairs {
    struct pair *v;
    size_t n, cap;
};

static void pairs_add(struct pairs *ps, const char *course, const char *learner)
{
    if (!course[0])
        return;
    for (size_t i = 0; i < ps->n; i++) {
        if (strcmp(ps->v[i].course, course) == 0 && strcmp(ps->v[i].learner, learner) == 0)
            return;
    }
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? ps->cap * 2 : 8;
        ps->v = gw_xrealloc(ps->v, ps->cap * sizeof *ps->v);
    }
    ps->v[ps->n++] = (struct pair){gw_xstrdup(course), gw_xstrdup(learner)};
}

static void pairs_free(struct pairs *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        free(ps->v[i].course);
        free(ps->v[i].learner);
    }
    free(ps->v);
}

struct seqs {
    int64_t *v;
    size_t n, cap;
};

static void seqs_add(struct seqs *s, int64_t x)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = gw_xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = x;
}

/* The seqs of statements mentioning iri or an id under it. A scan of the
 * activity side table, which is acceptable for this rare administrative
 * step (a pull never does it). */
static enum gw_qs seqs_under(struct gw_db *db, const char *iri, struct seqs *out,
                             struct gw_error *err)
{
    size_t len = strlen(iri);
    char *a = gw_xmalloc(len + 2), *b = gw_xmalloc(len + 2), *c = gw_xmalloc(len + 2);
    snprintf(a, len + 2, "%s/", iri);
    snprintf(b, len + 2, "%s?", iri);
    snprintf(c, len + 2, "%s#", iri);
    struct gw_dbp p[] = {GW_P_TEXT(iri), GW_P_INT((int64_t)len + 1), GW_P_TEXT(a), GW_P_TEXT(b),
                         GW_P_TEXT(c)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(
        db,
        "SELECT DISTINCT v.seq FROM xapi_statement_activity_rids v JOIN xapi_terms t ON t.rid = "
        "v.rid WHERE v.role IN (1, 2, 3, 4, 5) AND (t.term = $1 OR substr(t.term, 1, $2) IN ($3, "
        "$4, $5))",
        p, 5, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r))
        seqs_add(out, gw_db_col_int(r, 0));
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    free(a);
    free(b);
    free(c);
    return qs;
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

/* Re-attributes one counted statement; records changed pairs. */
static enum gw_qs reattribute_one(struct gw_db *db, int64_t seq, struct pairs *dirty,
                                  struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_INT(seq)};
    struct gw_db_rows *r = NULL;
    char *old_course = NULL, *learner = NULL;
    const char *course = NULL; /* borrowed from the snapshot (attribute) */
    json_t *st = NULL;
    bool old_cl = false, cl = false;
    int64_t ts = 0;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT k.course_id, k.learner_key, k.course_level, k.ts_ms, "
                                "s.body FROM kpi_statements k JOIN xapi_statements s ON s.seq = "
                                "k.seq WHERE k.seq = $1",
                                p, 1, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        old_course = gw_xstrdup(gw_db_col_text(r, 0));
        learner = gw_xstrdup(gw_db_col_text(r, 1));
        old_cl = gw_db_col_int(r, 2) != 0;
        ts = gw_db_col_int(r, 3);
        st = json_loads(gw_db_col_text(r, 4), 0, NULL);
    }
    gw_db_rows_free(r);
    if (qs != GW_QS_ONE)
        goto done; /* not counted: voided or a voiding statement */
    size_t n = 0;
    struct gw_kpi_activity *acts = gw_kpi_statement_activities(st, &n);
    qs = attribute(db, acts, n, &course, &cl, err);
    free(acts);
    if (qs < 0)
        goto done;
    const char *nc = course ? course : "";
    if (strcmp(nc, old_course) == 0 && cl == old_cl)
        goto done;
    struct gw_dbp pu[] = {GW_P_TEXT(nc), GW_P_INT(cl ? 1 : 0), GW_P_INT(seq)};
    qs = gw_db_query(db,
                     "UPDATE kpi_statements SET course_id = $1, course_level = $2 WHERE seq = $3",
                     pu, 3, NULL, NULL, err);
    if (qs >= 0 && !old_course[0])
        qs = unattributed_add(db, ts, -1, err);
    if (qs >= 0 && !nc[0])
        qs = unattributed_add(db, ts, 1, err);
    pairs_add(dirty, old_course, learner);
    pairs_add(dirty, nc, learner);
done:
    json_decref(st);
    free(old_course);
    free(learner);
    return qs < 0 ? qs : GW_QS_NONE;
}

enum gw_qs gw_kst_reattribute(struct gw_db *db, const char *course_id, struct gw_error *err)
{
    gw_kst_iris_tx_end(db); /* course_iris may have changed in this transaction */
    struct gw_dbp p[] = {GW_P_TEXT(course_id)};
    struct gw_db_rows *r = NULL;
    struct seqs seqs = {0};
    struct pairs dirty = {0};
    char **iris = NULL;
    size_t n_iris = 0;
    enum gw_qs qs =
        gw_db_query(db, "SELECT iri FROM course_iris WHERE course_id = $1", p, 1, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        iris = gw_xrealloc(iris, (n_iris + 1) * sizeof *iris);
        iris[n_iris++] = gw_xstrdup(gw_db_col_text(r, 0));
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    for (size_t i = 0; qs >= 0 && i < n_iris; i++)
        qs = seqs_under(db, iris[i], &seqs, err);
    if (seqs.n > 1)
        gw_sort(seqs.v, seqs.n, sizeof *seqs.v, cmp_i64);
    for (size_t i = 0; qs >= 0 && i < seqs.n; i++) {
        if (i > 0 && seqs.v[i] == seqs.v[i - 1])
            continue;
        qs = reattribute_one(db, seqs.v[i], &dirty, err);
    }
    for (size_t i = 0; qs >= 0 && i < dirty.n; i++)
        qs = recompute_pair(db, dirty.v[i].course, dirty.v[i].learner, err);
    for (size_t i = 0; i < n_iris; i++)
        free(iris[i]);
    free(iris);
    free(seqs.v);
    pairs_free(&dirty);
    return qs < 0 ? qs : GW_QS_ONE;
}

static enum gw_qs reattribute_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    return gw_kst_reattribute(db, ud, err);
}

enum gw_err gw_store_kpi_reattribute(struct gw_store *s, const char *course_id,
                                     struct gw_error *err)
{
    return gw_store_tx(s, GW_TX_WRITE, reattribute_tx, (void *)course_id, err);
}

/* ---- dropped months ----
 * A dropped month's statements are gone (store/xapi_retention.c), but what
 * they contributed stays in the maintained state. So that recomputing a
 * learner (voiding, re-attribution) or everything (rebuild) keeps it, the
 * drop first folds the month's counted statements into kpi_archived_days per
 * (course, learner, UTC day) and the unattributed ones into
 * kpi_archived_unattributed (migration 0017); recompute_pair and rebuild_tx
 * start from those rows. Archived contributions keep the attribution they
 * had when their month was dropped. */

struct archived_item {
    char *course, *learner;
    int64_t day, seq;
    struct gw_kpi_fact f;
};

static int cmp_archived(const void *x, const void *y)
{
    const struct archived_item *a = x, *b = y;
    int c = strcmp(a->course, b->course);
    if (!c)
        c = strcmp(a->learner, b->learner);
    if (!c)
        c = a->day < b->day ? -1 : a->day > b->day;
    if (!c)
        c = a->seq < b->seq ? -1 : a->seq > b->seq;
    return c;
}

/* Merges add into the archived (course, learner, day) row. */
static enum gw_qs archived_day_merge(struct gw_db *db, const char *course, const char *learner,
                                     int64_t day, const struct gw_kpi_row *add,
                                     struct gw_error *err)
{
    struct gw_dbp p[14] = {GW_P_TEXT(course), GW_P_TEXT(learner), GW_P_INT(day)};
    struct gw_db_rows *r = NULL;
    struct gw_kpi_row row;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT " ROW_COLS " FROM kpi_archived_days WHERE course_id = $1 "
                                "AND learner_key = $2 AND day = $3",
                                p, 3, &r, NULL, err);
    if (qs == GW_QS_ONE)
        gw_kst_row_read(r, 0, &row);
    else
        gw_kpi_row_init(&row);
    gw_db_rows_free(r);
    if (qs < 0)
        return qs;
    gw_kpi_row_merge(&row, add);
    p[3] = GW_P_INT(gw_kpi_month_of_day(day));
    row_params(&row, p + 4);
    return gw_db_query(
        db,
        "INSERT INTO kpi_archived_days (course_id, learner_key, day, month, " ROW_COLS
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON "
        "CONFLICT (course_id, learner_key, day) DO UPDATE SET " ROW_SET,
        p, 14, NULL, NULL, err);
}

/* One page of the attributed statements: sorted, folded per (course,
 * learner, day) in arrival order, each group merged into its archived row. */
static enum gw_qs archive_items(struct gw_db *db, struct archived_item *items, size_t n,
                                struct gw_error *err)
{
    gw_sort(items, n, sizeof *items, cmp_archived);
    enum gw_qs qs = GW_QS_NONE;
    for (size_t i = 0; i < n && qs >= 0;) {
        struct gw_kpi_row row;
        gw_kpi_row_init(&row);
        size_t j = i;
        for (; j < n && strcmp(items[j].course, items[i].course) == 0 &&
               strcmp(items[j].learner, items[i].learner) == 0 && items[j].day == items[i].day;
             j++)
            gw_kpi_row_add(&row, &items[j].f, items[j].seq);
        qs = archived_day_merge(db, items[i].course, items[i].learner, items[i].day, &row, err);
        i = j;
    }
    return qs;
}

enum gw_qs gw_kst_archive_statements(struct gw_db *db, const char *table, struct gw_error *err)
{
    enum { PAGE = 2000 };
    struct gw_buf sql = {0};
    gw_buf_printf(&sql,
                  "SELECT k.seq, k.course_id, k.learner_key, k.course_level, k.ts_ms, s.body "
                  "FROM %s s JOIN kpi_statements k ON k.seq = s.seq WHERE s.seq > $1 AND "
                  "k.course_id <> '' ORDER BY s.seq LIMIT $2",
                  table);
    struct archived_item *items = gw_xcalloc(PAGE, sizeof *items);
    int64_t last = 0;
    enum gw_qs qs = GW_QS_NONE;
    for (size_t n = PAGE; qs >= 0 && n == PAGE;) {
        struct gw_dbp p[] = {GW_P_INT(last), GW_P_INT(PAGE)};
        struct gw_db_rows *r = NULL;
        n = 0;
        qs = gw_db_query(db, gw_buf_str(&sql), p, 2, &r, NULL, err);
        for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
            struct archived_item *it = &items[n++];
            it->seq = last = gw_db_col_int(r, 0);
            it->course = gw_xstrdup(gw_db_col_text(r, 1));
            it->learner = gw_xstrdup(gw_db_col_text(r, 2));
            int64_t ts = gw_db_col_int(r, 4);
            it->day = gw_kpi_day(ts);
            json_t *st = json_loads(gw_db_col_text(r, 5), 0, NULL);
            gw_kpi_statement_fact(st, gw_db_col_int(r, 3) != 0, ts, &it->f);
            json_decref(st);
        }
        if (qs == GW_QS_ONE)
            qs = gw_db_rows_status(r, err);
        gw_db_rows_free(r);
        if (qs >= 0)
            qs = archive_items(db, items, n, err);
        for (size_t i = 0; i < n; i++) {
            free(items[i].course);
            free(items[i].learner);
        }
    }
    free(items);
    gw_buf_reset(&sql);
    gw_buf_printf(&sql,
                  "INSERT INTO kpi_archived_unattributed (day, statements) SELECT "
                  "floor(k.ts_ms::NUMERIC / %lld)::BIGINT, COUNT(*) FROM %s s JOIN "
                  "kpi_statements k ON k.seq = s.seq WHERE k.course_id = '' GROUP BY 1 ON "
                  "CONFLICT (day) DO UPDATE SET statements = kpi_archived_unattributed.statements "
                  "+ excluded.statements; DELETE FROM kpi_statements k USING %s s WHERE k.seq = "
                  "s.seq",
                  (long long)GW_KPI_DAY_MS, table, table);
    if (qs >= 0)
        qs = gw_db_exec_script(db, gw_buf_str(&sql), err);
    gw_buf_free(&sql);
    return qs < 0 ? qs : GW_QS_ONE;
}

struct archived_pair {
    char *course, *learner;
    struct gw_kpi_pair pair;
};

/* The start of a rebuild: the archived days as day rows and unattributed
 * counts, and per (course, learner) their merge as the learner row, with
 * the totals moved by it. */
static enum gw_qs seed_archived(struct gw_db *db, struct gw_error *err)
{
    enum gw_qs qs = gw_db_exec_script(
        db,
        "INSERT INTO kpi_learner_days (course_id, learner_key, day, month, " ROW_COLS
        ") SELECT course_id, learner_key, day, month, " ROW_COLS " FROM kpi_archived_days; "
        "INSERT INTO kpi_unattributed_days (day, statements) SELECT day, statements FROM "
        "kpi_archived_unattributed;",
        err);
    struct archived_pair *pairs = NULL;
    size_t n = 0, cap = 0;
    struct gw_db_rows *r = NULL;
    if (qs >= 0)
        qs = gw_db_query(db,
                         "SELECT " ROW_COLS ", course_id, learner_key, day FROM "
                         "kpi_archived_days ORDER BY course_id, learner_key",
                         NULL, 0, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        const char *course = gw_db_col_text(r, 10), *learner = gw_db_col_text(r, 11);
        if (!n || strcmp(pairs[n - 1].course, course) != 0 ||
            strcmp(pairs[n - 1].learner, learner) != 0) {
            pairs = gw_xgrow(pairs, n, &cap, sizeof *pairs);
            pairs[n].course = gw_xstrdup(course);
            pairs[n].learner = gw_xstrdup(learner);
            gw_kpi_pair_init(&pairs[n++].pair);
        }
        struct gw_kpi_row row;
        gw_kst_row_read(r, 0, &row);
        gw_kpi_pair_merge_day(&pairs[n - 1].pair, gw_db_col_int(r, 12), &row);
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    for (size_t i = 0; i < n; i++) {
        if (qs >= 0)
            qs =
                update_learner(db, pairs[i].course, pairs[i].learner, NULL, NULL, -1,
                               &pairs[i].pair.all, gw_kpi_pair_last_day(&pairs[i].pair), NULL, err);
        if (qs >= 0) /* the month tables were emptied: every month is new */
            qs =
                replace_months(db, pairs[i].course, pairs[i].learner, NULL, 0, &pairs[i].pair, err);
        free(pairs[i].course);
        free(pairs[i].learner);
        gw_kpi_pair_free(&pairs[i].pair);
    }
    free(pairs);
    return qs;
}

/* ---- rebuild ---- */

/* Records that the KPI state follows GW_KPI_RULE_VERSION (kpi_meta,
 * migration 0012) and has its month rows (month_state, migration 0018). */
static enum gw_qs set_rule_version(struct gw_db *db, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_INT(GW_KPI_RULE_VERSION)};
    enum gw_qs qs = gw_db_query(db,
                                "INSERT INTO kpi_meta (name, value) VALUES ('rule_version', $1) ON "
                                "CONFLICT (name) DO UPDATE SET value = excluded.value",
                                p, 1, NULL, NULL, err);
    if (qs >= 0)
        qs = gw_db_exec_script(db,
                               "INSERT INTO kpi_meta (name, value) VALUES ('month_state', 1) ON "
                               "CONFLICT (name) DO UPDATE SET value = excluded.value; INSERT INTO "
                               "kpi_meta (name, value) VALUES ('window_state', 1) ON CONFLICT "
                               "(name) DO UPDATE SET value = excluded.value",
                               err);
    return qs;
}

struct rebuild_ctx {
    int64_t counted;
};

static enum gw_qs rebuild_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct rebuild_ctx *c = ud;
    c->counted = 0;
    enum gw_qs qs =
        gw_db_exec_script(db,
                          "DELETE FROM kpi_statements; DELETE FROM kpi_learner_days; "
                          "DELETE FROM kpi_learners; DELETE FROM kpi_unattributed_days; "
                          "DELETE FROM kpi_totals; DELETE FROM kpi_ttc_hist; "
                          "DELETE FROM kpi_learner_months; DELETE FROM kpi_month_totals; "
                          "DELETE FROM kpi_month_hist; DELETE FROM kpi_first_totals; "
                          "DELETE FROM kpi_first_hist;",
                          err);
    if (qs >= 0) /* what dropped months contributed */
        qs = seed_archived(db, err);
    int64_t last = 0;
    enum { PAGE = 2000 };
    char **bodies = gw_xcalloc(PAGE, sizeof *bodies);
    int64_t *seqs = gw_xcalloc(PAGE, sizeof *seqs);
    int64_t *times = gw_xcalloc(PAGE, sizeof *times);
    while (qs >= 0) {
        struct gw_dbp p[] = {GW_P_INT(last), GW_P_INT(PAGE)};
        struct gw_db_rows *r = NULL;
        size_t n = 0;
        /* the statements that count (gw_kpi_statement_counts): neither voided
         * nor voiding; pending ones get their rows when the index reaches them */
        qs = gw_db_query(db,
                         "SELECT seq, body, timestamp_ms FROM xapi_statements WHERE seq > $1 "
                         "AND voided = 0 AND voids_id IS NULL AND seq NOT IN (SELECT seq FROM "
                         "xapi_index_pending) ORDER BY seq LIMIT $2",
                         p, 2, &r, NULL, err);
        for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
            seqs[n] = gw_db_col_int(r, 0);
            times[n] = gw_db_col_int(r, 2); /* the body has no timestamp when stored set it */
            bodies[n++] = gw_xstrdup(gw_db_col_text(r, 1));
        }
        if (qs == GW_QS_ONE)
            qs = gw_db_rows_status(r, err);
        gw_db_rows_free(r);
        for (size_t i = 0; i < n; i++) {
            json_t *st = json_loads(bodies[i], 0, NULL);
            free(bodies[i]);
            if (qs >= 0 && st) {
                char key[1024];
                bool has_learner = gw_xapi_learner_key(st, key, sizeof key);
                int64_t ts = times[i];
                size_t na = 0;
                struct gw_kpi_activity *acts = gw_kpi_statement_activities(st, &na);
                struct gw_kpi_fact f;
                gw_kpi_statement_fact(st, true, ts, &f);
                qs = apply_core(db, &f, has_learner ? key : NULL, seqs[i], ts, acts, na, NULL, err);
                free(acts);
                c->counted++;
            }
            json_decref(st);
        }
        if (n < PAGE)
            break;
        last = seqs[n - 1];
    }
    free(bodies);
    free(seqs);
    free(times);
    if (qs >= 0)
        qs = set_rule_version(db, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_err gw_store_kpi_rebuild(struct gw_store *s, int64_t *counted, struct gw_error *err)
{
    struct rebuild_ctx c = {0};
    enum gw_err rc = gw_store_tx(s, GW_TX_WRITE, rebuild_tx, &c, err);
    if (counted)
        *counted = c.counted;
    return rc;
}

/* ---- upgrade ---- */

struct upgrade_ctx {
    struct rebuild_ctx rebuild;
    int64_t from_version; /* -1: nothing to do */
};

static enum gw_qs upgrade_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct upgrade_ctx *c = ud;
    c->from_version = -1;
    c->rebuild.counted = 0;
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, "SELECT value FROM kpi_meta WHERE name = 'rule_version'", NULL,
                                0, &r, NULL, err);
    int64_t v = qs == GW_QS_ONE ? gw_db_col_int(r, 0) : 0;
    gw_db_rows_free(r);
    if (qs < 0)
        return qs;
    /* state from before migration 0018 has no month rows: rebuilt as well */
    r = NULL;
    qs = gw_db_query(db, "SELECT value FROM kpi_meta WHERE name = 'month_state'", NULL, 0, &r, NULL,
                     err);
    int64_t months = qs == GW_QS_ONE ? gw_db_col_int(r, 0) : 1;
    gw_db_rows_free(r);
    if (qs < 0)
        return qs;
    /* nor state from before migration 0019 its first-day state */
    r = NULL;
    qs = gw_db_query(db, "SELECT value FROM kpi_meta WHERE name = 'window_state'", NULL, 0, &r,
                     NULL, err);
    int64_t windows = qs == GW_QS_ONE ? gw_db_col_int(r, 0) : 1;
    gw_db_rows_free(r);
    if (qs < 0)
        return qs;
    if (v >= GW_KPI_RULE_VERSION && months && windows)
        return GW_QS_NONE;
    c->from_version = v;
    return rebuild_tx(db, &c->rebuild, err);
}

enum gw_err gw_store_kpi_upgrade(struct gw_store *s, bool *rebuilt, struct gw_error *err)
{
    struct upgrade_ctx c = {{0}, -1};
    int64_t t0 = gw_time_mono_us();
    enum gw_err rc = gw_store_tx(s, GW_TX_WRITE, upgrade_tx, &c, err);
    if (rebuilt)
        *rebuilt = rc == GW_OK && c.from_version >= 0;
    if (rc == GW_OK && c.from_version >= 0)
        gw_log_info("KPI state derived under definitions version %lld rebuilt for version %d from "
                    "%lld counted statements in %.3f s",
                    (long long)c.from_version, GW_KPI_RULE_VERSION, (long long)c.rebuild.counted,
                    (double)(gw_time_mono_us() - t0) / 1e6);
    return rc;
}
