/* review_verbs: the review store's verbs (gateway/store/review_common.c,
 * review_decide.c, review_course.c, review_sched.c, announce.c), for use cases that run
 * inside one gw_store_tx and decide with the domain (gw/review.h): load ->
 * decide -> apply. Each takes the transaction's struct gw_db and answers a
 * gw_qs (GW_QS_SOFT: a concurrent writer won, the transaction retries). They
 * persist and read; the rules are the domain's (gw_rv_transition and
 * gw_rv_conclude apply what gw/review.h decides). Called only by app/ and
 * store/; the API calls the use cases (gw/review_app.h, and gw/publish.h for
 * the publish outbox's). */
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
/* A new id (UUID v4). */
void gw_rv_new_id(char out[GW_ID_MAX]);

/* ---- the launch announcement (store/announce.c) ---- */
/* Queues the launch announcement of course_id's version_id as the request's
 * plan says: one notice per recipient and one for the department's chat,
 * under keys unique per version; nothing when the plan names nobody. Called
 * in the transaction that records the publish (app/publish_jobs.c). */
enum gw_qs gw_rv_announce_queue(struct gw_db *db, const char *course_id, const char *version_id,
                                int64_t now_ms, struct gw_error *err);

/* ---- the scheduler's pass (store/review_sched.c) ---- */
/* Every approver slot of every open round (oldest round first, approvers in
 * their order) with the schedule notices recorded for it (ask and
 * changes_requested are not), into *items (n of them; what *items held is
 * freed first, so a retried transaction starts over). */
enum gw_qs gw_rv_sched_items(struct gw_db *db, struct gw_sched_item **items, size_t *n,
                             struct gw_error *err);
/* The people around round_id's approver_id that a notice can go to (see
 * gw_review_notice_people; "" when none). GW_QS_NONE when the round is
 * unknown (all ""). */
struct gw_rv_notice_people {
    char delegate_id[GW_ID_MAX], approver_head_id[GW_ID_MAX];
    char author_id[GW_ID_MAX], requester_head_id[GW_ID_MAX];
};
enum gw_qs gw_rv_notice_people(struct gw_db *db, const char *round_id, const char *approver_id,
                               struct gw_rv_notice_people *out, struct gw_error *err);
/* Marks approver_id's slot in round_id stalled since now_ms. */
enum gw_qs gw_rv_approver_stalled(struct gw_db *db, const char *round_id, const char *approver_id,
                                  int64_t now_ms, struct gw_error *err);
/* The keys of up to max pending notices, oldest first, into keys (room for
 * max); *n receives how many. */
enum gw_qs gw_rv_notices_pending(struct gw_db *db, size_t max,
                                 char (*keys)[GW_REVIEW_NOTICE_KEY_MAX], size_t *n,
                                 struct gw_error *err);
/* Claims notice key for sending: pending -> sending, attempts + 1. *claimed
 * false when it is no longer pending (another claimer took it). */
enum gw_qs gw_rv_notice_claim(struct gw_db *db, const char *key, bool *claimed,
                              struct gw_error *err);
/* Fills n (whose key the caller set) with what delivering it needs: the
 * notice, its people's names and address, the course, the department's chat
 * channels, the round's state and changes, whether the approver decided.
 * changes_summary is heap (gw_notice_rows_free). GW_QS_NONE when unknown. */
enum gw_qs gw_rv_notice_load(struct gw_db *db, struct gw_notice_row *n, struct gw_error *err);
/* The attempts made at notice key (GW_QS_NONE when unknown: 0). */
enum gw_qs gw_rv_notice_attempts(struct gw_db *db, const char *key, int64_t *attempts,
                                 struct gw_error *err);
/* Writes notice key's status, last_error (NULL: none) and sent_ms (0: not
 * sent). */
enum gw_qs gw_rv_notice_finish(struct gw_db *db, const char *key, const char *status,
                               const char *error, int64_t sent_ms, struct gw_error *err);
/* The notices of round_id (NULL: of every round), oldest first, into *items
 * (n of them; what *items held is freed first). */
enum gw_qs gw_rv_notices_list(struct gw_db *db, const char *round_id, struct gw_notice_item **items,
                              size_t *n, struct gw_error *err);

/* ---- courses, versions, rounds (store/review_course.c) ---- */
/* INSERT the IRI for course_id unless another course has it; *added (when
 * not NULL) grows by the rows written. */
enum gw_qs gw_rv_iri_register(struct gw_db *db, const char *iri, const char *course_id,
                              const char *source, int64_t now_ms, int64_t *added,
                              struct gw_error *err);
/* Attributes the stored statements under the course's IRIs to it again
 * (after IRIs were registered). */
enum gw_qs gw_rv_course_reattribute(struct gw_db *db, const char *course_id, struct gw_error *err);
/* The request's department and title (GW_QS_NONE when unknown). */
enum gw_qs gw_rv_request_head(struct gw_db *db, const char *request_id,
                              char department_id[GW_ID_MAX], char *title, size_t title_cap,
                              struct gw_error *err);
