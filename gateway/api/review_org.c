/* review_org.c: the departments, people and course-request resources
 * (admin writes; admin, author and approver read). A department's settings
 * carry its reminder and escalation policy, chargeback rates and chat webhooks
 * (checked when saved; their URLs shown to admins only). */
#include "gw/announce.h"
#include "gw/department.h"
#include "gw/api.h"
#include "gw/course_view.h"
#include "gw/hash.h"
#include "gw/json.h"
#include "gw/netpolicy.h"
#include "gw/outbound.h"
#include "gw/review_api.h"
#include "gw/review_app.h"
#include "gw/server.h"
#include "gw/timefmt.h"

#include <stdio.h>
#include <string.h>

/* Checks a settings object (closed): returns GW_OK or the error. Webhook URLs
 * must be http(s) and, when their host is a literal address, one the
 * webhook_*_networks settings allow (a host name is checked when sending). */
static enum gw_err check_settings(json_t *set, const struct gw_config *cfg, struct gw_error *e)
{
    struct gw_dept_settings ds;
    enum gw_err rc = gw_dept_settings_check(set, &ds, e);
    if (rc != GW_OK)
        return rc;
    if (ds.slack_webhook || ds.teams_webhook) {
        struct gw_netpolicy np;
        rc = gw_netpolicy_init(&np, cfg->webhook_deny_networks, cfg->webhook_allow_networks, e);
        if (rc == GW_OK && ds.slack_webhook)
            rc = gw_webhook_url_check(ds.slack_webhook, &np, "/settings/slack_webhook", e);
        if (rc == GW_OK && ds.teams_webhook)
            rc = gw_webhook_url_check(ds.teams_webhook, &np, "/settings/teams_webhook", e);
        gw_netpolicy_free(&np);
    }
    gw_dept_settings_free(&ds);
    return rc;
}

/* Webhook URLs are credentials: only admins read them; other roles see
 * whether one is set ("slack_webhook_set": true). dep is a department. */
static void hide_webhooks(const struct gw_req *req, json_t *dep)
{
    static const char *const keys[] = {"slack_webhook", "teams_webhook"};
    json_t *set = json_object_get(dep, "settings");
    if ((req->who.role & GW_ROLE_ADMIN) || !json_is_object(set))
        return;
    for (size_t i = 0; i < 2; i++) {
        if (!json_object_get(set, keys[i]))
            continue;
        char flag[32];
        snprintf(flag, sizeof flag, "%s_set", keys[i]);
        json_object_del(set, keys[i]);
        json_object_set_new(set, flag, json_true());
    }
}

static json_t *id_or_null(const char *id)
{
    return id && *id ? json_string(id) : json_null();
}

static json_t *created_json(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    char ts[32];
    gw_time_format_ms(ms, ts);
    return json_string(ts);
}

/* A department as the API shows it (webhooks hidden from all but admins). */
static json_t *department_json(const struct gw_req *req, const struct gw_department_row *d)
{
    json_t *set = json_loads(d->settings ? d->settings : "{}", 0, NULL);
    json_t *o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "id", d->id, "name",
                          gw_json_str(d->name), "cost_center", gw_json_str(d->cost_center),
                          "head_person_id", id_or_null(d->head_person_id), "settings",
                          set ? set : json_object(), "created", created_json(d->created_ms));
    hide_webhooks(req, o);
    return o;
}

/* One department (its id) as the reply. */
static void department_reply(struct gw_req *req, struct gw_reply *rep, const char *id, int status,
                             enum gw_err rc, struct gw_error *e)
{
    struct gw_department_rows rows = {0};
    if (rc == GW_OK)
        rc = gw_store_departments(req->srv->store, id, &rows, e);
    json_t *out = rc == GW_OK && rows.n == 1 ? department_json(req, &rows.v[0]) : NULL;
    gw_department_rows_free(&rows);
    gw_api_review_reply(rep, rc, e, status, out);
}

