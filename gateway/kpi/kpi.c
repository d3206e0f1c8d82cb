/* kpi.c: the KPI definitions (shared/kpi-definitions.md) as pure functions:
 * attribution, per-statement facts (which verbs and results complete, pass,
 * fail, score, rate, comment), per (course, learner) rows, figures over sets
 * of rows, windows, pipeline figures, chargeback lines and CSV. What a
 * statement does to the maintained state is in maintain.c, the pulls' fold
 * in report.c. No SQL, no HTTP: store/kpi*.c and api/kpis.c call these. */
#include "gw/kpi.h"
#include "gw/buf.h"
#include "gw/csv.h"
#include "gw/timefmt.h"
#include "gw/xapi.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- attribution ---- */

size_t gw_kpi_iri_prefixes(const char *id, size_t *lens, size_t cap)
{
    size_t n = 0, len = strlen(id);
    if (len == 0)
        return 0;
    if (n < cap)
        lens[n] = len;
    n++;
    for (size_t i = len - 1; i > 0; i--) {
        if (id[i] == '/' || id[i] == '?' || id[i] == '#') {
            if (n < cap)
                lens[n] = i;
            n++;
        }
    }
    return n;
}

static bool better(const struct gw_kpi_match *a, const struct gw_kpi_match *b)
{
    if (a->iri_len != b->iri_len)
        return a->iri_len > b->iri_len;
    if (a->via_object != b->via_object)
        return a->via_object;
    return strcmp(a->course_id, b->course_id) < 0;
}

int gw_kpi_attribute(const struct gw_kpi_match *m, size_t n, bool *course_level)
{
    *course_level = false;
    if (n == 0)
        return -1;
    size_t best = 0;
    for (size_t i = 1; i < n; i++) {
        if (better(&m[i], &m[best]))
            best = i;
    }
    for (size_t i = 0; i < n; i++) {
        if (m[i].via_object && strcmp(m[i].course_id, m[best].course_id) == 0)
            *course_level = true;
    }
    return (int)best;
}

/* ---- facts ---- */

static bool verb_is(const char *verb, const char *id)
{
    return verb && strcmp(verb, id) == 0;
}

bool gw_kpi_rating(const json_t *score, double *out)
{
    const json_t *raw = json_object_get(score, "raw");
    if (json_is_number(raw)) {
        const json_t *jmin = json_object_get(score, "min"), *jmax = json_object_get(score, "max");
        double lo = json_is_number(jmin) ? json_number_value(jmin) : 1.0;
        double hi = json_is_number(jmax) ? json_number_value(jmax) : 5.0;
        if (hi == lo)
            return false;
        *out = 1.0 + 4.0 * (json_number_value(raw) - lo) / (hi - lo);
        return true;
    }
    const json_t *scaled = json_object_get(score, "scaled");
    if (json_is_number(scaled)) {
        *out = 1.0 + 4.0 * json_number_value(scaled);
        return true;
    }
    return false;
}

bool gw_kpi_score(const json_t *score, double *out)
{
    const json_t *raw = json_object_get(score, "raw");
    const json_t *jmin = json_object_get(score, "min"), *jmax = json_object_get(score, "max");
    const json_t *scaled = json_object_get(score, "scaled");
    if (json_is_number(raw) && json_is_number(jmin) && json_is_number(jmax)) {
        double lo = json_number_value(jmin), hi = json_number_value(jmax);
        if (hi > lo) {
            *out = (json_number_value(raw) - lo) / (hi - lo);
            return true;
        }
    }
    if (json_is_number(scaled)) {
        *out = json_number_value(scaled);
        return true;
    }
    /* raw alone: SCORM 1.2 recommends raw on 0..100 */
    if (json_is_number(raw) && json_object_size(score) == 1) {
        double v = json_number_value(raw);
        if (v >= 0.0 && v <= 100.0) {
            *out = v / 100.0;
            return true;
        }
    }
    return false;
}

int gw_kpi_rating_bucket(double rating)
{
    /* half up; the epsilon keeps 2.4999999999999996 from a division on 3 */
    int b = (int)floor(rating + 0.5 + 1e-9);
    return b < 1 ? 1 : b > 5 ? 5 : b;
}

