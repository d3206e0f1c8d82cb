/* kpi_pull.c: loading what the KPI pulls read from the maintained state
 * (migrations 0007, 0018, 0019): the groups; kpi_learners (no window) or
 * kpi_learner_days (a window cut inside a month when grouping by month, or
 * from_rows) through their keys and the courses_department index; or, where
 * the domain says totals answer, one kpi_totals row (no window) or
 * kpi_month_totals row (by month, a month) and a short walk of the ttc
 * histogram and index per record; or, for any other whole-day window, the
 * first-period sums (kpi_first_totals, kpi_first_hist), the pairs crossing a
 * bound with their day rows inside the window (span indexes of
 * kpi_learners) and the median's candidates; the unattributed count; and a
 * department's monthly chargeback inputs (the month totals' learners
 * started). Never the statements. Which state answers, the fold into
 * records, the correction, the median and the reports are the domain's
 * (kpi/report.c, kpi/window.c); this file only builds the SQL and loads rows
 * into its structs. See gw/kpi_store.h. */
#include "gw/department.h"
#include "gw/buf.h"
#include "gw/kpi_store.h"
#include "gw/timefmt.h"
#include "kpi_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Dynamic SQL with parameters numbered as they are used. */
struct qb {
    struct gw_buf sql;
    struct gw_dbp p[64];
    int n;
};

static void qb_param(struct qb *b, struct gw_dbp v)
{
    b->p[b->n++] = v;
    gw_buf_printf(&b->sql, "$%d", b->n);
}

/* The records of the groups that exist whether or not they have statements. */
static enum gw_qs list_groups(struct gw_db *db, struct gw_kpi_report *rp, struct gw_error *err)
{
    const struct gw_kpi_query *q = rp->q;
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
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r))
        gw_kpi_report_add_group(rp, gw_db_col_text(r, 0), gw_db_col_text(r, 1),
                                gw_db_col_text(r, 2));
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    gw_buf_free(&b.sql);
    return qs;
}

/* The query over the per-learner rows the pull folds: per learner
 * (kpi_learners) or per learner and day when a window or months are asked
 * (kpi_learner_days), with the group's column first, in group, course,
 * learner order. */
static void pull_sql(const struct gw_kpi_query *q, struct qb *b)
{
    bool days = gw_kpi_query_reads_days(q);
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

/* Loads the state rows of the query (pull_sql) into the report's fold
 * (gw_kpi_report_row), which merges each (course, learner)'s rows and counts
 * them in their group. */
static enum gw_qs load_rows(struct gw_db *db, struct gw_kpi_report *rp, struct gw_error *err)
{
    struct qb b = {0};
    pull_sql(rp->q, &b);
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, gw_buf_str(&b.sql), b.p, b.n, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        struct gw_kpi_row row;
        gw_kst_row_read(r, 3, &row);
        gw_kpi_report_row(rp, gw_db_col_text(r, 0), gw_db_col_text(r, 1), gw_db_col_text(r, 2),
                          &row);
    }
    gw_kpi_report_rows_end(rp);
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    gw_buf_free(&b.sql);
    return qs;
}

static enum gw_qs count_unattributed(struct gw_db *db, struct gw_kpi_report *rp,
                                     struct gw_error *err)
{
    const struct gw_kpi_query *q = rp->q;
    struct qb b = {0};
    gw_buf_puts(&b.sql, "SELECT COALESCE(SUM(statements), 0) FROM kpi_unattributed_days "
                        "WHERE 1 = 1");
    if (q->has_from) {
        gw_buf_puts(&b.sql, " AND day >= ");
        qb_param(&b, GW_P_INT(q->from_day));
    }
    if (q->has_to) {
        gw_buf_puts(&b.sql, " AND day < ");
        qb_param(&b, GW_P_INT(q->to_day));
    }
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, gw_buf_str(&b.sql), b.p, b.n, &r, NULL, err);
    rp->unattributed = qs == GW_QS_ONE ? gw_db_col_int(r, 0) : 0;
    gw_db_rows_free(r);
    gw_buf_free(&b.sql);
    return qs;
}

/* ---- the maintained totals: a pull without a window ---- */

/* The scopes of the listed groups, as a subquery over the domain tables
 * with the query's filters (so one statement reads every group's rows): a
 * course filter reads the course's scope, whatever the grouping. */
