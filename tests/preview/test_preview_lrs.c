/* The preview LRS on the content origin (api/preview_xapi.c), against the
 * real lmsgw: a cmi5 package from the shared corpus is uploaded, a preview
 * capability minted with the store's review key (as the review page mints
 * one), and the launch sequence a real AU performs is walked: POST fetch for
 * the auth-token, GET of the LMS.LaunchData state, GET of the learner
 * preferences (404), statements with the context from LaunchData, a state
 * document written and read back, and preview/reported showing what was
 * sent. Then: nothing of it reached the learner LRS or the KPIs; the token,
 * the capability and the version header are checked; a Tin Can style
 * launch works with the same token; the store's bounds hold. Compiled for
 * SQLite and for PostgreSQL. */
#include "gw/hash.h"
#include "gw/preview.h"
#include "gw/preview_store.h"
#include "gw/review_store.h"
#include "gw/timefmt.h"
#include "gwtest.h"
#include "testsupport.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PKG "corpus/packages/catapult-example-single_au_basic_responsive.zip"
#define PKG_MASTERY "corpus/packages/catapult-001-essentials.zip"
#define COURSE                                                                                     \
    "https://w3id.org/xapi/cmi5/catapult/lts/course/geology-intro-single-au-basic-responsive"
#define AU COURSE "/1"
#define SESSION_EXT "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
#define V1 "X-Experience-API-Version: 1.0.3"

static struct gwt_server srv;
static struct gwt_server content; /* srv with the content origin as base_url */
static char *dsn;                 /* the store's DSN */
static struct gw_store *store;
static char auth_admin[256], auth_lms[256], auth_bi[256];
static char sha[65], sha_mastery[65];
static char cap[GW_REVIEW_TOKEN_MAX];
static char actor[512];
static char round_id[64];
static json_t *kpis_before; /* before any preview statement */

/* ---- helpers ---- */

static char *esc(const char *s)
{
    char *e = curl_easy_escape(NULL, s, 0);
    char *out = strdup(e);
    curl_free(e);
    return out;
}

