/* The KPI domain (gateway/kpi/): the definitions of shared/kpi-definitions.md
 * as plain functions over structs, with no SQL, no HTTP and no clock. It owns
 * which statements and activities count and when (kpi.c, maintain.c),
 * attribution of a statement to a course (longest registered IRI), the facts
 * one statement contributes, the per (course, learner) state those facts fold
 * into and what a change of that state does to the maintained totals and the
 * time-to-complete histogram (maintain.c), the figures computed from a set of
 * such states (one course, a department, a month) and the pulls' fold of
 * loaded rows into records (report.c), windows of whole UTC days (from the
 * first-day state and the pairs crossing a bound: window.c), the
 * pipeline figures and chargeback arithmetic. store/kpi*.c load and persist
 * the state these functions compute; api/kpis.c serves it.
 *
 * Contract for the whole header: functions are pure (no I/O, no global
 * state) and safe to call from any thread on distinct objects; none fails
 * except where a bool says so (allocation failure aborts, gw_xmalloc).
 * Strings passed in are borrowed for the call unless a comment says they
 * are kept; heap results say who frees them. */
#ifndef GW_KPI_H
#define GW_KPI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_KPI_DAY_MS 86400000LL
/* Scores and ratings are summed as integers of this many units per 1.0 (nine
 * decimals): avg_score and avg_rating are means of the values rounded so. */
#define GW_KPI_SUM_UNIT 1000000000.0

#define GW_KPI_VERB_COMPLETED "http://adlnet.gov/expapi/verbs/completed"
#define GW_KPI_VERB_PASSED "http://adlnet.gov/expapi/verbs/passed"
#define GW_KPI_VERB_FAILED "http://adlnet.gov/expapi/verbs/failed"
#define GW_KPI_VERB_RATED "http://id.tincanapi.com/verb/rated"
#define GW_KPI_VERB_COMMENTED "http://adlnet.gov/expapi/verbs/commented"

/* ---- attribution ---- */

/* The lengths of the prefixes of activity id that could be registered IRIs
 * matching it: the whole id, then every prefix followed by '/', '?' or '#',
 * longest first. Writes at most cap and returns how many exist. */
size_t gw_kpi_iri_prefixes(const char *id, size_t *lens, size_t cap);

/* One registered IRI that an activity id of the statement equals or lies
 * under. */
struct gw_kpi_match {
    const char *course_id;
    size_t iri_len;
    bool via_object; /* the activity is the statement's object */
};

/* The winning match (longest IRI; on a tie the object's match, then the
 * smaller course id), or -1 when n is 0. *course_level says whether the
 * object itself equals or lies under an IRI of the winning course. */
int gw_kpi_attribute(const struct gw_kpi_match *m, size_t n, bool *course_level);

/* An activity of a statement that can attribute it to a course. */
struct gw_kpi_activity {
    const char *id;  /* borrowed from the statement */
    bool via_object; /* the statement's object */
};
/* The activities that attribute a statement: its object and its context
 * activities, not those inside a SubStatement (heap array, ids borrowed from
 * st; *n their number). */
struct gw_kpi_activity *gw_kpi_statement_activities(const json_t *st, size_t *n);

/* ---- what one statement contributes ---- */
struct gw_kpi_fact {
    int64_t ts_ms;   /* timestamp (normalisation sets it to stored when absent) */
    bool completing; /* course-level; verb completed/passed or result.completion true */
    bool passed;     /* course-level; verb passed or result.success true */
    bool failed;     /* course-level; verb failed or result.success false */
    bool has_score;  /* course-level, not feedback, a score by gw_kpi_score */
    double score;
    bool has_rating; /* course-level rated statement with a usable score */
    double rating;   /* on 1..5 */
    bool comment;    /* course-level commented statement with a non-empty response */
};

/* Fills f from a normalized statement attributed to a course. */
void gw_kpi_statement_fact(const json_t *st, bool course_level, int64_t ts_ms,
                           struct gw_kpi_fact *f);
