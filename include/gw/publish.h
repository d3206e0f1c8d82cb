/* publish: the outbox that takes approved courses to the LMS.
 *
 * Publish jobs are rows of publish_jobs (queued by the review store in the
 * transaction that approves a round; retire jobs by the admin API). A worker
 * thread per gateway (gateway/app/outbox.c) claims a due job under a lease
 * (PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED; SQLite: one writer), calls
 * the LMS connector (gw/outbound.h) with the resume text stored with the job,
 * saves the connector's resume before each upload, and records the outcome in
 * one transaction (the use cases of gateway/app/publish_jobs.c over the
 * verbs of gateway/store/publish.c, gw/publish_verbs.h). "Never twice" rests
 * on three things: the connector looks the course up by its natural key before it
 * creates anything, the job's resume text survives crashes and timeouts, and
 * one job per version and action (a unique constraint) with one claimer at a
 * time (the lease; an expired lease means the claimer died).
 *
 * The targets file (config key lms_targets_file,
 * schemas/lms-targets.schema.json):
 *   {"default": "NAME", "targets": {"NAME": {<lms-target>}, ...},
 *    "poll_ms": 2000, "lease_ms": 1200000,
 *    "backoff_base_ms": 5000, "backoff_cap_ms": 3600000}
 * Every course publishes to the default target (a per-course target is a
 * later feature). */
#ifndef GW_PUBLISH_H
#define GW_PUBLISH_H

#include "gw/clock.h"
#include "gw/error.h"
#include "gw/outbound.h"
#include "gw/review_store.h"
#include "gw/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define GW_PUBLISH_POLL_MS 2000              /* how often an idle worker looks for due jobs */
#define GW_PUBLISH_LEASE_MS (20LL * 60000LL) /* a claim outlives the longest upload */
#define GW_PUBLISH_BACKOFF_BASE_MS 5000
#define GW_PUBLISH_BACKOFF_CAP_MS (60LL * 60000LL)
#define GW_PUBLISH_ERROR_MAX 1024      /* the buffer last_error is built in */
#define GW_PUBLISH_ERROR_TEXT_MAX 1000 /* last_error is cut to this many bytes */
#define GW_PUBLISH_MAX_SECRETS 512     /* every form of every target's credentials */

/* ---- the targets file (gateway/publish/targets.c) ---- */
struct gw_publish_targets {
    char *default_name;
    struct gw_lms_target *default_target; /* owned */
    int64_t poll_ms, lease_ms, backoff_base_ms, backoff_cap_ms;
    char *secrets[GW_PUBLISH_MAX_SECRETS]; /* the targets' credentials, to scrub */
    size_t n_secrets;
};

/* Reads and checks path (every target is built, so a bad one fails at start;
 * err's where is "<path>:/targets/NAME/key"). Never puts a credential in err.
 * The caller frees with gw_publish_targets_free. */
enum gw_err gw_publish_targets_load(const char *path, struct gw_publish_targets **out,
                                    struct gw_error *err);
/* The same from parsed JSON; where is a JSON Pointer into doc. */
enum gw_err gw_publish_targets_parse(const json_t *doc, struct gw_publish_targets **out,
                                     struct gw_error *err);
void gw_publish_targets_free(struct gw_publish_targets *t);
/* The one place an LMS's words become a stored error or a log line: every
 * credential of t's targets in every form (plain, percent-encoded, base64,
 * HTTP Basic user:secret), Authorization/Cookie lines, bearer tokens and
 * credential-named parameters (wstoken=, token=, ...) in s (cap bytes) become
 * "REDACTED", and s is cut to GW_PUBLISH_ERROR_TEXT_MAX bytes
 * (gw_redact_text). t may be NULL (only the patterns apply). */
void gw_publish_scrub(const struct gw_publish_targets *t, char *s, size_t cap);

/* ---- the jobs: use cases (gateway/app/publish_jobs.c) ----
 * Each runs in one store transaction over the verbs of gw/publish_verbs.h
 * (gateway/store/publish.c), the domain deciding what a job does to its
 * course (gw/review.h). Safe from any thread. */

/* A claimed job with what the connector needs. */
struct gw_publish_job {
    char id[GW_ID_MAX], course_id[GW_ID_MAX], version_id[GW_ID_MAX];
    char action[16]; /* "publish" or "retire" */
    char title[256];
    char sha256[65];
    int64_t version_number;
    int64_t attempts; /* attempts made before this one */
    char *resume;     /* NULL or the connector's text from the previous attempt */
};
void gw_publish_job_free(struct gw_publish_job *j);

/* Claims the oldest due job (queued and due at now_ms, or running under an
 * expired lease) whose course has no other job running, for worker until
 * now_ms + lease_ms, and moves its course approved -> publishing (audited).
 * *found is false when nothing is due. */
enum gw_err gw_app_publish_claim(struct gw_store *s, const char *worker, const char *target,
                                 int64_t now_ms, int64_t lease_ms, struct gw_publish_job *out,
                                 bool *found, struct gw_error *err);
/* Success, in one transaction: job done; course_lms upserted; the LMS's
 * activity ids registered as the course's IRIs (source 'lms'); course ->
 * published (publish, with its launch announcement queued) or retired
 * (retire), audited with the LMS course id. A job whose lease another worker
 * took meanwhile is left to that worker. */
enum gw_err gw_app_publish_succeeded(struct gw_store *s, const struct gw_publish_job *j,
                                     const char *worker, const char *target,
                                     const struct gw_lms_result *r, int64_t now_ms,
                                     struct gw_error *err);
