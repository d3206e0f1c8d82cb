/* conclude.c: what a round's outcome makes happen (gw_review_conclude, see
 * gw/review.h), as plain data the store applies: silent approvals with their
 * audit sentences, the round's closing state, the course's event, the
 * publish job, the author's notice. Pure: no database, no clock. */
#include "gw/review.h"

#include "gw/timefmt.h"

#include <stdio.h>
#include <string.h>

/* Who is told that silence approved: the author once per silent approver
 * (under the schedule's key for that approver's notice), every approver once
 * (naming the first silent approver). */
static void silence_notices(const struct gw_review_round *r, const struct gw_review_outcome *o,
                            const char *author_id, struct gw_review_conclusion *out)
{
    if (o->n_silent == 0)
        return;
    for (size_t k = 0; author_id && author_id[0] && k < o->n_silent; k++) {
        const struct gw_review_approver *a = &r->approvers[o->silent[k]];
        struct gw_review_conclusion_notice *n = &out->notices[out->n_notices++];
        n->approver_id = a->person_id;
        n->recipient_id = author_id;
        n->scheduled_ms = gw_review_silence_slot(a->due_ms);
        gw_review_notice_key_at(n->key, r->id, a->person_id, "approve_on_silence", n->scheduled_ms);
    }
    const struct gw_review_approver *first = &r->approvers[o->silent[0]];
    for (size_t i = 0; i < r->n_approvers; i++) {
        const struct gw_review_approver *a = &r->approvers[i];
        const char *to = a->delegate_id[0] ? a->delegate_id : a->person_id;
        struct gw_review_conclusion_notice *n = &out->notices[out->n_notices++];
        char slot[GW_REVIEW_ID_MAX + 40];
        n->approver_id = first->person_id;
        n->recipient_id = to;
        n->scheduled_ms = gw_review_silence_slot(first->due_ms);
        snprintf(slot, sizeof slot, "%lld:to:%s", (long long)n->scheduled_ms, to);
        gw_review_notice_key(n->key, r->id, first->person_id, "approve_on_silence", slot);
    }
}

void gw_review_conclude(const struct gw_review_round *r, const char *author_id, int64_t now_ms,
                        struct gw_review_conclusion *out)
{
    memset(out, 0, sizeof *out);
    struct gw_review_outcome o;
    gw_review_round_evaluate(r, now_ms, &o);
    out->outcome = o.state;
    if (o.state == GW_REVIEW_OPEN || r->closed)
        return;
    out->act = true;
    if (o.state == GW_REVIEW_APPROVED) {
        out->round_state = "approved";
        out->course_event = GW_COURSE_EV_APPROVE;
        out->queue_publish = true;
        char agreed[32];
        gw_time_format_ms(r->policy.silence_agreed_ms, agreed);
        for (size_t k = 0; k < o.n_silent; k++) {
            const struct gw_review_approver *a = &r->approvers[o.silent[k]];
            struct gw_review_silent_approval *s = &out->silent[out->n_silent++];
            char due[32];
            gw_time_format_ms(a->due_ms, due);
            s->approver_id = a->person_id;
            snprintf(s->audit_comment, sizeof s->audit_comment,
                     "due date %.10s passed without a decision; approve on silence agreed by %s "
                     "at %s",
                     due, r->policy.silence_agreed_by, agreed);
        }
        silence_notices(r, &o, author_id, out);
        return;
    }
    out->round_state = "changes_requested";
    out->course_event = GW_COURSE_EV_REQUEST_CHANGES;
    if (author_id && author_id[0]) {
        out->notify_author = true;
        gw_review_notice_key_at(out->author_notice_key, r->id, NULL, "changes_requested", 0);
    }
}
