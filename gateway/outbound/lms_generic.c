/* lms_generic.c: a connector for an LMS with a plain REST API, configured
 * entirely by URL templates and JSON Pointers, for LMSs without a connector
 * of their own. Templates take {base_url}, {course}, {version}, {title},
 * {sha256}, {lms_course_id} and (poll URL only) {job}; values are URL-encoded
 * in URLs.
 *
 * Target keys (besides the common ones in lms.c):
 *   "base_url"                 (required)
 *   "auth_header"              a whole header line, e.g. "Authorization: Bearer T" (secret)
 *   "basic_user", "basic_password"   HTTP Basic instead (the password is secret)
 *   "headers"                  more header lines (array of strings)
 *   "lms_course_id_template"   the LMS's course id we choose, default "lmsgw-{course}"
 *   "lookup"   {"method":"GET","url":T}   2xx: the course exists (its JSON is the
 *              course document), 404: it does not (required)
 *   "publish"  {"method":"POST","url":T,"body":"multipart"|"json",
 *               "file_field":"file","fields":{name:T},"json":{... string values are T}}
 *              (required; multipart streams the zip as file_field with the fields;
 *               json sends the json template, for LMSs that fetch the zip by URL)
 *   "job_id_pointer"           where the publish answer has an async job id (optional)
 *   "poll"     {"url":T,"status_pointer":P,"done":[..],"failed":[..],
 *               "message_pointer":P,"course_pointer":P}  (with job_id_pointer)
 *   "course_id_pointer", "activity_id_pointer", "version_pointer"  in the course
 *              document (lookup answer, poll's course_pointer, or publish answer)
 *   "course_url_template"      default "{base_url}/courses/{lms_course_id}"
 *   "retire"   {"method":"DELETE","url":T}  2xx or 404: done (optional; without
 *              it retire is a no-op success)
 *
 * Exactly once: like SCORM Cloud, look up before create (the course id is
 * ours, deterministic) and keep a resume text {"base":V,"job":J,"done":1}: a
 * retry after an ambiguous upload adopts a course that appeared (or, with a
 * version_pointer, a version above the base) instead of uploading again. */
#include "gw/outbound.h"

#include "gw/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gen {
    json_t *cfg; /* the type's keys, owned */
    char *base_url;
};

static void gen_free(void *p)
{
    struct gen *g = p;
    json_decref(g->cfg);
    free(g->base_url);
    free(g);
}

static const char *cstr(const json_t *o, const char *key, const char *def)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : def;
}

static enum gw_err bad(struct gw_error *err, const char *where, const char *what)
{
    return gw_error_set(err, GW_E_LMS_TARGET_INVALID, where, "%s", what);
}

static enum gw_err gen_configure(struct gw_lms_target *t, const json_t *cfg, struct gw_error *err)
{
    static const char *const keys[] = {"base_url",
                                       "auth_header",
                                       "basic_user",
                                       "basic_password",
                                       "headers",
                                       "lms_course_id_template",
                                       "lookup",
                                       "publish",
                                       "job_id_pointer",
                                       "poll",
                                       "course_id_pointer",
                                       "activity_id_pointer",
                                       "version_pointer",
                                       "course_url_template",
                                       "retire",
                                       NULL};
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)cfg, k, v)
    {
        bool known = false;
        for (size_t i = 0; keys[i]; i++)
            known = known || strcmp(keys[i], k) == 0;
        if (!known) {
            char where[300];
            gw_json_pointer_join(where, sizeof where, "", k);
            return gw_error_set(err, GW_E_LMS_TARGET_INVALID, where,
                                "A generic target has no key '%s'.", k);
        }
    }
    const char *base = cstr(cfg, "base_url", NULL);
    if (!base || !gw_is_absolute_iri(base))
        return bad(err, "/base_url", "base_url must be an absolute URL.");
    json_t *lookup = json_object_get(cfg, "lookup"), *publish = json_object_get(cfg, "publish");
    if (!json_is_object(lookup) || !cstr(lookup, "url", NULL))
        return bad(err, "/lookup", "lookup must be an object with a url template.");
    if (!json_is_object(publish) || !cstr(publish, "url", NULL))
        return bad(err, "/publish", "publish must be an object with a url template.");
    const char *body = cstr(publish, "body", "multipart");
    if (strcmp(body, "multipart") != 0 && strcmp(body, "json") != 0)
        return bad(err, "/publish/body", "publish.body must be \"multipart\" or \"json\".");
    if (json_object_get(cfg, "job_id_pointer") &&
        (!json_is_object(json_object_get(cfg, "poll")) ||
         !cstr(json_object_get(cfg, "poll"), "url", NULL) ||
         !cstr(json_object_get(cfg, "poll"), "status_pointer", NULL)))
        return bad(err, "/poll", "job_id_pointer needs poll with url and status_pointer.");
    json_t *h = json_object_get(cfg, "headers");
    if (h && !json_is_array(h))
        return bad(err, "/headers", "headers must be an array of header lines.");
    struct gen *g = gw_xcalloc(1, sizeof *g);
    g->cfg = json_deep_copy(cfg);
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    g->base_url = gw_xstrndup(base, bl);
    t->priv = g;
    return GW_OK;
}

