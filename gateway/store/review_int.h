/* review_int.h: what the review store files share and app/ does not need:
 * the launch announcement's queueing and new ids. The verbs the use cases in
 * app/ call inside their transactions are gw/review_verbs.h's. */
#ifndef GW_REVIEW_INT_H
#define GW_REVIEW_INT_H

#include "gw/review_store.h"
#include "gw/review_verbs.h"

/* Queues the launch announcement of course_id's version_id as the request's
 * plan says (store/announce.c): one notice per recipient and one for the
 * department's chat, under keys unique per version; nothing when the plan
 * names nobody. Called in the transaction that records the publish. */
enum gw_qs gw_rv_announce_queue(struct gw_db *db, const char *course_id, const char *version_id,
                                int64_t now_ms, struct gw_error *err);

#endif
