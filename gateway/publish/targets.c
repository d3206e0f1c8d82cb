/* targets.c: the LMS targets file (config key lms_targets_file,
 * schemas/lms-targets.schema.json): which LMS targets exist, which one every
 * course publishes to, and the outbox's timing (poll, lease, back-off). Each
 * target is built by the connector layer (gw_lms_target_new), so a bad target
 * fails `lmsgw serve` at start. The credentials of the targets are collected
 * so the outbox can scrub them, in every form they can take, from any message
 * it keeps or logs (gw_publish_scrub, outbound/redact.c). */
#include "gw/publish.h"

#include "gw/buf.h"
#include "gw/hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const secret_keys[] = {"secret", "oauth_token", "token", "auth_header",
                                          "basic_password"};

void gw_publish_targets_free(struct gw_publish_targets *t)
{
    if (!t)
        return;
    free(t->default_name);
    gw_lms_target_free(t->default_target);
    for (size_t i = 0; i < t->n_secrets; i++)
        free(t->secrets[i]);
    free(t);
}

static enum gw_err opt_ms(const json_t *doc, const char *key, int64_t def, int64_t *out,
                          struct gw_error *err)
{
    const json_t *v = json_object_get(doc, key);
    *out = def;
    if (!v)
        return GW_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > 7LL * 86400000LL) {
        char where[64];
        snprintf(where, sizeof where, "/%s", key);
        return gw_error_set(err, GW_E_PUBLISH_TARGETS_INVALID, where,
                            "%s must be a number of milliseconds (0 to 7 days)", key);
    }
    *out = json_integer_value(v);
    return GW_OK;
}

static void add_secret(struct gw_publish_targets *t, char *s)
{
    if (s && s[0] && t->n_secrets < GW_PUBLISH_MAX_SECRETS)
        t->secrets[t->n_secrets++] = s;
    else
        free(s);
}

/* Every form a credential can take in an LMS's answer: as configured,
 * percent-encoded (a query value), base64 alone, and base64 of user:secret as
 * HTTP Basic sends it. */
static void collect_secrets(struct gw_publish_targets *t, const json_t *cfg)
{
    static const char *const basic_pairs[][2] = {{"app_id", "secret"},
                                                 {"basic_user", "basic_password"}};
    for (size_t i = 0; i < sizeof secret_keys / sizeof secret_keys[0]; i++) {
        const char *s = json_string_value(json_object_get(cfg, secret_keys[i]));
        if (!s || !s[0])
            continue;
        add_secret(t, gw_xstrdup(s));
        struct gw_buf enc = {0};
        gw_url_encode(&enc, s);
        add_secret(t, strcmp(gw_buf_str(&enc), s) != 0 ? gw_xstrdup(gw_buf_str(&enc)) : NULL);
        gw_buf_free(&enc);
        add_secret(t, gw_base64_encode(s, strlen(s)));
    }
    for (size_t i = 0; i < sizeof basic_pairs / sizeof basic_pairs[0]; i++)
        add_secret(
            t, gw_redact_basic_form(json_string_value(json_object_get(cfg, basic_pairs[i][0])),
                                    json_string_value(json_object_get(cfg, basic_pairs[i][1]))));
}

