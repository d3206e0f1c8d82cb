/* webhook.c: sends a chat notice to a Slack or Microsoft Teams incoming
 * webhook: one JSON POST, any 2xx is success, everything else classified for
 * the caller's retry (429 and 5xx retryable with Retry-After). The payloads
 * are built by review/notice.c (gw_review_notice_slack/teams); this file only
 * sends. A webhook URL is a credential: it never appears in an error detail. */
#include "gw/outbound.h"

#include "gw/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
        return gw_error_set(err, GW_E_WEBHOOK_CONFIG_INVALID, "/url",
                            "url must be an http(s) URL.");
    out->kind = gw_xstrdup(kind);
    out->url = gw_xstrdup(url);
    out->connect_timeout_ms = (long)cto;
    out->timeout_ms = (long)to;
    return GW_OK;
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
    char *body = json_dumps(payload, JSON_COMPACT);
    if (!st)
        st = &dummy;
    struct gw_http_request rq = {.method = "POST",
                                 .url = cfg->url,
                                 .headers = headers,
                                 .body = body,
                                 .body_len = body ? strlen(body) : 0,
                                 .connect_timeout_ms = cfg->connect_timeout_ms,
                                 .timeout_ms = cfg->timeout_ms,
                                 .max_response = 64 * 1024};
    enum gw_err rc = gw_http_perform(&rq, now_ms, &resp, NULL);
    *st = resp.out;
    if (rc != GW_OK) {
        rc = gw_error_set(err, GW_E_WEBHOOK_FAILED, NULL,
                          "The %s webhook could not be reached or did not answer in time.",
                          cfg->kind);
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
