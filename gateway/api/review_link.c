/* review_link.c: the one-click approval page behind the signed links in
 * approvers' mail. GET /r/{token} only SHOWS the course (details, validation
 * findings, what changed) with Approve / Request changes buttons; a GET never
 * decides, because mail scanners and link previewers follow links. The
 * decision is taken by POST /r/{token} (the page's form), which marks the
 * link's nonce used in the same transaction as the decision: a second POST
 * answers 410. Bad links get a page that says what went wrong, with the
 * registry's status (400 garbled, 403 altered, 410 expired or used). */
#include "gw/api.h"
#include "gw/buf.h"
#include "gw/form.h"
#include "gw/review_api.h"
#include "gw/server.h"
#include "gw/timefmt.h"

#include <stdio.h>
#include <string.h>

static void esc(struct gw_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            gw_buf_puts(b, "&amp;");
            break;
        case '<':
            gw_buf_puts(b, "&lt;");
            break;
        case '>':
            gw_buf_puts(b, "&gt;");
            break;
        case '"':
            gw_buf_puts(b, "&quot;");
            break;
        case '\'':
            gw_buf_puts(b, "&#39;");
            break;
        default:
            gw_buf_append(b, s, 1);
        }
    }
}

static void page_start(struct gw_buf *b, const char *title)
{
    gw_buf_puts(b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                   "<meta name=\"robots\" content=\"noindex\"><title>");
    esc(b, title);
    gw_buf_puts(b, "</title><style>body{font-family:sans-serif;max-width:46em;margin:2em auto;"
                   "padding:0 1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
                   "padding:.2em .5em;text-align:left}.error{color:#a00}button{font-size:1.1em;"
                   "margin:.5em .5em 0 0;padding:.4em 1em}</style></head><body><h1>");
    esc(b, title);
    gw_buf_puts(b, "</h1>");
}

static void send_page(struct gw_reply *rep, unsigned status, struct gw_buf *b)
{
    gw_buf_puts(b, "</body></html>\n");
    gw_reply_text(rep, status, "text/html; charset=utf-8", gw_buf_str(b), b->len);
    gw_reply_header(rep, "Cache-Control", "no-store");
    gw_reply_header(rep, "Referrer-Policy", "no-referrer");
    gw_reply_header(rep, "X-Robots-Tag", "noindex, nofollow");
    /* never framed (clickjacking), never sniffed into another type */
    gw_reply_header(rep, "Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                    "frame-ancestors 'none'");
    gw_reply_header(rep, "X-Frame-Options", "DENY");
    gw_reply_header(rep, "X-Content-Type-Options", "nosniff");
    gw_buf_free(b);
}

static void error_page(struct gw_reply *rep, const struct gw_error *e)
{
    const struct gw_err_info *info = gw_err_lookup(e->code);
    struct gw_buf b = {0};
    page_start(&b, "This approval link cannot be used");
    gw_buf_puts(&b, "<p class=\"error\">");
    esc(&b, info->hint);
    gw_buf_puts(&b, "</p><p>");
    esc(&b, e->detail);
    gw_buf_printf(&b, "</p><p><small>%s (%d)</small></p>", info->name, (int)info->code);
    send_page(rep, info->http_status, &b);
}

/* Verifies the path's token with the shared key; fills c. */
static enum gw_err verify(struct gw_req *req, int64_t now, struct gw_review_token_claims *c,
                          struct gw_error *e)
{
    uint8_t key[32];
    enum gw_err rc = gw_store_review_key(req->srv->store, key, e);
    if (rc == GW_OK)
        rc = gw_review_token_verify(key, sizeof key, req->params[0], now, c, e);
    return rc;
}

static void findings_html(struct gw_buf *b, json_t *version)
{
    json_t *findings = json_object_get(version, "findings");
    json_t *counts = json_object_get(version, "counts");
    gw_buf_printf(b, "<h2>Validation</h2><p>%lld errors, %lld warnings</p>",
                  (long long)json_integer_value(json_object_get(counts, "error")),
                  (long long)json_integer_value(json_object_get(counts, "warning")));
    if (json_array_size(findings) == 0)
        return;
    gw_buf_puts(b, "<table><tr><th>Severity</th><th>Code</th><th>File</th><th>Finding</th></tr>");
    size_t i;
    json_t *f;
    json_array_foreach(findings, i, f)
    {
        gw_buf_puts(b, "<tr><td>");
        esc(b, json_string_value(json_object_get(f, "severity")));
        gw_buf_puts(b, "</td><td>");
        esc(b, json_string_value(json_object_get(f, "code")));
        gw_buf_puts(b, "</td><td>");
        esc(b, json_string_value(json_object_get(f, "file")));
        gw_buf_puts(b, "</td><td>");
        esc(b, json_string_value(json_object_get(f, "message")));
        gw_buf_puts(b, "</td></tr>");
    }
    gw_buf_puts(b, "</table>");
}

static void name_list(struct gw_buf *b, const char *label, json_t *arr, bool objects)
{
    if (json_array_size(arr) == 0)
        return;
    gw_buf_printf(b, "<p>%s:</p><ul>", label);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        gw_buf_puts(b, "<li>");
        esc(b, json_string_value(objects ? json_object_get(v, "name") : v));
        gw_buf_puts(b, "</li>");
    }
    gw_buf_puts(b, "</ul>");
}

