/* lms_moodle.c: the connector for Moodle (4.x) web services, REST protocol
 * with JSON answers, plus the companion plugin local_lmsgw
 * (lms/moodle/local_lmsgw), whose function local_lmsgw_create_or_update_scorm
 * puts a package from the draft area into a course as its one SCORM activity.
 *
 * Target keys (besides the common ones in lms.c):
 *   "base_url"            the site root, e.g. "https://moodle.example.org" (required)
 *   "token"               the web-service token (required; never logged)
 *   "category_id"         the category new courses go into (required, integer >= 1)
 *   "fullname_template"   default "{title}"
 *   "shortname_template"  default "lmsgw-{course}" (unique on the site)
 *   "activity_name_template" default "{title}"
 *   "show_on_publish"     make the course visible after publishing, default true
 *   "completion"          the completion settings of a new SCORM activity:
 *                         {"tracking": "automatic" | "none" (default automatic),
 *                          "status_required": ["passed", "completed"] (default both:
 *                          either status completes it; [] for none),
 *                          "score_required": N (minimum score, default 0: no rule)}
 *                         sent to the plugin function with every publish; the
 *                         plugin applies them when it creates the activity and
 *                         keeps an existing activity's settings on update.
 * Templates take {course}, {version}, {title}, {sha256}.
 *
 * Natural key: the course idnumber "lmsgw:<our course id>". Publish looks it
 * up (core_course_get_courses_by_field) before core_course_create_courses
 * (single-activity format, hidden, enablecompletion on unless the target's
 * tracking is "none"); a "courseidnumbertaken" answer means an
 * earlier attempt created it, so it is looked up again and used. The package
 * goes to the draft area (/webservice/upload.php), then the plugin function,
 * idempotent by contract, replaces or creates the activity; then the course is
 * shown (core_course_update_courses visible=1). Retire hides it (visible=0).
 * Moodle answers errors with HTTP 200 and {"exception","errorcode","message"}
 * ({"exception","message"} alone for PHP errors such as Error or TypeError;
 * upload.php: {"error","errorcode"}; some functions only in "warnings"): each
 * becomes our error with Moodle's code or exception class and its message in
 * the detail. Credentials refused are GW_OUT_AUTH; an exception is permanent
 * unless the table `passing` below lists it as one Moodle raises for a passing
 * condition (database write conflicts, lock and session waits).
 * Results: the Moodle course id, <base>/course/view.php?id=ID, and as activity
 * ids <base>/mod/scorm/view.php?id=CMID and <base>/course/view.php?id=ID (the
 * IRIs Moodle's logstore_xapi uses); lms_version is the activity's revision. */
#include "gw/outbound.h"

#include "gw/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* mod_scorm's status rule bits (scorm_status_options()). */
#define MD_STATUS_PASSED 2
#define MD_STATUS_COMPLETED 4

struct md {
    char *base_url, *token, *fullname, *shortname, *activity_name;
    json_int_t category;
    bool show;
    bool track_completion; /* "automatic"; false: "none" */
    int status_required;   /* MD_STATUS_* bits */
    int64_t score_required;
};

static void md_free(void *p)
{
    struct md *m = p;
    free(m->base_url);
    free(m->token);
    free(m->fullname);
    free(m->shortname);
    free(m->activity_name);
    free(m);
}

