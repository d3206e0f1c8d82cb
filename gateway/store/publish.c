/* publish.c: the publish outbox's verbs (gw/publish_verbs.h): claiming a
 * due job under a lease (FOR UPDATE SKIP LOCKED on PostgreSQL), the
 * connector's resume text, a job marked done, queued again or failed (each
 * only by the worker that holds its claim), the course's LMS rows, the
 * admin's requeue and retire job; and the course's publish status, loaded
 * into structs in one read transaction. The rule of store/: load and
 * persist, never decide what comes next: the use cases that sequence these
 * verbs and apply the domain's transitions are app/publish_jobs.c's, the
 * worker is app/outbox.c, the publish job is queued by review_common.c. */
#include "gw/publish_verbs.h"

#include "gw/buf.h"
#include "review_int.h"
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gw_publish_job_free(struct gw_publish_job *j)
{
    if (!j)
        return;
    free(j->resume);
    j->resume = NULL;
}

enum gw_qs gw_pub_course_state(struct gw_db *db, const char *course_id, enum gw_course_state *st,
                               char *current_version, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(course_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, "SELECT state, current_version_id FROM courses WHERE id = $1",
                                p, 1, &r, NULL, err);
    bool known = qs == GW_QS_ONE && gw_course_state_parse(gw_db_col_text(r, 0), st);
    if (known && current_version)
        gw_copy_str(current_version, GW_ID_MAX, gw_db_col_text(r, 1));
    gw_db_rows_free(r);
    if (qs < 0)
        return qs;
    if (!known) {
        gw_error_set(err, GW_E_NOT_FOUND, "course", "no course has the id '%s'", course_id);
        return GW_QS_HARD;
    }
    return GW_QS_ONE;
}

/* ---- claim ---- */

#define CLAIM_SQL                                                                                  \
    "SELECT j.id, j.course_id, j.version_id, j.action, j.attempts, j.resume, c.title, v.number, "  \
    "v.sha256 FROM publish_jobs j JOIN courses c ON c.id = j.course_id JOIN course_versions v ON " \
    "v.id = j.version_id WHERE ((j.state = 'queued' AND j.next_attempt_ms <= $1) OR (j.state = "   \
    "'running' AND j.lease_until_ms < $1)) AND NOT EXISTS (SELECT 1 FROM publish_jobs o WHERE "    \
    "o.course_id = j.course_id AND o.id <> j.id AND o.state = 'running' AND o.lease_until_ms >= "  \
    "$1) ORDER BY j.next_attempt_ms, j.created_ms, j.id LIMIT 1"

enum gw_qs gw_pub_claim(struct gw_db *db, const char *worker, const char *target, int64_t now_ms,
                        int64_t lease_until_ms, struct gw_publish_job *job, struct gw_error *err)
{
    gw_publish_job_free(job);
    memset(job, 0, sizeof *job);
    struct gw_dbp p[] = {GW_P_INT(now_ms)};
    struct gw_db_rows *r = NULL;
    const char *sql = gw_db_dialect(db) == GW_DIALECT_POSTGRES ? CLAIM_SQL
                          " FOR UPDATE OF j SKIP LOCKED"
                                                               : CLAIM_SQL;
    enum gw_qs qs = gw_db_query(db, sql, p, 1, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        gw_copy_str(job->id, sizeof job->id, gw_db_col_text(r, 0));
        gw_copy_str(job->course_id, sizeof job->course_id, gw_db_col_text(r, 1));
        gw_copy_str(job->version_id, sizeof job->version_id, gw_db_col_text(r, 2));
        gw_copy_str(job->action, sizeof job->action, gw_db_col_text(r, 3));
        job->attempts = gw_db_col_int(r, 4);
        const char *resume = gw_db_col_text(r, 5);
        job->resume = resume ? gw_xstrdup(resume) : NULL;
        gw_copy_str(job->title, sizeof job->title, gw_db_col_text(r, 6));
        job->version_number = gw_db_col_int(r, 7);
        gw_copy_str(job->sha256, sizeof job->sha256, gw_db_col_text(r, 8));
    }
    gw_db_rows_free(r);
    if (qs != GW_QS_ONE)
        return qs;
    struct gw_dbp u[] = {GW_P_TEXT(worker), GW_P_INT(lease_until_ms), GW_P_TEXT(target),
                         GW_P_TEXT(job->id)};
    qs = gw_db_query(db,
                     "UPDATE publish_jobs SET state = 'running', claimed_by = $1, lease_until_ms = "
                     "$2, target = $3 WHERE id = $4",
                     u, 4, NULL, NULL, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

/* ---- checkpoint ---- */

struct checkpoint_ctx {
    const char *job_id, *worker, *resume;
    int64_t lease_until_ms;
};

static enum gw_qs checkpoint_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct checkpoint_ctx *c = ud;
    struct gw_dbp p[] = {GW_P_TEXT(c->resume), GW_P_INT(c->lease_until_ms), GW_P_TEXT(c->job_id),
                         GW_P_TEXT(c->worker)};
    return gw_db_query(db,
                       "UPDATE publish_jobs SET resume = $1, lease_until_ms = $2 WHERE id = $3 AND "
                       "claimed_by = $4 AND state = 'running'",
                       p, 4, NULL, NULL, err);
}

enum gw_err gw_store_publish_checkpoint(struct gw_store *s, const char *job_id, const char *worker,
                                        const char *resume, int64_t now_ms, int64_t lease_ms,
                                        struct gw_error *err)
{
    struct checkpoint_ctx c = {job_id, worker, resume, now_ms + lease_ms};
    return gw_store_tx(s, GW_TX_WRITE, checkpoint_body, &c, err);
}

/* ---- an attempt's outcome ---- */

enum gw_qs gw_pub_job_done(struct gw_db *db, const char *job_id, const char *worker,
                           const char *resume, int64_t now_ms, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_INT(now_ms), GW_P_TEXT(resume), GW_P_TEXT(job_id), GW_P_TEXT(worker)};
    int64_t changes = 0;
    enum gw_qs qs = gw_db_query(db,
                                "UPDATE publish_jobs SET state = 'done', finished_ms = $1, resume "
                                "= COALESCE($2, resume), last_error = NULL, lease_until_ms = 0 "
                                "WHERE id = $3 AND claimed_by = $4 AND state = 'running'",
                                p, 4, NULL, &changes, err);
    if (qs < 0)
        return qs;
    return changes == 0 ? GW_QS_NONE : GW_QS_ONE;
}

