/* kpi_pull.c: the KPI pulls over the maintained state (migration 0007):
 * learner KPIs grouped by department, course or month, the unattributed
 * count, and a department's monthly chargeback. Reads kpi_learners (no
 * window) or kpi_learner_days (a window, or by month) through their primary
 * keys and the courses_department index, or, without a window, one
 * kpi_totals row and a short walk of the ttc histogram and index per
 * record; never the statements. The figures are computed by kpi/kpi.c.
 * See gw/kpi_store.h. */
#include "gw/department.h"
#include "gw/buf.h"
#include "gw/kpi_store.h"
#include "gw/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct group {
    char *key; /* department id, course id, or "202611" */
    json_t *rec;
    struct gw_kpi_acc acc;
    int64_t cum, start; /* the median's histogram bucket: ttc start, values before it */
};

struct pull_ctx {
    const struct gw_kpi_query *q;
    struct group *g;
    size_t n, cap;
    int64_t unattributed;
};

static void groups_free(struct pull_ctx *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->g[i].key);
        json_decref(c->g[i].rec);
        gw_kpi_acc_free(&c->g[i].acc);
    }
    free(c->g);
    c->g = NULL;
    c->n = c->cap = 0;
}

static struct group *group_add(struct pull_ctx *c, const char *key, json_t *rec)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->g = gw_xrealloc(c->g, c->cap * sizeof *c->g);
    }
    struct group *g = &c->g[c->n++];
    g->key = gw_xstrdup(key);
    g->rec = rec;
    g->cum = 0;
    g->start = -1;
    gw_kpi_acc_init(&g->acc);
    return g;
}

static struct group *group_find(struct pull_ctx *c, const char *key)
{
    for (size_t i = c->n; i > 0; i--) {
        if (strcmp(c->g[i - 1].key, key) == 0)
            return &c->g[i - 1];
    }
    return NULL;
}

/* Dynamic SQL with parameters numbered as they are used. */
struct qb {
    struct gw_buf sql;
    struct gw_dbp p[8];
    int n;
};

static void qb_param(struct qb *b, struct gw_dbp v)
{
    b->p[b->n++] = v;
    gw_buf_printf(&b->sql, "$%d", b->n);
}

/* The records of the groups that exist whether or not they have statements. */
static enum gw_qs list_groups(struct gw_db *db, struct pull_ctx *c, struct gw_error *err)
{
    const struct gw_kpi_query *q = c->q;
    struct qb b = {0};
    if (q->group_by == GW_KPI_BY_DEPARTMENT)
        gw_buf_puts(&b.sql, "SELECT DISTINCT d.id, d.name, '' FROM departments d LEFT JOIN "
                            "courses c ON c.department_id = d.id WHERE 1 = 1");
    else
        gw_buf_puts(&b.sql, "SELECT c.id, c.title, c.department_id FROM courses c JOIN "
                            "departments d ON d.id = c.department_id WHERE 1 = 1");
    if (q->department) {
        gw_buf_puts(&b.sql, " AND d.id = ");
        qb_param(&b, GW_P_TEXT(q->department));
    }
    if (q->course) {
        gw_buf_puts(&b.sql, " AND c.id = ");
        qb_param(&b, GW_P_TEXT(q->course));
    }
    gw_buf_puts(&b.sql, " ORDER BY 1");
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, gw_buf_str(&b.sql), b.p, b.n, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        json_t *rec = json_object();
        if (q->group_by == GW_KPI_BY_DEPARTMENT) {
            json_object_set_new(rec, "department_id", json_string(gw_db_col_text(r, 0)));
            json_object_set_new(rec, "department_name", json_string(gw_db_col_text(r, 1)));
        } else {
            json_object_set_new(rec, "course_id", json_string(gw_db_col_text(r, 0)));
            json_object_set_new(rec, "course_title", json_string(gw_db_col_text(r, 1)));
            json_object_set_new(rec, "department_id", json_string(gw_db_col_text(r, 2)));
        }
        group_add(c, gw_db_col_text(r, 0), rec);
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    gw_buf_free(&b.sql);
    return qs;
}

static void flush_row(struct pull_ctx *c, const char *gkey, const char *learner,
                      const struct gw_kpi_row *row)
{
    struct group *g = group_find(c, gkey);
    if (!g && c->q->group_by == GW_KPI_BY_MONTH) {
        char m[8];
        gw_kpi_month_format(atoi(gkey), m);
        json_t *rec = json_object();
        json_object_set_new(rec, "month", json_string(m));
        g = group_add(c, gkey, rec);
    }
    if (g)
        gw_kpi_acc_add(&g->acc, row, learner[0] != '\0');
}

