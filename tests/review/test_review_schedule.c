/* Tests for review/schedule.c: a fake clock walks through whole review
 * periods hour by hour, a tiny in-memory "store" records what was sent under
 * its key (refusing duplicates, as the unique constraint would), and the tests
 * check which notices went out when: weekends, holidays, escalation at the
 * threshold, approve on silence, downtime and restarts; and what recording a
 * due notice does (stalled mark, audit line, concluding). Nothing sleeps. */
#include "gw/clock.h"
#include "gw/review.h"
#include "gw/timefmt.h"
#include "gwtest.h"

#include <stdlib.h>
#include <string.h>

#define HOUR_MS 3600000LL

static int64_t at(const char *iso)
{
    int64_t ms = 0;
    if (!gw_time_parse_iso(iso, false, &ms))
        abort();
    return ms;
}

struct store {
    size_t n;
    struct gw_review_sent sent[64];
    struct gw_review_due_notice log[64];
    int duplicates;
};

static bool store_has_key(const struct store *s, const char *key)
{
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->log[i].key, key) == 0)
            return true;
    }
    return false;
}

/* One scheduler tick: compute, then "insert" each notice under its key. */
static void tick(struct store *s, const struct gw_review_schedule_settings *set,
                 struct gw_review_schedule_input *in, int64_t now)
{
    struct gw_review_due_notice out[3];
    size_t n = 99;
    in->sent = s->sent;
    in->n_sent = s->n;
    gw_review_schedule_due(set, in, now, out, &n);
    CHECK(n <= 3);
    for (size_t i = 0; i < n && s->n < 64; i++) {
        if (store_has_key(s, out[i].key)) {
            s->duplicates++;
            continue;
        }
        CHECK(out[i].scheduled_ms <= now);
        s->log[s->n] = out[i];
        s->sent[s->n].kind = out[i].kind;
        s->sent[s->n].scheduled_ms = out[i].scheduled_ms;
        s->n++;
    }
}

/* Runs the scheduler every hour from start to end on a fake clock. */
static void run(struct store *s, const struct gw_review_schedule_settings *set,
                struct gw_review_schedule_input *in, const char *start, const char *end)
{
    struct gw_clock clock;
    gw_clock_init_fake(&clock, at(start));
    memset(s, 0, sizeof *s);
    while (gw_clock_now_ms(&clock) <= at(end)) {
        tick(s, set, in, gw_clock_now_ms(&clock));
        gw_clock_advance(&clock, HOUR_MS);
    }
    CHECK_INT(s->duplicates, 0);
}

static void expect(const struct store *s, size_t i, enum gw_review_notice_kind kind,
                   const char *when)
{
    if (i >= s->n) {
        fprintf(stderr, "  missing notice %zu (%s at %s)\n", i, gw_review_notice_kind_name(kind),
                when);
        CHECK(i < s->n);
        return;
    }
    char got[32];
    gw_time_format_ms(s->log[i].scheduled_ms, got);
    if (s->log[i].kind != kind || s->log[i].scheduled_ms != at(when))
        fprintf(stderr, "  notice %zu: %s at %s, expected %s at %s\n", i,
                gw_review_notice_kind_name(s->log[i].kind), got, gw_review_notice_kind_name(kind),
                when);
    CHECK_INT(s->log[i].kind, kind);
    CHECK_INT(s->log[i].scheduled_ms, at(when));
}

static struct gw_review_schedule_input input(const char *asked, const char *due)
{
    struct gw_review_schedule_input in = {0};
    in.round_id = "round-7";
    in.approver_id = "ann";
    in.asked_ms = at(asked);
    in.due_ms = at(due);
    return in;
}