enum gw_qs gw_pub_job_requeue(struct gw_db *db, const char *job_id, const char *worker,
                              const char *resume, const char *message, int64_t retry_at_ms,
                              struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_INT(retry_at_ms), GW_P_TEXT(message), GW_P_TEXT(resume),
                         GW_P_TEXT(job_id), GW_P_TEXT(worker)};
    return gw_db_query(db,
                       "UPDATE publish_jobs SET state = 'queued', attempts = attempts + 1, "
                       "next_attempt_ms = $1, last_error = $2, resume = COALESCE($3, resume), "
                       "lease_until_ms = 0 WHERE id = $4 AND claimed_by = $5 AND state = "
                       "'running'",
                       p, 5, NULL, NULL, err);
}

enum gw_qs gw_pub_job_fail(struct gw_db *db, const char *job_id, const char *worker,
                           const char *resume, const char *message, int64_t now_ms,
                           struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_INT(now_ms), GW_P_TEXT(message), GW_P_TEXT(resume), GW_P_TEXT(job_id),
                         GW_P_TEXT(worker)};
    int64_t changes = 0;
    enum gw_qs qs =
        gw_db_query(db,
                    "UPDATE publish_jobs SET state = 'failed', attempts = attempts + 1, "
                    "finished_ms = $1, last_error = $2, resume = COALESCE($3, resume), "
                    "lease_until_ms = 0 WHERE id = $4 AND claimed_by = $5 AND state = 'running'",
                    p, 5, NULL, &changes, err);
    if (qs < 0)
        return qs;
    return changes == 0 ? GW_QS_NONE : GW_QS_ONE;
}

/* ---- where the course lives on the LMS ---- */

enum gw_qs gw_pub_lms_upsert(struct gw_db *db, const char *course_id, const char *target,
                             const char *lms_course_id, const char *course_url,
                             const char *version_id, int64_t lms_version, int64_t now_ms,
                             struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(course_id),  GW_P_TEXT(target),     GW_P_TEXT(lms_course_id),
                         GW_P_TEXT(course_url), GW_P_TEXT(version_id), GW_P_INT(lms_version),
                         GW_P_INT(now_ms)};
    return gw_db_query(
        db,
        "INSERT INTO course_lms (course_id, target, lms_course_id, course_url, version_id, "
        "lms_version, published_ms, retired_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL) ON "
        "CONFLICT (course_id, target) DO UPDATE SET lms_course_id = excluded.lms_course_id, "
        "course_url = excluded.course_url, version_id = excluded.version_id, lms_version = "
        "excluded.lms_version, published_ms = excluded.published_ms, retired_ms = NULL",
        p, 7, NULL, NULL, err);
}

