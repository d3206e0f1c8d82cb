/* dashboard.c: serves the web app's static files from web_root (web/app,
 * built by scripts/build-web.sh): its page at / and its modules, style and
 * Chart.js at /app/{file}; /dashboard, where the KPI dashboard was before the
 * app's department pages took its place, sends browsers there. Only plain
 * file names of known types are served, so nothing outside web_root can be
 * reached. The pages hold no data: they read the API with the session cookie
 * (gw/session.h). */
#include "gw/api.h"
#include "gw/log.h"
#include "gw/server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *content_type(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++) {
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    }
    return NULL;
}

static bool plain_name(const char *name)
{
    if (!name[0] || name[0] == '.')
        return false;
    for (const char *p = name; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '-' || *p == '_'))
            return false;
    }
    return true;
}

void gw_api_static_file(struct gw_req *req, struct gw_reply *rep, const char *dir, const char *name,
                        const char *csp)
{
    const char *ct = content_type(name);
    if (!plain_name(name) || !ct) {
        gw_reply_errorf(rep, GW_E_NOT_FOUND, req->path, "there is no file %s", name);
        return;
    }
    char path[1400];
    snprintf(path, sizeof path, "%s%s/%s", req->srv->web_root, dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        /* The reply names what was asked for; where we looked is for the log
         * (a warning when the page itself is missing: web_root is wrong). */
        gw_log(strcmp(name, "index.html") == 0 ? GW_LOG_WARN : GW_LOG_DEBUG, "dashboard: %s: %s",
               path, strerror(errno));
        gw_reply_errorf(rep, GW_E_NOT_FOUND, req->path, "there is no file %s", name);
        return;
    }
    struct gw_buf b = {0};
    char chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        gw_buf_append(&b, chunk, n);
    fclose(f);
    gw_reply_text(rep, 200, ct, gw_buf_str(&b), b.len);
    gw_buf_free(&b);
    gw_reply_header(rep, "Cache-Control", "no-cache");
    gw_reply_header(rep, "X-Content-Type-Options", "nosniff");
    gw_reply_header(rep, "Content-Security-Policy", csp);
}

void gw_api_dashboard_get(struct gw_req *req, struct gw_reply *rep)
{
    (void)req;
    /* a bookmark of the old dashboard: the department pages show its figures */
    gw_reply_empty(rep, 301);
    gw_reply_header(rep, "Location", "/#departments");
    gw_reply_header(rep, "Cache-Control", "no-cache");
}

/* The web app: no inline script or style, scripts and fetches only from
 * this origin, not framed, no <base>, forms post only here. */
static const char APP_CSP[] = "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                              "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

void gw_api_root_get(struct gw_req *req, struct gw_reply *rep)
{
    gw_api_static_file(req, rep, "/app", "index.html", APP_CSP);
}

void gw_api_app_file_get(struct gw_req *req, struct gw_reply *rep)
{
    gw_api_static_file(req, rep, "/app", req->params[0], APP_CSP);
}
