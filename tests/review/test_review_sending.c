/* Tests for review/sending.c: which claimed notices are skipped and why,
 * which carry personal links, and the status a delivery's outcome leaves a
 * notice in (tables of cases; no database). */
#include "gw/review.h"
#include "gwtest.h"

#include <stddef.h>

static void test_skip(void)
{
    static const struct {
        const char *kind;
        bool round_open, decided;
        const char *why; /* NULL: sent */
    } cases[] = {
        {"ask", true, false, NULL},
        {"ask", true, true, "the approver has decided"},
        {"ask", false, false, "the round closed"},
        {"ask", false, true, "the round closed"},
        {"reminder_before", true, false, NULL},
        {"reminder_due", true, true, "the approver has decided"},
        {"reminder_overdue", false, false, "the round closed"},
        /* the head is told even if the approver decided since */
        {"escalation", true, true, NULL},
        {"escalation", false, false, "the round closed"},
        /* notices that announce how the round ended outlive it */
        {"approve_on_silence", false, true, NULL},
        {"changes_requested", false, false, NULL},
        {"announcement", false, true, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *why =
            gw_review_notice_skip(cases[i].kind, cases[i].round_open, cases[i].decided);
        if (!cases[i].why) {
            CHECK(why == NULL);
            if (why)
                fprintf(stderr, "  case %zu (%s): skipped: %s\n", i, cases[i].kind, why);
        } else {
            CHECK_STR(why ? why : "(sent)", cases[i].why);
        }
    }
}

static void test_personal(void)
{
    CHECK(gw_review_notice_personal("ask"));
    CHECK(gw_review_notice_personal("reminder_before"));
    CHECK(gw_review_notice_personal("reminder_due"));
    CHECK(gw_review_notice_personal("reminder_overdue"));
    CHECK(!gw_review_notice_personal("escalation"));
    CHECK(!gw_review_notice_personal("approve_on_silence"));
    CHECK(!gw_review_notice_personal("changes_requested"));
    CHECK(!gw_review_notice_personal("announcement"));
    CHECK(!gw_review_notice_personal("reminder"));
}

static void test_done(void)
{
    static const struct {
        const char *outcome;
        int64_t attempts, max;
        const char *status;
        int64_t sent_ms;
    } cases[] = {
        {"sent", 1, 5, "sent", 1000},    {"sent", 7, 5, "sent", 1000},
        {"skipped", 1, 0, "skipped", 0}, {"failed", 1, 5, "pending", 0},
        {"failed", 4, 5, "pending", 0},  {"failed", 5, 5, "failed", 0},
        {"failed", 6, 5, "failed", 0},   {"failed", 1, 0, "failed", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct gw_review_notice_done d = {NULL, -1};
        gw_review_notice_done(cases[i].outcome, cases[i].attempts, cases[i].max, 1000, &d);
        CHECK_STR(d.status, cases[i].status);
        CHECK_INT(d.sent_ms, cases[i].sent_ms);
    }
}

int main(void)
{
    GW_RUN(test_skip);
    GW_RUN(test_personal);
    GW_RUN(test_done);
    return gw_test_summary();
}
