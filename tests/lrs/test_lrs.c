/* Conformance of the xAPI statements resource (/xapi/statements) over real
 * HTTP against the real lmsgw: version and consistency headers (on errors
 * too), POST/PUT and their status codes, id conflicts, whole-batch
 * rejection, timestamps, reads by id, voiding in either order, the GET
 * filters, `more` paging, parameter rules, output formats, attachments over
 * multipart/mixed, the Moodle corpus, dedup of id-less resends, and CORS.
 * Compiled once for SQLite and once for PostgreSQL (GW_TEST_PG). Each test
 * uses its own activity/registration IRIs (a per-run tag), so the tests can
 * share one server. */
#include "gwtest.h"
#include "testsupport.h"

#include "gw/hash.h"

#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef GW_TEST_INLINE
#define GW_TEST_INLINE 0
#endif
/* GW_TEST_INLINE: the SQLite variant that writes the filter index and KPI
 * rows in the acknowledging transaction (xapi_index_lag 0) instead of the
 * deferred index (the default). */
static const char *server_config(void)
{
    return GW_TEST_INLINE ? "{\"xapi_index_lag\": 0}" : NULL;
}

static struct gwt_server srv;
static char auth_lms[256];   /* "Authorization: Basic ..." of an lms key without dedup */
static char lms_key_id[64];  /* its key id (the authority's account name) */
static char auth_dedup[256]; /* an lms key created with --dedup-window 600 */
static char tag[40];         /* per-run tag inside every IRI */

#define VERSION_HDR "X-Experience-API-Version: 1.0.3"
#define JSON_CT "Content-Type: application/json"
#define VOIDED_VERB "http://adlnet.gov/expapi/verbs/voided"

/* One request to path (relative to the server). headers NULL means: the lms
 * key, the 1.0.3 version header and a JSON content type. The reply body is
 * parsed as JSON when it is JSON (else NULL). */
static json_t *call(const char *method, const char *path, const char *const *headers,
                    const char *body, long *status, struct gwt_response *keep)
{
    static const char *const std_headers[] = {auth_lms, VERSION_HDR, JSON_CT, NULL};
    struct gwt_response r;
    *status = gwt_call(&srv, method, path, headers ? headers : std_headers, body,
                       body ? strlen(body) : 0, &r);
    json_t *j = json_loads(r.body, JSON_DECODE_ANY, NULL);
    if (keep)
        *keep = r;
    else
        gwt_response_free(&r);
    return j;
}

static long post(const char *body, json_t **ids)
{
    long st;
    json_t *j = call("POST", "/xapi/statements", NULL, body, &st, NULL);
    if (ids)
        *ids = j;
    else
        json_decref(j);
    return st;
}

/* GET /xapi/statements?QUERY; returns the parsed reply. */
static json_t *get_q(const char *query, long *status)
{
    char *p = gwt_fmt("/xapi/statements?%s", query);
    json_t *j = call("GET", p, NULL, NULL, status, NULL);
    free(p);
    return j;
}

static long get_status(const char *query)
{
    long st;
    json_decref(get_q(query, &st));
    return st;
}

static char *escape(const char *s)
{
    char *e = curl_easy_escape(NULL, s, 0);
    char *out = strdup(e);
    curl_free(e);
    return out;
}

/* A small valid statement. id may be NULL (no id). */
static char *statement(const char *id, const char *mbox, const char *verb, const char *activity)
{
    char *idpart = id ? gwt_fmt("\"id\":\"%s\",", id) : strdup("");
    char *s =
        gwt_fmt("{%s\"actor\":{\"objectType\":\"Agent\",\"name\":\"Learner\",\"mbox\":\"%s\"},"
                "\"verb\":{\"id\":\"%s\",\"display\":{\"en-US\":\"did\"}},"
                "\"object\":{\"objectType\":\"Activity\",\"id\":\"%s\"}}",
                idpart, mbox, verb, activity);
    free(idpart);
    return s;
}

static char *activity_iri(const char *name)
{
    return gwt_fmt("https://lrs-test.example/%s/%s", tag, name);
}

static char *voiding(const char *id, const char *target)
{
    return gwt_fmt("{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:admin@example.org\"},"
                   "\"verb\":{\"id\":\"" VOIDED_VERB "\"},"
                   "\"object\":{\"objectType\":\"StatementRef\",\"id\":\"%s\"}}",
                   id, target);
}

/* The statement ids of a statements result, in order, as "id,id,...". */
static char *ids_of(json_t *result)
{
    json_t *list = json_object_get(result, "statements");
    size_t cap = 37 * (json_array_size(list) + 1) + 1, len = 0;
    char *out = calloc(1, cap);
    size_t i;
    json_t *st;
    json_array_foreach(list, i, st)
    {
        const char *id = json_string_value(json_object_get(st, "id"));
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "," : "", id ? id : "?");
    }
    return out;
}

static bool contains_id(json_t *result, const char *id)
{
    char *ids = ids_of(result);
    bool yes = strstr(ids, id) != NULL;
    free(ids);
    return yes;
}

static void check_xapi_headers(const struct gwt_response *r)
{
    char *v = gwt_header(r, "X-Experience-API-Version");
    char *ct = gwt_header(r, "X-Experience-API-Consistent-Through");
    CHECK_STR(v, "1.0.3");
    CHECK(ct != NULL && strlen(ct) >= 20 && ct[strlen(ct) - 1] == 'Z');
    free(v);
    free(ct);
}

static int error_code(json_t *j)
{
    return (int)json_integer_value(json_object_get(j, "code"));
}

/* ---- tests ---- */

static void test_version_header(void)
{
    char *st = statement(NULL, "mailto:v@example.org", "http://adlnet.gov/expapi/verbs/attempted",
                         "https://lrs-test.example/v");
    long status;
    struct gwt_response r;
    const char *none[] = {auth_lms, JSON_CT, NULL};
    json_t *j = call("POST", "/xapi/statements", none, st, &status, &r);
    CHECK_INT(status, 400);
    CHECK_INT(error_code(j), 3028);
    char *v = gwt_header(&r, "X-Experience-API-Version");
    CHECK(v != NULL);
    free(v);
    json_decref(j);
    gwt_response_free(&r);
    const char *old[] = {auth_lms, JSON_CT, "X-Experience-API-Version: 0.95", NULL};
    json_decref(call("POST", "/xapi/statements", old, st, &status, NULL));
    CHECK_INT(status, 400);
    const char *future[] = {auth_lms, JSON_CT, "X-Experience-API-Version: 1.1.0", NULL};
    json_decref(call("POST", "/xapi/statements", future, st, &status, NULL));
    CHECK_INT(status, 400);
    const char *noget[] = {auth_lms, NULL};
    json_decref(call("GET", "/xapi/statements", noget, NULL, &status, NULL));
    CHECK_INT(status, 400);
    /* 1.0 is accepted as 1.0.0; 2.0.0 answers with 2.0.0 */
    const char *v10[] = {auth_lms, JSON_CT, "X-Experience-API-Version: 1.0", NULL};
    json_decref(call("POST", "/xapi/statements", v10, st, &status, NULL));
    CHECK_INT(status, 200);
    const char *v20[] = {auth_lms, "X-Experience-API-Version: 2.0.0", NULL};
    json_decref(call("GET", "/xapi/statements?limit=1", v20, NULL, &status, &r));
    CHECK_INT(status, 200);
    v = gwt_header(&r, "X-Experience-API-Version");
    CHECK_STR(v, "2.0.0");
    free(v);
    gwt_response_free(&r);
    /* /about needs neither the header nor a key */
    j = call("GET", "/xapi/about", (const char *const[]){NULL}, NULL, &status, NULL);
    CHECK_INT(status, 200);
    char *text = json_dumps(json_object_get(j, "version"), 0);
    CHECK(text && strstr(text, "\"1.0.3\"") && strstr(text, "\"2.0.0\""));
    /* every 1.0.x patch version (the suite's XAPI-00317 looks for 1.0.1) */
    CHECK(text && strstr(text, "\"1.0.0\"") && strstr(text, "\"1.0.1\"") &&
          strstr(text, "\"1.0.2\""));
    free(text);
    json_decref(j);
    free(st);
}

