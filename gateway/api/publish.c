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

void gw_api_course_publish_get(struct gw_req *req, struct gw_reply *rep)
{
    json_t *out = NULL;
    struct gw_error e;
    enum gw_err rc = gw_store_publish_status(req->srv->store, req->params[0], &out, &e);
    gw_api_review_reply(rep, rc, &e, 200, out);
}

void gw_api_course_publish_retry_post(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_error e;
    char actor[GW_REVIEW_ACTOR_MAX];
    struct gw_review_actor who;
    gw_api_review_actor(req, actor, &who);
    json_t *out = NULL;
    enum gw_err rc = gw_store_publish_retry(req->srv->store, req->params[0], &who,
                                            gw_clock_now_ms(&req->srv->clock), &e);
    if (rc == GW_OK)
        rc = gw_store_publish_status(req->srv->store, req->params[0], &out, &e);
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
    enum gw_err rc = gw_store_publish_retire(req->srv->store, req->params[0], &who,
                                             gw_clock_now_ms(&req->srv->clock), &queued, &e);
    if (rc == GW_OK)
        rc = gw_store_publish_status(req->srv->store, req->params[0], &out, &e);
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
