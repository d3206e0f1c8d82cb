/* publish_verbs: the publish outbox's store verbs (gateway/store/publish.c),
 * for the use cases of app/publish_jobs.c that run inside one gw_store_tx:
 * load -> decide -> apply. Each takes the transaction's struct gw_db and
 * answers a gw_qs. They read and write publish_jobs and course_lms and
 * return what they found; what a claim, a success or a failure does to the
 * course is the domain's (gw_review_job_claimed, gw_review_job_succeeded,
 * gw_review_job_failed in gw/review.h), applied with gw_rv_transition
 * (gw/review_verbs.h). "Never twice" stays here, in the SQL: a job is
 * written only by the worker that holds its claim (claimed_by, state
 * 'running'), and one job per version and action (UNIQUE(version_id,
 * action)). Called only by app/ and store/; the API, the worker and the
 * tests call the use cases (gw/publish.h). */
#ifndef GW_PUBLISH_VERBS_H
#define GW_PUBLISH_VERBS_H

#include "gw/publish.h"
#include "gw/review_verbs.h"

/* Claims the oldest due job (queued and due at now_ms, or running under a
 * lease expired at now_ms) whose course has no other job running under a
 * live lease: running, claimed_by worker, target, the lease until
 * lease_until_ms (PostgreSQL: FOR UPDATE SKIP LOCKED, so two claimers never
 * take the same job). *job is freed and emptied first, then filled with the
 * job and what the connector needs. GW_QS_NONE when nothing is due. */
enum gw_qs gw_pub_claim(struct gw_db *db, const char *worker, const char *target, int64_t now_ms,
                        int64_t lease_until_ms, struct gw_publish_job *job, struct gw_error *err);
/* The course's state and (current_version not NULL: GW_ID_MAX bytes) its
 * current version ("" when none). NOT_FOUND (hard) when the course is
 * unknown or its state is not one. */
enum gw_qs gw_pub_course_state(struct gw_db *db, const char *course_id, enum gw_course_state *st,
                               char *current_version, struct gw_error *err);
/* Marks job_id done at now_ms (resume kept when NULL, last_error cleared,
 * lease dropped) if worker still holds it running; GW_QS_NONE when another
 * worker took it meanwhile (nothing written). */
enum gw_qs gw_pub_job_done(struct gw_db *db, const char *job_id, const char *worker,
                           const char *resume, int64_t now_ms, struct gw_error *err);
/* A failed attempt queued again for retry_at_ms: attempts + 1, message as
 * last_error, resume kept when NULL, lease dropped; only if worker still
 * holds the job running (otherwise nothing is written). */
enum gw_qs gw_pub_job_requeue(struct gw_db *db, const char *job_id, const char *worker,
                              const char *resume, const char *message, int64_t retry_at_ms,
                              struct gw_error *err);
/* A job failed for good at now_ms: attempts + 1, message as last_error,
 * resume kept when NULL, lease dropped; GW_QS_NONE when worker no longer
 * holds it running (nothing written). */
enum gw_qs gw_pub_job_fail(struct gw_db *db, const char *job_id, const char *worker,
                           const char *resume, const char *message, int64_t now_ms,
                           struct gw_error *err);
/* Where the course lives on target now: upserts its course_lms row with the
 * LMS's course id and URL (NULL: none), version_id and the LMS's version,
 * published at now_ms and no longer retired. */
enum gw_qs gw_pub_lms_upsert(struct gw_db *db, const char *course_id, const char *target,
                             const char *lms_course_id, const char *course_url,
                             const char *version_id, int64_t lms_version, int64_t now_ms,
                             struct gw_error *err);
/* The course's course_lms row on target retired at now_ms. */
enum gw_qs gw_pub_lms_retired(struct gw_db *db, const char *course_id, const char *target,
                              int64_t now_ms, struct gw_error *err);
/* The course's failed publish job queued again at now_ms with a fresh
 * attempt budget (its resume kept); GW_QS_NONE when it has none. */
enum gw_qs gw_pub_requeue_failed_publish(struct gw_db *db, const char *course_id, int64_t now_ms,
                                         struct gw_error *err);
/* Queues a retire job (id, for course_id's version_id) at now_ms, or queues
 * the version's failed retire job again; GW_QS_NONE when its retire job is
 * already pending or done (nothing written). */
enum gw_qs gw_pub_retire_queue(struct gw_db *db, const char *id, const char *course_id,
                               const char *version_id, int64_t now_ms, struct gw_error *err);

#endif