static void scope_subquery(const struct gw_kpi_query *q, struct qb *b)
{
    bool by_course = q->group_by == GW_KPI_BY_COURSE || q->course;
    gw_buf_printf(&b->sql, "(SELECT '%s' || x.id FROM %s x WHERE 1 = 1",
                  by_course ? "c:" : "d:", by_course ? "courses" : "departments");
    if (q->department) {
        gw_buf_printf(&b->sql, " AND x.%s = ", by_course ? "department_id" : "id");
        qb_param(b, GW_P_TEXT(q->department));
    }
    if (q->course) {
        gw_buf_puts(&b->sql, " AND x.id = ");
        qb_param(b, GW_P_TEXT(q->course));
    }
    gw_buf_puts(&b->sql, ")");
}

#define TOTALS_COLS                                                                                \
    "started, completed, passed, failed, n_score, sum_score, feedback, sum_rating, rating_1, "     \
    "rating_2, rating_3, rating_4, rating_5, comments, statements"

/* The TOTALS_COLS of a row, from column first on. */
static struct gw_kpi_totals totals_at(struct gw_db_rows *r, int first)
{
    struct gw_kpi_totals t;
    t.started = gw_db_col_int(r, first);
    t.completed = gw_db_col_int(r, first + 1);
    t.passed = gw_db_col_int(r, first + 2);
    t.failed = gw_db_col_int(r, first + 3);
    t.n_score = gw_db_col_int(r, first + 4);
    t.sum_score = gw_db_col_int(r, first + 5);
    t.feedback = gw_db_col_int(r, first + 6);
    t.sum_rating = gw_db_col_int(r, first + 7);
    for (int i = 0; i < 5; i++)
        t.dist[i] = gw_db_col_int(r, first + 8 + i);
    t.comments = gw_db_col_int(r, first + 13);
    t.statements = gw_db_col_int(r, first + 14);
    return t;
}

static enum gw_qs read_totals(struct gw_db *db, struct gw_kpi_report *rp, struct gw_error *err)
{
    struct qb b = {0};
    gw_buf_puts(&b.sql, "SELECT scope, " TOTALS_COLS " FROM kpi_totals WHERE scope IN ");
    scope_subquery(rp->q, &b);
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, gw_buf_str(&b.sql), b.p, b.n, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        struct gw_kpi_group_acc *g = gw_kpi_report_find(rp, gw_db_col_text(r, 0) + 2);
        if (!g)
            continue;
        struct gw_kpi_totals t = totals_at(r, 1);
        gw_kpi_acc_set_totals(&g->acc, &t);
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    gw_buf_free(&b.sql);
    return qs;
}

/* Walks every group's histogram (gw_kpi_hist_median) to the bucket holding
 * its lower median. */
static enum gw_qs read_hist(struct gw_db *db, struct gw_kpi_report *rp, struct gw_error *err)
{
    for (size_t i = 0; i < rp->n; i++)
        gw_kpi_hist_median_init(&rp->g[i].med, rp->g[i].acc.completed);
    struct qb b = {0};
    gw_buf_puts(&b.sql, "SELECT scope, bucket, n FROM kpi_ttc_hist WHERE n > 0 AND scope IN ");
    scope_subquery(rp->q, &b);
    gw_buf_puts(&b.sql, " ORDER BY scope, bucket");
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, gw_buf_str(&b.sql), b.p, b.n, &r, NULL, err);
    struct gw_kpi_group_acc *g = NULL;
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        const char *key = gw_db_col_text(r, 0) + 2;
        if (!g || strcmp(g->key, key) != 0)
            g = gw_kpi_report_find(rp, key);
        if (g)
            gw_kpi_hist_median_bucket(&g->med, gw_db_col_int(r, 1), gw_db_col_int(r, 2));
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    gw_buf_free(&b.sql);
    return qs;
}

/* The scope whose times to complete the median walks: a course's ('c'),
 * a department's ('d', id its id) or every course's ('a', id unused); over
 * all time (month 0) or of one month. */
struct ttc_scope {
    char kind;
    const char *id;
    int month;
};

/* Reads the two times from the median's bucket on (the ttc index of
 * kpi_learners, or of kpi_learner_months) and hands them to
 * gw_kpi_hist_median_result. */