/* Folds the state rows of the query into the groups' accumulators. Rows come
 * ordered by group, course and learner, so the days of one (course, learner)
 * are consecutive and fold into one row first. */
/* The query over the per-learner rows the pull folds: per learner
 * (kpi_learners) or per learner and day when a window or months are asked
 * (kpi_learner_days), with the group's column first, in group, course,
 * learner order. */
static void pull_sql(const struct gw_kpi_query *q, struct qb *b)
{
    bool days = q->has_from || q->has_to || q->group_by == GW_KPI_BY_MONTH;
    const char *gcol = q->group_by == GW_KPI_BY_DEPARTMENT ? "c.department_id"
                       : q->group_by == GW_KPI_BY_COURSE   ? "r.course_id"
                                                           : "r.month";
    gw_buf_printf(&b->sql,
                  "SELECT %s, r.course_id, r.learner_key, r.statements, r.first_ms, "
                  "r.complete_ms, r.passed, r.failed, r.best_score, r.rating_ms, r.rating_seq, "
                  "r.rating, r.comments FROM %s r JOIN courses c ON c.id = r.course_id WHERE 1 = 1",
                  gcol, days ? "kpi_learner_days" : "kpi_learners");
    if (q->department) {
        gw_buf_puts(&b->sql, " AND c.department_id = ");
        qb_param(b, GW_P_TEXT(q->department));
    }
    if (q->course) {
        gw_buf_puts(&b->sql, " AND r.course_id = ");
        qb_param(b, GW_P_TEXT(q->course));
    }
    if (q->has_from) {
        gw_buf_puts(&b->sql, " AND r.day >= ");
        qb_param(b, GW_P_INT(q->from_day));
    }
    if (q->has_to) {
        gw_buf_puts(&b->sql, " AND r.day < ");
        qb_param(b, GW_P_INT(q->to_day));
    }
    gw_buf_printf(&b->sql, " ORDER BY %s, r.course_id, r.learner_key", gcol);
}

/* A row of pull_sql's result (columns 3..12) as the domain's state. */
static void pulled_row(struct gw_db_rows *r, struct gw_kpi_row *row)
{
    gw_kpi_row_init(row);
    row->statements = gw_db_col_int(r, 3);
    row->first_ms = gw_db_col_int(r, 4);
    if (!gw_db_col_null(r, 5))
        row->complete_ms = gw_db_col_int(r, 5);
    row->passed = gw_db_col_int(r, 6) != 0;
    row->failed = gw_db_col_int(r, 7) != 0;
    row->has_score = !gw_db_col_null(r, 8);
    if (row->has_score)
        row->best_score = gw_db_col_real(r, 8);
    row->has_rating = !gw_db_col_null(r, 11);
    if (row->has_rating) {
        row->rating_ms = gw_db_col_int(r, 9);
        row->rating_seq = gw_db_col_int(r, 10);
        row->rating = gw_db_col_real(r, 11);
    }
    row->comments = gw_db_col_int(r, 12);
}

/* Folds the rows of each (group, course, learner) into one state
 * (gw_kpi_row_merge) and hands it to flush_row. */
static enum gw_qs fold_rows(struct gw_db *db, struct pull_ctx *c, struct gw_error *err)
{
    struct qb b = {0};
    pull_sql(c->q, &b);
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, gw_buf_str(&b.sql), b.p, b.n, &r, NULL, err);
    struct gw_buf gkey = {0}, course = {0}, learner = {0};
    struct gw_kpi_row acc;
    bool open = false;
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        const char *g = gw_db_col_text(r, 0), *co = gw_db_col_text(r, 1),
                   *le = gw_db_col_text(r, 2);
        if (open && (strcmp(g, gw_buf_str(&gkey)) != 0 || strcmp(co, gw_buf_str(&course)) != 0 ||
                     strcmp(le, gw_buf_str(&learner)) != 0)) {
            flush_row(c, gw_buf_str(&gkey), gw_buf_str(&learner), &acc);
            open = false;
        }
        if (!open) {
            gw_buf_reset(&gkey);
            gw_buf_puts(&gkey, g);
            gw_buf_reset(&course);
            gw_buf_puts(&course, co);
            gw_buf_reset(&learner);
            gw_buf_puts(&learner, le);
            gw_kpi_row_init(&acc);
            open = true;
        }
        struct gw_kpi_row row;
        pulled_row(r, &row);
        gw_kpi_row_merge(&acc, &row);
    }
    if (open)
        flush_row(c, gw_buf_str(&gkey), gw_buf_str(&learner), &acc);
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    gw_buf_free(&b.sql);
    gw_buf_free(&gkey);
    gw_buf_free(&course);
    gw_buf_free(&learner);
    return qs;
}

