/* outbox.c: the publish worker. One thread per gateway claims due publish and
 * retire jobs from the store (under a lease), runs the LMS connector with the
 * job's stored resume text, persists the connector's resume at its checkpoint
 * (right before an upload) and records the outcome: success with the LMS's
 * ids in one transaction; a retryable failure queued again after a jittered
 * back-off that honours Retry-After; a permanent or credentials failure, or
 * the last allowed attempt (publish_max_attempts, or fewer when the connector
 * says so in gw_lms_result.max_attempts), fails the job and the course
 * (publish_failed) with the LMS's own message. Decisions use the gateway's
 * clock; the thread only sleeps between polls (and in the connector's import
 * poll), both cut short by gw_publish_stop. Claiming and recording run
 * through the use cases of app/publish_jobs.c; no SQL here (store/publish.c),
 * no libcurl (outbound/). */
#include "gw/publish.h"

#include "gw/blobs.h"
#include "gw/buf.h"
#include "gw/hash.h"
#include "gw/log.h"
#include "gw/server.h"
#include "gw/timefmt.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct gw_publish_outbox {
    struct gw_store *store;
    const struct gw_clock *clock;
    struct gw_publish_targets *targets;
    int64_t max_attempts;
    char *data_dir;
    char worker[128];
    pthread_t thread;
    bool running;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    gw_publish_done_fn on_done; /* under mu */
    void *on_done_ud;
};

struct gw_publish_outbox *gw_publish_outbox_new(struct gw_store *store,
                                                const struct gw_clock *clock,
                                                struct gw_publish_targets *targets,
                                                int64_t max_attempts, const char *data_dir)
{
    struct gw_publish_outbox *o = gw_xcalloc(1, sizeof *o);
    o->store = store;
    o->clock = clock;
    o->targets = targets;
    o->max_attempts = max_attempts > 0 ? max_attempts : 1;
    o->data_dir = gw_xstrdup(data_dir ? data_dir : ".");
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    uint32_t r = 0;
    gw_random_bytes(&r, sizeof r);
    snprintf(o->worker, sizeof o->worker, "%s/%ld/%08x", host, (long)getpid(), r);
    pthread_mutex_init(&o->mu, NULL);
    pthread_cond_init(&o->cv, NULL);
    return o;
}

void gw_publish_outbox_free(struct gw_publish_outbox *o)
{
    if (!o)
        return;
    gw_publish_targets_free(o->targets);
    free(o->data_dir);
    pthread_mutex_destroy(&o->mu);
    pthread_cond_destroy(&o->cv);
    free(o);
}

/* Waits up to ms (real time) unless stopping; false when stopping. */
static bool pause_ms(struct gw_publish_outbox *o, int64_t ms)
{
    struct timespec ts = gw_time_deadline(ms);
    pthread_mutex_lock(&o->mu);
    int rc = 0;
    while (!o->stop && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&o->cv, &o->mu, &ts);
    bool go_on = !o->stop;
    pthread_mutex_unlock(&o->mu);
    return go_on;
}

/* What the connector's callbacks need during one attempt. */
struct run_ctx {
    struct gw_publish_outbox *o;
    const struct gw_publish_job *job;
};

static void env_sleep(void *ctx, int64_t ms)
{
    struct run_ctx *rc = ctx;
    pause_ms(rc->o, ms);
}

static void env_checkpoint(void *ctx, const char *resume)
{
    struct run_ctx *rc = ctx;
    struct gw_error e;
    gw_error_clear(&e);
    if (gw_store_publish_checkpoint(rc->o->store, rc->job->id, rc->o->worker, resume,
                                    gw_clock_now_ms(rc->o->clock), rc->o->targets->lease_ms,
                                    &e) != GW_OK)
        gw_log_warn("publish job %s: could not save its checkpoint: %s", rc->job->id, e.detail);
}

/* The message kept with the job: the error's name and the LMS's words. */
static void failure_message(const struct gw_publish_outbox *o, const struct gw_error *e, char *out,
                            size_t cap)
{
    const struct gw_err_info *info = gw_err_lookup(e->code);
    snprintf(out, cap, "%s: %s", info ? info->name : "ERROR",
             e->detail[0] ? e->detail : (info ? info->hint : ""));
    gw_publish_scrub(o->targets, out, cap);
}

static enum gw_err record_failure(struct gw_publish_outbox *o, const struct gw_publish_job *j,
                                  const struct gw_lms_result *res, const struct gw_error *le,
                                  int64_t now_ms, struct gw_error *err)
{
    char msg[GW_PUBLISH_ERROR_MAX];
    failure_message(o, le, msg, sizeof msg);
    int64_t attempt = j->attempts + 1;
    int64_t retry_at = -1;
    int64_t budget = o->max_attempts;
    if (res->max_attempts > 0 && res->max_attempts < budget)
        budget = res->max_attempts;
    if (res->out.cls == GW_OUT_RETRY && attempt < budget) {
        uint64_t rnd = 0;
        gw_random_bytes(&rnd, sizeof rnd);
        retry_at =
            now_ms + gw_out_backoff_ms((int)attempt, o->targets->backoff_base_ms,
                                       o->targets->backoff_cap_ms, res->out.retry_after_ms, rnd);
    }
    gw_log_json(
        retry_at >= 0 ? GW_LOG_WARN : GW_LOG_ERROR,
        json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:I}", "msg",
                  retry_at >= 0 ? "publish attempt failed; retrying" : "publish failed for good",
                  "job", j->id, "course", j->course_id, "action", j->action, "attempt",
                  (json_int_t)attempt, "error", msg, "retry_at_ms", (json_int_t)retry_at));
    return gw_app_publish_attempt_failed(o->store, j, o->worker, res->resume, msg, retry_at, now_ms,
                                         err);
}

