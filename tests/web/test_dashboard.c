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

static long api(const char *method, const char *path, const char *auth, const char *body,
                json_t **out)
{
    char u[512];
    snprintf(u, sizeof u, "%s%s", srv.base_url, path);
    const char *h[] = {auth, "Content-Type: application/json", "X-Experience-API-Version: 1.0.3",
                       NULL};
    struct gwt_response r;
    long st = gwt_http(method, u, h, body, body ? strlen(body) : 0, &r) ? r.status : -1;
    if (out)
        *out = json_loads(r.body, 0, NULL);
    gwt_response_free(&r);
    return st;
}

/* Statements first (unattributed), then the course's IRI: the figures move to
 * the requesting department, and the dashboard shows them. */
static void test_figures_reach_the_dashboard(void)
{
    char admin[320], author[320], lms[320], bi[320];
    snprintf(admin, sizeof admin, "Authorization: Bearer %s", srv.admin_token);
    snprintf(bi, sizeof bi, "Authorization: Bearer %s", bi_token);
    REQUIRE(gwt_server_make_key(&srv, "author", author, sizeof author));
    REQUIRE(gwt_server_make_key(&srv, "lms", lms, sizeof lms));
    json_t *j = NULL;
    CHECK_INT(
        api("POST", "/api/v1/departments", admin, "{\"id\":\"sales\",\"name\":\"Sales\"}", NULL),
        201);
    CHECK_INT(api("POST", "/api/v1/people", admin,
                  "{\"id\":\"ann\",\"name\":\"Ann\",\"email\":\"ann@example.org\"}", NULL),
              201);
    CHECK_INT(api("POST", "/api/v1/requests", admin,
                  "{\"department_id\":\"sales\",\"title\":\"Safety basics\",\"business_case\":"
                  "{\"problem\":\"incidents\",\"audience\":\"all staff\",\"reach\":\"LMS\","
                  "\"mandatory\":true,\"communication_plan\":\"mail\",\"kpi\":\"incidents\","
                  "\"kpi_target\":\"-20%\",\"deadline\":\"2027-01-01\",\"effort_low_hours\":1,"
                  "\"effort_high_hours\":2,\"project_code\":\"S-1\"},\"approvers\":[{\"person_id\":"
                  "\"ann\"}]}",
                  &j),
              201);
    char body[256], path[256];
    snprintf(body, sizeof body, "{\"request_id\":\"%s\"}",
             json_string_value(json_object_get(j, "id")));
    json_decref(j);
    REQUIRE(api("POST", "/api/v1/courses", author, body, &j) == 201);
    char course[64];
    snprintf(course, sizeof course, "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
    for (int i = 0; i < 3; i++) {
        char st[512];
        snprintf(st, sizeof st,
                 "{\"actor\":{\"mbox\":\"mailto:learner%d@example.org\"},\"verb\":{\"id\":"
                 "\"http://adlnet.gov/expapi/verbs/%s\"},\"object\":{\"id\":"
                 "\"https://courses.example.org/safety\"}}",
                 i, i < 2 ? "completed" : "experienced");
        CHECK_INT(api("POST", "/xapi/statements", lms, st, NULL), 200);
    }
    CHECK_INT(api("GET", "/api/v1/kpis?group_by=department", bi, NULL, &j), 200);
    CHECK_INT(json_integer_value(json_object_get(j, "unattributed_statements")), 3);
    json_decref(j);
    snprintf(path, sizeof path, "/api/v1/courses/%s/iris", course);
    CHECK_INT(api("POST", path, admin, "{\"iris\":[\"https://courses.example.org/safety\"]}", &j),
              200);
    CHECK_INT(json_integer_value(json_object_get(j, "iris_added")), 1);
    json_decref(j);
    CHECK_INT(api("GET", "/api/v1/kpis?group_by=department", bi, NULL, &j), 200);
    CHECK_INT(json_integer_value(json_object_get(j, "unattributed_statements")), 0);
    json_t *rec = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(j, "records"), i, r)
    {
        const char *d = json_string_value(json_object_get(r, "department_id"));
        const char *dn = json_string_value(json_object_get(r, "department"));
        if ((d && strcmp(d, "sales") == 0) || (dn && strcmp(dn, "sales") == 0))
            rec = r;
    }
    REQUIRE(rec);
    CHECK_INT(json_integer_value(json_object_get(rec, "learners_started")), 3);
    CHECK_INT(json_integer_value(json_object_get(rec, "learners_completed")), 2);
    json_decref(j);
    /* and the page shows them */
    char frag[320];
    snprintf(frag, sizeof frag, "#key=%s", bi_token);
    char *dom = page(frag);
    REQUIRE(dom);
    CHECK(strstr(dom, "66.7 %") != NULL); /* 2 of 3 learners completed */
    CHECK(strstr(dom, "Safety basics") != NULL || strstr(dom, "sales") != NULL ||
          strstr(dom, "Sales") != NULL);
    CHECK(strstr(dom, "Some figures could not be loaded") == NULL);
    free(dom);
    char shot[1024];
    snprintf(shot, sizeof shot, "--screenshot=%s/dashboard.png", getenv("GW_BUILD_DIR"));
    char *u = NULL;
    if (asprintf(&u, "%s/dashboard%s", srv.base_url, frag) > 0)
        free(browser_run(u, shot));
    free(u);
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
    GW_RUN(test_figures_reach_the_dashboard);
    gwt_server_stop(&srv, SIGTERM);
    gwt_server_free(&srv);
    return gw_test_summary();
}