/* ---- helpers ------------------------------------------------------------- */

/* Resolves an RFC 6901 JSON Pointer in doc (borrowed), or NULL. */
static json_t *pointer(json_t *doc, const char *ptr)
{
    if (!ptr)
        return NULL;
    if (!*ptr)
        return doc;
    if (*ptr != '/')
        return NULL;
    json_t *cur = doc;
    const char *p = ptr + 1;
    for (;;) {
        size_t len = strcspn(p, "/");
        char tok[256];
        size_t o = 0;
        for (size_t i = 0; i < len && o + 1 < sizeof tok; i++) {
            if (p[i] == '~' && i + 1 < len && (p[i + 1] == '0' || p[i + 1] == '1')) {
                tok[o++] = p[i + 1] == '0' ? '~' : '/';
                i++;
            } else {
                tok[o++] = p[i];
            }
        }
        tok[o] = '\0';
        if (json_is_object(cur)) {
            cur = json_object_get(cur, tok);
        } else if (json_is_array(cur)) {
            char *end = NULL;
            long idx = strtol(tok, &end, 10);
            cur = *tok && !*end && idx >= 0 ? json_array_get(cur, (size_t)idx) : NULL;
        } else {
            cur = NULL;
        }
        if (!cur || !p[len])
            return cur;
        p += len + 1;
    }
}

static char *lms_id(const struct gen *g, const struct gw_lms_course *c)
{
    return gw_lms_expand(cstr(g->cfg, "lms_course_id_template", "lmsgw-{course}"), c, NULL,
                         g->base_url, false);
}

/* Expands a URL template; {job} first (encoded), then the rest. */
static char *url_of(const struct gen *g, const char *tmpl, const struct gw_lms_course *c,
                    const char *lid, const char *job)
{
    struct gw_buf b = {0};
    for (const char *p = tmpl; *p;) {
        if (job && strncmp(p, "{job}", 5) == 0) {
            gw_url_encode(&b, job);
            p += 5;
        } else {
            gw_buf_append(&b, p, 1);
            p++;
        }
    }
    char *u = gw_lms_expand(gw_buf_str(&b), c, lid, g->base_url, true);
    gw_buf_free(&b);
    return u;
}

struct call {
    struct gw_http_response resp;
    json_t *json;
};

static void call_free(struct call *c)
{
    gw_http_response_free(&c->resp);
    json_decref(c->json);
    memset(c, 0, sizeof *c);
}

static void scrub(const struct gen *g, struct gw_error *err)
{
    if (!err)
        return;
    const char *auth = cstr(g->cfg, "auth_header", NULL);
    const char *colon = auth ? strchr(auth, ':') : NULL;
    if (colon) {
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        gw_redact_secret(err->detail, sizeof err->detail, v);
    }
    gw_redact_secret(err->detail, sizeof err->detail, cstr(g->cfg, "basic_password", NULL));
}

