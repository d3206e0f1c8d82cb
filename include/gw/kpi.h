/* The KPI domain (gateway/kpi/): the definitions of shared/kpi-definitions.md
 * as plain functions over structs, with no SQL and no HTTP. It owns
 * attribution of a statement to a course (longest registered IRI), the facts
 * one statement contributes, the per (course, learner) state those facts fold
 * into, the figures computed from a set of such states (one course, a
 * department, a month), windows of whole UTC days, the pipeline figures and
 * chargeback arithmetic. store/kpi.c persists the state; api/kpis.c serves it. */
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

/* Buckets of a time to complete in ms (>= 0) for the maintained histogram:
 * 0..15 exact, then eight per power of two; monotonic. bucket_start is the
 * smallest ms in a bucket. */
int64_t gw_kpi_ttc_bucket(int64_t ms);
int64_t gw_kpi_ttc_bucket_start(int64_t bucket);

/* Median of v (sorted in place); with an even count the mean of the two
 * middle values. False when n is 0. */
bool gw_kpi_median(double *v, size_t n, double *out);

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

/* ---- pipeline KPIs of a department (inputs come from store/kpi_pipeline.c) ---- */
struct gw_kpi_pipeline_in {
    int64_t courses_requested, courses_built, courses_published;
    double *approval_days; /* per completed approval round */
    size_t n_approval;
    int64_t stalled_reviews;
    double *publish_days; /* per published course */
    size_t n_publish;
};
/* Adds courses_requested, courses_built, courses_published, deployment_rate
 * (null when nothing is built), median_approval_days, stalled_reviews,
 * median_days_to_publish (null when none) to record. Sorts the arrays. */
void gw_kpi_pipeline_to_json(struct gw_kpi_pipeline_in *in, json_t *record);

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