static void test_headers_on_every_reply(void)
{
    long status;
    struct gwt_response r;
    /* 200 */
    json_decref(call("GET", "/xapi/statements?limit=1", NULL, NULL, &status, &r));
    CHECK_INT(status, 200);
    check_xapi_headers(&r);
    gwt_response_free(&r);
    /* 400 */
    json_decref(call("GET", "/xapi/statements?nope=1", NULL, NULL, &status, &r));
    CHECK_INT(status, 400);
    check_xapi_headers(&r);
    gwt_response_free(&r);
    /* 401: no key, and a wrong secret */
    const char *noauth[] = {VERSION_HDR, NULL};
    json_decref(call("GET", "/xapi/statements", noauth, NULL, &status, &r));
    CHECK_INT(status, 401);
    check_xapi_headers(&r);
    gwt_response_free(&r);
    const char *bad[] = {"Authorization: Basic a2V5Ondyb25n", VERSION_HDR, NULL};
    json_decref(call("POST", "/xapi/statements", bad, "{}", &status, &r));
    CHECK_INT(status, 401);
    check_xapi_headers(&r);
    gwt_response_free(&r);
    /* 404 */
    char *id = gwt_uuid();
    char *p = gwt_fmt("/xapi/statements?statementId=%s", id);
    json_decref(call("GET", p, NULL, NULL, &status, &r));
    CHECK_INT(status, 404);
    check_xapi_headers(&r);
    gwt_response_free(&r);
    free(p);
    /* 409 */
    char *act = activity_iri("headers-409");
    char *a =
        statement(id, "mailto:h@example.org", "http://adlnet.gov/expapi/verbs/attempted", act);
    char *b = statement(id, "mailto:h@example.org", "http://adlnet.gov/expapi/verbs/passed", act);
    CHECK_INT(post(a, NULL), 200);
    json_decref(call("POST", "/xapi/statements", NULL, b, &status, &r));
    CHECK_INT(status, 409);
    check_xapi_headers(&r);
    gwt_response_free(&r);
    free(a);
    free(b);
    free(act);
    free(id);
}

static void test_post_single_and_array(void)
{
    char *act = activity_iri("post");
    char *id1 = gwt_uuid(), *id2 = gwt_uuid(), *id3 = gwt_uuid();
    char *s1 =
        statement(id1, "mailto:p1@example.org", "http://adlnet.gov/expapi/verbs/attempted", act);
    json_t *ids = NULL;
    CHECK_INT(post(s1, &ids), 200);
    CHECK(json_is_array(ids) && json_array_size(ids) == 1);
    CHECK_STR(json_string_value(json_array_get(ids, 0)), id1);
    json_decref(ids);
    char *s2 =
        statement(id2, "mailto:p2@example.org", "http://adlnet.gov/expapi/verbs/attempted", act);
    char *s3 =
        statement(NULL, "mailto:p3@example.org", "http://adlnet.gov/expapi/verbs/attempted", act);
    char *s4 =
        statement(id3, "mailto:p4@example.org", "http://adlnet.gov/expapi/verbs/attempted", act);
    char *batch = gwt_fmt("[%s,%s,%s]", s2, s3, s4);
    CHECK_INT(post(batch, &ids), 200);
    CHECK_INT(json_array_size(ids), 3);
    CHECK_STR(json_string_value(json_array_get(ids, 0)), id2);
    const char *gen = json_string_value(json_array_get(ids, 1));
    CHECK(gen && strlen(gen) == 36 && strcmp(gen, id2) != 0 && strcmp(gen, id3) != 0);
    CHECK_STR(json_string_value(json_array_get(ids, 2)), id3);
    /* the generated id is readable */
    char *q = gwt_fmt("statementId=%s", gen ? gen : "x");
    CHECK_INT(get_status(q), 200);
    free(q);
    json_decref(ids);
    free(batch);
    free(s1);
    free(s2);
    free(s3);
    free(s4);
    free(id1);
    free(id2);
    free(id3);
    free(act);
}

static void test_put(void)
{
    char *act = activity_iri("put");
    char *id = gwt_uuid();
    char *s =
        statement(NULL, "mailto:put@example.org", "http://adlnet.gov/expapi/verbs/attempted", act);
    long status;
    char *p = gwt_fmt("/xapi/statements?statementId=%s", id);
    struct gwt_response r;
    json_decref(call("PUT", p, NULL, s, &status, &r));
    CHECK_INT(status, 204);
    CHECK_INT(r.body_len, 0);
    check_xapi_headers(&r);
    gwt_response_free(&r);
    char *q = gwt_fmt("statementId=%s", id);
    CHECK_INT(get_status(q), 200);
    /* without statementId, and with a bad one */
    json_t *j = call("PUT", "/xapi/statements", NULL, s, &status, NULL);
    CHECK_INT(status, 400);
    CHECK_STR(json_string_value(json_object_get(j, "where")), "statementId");
    json_decref(j);
    json_decref(call("PUT", "/xapi/statements?statementId=not-a-uuid", NULL, s, &status, NULL));
    CHECK_INT(status, 400);
    /* a body id that differs from statementId */
    char *other = gwt_uuid();
    char *s2 =
        statement(other, "mailto:put@example.org", "http://adlnet.gov/expapi/verbs/attempted", act);
    char *p2 = gwt_fmt("/xapi/statements?statementId=%s", id);
    j = call("PUT", p2, NULL, s2, &status, NULL);
    CHECK_INT(status, 400);
    CHECK(error_code(j) == 3026 || error_code(j) == 3027);
    json_decref(j);
    free(p2);
    free(s2);
    free(other);
    free(q);
    free(p);
    free(s);
    free(id);
    free(act);
}

/* Issue 16: a statement sent with another Content-Type is refused with 400
 * (xAPI 1.0.3 Communication 3.2: the codes it lists, 400 for a Content-Type
 * that does not fit the content), and the detail names the header to send;
 * nothing is stored. */
static void test_content_type(void)
{
    char *act = activity_iri("content-type");
    char *id = gwt_uuid();
    char *s =
        statement(id, "mailto:ct@example.org", "http://adlnet.gov/expapi/verbs/attempted", act);
    const char *text[] = {auth_lms, VERSION_HDR, "Content-Type: text/plain", NULL};
    const char *form[] = {auth_lms, VERSION_HDR, "Content-Type: application/x-www-form-urlencoded",
                          NULL};
    char *put = gwt_fmt("/xapi/statements?statementId=%s", id);
    static const char *const methods[] = {"POST", "PUT"};
    for (size_t i = 0; i < 2; i++) {
        const char *path = i ? put : "/xapi/statements";
        long status;
        json_t *j = call(methods[i], path, text, s, &status, NULL);
        CHECK_INT(status, 400);
        CHECK_STR(json_string_value(json_object_get(j, "where")), "Content-Type");
        const char *d = json_string_value(json_object_get(j, "detail"));
        CHECK(d && strstr(d, "send the header 'Content-Type: application/json'"));
        CHECK(d && strstr(d, "'text/plain'"));
        json_decref(j);
        /* a form without ?method= is named as the alternate syntax it looks like */
        j = call(methods[i], path, form, s, &status, NULL);
        CHECK_INT(status, 400);
        d = json_string_value(json_object_get(j, "detail"));
        CHECK(d && strstr(d, "?method="));
        json_decref(j);
    }
    char *q = gwt_fmt("statementId=%s", id);
    CHECK_INT(get_status(q), 404);
    free(q);
    free(put);
    free(s);
    free(id);
    free(act);
}