/* Due Wednesday 2026-12-02; nobody answers for three weeks. */
static void test_weekday_due(void)
{
    struct gw_review_schedule_settings set;
    struct store s;
    gw_review_schedule_defaults(&set);
    struct gw_review_schedule_input in = input("2026-11-23T10:00:00Z", "2026-12-02T00:00:00Z");
    run(&s, &set, &in, "2026-11-23T10:00:00Z", "2026-12-14T23:00:00Z");
    expect(&s, 0, GW_NOTICE_REMINDER_BEFORE, "2026-12-01T09:00:00Z");
    expect(&s, 1, GW_NOTICE_REMINDER_DUE, "2026-12-02T09:00:00Z");
    expect(&s, 2, GW_NOTICE_REMINDER_OVERDUE, "2026-12-04T09:00:00Z"); /* Thu, Fri */
    expect(&s, 3, GW_NOTICE_REMINDER_OVERDUE, "2026-12-08T09:00:00Z"); /* Mon, Tue */
    expect(&s, 4, GW_NOTICE_ESCALATION, "2026-12-09T09:00:00Z");       /* 7 days overdue */
    expect(&s, 5, GW_NOTICE_REMINDER_OVERDUE, "2026-12-10T09:00:00Z");
    expect(&s, 6, GW_NOTICE_REMINDER_OVERDUE, "2026-12-14T09:00:00Z");
    CHECK_INT(s.n, 7);
    CHECK_INT(s.log[0].recipient, GW_RECIPIENT_APPROVER);
    CHECK_INT(s.log[0].days_overdue, 0);
    CHECK_INT(s.log[2].days_overdue, 2);
    CHECK_INT(s.log[4].recipient, GW_RECIPIENT_DEPARTMENT_HEAD);
    CHECK_INT(s.log[4].days_overdue, 7);
    CHECK(s.log[4].marks_stalled);
    CHECK(!s.log[3].marks_stalled);
    CHECK_STR(s.log[4].key, "round-7/ann/escalation/1796806800000");
    /* stalled from the threshold on, as the KPI counts it */
    CHECK(!gw_review_is_stalled(&set, in.due_ms, at("2026-12-08T23:59:59Z")));
    CHECK(gw_review_is_stalled(&set, in.due_ms, at("2026-12-09T00:00:00Z")));
    CHECK_INT(gw_review_days_overdue(in.due_ms, at("2026-12-02T23:00:00Z")), 0);
    CHECK_INT(gw_review_days_overdue(in.due_ms, at("2026-12-03T00:00:00Z")), 1);
}

/* Due dates around weekends: no reminder on a Saturday or Sunday. */
static void test_weekends(void)
{
    struct gw_review_schedule_settings set;
    struct store s;
    gw_review_schedule_defaults(&set);
    /* Due Monday: the reminder before goes out on Friday, not Sunday. */
    struct gw_review_schedule_input in = input("2026-11-23T10:00:00Z", "2026-11-30T00:00:00Z");
    run(&s, &set, &in, "2026-11-23T10:00:00Z", "2026-12-01T23:00:00Z");
    expect(&s, 0, GW_NOTICE_REMINDER_BEFORE, "2026-11-27T09:00:00Z");
    expect(&s, 1, GW_NOTICE_REMINDER_DUE, "2026-11-30T09:00:00Z");
    CHECK_INT(s.n, 2);

    /* Due Saturday: "due" on Friday, "before" on Thursday; overdue counts
     * business days from Monday; escalation day (Sat) moves to Monday. */
    in = input("2026-11-23T10:00:00Z", "2026-12-05T00:00:00Z");
    run(&s, &set, &in, "2026-11-23T10:00:00Z", "2026-12-15T00:00:00Z");
    expect(&s, 0, GW_NOTICE_REMINDER_BEFORE, "2026-12-03T09:00:00Z");
    expect(&s, 1, GW_NOTICE_REMINDER_DUE, "2026-12-04T09:00:00Z");
    expect(&s, 2, GW_NOTICE_REMINDER_OVERDUE, "2026-12-08T09:00:00Z");
    expect(&s, 3, GW_NOTICE_REMINDER_OVERDUE, "2026-12-10T09:00:00Z");
    /* Mon 14th: the 6th business day overdue and the escalation, in one tick. */
    expect(&s, 4, GW_NOTICE_REMINDER_OVERDUE, "2026-12-14T09:00:00Z");
    expect(&s, 5, GW_NOTICE_ESCALATION, "2026-12-14T09:00:00Z");
    CHECK_INT(s.n, 6);
    CHECK_INT(s.log[5].days_overdue, 9);
    for (size_t i = 0; i < s.n; i++)
        CHECK(gw_review_is_business_day(&set, s.log[i].scheduled_ms));
}

