/* publish.c (api): the publish outbox seen from a course: its LMS ids, jobs
 * and last error (GET /api/v1/courses/{id}/publish), an admin's retry of a
 * failed publish and retirement of a published course. The work itself is
 * done by the outbox worker (gateway/app/outbox.c). */
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
    char actor[48];
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
    char actor[48];
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
