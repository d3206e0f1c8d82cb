/* maintain.c: what one statement does to the maintained KPI state, as
 * decisions over plain structs (shared/kpi-definitions.md, "Which statements
 * count" and "Attribution"): whether and when a statement counts, which of
 * its activities attribute it, the attribution itself over a lookup of
 * registered IRIs, the fact it contributes, and what a change of a (course,
 * learner) row does to the totals and to the time-to-complete histogram;
 * recomputing a pair from its facts. No SQL: store/kpi.c loads the rows,
 * calls these, and writes what they computed. Per-statement functions here
 * never allocate (gw_kpi_attribute_activities only past 32 matching
 * prefixes), since the writer calls them for every statement. */
#include "gw/buf.h"
#include "gw/kpi.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int64_t gw_kpi_statement_ms(bool has_timestamp, int64_t timestamp_ms, int64_t stored_ms)
{
    return has_timestamp ? timestamp_ms : stored_ms;
}

bool gw_kpi_statement_counts(bool is_voiding)
{
    return !is_voiding;
}

bool gw_kpi_role_attributes(const char *role, bool *via_object)
{
    *via_object = strcmp(role, "object") == 0;
    return strncmp(role, "sub_", 4) != 0;
}

/* The matches of one statement: on the stack up to SMALL, then on the heap. */
enum { SMALL = 32 };
struct matches {
    struct gw_kpi_match small[SMALL];
    struct gw_kpi_match *m;
    size_t n, cap;
};

static void matches_add(struct matches *ms, const char *course, size_t len, bool via_object)
{
    if (ms->n == ms->cap) {
        size_t cap = ms->cap * 2;
        struct gw_kpi_match *m = gw_xcalloc(cap, sizeof *m);
        memcpy(m, ms->m, ms->n * sizeof *m);
        if (ms->m != ms->small)
            free(ms->m);
        ms->m = m;
        ms->cap = cap;
    }
    ms->m[ms->n++] = (struct gw_kpi_match){course, len, via_object};
}

const char *gw_kpi_attribute_activities(const struct gw_kpi_activity *acts, size_t n,
                                        gw_kpi_iri_lookup_fn lookup, void *ud, bool *course_level)
{
    struct matches ms;
    ms.m = ms.small;
    ms.n = 0;
    ms.cap = SMALL;
    for (size_t a = 0; a < n; a++) {
        size_t lens_small[SMALL];
        size_t *lens = lens_small;
        size_t np = gw_kpi_iri_prefixes(acts[a].id, lens, SMALL);
        if (np > SMALL) {
            lens = gw_xcalloc(np, sizeof *lens);
            gw_kpi_iri_prefixes(acts[a].id, lens, np);
        }
        for (size_t i = 0; i < np; i++) {
            const char *course = lookup(ud, acts[a].id, lens[i]);
            if (course)
                matches_add(&ms, course, lens[i], acts[a].via_object);
        }
        if (lens != lens_small)
            free(lens);
    }
    int w = gw_kpi_attribute(ms.m, ms.n, course_level);
    const char *course = w >= 0 && (size_t)w < ms.n ? ms.m[w].course_id : NULL;
    if (ms.m != ms.small)
        free(ms.m);
    return course;
}

void gw_kpi_attributed_fact(const struct gw_kpi_fact *course_fact, bool course_level, int64_t ts_ms,
                            struct gw_kpi_fact *out)
{
    memset(out, 0, sizeof *out);
    if (course_level)
        *out = *course_fact;
    out->ts_ms = ts_ms;
}

int64_t gw_kpi_learner_ttc(const struct gw_kpi_row *r, bool learner)
{
    return r && learner ? gw_kpi_time_to_complete(r) : -1;
}

/* ---- totals ---- */

void gw_kpi_totals_of(const struct gw_kpi_row *r, bool learner, struct gw_kpi_totals *t)
{
    memset(t, 0, sizeof *t);
    if (!r)
        return;
    t->statements = r->statements;
    t->comments = r->comments;
    if (!learner || r->statements == 0)
        return;
    t->started = 1;
    t->completed = r->complete_ms != INT64_MAX ? 1 : 0;
    /* a learner who passed once is not among the failed */
    t->passed = r->passed ? 1 : 0;
    t->failed = !r->passed && r->failed ? 1 : 0;
    if (r->has_score) {
        t->n_score = 1;
        t->sum_score = llround(r->best_score * GW_KPI_SUM_UNIT);
    }
    if (r->has_rating) {
        t->feedback = 1;
        t->sum_rating = llround(r->rating * GW_KPI_SUM_UNIT);
        t->dist[gw_kpi_rating_bucket(r->rating) - 1] = 1;
    }
}

