/* lmssim.c: the LMS simulator, a standalone test program (not part of the
 * gateway) that speaks the subsets of the Rustici SCORM Cloud API v2 and of
 * Moodle's web services that lmsgw's publish connectors use, and lets tests
 * inject faults on demand. This file owns the HTTP layer (libmicrohttpd, one
 * thread per connection), the control API under /_sim/, the state file and
 * main(); sim_scorm.c, sim_moodle.c and sim_package.c own the LMS behaviour.
 *
 * Usage
 *   lmssim --port N [--bind 127.0.0.1] [--scormcloud-app-id ID --scormcloud-secret S]
 *          [--moodle-token T] [--state-file PATH] [--import-polls N]
 *   Prints "lmssim listening on http://127.0.0.1:N" (the real port when N is 0)
 *   once ready; stops cleanly on SIGTERM or SIGINT. Defaults: app id
 *   "lmssim-app", secret "lmssim-secret", token
 *   "0123456789abcdef0123456789abcdef", 1 import poll. With --state-file the
 *   state (not the faults) is loaded at start and rewritten after each change.
 *
 * SCORM Cloud API v2, base /api/v2 (Basic auth app id + secret, or a bearer
 * token from POST /api/v2/oauth/authenticate/application/token; header
 * EngineTenantName accepted and ignored; no auth: 401 {"error":"Authorization
 * Required."}; other errors are MessageSchema {"message":...}):
 *   GET    /ping                                  200 {"apiMessage":"pong","currentTime":...}
 *   POST   /courses/importJobs/upload?courseId=&mayCreateNewVersion=
 *          multipart field "file" (a zip)        200 {"result":"<jobId>"}
 *          400 no courseId or no file; 409 the course exists and mayCreateNewVersion
 *          is not true (with true: a new version, numbered from 0 like SCORM Cloud).
 *   GET    /courses/importJobs/{jobId}            200 ImportJobResultSchema; 404
 *          RUNNING for the first N polls (--import-polls, default 1), then COMPLETE
 *          (importResult {webPathToCourse, parserWarnings, courseLanguages, course})
 *          or ERROR with "message" (not a zip, no manifest at the root, bad XML).
 *          The simulated import worker also finishes a course's pending jobs before
 *          any request that reads or changes that course (or lists courses), so a
 *          client that lost the job id still finds the course (the real service imports
 *          in the background whether or not anyone polls).
 *   GET    /courses                               200 {"courses":[CourseSchema...]}
 *   GET    /courses/{id}, /courses/{id}/versions, /courses/{id}/versions/{v}
 *   DELETE /courses/{id}, /courses/{id}/versions/{v}   204 (last version: course gone)
 *   xapiActivityId: the cmi5 course id or the tincan course activity id; for SCORM
 *   "urn:uuid:" + a name-based UUIDv5 of the course id (Rustici Engine gives
 *   SCORM content urn:uuid v5 activity ids; its exact inputs are not documented).
 *
 * Moodle: POST (or GET) /webservice/rest/server.php?wstoken=&wsfunction=
 * &moodlewsrestformat=json, parameters form-encoded in PHP array notation;
 * errors are HTTP 200 {"exception","errorcode","message"}; see sim_moodle.c for
 * the functions (core_course_create_courses, core_course_get_courses_by_field,
 * core_course_update_courses, core_webservice_get_site_info and the companion
 * plugin's local_lmsgw_create_or_update_scorm) and POST /webservice/upload.php.
 *
 * Control API (no auth, loopback clients only, never faulted):
 *   GET  /_sim/state     everything as JSON: scormcloud courses and jobs, moodle
 *                        courses (with their "scorm" activity), drafts, "calls" (requests
 *                        received per endpoint, faulted ones included, named like
 *                        "POST /api/v2/courses/importJobs/upload",
 *                        "GET /api/v2/courses/{courseId}",
 *                        "POST /webservice/rest/server.php wsfunction=core_course_create_courses",
 *                        "POST /webservice/upload.php"), "faults" (with "hits" and
 *                        "remaining"), "config".
 *   POST /_sim/reset     forgets all state, faults and call counts.
 *   POST /_sim/config    {"import_polls":N, "moodle_update_bug":true|false} (either or
 *                        both): import polls before COMPLETE; the Moodle plugin's update
 *                        path failing like plugin 0.1.0 did (see sim_moodle.c).
 *   POST /_sim/faults    {"match":"<path prefix>","method":"POST","wsfunction":"...",
 *                         "mode":"status|slow|timeout|drop|accept_then_drop|answer|echo",
 *                         "status":503,"retry_after":"2","delay_ms":200,"count":2,
 *                         "body":{...}}
 *                        Answers 201 with the fault and its id. The first fault whose
 *                        match is a prefix of the path (and whose method and wsfunction,
 *                        when given, are the request's) and that has hits left applies.
 *                        count: how many matching requests it hits (default 1, -1 all).
 *                        status: answer status (default 503) with an optional
 *                          Retry-After, without doing the operation.
 *                        slow, timeout: wait delay_ms, then do it and answer.
 *                        drop: close the connection without an answer or the operation.
 *                        accept_then_drop: do the operation, then close without an answer.
 *                        answer: answer status (default 200 here) with the JSON body given
 *                          (e.g. a Moodle exception), without doing the operation.
 *                        echo: answer status with {"message": the request line, its
 *                          parameters (not file parts) and every request header,
 *                          "errorcode","exception"}, as a misconfigured proxy does;
 *                          nothing is done.
 *   GET  /_sim/faults, DELETE /_sim/faults
 *   POST /_sim/post-statements {"endpoint":URL,"user":..,"password":..,"statements":[..]}
 *                        POSTs the statements to URL (Basic auth, X-Experience-API-Version
 *                        1.0.3) like Moodle's logstore_xapi; answers with the status it
 *                        got and {"status":N,"body":"..."}; 502 when the POST failed. */
