/* The public delivery schedule (issue 16) against the real lmsgw binary and,
 * in the _postgres build, a real PostgreSQL: the department's head (or an
 * admin) makes the share link and nobody else can; the page lists the
 * department's deliveries with their states and dates in words, and no
 * other department's; approvers are named only when the department's
 * settings allow it; revoking or replacing the link makes the old one
 * answer 404 at once; the token never reaches the access log. */
#include "gwtest.h"
#include "testsupport.h"

#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef GW_TEST_PG
#define GW_TEST_PG 0
#endif

static struct gwt_server srv;
static char h_admin[300], h_head[300], h_alf[300];
static char course_id[64], request_id[64];
static char *dsn;
static char tokens[3][80]; /* every token made, for the access-log check */
static int n_tokens;

/* POST the link as auth; the reply's path ("/s/<token>") into path. */
static long make_link(const char *auth, const char *dept, char path[80], json_t **reply)
{
    char *url = gwt_fmt("/api/v1/departments/%s/schedule-link", dept);
    json_t *j = NULL;
    long st = gwt_api(&srv, "POST", url, auth, NULL, NULL, 0, &j, NULL);
    free(url);
    snprintf(path, 80, "%s", gwt_sv(j, "path"));
    if (st == 201 && n_tokens < 3)
        snprintf(tokens[n_tokens++], 80, "%s", path + 3);
    if (reply)
        *reply = j;
    else
        json_decref(j);
    return st;
}

static long revoke_link(const char *auth, const char *dept)
{
    char *url = gwt_fmt("/api/v1/departments/%s/schedule-link", dept);
    long st = gwt_api(&srv, "DELETE", url, auth, NULL, NULL, 0, NULL, NULL);
    free(url);
    return st;
}

/* The page at path, without credentials. */
static long page(const char *path, struct gwt_response *r)
{
    return gwt_call(&srv, "GET", path, NULL, NULL, 0, r);
}

static bool has_header(const struct gwt_response *r, const char *name, const char *part)
{
    char *v = gwt_header(r, name);
    bool ok = v && strstr(v, part) != NULL;
    free(v);
    return ok;
}

static void test_only_head_or_admin_shares(void)
{
    char path[80];
    json_t *j = NULL;
    CHECK_INT(make_link(h_alf, "sales", path, &j), 403);
    CHECK_STR(gwt_sv(j, "name"), "SCHEDULE_NOT_HEAD");
    json_decref(j);
    CHECK_INT(revoke_link(h_alf, "sales"), 403);
    /* the head of another department is no head of this one */
    CHECK_INT(make_link(h_head, "ops", path, NULL), 403);
    CHECK_INT(make_link(h_head, "nowhere", path, NULL), 404);
    CHECK_INT(make_link(h_head, "sales", path, &j), 201);
    CHECK(strncmp(path, "/s/", 3) == 0 && strlen(path) == 3 + 64);
    const char *url = gwt_sv(j, "url");
    CHECK(strncmp(url, srv.base_url, strlen(srv.base_url)) == 0 && strstr(url, path) != NULL);
    json_decref(j);
    /* an admin may too (the ops link, for the isolation check) */
    char ops[80];
    CHECK_INT(make_link(h_admin, "ops", ops, NULL), 201);
}

