/* publish.c: the publish outbox's persistence: claiming a due job under a
 * lease (FOR UPDATE SKIP LOCKED on PostgreSQL), the connector's resume text,
 * each attempt's outcome (success in one transaction with the LMS's ids, the
 * activity IRIs, the course's state and the launch announcement's notices; failure with back-off or
 * for good), the admin's retry and retire, and the course's publish status. The worker itself is
 * gateway/app/outbox.c; the job is queued by review_common.c. */
#include "gw/publish.h"

#include "gw/buf.h"
#include "gw/kpi_store.h"
#include "review_int.h"
#include "kpi_int.h"
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct gw_review_actor system_actor = {.actor = "system", .via = "system"};

void gw_publish_job_free(struct gw_publish_job *j)
{
    if (!j)
        return;
    free(j->resume);
    j->resume = NULL;
}

/* The course's state, or NOT_FOUND. */
static enum gw_qs course_state(struct gw_db *db, const char *course_id, enum gw_course_state *st,
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

/* ---- claim ---- */

struct claim_ctx {
    const char *worker, *target;
    int64_t now_ms, lease_ms;
    struct gw_publish_job *job;
    bool found;
};

#define CLAIM_SQL                                                                                  \
    "SELECT j.id, j.course_id, j.version_id, j.action, j.attempts, j.resume, c.title, v.number, "  \
    "v.sha256 FROM publish_jobs j JOIN courses c ON c.id = j.course_id JOIN course_versions v ON " \
    "v.id = j.version_id WHERE ((j.state = 'queued' AND j.next_attempt_ms <= $1) OR (j.state = "   \
    "'running' AND j.lease_until_ms < $1)) AND NOT EXISTS (SELECT 1 FROM publish_jobs o WHERE "    \
    "o.course_id = j.course_id AND o.id <> j.id AND o.state = 'running' AND o.lease_until_ms >= "  \
    "$1) ORDER BY j.next_attempt_ms, j.created_ms, j.id LIMIT 1"

static enum gw_qs claim_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct claim_ctx *c = ud;
    gw_publish_job_free(c->job);
    memset(c->job, 0, sizeof *c->job);
    c->found = false;
    struct gw_dbp p[] = {GW_P_INT(c->now_ms)};
    struct gw_db_rows *r = NULL;
    const char *sql = gw_db_dialect(db) == GW_DIALECT_POSTGRES ? CLAIM_SQL
                          " FOR UPDATE OF j SKIP LOCKED"
                                                               : CLAIM_SQL;
    enum gw_qs qs = gw_db_query(db, sql, p, 1, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        struct gw_publish_job *j = c->job;
        gw_copy_str(j->id, sizeof j->id, gw_db_col_text(r, 0));
        gw_copy_str(j->course_id, sizeof j->course_id, gw_db_col_text(r, 1));
        gw_copy_str(j->version_id, sizeof j->version_id, gw_db_col_text(r, 2));
        gw_copy_str(j->action, sizeof j->action, gw_db_col_text(r, 3));
        j->attempts = gw_db_col_int(r, 4);
        const char *resume = gw_db_col_text(r, 5);
        j->resume = resume ? gw_xstrdup(resume) : NULL;
        gw_copy_str(j->title, sizeof j->title, gw_db_col_text(r, 6));
        j->version_number = gw_db_col_int(r, 7);
        gw_copy_str(j->sha256, sizeof j->sha256, gw_db_col_text(r, 8));
    }
    gw_db_rows_free(r);
    if (qs != GW_QS_ONE)
        return qs;
    struct gw_dbp u[] = {GW_P_TEXT(c->worker), GW_P_INT(c->now_ms + c->lease_ms),
                         GW_P_TEXT(c->target), GW_P_TEXT(c->job->id)};
    qs = gw_db_query(db,
                     "UPDATE publish_jobs SET state = 'running', claimed_by = $1, lease_until_ms = "
                     "$2, target = $3 WHERE id = $4",
                     u, 4, NULL, NULL, err);
    if (qs < 0)
        return qs;
    if (strcmp(c->job->action, "publish") == 0) {
        enum gw_course_state st;
        qs = course_state(db, c->job->course_id, &st, NULL, err);
        if (qs < 0)
            return qs;
        if (st == GW_COURSE_APPROVED) {
            enum gw_course_state to;
            qs = gw_rv_transition(db, c->job->course_id, GW_COURSE_EV_PUBLISH_START, &system_actor,
                                  NULL, c->job->sha256, c->now_ms, &to, err);
            if (qs < 0)
                return qs;
        }
    }
    c->found = true;
    return GW_QS_ONE;
}