/* base + "?" + name=value pairs (values escaped), NULL-ended. */
static char *path_of(const char *base, ...)
{
    va_list ap;
    va_start(ap, base);
    char *out = strdup(base);
    const char *sep = "?";
    for (const char *name = va_arg(ap, const char *); name; name = va_arg(ap, const char *)) {
        char *e = esc(va_arg(ap, const char *));
        char *next = gwt_fmt("%s%s%s=%s", out, sep, name, e);
        free(e);
        free(out);
        out = next;
        sep = "&";
    }
    va_end(ap);
    return out;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* A capability of the package sha for approver, expiring at expires_ms. */
static bool mint(const char *approver, const char *pkg_sha, int64_t expires_ms, char *out,
                 size_t cap_len)
{
    uint8_t key[32];
    struct gw_error e;
    if (gw_store_review_key(store, key, &e) != GW_OK)
        return false;
    struct gw_preview_cap c = {.expires_ms = expires_ms};
    snprintf(c.round_id, sizeof c.round_id, "%s", round_id);
    snprintf(c.approver_id, sizeof c.approver_id, "%s", approver);
    snprintf(c.sha256, sizeof c.sha256, "%s", pkg_sha);
    return gw_preview_cap_make(key, sizeof key, &c, out, cap_len, &e) == GW_OK;
}

/* A request to the content origin under the capability c: path after
 * "/c/{cap}", the Authorization line (may be NULL), with the version
 * header when v, a JSON body when body. The reply goes to *r. */
static long call(const char *method, const char *c, const char *path, const char *auth, bool v,
                 const char *body, struct gwt_response *r)
{
    char *p = gwt_fmt("/c/%s%s", c, path);
    const char *h[5] = {0};
    int n = 0;
    if (auth)
        h[n++] = auth;
    if (v)
        h[n++] = V1;
    if (body)
        h[n++] = "Content-Type: application/json";
    struct gwt_response tmp;
    long st = gwt_call(&content, method, p, h, body, body ? strlen(body) : 0, r ? r : &tmp);
    if (!r)
        gwt_response_free(&tmp);
    free(p);
    return st;
}

static json_t *body_json(const struct gwt_response *r)
{
    return json_loads(r->body ? r->body : "", 0, NULL);
}

static long error_code(const struct gwt_response *r)
{
    json_t *j = body_json(r);
    long code = (long)json_integer_value(json_object_get(j, "code"));
    json_decref(j);
    return code;
}

/* "Authorization: Basic <token>" from POST fetch under c. */
static bool fetch_auth(const char *c, char *out, size_t len)
{
    struct gwt_response r;
    bool ok = call("POST", c, "/fetch", NULL, false, NULL, &r) == 200;
    json_t *j = body_json(&r);
    const char *tok = json_string_value(json_object_get(j, "auth-token"));
    ok = ok && tok && *tok;
    if (ok)
        snprintf(out, len, "Authorization: Basic %s", tok);
    json_decref(j);
    gwt_response_free(&r);
    return ok;
}

static char *state_path(const char *activity, const char *reg, const char *state_id)
{
    return path_of("/xapi/activities/state", "activityId", activity, "agent", actor, "registration",
                   reg, "stateId", state_id, NULL);
}

/* The course KPI records (group_by=course), for comparing. */
static json_t *kpi_records(void)
{
    const char *hb[] = {auth_bi, NULL};
    struct gwt_response r;
    if (gwt_call(&srv, "GET", "/api/v1/kpis?group_by=course", hb, NULL, 0, &r) != 200) {
        gwt_response_free(&r);
        return NULL;
    }
    json_t *j = body_json(&r);
    gwt_response_free(&r);
    json_t *records = json_incref(json_object_get(j, "records"));
    json_decref(j);
    return records;
}

/* ---- the cmi5 launch sequence ---- */

static void test_cmi5_launch_sequence(void)
{
    NEED_SHARED(PKG);
    char auth[256];
    REQUIRE(fetch_auth(cap, auth, sizeof auth));
    /* a preview's fetch URL answers the same token every time */
    char again[256];
    CHECK(fetch_auth(cap, again, sizeof again));
    CHECK_STR(again, auth);

    const char *reg = "5e0c5d1e-8b1e-4f4b-9a51-1c2d3e4f5a6b";
    char *p = state_path(AU, reg, "LMS.LaunchData");
    struct gwt_response r;
    CHECK_INT(call("GET", cap, p, auth, true, NULL, &r), 200);
    char *etag = gwt_header(&r, "ETag");
    CHECK(etag && strlen(etag) == 42);
    free(etag);
    json_t *ld = body_json(&r);
    gwt_response_free(&r);
    free(p);
    REQUIRE(json_is_object(ld));
    json_t *tmpl = json_object_get(ld, "contextTemplate");
    json_t *grouping = json_object_get(json_object_get(tmpl, "contextActivities"), "grouping");
    CHECK_INT(json_array_size(grouping), 1);
    CHECK_STR(gwt_sv(json_array_get(grouping, 0), "id"), COURSE);
    const char *session =
        json_string_value(json_object_get(json_object_get(tmpl, "extensions"), SESSION_EXT));
    CHECK(session && strlen(session) == 36);
    CHECK_STR(gwt_sv(ld, "launchMode"), "Normal");
    CHECK_STR(gwt_sv(ld, "moveOn"), "CompletedOrPassed");
    CHECK_STR(gwt_sv(ld, "launchMethod"), "AnyWindow");
    CHECK(json_object_get(ld, "returnURL") == NULL);
    CHECK(json_object_get(ld, "masteryScore") == NULL);

    /* the AU reads the learner's preferences: none */
    p = path_of("/xapi/agents/profile", "agent", actor, "profileId", "cmi5LearnerPreferences",
                NULL);
    CHECK_INT(call("GET", cap, p, auth, true, NULL, NULL), 404);
    free(p);

    /* initialized, with the context LaunchData gave */
    json_t *ctx = json_deep_copy(tmpl);
    json_object_set_new(ctx, "registration", json_string(reg));
    json_object_set_new(
        json_object_get(ctx, "contextActivities"), "category",
        json_pack("[{s:s}]", "id", "https://w3id.org/xapi/cmi5/context/categories/cmi5"));
    char *stmt_id = gwt_uuid();
    json_t *st = json_pack("{s:s, s:o, s:{s:s, s:{s:s}}, s:{s:s, s:s}, s:o, s:s}", "id", stmt_id,
                           "actor", json_loads(actor, 0, NULL), "verb", "id",
                           "http://adlnet.gov/expapi/verbs/initialized", "display", "en-US",
                           "initialized", "object", "objectType", "Activity", "id", AU, "context",
                           ctx, "timestamp", "2026-12-07T10:00:00.000Z");
    char *text = json_dumps(st, JSON_COMPACT);
    CHECK_INT(call("POST", cap, "/xapi/statements", auth, true, text, &r), 200);
    json_t *ids = body_json(&r);
    CHECK_INT(json_array_size(ids), 1);
    CHECK_STR(json_string_value(json_array_get(ids, 0)), stmt_id);
    json_decref(ids);
    gwt_response_free(&r);
    /* the same statement again: the same answer, nothing stored twice */
    CHECK_INT(call("POST", cap, "/xapi/statements", auth, true, text, NULL), 200);
    /* another statement under that id: 409 (statements are immutable) */
    json_object_set_new(json_object_get(st, "verb"), "id",
                        json_string("http://adlnet.gov/expapi/verbs/terminated"));
    char *other = json_dumps(st, JSON_COMPACT);
    CHECK_INT(call("POST", cap, "/xapi/statements", auth, true, other, &r), 409);
    CHECK_INT(error_code(&r), 3027);
    gwt_response_free(&r);
    free(other);
    free(text);
    json_decref(st);

    /* passed, with a result and a named object, by PUT */
    char *passed_id = gwt_uuid();
    char *put = path_of("/xapi/statements", "statementId", passed_id, NULL);
    char *passed = gwt_fmt(
        "{\"actor\":%s,\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/passed\"},"
        "\"object\":{\"id\":\"%s\",\"definition\":{\"name\":{\"en-US\":\"Introduction to "
        "Geology\"}}},\"result\":{\"success\":true,\"completion\":true,\"score\":{\"scaled\":0.9,"
        "\"raw\":90,\"min\":0,\"max\":100}},\"context\":{\"registration\":\"%s\"}}",
        actor, AU, reg);
    CHECK_INT(call("PUT", cap, put, auth, true, passed, NULL), 204);
    free(passed);
    free(put);

    /* a state document of the AU's own, written and read back */
    p = state_path(AU, reg, "bookmark");
    CHECK_INT(call("PUT", cap, p, auth, true, "{\"page\":3}", NULL), 204);
    CHECK_INT(call("GET", cap, p, auth, true, NULL, &r), 200);
    CHECK_STR(r.body, "{\"page\":3}");
    char *ct = gwt_header(&r, "Content-Type");
    CHECK(ct && strncmp(ct, "application/json", 16) == 0);
    free(ct);
    gwt_response_free(&r);
    /* POST merges JSON objects */
    CHECK_INT(call("POST", cap, p, auth, true, "{\"seen\":[1,2]}", NULL), 204);
    CHECK_INT(call("GET", cap, p, auth, true, NULL, &r), 200);
    json_t *merged = body_json(&r);
    CHECK_INT(json_integer_value(json_object_get(merged, "page")), 3);
    CHECK(json_is_array(json_object_get(merged, "seen")));
    json_decref(merged);
    gwt_response_free(&r);
    free(p);
    /* the context's ids list LaunchData with the AU's own */
    p = path_of("/xapi/activities/state", "activityId", AU, "agent", actor, "registration", reg,
                NULL);
    CHECK_INT(call("GET", cap, p, auth, true, NULL, &r), 200);
    CHECK_STR(r.body, "[\"LMS.LaunchData\",\"bookmark\"]");
    gwt_response_free(&r);
    free(p);

    /* what the course reported, newest first */
    CHECK_INT(call("GET", cap, "/preview/reported", NULL, false, NULL, &r), 200);
    json_t *rep = body_json(&r);
    gwt_response_free(&r);
    CHECK_INT(json_array_size(rep), 2);
    json_t *first = json_array_get(rep, 0), *second = json_array_get(rep, 1);
    CHECK_STR(gwt_sv(first, "verb"), "passed");
    CHECK_STR(gwt_sv(first, "object"), "Introduction to Geology");
    json_t *res = json_object_get(first, "result");
    CHECK(json_is_true(json_object_get(res, "success")));
    CHECK(json_is_true(json_object_get(res, "completion")));
    CHECK(json_real_value(json_object_get(json_object_get(res, "score"), "scaled")) == 0.9);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(res, "score"), "raw")), 90);
    CHECK_STR(gwt_sv(second, "verb"), "initialized");
    CHECK_STR(gwt_sv(second, "object"), AU);
    CHECK_STR(gwt_sv(second, "id"), stmt_id);
    CHECK(json_object_get(second, "result") == NULL);
    int64_t ms = 0;
    CHECK(gw_time_parse_iso(gwt_sv(first, "stored"), false, &ms));
    CHECK_INT(ms, json_integer_value(json_object_get(first, "stored_ms")));
    /* since the newest shown: nothing new */
    char *since = gwt_fmt("/preview/reported?since=%lld",
                          (long long)json_integer_value(json_object_get(first, "stored_ms")));
    CHECK_INT(call("GET", cap, since, NULL, false, NULL, &r), 200);
    CHECK_STR(r.body, "[]");
    gwt_response_free(&r);
    free(since);
    json_decref(rep);

    /* GET statements of the preview */
    CHECK_INT(call("GET", cap, "/xapi/statements?since=2020-01-01T00:00:00Z", auth, true, NULL, &r),
              200);
    json_t *page = body_json(&r);
    gwt_response_free(&r);
    CHECK_INT(json_array_size(json_object_get(page, "statements")), 2);
    CHECK_STR(gwt_sv(page, "more"), "");
    json_t *newest = json_array_get(json_object_get(page, "statements"), 0);
    CHECK_STR(gwt_sv(newest, "id"), passed_id);
    CHECK(json_object_get(newest, "stored") != NULL);
    CHECK_STR(gwt_sv(json_object_get(newest, "authority"), "objectType"), "Agent");
    json_decref(page);
    p = path_of("/xapi/statements", "statementId", stmt_id, NULL);
    CHECK_INT(call("GET", cap, p, auth, true, NULL, &r), 200);
    json_t *one = body_json(&r);
    CHECK_STR(gwt_sv(one, "id"), stmt_id);
    CHECK_STR(gwt_sv(json_object_get(one, "verb"), "id"),
              "http://adlnet.gov/expapi/verbs/initialized");
    json_decref(one);
    gwt_response_free(&r);
    free(p);
    /* a filter the preview does not answer is refused by name */
    p = path_of("/xapi/statements", "agent", actor, NULL);
    CHECK_INT(call("GET", cap, p, auth, true, NULL, &r), 400);
    json_t *err = body_json(&r);
    CHECK_STR(gwt_sv(err, "where"), "agent");
    json_decref(err);
    gwt_response_free(&r);
    free(p);

    /* ---- nothing of it reached the learner LRS or the KPIs ---- */
    const char *hl[] = {auth_lms, V1, NULL};
    CHECK_INT(gwt_call(&srv, "GET", "/xapi/statements", hl, NULL, 0, &r), 200);
    page = body_json(&r);
    CHECK_INT(json_array_size(json_object_get(page, "statements")), 0);
    json_decref(page);
    gwt_response_free(&r);
    p = path_of("/xapi/statements", "statementId", stmt_id, NULL);
    CHECK_INT(gwt_call(&srv, "GET", p, hl, NULL, 0, NULL), 404);
    free(p);
    p = state_path(AU, reg, "bookmark");
    CHECK_INT(gwt_call(&srv, "GET", p, hl, NULL, 0, NULL), 404);
    free(p);
    /* the course's KPIs (its IRIs are the package's, the AU's included) */
    json_t *after = kpi_records();
    CHECK(json_is_array(after) && json_array_size(after) > 0);
    CHECK(json_equal(after, kpis_before));
    json_decref(after);
    /* and the content origin serves no learner LRS */
    struct gwt_response nr;
    CHECK_INT(gwt_call(&content, "GET", "/xapi/statements", hl, NULL, 0, &nr), 404);
    gwt_response_free(&nr);

    json_decref(ld);
    free(stmt_id);
    free(passed_id);
}