void gw_kpi_statement_fact(const json_t *st, bool course_level, int64_t ts_ms,
                           struct gw_kpi_fact *f)
{
    memset(f, 0, sizeof *f);
    f->ts_ms = ts_ms;
    if (!course_level)
        return;
    const char *verb = json_string_value(json_object_get(json_object_get(st, "verb"), "id"));
    const json_t *result = json_object_get(st, "result");
    const json_t *completion = json_object_get(result, "completion");
    const json_t *success = json_object_get(result, "success");
    const json_t *score = json_object_get(result, "score");
    bool rated = verb_is(verb, GW_KPI_VERB_RATED);
    bool commented = verb_is(verb, GW_KPI_VERB_COMMENTED);
    f->completing = verb_is(verb, GW_KPI_VERB_COMPLETED) || verb_is(verb, GW_KPI_VERB_PASSED) ||
                    json_is_true(completion);
    f->passed = verb_is(verb, GW_KPI_VERB_PASSED) || json_is_true(success);
    f->failed = verb_is(verb, GW_KPI_VERB_FAILED) || json_is_false(success);
    if (!rated && !commented && json_is_object(score))
        f->has_score = gw_kpi_score(score, &f->score);
    if (rated && json_is_object(score))
        f->has_rating = gw_kpi_rating(score, &f->rating);
    const char *resp = json_string_value(json_object_get(result, "response"));
    f->comment = commented && resp && resp[0];
}

/* ---- rows ---- */

void gw_kpi_row_init(struct gw_kpi_row *r)
{
    memset(r, 0, sizeof *r);
    r->first_ms = INT64_MAX;
    r->complete_ms = INT64_MAX;
}

static bool rating_later(int64_t ms_a, int64_t seq_a, int64_t ms_b, int64_t seq_b)
{
    return ms_a != ms_b ? ms_a > ms_b : seq_a > seq_b;
}

void gw_kpi_row_add(struct gw_kpi_row *r, const struct gw_kpi_fact *f, int64_t seq)
{
    struct gw_kpi_row one;
    gw_kpi_row_init(&one);
    one.statements = 1;
    one.first_ms = f->ts_ms;
    if (f->completing)
        one.complete_ms = f->ts_ms;
    one.passed = f->passed;
    one.failed = f->failed;
    one.has_score = f->has_score;
    one.best_score = f->score;
    one.has_rating = f->has_rating;
    if (f->has_rating) {
        one.rating = f->rating;
        one.rating_ms = f->ts_ms;
        one.rating_seq = seq;
    }
    one.comments = f->comment ? 1 : 0;
    gw_kpi_row_merge(r, &one);
}

void gw_kpi_row_merge(struct gw_kpi_row *into, const struct gw_kpi_row *from)
{
    into->statements += from->statements;
    if (from->first_ms < into->first_ms)
        into->first_ms = from->first_ms;
    if (from->complete_ms < into->complete_ms)
        into->complete_ms = from->complete_ms;
    into->passed = into->passed || from->passed;
    into->failed = into->failed || from->failed;
    if (from->has_score && (!into->has_score || from->best_score > into->best_score)) {
        into->has_score = true;
        into->best_score = from->best_score;
    }
    if (from->has_rating &&
        (!into->has_rating ||
         rating_later(from->rating_ms, from->rating_seq, into->rating_ms, into->rating_seq))) {
        into->has_rating = true;
        into->rating = from->rating;
        into->rating_ms = from->rating_ms;
        into->rating_seq = from->rating_seq;
    }
    into->comments += from->comments;
}

/* ---- figures ---- */

void gw_kpi_acc_init(struct gw_kpi_acc *a)
{
    memset(a, 0, sizeof *a);
}

void gw_kpi_acc_free(struct gw_kpi_acc *a)
{
    free(a->ttc);
    memset(a, 0, sizeof *a);
}

