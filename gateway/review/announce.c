/* announce.c: the launch announcement's domain (gw/announce.h): reading and
 * checking the communication plan's "announce" member, checking and filling
 * a department's template, and the chat payloads. Pure; does not own who
 * queues it (app/publish_jobs.c, with store/announce.c's verb) nor sending
 * (app/scheduler.c). */
#include "gw/announce.h"

#include "gw/buf.h"
#include "gw/json.h"
#include "gw/review.h"
#include "gw/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char gw_announce_default_subject[] = "{version_note}: {title}";
const char gw_announce_default_body[] =
    "Hello,\n\n"
    "{version_note}: \"{title}\" is now available on the LMS.\n\n"
    "What it is for: {purpose}\n"
    "Who it is for: {audience}\n"
    "Complete it by: {deadline}\n"
    "This course is {mandatory}.\n\n"
    "Open it here: {link}\n\n"
    "-- {department}\n";

static const char *const names[] = {"title",     "purpose",      "audience",   "link", "deadline",
                                    "mandatory", "version_note", "department", NULL};

enum gw_err gw_announce_plan_check(json_t *announce, const char *where, struct gw_error *err)
{
    json_t *recipients = NULL;
    bool chat = false;
    struct gw_jfield f[] = {
        {"recipients", GW_J_ARRAY, false, &recipients, 0, NULL, 0, 0, 0},
        {"chat", GW_J_BOOL, false, &chat, 0, NULL, 0, 0, 0},
        GW_JFIELD_END,
    };
    if (!json_is_object(announce))
        return gw_error_set(err, GW_E_JSON_FIELD_TYPE, where, "announce is an object");
    enum gw_err rc = gw_json_parse_fields(announce, where, f, true, err);
    if (rc != GW_OK)
        return rc;
    if (json_array_size(recipients) > GW_ANNOUNCE_MAX_RECIPIENTS)
        return gw_error_set(err, GW_E_JSON_FIELD_VALUE, where,
                            "at most %d recipients (use distribution lists)",
                            GW_ANNOUNCE_MAX_RECIPIENTS);
    size_t i;
    json_t *v;
    json_array_foreach(recipients, i, v)
    {
        const char *s = json_string_value(v);
        if (!s || strlen(s) > 254 || !gw_is_email(s)) {
            char at[128];
            snprintf(at, sizeof at, "%s/recipients/%zu", where, i);
            return gw_error_set(err, GW_E_JSON_FIELD_VALUE, at,
                                "a recipient is an e-mail address (local@domain)");
        }
    }
    return GW_OK;
}

void gw_announce_plan_read(json_t *bc, struct gw_announce_plan *out)
{
    memset(out, 0, sizeof *out);
    json_t *a = json_object_get(bc, "announce");
    if (!json_is_object(a))
        return;
    out->chat = json_is_true(json_object_get(a, "chat"));
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(a, "recipients"), i, v)
    {
        const char *s = json_string_value(v);
        if (s && gw_is_email(s) && out->n_recipients < GW_ANNOUNCE_MAX_RECIPIENTS)
            out->recipients[out->n_recipients++] = s;
    }
}

void gw_announce_notice_key(char out[256], const char *round_id, const char *version_id, int i)
{
    char slot[GW_REVIEW_NOTICE_KEY_MAX];
    if (i < 0)
        snprintf(slot, sizeof slot, "%s:chat", version_id ? version_id : "");
    else
        snprintf(slot, sizeof slot, "%s:mail:%d", version_id ? version_id : "", i);
    gw_review_notice_key(out, round_id, "-", "announcement", slot);
}

const char *gw_announce_no_mail_reason(const struct gw_announce_plan *p)
{
    return p->n_recipients == 0 ? "no recipients in the communication plan" : NULL;
}

/* The placeholder name at p (just after '{') up to '}', or -1. */
static int placeholder(const char *p, size_t *len)
{
    const char *end = strchr(p, '}');
    if (!end)
        return -1;
    *len = (size_t)(end - p);
    for (int i = 0; names[i]; i++) {
        if (strlen(names[i]) == *len && strncmp(p, names[i], *len) == 0)
            return i;
    }
    return -1;
}

