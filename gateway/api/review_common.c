/* review_common.c: what the review resources' handlers share: the audit
 * actor of an API call, and replies for store results. */
#include "gw/api.h"
#include "gw/review_api.h"

#include <stdio.h>
#include <string.h>

void gw_api_review_actor(const struct gw_req *req, char actor[GW_REVIEW_ACTOR_MAX],
                         struct gw_review_actor *who)
{
    /* a person signed in to the web app acts as themself, and so does one
     * using a key bound to them (the audit line keeps the key's id too) */
    if (req->who.session || req->who.person_id[0])
        snprintf(actor, GW_REVIEW_ACTOR_MAX, "%s", req->who.person_id);
    else
        snprintf(actor, GW_REVIEW_ACTOR_MAX, "key:%s", req->who.key_id);
    memset(who, 0, sizeof *who);
    who->actor = actor;
    who->via = req->who.session ? "session" : "api";
    who->address = req->remote_addr;
    who->key_id = req->who.key_id;
}

void gw_api_review_reply(struct gw_reply *rep, enum gw_err rc, const struct gw_error *e,
                         unsigned status, json_t *body)
{
    if (rc != GW_OK) {
        json_decref(body);
        gw_reply_error(rep, e);
        return;
    }
    gw_reply_json(rep, status, body);
}