/* The rules version of the definitions these functions implement
 * (shared/kpi-definitions.md). KPI state records the version it was derived
 * under (kpi_meta, migration 0012); state from an older version is rebuilt
 * (gw_store_kpi_upgrade). Version 2: a statement's score from raw/min/max
 * before scaled, raw alone read on 0..100. */
#define GW_KPI_RULE_VERSION 2

/* A statement's score on 0..1 from a result.score object (version 2):
 * (raw - min) / (max - min) when raw, min and max are all numbers and max >
 * min; else scaled when present; else raw / 100 when raw is the object's
 * only member and 0 <= raw <= 100 (SCORM 1.2's range). False when none. */
bool gw_kpi_score(const json_t *score, double *out);
/* A rating on 1..5 from a result.score object; false when it has no usable
 * value (no raw and no scaled, or max == min). */
bool gw_kpi_rating(const json_t *score, double *out);
/* 1..5: the rating rounded half up (clamped). */
int gw_kpi_rating_bucket(double rating);

/* ---- per (course, learner) state, over all time or over one day ---- */
struct gw_kpi_row {
    int64_t statements;
    int64_t first_ms;    /* INT64_MAX when none */
    int64_t complete_ms; /* first completing statement; INT64_MAX when none */
    bool passed, failed;
    bool has_score;
    double best_score;
    bool has_rating; /* the latest rating, by timestamp then arrival (seq) */
    int64_t rating_ms, rating_seq;
    double rating;
    int64_t comments;
};
void gw_kpi_row_init(struct gw_kpi_row *r);
/* A learner's time to complete: first completing statement minus first
 * statement, in ms; -1 when not completed. */
int64_t gw_kpi_time_to_complete(const struct gw_kpi_row *r);
void gw_kpi_row_add(struct gw_kpi_row *r, const struct gw_kpi_fact *f, int64_t seq);
/* Folds from into into; associative and commutative. */
void gw_kpi_row_merge(struct gw_kpi_row *into, const struct gw_kpi_row *from);

/* ---- which statements count, and when (maintain.c) ---- */

/* The instant a statement counts at, for windows and time to complete: its
 * timestamp, or its stored instant when it was sent without one. */
int64_t gw_kpi_statement_ms(bool has_timestamp, int64_t timestamp_ms, int64_t stored_ms);
/* Whether a statement counts for KPIs at all: a voiding statement never
 * does; the statement it voids stops counting once the voiding is stored. */
bool gw_kpi_statement_counts(bool is_voiding);
/* Whether an activity mentioned in role (the roles of the insert item,
 * xapi_store.h: "object", "parent", "grouping", "category", "other", and
 * "sub_..." inside a SubStatement) can attribute the statement: not inside a
 * SubStatement. *via_object: the role is the statement's object. */
bool gw_kpi_role_attributes(const char *role, bool *via_object);
/* A registered-IRI lookup: the course id registering exactly the len bytes
 * at iri, or NULL. The returned string must stay valid until the lookup's
 * caller returns. */
typedef const char *(*gw_kpi_iri_lookup_fn)(void *ud, const char *iri, size_t len);
/* Attributes a statement by its activities (gw_kpi_attribute over every
 * registered prefix of every activity): the winning course id as lookup
 * returned it, or NULL when unattributed. *course_level as for
 * gw_kpi_attribute. Allocates only for statements with more than 32
 * matching prefixes. */
const char *gw_kpi_attribute_activities(const struct gw_kpi_activity *acts, size_t n,
                                        gw_kpi_iri_lookup_fn lookup, void *ud, bool *course_level);
/* The fact an attributed statement contributes: course_fact (its fact as if
 * course-level, gw_kpi_statement_fact) when course_level, else only its
 * instant and statement count; ts_ms is the statement's instant. */
void gw_kpi_attributed_fact(const struct gw_kpi_fact *course_fact, bool course_level, int64_t ts_ms,
                            struct gw_kpi_fact *out);
