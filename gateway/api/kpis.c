/* kpis.c: the KPI resources for BI tools and the web app's department and
 * course pages. GET /api/v1/kpis answers flat records (one object per
 * department, course or month, every KPI a top-level member) as JSON or CSV,
 * with an ETag over the body; GET /api/v1/departments/{id}/chargeback answers
 * a month's chargeback lines (its CSV as a download named after the
 * department and month). bi and admin read every department; anyone else only
 * the departments they head (gw/kpi_access.h decides, this file enforces).
 * GET /api/v1/courses/{id}/kpis answers one course's record to those who
 * answer for the course (gw_kpi_may_read_course): the course page. All read
 * maintained state only (store/kpi_pull.c). Schema: schemas/kpi.schema.json. */
#include "gw/api.h"
#include "gw/hash.h"
#include "gw/json.h"
#include "gw/kpi_access.h"
#include "gw/kpi_app.h"
#include "gw/kpi_store.h"
#include "gw/review_store.h"
#include "gw/server.h"
#include "gw/xapi_store.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The columns of a learner KPI record after its group columns. */
static const char *const kpi_fields[] = {"learners_started",
                                         "learners_completed",
                                         "completion_rate",
                                         "learners_passed",
                                         "learners_failed",
                                         "pass_rate",
                                         "avg_score",
                                         "median_time_to_complete_s",
                                         "feedback_count",
                                         "avg_rating",
                                         "rating_1",
                                         "rating_2",
                                         "rating_3",
                                         "rating_4",
                                         "rating_5",
                                         "feedback_response_rate",
                                         "comments",
                                         "statements",
                                         NULL};

static const char *const chargeback_fields[] = {"course_id",
                                                "course_title",
                                                "hours",
                                                "hourly_rate",
                                                "effort_amount",
                                                "learners_started",
                                                "per_learner_fee",
                                                "learner_amount",
                                                "amount",
                                                "currency",
                                                NULL};

struct kpis_ctx {
    struct gw_kpi_query q;
    const char *from, *to, *group, *format;
    bool unknown;
    char unknown_name[64];
};

static bool take_param(const char *name, const char *value, void *ud)
{
    struct kpis_ctx *c = ud;
    if (strcmp(name, "department") == 0)
        c->q.department = value;
    else if (strcmp(name, "course") == 0)
        c->q.course = value;
    else if (strcmp(name, "from") == 0)
        c->from = value;
    else if (strcmp(name, "to") == 0)
        c->to = value;
    else if (strcmp(name, "group_by") == 0)
        c->group = value;
    else if (strcmp(name, "format") == 0)
        c->format = value;
    else {
        c->unknown = true;
        snprintf(c->unknown_name, sizeof c->unknown_name, "%s", name);
        return false;
    }
    return true;
}

/* Whether the client asked for CSV: format=csv, or Accept naming text/csv
 * before (or without) application/json. */
static bool wants_csv(struct gw_req *req, const char *format, bool *bad)
{
    *bad = false;
    if (format) {
        if (strcmp(format, "csv") == 0)
            return true;
        if (strcmp(format, "json") != 0)
            *bad = true;
        return false;
    }
    const char *accept = gw_req_header(req, "Accept");
    if (!accept)
        return false;
    const char *csv = strcasestr(accept, "text/csv");
    const char *json = strcasestr(accept, "application/json");
    return csv && (!json || csv < json);
}

/* Replies body with an ETag (quoted SHA-256 prefix of the body), or 304
 * when If-None-Match names it. */
static void reply_tagged(struct gw_req *req, struct gw_reply *rep, const char *ctype, char *body)
{
    char hex[GW_SHA256_HEX], etag[48];
    gw_sha256_hex(body, strlen(body), hex);
    snprintf(etag, sizeof etag, "\"%.32s\"", hex);
    gw_reply_header(rep, "ETag", etag);
    gw_reply_header(rep, "Cache-Control", "no-cache");
    const char *inm = gw_req_header(req, "If-None-Match");
    if (inm && (strstr(inm, etag) || strcmp(inm, "*") == 0))
        gw_reply_empty(rep, 304);
    else
        gw_reply_text(rep, 200, ctype, body, strlen(body));
    free(body);
}