/* The target's "completion" object (NULL: the defaults) into m. */
static enum gw_err configure_completion(struct md *m, json_t *c, struct gw_error *err)
{
    static const char *const trackings[] = {"automatic", "none", NULL};
    const char *tracking = "automatic";
    json_t *statuses = NULL;
    int64_t score = 0;
    struct gw_jfield fields[] = {
        {"tracking", GW_J_STRING, false, &tracking, GW_JF_NONE, trackings, 0, 0, 0},
        {"status_required", GW_J_ARRAY, false, &statuses, GW_JF_NONE, NULL, 0, 0, 0},
        {"score_required", GW_J_INT, false, &score, GW_JF_NONE, NULL, 0, 1e6, 0},
        GW_JFIELD_END,
    };
    m->track_completion = true;
    m->status_required = MD_STATUS_PASSED | MD_STATUS_COMPLETED;
    m->score_required = 0;
    if (!c)
        return GW_OK;
    if (gw_json_parse_fields(c, "/completion", fields, true, err) != GW_OK)
        return GW_E_LMS_TARGET_INVALID;
    m->track_completion = strcmp(tracking, "automatic") == 0;
    m->score_required = score;
    if (!m->track_completion) {
        m->status_required = 0;
        if (statuses || score)
            return gw_error_set(err, GW_E_LMS_TARGET_INVALID, "/completion",
                                "status_required and score_required need \"tracking\": "
                                "\"automatic\".");
        return GW_OK;
    }
    if (statuses) {
        size_t i;
        json_t *v;
        m->status_required = 0;
        json_array_foreach(statuses, i, v)
        {
            const char *st = json_string_value(v);
            int bit = st && strcmp(st, "passed") == 0      ? MD_STATUS_PASSED
                      : st && strcmp(st, "completed") == 0 ? MD_STATUS_COMPLETED
                                                           : 0;
            if (bit == 0 || (m->status_required & bit)) {
                char where[64];
                snprintf(where, sizeof where, "/completion/status_required/%zu", i);
                return gw_error_set(err, GW_E_LMS_TARGET_INVALID, where,
                                    "status_required lists \"passed\" and \"completed\", each "
                                    "at most once.");
            }
            m->status_required |= bit;
        }
    }
    if (m->status_required == 0 && m->score_required == 0)
        return gw_error_set(err, GW_E_LMS_TARGET_INVALID, "/completion",
                            "Automatic completion needs a rule: status_required or "
                            "score_required.");
    return GW_OK;
}

static enum gw_err md_configure(struct gw_lms_target *t, const json_t *cfg, struct gw_error *err)
{
    const char *base = NULL, *token = NULL, *fullname = "{title}", *shortname = "lmsgw-{course}",
               *aname = "{title}";
    int64_t category = 0;
    bool show = true;
    json_t *completion = NULL;
    struct gw_jfield fields[] = {
        {"base_url", GW_J_STRING, true, &base, GW_JF_IRI, NULL, 0, 0, 2000},
        {"token", GW_J_STRING, true, &token, GW_JF_NONEMPTY, NULL, 0, 0, 256},
        {"category_id", GW_J_INT, true, &category, GW_JF_NONE, NULL, 1, 1e12, 0},
        {"fullname_template", GW_J_STRING, false, &fullname, GW_JF_NONEMPTY, NULL, 0, 0, 254},
        {"shortname_template", GW_J_STRING, false, &shortname, GW_JF_NONEMPTY, NULL, 0, 0, 254},
        {"activity_name_template", GW_J_STRING, false, &aname, GW_JF_NONEMPTY, NULL, 0, 0, 254},
        {"show_on_publish", GW_J_BOOL, false, &show, GW_JF_NONE, NULL, 0, 0, 0},
        {"completion", GW_J_OBJECT, false, &completion, GW_JF_NONE, NULL, 0, 0, 0},
        GW_JFIELD_END,
    };
    struct md *m = gw_xcalloc(1, sizeof *m);
    if (gw_json_parse_fields((json_t *)cfg, "", fields, true, err) != GW_OK ||
        configure_completion(m, completion, err) != GW_OK) {
        free(m);
        if (err)
            err->code = GW_E_LMS_TARGET_INVALID;
        return GW_E_LMS_TARGET_INVALID;
    }
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    m->base_url = gw_xstrndup(base, bl);
    m->token = gw_xstrdup(token);
    m->fullname = gw_xstrdup(fullname);
    m->shortname = gw_xstrdup(shortname);
    m->activity_name = gw_xstrdup(aname);
    m->category = (json_int_t)category;
    m->show = show;
    t->priv = m;
    return GW_OK;
}

/* ---- calls --------------------------------------------------------------- */

static void scrub(const struct md *m, struct gw_error *err)
{
    if (err)
        gw_redact_secret(err->detail, sizeof err->detail, m->token);
}

