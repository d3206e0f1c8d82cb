/* scheduler.c: the review scheduler (see gw/scheduler.h): plans due notices
 * from the domain's schedule, records them under their unique keys, and
 * delivers them through a notifier (each store step a use case of
 * app/review_sched.c), with personal one-click links for the
 * approver's asks and reminders, and the launch announcements the publish
 * queued (gw_scheduler_wake: the outbox wakes it after a publish). A thread runs a tick every
 * GW_SCHEDULER_INTERVAL_S seconds; tests call gw_scheduler_tick directly. The
 * thread also keeps the statements' monthly partitions created ahead
 * (PostgreSQL, gw/xapi_retention.h), once an hour. */
#include "gw/announce.h"
#include "gw/department.h"
#include "gw/scheduler.h"
#include "gw/buf.h"
#include "gw/json.h"
#include "gw/log.h"
#include "gw/review_app.h"
#include "gw/server.h"
#include "gw/timefmt.h"
#include "gw/xapi_retention.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct gw_scheduler {
    struct gw_store *store;
    const struct gw_clock *clock;
    char public_url[512];
    struct gw_notifier notifier;
    bool has_notifier;
    struct gw_store_leader *leader;
    uint8_t key[32];
    bool has_key;
    /* the thread */
    pthread_t thread;
    bool running;
    bool stop;
    bool wake;             /* gw_scheduler_wake: tick now */
    int64_t partitions_ms; /* when the partitions were last made sure of */
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

struct gw_scheduler *gw_scheduler_new(struct gw_store *store, const struct gw_clock *clock,
                                      const char *public_url, const struct gw_notifier *notifier)
{
    struct gw_scheduler *s = gw_xcalloc(1, sizeof *s);
    s->store = store;
    s->clock = clock;
    size_t n = strlen(public_url ? public_url : "");
    while (n > 0 && public_url[n - 1] == '/')
        n--;
    snprintf(s->public_url, sizeof s->public_url, "%.*s", (int)n, public_url ? public_url : "");
    if (notifier) {
        s->notifier = *notifier;
        s->has_notifier = true;
    }
    s->leader = gw_store_leader_new(store);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    return s;
}

void gw_scheduler_free(struct gw_scheduler *s)
{
    if (!s)
        return;
    gw_store_leader_free(s->leader);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}

/* ---- plan ---- */

static enum gw_err plan_item(struct gw_scheduler *s, const struct gw_sched_item *it, int64_t now_ms,
                             struct gw_tick_stats *st, struct gw_error *err)
{
    struct gw_dept_settings ds;
    gw_dept_settings_read(it->settings, &ds);
    const struct gw_review_schedule_settings set = ds.schedule;
    struct gw_review_schedule_input in = {
        .round_id = it->round_id,
        .approver_id = it->approver_id,
        .asked_ms = it->opened_ms,
        .due_ms = it->due_ms,
        .decided = it->decided,
        .silence_agreed = it->silence_agreed,
        .sent = it->sent,
        .n_sent = it->n_sent,
    };
    struct gw_review_due_notice due[3];
    size_t n = 0;
    gw_review_schedule_due(&set, &in, now_ms, due, &n);
    enum gw_err rc = GW_OK;
    for (size_t i = 0; rc == GW_OK && i < n; i++) {
        bool inserted = false;
        rc = gw_app_sched_record(s->store, it, &due[i], now_ms, &inserted, err);
        if (inserted)
            st->recorded++;
    }
    gw_dept_settings_free(&ds);
    return rc;
}

enum gw_err gw_scheduler_plan(struct gw_scheduler *s, int64_t now_ms, struct gw_tick_stats *stats,
                              struct gw_error *err)
{
    struct gw_tick_stats local = {0};
    struct gw_tick_stats *st = stats ? stats : &local;
    struct gw_sched_item *items = NULL;
    size_t n = 0;
    enum gw_err rc = gw_app_sched_items(s->store, &items, &n, err);
    for (size_t i = 0; rc == GW_OK && i < n; i++) {
        if (!items[i].decided)
            rc = plan_item(s, &items[i], now_ms, st, err);
    }
    gw_sched_items_free(items, n);
    return rc;
}

