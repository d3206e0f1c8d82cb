/* pipeline.c: GET /api/v1/pipeline, the delivery schedule the web app's
 * board shows: the store's rows (gw_store_pipeline_load) as the domain sees
 * them now (gw_pipeline_assess), rendered as JSON (gw_pipeline_json; its
 * shape is in gw/pipeline.h). Dates are ISO 8601 UTC, a deadline a day. */
#include "gw/api.h"
#include "gw/json.h"
#include "gw/pipeline.h"
#include "gw/server.h"
#include "gw/timefmt.h"

#include <string.h>

static json_t *time_or_null(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    char ts[32];
    gw_time_format_ms(ms, ts);
    return json_string(ts);
}

static json_t *held_by(const struct gw_pipeline_item *it, const struct gw_pipeline_view *v)
{
    json_t *held = json_array();
    if (it->state == GW_COURSE_IN_REVIEW) {
        for (size_t i = 0; i < it->n_approvers; i++) {
            const struct gw_pipeline_approver *a = &it->approvers[i];
            json_array_append_new(
                held,
                json_pack("{s:s, s:o, s:o, s:o, s:o, s:I, s:b, s:o, s:o}", "person_id",
                          a->person_id, "name", gw_json_str(a->name), "delegate",
                          gw_json_str(a->delegate_name), "delegate_id",
                          a->delegate_id[0] ? json_string(a->delegate_id) : json_null(), "due",
                          time_or_null(a->due_ms), "days_overdue",
                          (json_int_t)v->approvers[i].days_overdue, "stalled",
                          v->approvers[i].stalled, "escalated_to", gw_json_str(a->escalated_to),
                          "escalated_at", time_or_null(a->escalated_ms)));
        }
    } else if (!it->is_request && strcmp(v->holder, "author") == 0 && it->author_name) {
        json_array_append_new(held,
                              json_pack("{s:o, s:o}", "person_id",
                                        it->author_id[0] ? json_string(it->author_id) : json_null(),
                                        "name", gw_json_str(it->author_name)));
    }
    return held;
}

static json_t *item_json(const struct gw_pipeline_item *it, int64_t now_ms)
{
    struct gw_pipeline_view v;
    gw_pipeline_assess(it, now_ms, &v);
    char deadline[32] = "";
    if (it->deadline_ms > 0) {
        gw_time_format_ms(it->deadline_ms, deadline);
        deadline[10] = '\0';
    }
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(it->id));
    json_object_set_new(o, "title", gw_json_str(it->title));
    json_object_set_new(o, "department", gw_json_str(it->department));
    json_object_set_new(o, "department_id", gw_json_str(it->department_id));
    if (!it->is_request)
        json_object_set_new(o, "request_id", gw_json_str(it->request_id));
    json_object_set_new(
        o, "state", json_string(it->is_request ? "requested" : gw_course_state_name(it->state)));
    json_object_set_new(o, "state_since", time_or_null(it->since_ms));
    json_object_set_new(o, "days_in_state", json_integer(v.days_in_state));
    json_object_set_new(o, "holder", json_string(v.holder));
    json_object_set_new(o, "held_by", held_by(it, &v));
    json_object_set_new(o, "stalled", json_boolean(v.stalled));
    json_object_set_new(o, "days_overdue", json_integer(v.days_overdue));
    json_object_set_new(o, "stall_after_days", json_integer(v.stall_after_days));
    json_object_set_new(o, "deadline", deadline[0] ? json_string(deadline) : json_null());
    json_object_set_new(o, "late", json_boolean(v.late));
    if (!it->is_request) {
        json_object_set_new(o, "announcement", json_string(v.announcement));
        json_object_set_new(o, "publish_error",
                            v.shows_publish ? gw_json_str(it->publish_error) : json_null());
        json_object_set_new(o, "publish_attempts",
                            json_integer(v.shows_publish ? it->publish_attempts : 0));
        if (it->round_id[0])
            json_object_set_new(o, "round_id", json_string(it->round_id));
    }
    gw_pipeline_view_free(&v);
    return o;
}

json_t *gw_pipeline_json(const struct gw_pipeline *p, int64_t now_ms)
{
    json_t *courses = json_array(), *requests = json_array();
    for (size_t i = 0; i < p->n_courses; i++)
        json_array_append_new(courses, item_json(&p->courses[i], now_ms));
    for (size_t i = 0; i < p->n_requests; i++)
        json_array_append_new(requests, item_json(&p->requests[i], now_ms));
    return json_pack("{s:o, s:o}", "courses", courses, "requests", requests);
}

void gw_api_pipeline_get(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_pipeline p;
    struct gw_error e;
    if (gw_store_pipeline_load(req->srv->store, &p, &e) != GW_OK) {
        gw_pipeline_free(&p);
        gw_reply_error(rep, &e);
        return;
    }
    gw_reply_json(rep, 200, gw_pipeline_json(&p, gw_clock_now_ms(&req->srv->clock)));
    gw_pipeline_free(&p);
}