/* Moodle exceptions that report a passing condition, so a later attempt of
 * the same call can succeed: the job is retried with back-off. Every other
 * exception is permanent (retrying repeats it: a coding error in the plugin,
 * a missing capability, a bad package), and the job fails at once with
 * Moodle's message. Matched in order: the exception class (without a
 * namespace), then the errorcode when given, then text (case-insensitive)
 * in the message or debuginfo when given. Moodle's REST server puts the
 * database's own words in debuginfo only when the site has debugging on, so a
 * dml_write_exception without them is ambiguous: one more attempt. */
enum passing_verdict {
    PASSING_RETRY,      /* retried within publish_max_attempts */
    PASSING_RETRY_ONCE, /* at most 2 attempts in all */
};

static const struct passing {
    const char *exception, *errorcode, *text;
    enum passing_verdict verdict;
    const char *why;
} passing[] = {
    {"dml_write_exception", NULL, "deadlock", PASSING_RETRY,
     "the database broke a deadlock by aborting this write; the other writer has finished"},
    {"dml_write_exception", NULL, "serializ", PASSING_RETRY,
     "PostgreSQL's serialization failure (40001): a concurrent transaction won"},
    {"dml_write_exception", NULL, "lock wait timeout", PASSING_RETRY,
     "MySQL/MariaDB waited too long for a row lock held by another request"},
    {"dml_write_exception", NULL, NULL, PASSING_RETRY_ONCE,
     "a write failed and the site hides why (debugging off): a conflict passes, a lasting fault "
     "repeats"},
    {NULL, "locktimeout", NULL, PASSING_RETRY,
     "another request held a Moodle lock (local_lmsgw serialises calls per course) too long"},
    {NULL, "sessionwaiterr", NULL, PASSING_RETRY,
     "timed out waiting for the session lock of another request of the same user"},
    {NULL, "dbconnectionfailed", NULL, PASSING_RETRY,
     "Moodle could not reach its own database (restart, failover)"},
};

/* The class name without a PHP namespace ("core\\exception\\moodle_exception"). */
static const char *class_base(const char *cls)
{
    const char *b = strrchr(cls, '\\');
    return b ? b + 1 : cls;
}

static const struct passing *passing_match(const char *exception, const char *code, const char *msg,
                                           const char *debuginfo)
{
    for (size_t i = 0; i < sizeof passing / sizeof passing[0]; i++) {
        const struct passing *p = &passing[i];
        if (p->exception && (!exception || strcmp(class_base(exception), p->exception) != 0))
            continue;
        if (p->errorcode && (!code || strcmp(code, p->errorcode) != 0))
            continue;
        if (p->text && !(msg && strcasestr(msg, p->text)) &&
            !(debuginfo && strcasestr(debuginfo, p->text)))
            continue;
        return p;
    }
    return NULL;
}

static bool is_auth_code(const char *code)
{
    static const char *const auth[] = {"invalidtoken", "accessexception", "servicerequireslogin",
                                       "nopermissions", "requireloginerror"};
    for (size_t i = 0; code && i < sizeof auth / sizeof auth[0]; i++)
        if (strcmp(code, auth[i]) == 0)
            return true;
    return false;
}

/* Turns a Moodle answer into our error: an exception object (with or without
 * errorcode), an upload.php error object, or non-empty "warnings". Returns
 * GW_OK when it is none. The detail names Moodle's errorcode and exception
 * class and carries Moodle's message (and its debuginfo, when the site shows
 * it) so the admin reads Moodle's own words in last_error and the log. */
