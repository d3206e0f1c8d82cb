/* rounds.c: the approval-round resource: the round as evaluated now, a
 * decision through the API (an approver deciding as themselves, or an admin
 * on an approver's behalf with a reason, both audited with the key), and
 * delegation to a named colleague. */
#include "gw/review_app.h"
#include "gw/api.h"
#include "gw/course_view.h"
#include "gw/json.h"
#include "gw/review_api.h"
#include "gw/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gw_api_round_get(struct gw_req *req, struct gw_reply *rep)
{
    json_t *out = NULL;
    struct gw_error e;
    enum gw_err rc = gw_api_round_json(req->srv->store, req->params[0],
                                       gw_clock_now_ms(&req->srv->clock), &out, &e);
    gw_api_review_reply(rep, rc, &e, 200, out);
}

/* An approver's key acts only as the person it belongs to: a decision made
 * through the API is as attributable as one made through a signed link. */
/* An admin acts for someone else (on behalf, with a reason); a person who
 * is an admin and the approver decides as themself. */
static bool on_behalf(const struct gw_req *req, const char *approver)
{
    return (req->who.role & GW_ROLE_ADMIN) &&
           !(req->who.person_id[0] && strcmp(req->who.person_id, approver) == 0);
}

static enum gw_err own_person(const struct gw_req *req, const char *approver, struct gw_error *e)
{
    if (!req->who.person_id[0])
        return gw_error_set(e, GW_E_REVIEW_NOT_APPROVER, "Authorization",
                            "this key belongs to no person; an admin creates approver keys with "
                            "--person (or \"person_id\") so decisions are attributable");
    if (strcmp(req->who.person_id, approver) != 0)
        return gw_error_set(e, GW_E_REVIEW_NOT_APPROVER, "/approver_id",
                            "this key belongs to %s and cannot act as %s", req->who.person_id,
                            approver);
    return GW_OK;
}

void gw_api_round_decisions_post(struct gw_req *req, struct gw_reply *rep)
{
    json_t *body = gw_req_json(req, rep);
    if (!body)
        return;
    static const char *const kinds[] = {"approve", "request_changes", "reject", NULL};
    const char *decision = NULL, *comment = NULL, *approver = NULL, *reason = NULL;
    struct gw_jfield fields[] = {
        {"decision", GW_J_STRING, true, &decision, 0, kinds, 0, 0, 0},
        {"comment", GW_J_STRING, false, &comment, 0, NULL, 0, 0, 8000},
        {"approver_id", GW_J_STRING, true, &approver, GW_JF_NONEMPTY, NULL, 0, 0, 63},
        {"on_behalf_reason", GW_J_STRING, false, &reason, GW_JF_NONEMPTY, NULL, 0, 0, 2000},
        GW_JFIELD_END,
    };
    struct gw_error e;
    char actor[GW_REVIEW_ACTOR_MAX];
    struct gw_decide_request rq = {0};
    gw_api_review_actor(req, actor, &rq.who);
    enum gw_err rc = gw_json_parse_fields(body, "", fields, true, &e);
    char *full = NULL;
    if (rc == GW_OK && !on_behalf(req, approver))
        rc = own_person(req, approver, &e);
    if (rc == GW_OK && on_behalf(req, approver)) {
        /* an admin key is not an approver: deciding for one needs a reason */
        if (!reason)
            rc = gw_error_set(&e, GW_E_REVIEW_ON_BEHALF_REASON, "/on_behalf_reason",
                              "an admin deciding for %s must say why", approver);
        rq.who.on_behalf_of = approver;
        /* the comment an approver must give stays required: no comment, no reason added */
        bool has_comment = comment && *comment;
        if (rc == GW_OK && (has_comment || strcmp(decision, "approve") == 0) &&
            asprintf(&full, "%s%s[on behalf: %s]", has_comment ? comment : "",
                     has_comment ? " " : "", reason) < 0)
            full = NULL;
    }
    struct gw_decide_result res = {0};
    if (rc == GW_OK) {
        rq.round_id = req->params[0];
        rq.actor_id = approver;
        gw_review_decision_parse(decision, &rq.kind);
        rq.comment = full ? full : comment; /* an admin's reason is audited with it */
        rq.via = GW_REVIEW_VIA_API;
        rc =
            gw_app_review_decide(req->srv->store, &rq, gw_clock_now_ms(&req->srv->clock), &res, &e);
    }
    json_t *out = NULL;
    if (rc == GW_OK)
        out =
            json_pack("{s:s, s:s, s:b, s:s, s:s, s:s, s:b}", "round_id", req->params[0], "decision",
                      decision, "recorded", res.rec == GW_REVIEW_RECORDED, "round_state",
                      gw_review_outcome_name(res.outcome), "course_id", res.course_id,
                      "course_state", res.course_state, "publish_job_queued", res.job_queued);
    gw_api_review_reply(rep, rc, &e, res.rec == GW_REVIEW_ALREADY_RECORDED ? 200 : 201, out);
    free(full);
    json_decref(body);
}

void gw_api_round_delegate_post(struct gw_req *req, struct gw_reply *rep)
{
    json_t *body = gw_req_json(req, rep);
    if (!body)
        return;
    const char *approver = NULL, *delegate = NULL;
    struct gw_jfield fields[] = {
        {"approver_id", GW_J_STRING, true, &approver, GW_JF_NONEMPTY, NULL, 0, 0, 63},
        {"delegate_id", GW_J_STRING, true, &delegate, GW_JF_NONEMPTY, NULL, 0, 0, 63},
        GW_JFIELD_END,
    };
    struct gw_error e;
    char actor[GW_REVIEW_ACTOR_MAX];
    struct gw_review_actor who;
    gw_api_review_actor(req, actor, &who);
    int64_t now = gw_clock_now_ms(&req->srv->clock);
    json_t *out = NULL;
    enum gw_err rc = gw_json_parse_fields(body, "", fields, true, &e);
    if (rc == GW_OK && !(req->who.role & GW_ROLE_ADMIN))
        rc = own_person(req, approver, &e);
    if (rc == GW_OK)
        rc = gw_app_review_delegate(req->srv->store, req->params[0], approver, delegate, &who, now,
                                    &e);
    if (rc == GW_OK)
        rc = gw_api_round_json(req->srv->store, req->params[0], now, &out, &e);
    gw_api_review_reply(rep, rc, &e, 200, out);
    json_decref(body);
}