/* ---- deliver ---- */

/* Makes the recipient's one-click link; false when it cannot. */
static bool make_link(struct gw_scheduler *s, const struct gw_notice_row *n, int64_t now_ms,
                      char *out, size_t cap)
{
    struct gw_review_token_claims c = {0};
    snprintf(c.round_id, sizeof c.round_id, "%s", n->round_id);
    snprintf(c.approver_id, sizeof c.approver_id, "%s", n->recipient_id);
    c.actions =
        GW_REVIEW_ACTION_APPROVE | GW_REVIEW_ACTION_REQUEST_CHANGES | GW_REVIEW_ACTION_REJECT;
    c.expires_ms = now_ms + GW_SCHEDULER_LINK_TTL_MS;
    char token[GW_REVIEW_TOKEN_MAX];
    struct gw_error e;
    if (!gw_review_token_new_nonce(&c) ||
        gw_review_token_make(s->key, sizeof s->key, &c, token, sizeof token, &e) != GW_OK)
        return false;
    int len = snprintf(out, cap, "%s/r/%s", s->public_url, token);
    return len > 0 && (size_t)len < cap; /* a cut link would not verify */
}

static void render(struct gw_scheduler *s, const struct gw_notice_row *n, int64_t now_ms,
                   char **subject, char **text, json_t **slack, json_t **teams)
{
    struct gw_review_notice_view v = {0};
    v.initial_request = strcmp(n->kind, "ask") == 0;
    if (!v.initial_request && !gw_review_notice_kind_parse(n->kind, &v.kind))
        v.kind = GW_NOTICE_REMINDER_DUE;
    v.recipient_name = n->recipient_name;
    v.approver_name = n->approver_name;
    v.course_title = n->course_title;
    v.department = n->department;
    v.author_name = n->author_name;
    v.due_ms = n->due_ms;
    v.sent_ms = now_ms; /* reminders word the due date relative to today */
    v.days_overdue = (unsigned)n->days_overdue;
    v.delivery_ms = n->delivery_ms;
    v.changes_summary = n->changes_summary;
    char base[1024] = "", approve[1100] = "", changes[1100] = "";
    if (gw_review_notice_personal(n->kind) && s->has_key &&
        make_link(s, n, now_ms, base, sizeof base)) {
        snprintf(approve, sizeof approve, "%s?decision=approve", base);
        snprintf(changes, sizeof changes, "%s?decision=request_changes", base);
        v.approve_url = approve;
        v.changes_url = changes;
    }
    if (strcmp(n->kind, "changes_requested") == 0) {
        struct gw_buf b = {0};
        gw_buf_printf(&b, "Changes requested: %s", n->course_title);
        for (char *p = b.data; p && *p; p++)
            *p = (*p == '\r' || *p == '\n') ? ' ' : *p;
        *subject = gw_xstrdup(gw_buf_str(&b));
        gw_buf_reset(&b);
        gw_buf_printf(&b,
                      "Hello %s,\n\nThe approval round for \"%s\" (%s) ended with a request "
                      "for changes. The comments are on the course's page in the gateway "
                      "(GET /api/v1/courses/...). Upload a new version and submit it; the new "
                      "round will show the approvers what changed.\n",
                      n->recipient_name, n->course_title, n->department);
        *text = gw_xstrdup(gw_buf_str(&b));
        gw_buf_free(&b);
    } else {
        *subject = gw_review_notice_subject(&v);
        *text = gw_review_notice_text(&v);
    }
    /* chat goes to the department's shared channel: never personal links */
    v.approve_url = v.changes_url = NULL;
    *slack = n->slack_webhook[0] ? gw_review_notice_slack(&v) : NULL;
    *teams = n->teams_webhook[0] ? gw_review_notice_teams(&v) : NULL;
}

/* Sends one announcement message: the mail to the plan's address the
 * notice names, or the post to the department's chat channels. */
