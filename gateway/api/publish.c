/* publish.c (api): the publish outbox seen from a course: its LMS ids, jobs
 * and last error (GET /api/v1/courses/{id}/publish), an admin's retry of a
 * failed publish and retirement of a published course. The work itself is
 * done by the outbox worker (gateway/app/outbox.c). Also the preview of the
 * course's launch announcement (GET /api/v1/courses/{id}/announcement). */
#include "gw/announce.h"
#include "gw/api.h"
#include "gw/publish.h"
#include "gw/review_api.h"
#include "gw/server.h"
#include "gw/timefmt.h"

/* A time in ms as ISO 8601 UTC, null when 0 (never happened). */
static json_t *time_or_null(int64_t ms)
{
    if (ms == 0)
        return json_null();
    char ts[32];
    gw_time_format_ms(ms, ts);
    return json_string(ts);
}

static json_t *text_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *gw_publish_status_json(const struct gw_publish_status *st)
{
    char words[300];
    gw_publish_status_waiting(st, words, sizeof words);
    json_t *lms = json_array(), *jobs = json_array();
    for (size_t i = 0; i < st->n_lms; i++) {
        const struct gw_publish_lms_course *l = &st->lms[i];
        json_array_append_new(
            lms,
            json_pack("{s:s, s:s, s:o, s:s, s:I, s:o, s:o}", "target", l->target, "lms_course_id",
                      l->lms_course_id, "course_url", text_or_null(l->course_url), "version_id",
                      l->version_id, "lms_version", (json_int_t)l->lms_version, "published_at",
                      time_or_null(l->published_ms), "retired_at", time_or_null(l->retired_ms)));
    }
    for (size_t i = 0; i < st->n_jobs; i++) {
        const struct gw_publish_job_status *j = &st->jobs[i];
        json_array_append_new(
            jobs,
            json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:o}", "id", j->id,
                      "version_id", j->version_id, "action", j->action, "state", j->state,
                      "attempts", (json_int_t)j->attempts, "next_attempt_at",
                      time_or_null(j->next_attempt_ms), "target", text_or_null(j->target),
                      "last_error", text_or_null(j->last_error), "finished_at",
                      time_or_null(j->finished_ms), "created_at", time_or_null(j->created_ms)));
    }
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "course_id", st->course_id, "state",
                     gw_course_state_name(st->wait.state), "waiting_for",
                     words[0] ? json_string(words) : json_null(), "lms", lms, "jobs", jobs,
                     "last_error", text_or_null(gw_publish_status_last_error(st)));
}

/* Loads and renders the course's status; NULL with e set on an error. */
static enum gw_err status_json(struct gw_req *req, json_t **out, struct gw_error *e)
{
    struct gw_publish_status st;
    enum gw_err rc = gw_store_publish_status(req->srv->store, req->params[0], &st, e);
    *out = rc == GW_OK ? gw_publish_status_json(&st) : NULL;
    gw_publish_status_free(&st);
    return rc;
}

void gw_api_course_publish_get(struct gw_req *req, struct gw_reply *rep)
{
    json_t *out = NULL;
    struct gw_error e;
    enum gw_err rc = status_json(req, &out, &e);
    gw_api_review_reply(rep, rc, &e, 200, out);
}

void gw_api_course_publish_retry_post(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_error e;
    char actor[GW_REVIEW_ACTOR_MAX];
    struct gw_review_actor who;
    gw_api_review_actor(req, actor, &who);
    json_t *out = NULL;
    enum gw_err rc = gw_app_publish_retry(req->srv->store, req->params[0], &who,
                                          gw_clock_now_ms(&req->srv->clock), &e);
    if (rc == GW_OK)
        rc = status_json(req, &out, &e);
    gw_api_review_reply(rep, rc, &e, 202, out);
}

void gw_api_course_retire_post(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_error e;
    char actor[GW_REVIEW_ACTOR_MAX];
    struct gw_review_actor who;
    gw_api_review_actor(req, actor, &who);
    json_t *out = NULL;
    bool queued = false;
    enum gw_err rc = gw_app_publish_retire(req->srv->store, req->params[0], &who,
                                           gw_clock_now_ms(&req->srv->clock), &queued, &e);
    if (rc == GW_OK)
        rc = status_json(req, &out, &e);
    if (rc == GW_OK)
        json_object_set_new(out, "retire_queued", json_boolean(queued));
    gw_api_review_reply(rep, rc, &e, 202, out);
}

/* The words the scheduler sends for the course's version on the LMS (else its
 * current version), the plan's recipients and whether chat is posted. */
void gw_api_course_announcement_get(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_announcement a;
    struct gw_error e;
    json_t *out = NULL;
    enum gw_err rc = gw_store_announcement(req->srv->store, req->params[0], NULL, &a, &e);
    if (rc == GW_OK) {
        struct gw_announce_words w;
        gw_announce_render(a.dept.announce_subject, a.dept.announce_body, &a.facts, &w);
        json_t *to = json_array();
        for (size_t i = 0; i < a.plan.n_recipients; i++)
            json_array_append_new(to, json_string(a.plan.recipients[i]));
        const char *why = gw_announce_no_mail_reason(&a.plan);
        bool chat = a.plan.chat && (a.dept.slack_webhook || a.dept.teams_webhook);
        out = json_pack("{s:s, s:s, s:I, s:b, s:b, s:s, s:s, s:o, s:b, s:o, s:b, s:b}", "course_id",
                        a.course_id, "version_id", a.version_id, "version",
                        (json_int_t)a.facts.version_number, "updated", a.facts.updated, "on_lms",
                        a.on_lms, "subject", w.subject, "body", w.body, "recipients", to, "chat",
                        chat, "mail", why ? json_string(why) : json_null(), "template_custom",
                        a.dept.announce_subject || a.dept.announce_body, "chat_requested",
                        a.plan.chat);
        gw_announce_words_free(&w);
        gw_announcement_free(&a);
    }
    gw_api_review_reply(rep, rc, &e, 200, out);
}