static void changes_html(struct gw_buf *b, json_t *changes)
{
    gw_buf_puts(b, "<h2>What changed</h2>");
    if (!json_is_object(changes)) {
        gw_buf_puts(b, "<p>This is the first version you are asked to review.</p>");
        return;
    }
    gw_buf_puts(b, "<p>");
    esc(b, json_string_value(json_object_get(changes, "summary")));
    gw_buf_puts(b, " since the previous round.</p>");
    name_list(b, "Added", json_object_get(changes, "added"), false);
    name_list(b, "Removed", json_object_get(changes, "removed"), false);
    name_list(b, "Changed", json_object_get(changes, "changed"), true);
}

void gw_api_review_link_get(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_error e;
    gw_error_clear(&e);
    int64_t now = gw_clock_now_ms(&req->srv->clock);
    struct gw_review_token_claims c;
    json_t *round = NULL;
    bool used = false;
    enum gw_err rc = verify(req, now, &c, &e);
    if (rc == GW_OK)
        rc = gw_store_review_nonce_used(req->srv->store, c.nonce, &used, &e);
    if (rc == GW_OK && used)
        rc = gw_error_set(&e, GW_E_REVIEW_TOKEN_USED, "token",
                          "this link was already used to decide; each link takes one decision");
    if (rc == GW_OK)
        rc = gw_store_round_page(req->srv->store, c.round_id, now, &round, &e);
    if (rc != GW_OK) {
        error_page(rep, &e);
        return;
    }
    json_t *course = json_object_get(round, "course");
    json_t *version = json_object_get(round, "version");
    struct gw_buf b = {0};
    page_start(&b, "Review a course");
    gw_buf_puts(&b, "<table><tr><th>Course</th><td>");
    esc(&b, json_string_value(json_object_get(course, "title")));
    gw_buf_puts(&b, "</td></tr><tr><th>Requested by</th><td>");
    esc(&b, json_string_value(json_object_get(course, "department")));
    gw_buf_printf(&b, "</td></tr><tr><th>Version</th><td>%lld (",
                  (long long)json_integer_value(json_object_get(version, "number")));
    esc(&b, json_string_value(json_object_get(version, "standard")));
    gw_buf_puts(&b, ")</td></tr><tr><th>SHA-256</th><td><code>");
    esc(&b, json_string_value(json_object_get(version, "sha256")));
    gw_buf_puts(&b, "</code></td></tr><tr><th>Deciding as</th><td>");
    const char *name =
        json_string_value(json_object_get(json_object_get(round, "names"), c.approver_id));
    if (name) {
        esc(&b, name);
        gw_buf_puts(&b, " (");
        esc(&b, c.approver_id);
        gw_buf_puts(&b, ")");
    } else {
        esc(&b, c.approver_id);
    }
    char exp[32];
    gw_time_format_ms(c.expires_ms, exp);
    gw_buf_printf(&b, "</td></tr><tr><th>Link valid until</th><td>%s</td></tr></table>", exp);
    findings_html(&b, version);
    changes_html(&b, json_object_get(round, "changes"));
    if (json_is_true(json_object_get(round, "closed"))) {
        gw_buf_puts(&b, "<p class=\"error\">This approval round is closed; nothing to decide.</p>");
    } else {
        /* No button has focus: a stray Enter or a click through a frame or
         * an overlay must not decide. */
        gw_buf_puts(&b, "<h2>Your decision</h2><form method=\"post\"><p><label>Comment "
                        "(required to request changes)<br><textarea name=\"comment\" rows=\"5\" "
                        "cols=\"60\"></textarea></label></p>"
                        "<button type=\"submit\" name=\"decision\" value=\"approve\">"
                        "Approve</button><button type=\"submit\" name=\"decision\" "
                        "value=\"request_changes\">Request changes</button></form><p><small>"
                        "Nothing is decided until you press a button.</small></p>");
    }
    json_decref(round);
    send_page(rep, 200, &b);
}

