/* schedule.c: which notices are due for one approver at a given instant:
 * reminders before, on and after the due date, escalation to the department
 * head, and the approve-on-silence notice. A pure function of (settings,
 * approver's due date, asked time, notices already sent, now): the caller (the
 * scheduler) persists each returned notice under its unique key before
 * sending, so restarts neither lose nor repeat a notice; what recording one
 * does (stalled mark, audit line, concluding on silence). Owns the calendar
 * rules (business days Mon-Fri UTC minus holidays); does not own sending. */
#include "gw/review.h"

#include <stdio.h>
#include <string.h>

#define MINUTE_MS 60000LL
#define SEARCH_DAYS 3660 /* never look further than ten years for a business day */

static const char *const kind_names[GW_NOTICE_KIND_COUNT] = {
    [GW_NOTICE_REMINDER_BEFORE] = "reminder_before",
    [GW_NOTICE_REMINDER_DUE] = "reminder_due",
    [GW_NOTICE_REMINDER_OVERDUE] = "reminder_overdue",
    [GW_NOTICE_ESCALATION] = "escalation",
    [GW_NOTICE_APPROVE_ON_SILENCE] = "approve_on_silence",
};

const char *gw_review_notice_kind_name(enum gw_review_notice_kind k)
{
    if ((unsigned)k >= GW_NOTICE_KIND_COUNT)
        return "unknown";
    return kind_names[k];
}

bool gw_review_notice_kind_parse(const char *name, enum gw_review_notice_kind *out)
{
    for (unsigned i = 0; name && i < GW_NOTICE_KIND_COUNT; i++) {
        if (strcmp(name, kind_names[i]) == 0) {
            *out = (enum gw_review_notice_kind)i;
            return true;
        }
    }
    return false;
}

bool gw_review_notice_outlives_round(const char *kind)
{
    return kind && (strcmp(kind, "approve_on_silence") == 0 ||
                    strcmp(kind, "changes_requested") == 0 || strcmp(kind, "announcement") == 0);
}

const char *gw_review_recipient_name(enum gw_review_recipient r)
{
    switch (r) {
    case GW_RECIPIENT_APPROVER:
        return "approver";
    case GW_RECIPIENT_DEPARTMENT_HEAD:
        return "department_head";
    case GW_RECIPIENT_REQUESTER:
        return "requester";
    }
    return "unknown";
}

void gw_review_schedule_defaults(struct gw_review_schedule_settings *s)
{
    memset(s, 0, sizeof *s);
    s->remind_before = true;
    s->remind_on_due = true;
    s->overdue_every_days = 2;
    s->escalate_after_days = 7;
    s->send_minute_utc = 9 * 60;
}

/* Day number (days since 1970-01-01) of an instant, rounding down. */
static int64_t day_of(int64_t ms)
{
    int64_t d = ms / GW_REVIEW_DAY_MS;
    if (ms % GW_REVIEW_DAY_MS < 0)
        d--;
    return d;
}

static bool business_day(const struct gw_review_schedule_settings *s, int64_t day)
{
    int64_t wd = ((day + 4) % 7 + 7) % 7; /* 1970-01-01 was a Thursday; 0 = Sunday */
    if (wd == 0 || wd == 6)
        return false;
    for (size_t i = 0; i < s->n_holidays; i++) {
        if (day_of(s->holidays[i]) == day)
            return false;
    }
    return true;
}

bool gw_review_is_business_day(const struct gw_review_schedule_settings *s, int64_t day_ms)
{
    return business_day(s, day_of(day_ms));
}

unsigned gw_review_days_overdue(int64_t due_ms, int64_t now_ms)
{
    if (due_ms <= 0)
        return 0;
    int64_t d = day_of(now_ms) - day_of(due_ms);
    return d > 0 ? (unsigned)d : 0;
}

unsigned gw_review_stall_after_days(const struct gw_review_schedule_settings *s)
{
    return s->escalate_after_days > 0 ? s->escalate_after_days : GW_REVIEW_STALL_DEFAULT_DAYS;
}

bool gw_review_is_stalled(const struct gw_review_schedule_settings *s, int64_t due_ms,
                          int64_t now_ms)
{
    return due_ms > 0 && gw_review_days_overdue(due_ms, now_ms) >= gw_review_stall_after_days(s);
}