#include "lmssim.h"

#include "gw/timefmt.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BODY_LIMIT (64u * 1024u * 1024u)

struct lmssim_config lmssim_cfg = {
    .app_id = "lmssim-app",
    .secret = "lmssim-secret",
    .moodle_token = "0123456789abcdef0123456789abcdef",
};
pthread_mutex_t lmssim_lock = PTHREAD_MUTEX_INITIALIZER;
json_t *lmssim_state;

/* Faults are not state: they are not persisted and not reset by a restart. */
static json_t *faults;
static int next_fault_id = 1;

void lmssim_now(char out[32])
{
    gw_time_format_ms(gw_time_now_ms(), out);
}

json_t *lmssim_section(const char *name)
{
    json_t *s = json_object_get(lmssim_state, name);
    if (!s) {
        s = json_object();
        json_object_set_new(lmssim_state, name, s);
    }
    return s;
}

void lmssim_state_changed(void)
{
    if (!lmssim_cfg.state_file)
        return;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", lmssim_cfg.state_file);
    if (json_dump_file(lmssim_state, tmp, JSON_INDENT(1) | JSON_SORT_KEYS) == 0)
        rename(tmp, lmssim_cfg.state_file);
    else
        fprintf(stderr, "lmssim: cannot write %s\n", tmp);
}

static void state_reset(void)
{
    int polls = 1;
    json_t *cfg = json_object_get(lmssim_state, "config");
    if (cfg && json_is_integer(json_object_get(cfg, "import_polls")))
        polls = (int)json_integer_value(json_object_get(cfg, "import_polls"));
    json_decref(lmssim_state);
    lmssim_state =
        json_pack("{s:{s:{},s:{}},s:{s:[],s:{},s:i,s:i,s:i},s:{},s:{s:i}}", "scormcloud", "courses",
                  "jobs", "moodle", "courses", "drafts", "next_course_id", 2, "next_cmid", 1,
                  "next_instance", 1, "calls", "config", "import_polls", polls);
}

/* ---- requests ---------------------------------------------------------- */

const char *lmssim_param(const struct lmssim_req *r, const char *key)
{
    for (size_t i = r->nparams; i > 0; i--)
        if (!r->params[i - 1].filename && strcmp(r->params[i - 1].key, key) == 0)
            return gw_buf_str(&r->params[i - 1].value);
    return NULL;
}