/* INSERT a course in state draft (author_id NULL: none). */
enum gw_qs gw_rv_course_insert(struct gw_db *db, const char *id, const char *department_id,
                               const char *request_id, const char *title, const char *author_id,
                               int64_t now_ms, struct gw_error *err);
/* Marks the course's open round superseded: GW_QS_ONE with its id, or
 * GW_QS_NONE when none was open. */
enum gw_qs gw_rv_round_supersede_open(struct gw_db *db, const char *course_id, int64_t now_ms,
                                      char closed_id[GW_ID_MAX], struct gw_error *err);
/* A package as a version uses it; report owned (the validator's JSON text). */
struct gw_rv_package {
    char sha256[65];
    bool valid;
    char *report;
};
/* GW_QS_NONE when unknown. */
enum gw_qs gw_rv_package_load(struct gw_db *db, const char *package_id, struct gw_rv_package *pkg,
                              struct gw_error *err);
/* GW_QS_ONE when the package already is one of the course's versions. */
enum gw_qs gw_rv_version_with_package(struct gw_db *db, const char *course_id,
                                      const char *package_id, struct gw_error *err);
/* The course's latest version: its number (0 when none) and its package's
 * report (NULL when none; the caller frees). */
enum gw_qs gw_rv_last_version(struct gw_db *db, const char *course_id, int64_t *number,
                              char **report, struct gw_error *err);
/* A version row (strings borrowed). */
struct gw_rv_version_row {
    const char *id, *course_id, *package_id, *sha256;
    int64_t number;
    bool valid;
    const char *changes; /* JSON text or NULL */
    const char *created_by;
    int64_t created_ms;
};
/* INSERT the version and make it the course's current one. A concurrent
 * version with the same number answers GW_QS_SOFT (the transaction retries). */
enum gw_qs gw_rv_version_insert(struct gw_db *db, const struct gw_rv_version_row *v,
                                struct gw_error *err);
/* What submitting reads of a course. */
struct gw_rv_course_row {
    char state[32], version_id[GW_ID_MAX], request_id[GW_ID_MAX], sha256[65];
    bool valid, has_version;
};
/* GW_QS_NONE when unknown. */
enum gw_qs gw_rv_course_row(struct gw_db *db, const char *id, struct gw_rv_course_row *c,
                            struct gw_error *err);
/* The request's approval policy (GW_QS_NONE when unknown: pol zeroed). */
enum gw_qs gw_rv_request_policy(struct gw_db *db, const char *request_id,
                                struct gw_review_policy *pol, struct gw_error *err);
/* The approvers named at intake, in their order; *out owned (free). */
struct gw_rv_request_approver {
    char person_id[GW_ID_MAX];
    int64_t due_ms, due_in_days;
};
enum gw_qs gw_rv_request_approvers(struct gw_db *db, const char *request_id,
                                   struct gw_rv_request_approver **out, size_t *n,
                                   struct gw_error *err);
/* The course's latest round: its number (0 when none) and its version's
 * package report (NULL when none; the caller frees). */
enum gw_qs gw_rv_last_round(struct gw_db *db, const char *course_id, int64_t *number, char **report,
                            struct gw_error *err);
/* The package report of a version (NULL when none; the caller frees). */
enum gw_qs gw_rv_version_report(struct gw_db *db, const char *version_id, char **report,
                                struct gw_error *err);
/* INSERT an open round (its id, course, policy and opening time from round)
 * on version_id with its approvers. A concurrent open round answers
 * GW_QS_SOFT. */
enum gw_qs gw_rv_round_insert(struct gw_db *db, const struct gw_review_round *round,
                              const char *version_id, int64_t number, const char *changes,
                              struct gw_error *err);

/* ---- departments, people, course requests (store/review_org.c) ---- */
/* INSERT the department (created now_ms); a taken id or name answers
 * GW_QS_HARD with GW_E_CONFLICT. */
enum gw_qs gw_rv_department_insert(struct gw_db *db, const struct gw_department *d, int64_t now_ms,
                                   struct gw_error *err);
/* Sets the settings JSON and/or the head (NULL: keep); GW_QS_NONE when no
 * department has the id. */
enum gw_qs gw_rv_department_update(struct gw_db *db, const char *id, const char *settings,
                                   const char *head_person_id, struct gw_error *err);
/* INSERT the person with roles (GW_ROLE_* bits, stored as their names); a
 * taken id or email answers GW_QS_HARD with GW_E_CONFLICT. */
enum gw_qs gw_rv_person_insert(struct gw_db *db, const struct gw_person *p, unsigned roles,
                               int64_t now_ms, struct gw_error *err);
/* INSERT the request (created now_ms) and its approvers in their order. */
enum gw_qs gw_rv_request_insert(struct gw_db *db, const struct gw_course_request *r, int64_t now_ms,
                                struct gw_error *err);

#endif
