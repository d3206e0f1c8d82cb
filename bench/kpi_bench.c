/* kpi_bench: KPI pull latency and the ingestion cost of KPI maintenance.
 *
 *   kpi_bench [--dsn DSN] [--statements N] [--pulls R] [--ingest M] [--reuse 1]
 *
 * --reuse 1 skips steps 1 and 2 on a database a previous run filled.
 * DSN defaults to a fresh SQLite file under /tmp; for PostgreSQL pass an
 * empty database's postgresql:// DSN. Steps:
 *   1. 20 departments, 200 courses (10 each) with one IRI each;
 *   2. KPI state for N statements (default 1,000,000) written directly into
 *      the tables a pull reads, as the index would have maintained them:
 *      kpi_learners, kpi_learner_days, kpi_totals and kpi_ttc_hist, and the
 *      month state (kpi_learner_months, kpi_month_totals, kpi_month_hist,
 *      migration 0018), and the first-day state (kpi_learners' spans,
 *      kpi_first_totals, kpi_first_hist, migration 0019): 10 statements
 *      per (course, learner) on 1-4 days,
 *      each learner in 5 courses, timestamps over 22 months; statements
 *      themselves are not stored, since a pull never reads them;
 *   3. pull latency p50/p99 over R runs (default 50) of gw_app_kpi_pull:
 *      one department and all departments, without a window, with a
 *      three-month window, with one calendar month, with random whole-day
 *      windows (R runs, each a new window of 1-180 days), and by month
 *      (one department, one course, every course);
 *   4. ingestion: M statements (default 20,000) through gw_store_xapi_insert
 *      in transactions of 100, with KPI maintenance off and on: statements/s.
 * Prints one line per figure. */
#include "gw/buf.h"
#include "gw/kpi_app.h"
#include "gw/kpi_store.h"
#include "gw/timefmt.h"
#include "gw/xapi.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { DEPTS = 20, COURSES = 200, ROWS_PER_INSERT = 8 };

static struct gw_store *store;
/* The schema has the month state (migration 0018): without it (a tree from
 * before) the bench fills and measures what that tree has. */
static bool have_months;
/* The schema has the first-day state (migration 0019). */
static bool have_firsts;

static void die(const char *what, const struct gw_error *e)
{
    fprintf(stderr, "kpi_bench: %s: %s\n", what, e ? e->detail : "");
    exit(1);
}

static enum gw_qs script_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    return gw_db_exec_script(db, ud, err);
}

static void setup_domain(void)
{
    struct gw_buf b = {0};
    for (int d = 0; d < DEPTS; d++)
        gw_buf_printf(&b,
                      "INSERT INTO departments (id, name, created_ms) VALUES ('d%02d', "
                      "'Department %d', 0);",
                      d, d);
    for (int c = 0; c < COURSES; c++)
        gw_buf_printf(&b,
                      "INSERT INTO courses (id, department_id, title, state_since_ms, created_ms) "
                      "VALUES ('c%03d', 'd%02d', 'Course %d', 0, 0);"
                      "INSERT INTO course_iris (iri, course_id, source, created_ms) VALUES "
                      "('https://bench.example/c%03d', 'c%03d', 'gateway', 0);",
                      c, c % DEPTS, c, c, c);
    struct gw_error e;
    if (gw_store_tx(store, GW_TX_WRITE, script_tx, (void *)gw_buf_str(&b), &e) != GW_OK)
        die("domain", &e);
    gw_buf_free(&b);
}

/* ---- state generation ---- */

enum { BUCKETS = 400, MONTHS = 24, BASE_MONTH = 2025 * 12 };

/* Month scopes: the courses, the departments, then every course ('a:'). */
enum { MSCOPES = COURSES + DEPTS + 1 };
/* First days of the generated pairs: from DAY0 (2025-01-01) on. */
enum { DAY0 = 20089, NDAYS = 720 };

struct gen {
    int64_t pairs, done;
    unsigned seed;
    struct gw_kpi_acc course_acc[COURSES], dept_acc[DEPTS];
    int64_t (*hist_c)[BUCKETS], (*hist_d)[BUCKETS];
    struct gw_kpi_totals (*mtot)[MONTHS];
    int64_t (*mhist)[MONTHS][BUCKETS];
    /* the pairs' contributions by first day, courses then departments */
    struct gw_kpi_totals (*ftot)[NDAYS];
};