void gw_api_departments_post(struct gw_req *req, struct gw_reply *rep)
{
    json_t *body = gw_req_json(req, rep);
    if (!body)
        return;
    struct gw_department d = {0};
    const char *id = NULL;
    json_t *settings = NULL;
    struct gw_jfield fields[] = {
        {"id", GW_J_STRING, false, &id, GW_JF_NONEMPTY, NULL, 0, 0, 63},
        {"name", GW_J_STRING, true, &d.name, GW_JF_NONEMPTY, NULL, 0, 0, 127},
        {"cost_center", GW_J_STRING, false, &d.cost_center, 0, NULL, 0, 0, 63},
        {"head_person_id", GW_J_STRING, false, &d.head_person_id, GW_JF_NONEMPTY, NULL, 0, 0, 63},
        {"settings", GW_J_OBJECT, false, &settings, 0, NULL, 0, 0, 0},
        GW_JFIELD_END,
    };
    struct gw_error e;
    enum gw_err rc = gw_json_parse_fields(body, "", fields, true, &e);
    if (rc == GW_OK && settings)
        rc = check_settings(settings, req->srv->cfg, &e);
    char *set = NULL;
    if (rc == GW_OK) {
        if (id)
            snprintf(d.id, sizeof d.id, "%s", id);
        else
            gw_uuid_v4(d.id);
        if (!d.cost_center)
            d.cost_center = "";
        set = settings ? gw_json_dump(settings) : gw_xstrdup("{}");
        d.settings = set;
        rc = gw_app_department_create(req->srv->store, &d, gw_clock_now_ms(&req->srv->clock), &e);
    }
    department_reply(req, rep, d.id, 201, rc, &e);
    free(set);
    json_decref(body);
}

void gw_api_departments_get(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_department_rows rows = {0};
    struct gw_error e;
    enum gw_err rc = gw_store_departments(req->srv->store, NULL, &rows, &e);
    json_t *list = json_array();
    for (size_t i = 0; rc == GW_OK && i < rows.n; i++)
        json_array_append_new(list, department_json(req, &rows.v[i]));
    gw_department_rows_free(&rows);
    if (rc != GW_OK) {
        json_decref(list);
        list = NULL;
    }
    gw_api_review_reply(rep, rc, &e, 200, list ? json_pack("{s:o}", "departments", list) : NULL);
}

void gw_api_department_get(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_error e;
    gw_error_clear(&e);
    department_reply(req, rep, req->params[0], 200, GW_OK, &e);
}

void gw_api_department_settings_put(struct gw_req *req, struct gw_reply *rep)
{
    json_t *body = gw_req_json(req, rep);
    if (!body)
        return;
    struct gw_error e;
    enum gw_err rc = json_is_object(body)
                         ? check_settings(body, req->srv->cfg, &e)
                         : gw_error_set(&e, GW_E_JSON_FIELD_TYPE, "", "settings are an object");
    char *set = rc == GW_OK ? gw_json_dump(body) : NULL;
    if (rc == GW_OK)
        rc = gw_app_department_update(req->srv->store, req->params[0], set, NULL, &e);
    department_reply(req, rep, req->params[0], 200, rc, &e);
    free(set);
    json_decref(body);
}

/* A person's roles in the web app: names of API roles a person can hold. */
static enum gw_err parse_roles(json_t *arr, unsigned *out, struct gw_error *e)
{
    size_t i;
    json_t *v;
    *out = 0;
    json_array_foreach(arr, i, v)
    {
        unsigned bit = json_is_string(v) ? gw_role_from_name(json_string_value(v)) : 0;
        if (!bit || bit == GW_ROLE_LMS) {
            char where[32];
            snprintf(where, sizeof where, "/roles/%zu", i);
            return gw_error_set(e, GW_E_JSON_FIELD_VALUE, where,
                                "a person's roles are admin, author, approver and bi");
        }
        *out |= bit;
    }
    if (!*out)
        return gw_error_set(e, GW_E_JSON_FIELD_VALUE, "/roles",
                            "give at least one role (admin, author, approver, bi)");
    return GW_OK;
}

static json_t *roles_json(unsigned roles)
{
    json_t *a = json_array();
    for (unsigned bit = 1; bit <= GW_ROLE_BI; bit <<= 1) {
        if (roles & bit)
            json_array_append_new(a, json_string(gw_role_name(bit)));
    }
    return a;
}