static enum gw_qs count_unattributed(struct gw_db *db, struct pull_ctx *c, struct gw_error *err)
{
    struct qb b = {0};
    gw_buf_puts(&b.sql, "SELECT COALESCE(SUM(statements), 0) FROM kpi_unattributed_days "
                        "WHERE 1 = 1");
    if (c->q->has_from) {
        gw_buf_puts(&b.sql, " AND day >= ");
        qb_param(&b, GW_P_INT(c->q->from_day));
    }
    if (c->q->has_to) {
        gw_buf_puts(&b.sql, " AND day < ");
        qb_param(&b, GW_P_INT(c->q->to_day));
    }
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, gw_buf_str(&b.sql), b.p, b.n, &r, NULL, err);
    c->unattributed = qs == GW_QS_ONE ? gw_db_col_int(r, 0) : 0;
    gw_db_rows_free(r);
    gw_buf_free(&b.sql);
    return qs;
}

/* ---- the maintained totals: a pull without a window ---- */

/* The scopes of the listed groups, as a subquery over the domain tables
 * with the query's filters (so one statement reads every group's rows). */
static void scope_subquery(const struct gw_kpi_query *q, struct qb *b)
{
    bool by_course = q->group_by == GW_KPI_BY_COURSE;
    gw_buf_printf(&b->sql, "(SELECT '%s' || x.id FROM %s x WHERE 1 = 1",
                  by_course ? "c:" : "d:", by_course ? "courses" : "departments");
    if (q->department) {
        gw_buf_printf(&b->sql, " AND x.%s = ", by_course ? "department_id" : "id");
        qb_param(b, GW_P_TEXT(q->department));
    }
    if (q->course && by_course) {
        gw_buf_puts(&b->sql, " AND x.id = ");
        qb_param(b, GW_P_TEXT(q->course));
    }
    gw_buf_puts(&b->sql, ")");
}

static enum gw_qs read_totals(struct gw_db *db, struct pull_ctx *c, struct gw_error *err)
{
    struct qb b = {0};
    gw_buf_puts(&b.sql, "SELECT scope, started, completed, passed, failed, n_score, sum_score, "
                        "feedback, sum_rating, rating_1, rating_2, rating_3, rating_4, rating_5, "
                        "comments, statements FROM kpi_totals WHERE scope IN ");
    scope_subquery(c->q, &b);
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, gw_buf_str(&b.sql), b.p, b.n, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        struct group *g = group_find(c, gw_db_col_text(r, 0) + 2);
        if (!g)
            continue;
        struct gw_kpi_acc *a = &g->acc;
        a->started = gw_db_col_int(r, 1);
        a->completed = gw_db_col_int(r, 2);
        a->passed = gw_db_col_int(r, 3);
        a->failed = gw_db_col_int(r, 4);
        a->n_score = gw_db_col_int(r, 5);
        a->sum_score = gw_db_col_int(r, 6);
        a->feedback = gw_db_col_int(r, 7);
        a->sum_rating = gw_db_col_int(r, 8);
        for (int i = 0; i < 5; i++)
            a->dist[i] = gw_db_col_int(r, 9 + i);
        a->comments = gw_db_col_int(r, 14);
        a->statements = gw_db_col_int(r, 15);
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    gw_buf_free(&b.sql);
    return qs;
}

/* Finds, for every group, the histogram bucket holding its lower median. */
static enum gw_qs read_hist(struct gw_db *db, struct pull_ctx *c, struct gw_error *err)
{
    struct qb b = {0};
    gw_buf_puts(&b.sql, "SELECT scope, bucket, n FROM kpi_ttc_hist WHERE n > 0 AND scope IN ");
    scope_subquery(c->q, &b);
    gw_buf_puts(&b.sql, " ORDER BY scope, bucket");
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, gw_buf_str(&b.sql), b.p, b.n, &r, NULL, err);
    struct group *g = NULL;
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        const char *key = gw_db_col_text(r, 0) + 2;
        if (!g || strcmp(g->key, key) != 0)
            g = group_find(c, key);
        if (!g || g->start >= 0)
            continue;
        int64_t k = (g->acc.completed - 1) / 2, n = gw_db_col_int(r, 2);
        if (g->cum + n > k)
            g->start = gw_kpi_ttc_bucket_start(gw_db_col_int(r, 1));
        else
            g->cum += n;
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    gw_buf_free(&b.sql);
    return qs;
}