static void test_page_lists_the_department(void)
{
    REQUIRE(n_tokens >= 2);
    char *path = gwt_fmt("/s/%s", tokens[0]);
    struct gwt_response r;
    CHECK_INT(page(path, &r), 200);
    const char *b = r.body ? r.body : "";
    CHECK(strstr(b, "Delivery schedule: Sales") != NULL);
    CHECK(strstr(b, "<h2 id=\"s1\">Coming up</h2>") != NULL);
    CHECK(strstr(b, "Safety basics") != NULL);
    CHECK(strstr(b, "In review") != NULL);
    CHECK(strstr(b, "Ergonomics refresher") != NULL);
    CHECK(strstr(b, "Requested") != NULL);
    CHECK(strstr(b, "Monday 1 March 2027") != NULL); /* the request's deadline in words */
    /* not another department's, no ids, no approvers by default, no links */
    CHECK(strstr(b, "Forklift") == NULL);
    CHECK(strstr(b, course_id) == NULL);
    CHECK(strstr(b, request_id) == NULL);
    CHECK(strstr(b, "Alf Approver") == NULL);
    CHECK(strstr(b, "Approvers") == NULL);
    CHECK(strstr(b, "<a ") == NULL && strstr(b, "<form") == NULL && strstr(b, "<script") == NULL);
    CHECK(has_header(&r, "Cache-Control", "no-store"));
    CHECK(has_header(&r, "Referrer-Policy", "no-referrer"));
    CHECK(has_header(&r, "X-Robots-Tag", "noindex"));
    CHECK(has_header(&r, "Content-Security-Policy", "default-src 'none'"));
    CHECK(has_header(&r, "Content-Security-Policy", "style-src 'unsafe-inline'"));
    CHECK(has_header(&r, "Content-Security-Policy", "frame-ancestors 'none'"));
    CHECK(has_header(&r, "Content-Type", "text/html"));
    gwt_response_free(&r);
    free(path);
    /* the other department's link shows its own */
    path = gwt_fmt("/s/%s", tokens[1]);
    CHECK_INT(page(path, &r), 200);
    CHECK(r.body && strstr(r.body, "Forklift") && !strstr(r.body, "Safety basics"));
    gwt_response_free(&r);
    free(path);
    /* a made-up token */
    CHECK_INT(page("/s/0000000000000000000000000000000000000000000000000000000000000000", &r), 404);
    gwt_response_free(&r);
    CHECK_INT(page("/s/nope", &r), 404);
    gwt_response_free(&r);
}

static void test_approvers_when_allowed(void)
{
    json_t *j = NULL;
    CHECK_INT(gwt_api(&srv, "PUT", "/api/v1/departments/sales/settings", h_admin,
                      "application/json", "{\"schedule_shows_approvers\": true}", 34, &j, NULL),
              200);
    json_decref(j);
    char *path = gwt_fmt("/s/%s", tokens[0]);
    struct gwt_response r;
    CHECK_INT(page(path, &r), 200);
    CHECK(r.body && strstr(r.body, "Alf Approver") && strstr(r.body, "<dt>Approvers</dt>"));
    gwt_response_free(&r);
    free(path);
    /* a setting that is not a boolean is refused */
    CHECK_INT(gwt_api(&srv, "PUT", "/api/v1/departments/sales/settings", h_admin,
                      "application/json", "{\"schedule_shows_approvers\": 1}", 31, &j, NULL),
              400);
    json_decref(j);
}

static void test_revoke_and_replace(void)
{
    char *old = gwt_fmt("/s/%s", tokens[0]);
    struct gwt_response r;
    CHECK_INT(revoke_link(h_head, "sales"), 204);
    CHECK_INT(page(old, &r), 404);
    CHECK(r.body && strstr(r.body, "not in use"));
    CHECK(has_header(&r, "Cache-Control", "no-store"));
    gwt_response_free(&r);
    char path[80];
    CHECK_INT(make_link(h_head, "sales", path, NULL), 201);
    CHECK_INT(page(path, &r), 200);
    gwt_response_free(&r);
    CHECK_INT(page(old, &r), 404);
    gwt_response_free(&r);
    /* making another link replaces this one */
    char newer[80];
    CHECK_INT(make_link(h_admin, "sales", newer, NULL), 201);
    CHECK_INT(page(path, &r), 404);
    gwt_response_free(&r);
    CHECK_INT(page(newer, &r), 200);
    gwt_response_free(&r);
    free(old);
}

static void test_audited_and_token_not_logged(void)
{
    json_t *j = NULL;
    char *text = NULL;
    CHECK_INT(gwt_api(&srv, "GET", "/api/v1/audit", h_admin, NULL, NULL, 0, &j, &text), 200);
    CHECK(text && strstr(text, "schedule_link.created") && strstr(text, "schedule_link.revoked"));
    CHECK(text && strstr(text, "department sales"));
    json_decref(j);
    free(text);
    size_t len = 0;
    char *log = gwt_slurp(srv.stderr_path, &len);
    REQUIRE(log);
    CHECK(strstr(log, "/s/") != NULL); /* the page's requests were logged, */
    for (int i = 0; i < n_tokens; i++)
        CHECK(strstr(log, tokens[i]) == NULL); /* their tokens were not */
    free(log);
}