static int month_index(int month)
{
    return (month / 100) * 12 + month % 100 - 1 - BASE_MONTH;
}

/* The month rows of one pair (its days folded per month), in month order. */
static int pair_months(const int64_t days[4], const struct gw_kpi_row rows[4], int n, int months[4],
                       struct gw_kpi_row mrows[4])
{
    int nm = 0;
    for (int d = 0; d < n; d++) {
        int m = gw_kpi_month_of_day(days[d]);
        if (!nm || months[nm - 1] != m) {
            months[nm] = m;
            gw_kpi_row_init(&mrows[nm++]);
        }
        gw_kpi_row_merge(&mrows[nm - 1], &rows[d]);
    }
    return nm;
}

static void row_values(struct gw_buf *sql, struct gw_dbp *p, int *np, const struct gw_kpi_row *r)
{
    struct gw_dbp v[10] = {
        GW_P_INT(r->statements),
        GW_P_INT(r->first_ms),
        r->complete_ms != INT64_MAX ? GW_P_INT(r->complete_ms) : GW_P_NULL,
        GW_P_INT(r->passed),
        GW_P_INT(r->failed),
        r->has_score ? GW_P_REAL(r->best_score) : GW_P_NULL,
        r->has_rating ? GW_P_INT(r->rating_ms) : GW_P_NULL,
        r->has_rating ? GW_P_INT(r->rating_seq) : GW_P_NULL,
        r->has_rating ? GW_P_REAL(r->rating) : GW_P_NULL,
        GW_P_INT(r->comments),
    };
    for (int i = 0; i < 10; i++) {
        p[(*np)++] = v[i];
        gw_buf_printf(sql, ", $%d", *np);
    }
    gw_buf_puts(sql, ")");
}

/* One pair's day rows (1-4 days, 10 statements) and their fold. */
static int gen_pair(unsigned *seed, int64_t days[4], struct gw_kpi_row rows[4],
                    struct gw_kpi_row *all)
{
    int nd = 1 + rand_r(seed) % 4;
    int64_t base = 20089 + rand_r(seed) % 640; /* 2025-01-01 + up to ~21 months */
    gw_kpi_row_init(all);
    for (int d = 0; d < nd; d++) {
        days[d] = d ? days[d - 1] + 1 + rand_r(seed) % 9 : base;
        gw_kpi_row_init(&rows[d]);
        int n = d == nd - 1 ? 10 - (nd - 1) * 2 : 2;
        for (int s = 0; s < n; s++) {
            struct gw_kpi_fact f = {0};
            f.ts_ms = days[d] * GW_KPI_DAY_MS + rand_r(seed) % GW_KPI_DAY_MS;
            f.completing = d == nd - 1 && s == n - 1 && rand_r(seed) % 3 != 0;
            f.passed = f.completing && rand_r(seed) % 4 != 0;
            f.failed = !f.passed && rand_r(seed) % 10 == 0;
            f.has_score = rand_r(seed) % 3 == 0;
            f.score = (rand_r(seed) % 1001) / 1000.0;
            f.has_rating = s == 0 && rand_r(seed) % 5 == 0;
            f.rating = 1 + (rand_r(seed) % 401) / 100.0;
            f.comment = rand_r(seed) % 20 == 0;
            gw_kpi_row_add(&rows[d], &f, rand_r(seed));
        }
        gw_kpi_row_merge(all, &rows[d]);
    }
    return nd;
}

