/* scheduler: the review scheduler, a background thread of `lmsgw serve`.
 * Every GW_SCHEDULER_INTERVAL_S seconds (a constant until the configuration
 * grows a key for it) it:
 *  1. asks the store whether this instance leads (PostgreSQL: one instance at
 *     a time, by advisory lock; SQLite: always);
 *  2. for every approver of every open round, computes the notices due now
 *     (gw_review_schedule_due: reminders, escalation, approve on silence),
 *     and records each under its unique key first, with its effect in the
 *     same transaction (stalled; approve on silence concludes the round);
 *  3. delivers pending notices (the "ask" of a new round, reminders,
 *     escalations, the author's "changes requested") through a notifier:
 *     claimed (pending -> sending) before sending, so a notice is never sent
 *     twice; one that a crash left in 'sending' is not sent again. Every
 *     instance delivers (a follower too: what an action on it queued leaves
 *     at once); only the leader does step 2.
 * Every decision asks the clock; tests call gw_scheduler_tick with their own
 * instant and never sleep.
 *
 * Lives in gateway/app/scheduler.c, the orchestration layer: the domain
 * (review/) decides, the store persists, this runs them in order and
 * delivers; it renders links with the server's public URL. */
#ifndef GW_SCHEDULER_H
#define GW_SCHEDULER_H

#include "gw/clock.h"
#include "gw/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define GW_SCHEDULER_INTERVAL_S 60
#define GW_SCHEDULER_LINK_TTL_MS (14LL * 86400000LL) /* one-click links expire after 14 days */
#define GW_SCHEDULER_MAX_ATTEMPTS 5                  /* mail attempts before 'failed' */

/* How notices leave the gateway; the outbound module (SMTP and webhooks over
 * libcurl) provides one. Each returns 0 on success, non-zero on failure.
 * notice_key is unique per notice (a Message-ID / idempotency key). */
struct gw_notifier {
    int (*send_mail)(void *ud, const char *to_email, const char *to_name, const char *subject,
                     const char *text, const char *notice_key);
    /* payload: a Slack or Teams JSON body for webhook_url (a department's
     * shared channel: rendered without personal links). May be NULL. */
    int (*send_chat)(void *ud, const char *webhook_url, const json_t *payload,
                     const char *notice_key);
    void *ud;
};

struct gw_server;
struct gw_scheduler;

/* A scheduler over store (borrowed), deciding with clock (borrowed; may be
 * NULL when only gw_scheduler_tick is used), rendering links under
 * public_url (copied). notifier NULL: notices are logged, not sent. */
struct gw_scheduler *gw_scheduler_new(struct gw_store *store, const struct gw_clock *clock,
                                      const char *public_url, const struct gw_notifier *notifier);
struct gw_tick_stats {
    bool leader;
    size_t recorded; /* notices recorded under a new key */
    size_t sent;     /* notices delivered */
    size_t failed;   /* delivery failures (retried next tick) */
    size_t skipped;  /* notices of rounds closed meanwhile */
};
/* One pass at now_ms (plan when leading, then deliver). stats may be NULL. */
enum gw_err gw_scheduler_tick(struct gw_scheduler *s, int64_t now_ms, struct gw_tick_stats *stats,
                              struct gw_error *err);
/* Only step 2 (record due notices), or only step 3 (deliver). */
enum gw_err gw_scheduler_plan(struct gw_scheduler *s, int64_t now_ms, struct gw_tick_stats *stats,
                              struct gw_error *err);
enum gw_err gw_scheduler_deliver(struct gw_scheduler *s, int64_t now_ms,
                                 struct gw_tick_stats *stats, struct gw_error *err);
void gw_scheduler_free(struct gw_scheduler *s);

/* For `lmsgw serve`: a scheduler over srv's store, clock and public URL,
 * ticking every GW_SCHEDULER_INTERVAL_S seconds on its own thread until
 * gw_scheduler_stop (which joins the thread and frees it). notifier as above. */
struct gw_scheduler *gw_scheduler_start(struct gw_server *srv, const struct gw_notifier *notifier);
void gw_scheduler_stop(struct gw_scheduler *s);
/* Makes the thread tick now rather than at its next interval (ud: the
 * scheduler, so it fits gw_publish_on_done; NULL is ignored). */
void gw_scheduler_wake(void *ud);

#endif