void gw_kpi_acc_add(struct gw_kpi_acc *a, const struct gw_kpi_row *r, bool learner)
{
    /* the same sums the maintained totals keep (gw_kpi_totals_of), plus
     * the time to complete of every completed learner */
    struct gw_kpi_totals t;
    gw_kpi_totals_of(r, learner, &t);
    a->started += t.started;
    a->completed += t.completed;
    a->passed += t.passed;
    a->failed += t.failed;
    a->n_score += t.n_score;
    a->sum_score += t.sum_score;
    a->feedback += t.feedback;
    a->sum_rating += t.sum_rating;
    for (int i = 0; i < 5; i++)
        a->dist[i] += t.dist[i];
    a->comments += t.comments;
    a->statements += t.statements;
    if (t.completed) {
        if (a->n_ttc == a->cap_ttc) {
            a->cap_ttc = a->cap_ttc ? a->cap_ttc * 2 : 16;
            a->ttc = gw_xrealloc(a->ttc, a->cap_ttc * sizeof *a->ttc);
        }
        a->ttc[a->n_ttc++] = (double)(r->complete_ms - r->first_ms) / 1000.0;
    }
}

void gw_kpi_acc_set_totals(struct gw_kpi_acc *a, const struct gw_kpi_totals *t)
{
    a->started = t->started;
    a->completed = t->completed;
    a->passed = t->passed;
    a->failed = t->failed;
    a->n_score = t->n_score;
    a->sum_score = t->sum_score;
    a->feedback = t->feedback;
    a->sum_rating = t->sum_rating;
    for (int i = 0; i < 5; i++)
        a->dist[i] = t->dist[i];
    a->comments = t->comments;
    a->statements = t->statements;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b ? 1 : 0;
}

bool gw_kpi_median(double *v, size_t n, double *out)
{
    if (n == 0)
        return false;
    gw_sort(v, n, sizeof *v, cmp_double);
    *out = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
    return true;
}

int64_t gw_kpi_ttc_bucket(int64_t ms)
{
    if (ms < 16)
        return ms < 0 ? 0 : ms;
    int b = 64 - __builtin_clzll((unsigned long long)ms); /* bit length, >= 5 */
    int64_t mant = ms >> (b - 4);                         /* 8..15 */
    return 16 + (int64_t)(b - 5) * 8 + (mant - 8);
}

int64_t gw_kpi_ttc_bucket_start(int64_t bucket)
{
    if (bucket < 16)
        return bucket;
    int b = (int)((bucket - 16) / 8) + 5;
    int64_t mant = (bucket - 16) % 8 + 8;
    return mant << (b - 4);
}

static json_t *ratio(int64_t num, int64_t den)
{
    return den > 0 ? json_real((double)num / (double)den) : json_null();
}

void gw_kpi_acc_to_json(struct gw_kpi_acc *a, json_t *rec)
{
    double med = a->median;
    bool has_med = a->median_known || gw_kpi_median(a->ttc, a->n_ttc, &med);
    json_object_set_new(rec, "learners_started", json_integer(a->started));
    json_object_set_new(rec, "learners_completed", json_integer(a->completed));
    json_object_set_new(rec, "completion_rate", ratio(a->completed, a->started));
    json_object_set_new(rec, "learners_passed", json_integer(a->passed));
    json_object_set_new(rec, "learners_failed", json_integer(a->failed));
    json_object_set_new(rec, "pass_rate", ratio(a->passed, a->passed + a->failed));
    json_object_set_new(
        rec, "avg_score",
        a->n_score ? json_real((double)a->sum_score / ((double)a->n_score * GW_KPI_SUM_UNIT))
                   : json_null());
    json_object_set_new(rec, "median_time_to_complete_s", has_med ? json_real(med) : json_null());
    json_object_set_new(rec, "feedback_count", json_integer(a->feedback));
    json_object_set_new(
        rec, "avg_rating",
        a->feedback ? json_real((double)a->sum_rating / ((double)a->feedback * GW_KPI_SUM_UNIT))
                    : json_null());
    for (int i = 0; i < 5; i++) {
        char name[16];
        snprintf(name, sizeof name, "rating_%d", i + 1);
        json_object_set_new(rec, name, json_integer(a->dist[i]));
    }
    json_object_set_new(rec, "feedback_response_rate", ratio(a->feedback, a->started));
    json_object_set_new(rec, "comments", json_integer(a->comments));
    json_object_set_new(rec, "statements", json_integer(a->statements));
}

