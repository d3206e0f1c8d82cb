/* report.c: answering a KPI pull from state rows the store loaded: which
 * state answers a query (the rows over all time, the per-day rows of a
 * window, or the maintained totals over all time, per month or per first
 * day: window.c), the fold of loaded rows
 * into one row per (course, learner) and then into each group's figures,
 * the median from the maintained time-to-complete histogram, the records'
 * JSON, and a department's chargeback report. No SQL: store/kpi_pull.c
 * loads and calls these in its read transaction. */
#include "gw/buf.h"
#include "gw/kpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- which state answers ---- */

bool gw_kpi_query_reads_days(const struct gw_kpi_query *q)
{
    return q->has_from || q->has_to || q->group_by == GW_KPI_BY_MONTH;
}

bool gw_kpi_query_reads_totals(const struct gw_kpi_query *q)
{
    /* a course filter cuts into a department's pool, which the department's
     * totals cannot */
    return !q->from_rows && !gw_kpi_query_reads_days(q) &&
           !(q->group_by == GW_KPI_BY_DEPARTMENT && q->course);
}

/* Whether day is the first day of its month. */
static bool month_start(int64_t day)
{
    return gw_kpi_month_of_day(day) != gw_kpi_month_of_day(day - 1);
}

bool gw_kpi_query_reads_months(const struct gw_kpi_query *q, int *from_month, int *to_month)
{
    *from_month = q->has_from ? gw_kpi_month_of_day(q->from_day) : 0;
    *to_month = q->has_to ? gw_kpi_month_of_day(q->to_day) : 0;
    if (q->from_rows || (q->has_from && !month_start(q->from_day)) ||
        (q->has_to && !month_start(q->to_day)))
        return false;
    if (q->group_by == GW_KPI_BY_MONTH)
        return true;
    /* one calendar month: from its first day to the next month's */
    return q->has_from && q->has_to && q->from_day < q->to_day &&
           gw_kpi_month_of_day(q->to_day - 1) == *from_month &&
           !(q->group_by == GW_KPI_BY_DEPARTMENT && q->course);
}

bool gw_kpi_query_lists_groups(const struct gw_kpi_query *q)
{
    return q->group_by != GW_KPI_BY_MONTH;
}

/* ---- groups ---- */

void gw_kpi_report_init(struct gw_kpi_report *rp, const struct gw_kpi_query *q)
{
    memset(rp, 0, sizeof *rp);
    rp->q = q;
}

void gw_kpi_report_reset(struct gw_kpi_report *rp)
{
    for (size_t i = 0; i < rp->n; i++) {
        free(rp->g[i].key);
        json_decref(rp->g[i].rec);
        gw_kpi_acc_free(&rp->g[i].acc);
        gw_kpi_window_fix_free(&rp->g[i].win);
    }
    rp->n = 0;
    rp->unattributed = 0;
    rp->open = false;
}

void gw_kpi_report_free(struct gw_kpi_report *rp)
{
    gw_kpi_report_reset(rp);
    free(rp->g);
    free(rp->open_group);
    free(rp->open_course);
    free(rp->open_learner);
    memset(rp, 0, sizeof *rp);
}

static struct gw_kpi_group_acc *group_add(struct gw_kpi_report *rp, const char *key, json_t *rec)
{
    rp->g = gw_xgrow(rp->g, rp->n, &rp->cap, sizeof *rp->g);
    struct gw_kpi_group_acc *g = &rp->g[rp->n++];
    g->key = gw_xstrdup(key);
    g->rec = rec;
    gw_kpi_acc_init(&g->acc);
    gw_kpi_hist_median_init(&g->med, 0);
    gw_kpi_window_fix_init(&g->win);
    return g;
}

struct gw_kpi_group_acc *gw_kpi_report_add_group(struct gw_kpi_report *rp, const char *id,
                                                 const char *name, const char *department_id)
{
    json_t *rec = json_object();
    if (rp->q->group_by == GW_KPI_BY_DEPARTMENT) {
        json_object_set_new(rec, "department_id", json_string(id));
        json_object_set_new(rec, "department_name", json_string(name));
    } else {
        json_object_set_new(rec, "course_id", json_string(id));
        json_object_set_new(rec, "course_title", json_string(name));
        json_object_set_new(rec, "department_id", json_string(department_id));
    }
    return group_add(rp, id, rec);
}

struct gw_kpi_group_acc *gw_kpi_report_find(struct gw_kpi_report *rp, const char *key)
{
    for (size_t i = rp->n; i > 0; i--) {
        if (strcmp(rp->g[i - 1].key, key) == 0)
            return &rp->g[i - 1];
    }
    return NULL;
}

/* ---- the fold of loaded rows ---- */

static struct gw_kpi_group_acc *month_group(struct gw_kpi_report *rp, const char *gkey)
{
    struct gw_kpi_group_acc *g = gw_kpi_report_find(rp, gkey);
    if (!g) {
        char m[8];
        gw_kpi_month_format(atoi(gkey), m);
        json_t *rec = json_object();
        json_object_set_new(rec, "month", json_string(m));
        g = group_add(rp, gkey, rec);
    }
    return g;
}