static void test_id_conflicts(void)
{
    char *act = activity_iri("conflict");
    char *id = gwt_uuid();
    char *a =
        statement(id, "mailto:c@example.org", "http://adlnet.gov/expapi/verbs/attempted", act);
    /* the same statement with another verb display and an upper-case mail
     * domain is "the same" under the immutability rules */
    char *same = gwt_fmt("{\"id\":\"%s\",\"actor\":{\"objectType\":\"Agent\",\"name\":\"Learner\","
                         "\"mbox\":\"mailto:c@EXAMPLE.org\"},\"verb\":{\"id\":"
                         "\"http://adlnet.gov/expapi/verbs/attempted\",\"display\":{\"de\":\"x\"}},"
                         "\"object\":{\"id\":\"%s\"}}",
                         id, act);
    char *b = statement(id, "mailto:c@example.org", "http://adlnet.gov/expapi/verbs/failed", act);
    json_t *ids = NULL;
    CHECK_INT(post(a, NULL), 200);
    CHECK_INT(post(a, &ids), 200);
    CHECK_STR(json_string_value(json_array_get(ids, 0)), id);
    json_decref(ids);
    CHECK_INT(post(same, NULL), 200);
    long status;
    char *p = gwt_fmt("/xapi/statements?statementId=%s", id);
    json_decref(call("PUT", p, NULL, a, &status, NULL));
    CHECK_INT(status, 204);
    json_t *j = call("PUT", p, NULL, b, &status, NULL);
    CHECK_INT(status, 409);
    CHECK_INT(error_code(j), 3027);
    json_decref(j);
    j = call("POST", "/xapi/statements", NULL, b, &status, NULL);
    CHECK_INT(status, 409);
    json_decref(j);
    /* a batch holding the conflicting statement stores nothing */
    char *fresh = gwt_uuid();
    char *f =
        statement(fresh, "mailto:c@example.org", "http://adlnet.gov/expapi/verbs/attempted", act);
    char *batch = gwt_fmt("[%s,%s]", f, b);
    CHECK_INT(post(batch, NULL), 409);
    char *q = gwt_fmt("statementId=%s", fresh);
    CHECK_INT(get_status(q), 404);
    free(q);
    /* the stored one is unchanged */
    q = gwt_fmt("statementId=%s", id);
    j = get_q(q, &status);
    CHECK_INT(status, 200);
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "verb"), "id")),
              "http://adlnet.gov/expapi/verbs/attempted");
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "actor"), "mbox")),
              "mailto:c@example.org");
    json_decref(j);
    free(q);
    free(batch);
    free(f);
    free(fresh);
    free(p);
    free(same);
    free(a);
    free(b);
    free(id);
    free(act);
}

static void test_batch_duplicate_ids(void)
{
    char *act = activity_iri("dup");
    char *first = gwt_uuid(), *id = gwt_uuid();
    char *s0 =
        statement(first, "mailto:d@example.org", "http://adlnet.gov/expapi/verbs/attempted", act);
    char *s1 =
        statement(id, "mailto:d@example.org", "http://adlnet.gov/expapi/verbs/attempted", act);
    char *s2 =
        statement(id, "mailto:d@example.org", "http://adlnet.gov/expapi/verbs/attempted", act);
    char *batch = gwt_fmt("[%s,%s,%s]", s0, s1, s2);
    long status;
    json_t *j = call("POST", "/xapi/statements", NULL, batch, &status, NULL);
    CHECK_INT(status, 400);
    CHECK_INT(error_code(j), 3025);
    CHECK_STR(json_string_value(json_object_get(j, "where")), "/2/id");
    json_decref(j);
    char *q = gwt_fmt("statementId=%s", first);
    CHECK_INT(get_status(q), 404);
    free(q);
    q = gwt_fmt("statementId=%s", id);
    CHECK_INT(get_status(q), 404);
    free(q);
    free(batch);
    free(s0);
    free(s1);
    free(s2);
    free(first);
    free(id);
    free(act);
}

static void test_batch_invalid_statement(void)
{
    char *act = activity_iri("invalid");
    char *first = gwt_uuid();
    char *s0 =
        statement(first, "mailto:i@example.org", "http://adlnet.gov/expapi/verbs/attempted", act);
    /* an Agent without any identifier */
    char *bad = gwt_fmt("{\"actor\":{\"objectType\":\"Agent\",\"name\":\"Nobody\"},"
                        "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/attempted\"},"
                        "\"object\":{\"id\":\"%s\"}}",
                        act);
    char *batch = gwt_fmt("[%s,%s]", s0, bad);
    long status;
    json_t *j = call("POST", "/xapi/statements", NULL, batch, &status, NULL);
    CHECK_INT(status, 400);
    const char *where = json_string_value(json_object_get(j, "where"));
    CHECK(where && strncmp(where, "/1/actor", 8) == 0);
    json_decref(j);
    char *q = gwt_fmt("statementId=%s", first);
    CHECK_INT(get_status(q), 404);
    free(q);
    /* malformed JSON and an empty batch */
    CHECK_INT(post("[{\"actor\":", NULL), 400);
    CHECK_INT(post("[]", NULL), 400);
    /* wrong case of a key, and a string where a boolean belongs */
    char *bad_case = gwt_fmt("{\"Actor\":{\"mbox\":\"mailto:i@example.org\"},"
                             "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/attempted\"},"
                             "\"object\":{\"id\":\"%s\"}}",
                             act);
    CHECK_INT(post(bad_case, NULL), 400);
    char *bad_type = gwt_fmt("{\"actor\":{\"mbox\":\"mailto:i@example.org\"},"
                             "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/attempted\"},"
                             "\"object\":{\"id\":\"%s\"},\"result\":{\"completion\":\"true\"}}",
                             act);
    CHECK_INT(post(bad_type, NULL), 400);
    free(bad_case);
    free(bad_type);
    free(batch);
    free(bad);
    free(s0);
    free(first);
    free(act);
}

static char *with_timestamp(const char *id, const char *ts)
{
    return gwt_fmt("{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:t@example.org\"},"
                   "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/attempted\"},"
                   "\"object\":{\"id\":\"https://lrs-test.example/%s/ts\"},\"timestamp\":\"%s\"}",
                   id, tag, ts);
}

static void test_timestamps(void)
{
    static const char *const negzero[] = {"2026-03-01T10:00:00.000-00:00",
                                          "2026-03-01T10:00:00.000-0000",
                                          "2026-03-01T10:00:00.000-00"};
    for (size_t i = 0; i < 3; i++) {
        char *id = gwt_uuid();
        char *s = with_timestamp(id, negzero[i]);
        long status;
        json_t *j = call("POST", "/xapi/statements", NULL, s, &status, NULL);
        CHECK_INT(status, 400);
        CHECK_STR(json_string_value(json_object_get(j, "where")), "/timestamp");
        json_decref(j);
        free(s);
        free(id);
    }
    /* an offset comes back as the same instant in UTC */
    char *id = gwt_uuid();
    char *s = with_timestamp(id, "2026-03-01T12:30:00.250+02:00");
    CHECK_INT(post(s, NULL), 200);
    char *q = gwt_fmt("statementId=%s", id);
    long status;
    json_t *j = get_q(q, &status);
    CHECK_INT(status, 200);
    CHECK_STR(json_string_value(json_object_get(j, "timestamp")), "2026-03-01T10:30:00.250Z");
    json_decref(j);
    free(q);
    free(s);
    free(id);
}

