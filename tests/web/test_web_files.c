/* The web app's files as the real lmsgw serves them: the page at / and its
 * modules at /app/{file} with their content types and CSP, Chart.js from npm
 * beside them (the department page's charts), nothing outside web_root and
 * nothing of an unknown type (and the 404 names what was asked for, not where
 * it was looked for), and /dashboard, the old KPI dashboard's address, sends
 * browsers to the departments. The pages in a browser: tests/js. */
#include "gwtest.h"
#include "testsupport.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct gwt_server srv;

static long get(const char *path, struct gwt_response *r)
{
    char *u = gwt_fmt("%s%s", srv.base_url, path);
    long st = gwt_http("GET", u, NULL, NULL, 0, r) ? r->status : -1;
    free(u);
    return st;
}

static void test_app_files(void)
{
    struct gwt_response r;
    REQUIRE(get("/", &r) == 200);
    char *ct = gwt_header(&r, "Content-Type"), *csp = gwt_header(&r, "Content-Security-Policy");
    CHECK(ct && strstr(ct, "text/html"));
    CHECK(csp && strstr(csp, "default-src 'self'") && strstr(csp, "frame-ancestors 'none'"));
    CHECK(strstr(r.body, "<script type=\"module\" src=\"/app/app.js\">") != NULL);
    free(ct);
    free(csp);
    gwt_response_free(&r);
    REQUIRE(get("/app/department.js", &r) == 200);
    ct = gwt_header(&r, "Content-Type");
    CHECK(ct && strstr(ct, "text/javascript"));
    free(ct);
    gwt_response_free(&r);
    REQUIRE(get("/app/chart.umd.js", &r) == 200);
    CHECK(r.body_len > 1000); /* Chart.js from npm, installed by the build */
    gwt_response_free(&r);
}

static void test_nothing_else(void)
{
    static const char *const refused[] = {"/app/..%2fconfig.json", "/app/package.json",
                                          "/app/.hidden.js", "/dashboard/app.js",
                                          "/dashboard/vendor/chart.umd.js"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        struct gwt_response r;
        CHECK_INT(get(refused[i], &r), 404);
        CHECK(r.body && !strstr(r.body, srv.dir)); /* no server path */
        gwt_response_free(&r);
    }
    struct gwt_response r;
    CHECK_INT(get("/app/missing.js", &r), 404);
    CHECK(strstr(r.body, "missing.js") != NULL && !strstr(r.body, "/web/"));
    gwt_response_free(&r);
}

static void test_dashboard_redirects(void)
{
    struct gwt_response r;
    CHECK_INT(get("/dashboard", &r), 301);
    char *loc = gwt_header(&r, "Location");
    CHECK_STR(loc, "/#departments");
    free(loc);
    gwt_response_free(&r);
}

int main(void)
{
    char cfg[1200];
    snprintf(cfg, sizeof cfg, "{\"web_root\": \"%s/web\"}", getenv("GW_BUILD_DIR"));
    if (!gwt_server_start(&srv, NULL, cfg)) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    GW_RUN(test_app_files);
    GW_RUN(test_nothing_else);
    GW_RUN(test_dashboard_redirects);
    gwt_server_stop(&srv, SIGTERM);
    gwt_server_free(&srv);
    return gw_test_summary();
}
