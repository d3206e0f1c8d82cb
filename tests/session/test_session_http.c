/* Signing in to the web app (issue 16) against the real lmsgw binary, an
 * SMTP sink and, in the _postgres build, a real PostgreSQL: the link is
 * mailed (and only to a person's address, with the same answer for any
 * address), its page signs in only on POST and only once, the cookie is
 * HttpOnly and SameSite=Strict, the session carries the person's roles,
 * every change made with it (a package upload too) needs the CSRF token and
 * our own Origin, sign out and sign out everywhere end sessions, requests for
 * links are limited per address, the audit chain still verifies; idle and
 * absolute expiry are checked through the store at chosen instants. */
#include "gwtest.h"
#include "outbound/support.h"
#include "testsupport.h"

#include "gw/buf.h"
#include "gw/session.h"
#include "gw/store.h"

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
static struct smtp_sink *sink;
static char h_admin[300];
static char *dsn;

/* The last mail's sign-in token (64 hex digits after "/signin/"), or "". */
/* The newest sign-in link among every mail the sink got: other mail (a
 * review request the scheduler sends when a round opens) may come after it. */
static void last_token(char out[65])
{
    char *all = smtp_sink_all(sink);
    const char *last = NULL;
    for (const char *p = all; p && (p = strstr(p, "/signin/")); p++)
        last = p;
    out[0] = '\0';
    if (last && strspn(last + 8, "0123456789abcdef") >= 64)
        snprintf(out, 65, "%.64s", last + 8);
    free(all);
}

static int mails(void)
{
    char *all = smtp_sink_all(sink);
    int n = 0;
    for (const char *p = all; p && (p = strstr(p, "MAIL FROM:")); p++)
        n++;
    free(all);
    return n;
}

static long signin(const char *email, struct gwt_response *keep)
{
    char body[300];
    snprintf(body, sizeof body, "{\"email\":\"%s\"}", email);
    const char *h[] = {"Content-Type: application/json", NULL};
    return gwt_call(&srv, "POST", "/api/v1/signin", h, body, strlen(body), keep);
}

/* Follows the mailed link: POST /signin/{token} from our own page; the
 * cookie's value into cookie ("lmsgw_session=..."). */
static long use_link(const char *token, char *cookie, size_t cap, struct gwt_response *keep)
{
    char path[128], origin[200];
    snprintf(path, sizeof path, "/signin/%s", token);
    snprintf(origin, sizeof origin, "Origin: %s", srv.base_url);
    const char *h[] = {origin, "Content-Type: application/x-www-form-urlencoded", NULL};
    struct gwt_response r;
    long st = gwt_call(&srv, "POST", path, h, "", 0, &r);
    char *set = gwt_header(&r, "Set-Cookie");
    if (cookie) {
        cookie[0] = '\0';
        if (set)
            snprintf(cookie, cap, "%.*s", (int)strcspn(set, ";"), set);
    }
    free(set);
    if (keep)
        *keep = r;
    else
        gwt_response_free(&r);
    return st;
}

/* Signs email in through the mailed link; "Cookie: lmsgw_session=..." into
 * hdr and the session's CSRF token into csrf. */
static bool sign_in(const char *email, char *hdr, size_t cap, char csrf[80])
{
    char token[65], cookie[200];
    if (signin(email, NULL) != 202)
        return false;
    last_token(token);
    if (!token[0] || use_link(token, cookie, sizeof cookie, NULL) != 303)
        return false;
    snprintf(hdr, cap, "Cookie: %s", cookie);
    const char *h[] = {hdr, NULL};
    struct gwt_response r;
    if (gwt_call(&srv, "GET", "/api/v1/session", h, NULL, 0, &r) != 200) {
        gwt_response_free(&r);
        return false;
    }
    json_t *j = json_loads(r.body, 0, NULL);
    snprintf(csrf, 80, "%s", gwt_sv(j, "csrf_token"));
    json_decref(j);
    gwt_response_free(&r);
    return csrf[0] != '\0';
}