static enum gw_err request(const struct gw_lms_target *t, const struct gw_lms_env *env,
                           const char *method, const char *url, const struct gw_http_part *parts,
                           size_t nparts, const char *json_body, struct call *c,
                           struct gw_error *err)
{
    const struct gen *g = t->priv;
    const char *headers[40];
    size_t nh = 0;
    json_t *extra = json_object_get(g->cfg, "headers"), *h;
    size_t i;
    headers[nh++] = "Accept: application/json";
    if (cstr(g->cfg, "auth_header", NULL))
        headers[nh++] = cstr(g->cfg, "auth_header", NULL);
    if (json_body)
        headers[nh++] = "Content-Type: application/json";
    json_array_foreach(extra, i, h)
    {
        if (json_is_string(h) && nh + 1 < sizeof headers / sizeof *headers)
            headers[nh++] = json_string_value(h);
    }
    headers[nh] = NULL;
    struct gw_http_request rq = {.method = method,
                                 .url = url,
                                 .headers = headers,
                                 .parts = parts,
                                 .nparts = nparts,
                                 .body = json_body,
                                 .body_len = json_body ? strlen(json_body) : 0,
                                 .username = cstr(g->cfg, "basic_user", NULL),
                                 .password = cstr(g->cfg, "basic_password", NULL)};
    gw_lms_http_defaults(t, &rq, nparts > 0 || json_body);
    memset(c, 0, sizeof *c);
    enum gw_err rc = gw_http_perform(&rq, env->now_ms, &c->resp, err);
    if (rc == GW_OK && c->resp.body.len)
        c->json = json_loadb(c->resp.body.data, c->resp.body.len, JSON_DECODE_ANY, NULL);
    scrub(g, err);
    return rc;
}

static const char *lms_message(const struct call *c)
{
    const char *m = json_string_value(json_object_get(c->json, "message"));
    return m ? m : json_string_value(json_object_get(c->json, "error"));
}

static void fill(const struct gen *g, const struct gw_lms_course *c, const char *lid, json_t *doc,
                 struct gw_lms_result *out)
{
    const char *id = json_string_value(pointer(doc, cstr(g->cfg, "course_id_pointer", NULL)));
    json_t *aid = pointer(doc, cstr(g->cfg, "activity_id_pointer", NULL));
    json_t *ver = pointer(doc, cstr(g->cfg, "version_pointer", NULL));
    free(out->lms_course_id);
    out->lms_course_id = gw_xstrdup(id ? id : lid);
    free(out->course_url);
    out->course_url =
        gw_lms_expand(cstr(g->cfg, "course_url_template", "{base_url}/courses/{lms_course_id}"), c,
                      out->lms_course_id, g->base_url, true);
    json_array_clear(out->activity_ids);
    if (json_is_string(aid))
        json_array_append(out->activity_ids, aid);
    out->lms_version = json_is_integer(ver) ? json_integer_value(ver) : -1;
    json_t *r = json_pack("{s:i}", "done", 1);
    free(out->resume);
    out->resume = json_dumps(r, JSON_COMPACT);
    json_decref(r);
    out->out = (struct gw_out_status){GW_OUT_OK, 200, -1};
}

static bool in_list(const json_t *list, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (s && json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return true;
    }
    return false;
}

/* Polls the job; *doc receives the course document (new reference). */
static enum gw_err poll(const struct gw_lms_target *t, const struct gw_lms_env *env,
                        const struct gw_lms_course *c, const char *lid, const char *job,
                        json_t **doc, struct gw_lms_result *out, struct gw_error *err)
{
    const struct gen *g = t->priv;
    json_t *p = json_object_get(g->cfg, "poll");
    char *url = url_of(g, cstr(p, "url", ""), c, lid, job);
    enum gw_err rc = GW_OK;
    *doc = NULL;
    for (int i = 0; i < (t->poll_max > 0 ? t->poll_max : 1); i++) {
        struct call call;
        if (i > 0 && env->sleep_ms)
            env->sleep_ms(env->ctx, t->poll_interval_ms);
        rc = request(t, env, "GET", url, NULL, 0, NULL, &call, err);
        if (rc == GW_OK && call.resp.out.cls != GW_OUT_OK)
            rc = gw_lms_http_error(&call.resp, "poll", lms_message(&call), out, err);
        else if (rc != GW_OK)
            out->out = call.resp.out;
        if (rc != GW_OK) {
            call_free(&call);
            goto done;
        }
        const char *st = json_string_value(pointer(call.json, cstr(p, "status_pointer", "")));
        if (in_list(json_object_get(p, "done"), st)) {
            json_t *d = pointer(call.json, cstr(p, "course_pointer", ""));
            *doc = json_incref(d ? d : call.json);
            call_free(&call);
            goto done;
        }
        if (in_list(json_object_get(p, "failed"), st)) {
            const char *msg =
                json_string_value(pointer(call.json, cstr(p, "message_pointer", "/message")));
            out->out = (struct gw_out_status){GW_OUT_PERMANENT, 200, -1};
            rc = gw_error_set(err, GW_E_LMS_IMPORT_FAILED, NULL,
                              "The LMS could not import the package (%s): %s", st,
                              msg ? msg : "(no message)");
            call_free(&call);
            goto done;
        }
        call_free(&call);
    }
    out->out = (struct gw_out_status){GW_OUT_RETRY, 200, t->poll_interval_ms};
    rc = gw_error_set(err, GW_E_LMS_IMPORT_PENDING, NULL,
                      "The LMS is still importing (job %s) after %d polls.", job, t->poll_max);
done:
    free(url);
    return rc;
}

