/* publish_jobs.c: the publish outbox's use cases (gw/publish.h): claiming a
 * due job, recording an attempt's success or failure, and the admin's retry
 * and retire. Each runs in one write transaction: load with the store's
 * verbs (gw/publish_verbs.h), let the domain decide what the job does to its
 * course (gw_review_job_claimed, gw_review_job_succeeded,
 * gw_review_job_failed, gw_review_transition), apply with the verbs and
 * audit. No SQL here and no clock: the times are the caller's. Exactly once
 * stays the store's: a job is written only by the worker that holds its
 * claim (a late outcome changes nothing and commits nothing else), one job
 * per version and action. The worker that calls the LMS is app/outbox.c. */
#include "gw/publish.h"

#include "gw/publish_verbs.h"

#include <stdio.h>
#include <string.h>

static const struct gw_review_actor system_actor = {.actor = "system", .via = "system"};

/* An audit record of the outbox (action e.g. "publish.succeeded"). */
static enum gw_qs audit(struct gw_db *db, const struct gw_review_actor *who, const char *action,
                        const char *course_id, const char *sha256, const char *comment,
                        int64_t now_ms, struct gw_error *err)
{
    struct gw_audit_record rec;
    gw_rv_audit_from(&rec, who, action, now_ms);
    rec.course_id = course_id;
    rec.version_sha256 = sha256 && sha256[0] ? sha256 : NULL;
    rec.comment = comment;
    return gw_rv_audit(db, &rec, err);
}

/* Moves j's course by ev[0..n) as the system, each from its stored state. */
static enum gw_qs move_course(struct gw_db *db, const struct gw_publish_job *j,
                              const enum gw_course_event *ev, size_t n, int64_t now_ms,
                              struct gw_error *err)
{
    enum gw_qs qs = GW_QS_ONE;
    enum gw_course_state to;
    for (size_t i = 0; i < n && qs >= 0; i++)
        qs = gw_rv_transition(db, j->course_id, ev[i], &system_actor, NULL, j->sha256, now_ms, &to,
                              err);
    return qs;
}

static bool is_publish(const struct gw_publish_job *j)
{
    return strcmp(j->action, "publish") == 0;
}

/* ---- claim ---- */

struct claim_ctx {
    const char *worker, *target;
    int64_t now_ms, lease_ms;
    struct gw_publish_job *job;
    bool found;
};

static enum gw_qs claim_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct claim_ctx *c = ud;
    c->found = false;
    enum gw_qs qs =
        gw_pub_claim(db, c->worker, c->target, c->now_ms, c->now_ms + c->lease_ms, c->job, err);
    if (qs != GW_QS_ONE)
        return qs;
    if (is_publish(c->job)) {
        enum gw_course_state st;
        qs = gw_pub_course_state(db, c->job->course_id, &st, NULL, err);
        if (qs < 0)
            return qs;
        enum gw_course_event ev[1];
        size_t n = 0;
        gw_review_job_claimed(true, st, ev, &n);
        qs = move_course(db, c->job, ev, n, c->now_ms, err);
        if (qs < 0)
            return qs;
    }
    c->found = true;
    return GW_QS_ONE;
}

enum gw_err gw_app_publish_claim(struct gw_store *s, const char *worker, const char *target,
                                 int64_t now_ms, int64_t lease_ms, struct gw_publish_job *out,
                                 bool *found, struct gw_error *err)
{
    memset(out, 0, sizeof *out);
    struct claim_ctx c = {worker, target, now_ms, lease_ms, out, false};
    enum gw_err rc = gw_store_tx(s, GW_TX_WRITE, claim_body, &c, err);
    *found = rc == GW_OK && c.found;
    if (!*found)
        gw_publish_job_free(out);
    return rc;
}

/* ---- success ---- */

struct done_ctx {
    const struct gw_publish_job *j;
    const char *worker, *target;
    const struct gw_lms_result *r;
    int64_t now_ms;
};

/* The LMS's activity ids become the course's IRIs (source 'lms'; an IRI
 * another course has stays its), and the statements the LMS sent before it
 * confirmed the publish count for the course now. */
