/* lms_scormcloud.c: the connector for Rustici SCORM Cloud API v2 and Rustici
 * Engine (same API, tenant header).
 *
 * Target keys (besides the common ones in lms.c):
 *   "base_url"       the API base, e.g. "https://cloud.scorm.com/api/v2" (required)
 *   "app_id", "secret"   HTTP Basic credentials (APP_NORMAL), or
 *   "oauth_token"    a bearer token (one of the two is required)
 *   "engine_tenant"  Rustici Engine's EngineTenantName header (optional)
 *   "course_id_prefix"   default "lmsgw-"
 *   "course_url_template" the page for people, default
 *                    "{base_url}/courses/{lms_course_id}"
 *
 * Natural key: the SCORM Cloud course id is chosen by us, deterministically:
 * prefix + our course id (bytes outside [A-Za-z0-9._-] written as "~XX"), so
 * one of our courses can never become two SCORM Cloud courses. Our versions
 * become SCORM Cloud versions of that course (mayCreateNewVersion=true; the
 * first upload says false, so a repeated first upload fails instead of
 * duplicating).
 *
 * Exactly once for versions: SCORM Cloud keeps no field we can set at upload
 * time that would say which of our versions a course version is (tags and
 * title can only be set afterwards, which leaves the same window). So the
 * connector records, before it uploads, the latest SCORM Cloud version it saw
 * ("base") in the resume text {"base":B,"job":"<importJobId>","done":V}, which
 * the outbox keeps with the job (and may persist at the checkpoint callback):
 *   - with a job id: poll that job (COMPLETE: done; ERROR: failed);
 *   - with a base: GET the course; a version newer than B is our upload that
 *     landed (the outbox runs one publish per course at a time), so it is
 *     adopted instead of uploading again;
 *   - with "done": the version exists already: nothing to do.
 * Results: the course id, the course URL, SCORM Cloud's xapiActivityId (the
 * activity id the LMS will use in statements for the course), its version and
 * the import's parserWarnings. */
#include "gw/outbound.h"

#include "gw/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sc {
    char *base_url, *app_id, *secret, *oauth_header, *tenant_header, *prefix, *course_url;
};

static void sc_free(void *p)
{
    struct sc *s = p;
    free(s->base_url);
    free(s->app_id);
    free(s->secret);
    free(s->oauth_header);
    free(s->tenant_header);
    free(s->prefix);
    free(s->course_url);
    free(s);
}

static enum gw_err sc_configure(struct gw_lms_target *t, const json_t *cfg, struct gw_error *err)
{
    const char *base = NULL, *app = NULL, *secret = NULL, *oauth = NULL, *tenant = NULL,
               *prefix = "lmsgw-", *url = "{base_url}/courses/{lms_course_id}";
    struct gw_jfield fields[] = {
        {"base_url", GW_J_STRING, true, &base, GW_JF_IRI, NULL, 0, 0, 2000},
        {"app_id", GW_J_STRING, false, &app, GW_JF_NONEMPTY, NULL, 0, 0, 255},
        {"secret", GW_J_STRING, false, &secret, GW_JF_NONEMPTY, NULL, 0, 0, 1024},
        {"oauth_token", GW_J_STRING, false, &oauth, GW_JF_NONEMPTY, NULL, 0, 0, 4096},
        {"engine_tenant", GW_J_STRING, false, &tenant, GW_JF_NONEMPTY, NULL, 0, 0, 255},
        {"course_id_prefix", GW_J_STRING, false, &prefix, GW_JF_NONE, NULL, 0, 0, 64},
        {"course_url_template", GW_J_STRING, false, &url, GW_JF_NONEMPTY, NULL, 0, 0, 2000},
        GW_JFIELD_END,
    };
    enum gw_err rc = gw_json_parse_fields((json_t *)cfg, "", fields, true, err);
    if (rc != GW_OK) {
        if (err)
            err->code = GW_E_LMS_TARGET_INVALID;
        return GW_E_LMS_TARGET_INVALID;
    }
    if (!oauth && (!app || !secret))
        return gw_error_set(err, GW_E_LMS_TARGET_INVALID, "/app_id",
                            "A scormcloud target needs app_id and secret, or oauth_token.");
    struct sc *s = gw_xcalloc(1, sizeof *s);
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    s->base_url = gw_xstrndup(base, bl);
    s->app_id = app ? gw_xstrdup(app) : NULL;
    s->secret = secret ? gw_xstrdup(secret) : NULL;
    if (oauth) {
        s->oauth_header = gw_xmalloc(strlen(oauth) + 32);
        sprintf(s->oauth_header, "Authorization: Bearer %s", oauth);
    }
    if (tenant) {
        s->tenant_header = gw_xmalloc(strlen(tenant) + 32);
        sprintf(s->tenant_header, "EngineTenantName: %s", tenant);
    }
    s->prefix = gw_xstrdup(prefix);
    s->course_url = gw_xstrdup(url);
    t->priv = s;
    return GW_OK;
}

