/* review_int.h: helpers the review store files share (private to
 * gateway/store/): string copies, existence checks, the audit append, loading
 * a round into the domain struct, and concluding a round. */
#ifndef GW_REVIEW_INT_H
#define GW_REVIEW_INT_H

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
/* Queues the launch announcement of course_id's version_id as the request's
 * plan says (store/announce.c): one notice per recipient and one for the
 * department's chat, under keys unique per version; nothing when the plan
 * names nobody. Called in the transaction that records the publish. */
enum gw_qs gw_rv_announce_queue(struct gw_db *db, const char *course_id, const char *version_id,
                                int64_t now_ms, struct gw_error *err);
/* A new id (UUID v4). */
void gw_rv_new_id(char out[GW_ID_MAX]);

#endif