const struct lmssim_param *lmssim_file(const struct lmssim_req *r, const char *key)
{
    for (size_t i = 0; i < r->nparams; i++)
        if (r->params[i].filename && (!key || strcmp(r->params[i].key, key) == 0))
            return &r->params[i];
    return NULL;
}

const char *lmssim_header(const struct lmssim_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

static struct lmssim_param *add_param(struct lmssim_req *r, const char *key, const char *filename)
{
    if (r->nparams == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 16;
        r->params = gw_xrealloc(r->params, r->cap * sizeof *r->params);
    }
    struct lmssim_param *p = &r->params[r->nparams++];
    memset(p, 0, sizeof *p);
    p->key = gw_xstrdup(key ? key : "");
    p->filename = filename ? gw_xstrdup(filename) : NULL;
    return p;
}

static enum MHD_Result query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    struct lmssim_param *p = add_param(cls, key, NULL);
    if (value)
        gw_buf_puts(&p->value, value);
    return MHD_YES;
}

static enum MHD_Result post_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *filename, const char *content_type,
                                  const char *transfer_encoding, const char *data, uint64_t off,
                                  size_t size)
{
    struct lmssim_req *r = cls;
    struct lmssim_param *p = NULL;
    /* MHD hands long values over in pieces: later pieces have off > 0. */
    if (off > 0 && r->nparams > 0 && strcmp(r->params[r->nparams - 1].key, key ? key : "") == 0)
        p = &r->params[r->nparams - 1];
    else
        p = add_param(r, key, filename);
    if (size)
        gw_buf_append(&p->value, data, size);
    return MHD_YES;
}

static void parse_params(struct lmssim_req *r)
{
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, query_arg, r);
    const char *ct = lmssim_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!ct || r->body.len == 0)
        return;
    if (strncasecmp(ct, "multipart/form-data", 19) != 0 &&
        strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
        return;
    struct MHD_PostProcessor *pp = MHD_create_post_processor(r->conn, 65536, post_field, r);
    if (!pp)
        return;
    MHD_post_process(pp, r->body.data, r->body.len);
    MHD_destroy_post_processor(pp);
}

static void req_free(struct lmssim_req *r)
{
    for (size_t i = 0; i < r->nparams; i++) {
        free(r->params[i].key);
        free(r->params[i].filename);
        gw_buf_free(&r->params[i].value);
    }
    free(r->params);
    gw_buf_free(&r->body);
    free(r);
}

void lmssim_reply_json(struct lmssim_reply *rep, unsigned status, json_t *body)
{
    rep->status = status;
    free(rep->body);
    rep->body = body ? json_dumps(body, JSON_COMPACT) : NULL;
    rep->content_type = "application/json";
    json_decref(body);
}

static void reply_message(struct lmssim_reply *rep, unsigned status, const char *msg)
{
    lmssim_reply_json(rep, status, json_pack("{s:s}", "message", msg));
}

static enum MHD_Result echo_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    gw_buf_printf(cls, "%s: %s\r\n", key, value ? value : "");
    return MHD_YES;
}

/* The request as a proxy that echoes it would show it (the echo fault); the
 * caller frees. */
static char *echo_text(struct lmssim_req *r)
{
    struct gw_buf b = {0};
    gw_buf_printf(&b, "Bad request, you sent: %s %s?", r->method, r->path);
    for (size_t i = 0; i < r->nparams; i++)
        if (!r->params[i].filename)
            gw_buf_printf(&b, "%s%s=%s", i ? "&" : "", r->params[i].key,
                          gw_buf_str(&r->params[i].value));
    gw_buf_puts(&b, " HTTP/1.1\r\n");
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, echo_header, &b);
    char *out = gw_xstrdup(gw_buf_str(&b));
    gw_buf_free(&b);
    return out;
}

/* ---- faults ------------------------------------------------------------ */

struct fault_hit {
    char mode[24];
    unsigned status;
    char retry_after[64];
    long delay_ms;
    char *body; /* mode answer: the body to send (owned) */
};