enum gw_qs gw_pub_lms_retired(struct gw_db *db, const char *course_id, const char *target,
                              int64_t now_ms, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_INT(now_ms), GW_P_TEXT(course_id), GW_P_TEXT(target)};
    return gw_db_query(db,
                       "UPDATE course_lms SET retired_ms = $1 WHERE course_id = $2 AND target = $3",
                       p, 3, NULL, NULL, err);
}

/* ---- the admin's retry and retire ---- */

enum gw_qs gw_pub_requeue_failed_publish(struct gw_db *db, const char *course_id, int64_t now_ms,
                                         struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_INT(now_ms), GW_P_TEXT(course_id)};
    int64_t changes = 0;
    enum gw_qs qs = gw_db_query(db,
                                "UPDATE publish_jobs SET state = 'queued', attempts = 0, "
                                "next_attempt_ms = $1, finished_ms = NULL, lease_until_ms = 0 "
                                "WHERE course_id = $2 AND action = 'publish' AND state = 'failed'",
                                p, 2, NULL, &changes, err);
    if (qs < 0)
        return qs;
    return changes == 0 ? GW_QS_NONE : GW_QS_ONE;
}

enum gw_qs gw_pub_retire_queue(struct gw_db *db, const char *id, const char *course_id,
                               const char *version_id, int64_t now_ms, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(id), GW_P_TEXT(course_id), GW_P_TEXT(version_id),
                         GW_P_INT(now_ms)};
    int64_t changes = 0;
    enum gw_qs qs = gw_db_query(
        db,
        "INSERT INTO publish_jobs (id, course_id, version_id, action, state, attempts, "
        "next_attempt_ms, created_ms) VALUES ($1, $2, $3, 'retire', 'queued', 0, $4, $4) ON "
        "CONFLICT (version_id, action) DO UPDATE SET state = 'queued', attempts = 0, "
        "next_attempt_ms = excluded.next_attempt_ms, finished_ms = NULL, lease_until_ms = 0 "
        "WHERE publish_jobs.state = 'failed'",
        p, 4, NULL, &changes, err);
    if (qs < 0)
        return qs;
    return changes > 0 ? GW_QS_ONE : GW_QS_NONE;
}

/* ---- status ---- */

static char *dup_or_null(const char *s)
{
    return s ? gw_xstrdup(s) : NULL;
}

/* A time column in ms, 0 when NULL (never happened). */
static int64_t ms_or_zero(struct gw_db_rows *r, int col)
{
    return gw_db_col_null(r, col) ? 0 : gw_db_col_int(r, col);
}

void gw_publish_status_free(struct gw_publish_status *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->n_lms; i++) {
        struct gw_publish_lms_course *l = &st->lms[i];
        free(l->target);
        free(l->lms_course_id);
        free(l->version_id);
        free(l->course_url);
    }
    for (size_t i = 0; i < st->n_jobs; i++) {
        struct gw_publish_job_status *j = &st->jobs[i];
        free(j->id);
        free(j->version_id);
        free(j->action);
        free(j->state);
        free(j->target);
        free(j->last_error);
    }
    free(st->lms);
    free(st->jobs);
    free(st->course_id);
    memset(st, 0, sizeof *st);
}

/* How far the course's open round is: its approvers, how many decided, its
 * policy. No open round leaves st as it is. */
static enum gw_qs round_progress(struct gw_db *db, struct gw_publish_status *st,
                                 struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(st->course_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT id FROM review_rounds WHERE course_id = $1 AND state = "
                                "'open' ORDER BY number DESC LIMIT 1",
                                p, 1, &r, NULL, err);
    char round_id[GW_ID_MAX] = "";
    if (qs == GW_QS_ONE)
        gw_copy_str(round_id, sizeof round_id, gw_db_col_text(r, 0));
    gw_db_rows_free(r);
    if (qs != GW_QS_ONE)
        return qs;
    struct gw_review_round round;
    struct gw_rv_round_meta m;
    qs = gw_rv_load_round(db, round_id, &round, &m, err); /* initialises round */
    if (qs >= 0) {
        st->wait.approvers = (unsigned)round.n_approvers;
        for (size_t i = 0; i < round.n_approvers; i++)
            st->wait.decided += round.approvers[i].decision.kind != GW_REVIEW_PENDING;
        st->policy = round.policy;
        st->has_policy = true;
    }
    gw_review_round_free(&round);
    return qs;
}