/* ---- time ---- */

int64_t gw_kpi_day(int64_t ms)
{
    int64_t d = ms / GW_KPI_DAY_MS;
    if (ms % GW_KPI_DAY_MS < 0)
        d--;
    return d;
}

/* Howard Hinnant's civil_from_days. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

int gw_kpi_month_of_day(int64_t day)
{
    int64_t y;
    unsigned m, d;
    civil_from_days(day, &y, &m, &d);
    return (int)(y * 100 + m);
}

void gw_kpi_month_format(int month, char out[8])
{
    unsigned y = (unsigned)(month / 100) % 10000u, m = (unsigned)(month % 100) % 100u;
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '\0';
}

bool gw_kpi_month_parse(const char *s, int *month, int64_t *first_day, int64_t *next_day)
{
    int y = 0, m = 0;
    char tail = 0;
    if (!s || strlen(s) != 7 || s[4] != '-' || sscanf(s, "%4d-%2d%c", &y, &m, &tail) != 2)
        return false;
    for (int i = 0; i < 7; i++) {
        if (i != 4 && (s[i] < '0' || s[i] > '9'))
            return false;
    }
    if (m < 1 || m > 12 || y < 1970)
        return false;
    *month = y * 100 + m;
    *first_day = gw_days_from_civil(y, (unsigned)m, 1);
    *next_day =
        m == 12 ? gw_days_from_civil(y + 1, 1, 1) : gw_days_from_civil(y, (unsigned)m + 1, 1);
    return true;
}

bool gw_kpi_parse_day(const char *s, int64_t *day)
{
    int64_t ms = 0;
    if (!s || !s[0])
        return false;
    if (strlen(s) == 10) {
        if (!gw_time_parse_date(s, &ms))
            return false;
    } else if (!gw_time_parse_iso(s, false, &ms)) {
        return false;
    }
    if (ms % GW_KPI_DAY_MS != 0)
        return false;
    *day = gw_kpi_day(ms);
    return true;
}

/* ---- pipeline ---- */

int64_t gw_kpi_stalled_cutoff_ms(int64_t now_ms, int64_t escalation_ms)
{
    return now_ms - escalation_ms;
}

double gw_kpi_span_days(int64_t ms)
{
    return (double)ms / (double)GW_KPI_DAY_MS;
}

void gw_kpi_pipeline_to_json(struct gw_kpi_pipeline_in *in, json_t *rec)
{
    double m = 0;
    json_object_set_new(rec, "courses_requested", json_integer(in->courses_requested));
    json_object_set_new(rec, "courses_built", json_integer(in->courses_built));
    json_object_set_new(rec, "courses_published", json_integer(in->courses_published));
    json_object_set_new(rec, "deployment_rate", ratio(in->courses_published, in->courses_built));
    json_object_set_new(rec, "median_approval_days",
                        gw_kpi_median(in->approval_days, in->n_approval, &m) ? json_real(m)
                                                                             : json_null());
    json_object_set_new(rec, "stalled_reviews", json_integer(in->stalled_reviews));
    json_object_set_new(rec, "median_days_to_publish",
                        gw_kpi_median(in->publish_days, in->n_publish, &m) ? json_real(m)
                                                                           : json_null());
}

void gw_kpi_pipeline_facts_free(struct gw_kpi_pipeline_facts *f)
{
    for (size_t i = 0; i < f->n_courses; i++) {
        free(f->courses[i].id);
        free(f->courses[i].state);
    }
    for (size_t i = 0; i < f->n_rounds; i++) {
        free(f->rounds[i].course_id);
        free(f->rounds[i].state);
    }
    for (size_t i = 0; i < f->n_approvers; i++)
        free(f->approvers[i].round_state);
    free(f->requested_ms);
    free(f->courses);
    free(f->rounds);
    free(f->approvers);
    memset(f, 0, sizeof *f);
}