enum gw_err gw_store_publish_claim(struct gw_store *s, const char *worker, const char *target,
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

/* ---- success ---- */

struct done_ctx {
    const struct gw_publish_job *j;
    const char *worker, *target;
    const struct gw_lms_result *r;
    int64_t now_ms;
};

static enum gw_qs register_lms_iris(struct gw_db *db, const struct done_ctx *c,
                                    struct gw_error *err)
{
    size_t i;
    json_t *v;
    json_array_foreach(c->r->activity_ids, i, v)
    {
        if (!json_is_string(v) || !json_string_value(v)[0])
            continue;
        struct gw_dbp p[] = {GW_P_TEXT(json_string_value(v)), GW_P_TEXT(c->j->course_id),
                             GW_P_INT(c->now_ms)};
        enum gw_qs qs = gw_db_query(db,
                                    "INSERT INTO course_iris (iri, course_id, source, created_ms) "
                                    "VALUES ($1, $2, 'lms', $3) ON CONFLICT (iri) DO NOTHING",
                                    p, 3, NULL, NULL, err);
        if (qs < 0)
            return qs;
    }
    /* statements the LMS sent before it confirmed the publish count for the course now */
    enum gw_qs qs = gw_kpi_reattribute(db, c->j->course_id, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

static enum gw_qs done_publish(struct gw_db *db, const struct done_ctx *c, struct gw_error *err)
{
    const char *lms_id = c->r->lms_course_id ? c->r->lms_course_id : "";
    struct gw_dbp p[] = {GW_P_TEXT(c->j->course_id),  GW_P_TEXT(c->target),
                         GW_P_TEXT(lms_id),           GW_P_TEXT(c->r->course_url),
                         GW_P_TEXT(c->j->version_id), GW_P_INT(c->r->lms_version),
                         GW_P_INT(c->now_ms)};
    enum gw_qs qs = gw_db_query(
        db,
        "INSERT INTO course_lms (course_id, target, lms_course_id, course_url, version_id, "
        "lms_version, published_ms, retired_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL) ON "
        "CONFLICT (course_id, target) DO UPDATE SET lms_course_id = excluded.lms_course_id, "
        "course_url = excluded.course_url, version_id = excluded.version_id, lms_version = "
        "excluded.lms_version, published_ms = excluded.published_ms, retired_ms = NULL",
        p, 7, NULL, NULL, err);
    if (qs >= 0)
        qs = register_lms_iris(db, c, err);
    enum gw_course_state st = GW_COURSE_DRAFT, to;
    if (qs >= 0)
        qs = course_state(db, c->j->course_id, &st, NULL, err);
    if (qs >= 0 && st == GW_COURSE_APPROVED)
        qs = gw_rv_transition(db, c->j->course_id, GW_COURSE_EV_PUBLISH_START, &system_actor, NULL,
                              c->j->sha256, c->now_ms, &st, err);
    if (qs >= 0 && st == GW_COURSE_PUBLISHING)
        qs = gw_rv_transition(db, c->j->course_id, GW_COURSE_EV_PUBLISH_SUCCEEDED, &system_actor,
                              NULL, c->j->sha256, c->now_ms, &to, err);
    /* the launch announcement commits with the publish: never lost, never twice */
    if (qs >= 0)
        qs = gw_rv_announce_queue(db, c->j->course_id, c->j->version_id, c->now_ms, err);
    if (qs < 0)
        return qs;
    char comment[512];
    snprintf(comment, sizeof comment, "target %s, LMS course %s, LMS version %lld%s", c->target,
             lms_id, (long long)c->r->lms_version, c->r->already_done ? " (already there)" : "");
    return audit(db, &system_actor, "publish.succeeded", c->j->course_id, c->j->sha256, comment,
                 c->now_ms, err);
}

static enum gw_qs done_retire(struct gw_db *db, const struct done_ctx *c, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_INT(c->now_ms), GW_P_TEXT(c->j->course_id), GW_P_TEXT(c->target)};
    enum gw_qs qs = gw_db_query(
        db, "UPDATE course_lms SET retired_ms = $1 WHERE course_id = $2 AND target = $3", p, 3,
        NULL, NULL, err);
    enum gw_course_state st = GW_COURSE_DRAFT, to;
    if (qs >= 0)
        qs = course_state(db, c->j->course_id, &st, NULL, err);
    if (qs >= 0 && st == GW_COURSE_PUBLISHED)
        qs = gw_rv_transition(db, c->j->course_id, GW_COURSE_EV_RETIRE, &system_actor, NULL,
                              c->j->sha256, c->now_ms, &to, err);
    if (qs < 0)
        return qs;
    char comment[256];
    snprintf(comment, sizeof comment, "target %s", c->target);
    return audit(db, &system_actor, "retire.succeeded", c->j->course_id, c->j->sha256, comment,
                 c->now_ms, err);
}

static enum gw_qs done_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct done_ctx *c = ud;
    struct gw_dbp p[] = {GW_P_INT(c->now_ms), GW_P_TEXT(c->r->resume), GW_P_TEXT(c->j->id),
                         GW_P_TEXT(c->worker)};
    int64_t changes = 0;
    enum gw_qs qs = gw_db_query(db,
                                "UPDATE publish_jobs SET state = 'done', finished_ms = $1, resume "
                                "= COALESCE($2, resume), last_error = NULL, lease_until_ms = 0 "
                                "WHERE id = $3 AND claimed_by = $4 AND state = 'running'",
                                p, 4, NULL, &changes, err);
    if (qs < 0 || changes == 0)
        return qs < 0 ? qs : GW_QS_NONE; /* another worker holds it now */
    return strcmp(c->j->action, "retire") == 0 ? done_retire(db, c, err) : done_publish(db, c, err);
}

enum gw_err gw_store_publish_succeeded(struct gw_store *s, const struct gw_publish_job *j,
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
    int64_t changes = 0;
    enum gw_qs qs;
    if (c->retry_at_ms >= 0) {
        struct gw_dbp p[] = {GW_P_INT(c->retry_at_ms), GW_P_TEXT(c->message), GW_P_TEXT(c->resume),
                             GW_P_TEXT(c->j->id), GW_P_TEXT(c->worker)};
        return gw_db_query(db,
                           "UPDATE publish_jobs SET state = 'queued', attempts = attempts + 1, "
                           "next_attempt_ms = $1, last_error = $2, resume = COALESCE($3, resume), "
                           "lease_until_ms = 0 WHERE id = $4 AND claimed_by = $5 AND state = "
                           "'running'",
                           p, 5, NULL, NULL, err);
    }
    struct gw_dbp p[] = {GW_P_INT(c->now_ms), GW_P_TEXT(c->message), GW_P_TEXT(c->resume),
                         GW_P_TEXT(c->j->id), GW_P_TEXT(c->worker)};
    qs = gw_db_query(db,
                     "UPDATE publish_jobs SET state = 'failed', attempts = attempts + 1, "
                     "finished_ms = $1, last_error = $2, resume = COALESCE($3, resume), "
                     "lease_until_ms = 0 WHERE id = $4 AND claimed_by = $5 AND state = 'running'",
                     p, 5, NULL, &changes, err);
    if (qs < 0 || changes == 0)
        return qs < 0 ? qs : GW_QS_NONE;
    enum gw_course_state st = GW_COURSE_DRAFT;
    qs = course_state(db, c->j->course_id, &st, NULL, err);
    if (qs < 0)
        return qs;
    enum gw_course_event ev[2];
    size_t n = 0;
    const char *action = NULL;
    gw_review_job_failed(strcmp(c->j->action, "publish") == 0, st, ev, &n, &action);
    for (size_t i = 0; i < n && qs >= 0; i++)
        qs = gw_rv_transition(db, c->j->course_id, ev[i], &system_actor, NULL, c->j->sha256,
                              c->now_ms, &st, err);
    if (qs < 0)
        return qs;
    return audit(db, &system_actor, action, c->j->course_id, c->j->sha256, c->message, c->now_ms,
                 err);
}

enum gw_err gw_store_publish_attempt_failed(struct gw_store *s, const struct gw_publish_job *j,
                                            const char *worker, const char *resume,
                                            const char *message, int64_t retry_at_ms,
                                            int64_t now_ms, struct gw_error *err)
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
    struct gw_dbp p[] = {GW_P_INT(c->now_ms), GW_P_TEXT(c->course_id)};
    int64_t changes = 0;
    qs = gw_db_query(db,
                     "UPDATE publish_jobs SET state = 'queued', attempts = 0, next_attempt_ms = "
                     "$1, finished_ms = NULL, lease_until_ms = 0 WHERE course_id = $2 AND action "
                     "= 'publish' AND state = 'failed'",
                     p, 2, NULL, &changes, err);
    if (qs < 0)
        return qs;
    if (changes == 0) {
        gw_error_set(err, GW_E_PUBLISH_JOB_MISSING, "course", "course %s has no failed publish job",
                     c->course_id);
        return GW_QS_HARD;
    }
    c->queued = true;
    return audit(db, c->who, "publish.retry", c->course_id, NULL, NULL, c->now_ms, err);
}

