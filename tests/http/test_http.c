/* HTTP behaviour of the real lmsgw binary on a free port: error bodies,
 * router limits (404/405/413/414/415), JSON errors with pointers, metrics,
 * the access log, keys over the API, Basic auth, and graceful shutdown with
 * a request in flight. Compiled for SQLite and for PostgreSQL. */
#include "gw/hash.h"
#include "gwtest.h"
#include "testsupport.h"

#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct gwt_server srv;
static char auth_admin[256];

static char *url(const char *path)
{
    char *u = NULL;
    if (asprintf(&u, "%s%s", srv.base_url, path) < 0)
        abort();
    return u;
}

/* gwt_call with a string body; returns the reply parsed as any JSON value. */
static json_t *req_json(const char *method, const char *path, const char *const *headers,
                        const char *body, long *status, struct gwt_response *keep)
{
    struct gwt_response r;
    *status = gwt_call(&srv, method, path, headers, body, body ? strlen(body) : 0, &r);
    json_t *j = json_loads(r.body, JSON_DECODE_ANY, NULL);
    if (keep)
        *keep = r;
    else
        gwt_response_free(&r);
    return j;
}

/* Checks the shape every error body has, and its code and name. */
static void check_error(json_t *j, int code, const char *name)
{
    CHECK(j != NULL);
    if (!j)
        return;
    CHECK_INT(json_integer_value(json_object_get(j, "code")), code);
    CHECK_STR(json_string_value(json_object_get(j, "name")), name);
    CHECK(json_is_string(json_object_get(j, "hint")));
    CHECK(json_is_string(json_object_get(j, "detail")));
    CHECK(json_object_get(j, "where") != NULL);
}

static void test_health(void)
{
    long st;
    struct gwt_response r;
    json_t *j = req_json("GET", "/healthz", NULL, NULL, &st, &r);
    CHECK_INT(st, 200);
    CHECK_STR(json_string_value(json_object_get(j, "status")), "ok");
    char *rid = gwt_header(&r, "X-Request-Id");
    CHECK(rid && strlen(rid) == 16);
    char *ct = gwt_header(&r, "Content-Type");
    CHECK_STR(ct, "application/json");
    free(ct);
    free(rid);
    gwt_response_free(&r);
    json_decref(j);
    j = req_json("GET", "/readyz", NULL, NULL, &st, NULL);
    CHECK_INT(st, 200);
    CHECK_STR(json_string_value(json_object_get(j, "status")), "ready");
    CHECK_STR(json_string_value(json_object_get(j, "store")), GW_TEST_PG ? "postgresql" : "sqlite");
    json_decref(j);
}

static void test_not_found_and_method(void)
{
    long st;
    json_t *j = req_json("GET", "/nope/here", NULL, NULL, &st, NULL);
    CHECK_INT(st, 404);
    check_error(j, 1001, "ROUTE_NOT_FOUND");
    CHECK_STR(json_string_value(json_object_get(j, "where")), "/nope/here");
    json_decref(j);
    struct gwt_response r;
    j = req_json("PATCH", "/api/v1/keys", NULL, NULL, &st, &r);
    CHECK_INT(st, 405);
    check_error(j, 1002, "METHOD_NOT_ALLOWED");
    char *allow = gwt_header(&r, "Allow");
    CHECK_STR(allow, "GET, POST");
    free(allow);
    gwt_response_free(&r);
    json_decref(j);
}

