/* review_app: the review use cases that app/ runs, each in one store
 * transaction: load with the store's verbs (gw/review_verbs.h), decide with
 * the domain (gw/review.h), apply with the verbs. The API and the CLI call
 * these; nothing here speaks HTTP. Safe from any thread: each call runs its
 * own transaction on a pooled connection. */
#ifndef GW_REVIEW_APP_H
#define GW_REVIEW_APP_H

#include "gw/review_store.h"

/* ---- departments, people, requests (app/review_org.c) ---- */
/* Creates the department d (created now_ms): REVIEW_REFERENCE_UNKNOWN at
 * /head_person_id for an unknown head, REVIEW_NAME_TAKEN at /name for a
 * taken name or id. */
enum gw_err gw_app_department_create(struct gw_store *s, const struct gw_department *d,
                                     int64_t now_ms, struct gw_error *err);
/* Replaces the settings JSON and/or the head (NULL: keep):
 * REVIEW_REFERENCE_UNKNOWN for an unknown head, NOT_FOUND for an unknown
 * department. */
enum gw_err gw_app_department_update(struct gw_store *s, const char *id, const char *settings,
                                     const char *head_person_id, struct gw_error *err);
/* The roles a new person holds: those given, or approver when none are. */
unsigned gw_app_person_roles(const struct gw_person *p);
/* Creates the person p (roles 0: approver, gw_app_person_roles): REVIEW_REFERENCE_UNKNOWN at
 * /department_id for an unknown department, REVIEW_NAME_TAKEN at /email for
 * a taken email or id. */
enum gw_err gw_app_person_create(struct gw_store *s, const struct gw_person *p, int64_t now_ms,
                                 struct gw_error *err);
/* GW_OK when a person has the id (or id is empty); REVIEW_REFERENCE_UNKNOWN
 * at where otherwise. */
enum gw_err gw_app_person_known(struct gw_store *s, const char *id, const char *where,
                                struct gw_error *err);
/* Takes in a course request: its policy against its approvers
 * (gw_intake_request_check) before any SQL, then, in one transaction, every
 * department and person it names must exist (REVIEW_REFERENCE_UNKNOWN at the
 * first unknown one's place) and the request and its approvers are
 * inserted. */
enum gw_err gw_app_request_create(struct gw_store *s, const struct gw_course_request *r,
                                  int64_t now_ms, struct gw_error *err);

/* ---- courses (app/review_course.c) ---- */
/* Creates a course (state draft) for a request; title NULL = the request's. */
enum gw_err gw_app_course_create(struct gw_store *s, const char *request_id, const char *title,
                                 const char *author_person_id, const char *public_url,
                                 const struct gw_review_actor *who, int64_t now_ms,
                                 char id_out[GW_ID_MAX], struct gw_error *err);
struct gw_version_result {
    char version_id[GW_ID_MAX];
    int64_t number;
    char state[32];               /* the course's state afterwards: validated or draft */
    char closed_round[GW_ID_MAX]; /* the open round this version superseded, or "" */
    json_t *changes;              /* diff against the previous version, or NULL; caller decrefs */
    int64_t iris_added;
    /* the package's validation verdict: valid (no errors), its warnings, and
     * the findings that keep the version from review (an array of
     * gw_review_blocking_findings; NULL when there are none; caller decrefs) */
    bool valid;
    int64_t warnings;
    json_t *blocking;
};
/* Adds package_id as the course's next version: the course goes to draft
 * (closing an open round as superseded), then to validated when the package
 * has no errors. Registers <public_url>/courses/<id> and the package's
 * activity ids in course_iris (identifiers that are not IRIs go under the
 * course IRI). */
enum gw_err gw_app_course_add_version(struct gw_store *s, const char *course_id,
                                      const char *package_id, const char *public_url,
                                      const struct gw_review_actor *who, int64_t now_ms,
                                      struct gw_version_result *out, struct gw_error *err);
/* Registers more activity IRIs for a course (source "admin"; an IRI another
 * course owns is left to it) and, in the same transaction, attributes the
 * stored statements under them. iris: a JSON array of absolute IRIs. */
enum gw_err gw_app_course_add_iris(struct gw_store *s, const char *course_id, const json_t *iris,
                                   int64_t now_ms, int64_t *added, struct gw_error *err);
/* Opens a round on the validated version: asks each approver (queues an
 * "ask" notice per approver). REVIEW_ILLEGAL_TRANSITION names the state;
 * REVIEW_VERSION_HAS_ERRORS what keeps a version with errors from review. */
enum gw_err gw_app_course_submit(struct gw_store *s, const char *course_id,
                                 const struct gw_review_actor *who, int64_t now_ms,
                                 char round_id_out[GW_ID_MAX], struct gw_error *err);

/* ---- decisions (app/review_decide.c) ---- */
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

/* ---- the scheduler's pass (app/review_sched.c; the pass is
 * app/scheduler.c, gw/scheduler.h) ---- */
/* Every approver slot of every open round, with the schedule notices
 * recorded for it. Free with gw_sched_items_free. */
enum gw_err gw_app_sched_items(struct gw_store *s, struct gw_sched_item **items, size_t *n,
                               struct gw_error *err);
/* Records a due notice of it under its key, to the recipient the domain
 * picks (gw_review_notice_recipient), and, in the same transaction and only
 * when this call inserted it (*inserted), what its recording does
 * (gw_review_notice_recorded): escalation marks the approver stalled and is
 * audited; approve-on-silence is audited and concludes the round when the
 * silence satisfies it (recording each silent approval). */
enum gw_err gw_app_sched_record(struct gw_store *s, const struct gw_sched_item *it,
                                const struct gw_review_due_notice *n, int64_t now_ms,
                                bool *inserted, struct gw_error *err);
/* Claims up to max pending notices (status pending -> sending, attempts+1),
 * oldest first, with what delivering each needs. A notice left in 'sending'
 * by a crash is never claimed again (at most once). Free with
 * gw_notice_rows_free. */
enum gw_err gw_app_notices_claim(struct gw_store *s, size_t max, struct gw_notice_row **rows,
                                 size_t *n, struct gw_error *err);
/* Completes a claimed notice with a delivery's outcome: "sent", "skipped"
 * (gw_review_notice_skip's reason as error), or "failed" (back to pending for
 * the next pass, or failed for good once attempts reached max_attempts:
 * gw_review_notice_done); error is kept as last_error (NULL: none). */
enum gw_err gw_app_notice_done(struct gw_store *s, const char *key, const char *outcome,
                               const char *error, int64_t max_attempts, int64_t now_ms,
                               struct gw_error *err);
/* Completes an announcement notice like gw_app_notice_done and, when sent,
 * appends "announcement.sent" (comment: what went where) to the course's
 * audit trail in the same transaction. */
enum gw_err gw_app_announcement_done(struct gw_store *s, const char *key,
                                     const struct gw_announcement *a, const char *outcome,
                                     const char *error, const char *comment, int64_t max_attempts,
                                     int64_t now_ms, struct gw_error *err);
/* The notices of round_id (NULL: of every round) as recorded, oldest first,
 * into *items (n of them). Free with gw_notice_items_free, also after an
 * error. */
enum gw_err gw_app_notices_list(struct gw_store *s, const char *round_id,
                                struct gw_notice_item **items, size_t *n, struct gw_error *err);
#endif
