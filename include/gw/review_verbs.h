/* review_verbs: the review store's verbs (gateway/store/review_common.c,
 * review_decide.c), for use cases that run inside one gw_store_tx and
 * decide with the domain (gw/review.h): load -> decide -> apply. Each takes
 * the transaction's struct gw_db and answers a gw_qs (GW_QS_SOFT: a
 * concurrent writer won, the transaction retries). Called only by app/ and
 * store/; the API calls the use cases (gw/review_app.h), not these. */
#ifndef GW_REVIEW_VERBS_H
#define GW_REVIEW_VERBS_H

#include "gw/review_store.h"

/* GW_QS_ONE when `SELECT 1 FROM <table> WHERE id = $1` finds id. */
enum gw_qs gw_rv_exists(struct gw_db *db, const char *table, const char *id, struct gw_error *err);
/* Appends rec (seq and prev are filled here) to audit_log. A concurrent
 * append (unique seq/prev) answers GW_QS_SOFT so the transaction retries. */
enum gw_qs gw_rv_audit(struct gw_db *db, struct gw_audit_record *rec, struct gw_error *err);
/* Fills an audit record from who (borrowed strings). */
void gw_rv_audit_from(struct gw_audit_record *rec, const struct gw_review_actor *who,
                      const char *action, int64_t now_ms);

struct gw_rv_round_meta {
    char course_id[GW_ID_MAX], version_id[GW_ID_MAX], state[32];
    char course_state[32], department_id[GW_ID_MAX], author_id[GW_ID_MAX];
    char sha256[65];
};
/* Loads round_id with its approvers and decisions (r is initialised here;
 * free with gw_review_round_free). NOT_FOUND when unknown. */
enum gw_qs gw_rv_load_round(struct gw_db *db, const char *round_id, struct gw_review_round *r,
                            struct gw_rv_round_meta *m, struct gw_error *err);
/* Moves the course by ev (from its stored state), audits the transition;
 * REVIEW_ILLEGAL_TRANSITION names the state. *to receives the new state. */
enum gw_qs gw_rv_transition(struct gw_db *db, const char *course_id, enum gw_course_event ev,
                            const struct gw_review_actor *who, const char *round_id,
                            const char *sha256, int64_t now_ms, enum gw_course_state *to,
                            struct gw_error *err);
/* After a decision or silence: applies what gw_review_conclude decides for r
 * at now_ms (review/conclude.c): records the silent approvals, closes the
 * round, moves the course, queues the publish job or the author's notice. */
enum gw_qs gw_rv_conclude(struct gw_db *db, struct gw_review_round *r,
                          const struct gw_rv_round_meta *m, int64_t now_ms,
                          enum gw_review_outcome_state *outcome, bool *job_queued,
                          struct gw_error *err);
/* INSERT a notice row unless its key exists (*inserted). */
enum gw_qs gw_rv_notice_insert(struct gw_db *db, const char *key, const char *round_id,
                               const char *approver_id, const char *recipient_id, const char *kind,
                               int64_t scheduled_ms, int64_t days_overdue, int64_t now_ms,
                               bool *inserted, struct gw_error *err);
/* Marks a one-click link's nonce used for (round, approver);
 * REVIEW_TOKEN_USED (hard) when it already was. */
enum gw_qs gw_rv_nonce_use(struct gw_db *db, const char *nonce, const char *round_id,
                           const char *approver_id, int64_t now_ms, struct gw_error *err);
/* Inserts the decision a recorded in round_id (kind, via, comment from a's
 * slot), made by decided_by from address. A concurrent decision for the same
 * approver answers GW_QS_SOFT: the retry loads it and records nothing. */
enum gw_qs gw_rv_decision_insert(struct gw_db *db, const char *round_id,
                                 const struct gw_review_approver *a,
                                 enum gw_review_decision_kind kind, enum gw_review_via via,
                                 const char *decided_by, const char *address, int64_t now_ms,
                                 struct gw_error *err);
/* Records that approver_id's slot in round_id is delegated to delegate_id. */
enum gw_qs gw_rv_delegate_set(struct gw_db *db, const char *round_id, const char *approver_id,
                              const char *delegate_id, int64_t now_ms, struct gw_error *err);
/* The course's stored state ("" when unknown). */
enum gw_qs gw_rv_course_state(struct gw_db *db, const char *course_id, char *out, size_t cap,
                              struct gw_error *err);

#endif