static enum gw_err moodle_error(const char *fn, const json_t *j, bool warnings_fail,
                                struct gw_lms_result *out, struct gw_error *err)
{
    const char *exception = json_string_value(json_object_get(j, "exception"));
    const char *code = json_string_value(json_object_get(j, "errorcode"));
    const char *msg = json_string_value(json_object_get(j, "message"));
    const char *debuginfo = json_string_value(json_object_get(j, "debuginfo"));
    if (!msg)
        msg = json_string_value(json_object_get(j, "error"));
    json_t *w = json_object_get(j, "warnings");
    if (!code && !exception && warnings_fail && json_array_size(w) > 0) {
        json_t *w0 = json_array_get(w, 0);
        code = json_string_value(json_object_get(w0, "warningcode"));
        msg = json_string_value(json_object_get(w0, "message"));
        if (!code)
            code = "warning";
    }
    if (!code && !exception)
        return GW_OK;
    char what[300];
    if (code && exception)
        snprintf(what, sizeof what, "%.120s (%.160s)", code, exception);
    else
        snprintf(what, sizeof what, "%.280s", code ? code : exception);
    char extra[400] = "";
    if (debuginfo && *debuginfo)
        snprintf(extra, sizeof extra, " [debuginfo: %.160s]", debuginfo);
    if (is_auth_code(code)) {
        out->out = (struct gw_out_status){GW_OUT_AUTH, 200, -1};
        return gw_error_set(err, GW_E_LMS_AUTH_FAILED, NULL, "Moodle %s: %s: %s%s", fn, what,
                            msg ? msg : "(no message)", extra);
    }
    const struct passing *p = exception ? passing_match(exception, code, msg, debuginfo) : NULL;
    if (p) {
        out->out = (struct gw_out_status){GW_OUT_RETRY, 200, -1};
        out->max_attempts = p->verdict == PASSING_RETRY_ONCE ? 2 : 0;
        return gw_error_set(err, GW_E_LMS_BUSY, NULL, "Moodle %s: %s: %s%s (retried: %s)", fn, what,
                            msg ? msg : "(no message)", extra, p->why);
    }
    out->out = (struct gw_out_status){GW_OUT_PERMANENT, 200, -1};
    return gw_error_set(err, GW_E_LMS_REJECTED, NULL, "Moodle %s: %s: %s%s", fn, what,
                        msg ? msg : "(no message)", extra);
}

/* POSTs fn with the form parameters params ("k=v&..." already encoded) to
 * server.php and parses the JSON answer into *res (new reference). */
static enum gw_err ws(const struct gw_lms_target *t, const struct gw_lms_env *env, const char *fn,
                      const char *params, json_t **res, struct gw_lms_result *out,
                      struct gw_error *err)
{
    const struct md *m = t->priv;
    struct gw_buf body = {0};
    struct gw_http_response resp = {0};
    const char *headers[] = {"Content-Type: application/x-www-form-urlencoded",
                             "Accept: application/json", NULL};
    char url[2200];
    *res = NULL;
    gw_buf_puts(&body, "wstoken=");
    gw_url_encode(&body, m->token);
    gw_buf_printf(&body, "&wsfunction=%s&moodlewsrestformat=json", fn);
    if (params && *params)
        gw_buf_printf(&body, "&%s", params);
    snprintf(url, sizeof url, "%s/webservice/rest/server.php", m->base_url);
    struct gw_http_request rq = {
        .method = "POST", .url = url, .headers = headers, .body = body.data, .body_len = body.len};
    gw_lms_http_defaults(t, &rq, false);
    enum gw_err rc = gw_http_perform(&rq, env->now_ms, &resp, err);
    if (rc != GW_OK) {
        out->out = resp.out;
        goto done;
    }
    if (resp.status != 200) {
        rc = gw_lms_http_error(&resp, fn, NULL, out, err);
        goto done;
    }
    json_t *j =
        json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, JSON_DECODE_ANY, NULL);
    if (!j) {
        out->out = (struct gw_out_status){GW_OUT_RETRY, 200, -1};
        rc = gw_error_set(err, GW_E_LMS_BAD_RESPONSE, NULL,
                          "Moodle %s: the answer is not JSON (is base_url the site root?).", fn);
        goto done;
    }
    rc = json_is_object(j) ? moodle_error(fn, j, false, out, err) : GW_OK;
    if (rc != GW_OK)
        json_decref(j);
    else
        *res = j;
done:
    scrub(m, err);
    gw_buf_free(&body);
    gw_http_response_free(&resp);
    return rc;
}

static void param(struct gw_buf *b, const char *key, const char *value)
{
    if (b->len)
        gw_buf_puts(b, "&");
    gw_url_encode(b, key);
    gw_buf_puts(b, "=");
    gw_url_encode(b, value);
}