/* Finds the first fault matching r, uses one of its count; false when none. */
static bool fault_take(const struct lmssim_req *r, struct fault_hit *hit)
{
    bool found = false;
    size_t i;
    json_t *f;
    const char *wsfunction = lmssim_param(r, "wsfunction");
    pthread_mutex_lock(&lmssim_lock);
    json_array_foreach(faults, i, f)
    {
        const char *match = json_string_value(json_object_get(f, "match"));
        const char *method = json_string_value(json_object_get(f, "method"));
        const char *fn = json_string_value(json_object_get(f, "wsfunction"));
        json_int_t left = json_integer_value(json_object_get(f, "remaining"));
        if (left == 0 || !match || strncmp(r->path, match, strlen(match)) != 0)
            continue;
        if (method && strcasecmp(method, r->method) != 0)
            continue;
        if (fn && (!wsfunction || strcmp(fn, wsfunction) != 0))
            continue;
        if (left > 0)
            json_object_set_new(f, "remaining", json_integer(left - 1));
        json_object_set_new(f, "hits",
                            json_integer(json_integer_value(json_object_get(f, "hits")) + 1));
        memset(hit, 0, sizeof *hit);
        snprintf(hit->mode, sizeof hit->mode, "%s", json_string_value(json_object_get(f, "mode")));
        hit->status = (unsigned)json_integer_value(json_object_get(f, "status"));
        snprintf(hit->retry_after, sizeof hit->retry_after, "%s",
                 json_string_value(json_object_get(f, "retry_after"))
                     ? json_string_value(json_object_get(f, "retry_after"))
                     : "");
        hit->delay_ms = (long)json_integer_value(json_object_get(f, "delay_ms"));
        hit->body = json_object_get(f, "body")
                        ? json_dumps(json_object_get(f, "body"), JSON_COMPACT | JSON_ENCODE_ANY)
                        : NULL;
        found = true;
        break;
    }
    pthread_mutex_unlock(&lmssim_lock);
    return found;
}

static void faults_post(const struct lmssim_req *r, struct lmssim_reply *rep)
{
    static const char *const modes[] = {"status",           "slow",   "timeout", "drop",
                                        "accept_then_drop", "answer", "echo"};
    json_error_t jerr;
    json_t *in = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, &jerr);
    const char *match = NULL, *mode = NULL;
    json_t *ra = NULL;
    bool mode_ok = false;
    if (!json_is_object(in) || json_unpack(in, "{s:s,s:s}", "match", &match, "mode", &mode) != 0) {
        reply_message(rep, 400, "A fault needs a JSON object with string members match and mode.");
        goto done;
    }
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++)
        mode_ok = mode_ok || strcmp(mode, modes[i]) == 0;
    if (!mode_ok) {
        reply_message(rep, 400,
                      "mode must be one of status, slow, timeout, drop, accept_then_drop, "
                      "answer, echo.");
        goto done;
    }
    json_t *f = json_object();
    json_object_set(f, "match", json_object_get(in, "match"));
    json_object_set(f, "mode", json_object_get(in, "mode"));
    if (json_is_string(json_object_get(in, "method")))
        json_object_set(f, "method", json_object_get(in, "method"));
    if (json_is_string(json_object_get(in, "wsfunction")))
        json_object_set(f, "wsfunction", json_object_get(in, "wsfunction"));
    json_t *st = json_object_get(in, "status");
    bool answer = strcmp(mode, "answer") == 0;
    json_object_set_new(f, "status",
                        json_integer(json_is_integer(st) ? json_integer_value(st)
                                     : answer            ? 200
                                                         : 503));
    if (answer && json_object_get(in, "body"))
        json_object_set(f, "body", json_object_get(in, "body"));
    ra = json_object_get(in, "retry_after");
    if (json_is_integer(ra))
        json_object_set_new(f, "retry_after",
                            json_sprintf("%" JSON_INTEGER_FORMAT, json_integer_value(ra)));
    else if (json_is_string(ra))
        json_object_set(f, "retry_after", ra);
    json_object_set_new(f, "delay_ms",
                        json_integer(json_integer_value(json_object_get(in, "delay_ms"))));
    json_t *count = json_object_get(in, "count");
    json_object_set_new(f, "remaining",
                        json_integer(json_is_integer(count) ? json_integer_value(count) : 1));
    json_object_set_new(f, "hits", json_integer(0));
    pthread_mutex_lock(&lmssim_lock);
    json_object_set_new(f, "id", json_integer(next_fault_id++));
    json_array_append(faults, f);
    pthread_mutex_unlock(&lmssim_lock);
    lmssim_reply_json(rep, 201, f);