enum gw_err gw_publish_targets_parse(const json_t *doc, struct gw_publish_targets **out,
                                     struct gw_error *err)
{
    *out = NULL;
    struct gw_publish_targets *t = gw_xcalloc(1, sizeof *t);
    enum gw_err rc = GW_OK;
    static const char *const known[] = {"default",  "targets",         "poll_ms",
                                        "lease_ms", "backoff_base_ms", "backoff_cap_ms"};
    const char *key;
    const json_t *v;
    if (!json_is_object(doc)) {
        rc = gw_error_set(err, GW_E_PUBLISH_TARGETS_INVALID, "", "the file must hold an object");
        goto done;
    }
    json_object_foreach((json_t *)doc, key, v)
    {
        bool ok = false;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            ok = ok || strcmp(key, known[i]) == 0;
        if (!ok) {
            rc = gw_error_set(err, GW_E_PUBLISH_TARGETS_INVALID, "", "unknown key \"%.64s\"", key);
            goto done;
        }
    }
    const char *def = json_string_value(json_object_get(doc, "default"));
    const json_t *targets = json_object_get(doc, "targets");
    if (!def || !def[0]) {
        rc = gw_error_set(err, GW_E_PUBLISH_TARGETS_INVALID, "/default",
                          "\"default\" must name the target courses publish to");
        goto done;
    }
    if (!json_is_object(targets)) {
        rc = gw_error_set(err, GW_E_PUBLISH_TARGETS_INVALID, "/targets",
                          "\"targets\" must be an object of LMS targets by name");
        goto done;
    }
    json_object_foreach((json_t *)targets, key, v)
    {
        struct gw_lms_target *lt = NULL;
        struct gw_error te;
        gw_error_clear(&te);
        collect_secrets(t, v);
        if (gw_lms_target_new(v, &lt, &te) != GW_OK) {
            gw_publish_scrub(t, te.detail, sizeof te.detail);
            char where[256];
            snprintf(where, sizeof where, "/targets/%.64s%.160s", key, te.where);
            rc = gw_error_set(err, GW_E_PUBLISH_TARGETS_INVALID, where, "target %.64s: %.300s", key,
                              te.detail);
            goto done;
        }
        if (strcmp(key, def) == 0 && !t->default_target)
            t->default_target = lt;
        else
            gw_lms_target_free(lt);
    }
    if (!t->default_target) {
        rc = gw_error_set(err, GW_E_PUBLISH_TARGETS_INVALID, "/default",
                          "the default target \"%.64s\" is not among \"targets\"", def);
        goto done;
    }
    t->default_name = gw_xstrdup(def);
    rc = opt_ms(doc, "poll_ms", GW_PUBLISH_POLL_MS, &t->poll_ms, err);
    if (rc == GW_OK)
        rc = opt_ms(doc, "lease_ms", GW_PUBLISH_LEASE_MS, &t->lease_ms, err);
    if (rc == GW_OK)
        rc = opt_ms(doc, "backoff_base_ms", GW_PUBLISH_BACKOFF_BASE_MS, &t->backoff_base_ms, err);
    if (rc == GW_OK)
        rc = opt_ms(doc, "backoff_cap_ms", GW_PUBLISH_BACKOFF_CAP_MS, &t->backoff_cap_ms, err);
    if (rc == GW_OK && t->backoff_cap_ms < 1)
        t->backoff_cap_ms = 1;
    if (rc == GW_OK && t->poll_ms < 10)
        t->poll_ms = 10;
done:
    if (rc != GW_OK)
        gw_publish_targets_free(t);
    else
        *out = t;
    return rc;
}

enum gw_err gw_publish_targets_load(const char *path, struct gw_publish_targets **out,
                                    struct gw_error *err)
{
    *out = NULL;
    json_error_t je;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        return gw_error_set(err, GW_E_PUBLISH_TARGETS_INVALID, path,
                            "cannot read the LMS targets file: %.200s (line %d)", je.text, je.line);
    struct gw_error pe;
    gw_error_clear(&pe);
    enum gw_err rc = gw_publish_targets_parse(doc, out, &pe);
    json_decref(doc);
    if (rc != GW_OK) {
        char where[256];
        snprintf(where, sizeof where, "%.100s:%.150s", path, pe.where);
        gw_error_set(err, rc, where, "%s", pe.detail);
    }
    return rc;
}

void gw_publish_scrub(const struct gw_publish_targets *t, char *s, size_t cap)
{
    gw_redact_text(s, cap, t ? (const char *const *)t->secrets : NULL, t ? t->n_secrets : 0,
                   GW_PUBLISH_ERROR_TEXT_MAX);
}