static enum gw_qs median_of(struct gw_db *db, struct ttc_scope sc, struct gw_kpi_group_acc *g,
                            struct gw_error *err)
{
    const struct gw_kpi_hist_median *m = &g->med;
    if (m->n <= 0)
        return GW_QS_NONE;
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = GW_QS_NONE;
    int64_t ms[2] = {0, 0};
    int got = 0;
    if (m->start >= 0) {
        struct gw_dbp pv[] = {GW_P_INT(m->start), GW_P_INT(m->k - m->cum), GW_P_INT(sc.month),
                              GW_P_TEXT(sc.id ? sc.id : "")};
        const char *sql = NULL;
        int np = sc.month ? 4 : 3;
        if (!sc.month) {
            pv[2] = pv[3];
            sql = sc.kind == 'c' ? "SELECT ttc_ms FROM kpi_learners WHERE course_id = $3 AND "
                                   "ttc_ms IS NOT NULL AND ttc_ms >= $1 ORDER BY ttc_ms LIMIT 2 "
                                   "OFFSET $2"
                                 : "SELECT ttc_ms FROM kpi_learners WHERE department_id = $3 AND "
                                   "ttc_ms IS NOT NULL AND ttc_ms >= $1 ORDER BY ttc_ms LIMIT 2 "
                                   "OFFSET $2";
        } else if (sc.kind == 'c') {
            sql = "SELECT ttc_ms FROM kpi_learner_months WHERE course_id = $4 AND month = $3 AND "
                  "ttc_ms IS NOT NULL AND ttc_ms >= $1 ORDER BY ttc_ms LIMIT 2 OFFSET $2";
        } else if (sc.kind == 'd') {
            sql = "SELECT ttc_ms FROM kpi_learner_months WHERE department_id = $4 AND month = $3 "
                  "AND ttc_ms IS NOT NULL AND ttc_ms >= $1 ORDER BY ttc_ms LIMIT 2 OFFSET $2";
        } else {
            np = 3;
            sql = "SELECT ttc_ms FROM kpi_learner_months WHERE month = $3 AND ttc_ms IS NOT NULL "
                  "AND ttc_ms >= $1 ORDER BY ttc_ms LIMIT 2 OFFSET $2";
        }
        qs = gw_db_query(db, sql, pv, np, &r, NULL, err);
        for (bool more = qs == GW_QS_ONE; more && got < 2; more = gw_db_next(r))
            ms[got++] = gw_db_col_int(r, 0);
        gw_db_rows_free(r);
    }
    if (qs < 0)
        return qs;
    bool has = false;
    if (!gw_kpi_hist_median_result(m, ms, got, &has, &g->acc.median)) {
        gw_error_set(err, GW_E_INTERNAL, "kpi_ttc_hist",
                     "the time-to-complete histogram of %s disagrees with kpi_learners; run "
                     "'lmsgw kpi rebuild'",
                     g->key);
        return GW_QS_HARD;
    }
    g->acc.median_known = has;
    return GW_QS_ONE;
}

static enum gw_qs fold_totals(struct gw_db *db, struct gw_kpi_report *rp, struct gw_error *err)
{
    enum gw_qs qs = read_totals(db, rp, err);
    if (qs >= 0)
        qs = read_hist(db, rp, err);
    for (size_t i = 0; qs >= 0 && i < rp->n; i++) {
        struct ttc_scope sc = {rp->q->group_by == GW_KPI_BY_COURSE ? 'c' : 'd', rp->g[i].key, 0};
        qs = median_of(db, sc, &rp->g[i], err);
    }
    return qs;
}

/* ---- the maintained month totals: by month, or a window of one month ---- */

/* The scope a pull by month pools: the course when one is asked (and in
 * the department, when one is asked too), else the department, else every
 * course ('a:'); as a subquery like scope_subquery's, and the ttc scope. */
static void month_scope(const struct gw_kpi_query *q, struct qb *b, struct ttc_scope *sc)
{
    if (q->course) {
        gw_buf_puts(&b->sql, "(SELECT 'c:' || x.id FROM courses x WHERE x.id = ");
        qb_param(b, GW_P_TEXT(q->course));
        if (q->department) {
            gw_buf_puts(&b->sql, " AND x.department_id = ");
            qb_param(b, GW_P_TEXT(q->department));
        }
        gw_buf_puts(&b->sql, ")");
        *sc = (struct ttc_scope){'c', q->course, 0};
    } else if (q->department) {
        gw_buf_puts(&b->sql, "(SELECT 'd:' || x.id FROM departments x WHERE x.id = ");
        qb_param(b, GW_P_TEXT(q->department));
        gw_buf_puts(&b->sql, ")");
        *sc = (struct ttc_scope){'d', q->department, 0};
    } else {
        gw_buf_puts(&b->sql, "('a:')");
        *sc = (struct ttc_scope){'a', NULL, 0};
    }
}