/* A (course, learner) row's time to complete in ms, -1 when it has none:
 * none without a row (r NULL), without a learner (Group actors), or before
 * completion. */
int64_t gw_kpi_learner_ttc(const struct gw_kpi_row *r, bool learner);

/* What the maintained totals of a scope (a course, a department) hold: the
 * sums gw_kpi_acc_add makes over the scope's (course, learner) rows, without
 * the times to complete (kept as a histogram, gw_kpi_ttc_bucket). */
struct gw_kpi_totals {
    int64_t started, completed, passed, failed, n_score, sum_score, feedback, sum_rating;
    int64_t dist[5];
    int64_t comments, statements;
};
/* The contribution of one (course, learner) row (NULL: none). Never
 * allocates. */
void gw_kpi_totals_of(const struct gw_kpi_row *r, bool learner, struct gw_kpi_totals *out);
/* *d = contribution of nw - contribution of old (either may be NULL): how
 * the totals move when a learner's row old becomes nw. */
void gw_kpi_totals_delta(const struct gw_kpi_row *old, const struct gw_kpi_row *nw, bool learner,
                         struct gw_kpi_totals *d);
void gw_kpi_totals_add(struct gw_kpi_totals *into, const struct gw_kpi_totals *d);
void gw_kpi_totals_sub(struct gw_kpi_totals *into, const struct gw_kpi_totals *d);
/* The histogram moves of the same change: *from_bucket loses one learner,
 * *to_bucket gains one; -1 for no move (both -1 when the time to complete is
 * unchanged). */
void gw_kpi_ttc_moves(const struct gw_kpi_row *old, const struct gw_kpi_row *nw, bool learner,
                      int64_t *from_bucket, int64_t *to_bucket);

/* One learner's statements on one course folded from scratch (recomputing a
 * pair after a voiding or a re-attribution): the row over all time and one
 * row per UTC day, days in order of first appearance. Heap: free with
 * gw_kpi_pair_free. */
struct gw_kpi_day_row {
    int64_t day;
    struct gw_kpi_row row;
};
struct gw_kpi_pair {
    struct gw_kpi_row all;
    struct gw_kpi_day_row *days;
    size_t n_days, cap_days;
};
void gw_kpi_pair_init(struct gw_kpi_pair *p);
/* Adds a statement's fact (f->ts_ms its instant) with its arrival order seq;
 * facts must come in seq order. */
void gw_kpi_pair_add(struct gw_kpi_pair *p, const struct gw_kpi_fact *f, int64_t seq);
/* Adds a day row kept for a dropped month (kpi_archived_days) to that day
 * and to the pair's row over all time; before the facts that remain. */
void gw_kpi_pair_merge_day(struct gw_kpi_pair *p, int64_t day, const struct gw_kpi_row *row);
void gw_kpi_pair_free(struct gw_kpi_pair *p);
/* The pair's last active day (its latest day row); -1 without days. */
int64_t gw_kpi_pair_last_day(const struct gw_kpi_pair *p);
/* The pair's day rows folded per UTC month (the learner's month rows,
 * kpi_learner_months), in month order: heap array in *out (free), returns
 * how many. */
struct gw_kpi_month_row {
    int month; /* 202611 */
    struct gw_kpi_row row;
};
size_t gw_kpi_pair_months(const struct gw_kpi_pair *p, struct gw_kpi_month_row **out);