int64_t gw_review_silence_slot(int64_t due_ms)
{
    return (day_of(due_ms) + 1) * GW_REVIEW_DAY_MS;
}

static int64_t slot_of(const struct gw_review_schedule_settings *s, int64_t day)
{
    unsigned minute = s->send_minute_utc < 24 * 60 ? s->send_minute_utc : 0;
    return day * GW_REVIEW_DAY_MS + (int64_t)minute * MINUTE_MS;
}

/* The last business day on or before day (step -1), or on or after (step 1);
 * -1 when none within SEARCH_DAYS. */
static int64_t business_from(const struct gw_review_schedule_settings *s, int64_t day, int step)
{
    for (int i = 0; i < SEARCH_DAYS; i++, day += step) {
        if (business_day(s, day))
            return day;
    }
    return -1;
}

/* Appends ch to the key, percent-encoding what would make keys ambiguous. */
static void key_put_id(char *out, size_t cap, size_t *len, const char *id)
{
    for (const unsigned char *p = (const unsigned char *)(id ? id : ""); *p; p++) {
        int n;
        if (*p == '%' || *p == '/' || *p < 0x20 || *p == 0x7f)
            n = snprintf(out + *len, cap - *len, "%%%02X", *p);
        else
            n = snprintf(out + *len, cap - *len, "%c", *p);
        if (n < 0 || (size_t)n >= cap - *len)
            return;
        *len += (size_t)n;
    }
}

static void key_put_sep(char *out, size_t cap, size_t *len)
{
    if (*len < cap - 1)
        out[(*len)++] = '/';
    out[*len] = '\0';
}

void gw_review_notice_key(char out[GW_REVIEW_NOTICE_KEY_MAX], const char *round_id,
                          const char *approver_id, const char *kind, const char *slot)
{
    const size_t cap = GW_REVIEW_NOTICE_KEY_MAX;
    size_t len = 0;
    out[0] = '\0';
    key_put_id(out, cap, &len, round_id);
    key_put_sep(out, cap, &len);
    key_put_id(out, cap, &len, approver_id ? approver_id : "-");
    key_put_sep(out, cap, &len);
    key_put_id(out, cap, &len, kind);
    key_put_sep(out, cap, &len);
    key_put_id(out, cap, &len, slot);
}

void gw_review_notice_key_at(char out[GW_REVIEW_NOTICE_KEY_MAX], const char *round_id,
                             const char *approver_id, const char *kind, int64_t slot_ms)
{
    char slot[24];
    snprintf(slot, sizeof slot, "%lld", (long long)slot_ms);
    gw_review_notice_key(out, round_id, approver_id, kind, slot);
}

static void make_key(const struct gw_review_schedule_input *in, struct gw_review_due_notice *n)
{
    gw_review_notice_key_at(n->key, in->round_id, in->approver_id,
                            gw_review_notice_kind_name(n->kind), n->scheduled_ms);
}

static bool already_sent(const struct gw_review_schedule_input *in, enum gw_review_notice_kind k,
                         int64_t slot)
{
    for (size_t i = 0; i < in->n_sent; i++) {
        if (in->sent[i].kind == k && in->sent[i].scheduled_ms == slot)
            return true;
    }
    return false;
}

struct candidate {
    enum gw_review_notice_kind kind;
    int64_t slot; /* -1: none */
};

/* The latest reminder slot reached by now (after asked_ms), or slot -1. */
static struct candidate latest_reminder(const struct gw_review_schedule_settings *s,
                                        const struct gw_review_schedule_input *in, int64_t due_day,
                                        int64_t now_ms)
{
    struct candidate best = {GW_NOTICE_REMINDER_DUE, -1};
    int64_t on_day = business_from(s, due_day, -1);
    int64_t before_day = on_day >= 0 ? business_from(s, on_day - 1, -1) : -1;
    int64_t slot;

    if (s->remind_before && before_day >= 0) {
        slot = slot_of(s, before_day);
        if (slot <= now_ms && slot > in->asked_ms && slot > best.slot)
            best = (struct candidate){GW_NOTICE_REMINDER_BEFORE, slot};
    }
    if (s->remind_on_due && on_day >= 0) {
        slot = slot_of(s, on_day);
        if (slot <= now_ms && slot > in->asked_ms && slot > best.slot)
            best = (struct candidate){GW_NOTICE_REMINDER_DUE, slot};
    }
    if (in->silence_agreed || s->overdue_every_days == 0)
        return best;
    unsigned count = 0;
    for (int64_t day = due_day + 1; day < due_day + SEARCH_DAYS; day++) {
        slot = slot_of(s, day);
        if (slot > now_ms)
            break;
        if (!business_day(s, day))
            continue;
        count++;
        if (count % s->overdue_every_days == 0 && slot > in->asked_ms && slot > best.slot)
            best = (struct candidate){GW_NOTICE_REMINDER_OVERDUE, slot};
    }
    return best;
}