/* The course with our idnumber: its id into *id (0 when none). */
static enum gw_err find_course(const struct gw_lms_target *t, const struct gw_lms_env *env,
                               const char *idnumber, json_int_t *id, struct gw_lms_result *out,
                               struct gw_error *err)
{
    struct gw_buf p = {0};
    json_t *res = NULL;
    *id = 0;
    param(&p, "field", "idnumber");
    param(&p, "value", idnumber);
    enum gw_err rc = ws(t, env, "core_course_get_courses_by_field", gw_buf_str(&p), &res, out, err);
    if (rc == GW_OK && !json_is_array(json_object_get(res, "courses"))) {
        /* Never read a strange answer as "no course": that would create one. */
        out->out = (struct gw_out_status){GW_OUT_RETRY, 200, -1};
        rc = gw_error_set(err, GW_E_LMS_BAD_RESPONSE, NULL,
                          "Moodle core_course_get_courses_by_field answered without a courses "
                          "list.");
    } else if (rc == GW_OK) {
        json_t *c0 = json_array_get(json_object_get(res, "courses"), 0);
        *id = json_integer_value(json_object_get(c0, "id"));
    }
    json_decref(res);
    gw_buf_free(&p);
    return rc;
}

static enum gw_err create_course(const struct gw_lms_target *t, const struct gw_lms_env *env,
                                 const struct gw_lms_course *c, const char *idnumber,
                                 json_int_t *id, struct gw_lms_result *out, struct gw_error *err)
{
    const struct md *m = t->priv;
    struct gw_buf p = {0};
    json_t *res = NULL;
    char cat[32];
    char *full = gw_lms_expand(m->fullname, c, NULL, m->base_url, false);
    char *shrt = gw_lms_expand(m->shortname, c, NULL, m->base_url, false);
    snprintf(cat, sizeof cat, "%" JSON_INTEGER_FORMAT, m->category);
    param(&p, "courses[0][fullname]", full);
    param(&p, "courses[0][shortname]", shrt);
    param(&p, "courses[0][categoryid]", cat);
    param(&p, "courses[0][idnumber]", idnumber);
    param(&p, "courses[0][format]", "singleactivity");
    param(&p, "courses[0][courseformatoptions][0][name]", "activitytype");
    param(&p, "courses[0][courseformatoptions][0][value]", "scorm");
    param(&p, "courses[0][visible]", "0");
    /* Activity completion is stored only in courses that track completion. */
    param(&p, "courses[0][enablecompletion]", m->track_completion ? "1" : "0");
    enum gw_err rc = ws(t, env, "core_course_create_courses", gw_buf_str(&p), &res, out, err);
    if (rc == GW_E_LMS_REJECTED && err && strstr(err->detail, "courseidnumbertaken")) {
        /* An earlier attempt created it (its answer was lost): use that one. */
        gw_error_clear(err);
        out->out = (struct gw_out_status){GW_OUT_OK, 200, -1};
        rc = find_course(t, env, idnumber, id, out, err);
        if (rc == GW_OK && *id == 0) {
            out->out = (struct gw_out_status){GW_OUT_PERMANENT, 200, -1};
            rc = gw_error_set(err, GW_E_LMS_REJECTED, NULL,
                              "Moodle core_course_create_courses: courseidnumbertaken, but no "
                              "course with idnumber %s is visible to the token's user.",
                              idnumber);
        }
        goto done;
    }
    if (rc == GW_OK) {
        *id = json_integer_value(json_object_get(json_array_get(res, 0), "id"));
        if (*id <= 0) {
            out->out = (struct gw_out_status){GW_OUT_RETRY, 200, -1};
            rc = gw_error_set(err, GW_E_LMS_BAD_RESPONSE, NULL,
                              "Moodle core_course_create_courses answered without a course id.");
        }
    }
done:
    json_decref(res);
    gw_buf_free(&p);
    free(full);
    free(shrt);
    return rc;
}

