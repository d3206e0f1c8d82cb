/* schedule.c: the public delivery schedule (issue 16; gw/schedule.h).
 * POST/DELETE /api/v1/departments/{id}/schedule-link make (or replace) and
 * revoke a department's share link, for its head or an admin; the token is
 * shown once, in the link's address. GET /s/{token} is the page behind the
 * link: public, read-only, server-rendered without script, the department's
 * upcoming and recent deliveries with dates and states in words; no ids, no
 * links into the app, approvers named only when the department allows it. */
#include "gw/api.h"
#include "gw/buf.h"
#include "gw/clock.h"
#include "gw/hash.h"
#include "gw/review_api.h"
#include "gw/review_words.h"
#include "gw/schedule.h"
#include "gw/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_BYTES 32
#define TOKEN_HEX (2 * TOKEN_BYTES)

/* ---- making and revoking the link ---- */

/* GW_OK when the caller may share department id's schedule: it exists and
 * the caller is its head or an admin. */
static enum gw_err may_share(struct gw_req *req, const char *id, struct gw_error *e)
{
    struct gw_department_rows rows = {0};
    enum gw_err rc = gw_store_departments(req->srv->store, id, &rows, e);
    if (rc == GW_OK && !gw_schedule_may_share((req->who.role & GW_ROLE_ADMIN) != 0,
                                              req->who.person_id, rows.v[0].head_person_id))
        rc = gw_error_set(e, GW_E_SCHEDULE_NOT_HEAD, NULL,
                          "you are not the head of this department; its head or an admin can "
                          "share its schedule");
    gw_department_rows_free(&rows);
    return rc;
}

void gw_api_schedule_link_post(struct gw_req *req, struct gw_reply *rep)
{
    const char *id = req->params[0];
    struct gw_error e;
    enum gw_err rc = may_share(req, id, &e);
    uint8_t raw[TOKEN_BYTES];
    char token[TOKEN_HEX + 1], hash[GW_SHA256_HEX];
    if (rc == GW_OK && !gw_random_bytes(raw, sizeof raw))
        rc = gw_error_set(&e, GW_E_INTERNAL, NULL, "no random bytes for the link's token");
    json_t *body = NULL;
    if (rc == GW_OK) {
        gw_hex(raw, sizeof raw, token);
        gw_sha256_hex(token, TOKEN_HEX, hash);
        char actor[GW_REVIEW_ACTOR_MAX];
        struct gw_review_actor who;
        gw_api_review_actor(req, actor, &who);
        rc = gw_store_schedule_link_set(req->srv->store, id, hash, &who,
                                        gw_clock_now_ms(&req->srv->clock), &e);
    }
    if (rc == GW_OK) {
        char path[8 + TOKEN_HEX];
        snprintf(path, sizeof path, "/s/%s", token);
        char *url = gw_xstrdup(req->srv->public_url);
        size_t n = strlen(url);
        if (n && url[n - 1] == '/')
            url[n - 1] = '\0';
        body = json_pack("{s:s+, s:s}", "url", url, path, "path", path);
        free(url);
    }
    gw_api_review_reply(rep, rc, &e, 201, body);
    gw_reply_header(rep, "Cache-Control", "no-store");
}

void gw_api_schedule_link_delete(struct gw_req *req, struct gw_reply *rep)
{
    const char *id = req->params[0];
    struct gw_error e;
    enum gw_err rc = may_share(req, id, &e);
    if (rc == GW_OK) {
        char actor[GW_REVIEW_ACTOR_MAX];
        struct gw_review_actor who;
        gw_api_review_actor(req, actor, &who);
        rc = gw_store_schedule_link_revoke(req->srv->store, id, &who,
                                           gw_clock_now_ms(&req->srv->clock), &e);
    }
    if (rc == GW_OK)
        gw_reply_empty(rep, 204);
    else
        gw_reply_error(rep, &e);
}

/* Near-black on white (and greys that keep 4.5:1); one column of cards, so
 * a phone 375 px wide never scrolls sideways; long titles break. */
static const char STYLE[] =
    "html{color:#1a1a1a;background:#fff}body{font-family:system-ui,sans-serif;line-height:1.5;"
    "max-width:46em;margin:0 auto;padding:1em}h1{font-size:1.6em;line-height:1.25;"
    "overflow-wrap:anywhere}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid "
    "#767676}h3{font-size:1.05em;margin:0;overflow-wrap:anywhere}ul.deliveries{list-style:none;"
    "padding:0;margin:0}ul.deliveries>li{border:1px solid #767676;border-radius:4px;padding:"
    ".6em .8em;margin:.6em 0}dl{margin:.3em 0 0 0;display:grid;grid-template-columns:auto 1fr;"
    "gap:.1em .8em}dt{font-weight:bold}dd{margin:0;overflow-wrap:anywhere}.note{color:#4d4d4d}";

static void page_start(struct gw_buf *b, const char *title)
{
    gw_buf_puts(b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                   "<meta name=\"robots\" content=\"noindex\"><meta name=\"referrer\" "
                   "content=\"no-referrer\"><title>");
    gw_buf_html(b, title);
    gw_buf_printf(b, "</title><style>%s</style></head><body><main><h1>", STYLE);
    gw_buf_html(b, title);
    gw_buf_puts(b, "</h1>");
}