static enum gw_qs gen_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct gen *g = ud;
    enum gw_qs qs = GW_QS_NONE;
    int64_t end = g->done + 20000 < g->pairs ? g->done + 20000 : g->pairs;
    struct gw_dbp *p = gw_xcalloc(ROWS_PER_INSERT * 140, sizeof *p);
    char(*keys)[64] = gw_xcalloc(ROWS_PER_INSERT, sizeof *keys);
    char(*courses)[8] = gw_xcalloc(ROWS_PER_INSERT, sizeof *courses);
    char(*depts)[8] = gw_xcalloc(ROWS_PER_INSERT, sizeof *depts);
    for (int64_t i = g->done; qs >= 0 && i < end; i += ROWS_PER_INSERT) {
        struct gw_buf ls = {0}, ds = {0}, ms = {0};
        int nl = 0, nd = 0, nm = 0;
        gw_buf_puts(&ms, "INSERT INTO kpi_learner_months (course_id, learner_key, month, "
                         "department_id, ttc_ms, statements, first_ms, complete_ms, passed, "
                         "failed, best_score, rating_ms, rating_seq, rating, comments) VALUES ");
        gw_buf_puts(&ls, have_firsts ? "INSERT INTO kpi_learners (course_id, learner_key, "
                                       "department_id, ttc_ms, first_day, last_day, span_class, "
                                       "ttc_bucket, statements, first_ms, complete_ms, passed, "
                                       "failed, best_score, rating_ms, rating_seq, rating, "
                                       "comments) VALUES "
                                     : "INSERT INTO kpi_learners (course_id, learner_key, "
                                       "department_id, ttc_ms, statements, first_ms, "
                                       "complete_ms, passed, failed, best_score, rating_ms, "
                                       "rating_seq, rating, comments) VALUES ");
        gw_buf_puts(&ds, "INSERT INTO kpi_learner_days (course_id, learner_key, day, month, "
                         "statements, first_ms, complete_ms, passed, failed, best_score, "
                         "rating_ms, rating_seq, rating, comments) VALUES ");
        struct gw_dbp *pl = p, *pd = p + ROWS_PER_INSERT * 18, *pm = p + ROWS_PER_INSERT * 74;
        for (int64_t k = i; k < end && k < i + ROWS_PER_INSERT; k++) {
            int slot = (int)(k - i);
            /* learner k / 5 takes courses (k*7 + j*41) % COURSES: 5 distinct courses */
            int64_t learner = k / 5;
            int course = (int)((learner * 7 + (k % 5) * 41) % COURSES);
            snprintf(keys[slot], sizeof keys[slot], "mbox_sha1sum:%040lld", (long long)learner);
            snprintf(courses[slot], sizeof courses[slot], "c%03d", course);
            int64_t days[4];
            struct gw_kpi_row rows[4], all;
            int n = gen_pair(&g->seed, days, rows, &all);
            int dept = course % DEPTS;
            snprintf(depts[slot], sizeof depts[slot], "d%02d", dept);
            int64_t ttc = all.complete_ms != INT64_MAX ? all.complete_ms - all.first_ms : -1;
            gw_kpi_acc_add(&g->course_acc[course], &all, true);
            gw_kpi_acc_add(&g->dept_acc[dept], &all, true);
            g->course_acc[course].n_ttc = g->dept_acc[dept].n_ttc =
                0; /* the medians come from the index */
            if (ttc >= 0) {
                g->hist_c[course][gw_kpi_ttc_bucket(ttc)]++;
                g->hist_d[dept][gw_kpi_ttc_bucket(ttc)]++;
            }
            gw_buf_puts(&ls, slot ? ", (" : "(");
            pl[nl++] = GW_P_TEXT(courses[slot]);
            pl[nl++] = GW_P_TEXT(keys[slot]);
            pl[nl++] = GW_P_TEXT(depts[slot]);
            pl[nl++] = ttc >= 0 ? GW_P_INT(ttc) : GW_P_NULL;
            gw_buf_printf(&ls, "$%d, $%d, $%d, $%d", nl - 3, nl - 2, nl - 1, nl);
            if (have_firsts) {
                pl[nl++] = GW_P_INT(days[0]);
                pl[nl++] = GW_P_INT(days[n - 1]);
                pl[nl++] = GW_P_INT(gw_kpi_span_class(days[0], days[n - 1]));
                pl[nl++] = ttc >= 0 ? GW_P_INT(gw_kpi_ttc_bucket(ttc)) : GW_P_NULL;
                gw_buf_printf(&ls, ", $%d, $%d, $%d, $%d", nl - 3, nl - 2, nl - 1, nl);
                struct gw_kpi_totals t;
                gw_kpi_totals_of(&all, true, &t);
                gw_kpi_totals_add(&g->ftot[course][days[0] - DAY0], &t);
                gw_kpi_totals_add(&g->ftot[COURSES + dept][days[0] - DAY0], &t);
            }
            row_values(&ls, pl, &nl, &all);
            for (int d = 0; d < n; d++) {
                gw_buf_puts(&ds, nd ? ", (" : "(");
                pd[nd++] = GW_P_TEXT(courses[slot]);
                pd[nd++] = GW_P_TEXT(keys[slot]);
                pd[nd++] = GW_P_INT(days[d]);
                pd[nd++] = GW_P_INT(gw_kpi_month_of_day(days[d]));
                gw_buf_printf(&ds, "$%d, $%d, $%d, $%d", nd - 3, nd - 2, nd - 1, nd);
                row_values(&ds, pd, &nd, &rows[d]);
            }
            /* the month rows and month totals the index keeps (store/kpi.c) */
            int months[4];
            struct gw_kpi_row mrows[4];
            int nmo = have_months ? pair_months(days, rows, n, months, mrows) : 0;
            for (int j = 0; j < nmo; j++) {
                int mi = month_index(months[j]);
                int64_t mttc = gw_kpi_learner_ttc(&mrows[j], true);
                struct gw_kpi_totals t;
                gw_kpi_totals_of(&mrows[j], true, &t);
                const int scopes[3] = {course, COURSES + dept, COURSES + DEPTS};
                for (int sk = 0; sk < 3; sk++) {
                    gw_kpi_totals_add(&g->mtot[scopes[sk]][mi], &t);
                    if (mttc >= 0)
                        g->mhist[scopes[sk]][mi][gw_kpi_ttc_bucket(mttc)]++;
                }
                gw_buf_puts(&ms, nm ? ", (" : "(");
                pm[nm++] = GW_P_TEXT(courses[slot]);
                pm[nm++] = GW_P_TEXT(keys[slot]);
                pm[nm++] = GW_P_INT(months[j]);
                pm[nm++] = GW_P_TEXT(depts[slot]);
                pm[nm++] = mttc >= 0 ? GW_P_INT(mttc) : GW_P_NULL;
                gw_buf_printf(&ms, "$%d, $%d, $%d, $%d, $%d", nm - 4, nm - 3, nm - 2, nm - 1, nm);
                row_values(&ms, pm, &nm, &mrows[j]);
            }
        }
        qs = gw_db_query(db, gw_buf_str(&ls), pl, nl, NULL, NULL, err);
        if (qs >= 0)
            qs = gw_db_query(db, gw_buf_str(&ds), pd, nd, NULL, NULL, err);
        if (qs >= 0 && nm)
            qs = gw_db_query(db, gw_buf_str(&ms), pm, nm, NULL, NULL, err);
        gw_buf_free(&ls);
        gw_buf_free(&ds);
        gw_buf_free(&ms);
    }
    free(p);
    free(keys);
    free(courses);
    free(depts);
    return qs < 0 ? qs : GW_QS_ONE;
}