static void test_link_mailed_only_to_people(void)
{
    int before = mails();
    struct gwt_response r;
    CHECK_INT(signin("nobody@example.com", &r), 202);
    char *unknown = r.body ? strdup(r.body) : NULL;
    gwt_response_free(&r);
    CHECK_INT(mails(), before); /* nothing mailed, and the same words */
    CHECK_INT(signin("ANN@Example.com", &r), 202);
    CHECK(unknown && r.body && strcmp(unknown, r.body) == 0);
    free(unknown);
    gwt_response_free(&r);
    CHECK_INT(mails(), before + 1);
    char *env = smtp_sink_envelope(sink);
    CHECK(env && strstr(env, "ann@example.com") != NULL);
    free(env);
    char token[65];
    last_token(token);
    CHECK(strlen(token) == 64);
    /* not an address */
    CHECK_INT(signin("not an address", &r), 400);
    CHECK(r.body && strstr(r.body, "/email") != NULL);
    gwt_response_free(&r);
}

static void test_link_signs_in_once_on_post(void)
{
    CHECK_INT(signin("ann@example.com", NULL), 202);
    char token[65];
    last_token(token);
    REQUIRE(token[0]);
    char path[128];
    snprintf(path, sizeof path, "/signin/%s", token);
    struct gwt_response r;
    /* the GET a mail scanner makes signs nobody in */
    CHECK_INT(gwt_call(&srv, "GET", path, NULL, NULL, 0, &r), 200);
    CHECK(r.body && strstr(r.body, "<button type=\"submit\">Sign in</button>") != NULL);
    CHECK(gwt_header(&r, "Set-Cookie") == NULL);
    gwt_response_free(&r);
    char cookie[200];
    CHECK_INT(use_link(token, cookie, sizeof cookie, &r), 303);
    char *loc = gwt_header(&r, "Location");
    CHECK_STR(loc ? loc : "", "/");
    free(loc);
    char *set = gwt_header(&r, "Set-Cookie");
    CHECK(set && strncmp(set, "lmsgw_session=", 14) == 0);
    CHECK(set && strstr(set, "HttpOnly") && strstr(set, "SameSite=Strict") &&
          strstr(set, "Path=/"));
    CHECK(set && !strstr(set, "Secure")); /* public_url is http here */
    free(set);
    gwt_response_free(&r);
    /* once */
    CHECK_INT(use_link(token, NULL, 0, &r), 410);
    CHECK(r.body && strstr(r.body, "SIGNIN_LINK_EXPIRED") != NULL);
    gwt_response_free(&r);
    /* an altered or unknown token */
    char bad[65];
    snprintf(bad, sizeof bad, "%s", token);
    bad[0] = bad[0] == 'a' ? 'b' : 'a';
    CHECK_INT(use_link(bad, NULL, 0, NULL), 400);
    CHECK_INT(use_link("abc", NULL, 0, NULL), 400);
    /* another site's page cannot sign a browser in (login CSRF) */
    CHECK_INT(signin("ann@example.com", NULL), 202);
    last_token(token);
    snprintf(path, sizeof path, "/signin/%s", token);
    const char *h[] = {"Origin: https://evil.example", NULL};
    CHECK_INT(gwt_call(&srv, "POST", path, h, "", 0, NULL), 403);
    CHECK_INT(use_link(token, NULL, 0, NULL), 303); /* the link still works from our page */
}

static void test_session_is_a_credential_with_roles(void)
{
    char ann[300], csrf[80];
    REQUIRE(sign_in("ann@example.com", ann, sizeof ann, csrf));
    const char *h[] = {ann, NULL};
    json_t *j = NULL;
    struct gwt_response r;
    CHECK_INT(gwt_call(&srv, "GET", "/api/v1/session", h, NULL, 0, &r), 200);
    j = r.body ? json_loads(r.body, 0, NULL) : NULL;
    CHECK_STR(gwt_sv(j, "kind"), "session");
    CHECK_STR(gwt_sv(json_object_get(j, "person"), "id"), "ann");
    CHECK_STR(json_string_value(json_array_get(json_object_get(j, "roles"), 0)), "approver");
    CHECK(json_array_size(json_object_get(j, "roles")) == 1);
    CHECK(strlen(gwt_sv(j, "expires")) >= 20 && strlen(gwt_sv(j, "idle_expires")) >= 20);
    json_decref(j);
    gwt_response_free(&r);
    /* an approver reads the pipeline, may not add people */
    CHECK_INT(gwt_call(&srv, "GET", "/api/v1/pipeline", h, NULL, 0, NULL), 200);
    char x[120];
    snprintf(x, sizeof x, "X-CSRF-Token: %s", csrf);
    const char *body = "{\"id\":\"zed\",\"name\":\"Zed\",\"email\":\"zed@example.com\"}";
    const char *hp[] = {ann, x, "Content-Type: application/json", NULL};
    CHECK_INT(gwt_call(&srv, "POST", "/api/v1/people", hp, body, strlen(body), NULL), 403);
    /* no cookie, a made-up cookie */
    CHECK_INT(gwt_call(&srv, "GET", "/api/v1/session", NULL, NULL, 0, NULL), 401);
    const char *hf[] = {"Cookie: lmsgw_session=00ff00ff", NULL};
    CHECK_INT(gwt_call(&srv, "GET", "/api/v1/session", hf, NULL, 0, &r), 401);
    CHECK(r.body && strstr(r.body, "SESSION_EXPIRED") != NULL);
    gwt_response_free(&r);
}