static int send_announcement(struct gw_scheduler *s, const struct gw_notice_row *n,
                             const struct gw_announcement *a, char *what, size_t cap)
{
    struct gw_announce_words w;
    gw_announce_render(a->dept.announce_subject, a->dept.announce_body, &a->facts, &w);
    int rc = -1;
    if (n->recipient_email[0]) {
        snprintf(what, cap, "mail to %s", n->recipient_email);
        rc = s->has_notifier && s->notifier.send_mail
                 ? s->notifier.send_mail(s->notifier.ud, n->recipient_email, "", w.subject, w.body,
                                         n->key)
                 : 0;
    } else {
        snprintf(what, cap, "chat post");
        const char *hooks[2] = {a->dept.slack_webhook, a->dept.teams_webhook};
        for (int i = 0; i < 2; i++) {
            if (!hooks[i] || !s->has_notifier || !s->notifier.send_chat)
                continue;
            json_t *payload = i == 0 ? gw_announce_slack(&w) : gw_announce_teams(&w);
            if (s->notifier.send_chat(s->notifier.ud, hooks[i], payload, n->key) == 0)
                rc = 0;
            json_decref(payload);
        }
    }
    gw_announce_words_free(&w);
    return rc;
}

static void deliver_announcement(struct gw_scheduler *s, const struct gw_notice_row *n,
                                 int64_t now_ms, struct gw_tick_stats *st)
{
    struct gw_error e;
    struct gw_announcement a;
    char what[400] = "";
    int rc = -1;
    if (gw_store_announcement(s->store, n->course_id, n->version_id, &a, &e) == GW_OK)
        rc = send_announcement(s, n, &a, what, sizeof what);
    if (gw_app_announcement_done(s->store, n->key, &a, rc == 0 ? "sent" : "failed",
                                 rc == 0 ? NULL : "the announcement could not be sent", what,
                                 GW_SCHEDULER_MAX_ATTEMPTS, now_ms, &e) != GW_OK)
        gw_log_error("review scheduler: cannot complete announcement %s: %s", n->key, e.detail);
    if (rc == 0)
        st->sent++;
    else
        st->failed++;
    gw_announcement_free(&a);
}

static void deliver_one(struct gw_scheduler *s, const struct gw_notice_row *n, int64_t now_ms,
                        struct gw_tick_stats *st)
{
    struct gw_error e;
    if (strcmp(n->kind, "announcement") == 0) {
        deliver_announcement(s, n, now_ms, st);
        return;
    }
    const char *skip = gw_review_notice_skip(n->kind, n->round_open, n->decided);
    if (skip) {
        gw_app_notice_done(s->store, n->key, "skipped", skip, 0, now_ms, &e);
        st->skipped++;
        return;
    }
    char *subject = NULL, *text = NULL;
    json_t *slack = NULL, *teams = NULL;
    render(s, n, now_ms, &subject, &text, &slack, &teams);
    int rc = 0;
    if (!n->recipient_email[0]) {
        rc = -1;
    } else if (s->has_notifier && s->notifier.send_mail) {
        rc = s->notifier.send_mail(s->notifier.ud, n->recipient_email, n->recipient_name, subject,
                                   text, n->key);
    } else {
        gw_log_json(GW_LOG_INFO,
                    json_pack("{s:s, s:s, s:s, s:s}", "msg", "notice (no mailer)", "key", n->key,
                              "to", n->recipient_email, "subject", subject));
    }
    if (s->has_notifier && s->notifier.send_chat) {
        if (slack && s->notifier.send_chat(s->notifier.ud, n->slack_webhook, slack, n->key) != 0)
            gw_log_warn("slack webhook failed for notice %s", n->key);
        if (teams && s->notifier.send_chat(s->notifier.ud, n->teams_webhook, teams, n->key) != 0)
            gw_log_warn("teams webhook failed for notice %s", n->key);
    }
    const char *why = !n->recipient_email[0] ? "the recipient has no email address"
                                             : "the mail could not be sent";
    if (gw_app_notice_done(s->store, n->key, rc == 0 ? "sent" : "failed", rc == 0 ? NULL : why,
                           GW_SCHEDULER_MAX_ATTEMPTS, now_ms, &e) != GW_OK)
        gw_log_error("review scheduler: cannot complete notice %s: %s", n->key, e.detail);
    if (rc == 0)
        st->sent++;
    else
        st->failed++;
    free(subject);
    free(text);
    json_decref(slack);
    json_decref(teams);
}

