/* notice.c: the words of review notices: mail subject and plain-text body,
 * Slack and Teams incoming-webhook payloads. One set of sentences per kind
 * (request, reminder before / on / after the due date, escalation,
 * approve-on-silence) feeds all four renderings, so mail and chat say the
 * same thing. Owns wording and payload shapes; does not own sending
 * (outbound/) nor choosing who gets what (schedule.c and the scheduler). */
#include "gw/review.h"

#include "gw/buf.h"
#include "gw/json.h"
#include "gw/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *or_dash(const char *s)
{
    return s && *s ? s : "(not given)";
}

static const char *or_default(const char *s, const char *def)
{
    return s && *s ? s : def;
}

/* "Mon 2026-11-30" */
static void format_day(int64_t ms, char out[32])
{
    static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    char iso[32];
    int64_t day = ms / GW_REVIEW_DAY_MS - (ms % GW_REVIEW_DAY_MS < 0);
    gw_time_format_ms(ms, iso);
    snprintf(out, 32, "%s %.10s", wd[((day + 4) % 7 + 7) % 7], iso);
}

/* "Sunday 14 March" */
static void format_long_day(int64_t ms, char out[48])
{
    static const char *const wd[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                     "Thursday", "Friday", "Saturday"};
    static const char *const mon[] = {"January",   "February", "March",    "April",
                                      "May",       "June",     "July",     "August",
                                      "September", "October",  "November", "December"};
    char iso[32];
    int64_t day = ms / GW_REVIEW_DAY_MS - (ms % GW_REVIEW_DAY_MS < 0);
    gw_time_format_ms(ms, iso);
    int m = (iso[5] - '0') * 10 + (iso[6] - '0');
    int d = (iso[8] - '0') * 10 + (iso[9] - '0');
    snprintf(out, 48, "%s %d %s", wd[((day + 4) % 7 + 7) % 7], d,
             mon[m >= 1 && m <= 12 ? m - 1 : 0]);
}

static int64_t day_number(int64_t ms)
{
    return ms / GW_REVIEW_DAY_MS - (ms % GW_REVIEW_DAY_MS < 0);
}

/* How a reminder words its due date, relative to the day it is sent: "is due
 * today (Sunday 14 March)", "is due tomorrow (...)", "is due in 3 days, on
 * ...", "was due on ..." (sent late), "is due on ..." (unknown send day). The
 * headline form is the short one, capitalised: "Due today", "Due tomorrow",
 * "Due in 3 days", "Due Sunday 14 March", "Was due Sunday 14 March". */
static void due_words(const struct gw_review_notice_view *v, struct gw_buf *phrase,
                      struct gw_buf *head)
{
    char day[48];
    format_long_day(v->due_ms, day);
    bool known = v->sent_ms > 0 || v->kind == GW_NOTICE_REMINDER_DUE;
    int64_t sent_day = v->sent_ms > 0 ? day_number(v->sent_ms) : day_number(v->due_ms);
    int64_t left = day_number(v->due_ms) - sent_day;
    if (!known) {
        gw_buf_printf(phrase, "is due on %s", day);
        gw_buf_printf(head, "Due %s", day);
    } else if (left < 0) {
        gw_buf_printf(phrase, "was due on %s", day);
        gw_buf_printf(head, "Was due %s", day);
    } else if (left == 0) {
        gw_buf_printf(phrase, "is due today (%s)", day);
        gw_buf_puts(head, "Due today");
    } else if (left == 1) {
        gw_buf_printf(phrase, "is due tomorrow (%s)", day);
        gw_buf_puts(head, "Due tomorrow");
    } else {
        gw_buf_printf(phrase, "is due in %lld days, on %s", (long long)left, day);
        gw_buf_printf(head, "Due in %lld days", (long long)left);
    }
}

/* Links are personal (they decide as the approver): only requests and
 * reminders to the approver carry them. */
static bool has_links(const struct gw_review_notice_view *v)
{
    if (!v->initial_request && v->kind != GW_NOTICE_REMINDER_BEFORE &&
        v->kind != GW_NOTICE_REMINDER_DUE && v->kind != GW_NOTICE_REMINDER_OVERDUE)
        return false;
    return (v->approve_url && *v->approve_url) || (v->changes_url && *v->changes_url);
}

