/* The dashboard in a real browser (headless chromium): served by the real
 * lmsgw, it asks for a key when it has none, says so when the key is wrong,
 * and with a bi key loads the figures from the API. */
#include "browser.h"
#include "gwtest.h"
#include "testsupport.h"

#include <jansson.h>
#include <signal.h>

static struct gwt_server srv;
static char bi_token[256];

static char *page(const char *fragment)
{
    char *u = NULL;
    if (asprintf(&u, "%s/dashboard%s", srv.base_url, fragment) < 0)
        abort();
    char *dom = browser_dom(u);
    free(u);
    return dom;
}

static void test_asks_for_a_key(void)
{
    char *dom = page("");
    REQUIRE(dom);
    CHECK(strstr(dom, "data-loaded=\"true\"") != NULL);   /* the script ran */
    CHECK(strstr(dom, "<section id=\"login\">") != NULL); /* shown, not hidden */
    CHECK(strstr(dom, "<label for=\"key\">") != NULL);
    free(dom);
}

static void test_wrong_key(void)
{
    char *dom = page("#key=knotakey.00");
    REQUIRE(dom);
    CHECK(strstr(dom, "That key is not valid") != NULL);
    CHECK(strstr(dom, "<section id=\"login\">") != NULL);
    free(dom);
}

static void test_loads_with_a_bi_key(void)
{
    char frag[320];
    snprintf(frag, sizeof frag, "#key=%s", bi_token);
    char *dom = page(frag);
    REQUIRE(dom);
    CHECK(strstr(dom, "data-loaded=\"true\"") != NULL);
    CHECK(strstr(dom, "not valid") == NULL);
    free(dom);
}

static void test_files_and_headers(void)
{
    char u[512];
    snprintf(u, sizeof u, "%s/dashboard/app.js", srv.base_url);
    struct gwt_response r;
    CHECK(gwt_http("GET", u, NULL, NULL, 0, &r));
    CHECK_INT(r.status, 200);
    char *csp = gwt_header(&r, "Content-Security-Policy");
    CHECK(csp && strstr(csp, "default-src 'self'"));
    free(csp);
    gwt_response_free(&r);
    snprintf(u, sizeof u, "%s/dashboard/vendor/chart.umd.js", srv.base_url);
    CHECK(gwt_http("GET", u, NULL, NULL, 0, &r));
    CHECK_INT(r.status, 200);
    CHECK(r.body_len > 1000); /* Chart.js from npm, installed by the build */
    gwt_response_free(&r);
    /* nothing outside web_root, nothing of unknown type */
    snprintf(u, sizeof u, "%s/dashboard/..%%2fconfig.json", srv.base_url);
    CHECK(gwt_http("GET", u, NULL, NULL, 0, &r));
    CHECK_INT(r.status, 404);
    gwt_response_free(&r);
    snprintf(u, sizeof u, "%s/dashboard/package.json", srv.base_url);
    CHECK(gwt_http("GET", u, NULL, NULL, 0, &r));
    CHECK_INT(r.status, 404);
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
    char header[256];
    if (!gwt_server_make_key(&srv, "bi", header, sizeof header)) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    snprintf(bi_token, sizeof bi_token, "%s", header + strlen("Authorization: Bearer "));
    GW_RUN(test_asks_for_a_key);
    GW_RUN(test_wrong_key);
    GW_RUN(test_loads_with_a_bi_key);
    GW_RUN(test_files_and_headers);
    gwt_server_stop(&srv, SIGTERM);
    gwt_server_free(&srv);
    return gw_test_summary();
}