static void test_get_by_id(void)
{
    char *act = activity_iri("get");
    char *id = gwt_uuid();
    /* a supplied authority and stored are overwritten */
    char *s = gwt_fmt("{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:g@example.org\"},"
                      "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/attempted\"},"
                      "\"object\":{\"id\":\"%s\"},\"stored\":\"2001-01-01T00:00:00Z\","
                      "\"authority\":{\"mbox\":\"mailto:forged@example.org\"}}",
                      id, act);
    CHECK_INT(post(s, NULL), 200);
    char *p = gwt_fmt("/xapi/statements?statementId=%s", id);
    long status;
    struct gwt_response r;
    json_t *j = call("GET", p, NULL, NULL, &status, &r);
    CHECK_INT(status, 200);
    const char *stored = json_string_value(json_object_get(j, "stored"));
    CHECK(stored && strncmp(stored, "2001", 4) != 0 && stored[strlen(stored) - 1] == 'Z');
    const char *ts = json_string_value(json_object_get(j, "timestamp"));
    CHECK(ts && ts[strlen(ts) - 1] == 'Z');
    /* no timestamp sent: it equals stored */
    CHECK(ts && stored && strcmp(ts, stored) == 0);
    json_t *auth = json_object_get(j, "authority");
    CHECK(json_object_get(auth, "mbox") == NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(auth, "account"), "name")),
              lms_key_id);
    CHECK_STR(json_string_value(json_object_get(j, "version")), "1.0.0");
    char *lm = gwt_header(&r, "Last-Modified");
    CHECK(lm != NULL && strstr(lm, "GMT") != NULL);
    free(lm);
    check_xapi_headers(&r);
    gwt_response_free(&r);
    json_decref(j);
    /* both ids together, and an id plus a filter, are refused */
    char *other = gwt_uuid();
    char *q = gwt_fmt("statementId=%s&voidedStatementId=%s", id, other);
    CHECK_INT(get_status(q), 400);
    free(q);
    q = gwt_fmt("statementId=%s&verb=http://adlnet.gov/expapi/verbs/attempted", id);
    CHECK_INT(get_status(q), 400);
    free(q);
    q = gwt_fmt("statementId=%s&limit=1", id);
    CHECK_INT(get_status(q), 400);
    free(q);
    /* format and attachments may go with an id */
    q = gwt_fmt("statementId=%s&format=ids&attachments=false", id);
    CHECK_INT(get_status(q), 200);
    free(q);
    free(other);
    free(p);
    free(s);
    free(id);
    free(act);
}

static void test_voiding(void)
{
    char *act = activity_iri("void");
    char *esc = escape(act);
    char *target = gwt_uuid(), *vid = gwt_uuid();
    char *t =
        statement(target, "mailto:vo@example.org", "http://adlnet.gov/expapi/verbs/attempted", act);
    CHECK_INT(post(t, NULL), 200);
    char *q = gwt_fmt("activity=%s", esc);
    long status;
    json_t *j = get_q(q, &status);
    CHECK(contains_id(j, target));
    json_decref(j);
    char *v = voiding(vid, target);
    CHECK_INT(post(v, NULL), 200);
    char *qs = gwt_fmt("statementId=%s", target);
    char *qv = gwt_fmt("voidedStatementId=%s", target);
    CHECK_INT(get_status(qs), 404);
    j = get_q(qv, &status);
    CHECK_INT(status, 200);
    CHECK_STR(json_string_value(json_object_get(j, "id")), target);
    json_decref(j);
    /* the voiding statement itself is not voided */
    char *qvv = gwt_fmt("voidedStatementId=%s", vid);
    CHECK_INT(get_status(qvv), 404);
    free(qvv);
    /* lists leave the voided one out and list the voiding one */
    j = get_q(q, &status);
    CHECK_INT(status, 200);
    CHECK(!contains_id(j, target));
    /* the voiding statement targets a statement on this activity, so the
     * activity filter finds it too (Comm 2.1.3) */
    CHECK(contains_id(j, vid));
    json_decref(j);
    j = get_q("verb=" VOIDED_VERB "&limit=0", &status);
    CHECK_INT(status, 200);
    CHECK(contains_id(j, vid));
    json_decref(j);
    /* a voiding statement cannot be voided */
    char *vv = gwt_uuid();
    char *vvs = voiding(vv, vid);
    j = call("POST", "/xapi/statements", NULL, vvs, &status, NULL);
    CHECK_INT(status, 400);
    CHECK_INT(error_code(j), 3031);
    json_decref(j);
    char *qvs = gwt_fmt("statementId=%s", vv);
    CHECK_INT(get_status(qvs), 404);
    free(qvs);
    /* voiding that arrives before its target */
    char *late = gwt_uuid(), *early = gwt_uuid();
    char *ev = voiding(early, late);
    CHECK_INT(post(ev, NULL), 200);
    char *lt =
        statement(late, "mailto:vo@example.org", "http://adlnet.gov/expapi/verbs/passed", act);
    CHECK_INT(post(lt, NULL), 200);
    char *ql = gwt_fmt("statementId=%s", late);
    char *qlv = gwt_fmt("voidedStatementId=%s", late);
    CHECK_INT(get_status(ql), 404);
    CHECK_INT(get_status(qlv), 200);
    j = get_q(q, &status);
    CHECK(!contains_id(j, late));
    json_decref(j);
    free(ql);
    free(qlv);
    free(lt);
    free(ev);
    free(late);
    free(early);
    free(vvs);
    free(vv);
    free(qs);
    free(qv);
    free(v);
    free(q);
    free(t);
    free(target);
    free(vid);
    free(esc);
    free(act);
}

/* Three statements for the filter tests (see test_filters). */
struct filter_set {
    char *act_a, *act_b, *parent, *reg, *id1, *id2, *id3;
    char stored1[40], stored3[40];
};

static void post_filter_set(struct filter_set *f)
{
    f->act_a = activity_iri("filters-a");
    f->act_b = activity_iri("filters-b");
    f->parent = activity_iri("filters-parent");
    f->reg = gwt_uuid();
    f->id1 = gwt_uuid();
    f->id2 = gwt_uuid();
    f->id3 = gwt_uuid();
    char mbox_sha[41];
    char mbox[96];
    snprintf(mbox, sizeof mbox, "mailto:alice-%.8s@example.org", tag);
    gw_sha1_hex(mbox, strlen(mbox), mbox_sha);
    char *s1 =
        gwt_fmt("{\"id\":\"%s\",\"actor\":{\"mbox\":\"%s\"},\"verb\":{\"id\":"
                "\"http://adlnet.gov/expapi/verbs/completed\"},\"object\":{\"id\":\"%s\"},"
                "\"context\":{\"registration\":\"%s\",\"instructor\":{\"mbox\":\"mailto:teach-%.8s@"
                "example.org\"},\"contextActivities\":{\"parent\":[{\"id\":\"%s\"}]}}}",
                f->id1, mbox, f->act_a, f->reg, tag, f->parent);
    char *s2 = gwt_fmt("{\"id\":\"%s\",\"actor\":{\"mbox_sha1sum\":\"%s\"},\"verb\":{\"id\":"
                       "\"http://adlnet.gov/expapi/verbs/attempted\"},\"object\":{\"id\":\"%s\"}}",
                       f->id2, mbox_sha, f->act_b);
    char *s3 = gwt_fmt("{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:bob-%.8s@example.org\"},"
                       "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/completed\"},"
                       "\"object\":{\"id\":\"%s\"}}",
                       f->id3, tag, f->act_a);
    /* separate posts, a little apart, so their stored instants differ */
    const char *all[] = {s1, s2, s3};
    for (int i = 0; i < 3; i++) {
        CHECK_INT(post(all[i], NULL), 200);
        nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
    }
    const char *ids[] = {f->id1, f->id3};
    char *out[] = {f->stored1, f->stored3};
    for (int i = 0; i < 2; i++) {
        char *q = gwt_fmt("statementId=%s", ids[i]);
        long st;
        json_t *j = get_q(q, &st);
        snprintf(out[i], 40, "%s", json_string_value(json_object_get(j, "stored")));
        json_decref(j);
        free(q);
    }
    free(s1);
    free(s2);
    free(s3);
}