done:
    json_decref(in);
}

/* ---- control API ------------------------------------------------------- */

static bool from_loopback(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (!sa)
        return false;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    }
    return false;
}

static size_t collect(char *data, size_t size, size_t n, void *cls)
{
    gw_buf_append(cls, data, size * n);
    return size * n;
}

static void post_statements(const struct lmssim_req *r, struct lmssim_reply *rep)
{
    json_error_t jerr;
    json_t *in = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, &jerr);
    const char *endpoint = NULL, *user = "", *password = "";
    json_t *statements = NULL;
    char *payload = NULL;
    struct curl_slist *hdrs = NULL;
    struct gw_buf got = {0};
    CURL *curl = NULL;
    if (!in || json_unpack(in, "{s:s,s?s,s?s,s:o}", "endpoint", &endpoint, "user", &user,
                           "password", &password, "statements", &statements) != 0) {
        reply_message(rep, 400, "Expected {\"endpoint\",\"user\",\"password\",\"statements\"}.");
        goto done;
    }
    payload = json_dumps(statements, JSON_COMPACT);
    curl = curl_easy_init();
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    hdrs = curl_slist_append(hdrs, "X-Experience-API-Version: 1.0.3");
    curl_easy_setopt(curl, CURLOPT_URL, endpoint);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload);
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, user);
    curl_easy_setopt(curl, CURLOPT_PASSWORD, password);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &got);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
        lmssim_reply_json(rep, 502,
                          json_pack("{s:i,s:s}", "status", 0, "error", curl_easy_strerror(rc)));
        goto done;
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    lmssim_reply_json(
        rep, (unsigned)status,
        json_pack("{s:i,s:s%}", "status", (int)status, "body", gw_buf_str(&got), got.len));
done:
    if (curl)
        curl_easy_cleanup(curl);
    curl_slist_free_all(hdrs);
    free(payload);
    gw_buf_free(&got);
    json_decref(in);
}

static void control(const struct lmssim_req *r, struct lmssim_reply *rep)
{
    bool get = strcmp(r->method, "GET") == 0, post = strcmp(r->method, "POST") == 0;
    if (!from_loopback(r->conn)) {
        reply_message(rep, 403, "The control API answers loopback clients only.");
    } else if (get && strcmp(r->path, "/_sim/state") == 0) {
        pthread_mutex_lock(&lmssim_lock);
        json_t *s = json_deep_copy(lmssim_state);
        json_object_set_new(s, "faults", json_deep_copy(faults));
        pthread_mutex_unlock(&lmssim_lock);
        lmssim_reply_json(rep, 200, s);
    } else if (post && strcmp(r->path, "/_sim/reset") == 0) {
        pthread_mutex_lock(&lmssim_lock);
        state_reset();
        json_array_clear(faults);
        lmssim_state_changed();
        pthread_mutex_unlock(&lmssim_lock);
        lmssim_reply_json(rep, 200, json_pack("{s:b}", "reset", 1));
    } else if (post && strcmp(r->path, "/_sim/config") == 0) {
        json_t *in = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, NULL);
        json_t *polls = json_object_get(in, "import_polls");
        json_t *bug = json_object_get(in, "moodle_update_bug");
        if ((!polls && !bug) ||
            (polls && (!json_is_integer(polls) || json_integer_value(polls) < 0)) ||
            (bug && !json_is_boolean(bug))) {
            reply_message(rep, 400,
                          "Expected {\"import_polls\": N} with N >= 0 and/or "
                          "{\"moodle_update_bug\": true|false}.");
        } else {
            pthread_mutex_lock(&lmssim_lock);
            if (polls)
                json_object_set(lmssim_section("config"), "import_polls", polls);
            if (bug)
                json_object_set(lmssim_section("config"), "moodle_update_bug", bug);
            lmssim_state_changed();
            json_t *cfg = json_deep_copy(lmssim_section("config"));
            pthread_mutex_unlock(&lmssim_lock);
            lmssim_reply_json(rep, 200, cfg);
        }
        json_decref(in);
    } else if (strcmp(r->path, "/_sim/faults") == 0 &&
               (get || post || !strcmp(r->method, "DELETE"))) {
        if (post) {
            faults_post(r, rep);
        } else {
            pthread_mutex_lock(&lmssim_lock);
            json_t *copy = json_deep_copy(faults);
            if (!get)
                json_array_clear(faults);
            pthread_mutex_unlock(&lmssim_lock);
            lmssim_reply_json(rep, 200, copy);
        }
    } else if (post && strcmp(r->path, "/_sim/post-statements") == 0) {
        post_statements(r, rep);
    } else {
        reply_message(rep, 404, "No such control endpoint.");
    }
}

