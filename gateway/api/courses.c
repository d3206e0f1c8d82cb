/* courses.c: the course resource: created from a request, package versions
 * (validated packages from /api/v1/packages), submission for review (opens
 * an approval round), and the course with its versions, rounds and
 * registered activity IRIs. */
#include "gw/review_app.h"
#include "gw/api.h"
#include "gw/course_view.h"
#include "gw/department.h"
#include "gw/json.h"
#include "gw/kpi.h"
#include "gw/review_api.h"
#include "gw/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gw_api_courses_post(struct gw_req *req, struct gw_reply *rep)
{
    json_t *body = gw_req_json(req, rep);
    if (!body)
        return;
    const char *request_id = NULL, *title = NULL, *author = NULL;
    struct gw_jfield fields[] = {
        {"request_id", GW_J_STRING, true, &request_id, GW_JF_NONEMPTY, NULL, 0, 0, 63},
        {"title", GW_J_STRING, false, &title, GW_JF_NONEMPTY, NULL, 0, 0, 255},
        {"author_person_id", GW_J_STRING, false, &author, GW_JF_NONEMPTY, NULL, 0, 0, 63},
        GW_JFIELD_END,
    };
    struct gw_error e;
    char actor[GW_REVIEW_ACTOR_MAX], id[GW_ID_MAX];
    struct gw_review_actor who;
    gw_api_review_actor(req, actor, &who);
    int64_t now = gw_clock_now_ms(&req->srv->clock);
    json_t *out = NULL;
    enum gw_err rc = gw_json_parse_fields(body, "", fields, true, &e);
    if (rc == GW_OK)
        rc = gw_app_course_create(req->srv->store, request_id, title, author, req->srv->public_url,
                                  &who, now, id, &e);
    if (rc == GW_OK)
        rc = gw_api_course_json(req->srv->store, id, now, &out, &e);
    if (rc == GW_OK) {
        char loc[128];
        snprintf(loc, sizeof loc, "/api/v1/courses/%s", id);
        gw_reply_header(rep, "Location", loc);
    }
    gw_api_review_reply(rep, rc, &e, 201, out);
    json_decref(body);
}

/* The course's publish jobs: [{"id","version_id","action","state","attempts",
 * "created_ms"}], oldest first. */
static json_t *publish_jobs_json(const struct gw_course_publish_job *jobs, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "id", jobs[i].id,
                                           "version_id", jobs[i].version_id, "action",
                                           jobs[i].action, "state", jobs[i].state, "attempts",
                                           (json_int_t)jobs[i].attempts, "created_ms",
                                           (json_int_t)jobs[i].created_ms));
    return a;
}

void gw_api_course_get(struct gw_req *req, struct gw_reply *rep)
{
    json_t *out = NULL;
    struct gw_course_publish_job *jobs = NULL;
    size_t n_jobs = 0;
    struct gw_error e;
    enum gw_err rc = gw_api_course_json(req->srv->store, req->params[0],
                                        gw_clock_now_ms(&req->srv->clock), &out, &e);
    if (rc == GW_OK)
        rc = gw_store_publish_jobs(req->srv->store, req->params[0], &jobs, &n_jobs, &e);
    if (rc == GW_OK)
        json_object_set_new(out, "publish_jobs", publish_jobs_json(jobs, n_jobs));
    free(jobs);
    gw_api_review_reply(rep, rc, &e, 200, out);
}