/* The record columns in order: group columns, then the KPIs. */
static const char **record_columns(enum gw_kpi_group g)
{
    static const char *const by_dep[] = {"department_id", "department_name", NULL};
    static const char *const by_course[] = {"course_id", "course_title", "department_id", NULL};
    static const char *const by_month[] = {"month", NULL};
    const char *const *lead = g == GW_KPI_BY_DEPARTMENT ? by_dep
                              : g == GW_KPI_BY_COURSE   ? by_course
                                                        : by_month;
    size_t n = 0, m = 0;
    while (lead[n])
        n++;
    while (kpi_fields[m])
        m++;
    static const char *const pipeline[] = {
        "courses_requested",    "courses_built",   "courses_published",      "deployment_rate",
        "median_approval_days", "stalled_reviews", "median_days_to_publish", NULL};
    size_t p = 0;
    while (g == GW_KPI_BY_DEPARTMENT && pipeline[p])
        p++;
    const char **cols = gw_xcalloc(n + m + p + 1, sizeof *cols);
    memcpy(cols, lead, n * sizeof *cols);
    memcpy(cols + n, kpi_fields, m * sizeof *cols);
    memcpy(cols + n + m, pipeline, p * sizeof *cols);
    return cols;
}

/* Department records also carry the pipeline KPIs (courses requested in the
 * window, built, published, deployment rate, approval and publish medians,
 * stalled reviews now). */
static enum gw_err add_pipeline(struct gw_req *req, const struct gw_kpi_query *q, json_t *records,
                                struct gw_error *e)
{
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec)
    {
        const char *dep = json_string_value(json_object_get(rec, "department_id"));
        if (!dep)
            continue;
        struct gw_kpi_pipeline_in in;
        enum gw_err rc =
            gw_app_kpi_pipeline(req->srv->store, dep, q, gw_clock_now_ms(&req->srv->clock), &in, e);
        if (rc != GW_OK)
            return rc;
        gw_kpi_pipeline_to_json(&in, rec);
        gw_kpi_pipeline_free(&in);
    }
    return GW_OK;
}

/* Whether the caller reads every department's KPIs (roles bi, admin). */
static bool reads_all(const struct gw_req *req)
{
    return (req->who.role & (GW_ROLE_ADMIN | GW_ROLE_BI)) != 0;
}

/* The ids of the departments the caller heads, borrowed from *rows (free
 * both: the array with free, rows with gw_department_rows_free). */
static enum gw_err headed_departments(struct gw_req *req, struct gw_department_rows *rows,
                                      const char ***ids, size_t *n, struct gw_error *e)
{
    *ids = NULL;
    *n = 0;
    enum gw_err rc = gw_store_departments(req->srv->store, NULL, rows, e);
    if (rc != GW_OK)
        return rc;
    *ids = gw_xcalloc(rows->n + 1, sizeof **ids);
    for (size_t i = 0; i < rows->n; i++) {
        if (gw_kpi_may_read_department(false, req->who.person_id, rows->v[i].head_person_id))
            (*ids)[(*n)++] = rows->v[i].id;
    }
    return GW_OK;
}

/* Leaves out the records of departments not in headed (month records name
 * no department: all go). */
static void keep_headed(json_t *records, const char *const *headed, size_t n)
{
    for (size_t i = json_array_size(records); i-- > 0;) {
        const char *dep =
            json_string_value(json_object_get(json_array_get(records, i), "department_id"));
        bool keep = false;
        for (size_t k = 0; dep && k < n && !keep; k++)
            keep = strcmp(dep, headed[k]) == 0;
        if (!keep)
            json_array_remove(records, i);
    }
}

/* Narrows c's query to what the caller may see: true with *scope set, or
 * false with an error replied (KPI_NOT_HEAD for another department's figures,
 * QUERY_INVALID for months of several departments at once). */
static bool scope_query(struct gw_req *req, struct gw_reply *rep, struct kpis_ctx *c,
                        struct gw_department_rows *rows, const char ***headed, size_t *nh,
                        enum gw_kpi_scope *scope)
{
    *scope = GW_KPI_SCOPE_ALL;
    if (reads_all(req))
        return true;
    struct gw_error e;
    if (headed_departments(req, rows, headed, nh, &e) != GW_OK) {
        gw_reply_error(rep, &e);
        return false;
    }
    *scope = gw_kpi_scope_of(false, c->q.department, *headed, *nh, &c->q.department);
    if (*scope == GW_KPI_SCOPE_FORBIDDEN) {
        gw_reply_errorf(rep, GW_E_KPI_NOT_HEAD, "department",
                        "you are not the head of department '%s'; its head, bi and admin see "
                        "its KPIs",
                        c->q.department);
        return false;
    }
    if (*scope == GW_KPI_SCOPE_HEADED && *nh > 1 && c->q.group_by == GW_KPI_BY_MONTH) {
        gw_reply_errorf(rep, GW_E_QUERY_INVALID, "department",
                        "you head %zu departments: name one with department= to see its months",
                        *nh);
        return false;
    }
    return true;
}