enum gw_err gw_scheduler_deliver(struct gw_scheduler *s, int64_t now_ms,
                                 struct gw_tick_stats *stats, struct gw_error *err)
{
    struct gw_tick_stats local = {0};
    struct gw_tick_stats *st = stats ? stats : &local;
    if (!s->has_key && gw_store_review_key(s->store, s->key, err) == GW_OK)
        s->has_key = true;
    for (;;) {
        struct gw_notice_row *rows = NULL;
        size_t n = 0;
        enum gw_err rc = gw_app_notices_claim(s->store, 32, &rows, &n, err);
        for (size_t i = 0; rc == GW_OK && i < n; i++)
            deliver_one(s, &rows[i], now_ms, st);
        gw_notice_rows_free(rows, n);
        if (rc != GW_OK || n < 32)
            return rc;
    }
}

enum gw_err gw_scheduler_tick(struct gw_scheduler *s, int64_t now_ms, struct gw_tick_stats *stats,
                              struct gw_error *err)
{
    struct gw_tick_stats local = {0};
    struct gw_tick_stats *st = stats ? stats : &local;
    memset(st, 0, sizeof *st);
    st->leader = gw_store_try_leader(s->leader, err);
    /* Planning (what time alone causes) is the leader's; delivering what is
     * already queued is anyone's, since the store hands each notice to one
     * claimant: a notice an action queued on a follower leaves from it at
     * once, not at the leader's next pass. */
    enum gw_err rc = st->leader ? gw_scheduler_plan(s, now_ms, st, err) : GW_OK;
    enum gw_err rc2 = gw_scheduler_deliver(s, now_ms, st, err);
    return rc != GW_OK ? rc : rc2;
}

/* ---- the thread ---- */

static void *run(void *ud)
{
    struct gw_scheduler *s = ud;
    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        pthread_mutex_unlock(&s->mu);
        struct gw_error e;
        gw_error_clear(&e);
        struct gw_tick_stats st;
        int64_t now = gw_clock_now_ms(s->clock);
        if (gw_scheduler_tick(s, now, &st, &e) != GW_OK)
            gw_log_warn("review scheduler: %s", e.detail);
        if (now - s->partitions_ms >= 3600 * 1000) {
            int created = 0;
            if (gw_store_xapi_partitions_ensure(s->store, now, &created, &e) != GW_OK)
                gw_log_warn("statements' partitions: %s", e.detail);
            else if (created > 0)
                gw_log_info("created %d monthly partitions of statements", created);
            s->partitions_ms = now;
        }
        pthread_mutex_lock(&s->mu);
        struct timespec until = gw_time_deadline(GW_SCHEDULER_INTERVAL_S * 1000LL);
        while (!s->stop && !s->wake &&
               pthread_cond_timedwait(&s->cv, &s->mu, &until) != ETIMEDOUT) {
        }
        s->wake = false;
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

struct gw_scheduler *gw_scheduler_start(struct gw_server *srv, const struct gw_notifier *notifier)
{
    struct gw_scheduler *s = gw_scheduler_new(srv->store, &srv->clock, srv->public_url, notifier);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        gw_log_error("cannot start the review scheduler thread");
        gw_scheduler_free(s);
        return NULL;
    }
    s->running = true;
    return s;
}

void gw_scheduler_wake(void *ud)
{
    struct gw_scheduler *s = ud;
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->wake = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

void gw_scheduler_stop(struct gw_scheduler *s)
{
    if (!s)
        return;
    if (s->running) {
        pthread_mutex_lock(&s->mu);
        s->stop = true;
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->thread, NULL);
    }
    gw_scheduler_free(s);
}