static void free_filter_set(struct filter_set *f)
{
    free(f->act_a);
    free(f->act_b);
    free(f->parent);
    free(f->reg);
    free(f->id1);
    free(f->id2);
    free(f->id3);
}

/* The ids a query returns, "id,id,..." (caller frees). */
static char *query_ids(const char *fmt_query, ...) __attribute__((format(printf, 1, 2)));
static char *query_ids(const char *fmt_query, ...)
{
    va_list ap;
    va_start(ap, fmt_query);
    char *q = NULL;
    if (vasprintf(&q, fmt_query, ap) < 0)
        abort();
    va_end(ap);
    long st;
    json_t *j = get_q(q, &st);
    char *ids = st == 200 ? ids_of(j) : gwt_fmt("status %ld", st);
    json_decref(j);
    free(q);
    return ids;
}

#define CHECK_IDS(got, ...)                                                                        \
    do {                                                                                           \
        char *gwt_exp = gwt_fmt(__VA_ARGS__);                                                      \
        char *gwt_got = (got);                                                                     \
        CHECK_STR(gwt_got, gwt_exp);                                                               \
        free(gwt_exp);                                                                             \
        free(gwt_got);                                                                             \
    } while (0)

static void test_filters(void)
{
    struct filter_set f = {0};
    post_filter_set(&f);
    char *a = escape(f.act_a), *b = escape(f.act_b), *parent = escape(f.parent);
    char mbox[96], sha[41];
    snprintf(mbox, sizeof mbox, "mailto:alice-%.8s@example.org", tag);
    gw_sha1_hex(mbox, strlen(mbox), sha);
    char *agent_mbox_json = gwt_fmt("{\"mbox\":\"%s\"}", mbox);
    char *agent_sha_json = gwt_fmt("{\"objectType\":\"Agent\",\"mbox_sha1sum\":\"%s\"}", sha);
    char *agent_mbox = escape(agent_mbox_json), *agent_sha = escape(agent_sha_json);
    char *teacher_json = gwt_fmt("{\"mbox\":\"mailto:teach-%.8s@example.org\"}", tag);
    char *teacher = escape(teacher_json);

    /* agent: mbox and mbox_sha1sum of the same person both match both */
    CHECK_IDS(query_ids("agent=%s", agent_mbox), "%s,%s", f.id2, f.id1);
    CHECK_IDS(query_ids("agent=%s", agent_sha), "%s,%s", f.id2, f.id1);
    /* activity (newest first by default), ascending */
    CHECK_IDS(query_ids("activity=%s", a), "%s,%s", f.id3, f.id1);
    CHECK_IDS(query_ids("activity=%s&ascending=true", a), "%s,%s", f.id1, f.id3);
    CHECK_IDS(query_ids("activity=%s", b), "%s", f.id2);
    /* verb with activity, and with agent */
    CHECK_IDS(
        query_ids("activity=%s&verb=http%%3A%%2F%%2Fadlnet.gov%%2Fexpapi%%2Fverbs%%2Fcompleted", a),
        "%s,%s", f.id3, f.id1);
    CHECK_IDS(query_ids("agent=%s&verb=http://adlnet.gov/expapi/verbs/attempted", agent_mbox), "%s",
              f.id2);
    /* related_activities: the context parent */
    CHECK_IDS(query_ids("activity=%s", parent), "%s", "");
    CHECK_IDS(query_ids("activity=%s&related_activities=true", parent), "%s", f.id1);
    /* related_agents: the instructor */
    CHECK_IDS(query_ids("agent=%s", teacher), "%s", "");
    CHECK_IDS(query_ids("agent=%s&related_agents=true", teacher), "%s", f.id1);
    /* registration */
    CHECK_IDS(query_ids("registration=%s", f.reg), "%s", f.id1);
    /* since is exclusive, until inclusive */
    char *s1 = escape(f.stored1), *s3 = escape(f.stored3);
    CHECK_IDS(query_ids("activity=%s&since=%s", a, s1), "%s", f.id3);
    CHECK_IDS(query_ids("activity=%s&until=%s", a, s1), "%s", f.id1);
    CHECK_IDS(query_ids("activity=%s&since=%s&until=%s", a, s1, s3), "%s", f.id3);
    /* limit */
    long st;
    char *q = gwt_fmt("activity=%s&limit=1", a);
    json_t *j = get_q(q, &st);
    CHECK_INT(st, 200);
    CHECK_INT(json_array_size(json_object_get(j, "statements")), 1);
    const char *more = json_string_value(json_object_get(j, "more"));
    CHECK(more && strncmp(more, "/xapi/statements?more=", 22) == 0);
    json_decref(j);
    free(q);
    /* bad filter values */
    CHECK_INT(get_status("agent=notjson"), 400);
    CHECK_INT(get_status("verb=notaniri"), 400);
    CHECK_INT(get_status("registration=nope"), 400);
    CHECK_INT(get_status("since=yesterday"), 400);
    CHECK_INT(get_status("limit=-1"), 400);
    CHECK_INT(get_status("ascending=yes"), 400);
    free(s1);
    free(s3);
    free(teacher);
    free(teacher_json);
    free(agent_mbox);
    free(agent_sha);
    free(agent_mbox_json);
    free(agent_sha_json);
    free(a);
    free(b);
    free(parent);
    free_filter_set(&f);
}

static void test_more_paging(void)
{
    char *act = activity_iri("paging");
    char *esc = escape(act);
    enum { N = 7 };
    char *ids[N];
    for (int i = 0; i < N; i++) {
        ids[i] = gwt_uuid();
        char *s = statement(ids[i], "mailto:page@example.org",
                            "http://adlnet.gov/expapi/verbs/attempted", act);
        CHECK_INT(post(s, NULL), 200);
        free(s);
    }
    char seen[N * 40] = "";
    int pages = 0, total = 0;
    char *path = gwt_fmt("/xapi/statements?activity=%s&limit=3", esc);
    while (path && pages < 10) {
        long st;
        json_t *j = call("GET", path, NULL, NULL, &st, NULL);
        free(path);
        path = NULL;
        CHECK_INT(st, 200);
        json_t *list = json_object_get(j, "statements");
        size_t i;
        json_t *s;
        json_array_foreach(list, i, s)
        {
            const char *id = json_string_value(json_object_get(s, "id"));
            CHECK(id && strstr(seen, id) == NULL); /* no overlap */
            if (id)
                strncat(seen, id, sizeof seen - strlen(seen) - 1);
            total++;
        }
        pages++;
        const char *more = json_string_value(json_object_get(j, "more"));
        if (more && *more) {
            CHECK(strncmp(more, "/xapi/statements?more=", 22) == 0);
            CHECK(json_array_size(list) == 3);
            path = strdup(more); /* host + more, as clients build it */
        }
        json_decref(j);
    }
    free(path);
    CHECK_INT(pages, 3);
    CHECK_INT(total, N);
    for (int i = 0; i < N; i++) {
        CHECK(strstr(seen, ids[i]) != NULL); /* no gap */
        free(ids[i]);
    }
    /* a more token with other parameters, and a forged one */
    CHECK_INT(get_status("more=abc&limit=2"), 400);
    CHECK_INT(get_status("more=%%%%"), 400);
    free(esc);
    free(act);
}

static void test_param_rules(void)
{
    CHECK_INT(get_status("Verb=http://adlnet.gov/expapi/verbs/attempted"), 400);
    CHECK_INT(get_status("LIMIT=1"), 400);
    CHECK_INT(get_status("statementid=00000000-0000-4000-8000-000000000000"), 400);
    CHECK_INT(get_status("colour=blue"), 400);
    long st;
    json_t *j = get_q("colour=blue", &st);
    CHECK_STR(json_string_value(json_object_get(j, "where")), "colour");
    json_decref(j);
    /* POST takes no parameters */
    char *s = statement(NULL, "mailto:pr@example.org", "http://adlnet.gov/expapi/verbs/attempted",
                        "https://lrs-test.example/pr");
    json_decref(call("POST", "/xapi/statements?foo=1", NULL, s, &st, NULL));
    CHECK_INT(st, 400);
    free(s);
    CHECK_INT(get_status("format=weird"), 400);
}

