/* window.c: a KPI pull over any whole-day window from the first-day state
 * (migration 0019), as decisions over plain values: a pair's span class,
 * which first days can hold a pair crossing a bound, where a pair's span
 * stands against a window, which first-day and first-month sums a window
 * reads, the correction the crossing pairs make to those sums, and the
 * median from the corrected histogram and its bucket's candidates. No SQL:
 * store/kpi.c keeps the state, store/kpi_pull.c loads it and calls these. */
#include "gw/buf.h"
#include "gw/kpi.h"

#include <stdlib.h>
#include <string.h>

int gw_kpi_span_class(int64_t f, int64_t l)
{
    int64_t len = l - f + 1;
    int k = 0;
    while (k < GW_KPI_SPAN_CLASSES - 1 && (INT64_C(1) << k) < len)
        k++;
    return k;
}

bool gw_kpi_span_stab(int64_t p, int k, int64_t floor, int64_t *lo, int64_t *hi)
{
    if (k <= 0)
        return false;
    *lo = p - (INT64_C(1) << k) + 1;
    if (*lo < floor)
        *lo = floor;
    *hi = p;
    return *lo < *hi;
}

void gw_kpi_window_of(const struct gw_kpi_query *q, struct gw_kpi_window *w)
{
    w->a = q->has_from ? q->from_day : GW_KPI_DAY_OPEN_MIN;
    w->b = q->has_to ? q->to_day : GW_KPI_DAY_OPEN_MAX;
}

enum gw_kpi_span_place gw_kpi_span_place(const struct gw_kpi_window *w, int64_t f, int64_t l)
{
    if (l < w->a || f >= w->b)
        return GW_KPI_SPAN_OUTSIDE;
    if (f >= w->a && l < w->b)
        return GW_KPI_SPAN_INSIDE;
    return f < w->a ? GW_KPI_SPAN_CROSSES_START : GW_KPI_SPAN_CROSSES_END;
}

/* Month numbers below and above any month (202611). */
enum { MONTH_OPEN_MIN = -1000000000, MONTH_OPEN_MAX = 1000000000 };

static bool month_start(int64_t day)
{
    return gw_kpi_month_of_day(day) != gw_kpi_month_of_day(day - 1);
}

void gw_kpi_window_periods(const struct gw_kpi_window *w, struct gw_kpi_periods *p)
{
    memset(p, 0, sizeof *p);
    bool open_a = w->a <= GW_KPI_DAY_OPEN_MIN, open_b = w->b >= GW_KPI_DAY_OPEN_MAX;
    /* x: the first month start at or after a; y: the last one at or before b */
    int64_t x = w->a, y = w->b;
    if (!open_a) {
        while (!month_start(x))
            x++;
    }
    if (!open_b) {
        while (!month_start(y))
            y--;
    }
    if (!open_a && !open_b && x >= y) { /* no whole month inside: days only */
        p->day_lo[0] = w->a;
        p->day_hi[0] = w->b;
        return;
    }
    if (!open_a) {
        p->day_lo[0] = w->a;
        p->day_hi[0] = x;
    }
    if (!open_b) {
        p->day_lo[1] = y;
        p->day_hi[1] = w->b;
    }
    p->month_lo = open_a ? MONTH_OPEN_MIN : gw_kpi_month_of_day(x);
    p->month_hi = open_b ? MONTH_OPEN_MAX : gw_kpi_month_of_day(y);
}

void gw_kpi_window_fix_init(struct gw_kpi_window_fix *x)
{
    memset(x, 0, sizeof *x);
}

void gw_kpi_window_fix_free(struct gw_kpi_window_fix *x)
{
    free(x->hist);
    free(x->ttc);
    memset(x, 0, sizeof *x);
}

void gw_kpi_window_fix_hist(struct gw_kpi_window_fix *x, int64_t bucket, int64_t n)
{
    if (bucket < 0)
        return;
    if ((size_t)bucket >= x->n_hist) {
        size_t nn = (size_t)bucket + 16;
        x->hist = gw_xrealloc(x->hist, nn * sizeof *x->hist);
        memset(x->hist + x->n_hist, 0, (nn - x->n_hist) * sizeof *x->hist);
        x->n_hist = nn;
    }
    x->hist[bucket] += n;
}

void gw_kpi_window_fix_pair(struct gw_kpi_window_fix *x, const struct gw_kpi_row *all,
                            const struct gw_kpi_row *in, bool learner, bool crosses_end)
{
    struct gw_kpi_totals t;
    if (crosses_end) {
        gw_kpi_totals_of(all, learner, &t);
        gw_kpi_totals_sub(&x->t, &t);
        int64_t ttc = gw_kpi_learner_ttc(all, learner);
        if (ttc >= 0)
            gw_kpi_window_fix_hist(x, gw_kpi_ttc_bucket(ttc), -1);
    }
    if (in->statements == 0)
        return;
    gw_kpi_totals_of(in, learner, &t);
    gw_kpi_totals_add(&x->t, &t);
    int64_t ttc = gw_kpi_learner_ttc(in, learner);
    if (ttc < 0)
        return;
    gw_kpi_window_fix_hist(x, gw_kpi_ttc_bucket(ttc), 1);
    x->ttc = gw_xgrow(x->ttc, x->n_ttc, &x->cap_ttc, sizeof *x->ttc);
    x->ttc[x->n_ttc++] = ttc;
}

void gw_kpi_window_median_buckets(const struct gw_kpi_window_fix *x, int64_t completed,
                                  struct gw_kpi_hist_median *m, int64_t *b1, int64_t *b2)
{
    gw_kpi_hist_median_init(m, completed);
    *b1 = *b2 = -1;
    for (size_t b = 0; b < x->n_hist; b++) {
        if (x->hist[b] <= 0)
            continue;
        if (*b1 >= 0) {
            *b2 = (int64_t)b;
            return;
        }
        gw_kpi_hist_median_bucket(m, (int64_t)b, x->hist[b]);
        if (m->start >= 0)
            *b1 = (int64_t)b;
    }
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

bool gw_kpi_window_median_pick(const struct gw_kpi_hist_median *m, int64_t b1, int64_t b2,
                               int64_t *db, size_t n_db, const struct gw_kpi_window_fix *x,
                               bool *has, double *median_s)
{
    int64_t *v = gw_xcalloc(n_db + x->n_ttc + 1, sizeof *v);
    size_t n = n_db;
    if (n_db)
        memcpy(v, db, n_db * sizeof *v);
    for (size_t i = 0; i < x->n_ttc; i++) {
        int64_t b = gw_kpi_ttc_bucket(x->ttc[i]);
        if (b1 >= 0 && (b == b1 || b == b2))
            v[n++] = x->ttc[i];
    }
    if (n > 1)
        gw_sort(v, n, sizeof *v, cmp_i64);
    int64_t ms[2] = {0, 0};
    int got = 0;
    int64_t at = m->k - m->cum;
    for (int64_t i = at; m->start >= 0 && at >= 0 && i < (int64_t)n && got < 2; i++)
        ms[got++] = v[i];
    free(v);
    return gw_kpi_hist_median_result(m, ms, got, has, median_s);
}

bool gw_kpi_query_reads_firsts(const struct gw_kpi_query *q)
{
    int fm = 0, tm = 0;
    return (q->has_from || q->has_to) && q->group_by != GW_KPI_BY_MONTH && !q->from_rows &&
           !gw_kpi_query_reads_months(q, &fm, &tm);
}