/* Replies the pull out (stolen) as CSV or as the JSON envelope. */
static void reply_pull(struct gw_req *req, struct gw_reply *rep, const struct kpis_ctx *c,
                       json_t *out, bool csv)
{
    if (csv) {
        const char **cols = record_columns(c->q.group_by);
        char *body = gw_kpi_csv(json_object_get(out, "records"), cols);
        free(cols);
        char n[32];
        snprintf(n, sizeof n, "%lld",
                 (long long)json_integer_value(json_object_get(out, "unattributed_statements")));
        gw_reply_header(rep, "X-Unattributed-Statements", n);
        json_decref(out);
        reply_tagged(req, rep, "text/csv; charset=utf-8", body);
        return;
    }
    json_t *env = json_object();
    json_object_set_new(env, "group_by",
                        json_string(c->q.group_by == GW_KPI_BY_DEPARTMENT ? "department"
                                    : c->q.group_by == GW_KPI_BY_COURSE   ? "course"
                                                                          : "month"));
    json_object_set_new(env, "department", gw_json_str(c->q.department));
    json_object_set_new(env, "course", gw_json_str(c->q.course));
    json_object_set_new(env, "from", gw_json_str(c->from));
    json_object_set_new(env, "to", gw_json_str(c->to));
    json_object_update(env, out);
    json_decref(out);
    char *body = gw_json_dump(env);
    json_decref(env);
    reply_tagged(req, rep, "application/json", body);
}

void gw_api_kpis_get(struct gw_req *req, struct gw_reply *rep)
{
    struct kpis_ctx c = {0};
    gw_req_query_each(req, take_param, &c);
    if (c.unknown) {
        gw_reply_errorf(rep, GW_E_QUERY_INVALID, c.unknown_name,
                        "'%s' is not a parameter of /api/v1/kpis (department, course, from, to, "
                        "group_by, format)",
                        c.unknown_name);
        return;
    }
    if (c.from && !gw_kpi_parse_day(c.from, &c.q.from_day)) {
        gw_reply_errorf(rep, GW_E_QUERY_INVALID, "from",
                        "from must be a date YYYY-MM-DD or a date-time at midnight UTC");
        return;
    }
    if (c.to && !gw_kpi_parse_day(c.to, &c.q.to_day)) {
        gw_reply_errorf(rep, GW_E_QUERY_INVALID, "to",
                        "to must be a date YYYY-MM-DD or a date-time at midnight UTC");
        return;
    }
    c.q.has_from = c.from != NULL;
    c.q.has_to = c.to != NULL;
    if (!c.group || strcmp(c.group, "department") == 0)
        c.q.group_by = GW_KPI_BY_DEPARTMENT;
    else if (strcmp(c.group, "course") == 0)
        c.q.group_by = GW_KPI_BY_COURSE;
    else if (strcmp(c.group, "month") == 0)
        c.q.group_by = GW_KPI_BY_MONTH;
    else {
        gw_reply_errorf(rep, GW_E_QUERY_INVALID, "group_by",
                        "group_by must be department, course or month");
        return;
    }
    bool bad = false, csv = wants_csv(req, c.format, &bad);
    if (bad) {
        gw_reply_errorf(rep, GW_E_QUERY_INVALID, "format", "format must be json or csv");
        return;
    }
    struct gw_department_rows deps = {0};
    const char **headed = NULL;
    size_t nh = 0;
    enum gw_kpi_scope scope;
    if (!scope_query(req, rep, &c, &deps, &headed, &nh, &scope)) {
        free(headed);
        gw_department_rows_free(&deps);
        return;
    }
    json_t *out = NULL;
    struct gw_error e;
    gw_xapi_index_wait(req->srv->xindex, GW_XAPI_INDEX_WAIT_MS); /* KPI rows of recent statements */
    enum gw_err rc = gw_app_kpi_pull(req->srv->store, &c.q, &out, &e);
    if (rc == GW_OK && scope == GW_KPI_SCOPE_HEADED)
        keep_headed(json_object_get(out, "records"), headed, nh);
    free(headed);
    if (rc == GW_OK && c.q.group_by == GW_KPI_BY_DEPARTMENT)
        rc = add_pipeline(req, &c.q, json_object_get(out, "records"), &e);
    if (rc != GW_OK) {
        gw_department_rows_free(&deps);
        json_decref(out);
        gw_reply_error(rep, &e);
        return;
    }
    reply_pull(req, rep, &c, out, csv);
    gw_department_rows_free(&deps); /* c.q.department may point into it */
}