static void test_formats(void)
{
    char *act = activity_iri("formats");
    char *id = gwt_uuid();
    char *s = gwt_fmt("{\"id\":\"%s\",\"actor\":{\"objectType\":\"Agent\",\"name\":\"Ada\","
                      "\"mbox\":\"mailto:ada@example.org\"},\"verb\":{\"id\":"
                      "\"http://adlnet.gov/expapi/verbs/attempted\",\"display\":{\"en-US\":"
                      "\"attempted\",\"de-DE\":\"versuchte\"}},\"object\":{\"objectType\":"
                      "\"Activity\",\"id\":\"%s\",\"definition\":{\"name\":{\"en-US\":\"Safety\","
                      "\"de-DE\":\"Sicherheit\"}}}}",
                      id, act);
    CHECK_INT(post(s, NULL), 200);
    long st;
    char *q = gwt_fmt("statementId=%s&format=ids", id);
    json_t *j = get_q(q, &st);
    CHECK_INT(st, 200);
    CHECK(json_object_get(json_object_get(j, "actor"), "name") == NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "actor"), "mbox")),
              "mailto:ada@example.org");
    CHECK(json_object_get(json_object_get(j, "object"), "definition") == NULL);
    CHECK(json_object_get(json_object_get(j, "verb"), "display") == NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "object"), "id")), act);
    json_decref(j);
    free(q);
    q = gwt_fmt("/xapi/statements?statementId=%s&format=canonical", id);
    const char *de[] = {auth_lms, VERSION_HDR, "Accept-Language: de-DE", NULL};
    j = call("GET", q, de, NULL, &st, NULL);
    CHECK_INT(st, 200);
    json_t *name =
        json_object_get(json_object_get(json_object_get(j, "object"), "definition"), "name");
    CHECK_INT(json_object_size(name), 1);
    CHECK_STR(json_string_value(json_object_get(name, "de-DE")), "Sicherheit");
    CHECK_INT(json_object_size(json_object_get(json_object_get(j, "verb"), "display")), 1);
    json_decref(j);
    free(q);
    /* exact is the default and keeps everything */
    q = gwt_fmt("statementId=%s&format=exact", id);
    j = get_q(q, &st);
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "actor"), "name")), "Ada");
    json_decref(j);
    free(q);
    free(s);
    free(id);
    free(act);
}

static char *attachment_statement(const char *id, const char *sha, size_t len)
{
    return gwt_fmt(
        "{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:att@example.org\"},\"verb\":{\"id\":"
        "\"http://adlnet.gov/expapi/verbs/attempted\"},\"object\":{\"id\":"
        "\"https://lrs-test.example/%s/att\"},\"attachments\":[{\"usageType\":"
        "\"http://example.org/usage/report\",\"display\":{\"en-US\":\"report\"},"
        "\"contentType\":\"text/plain\",\"length\":%zu,\"sha2\":\"%s\"}]}",
        id, tag, len, sha);
}

static void test_attachments(void)
{
    static const char content[] = "the attachment's bytes\x01\x02 end";
    size_t clen = sizeof content - 1;
    char sha[65];
    gw_sha256_hex(content, clen, sha);
    char *id = gwt_uuid();
    char *st = attachment_statement(id, sha, clen);
    struct {
        char *p;
        size_t n;
    } body;
    FILE *m = open_memstream(&body.p, &body.n);
    fprintf(m,
            "--abc123\r\nContent-Type: application/json\r\n\r\n%s\r\n--abc123\r\n"
            "Content-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n"
            "X-Experience-API-Hash: %s\r\n\r\n",
            st, sha);
    fwrite(content, 1, clen, m);
    fputs("\r\n--abc123--\r\n", m);
    fclose(m);
    const char *mh[] = {auth_lms, VERSION_HDR, "Content-Type: multipart/mixed; boundary=abc123",
                        NULL};
    char *u = gwt_fmt("%s/xapi/statements", srv.base_url);
    struct gwt_response r;
    CHECK(gwt_http("POST", u, mh, body.p, body.n, &r));
    CHECK_INT(r.status, 200);
    CHECK(strstr(r.body, id) != NULL);
    gwt_response_free(&r);
    free(u);
    /* read back with attachments=true: a multipart reply with the part */
    u = gwt_fmt("%s/xapi/statements?statementId=%s&attachments=true", srv.base_url, id);
    const char *gh[] = {auth_lms, VERSION_HDR, NULL};
    CHECK(gwt_http("GET", u, gh, NULL, 0, &r));
    CHECK_INT(r.status, 200);
    char *ct = gwt_header(&r, "Content-Type");
    CHECK(ct && strncmp(ct, "multipart/mixed", 15) == 0 && strstr(ct, "boundary=") != NULL);
    CHECK(memmem(r.body, r.body_len, content, clen) != NULL);
    CHECK(strstr(r.body, sha) != NULL);
    CHECK(strstr(r.body, id) != NULL);
    free(ct);
    gwt_response_free(&r);
    free(u);
    /* without attachments=true: plain JSON */
    char *q = gwt_fmt("statementId=%s", id);
    long status;
    json_t *j = get_q(q, &status);
    CHECK_INT(status, 200);
    CHECK(json_is_array(json_object_get(j, "attachments")));
    json_decref(j);
    free(q);
    free(body.p);
    /* the same statement without its part, as JSON or as multipart */
    char *id2 = gwt_uuid();
    char *st2 = attachment_statement(id2, sha, clen);
    j = call("POST", "/xapi/statements", NULL, st2, &status, NULL);
    CHECK_INT(status, 400);
    json_decref(j);
    m = open_memstream(&body.p, &body.n);
    fprintf(m, "--abc123\r\nContent-Type: application/json\r\n\r\n%s\r\n--abc123--\r\n", st2);
    fclose(m);
    u = gwt_fmt("%s/xapi/statements", srv.base_url);
    CHECK(gwt_http("POST", u, mh, body.p, body.n, &r));
    CHECK_INT(r.status, 400);
    gwt_response_free(&r);
    q = gwt_fmt("statementId=%s", id2);
    CHECK_INT(get_status(q), 404);
    free(q);
    free(body.p);
    /* a part whose content does not have the announced hash */
    m = open_memstream(&body.p, &body.n);
    fprintf(m,
            "--abc123\r\nContent-Type: application/json\r\n\r\n%s\r\n--abc123\r\n"
            "Content-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n"
            "X-Experience-API-Hash: %s\r\n\r\nother bytes\r\n--abc123--\r\n",
            st2, sha);
    fclose(m);
    CHECK(gwt_http("POST", u, mh, body.p, body.n, &r));
    CHECK_INT(r.status, 400);
    gwt_response_free(&r);
    free(body.p);
    free(u);
    free(st2);
    free(id2);
    free(st);
    free(id);
}

static void test_moodle_corpus(void)
{
    char *path = gwt_fmt("%s/tests/lrs/moodle/moodle-logstore-xapi.json", getenv("GW_SOURCE_DIR"));
    json_t *doc = json_load_file(path, 0, NULL);
    free(path);
    REQUIRE(doc != NULL);
    json_t *sts = json_object_get(doc, "statements");
    REQUIRE(json_array_size(sts) > 0);
    char *body = json_dumps(sts, JSON_COMPACT);
    json_t *ids = NULL;
    CHECK_INT(post(body, &ids), 200);
    CHECK_INT(json_array_size(ids), json_array_size(sts));
    const char *id = json_string_value(json_array_get(ids, 0));
    char *q = gwt_fmt("statementId=%s", id ? id : "x");
    long st;
    json_t *got = get_q(q, &st);
    CHECK_INT(st, 200);
    CHECK_STR(json_string_value(json_object_get(json_object_get(got, "context"), "platform")),
              "Moodle");
    json_decref(got);
    free(q);
    json_decref(ids);
    free(body);
    json_decref(doc);
}