/* ---- requests ------------------------------------------------------------ */

struct call {
    struct gw_http_response resp;
    json_t *json; /* the parsed body, or NULL */
};

static void call_free(struct call *c)
{
    gw_http_response_free(&c->resp);
    json_decref(c->json);
    memset(c, 0, sizeof *c);
}

/* The LMS's own message from an error body (MessageSchema or the 401 shape). */
static const char *lms_message(const struct call *c)
{
    const char *m = json_string_value(json_object_get(c->json, "message"));
    return m ? m : json_string_value(json_object_get(c->json, "error"));
}

static void scrub(const struct sc *s, struct gw_error *err)
{
    if (!err)
        return;
    gw_redact_secret(err->detail, sizeof err->detail, s->secret);
    if (s->oauth_header)
        gw_redact_secret(err->detail, sizeof err->detail, s->oauth_header + 22);
}

/* One API call: path under base_url (already encoded), optional multipart
 * file. Returns GW_OK when an HTTP answer arrived (any status). */
static enum gw_err api(const struct gw_lms_target *t, const struct gw_lms_env *env,
                       const char *method, const char *path, const char *zip_path, struct call *c,
                       struct gw_error *err)
{
    const struct sc *s = t->priv;
    const char *headers[4] = {"Accept: application/json", NULL, NULL, NULL};
    size_t nh = 1;
    char url[4096];
    struct gw_http_part part = {
        .name = "file", .file_path = zip_path, .content_type = "application/zip"};
    struct gw_http_request rq = {.method = method, .url = url, .headers = headers};
    if (s->oauth_header)
        headers[nh++] = s->oauth_header;
    if (s->tenant_header)
        headers[nh++] = s->tenant_header;
    if (!s->oauth_header) {
        rq.username = s->app_id;
        rq.password = s->secret;
    }
    if (zip_path) {
        rq.parts = &part;
        rq.nparts = 1;
    }
    snprintf(url, sizeof url, "%s%s", s->base_url, path);
    gw_lms_http_defaults(t, &rq, zip_path != NULL);
    memset(c, 0, sizeof *c);
    enum gw_err rc = gw_http_perform(&rq, env->now_ms, &c->resp, err);
    if (rc == GW_OK && c->resp.body.len)
        c->json = json_loadb(c->resp.body.data, c->resp.body.len, 0, NULL);
    scrub(s, err);
    return rc;
}

static char *sc_course_id(const struct sc *s, const char *ours)
{
    struct gw_buf b = {0};
    gw_buf_puts(&b, s->prefix);
    for (const unsigned char *p = (const unsigned char *)ours; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_')
            gw_buf_append(&b, p, 1);
        else
            gw_buf_printf(&b, "~%02X", *p);
    }
    char *id = gw_xstrdup(gw_buf_str(&b));
    gw_buf_free(&b);
    return id;
}

