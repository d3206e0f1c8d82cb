/* review_app: the review use cases that app/ runs, each in one store
 * transaction: load with the store's verbs (gw/review_verbs.h), decide with
 * the domain (gw/review.h), apply with the verbs. The API and the CLI call
 * these; nothing here speaks HTTP. Safe from any thread: each call runs its
 * own transaction on a pooled connection. */
#ifndef GW_REVIEW_APP_H
#define GW_REVIEW_APP_H

#include "gw/review_store.h"

struct gw_decide_request {
    const char *round_id;
    const char *actor_id; /* the approver or their delegate (the domain's actor) */
    enum gw_review_decision_kind kind;
    const char *comment;
    enum gw_review_via via;
    const char *nonce; /* link decisions: marked used in the same transaction */
    struct gw_review_actor who;
};

/* What a decision did: recorded or not (the domain's answer), the round's
 * outcome after it, the course and its state afterwards. */
struct gw_decide_result {
    enum gw_review_record rec;
    enum gw_review_outcome_state outcome;
    char course_id[GW_ID_MAX];
    char course_state[32];
    bool job_queued; /* this call queued the publish job */
};
/* Records a decision in one transaction: the link's nonce is marked used,
 * the round is loaded and the domain decides (gw_review_round_decide); a
 * recorded decision is stored and audited, and when it satisfies or blocks
 * the round, the round concludes at once (gw_rv_conclude). A concurrent
 * decision for the same approver retries and records nothing. */
enum gw_err gw_app_review_decide(struct gw_store *s, const struct gw_decide_request *rq,
                                 int64_t now_ms, struct gw_decide_result *out,
                                 struct gw_error *err);
/* Delegates approver_id's slot to delegate_id (REVIEW_REFERENCE_UNKNOWN for
 * an unknown person, the domain's refusals), asks the delegate and audits. */
enum gw_err gw_app_review_delegate(struct gw_store *s, const char *round_id,
                                   const char *approver_id, const char *delegate_id,
                                   const struct gw_review_actor *who, int64_t now_ms,
                                   struct gw_error *err);
#endif