static enum gw_qs register_lms_iris(struct gw_db *db, const struct done_ctx *c,
                                    struct gw_error *err)
{
    size_t i;
    json_t *v;
    json_array_foreach(c->r->activity_ids, i, v)
    {
        if (!json_is_string(v) || !json_string_value(v)[0])
            continue;
        enum gw_qs qs = gw_rv_iri_register(db, json_string_value(v), c->j->course_id, "lms",
                                           c->now_ms, NULL, err);
        if (qs < 0)
            return qs;
    }
    enum gw_qs qs = gw_rv_course_reattribute(db, c->j->course_id, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

/* What the course does after its publish (or retire) job succeeded: the
 * domain's events, the launch announcement of a publish, the audit line with
 * comment. */
static enum gw_qs done_course(struct gw_db *db, const struct done_ctx *c, bool publish,
                              const char *comment, struct gw_error *err)
{
    enum gw_course_state st = GW_COURSE_DRAFT;
    enum gw_qs qs = gw_pub_course_state(db, c->j->course_id, &st, NULL, err);
    enum gw_course_event ev[2];
    size_t n = 0;
    const char *action = NULL;
    gw_review_job_succeeded(publish, st, ev, &n, &action);
    if (qs >= 0)
        qs = move_course(db, c->j, ev, n, c->now_ms, err);
    /* the launch announcement commits with the publish: never lost, never twice */
    if (qs >= 0 && publish)
        qs = gw_rv_announce_queue(db, c->j->course_id, c->j->version_id, c->now_ms, err);
    if (qs < 0)
        return qs;
    return audit(db, &system_actor, action, c->j->course_id, c->j->sha256, comment, c->now_ms, err);
}

static enum gw_qs done_publish(struct gw_db *db, const struct done_ctx *c, struct gw_error *err)
{
    const char *lms_id = c->r->lms_course_id ? c->r->lms_course_id : "";
    enum gw_qs qs = gw_pub_lms_upsert(db, c->j->course_id, c->target, lms_id, c->r->course_url,
                                      c->j->version_id, c->r->lms_version, c->now_ms, err);
    if (qs >= 0)
        qs = register_lms_iris(db, c, err);
    if (qs < 0)
        return qs;
    char comment[512];
    snprintf(comment, sizeof comment, "target %s, LMS course %s, LMS version %lld%s", c->target,
             lms_id, (long long)c->r->lms_version, c->r->already_done ? " (already there)" : "");
    return done_course(db, c, true, comment, err);
}

static enum gw_qs done_retire(struct gw_db *db, const struct done_ctx *c, struct gw_error *err)
{
    enum gw_qs qs = gw_pub_lms_retired(db, c->j->course_id, c->target, c->now_ms, err);
    if (qs < 0)
        return qs;
    char comment[256];
    snprintf(comment, sizeof comment, "target %s", c->target);
    return done_course(db, c, false, comment, err);
}

static enum gw_qs done_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct done_ctx *c = ud;
    enum gw_qs qs = gw_pub_job_done(db, c->j->id, c->worker, c->r->resume, c->now_ms, err);
    if (qs != GW_QS_ONE)
        return qs; /* GW_QS_NONE: another worker holds it now */
    return strcmp(c->j->action, "retire") == 0 ? done_retire(db, c, err) : done_publish(db, c, err);
}

enum gw_err gw_app_publish_succeeded(struct gw_store *s, const struct gw_publish_job *j,
                                     const char *worker, const char *target,
                                     const struct gw_lms_result *r, int64_t now_ms,
                                     struct gw_error *err)
{
    struct done_ctx c = {j, worker, target, r, now_ms};
    return gw_store_tx(s, GW_TX_WRITE, done_body, &c, err);
}

/* ---- failure ---- */

struct fail_ctx {
    const struct gw_publish_job *j;
    const char *worker, *resume, *message;
    int64_t retry_at_ms, now_ms;
};

static enum gw_qs fail_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct fail_ctx *c = ud;
    if (c->retry_at_ms >= 0)
        return gw_pub_job_requeue(db, c->j->id, c->worker, c->resume, c->message, c->retry_at_ms,
                                  err);
    enum gw_qs qs = gw_pub_job_fail(db, c->j->id, c->worker, c->resume, c->message, c->now_ms, err);
    if (qs != GW_QS_ONE)
        return qs; /* GW_QS_NONE: another worker holds it now */
    enum gw_course_state st = GW_COURSE_DRAFT;
    qs = gw_pub_course_state(db, c->j->course_id, &st, NULL, err);
    if (qs < 0)
        return qs;
    enum gw_course_event ev[2];
    size_t n = 0;
    const char *action = NULL;
    gw_review_job_failed(is_publish(c->j), st, ev, &n, &action);
    qs = move_course(db, c->j, ev, n, c->now_ms, err);
    if (qs < 0)
        return qs;
    return audit(db, &system_actor, action, c->j->course_id, c->j->sha256, c->message, c->now_ms,
                 err);
}