/* masteryScore comes from the AU when it has one. */
static void test_launch_data_mastery(void)
{
    NEED_SHARED(PKG_MASTERY);
    char c[GW_REVIEW_TOKEN_MAX], auth[256];
    REQUIRE(mint("ann", sha_mastery, gw_time_now_ms() + 3600 * 1000, c, sizeof c));
    REQUIRE(fetch_auth(c, auth, sizeof auth));
    char *p = state_path("https://w3id.org/xapi/cmi5/catapult/lts/au/001-essentials",
                         "5e0c5d1e-8b1e-4f4b-9a51-1c2d3e4f5a6b", "LMS.LaunchData");
    struct gwt_response r;
    CHECK_INT(call("GET", c, p, auth, true, NULL, &r), 200);
    json_t *ld = body_json(&r);
    CHECK(json_real_value(json_object_get(ld, "masteryScore")) == 0.9);
    CHECK_STR(gwt_sv(ld, "moveOn"), "CompletedAndPassed");
    json_decref(ld);
    gwt_response_free(&r);
    /* LaunchData is the LMS's: an AU cannot change it */
    CHECK_INT(call("PUT", c, p, auth, true, "{}", &r), 403);
    CHECK_INT(error_code(&r), 4206);
    gwt_response_free(&r);
    CHECK_INT(call("DELETE", c, p, auth, true, NULL, &r), 403);
    gwt_response_free(&r);
    free(p);
    /* an activity that is not an AU of the package has no LaunchData */
    p = state_path("http://example.org/not-an-au", "5e0c5d1e-8b1e-4f4b-9a51-1c2d3e4f5a6b",
                   "LMS.LaunchData");
    CHECK_INT(call("GET", c, p, auth, true, NULL, NULL), 404);
    free(p);
}