/* upload.php: the zip into the token user's draft area; *item the itemid. */
static enum gw_err upload_draft(const struct gw_lms_target *t, const struct gw_lms_env *env,
                                const struct gw_lms_course *c, json_int_t *item,
                                struct gw_lms_result *out, struct gw_error *err)
{
    const struct md *m = t->priv;
    struct gw_http_response resp = {0};
    json_t *j = NULL;
    char url[2200], fname[300];
    snprintf(url, sizeof url, "%s/webservice/upload.php", m->base_url);
    snprintf(fname, sizeof fname, "lmsgw-%.200s-v%lld.zip", c->course_id, (long long)c->version);
    for (char *p = fname; *p; p++)
        if (*p == '/' || *p == '\\' || *p == '"' || (unsigned char)*p < 32)
            *p = '_';
    struct gw_http_part parts[] = {
        {.name = "token", .value = m->token},
        {.name = "filearea", .value = "draft"},
        {.name = "itemid", .value = "0"},
        {.name = "file_1",
         .file_path = c->zip_path,
         .filename = fname,
         .content_type = "application/zip"},
    };
    const char *headers[] = {"Accept: application/json", NULL};
    struct gw_http_request rq = {
        .method = "POST", .url = url, .headers = headers, .parts = parts, .nparts = 4};
    gw_lms_http_defaults(t, &rq, true);
    enum gw_err rc = gw_http_perform(&rq, env->now_ms, &resp, err);
    if (rc != GW_OK) {
        out->out = resp.out;
        goto done;
    }
    if (resp.status != 200) {
        rc = gw_lms_http_error(&resp, "upload.php", NULL, out, err);
        goto done;
    }
    j = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, NULL);
    if (json_is_object(j)) {
        rc = moodle_error("upload.php", j, false, out, err);
        if (rc != GW_OK)
            goto done;
    }
    *item = json_integer_value(json_object_get(json_array_get(j, 0), "itemid"));
    if (*item <= 0) {
        out->out = (struct gw_out_status){GW_OUT_RETRY, 200, -1};
        rc = gw_error_set(err, GW_E_LMS_BAD_RESPONSE, NULL,
                          "Moodle upload.php answered without a draft itemid.");
    }
done:
    scrub(m, err);
    json_decref(j);
    gw_http_response_free(&resp);
    return rc;
}

static enum gw_err set_visible(const struct gw_lms_target *t, const struct gw_lms_env *env,
                               json_int_t id, bool visible, struct gw_lms_result *out,
                               struct gw_error *err)
{
    struct gw_buf p = {0};
    json_t *res = NULL;
    char ids[32];
    snprintf(ids, sizeof ids, "%" JSON_INTEGER_FORMAT, id);
    param(&p, "courses[0][id]", ids);
    param(&p, "courses[0][visible]", visible ? "1" : "0");
    enum gw_err rc = ws(t, env, "core_course_update_courses", gw_buf_str(&p), &res, out, err);
    if (rc == GW_OK)
        rc = moodle_error("core_course_update_courses", res, true, out, err);
    json_decref(res);
    gw_buf_free(&p);
    return rc;
}

/* The plugin function's completion parameters (applied when it creates the
 * activity; an existing activity keeps its own). The status rule is
 * mod_scorm's own bitmask, so an empty rule is 0 (form encoding cannot send
 * an empty list). */
static void completion_params(const struct md *m, struct gw_buf *p)
{
    char num[32];
    param(p, "completiontracking", m->track_completion ? "automatic" : "none");
    if (!m->track_completion)
        return;
    snprintf(num, sizeof num, "%d", m->status_required);
    param(p, "completionstatusrequired", num);
    snprintf(num, sizeof num, "%lld", (long long)m->score_required);
    param(p, "completionscorerequired", num);
}

static char *idnumber_of(const char *course_id)
{
    char *s = gw_xmalloc(strlen(course_id) + 7);
    sprintf(s, "lmsgw:%s", course_id);
    return s;
}

static void fill_result(const struct md *m, json_int_t id, json_int_t cmid, json_int_t revision,
                        struct gw_lms_result *out)
{
    char buf[2300];
    snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, id);
    out->lms_course_id = gw_xstrdup(buf);
    snprintf(buf, sizeof buf, "%s/course/view.php?id=%" JSON_INTEGER_FORMAT, m->base_url, id);
    out->course_url = gw_xstrdup(buf);
    snprintf(buf, sizeof buf, "%s/mod/scorm/view.php?id=%" JSON_INTEGER_FORMAT, m->base_url, cmid);
    json_array_append_new(out->activity_ids, json_string(buf));
    json_array_append_new(out->activity_ids, json_string(out->course_url));
    out->lms_version = revision;
    json_t *r = json_pack("{s:I,s:I,s:I}", "course", id, "cmid", cmid, "done", revision);
    free(out->resume);
    out->resume = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(r);
    out->out = (struct gw_out_status){GW_OUT_OK, 200, -1};
}

