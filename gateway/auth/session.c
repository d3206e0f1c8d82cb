/* session.c (auth): a web app session as a credential (gw/session.h): the
 * cookie read from the request, the session looked up in the store, the
 * person's roles as the principal's, and the CSRF and Origin checks every
 * change made with a session passes. The sign-in routes are
 * api/session.c's; the use cases are app/signin.c's. */
#include "gw/hash.h"
#include "gw/server.h"
#include "gw/session.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

bool gw_cookie_value(const char *header, const char *name, char *out, size_t cap)
{
    size_t nlen = strlen(name);
    for (const char *p = header ? header : ""; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ';')
            p++;
        size_t len = strcspn(p, ";");
        if (len > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
            const char *v = p + nlen + 1;
            size_t vlen = len - nlen - 1;
            while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                vlen--;
            if (vlen == 0 || vlen >= cap)
                return false;
            memcpy(out, v, vlen);
            out[vlen] = '\0';
            return true;
        }
        p += len;
    }
    return false;
}

/* The scheme, host and port of url. */
static size_t origin_len(const char *url)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    return (size_t)(p - url) + strcspn(p, "/?#");
}

bool gw_same_origin(const char *origin, const char *url)
{
    size_t n = origin_len(url);
    return origin && strlen(origin) == n && strncasecmp(origin, url, n) == 0;
}

static bool safe_method(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "OPTIONS") == 0;
}

enum gw_err gw_session_authorize(struct gw_server *srv, const struct gw_req *req,
                                 struct gw_principal *who, struct gw_error *err)
{
    char sid[GW_SESSION_SECRET_HEX + 8];
    if (!gw_cookie_value(gw_req_header(req, "Cookie"), GW_SESSION_COOKIE, sid, sizeof sid))
        return gw_error_set(err, GW_E_AUTH_MISSING, "Authorization",
                            "sign in, or send an API key as 'Authorization: Bearer KEY'");
    const struct gw_config *cfg = srv->cfg;
    struct gw_session s;
    enum gw_err rc = gw_app_session_get(srv->store, sid, gw_clock_now_ms(&srv->clock),
                                        cfg->session_idle_minutes * 60 * 1000, &s, err);
    if (rc != GW_OK)
        return rc;
    if (!safe_method(req->method)) {
        /* a change: from our own pages (Origin, when the browser sends it)
         * and with the session's token, which another site cannot read */
        const char *origin = gw_req_header(req, "Origin");
        if (origin && !gw_same_origin(origin, srv->public_url))
            return gw_error_set(err, GW_E_CSRF_REJECTED, "Origin",
                                "a change from %s, not from the gateway's pages (%.*s)", origin,
                                (int)origin_len(srv->public_url), srv->public_url);
        const char *token = gw_req_header(req, GW_SESSION_CSRF_HEADER);
        bool in_form = req->route && (req->route->flags & GW_ROUTE_FORM_CSRF);
        if (!in_form && (!token || strlen(token) != strlen(s.csrf) ||
                         !gw_ct_equal(token, s.csrf, strlen(s.csrf))))
            return gw_error_set(err, GW_E_CSRF_REJECTED, GW_SESSION_CSRF_HEADER,
                                "send the session's CSRF token (GET /api/v1/session gives it) "
                                "in the %s header",
                                GW_SESSION_CSRF_HEADER);
    }
    memset(who, 0, sizeof *who);
    /* audit records name the session by the start of its id's hash */
    snprintf(who->key_id, sizeof who->key_id, "session:%.12s", s.id_hash);
    snprintf(who->name, sizeof who->name, "%.*s", (int)sizeof who->name - 1, s.person.name);
    snprintf(who->person_id, sizeof who->person_id, "%s", s.person.id);
    who->role = s.person.roles;
    who->session = true;
    snprintf(who->csrf, sizeof who->csrf, "%s", s.csrf);
    who->session_expires_ms = s.expires_ms;
    who->session_idle_expires_ms = s.idle_expires_ms;
    return GW_OK;
}