/* ---- tokens, capabilities, versions ---- */

static void test_token_and_capability(void)
{
    NEED_SHARED(PKG);
    char auth[256];
    REQUIRE(fetch_auth(cap, auth, sizeof auth));
    const char *st = "{\"actor\":{\"mbox\":\"mailto:r@example.org\"},\"verb\":{\"id\":"
                     "\"http://adlnet.gov/expapi/verbs/experienced\"},\"object\":{\"id\":"
                     "\"http://example.org/a\"}}";
    struct gwt_response r;
    /* no token, a wrong one, another preview's */
    CHECK_INT(call("POST", cap, "/xapi/statements", NULL, true, st, &r), 401);
    CHECK_INT(error_code(&r), 4205);
    gwt_response_free(&r);
    char *wrong_b64 = gw_base64_encode("preview:00000000000000000000000000000000", 40);
    char *wrong = gwt_fmt("Authorization: Basic %s", wrong_b64);
    CHECK_INT(call("POST", cap, "/xapi/statements", wrong, true, st, NULL), 401);
    CHECK_INT(call("GET", cap, "/xapi/statements", wrong, true, NULL, NULL), 401);
    free(wrong);
    free(wrong_b64);
    char other_cap[GW_REVIEW_TOKEN_MAX], other_auth[256];
    REQUIRE(
        mint("per-approver-2", sha, gw_time_now_ms() + 3600 * 1000, other_cap, sizeof other_cap));
    REQUIRE(fetch_auth(other_cap, other_auth, sizeof other_auth));
    CHECK(strcmp(other_auth, auth) != 0);
    CHECK_INT(call("POST", cap, "/xapi/statements", other_auth, true, st, NULL), 401);
    /* each scope sees its own statements only */
    CHECK_INT(call("POST", other_cap, "/xapi/statements", other_auth, true, st, NULL), 200);
    CHECK_INT(call("GET", other_cap, "/preview/reported", NULL, false, NULL, &r), 200);
    json_t *j = body_json(&r);
    CHECK_INT(json_array_size(j), 1);
    json_decref(j);
    gwt_response_free(&r);
    /* a new page view (capability) of the same scope keeps the token */
    char later_cap[GW_REVIEW_TOKEN_MAX], later_auth[256];
    REQUIRE(
        mint("per-approver-2", sha, gw_time_now_ms() + 7200 * 1000, later_cap, sizeof later_cap));
    REQUIRE(fetch_auth(later_cap, later_auth, sizeof later_auth));
    CHECK_STR(later_auth, other_auth);

    /* the version header comes first */
    CHECK_INT(call("POST", cap, "/xapi/statements", auth, false, st, NULL), 400);
    /* about needs no token */
    CHECK_INT(call("GET", cap, "/xapi/about", NULL, false, NULL, &r), 200);
    j = body_json(&r);
    json_t *versions = json_object_get(j, "version");
    bool v103 = false, v200 = false;
    size_t i;
    json_t *v;
    json_array_foreach(versions, i, v)
    {
        v103 = v103 || strcmp(json_string_value(v), "1.0.3") == 0;
        v200 = v200 || strcmp(json_string_value(v), "2.0.0") == 0;
    }
    CHECK(v103 && v200);
    json_decref(j);
    gwt_response_free(&r);

    /* an expired capability, an altered one */
    char expired[GW_REVIEW_TOKEN_MAX];
    REQUIRE(mint("ann", sha, gw_time_now_ms() - 1000, expired, sizeof expired));
    CHECK_INT(call("POST", expired, "/fetch", NULL, false, NULL, NULL), 410);
    CHECK_INT(call("POST", expired, "/xapi/statements", auth, true, st, &r), 410);
    CHECK_INT(error_code(&r), 4202);
    gwt_response_free(&r);
    CHECK_INT(call("GET", expired, "/preview/reported", NULL, false, NULL, NULL), 410);
    char altered[GW_REVIEW_TOKEN_MAX];
    snprintf(altered, sizeof altered, "%s", cap);
    char *mac = strchr(altered, '.') + 5;
    *mac = *mac == 'A' ? 'B' : 'A';
    CHECK_INT(call("POST", altered, "/fetch", NULL, false, NULL, &r), 403);
    CHECK_INT(error_code(&r), 4201);
    gwt_response_free(&r);
    CHECK_INT(call("POST", altered, "/xapi/statements", auth, true, st, NULL), 403);

    /* bodies are capped by the route */
    size_t big = 1100 * 1024;
    char *huge = malloc(big + 1);
    memset(huge, ' ', big);
    huge[big] = '\0';
    huge[0] = '[';
    huge[big - 1] = ']';
    CHECK_INT(call("POST", cap, "/xapi/statements", auth, true, huge, NULL), 413);
    free(huge);
    /* attachments need a fileUrl: the preview keeps no content */
    const char *att = "{\"actor\":{\"mbox\":\"mailto:r@example.org\"},\"verb\":{\"id\":"
                      "\"http://adlnet.gov/expapi/verbs/experienced\"},\"object\":{\"id\":"
                      "\"http://example.org/a\"},\"attachments\":[{\"usageType\":"
                      "\"http://example.org/u\",\"display\":{\"en-US\":\"x\"},\"contentType\":"
                      "\"text/plain\",\"length\":1,\"sha2\":\"2d711642b726b04401627ca9fbac32f5"
                      "c8530fb1903cc4db02258717921a4881\"}]}";
    CHECK_INT(call("POST", cap, "/xapi/statements", auth, true, att, &r), 400);
    CHECK_INT(error_code(&r), 3021);
    gwt_response_free(&r);
    /* the reported list takes since only */
    CHECK_INT(call("GET", cap, "/preview/reported?limit=3", NULL, false, NULL, NULL), 400);
    CHECK_INT(call("GET", cap, "/preview/reported?since=yesterday", NULL, false, NULL, NULL), 400);
}

