/* session.c (api): signing in to the web app by e-mail (gw/session.h).
 *   POST /api/v1/signin {email}   mails a single-use link; answers 202 in the
 *                                 same words whether or not the address is
 *                                 someone's (no one learns who has an account)
 *   GET  /signin/{token}          a page with a "Sign in" button (a GET never
 *                                 signs in: mail scanners follow links)
 *   POST /signin/{token}          uses the link, sets the session cookie and
 *                                 sends the browser to the app
 *   GET  /api/v1/session          who is signed in, with the CSRF token
 *   DELETE /api/v1/session        signs out
 *   POST /api/v1/session/signout-everywhere   ends every session of the person */
#include "gw/api.h"
#include "gw/buf.h"
#include "gw/hash.h"
#include "gw/json.h"
#include "gw/log.h"
#include "gw/scheduler.h"
#include "gw/server.h"
#include "gw/session.h"
#include "gw/timefmt.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char SENT[] =
    "If this address belongs to someone here, a sign-in link is on its way to it. It works "
    "once, for %lld minutes.";

static bool https(const struct gw_server *srv)
{
    return strncasecmp(srv->public_url, "https://", 8) == 0;
}

static void fresh_secret(char out[GW_SESSION_SECRET_HEX])
{
    uint8_t raw[32];
    gw_random_bytes(raw, sizeof raw);
    gw_hex(raw, sizeof raw, out);
}

/* A plausible address: text@domain.tld without spaces or control bytes. */
static bool email_ok(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.') || strlen(s) > 254)
        return false;
    for (const char *p = s; *p; p++) {
        if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>')
            return false;
    }
    return true;
}

static void send_link(struct gw_req *req, const struct gw_session_person *p, const char *token)
{
    const struct gw_config *cfg = req->srv->cfg;
    struct gw_buf text = {0};
    gw_buf_printf(&text,
                  "Hello %s,\n\nSomeone (we hope you) asked to sign in to the training "
                  "pipeline. Open this link to sign in:\n\n%s/signin/%s\n\nIt works once, within "
                  "%lld minutes. If you did not ask for it, ignore this mail: nothing happens "
                  "until the link is opened and its button pressed.\n",
                  p->name, req->srv->public_url, token, (long long)cfg->signin_link_minutes);
    char key[96];
    snprintf(key, sizeof key, "signin/%.16s", token);
    const struct gw_notifier *n = req->srv->notifier;
    if (!n || !n->send_mail) {
        gw_log_info("sign-in link for %s (no mailer): %s/signin/%s", p->email, req->srv->public_url,
                    token);
    } else if (n->send_mail(n->ud, p->email, p->name, "Your sign-in link", gw_buf_str(&text),
                            key) != 0) {
        gw_log_warn("sign-in: the link for %s could not be mailed", p->email);
    }
    gw_buf_free(&text);
}

void gw_api_signin_post(struct gw_req *req, struct gw_reply *rep)
{
    json_t *body = gw_req_json(req, rep);
    if (!body)
        return;
    const char *email = NULL;
    struct gw_jfield fields[] = {
        {"email", GW_J_STRING, true, &email, GW_JF_NONEMPTY, NULL, 0, 0, 254},
        GW_JFIELD_END,
    };
    struct gw_error e;
    gw_error_clear(&e);
    enum gw_err rc = gw_json_parse_fields(body, "", fields, true, &e);
    if (rc == GW_OK && !email_ok(email))
        rc = gw_error_set(&e, GW_E_JSON_FIELD_VALUE, "/email",
                          "'%s' is not an e-mail address (name@example.org)", email);
    char token[GW_SESSION_SECRET_HEX];
    fresh_secret(token);
    struct gw_session_person person;
    bool found = false;
    int64_t retry = 0;
    const struct gw_config *cfg = req->srv->cfg;
    if (rc == GW_OK)
        rc = gw_app_signin_request(req->srv->store, email, req->remote_addr, token,
                                   gw_clock_now_ms(&req->srv->clock),
                                   cfg->signin_link_minutes * 60 * 1000, cfg->signin_max_per_hour,
                                   &person, &found, &retry, &e);
    json_decref(body);
    if (rc != GW_OK) {
        gw_reply_error(rep, &e);
        if (rc == GW_E_SIGNIN_RATE_LIMITED) {
            char s[32];
            snprintf(s, sizeof s, "%lld", (long long)retry);
            gw_reply_header(rep, "Retry-After", s);
        }
        return;
    }
    if (found)
        send_link(req, &person, token);
    char msg[256];
    snprintf(msg, sizeof msg, SENT, (long long)cfg->signin_link_minutes);
    gw_reply_json(rep, 202, json_pack("{s:s}", "message", msg));
}

/* ---- the link's page ---- */