static void test_limits(void)
{
    long st;
    const char *h[] = {auth_admin, "Content-Type: application/json", NULL};
    /* 413 from Content-Length: POST /api/v1/keys takes at most 16 KiB */
    size_t n = 20000;
    char *big = malloc(n + 1);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    big[n] = '\0';
    json_t *j = req_json("POST", "/api/v1/keys", h, big, &st, NULL);
    CHECK_INT(st, 413);
    check_error(j, 1003, "BODY_TOO_LARGE");
    json_decref(j);
    /* 413 for a chunked body, counted as it arrives */
    const char *hc[] = {auth_admin, "Content-Type: application/json", "Transfer-Encoding: chunked",
                        NULL};
    j = req_json("POST", "/api/v1/keys", hc, big, &st, NULL);
    CHECK_INT(st, 413);
    json_decref(j);
    free(big);
    /* 414 */
    char path[10000];
    int off = snprintf(path, sizeof path, "/healthz?x=");
    memset(path + off, 'a', 9000);
    path[off + 9000] = '\0';
    j = req_json("GET", path, NULL, NULL, &st, NULL);
    CHECK_INT(st, 414);
    check_error(j, 1004, "URI_TOO_LONG");
    json_decref(j);
    /* 415, naming the header to send and what the request said (issue 16) */
    const char *ht[] = {auth_admin, "Content-Type: text/plain", NULL};
    j = req_json("POST", "/api/v1/keys", ht, "{}", &st, NULL);
    CHECK_INT(st, 415);
    check_error(j, 1010, "UNSUPPORTED_MEDIA_TYPE");
    CHECK_STR(json_string_value(json_object_get(j, "where")), "Content-Type");
    CHECK_STR(json_string_value(json_object_get(j, "detail")),
              "this route takes a JSON body: send the header 'Content-Type: application/json'; "
              "the request had 'text/plain'");
    json_decref(j);
    /* curl -d without -H: a form type; and no Content-Type at all */
    const char *hf[] = {auth_admin, "Content-Type: application/x-www-form-urlencoded", NULL};
    j = req_json("POST", "/api/v1/keys", hf, "{}", &st, NULL);
    CHECK_INT(st, 415);
    CHECK(strstr(json_string_value(json_object_get(j, "detail")),
                 "'Content-Type: application/json'; the request had "
                 "'application/x-www-form-urlencoded'"));
    json_decref(j);
    const char *hn[] = {auth_admin, "Content-Type:", NULL}; /* libcurl: send none */
    j = req_json("POST", "/api/v1/keys", hn, "{}", &st, NULL);
    CHECK_INT(st, 415);
    CHECK(
        strstr(json_string_value(json_object_get(j, "detail")), "the request had no Content-Type"));
    json_decref(j);
    /* a chunked body is checked as well */
    const char *hct[] = {auth_admin, "Content-Type: text/plain", "Transfer-Encoding: chunked",
                         NULL};
    j = req_json("POST", "/api/v1/keys", hct, "{}", &st, NULL);
    CHECK_INT(st, 415);
    json_decref(j);
    /* a value that is not printable ASCII is not echoed */
    const char *hx[] = {auth_admin, "Content-Type: text/\xc3\xa9", NULL};
    j = req_json("POST", "/api/v1/keys", hx, "{}", &st, NULL);
    CHECK_INT(st, 415);
    CHECK(strstr(json_string_value(json_object_get(j, "detail")),
                 "a Content-Type that cannot be shown"));
    json_decref(j);
}

/* Issue 13, finding 10: a query value or path argument that is not UTF-8
 * text (or holds a control character) is refused by the router before any
 * handler, with PARAM_INVALID naming it; UTF-8 text passes. */