/* Tells whoever asked (the scheduler: the announcement is queued). */
static void done_hook(struct gw_publish_outbox *o)
{
    pthread_mutex_lock(&o->mu);
    gw_publish_done_fn fn = o->on_done;
    void *ud = o->on_done_ud;
    pthread_mutex_unlock(&o->mu);
    if (fn)
        fn(ud);
}

void gw_publish_on_done(struct gw_publish_outbox *o, gw_publish_done_fn fn, void *ud)
{
    if (!o)
        return;
    pthread_mutex_lock(&o->mu);
    o->on_done = fn;
    o->on_done_ud = ud;
    pthread_mutex_unlock(&o->mu);
}

static enum gw_err run_job(struct gw_publish_outbox *o, const struct gw_publish_job *j,
                           int64_t now_ms, struct gw_error *err)
{
    bool retire = strcmp(j->action, "retire") == 0;
    struct gw_lms_result res;
    memset(&res, 0, sizeof res);
    struct gw_error le;
    gw_error_clear(&le);
    char zip[1200] = "";
    /* a file for the connector's upload: on PostgreSQL written out of the
     * database into this gateway's cache first (gw/blobs.h) */
    enum gw_err rc =
        retire ? GW_OK : gw_blobs_local(o->store, o->data_dir, j->sha256, zip, sizeof zip, &le);
    if (rc != GW_OK) {
        /* the LMS was not called: an attempt that failed here, retried later */
        res.out.cls = GW_OUT_RETRY;
        res.resume = j->resume ? gw_xstrdup(j->resume) : NULL;
        rc = record_failure(o, j, &res, &le, gw_clock_now_ms(o->clock), err);
        gw_lms_result_free(&res);
        return rc;
    }
    struct gw_lms_course c = {j->course_id, j->title, j->version_number, zip, j->sha256, j->resume};
    struct run_ctx ctx = {o, j};
    struct gw_lms_env env = {env_sleep, env_checkpoint, &ctx, now_ms};
    const struct gw_lms_target *t = o->targets->default_target;
    rc = retire ? gw_lms_retire(t, j->course_id, &env, &res, &le)
                : gw_lms_publish(t, &c, &env, &res, &le);
    int64_t end_ms = gw_clock_now_ms(o->clock);
    if (rc == GW_OK) {
        rc = gw_app_publish_succeeded(o->store, j, o->worker, o->targets->default_name, &res,
                                      end_ms, err);
        if (rc == GW_OK)
            done_hook(o);
        if (rc == GW_OK)
            gw_log_json(GW_LOG_INFO,
                        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "msg", "published", "job",
                                  j->id, "course", j->course_id, "action", j->action, "target",
                                  o->targets->default_name, "lms_course_id",
                                  res.lms_course_id ? res.lms_course_id : ""));
    } else {
        rc = record_failure(o, j, &res, &le, end_ms, err);
    }
    gw_lms_result_free(&res);
    return rc;
}

enum gw_err gw_publish_outbox_step(struct gw_publish_outbox *o, int64_t now_ms, bool *ran,
                                   struct gw_error *err)
{
    struct gw_publish_job j;
    bool found = false;
    *ran = false;
    enum gw_err rc = gw_app_publish_claim(o->store, o->worker, o->targets->default_name, now_ms,
                                          o->targets->lease_ms, &j, &found, err);
    if (rc != GW_OK || !found)
        return rc;
    *ran = true;
    rc = run_job(o, &j, now_ms, err);
    gw_publish_job_free(&j);
    return rc;
}

static void *outbox_main(void *arg)
{
    struct gw_publish_outbox *o = arg;
    for (;;) {
        bool ran = false;
        struct gw_error e;
        gw_error_clear(&e);
        if (gw_publish_outbox_step(o, gw_clock_now_ms(o->clock), &ran, &e) != GW_OK) {
            gw_publish_scrub(o->targets, e.detail, sizeof e.detail);
            gw_log_warn("publish outbox: %s", e.detail);
            ran = false;
        }
        pthread_mutex_lock(&o->mu);
        bool stop = o->stop;
        pthread_mutex_unlock(&o->mu);
        if (stop || (!ran && !pause_ms(o, o->targets->poll_ms)))
            break;
    }
    return NULL;
}

struct gw_publish_outbox *gw_publish_start(struct gw_server *srv, struct gw_error *err)
{
    gw_error_clear(err);
    const char *path = srv->cfg->lms_targets_file;
    if (!path || !path[0]) {
        gw_log_info("no lms_targets_file: approved courses wait in the publish outbox");
        return NULL;
    }
    struct gw_publish_targets *t = NULL;
    if (gw_publish_targets_load(path, &t, err) != GW_OK)
        return NULL;
    struct gw_publish_outbox *o = gw_publish_outbox_new(
        srv->store, &srv->clock, t, srv->cfg->publish_max_attempts, srv->cfg->data_dir);
    if (pthread_create(&o->thread, NULL, outbox_main, o) != 0) {
        gw_error_set(err, GW_E_INTERNAL, "publish", "cannot start the publish outbox thread");
        gw_publish_outbox_free(o);
        return NULL;
    }
    o->running = true;
    gw_log_info("publish outbox started (target %s, worker %s)", t->default_name, o->worker);
    return o;
}

void gw_publish_stop(struct gw_publish_outbox *o)
{
    if (!o)
        return;
    pthread_mutex_lock(&o->mu);
    o->stop = true;
    pthread_cond_broadcast(&o->cv);
    pthread_mutex_unlock(&o->mu);
    if (o->running)
        pthread_join(o->thread, NULL);
    gw_publish_outbox_free(o);
}