void gw_api_course_versions_post(struct gw_req *req, struct gw_reply *rep)
{
    json_t *body = gw_req_json(req, rep);
    if (!body)
        return;
    const char *package_id = NULL;
    struct gw_jfield fields[] = {
        {"package_id", GW_J_STRING, true, &package_id, GW_JF_NONEMPTY, NULL, 0, 0, 63},
        GW_JFIELD_END,
    };
    struct gw_error e;
    char actor[GW_REVIEW_ACTOR_MAX];
    struct gw_review_actor who;
    gw_api_review_actor(req, actor, &who);
    struct gw_version_result v = {0};
    enum gw_err rc = gw_json_parse_fields(body, "", fields, true, &e);
    if (rc == GW_OK)
        rc = gw_app_course_add_version(req->srv->store, req->params[0], package_id,
                                       req->srv->public_url, &who,
                                       gw_clock_now_ms(&req->srv->clock), &v, &e);
    json_t *out = NULL;
    if (rc == GW_OK) {
        /* the validator's verdict travels with the version: a package with
         * errors is added (the course stays in draft) and its blocking
         * findings say what to fix before it can go to review */
        json_t *blocking = v.blocking ? v.blocking : json_array();
        char report[128];
        snprintf(report, sizeof report, "/api/v1/packages/%s/report", package_id);
        out = json_pack(
            "{s:s, s:I, s:s, s:s, s:o, s:o, s:I, s:b, s:I, s:I, s:o, s:s}", "version_id",
            v.version_id, "number", (json_int_t)v.number, "package_id", package_id, "state",
            v.state, "closed_round", v.closed_round[0] ? json_string(v.closed_round) : json_null(),
            "changes", v.changes ? v.changes : json_null(), "iris_added", (json_int_t)v.iris_added,
            "valid", v.valid, "errors", (json_int_t)json_array_size(blocking), "warnings",
            (json_int_t)v.warnings, "blocking_findings", blocking, "report", report);
        v.changes = NULL;
        v.blocking = NULL;
    }
    gw_api_review_reply(rep, rc, &e, 201, out);
    json_decref(body);
}

void gw_api_course_submit_post(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_error e;
    char actor[GW_REVIEW_ACTOR_MAX], round_id[GW_ID_MAX];
    struct gw_review_actor who;
    gw_api_review_actor(req, actor, &who);
    int64_t now = gw_clock_now_ms(&req->srv->clock);
    json_t *out = NULL;
    enum gw_err rc = gw_app_course_submit(req->srv->store, req->params[0], &who, now, round_id, &e);
    if (rc == GW_OK)
        rc = gw_api_round_json(req->srv->store, round_id, now, &out, &e);
    if (rc == GW_OK) {
        char loc[128];
        snprintf(loc, sizeof loc, "/api/v1/rounds/%s", round_id);
        gw_reply_header(rep, "Location", loc);
    }
    gw_api_review_reply(rep, rc, &e, 201, out);
}

/* The effort view: the log, the estimate, and what the course is charged
 * by the department's terms (gw_kpi_charge, the same rule as the monthly
 * chargeback): hours x the hourly rate plus learners started x the
 * per-learner fee; null while charging is off or no rate is set. */
static json_t *effort_json(const char *course_id, const struct gw_effort_view *v)
{
    struct gw_dept_settings ds;
    gw_dept_settings_read(v->settings, &ds);
    const struct gw_kpi_rates rates = ds.rates;
    gw_dept_settings_free(&ds);
    double total = 0;
    json_t *entries = json_array();
    for (size_t i = 0; i < v->n_entries; i++) {
        const struct gw_effort_entry *en = &v->entries[i];
        total += en->hours;
        json_array_append_new(entries,
                              json_pack("{s:s, s:f, s:s, s:o}", "person_id", en->person_id, "hours",
                                        en->hours, "day", en->day, "note", gw_json_str(en->note)));
    }
    struct gw_kpi_charge ch;
    gw_kpi_charge(&rates, total, v->learners_started, &ch);
    json_t *j = json_pack(
        "{s:s, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:{s:f, s:f}, s:o, s:f, s:I, s:o, s:o, s:o}",
        "course_id", course_id, "project_code", gw_json_str(v->project_code), "cost_center",
        gw_json_str(v->cost_center), "department", gw_json_str(v->department), "charge",
        rates.enabled, "rate", ch.effort_priced ? json_real(rates.hourly_rate) : json_null(),
        "per_learner_fee", ch.learner_priced ? json_real(rates.per_learner_fee) : json_null(),
        "currency", rates.enabled && rates.currency[0] ? json_string(rates.currency) : json_null(),
        "estimate", "low", v->estimate_low, "high", v->estimate_high, "entries", entries,
        "total_hours", total, "learners_started", (json_int_t)v->learners_started, "effort_amount",
        ch.effort_priced ? json_real(ch.effort_amount) : json_null(), "learner_amount",
        ch.learner_priced ? json_real(ch.learner_amount) : json_null(), "amount",
        ch.priced ? json_real(ch.amount) : json_null());
    return j;
}