struct words {
    struct gw_buf headline;    /* one line: the subject */
    struct gw_buf lead;        /* what happened and what we ask */
    struct gw_buf consequence; /* why it matters */
};

static void words_free(struct words *w)
{
    gw_buf_free(&w->headline);
    gw_buf_free(&w->lead);
    gw_buf_free(&w->consequence);
}

static void consequence(const struct gw_review_notice_view *v, struct gw_buf *b)
{
    char day[32];
    gw_buf_puts(b, "The course cannot go live until the review is done: the delivery date moves "
                   "with every day of delay");
    if (v->delivery_ms > 0) {
        format_day(v->delivery_ms, day);
        gw_buf_printf(b, " (planned for %s).", day);
    } else {
        gw_buf_puts(b, ".");
    }
}

static void make_words(const struct gw_review_notice_view *v, struct words *w)
{
    const char *title = or_default(v->course_title, "a course");
    const char *approver = or_default(v->approver_name, "the approver");
    char due[32] = "";
    memset(w, 0, sizeof *w);
    if (v->due_ms > 0)
        format_day(v->due_ms, due);
    if (v->initial_request) {
        gw_buf_printf(&w->headline, "Review requested: %s", title);
        gw_buf_printf(&w->lead, "%s asks you to review the course \"%s\" for %s.",
                      or_default(v->author_name, "The training team"), title,
                      or_default(v->department, "your department"));
        if (due[0])
            gw_buf_printf(&w->lead, " Please decide by %s.", due);
        consequence(v, &w->consequence);
        return;
    }
    struct gw_buf when = {0}, when_head = {0};
    if (v->due_ms > 0)
        due_words(v, &when, &when_head);
    switch (v->kind) {
    case GW_NOTICE_REMINDER_BEFORE:
        /* the business day before the due-date reminder: "due tomorrow" or,
         * with a weekend or holiday between, "due in N days" */
        gw_buf_printf(&w->headline, "Reminder: review of %s %s", title, gw_buf_str(&when));
        gw_buf_printf(&w->lead, "Your review of \"%s\" %s.", title, gw_buf_str(&when));
        consequence(v, &w->consequence);
        break;
    case GW_NOTICE_REMINDER_DUE:
        /* sent on the last business day on or before the due date: "today"
         * only when that is the due date itself */
        gw_buf_printf(&w->headline, "%s: review of %s", gw_buf_str(&when_head), title);
        gw_buf_printf(&w->lead, "Your review of \"%s\" %s.", title, gw_buf_str(&when));
        consequence(v, &w->consequence);
        break;
    case GW_NOTICE_REMINDER_OVERDUE:
        gw_buf_printf(&w->headline, "Overdue by %u day%s: review of %s", v->days_overdue,
                      v->days_overdue == 1 ? "" : "s", title);
        gw_buf_printf(&w->lead, "Your review of \"%s\" was due on %s and is %u day%s overdue.",
                      title, due, v->days_overdue, v->days_overdue == 1 ? "" : "s");
        consequence(v, &w->consequence);
        break;
    case GW_NOTICE_ESCALATION:
        gw_buf_printf(&w->headline, "Stalled: %s's review of %s is %u days overdue", approver,
                      title, v->days_overdue);
        gw_buf_printf(&w->lead,
                      "%s has not yet reviewed \"%s\", requested by %s; it was due on %s and is "
                      "%u days overdue. Please follow up with them, or name a colleague to "
                      "decide in their place.",
                      approver, title, or_default(v->department, "your department"), due,
                      v->days_overdue);
        consequence(v, &w->consequence);
        break;
    case GW_NOTICE_APPROVE_ON_SILENCE:
        gw_buf_printf(&w->headline, "Approved on silence: %s's review of %s", approver, title);
        gw_buf_printf(&w->lead,
                      "%s did not answer by the due date (%s). As %s agreed when requesting "
                      "the course, their silence now counts as approval; this is recorded in "
                      "the audit log as approval on silence.",
                      approver, due, or_default(v->department, "the requesting department"));
        gw_buf_puts(&w->consequence, "No action is needed unless you object.");
        break;
    }
    gw_buf_free(&when);
    gw_buf_free(&when_head);
}

/* Replaces CR, LF and other control bytes by spaces (no header injection). */
static char *one_line(const char *s)
{
    char *out = gw_xstrdup(s);
    for (char *p = out; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    }
    return out;
}