/* The scope list and month range of a month-state query, appended after
 * "scope IN ": the months' scopes when grouping by month (sc receives them),
 * else the query's scopes; months in [from_month, to_month), 0 = open. */
static void month_rows_filter(const struct gw_kpi_query *q, bool by_month, int from_month,
                              int to_month, struct ttc_scope *sc, struct qb *b)
{
    if (by_month)
        month_scope(q, b, sc);
    else
        scope_subquery(q, b);
    if (from_month) {
        gw_buf_puts(&b->sql, " AND month >= ");
        qb_param(b, GW_P_INT(from_month));
    }
    if (to_month) {
        gw_buf_puts(&b->sql, " AND month < ");
        qb_param(b, GW_P_INT(to_month));
    }
}

/* The month totals rows of the query's scopes and months, with the group
 * each belongs to: the month when grouping by month (months with counted
 * statements only, in order), else the scope's listed group. */
static enum gw_qs read_month_totals(struct gw_db *db, struct gw_kpi_report *rp, int from_month,
                                    int to_month, struct ttc_scope *sc, struct gw_error *err)
{
    const struct gw_kpi_query *q = rp->q;
    bool by_month = q->group_by == GW_KPI_BY_MONTH;
    struct qb b = {0};
    gw_buf_puts(&b.sql, "SELECT scope, month, " TOTALS_COLS " FROM kpi_month_totals WHERE "
                        "statements > 0 AND scope IN ");
    month_rows_filter(q, by_month, from_month, to_month, sc, &b);
    gw_buf_puts(&b.sql, " ORDER BY month");
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, gw_buf_str(&b.sql), b.p, b.n, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        struct gw_kpi_group_acc *g = by_month ? gw_kpi_report_month(rp, (int)gw_db_col_int(r, 1))
                                              : gw_kpi_report_find(rp, gw_db_col_text(r, 0) + 2);
        if (!g)
            continue;
        struct gw_kpi_totals t = totals_at(r, 2);
        gw_kpi_acc_set_totals(&g->acc, &t);
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    gw_buf_free(&b.sql);
    return qs;
}

/* Walks each group's month histogram to the bucket of its lower median. */
static enum gw_qs read_month_hist(struct gw_db *db, struct gw_kpi_report *rp, int from_month,
                                  int to_month, struct gw_error *err)
{
    const struct gw_kpi_query *q = rp->q;
    bool by_month = q->group_by == GW_KPI_BY_MONTH;
    for (size_t i = 0; i < rp->n; i++)
        gw_kpi_hist_median_init(&rp->g[i].med, rp->g[i].acc.completed);
    struct qb b = {0};
    struct ttc_scope unused;
    gw_buf_puts(&b.sql, "SELECT scope, month, bucket, n FROM kpi_month_hist WHERE n > 0 AND "
                        "scope IN ");
    month_rows_filter(q, by_month, from_month, to_month, &unused, &b);
    gw_buf_puts(&b.sql, " ORDER BY scope, month, bucket");
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, gw_buf_str(&b.sql), b.p, b.n, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        char key[16];
        const char *gkey = gw_db_col_text(r, 0) + 2;
        if (by_month) {
            snprintf(key, sizeof key, "%lld", (long long)gw_db_col_int(r, 1));
            gkey = key;
        }
        struct gw_kpi_group_acc *g = gw_kpi_report_find(rp, gkey);
        if (g)
            gw_kpi_hist_median_bucket(&g->med, gw_db_col_int(r, 2), gw_db_col_int(r, 3));
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    gw_buf_free(&b.sql);
    return qs;
}