static void effort_reply(struct gw_req *req, struct gw_reply *rep, const char *course_id,
                         int ok_status, enum gw_err rc, struct gw_error *e)
{
    struct gw_effort_view v = {0};
    if (rc == GW_OK)
        rc = gw_store_effort_get(req->srv->store, course_id, &v, e);
    json_t *out = rc == GW_OK ? effort_json(course_id, &v) : NULL;
    gw_effort_view_free(&v);
    gw_api_review_reply(rep, rc, e, ok_status, out);
}

void gw_api_course_effort_post(struct gw_req *req, struct gw_reply *rep)
{
    json_t *body = gw_req_json(req, rep);
    if (!body)
        return;
    struct gw_effort ef = {.course_id = req->params[0]};
    struct gw_jfield fields[] = {
        {"person_id", GW_J_STRING, true, &ef.person_id, GW_JF_NONEMPTY, NULL, 0, 0, 63},
        {"hours", GW_J_NUMBER, true, &ef.hours, 0, NULL, 0.01, 24, 0},
        {"day", GW_J_STRING, true, &ef.day, GW_JF_DATE, NULL, 0, 0, 10},
        {"note", GW_J_STRING, false, &ef.note, 0, NULL, 0, 0, 1000},
        GW_JFIELD_END,
    };
    struct gw_error e;
    enum gw_err rc = gw_json_parse_fields(body, "", fields, true, &e);
    if (rc == GW_OK)
        rc = gw_store_effort_add(req->srv->store, &ef, gw_clock_now_ms(&req->srv->clock), &e);
    effort_reply(req, rep, ef.course_id, 201, rc, &e);
    json_decref(body);
}

void gw_api_course_effort_get(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_error e;
    gw_error_clear(&e);
    effort_reply(req, rep, req->params[0], 200, GW_OK, &e);
}

/* POST /api/v1/courses/{id}/iris {"iris": [...]}: an admin adds activity IRIs
 * (e.g. an LMS's own ids for a course published by hand); statements already
 * stored under them are attributed to the course at once. */
void gw_api_course_iris_post(struct gw_req *req, struct gw_reply *rep)
{
    json_t *body = gw_req_json(req, rep);
    if (!body)
        return;
    json_t *iris = NULL;
    struct gw_jfield fields[] = {
        {"iris", GW_J_ARRAY, true, &iris, GW_JF_NONE, NULL, 0, 0, 0},
        GW_JFIELD_END,
    };
    struct gw_error e;
    enum gw_err rc = gw_json_parse_fields(body, "", fields, true, &e);
    size_t i;
    json_t *v;
    json_array_foreach(iris, i, v)
    {
        if (rc != GW_OK)
            break;
        char where[32];
        snprintf(where, sizeof where, "/iris/%zu", i);
        if (!json_is_string(v) || !gw_is_absolute_iri(json_string_value(v)))
            rc =
                gw_error_set(&e, GW_E_JSON_FIELD_VALUE, where,
                             "each IRI must be absolute, such as https://lms.example.org/course/7");
    }
    if (rc == GW_OK && json_array_size(iris) == 0)
        rc = gw_error_set(&e, GW_E_JSON_FIELD_VALUE, "/iris", "give at least one IRI");
    int64_t added = 0;
    if (rc == GW_OK)
        rc = gw_app_course_add_iris(req->srv->store, req->params[0], iris,
                                    gw_clock_now_ms(&req->srv->clock), &added, &e);
    json_t *out = NULL;
    if (rc == GW_OK)
        rc = gw_api_course_json(req->srv->store, req->params[0], gw_clock_now_ms(&req->srv->clock),
                                &out, &e);
    if (rc == GW_OK) {
        json_object_set_new(out, "iris_added", json_integer(added));
        gw_reply_json(rep, 200, out);
    } else {
        gw_reply_error(rep, &e);
    }
    json_decref(body);
}