static void test_params_are_text(void)
{
    const char *h[] = {auth_admin, NULL};
    static const struct {
        const char *path, *where;
    } bad[] = {
        {"/api/v1/kpis?department=%C0%80", "department"}, /* an overlong NUL */
        {"/api/v1/kpis?department=a%00b", "department"},  /* a NUL cuts the value */
        {"/api/v1/kpis?course=%FF%FE", "course"},
        {"/api/v1/kpis?department=x%1B%5B2J", "department"}, /* ESC */
        {"/api/v1/audit?course_id=%E2%82", "course_id"},     /* cut short */
        {"/api/v1/courses/%FF", "id"},                       /* a path argument */
        {"/api/v1/courses/a%0Ab/effort", "id"},              /* no lines in a path */
        {"/api/v1/departments/%C3%28", "id"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long st;
        json_t *j = req_json("GET", bad[i].path, h, NULL, &st, NULL);
        CHECK_INT(st, 400);
        check_error(j, 1033, "PARAM_INVALID");
        CHECK_STR(json_string_value(json_object_get(j, "where")), bad[i].where);
        if (st != 400)
            fprintf(stderr, "    %s -> %ld\n", bad[i].path, st);
        json_decref(j);
    }
    /* before auth too: nothing of the request reaches a handler */
    long st;
    json_t *j = req_json("GET", "/api/v1/kpis?department=%FF", NULL, NULL, &st, NULL);
    CHECK_INT(st, 400);
    json_decref(j);
    /* UTF-8 text is a value like any other */
    j = req_json("GET", "/api/v1/departments/K%C3%BChe", h, NULL, &st, NULL);
    CHECK_INT(st, 404);
    json_decref(j);
    j = req_json("GET", "/healthz?note=K%C3%BChe%20%E2%82%AC", NULL, NULL, &st, NULL);
    CHECK_INT(st, 200);
    json_decref(j);
}

/* Issue 13: every reply carries nosniff; HTML pages cannot be framed; a
 * missing web app file is named as asked for, never by our path. */
static void test_security_headers_and_paths(void)
{
    long st;
    struct gwt_response r;
    json_t *j = req_json("GET", "/healthz", NULL, NULL, &st, &r);
    char *h = gwt_header(&r, "X-Content-Type-Options");
    CHECK_STR(h, "nosniff");
    free(h);
    h = gwt_header(&r, "X-Frame-Options"); /* JSON is not a page */
    CHECK(h == NULL);
    free(h);
    gwt_response_free(&r);
    json_decref(j);
    j = req_json("GET", "/nope", NULL, NULL, &st, &r); /* error replies too */
    h = gwt_header(&r, "X-Content-Type-Options");
    CHECK_STR(h, "nosniff");
    free(h);
    gwt_response_free(&r);
    json_decref(j);
    char *u = url("/");
    CHECK(gwt_http("GET", u, NULL, NULL, 0, &r));
    free(u);
    CHECK_INT(r.status, 200);
    h = gwt_header(&r, "X-Frame-Options");
    CHECK_STR(h, "DENY");
    free(h);
    h = gwt_header(&r, "Content-Security-Policy");
    CHECK(h && strstr(h, "frame-ancestors 'none'"));
    free(h);
    gwt_response_free(&r);
    /* the web app: its page at / and its modules at /app/{file}, under a CSP
     * without inline script */
    const char *app[] = {"/", "/app/app.js"};
    for (int i = 0; i < 2; i++) {
        u = url(app[i]);
        CHECK(gwt_http("GET", u, NULL, NULL, 0, &r));
        free(u);
        CHECK_INT(r.status, 200);
        h = gwt_header(&r, "Content-Type");
        CHECK(h && strstr(h, i ? "text/javascript" : "text/html"));
        free(h);
        h = gwt_header(&r, "Content-Security-Policy");
        CHECK(h && strstr(h, "default-src 'self'") && !strstr(h, "unsafe-inline"));
        free(h);
        gwt_response_free(&r);
    }
    j = req_json("GET", "/app/package.json", NULL, NULL, &st, &r);
    CHECK_INT(st, 404);
    gwt_response_free(&r);
    json_decref(j);
    j = req_json("GET", "/app/x.js", NULL, NULL, &st, &r);
    CHECK_INT(st, 404);
    check_error(j, 1012, "NOT_FOUND");
    CHECK(strstr(r.body, "x.js") != NULL);
    CHECK(strstr(r.body, getenv("GW_BUILD_DIR")) == NULL);
    CHECK(strstr(r.body, "web_root") == NULL);
    CHECK(strstr(r.body, "/web") == NULL);
    gwt_response_free(&r);
    json_decref(j);
}

static void test_json_errors(void)
{
    long st;
    const char *h[] = {auth_admin, "Content-Type: application/json", NULL};
    json_t *j = req_json("POST", "/api/v1/keys", h, "{\"name\": ", &st, NULL);
    CHECK_INT(st, 400);
    check_error(j, 1005, "JSON_MALFORMED");
    CHECK(strstr(json_string_value(json_object_get(j, "detail")), "line 1") != NULL);
    json_decref(j);
    j = req_json("POST", "/api/v1/keys", h, "{\"name\":\"x\",\"role\":\"bi\",\"colour\":1}", &st,
                 NULL);
    CHECK_INT(st, 400);
    check_error(j, 1008, "JSON_FIELD_UNKNOWN");
    CHECK_STR(json_string_value(json_object_get(j, "where")), "/colour");
    json_decref(j);
    /* issue 16: a misspelt member is the error (not the required one it
     * stands for), with the member it was probably meant to be */
    j = req_json("POST", "/api/v1/people", h, "{\"nmae\":\"Anne\",\"email\":\"anne@example.org\"}",
                 &st, NULL);
    CHECK_INT(st, 400);
    check_error(j, 1008, "JSON_FIELD_UNKNOWN");
    CHECK_STR(json_string_value(json_object_get(j, "where")), "/nmae");
    CHECK_STR(json_string_value(json_object_get(j, "detail")),
              "unknown member 'nmae'; did you mean 'name'?");
    json_decref(j);
    j = req_json("POST", "/api/v1/keys", h, "{\"name\":\"x\",\"role\":\"root\"}", &st, NULL);
    CHECK_INT(st, 400);
    check_error(j, 1009, "JSON_FIELD_VALUE");
    CHECK_STR(json_string_value(json_object_get(j, "where")), "/role");
    json_decref(j);
    j = req_json("POST", "/api/v1/keys", h, "{\"role\":\"bi\"}", &st, NULL);
    CHECK_INT(st, 400);
    check_error(j, 1006, "JSON_FIELD_MISSING");
    CHECK_STR(json_string_value(json_object_get(j, "where")), "/name");
    json_decref(j);
}

static void test_keys_and_basic_auth(void)
{
    long st;
    const char *h[] = {auth_admin, "Content-Type: application/json", NULL};
    json_t *k =
        req_json("POST", "/api/v1/keys", h, "{\"name\":\"grafana\",\"role\":\"bi\"}", &st, NULL);
    CHECK_INT(st, 201);
    REQUIRE(k);
    const char *token = json_string_value(json_object_get(k, "token"));
    const char *key_id = json_string_value(json_object_get(k, "key_id"));
    const char *secret = json_string_value(json_object_get(k, "secret"));
    REQUIRE(token && key_id && secret);
    char bearer[256];
    snprintf(bearer, sizeof bearer, "Authorization: Bearer %s", token);
    const char *hb[] = {bearer, NULL};
    json_t *who = req_json("GET", "/api/v1/whoami", hb, NULL, &st, NULL);
    CHECK_INT(st, 200);
    CHECK_STR(json_string_value(json_object_get(who, "role")), "bi");
    CHECK_STR(json_string_value(json_object_get(who, "name")), "grafana");
    json_decref(who);

    /* Basic auth with key id and secret, as xAPI clients send it */
    char userpass[200], b64[400], basic[450];
    snprintf(userpass, sizeof userpass, "%s:%s", key_id, secret);
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t len = strlen(userpass), o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned char)userpass[i] << 16;
        if (i + 1 < len)
            v |= (unsigned char)userpass[i + 1] << 8;
        if (i + 2 < len)
            v |= (unsigned char)userpass[i + 2];
        b64[o++] = tbl[(v >> 18) & 63];
        b64[o++] = tbl[(v >> 12) & 63];
        b64[o++] = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
        b64[o++] = i + 2 < len ? tbl[v & 63] : '=';
    }
    b64[o] = '\0';
    snprintf(basic, sizeof basic, "Authorization: Basic %s", b64);
    const char *hba[] = {basic, NULL};
    who = req_json("GET", "/api/v1/whoami", hba, NULL, &st, NULL);
    CHECK_INT(st, 200);
    json_decref(who);

    /* the bi key may not manage keys */
    json_t *j = req_json("GET", "/api/v1/keys", hb, NULL, &st, NULL);
    CHECK_INT(st, 403);
    check_error(j, 1102, "AUTH_FORBIDDEN");
    CHECK(strstr(json_string_value(json_object_get(j, "detail")), "admin") != NULL);
    json_decref(j);

    /* revoking through the API takes effect at once */
    char path[128];
    snprintf(path, sizeof path, "/api/v1/keys/%s", key_id);
    const char *ha[] = {auth_admin, NULL};
    j = req_json("DELETE", path, ha, NULL, &st, NULL);
    CHECK_INT(st, 204);
    json_decref(j);
    j = req_json("GET", "/api/v1/whoami", hb, NULL, &st, NULL);
    CHECK_INT(st, 401);
    check_error(j, 1101, "AUTH_INVALID");
    json_decref(j);
    j = req_json("DELETE", path, ha, NULL, &st, NULL);
    CHECK_INT(st, 404);
    json_decref(j);
    json_decref(k);
}

