/* course_views.c: renders gw/course_view.h's request, round and course views
 * as the API's JSON (GET /api/v1/requests/{id}, /rounds/{id},
 * /courses/{id} and the replies of the writes that return them), and the
 * gw_api_*_json shortcuts that load a view and render it. The round's
 * evaluation at an instant is the domain's (gw_review_round_to_json). */
#include "gw/course_view.h"
#include "gw/json.h"

#include <stdlib.h>
#include <string.h>

/* A stored JSON document (text) as JSON; fallback when absent or
 * malformed (fallback is stolen either way). */
static json_t *stored_json(const char *text, json_t *fallback)
{
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    if (!j)
        return fallback;
    json_decref(fallback);
    return j;
}

json_t *gw_request_view_json(const struct gw_request_view *v)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(v->id));
    json_object_set_new(o, "department_id", gw_json_str(v->department_id));
    json_object_set_new(o, "title", gw_json_str(v->title));
    json_object_set_new(o, "sme_person_id", gw_json_str(v->sme_person_id));
    json_object_set_new(o, "business_case", stored_json(v->business_case, json_object()));
    json_object_set_new(o, "deadline", gw_json_date(v->deadline_ms));
    /* null when the business case gave none */
    json_object_set_new(
        o, "effort_hours",
        json_pack("{s:o, s:o}", "low",
                  v->has_effort_low ? json_real(v->effort_low_hours) : json_null(), "high",
                  v->has_effort_high ? json_real(v->effort_high_hours) : json_null()));
    json_object_set_new(o, "project_code", gw_json_str(v->project_code));
    bool aos = v->approve_on_silence;
    json_object_set_new(
        o, "policy",
        json_pack("{s:s, s:o, s:b, s:o, s:o}", "kind", v->policy_kind, "required",
                  strcmp(v->policy_kind, "n_of_m") == 0 ? json_integer(v->policy_n) : json_null(),
                  "approve_on_silence", aos, "silence_agreed_by",
                  aos ? gw_json_str(v->silence_agreed_by) : json_null(), "silence_agreed_at",
                  aos ? gw_json_time(v->silence_agreed_ms) : json_null()));
    json_object_set_new(o, "created", gw_json_time(v->created_ms));
    json_t *arr = json_array();
    for (size_t i = 0; i < v->n_approvers; i++) {
        const struct gw_request_view_approver *a = &v->approvers[i];
        json_t *j = json_object();
        json_object_set_new(j, "person_id", json_string(a->person_id));
        json_object_set_new(j, "name", gw_json_str(a->name));
        json_object_set_new(j, "due_date", gw_json_date(a->due_ms));
        json_object_set_new(j, "due_in_days",
                            a->due_in_days > 0 ? json_integer(a->due_in_days) : json_null());
        json_array_append_new(arr, j);
    }
    json_object_set_new(o, "approvers", arr);
    return o;
}

/* The approver in approvers (the round's JSON) with person_id, or NULL. */
static json_t *approver_of(json_t *approvers, const char *person_id)
{
    size_t i;
    json_t *a;
    json_array_foreach(approvers, i, a)
    {
        const char *id = json_string_value(json_object_get(a, "person_id"));
        if (id && strcmp(id, person_id) == 0)
            return a;
    }
    return NULL;
}

json_t *gw_round_view_json(const struct gw_round_view *v, int64_t now_ms)
{
    json_t *o = gw_review_round_to_json(&v->round, now_ms);
    json_object_set_new(o, "round_state", json_string(v->state));
    json_object_set_new(o, "version_id", json_string(v->version_id));
    json_object_set_new(o, "version_sha256", json_string(v->sha256));
    if (v->has_course) {
        json_object_set_new(o, "changes", stored_json(v->changes, json_null()));
        json_object_set_new(o, "number", json_integer(v->number));
        json_object_set_new(o, "course",
                            json_pack("{s:s, s:o, s:s, s:o}", "id", v->round.course_id, "title",
                                      gw_json_str(v->course_title), "state", v->course_state,
                                      "department", gw_json_str(v->department_name)));
    }
    json_t *approvers = json_object_get(o, "approvers");
    for (size_t i = 0; i < v->round.n_approvers; i++) {
        const struct gw_round_view_approver *f = &v->facts[i];
        json_t *a = approver_of(approvers, v->round.approvers[i].person_id);
        if (!a || !f->known)
            continue;
        json_object_set_new(a, "name", gw_json_str(f->name));
        json_object_set_new(a, "delegate_name", gw_json_str(f->delegate_name));
        json_object_set_new(a, "asked_at", gw_json_time(f->asked_ms));
        json_object_set_new(a, "reminded_at", gw_json_time(f->reminded_ms));
        json_object_set_new(a, "reminders", json_integer(f->reminders));
    }
    return o;
}

json_t *gw_course_view_json(const struct gw_course_view *v, int64_t now_ms)
{
    json_t *o = json_pack(
        "{s:s, s:o, s:s, s:o, s:s, s:o, s:o, s:o, s:o}", "id", v->id, "title",
        gw_json_str(v->title), "state", v->state, "state_since", gw_json_time(v->state_since_ms),
        "department_id", v->department_id, "request_id", gw_json_str(v->request_id),
        "author_person_id", gw_json_str(v->author_person_id), "current_version_id",
        gw_json_str(v->current_version_id), "created", gw_json_time(v->created_ms));
    json_t *versions = json_array();
    for (size_t i = 0; i < v->n_versions; i++) {
        const struct gw_course_view_version *ver = &v->versions[i];
        json_array_append_new(versions,
                              json_pack("{s:s, s:I, s:s, s:s, s:b, s:o, s:o}", "id", ver->id,
                                        "number", (json_int_t)ver->number, "package_id",
                                        ver->package_id, "sha256", ver->sha256, "valid", ver->valid,
                                        "changes", stored_json(ver->changes, json_null()),
                                        "created", gw_json_time(ver->created_ms)));
    }
    json_object_set_new(o, "versions", versions);
    json_t *iris = json_array();
    for (size_t i = 0; i < v->n_iris; i++)
        json_array_append_new(
            iris, json_pack("{s:s, s:s}", "iri", v->iris[i].iri, "source", v->iris[i].source));
    json_object_set_new(o, "iris", iris);
    json_t *rounds = json_array();
    for (size_t i = 0; i < v->n_rounds; i++)
        json_array_append_new(rounds, gw_round_view_json(&v->rounds[i], now_ms));
    json_object_set_new(o, "rounds", rounds);
    return o;
}

enum gw_err gw_api_request_json(struct gw_store *s, const char *id, json_t **out,
                                struct gw_error *err)
{
    struct gw_request_view v;
    enum gw_err rc = gw_store_request_get(s, id, &v, err);
    *out = rc == GW_OK ? gw_request_view_json(&v) : NULL;
    gw_request_view_free(&v);
    return rc;
}

enum gw_err gw_api_round_json(struct gw_store *s, const char *id, int64_t now_ms, json_t **out,
                              struct gw_error *err)
{
    struct gw_round_view v;
    enum gw_err rc = gw_store_round_get(s, id, &v, err);
    *out = rc == GW_OK ? gw_round_view_json(&v, now_ms) : NULL;
    gw_round_view_free(&v);
    return rc;
}

enum gw_err gw_api_course_json(struct gw_store *s, const char *id, int64_t now_ms, json_t **out,
                               struct gw_error *err)
{
    struct gw_course_view v;
    enum gw_err rc = gw_store_course_get(s, id, &v, err);
    *out = rc == GW_OK ? gw_course_view_json(&v, now_ms) : NULL;
    gw_course_view_free(&v);
    return rc;
}