static void send_page(struct gw_reply *rep, unsigned status, struct gw_buf *b)
{
    gw_buf_puts(b, "</main></body></html>\n");
    gw_reply_text(rep, status, "text/html; charset=utf-8", gw_buf_str(b), b->len);
    gw_reply_header(rep, "Cache-Control", "no-store");
    gw_reply_header(rep, "Referrer-Policy", "no-referrer");
    gw_reply_header(rep, "X-Robots-Tag", "noindex, nofollow");
    gw_reply_header(rep, "Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
                    "base-uri 'none'; form-action 'none'");
    gw_reply_header(rep, "X-Frame-Options", "DENY");
    gw_reply_header(rep, "X-Content-Type-Options", "nosniff");
    gw_buf_free(b);
}

static void date_dd(struct gw_buf *b, const char *term, int64_t ms)
{
    char day[GW_REVIEW_DATE_WORDS];
    gw_review_date_words(ms, day);
    gw_buf_printf(b, "<dt>%s</dt><dd>%s</dd>", term, day);
}

static void item_html(struct gw_buf *b, const struct gw_schedule *sch,
                      const struct gw_schedule_item *it, bool recent)
{
    gw_buf_puts(b, "<li><h3>");
    gw_buf_html(b, it->title);
    gw_buf_printf(b, "</h3><dl><dt>State</dt><dd>%s</dd>", gw_schedule_state_words(it->state));
    if (recent) {
        date_dd(b, strcmp(it->state, "retired") == 0 ? "Retired on" : "Live since", it->since_ms);
    } else {
        if (it->deadline_ms > 0)
            date_dd(b, "Deadline", it->deadline_ms);
        else
            gw_buf_puts(b, "<dt>Deadline</dt><dd>None set</dd>");
        date_dd(b, strcmp(it->state, "requested") == 0 ? "Requested on" : "In this state since",
                it->since_ms);
    }
    if (sch->shows_approvers && it->approvers) {
        gw_buf_puts(b, "<dt>Approvers</dt><dd>");
        gw_buf_html(b, it->approvers);
        gw_buf_puts(b, "</dd>");
    }
    gw_buf_puts(b, "</dl></li>");
}

static void section_html(struct gw_buf *b, const struct gw_schedule *sch, int64_t now,
                         enum gw_schedule_section want, const char *heading, const char *none)
{
    gw_buf_printf(b, "<section aria-labelledby=\"s%d\"><h2 id=\"s%d\">%s</h2>", (int)want,
                  (int)want, heading);
    size_t shown = 0;
    for (size_t i = 0; i < sch->n; i++) {
        const struct gw_schedule_item *it = &sch->v[i];
        if (gw_schedule_section_of(it->state, it->since_ms, now) != want)
            continue;
        if (shown++ == 0)
            gw_buf_puts(b, "<ul class=\"deliveries\">");
        item_html(b, sch, it, want == GW_SCHEDULE_RECENT);
    }
    if (shown)
        gw_buf_puts(b, "</ul>");
    else
        gw_buf_printf(b, "<p>%s</p>", none);
    gw_buf_puts(b, "</section>");
}

static bool token_ok(const char *t)
{
    return t && strlen(t) == TOKEN_HEX && strspn(t, "0123456789abcdef") == TOKEN_HEX;
}

void gw_api_schedule_page_get(struct gw_req *req, struct gw_reply *rep)
{
    const char *token = req->params[0];
    struct gw_schedule sch = {0};
    struct gw_error e;
    enum gw_err rc = gw_error_set(&e, GW_E_NOT_FOUND, NULL, "not a schedule link");
    if (token_ok(token)) {
        char hash[GW_SHA256_HEX];
        gw_sha256_hex(token, TOKEN_HEX, hash);
        rc = gw_store_schedule(req->srv->store, hash, &sch, &e);
    }
    struct gw_buf b = {0};
    if (rc != GW_OK) {
        const struct gw_err_info *info = gw_err_lookup(rc);
        page_start(&b, rc == GW_E_NOT_FOUND ? "This schedule link is not in use"
                                            : "The schedule cannot be shown right now");
        gw_buf_puts(&b, rc == GW_E_NOT_FOUND
                            ? "<p>The link was revoked or replaced by a newer one. Ask the "
                              "department's head for the current link.</p>"
                            : "<p>Please try again in a few minutes.</p>");
        send_page(rep, info->http_status, &b);
        return;
    }
    int64_t now = gw_clock_now_ms(&req->srv->clock);
    char title[300], today[GW_REVIEW_DATE_WORDS];
    snprintf(title, sizeof title, "Delivery schedule: %s", sch.department);
    page_start(&b, title);
    gw_review_date_words(now, today);
    gw_buf_printf(&b, "<p class=\"note\">As of %s. Dates are in UTC.</p>", today);
    section_html(&b, &sch, now, GW_SCHEDULE_UPCOMING, "Coming up", "Nothing is in the works.");
    section_html(&b, &sch, now, GW_SCHEDULE_RECENT, "Recently delivered",
                 "Nothing went live or was retired in the last 90 days.");
    gw_schedule_free(&sch);
    send_page(rep, 200, &b);
}