static void set_resume(struct gw_lms_result *out, json_t *resume)
{
    free(out->resume);
    out->resume = json_dumps(resume, JSON_COMPACT | JSON_SORT_KEYS);
}

/* Fills out from a CourseSchema. */
static void take_course(const struct sc *s, const char *cid, const json_t *course,
                        const json_t *warnings, struct gw_lms_result *out)
{
    free(out->lms_course_id);
    out->lms_course_id = gw_xstrdup(cid);
    free(out->course_url);
    out->course_url = gw_lms_expand(s->course_url, NULL, cid, s->base_url, true);
    const char *xid = json_string_value(json_object_get(course, "xapiActivityId"));
    json_array_clear(out->activity_ids);
    if (xid)
        json_array_append_new(out->activity_ids, json_string(xid));
    out->lms_version = json_integer_value(json_object_get(course, "version"));
    if (json_is_array(warnings))
        json_array_extend(out->warnings, (json_t *)warnings);
    json_t *resume = json_pack("{s:I}", "done", (json_int_t)out->lms_version);
    set_resume(out, resume);
    json_decref(resume);
    out->out = (struct gw_out_status){GW_OUT_OK, 200, -1};
}

/* GET /courses/{cid}/versions: the lowest version above base into *found
 * (borrowed from c->json), or NULL. */
static enum gw_err find_version_above(const struct gw_lms_target *t, const struct gw_lms_env *env,
                                      const char *path_cid, json_int_t base, struct call *c,
                                      json_t **found, struct gw_lms_result *out,
                                      struct gw_error *err)
{
    char path[2048];
    *found = NULL;
    snprintf(path, sizeof path, "/courses/%s/versions", path_cid);
    enum gw_err rc = api(t, env, "GET", path, NULL, c, err);
    if (rc != GW_OK) {
        out->out = c->resp.out;
        return rc;
    }
    if (c->resp.status == 404)
        return GW_OK;
    if (c->resp.status != 200)
        return gw_lms_http_error(&c->resp, "GET versions", lms_message(c), out, err);
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(c->json, "courses"), i, v)
    {
        json_int_t n = json_integer_value(json_object_get(v, "version"));
        if (n > base && (!*found || n < json_integer_value(json_object_get(*found, "version"))))
            *found = v;
    }
    return GW_OK;
}

/* Polls job until it is no longer RUNNING, at most t->poll_max times. */
static enum gw_err poll_job(const struct gw_lms_target *t, const struct gw_lms_env *env,
                            const char *cid, const char *job, struct gw_lms_result *out,
                            struct gw_error *err)
{
    const struct sc *s = t->priv;
    char path[1024];
    enum gw_err rc = GW_OK;
    struct gw_buf enc = {0};
    gw_url_encode(&enc, job);
    snprintf(path, sizeof path, "/courses/importJobs/%s", gw_buf_str(&enc));
    gw_buf_free(&enc);
    for (int i = 0; i < (t->poll_max > 0 ? t->poll_max : 1); i++) {
        struct call c;
        if (i > 0 && env->sleep_ms)
            env->sleep_ms(env->ctx, t->poll_interval_ms);
        rc = api(t, env, "GET", path, NULL, &c, err);
        if (rc != GW_OK) {
            out->out = c.resp.out;
            call_free(&c);
            return rc;
        }
        if (c.resp.status == 404) {
            call_free(&c);
            return GW_E_NOT_FOUND; /* the job expired: the caller checks the course */
        }
        if (c.resp.status != 200) {
            rc = gw_lms_http_error(&c.resp, "GET import job", lms_message(&c), out, err);
            call_free(&c);
            return rc;
        }
        const char *st = json_string_value(json_object_get(c.json, "status"));
        json_t *ir = json_object_get(c.json, "importResult");
        if (st && strcmp(st, "COMPLETE") == 0) {
            take_course(s, cid, json_object_get(ir, "course"),
                        json_object_get(ir, "parserWarnings"), out);
            call_free(&c);
            return GW_OK;
        }
        if (st && strcmp(st, "ERROR") == 0) {
            const char *msg = json_string_value(json_object_get(c.json, "message"));
            json_t *w = json_object_get(ir, "parserWarnings");
            char *wtext =
                json_is_array(w) && json_array_size(w) ? json_dumps(w, JSON_COMPACT) : NULL;
            if (json_is_array(w))
                json_array_extend(out->warnings, w);
            out->out = (struct gw_out_status){GW_OUT_PERMANENT, 200, -1};
            rc = gw_error_set(err, GW_E_LMS_IMPORT_FAILED, NULL,
                              "SCORM Cloud could not import the package: %s%s%s",
                              msg ? msg : "(no message)", wtext ? "; parser warnings: " : "",
                              wtext ? wtext : "");
            free(wtext);
            call_free(&c);
            return rc;
        }
        if (!st || strcmp(st, "RUNNING") != 0) {
            out->out = (struct gw_out_status){GW_OUT_RETRY, 200, -1};
            rc = gw_error_set(err, GW_E_LMS_BAD_RESPONSE, NULL,
                              "The import job answer has no known status.");
            call_free(&c);
            return rc;
        }
        call_free(&c);
    }
    out->out = (struct gw_out_status){GW_OUT_RETRY, 200, t->poll_interval_ms};
    return gw_error_set(err, GW_E_LMS_IMPORT_PENDING, NULL,
                        "SCORM Cloud is still importing (job %s) after %d polls.", job,
                        t->poll_max);
}