/* ---- figures over a set of (course, learner) rows ---- */
struct gw_kpi_acc {
    int64_t started, completed, passed, failed, n_score, feedback, comments, statements;
    /* sums of best scores and latest ratings in units of GW_KPI_SUM_UNIT, so
     * means are exact and independent of the order rows are added and
     * removed in (the maintained totals add and subtract) */
    int64_t sum_score, sum_rating;
    int64_t dist[5];
    double *ttc; /* seconds, one per completed learner */
    size_t n_ttc, cap_ttc;
    bool median_known; /* set by a caller that found the median itself (ttc unused) */
    double median;
};
void gw_kpi_acc_init(struct gw_kpi_acc *a);
/* learner false: the row holds statements without a learner (Group actors). */
void gw_kpi_acc_add(struct gw_kpi_acc *a, const struct gw_kpi_row *r, bool learner);
void gw_kpi_acc_free(struct gw_kpi_acc *a);
/* Adds every learner KPI to record as a top-level member (null when absent):
 * learners_started, learners_completed, completion_rate, learners_passed,
 * learners_failed, pass_rate, avg_score, median_time_to_complete_s,
 * feedback_count, avg_rating, rating_1..rating_5, feedback_response_rate,
 * comments, statements. Sorts a->ttc. */
void gw_kpi_acc_to_json(struct gw_kpi_acc *a, json_t *record);
/* Sets a's sums from a scope's maintained totals (no times to complete:
 * the median comes from gw_kpi_hist_median). */
void gw_kpi_acc_set_totals(struct gw_kpi_acc *a, const struct gw_kpi_totals *t);

/* Buckets of a time to complete in ms (>= 0) for the maintained histogram:
 * 0..15 exact, then eight per power of two; monotonic. bucket_start is the
 * smallest ms in a bucket. */
int64_t gw_kpi_ttc_bucket(int64_t ms);
int64_t gw_kpi_ttc_bucket_start(int64_t bucket);

/* Median of v (sorted in place); with an even count the mean of the two
 * middle values. False when n is 0. */
bool gw_kpi_median(double *v, size_t n, double *out);

/* The median of a scope's times to complete from its maintained histogram
 * and the sorted times themselves: walk the histogram's non-empty buckets in
 * order with gw_kpi_hist_median_bucket until start >= 0, then read (at most)
 * two times from offset (k - cum) among those >= start, in order, and hand
 * them to gw_kpi_hist_median_result. */
struct gw_kpi_hist_median {
    int64_t n;     /* completed learners in the scope */
    int64_t k;     /* index of the lower median, (n - 1) / 2 */
    int64_t cum;   /* learners in the buckets before start */
    int64_t start; /* the smallest ms of the bucket holding the lower median; -1 not found */
};
void gw_kpi_hist_median_init(struct gw_kpi_hist_median *m, int64_t completed);
void gw_kpi_hist_median_bucket(struct gw_kpi_hist_median *m, int64_t bucket, int64_t count);
/* ms: the got (0..2) times read from the offset, in ms. False when the
 * histogram and the times disagree (state to rebuild); with n 0 returns
 * true and *has false. */
bool gw_kpi_hist_median_result(const struct gw_kpi_hist_median *m, const int64_t *ms, int got,
                               bool *has, double *median_s);

/* ---- time ---- */
int64_t gw_kpi_day(int64_t ms);
/* 202611 for a day in November 2026. */
int gw_kpi_month_of_day(int64_t day);
/* "2026-11" */
void gw_kpi_month_format(int month, char out[8]);
/* "YYYY-MM" -> the first day of the month and of the next. */
bool gw_kpi_month_parse(const char *s, int *month, int64_t *first_day, int64_t *next_day);
/* A window bound: "YYYY-MM-DD" or a date-time at midnight UTC -> day number.
 * False for anything else (a time that is not midnight included). */
bool gw_kpi_parse_day(const char *s, int64_t *day);

/* ---- pulls: which state answers a query, and the fold into records (report.c) ---- */
enum gw_kpi_group { GW_KPI_BY_DEPARTMENT, GW_KPI_BY_COURSE, GW_KPI_BY_MONTH };

struct gw_kpi_query {
    const char *department; /* NULL: all */
    const char *course;     /* NULL: all */
    bool has_from, has_to;
    int64_t from_day, to_day; /* UTC day numbers: from inclusive, to exclusive */
    enum gw_kpi_group group_by;
    /* answer from the per-learner rows even where maintained totals could
     * (tests comparing the two; the API never sets it) */
    bool from_rows;
};