static enum gw_qs fold_months(struct gw_db *db, struct gw_kpi_report *rp, int from_month,
                              int to_month, struct gw_error *err)
{
    bool by_month = rp->q->group_by == GW_KPI_BY_MONTH;
    struct ttc_scope sc = {rp->q->group_by == GW_KPI_BY_COURSE ? 'c' : 'd', NULL, from_month};
    enum gw_qs qs = read_month_totals(db, rp, from_month, to_month, &sc, err);
    if (qs >= 0)
        qs = read_month_hist(db, rp, from_month, to_month, err);
    for (size_t i = 0; qs >= 0 && i < rp->n; i++) {
        if (by_month)
            sc.month = atoi(rp->g[i].key);
        else
            sc.id = rp->g[i].key;
        qs = median_of(db, sc, &rp->g[i], err);
    }
    return qs;
}

/* ---- any other window: the first-day state (migration 0019) ---- */

/* The group a scope's row counts in: its own, or with a course filter in a
 * pull by department the one listed department. */
static struct gw_kpi_group_acc *scope_group(struct gw_kpi_report *rp, const char *scope)
{
    if (rp->q->course && rp->q->group_by == GW_KPI_BY_DEPARTMENT)
        return rp->n == 1 ? &rp->g[0] : NULL;
    return gw_kpi_report_find(rp, scope + 2);
}

/* The rows of table (kpi_first_totals or kpi_first_hist, columns cols) of
 * the query's scopes and the window's first periods (gw_kpi_window_periods),
 * as a UNION ALL of one index range per non-empty period range (an OR of
 * the ranges would have SQLite skip-scan every scope). */
static void first_rows(const struct gw_kpi_query *q, const struct gw_kpi_periods *pp,
                       const char *table, const char *cols, struct qb *b)
{
    const int64_t lo[3] = {pp->day_lo[0], pp->day_lo[1], pp->month_lo},
                  hi[3] = {pp->day_hi[0], pp->day_hi[1], pp->month_hi};
    bool first = true;
    gw_buf_puts(&b->sql, "(");
    for (int i = 0; i < 3; i++) {
        if (lo[i] >= hi[i])
            continue;
        gw_buf_printf(&b->sql, "%sSELECT %s FROM %s WHERE scope IN ", first ? "" : " UNION ALL ",
                      cols, table);
        scope_subquery(q, b);
        gw_buf_printf(&b->sql, " AND grain = %d AND period >= ",
                      i < 2 ? GW_KPI_GRAIN_DAY : GW_KPI_GRAIN_MONTH);
        qb_param(b, GW_P_INT(lo[i]));
        gw_buf_puts(&b->sql, " AND period < ");
        qb_param(b, GW_P_INT(hi[i]));
        first = false;
    }
    if (first) /* an empty window */
        gw_buf_printf(&b->sql, "SELECT %s FROM %s WHERE 1 = 0", cols, table);
    gw_buf_puts(&b->sql, ") f");
}

/* Sums the first-period totals and histograms of the window's periods
 * into each group's correction (gw_kpi_window_fix). */