void gw_api_people_post(struct gw_req *req, struct gw_reply *rep)
{
    json_t *body = gw_req_json(req, rep);
    if (!body)
        return;
    struct gw_person p = {0};
    const char *id = NULL;
    json_t *roles = NULL;
    struct gw_jfield fields[] = {
        {"id", GW_J_STRING, false, &id, GW_JF_NONEMPTY, NULL, 0, 0, 63},
        {"name", GW_J_STRING, true, &p.name, GW_JF_NONEMPTY, NULL, 0, 0, 127},
        {"email", GW_J_STRING, true, &p.email, GW_JF_EMAIL, NULL, 0, 0, 254},
        {"department_id", GW_J_STRING, false, &p.department_id, GW_JF_NONEMPTY, NULL, 0, 0, 63},
        {"title", GW_J_STRING, false, &p.title, 0, NULL, 0, 0, 127},
        {"roles", GW_J_ARRAY, false, &roles, 0, NULL, 0, 0, 0},
        GW_JFIELD_END,
    };
    struct gw_error e;
    enum gw_err rc = gw_json_parse_fields(body, "", fields, true, &e);
    if (rc == GW_OK && roles)
        rc = parse_roles(roles, &p.roles, &e);
    if (rc == GW_OK) {
        if (id)
            snprintf(p.id, sizeof p.id, "%s", id);
        else
            gw_uuid_v4(p.id);
        if (strchr(p.id, '/'))
            rc = gw_error_set(&e, GW_E_JSON_FIELD_VALUE, "/id", "a person id has no '/'");
    }
    if (rc == GW_OK)
        rc = gw_app_person_create(req->srv->store, &p, gw_clock_now_ms(&req->srv->clock), &e);
    json_t *out =
        rc == GW_OK
            ? json_pack("{s:s, s:s, s:s, s:o, s:s, s:o}", "id", p.id, "name", p.name, "email",
                        p.email, "department_id", gw_json_str(p.department_id), "title",
                        p.title ? p.title : "", "roles", roles_json(gw_app_person_roles(&p)))
            : NULL;
    gw_api_review_reply(rep, rc, &e, 201, out);
    json_decref(body);
}

void gw_api_people_get(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_person_rows rows = {0};
    struct gw_error e;
    enum gw_err rc = gw_store_people(req->srv->store, &rows, &e);
    json_t *list = NULL;
    if (rc == GW_OK) {
        list = json_array();
        for (size_t i = 0; i < rows.n; i++) {
            const struct gw_person_row *p = &rows.v[i];
            json_array_append_new(
                list,
                json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "id", p->id, "name",
                          gw_json_str(p->name), "email", gw_json_str(p->email), "department_id",
                          id_or_null(p->department_id), "title", gw_json_str(p->title), "roles",
                          roles_json(p->roles), "created", created_json(p->created_ms)));
        }
    }
    gw_person_rows_free(&rows);
    gw_api_review_reply(rep, rc, &e, 200, list ? json_pack("{s:o}", "people", list) : NULL);
}

static enum gw_err parse_business_case(json_t *bc, int64_t *deadline_ms, double *low, double *high,
                                       const char **project, struct gw_error *e)
{
    const char *s = NULL, *deadline = NULL;
    bool mandatory = false;
    json_t *announce = NULL;
    struct gw_jfield fields[] = {
        {"problem", GW_J_STRING, true, &s, GW_JF_NONEMPTY, NULL, 0, 0, 4000},
        {"audience", GW_J_STRING, true, &s, GW_JF_NONEMPTY, NULL, 0, 0, 2000},
        {"reach", GW_J_STRING, false, &s, 0, NULL, 0, 0, 2000},
        {"mandatory", GW_J_BOOL, true, &mandatory, 0, NULL, 0, 0, 0},
        {"communication_plan", GW_J_STRING, false, &s, 0, NULL, 0, 0, 4000},
        {"announce", GW_J_OBJECT, false, &announce, 0, NULL, 0, 0, 0},
        {"kpi", GW_J_STRING, true, &s, GW_JF_NONEMPTY, NULL, 0, 0, 500},
        {"kpi_target", GW_J_STRING, false, &s, 0, NULL, 0, 0, 500},
        {"deadline", GW_J_STRING, false, &deadline, GW_JF_DATE, NULL, 0, 0, 10},
        {"effort_low_hours", GW_J_NUMBER, false, low, 0, NULL, 0, 100000, 0},
        {"effort_high_hours", GW_J_NUMBER, false, high, 0, NULL, 0, 100000, 0},
        {"project_code", GW_J_STRING, false, project, 0, NULL, 0, 0, 63},
        GW_JFIELD_END,
    };
    enum gw_err rc = gw_json_parse_fields(bc, "/business_case", fields, true, e);
    if (rc == GW_OK && announce)
        rc = gw_announce_plan_check(announce, "/business_case/announce", e);
    if (rc == GW_OK && deadline)
        gw_time_parse_date(deadline, deadline_ms);
    if (rc == GW_OK && *low >= 0 && *high >= 0 && *high < *low)
        rc = gw_error_set(e, GW_E_JSON_FIELD_VALUE, "/business_case/effort_high_hours",
                          "the effort range's high end is below its low end");
    return rc;
}