static void test_changes_need_csrf_and_our_origin(void)
{
    char adam[300], csrf[80];
    REQUIRE(sign_in("adam@example.com", adam, sizeof adam, csrf));
    char x[120], origin[200];
    snprintf(x, sizeof x, "X-CSRF-Token: %s", csrf);
    snprintf(origin, sizeof origin, "Origin: %s", srv.base_url);
    const char *body = "{\"id\":\"hr\",\"name\":\"Human Resources\"}";
    struct gwt_response r;
    const char *no_token[] = {adam, "Content-Type: application/json", NULL};
    CHECK_INT(gwt_call(&srv, "POST", "/api/v1/departments", no_token, body, strlen(body), &r), 403);
    CHECK(r.body && strstr(r.body, "CSRF_REJECTED") != NULL);
    gwt_response_free(&r);
    const char *wrong[] = {adam, "X-CSRF-Token: 0123", "Content-Type: application/json", NULL};
    CHECK_INT(gwt_call(&srv, "POST", "/api/v1/departments", wrong, body, strlen(body), NULL), 403);
    const char *other_site[] = {adam, x, "Origin: https://evil.example",
                                "Content-Type: application/json", NULL};
    CHECK_INT(gwt_call(&srv, "POST", "/api/v1/departments", other_site, body, strlen(body), NULL),
              403);
    const char *ok[] = {adam, x, origin, "Content-Type: application/json", NULL};
    CHECK_INT(gwt_call(&srv, "POST", "/api/v1/departments", ok, body, strlen(body), NULL), 201);
    /* an API key needs no CSRF token: machines send no cookies */
    json_t *j = NULL;
    CHECK_INT(gwt_post_json(&srv, "/api/v1/departments", h_admin,
                            "{\"id\":\"fin\",\"name\":\"Finance\"}", &j),
              201);
    json_decref(j);
}

/* The course page uploads a package with the session (issue 16): the zip as
 * the body with X-Filename, or as a form's "file" part for a name a header
 * cannot carry; both need the CSRF token, and the package names the person
 * who uploaded it rather than the session. */
static void test_package_upload_with_session(void)
{
    char adam[300], csrf[80];
    REQUIRE(sign_in("adam@example.com", adam, sizeof adam, csrf));
    char zip[512];
    snprintf(zip, sizeof zip, "%s/packages/scorm12-sample.zip", getenv("GW_BUILD_DIR"));
    size_t len = 0;
    char *data = gwt_slurp(zip, &len);
    REQUIRE(data != NULL);
    char x[120], origin[200];
    snprintf(x, sizeof x, "X-CSRF-Token: %s", csrf);
    snprintf(origin, sizeof origin, "Origin: %s", srv.base_url);
    struct gwt_response r;
    const char *no_token[] = {adam, origin, "Content-Type: application/zip",
                              "X-Filename: safety.zip", NULL};
    CHECK_INT(gwt_call(&srv, "POST", "/api/v1/packages", no_token, data, len, &r), 403);
    CHECK(r.body && strstr(r.body, "CSRF_REJECTED") != NULL);
    gwt_response_free(&r);
    const char *ok[] = {adam, x, origin, "Content-Type: application/zip", "X-Filename: safety.zip",
                        NULL};
    CHECK_INT(gwt_call(&srv, "POST", "/api/v1/packages", ok, data, len, &r), 201);
    json_t *j = r.body ? json_loads(r.body, 0, NULL) : NULL;
    CHECK(json_is_true(json_object_get(j, "valid")));
    CHECK_STR(gwt_sv(j, "filename"), "safety.zip");
    CHECK_STR(gwt_sv(j, "uploaded_by"), "adam");
    json_decref(j);
    gwt_response_free(&r);
    /* multipart, as the page sends a name with letters beyond ASCII */
    const char *name = "Sicherheit \xc3\xbc"
                       "bersicht.zip";
    const char *boundary = "----gwtestboundary";
    struct gw_buf b = {0};
    gw_buf_printf(&b,
                  "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
                  "Content-Type: application/zip\r\n\r\n",
                  boundary, name);
    gw_buf_append(&b, data, len);
    gw_buf_printf(&b, "\r\n--%s--\r\n", boundary);
    char ct[120];
    snprintf(ct, sizeof ct, "Content-Type: multipart/form-data; boundary=%s", boundary);
    const char *form[] = {adam, x, origin, ct, NULL};
    CHECK_INT(gwt_call(&srv, "POST", "/api/v1/packages", form, b.data, b.len, &r), 201);
    j = r.body ? json_loads(r.body, 0, NULL) : NULL;
    CHECK_STR(gwt_sv(j, "filename"), name);
    json_decref(j);
    gwt_response_free(&r);
    gw_buf_free(&b);
    free(data);
}