enum gw_err gw_store_publish_retry(struct gw_store *s, const char *course_id,
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
    enum gw_qs qs = course_state(db, c->course_id, &st, version, err);
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
    struct gw_dbp p[] = {GW_P_TEXT(id), GW_P_TEXT(c->course_id), GW_P_TEXT(version),
                         GW_P_INT(c->now_ms)};
    int64_t changes = 0;
    qs = gw_db_query(db,
                     "INSERT INTO publish_jobs (id, course_id, version_id, action, state, "
                     "attempts, next_attempt_ms, created_ms) VALUES ($1, $2, $3, 'retire', "
                     "'queued', 0, $4, $4) ON CONFLICT (version_id, action) DO UPDATE SET state = "
                     "'queued', attempts = 0, next_attempt_ms = excluded.next_attempt_ms, "
                     "finished_ms = NULL, lease_until_ms = 0 WHERE publish_jobs.state = 'failed'",
                     p, 4, NULL, &changes, err);
    if (qs < 0)
        return qs;
    c->queued = changes > 0;
    if (!c->queued)
        return GW_QS_ONE;
    return audit(db, c->who, "retire.queued", c->course_id, NULL, NULL, c->now_ms, err);
}

enum gw_err gw_store_publish_retire(struct gw_store *s, const char *course_id,
                                    const struct gw_review_actor *who, int64_t now_ms, bool *queued,
                                    struct gw_error *err)
{
    struct admin_ctx c = {course_id, who, now_ms, false};
    enum gw_err rc = gw_store_tx(s, GW_TX_WRITE, retire_body, &c, err);
    if (queued)
        *queued = rc == GW_OK && c.queued;
    return rc;
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
    enum gw_qs qs = course_state(db, st->course_id, &st->wait.state, version_id, err);
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