static void days_push(double **v, size_t *n, size_t *cap, int64_t ms)
{
    *v = gw_xgrow(*v, *n, cap, sizeof **v);
    (*v)[(*n)++] = gw_kpi_span_days(ms);
}

void gw_kpi_pipeline_compute(const struct gw_kpi_pipeline_facts *f, int64_t from_ms, int64_t to_ms,
                             int64_t now_ms, int64_t escalation_ms, struct gw_kpi_pipeline_in *out)
{
    memset(out, 0, sizeof *out);
    int64_t until = to_ms > 0 ? to_ms : INT64_MAX;
    for (size_t i = 0; i < f->n_requests; i++) {
        if (f->requested_ms[i] >= from_ms && f->requested_ms[i] < until)
            out->courses_requested++;
    }
    size_t cap_a = 0, cap_p = 0;
    for (size_t i = 0; i < f->n_rounds; i++) {
        const struct gw_kpi_pipeline_round *r = &f->rounds[i];
        if (strcmp(r->state, "approved") == 0)
            days_push(&out->approval_days, &out->n_approval, &cap_a, r->closed_ms - r->opened_ms);
    }
    for (size_t i = 0; i < f->n_courses; i++) {
        const struct gw_kpi_pipeline_course *c = &f->courses[i];
        if (c->built)
            out->courses_built++;
        if (strcmp(c->state, "published") == 0 || c->on_lms)
            out->courses_published++;
        /* from the last approval to the first publish on an LMS */
        bool approved = false;
        int64_t last = 0;
        for (size_t k = 0; k < f->n_rounds; k++) {
            const struct gw_kpi_pipeline_round *r = &f->rounds[k];
            if (strcmp(r->course_id, c->id) != 0 || strcmp(r->state, "approved") != 0)
                continue;
            if (!approved || r->closed_ms > last)
                last = r->closed_ms;
            approved = true;
        }
        if (c->on_lms && approved)
            days_push(&out->publish_days, &out->n_publish, &cap_p, c->first_published_ms - last);
    }
    int64_t cutoff = gw_kpi_stalled_cutoff_ms(now_ms, escalation_ms);
    for (size_t i = 0; i < f->n_approvers; i++) {
        const struct gw_kpi_pipeline_approver *a = &f->approvers[i];
        if (strcmp(a->round_state, "open") == 0 && !a->decided && a->due_ms > 0 &&
            a->due_ms <= cutoff)
            out->stalled_reviews++;
    }
}

void gw_kpi_pipeline_free(struct gw_kpi_pipeline_in *in)
{
    free(in->approval_days);
    free(in->publish_days);
    memset(in, 0, sizeof *in);
}

/* ---- who sees one course's KPIs ---- */

/* A course's figures belong to those who answer for it: the author who built
 * it and the head of the department that asked for it; the other people in
 * the web app see the pipeline, not learners' results. */
bool gw_kpi_may_read_course(bool reader, const char *person_id, const char *author_id,
                            const char *head_id)
{
    if (reader)
        return true;
    if (!person_id || !*person_id)
        return false;
    return (author_id && strcmp(person_id, author_id) == 0) ||
           (head_id && strcmp(person_id, head_id) == 0);
}

/* ---- chargeback ---- */

void gw_kpi_charge(const struct gw_kpi_rates *r, double hours, int64_t learners_started,
                   struct gw_kpi_charge *out)
{
    memset(out, 0, sizeof *out);
    out->effort_priced = r->enabled && r->has_hourly;
    out->learner_priced = r->enabled && r->has_per_learner;
    out->priced = out->effort_priced || out->learner_priced;
    if (out->effort_priced)
        out->effort_amount = hours * r->hourly_rate;
    if (out->learner_priced)
        out->learner_amount = (double)learners_started * r->per_learner_fee;
    out->amount = out->effort_amount + out->learner_amount;
}

static json_t *real_or_null(bool known, double v)
{
    return known ? json_real(v) : json_null();
}