static void page(struct gw_reply *rep, unsigned status, const char *title, const char *html)
{
    struct gw_buf b = {0};
    gw_buf_printf(&b,
                  "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta "
                  "name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta "
                  "name=\"robots\" content=\"noindex\"><title>%s</title><style>"
                  "html{color:#1a1a1a;background:#fff}body{font-family:system-ui,sans-serif;"
                  "line-height:1.5;max-width:36em;margin:0 auto;padding:1em}button{font:inherit;"
                  "font-size:1.1em;padding:.5em 1.4em;border:0;border-radius:4px;color:#fff;"
                  "background:#1a4fb4;cursor:pointer}:focus-visible{outline:3px solid #1a4fb4;"
                  "outline-offset:3px}a{color:#1a4fb4}</style></head><body><main><h1>%s</h1>%s"
                  "</main></body></html>\n",
                  title, title, html);
    gw_reply_text(rep, status, "text/html; charset=utf-8", gw_buf_str(&b), b.len);
    gw_buf_free(&b);
    gw_reply_header(rep, "Cache-Control", "no-store");
    /* same-origin, not no-referrer: the link's address (the token) still
     * never leaves for another site, but a browser sends "Origin: null" with
     * a form posted from a no-referrer page, and the POST that signs in
     * accepts only our own Origin */
    gw_reply_header(rep, "Referrer-Policy", "same-origin");
    gw_reply_header(rep, "Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                    "frame-ancestors 'none'");
}

void gw_api_signin_page_get(struct gw_req *req, struct gw_reply *rep)
{
    (void)req;
    page(rep, 200, "Sign in",
         "<p>Press the button to sign in on this device.</p><form method=\"post\">"
         "<button type=\"submit\">Sign in</button></form>");
}

static void link_error(struct gw_reply *rep, const struct gw_error *e)
{
    const struct gw_err_info *info = gw_err_lookup(e->code);
    struct gw_buf b = {0};
    gw_buf_printf(&b,
                  "<p>%s</p><p><a href=\"/\">Ask for a new sign-in link</a></p>"
                  "<p><small>%s (%d)</small></p>",
                  info->hint, info->name, (int)info->code);
    page(rep, info->http_status, "This sign-in link cannot be used", gw_buf_str(&b));
    gw_buf_free(&b);
}

void gw_api_signin_page_post(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_error e;
    gw_error_clear(&e);
    /* Only our own page signs in: another site must not sign a browser in
     * as someone else (login CSRF). */
    const char *origin = gw_req_header(req, "Origin");
    if (origin && !gw_same_origin(origin, req->srv->public_url)) {
        gw_error_set(&e, GW_E_CSRF_REJECTED, "Origin", "a sign-in from another site");
        link_error(rep, &e);
        return;
    }
    const char *token = req->params[0];
    char sid[GW_SESSION_SECRET_HEX], csrf[GW_SESSION_SECRET_HEX];
    fresh_secret(sid);
    fresh_secret(csrf);
    const struct gw_config *cfg = req->srv->cfg;
    int64_t max_ms = cfg->session_max_hours * 3600 * 1000;
    struct gw_session_person person;
    enum gw_err rc =
        strlen(token) == GW_SESSION_SECRET_HEX - 1
            ? gw_app_signin_complete(req->srv->store, token, sid, csrf, req->remote_addr,
                                     gw_clock_now_ms(&req->srv->clock), max_ms, &person, &e)
            : gw_error_set(&e, GW_E_SIGNIN_LINK_INVALID, "token",
                           "this sign-in link is cut or garbled");
    if (rc != GW_OK) {
        link_error(rep, &e);
        return;
    }
    char cookie[256];
    snprintf(cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s",
             GW_SESSION_COOKIE, sid, (long long)(max_ms / 1000), https(req->srv) ? "; Secure" : "");
    gw_reply_empty(rep, 303);
    gw_reply_header(rep, "Set-Cookie", cookie);
    gw_reply_header(rep, "Location", "/");
    gw_reply_header(rep, "Cache-Control", "no-store");
    gw_reply_header(rep, "Referrer-Policy", "no-referrer");
}

/* ---- the session ---- */

void gw_api_session_get(struct gw_req *req, struct gw_reply *rep)
{
    json_t *roles = json_array();
    for (unsigned bit = 1; bit <= GW_ROLE_BI; bit <<= 1) {
        if (req->who.role & bit)
            json_array_append_new(roles, json_string(gw_role_name(bit)));
    }
    if (!req->who.session) {
        gw_reply_json(rep, 200,
                      json_pack("{s:s, s:s, s:s, s:o}", "kind", "key", "key_id", req->who.key_id,
                                "name", req->who.name, "roles", roles));
        return;
    }
    char expires[32], idle[32];
    gw_time_format_ms(req->who.session_expires_ms, expires);
    gw_time_format_ms(req->who.session_idle_expires_ms, idle);
    gw_reply_json(rep, 200,
                  json_pack("{s:s, s:{s:s, s:s}, s:o, s:s, s:s, s:s}", "kind", "session", "person",
                            "id", req->who.person_id, "name", req->who.name, "roles", roles,
                            "csrf_token", req->who.csrf, "expires", expires, "idle_expires", idle));
    gw_reply_header(rep, "Cache-Control", "no-store");
}

static void end_session(struct gw_req *req, struct gw_reply *rep, bool everywhere)
{
    char sid[GW_SESSION_SECRET_HEX + 8];
    if (!req->who.session ||
        !gw_cookie_value(gw_req_header(req, "Cookie"), GW_SESSION_COOKIE, sid, sizeof sid)) {
        gw_reply_errorf(rep, GW_E_BAD_REQUEST, "Authorization",
                        "an API key has no session to end; revoke the key instead");
        return;
    }
    struct gw_error e;
    if (gw_app_session_revoke(req->srv->store, sid, everywhere, req->remote_addr,
                              gw_clock_now_ms(&req->srv->clock), &e) != GW_OK) {
        gw_reply_error(rep, &e);
        return;
    }
    char cookie[160];
    snprintf(cookie, sizeof cookie, "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
             GW_SESSION_COOKIE, https(req->srv) ? "; Secure" : "");
    gw_reply_empty(rep, 204);
    gw_reply_header(rep, "Set-Cookie", cookie);
}

void gw_api_session_delete(struct gw_req *req, struct gw_reply *rep)
{
    end_session(req, rep, false);
}

void gw_api_session_signout_everywhere(struct gw_req *req, struct gw_reply *rep)
{
    end_session(req, rep, true);
}