static void set_resume(struct gw_lms_result *out, json_int_t base, const char *job)
{
    json_t *r = json_pack("{s:I}", "base", base);
    if (job)
        json_object_set_new(r, "job", json_string(job));
    free(out->resume);
    out->resume = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(r);
}

/* Sends the publish request; *job receives the job id (heap) or NULL, *doc
 * the answer (new reference). */
static enum gw_err send_publish(const struct gw_lms_target *t, const struct gw_lms_env *env,
                                const struct gw_lms_course *c, const char *lid, char **job,
                                json_t **doc, struct gw_lms_result *out, struct gw_error *err)
{
    const struct gen *g = t->priv;
    json_t *p = json_object_get(g->cfg, "publish"), *fields = json_object_get(p, "fields");
    char *url = url_of(g, cstr(p, "url", ""), c, lid, NULL);
    struct gw_http_part parts[33];
    char *vals[32] = {0};
    size_t n = 0;
    char *jbody = NULL;
    struct call call = {0};
    const char *k;
    json_t *v;
    *job = NULL;
    *doc = NULL;
    if (strcmp(cstr(p, "body", "multipart"), "json") == 0) {
        json_t *tmpl = json_deep_copy(json_object_get(p, "json"));
        json_object_foreach(tmpl, k, v)
        {
            if (json_is_string(v)) {
                char *s = gw_lms_expand(json_string_value(v), c, lid, g->base_url, false);
                json_object_set_new(tmpl, k, json_string(s));
                free(s);
            }
        }
        jbody = json_dumps(tmpl ? tmpl : json_object(), JSON_COMPACT);
        json_decref(tmpl);
    } else {
        json_object_foreach(fields, k, v)
        {
            if (n >= 32 || !json_is_string(v))
                continue;
            vals[n] = gw_lms_expand(json_string_value(v), c, lid, g->base_url, false);
            parts[n] = (struct gw_http_part){.name = k, .value = vals[n]};
            n++;
        }
        parts[n++] = (struct gw_http_part){.name = cstr(p, "file_field", "file"),
                                           .file_path = c->zip_path,
                                           .content_type = "application/zip"};
    }
    enum gw_err rc = request(t, env, cstr(p, "method", "POST"), url, jbody ? NULL : parts,
                             jbody ? 0 : n, jbody, &call, err);
    if (rc != GW_OK) {
        out->out = call.resp.out;
        goto done;
    }
    if (call.resp.out.cls != GW_OUT_OK) {
        rc = gw_lms_http_error(&call.resp, "publish", lms_message(&call), out, err);
        goto done;
    }
    const char *jid = json_string_value(pointer(call.json, cstr(g->cfg, "job_id_pointer", NULL)));
    *job = jid ? gw_xstrdup(jid) : NULL;
    *doc = json_incref(call.json);
done:
    for (size_t i = 0; i < 32; i++)
        free(vals[i]);
    free(jbody);
    free(url);
    call_free(&call);
    return rc;
}

