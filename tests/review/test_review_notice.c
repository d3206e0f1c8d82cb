/* Tests for review/notice.c: mail subject and body, Slack and Teams payload
 * shapes, escaping, and that personal links only go to the approver. */
#include "gw/review.h"
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

static struct gw_review_notice_view view(enum gw_review_notice_kind kind)
{
    struct gw_review_notice_view v = {0};
    v.kind = kind;
    v.recipient_name = "Ann Lee";
    v.approver_name = "Ann Lee";
    v.course_title = "Safe lifting <basics> & more";
    v.department = "Warehouse Ops";
    v.author_name = "Chris (eLearning)";
    v.due_ms = at("2026-12-02T00:00:00Z");
    v.delivery_ms = at("2027-01-15T00:00:00Z");
    v.approve_url = "https://gw.example.org/review/abc.def?intent=approve";
    v.changes_url = "https://gw.example.org/review/abc.def?intent=request_changes";
    v.changes_summary = "1 file added, 2 changed";
    return v;
}

static void test_mail(void)
{
    struct gw_review_notice_view v = view(GW_NOTICE_REMINDER_OVERDUE);
    v.days_overdue = 3;
    char *subj = gw_review_notice_subject(&v);
    CHECK_STR(subj, "Overdue by 3 days: review of Safe lifting <basics> & more");
    free(subj);
    char *body = gw_review_notice_text(&v);
    CHECK(strstr(body, "Hello Ann Lee,") == body);
    CHECK(strstr(body, "Warehouse Ops") != NULL);
    CHECK(strstr(body, "Wed 2026-12-02") != NULL);
    CHECK(strstr(body, "3 days overdue") != NULL);
    CHECK(strstr(body, "the delivery date moves") != NULL);
    CHECK(strstr(body, "Fri 2027-01-15") != NULL);
    CHECK(strstr(body, "Approve:          https://gw.example.org/review/abc.def?intent=approve") !=
          NULL);
    CHECK(strstr(body, "intent=request_changes") != NULL);
    CHECK(strstr(body, "nothing is decided until you confirm") != NULL);
    CHECK(strstr(body, "1 file added, 2 changed") != NULL);
    free(body);

    /* Header injection through the title is neutralised in the subject. */
    v = view(GW_NOTICE_REMINDER_DUE);
    v.course_title = "Evil\r\nBcc: all@example.org";
    subj = gw_review_notice_subject(&v);
    CHECK(strchr(subj, '\r') == NULL && strchr(subj, '\n') == NULL);
    CHECK_STR(subj, "Due today: review of Evil  Bcc: all@example.org");
    free(subj);

    v = view(GW_NOTICE_REMINDER_BEFORE);
    v.initial_request = true;
    subj = gw_review_notice_subject(&v);
    CHECK_STR(subj, "Review requested: Safe lifting <basics> & more");
    free(subj);
    body = gw_review_notice_text(&v);
    CHECK(strstr(body, "Please decide by Wed 2026-12-02.") != NULL);
    free(body);

    v = view(GW_NOTICE_REMINDER_BEFORE);
    subj = gw_review_notice_subject(&v);
    /* sent on an unknown day: the date only */
    CHECK_STR(subj, "Reminder: review of Safe lifting <basics> & more is due on Wednesday 2 "
                    "December");
    free(subj);
}

static void test_escalation_and_silence(void)
{
    struct gw_review_notice_view v = view(GW_NOTICE_ESCALATION);
    v.recipient_name = "Pat Head";
    v.days_overdue = 7;
    char *subj = gw_review_notice_subject(&v);
    CHECK_STR(subj, "Stalled: Ann Lee's review of Safe lifting <basics> & more is 7 days overdue");
    free(subj);
    char *body = gw_review_notice_text(&v);
    CHECK(strstr(body, "Hello Pat Head,") == body);
    CHECK(strstr(body, "name a colleague") != NULL);
    CHECK(strstr(body, "the delivery date moves") != NULL);
    CHECK(strstr(body, "abc.def") == NULL); /* the approver's personal links are not forwarded */
    free(body);

    v = view(GW_NOTICE_APPROVE_ON_SILENCE);
    subj = gw_review_notice_subject(&v);
    CHECK(strstr(subj, "Approved on silence") == subj);
    free(subj);
    body = gw_review_notice_text(&v);
    CHECK(strstr(body, "counts as approval") != NULL);
    CHECK(strstr(body, "recorded") != NULL);
    free(body);
}