static enum gw_qs read_first_sums(struct gw_db *db, struct gw_kpi_report *rp,
                                  const struct gw_kpi_periods *pp, struct gw_error *err)
{
    struct qb b = {0};
    gw_buf_puts(&b.sql, "SELECT scope, SUM(started), SUM(completed), SUM(passed), SUM(failed), "
                        "SUM(n_score), SUM(sum_score), SUM(feedback), SUM(sum_rating), "
                        "SUM(rating_1), SUM(rating_2), SUM(rating_3), SUM(rating_4), "
                        "SUM(rating_5), SUM(comments), SUM(statements) FROM ");
    first_rows(rp->q, pp, "kpi_first_totals", "scope, " TOTALS_COLS, &b);
    gw_buf_puts(&b.sql, " GROUP BY scope");
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, gw_buf_str(&b.sql), b.p, b.n, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        struct gw_kpi_group_acc *g = scope_group(rp, gw_db_col_text(r, 0));
        struct gw_kpi_totals t = totals_at(r, 1);
        if (g)
            gw_kpi_totals_add(&g->win.t, &t);
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    gw_buf_reset(&b.sql);
    b.n = 0;
    gw_buf_puts(&b.sql, "SELECT scope, bucket, SUM(n) FROM ");
    first_rows(rp->q, pp, "kpi_first_hist", "scope, bucket, n", &b);
    gw_buf_puts(&b.sql, " GROUP BY scope, bucket");
    r = NULL;
    if (qs >= 0)
        qs = gw_db_query(db, gw_buf_str(&b.sql), b.p, b.n, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        struct gw_kpi_group_acc *g = scope_group(rp, gw_db_col_text(r, 0));
        if (g)
            gw_kpi_window_fix_hist(&g->win, gw_db_col_int(r, 1), gw_db_col_int(r, 2));
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    gw_buf_free(&b.sql);
    return qs;
}

#define LEARNER_COLS                                                                               \
    "course_id, learner_key, department_id, first_day, statements, first_ms, complete_ms, "        \
    "passed, failed, best_score, rating_ms, rating_seq, rating, comments"

/* The query's filter on kpi_learners' department (a course filter reads
 * its course's department, which the span indexes lead with). */
static void learners_filter(int course_param, int dept_param, struct qb *b)
{
    if (course_param)
        gw_buf_printf(&b->sql,
                      " AND course_id = $%d AND department_id = (SELECT department_id FROM "
                      "courses WHERE id = $%d)",
                      course_param, course_param);
    if (dept_param)
        gw_buf_printf(&b->sql, " AND department_id = $%d", dept_param);
}

/* The pairs crossing a bound of the window, with their day rows inside it:
 * for each bound p and span class k up to max_class (the largest stored),
 * the pairs of class k first active in [p - 2^k + 1, p) (at or after a for
 * the end bound) and last active at or after p (gw_kpi_span_stab), in
 * (course, learner) order. One branch per class and bound: PostgreSQL plans
 * every branch on each pull, so there are no more than the data needs. */
static void crossing_sql(const struct gw_kpi_query *q, const struct gw_kpi_window *w, int max_class,
                         struct qb *b)
{
    struct gw_buf *s = &b->sql;
    int pa = 0, pb = 0, pc = 0, pd = 0;
    if (q->has_from) {
        pa = b->n + 1;
        b->p[b->n++] = GW_P_INT(w->a);
    }
    if (q->has_to) {
        pb = b->n + 1;
        b->p[b->n++] = GW_P_INT(w->b);
    }
    if (q->course) {
        pc = b->n + 1;
        b->p[b->n++] = GW_P_TEXT(q->course);
    }
    if (q->department) {
        pd = b->n + 1;
        b->p[b->n++] = GW_P_TEXT(q->department);
    }
    gw_buf_printf(s,
                  "SELECT x.%s, x.course_id, x.learner_key, x.statements, x.first_ms, "
                  "x.complete_ms, x.passed, x.failed, x.best_score, x.rating_ms, x.rating_seq, "
                  "x.rating, x.comments, x.first_day, d.day, d.statements, d.first_ms, "
                  "d.complete_ms, d.passed, d.failed, d.best_score, d.rating_ms, d.rating_seq, "
                  "d.rating, d.comments FROM (",
                  q->group_by == GW_KPI_BY_COURSE ? "course_id" : "department_id");
    bool first = true;
    for (int bound = 0; bound < 2; bound++) {
        int pp = bound == 0 ? pa : pb;
        if (!pp)
            continue;
        for (int k = 1; k <= max_class; k++) {
            int64_t lo = 0, hi = 0;
            gw_kpi_span_stab(bound == 0 ? w->a : w->b, k, bound == 0 ? GW_KPI_DAY_OPEN_MIN : w->a,
                             &lo, &hi);
            gw_buf_printf(s,
                          "%sSELECT " LEARNER_COLS " FROM kpi_learners WHERE span_class = %d "
                          "AND first_day >= ",
                          first ? "" : " UNION ALL ", k);
            qb_param(b, GW_P_INT(lo));
            gw_buf_printf(s, " AND first_day < $%d AND last_day >= $%d", pp, pp);
            learners_filter(pc, pd, b);
            first = false;
        }
    }
    gw_buf_puts(s, ") x LEFT JOIN kpi_learner_days d ON d.course_id = x.course_id AND "
                   "d.learner_key = x.learner_key");
    if (pa)
        gw_buf_printf(s, " AND d.day >= $%d", pa);
    if (pb)
        gw_buf_printf(s, " AND d.day < $%d", pb);
    gw_buf_puts(s, " ORDER BY x.course_id, x.learner_key");
}

/* One crossing pair being folded. */
struct crossing {
    char *course, *learner, *group;
    bool crosses_end;
    struct gw_kpi_row all, in;
};

static void crossing_end(struct gw_kpi_report *rp, struct crossing *c)
{
    if (!c->course)
        return;
    struct gw_kpi_group_acc *g = gw_kpi_report_find(rp, c->group);
    if (g)
        gw_kpi_window_fix_pair(&g->win, &c->all, &c->in, c->learner[0] != '\0', c->crosses_end);
    free(c->course);
    free(c->learner);
    free(c->group);
    c->course = c->learner = c->group = NULL;
}

/* Corrects each group's sums for the pairs crossing a bound. */
static enum gw_qs read_crossing(struct gw_db *db, struct gw_kpi_report *rp,
                                const struct gw_kpi_window *w, struct gw_error *err)
{
    struct gw_db_rows *r = NULL;
    enum gw_qs qs =
        gw_db_query(db, "SELECT MAX(span_class) FROM kpi_learners", NULL, 0, &r, NULL, err);
    int max_class = qs == GW_QS_ONE && !gw_db_col_null(r, 0) ? (int)gw_db_col_int(r, 0) : 0;
    gw_db_rows_free(r);
    if (qs < 0 || max_class < 1) /* no pair spans two days: none crosses */
        return qs;
    struct qb b = {0};
    crossing_sql(rp->q, w, max_class < GW_KPI_SPAN_CLASSES ? max_class : GW_KPI_SPAN_CLASSES - 1,
                 &b);
    r = NULL;
    struct crossing c = {0};
    qs = gw_db_query(db, gw_buf_str(&b.sql), b.p, b.n, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        const char *course = gw_db_col_text(r, 1), *learner = gw_db_col_text(r, 2);
        if (!c.course || strcmp(c.course, course) != 0 || strcmp(c.learner, learner) != 0) {
            crossing_end(rp, &c);
            c.course = gw_xstrdup(course);
            c.learner = gw_xstrdup(learner);
            c.group = gw_xstrdup(gw_db_col_text(r, 0));
            /* columns 0..12 as pull_sql's: the pair's row over all time */
            gw_kst_row_read(r, 3, &c.all);
            c.crosses_end = gw_db_col_int(r, 13) >= w->a;
            gw_kpi_row_init(&c.in);
        }
        struct gw_kpi_row day;
        if (!gw_db_col_null(r, 14)) { /* a day row inside the window (LEFT JOIN) */
            gw_kst_row_read(r, 15, &day);
            gw_kpi_row_merge(&c.in, &day);
        }
    }
    crossing_end(rp, &c);
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    gw_buf_free(&b.sql);
    return qs;
}

/* The group's median: its window histogram's bucket, then the times of
 * the pairs inside the window in that bucket and the next non-empty one
 * (the span-aware ttc index) with the crossing pairs' own. */
static enum gw_qs window_median(struct gw_db *db, const struct gw_kpi_query *q,
                                const struct gw_kpi_window *w, struct gw_kpi_group_acc *g,
                                struct gw_error *err)
{
    struct gw_kpi_hist_median m;
    int64_t b1 = -1, b2 = -1;
    gw_kpi_window_median_buckets(&g->win, g->win.t.completed, &m, &b1, &b2);
    int64_t *v = NULL;
    size_t n = 0, cap = 0;
    enum gw_qs qs = GW_QS_NONE;
    if (m.n > 0 && b1 >= 0) {
        bool by_course = q->group_by == GW_KPI_BY_COURSE || q->course;
        struct gw_dbp p[] = {GW_P_TEXT(q->course ? q->course : g->key), GW_P_INT(b1), GW_P_INT(b2),
                             GW_P_INT(w->a), GW_P_INT(w->b)};
        struct gw_db_rows *r = NULL;
        qs =
            gw_db_query(db,
                        by_course ? "SELECT ttc_ms FROM kpi_learners WHERE course_id = $1 AND "
                                    "ttc_bucket IN ($2, $3) AND first_day >= $4 AND first_day < $5 "
                                    "AND last_day < $5 AND ttc_ms IS NOT NULL"
                                  : "SELECT ttc_ms FROM kpi_learners WHERE department_id = $1 AND "
                                    "ttc_bucket IN ($2, $3) AND first_day >= $4 AND first_day < $5 "
                                    "AND last_day < $5 AND ttc_ms IS NOT NULL",
                        p, 5, &r, NULL, err);
        for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
            v = gw_xgrow(v, n, &cap, sizeof *v);
            v[n++] = gw_db_col_int(r, 0);
        }
        if (qs == GW_QS_ONE)
            qs = gw_db_rows_status(r, err);
        gw_db_rows_free(r);
    }
    bool has = false;
    if (qs >= 0 && !gw_kpi_window_median_pick(&m, b1, b2, v, n, &g->win, &has, &g->acc.median)) {
        gw_error_set(err, GW_E_INTERNAL, "kpi_first_hist",
                     "the first-day histogram of %s disagrees with kpi_learners; run 'lmsgw kpi "
                     "rebuild'",
                     g->key);
        qs = GW_QS_HARD;
    }
    g->acc.median_known = has;
    free(v);
    return qs;
}