struct gw_kpi_group_acc *gw_kpi_report_month(struct gw_kpi_report *rp, int month)
{
    char key[16];
    snprintf(key, sizeof key, "%d", month);
    return month_group(rp, key);
}

/* Counts the merged row of one (group, course, learner) in its group. */
static void count_row(struct gw_kpi_report *rp, const char *gkey, const char *learner,
                      const struct gw_kpi_row *row)
{
    struct gw_kpi_group_acc *g =
        rp->q->group_by == GW_KPI_BY_MONTH ? month_group(rp, gkey) : gw_kpi_report_find(rp, gkey);
    if (g)
        gw_kpi_acc_add(&g->acc, row, learner[0] != '\0');
}

static void set_text(char **dst, size_t *cap, const char *src)
{
    size_t len = strlen(src) + 1;
    if (len > *cap) {
        *cap = len > 2 * *cap ? len : 2 * *cap;
        *dst = gw_xrealloc(*dst, *cap);
    }
    memcpy(*dst, src, len);
}

void gw_kpi_report_row(struct gw_kpi_report *rp, const char *group, const char *course,
                       const char *learner, const struct gw_kpi_row *row)
{
    if (rp->open && (strcmp(group, rp->open_group) != 0 || strcmp(course, rp->open_course) != 0 ||
                     strcmp(learner, rp->open_learner) != 0)) {
        count_row(rp, rp->open_group, rp->open_learner, &rp->cur);
        rp->open = false;
    }
    if (!rp->open) {
        set_text(&rp->open_group, &rp->cap_group, group);
        set_text(&rp->open_course, &rp->cap_course, course);
        set_text(&rp->open_learner, &rp->cap_learner, learner);
        gw_kpi_row_init(&rp->cur);
        rp->open = true;
    }
    gw_kpi_row_merge(&rp->cur, row);
}

void gw_kpi_report_rows_end(struct gw_kpi_report *rp)
{
    if (rp->open)
        count_row(rp, rp->open_group, rp->open_learner, &rp->cur);
    rp->open = false;
}

json_t *gw_kpi_report_json(struct gw_kpi_report *rp)
{
    json_t *records = json_array();
    for (size_t i = 0; i < rp->n; i++) {
        gw_kpi_acc_to_json(&rp->g[i].acc, rp->g[i].rec);
        json_array_append(records, rp->g[i].rec);
    }
    return json_pack("{s:I, s:o}", "unattributed_statements", (json_int_t)rp->unattributed,
                     "records", records);
}

/* ---- the median from the histogram ---- */

void gw_kpi_hist_median_init(struct gw_kpi_hist_median *m, int64_t completed)
{
    m->n = completed;
    m->k = completed > 0 ? (completed - 1) / 2 : 0;
    m->cum = 0;
    m->start = -1;
}

void gw_kpi_hist_median_bucket(struct gw_kpi_hist_median *m, int64_t bucket, int64_t count)
{
    if (m->start >= 0)
        return;
    if (m->cum + count > m->k)
        m->start = gw_kpi_ttc_bucket_start(bucket);
    else
        m->cum += count;
}

bool gw_kpi_hist_median_result(const struct gw_kpi_hist_median *m, const int64_t *ms, int got,
                               bool *has, double *median_s)
{
    *has = false;
    if (m->n <= 0)
        return true;
    if (got == 0 || (m->n % 2 == 0 && got < 2))
        return false;
    double v0 = (double)ms[0] / 1000.0, v1 = got > 1 ? (double)ms[1] / 1000.0 : 0;
    *median_s = m->n % 2 ? v0 : (v0 + v1) / 2.0;
    *has = true;
    return true;
}

/* ---- chargeback ---- */

void gw_kpi_chargeback_init(struct gw_kpi_chargeback *cb, const char *department, int month,
                            const struct gw_kpi_rates *rates)
{
    memset(cb, 0, sizeof *cb);
    cb->department = department;
    cb->month = month;
    cb->rates = *rates;
    cb->lines = json_array();
}

void gw_kpi_chargeback_add(struct gw_kpi_chargeback *cb, const char *course_id, const char *title,
                           double hours, int64_t learners_started)
{
    json_t *l = gw_kpi_chargeback_line(course_id, title, hours, learners_started, &cb->rates);
    cb->total += json_real_value(json_object_get(l, "amount")); /* null (unpriced): 0 */
    json_array_append_new(cb->lines, l);
}

json_t *gw_kpi_chargeback_json(struct gw_kpi_chargeback *cb)
{
    const struct gw_kpi_rates *r = &cb->rates;
    char m[8];
    gw_kpi_month_format(cb->month, m);
    json_t *out = json_pack(
        "{s:s, s:s, s:b, s:o, s:o, s:o}", "department_id", cb->department, "month", m, "enabled",
        r->enabled, "currency", r->enabled ? json_string(r->currency) : json_null(), "total_amount",
        r->enabled && (r->has_hourly || r->has_per_learner) ? json_real(cb->total) : json_null(),
        "lines", cb->lines);
    cb->lines = NULL;
    return out;
}

void gw_kpi_chargeback_free(struct gw_kpi_chargeback *cb)
{
    json_decref(cb->lines);
    cb->lines = NULL;
}