static enum gw_err gen_publish(const struct gw_lms_target *t, const struct gw_lms_course *c,
                               const struct gw_lms_env *env, struct gw_lms_result *out,
                               struct gw_error *err)
{
    const struct gen *g = t->priv;
    char *lid = lms_id(g, c), *url = NULL, *job = NULL;
    json_t *resume = c->resume ? json_loads(c->resume, 0, NULL) : NULL, *doc = NULL;
    const char *rjob = json_string_value(json_object_get(resume, "job"));
    json_t *rbase = json_object_get(resume, "base");
    struct call look = {0};
    enum gw_err rc = GW_OK;
    if (c->resume)
        out->resume = gw_xstrdup(c->resume);
    if (rjob) {
        rc = poll(t, env, c, lid, rjob, &doc, out, err);
        if (rc == GW_OK)
            fill(g, c, lid, doc, out);
        goto done;
    }
    url = url_of(g, cstr(json_object_get(g->cfg, "lookup"), "url", ""), c, lid, NULL);
    rc = request(t, env, cstr(json_object_get(g->cfg, "lookup"), "method", "GET"), url, NULL, 0,
                 NULL, &look, err);
    if (rc != GW_OK) {
        out->out = look.resp.out;
        goto done;
    }
    bool exists = look.resp.out.cls == GW_OUT_OK;
    if (!exists && look.resp.status != 404) {
        rc = gw_lms_http_error(&look.resp, "lookup", lms_message(&look), out, err);
        goto done;
    }
    json_t *ver = pointer(look.json, cstr(g->cfg, "version_pointer", NULL));
    json_int_t latest = !exists ? -1 : json_is_integer(ver) ? json_integer_value(ver) : -2;
    bool adopt = exists && json_is_integer(json_object_get(resume, "done"));
    if (exists && json_is_integer(rbase))
        adopt =
            json_integer_value(rbase) == -1 || (latest >= 0 && latest > json_integer_value(rbase));
    if (adopt) {
        fill(g, c, lid, look.json, out);
        out->already_done = json_is_integer(json_object_get(resume, "done"));
        goto done;
    }
    set_resume(out, latest, NULL);
    if (env->checkpoint)
        env->checkpoint(env->ctx, out->resume);
    rc = send_publish(t, env, c, lid, &job, &doc, out, err);
    if (rc != GW_OK)
        goto done;
    if (job && json_object_get(g->cfg, "job_id_pointer")) {
        set_resume(out, latest, job);
        json_decref(doc);
        doc = NULL;
        rc = poll(t, env, c, lid, job, &doc, out, err);
        if (rc != GW_OK)
            goto done;
    }
    fill(g, c, lid, doc, out);
done:
    if (rc != GW_OK)
        scrub(g, err);
    call_free(&look);
    json_decref(doc);
    json_decref(resume);
    free(job);
    free(url);
    free(lid);
    return rc;
}

static enum gw_err gen_retire(const struct gw_lms_target *t, const char *course_id,
                              const struct gw_lms_env *env, struct gw_lms_result *out,
                              struct gw_error *err)
{
    const struct gen *g = t->priv;
    struct gw_lms_course c = {.course_id = course_id};
    char *lid = lms_id(g, &c);
    json_t *r = json_object_get(g->cfg, "retire");
    struct call call = {0};
    enum gw_err rc = GW_OK;
    out->lms_course_id = gw_xstrdup(lid);
    if (!json_is_object(r)) {
        out->already_done = true;
        goto done;
    }
    char *url = url_of(g, cstr(r, "url", ""), &c, lid, NULL);
    rc = request(t, env, cstr(r, "method", "DELETE"), url, NULL, 0, NULL, &call, err);
    free(url);
    if (rc != GW_OK) {
        out->out = call.resp.out;
        goto done;
    }
    if (call.resp.status == 404 || call.resp.out.cls == GW_OUT_OK) {
        out->already_done = call.resp.status == 404;
        out->out = (struct gw_out_status){GW_OUT_OK, call.resp.status, -1};
        goto done;
    }
    rc = gw_lms_http_error(&call.resp, "retire", lms_message(&call), out, err);
done:
    if (rc != GW_OK)
        scrub(g, err);
    call_free(&call);
    free(lid);
    return rc;
}

const struct gw_lms_ops gw_lms_generic_ops = {
    .type = "generic",
    .configure = gen_configure,
    .publish = gen_publish,
    .retire = gen_retire,
    .free_priv = gen_free,
};