/* Tin Can: auth=Basic <token> from the launch URL, an mbox actor, 1.0.0. */
static void test_tincan_launch(void)
{
    NEED_SHARED(PKG);
    char auth[256];
    REQUIRE(fetch_auth(cap, auth, sizeof auth));
    const char *act = "http://tincanapi.com/GolfExample_TCAPI";
    char *st = gwt_fmt("[{\"actor\":{\"objectType\":\"Agent\",\"name\":\"Reviewer\",\"mbox\":"
                       "\"mailto:reviewer@example.org\"},\"verb\":{\"id\":"
                       "\"http://adlnet.gov/expapi/verbs/attempted\",\"display\":{\"en-US\":"
                       "\"attempted\"}},\"object\":{\"id\":\"%s\",\"definition\":{\"name\":{"
                       "\"en-US\":\"Golf Example\"}}}},{\"actor\":{\"objectType\":\"Agent\","
                       "\"mbox\":\"mailto:reviewer@example.org\"},\"verb\":{\"id\":"
                       "\"http://adlnet.gov/expapi/verbs/experienced\"},\"object\":{\"id\":"
                       "\"%s/GolfAssessment\"}}]",
                       act, act);
    const char *h[] = {auth, "X-Experience-API-Version: 1.0.0", "Content-Type: application/json",
                       NULL};
    char *path = gwt_fmt("/c/%s/xapi/statements", cap);
    struct gwt_response r;
    CHECK_INT(gwt_call(&content, "POST", path, h, st, strlen(st), &r), 200);
    json_t *ids = body_json(&r);
    CHECK_INT(json_array_size(ids), 2);
    json_decref(ids);
    char *v = gwt_header(&r, "X-Experience-API-Version");
    CHECK_STR(v, "1.0.3");
    free(v);
    gwt_response_free(&r);
    free(path);
    free(st);
    /* its bookmark: state under the Tin Can activity id, no registration */
    char *p = path_of("/xapi/activities/state", "activityId", act, "agent",
                      "{\"mbox\":\"mailto:reviewer@example.org\"}", "stateId", "bookmark", NULL);
    CHECK_INT(call("GET", cap, p, auth, true, NULL, NULL), 404);
    CHECK_INT(call("PUT", cap, p, auth, true, "\"slide-4\"", NULL), 204);
    CHECK_INT(call("GET", cap, p, auth, true, NULL, &r), 200);
    CHECK_STR(r.body, "\"slide-4\"");
    gwt_response_free(&r);
    CHECK_INT(call("DELETE", cap, p, auth, true, NULL, NULL), 204);
    CHECK_INT(call("GET", cap, p, auth, true, NULL, NULL), 404);
    free(p);
    CHECK_INT(call("GET", cap, "/preview/reported", NULL, false, NULL, &r), 200);
    json_t *rep = body_json(&r);
    bool saw = false;
    size_t i;
    json_t *one;
    json_array_foreach(rep, i, one) saw = saw || strcmp(gwt_sv(one, "object"), "Golf Example") == 0;
    CHECK(saw);
    json_decref(rep);
    gwt_response_free(&r);
}

