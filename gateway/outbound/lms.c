/* lms.c: the LMS connector interface. A target is one JSON object
 * (schemas/lms-target.schema.json) whose "type" chooses a const table of
 * operations (scormcloud, moodle, generic); the keys every type shares are
 * parsed here:
 *   "type"                     "scormcloud" | "moodle" | "generic" (required)
 *   "name"                     a label for logs (optional)
 *   "connect_timeout_ms"       default 10000
 *   "timeout_ms"               one API call, default 30000
 *   "upload_timeout_ms"        the package upload, default 600000
 *   "import_poll_interval_ms"  between import-job polls, default 2000
 *   "import_poll_max"          polls per attempt before LMS_IMPORT_PENDING, default 60
 * The type's own keys are documented in its file. This file also owns the
 * helpers the connectors share: request defaults, the mapping of an HTTP
 * outcome to our error codes, and URL templates. */
#include "gw/outbound.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct gw_lms_ops *const connectors[] = {&gw_lms_scormcloud_ops, &gw_lms_moodle_ops,
                                                      &gw_lms_generic_ops};

static const char *const common_keys[] = {"type",
                                          "name",
                                          "connect_timeout_ms",
                                          "timeout_ms",
                                          "upload_timeout_ms",
                                          "import_poll_interval_ms",
                                          "import_poll_max",
                                          NULL};

static bool is_common(const char *key)
{
    for (size_t i = 0; common_keys[i]; i++)
        if (strcmp(key, common_keys[i]) == 0)
            return true;
    return false;
}

static enum gw_err get_ms(const json_t *cfg, const char *key, long def, long max, long *out,
                          struct gw_error *err)
{
    json_t *v = json_object_get(cfg, key);
    char where[64];
    *out = def;
    if (!v)
        return GW_OK;
    snprintf(where, sizeof where, "/%s", key);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
        return gw_error_set(err, GW_E_LMS_TARGET_INVALID, where,
                            "%s must be an integer from 0 to %ld.", key, max);
    *out = (long)json_integer_value(v);
    return GW_OK;
}

enum gw_err gw_lms_target_new(const json_t *cfg, struct gw_lms_target **out, struct gw_error *err)
{
    enum gw_err rc = GW_OK;
    struct gw_lms_target *t = NULL;
    long polls = 0;
    *out = NULL;
    if (!json_is_object(cfg))
        return gw_error_set(err, GW_E_LMS_TARGET_INVALID, "", "An LMS target is a JSON object.");
    const char *type = json_string_value(json_object_get(cfg, "type"));
    const struct gw_lms_ops *ops = NULL;
    for (size_t i = 0; type && i < sizeof connectors / sizeof *connectors; i++)
        if (strcmp(type, connectors[i]->type) == 0)
            ops = connectors[i];
    if (!ops)
        return gw_error_set(err, GW_E_LMS_TARGET_INVALID, "/type",
                            "type must be \"scormcloud\", \"moodle\" or \"generic\".");
    t = gw_xcalloc(1, sizeof *t);
    t->ops = ops;
    const char *name = json_string_value(json_object_get(cfg, "name"));
    t->name = gw_xstrdup(name ? name : type);
    rc = get_ms(cfg, "connect_timeout_ms", 10000, 600000, &t->connect_timeout_ms, err);
    if (rc == GW_OK)
        rc = get_ms(cfg, "timeout_ms", 30000, 3600000, &t->timeout_ms, err);
    if (rc == GW_OK)
        rc = get_ms(cfg, "upload_timeout_ms", 600000, 24 * 3600000L, &t->upload_timeout_ms, err);
    if (rc == GW_OK)
        rc = get_ms(cfg, "import_poll_interval_ms", 2000, 600000, &t->poll_interval_ms, err);
    if (rc == GW_OK)
        rc = get_ms(cfg, "import_poll_max", 60, 100000, &polls, err);
    if (rc != GW_OK)
        goto done;
    t->poll_max = (int)polls;
    /* The type's parser sees only its own keys: hide the common ones. */
    json_t *own = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)cfg, k, v)
    {
        if (!is_common(k))
            json_object_set(own, k, v);
    }
    rc = ops->configure(t, own, err);
    json_decref(own);
done:
    if (rc != GW_OK) {
        gw_lms_target_free(t);
        t = NULL;
    }
    *out = t;
    return rc;
}

void gw_lms_target_free(struct gw_lms_target *t)
{
    if (!t)
        return;
    if (t->priv && t->ops->free_priv)
        t->ops->free_priv(t->priv);
    free(t->name);
    free(t);
}

void gw_lms_result_free(struct gw_lms_result *r)
{
    free(r->lms_course_id);
    free(r->course_url);
    free(r->resume);
    json_decref(r->activity_ids);
    json_decref(r->warnings);
    memset(r, 0, sizeof *r);
}

static void result_init(struct gw_lms_result *out)
{
    memset(out, 0, sizeof *out);
    out->lms_version = -1;
    out->out = (struct gw_out_status){GW_OUT_OK, 0, -1};
    out->activity_ids = json_array();
    out->warnings = json_array();
}