enum gw_err gw_announce_template_check(const char *tmpl, const char *where, struct gw_error *err)
{
    for (const char *p = tmpl; p && *p; p++) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            p++;
            continue;
        }
        if (*p == '}')
            return gw_error_set(err, GW_E_JSON_FIELD_VALUE, where,
                                "a lone '}' at byte %zu (write '}}' for a brace)",
                                (size_t)(p - tmpl));
        if (*p != '{')
            continue;
        size_t len = 0;
        if (placeholder(p + 1, &len) < 0)
            return gw_error_set(err, GW_E_JSON_FIELD_VALUE, where,
                                "unknown placeholder at byte %zu; known: {title} {purpose} "
                                "{audience} {link} {deadline} {mandatory} {version_note} "
                                "{department} ('{{' for a brace)",
                                (size_t)(p - tmpl));
        p += len + 1;
    }
    return GW_OK;
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static void value(const struct gw_announce_facts *f, int which, struct gw_buf *b)
{
    char day[32] = "";
    switch (which) {
    case 0:
        gw_buf_puts(b, or_empty(f->title));
        break;
    case 1:
        gw_buf_puts(b, f->purpose && *f->purpose ? f->purpose : "(not stated)");
        break;
    case 2:
        gw_buf_puts(b, f->audience && *f->audience ? f->audience : "(not stated)");
        break;
    case 3:
        gw_buf_puts(b, f->link && *f->link ? f->link : "(the LMS did not report a link)");
        break;
    case 4:
        if (f->deadline_ms > 0) {
            gw_time_format_ms(f->deadline_ms, day);
            day[10] = '\0';
        }
        gw_buf_puts(b, day[0] ? day : "no deadline");
        break;
    case 5:
        gw_buf_puts(b, f->mandatory ? "mandatory" : "optional");
        break;
    case 6:
        if (f->updated)
            gw_buf_printf(b, "Course updated (version %lld)", (long long)f->version_number);
        else
            gw_buf_puts(b, "New course");
        break;
    case 7:
        gw_buf_puts(b, or_empty(f->department));
        break;
    }
}

char *gw_announce_fill(const char *tmpl, const struct gw_announce_facts *f)
{
    struct gw_buf b = {0};
    gw_buf_puts(&b, "");
    for (const char *p = tmpl ? tmpl : ""; *p; p++) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            gw_buf_append(&b, p, 1);
            p++;
            continue;
        }
        size_t len = 0;
        int which = *p == '{' ? placeholder(p + 1, &len) : -1;
        if (which < 0) {
            gw_buf_append(&b, p, 1);
            continue;
        }
        value(f, which, &b);
        p += len + 1;
    }
    char *out = gw_xstrdup(gw_buf_str(&b));
    gw_buf_free(&b);
    return out;
}

void gw_announce_render(const char *subject_tmpl, const char *body_tmpl,
                        const struct gw_announce_facts *f, struct gw_announce_words *out)
{
    out->subject = gw_announce_fill(subject_tmpl ? subject_tmpl : gw_announce_default_subject, f);
    for (char *p = out->subject; *p; p++)
        *p = (*p == '\r' || *p == '\n') ? ' ' : *p;
    out->body = gw_announce_fill(body_tmpl ? body_tmpl : gw_announce_default_body, f);
}

void gw_announce_words_free(struct gw_announce_words *w)
{
    if (!w)
        return;
    free(w->subject);
    free(w->body);
    w->subject = w->body = NULL;
}

json_t *gw_announce_slack(const struct gw_announce_words *w)
{
    struct gw_buf b = {0};
    gw_buf_puts(&b, "*");
    gw_buf_slack(&b, w->subject);
    gw_buf_puts(&b, "*\n");
    gw_buf_slack(&b, w->body);
    json_t *out = json_pack("{s:s}", "text", gw_buf_str(&b));
    gw_buf_free(&b);
    return out;
}

json_t *gw_announce_teams(const struct gw_announce_words *w)
{
    json_t *body = json_pack("[{s:s,s:o,s:s,s:s,s:b},{s:s,s:o,s:b}]", "type", "TextBlock", "text",
                             gw_json_str(w->subject), "weight", "Bolder", "size", "Medium", "wrap",
                             1, "type", "TextBlock", "text", gw_json_str(w->body), "wrap", 1);
    json_t *card = json_pack("{s:s,s:s,s:s,s:o}", "$schema",
                             "http://adaptivecards.io/schemas/adaptive-card.json", "type",
                             "AdaptiveCard", "version", "1.4", "body", body);
    return json_pack("{s:s,s:[{s:s,s:n,s:o}]}", "type", "message", "attachments", "contentType",
                     "application/vnd.microsoft.card.adaptive", "contentUrl", "content", card);
}