/* ---- the store's bounds ---- */

static void test_store_bounds(void)
{
    const char *scope = "rnd-bounds/per-bounds";
    int64_t now = gw_time_now_ms();
    size_t n = GW_PREVIEW_MAX_STATEMENTS + 10;
    struct gw_preview_statement_in *in = calloc(n, sizeof *in);
    char(*ids)[37] = calloc(n, 37);
    char *body = strdup("{\"actor\":{\"mbox\":\"mailto:b@example.org\"},\"verb\":{\"id\":"
                        "\"http://adlnet.gov/expapi/verbs/experienced\"},\"object\":{\"id\":"
                        "\"http://example.org/b\"}}");
    for (size_t i = 0; i < n; i++) {
        snprintf(ids[i], 37, "00000000-0000-4000-8000-%012zu", i);
        in[i] = (struct gw_preview_statement_in){
            ids[i], "http://adlnet.gov/expapi/verbs/experienced", "http://example.org/b", body};
    }
    struct gw_error e;
    /* 10 old ones, then the rest now */
    REQUIRE(gw_store_preview_statements_insert(store, scope, in, 10, now - 1000, &e) == GW_OK);
    REQUIRE(gw_store_preview_statements_insert(store, scope, in + 10, n - 10, now, &e) == GW_OK);
    struct gw_preview_query q = {
        .since_ms = INT64_MIN, .until_ms = INT64_MAX, .ascending = true, .limit = (int)n};
    struct gw_preview_page page;
    REQUIRE(gw_store_preview_statements(store, scope, &q, &page, &e) == GW_OK);
    /* the oldest ten went; the newest GW_PREVIEW_MAX_STATEMENTS stayed */
    CHECK_INT(page.n, GW_PREVIEW_MAX_STATEMENTS);
    CHECK(!page.more);
    CHECK(page.n > 0 && strcmp(page.v[0].id, ids[10]) == 0);
    gw_preview_page_free(&page);
    /* a replay of a stored one is fine, a changed one conflicts */
    REQUIRE(gw_store_preview_statements_insert(store, scope, in + n - 1, 1, now, &e) == GW_OK);
    struct gw_preview_statement_in changed = in[n - 1];
    changed.body = "{\"actor\":{\"mbox\":\"mailto:b@example.org\"},\"verb\":{\"id\":"
                   "\"http://adlnet.gov/expapi/verbs/failed\"},\"object\":{\"id\":"
                   "\"http://example.org/b\"}}";
    CHECK_INT(gw_store_preview_statements_insert(store, scope, &changed, 1, now, &e),
              GW_E_XAPI_ID_CONFLICT);
    /* 30 days on, a write to any scope removes them */
    struct gw_preview_statement_in late = {"00000000-0000-4000-8000-999999999999",
                                           "http://adlnet.gov/expapi/verbs/experienced", NULL,
                                           body};
    REQUIRE(gw_store_preview_statements_insert(store, "rnd-x/per-x", &late, 1,
                                               now + GW_PREVIEW_KEEP_MS + 1, &e) == GW_OK);
    REQUIRE(gw_store_preview_statements(store, scope, &q, &page, &e) == GW_OK);
    CHECK_INT(page.n, 0);
    gw_preview_page_free(&page);
    free(body);
    free(ids);
    free(in);
}