/* Whether the query reads the per-day rows (a window, or grouping by
 * month: a learner figure for a window uses only the statements inside it)
 * rather than the rows over all time. */
bool gw_kpi_query_reads_days(const struct gw_kpi_query *q);
/* Whether the maintained totals answer the query: no window, not by month,
 * no course filter cutting into a department's pool, and not from_rows. */
bool gw_kpi_query_reads_totals(const struct gw_kpi_query *q);
/* Whether the maintained month totals (kpi_month_totals, migration 0018)
 * answer the query: grouped by month, each bound of its window (if any) the
 * first day of a month; or grouped by department or course with a window of
 * exactly one calendar month and no course filter cutting into a
 * department's pool; never from_rows. *from_month (inclusive) and
 * *to_month (exclusive) receive the months as 202611, 0 for an open bound. */
bool gw_kpi_query_reads_months(const struct gw_kpi_query *q, int *from_month, int *to_month);
/* Whether the query's groups are listed before any state is read (every
 * department or course gets a record, with or without statements); months
 * appear only when they have statements. */
bool gw_kpi_query_lists_groups(const struct gw_kpi_query *q);

/* ---- any whole-day window from the first-day state (window.c, migration 0019) ----
 * A (course, learner) pair active on the UTC days [f, l] (all time)
 * contributes to a window [a, b) exactly its all-time row when a <= f and l
 * < b, nothing when l < a or b <= f, and otherwise (it crosses a bound) the
 * fold of its day rows inside the window. So a window's figures are the
 * all-time contributions summed by first day over [a, b) (maintained per
 * scope, day and month: kpi_first_totals, kpi_first_hist), minus the
 * all-time contribution of the pairs crossing b with a <= f, plus the window
 * fold of every crossing pair. */

/* Open window bounds as day numbers (far outside any xAPI timestamp). */
#define GW_KPI_DAY_OPEN_MIN (-100000000LL)
#define GW_KPI_DAY_OPEN_MAX 100000000LL
/* Span classes: ceil(log2(l - f + 1)) of spans up to 2^22 days (every pair
 * of xAPI timestamps, years 0000 to 9999). */
#define GW_KPI_SPAN_CLASSES 23

/* The span class of a pair active from day f to day l (f <= l). */
int gw_kpi_span_class(int64_t f, int64_t l);
/* The first days of the pairs of class k (>= 1) that may contain day p (f <
 * p <= l): [*lo, *hi) = [max(p - 2^k + 1, floor), p); false when empty. A
 * pair of class 0 (one day) crosses no bound. */
bool gw_kpi_span_stab(int64_t p, int k, int64_t floor, int64_t *lo, int64_t *hi);

/* A window of whole UTC days [a, b) (open bounds GW_KPI_DAY_OPEN_*). */
struct gw_kpi_window {
    int64_t a, b;
};
void gw_kpi_window_of(const struct gw_kpi_query *q, struct gw_kpi_window *w);
enum gw_kpi_span_place {
    GW_KPI_SPAN_OUTSIDE,       /* no day in the window */
    GW_KPI_SPAN_INSIDE,        /* every day in the window: its all-time row */
    GW_KPI_SPAN_CROSSES_START, /* f < a <= l */
    GW_KPI_SPAN_CROSSES_END,   /* a <= f < b <= l */
};
enum gw_kpi_span_place gw_kpi_span_place(const struct gw_kpi_window *w, int64_t f, int64_t l);

/* Where a pair's all-time contribution is summed: per first day (grain 0,
 * the day number) and per first month (grain 1, the month as 202611). */
enum { GW_KPI_GRAIN_DAY = 0, GW_KPI_GRAIN_MONTH = 1 };
/* The first-period rows a window sums: days [day_lo[i], day_hi[i]) (i = 0,
 * 1; empty when lo >= hi) and months [month_lo, month_hi) (empty when lo >=
 * hi), together exactly the first days in [a, b): whole calendar months by
 * their month row, the partial months at either end by their days. */