static void test_holidays_and_settings(void)
{
    struct gw_review_schedule_settings set;
    struct store s;
    int64_t holidays[] = {at("2026-12-24T00:00:00Z"), at("2026-12-25T00:00:00Z")};
    gw_review_schedule_defaults(&set);
    set.holidays = holidays;
    set.n_holidays = 2;
    set.overdue_every_days = 1;
    set.escalate_after_days = 3;
    set.send_minute_utc = 7 * 60 + 30;
    struct gw_review_schedule_input in = input("2026-12-14T10:00:00Z", "2026-12-23T00:00:00Z");
    run(&s, &set, &in, "2026-12-14T10:00:00Z", "2026-12-29T12:00:00Z");
    expect(&s, 0, GW_NOTICE_REMINDER_BEFORE, "2026-12-22T07:30:00Z");
    expect(&s, 1, GW_NOTICE_REMINDER_DUE, "2026-12-23T07:30:00Z");
    /* Thu 24 and Fri 25 are holidays, then a weekend: escalation day (26th)
     * and the first overdue reminder both land on Monday the 28th. */
    expect(&s, 2, GW_NOTICE_REMINDER_OVERDUE, "2026-12-28T07:30:00Z");
    expect(&s, 3, GW_NOTICE_ESCALATION, "2026-12-28T07:30:00Z");
    expect(&s, 4, GW_NOTICE_REMINDER_OVERDUE, "2026-12-29T07:30:00Z");
    CHECK_INT(s.n, 5);
    CHECK(!gw_review_is_business_day(&set, at("2026-12-24T13:00:00Z")));

    /* Everything off: only the reminder on the due date. */
    set.remind_before = false;
    set.overdue_every_days = 0;
    set.escalate_after_days = 0;
    run(&s, &set, &in, "2026-12-14T10:00:00Z", "2027-01-29T12:00:00Z");
    expect(&s, 0, GW_NOTICE_REMINDER_DUE, "2026-12-23T07:30:00Z");
    CHECK_INT(s.n, 1);
    /* nobody is told, but the board and the KPI still show it stalled once 7
     * days overdue (gw_review_stall_after_days) */
    CHECK_INT(gw_review_stall_after_days(&set), 7);
    CHECK(gw_review_is_stalled(&set, in.due_ms, at("2027-01-29T12:00:00Z")));
    CHECK(!gw_review_is_stalled(&set, in.due_ms, in.due_ms + 6 * 86400000LL));
}

static void test_approve_on_silence(void)
{
    struct gw_review_schedule_settings set;
    struct store s;
    gw_review_schedule_defaults(&set);
    struct gw_review_schedule_input in = input("2026-11-23T10:00:00Z", "2026-12-02T00:00:00Z");
    in.silence_agreed = true;
    run(&s, &set, &in, "2026-11-23T10:00:00Z", "2026-12-20T00:00:00Z");
    expect(&s, 0, GW_NOTICE_REMINDER_BEFORE, "2026-12-01T09:00:00Z");
    expect(&s, 1, GW_NOTICE_REMINDER_DUE, "2026-12-02T09:00:00Z");
    expect(&s, 2, GW_NOTICE_APPROVE_ON_SILENCE, "2026-12-03T00:00:00Z");
    CHECK_INT(s.n, 3); /* no overdue reminders, no escalation */
    CHECK_INT(s.log[2].recipient, GW_RECIPIENT_REQUESTER);
    CHECK_INT(s.log[2].days_overdue, 1);
}

static void test_late_ask_decided_and_no_due(void)
{
    struct gw_review_schedule_settings set;
    struct store s;
    gw_review_schedule_defaults(&set);
    /* Asked after the "before" slot: no reminder for a request just sent. */
    struct gw_review_schedule_input in = input("2026-12-01T10:00:00Z", "2026-12-02T00:00:00Z");
    run(&s, &set, &in, "2026-12-01T10:00:00Z", "2026-12-02T12:00:00Z");
    expect(&s, 0, GW_NOTICE_REMINDER_DUE, "2026-12-02T09:00:00Z");
    CHECK_INT(s.n, 1);

    in.decided = true;
    run(&s, &set, &in, "2026-12-01T10:00:00Z", "2026-12-30T12:00:00Z");
    CHECK_INT(s.n, 0);

    in = input("2026-12-01T10:00:00Z", "2026-12-02T00:00:00Z");
    in.due_ms = 0;
    run(&s, &set, &in, "2026-12-01T10:00:00Z", "2026-12-30T12:00:00Z");
    CHECK_INT(s.n, 0);
}