/* The facts what the course waits for depends on, for its state. */
static enum gw_qs load_wait(struct gw_db *db, struct gw_publish_status *st, const char *version_id,
                            struct gw_error *err)
{
    st->wait = (struct gw_course_wait){.state = st->wait.state,
                                       .has_version = version_id && version_id[0]};
    struct gw_dbp p[] = {GW_P_TEXT(st->course_id)};
    enum gw_qs qs = GW_QS_ONE;
    if (st->wait.state == GW_COURSE_DRAFT && st->wait.has_version) {
        struct gw_dbp v[] = {GW_P_TEXT(version_id)};
        struct gw_db_rows *r = NULL;
        qs =
            gw_db_query(db, "SELECT valid FROM course_versions WHERE id = $1", v, 1, &r, NULL, err);
        st->wait.version_valid = qs == GW_QS_ONE && gw_db_col_int(r, 0) != 0;
        gw_db_rows_free(r);
    } else if (st->wait.state == GW_COURSE_IN_REVIEW) {
        qs = round_progress(db, st, err);
    } else if (st->wait.state == GW_COURSE_PUBLISHED) {
        qs = gw_db_query(db,
                         "SELECT 1 FROM publish_jobs WHERE course_id = $1 AND action = 'retire' "
                         "AND state IN ('queued', 'running')",
                         p, 1, NULL, NULL, err);
        st->wait.retire_pending = qs == GW_QS_ONE;
    }
    return qs < 0 ? qs : GW_QS_ONE;
}

static enum gw_qs load_lms(struct gw_db *db, struct gw_publish_status *st, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(st->course_id)};
    struct gw_db_rows *r = NULL;
    size_t cap = 0;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT target, lms_course_id, course_url, version_id, "
                                "lms_version, published_ms, retired_ms FROM course_lms WHERE "
                                "course_id = $1 ORDER BY target",
                                p, 1, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        st->lms = gw_xgrow(st->lms, st->n_lms, &cap, sizeof *st->lms);
        st->lms[st->n_lms++] = (struct gw_publish_lms_course){
            .target = dup_or_null(gw_db_col_text(r, 0)),
            .lms_course_id = dup_or_null(gw_db_col_text(r, 1)),
            .course_url = dup_or_null(gw_db_col_text(r, 2)),
            .version_id = dup_or_null(gw_db_col_text(r, 3)),
            .lms_version = gw_db_col_int(r, 4),
            .published_ms = ms_or_zero(r, 5),
            .retired_ms = ms_or_zero(r, 6),
        };
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
}

static enum gw_qs load_jobs(struct gw_db *db, struct gw_publish_status *st, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(st->course_id)};
    struct gw_db_rows *r = NULL;
    size_t cap = 0;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT id, version_id, action, state, attempts, next_attempt_ms, "
                                "target, last_error, finished_ms, created_ms FROM publish_jobs "
                                "WHERE course_id = $1 ORDER BY created_ms, id",
                                p, 1, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        st->jobs = gw_xgrow(st->jobs, st->n_jobs, &cap, sizeof *st->jobs);
        st->jobs[st->n_jobs++] = (struct gw_publish_job_status){
            .id = dup_or_null(gw_db_col_text(r, 0)),
            .version_id = dup_or_null(gw_db_col_text(r, 1)),
            .action = dup_or_null(gw_db_col_text(r, 2)),
            .state = dup_or_null(gw_db_col_text(r, 3)),
            .attempts = gw_db_col_int(r, 4),
            .next_attempt_ms = ms_or_zero(r, 5),
            .target = dup_or_null(gw_db_col_text(r, 6)),
            .last_error = dup_or_null(gw_db_col_text(r, 7)),
            .finished_ms = ms_or_zero(r, 8),
            .created_ms = ms_or_zero(r, 9),
        };
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
}

static enum gw_qs status_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct gw_publish_status *st = ud;
    char *course_id = st->course_id;
    st->course_id = NULL;
    gw_publish_status_free(st); /* a retried transaction starts over */
    st->course_id = course_id;
    char version_id[GW_ID_MAX] = "";
    enum gw_qs qs = gw_pub_course_state(db, st->course_id, &st->wait.state, version_id, err);
    if (qs >= 0)
        qs = load_wait(db, st, version_id, err);
    if (qs >= 0)
        qs = load_lms(db, st, err);
    if (qs >= 0)
        qs = load_jobs(db, st, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_err gw_store_publish_status(struct gw_store *s, const char *course_id,
                                    struct gw_publish_status *out, struct gw_error *err)
{
    memset(out, 0, sizeof *out);
    out->course_id = gw_xstrdup(course_id);
    return gw_store_tx(s, GW_TX_READ, status_body, out, err);
}
