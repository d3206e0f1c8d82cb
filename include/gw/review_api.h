/* review_api: helpers shared by the review resources' handlers
 * (gateway/api/review_*.c, courses.c, rounds.c, review_link.c). */
#ifndef GW_REVIEW_API_H
#define GW_REVIEW_API_H

#include "gw/http.h"
#include "gw/review_store.h"

/* The audit actor of an API call: "key:<key_id>", via api, the client's
 * address; actor is the buffer the struct borrows. */
/* Room for "key:<key id>" or a person id (at most 63 bytes). */
#define GW_REVIEW_ACTOR_MAX 72
void gw_api_review_actor(const struct gw_req *req, char actor[GW_REVIEW_ACTOR_MAX],
                         struct gw_review_actor *who);
/* Replies body with status when rc is GW_OK (stealing body), else the error
 * (dropping body). */
void gw_api_review_reply(struct gw_reply *rep, enum gw_err rc, const struct gw_error *e,
                         unsigned status, json_t *body);

#endif