static void test_sign_out_and_everywhere(void)
{
    char a1[300], c1[80], a2[300], c2[80], a3[300], c3[80];
    REQUIRE(sign_in("adam@example.com", a1, sizeof a1, c1));
    REQUIRE(sign_in("adam@example.com", a2, sizeof a2, c2));
    REQUIRE(sign_in("adam@example.com", a3, sizeof a3, c3));
    char x[120];
    snprintf(x, sizeof x, "X-CSRF-Token: %s", c1);
    const char *h1[] = {a1, x, NULL};
    struct gwt_response r;
    CHECK_INT(gwt_call(&srv, "DELETE", "/api/v1/session", h1, NULL, 0, &r), 204);
    char *set = gwt_header(&r, "Set-Cookie");
    CHECK(set && strstr(set, "Max-Age=0") != NULL);
    free(set);
    gwt_response_free(&r);
    CHECK_INT(gwt_call(&srv, "GET", "/api/v1/session", h1, NULL, 0, NULL), 401);
    const char *h2[] = {a2, NULL};
    CHECK_INT(gwt_call(&srv, "GET", "/api/v1/session", h2, NULL, 0, NULL), 200);
    snprintf(x, sizeof x, "X-CSRF-Token: %s", c2);
    const char *h2x[] = {a2, x, NULL};
    CHECK_INT(gwt_call(&srv, "POST", "/api/v1/session/signout-everywhere", h2x, NULL, 0, NULL),
              204);
    const char *h3[] = {a3, NULL};
    CHECK_INT(gwt_call(&srv, "GET", "/api/v1/session", h2, NULL, 0, NULL), 401);
    CHECK_INT(gwt_call(&srv, "GET", "/api/v1/session", h3, NULL, 0, NULL), 401);
}

static void test_rate_limit(void)
{
    /* signin_max_per_hour is 12 here; cat asks 12 times, the 13th waits */
    for (int i = 0; i < 12; i++)
        CHECK_INT(signin("cat@example.com", NULL), 202);
    struct gwt_response r;
    CHECK_INT(signin("Cat@example.com", &r), 429);
    char *retry = gwt_header(&r, "Retry-After");
    CHECK(retry && atoi(retry) > 0 && atoi(retry) <= 3600);
    free(retry);
    CHECK(r.body && strstr(r.body, "SIGNIN_RATE_LIMITED") != NULL);
    gwt_response_free(&r);
    /* another address is not held up */
    CHECK_INT(signin("dora@example.com", NULL), 202);
}

/* The review page for a signed-in approver: the same page as the mailed
 * link's (the course in it), decided with the session's token in the form. */