static enum gw_err parse_approvers(json_t *arr, struct gw_course_request *r, struct gw_error *e)
{
    if (json_array_size(arr) > GW_REVIEW_MAX_APPROVERS)
        return gw_error_set(e, GW_E_REVIEW_APPROVER_INVALID, "/approvers", "at most %d approvers",
                            GW_REVIEW_MAX_APPROVERS);
    size_t i;
    json_t *a;
    json_array_foreach(arr, i, a)
    {
        char base[32];
        snprintf(base, sizeof base, "/approvers/%zu", i);
        struct gw_request_approver *ap = &r->approvers[i];
        const char *due = NULL;
        struct gw_jfield fields[] = {
            {"person_id", GW_J_STRING, true, &ap->person_id, GW_JF_NONEMPTY, NULL, 0, 0, 63},
            {"due_date", GW_J_STRING, false, &due, GW_JF_DATE, NULL, 0, 0, 10},
            {"due_in_days", GW_J_INT, false, &ap->due_in_days, 0, NULL, 1, 365, 0},
            GW_JFIELD_END,
        };
        if (!json_is_object(a))
            return gw_error_set(e, GW_E_JSON_FIELD_TYPE, base, "an approver is an object");
        enum gw_err rc = gw_json_parse_fields(a, base, fields, true, e);
        if (rc != GW_OK)
            return rc;
        if (due)
            gw_time_parse_date(due, &ap->due_ms);
        r->n_approvers = i + 1;
    }
    return GW_OK;
}

void gw_api_requests_post(struct gw_req *req, struct gw_reply *rep)
{
    json_t *body = gw_req_json(req, rep);
    if (!body)
        return;
    static const char *const policies[] = {"all", "n_of_m", NULL};
    struct gw_course_request r;
    memset(&r, 0, sizeof r);
    r.effort_low_hours = r.effort_high_hours = -1; /* not given */
    const char *policy = "all", *agreed_by = NULL, *agreed_at = NULL;
    int64_t required = 0;
    bool aos = false;
    json_t *bc = NULL, *approvers = NULL;
    struct gw_jfield fields[] = {
        {"department_id", GW_J_STRING, true, &r.department_id, GW_JF_NONEMPTY, NULL, 0, 0, 63},
        {"title", GW_J_STRING, true, &r.title, GW_JF_NONEMPTY, NULL, 0, 0, 255},
        {"sme_person_id", GW_J_STRING, false, &r.sme_person_id, GW_JF_NONEMPTY, NULL, 0, 0, 63},
        {"business_case", GW_J_OBJECT, true, &bc, 0, NULL, 0, 0, 0},
        {"policy", GW_J_STRING, false, &policy, 0, policies, 0, 0, 0},
        {"required", GW_J_INT, false, &required, 0, NULL, 1, GW_REVIEW_MAX_APPROVERS, 0},
        {"approve_on_silence", GW_J_BOOL, false, &aos, 0, NULL, 0, 0, 0},
        {"silence_agreed_by", GW_J_STRING, false, &agreed_by, GW_JF_NONEMPTY, NULL, 0, 0, 63},
        {"silence_agreed_at", GW_J_STRING, false, &agreed_at, GW_JF_DATETIME, NULL, 0, 0, 40},
        {"approvers", GW_J_ARRAY, true, &approvers, 0, NULL, 0, 0, 0},
        GW_JFIELD_END,
    };
    struct gw_error e;
    enum gw_err rc = gw_json_parse_fields(body, "", fields, true, &e);
    if (rc == GW_OK)
        rc = parse_business_case(bc, &r.deadline_ms, &r.effort_low_hours, &r.effort_high_hours,
                                 &r.project_code, &e);
    if (rc == GW_OK)
        rc = parse_approvers(approvers, &r, &e);
    char *bc_text = NULL;
    json_t *out = NULL;
    if (rc == GW_OK) {
        gw_uuid_v4(r.id);
        gw_review_policy_kind_parse(policy, &r.policy.kind);
        r.policy.required = (unsigned)required;
        r.policy.approve_on_silence = aos;
        if (agreed_by)
            snprintf(r.policy.silence_agreed_by, sizeof r.policy.silence_agreed_by, "%s",
                     agreed_by);
        if (agreed_at)
            gw_time_parse_iso(agreed_at, false, &r.policy.silence_agreed_ms);
        bc_text = gw_json_dump(bc);
        r.business_case = bc_text;
        rc = gw_app_request_create(req->srv->store, &r, gw_clock_now_ms(&req->srv->clock), &e);
    }
    if (rc == GW_OK)
        rc = gw_api_request_json(req->srv->store, r.id, &out, &e);
    gw_api_review_reply(rep, rc, &e, 201, out);
    free(bc_text);
    json_decref(body);
}

void gw_api_request_get(struct gw_req *req, struct gw_reply *rep)
{
    json_t *out = NULL;
    struct gw_error e;
    enum gw_err rc = gw_api_request_json(req->srv->store, req->params[0], &out, &e);
    gw_api_review_reply(rep, rc, &e, 200, out);
}