void gw_api_review_link_post(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_error e;
    gw_error_clear(&e);
    int64_t now = gw_clock_now_ms(&req->srv->clock);
    struct gw_review_token_claims c;
    json_t *form = NULL;
    enum gw_review_decision_kind kind = GW_REVIEW_PENDING;
    enum gw_err rc = verify(req, now, &c, &e);
    if (rc == GW_OK)
        form = gw_form_parse(gw_buf_str(&req->body), req->body.len, &e);
    if (rc == GW_OK && !form)
        rc = e.code;
    const char *decision = json_string_value(json_object_get(form, "decision"));
    const char *comment = json_string_value(json_object_get(form, "comment"));
    /* only what the page offers: reject is an API decision, with a key */
    if (rc == GW_OK && (!decision || !gw_review_decision_parse(decision, &kind) ||
                        (kind != GW_REVIEW_APPROVE && kind != GW_REVIEW_REQUEST_CHANGES)))
        rc = gw_error_set(&e, GW_E_REVIEW_DECISION_INVALID, "decision",
                          "press Approve or Request changes");
    if (rc == GW_OK)
        rc = gw_review_token_allows(&c, kind, &e);
    struct gw_decide_result res = {0};
    if (rc == GW_OK) {
        struct gw_decide_request rq = {0};
        rq.round_id = c.round_id;
        rq.actor_id = c.approver_id;
        rq.kind = kind;
        rq.comment = comment && *comment ? comment : NULL;
        rq.via = GW_REVIEW_VIA_LINK;
        rq.nonce = c.nonce;
        rq.who.actor = c.approver_id;
        rq.who.via = "link";
        rq.who.address = req->remote_addr;
        rq.who.link_nonce = c.nonce;
        rc = gw_store_review_decide(req->srv->store, &rq, now, &res, &e);
    }
    json_decref(form);
    if (rc != GW_OK) {
        error_page(rep, &e);
        return;
    }
    struct gw_buf b = {0};
    page_start(&b, "Thank you");
    gw_buf_puts(&b, "<p>Your decision was recorded: <strong>");
    esc(&b, gw_review_decision_name(kind));
    gw_buf_puts(&b, "</strong>. The course is now <strong>");
    esc(&b, res.course_state);
    gw_buf_puts(&b, "</strong>.</p>");
    send_page(rep, 200, &b);
}