struct gw_kpi_periods {
    int64_t day_lo[2], day_hi[2];
    int64_t month_lo, month_hi;
};
void gw_kpi_window_periods(const struct gw_kpi_window *w, struct gw_kpi_periods *p);

/* What the pairs crossing a bound change in one group's first-period sums:
 * totals to add, histogram bucket counts to add (index: bucket), and the
 * times to complete (ms) of the crossing pairs inside the window (the
 * median's candidates). Heap: gw_kpi_window_fix_free. */
struct gw_kpi_window_fix {
    struct gw_kpi_totals t;
    int64_t *hist;
    size_t n_hist;
    int64_t *ttc;
    size_t n_ttc, cap_ttc;
};
void gw_kpi_window_fix_init(struct gw_kpi_window_fix *x);
void gw_kpi_window_fix_free(struct gw_kpi_window_fix *x);
/* Adds n to bucket's count (the first-period histogram sums, and the
 * corrections). */
void gw_kpi_window_fix_hist(struct gw_kpi_window_fix *x, int64_t bucket, int64_t n);
/* Corrects for one crossing pair: all its all-time row, in the fold of its
 * day rows inside the window (statements 0: none), crosses_end whether its
 * first day is inside the window (then the first-period sums hold all,
 * which is taken out). learner false: no learner (Group actors). */
void gw_kpi_window_fix_pair(struct gw_kpi_window_fix *x, const struct gw_kpi_row *all,
                            const struct gw_kpi_row *in, bool learner, bool crosses_end);
/* The median's buckets from the window's histogram (x->hist after the sums
 * and the corrections) for completed learners: m as gw_kpi_hist_median
 * (m->start >= 0 when found), *b1 its bucket and *b2 the next non-empty
 * one (-1 when none). */
void gw_kpi_window_median_buckets(const struct gw_kpi_window_fix *x, int64_t completed,
                                  struct gw_kpi_hist_median *m, int64_t *b1, int64_t *b2);
/* The median from the candidates: db (n_db times to complete in ms, of the
 * non-crossing pairs of the window in buckets b1 and b2, any order) and the
 * crossing pairs' times in x that fall in those buckets. Sorts db. Returns
 * gw_kpi_hist_median_result's answer. */
bool gw_kpi_window_median_pick(const struct gw_kpi_hist_median *m, int64_t b1, int64_t b2,
                               int64_t *db, size_t n_db, const struct gw_kpi_window_fix *x,
                               bool *has, double *median_s);
/* Whether the first-day state answers the query: a window (either bound)
 * that the month totals do not answer, not grouped by month, not from_rows. */
bool gw_kpi_query_reads_firsts(const struct gw_kpi_query *q);

struct gw_kpi_group_acc {
    char *key;   /* department id, course id, or month as "202611" */
    json_t *rec; /* the record: labels first, figures added by gw_kpi_report_json */
    struct gw_kpi_acc acc;
    struct gw_kpi_hist_median med;
    struct gw_kpi_window_fix win; /* a window from the first-day state */
};

/* A pull being answered: the groups, the fold of the loaded rows into them,
 * the unattributed count. q is borrowed for the report's life. */
struct gw_kpi_report {
    const struct gw_kpi_query *q;
    struct gw_kpi_group_acc *g;
    size_t n, cap;
    int64_t unattributed;
    /* the (group, course, learner) whose rows are being merged */
    char *open_group, *open_course, *open_learner;
    size_t cap_group, cap_course, cap_learner;
    bool open;
    struct gw_kpi_row cur;
};
void gw_kpi_report_init(struct gw_kpi_report *rp, const struct gw_kpi_query *q);
/* Drops every group and the fold (a retried transaction starts over). */
void gw_kpi_report_reset(struct gw_kpi_report *rp);
void gw_kpi_report_free(struct gw_kpi_report *rp);
/* Adds a listed group: a department (id, name) or a course (id, title,
 * department_id), by the query's grouping. Returns the group. */