/* ---- dispatch ---------------------------------------------------------- */

static void count_call(const char *endpoint)
{
    pthread_mutex_lock(&lmssim_lock);
    json_t *calls = lmssim_section("calls");
    json_object_set_new(calls, endpoint,
                        json_integer(json_integer_value(json_object_get(calls, endpoint)) + 1));
    pthread_mutex_unlock(&lmssim_lock);
}

/* Counts the request under its endpoint name, faulted or not. */
static void count_endpoint(const struct lmssim_req *r)
{
    char endpoint[256];
    if (lmssim_scorm_endpoint(r->method, r->path, endpoint, sizeof endpoint) ||
        lmssim_moodle_endpoint(r, endpoint, sizeof endpoint))
        count_call(endpoint);
}

static void handle(struct lmssim_req *r, struct lmssim_reply *rep)
{
    if (strncmp(r->path, "/api/v2/", 8) == 0 || strcmp(r->path, "/api/v2") == 0)
        lmssim_scorm_handle(r, rep);
    else if (strncmp(r->path, "/webservice/", 12) == 0)
        lmssim_moodle_handle(r, rep);
    else
        reply_message(rep, 404, "Not found.");
}

static enum MHD_Result send_reply(struct MHD_Connection *c, struct lmssim_reply *rep)
{
    const char *body = rep->body ? rep->body : "";
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (rep->body)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                rep->content_type ? rep->content_type : "application/json");
    if (rep->retry_after[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, rep->retry_after);
    enum MHD_Result ret = MHD_queue_response(c, rep->status ? rep->status : 500, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* MHD's error log, without the line it writes for every dropped connection
 * (a fault this program injects on purpose). */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap); /* NOLINT: MHD's own format */
    if (!strstr(line, "Application reported internal error"))
        fprintf(stderr, "lmssim: %s", line);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct lmssim_req *r = *con_cls;
    struct lmssim_reply rep = {0};
    struct fault_hit hit = {0};
    enum MHD_Result ret = MHD_YES;
    if (!r) {
        r = gw_xcalloc(1, sizeof *r);
        r->conn = c;
        r->method = method;
        r->path = url;
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (r->body.len + *upload_data_size > BODY_LIMIT)
            r->too_big = true;
        else
            gw_buf_append(&r->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->too_big) {
        reply_message(&rep, 413, "The request body is too large.");
        goto send;
    }
    parse_params(r);
    if (strncmp(url, "/_sim/", 6) == 0) {
        control(r, &rep);
        goto send;
    }
    count_endpoint(r);
    if (!fault_take(r, &hit)) {
        handle(r, &rep);
        goto send;
    }
    if (strcmp(hit.mode, "status") == 0) {
        reply_message(&rep, hit.status, "Service Unavailable (fault injected by lmssim).");
        snprintf(rep.retry_after, sizeof rep.retry_after, "%s", hit.retry_after);
    } else if (strcmp(hit.mode, "slow") == 0 || strcmp(hit.mode, "timeout") == 0) {
        sleep_ms(hit.delay_ms);
        handle(r, &rep);
    } else if (strcmp(hit.mode, "answer") == 0) {
        rep.status = hit.status;
        rep.body = hit.body ? hit.body : gw_xstrdup("");
        hit.body = NULL;
        rep.content_type = "application/json";
    } else if (strcmp(hit.mode, "echo") == 0) {
        char *echo = echo_text(r);
        /* errorcode: a Moodle client reads a 200 with it as an exception */
        lmssim_reply_json(&rep, hit.status,
                          json_pack("{s:s,s:s,s:s}", "exception", "proxy_echo", "errorcode",
                                    "proxyecho", "message", echo));
        free(echo);
    } else if (strcmp(hit.mode, "accept_then_drop") == 0) {
        handle(r, &rep);
        ret = MHD_NO;
        goto done;
    } else {
        ret = MHD_NO; /* drop */
        goto done;
    }
send:
    ret = send_reply(c, &rep);
done:
    free(rep.body);
    free(hit.body);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    if (*con_cls)
        req_free(*con_cls);
    *con_cls = NULL;
}

/* ---- main -------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr, "usage: lmssim --port N [--bind 127.0.0.1] [--scormcloud-app-id ID "
                    "--scormcloud-secret S] [--moodle-token T] [--state-file PATH] "
                    "[--import-polls N]\n");
}

static int load_state(void)
{
    json_error_t jerr;
    if (!lmssim_cfg.state_file || access(lmssim_cfg.state_file, F_OK) != 0)
        return 0;
    json_t *s = json_load_file(lmssim_cfg.state_file, 0, &jerr);
    if (!json_is_object(s)) {
        fprintf(stderr, "lmssim: %s: %s (line %d)\n", lmssim_cfg.state_file, jerr.text, jerr.line);
        json_decref(s);
        return -1;
    }
    json_decref(lmssim_state);
    lmssim_state = s;
    return 0;
}

int main(int argc, char **argv)
{
    const char *bind_addr = "127.0.0.1";
    long port = -1, polls = -1;
    struct sockaddr_in sa;
    struct MHD_Daemon *d = NULL;
    sigset_t sigs;
    int sig = 0, rc = 1;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            usage();
            return 2;
        }
        if (strcmp(a, "--port") == 0)
            port = strtol(v, NULL, 10);
        else if (strcmp(a, "--bind") == 0)
            bind_addr = v;
        else if (strcmp(a, "--scormcloud-app-id") == 0)
            lmssim_cfg.app_id = v;
        else if (strcmp(a, "--scormcloud-secret") == 0)
            lmssim_cfg.secret = v;
        else if (strcmp(a, "--moodle-token") == 0)
            lmssim_cfg.moodle_token = v;
        else if (strcmp(a, "--state-file") == 0)
            lmssim_cfg.state_file = v;
        else if (strcmp(a, "--import-polls") == 0)
            polls = strtol(v, NULL, 10);
        else {
            usage();
            return 2;
        }
        i++; /* NOLINT: past the option's value */
    }
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    if (port < 0 || port > 65535 || inet_pton(AF_INET, bind_addr, &sa.sin_addr) != 1) {
        usage();
        return 2;
    }
    sa.sin_port = htons((uint16_t)port);

    curl_global_init(CURL_GLOBAL_DEFAULT);
    faults = json_array();
    state_reset();
    if (load_state() != 0)
        goto done;
    if (polls >= 0)
        json_object_set_new(lmssim_section("config"), "import_polls", json_integer(polls));

    /* Block the stop signals in every thread; main waits for them below. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                             MHD_USE_ERROR_LOG,
                         0, NULL, NULL, on_request, NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                         MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                         MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "lmssim: cannot listen on %s:%ld\n", bind_addr, port);
        goto done;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(lmssim_cfg.base_url, sizeof lmssim_cfg.base_url, "http://%s:%u", bind_addr,
             di ? (unsigned)di->port : (unsigned)port);
    printf("lmssim listening on %s\n", lmssim_cfg.base_url);
    fflush(stdout);
    if (sigwait(&sigs, &sig) != 0)
        goto done;
    rc = 0;
done:
    if (d)
        MHD_stop_daemon(d);
    json_decref(lmssim_state);
    json_decref(faults);
    curl_global_cleanup();
    return rc;
}