/* The gateway was down from the due date to the 10th: on restart it sends the
 * escalation and only the latest reminder, not a burst of missed ones. */
static void test_downtime_and_restart(void)
{
    struct gw_review_schedule_settings set;
    struct store s;
    gw_review_schedule_defaults(&set);
    struct gw_review_schedule_input in = input("2026-11-23T10:00:00Z", "2026-12-02T00:00:00Z");
    memset(&s, 0, sizeof s);
    tick(&s, &set, &in, at("2026-12-01T12:00:00Z"));
    CHECK_INT(s.n, 1);
    /* down until Thursday the 10th, 10:00 */
    struct gw_review_due_notice out[3], again[3];
    size_t n = 0, n2 = 0;
    in.sent = s.sent;
    in.n_sent = s.n;
    gw_review_schedule_due(&set, &in, at("2026-12-10T10:00:00Z"), out, &n);
    REQUIRE(n == 2);
    CHECK_INT(out[0].kind, GW_NOTICE_ESCALATION);
    CHECK_INT(out[0].scheduled_ms, at("2026-12-09T09:00:00Z"));
    CHECK_INT(out[1].kind, GW_NOTICE_REMINDER_OVERDUE);
    CHECK_INT(out[1].scheduled_ms, at("2026-12-10T09:00:00Z"));
    CHECK_INT(out[1].days_overdue, 8);
    /* Crash before recording: recomputing later gives the same keys. */
    gw_review_schedule_due(&set, &in, at("2026-12-10T10:59:00Z"), again, &n2);
    REQUIRE(n2 == 2);
    CHECK_STR(again[0].key, out[0].key);
    CHECK_STR(again[1].key, out[1].key);
    /* Recorded: nothing more until the next slot. */
    tick(&s, &set, &in, at("2026-12-10T11:00:00Z"));
    CHECK_INT(s.n, 3);
    in.sent = s.sent;
    in.n_sent = s.n;
    gw_review_schedule_due(&set, &in, at("2026-12-11T23:00:00Z"), out, &n);
    CHECK_INT(n, 0);
    gw_review_schedule_due(&set, &in, at("2026-12-14T09:00:00Z"), out, &n);
    CHECK_INT(n, 1);
}

static void test_keys(void)
{
    struct gw_review_schedule_settings set;
    gw_review_schedule_defaults(&set);
    struct gw_review_schedule_input in = input("2026-11-23T10:00:00Z", "2026-12-02T00:00:00Z");
    in.round_id = "r/1%";
    in.approver_id = "a/b";
    struct gw_review_due_notice out[3];
    size_t n = 0;
    gw_review_schedule_due(&set, &in, at("2026-12-02T10:00:00Z"), out, &n);
    REQUIRE(n == 1);
    CHECK_STR(out[0].key, "r%2F1%25/a%2Fb/reminder_due/1796202000000");
    /* the one key format every notice uses (requests, delegations, the
     * author's changes-requested notice) */
    char key[GW_REVIEW_NOTICE_KEY_MAX];
    gw_review_notice_key_at(key, "r1", "ann", "ask", 1796202000000);
    CHECK_STR(key, "r1/ann/ask/1796202000000");
    gw_review_notice_key_at(key, "r1", NULL, "changes_requested", 0);
    CHECK_STR(key, "r1/-/changes_requested/0");
    gw_review_notice_key(key, "r1", "ann", "ask_delegate", "bob/x");
    CHECK_STR(key, "r1/ann/ask_delegate/bob%2Fx");
    /* a long id is cut, never overflowing */
    char longid[400];
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    gw_review_notice_key(key, longid, "ann", "ask", "1");
    CHECK_INT(strlen(key), GW_REVIEW_NOTICE_KEY_MAX - 1);
    enum gw_review_notice_kind k;
    CHECK(gw_review_notice_kind_parse("approve_on_silence", &k));
    CHECK_INT(k, GW_NOTICE_APPROVE_ON_SILENCE);
    CHECK(!gw_review_notice_kind_parse("nag", &k));
    CHECK_STR(gw_review_recipient_name(GW_RECIPIENT_DEPARTMENT_HEAD), "department_head");
}