/* A key made with "hmac": true must sign every request body, even an empty one. */
static void test_hmac_signed_key(void)
{
    long st;
    const char *h[] = {auth_admin, "Content-Type: application/json", NULL};
    json_t *k = req_json("POST", "/api/v1/keys", h,
                         "{\"name\":\"webhook\",\"role\":\"lms\",\"hmac\":true}", &st, NULL);
    CHECK_INT(st, 201);
    REQUIRE(k);
    const char *secret = json_string_value(json_object_get(k, "hmac_secret"));
    REQUIRE(secret && strlen(secret) == 64);
    char bearer[256];
    snprintf(bearer, sizeof bearer, "Authorization: Bearer %s",
             json_string_value(json_object_get(k, "token")));
    const char *unsigned_h[] = {bearer, NULL};
    json_t *j = req_json("GET", "/api/v1/whoami", unsigned_h, NULL, &st, NULL);
    CHECK_INT(st, 401);
    CHECK_STR(json_string_value(json_object_get(j, "where")), "X-Lmsgw-Signature");
    json_decref(j);
    uint8_t mac[32];
    char hex[65], sig[128];
    gw_hmac_sha256(secret, strlen(secret), "", 0, mac);
    gw_hex(mac, 32, hex);
    snprintf(sig, sizeof sig, "X-Lmsgw-Signature: sha256=%s", hex);
    const char *signed_h[] = {bearer, sig, NULL};
    j = req_json("GET", "/api/v1/whoami", signed_h, NULL, &st, NULL);
    CHECK_INT(st, 200);
    json_decref(j);
    hex[0] = hex[0] == 'a' ? 'b' : 'a'; /* tampered */
    snprintf(sig, sizeof sig, "X-Lmsgw-Signature: sha256=%s", hex);
    j = req_json("GET", "/api/v1/whoami", signed_h, NULL, &st, NULL);
    CHECK_INT(st, 401);
    json_decref(j);
    json_decref(k);
}