struct gw_kpi_group_acc *gw_kpi_report_add_group(struct gw_kpi_report *rp, const char *id,
                                                 const char *name, const char *department_id);
/* The group with this key, or NULL. */
struct gw_kpi_group_acc *gw_kpi_report_find(struct gw_kpi_report *rp, const char *key);
/* The group of a month (202611) in a pull by month, added when missing. */
struct gw_kpi_group_acc *gw_kpi_report_month(struct gw_kpi_report *rp, int month);
/* Folds one loaded state row: rows must come ordered by group, course and
 * learner, so the rows of one (course, learner) (its days) are consecutive
 * and merge into one row (gw_kpi_row_merge) before they count in their group
 * (learner "": statements without a learner). Rows of an unlisted
 * department or course are ignored; a month gets its group when first seen. */
void gw_kpi_report_row(struct gw_kpi_report *rp, const char *group, const char *course,
                       const char *learner, const struct gw_kpi_row *row);
/* Ends the rows (counts the last merged one). */
void gw_kpi_report_rows_end(struct gw_kpi_report *rp);
/* {"records": [...], "unattributed_statements": N}, new reference; the
 * records keep the groups' order. Computes each group's figures
 * (gw_kpi_acc_to_json). */
json_t *gw_kpi_report_json(struct gw_kpi_report *rp);

/* ---- pipeline KPIs of a department (inputs loaded by store/kpi_pipeline.c) ---- */
struct gw_kpi_pipeline_in {
    int64_t courses_requested, courses_built, courses_published;
    double *approval_days; /* per completed approval round */
    size_t n_approval;
    int64_t stalled_reviews;
    double *publish_days; /* per published course */
    size_t n_publish;
};
/* What store/kpi_pipeline.c loads for one department, as facts with no
 * rule applied: its course requests' dates, its courses, their review rounds
 * and the rounds' approvers. Arrays and strings are heap, freed by
 * gw_kpi_pipeline_facts_free. */
struct gw_kpi_pipeline_course {
    char *id;
    char *state;                /* courses.state */
    bool built;                 /* has a package version that passed validation */
    bool on_lms;                /* has an LMS publish record */
    int64_t first_published_ms; /* the earliest publish record's, when on_lms */
};
struct gw_kpi_pipeline_round {
    char *course_id;
    char *state; /* open | approved | changes_requested | superseded */
    int64_t opened_ms, closed_ms;
};
struct gw_kpi_pipeline_approver {
    char *round_state; /* the state of the approver's round */
    int64_t due_ms;    /* 0: no due date */
    bool decided;      /* has recorded a decision in the round */
};
struct gw_kpi_pipeline_facts {
    int64_t *requested_ms; /* one per course request */
    size_t n_requests;
    struct gw_kpi_pipeline_course *courses;
    size_t n_courses;
    struct gw_kpi_pipeline_round *rounds;
    size_t n_rounds;
    struct gw_kpi_pipeline_approver *approvers;
    size_t n_approvers;
};
void gw_kpi_pipeline_facts_free(struct gw_kpi_pipeline_facts *f);
/* The pipeline figures' inputs from the facts (shared/kpi-definitions.md,
 * "Pipeline KPIs"): requests made in [from_ms, to_ms) (to_ms 0: open);
 * courses built; courses published (state published, or on an LMS);
 * approval days of every approved round; approvers of open rounds who have
 * not decided and whose due date (when set) is at least escalation_ms past
 * at now_ms; days from a published course's last approval to its first LMS
 * publish. *out's arrays are heap (gw_kpi_pipeline_free). */
void gw_kpi_pipeline_compute(const struct gw_kpi_pipeline_facts *f, int64_t from_ms, int64_t to_ms,
                             int64_t now_ms, int64_t escalation_ms, struct gw_kpi_pipeline_in *out);