static enum gw_err upload(const struct gw_lms_target *t, const struct gw_lms_course *c,
                          const struct gw_lms_env *env, const char *cid, const char *path_cid,
                          json_int_t base, struct gw_lms_result *out, struct gw_error *err)
{
    char path[2048];
    struct call call;
    json_t *resume = json_pack("{s:I}", "base", base);
    set_resume(out, resume);
    if (env->checkpoint)
        env->checkpoint(env->ctx, out->resume);
    snprintf(path, sizeof path, "/courses/importJobs/upload?courseId=%s&mayCreateNewVersion=%s",
             path_cid, base >= 0 ? "true" : "false");
    enum gw_err rc = api(t, env, "POST", path, c->zip_path, &call, err);
    if (rc != GW_OK) {
        out->out = call.resp.out; /* ambiguous: the retry checks the course first */
        goto done;
    }
    if (call.resp.status == 409) {
        /* The course appeared since we looked: an earlier upload landed. */
        out->out = (struct gw_out_status){GW_OUT_RETRY, 409, 0};
        rc = gw_error_set(err, GW_E_LMS_BUSY, NULL,
                          "SCORM Cloud says course %s already exists; the retry adopts it.", cid);
        goto done;
    }
    if (call.resp.status != 200) {
        rc = gw_lms_http_error(&call.resp, "POST importJobs/upload", lms_message(&call), out, err);
        goto done;
    }
    const char *job = json_string_value(json_object_get(call.json, "result"));
    if (!job) {
        out->out = (struct gw_out_status){GW_OUT_RETRY, 200, -1};
        rc = gw_error_set(err, GW_E_LMS_BAD_RESPONSE, NULL,
                          "The upload answer has no import job id.");
        goto done;
    }
    json_object_set_new(resume, "job", json_string(job));
    set_resume(out, resume);
    rc = poll_job(t, env, cid, job, out, err);
    if (rc == GW_E_NOT_FOUND) {
        out->out = (struct gw_out_status){GW_OUT_RETRY, 404, 0};
        rc = gw_error_set(err, GW_E_LMS_BAD_RESPONSE, NULL,
                          "SCORM Cloud does not know the import job it just created.");
    }
done:
    json_decref(resume);
    call_free(&call);
    return rc;
}