static void test_metrics(void)
{
    long st;
    char *u = url("/metrics");
    struct gwt_response r;
    CHECK(gwt_http("GET", u, NULL, NULL, 0, &r));
    free(u);
    CHECK_INT(r.status, 200);
    CHECK(strstr(r.body, "lmsgw_http_requests_total{method=\"GET\",route=\"/healthz\","
                         "status=\"200\"}") != NULL);
    CHECK(strstr(r.body, "lmsgw_http_requests_total{method=\"\",route=\"unmatched\","
                         "status=\"404\"}") != NULL);
    CHECK(strstr(r.body, "lmsgw_http_request_duration_seconds_bucket{method=\"GET\","
                         "route=\"/healthz\",le=\"+Inf\"}") != NULL);
    CHECK(strstr(r.body, "lmsgw_store_pool_size{backend=") != NULL);
    CHECK(strstr(r.body, "lmsgw_store_transactions_total") != NULL);
    /* the default SQLite store defers the statement index; PostgreSQL
     * writes it inline and has no such figures */
    CHECK((strstr(r.body, "\nlmsgw_xapi_index_pending ") != NULL) == !GW_TEST_PG);
    CHECK((strstr(r.body, "\nlmsgw_xapi_index_statements_total{from=\"memory\"} ") != NULL) ==
          !GW_TEST_PG);
    CHECK((strstr(r.body, "\nlmsgw_xapi_index_failures_total 0\n") != NULL) == !GW_TEST_PG);
    gwt_response_free(&r);
    (void)st;
}

/* Every access-log line is JSON with the request's fields; no secret leaks. */
static void test_access_log(void)
{
    FILE *f = fopen(srv.stderr_path, "r");
    REQUIRE(f);
    char line[8192];
    int requests = 0, bad = 0;
    const char *secret = strchr(srv.admin_token, '.') + 1;
    while (fgets(line, sizeof line, f)) {
        json_t *j = json_loads(line, 0, NULL);
        if (!j) {
            bad++;
            continue;
        }
        if (strstr(line, secret))
            bad++;
        const char *msg = json_string_value(json_object_get(j, "msg"));
        if (msg && strcmp(msg, "request") == 0) {
            requests++;
            CHECK(json_is_string(json_object_get(j, "request_id")));
            CHECK(json_is_string(json_object_get(j, "ts")));
            CHECK(json_is_integer(json_object_get(j, "duration_us")));
            CHECK(json_is_string(json_object_get(j, "method")));
        }
        json_decref(j);
    }
    fclose(f);
    CHECK_INT(bad, 0);
    CHECK(requests >= 10);
}