json_t *gw_kpi_chargeback_line(const char *course_id, const char *title, double hours,
                               int64_t learners_started, const struct gw_kpi_rates *r)
{
    struct gw_kpi_charge c;
    gw_kpi_charge(r, hours, learners_started, &c);
    json_t *l = json_object();
    json_object_set_new(l, "course_id", json_string(course_id));
    json_object_set_new(l, "course_title", json_string(title ? title : ""));
    json_object_set_new(l, "hours", json_real(hours));
    json_object_set_new(l, "hourly_rate", real_or_null(c.effort_priced, r->hourly_rate));
    json_object_set_new(l, "effort_amount", real_or_null(c.effort_priced, c.effort_amount));
    json_object_set_new(l, "learners_started", json_integer(learners_started));
    json_object_set_new(l, "per_learner_fee", real_or_null(c.learner_priced, r->per_learner_fee));
    json_object_set_new(l, "learner_amount", real_or_null(c.learner_priced, c.learner_amount));
    json_object_set_new(l, "amount", real_or_null(c.priced, c.amount));
    json_object_set_new(l, "currency", r->enabled ? json_string(r->currency) : json_null());
    return l;
}

/* ---- CSV ---- */

static void csv_value(struct gw_buf *b, const json_t *v)
{
    if (!v || json_is_null(v))
        return;
    if (json_is_integer(v)) {
        gw_buf_printf(b, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        gw_csv_number(b, json_real_value(v)); /* for people; JSON keeps full precision */
    } else if (json_is_boolean(v)) {
        gw_buf_puts(b, json_is_true(v) ? "true" : "false");
    } else {
        gw_csv_cell(b, json_is_string(v) ? json_string_value(v) : ""); /* text: neutralised */
    }
}

char *gw_kpi_csv(const json_t *records, const char *const *cols)
{
    struct gw_buf b = {0};
    const json_t *first = json_array_get(records, 0);
    size_t ncols = 0;
    const char **names = NULL;
    if (cols) {
        while (cols[ncols])
            ncols++;
        names = gw_xcalloc(ncols + 1, sizeof *names);
        memcpy(names, cols, ncols * sizeof *names);
    } else {
        names = gw_xcalloc(json_object_size(first) + 1, sizeof *names);
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)first, k, v)
        {
            (void)v;
            names[ncols++] = k;
        }
    }
    for (size_t i = 0; i < ncols; i++)
        gw_buf_printf(&b, "%s%s", i ? "," : "", names[i]);
    gw_buf_puts(&b, "\r\n");
    size_t r;
    const json_t *rec;
    json_array_foreach(records, r, rec)
    {
        for (size_t i = 0; i < ncols; i++) {
            if (i)
                gw_buf_puts(&b, ",");
            csv_value(&b, json_object_get(rec, names[i]));
        }
        gw_buf_puts(&b, "\r\n");
    }
    free(names);
    char *out = gw_xstrdup(gw_buf_str(&b));
    gw_buf_free(&b);
    return out;
}

/* ---- which activities attribute, time to complete ---- */

struct gw_kpi_activity *gw_kpi_statement_activities(const json_t *st, size_t *n_out)
{
    struct gw_xapi_activity_ref refs[32];
    size_t n = gw_xapi_activity_ids(st, refs, 32);
    struct gw_xapi_activity_ref *all = refs;
    if (n > 32) {
        all = gw_xcalloc(n, sizeof *all);
        gw_xapi_activity_ids(st, all, n);
    }
    struct gw_kpi_activity *acts = gw_xcalloc(n ? n : 1, sizeof *acts);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (all[i].in_substatement)
            continue;
        acts[k].id = all[i].id;
        acts[k].via_object = all[i].role == GW_XAPI_ROLE_OBJECT;
        k++;
    }
    if (all != refs)
        free(all);
    *n_out = k;
    return acts;
}

int64_t gw_kpi_time_to_complete(const struct gw_kpi_row *r)
{
    return r->complete_ms != INT64_MAX ? r->complete_ms - r->first_ms : -1;
}