static void test_signed_in_review_page(void)
{
    json_t *j = NULL;
    REQUIRE(gwt_post_json(&srv, "/api/v1/departments", h_admin,
                          "{\"id\":\"ops\",\"name\":\"Operations\"}", &j) == 201);
    json_decref(j);
    char *zpath = gwt_fmt("%s/packages/scorm12-sample.zip", getenv("GW_BUILD_DIR"));
    size_t zlen = 0;
    char *zip = gwt_slurp(zpath, &zlen);
    free(zpath);
    REQUIRE(zip);
    char course[64], round[64];
    long st = gwt_submit_package(&srv, h_admin, "ops", "Forklift safety", "ann", "adam", zip, zlen,
                                 course, round);
    free(zip);
    REQUIRE(st == 201);
    char ann[300], csrf[80], dora[300], dcsrf[80];
    REQUIRE(sign_in("ann@example.com", ann, sizeof ann, csrf));
    REQUIRE(sign_in("dora@example.com", dora, sizeof dora, dcsrf));
    char *page = gwt_fmt("/review/%s", round);
    struct gwt_response r;
    const char *h[] = {ann, NULL};
    CHECK_INT(gwt_call(&srv, "GET", page, h, NULL, 0, &r), 200);
    CHECK(r.body && strstr(r.body, "Review: Forklift safety") != NULL);
    CHECK(r.body && strstr(r.body, "<iframe class=\"course\"") != NULL);
    CHECK(r.body && !strstr(r.body, "This link works until"));
    CHECK(r.body && !strstr(r.body, "<dt>Effort</dt>")); /* none given: none shown, not "0 hours" */
    char *hidden = gwt_fmt("name=\"csrf_token\" value=\"%s\"", csrf);
    CHECK(r.body && strstr(r.body, hidden) != NULL);
    free(hidden);
    gwt_response_free(&r);
    /* someone the round does not name */
    const char *hd[] = {dora, NULL};
    CHECK_INT(gwt_call(&srv, "GET", page, hd, NULL, 0, &r), 403);
    CHECK(r.body && strstr(r.body, "not an approver") != NULL);
    gwt_response_free(&r);
    /* the form without the session's token decides nothing */
    const char *hp[] = {ann, "Content-Type: application/x-www-form-urlencoded", NULL};
    const char *no_token = "decision=approve&comment=fine";
    CHECK_INT(gwt_call(&srv, "POST", page, hp, no_token, strlen(no_token), NULL), 403);
    char *form = gwt_fmt("decision=approve&comment=Looks+right&csrf_token=%s", csrf);
    CHECK_INT(gwt_call(&srv, "POST", page, hp, form, strlen(form), &r), 200);
    CHECK(r.body && strstr(r.body, "Your decision was recorded") != NULL);
    gwt_response_free(&r);
    /* once: the page now says so */
    CHECK_INT(gwt_call(&srv, "GET", page, h, NULL, 0, &r), 200);
    CHECK(r.body && strstr(r.body, "approved") != NULL);
    gwt_response_free(&r);
    /* a second press (a reload of the answer) records nothing more */
    CHECK_INT(gwt_call(&srv, "POST", page, hp, form, strlen(form), &r), 200);
    CHECK(r.body && strstr(r.body, "You had already decided this; nothing changed") != NULL);
    gwt_response_free(&r);
    free(form);
    free(page);
}

static void test_audit_chain_holds(void)
{
    const char *args[] = {"--config", srv.config_path, "review", "audit-verify", NULL};
    char *out = NULL, *err = NULL;
    CHECK_INT(gwt_run_lmsgw(args, NULL, &out, &err), 0);
    free(out);
    free(err);
}