static void emit(const struct gw_review_schedule_input *in, struct candidate c,
                 enum gw_review_recipient to, struct gw_review_due_notice *out, size_t *n)
{
    if (c.slot < 0 || already_sent(in, c.kind, c.slot))
        return;
    struct gw_review_due_notice *d = &out[(*n)++];
    memset(d, 0, sizeof *d);
    d->kind = c.kind;
    d->recipient = to;
    d->scheduled_ms = c.slot;
    d->days_overdue = gw_review_days_overdue(in->due_ms, c.slot);
    d->marks_stalled = c.kind == GW_NOTICE_ESCALATION;
    make_key(in, d);
}

void gw_review_schedule_due(const struct gw_review_schedule_settings *settings,
                            const struct gw_review_schedule_input *in, int64_t now_ms,
                            struct gw_review_due_notice out[3], size_t *n_out)
{
    *n_out = 0;
    if (in->decided || in->due_ms <= 0)
        return;
    int64_t due_day = day_of(in->due_ms);
    struct candidate rem = latest_reminder(settings, in, due_day, now_ms);
    struct candidate esc = {GW_NOTICE_ESCALATION, -1};
    struct candidate sil = {GW_NOTICE_APPROVE_ON_SILENCE, -1};

    if (in->silence_agreed) {
        int64_t slot = gw_review_silence_slot(in->due_ms);
        if (slot <= now_ms)
            sil.slot = slot;
    } else if (settings->escalate_after_days > 0) {
        int64_t day = business_from(settings, due_day + settings->escalate_after_days, 1);
        int64_t slot = day >= 0 ? slot_of(settings, day) : -1;
        if (slot >= 0 && slot <= now_ms)
            esc.slot = slot;
    }
    /* In slot order; the reminder is never later than now, nor are the others. */
    struct candidate all[3] = {rem, esc, sil};
    enum gw_review_recipient to[3] = {GW_RECIPIENT_APPROVER, GW_RECIPIENT_DEPARTMENT_HEAD,
                                      GW_RECIPIENT_REQUESTER};
    bool done[3] = {false, false, false};
    for (int round = 0; round < 3; round++) {
        int pick = -1;
        for (int i = 0; i < 3; i++) {
            if (!done[i] && (pick < 0 || all[i].slot < all[pick].slot))
                pick = i;
        }
        done[pick] = true;
        emit(in, all[pick], to[pick], out, n_out);
    }
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

const char *gw_review_notice_recipient(enum gw_review_recipient to,
                                       const struct gw_review_notice_people *p)
{
    switch (to) {
    case GW_RECIPIENT_APPROVER:
        return p->delegate_id && *p->delegate_id ? p->delegate_id : or_empty(p->approver_id);
    case GW_RECIPIENT_DEPARTMENT_HEAD:
        return or_empty(p->approver_head_id);
    case GW_RECIPIENT_REQUESTER:
        return p->author_id && *p->author_id ? p->author_id : or_empty(p->requester_head_id);
    }
    return "";
}

void gw_review_notice_recorded(const struct gw_review_due_notice *n,
                               struct gw_review_recorded_notice *out)
{
    memset(out, 0, sizeof *out);
    out->mark_stalled = n->marks_stalled;
    out->audit = n->kind == GW_NOTICE_ESCALATION || n->kind == GW_NOTICE_APPROVE_ON_SILENCE;
    out->conclude = n->kind == GW_NOTICE_APPROVE_ON_SILENCE;
    if (!out->audit)
        return;
    snprintf(out->audit_action, sizeof out->audit_action, "notice.%s",
             gw_review_notice_kind_name(n->kind));
    snprintf(out->audit_comment, sizeof out->audit_comment, "%u days overdue", n->days_overdue);
}