enum gw_err gw_app_publish_attempt_failed(struct gw_store *s, const struct gw_publish_job *j,
                                          const char *worker, const char *resume,
                                          const char *message, int64_t retry_at_ms, int64_t now_ms,
                                          struct gw_error *err)
{
    struct fail_ctx c = {j, worker, resume, message ? message : "", retry_at_ms, now_ms};
    return gw_store_tx(s, GW_TX_WRITE, fail_body, &c, err);
}

/* ---- admin: retry, retire ---- */

struct admin_ctx {
    const char *course_id;
    const struct gw_review_actor *who;
    int64_t now_ms;
    bool queued;
};

static enum gw_qs retry_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct admin_ctx *c = ud;
    enum gw_course_state to;
    enum gw_qs qs = gw_rv_transition(db, c->course_id, GW_COURSE_EV_PUBLISH_RETRY, c->who, NULL,
                                     NULL, c->now_ms, &to, err);
    if (qs < 0)
        return qs;
    qs = gw_pub_requeue_failed_publish(db, c->course_id, c->now_ms, err);
    if (qs < 0)
        return qs;
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_PUBLISH_JOB_MISSING, "course", "course %s has no failed publish job",
                     c->course_id);
        return GW_QS_HARD;
    }
    c->queued = true;
    return audit(db, c->who, "publish.retry", c->course_id, NULL, NULL, c->now_ms, err);
}

enum gw_err gw_app_publish_retry(struct gw_store *s, const char *course_id,
                                 const struct gw_review_actor *who, int64_t now_ms,
                                 struct gw_error *err)
{
    struct admin_ctx c = {course_id, who, now_ms, false};
    return gw_store_tx(s, GW_TX_WRITE, retry_body, &c, err);
}

static enum gw_qs retire_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct admin_ctx *c = ud;
    c->queued = false;
    enum gw_course_state st, to;
    char version[GW_ID_MAX] = "";
    enum gw_qs qs = gw_pub_course_state(db, c->course_id, &st, version, err);
    if (qs < 0)
        return qs;
    if (gw_review_transition(st, GW_COURSE_EV_RETIRE, &to, err) != GW_OK)
        return GW_QS_HARD;
    if (!version[0]) {
        gw_error_set(err, GW_E_PUBLISH_JOB_MISSING, "course", "course %s has no version",
                     c->course_id);
        return GW_QS_HARD;
    }
    char id[GW_ID_MAX];
    gw_rv_new_id(id);
    qs = gw_pub_retire_queue(db, id, c->course_id, version, c->now_ms, err);
    if (qs < 0)
        return qs;
    c->queued = qs == GW_QS_ONE;
    if (!c->queued)
        return GW_QS_ONE;
    return audit(db, c->who, "retire.queued", c->course_id, NULL, NULL, c->now_ms, err);
}

enum gw_err gw_app_publish_retire(struct gw_store *s, const char *course_id,
                                  const struct gw_review_actor *who, int64_t now_ms, bool *queued,
                                  struct gw_error *err)
{
    struct admin_ctx c = {course_id, who, now_ms, false};
    enum gw_err rc = gw_store_tx(s, GW_TX_WRITE, retire_body, &c, err);
    if (queued)
        *queued = rc == GW_OK && c.queued;
    return rc;
}