/* The lower median and the value after it, walking the ttc index from the
 * median's bucket. */
static enum gw_qs median_of(struct gw_db *db, bool by_course, struct group *g, struct gw_error *err)
{
    int64_t n = g->acc.completed;
    if (n <= 0)
        return GW_QS_NONE;
    int64_t k = (n - 1) / 2;
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = GW_QS_NONE;
    double v[2] = {0, 0};
    int got = 0;
    if (g->start >= 0) {
        struct gw_dbp pv[] = {GW_P_TEXT(g->key), GW_P_INT(g->start), GW_P_INT(k - g->cum)};
        const char *sql = by_course
                              ? "SELECT ttc_ms FROM kpi_learners WHERE course_id = $1 AND "
                                "ttc_ms IS NOT NULL AND ttc_ms >= $2 ORDER BY ttc_ms LIMIT 2 "
                                "OFFSET $3"
                              : "SELECT ttc_ms FROM kpi_learners WHERE department_id = $1 AND "
                                "ttc_ms IS NOT NULL AND ttc_ms >= $2 ORDER BY ttc_ms LIMIT 2 "
                                "OFFSET $3";
        qs = gw_db_query(db, sql, pv, 3, &r, NULL, err);
        for (bool more = qs == GW_QS_ONE; more && got < 2; more = gw_db_next(r))
            v[got++] = (double)gw_db_col_int(r, 0) / 1000.0;
        gw_db_rows_free(r);
    }
    if (qs < 0)
        return qs;
    if (got == 0 || (n % 2 == 0 && got < 2)) {
        gw_error_set(err, GW_E_INTERNAL, "kpi_ttc_hist",
                     "the time-to-complete histogram of %s disagrees with kpi_learners; run "
                     "'lmsgw kpi rebuild'",
                     g->key);
        return GW_QS_HARD;
    }
    g->acc.median_known = true;
    g->acc.median = n % 2 ? v[0] : (v[0] + v[1]) / 2.0;
    return GW_QS_ONE;
}

static enum gw_qs fold_totals(struct gw_db *db, struct pull_ctx *c, struct gw_error *err)
{
    enum gw_qs qs = read_totals(db, c, err);
    if (qs >= 0)
        qs = read_hist(db, c, err);
    for (size_t i = 0; qs >= 0 && i < c->n; i++)
        qs = median_of(db, c->q->group_by == GW_KPI_BY_COURSE, &c->g[i], err);
    return qs;
}

static enum gw_qs pull_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct pull_ctx *c = ud;
    groups_free(c);
    enum gw_qs qs = GW_QS_NONE;
    if (c->q->group_by != GW_KPI_BY_MONTH)
        qs = list_groups(db, c, err);
    /* without a window, the maintained totals answer, unless a course
     * filter cuts into a department's pool */
    bool totals = !c->q->has_from && !c->q->has_to && c->q->group_by != GW_KPI_BY_MONTH &&
                  !(c->q->group_by == GW_KPI_BY_DEPARTMENT && c->q->course);
    if (qs >= 0)
        qs = totals ? fold_totals(db, c, err) : fold_rows(db, c, err);
    if (qs >= 0)
        qs = count_unattributed(db, c, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_err gw_store_kpi_pull(struct gw_store *s, const struct gw_kpi_query *q, json_t **out,
                              struct gw_error *err)
{
    struct pull_ctx c = {q, NULL, 0, 0, 0};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, pull_tx, &c, err);
    if (rc == GW_OK) {
        json_t *records = json_array();
        for (size_t i = 0; i < c.n; i++) {
            gw_kpi_acc_to_json(&c.g[i].acc, c.g[i].rec);
            json_array_append(records, c.g[i].rec);
        }
        *out = json_pack("{s:I, s:o}", "unattributed_statements", (json_int_t)c.unattributed,
                         "records", records);
    }
    groups_free(&c);
    return rc;
}

/* ---- chargeback ---- */

struct cb_ctx {
    const char *department;
    int month;
    int64_t first_day, next_day;
    json_t *out;
};

static enum gw_qs table_exists(struct gw_db *db, const char *name, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(name)};
    const char *sql = gw_db_dialect(db) == GW_DIALECT_SQLITE
                          ? "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1"
                          : "SELECT 1 FROM pg_tables WHERE tablename = $1 AND schemaname = "
                            "current_schema()";
    return gw_db_query(db, sql, p, 1, NULL, NULL, err);
}