/* Idle and absolute expiry at chosen instants, through the store. */
static void test_expiry(void)
{
    struct gw_store_options opt = {0};
    opt.existing_only = true;
    struct gw_error e;
    char *d = dsn ? strdup(dsn) : gwt_fmt("sqlite:%s/data/lmsgw.db", srv.dir);
    struct gw_store *st = gw_store_open(d, &opt, &e);
    free(d);
    REQUIRE(st);
    const int64_t t0 = 1900000000000LL, idle = 30 * 60 * 1000LL, max = 8 * 3600 * 1000LL;
    struct gw_session_person p;
    bool found = false;
    int64_t retry = 0;
    const char *token = "1111111111111111111111111111111111111111111111111111111111111111";
    const char *sid = "2222222222222222222222222222222222222222222222222222222222222222";
    REQUIRE(gw_app_signin_request(st, "ann@example.com", "10.0.0.9", token, t0, 600000, 100, &p,
                                  &found, &retry, &e) == GW_OK);
    CHECK(found);
    REQUIRE(gw_app_signin_complete(st, token, sid, "c", "10.0.0.9", t0 + 1000, max, &p, &e) ==
            GW_OK);
    struct gw_session s;
    /* busy: a request every 20 minutes keeps it alive until the absolute end */
    int64_t t = t0 + 1000;
    for (int i = 0; i < 23; i++) {
        t += 20 * 60 * 1000;
        CHECK_INT(gw_app_session_get(st, sid, t, idle, &s, &e), GW_OK);
    }
    CHECK_INT(gw_app_session_get(st, sid, t0 + 1000 + max, idle, &s, &e), GW_E_SESSION_EXPIRED);
    /* idle */
    const char *token2 = "3333333333333333333333333333333333333333333333333333333333333333";
    const char *sid2 = "4444444444444444444444444444444444444444444444444444444444444444";
    REQUIRE(gw_app_signin_request(st, "ann@example.com", "10.0.0.9", token2, t0, 600000, 100, &p,
                                  &found, &retry, &e) == GW_OK);
    REQUIRE(gw_app_signin_complete(st, token2, sid2, "c", "", t0, max, &p, &e) == GW_OK);
    CHECK_INT(gw_app_session_get(st, sid2, t0 + idle - 1, idle, &s, &e), GW_OK);
    CHECK_INT(gw_app_session_get(st, sid2, t0 + 2 * idle, idle, &s, &e), GW_E_SESSION_EXPIRED);
    /* an expired link */
    const char *token3 = "5555555555555555555555555555555555555555555555555555555555555555";
    REQUIRE(gw_app_signin_request(st, "ann@example.com", "10.0.0.9", token3, t0, 600000, 100, &p,
                                  &found, &retry, &e) == GW_OK);
    CHECK_INT(gw_app_signin_complete(st, token3, "66", "c", "", t0 + 600000, max, &p, &e),
              GW_E_SIGNIN_LINK_EXPIRED);
    gw_store_close(st);
}

static bool setup(void)
{
    int port = 0;
    sink = smtp_sink_start(&port);
    if (!sink)
        return false;
    char extra[512];
    snprintf(extra, sizeof extra,
             "{\"smtp_url\": \"smtp://127.0.0.1:%d\", \"smtp_from\": \"lmsgw@example.org\", "
             "\"smtp_starttls\": \"none\", \"access_log\": false, \"signin_max_per_hour\": 12}",
             port);
#if GW_TEST_PG
    dsn = gwt_pg_fresh_dsn();
    if (!dsn)
        return false;
#endif
    if (!gwt_server_start(&srv, dsn, extra))
        return false;
    snprintf(h_admin, sizeof h_admin, "Authorization: Bearer %s", srv.admin_token);
    const char *people[] = {
        "{\"id\":\"ann\",\"name\":\"Ann Approver\",\"email\":\"ann@example.com\"}",
        "{\"id\":\"adam\",\"name\":\"Adam Admin\",\"email\":\"adam@example.com\",\"roles\":"
        "[\"admin\",\"author\"]}",
        "{\"id\":\"cat\",\"name\":\"Cat\",\"email\":\"cat@example.com\"}",
        "{\"id\":\"dora\",\"name\":\"Dora\",\"email\":\"dora@example.com\"}",
    };
    for (size_t i = 0; i < 4; i++) {
        json_t *j = NULL;
        long st = gwt_post_json(&srv, "/api/v1/people", h_admin, people[i], &j);
        json_decref(j);
        if (st != 201)
            return false;
    }
    return true;
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!setup()) {
        fprintf(stderr, "setup failed\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    GW_RUN(test_link_mailed_only_to_people);
    GW_RUN(test_link_signs_in_once_on_post);
    GW_RUN(test_session_is_a_credential_with_roles);
    GW_RUN(test_changes_need_csrf_and_our_origin);
    GW_RUN(test_package_upload_with_session);
    GW_RUN(test_sign_out_and_everywhere);
    GW_RUN(test_rate_limit);
    GW_RUN(test_signed_in_review_page);
    GW_RUN(test_audit_chain_holds);
    GW_RUN(test_expiry);
    CHECK_INT(gwt_server_stop(&srv, SIGTERM), 0);
    gwt_server_free(&srv);
    smtp_sink_stop(sink);
    free(dsn);
    curl_global_cleanup();
    return gw_test_summary();
}