char *gw_review_notice_subject(const struct gw_review_notice_view *v)
{
    struct words w;
    make_words(v, &w);
    char *s = one_line(gw_buf_str(&w.headline));
    words_free(&w);
    return s;
}

char *gw_review_notice_text(const struct gw_review_notice_view *v)
{
    struct words w;
    struct gw_buf b = {0};
    char day[32];
    make_words(v, &w);
    gw_buf_printf(&b, "Hello %s,\n\n%s\n\n", or_default(v->recipient_name, ""),
                  gw_buf_str(&w.lead));
    gw_buf_printf(&b, "Course:      %s\n", or_dash(v->course_title));
    gw_buf_printf(&b, "Department:  %s\n", or_dash(v->department));
    if (v->due_ms > 0) {
        format_day(v->due_ms, day);
        gw_buf_printf(&b, "Due date:    %s\n", day);
    }
    if (v->days_overdue > 0)
        gw_buf_printf(&b, "Overdue:     %u day%s\n", v->days_overdue,
                      v->days_overdue == 1 ? "" : "s");
    if (v->delivery_ms > 0) {
        format_day(v->delivery_ms, day);
        gw_buf_printf(&b, "Delivery:    %s\n", day);
    }
    if (v->changes_summary && *v->changes_summary)
        gw_buf_printf(&b, "Changed:     %s\n", v->changes_summary);
    gw_buf_printf(&b, "\n%s\n", gw_buf_str(&w.consequence));
    if (has_links(v)) {
        gw_buf_puts(&b, "\n");
        if (v->approve_url && *v->approve_url)
            gw_buf_printf(&b, "Approve:          %s\n", v->approve_url);
        if (v->changes_url && *v->changes_url)
            gw_buf_printf(&b, "Request changes:  %s\n", v->changes_url);
        gw_buf_puts(&b, "\nEach link opens a page with the course's details and what changed; "
                        "nothing is decided until you confirm there. The links are personal, "
                        "work once and expire: please do not forward them.\n");
    }
    char *out = gw_xstrdup(gw_buf_str(&b));
    gw_buf_free(&b);
    words_free(&w);
    return out;
}

/* s with Slack's control characters escaped, as a new string. */
static char *slack_escape(const char *s)
{
    struct gw_buf b = {0};
    gw_buf_slack(&b, s);
    char *out = gw_xstrdup(gw_buf_str(&b));
    gw_buf_free(&b);
    return out;
}

static json_t *slack_mrkdwn(const char *text)
{
    return json_pack("{s:s,s:o}", "type", "mrkdwn", "text", gw_json_str(text));
}

static void slack_field(json_t *fields, const char *label, const char *value)
{
    char *e = slack_escape(value);
    struct gw_buf b = {0};
    gw_buf_printf(&b, "*%s*\n%s", label, e);
    json_array_append_new(fields, slack_mrkdwn(gw_buf_str(&b)));
    gw_buf_free(&b);
    free(e);
}

static json_t *slack_button(const char *label, const char *url, const char *action, bool primary)
{
    json_t *btn =
        json_pack("{s:s,s:{s:s,s:s},s:o,s:s}", "type", "button", "text", "type", "plain_text",
                  "text", label, "url", gw_json_str(url), "action_id", action);
    if (primary)
        json_object_set_new(btn, "style", json_string("primary"));
    return btn;
}

/* Facts shared by Slack fields and the Teams FactSet: label, value pairs. */
static size_t facts(const struct gw_review_notice_view *v, char values[5][256],
                    const char *labels[5])
{
    size_t n = 0;
    char day[32];
    labels[n] = "Department";
    snprintf(values[n++], 256, "%s", or_dash(v->department));
    if (v->due_ms > 0) {
        format_day(v->due_ms, day);
        labels[n] = "Due date";
        snprintf(values[n++], 256, "%s", day);
    }
    if (v->days_overdue > 0) {
        labels[n] = "Overdue";
        snprintf(values[n++], 256, "%u day%s", v->days_overdue, v->days_overdue == 1 ? "" : "s");
    }
    if (v->delivery_ms > 0) {
        format_day(v->delivery_ms, day);
        labels[n] = "Delivery date";
        snprintf(values[n++], 256, "%s", day);
    }
    return n;
}