static enum gw_qs put_totals(struct gw_db *db, const char *scope, const struct gw_kpi_acc *a,
                             const int64_t *hist, struct gw_error *err)
{
    struct gw_dbp p[16] = {GW_P_TEXT(scope),       GW_P_INT(a->started),  GW_P_INT(a->completed),
                           GW_P_INT(a->passed),    GW_P_INT(a->failed),   GW_P_INT(a->n_score),
                           GW_P_INT(a->sum_score), GW_P_INT(a->feedback), GW_P_INT(a->sum_rating)};
    for (int i = 0; i < 5; i++)
        p[9 + i] = GW_P_INT(a->dist[i]);
    p[14] = GW_P_INT(a->comments);
    p[15] = GW_P_INT(a->statements);
    enum gw_qs qs = gw_db_query(
        db,
        "INSERT INTO kpi_totals (scope, started, completed, passed, failed, n_score, sum_score, "
        "feedback, sum_rating, rating_1, rating_2, rating_3, rating_4, rating_5, comments, "
        "statements) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, "
        "$16)",
        p, 16, NULL, NULL, err);
    for (int b = 0; qs >= 0 && b < BUCKETS; b++) {
        if (!hist[b])
            continue;
        struct gw_dbp ph[] = {GW_P_TEXT(scope), GW_P_INT(b), GW_P_INT(hist[b])};
        qs = gw_db_query(db, "INSERT INTO kpi_ttc_hist (scope, bucket, n) VALUES ($1, $2, $3)", ph,
                         3, NULL, NULL, err);
    }
    return qs;
}