/* Approval requests due at or before now minus the stall threshold
 * (gw_review_stall_after_days, as ms) are stalled. */
int64_t gw_kpi_stalled_cutoff_ms(int64_t now_ms, int64_t escalation_ms);
/* A span in ms as days (median_approval_days, median_days_to_publish). */
double gw_kpi_span_days(int64_t ms);
/* Adds courses_requested, courses_built, courses_published, deployment_rate
 * (null when nothing is built), median_approval_days, stalled_reviews,
 * median_days_to_publish (null when none) to record. Sorts the arrays. */
void gw_kpi_pipeline_to_json(struct gw_kpi_pipeline_in *in, json_t *record);
/* Frees the arrays of in and zeroes it. */
void gw_kpi_pipeline_free(struct gw_kpi_pipeline_in *in);

/* ---- chargeback ---- */
/* A department's charging terms, from its settings: "charge" turns
 * chargeback on, "rates" holds {hourly, per_learner, currency}. A rate not
 * set is not priced (its amount is null), a rate of 0 is priced at 0. */
struct gw_kpi_rates {
    bool enabled;
    bool has_hourly, has_per_learner;
    double hourly_rate, per_learner_fee;
    char currency[8];
};
/* (Read from a department's settings by gw_dept_settings_read, department.h.) */

/* What a course is charged for hours of effort and learners started: the
 * one chargeback rule (the monthly chargeback and a course's effort view).
 * effort_priced / learner_priced: charging is on and that rate is set;
 * priced: either is, and amount is the sum of the priced parts. */
struct gw_kpi_charge {
    bool priced, effort_priced, learner_priced;
    double effort_amount, learner_amount, amount;
};
void gw_kpi_charge(const struct gw_kpi_rates *r, double hours, int64_t learners_started,
                   struct gw_kpi_charge *out);
/* One chargeback line (a JSON object, new reference): course_id,
 * course_title, hours, hourly_rate, effort_amount, learners_started,
 * per_learner_fee, learner_amount, amount, currency (null when unpriced). */
json_t *gw_kpi_chargeback_line(const char *course_id, const char *title, double hours,
                               int64_t learners_started, const struct gw_kpi_rates *r);

/* A department's chargeback for one month: {"department_id", "month",
 * "enabled", "currency", "lines": [...], "total_amount"} (new reference);
 * lines are gw_kpi_chargeback_line's in the order added, total_amount their
 * sum, null when nothing is priced. */
struct gw_kpi_chargeback {
    const char *department; /* borrowed */
    int month;              /* 202611 */
    struct gw_kpi_rates rates;
    json_t *lines;
    double total;
};
void gw_kpi_chargeback_init(struct gw_kpi_chargeback *cb, const char *department, int month,
                            const struct gw_kpi_rates *rates);
void gw_kpi_chargeback_add(struct gw_kpi_chargeback *cb, const char *course_id, const char *title,
                           double hours, int64_t learners_started);
/* Hands the lines over to the result; cb is freed. */
json_t *gw_kpi_chargeback_json(struct gw_kpi_chargeback *cb);
void gw_kpi_chargeback_free(struct gw_kpi_chargeback *cb);

/* ---- who sees one course's KPIs (GET /api/v1/courses/{id}/kpis) ---- */
/* True for a reader of every KPI (reader: the admin or bi role), else for
 * the course's author or the head of its requesting department. person_id
 * is "" for a key bound to no person; author_id and head_id "" when none. */
bool gw_kpi_may_read_course(bool reader, const char *person_id, const char *author_id,
                            const char *head_id);

/* ---- output ---- */
/* CSV of flat records: a header row of the first record's member names, then
 * one row per record; null is empty, reals as %.17g (as in JSON), strings
 * quoted when needed. cols may name the columns (NULL: the first record's). */
char *gw_kpi_csv(const json_t *records, const char *const *cols);

#endif