json_t *gw_review_notice_slack(const struct gw_review_notice_view *v)
{
    struct words w;
    char values[5][256];
    const char *labels[5];
    make_words(v, &w);
    char *head = slack_escape(gw_buf_str(&w.headline));
    char *lead = slack_escape(gw_buf_str(&w.lead));
    char *cons = slack_escape(gw_buf_str(&w.consequence));
    struct gw_buf b = {0};
    gw_buf_printf(&b, "*%s*\n%s", head, lead);
    json_t *blocks = json_array();
    json_array_append_new(
        blocks, json_pack("{s:s,s:o}", "type", "section", "text", slack_mrkdwn(gw_buf_str(&b))));
    json_t *fields = json_array();
    size_t n = facts(v, values, labels);
    for (size_t i = 0; i < n; i++)
        slack_field(fields, labels[i], values[i]);
    if (v->changes_summary && *v->changes_summary)
        slack_field(fields, "Changed", v->changes_summary);
    json_array_append_new(blocks, json_pack("{s:s,s:o}", "type", "section", "fields", fields));
    json_array_append_new(
        blocks, json_pack("{s:s,s:[o]}", "type", "context", "elements", slack_mrkdwn(cons)));
    if (has_links(v)) {
        json_t *els = json_array();
        if (v->approve_url && *v->approve_url)
            json_array_append_new(els, slack_button("Approve", v->approve_url, "approve", true));
        if (v->changes_url && *v->changes_url)
            json_array_append_new(
                els, slack_button("Request changes", v->changes_url, "request_changes", false));
        json_array_append_new(blocks, json_pack("{s:s,s:o}", "type", "actions", "elements", els));
    }
    json_t *out = json_pack("{s:o,s:o}", "text", gw_json_str(head), "blocks", blocks);
    gw_buf_free(&b);
    free(head);
    free(lead);
    free(cons);
    words_free(&w);
    return out;
}

json_t *gw_review_notice_teams(const struct gw_review_notice_view *v)
{
    struct words w;
    char values[5][256];
    const char *labels[5];
    make_words(v, &w);
    json_t *body = json_array();
    json_array_append_new(body, json_pack("{s:s,s:o,s:s,s:s,s:b}", "type", "TextBlock", "text",
                                          gw_json_str(gw_buf_str(&w.headline)), "weight", "Bolder",
                                          "size", "Medium", "wrap", 1));
    json_array_append_new(body, json_pack("{s:s,s:o,s:b}", "type", "TextBlock", "text",
                                          gw_json_str(gw_buf_str(&w.lead)), "wrap", 1));
    json_t *fs = json_array();
    size_t n = facts(v, values, labels);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            fs, json_pack("{s:s,s:o}", "title", labels[i], "value", gw_json_str(values[i])));
    if (v->changes_summary && *v->changes_summary)
        json_array_append_new(fs, json_pack("{s:s,s:o}", "title", "Changed", "value",
                                            gw_json_str(v->changes_summary)));
    json_array_append_new(body, json_pack("{s:s,s:o}", "type", "FactSet", "facts", fs));
    json_array_append_new(body, json_pack("{s:s,s:o,s:b,s:b}", "type", "TextBlock", "text",
                                          gw_json_str(gw_buf_str(&w.consequence)), "wrap", 1,
                                          "isSubtle", 1));
    json_t *card = json_pack("{s:s,s:s,s:s,s:o}", "$schema",
                             "http://adaptivecards.io/schemas/adaptive-card.json", "type",
                             "AdaptiveCard", "version", "1.4", "body", body);
    if (has_links(v)) {
        json_t *actions = json_array();
        if (v->approve_url && *v->approve_url)
            json_array_append_new(actions,
                                  json_pack("{s:s,s:s,s:o,s:s}", "type", "Action.OpenUrl", "title",
                                            "Approve", "url", gw_json_str(v->approve_url), "style",
                                            "positive"));
        if (v->changes_url && *v->changes_url)
            json_array_append_new(actions,
                                  json_pack("{s:s,s:s,s:o}", "type", "Action.OpenUrl", "title",
                                            "Request changes", "url", gw_json_str(v->changes_url)));
        json_object_set_new(card, "actions", actions);
    }
    json_t *out =
        json_pack("{s:s,s:[{s:s,s:n,s:o}]}", "type", "message", "attachments", "contentType",
                  "application/vnd.microsoft.card.adaptive", "contentUrl", "content", card);
    words_free(&w);
    return out;
}