static enum gw_qs put_month_totals(struct gw_db *db, const char *scope, int month,
                                   const struct gw_kpi_totals *a, const int64_t *hist,
                                   struct gw_error *err)
{
    struct gw_dbp p[17] = {GW_P_TEXT(scope),       GW_P_INT(month),        GW_P_INT(a->started),
                           GW_P_INT(a->completed), GW_P_INT(a->passed),    GW_P_INT(a->failed),
                           GW_P_INT(a->n_score),   GW_P_INT(a->sum_score), GW_P_INT(a->feedback),
                           GW_P_INT(a->sum_rating)};
    for (int i = 0; i < 5; i++)
        p[10 + i] = GW_P_INT(a->dist[i]);
    p[15] = GW_P_INT(a->comments);
    p[16] = GW_P_INT(a->statements);
    enum gw_qs qs = gw_db_query(
        db,
        "INSERT INTO kpi_month_totals (scope, month, started, completed, passed, failed, n_score, "
        "sum_score, feedback, sum_rating, rating_1, rating_2, rating_3, rating_4, rating_5, "
        "comments, statements) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
        "$14, $15, $16, $17)",
        p, 17, NULL, NULL, err);
    for (int b = 0; qs >= 0 && b < BUCKETS; b++) {
        if (!hist[b])
            continue;
        struct gw_dbp ph[] = {GW_P_TEXT(scope), GW_P_INT(month), GW_P_INT(b), GW_P_INT(hist[b])};
        qs = gw_db_query(db,
                         "INSERT INTO kpi_month_hist (scope, month, bucket, n) VALUES ($1, $2, "
                         "$3, $4)",
                         ph, 4, NULL, NULL, err);
    }
    return qs;
}

static enum gw_qs put_first_row(struct gw_db *db, const char *scope, int grain, int64_t period,
                                const struct gw_kpi_totals *a, struct gw_error *err)
{
    struct gw_dbp p[18] = {GW_P_TEXT(scope),      GW_P_INT(grain),        GW_P_INT(period),
                           GW_P_INT(a->started),  GW_P_INT(a->completed), GW_P_INT(a->passed),
                           GW_P_INT(a->failed),   GW_P_INT(a->n_score),   GW_P_INT(a->sum_score),
                           GW_P_INT(a->feedback), GW_P_INT(a->sum_rating)};
    for (int i = 0; i < 5; i++)
        p[11 + i] = GW_P_INT(a->dist[i]);
    p[16] = GW_P_INT(a->comments);
    p[17] = GW_P_INT(a->statements);
    return gw_db_query(db,
                       "INSERT INTO kpi_first_totals (scope, grain, period, started, completed, "
                       "passed, failed, n_score, sum_score, feedback, sum_rating, rating_1, "
                       "rating_2, rating_3, rating_4, rating_5, comments, statements) VALUES ($1, "
                       "$2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, "
                       "$18)",
                       p, 18, NULL, NULL, err);
}

/* A scope's first-day totals (migration 0019), per day and per month; the
 * histograms are summed from kpi_learners by SQL (first_histograms). */
static enum gw_qs put_first_totals(struct gw_db *db, const char *scope,
                                   const struct gw_kpi_totals *days, struct gw_error *err)
{
    enum gw_qs qs = GW_QS_NONE;
    struct gw_kpi_totals month = {0};
    for (int d = 0; qs >= 0 && d < NDAYS; d++) {
        if (days[d].statements)
            qs = put_first_row(db, scope, GW_KPI_GRAIN_DAY, DAY0 + d, &days[d], err);
        gw_kpi_totals_add(&month, &days[d]);
        int m = gw_kpi_month_of_day(DAY0 + d);
        if ((d == NDAYS - 1 || gw_kpi_month_of_day(DAY0 + d + 1) != m) && month.statements) {
            if (qs >= 0)
                qs = put_first_row(db, scope, GW_KPI_GRAIN_MONTH, m, &month, err);
            memset(&month, 0, sizeof month);
        }
    }
    return qs;
}

/* The first-day histograms from the pairs' first days and ttc buckets,
 * per day and per month (through a day -> month table of the bench). */