static bool post_all(const char *const posts[][2], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_t *j = NULL;
        long st = gwt_post_json(&srv, posts[i][0], h_admin, posts[i][1], &j);
        if (st != 201) {
            fprintf(stderr, "POST %s: %ld\n", posts[i][0], st);
            json_decref(j);
            return false;
        }
        if (strstr(posts[i][1], "Ergonomics"))
            snprintf(request_id, sizeof request_id, "%s", gwt_sv(j, "id"));
        json_decref(j);
    }
    return true;
}

static long submit(const char *dept, const char *title, const char *sample)
{
    char *path = gwt_fmt("%s/packages/%s.zip", getenv("GW_BUILD_DIR"), sample);
    size_t len = 0;
    char *zip = gwt_slurp(path, &len);
    free(path);
    char course[64], round[64];
    long st =
        zip ? gwt_submit_package(&srv, h_admin, dept, title, "alf", "aud", zip, len, course, round)
            : -1;
    free(zip);
    if (strcmp(dept, "sales") == 0)
        snprintf(course_id, sizeof course_id, "%s", course);
    return st;
}

static bool setup(void)
{
#if GW_TEST_PG
    dsn = gwt_pg_fresh_dsn();
    if (!dsn)
        return false;
#endif
    if (!gwt_server_start(&srv, dsn, NULL))
        return false;
    snprintf(h_admin, sizeof h_admin, "Authorization: Bearer %s", srv.admin_token);
    const char *const posts[][2] = {
        {"/api/v1/people",
         "{\"id\":\"hana\",\"name\":\"Hana Head\",\"email\":\"hana@example.com\"}"},
        {"/api/v1/people",
         "{\"id\":\"olaf\",\"name\":\"Olaf Ops\",\"email\":\"olaf@example.com\"}"},
        {"/api/v1/people",
         "{\"id\":\"alf\",\"name\":\"Alf Approver\",\"email\":\"alf@example.com\"}"},
        {"/api/v1/people",
         "{\"id\":\"aud\",\"name\":\"Aud Author\",\"email\":\"aud@example.com\"}"},
        {"/api/v1/departments",
         "{\"id\":\"sales\",\"name\":\"Sales\",\"head_person_id\":\"hana\"}"},
        {"/api/v1/departments", "{\"id\":\"ops\",\"name\":\"Operations\",\"head_person_id\":"
                                "\"olaf\"}"},
        {"/api/v1/requests",
         "{\"department_id\":\"sales\",\"title\":\"Ergonomics refresher\",\"business_case\":{"
         "\"deadline\":\"2027-03-01\",\"problem\":\"p\",\"audience\":\"a\",\"mandatory\":"
         "false,\"kpi\":\"k\"},\"approvers\":[{\"person_id\":\"alf\"}]}"},
    };
    if (!post_all(posts, sizeof posts / sizeof posts[0]))
        return false;
    if (submit("sales", "Safety basics", "cmi5-sample") != 201 ||
        submit("ops", "Forklift licence", "scorm12-sample") != 201)
        return false;
    return gwt_make_key(&srv, "hana", "approver", "hana", h_head, sizeof h_head, NULL, 0) &&
           gwt_make_key(&srv, "alf", "approver", "alf", h_alf, sizeof h_alf, NULL, 0);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!setup()) {
        fprintf(stderr, "setup failed\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    GW_RUN(test_only_head_or_admin_shares);
    GW_RUN(test_page_lists_the_department);
    GW_RUN(test_approvers_when_allowed);
    GW_RUN(test_revoke_and_replace);
    GW_RUN(test_audited_and_token_not_logged);
    CHECK_INT(gwt_server_stop(&srv, SIGTERM), 0);
    gwt_server_free(&srv);
    free(dsn);
    curl_global_cleanup();
    return gw_test_summary();
}