enum gw_err gw_lms_publish(const struct gw_lms_target *t, const struct gw_lms_course *c,
                           const struct gw_lms_env *env, struct gw_lms_result *out,
                           struct gw_error *err)
{
    static const struct gw_lms_env none = {0};
    result_init(out);
    if (!c->course_id || !*c->course_id || !c->zip_path)
        return gw_error_set(err, GW_E_INTERNAL, NULL, "publish needs a course id and a zip path.");
    enum gw_err rc = t->ops->publish(t, c, env ? env : &none, out, err);
    if (rc != GW_OK && out->out.cls == GW_OUT_OK)
        out->out.cls = GW_OUT_PERMANENT;
    return rc;
}

enum gw_err gw_lms_retire(const struct gw_lms_target *t, const char *course_id,
                          const struct gw_lms_env *env, struct gw_lms_result *out,
                          struct gw_error *err)
{
    static const struct gw_lms_env none = {0};
    result_init(out);
    if (!course_id || !*course_id)
        return gw_error_set(err, GW_E_INTERNAL, NULL, "retire needs a course id.");
    enum gw_err rc = t->ops->retire(t, course_id, env ? env : &none, out, err);
    if (rc != GW_OK && out->out.cls == GW_OUT_OK)
        out->out.cls = GW_OUT_PERMANENT;
    return rc;
}

/* ---- shared helpers ----------------------------------------------------- */

void gw_lms_http_defaults(const struct gw_lms_target *t, struct gw_http_request *rq, bool upload)
{
    rq->connect_timeout_ms = t->connect_timeout_ms;
    rq->timeout_ms = upload ? t->upload_timeout_ms : t->timeout_ms;
    rq->max_response = 4 * 1024 * 1024;
}

enum gw_err gw_lms_http_error(const struct gw_http_response *resp, const char *what,
                              const char *lms_message, struct gw_lms_result *out,
                              struct gw_error *err)
{
    out->out = resp->out;
    const char *msg = lms_message ? lms_message : "";
    /* 401 is credentials refused. A 403 with the LMS's own words is the LMS
     * refusing this request to a caller it knows (SCORM Cloud's "Course limit
     * reached", a plan's quota): telling an admin to fix the credentials
     * would send them the wrong way. */
    if (resp->out.cls == GW_OUT_AUTH && resp->status == 403 && *msg) {
        out->out.cls = GW_OUT_PERMANENT;
        return gw_error_set(err, GW_E_LMS_REJECTED, NULL, "%s: the LMS answered 403: %s", what,
                            msg);
    }
    switch (resp->out.cls) {
    case GW_OUT_AUTH:
        return gw_error_set(err, GW_E_LMS_AUTH_FAILED, NULL,
                            "%s: the LMS answered %ld (credentials refused)%s%s", what,
                            resp->status, *msg ? ": " : ".", msg);
    case GW_OUT_RETRY:
        if (resp->out.retry_after_ms >= 0)
            return gw_error_set(
                err, GW_E_LMS_BUSY, NULL, "%s: the LMS answered %ld, retry after %lld ms%s%s", what,
                resp->status, (long long)resp->out.retry_after_ms, *msg ? ": " : ".", msg);
        return gw_error_set(err, GW_E_LMS_BUSY, NULL, "%s: the LMS answered %ld%s%s", what,
                            resp->status, *msg ? ": " : ".", msg);
    default:
        out->out.cls = GW_OUT_PERMANENT;
        return gw_error_set(err, GW_E_LMS_REJECTED, NULL, "%s: the LMS answered %ld%s%s", what,
                            resp->status, *msg ? ": " : ".", msg);
    }
}

char *gw_lms_expand(const char *tmpl, const struct gw_lms_course *c, const char *lms_course_id,
                    const char *base_url, bool url_encode)
{
    struct gw_buf b = {0};
    char version[32];
    snprintf(version, sizeof version, "%lld", c ? (long long)c->version : 0LL);
    for (const char *p = tmpl; *p;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        const char *val = NULL;
        bool known = false;
        if (close) {
            size_t n = (size_t)(close - p - 1);
            known = true;
            if (n == 6 && strncmp(p + 1, "course", n) == 0)
                val = c ? c->course_id : NULL;
            else if (n == 7 && strncmp(p + 1, "version", n) == 0)
                val = version;
            else if (n == 5 && strncmp(p + 1, "title", n) == 0)
                val = c ? c->title : NULL;
            else if (n == 6 && strncmp(p + 1, "sha256", n) == 0)
                val = c ? c->sha256 : NULL;
            else if (n == 13 && strncmp(p + 1, "lms_course_id", n) == 0)
                val = lms_course_id;
            else if (n == 8 && strncmp(p + 1, "base_url", n) == 0)
                val = base_url;
            else
                known = false;
        }
        if (!known) {
            gw_buf_append(&b, p, 1);
            p++;
            continue;
        }
        if (url_encode && close && strncmp(p, "{base_url}", 10) != 0)
            gw_url_encode(&b, val ? val : "");
        else
            gw_buf_puts(&b, val ? val : "");
        p = close + 1;
    }
    char *s = gw_xstrdup(gw_buf_str(&b));
    gw_buf_free(&b);
    return s;
}