/* Who receives a notice, by recipient kind and who is there. */
static void test_recipients(void)
{
    struct gw_review_notice_people all = {"ann", "dan", "head-ops", "auth", "head-sales"};
    struct gw_review_notice_people few = {"ann", "", NULL, NULL, "head-sales"};
    struct gw_review_notice_people none = {"ann", NULL, NULL, "", NULL};
    CHECK_STR(gw_review_notice_recipient(GW_RECIPIENT_APPROVER, &all), "dan");
    CHECK_STR(gw_review_notice_recipient(GW_RECIPIENT_APPROVER, &few), "ann");
    CHECK_STR(gw_review_notice_recipient(GW_RECIPIENT_DEPARTMENT_HEAD, &all), "head-ops");
    CHECK_STR(gw_review_notice_recipient(GW_RECIPIENT_DEPARTMENT_HEAD, &few), "");
    CHECK_STR(gw_review_notice_recipient(GW_RECIPIENT_REQUESTER, &all), "auth");
    CHECK_STR(gw_review_notice_recipient(GW_RECIPIENT_REQUESTER, &few), "head-sales");
    CHECK_STR(gw_review_notice_recipient(GW_RECIPIENT_REQUESTER, &none), "");
}

/* What recording a due notice does, by kind (the table), and for the
 * escalation the schedule itself gives. */
static void test_recorded(void)
{
    static const struct {
        enum gw_review_notice_kind kind;
        bool marks_stalled;
        unsigned days;
        bool mark, audit;
        const char *action, *comment;
        bool conclude;
    } cases[] = {
        {GW_NOTICE_REMINDER_BEFORE, false, 0, false, false, "", "", false},
        {GW_NOTICE_REMINDER_DUE, false, 0, false, false, "", "", false},
        {GW_NOTICE_REMINDER_OVERDUE, false, 4, false, false, "", "", false},
        {GW_NOTICE_ESCALATION, true, 7, true, true, "notice.escalation", "7 days overdue", false},
        {GW_NOTICE_ESCALATION, true, 12, true, true, "notice.escalation", "12 days overdue", false},
        {GW_NOTICE_APPROVE_ON_SILENCE, false, 1, false, true, "notice.approve_on_silence",
         "1 days overdue", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct gw_review_due_notice n = {.kind = cases[i].kind,
                                         .marks_stalled = cases[i].marks_stalled,
                                         .days_overdue = cases[i].days};
        struct gw_review_recorded_notice fx;
        memset(&fx, 0x5a, sizeof fx);
        gw_review_notice_recorded(&n, &fx);
        CHECK_INT(fx.mark_stalled, cases[i].mark);
        CHECK_INT(fx.audit, cases[i].audit);
        CHECK_STR(fx.audit_action, cases[i].action);
        CHECK_STR(fx.audit_comment, cases[i].comment);
        CHECK_INT(fx.conclude, cases[i].conclude);
    }
    /* the schedule's own escalation: due Wednesday 2 December, escalated a
     * week later at 09:00 */
    struct gw_review_schedule_settings set;
    gw_review_schedule_defaults(&set);
    struct gw_review_schedule_input in = input("2026-11-23T10:00:00Z", "2026-12-02T00:00:00Z");
    struct gw_review_due_notice out[3];
    size_t n = 0;
    gw_review_schedule_due(&set, &in, at("2026-12-09T09:00:00Z"), out, &n);
    REQUIRE(n == 2);
    CHECK_INT(out[1].kind, GW_NOTICE_ESCALATION);
    struct gw_review_recorded_notice fx;
    gw_review_notice_recorded(&out[1], &fx);
    CHECK(fx.mark_stalled && fx.audit && !fx.conclude);
    CHECK_STR(fx.audit_comment, "7 days overdue");
    gw_review_notice_recorded(&out[0], &fx);
    CHECK(!fx.mark_stalled && !fx.audit && !fx.conclude);
}

int main(void)
{
    GW_RUN(test_weekday_due);
    GW_RUN(test_weekends);
    GW_RUN(test_holidays_and_settings);
    GW_RUN(test_approve_on_silence);
    GW_RUN(test_late_ask_decided_and_no_due);
    GW_RUN(test_downtime_and_restart);
    GW_RUN(test_keys);
    GW_RUN(test_recipients);
    GW_RUN(test_recorded);
    return gw_test_summary();
}