static enum gw_qs fold_firsts(struct gw_db *db, struct gw_kpi_report *rp, struct gw_error *err)
{
    struct gw_kpi_window w;
    struct gw_kpi_periods pp;
    gw_kpi_window_of(rp->q, &w);
    gw_kpi_window_periods(&w, &pp);
    enum gw_qs qs = read_first_sums(db, rp, &pp, err);
    if (qs >= 0)
        qs = read_crossing(db, rp, &w, err);
    for (size_t i = 0; qs >= 0 && i < rp->n; i++) {
        struct gw_kpi_group_acc *g = &rp->g[i];
        gw_kpi_acc_set_totals(&g->acc, &g->win.t);
        qs = window_median(db, rp->q, &w, g, err);
    }
    return qs;
}

/* Folds the state the domain says answers the query into the report. */
static enum gw_qs fold_state(struct gw_db *db, struct gw_kpi_report *rp, struct gw_error *err)
{
    int from_month = 0, to_month = 0;
    if (gw_kpi_query_reads_totals(rp->q))
        return fold_totals(db, rp, err);
    if (gw_kpi_query_reads_months(rp->q, &from_month, &to_month))
        return fold_months(db, rp, from_month, to_month, err);
    if (gw_kpi_query_reads_firsts(rp->q))
        return fold_firsts(db, rp, err);
    return load_rows(db, rp, err);
}

