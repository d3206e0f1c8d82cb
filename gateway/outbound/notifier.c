/* notifier.c: delivers the review scheduler's notices (struct gw_notifier)
 * through the outbound module: mail over SMTP (smtp_* configuration) and
 * Slack/Teams incoming webhooks. Without smtp_url, a notice is logged with
 * its recipient and subject (never its links) and counts as delivered.
 * Webhooks reach only addresses webhook_deny_networks/webhook_allow_networks
 * allow, checked after DNS resolution. */
#include "gw/log.h"
#include "gw/notifier.h"
#include "gw/outbound.h"
#include "gw/timefmt.h"

#include <stdlib.h>
#include <string.h>

struct gw_outbound_notifier {
    struct gw_notifier n;
    bool have_mail;
    struct gw_mail_config mail;
    struct gw_netpolicy webhook_policy; /* where department webhooks may go */
};

static int send_mail(void *ud, const char *to_email, const char *to_name, const char *subject,
                     const char *text, const char *notice_key)
{
    struct gw_outbound_notifier *o = ud;
    if (!o->have_mail) {
        /* Without smtp_url the log is where notices go (the demo, a first
         * try): their text with it, links included, so a sign-in link or a
         * review link can be followed. With smtp_url set, no text or link
         * is ever logged. */
        gw_log_json(GW_LOG_INFO,
                    json_pack("{s:s, s:s, s:s, s:s, s:s}", "msg",
                              "notice (smtp_url not set: logged)", "to", to_email, "subject",
                              subject, "notice", notice_key, "text", text ? text : ""));
        return 0;
    }
    struct gw_mail_message m = {
        .to = to_email, .to_name = to_name, .subject = subject, .text = text};
    struct gw_out_status st;
    struct gw_error err;
    if (gw_mail_send(&o->mail, &m, gw_time_now_ms(), &st, &err) != GW_OK) {
        gw_log_warn("mail to %s failed (%s): %s", to_email, notice_key, err.detail);
        return -1;
    }
    return 0;
}

static int send_chat(void *ud, const char *webhook_url, const json_t *payload,
                     const char *notice_key)
{
    struct gw_outbound_notifier *o = ud;
    /* Teams webhooks live on *.office.com / *.logic.azure.com; anything else is Slack-shaped */
    const char *kind =
        strstr(webhook_url, "office.com") || strstr(webhook_url, "azure.com") ? "teams" : "slack";
    json_t *cfg = json_pack("{s:s, s:s}", "kind", kind, "url", webhook_url);
    struct gw_webhook_config wc;
    struct gw_error err;
    int rc = -1;
    if (gw_webhook_config_parse(cfg, &wc, &err) == GW_OK) {
        struct gw_out_status st;
        wc.policy = &o->webhook_policy;
        rc = gw_webhook_send(&wc, payload, gw_time_now_ms(), &st, &err) == GW_OK ? 0 : -1;
        gw_webhook_config_free(&wc);
    }
    if (rc != 0)
        gw_log_warn("chat notice %s failed: %s", notice_key, err.detail);
    json_decref(cfg);
    return rc;
}

struct gw_outbound_notifier *gw_notifier_new(const struct gw_config *cfg, struct gw_error *err)
{
    struct gw_outbound_notifier *o = gw_xcalloc(1, sizeof *o);
    o->n.send_mail = send_mail;
    o->n.send_chat = send_chat;
    o->n.ud = o;
    if (gw_netpolicy_init(&o->webhook_policy, cfg->webhook_deny_networks,
                          cfg->webhook_allow_networks, err) != GW_OK) {
        free(o);
        return NULL;
    }
    if (cfg->smtp_url[0]) {
        json_t *mc = json_pack("{s:s, s:s, s:s, s:s}", "url", cfg->smtp_url, "from", cfg->smtp_from,
                               "from_name", cfg->smtp_from_name, "starttls", cfg->smtp_starttls);
        if (cfg->smtp_allow_plaintext_auth)
            json_object_set_new(mc, "allow_plaintext_auth", json_true());
        if (cfg->smtp_username[0]) {
            json_object_set_new(mc, "username", json_string(cfg->smtp_username));
            json_object_set_new(mc, "password", json_string(cfg->smtp_password));
        }
        enum gw_err rc = gw_mail_config_parse(mc, &o->mail, err);
        json_decref(mc);
        if (rc != GW_OK) {
            gw_netpolicy_free(&o->webhook_policy);
            free(o);
            return NULL;
        }
        o->have_mail = true;
    }
    return o;
}

const struct gw_notifier *gw_notifier_get(const struct gw_outbound_notifier *o)
{
    return &o->n;
}

void gw_notifier_free(struct gw_outbound_notifier *o)
{
    if (!o)
        return;
    if (o->have_mail)
        gw_mail_config_free(&o->mail);
    gw_netpolicy_free(&o->webhook_policy);
    free(o);
}