static enum gw_qs first_histograms(struct gw_db *db, struct gw_error *err)
{
    struct gw_buf b = {0};
    gw_buf_puts(&b, "CREATE TABLE kpi_bench_days (day BIGINT PRIMARY KEY, month BIGINT);");
    for (int d = 0; d < NDAYS; d++)
        gw_buf_printf(&b, "INSERT INTO kpi_bench_days VALUES (%d, %d);", DAY0 + d,
                      gw_kpi_month_of_day(DAY0 + d));
    gw_buf_puts(
        &b,
        "INSERT INTO kpi_first_hist (scope, grain, period, bucket, n) SELECT 'c:' || course_id, "
        "0, first_day, ttc_bucket, COUNT(*) FROM kpi_learners WHERE ttc_ms IS NOT NULL GROUP "
        "BY course_id, first_day, ttc_bucket;"
        "INSERT INTO kpi_first_hist (scope, grain, period, bucket, n) SELECT 'd:' || "
        "department_id, 0, first_day, ttc_bucket, COUNT(*) FROM kpi_learners WHERE ttc_ms IS "
        "NOT NULL GROUP BY department_id, first_day, ttc_bucket;"
        "INSERT INTO kpi_first_hist (scope, grain, period, bucket, n) SELECT scope, 1, "
        "m.month, bucket, SUM(n) FROM kpi_first_hist h JOIN kpi_bench_days m ON m.day = "
        "h.period WHERE h.grain = 0 GROUP BY scope, m.month, bucket;"
        "DROP TABLE kpi_bench_days;");
    enum gw_qs qs = gw_db_exec_script(db, gw_buf_str(&b), err);
    gw_buf_free(&b);
    return qs;
}