static enum gw_err md_publish(const struct gw_lms_target *t, const struct gw_lms_course *c,
                              const struct gw_lms_env *env, struct gw_lms_result *out,
                              struct gw_error *err)
{
    const struct md *m = t->priv;
    char *idnumber = idnumber_of(c->course_id);
    char *name = gw_lms_expand(m->activity_name, c, NULL, m->base_url, false);
    json_t *resume = c->resume ? json_loads(c->resume, 0, NULL) : NULL, *res = NULL;
    json_int_t id = 0, item = 0;
    struct gw_buf p = {0};
    char num[32];
    enum gw_err rc = find_course(t, env, idnumber, &id, out, err);
    if (rc != GW_OK)
        goto done;
    if (id > 0 && json_is_integer(json_object_get(resume, "done")) &&
        json_integer_value(json_object_get(resume, "course")) == id) {
        /* This job already finished: report it again, change nothing. */
        fill_result(m, id, json_integer_value(json_object_get(resume, "cmid")),
                    json_integer_value(json_object_get(resume, "done")), out);
        out->already_done = true;
        goto done;
    }
    if (id == 0) {
        rc = create_course(t, env, c, idnumber, &id, out, err);
        if (rc != GW_OK)
            goto done;
    }
    rc = upload_draft(t, env, c, &item, out, err);
    if (rc != GW_OK)
        goto done;
    snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, id);
    param(&p, "courseid", num);
    snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, item);
    param(&p, "draftitemid", num);
    param(&p, "name", name);
    completion_params(m, &p);
    rc = ws(t, env, "local_lmsgw_create_or_update_scorm", gw_buf_str(&p), &res, out, err);
    if (rc == GW_OK)
        rc = moodle_error("local_lmsgw_create_or_update_scorm", res, true, out, err);
    if (rc == GW_E_LMS_REJECTED && err && strstr(err->detail, "invalidparameter")) {
        /* Moodle shows which parameter only with debugging on. */
        size_t n = strlen(err->detail);
        snprintf(err->detail + n, sizeof err->detail - n,
                 " (local_lmsgw before 0.2.0 refuses the completion parameters: upgrade it)");
    }
    if (rc != GW_OK)
        goto done;
    json_int_t cmid = json_integer_value(json_object_get(res, "cmid"));
    json_int_t rev = json_integer_value(json_object_get(res, "revision"));
    if (cmid <= 0) {
        out->out = (struct gw_out_status){GW_OUT_RETRY, 200, -1};
        rc = gw_error_set(err, GW_E_LMS_BAD_RESPONSE, NULL,
                          "Moodle local_lmsgw_create_or_update_scorm answered without a cmid.");
        goto done;
    }
    if (m->show) {
        rc = set_visible(t, env, id, true, out, err);
        if (rc != GW_OK)
            goto done;
    }
    fill_result(m, id, cmid, rev, out);
done:
    scrub(m, err);
    json_decref(res);
    json_decref(resume);
    gw_buf_free(&p);
    free(idnumber);
    free(name);
    return rc;
}

static enum gw_err md_retire(const struct gw_lms_target *t, const char *course_id,
                             const struct gw_lms_env *env, struct gw_lms_result *out,
                             struct gw_error *err)
{
    char *idnumber = idnumber_of(course_id);
    json_int_t id = 0;
    enum gw_err rc = find_course(t, env, idnumber, &id, out, err);
    if (rc == GW_OK && id > 0)
        rc = set_visible(t, env, id, false, out, err);
    if (rc == GW_OK) {
        char num[32];
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, id);
        out->lms_course_id = id > 0 ? gw_xstrdup(num) : NULL;
        out->already_done = id == 0;
        out->out = (struct gw_out_status){GW_OUT_OK, 200, -1};
    }
    free(idnumber);
    return rc;
}

const struct gw_lms_ops gw_lms_moodle_ops = {
    .type = "moodle",
    .configure = md_configure,
    .publish = md_publish,
    .retire = md_retire,
    .free_priv = md_free,
};