/* ---- setup ---- */

static bool upload(const char *auth, const char *rel, char out_sha[65], char *id, size_t id_len)
{
    char *path = gwt_fmt("%s/%s", getenv("GW_SHARED_DIR"), rel);
    size_t len = 0;
    char *zip = gwt_slurp(path, &len);
    free(path);
    if (!zip)
        return false;
    gw_sha256_hex(zip, len, out_sha);
    json_t *j = NULL;
    long st =
        gwt_api(&srv, "POST", "/api/v1/packages", auth, "application/zip", zip, len, &j, NULL);
    free(zip);
    snprintf(id, id_len, "%s", gwt_sv(j, "id"));
    json_decref(j);
    if (st != 201)
        fprintf(stderr, "  upload of %s: %ld\n", rel, st);
    return st == 201;
}

static bool post_ok(const char *path, const char *auth, const char *body, char *id, size_t id_len)
{
    json_t *j = NULL;
    long st = gwt_api(&srv, "POST", path, auth, body ? "application/json" : NULL, body,
                      body ? strlen(body) : 0, &j, NULL);
    if (id)
        snprintf(id, id_len, "%s", gwt_sv(j, "id"));
    if (st != 201) {
        char *text = json_dumps(j, 0);
        fprintf(stderr, "  POST %s: %ld %s\n", path, st, text ? text : "");
        free(text);
    }
    json_decref(j);
    return st == 201;
}

/* A course request with the approver ann, a course whose version is the
 * cmi5 package (which registers its IRIs for the course), and its round. */