static enum gw_qs cb_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct cb_ctx *c = ud;
    json_decref(c->out);
    c->out = NULL;
    struct gw_dbp pd[] = {GW_P_TEXT(c->department)};
    struct gw_db_rows *r = NULL;
    struct gw_kpi_rates rates;
    enum gw_qs qs =
        gw_db_query(db, "SELECT settings FROM departments WHERE id = $1", pd, 1, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        struct gw_dept_settings ds;
        gw_dept_settings_read(gw_db_col_text(r, 0), &ds);
        rates = ds.rates;
        gw_dept_settings_free(&ds);
    }
    gw_db_rows_free(r);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, "id", "no department has the id '%s'", c->department);
        return GW_QS_HARD;
    }
    if (qs < 0)
        return qs;
    json_t *hours = json_object(), *learners = json_object();
    struct gw_dbp pm[] = {GW_P_TEXT(c->department), GW_P_INT(c->month)};
    qs = gw_db_query(db,
                     "SELECT r.course_id, COUNT(DISTINCT r.learner_key) FROM kpi_learner_days r "
                     "JOIN courses c ON c.id = r.course_id WHERE c.department_id = $1 AND "
                     "r.month = $2 AND r.learner_key <> '' GROUP BY r.course_id",
                     pm, 2, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r))
        json_object_set_new(learners, gw_db_col_text(r, 0), json_integer(gw_db_col_int(r, 1)));
    gw_db_rows_free(r);
    if (qs >= 0)
        qs = table_exists(db, "effort_log", err);
    if (qs == GW_QS_ONE) {
        /* effort_log.day is YYYY-MM-DD text: the month is a text range */
        char first[32], next[32];
        gw_time_format_ms(c->first_day * GW_KPI_DAY_MS, first);
        gw_time_format_ms(c->next_day * GW_KPI_DAY_MS, next);
        first[10] = next[10] = '\0';
        struct gw_dbp ph[] = {GW_P_TEXT(c->department), GW_P_TEXT(first), GW_P_TEXT(next)};
        qs = gw_db_query(db,
                         "SELECT e.course_id, SUM(e.hours) FROM effort_log e JOIN courses c ON "
                         "c.id = e.course_id WHERE c.department_id = $1 AND e.day >= $2 AND "
                         "e.day < $3 GROUP BY e.course_id",
                         ph, 3, &r, NULL, err);
        for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r))
            json_object_set_new(hours, gw_db_col_text(r, 0), json_real(gw_db_col_real(r, 1)));
        gw_db_rows_free(r);
    }
    json_t *lines = json_array();
    double total = 0;
    if (qs >= 0)
        qs = gw_db_query(db, "SELECT id, title FROM courses WHERE department_id = $1 ORDER BY id",
                         pd, 1, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        const char *id = gw_db_col_text(r, 0);
        json_t *l = gw_kpi_chargeback_line(
            id, gw_db_col_text(r, 1), json_real_value(json_object_get(hours, id)),
            json_integer_value(json_object_get(learners, id)), &rates);
        total += json_real_value(json_object_get(l, "amount"));
        json_array_append_new(lines, l);
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    json_decref(hours);
    json_decref(learners);
    if (qs < 0) {
        json_decref(lines);
        return qs;
    }
    char m[8];
    gw_kpi_month_format(c->month, m);
    c->out =
        json_pack("{s:s, s:s, s:b, s:o, s:o, s:o}", "department_id", c->department, "month", m,
                  "enabled", rates.enabled, "currency",
                  rates.enabled ? json_string(rates.currency) : json_null(), "total_amount",
                  rates.enabled && (rates.has_hourly || rates.has_per_learner) ? json_real(total)
                                                                               : json_null(),
                  "lines", lines);
    return GW_QS_ONE;
}

enum gw_err gw_store_kpi_chargeback(struct gw_store *s, const char *department, const char *month,
                                    json_t **out, struct gw_error *err)
{
    struct cb_ctx c = {department, 0, 0, 0, NULL};
    if (!gw_kpi_month_parse(month, &c.month, &c.first_day, &c.next_day))
        return gw_error_set(err, GW_E_QUERY_INVALID, "month", "month must be YYYY-MM, not '%s'",
                            month ? month : "");
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, cb_tx, &c, err);
    if (rc == GW_OK)
        *out = c.out;
    else
        json_decref(c.out);
    return rc;
}