static enum gw_qs totals_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct gen *g = ud;
    enum gw_qs qs = GW_QS_NONE;
    char scope[16];
    for (int sc = 0; qs >= 0 && have_months && sc < MSCOPES; sc++) {
        if (sc < COURSES)
            snprintf(scope, sizeof scope, "c:c%03d", sc);
        else if (sc < COURSES + DEPTS)
            snprintf(scope, sizeof scope, "d:d%02d", sc - COURSES);
        else
            snprintf(scope, sizeof scope, "a:");
        for (int mi = 0; qs >= 0 && mi < MONTHS; mi++) {
            if (g->mtot[sc][mi].statements == 0)
                continue;
            int month = ((BASE_MONTH + mi) / 12) * 100 + (BASE_MONTH + mi) % 12 + 1;
            qs = put_month_totals(db, scope, month, &g->mtot[sc][mi], g->mhist[sc][mi], err);
        }
    }
    for (int sc = 0; qs >= 0 && have_firsts && sc < COURSES + DEPTS; sc++) {
        if (sc < COURSES)
            snprintf(scope, sizeof scope, "c:c%03d", sc);
        else
            snprintf(scope, sizeof scope, "d:d%02d", sc - COURSES);
        qs = put_first_totals(db, scope, g->ftot[sc], err);
    }
    for (int c = 0; qs >= 0 && c < COURSES; c++) {
        snprintf(scope, sizeof scope, "c:c%03d", c);
        qs = put_totals(db, scope, &g->course_acc[c], g->hist_c[c], err);
    }
    for (int d = 0; qs >= 0 && d < DEPTS; d++) {
        snprintf(scope, sizeof scope, "d:d%02d", d);
        qs = put_totals(db, scope, &g->dept_acc[d], g->hist_d[d], err);
    }
    if (qs >= 0 && have_firsts)
        qs = first_histograms(db, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

static void generate_state(int64_t statements)
{
    static struct gen g;
    g.pairs = statements / 10;
    g.seed = 42;
    g.hist_c = gw_xcalloc(COURSES, sizeof *g.hist_c);
    g.hist_d = gw_xcalloc(DEPTS, sizeof *g.hist_d);
    g.mtot = gw_xcalloc(MSCOPES, sizeof *g.mtot);
    g.mhist = gw_xcalloc(MSCOPES, sizeof *g.mhist);
    g.ftot = gw_xcalloc(COURSES + DEPTS, sizeof *g.ftot);
    struct gw_error e;
    int64_t t0 = gw_time_mono_us();
    while (g.done < g.pairs) {
        unsigned seed = g.seed;
        if (gw_store_tx(store, GW_TX_WRITE, gen_tx, &g, &e) != GW_OK)
            die("generate", &e);
        (void)seed;
        g.done = g.done + 20000 < g.pairs ? g.done + 20000 : g.pairs;
    }
    if (gw_store_tx(store, GW_TX_WRITE, totals_tx, &g, &e) != GW_OK)
        die("totals", &e);
    for (int c = 0; c < COURSES; c++)
        gw_kpi_acc_free(&g.course_acc[c]);
    for (int d = 0; d < DEPTS; d++)
        gw_kpi_acc_free(&g.dept_acc[d]);
    free(g.hist_c);
    free(g.hist_d);
    free(g.mtot);
    free(g.mhist);
    free(g.ftot);
    struct gw_error e2;
    gw_store_tx(store, GW_TX_WRITE, script_tx,
                gw_store_dialect(store) == GW_DIALECT_SQLITE ? "ANALYZE" : "ANALYZE", &e2);
    printf("state: %lld (course, learner) rows for %lld statements written in %.1f s\n",
           (long long)g.pairs, (long long)statements, (double)(gw_time_mono_us() - t0) / 1e6);
}

/* ---- pulls ---- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Times runs pulls of q; random_window: each run asks a new random
 * whole-day window of 1-180 days within the state's 22 months. */
static void time_pull_w(const char *label, const struct gw_kpi_query *q0, int runs,
                        bool random_window)
{
    int64_t *us = gw_xcalloc((size_t)runs, sizeof *us);
    struct gw_error e;
    size_t nrec = 0;
    unsigned seed = 11;
    for (int i = 0; i < runs; i++) {
        struct gw_kpi_query qw = *q0;
        const struct gw_kpi_query *q = &qw;
        if (random_window) {
            qw.has_from = qw.has_to = true;
            qw.from_day = 20089 + rand_r(&seed) % 640;
            qw.to_day = qw.from_day + 1 + rand_r(&seed) % 180;
        }
        json_t *out = NULL;
        int64_t t0 = gw_time_mono_us();
        if (gw_app_kpi_pull(store, q, &out, &e) != GW_OK)
            die(label, &e);
        us[i] = gw_time_mono_us() - t0;
        nrec = json_array_size(json_object_get(out, "records"));
        json_decref(out);
    }
    qsort(us, (size_t)runs, sizeof *us, cmp_i64);
    int i99 = (runs * 99 + 99) / 100 - 1;
    printf("pull %-40s %4zu records  p50 %8.2f ms  p99 %8.2f ms  (%d runs)\n", label, nrec,
           (double)us[runs / 2] / 1000.0, (double)us[i99 < runs ? i99 : runs - 1] / 1000.0, runs);
    free(us);
}

static void time_pull(const char *label, const struct gw_kpi_query *q, int runs)
{
    time_pull_w(label, q, runs, false);
}

/* ---- ingestion ---- */

struct ingest_ctx {
    struct gw_xapi_insert in;
};

static enum gw_qs ingest_tx(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct ingest_ctx *c = ud;
    return gw_store_xapi_insert(db, &c->in, gw_time_now_ms(), err);
}

static double ingest(int m, bool maintain, unsigned seed)
{
    gw_kpi_set_maintenance(store, maintain);
    static const char *const verbs[] = {
        "http://adlnet.gov/expapi/verbs/experienced", "http://adlnet.gov/expapi/verbs/completed",
        "http://adlnet.gov/expapi/verbs/passed", "http://adlnet.gov/expapi/verbs/answered"};
    enum { BATCH = 100 };
    struct gw_xapi_new_statement items[BATCH];
    struct gw_error e;
    int64_t spent = 0;
    for (int done = 0; done < m; done += BATCH) {
        for (int i = 0; i < BATCH; i++) {
            char actor[64], object[96], ts[32];
            snprintf(actor, sizeof actor, "mailto:l%d@bench.example", rand_r(&seed) % 50000);
            int course = rand_r(&seed) % COURSES;
            snprintf(object, sizeof object, "https://bench.example/c%03d/m%d", course,
                     rand_r(&seed) % 20);
            gw_time_format_ms(1767225600000LL + (int64_t)(rand_r(&seed) % 300) * GW_KPI_DAY_MS, ts);
            json_t *st = json_pack(
                "{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:{s:[{s:s}]}}, s:{s:{s:f}}, s:s}", "actor", "mbox",
                actor, "verb", "id", verbs[rand_r(&seed) % 4], "object", "id", object, "context",
                "contextActivities", "parent", "id", "https://bench.example/unregistered", "result",
                "score", "scaled", (rand_r(&seed) % 100) / 100.0, "timestamp", ts);
            if (gw_xapi_normalize(st, NULL, gw_time_now_ms(), NULL, GW_XAPI_V1_0, NULL, &e) !=
                GW_OK)
                die("normalize", &e);
            gw_xapi_new_statement_init(&items[i], st, false, NULL);
        }
        struct ingest_ctx c = {{.items = items, .n = BATCH, .authority_key = "bench"}};
        int64_t t0 = gw_time_mono_us();
        if (gw_store_tx(store, GW_TX_WRITE, ingest_tx, &c, &e) != GW_OK)
            die("ingest", &e);
        spent += gw_time_mono_us() - t0;
        for (int i = 0; i < BATCH; i++)
            gw_xapi_new_statement_clear(&items[i]);
    }
    gw_kpi_set_maintenance(store, true);
    return (double)m / ((double)spent / 1e6);
}

int main(int argc, char **argv)
{
    const char *dsn = NULL;
    int64_t statements = 1000000;
    int runs = 50, m = 20000, reuse = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--dsn") == 0)
            dsn = argv[i + 1];
        else if (strcmp(argv[i], "--statements") == 0)
            statements = atoll(argv[i + 1]);
        else if (strcmp(argv[i], "--pulls") == 0)
            runs = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--ingest") == 0)
            m = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--reuse") == 0)
            reuse = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "usage: kpi_bench [--dsn DSN] [--statements N] [--pulls R] "
                            "[--ingest M] [--reuse 1]\n");
            return 2;
        }
    }
    char path[128];
    if (!dsn) {
        snprintf(path, sizeof path, "sqlite:/tmp/kpi_bench_%d.db", (int)getpid());
        dsn = path;
    }
    struct gw_error e;
    store = gw_store_open(dsn, NULL, &e);
    if (!store || gw_store_migrate(store, NULL, &e) != GW_OK)
        die("open", &e);
    if (reuse)
        printf("backend: %s, state of an earlier run\n", gw_store_backend_name(store));
    else
        printf("backend: %s, %lld statements\n", gw_store_backend_name(store),
               (long long)statements);
    have_months = gw_store_tx(store, GW_TX_READ, script_tx,
                              (void *)"SELECT 1 FROM kpi_month_totals LIMIT 0", &e) == GW_OK;
    have_firsts = gw_store_tx(store, GW_TX_READ, script_tx,
                              (void *)"SELECT 1 FROM kpi_first_totals LIMIT 0", &e) == GW_OK;
    if (!reuse) {
        setup_domain();
        generate_state(statements);
    }
    struct gw_kpi_query q = {0};
    q.department = "d07";
    time_pull("one department", &q, runs);
    q.department = NULL;
    time_pull("all departments", &q, runs);
    q.department = "d07";
    q.has_from = q.has_to = true;
    q.from_day = 20454; /* 2026-01-01 */
    q.to_day = 20544;   /* 2026-04-01 */
    time_pull("one department, 3-month window", &q, runs);
    q.department = NULL;
    time_pull("all departments, 3-month window", &q, runs);
    q.department = "d07";
    q.to_day = 20485; /* 2026-02-01 */
    time_pull("one department, one month", &q, runs);
    q.department = NULL;
    time_pull("all departments, one month", &q, runs);
    q.department = "d07";
    time_pull_w("one department, random window", &q, runs, true);
    q.department = NULL;
    time_pull_w("all departments, random window", &q, runs, true);
    q.has_from = q.has_to = false;
    q.group_by = GW_KPI_BY_MONTH;
    q.department = "d07";
    time_pull("one department by month", &q, runs);
    q.department = NULL;
    q.course = "c042";
    time_pull("one course by month", &q, runs);
    q.course = NULL;
    time_pull("all courses by month", &q, runs);
    double off = ingest(m, false, 7), on = ingest(m, true, 7);
    printf("ingest without KPI maintenance %9.0f statements/s\n", off);
    printf("ingest with KPI maintenance    %9.0f statements/s (%.0f%% of without)\n", on,
           100.0 * on / off);
    gw_store_close(store);
    if (dsn == path)
        unlink(path + 7);
    return 0;
}