/* The statements of the real learner corpus as one JSON array text. */
static json_t *learner_corpus(void)
{
    char *path =
        gwt_fmt("%s/tests/lrs/moodle/moodle-4.3-scorm-learner.json", getenv("GW_SOURCE_DIR"));
    json_t *doc = json_load_file(path, 0, NULL);
    free(path);
    return doc;
}

static json_t *post_as(const char *auth, const json_t *body, long *st)
{
    const char *h[] = {auth, VERSION_HDR, JSON_CT, NULL};
    char *text = json_dumps(body, JSON_COMPACT);
    json_t *ids = call("POST", "/xapi/statements", h, text, st, NULL);
    free(text);
    return ids;
}

/* An lms key made without dedup options signs as Moodle needs: actor, verb,
 * object, result and timestamp, not registration, within 7 days. The real
 * learner corpus holds one event pair sent twice from two PHP processes
 * (other registrations): the resends get the first pair's ids. */
static void test_dedup_moodle_default(void)
{
    char auth[256];
    json_t *reply = NULL;
    REQUIRE(gwt_cli_make_key(&srv, "lms", "lrs-moodle", NULL, auth, sizeof auth, NULL, 0, &reply));
    CHECK_INT(json_integer_value(json_object_get(reply, "dedup_window_s")), 604800);
    json_t *want = json_pack("[s,s,s,s,s]", "actor", "verb", "object", "result", "timestamp");
    CHECK(json_equal(json_object_get(reply, "dedup_members"), want));
    json_decref(want);
    json_decref(reply);
    json_t *sts = learner_corpus();
    REQUIRE(json_array_size(sts) == 9);
    /* the pairs: [5] scoreraw and [6] status from one process, [7] and [8] the resend */
    const char *r5 = json_string_value(json_object_get(
                   json_object_get(json_array_get(sts, 5), "context"), "registration")),
               *r7 = json_string_value(json_object_get(
                   json_object_get(json_array_get(sts, 7), "context"), "registration"));
    REQUIRE(r5 && r7 && strcmp(r5, r7) != 0);
    long st;
    json_t *ids = post_as(auth, sts, &st);
    CHECK_INT(st, 200);
    REQUIRE(json_array_size(ids) == 9);
#define ID(i) json_string_value(json_array_get(ids, i))
    CHECK_STR(ID(7), ID(5));
    CHECK_STR(ID(8), ID(6));
    for (int i = 0; i < 7; i++) {
        for (int j = i + 1; j < 7; j++)
            CHECK(strcmp(ID(i), ID(j)) != 0);
    }
    /* cron resends the pair later, in a request of its own */
    json_t *pair = json_pack("[O,O]", json_array_get(sts, 7), json_array_get(sts, 8));
    json_t *again = post_as(auth, pair, &st);
    CHECK_INT(st, 200);
    CHECK_STR(json_string_value(json_array_get(again, 0)), ID(5));
    CHECK_STR(json_string_value(json_array_get(again, 1)), ID(6));
    json_decref(again);
    /* a key whose signature includes registration stores the resend again */
    char auth_reg[256];
    REQUIRE(
        gwt_cli_make_key(&srv, "lms", "lrs-reg",
                         (const char *[]){"--dedup-members",
                                          "actor,verb,object,result,timestamp,registration", NULL},
                         auth_reg, sizeof auth_reg, NULL, 0, NULL));
    json_t *first = post_as(auth_reg, pair, &st);
    CHECK_INT(st, 200);
    json_t *s5 = json_pack("[O]", json_array_get(sts, 5));
    json_t *second = post_as(auth_reg, s5, &st);
    CHECK_INT(st, 200);
    CHECK(strcmp(json_string_value(json_array_get(first, 0)),
                 json_string_value(json_array_get(second, 0))) != 0);
    /* ... and the same again with its registration is a resend */
    json_t *third = post_as(auth_reg, s5, &st);
    CHECK_STR(json_string_value(json_array_get(third, 0)),
              json_string_value(json_array_get(second, 0)));
#undef ID
    json_decref(first);
    json_decref(second);
    json_decref(third);
    json_decref(s5);
    json_decref(pair);
    json_decref(ids);
    json_decref(sts);
}

/* Whether record has every member schemas/api-key.schema.json requires of
 * def, and its dedup_members are names the schema lists, in its order. */
static bool matches_key_schema(const json_t *record, const char *def)
{
    char *path = gwt_fmt("%s/schemas/api-key.schema.json", getenv("GW_SOURCE_DIR"));
    json_t *schema = json_load_file(path, 0, NULL);
    free(path);
    const json_t *defs = json_object_get(schema, "$defs");
    const json_t *req = json_object_get(json_object_get(defs, def), "required");
    bool ok = json_array_size(req) > 0;
    size_t i;
    const json_t *v;
    json_array_foreach(req, i, v)
    {
        if (!json_object_get(record, json_string_value(v))) {
            fprintf(stderr, "  %s lacks %s\n", def, json_string_value(v));
            ok = false;
        }
    }
    const json_t *names =
        json_object_get(json_object_get(json_object_get(defs, "dedup_members"), "items"), "enum");
    size_t at = 0;
    json_array_foreach(json_object_get(record, "dedup_members"), i, v)
    {
        while (at < json_array_size(names) && !json_equal(json_array_get(names, at), v))
            at++;
        ok = ok && at < json_array_size(names);
    }
    json_decref(schema);
    return ok;
}

/* Bad member lists are refused by the CLI and the API; listings show what a
 * key signs. */
static void test_dedup_members_refused(void)
{
    const char *bad[] = {"actor,verb", "actor,verb,object,bogus", "actor,verb,object,verb", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *args[] = {
            "--config", srv.config_path, "key",    "create",          "--role", "lms",
            "--name",   "bad",           "--json", "--dedup-members", bad[i],   NULL};
        char *out = NULL, *err = NULL;
        CHECK_INT(gwt_run_lmsgw(args, NULL, &out, &err), 2);
        CHECK(err && strstr(err, "dedup"));
        free(out);
        free(err);
    }
    char admin[256];
    snprintf(admin, sizeof admin, "Authorization: Bearer %s", srv.admin_token);
    const char *h[] = {admin, JSON_CT, NULL};
    long st;
    json_t *e = call("POST", "/api/v1/keys", h,
                     "{\"name\":\"x\",\"role\":\"lms\",\"dedup_members\":[\"actor\",\"bogus\"]}",
                     &st, NULL);
    CHECK_INT(st, 400);
    CHECK_STR(json_string_value(json_object_get(e, "where")), "/dedup_members/1");
    json_decref(e);
    e = call("POST", "/api/v1/keys", h,
             "{\"name\":\"x\",\"role\":\"lms\",\"dedup_members\":[\"actor\",\"verb\"]}", &st, NULL);
    CHECK_INT(st, 400);
    CHECK_STR(json_string_value(json_object_get(e, "where")), "/dedup_members");
    json_decref(e);
    e = call("POST", "/api/v1/keys", h, "{\"name\":\"x\",\"role\":\"lms\",\"dedup_members\":[]}",
             &st, NULL);
    CHECK_INT(st, 400);
    json_decref(e);
    /* a bi key: no window by default; members as asked */
    json_t *k = call("POST", "/api/v1/keys", h,
                     "{\"name\":\"reg\",\"role\":\"bi\",\"dedup_members\":[\"context\","
                     "\"object\",\"verb\",\"actor\"]}",
                     &st, NULL);
    CHECK_INT(st, 201);
    CHECK_INT(json_integer_value(json_object_get(k, "dedup_window_s")), 0);
    json_t *want = json_pack("[s,s,s,s]", "actor", "verb", "object", "context");
    CHECK(json_equal(json_object_get(k, "dedup_members"), want));
    CHECK(matches_key_schema(k, "created"));
    const char *kid = json_string_value(json_object_get(k, "key_id"));
    json_t *list = call("GET", "/api/v1/keys", h, NULL, &st, NULL);
    CHECK_INT(st, 200);
    size_t i;
    const json_t *row;
    bool found = false;
    json_array_foreach(json_object_get(list, "keys"), i, row)
    {
        if (kid && strcmp(json_string_value(json_object_get(row, "key_id")), kid) == 0) {
            found = true;
            CHECK(json_equal(json_object_get(row, "dedup_members"), want));
            CHECK_INT(json_integer_value(json_object_get(row, "dedup_window_s")), 0);
            CHECK(matches_key_schema(row, "key"));
        }
    }
    CHECK(found);
    json_decref(list);
    json_decref(want);
    json_decref(k);
}