/* ---- graceful shutdown ---- */

struct slow_body {
    const char *data;
    size_t len, sent;
    int calls;
    bool seen_in_flight;
    bool refused_after_signal;
};

static size_t slow_read(char *buf, size_t size, size_t nitems, void *ud)
{
    struct slow_body *b = ud;
    b->calls++;
    if (b->sent == 0) {
        size_t n = b->len / 2;
        memcpy(buf, b->data, n);
        b->sent = n;
        return n;
    }
    if (b->sent < b->len && b->calls == 2) {
        /* Half the body is on the wire. Wait until the server has started
         * the request (it counts in lmsgw_http_in_flight beside the metrics
         * request itself), then ask it to stop, and wait until it no longer
         * accepts new connections. */
        char *m = url("/metrics");
        for (int i = 0; i < 500 && !b->seen_in_flight; i++) {
            struct gwt_response r;
            if (gwt_http("GET", m, NULL, NULL, 0, &r) && strstr(r.body, "lmsgw_http_in_flight 2"))
                b->seen_in_flight = true;
            gwt_response_free(&r);
            if (!b->seen_in_flight) {
                struct timespec ts = {0, 10 * 1000000};
                nanosleep(&ts, NULL);
            }
        }
        free(m);
        kill(srv.pid, SIGTERM);
        char *u = url("/healthz");
        for (int i = 0; i < 500 && !b->refused_after_signal; i++) {
            struct gwt_response r;
            bool got = gwt_http("GET", u, NULL, NULL, 0, &r);
            gwt_response_free(&r);
            if (!got)
                b->refused_after_signal = true;
            else {
                struct timespec ts = {0, 20 * 1000000};
                nanosleep(&ts, NULL);
            }
        }
        free(u);
    }
    size_t n = b->len - b->sent;
    if (n > size * nitems)
        n = size * nitems;
    memcpy(buf, b->data + b->sent, n);
    b->sent += n;
    return n;
}

static size_t discard(char *p, size_t s, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return s * n;
}

static void test_graceful_shutdown(void)
{
    const char *body = "{\"name\":\"made-during-shutdown\",\"role\":\"author\"}";
    struct slow_body b = {body, strlen(body), 0, 0, false, false};
    char *u = url("/api/v1/keys");
    CURL *c = curl_easy_init();
    struct curl_slist *hl = curl_slist_append(NULL, auth_admin);
    hl = curl_slist_append(hl, "Content-Type: application/json");
    hl = curl_slist_append(hl, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, u);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, slow_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &b);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)b.len);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    free(u);
    CHECK_INT(rc, CURLE_OK);
    CHECK_INT(status, 201); /* the in-flight request finished */
    if (status != 201) {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "tail -n 8 '%s' >&2", srv.stderr_path);
        if (system(cmd) != 0)
            fprintf(stderr, "  (no server log)\n");
    }
    CHECK(b.seen_in_flight);
    CHECK(b.refused_after_signal);
    CHECK_INT(gwt_server_stop(&srv, 0), 0); /* and the server exited cleanly */
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char *dsn = NULL;
#if GW_TEST_PG
    dsn = gwt_pg_fresh_dsn();
    if (!dsn) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
#endif
    if (!gwt_server_start(&srv, dsn, "{\"shutdown_grace_s\": 30}")) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    snprintf(auth_admin, sizeof auth_admin, "Authorization: Bearer %s", srv.admin_token);
    GW_RUN(test_health);
    GW_RUN(test_not_found_and_method);
    GW_RUN(test_limits);
    GW_RUN(test_params_are_text);
    GW_RUN(test_security_headers_and_paths);
    GW_RUN(test_json_errors);
    GW_RUN(test_keys_and_basic_auth);
    GW_RUN(test_hmac_signed_key);
    GW_RUN(test_metrics);
    GW_RUN(test_access_log);
    GW_RUN(test_graceful_shutdown);
    gwt_server_free(&srv);
    free(dsn);
    curl_global_cleanup();
    return gw_test_summary();
}