static bool setup_round(const char *auth_author, const char *package_id)
{
    char req_id[64], course[64], path[128], body[512];
    bool ok = post_ok("/api/v1/departments", auth_admin,
                      "{\"id\":\"geo\",\"name\":\"Geology\",\"cost_center\":\"CC-7\"}", NULL, 0) &&
              post_ok("/api/v1/people", auth_admin,
                      "{\"id\":\"ann\",\"name\":\"Ann\",\"email\":\"ann@example.com\","
                      "\"department_id\":\"geo\"}",
                      NULL, 0) &&
              post_ok("/api/v1/people", auth_admin,
                      "{\"id\":\"author\",\"name\":\"Author\",\"email\":\"author@example.com\","
                      "\"department_id\":\"geo\"}",
                      NULL, 0) &&
              post_ok("/api/v1/requests", auth_admin,
                      "{\"department_id\":\"geo\",\"title\":\"Geology\",\"business_case\":{"
                      "\"problem\":\"rocks\",\"audience\":\"field staff\",\"reach\":\"LMS\","
                      "\"mandatory\":false,\"communication_plan\":\"mail\",\"kpi\":\"completion\","
                      "\"kpi_target\":\"90%\",\"deadline\":\"2027-03-01\",\"effort_low_hours\":1,"
                      "\"effort_high_hours\":2,\"project_code\":\"GEO-1\"},\"approvers\":[{"
                      "\"person_id\":\"ann\"}]}",
                      req_id, sizeof req_id);
    if (!ok)
        return false;
    snprintf(body, sizeof body, "{\"request_id\":\"%s\",\"author_person_id\":\"author\"}", req_id);
    ok = post_ok("/api/v1/courses", auth_author, body, course, sizeof course);
    snprintf(path, sizeof path, "/api/v1/courses/%s/versions", course);
    snprintf(body, sizeof body, "{\"package_id\":\"%s\"}", package_id);
    ok = ok && post_ok(path, auth_author, body, NULL, 0);
    snprintf(path, sizeof path, "/api/v1/courses/%s/submit", course);
    return ok && post_ok(path, auth_author, NULL, round_id, sizeof round_id);
}

static bool setup(void)
{
    dsn = GW_TEST_PG ? gwt_pg_fresh_dsn() : NULL;
    if (GW_TEST_PG && !dsn)
        return false;
    int port = free_port();
    char *extra = gwt_fmt("{\"content_port\": %d}", port);
    bool ok = port > 0 && gwt_server_start(&srv, dsn, extra);
    free(extra);
    if (!ok)
        return false;
    content = srv;
    content.base_url = gwt_fmt("http://127.0.0.1:%d", port);
    if (!dsn)
        dsn = gwt_fmt("sqlite:%s/data/lmsgw.db", srv.dir);
    struct gw_error e;
    store = gw_store_open(dsn, NULL, &e);
    snprintf(auth_admin, sizeof auth_admin, "Authorization: Bearer %s", srv.admin_token);
    char auth_author[256];
    ok = store && gwt_server_make_key(&srv, "lms", auth_lms, sizeof auth_lms) &&
         gwt_server_make_key(&srv, "bi", auth_bi, sizeof auth_bi) &&
         gwt_server_make_key(&srv, "author", auth_author, sizeof auth_author);
    char pkg_id[64], other_id[64];
    if (ok && gwt_have_shared(PKG))
        ok = upload(auth_author, PKG, sha, pkg_id, sizeof pkg_id) &&
             upload(auth_author, PKG_MASTERY, sha_mastery, other_id, sizeof other_id) &&
             setup_round(auth_author, pkg_id) &&
             mint("ann", sha, gw_time_now_ms() + 3600 * 1000, cap, sizeof cap);
    kpis_before = ok ? kpi_records() : NULL;
    snprintf(actor, sizeof actor,
             "{\"objectType\":\"Agent\",\"name\":\"Reviewer\",\"account\":{\"homePage\":\"%s\","
             "\"name\":\"ann\"}}",
             srv.base_url);
    return ok;
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!setup()) {
        fprintf(stderr, "  setup failed\n");
        printf("0 passed, 1 failed\n");
        gwt_server_free(&srv);
        return 1;
    }
    GW_RUN(test_cmi5_launch_sequence);
    GW_RUN(test_launch_data_mastery);
    GW_RUN(test_token_and_capability);
    GW_RUN(test_tincan_launch);
    GW_RUN(test_store_bounds);
    json_decref(kpis_before);
    gw_store_close(store);
    free(content.base_url);
    gwt_server_free(&srv);
    free(dsn);
    curl_global_cleanup();
    return gw_test_summary();
}