/* "attachment; filename=\"chargeback-sales-emea-2026-11.csv\"": the
 * department's name in lower-case ASCII letters and digits, other runs as
 * one '-', so a browser saves the download under a name people recognize. */
static void download_name(const char *department, const char *month, char *out, size_t cap)
{
    char slug[48];
    size_t n = 0;
    for (const char *p = department; p && *p && n + 1 < sizeof slug; p++) {
        char ch = *p;
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
            slug[n++] = ch;
        else if (n > 0 && slug[n - 1] != '-')
            slug[n++] = '-';
    }
    while (n > 0 && slug[n - 1] == '-')
        n--;
    slug[n] = '\0';
    snprintf(out, cap, "attachment; filename=\"chargeback-%s-%s.csv\"", n ? slug : "department",
             month ? month : "");
}

void gw_api_departments_chargeback_get(struct gw_req *req, struct gw_reply *rep)
{
    const char *month = gw_req_query(req, "month");
    const char *format = gw_req_query(req, "format");
    bool bad = false, csv = wants_csv(req, format, &bad);
    if (bad) {
        gw_reply_errorf(rep, GW_E_QUERY_INVALID, "format", "format must be json or csv");
        return;
    }
    struct gw_error e;
    struct gw_department_rows dep = {0};
    enum gw_err rc = gw_store_departments(req->srv->store, req->params[0], &dep, &e);
    if (rc == GW_OK &&
        !gw_kpi_may_read_department(reads_all(req), req->who.person_id, dep.v[0].head_person_id))
        rc = gw_error_set(&e, GW_E_KPI_NOT_HEAD, NULL,
                          "you are not the head of this department; its head, bi and admin see "
                          "its chargeback");
    json_t *out = NULL;
    if (rc == GW_OK) {
        gw_xapi_index_wait(req->srv->xindex, GW_XAPI_INDEX_WAIT_MS);
        rc = gw_app_kpi_chargeback(req->srv->store, req->params[0], month, &out, &e);
    }
    if (rc != GW_OK) {
        gw_department_rows_free(&dep);
        gw_reply_error(rep, &e);
        return;
    }
    char disposition[128];
    download_name(dep.v[0].name, json_string_value(json_object_get(out, "month")), disposition,
                  sizeof disposition);
    gw_department_rows_free(&dep);
    char *body =
        csv ? gw_kpi_csv(json_object_get(out, "lines"), chargeback_fields) : gw_json_dump(out);
    json_decref(out);
    if (csv)
        gw_reply_header(rep, "Content-Disposition", disposition);
    reply_tagged(req, rep, csv ? "text/csv; charset=utf-8" : "application/json", body);
}

/* One course's record, as GET /api/v1/kpis?group_by=course&course={id}
 * answers it, for admin and bi and for the course's author and its
 * requesting department's head (the route admits every role of the web app;
 * the rule is gw_kpi_may_read_course). */
void gw_api_course_kpis_get(struct gw_req *req, struct gw_reply *rep)
{
    const char *id = req->params[0];
    struct gw_course_people cp;
    struct gw_error e;
    enum gw_err rc = gw_store_course_people(req->srv->store, id, &cp, &e);
    bool reader = (req->who.role & (GW_ROLE_ADMIN | GW_ROLE_BI)) != 0;
    if (rc == GW_OK &&
        !gw_kpi_may_read_course(reader, req->who.person_id, cp.author_id, cp.head_id))
        rc = gw_error_set(&e, GW_E_KPI_COURSE_FORBIDDEN, NULL,
                          "this course's KPIs are shown to its author, the head of its "
                          "requesting department, admins and bi");
    json_t *out = NULL;
    if (rc == GW_OK) {
        struct gw_kpi_query q = {.course = id, .group_by = GW_KPI_BY_COURSE};
        gw_xapi_index_wait(req->srv->xindex, GW_XAPI_INDEX_WAIT_MS);
        rc = gw_app_kpi_pull(req->srv->store, &q, &out, &e);
    }
    if (rc != GW_OK) {
        json_decref(out);
        gw_reply_error(rep, &e);
        return;
    }
    json_t *rec = json_array_get(json_object_get(out, "records"), 0);
    if (!rec) {
        json_decref(out);
        gw_reply_errorf(rep, GW_E_NOT_FOUND, "id", "no course has the id '%s'", id);
        return;
    }
    char *body = gw_json_dump(rec);
    json_decref(out);
    reply_tagged(req, rep, "application/json", body);
}
