/* The auth matrix: every route in THE route table (linked from gwcore, so a
 * new route is covered the moment it is added), called with no key, a
 * malformed key, an unknown key, a revoked key and a key of every role.
 * Expected: public routes never answer 401/403; other routes answer 401
 * without a valid key, 403 for a role the route does not admit, and for an
 * admitted role neither 401/403 nor a server error (path arguments are
 * placeholders, so 404 or 400 are fine: the request got past auth). */
#include "gw/auth.h"
#include "gw/http.h"
#include "gwtest.h"
#include "testsupport.h"

#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct gwt_server srv;
static char auth_admin[256];

static const unsigned roles[] = {GW_ROLE_ADMIN, GW_ROLE_AUTHOR, GW_ROLE_APPROVER, GW_ROLE_LMS,
                                 GW_ROLE_BI};
#define NROLES (sizeof roles / sizeof roles[0])
static char role_auth[NROLES][256];
static char revoked_auth[256];

/* "/api/v1/keys/{id}" -> "/api/v1/keys/placeholder-id" */
static void concrete_path(const char *pattern, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = pattern; *p && o + 32 < cap;) {
        if (*p == '{') {
            const char *e = strchr(p, '}');
            o += (size_t)snprintf(out + o, cap - o, "placeholder-%.*s", (int)(e - p - 1), p + 1);
            p = e + 1;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
}

/* xAPI routes check their version header before the credentials: the
 * matrix sends one (with_version) to reach the credential checks. */
static long call_v(const struct gw_route *r, const char *auth, bool with_version)
{
    char path[512];
    concrete_path(r->pattern, path, sizeof path);
    const char *h[5] = {0};
    int n = 0;
    if (auth)
        h[n++] = auth;
    if (with_version)
        h[n++] = "X-Experience-API-Version: 1.0.3";
    const char *body = NULL;
    if (r->body == GW_BODY_JSON) {
        h[n++] = "Content-Type: application/json";
        body = "{}";
    } else if (r->body != GW_BODY_NONE) {
        h[n++] = "Content-Type: application/octet-stream";
        body = "x";
    }
    return gwt_call(&srv, r->method, path, h, body, body ? strlen(body) : 0, NULL);
}

static long call(const struct gw_route *r, const char *auth)
{
    return call_v(r, auth, (r->flags & GW_ROUTE_XAPI_VERSION) != 0);
}

static void test_every_route(void)
{
    size_t n = gw_routes_count();
    CHECK(n >= 8);
    for (size_t i = 0; i < n; i++) {
        const struct gw_route *r = &gw_routes[i];
        int before = gwt_case_failed;
        gwt_case_failed = 0;
        if (r->roles == GW_ROLE_PUBLIC) {
            long st = call(r, NULL);
            CHECK(st > 0 && st != 401 && st != 403 && st < 500);
        } else {
            if (r->flags & GW_ROUTE_XAPI_VERSION) /* no version: 400 before credentials */
                CHECK_INT(call_v(r, NULL, false), 400);
            CHECK_INT(call(r, NULL), 401);
            CHECK_INT(call(r, "Authorization: Bearer not-a-key"), 401);
            CHECK_INT(call(r, "Authorization: Bearer kdeadbeef0000.00ff"), 401);
            CHECK_INT(call(r, "Authorization: Basic !!!"), 401);
            CHECK_INT(call(r, revoked_auth), 401);
            for (size_t k = 0; k < NROLES; k++) {
                long st = call(r, role_auth[k]);
                if (r->roles & roles[k]) {
                    CHECK(st > 0 && st != 401 && st != 403 && st < 500);
                } else {
                    CHECK_INT(st, 403);
                }
            }
        }
        if (gwt_case_failed)
            fprintf(stderr, "  ^ route %s %s\n", r->method, r->pattern);
        gwt_case_failed |= before;
    }
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!gwt_server_start(&srv, NULL, NULL)) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    snprintf(auth_admin, sizeof auth_admin, "Authorization: Bearer %s", srv.admin_token);
    bool ok = true;
    char name[64];
    for (size_t k = 0; k < NROLES; k++) {
        snprintf(name, sizeof name, "matrix-%s", gw_role_name(roles[k]));
        ok = ok && gwt_make_key(&srv, name, gw_role_name(roles[k]), NULL, role_auth[k],
                                sizeof role_auth[k], NULL, 0);
    }
    char revoked_id[64] = "";
    ok = ok && gwt_make_key(&srv, "matrix-admin", "admin", NULL, revoked_auth, sizeof revoked_auth,
                            revoked_id, sizeof revoked_id);
    if (ok) {
        char path[128];
        snprintf(path, sizeof path, "/api/v1/keys/%s", revoked_id);
        const char *h[] = {auth_admin, NULL};
        ok = gwt_call(&srv, "DELETE", path, h, NULL, 0, NULL) == 204;
    }
    if (!ok) {
        printf("0 passed, 1 failed\n");
        gwt_server_free(&srv);
        return 1;
    }
    GW_RUN(test_every_route);
    gwt_server_stop(&srv, SIGTERM);
    gwt_server_free(&srv);
    curl_global_cleanup();
    return gw_test_summary();
}