static void test_slack(void)
{
    struct gw_review_notice_view v = view(GW_NOTICE_REMINDER_OVERDUE);
    v.days_overdue = 1;
    json_t *j = gw_review_notice_slack(&v);
    REQUIRE(j != NULL);
    CHECK_STR(json_string_value(json_object_get(j, "text")),
              "Overdue by 1 day: review of Safe lifting &lt;basics&gt; &amp; more");
    json_t *blocks = json_object_get(j, "blocks");
    REQUIRE(json_is_array(blocks));
    CHECK_INT(json_array_size(blocks), 4);
    json_t *b0 = json_array_get(blocks, 0);
    CHECK_STR(json_string_value(json_object_get(b0, "type")), "section");
    CHECK_STR(json_string_value(json_object_get(json_object_get(b0, "text"), "type")), "mrkdwn");
    const char *t0 = json_string_value(json_object_get(json_object_get(b0, "text"), "text"));
    CHECK(t0 && strstr(t0, "<basics>") == NULL && strstr(t0, "&lt;basics&gt;") != NULL);
    json_t *fields = json_object_get(json_array_get(blocks, 1), "fields");
    CHECK_INT(json_array_size(fields), 5); /* department, due, overdue, delivery, changed */
    CHECK_STR(json_string_value(json_object_get(json_array_get(fields, 0), "text")),
              "*Department*\nWarehouse Ops");
    CHECK_STR(json_string_value(json_object_get(json_array_get(blocks, 2), "type")), "context");
    json_t *act = json_array_get(blocks, 3);
    CHECK_STR(json_string_value(json_object_get(act, "type")), "actions");
    json_t *els = json_object_get(act, "elements");
    REQUIRE(json_array_size(els) == 2);
    json_t *b = json_array_get(els, 0);
    CHECK_STR(json_string_value(json_object_get(b, "type")), "button");
    CHECK_STR(json_string_value(json_object_get(json_object_get(b, "text"), "type")), "plain_text");
    CHECK_STR(json_string_value(json_object_get(json_object_get(b, "text"), "text")), "Approve");
    CHECK_STR(json_string_value(json_object_get(b, "url")), v.approve_url);
    CHECK_STR(json_string_value(json_object_get(b, "style")), "primary");
    CHECK_STR(json_string_value(json_object_get(json_array_get(els, 1), "url")), v.changes_url);
    json_decref(j);

    v = view(GW_NOTICE_ESCALATION);
    v.days_overdue = 8;
    j = gw_review_notice_slack(&v);
    blocks = json_object_get(j, "blocks");
    CHECK_INT(json_array_size(blocks), 3); /* no buttons */
    json_decref(j);
}

static void test_teams(void)
{
    struct gw_review_notice_view v = view(GW_NOTICE_REMINDER_DUE);
    json_t *j = gw_review_notice_teams(&v);
    REQUIRE(j != NULL);
    CHECK_STR(json_string_value(json_object_get(j, "type")), "message");
    json_t *att = json_array_get(json_object_get(j, "attachments"), 0);
    CHECK_STR(json_string_value(json_object_get(att, "contentType")),
              "application/vnd.microsoft.card.adaptive");
    json_t *card = json_object_get(att, "content");
    CHECK_STR(json_string_value(json_object_get(card, "type")), "AdaptiveCard");
    CHECK_STR(json_string_value(json_object_get(card, "version")), "1.4");
    json_t *body = json_object_get(card, "body");
    CHECK_INT(json_array_size(body), 4);
    CHECK_STR(json_string_value(json_object_get(json_array_get(body, 0), "type")), "TextBlock");
    CHECK_STR(json_string_value(json_object_get(json_array_get(body, 0), "text")),
              "Due today: review of Safe lifting <basics> & more");
    json_t *fs = json_array_get(body, 2);
    CHECK_STR(json_string_value(json_object_get(fs, "type")), "FactSet");
    CHECK_STR(json_string_value(
                  json_object_get(json_array_get(json_object_get(fs, "facts"), 1), "title")),
              "Due date");
    json_t *actions = json_object_get(card, "actions");
    REQUIRE(json_array_size(actions) == 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(actions, 0), "type")),
              "Action.OpenUrl");
    CHECK_STR(json_string_value(json_object_get(json_array_get(actions, 1), "url")), v.changes_url);
    json_decref(j);

    /* Invalid UTF-8 in a title still gives a payload. */
    v.course_title = "bad \xff title";
    j = gw_review_notice_teams(&v);
    CHECK(j != NULL);
    json_decref(j);
    j = gw_review_notice_slack(&v);
    CHECK(j != NULL);
    json_decref(j);
}

/* Issue 15: the reminder the schedule sends at now_ms for a due date, as
 * worded: subject and body (caller frees both). The schedule picks the
 * notice and its day, the notice words the due date relative to that day. */
static bool reminder_at(const char *due, const char *now, const int64_t *holidays, size_t n_hol,
                        enum gw_review_notice_kind *kind, char **subj, char **body)
{
    struct gw_review_schedule_settings set;
    gw_review_schedule_defaults(&set);
    set.holidays = holidays;
    set.n_holidays = n_hol;
    struct gw_review_schedule_input in = {.round_id = "r1",
                                          .approver_id = "ann",
                                          .asked_ms = at("2027-03-01T08:00:00Z"),
                                          .due_ms = at(due)};
    struct gw_review_due_notice out[3];
    size_t n = 0;
    gw_review_schedule_due(&set, &in, at(now), out, &n);
    if (n != 1)
        return false;
    struct gw_review_notice_view v = view(out[0].kind);
    v.due_ms = in.due_ms;
    v.sent_ms = out[0].scheduled_ms;
    *kind = out[0].kind;
    *subj = gw_review_notice_subject(&v);
    *body = gw_review_notice_text(&v);
    return true;
}

