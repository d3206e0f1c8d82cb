/* webhook.c: sends a chat notice to a Slack or Microsoft Teams incoming
 * webhook: one JSON POST, any 2xx is success, everything else classified for
 * the caller's retry (429 and 5xx retryable with Retry-After). The payloads
 * are built by review/notice.c (gw_review_notice_slack/teams); this file only
 * sends, after escaping the Markdown Teams would read in the card's texts. A
 * webhook URL is a credential: it never appears in an error detail. Which
 * URLs may be webhooks (scheme, destination address) is checked here too:
 * when a department saves one (gw_webhook_url_check) and, for the addresses
 * a host name resolves to, when sending (the request's netpolicy). */
#include "gw/outbound.h"

#include "gw/json.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum gw_err gw_webhook_config_parse(const json_t *cfg, struct gw_webhook_config *out,
                                    struct gw_error *err)
{
    static const char *const kinds[] = {"slack", "teams", NULL};
    const char *kind = NULL, *url = NULL;
    int64_t cto = 10000, to = 15000;
    struct gw_jfield fields[] = {
        {"kind", GW_J_STRING, true, &kind, GW_JF_NONE, kinds, 0, 0, 0},
        {"url", GW_J_STRING, true, &url, GW_JF_IRI, NULL, 0, 0, 2000},
        {"connect_timeout_ms", GW_J_INT, false, &cto, GW_JF_NONE, NULL, 1, 600000, 0},
        {"timeout_ms", GW_J_INT, false, &to, GW_JF_NONE, NULL, 1, 600000, 0},
        GW_JFIELD_END,
    };
    memset(out, 0, sizeof *out);
    if (!json_is_object(cfg))
        return gw_error_set(err, GW_E_WEBHOOK_CONFIG_INVALID, "", "A webhook is an object.");
    if (gw_json_parse_fields((json_t *)cfg, "", fields, true, err) != GW_OK) {
        if (err) {
            err->code = GW_E_WEBHOOK_CONFIG_INVALID;
            gw_redact_secret(err->detail, sizeof err->detail, url);
        }
        return GW_E_WEBHOOK_CONFIG_INVALID;
    }
    if (gw_webhook_url_check(url, NULL, "/url", err) != GW_OK) {
        if (err)
            err->code = GW_E_WEBHOOK_CONFIG_INVALID;
        return GW_E_WEBHOOK_CONFIG_INVALID;
    }
    out->kind = gw_xstrdup(kind);
    out->url = gw_xstrdup(url);
    out->connect_timeout_ms = (long)cto;
    out->timeout_ms = (long)to;
    return GW_OK;
}

enum gw_err gw_webhook_url_check(const char *url, const struct gw_netpolicy *policy,
                                 const char *where, struct gw_error *err)
{
    char host[256];
    bool literal = false;
    if (strncasecmp(url, "https://", 8) != 0 && strncasecmp(url, "http://", 7) != 0)
        return gw_error_set(err, GW_E_JSON_FIELD_VALUE, where,
                            "a webhook URL must start with https:// (or http://); other schemes "
                            "(file, gopher, dict, ...) are refused");
    if (!gw_url_host(url, host, sizeof host))
        return gw_error_set(err, GW_E_JSON_FIELD_VALUE, where, "the webhook URL names no host");
    if (policy && !gw_netpolicy_allows_host(policy, host, &literal))
        return gw_error_set(err, GW_E_JSON_FIELD_VALUE, where,
                            "the webhook URL's address is not allowed (link-local and cloud "
                            "metadata addresses are refused; see webhook_deny_networks and "
                            "webhook_allow_networks)");
    return GW_OK;
}