/* A failed attempt: attempts + 1, resume and last_error (the LMS's message)
 * kept. retry_at_ms >= 0: queued again for then; -1: the job failed for good
 * (a publish moves the course to publish_failed, audited with message). */
enum gw_err gw_app_publish_attempt_failed(struct gw_store *s, const struct gw_publish_job *j,
                                          const char *worker, const char *resume,
                                          const char *message, int64_t retry_at_ms, int64_t now_ms,
                                          struct gw_error *err);
/* Admin retry: the course publish_failed -> publishing (audited) and its
 * failed publish job queued again with a fresh attempt budget (its resume
 * kept). REVIEW_ILLEGAL_TRANSITION names the state otherwise. */
enum gw_err gw_app_publish_retry(struct gw_store *s, const char *course_id,
                                 const struct gw_review_actor *who, int64_t now_ms,
                                 struct gw_error *err);
/* Queues a retire job for a published course (its current version); a failed
 * retire job is queued again. *queued is false when one is already pending. */
enum gw_err gw_app_publish_retire(struct gw_store *s, const char *course_id,
                                  const struct gw_review_actor *who, int64_t now_ms, bool *queued,
                                  struct gw_error *err);

/* ---- the store (gateway/store/publish.c) ---- */
/* Stores resume with the job and extends the lease (before an upload), if
 * worker still holds it: one statement in its own transaction, nothing to
 * decide. */
enum gw_err gw_store_publish_checkpoint(struct gw_store *s, const char *job_id, const char *worker,
                                        const char *resume, int64_t now_ms, int64_t lease_ms,
                                        struct gw_error *err);

/* ---- a course's publish status (GET /api/v1/courses/{id}/publish) ----
 * The store loads the facts (gw_store_publish_status), the domain says what
 * they mean (gateway/publish/status.c), the API renders them
 * (gw_publish_status_json in gateway/api/publish.c). */

/* A row of course_lms: where the course lives on an LMS. Texts owned. */
struct gw_publish_lms_course {
    char *target, *lms_course_id, *version_id;
    char *course_url; /* NULL when the LMS gave none */
    int64_t lms_version;
    int64_t published_ms, retired_ms; /* 0: never */
};

/* A row of publish_jobs, as the status shows it. Texts owned. */
struct gw_publish_job_status {
    char *id, *version_id, *action, *state;
    char *target, *last_error; /* NULL when none */
    int64_t attempts;
    int64_t next_attempt_ms, finished_ms, created_ms; /* 0: none */
};

struct gw_publish_status {
    char *course_id; /* owned */
    /* What the course waits for, as facts (wait.policy is NULL here: the open
     * round's policy is in policy when has_policy). */
    struct gw_course_wait wait;
    struct gw_review_policy policy;
    bool has_policy;
    struct gw_publish_lms_course *lms; /* by target */
    size_t n_lms;
    struct gw_publish_job_status *jobs; /* oldest first */
    size_t n_jobs;
};

/* Loads course_id's status in one read transaction. *out is emptied first;
 * free it with gw_publish_status_free, also after an error. NOT_FOUND when
 * the course is unknown. */
enum gw_err gw_store_publish_status(struct gw_store *s, const char *course_id,
                                    struct gw_publish_status *out, struct gw_error *err);
void gw_publish_status_free(struct gw_publish_status *st);

/* What the course waits for in words (gw_course_waiting_words, its routes
 * named with the course's id), "" when nothing. Truncated to cap. */
void gw_publish_status_waiting(const struct gw_publish_status *st, char *out, size_t cap);
/* The newest job's last LMS message, NULL when no job or it has none.
 * Borrowed from st. */
const char *gw_publish_status_last_error(const struct gw_publish_status *st);

/* {"course_id","state","waiting_for": words or null,"lms":[{target,
 * lms_course_id, course_url, version_id, lms_version, published_at,
 * retired_at}], "jobs":[{id, version_id, action, state, attempts,
 * next_attempt_at, target, last_error, finished_at, created_at}],
 * "last_error": the newest job's message or null}; times ISO 8601 UTC or
 * null. A new reference (api/publish.c). */
json_t *gw_publish_status_json(const struct gw_publish_status *st);

/* ---- the worker (gateway/app/outbox.c) ---- */
struct gw_publish_outbox;
struct gw_server;

/* An outbox over store and clock (both borrowed) with targets (taken),
 * max_attempts attempts per job, and data_dir for the zips (gw/blobs.h). */
struct gw_publish_outbox *gw_publish_outbox_new(struct gw_store *store,
                                                const struct gw_clock *clock,
                                                struct gw_publish_targets *targets,
                                                int64_t max_attempts, const char *data_dir);
/* Claims and runs at most one due job at now_ms; *ran says whether one ran. */
enum gw_err gw_publish_outbox_step(struct gw_publish_outbox *o, int64_t now_ms, bool *ran,
                                   struct gw_error *err);
void gw_publish_outbox_free(struct gw_publish_outbox *o);

/* For `lmsgw serve`: loads cfg's lms_targets_file (none: returns NULL with
 * *err code GW_OK, and approved courses wait in the outbox) and runs an outbox
 * on its own thread until gw_publish_stop (which wakes, joins and frees it).
 * A bad targets file: NULL with err set. */
struct gw_publish_outbox *gw_publish_start(struct gw_server *srv, struct gw_error *err);
void gw_publish_stop(struct gw_publish_outbox *o);
/* Called on the outbox thread after each job recorded as done (a publish
 * queues its launch announcement: `lmsgw serve` wakes the scheduler). */
typedef void (*gw_publish_done_fn)(void *ud);
void gw_publish_on_done(struct gw_publish_outbox *o, gw_publish_done_fn fn, void *ud);

#endif
