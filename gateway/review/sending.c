/* sending.c: what delivering a claimed notice does: skipped (moot since its
 * round closed, or an ask or reminder to an approver who decided) or sent,
 * with the recipient's one-click links or without, and the status a
 * delivery's outcome leaves it in (sent, skipped, pending again for a retry,
 * failed for good). Pure: the scheduler (app/scheduler.c) claims, renders
 * and sends, and records the status in one transaction (app/review_sched.c). */
#include "gw/review.h"

#include <string.h>

bool gw_review_notice_personal(const char *kind)
{
    return kind && (strcmp(kind, "ask") == 0 || strncmp(kind, "reminder_", 9) == 0);
}

const char *gw_review_notice_skip(const char *kind, bool round_open, bool decided)
{
    if (!round_open && !gw_review_notice_outlives_round(kind))
        return "the round closed";
    if (decided && gw_review_notice_personal(kind))
        return "the approver has decided";
    return NULL;
}

void gw_review_notice_done(const char *outcome, int64_t attempts, int64_t max_attempts,
                           int64_t now_ms, struct gw_review_notice_done *out)
{
    out->status = outcome;
    if (strcmp(outcome, "failed") == 0)
        out->status = attempts >= max_attempts ? "failed" : "pending";
    out->sent_ms = strcmp(outcome, "sent") == 0 ? now_ms : 0;
}