static void test_dedup_window(void)
{
    char *act = activity_iri("dedup");
    char *bare =
        statement(NULL, "mailto:dd@example.org", "http://adlnet.gov/expapi/verbs/passed", act);
    /* the same event sent twice: same timestamp (another offset) */
    char *s = gwt_fmt("%.*s,\"timestamp\":\"2026-11-22T07:16:28Z\"}", (int)strlen(bare) - 1, bare);
    char *s_again =
        gwt_fmt("%.*s,\"timestamp\":\"2026-11-22T08:16:28+01:00\"}", (int)strlen(bare) - 1, bare);
    const char *dh[] = {auth_dedup, VERSION_HDR, JSON_CT, NULL};
    long st;
    json_t *a = call("POST", "/xapi/statements", dh, s, &st, NULL);
    CHECK_INT(st, 200);
    json_t *b = call("POST", "/xapi/statements", dh, s_again, &st, NULL);
    CHECK_INT(st, 200);
    CHECK_STR(json_string_value(json_array_get(b, 0)), json_string_value(json_array_get(a, 0)));
    json_decref(a);
    json_decref(b);
    /* without a timestamp the instant is the stored one, which a resend does
     * not share: both are stored ... */
    a = call("POST", "/xapi/statements", dh, bare, &st, NULL);
    b = call("POST", "/xapi/statements", dh, bare, &st, NULL);
    CHECK_INT(st, 200);
    CHECK(strcmp(json_string_value(json_array_get(a, 0)),
                 json_string_value(json_array_get(b, 0))) != 0);
    json_decref(a);
    json_decref(b);
    /* ... unless the key's signature leaves the timestamp out */
    char auth_nots[256];
    REQUIRE(gwt_cli_make_key(&srv, "lms", "lrs-nots",
                             (const char *[]){"--dedup-members", "actor,verb,object,result", NULL},
                             auth_nots, sizeof auth_nots, NULL, 0, NULL));
    const char *nh[] = {auth_nots, VERSION_HDR, JSON_CT, NULL};
    a = call("POST", "/xapi/statements", nh, bare, &st, NULL);
    b = call("POST", "/xapi/statements", nh, bare, &st, NULL);
    CHECK_INT(st, 200);
    CHECK_STR(json_string_value(json_array_get(b, 0)), json_string_value(json_array_get(a, 0)));
    json_decref(a);
    json_decref(b);
    free(bare);
    free(s_again);
    /* a key without a window stores two */
    char *act2 = activity_iri("nodedup");
    char *s2 =
        statement(NULL, "mailto:dd@example.org", "http://adlnet.gov/expapi/verbs/passed", act2);
    json_t *c = NULL, *d = NULL;
    CHECK_INT(post(s2, &c), 200);
    CHECK_INT(post(s2, &d), 200);
    const char *ci = json_string_value(json_array_get(c, 0));
    const char *di = json_string_value(json_array_get(d, 0));
    CHECK(ci && di && strcmp(ci, di) != 0);
    char *esc = escape(act2);
    char *ids = query_ids("activity=%s", esc);
    CHECK(ids && strlen(ids) == 73);
    free(ids);
    free(esc);
    json_decref(c);
    json_decref(d);
    free(s2);
    free(act2);
    free(s);
    free(act);
}

static void test_cors_preflight(void)
{
    long st;
    struct gwt_response r;
    const char *h[] = {"Origin: https://lms.example.org", "Access-Control-Request-Method: POST",
                       "Access-Control-Request-Headers: authorization, x-experience-api-version",
                       NULL};
    json_decref(call("OPTIONS", "/xapi/statements", h, NULL, &st, &r));
    CHECK_INT(st, 204);
    char *o = gwt_header(&r, "Access-Control-Allow-Origin");
    CHECK(o != NULL);
    char *m = gwt_header(&r, "Access-Control-Allow-Methods");
    CHECK(m && strstr(m, "POST") && strstr(m, "PUT") && strstr(m, "GET"));
    char *ah = gwt_header(&r, "Access-Control-Allow-Headers");
    CHECK(ah && strstr(ah, "X-Experience-API-Version"));
    free(o);
    free(m);
    free(ah);
    gwt_response_free(&r);
    /* real replies carry the origin header too */
    const char *g[] = {auth_lms, VERSION_HDR, "Origin: https://lms.example.org", NULL};
    json_decref(call("GET", "/xapi/statements?limit=1", g, NULL, &st, &r));
    CHECK_INT(st, 200);
    o = gwt_header(&r, "Access-Control-Allow-Origin");
    CHECK(o != NULL);
    free(o);
    gwt_response_free(&r);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char *u = gwt_uuid();
    snprintf(tag, sizeof tag, "%s", u);
    free(u);
    char *dsn = NULL;
    if (GW_TEST_PG) {
        dsn = gwt_pg_fresh_dsn();
        if (!dsn) {
            printf("0 passed, 1 failed\n");
            return 1;
        }
    }
    if (!gwt_server_start(&srv, dsn, server_config()) ||
        /* the conformance key stores every id-less POST, as xAPI says (no dedup) */
        !gwt_cli_make_key(&srv, "lms", "lrs-test", (const char *[]){"--dedup-window", "0", NULL},
                          auth_lms, sizeof auth_lms, lms_key_id, sizeof lms_key_id, NULL) ||
        !gwt_cli_make_key(&srv, "lms", "lrs-dedup", (const char *[]){"--dedup-window", "600", NULL},
                          auth_dedup, sizeof auth_dedup, NULL, 0, NULL)) {
        gwt_server_free(&srv);
        free(dsn);
        printf("0 passed, 1 failed\n");
        return 1;
    }
    GW_RUN(test_version_header);
    GW_RUN(test_headers_on_every_reply);
    GW_RUN(test_post_single_and_array);
    GW_RUN(test_put);
    GW_RUN(test_content_type);
    GW_RUN(test_id_conflicts);
    GW_RUN(test_batch_duplicate_ids);
    GW_RUN(test_batch_invalid_statement);
    GW_RUN(test_timestamps);
    GW_RUN(test_get_by_id);
    GW_RUN(test_voiding);
    GW_RUN(test_filters);
    GW_RUN(test_more_paging);
    GW_RUN(test_param_rules);
    GW_RUN(test_formats);
    GW_RUN(test_attachments);
    GW_RUN(test_moodle_corpus);
    GW_RUN(test_dedup_window);
    GW_RUN(test_dedup_moodle_default);
    GW_RUN(test_dedup_members_refused);
    GW_RUN(test_cors_preflight);
    gwt_server_stop(&srv, SIGTERM);
    gwt_server_free(&srv);
    free(dsn);
    curl_global_cleanup();
    return gw_test_summary();
}