#define T "Safe lifting <basics> & more"

static void test_due_words_weekday(void)
{
    enum gw_review_notice_kind k;
    char *subj = NULL, *body = NULL;
    /* due Wednesday 10 March: Tuesday's reminder says tomorrow, Wednesday's today */
    REQUIRE(reminder_at("2027-03-10T00:00:00Z", "2027-03-09T10:00:00Z", NULL, 0, &k, &subj, &body));
    CHECK_INT(k, GW_NOTICE_REMINDER_BEFORE);
    CHECK_STR(subj, "Reminder: review of " T " is due tomorrow (Wednesday 10 March)");
    CHECK(strstr(body, "is due tomorrow (Wednesday 10 March).") != NULL);
    free(subj);
    free(body);
    REQUIRE(reminder_at("2027-03-10T00:00:00Z", "2027-03-10T10:00:00Z", NULL, 0, &k, &subj, &body));
    CHECK_INT(k, GW_NOTICE_REMINDER_DUE);
    CHECK_STR(subj, "Due today: review of " T);
    CHECK(strstr(body, "is due today (Wednesday 10 March).") != NULL);
    free(subj);
    free(body);
}

static void test_due_words_weekend(void)
{
    enum gw_review_notice_kind k;
    char *subj = NULL, *body = NULL;
    /* due Sunday 14 March: the due-date reminder goes on Friday 12 */
    REQUIRE(reminder_at("2027-03-14T00:00:00Z", "2027-03-12T10:00:00Z", NULL, 0, &k, &subj, &body));
    CHECK_INT(k, GW_NOTICE_REMINDER_DUE);
    CHECK_STR(subj, "Due in 2 days: review of " T);
    CHECK(strstr(body, "is due in 2 days, on Sunday 14 March.") != NULL);
    CHECK(strstr(body, "due today") == NULL && strstr(body, "Due today") == NULL);
    CHECK(strstr(body, "Due date:    Sun 2027-03-14") != NULL);
    free(subj);
    free(body);
    /* and the one before on Thursday 11 */
    REQUIRE(reminder_at("2027-03-14T00:00:00Z", "2027-03-11T10:00:00Z", NULL, 0, &k, &subj, &body));
    CHECK_INT(k, GW_NOTICE_REMINDER_BEFORE);
    CHECK_STR(subj, "Reminder: review of " T " is due in 3 days, on Sunday 14 March");
    free(subj);
    free(body);
    /* due Saturday 13 March: Friday's reminder says tomorrow */
    REQUIRE(reminder_at("2027-03-13T00:00:00Z", "2027-03-12T10:00:00Z", NULL, 0, &k, &subj, &body));
    CHECK_INT(k, GW_NOTICE_REMINDER_DUE);
    CHECK_STR(subj, "Due tomorrow: review of " T);
    CHECK(strstr(body, "is due tomorrow (Saturday 13 March).") != NULL);
    free(subj);
    free(body);
}

static void test_due_words_holiday(void)
{
    enum gw_review_notice_kind k;
    char *subj = NULL, *body = NULL;
    /* due on a holiday Monday 15 March: the reminder goes on Friday 12 */
    int64_t monday = at("2027-03-15T00:00:00Z");
    REQUIRE(
        reminder_at("2027-03-15T00:00:00Z", "2027-03-12T10:00:00Z", &monday, 1, &k, &subj, &body));
    CHECK_INT(k, GW_NOTICE_REMINDER_DUE);
    CHECK_STR(subj, "Due in 3 days: review of " T);
    CHECK(strstr(body, "is due in 3 days, on Monday 15 March.") != NULL);
    free(subj);
    free(body);
    /* a holiday Friday 12 before a Monday due date: Thursday's reminder */
    int64_t friday = at("2027-03-12T00:00:00Z");
    REQUIRE(
        reminder_at("2027-03-15T00:00:00Z", "2027-03-11T10:00:00Z", &friday, 1, &k, &subj, &body));
    CHECK_INT(k, GW_NOTICE_REMINDER_BEFORE);
    CHECK_STR(subj, "Reminder: review of " T " is due in 4 days, on Monday 15 March");
    free(subj);
    free(body);
    /* a reminder delivered after the due date never says "today" */
    struct gw_review_notice_view v = view(GW_NOTICE_REMINDER_DUE);
    v.due_ms = at("2027-03-14T00:00:00Z");
    v.sent_ms = at("2027-03-15T09:00:00Z");
    subj = gw_review_notice_subject(&v);
    CHECK_STR(subj, "Was due Sunday 14 March: review of " T);
    free(subj);
}

int main(void)
{
    GW_RUN(test_mail);
    GW_RUN(test_escalation_and_silence);
    GW_RUN(test_slack);
    GW_RUN(test_teams);
    GW_RUN(test_due_words_weekday);
    GW_RUN(test_due_words_weekend);
    GW_RUN(test_due_words_holiday);
    return gw_test_summary();
}