static enum gw_err sc_publish(const struct gw_lms_target *t, const struct gw_lms_course *c,
                              const struct gw_lms_env *env, struct gw_lms_result *out,
                              struct gw_error *err)
{
    const struct sc *s = t->priv;
    char *cid = sc_course_id(s, c->course_id);
    struct gw_buf enc = {0};
    struct call call = {0}, vers = {0};
    enum gw_err rc = GW_OK;
    json_t *resume = c->resume ? json_loads(c->resume, 0, NULL) : NULL;
    json_t *base_j = json_object_get(resume, "base"), *done_j = json_object_get(resume, "done");
    const char *job = json_string_value(json_object_get(resume, "job"));
    char path[2048];
    gw_url_encode(&enc, cid);
    const char *pcid = gw_buf_str(&enc);
    if (c->resume)
        out->resume = gw_xstrdup(c->resume); /* kept unless this attempt learns more */
    if (job) {
        rc = poll_job(t, env, cid, job, out, err);
        if (rc != GW_E_NOT_FOUND)
            goto done;
        gw_error_clear(err); /* job expired: fall back to the course */
    }
    snprintf(path, sizeof path, "/courses/%s", pcid);
    rc = api(t, env, "GET", path, NULL, &call, err);
    if (rc != GW_OK) {
        out->out = call.resp.out;
        goto done;
    }
    json_int_t latest = -1;
    if (call.resp.status == 200)
        latest = json_integer_value(json_object_get(call.json, "version"));
    else if (call.resp.status != 404) {
        rc = gw_lms_http_error(&call.resp, "GET course", lms_message(&call), out, err);
        goto done;
    }
    json_int_t after = -2; /* the version above which our upload would be */
    if (json_is_integer(done_j) && latest >= json_integer_value(done_j))
        after = json_integer_value(done_j) - 1;
    else if (json_is_integer(base_j) && latest > json_integer_value(base_j))
        after = json_integer_value(base_j);
    if (after > -2) {
        json_t *found = NULL;
        rc = find_version_above(t, env, pcid, after, &vers, &found, out, err);
        if (rc != GW_OK)
            goto done;
        if (found) {
            take_course(s, cid, found, NULL, out);
            out->already_done = json_is_integer(done_j);
            goto done;
        }
    }
    rc = upload(t, c, env, cid, pcid, latest, out, err);
done:
    if (rc != GW_OK)
        scrub(s, err);
    json_decref(resume);
    call_free(&call);
    call_free(&vers);
    gw_buf_free(&enc);
    free(cid);
    return rc;
}

static enum gw_err sc_retire(const struct gw_lms_target *t, const char *course_id,
                             const struct gw_lms_env *env, struct gw_lms_result *out,
                             struct gw_error *err)
{
    const struct sc *s = t->priv;
    char *cid = sc_course_id(s, course_id);
    struct gw_buf enc = {0};
    struct call call = {0};
    char path[2048];
    gw_url_encode(&enc, cid);
    snprintf(path, sizeof path, "/courses/%s", gw_buf_str(&enc));
    enum gw_err rc = api(t, env, "DELETE", path, NULL, &call, err);
    if (rc != GW_OK) {
        out->out = call.resp.out;
        goto done;
    }
    if (call.resp.status == 404 || (call.resp.status >= 200 && call.resp.status < 300)) {
        out->lms_course_id = gw_xstrdup(cid);
        out->already_done = call.resp.status == 404;
        out->out = (struct gw_out_status){GW_OUT_OK, call.resp.status, -1};
        goto done;
    }
    rc = gw_lms_http_error(&call.resp, "DELETE course", lms_message(&call), out, err);
done:
    if (rc != GW_OK)
        scrub(s, err);
    call_free(&call);
    gw_buf_free(&enc);
    free(cid);
    return rc;
}

const struct gw_lms_ops gw_lms_scormcloud_ops = {
    .type = "scormcloud",
    .configure = sc_configure,
    .publish = sc_publish,
    .retire = sc_retire,
    .free_priv = sc_free,
};
