/* test_review_words.c: the review page's words (gw/review_words.h): dates as
 * people read them, days left or overdue, the policy as a sentence and when
 * approve-on-silence approves a round; without a database. */
#include "gw/review_words.h"
#include "gw/timefmt.h"
#include "gwtest.h"

#include <stdlib.h>
#include <string.h>

static int64_t at(const char *iso)
{
    int64_t ms = 0;
    if (!gw_time_parse_iso(iso, false, &ms))
        abort();
    return ms;
}

static int64_t day(const char *date)
{
    int64_t ms = 0;
    if (!gw_time_parse_date(date, &ms))
        abort();
    return ms;
}

static void test_date_words(void)
{
    static const struct {
        const char *iso, *want;
    } cases[] = {
        {"2027-03-12T00:00:00Z", "Friday 12 March 2027"},
        {"2027-03-09T23:59:59Z", "Tuesday 9 March 2027"},
        {"1970-01-01T00:00:00Z", "Thursday 1 January 1970"},
        {"1969-12-31T23:00:00Z", "Wednesday 31 December 1969"},
        {"2024-02-29T12:00:00Z", "Thursday 29 February 2024"},
        {"2000-03-01T00:00:00Z", "Wednesday 1 March 2000"},
        {"2026-12-07T13:00:00Z", "Monday 7 December 2026"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[GW_REVIEW_DATE_WORDS];
        gw_review_date_words(at(cases[i].iso), out);
        CHECK_STR(out, cases[i].want);
    }
    char out[GW_REVIEW_DATE_WORDS];
    gw_review_date_words(INT64_MAX, out); /* no overflow, some text */
    CHECK(strlen(out) > 0);
}

static void test_due_words(void)
{
    static const struct {
        const char *due, *now, *want;
        long long days;
    } cases[] = {
        {"2027-03-12", "2027-03-09T08:00:00Z", "3 days left", 3},
        {"2027-03-12", "2027-03-11T23:59:59Z", "1 day left", 1},
        {"2027-03-12", "2027-03-12T00:00:00Z", "due today", 0},
        {"2027-03-12", "2027-03-12T23:59:59Z", "due today", 0},
        {"2027-03-12", "2027-03-13T00:00:00Z", "1 day overdue", -1},
        {"2027-03-12", "2027-03-16T10:00:00Z", "4 days overdue", -4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[64];
        gw_review_due_words(day(cases[i].due), at(cases[i].now), out, sizeof out);
        CHECK_STR(out, cases[i].want);
        CHECK_INT(gw_review_days_until(day(cases[i].due), at(cases[i].now)), cases[i].days);
    }
    char out[8] = "x";
    gw_review_due_words(0, at("2027-03-12T00:00:00Z"), out, sizeof out);
    CHECK_STR(out, "");
    gw_review_due_words(day("2027-03-12"), at("2027-01-01T00:00:00Z"), out, sizeof out);
    CHECK_INT((long long)strlen(out), 7); /* truncated, terminated */
}

/* A round opened on 2027-03-01 with approvers due on the given dates ("" =
 * no due date). */
static void round_of(struct gw_review_round *r, enum gw_review_policy_kind kind, unsigned required,
                     bool silence, const char *const due[], size_t n)
{
    struct gw_review_policy p = {0};
    p.kind = kind;
    p.required = required;
    p.approve_on_silence = silence;
    if (silence) {
        strcpy(p.silence_agreed_by, "head");
        p.silence_agreed_ms = at("2027-02-01T00:00:00Z");
    }
    gw_review_round_init(r, "r1", "c1", at("2027-03-01T09:00:00Z"), &p);
    static const char *const ids[] = {"ann", "bob", "cat"};
    struct gw_error e;
    for (size_t i = 0; i < n; i++)
        gw_review_round_add_approver(r, ids[i], *due[i] ? day(due[i]) : 0, &e);
}

static void test_policy_words(void)
{
    const char *const due3[] = {"2027-03-08", "2027-03-11", "2027-03-10"};
    int64_t now = at("2027-03-02T10:00:00Z");
    struct gw_review_round r;
    char out[256];
    struct gw_error e;

    round_of(&r, GW_REVIEW_POLICY_ALL, 0, false, due3, 3);
    gw_review_policy_words(&r, now, out, sizeof out);
    CHECK_STR(out, "All approvers must approve.");
    CHECK_INT(gw_review_silence_approval_ms(&r, now), 0);
    gw_review_round_free(&r);

    round_of(&r, GW_REVIEW_POLICY_ALL, 0, false, due3, 1);
    gw_review_policy_words(&r, now, out, sizeof out);
    CHECK_STR(out, "The approver must approve.");
    gw_review_round_free(&r);

    round_of(&r, GW_REVIEW_POLICY_N_OF_M, 2, false, due3, 3);
    gw_review_policy_words(&r, now, out, sizeof out);
    CHECK_STR(out, "2 of 3 approvers must approve.");
    gw_review_round_free(&r);

    /* all must approve, on silence: the day after the latest due date */
    round_of(&r, GW_REVIEW_POLICY_ALL, 0, true, due3, 3);
    CHECK_INT(gw_review_silence_approval_ms(&r, now), day("2027-03-12"));
    gw_review_policy_words(&r, now, out, sizeof out);
    CHECK_STR(out, "All approvers must approve. Approves itself on Friday 12 March 2027 unless "
                   "someone objects.");
    /* an explicit approval from the latest one brings the date forward */
    CHECK_INT(gw_review_round_decide(&r, "bob", GW_REVIEW_APPROVE, NULL, GW_REVIEW_VIA_API, now,
                                     NULL, &e),
              GW_OK);
    CHECK_INT(gw_review_silence_approval_ms(&r, now), day("2027-03-11"));
    /* an objection: never */
    CHECK_INT(
        gw_review_round_decide(&r, "cat", GW_REVIEW_REJECT, "no", GW_REVIEW_VIA_API, now, NULL, &e),
        GW_OK);
    CHECK_INT(gw_review_silence_approval_ms(&r, now), 0);
    gw_review_policy_words(&r, now, out, sizeof out);
    CHECK(strstr(out, "count as approving") != NULL);
    gw_review_round_free(&r);

    /* 2 of 3 on silence: the second silence decides */
    round_of(&r, GW_REVIEW_POLICY_N_OF_M, 2, true, due3, 3);
    CHECK_INT(gw_review_silence_approval_ms(&r, now), day("2027-03-11"));
    gw_review_policy_words(&r, now, out, sizeof out);
    CHECK_STR(out, "2 of 3 approvers must approve. Approves itself on Thursday 11 March 2027 "
                   "unless someone objects.");
    gw_review_round_free(&r);

    /* an undecided approver without a due date never goes silent */
    const char *const nodue[] = {"2027-03-08", ""};
    round_of(&r, GW_REVIEW_POLICY_ALL, 0, true, nodue, 2);
    CHECK_INT(gw_review_silence_approval_ms(&r, now), 0);
    gw_review_policy_words(&r, now, out, sizeof out);
    CHECK_STR(out, "All approvers must approve. Approvers who do not answer by their due date "
                   "count as approving.");
    /* closed: never */
    r.closed = true;
    CHECK_INT(gw_review_silence_approval_ms(&r, now), 0);
    gw_review_round_free(&r);

    /* a due date already passed: from now */
    round_of(&r, GW_REVIEW_POLICY_ALL, 0, true, due3, 1);
    int64_t later = at("2027-03-20T10:00:00Z");
    CHECK_INT(gw_review_silence_approval_ms(&r, later), later);
    gw_review_round_free(&r);

    CHECK_STR(gw_review_decision_words(GW_REVIEW_REQUEST_CHANGES), "Requested changes");
    CHECK_STR(gw_review_decision_words(GW_REVIEW_REJECT), "Rejected");
    CHECK_STR(gw_review_decision_words(GW_REVIEW_PENDING), "Not decided yet");
}

int main(void)
{
    GW_RUN(test_date_words);
    GW_RUN(test_due_words);
    GW_RUN(test_policy_words);
    return gw_test_summary();
}