/* Load the groups and the state the query reads (gw_kpi_query_*), fold it
 * in the report, count the unattributed statements. */
static enum gw_qs pull_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct gw_kpi_report *rp = ud;
    gw_kpi_report_reset(rp);
    enum gw_qs qs = GW_QS_NONE;
    if (gw_kpi_query_lists_groups(rp->q))
        qs = list_groups(db, rp, err);
    if (qs >= 0)
        qs = fold_state(db, rp, err);
    if (qs >= 0)
        qs = count_unattributed(db, rp, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_err gw_store_kpi_pull(struct gw_store *s, struct gw_kpi_report *rp, struct gw_error *err)
{
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, pull_tx, rp, err);
    if (rc != GW_OK)
        gw_kpi_report_reset(rp);
    return rc;
}
/* ---- chargeback ---- */

struct cb_ctx {
    const char *department;
    int month;
    int64_t first_day, next_day;
    struct gw_kpi_chargeback *cb;
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
    gw_kpi_chargeback_free(c->cb);
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
    /* learners started in the month per course: the month totals (0018) */
    qs = gw_db_query(db,
                     "SELECT substr(t.scope, 3), t.started FROM kpi_month_totals t WHERE t.month = "
                     "$2 AND t.scope IN (SELECT 'c:' || c.id FROM courses c WHERE c.department_id "
                     "= $1)",
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
    gw_kpi_chargeback_init(c->cb, c->department, c->month, &rates);
    if (qs >= 0)
        qs = gw_db_query(db, "SELECT id, title FROM courses WHERE department_id = $1 ORDER BY id",
                         pd, 1, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        const char *id = gw_db_col_text(r, 0);
        gw_kpi_chargeback_add(c->cb, id, gw_db_col_text(r, 1),
                              json_real_value(json_object_get(hours, id)),
                              json_integer_value(json_object_get(learners, id)));
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    json_decref(hours);
    json_decref(learners);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_err gw_store_kpi_chargeback(struct gw_store *s, const char *department, int month,
                                    int64_t first_day, int64_t next_day,
                                    struct gw_kpi_chargeback *cb, struct gw_error *err)
{
    memset(cb, 0, sizeof *cb);
    struct cb_ctx c = {department, month, first_day, next_day, cb};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, cb_tx, &c, err);
    if (rc != GW_OK)
        gw_kpi_chargeback_free(cb);
    return rc;
}