void gw_kpi_totals_add(struct gw_kpi_totals *into, const struct gw_kpi_totals *d)
{
    into->started += d->started;
    into->completed += d->completed;
    into->passed += d->passed;
    into->failed += d->failed;
    into->n_score += d->n_score;
    into->sum_score += d->sum_score;
    into->feedback += d->feedback;
    into->sum_rating += d->sum_rating;
    for (int i = 0; i < 5; i++)
        into->dist[i] += d->dist[i];
    into->comments += d->comments;
    into->statements += d->statements;
}

void gw_kpi_totals_sub(struct gw_kpi_totals *into, const struct gw_kpi_totals *d)
{
    into->started -= d->started;
    into->completed -= d->completed;
    into->passed -= d->passed;
    into->failed -= d->failed;
    into->n_score -= d->n_score;
    into->sum_score -= d->sum_score;
    into->feedback -= d->feedback;
    into->sum_rating -= d->sum_rating;
    for (int i = 0; i < 5; i++)
        into->dist[i] -= d->dist[i];
    into->comments -= d->comments;
    into->statements -= d->statements;
}

void gw_kpi_totals_delta(const struct gw_kpi_row *old, const struct gw_kpi_row *nw, bool learner,
                         struct gw_kpi_totals *d)
{
    struct gw_kpi_totals a;
    gw_kpi_totals_of(old, learner, &a);
    gw_kpi_totals_of(nw, learner, d);
    gw_kpi_totals_sub(d, &a);
}

void gw_kpi_ttc_moves(const struct gw_kpi_row *old, const struct gw_kpi_row *nw, bool learner,
                      int64_t *from_bucket, int64_t *to_bucket)
{
    int64_t t_old = gw_kpi_learner_ttc(old, learner), t_new = gw_kpi_learner_ttc(nw, learner);
    *from_bucket = *to_bucket = -1;
    if (t_old == t_new)
        return;
    if (t_old >= 0)
        *from_bucket = gw_kpi_ttc_bucket(t_old);
    if (t_new >= 0)
        *to_bucket = gw_kpi_ttc_bucket(t_new);
}

/* ---- a pair from scratch ---- */

void gw_kpi_pair_init(struct gw_kpi_pair *p)
{
    memset(p, 0, sizeof *p);
    gw_kpi_row_init(&p->all);
}

/* The pair's row of day, added (empty) when missing. */
static struct gw_kpi_row *pair_day(struct gw_kpi_pair *p, int64_t day)
{
    size_t i = 0;
    while (i < p->n_days && p->days[i].day != day)
        i++;
    if (i == p->n_days) {
        p->days = gw_xgrow(p->days, p->n_days, &p->cap_days, sizeof *p->days);
        p->days[i].day = day;
        gw_kpi_row_init(&p->days[i].row);
        p->n_days++;
    }
    return &p->days[i].row;
}

void gw_kpi_pair_add(struct gw_kpi_pair *p, const struct gw_kpi_fact *f, int64_t seq)
{
    gw_kpi_row_add(pair_day(p, gw_kpi_day(f->ts_ms)), f, seq);
    gw_kpi_row_add(&p->all, f, seq);
}

void gw_kpi_pair_merge_day(struct gw_kpi_pair *p, int64_t day, const struct gw_kpi_row *row)
{
    gw_kpi_row_merge(pair_day(p, day), row);
    gw_kpi_row_merge(&p->all, row);
}

int64_t gw_kpi_pair_last_day(const struct gw_kpi_pair *p)
{
    int64_t last = -1;
    for (size_t i = 0; i < p->n_days; i++) {
        if (i == 0 || p->days[i].day > last)
            last = p->days[i].day;
    }
    return last;
}

void gw_kpi_pair_free(struct gw_kpi_pair *p)
{
    free(p->days);
    memset(p, 0, sizeof *p);
}

static int cmp_month_row(const void *x, const void *y)
{
    const struct gw_kpi_month_row *a = x, *b = y;
    return a->month < b->month ? -1 : a->month > b->month;
}

size_t gw_kpi_pair_months(const struct gw_kpi_pair *p, struct gw_kpi_month_row **out)
{
    struct gw_kpi_month_row *m = gw_xcalloc(p->n_days ? p->n_days : 1, sizeof *m);
    size_t n = 0;
    for (size_t i = 0; i < p->n_days; i++) {
        int month = gw_kpi_month_of_day(p->days[i].day);
        size_t j = 0;
        while (j < n && m[j].month != month)
            j++;
        if (j == n) {
            m[n].month = month;
            gw_kpi_row_init(&m[n++].row);
        }
        gw_kpi_row_merge(&m[j].row, &p->days[i].row);
    }
    if (n > 1)
        gw_sort(m, n, sizeof *m, cmp_month_row);
    *out = m;
    return n;
}