char *gw_teams_escape(const char *s)
{
    struct gw_buf b = {0};
    bool line_start = true;
    for (const char *p = s ? s : ""; *p; p++) {
        if (line_start) {
            /* "- x", "+ x", "1. x" would become list items */
            const char *q = p;
            while (isdigit((unsigned char)*q))
                q++;
            if (((*p == '-' || *p == '+') && p[1] == ' ') || (q > p && *q == '.' && q[1] == ' ')) {
                gw_buf_append(&b, p, (size_t)(q - p));
                gw_buf_puts(&b, "\\");
                p = q;
            }
        }
        if (strchr("\\*_`~[]()<>#|", *p))
            gw_buf_puts(&b, "\\");
        gw_buf_append(&b, p, 1);
        line_start = *p == '\n';
    }
    char *out = gw_xstrdup(gw_buf_str(&b));
    gw_buf_free(&b);
    return out;
}

static void escape_member(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    if (!v)
        return;
    char *e = gw_teams_escape(v);
    json_object_set_new(o, key, gw_json_str(e));
    free(e);
}

/* Escapes, in place, the texts Teams renders as Markdown: TextBlock "text",
 * FactSet facts' "title" and "value", anywhere in the card. */
static void escape_card(json_t *j)
{
    if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) escape_card(v);
        return;
    }
    if (!json_is_object(j))
        return;
    const char *type = json_string_value(json_object_get(j, "type"));
    if (type && strcmp(type, "TextBlock") == 0)
        escape_member(j, "text");
    if (type && strcmp(type, "FactSet") == 0) {
        size_t i;
        json_t *f;
        json_array_foreach(json_object_get(j, "facts"), i, f)
        {
            escape_member(f, "title");
            escape_member(f, "value");
        }
    }
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v)
    {
        if (json_is_object(v) || json_is_array(v))
            escape_card(v);
    }
}

void gw_webhook_config_free(struct gw_webhook_config *c)
{
    free(c->kind);
    free(c->url);
    memset(c, 0, sizeof *c);
}

enum gw_err gw_webhook_send(const struct gw_webhook_config *cfg, const json_t *payload,
                            int64_t now_ms, struct gw_out_status *st, struct gw_error *err)
{
    struct gw_out_status dummy;
    struct gw_http_response resp = {0};
    const char *headers[] = {"Content-Type: application/json; charset=utf-8", NULL};
    json_t *sent = json_deep_copy(payload);
    if (strcmp(cfg->kind, "teams") == 0)
        escape_card(sent);
    char *body = json_dumps(sent, JSON_COMPACT);
    json_decref(sent);
    if (!st)
        st = &dummy;
    struct gw_http_request rq = {.method = "POST",
                                 .url = cfg->url,
                                 .headers = headers,
                                 .body = body,
                                 .body_len = body ? strlen(body) : 0,
                                 .connect_timeout_ms = cfg->connect_timeout_ms,
                                 .timeout_ms = cfg->timeout_ms,
                                 .max_response = 64 * 1024,
                                 .policy = cfg->policy};
    struct gw_error he;
    gw_error_clear(&he);
    enum gw_err rc = gw_http_perform(&rq, now_ms, &resp, &he);
    *st = resp.out;
    if (rc != GW_OK) {
        bool refused = strstr(he.detail, "webhook_deny_networks") != NULL;
        rc = gw_error_set(err, GW_E_WEBHOOK_FAILED, NULL, "The %s webhook %s.", cfg->kind,
                          refused ? "was not called: its host resolves to an address that is not "
                                    "allowed (webhook_deny_networks / webhook_allow_networks)"
                                  : "could not be reached or did not answer in time");
        goto done;
    }
    if (resp.out.cls != GW_OUT_OK) {
        char snippet[160];
        snprintf(snippet, sizeof snippet, "%.120s", gw_buf_str(&resp.body));
        for (char *p = snippet; *p; p++)
            if ((unsigned char)*p < 32)
                *p = ' ';
        gw_redact_secret(snippet, sizeof snippet, cfg->url);
        rc = gw_error_set(err, GW_E_WEBHOOK_FAILED, NULL, "The %s webhook answered %ld: %s",
                          cfg->kind, resp.status, snippet);
    }
done:
    free(body);
    gw_http_response_free(&resp);
    return rc;
}
