/* Chat webhooks against a local libmicrohttpd receiver: the Slack and Teams
 * payloads built by review/notice.c arrive as JSON with the right content
 * type; a 500 and a 429 with Retry-After are retryable, a 404 is permanent,
 * an unreachable URL is retryable; the webhook URL (a credential) never
 * appears in an error detail; Teams texts are Markdown-escaped; only http(s)
 * URLs to allowed addresses (also after DNS resolution) are called. */
#include "gw/config.h"
#include "gw/netpolicy.h"
#include "gw/outbound.h"
#include "gw/review.h"
#include "gwtest.h"

#include <microhttpd.h>
#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct gw_buf got_body, got_type, got_path;
static unsigned answer_status = 200;
static const char *answer_retry_after;

struct req {
    struct gw_buf body;
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **con_cls)
{
    struct req *r = *con_cls;
    if (!r) {
        *con_cls = gw_xcalloc(1, sizeof *r);
        return MHD_YES;
    }
    if (*size) {
        gw_buf_append(&r->body, data, *size);
        *size = 0;
        return MHD_YES;
    }
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    pthread_mutex_lock(&lock);
    gw_buf_reset(&got_body);
    gw_buf_append(&got_body, r->body.data ? r->body.data : "", r->body.len);
    gw_buf_reset(&got_type);
    gw_buf_puts(&got_type, ct ? ct : "");
    gw_buf_reset(&got_path);
    gw_buf_printf(&got_path, "%s %s", method, url);
    unsigned status = answer_status;
    const char *ra = answer_retry_after;
    pthread_mutex_unlock(&lock);
    const char *text = status == 200 ? "ok" : "invalid_payload";
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    if (ra)
        MHD_add_response_header(resp, "Retry-After", ra);
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    struct req *r = *con_cls;
    if (r) {
        gw_buf_free(&r->body);
        free(r);
    }
    *con_cls = NULL;
}

static struct MHD_Daemon *d;
static char base[128];

static struct gw_review_notice_view view = {
    .initial_request = true,
    .recipient_name = "Ana",
    .course_title = "Fire safety",
    .department = "Operations",
    .author_name = "Bo",
    .approve_url = "https://gw.example/r/approve",
    .changes_url = "https://gw.example/r/changes",
};

static void send_kind(const char *kind, json_t *payload)
{
    char cfgtext[512];
    struct gw_webhook_config cfg;
    struct gw_error err = {0};
    struct gw_out_status st;
    snprintf(cfgtext, sizeof cfgtext, "{\"kind\":\"%s\",\"url\":\"%s/hooks/T000/SECRETPART\"}",
             kind, base);
    json_t *j = json_loads(cfgtext, 0, NULL);
    CHECK_INT(gw_webhook_config_parse(j, &cfg, &err), GW_OK);
    json_decref(j);
    answer_status = 200;
    CHECK_INT(gw_webhook_send(&cfg, payload, 0, &st, &err), GW_OK);
    CHECK_INT(st.cls, GW_OUT_OK);
    pthread_mutex_lock(&lock);
    CHECK_STR(got_path.data, "POST /hooks/T000/SECRETPART");
    CHECK(strncmp(gw_buf_str(&got_type), "application/json", 16) == 0);
    json_t *back = json_loads(gw_buf_str(&got_body), 0, NULL);
    pthread_mutex_unlock(&lock);
    if (strcmp(kind, "slack") == 0) {
        CHECK(back && json_equal(back, payload));
    } else { /* Teams texts arrive Markdown-escaped; the links are untouched */
        const json_t *ca =
            json_object_get(json_array_get(json_object_get(back, "attachments"), 0), "content");
        const json_t *cp =
            json_object_get(json_array_get(json_object_get(payload, "attachments"), 0), "content");
        CHECK(back && json_equal(json_object_get(ca, "actions"), json_object_get(cp, "actions")));
        CHECK(json_array_size(json_object_get(ca, "body")) ==
              json_array_size(json_object_get(cp, "body")));
    }
    json_decref(back);
    gw_webhook_config_free(&cfg);
}

static void test_slack_and_teams(void)
{
    json_t *slack = gw_review_notice_slack(&view);
    json_t *teams = gw_review_notice_teams(&view);
    REQUIRE(slack && teams);
    CHECK(json_object_get(slack, "blocks") != NULL);
    send_kind("slack", slack);
    CHECK_STR(json_string_value(json_object_get(teams, "type")), "message");
    send_kind("teams", teams);
    json_decref(slack);
    json_decref(teams);
}

static void test_failures(void)
{
    char cfgtext[512];
    struct gw_webhook_config cfg;
    struct gw_error err = {0};
    struct gw_out_status st;
    snprintf(cfgtext, sizeof cfgtext, "{\"kind\":\"slack\",\"url\":\"%s/hooks/T000/SECRETPART\"}",
             base);
    json_t *j = json_loads(cfgtext, 0, NULL);
    REQUIRE(gw_webhook_config_parse(j, &cfg, &err) == GW_OK);
    json_decref(j);
    json_t *payload = json_pack("{s:s}", "text", "hello");

    answer_status = 500;
    CHECK_INT(gw_webhook_send(&cfg, payload, 0, &st, &err), GW_E_WEBHOOK_FAILED);
    CHECK_INT(st.cls, GW_OUT_RETRY);
    CHECK_INT(st.http_status, 500);
    CHECK(strstr(err.detail, "500") != NULL);
    CHECK(strstr(err.detail, "SECRETPART") == NULL);

    answer_status = 429;
    answer_retry_after = "30";
    CHECK_INT(gw_webhook_send(&cfg, payload, 0, &st, &err), GW_E_WEBHOOK_FAILED);
    CHECK_INT(st.cls, GW_OUT_RETRY);
    CHECK_INT(st.retry_after_ms, 30000);
    answer_retry_after = NULL;

    answer_status = 404;
    CHECK_INT(gw_webhook_send(&cfg, payload, 0, &st, &err), GW_E_WEBHOOK_FAILED);
    CHECK_INT(st.cls, GW_OUT_PERMANENT);
    answer_status = 200;
    gw_webhook_config_free(&cfg);

    /* Nobody listens on port 1. */
    j = json_loads("{\"kind\":\"teams\",\"url\":\"http://127.0.0.1:1/webhookb2/SECRETPART\"}", 0,
                   NULL);
    REQUIRE(gw_webhook_config_parse(j, &cfg, &err) == GW_OK);
    json_decref(j);
    CHECK_INT(gw_webhook_send(&cfg, payload, 0, &st, &err), GW_E_WEBHOOK_FAILED);
    CHECK_INT(st.cls, GW_OUT_RETRY);
    CHECK(strstr(err.detail, "SECRETPART") == NULL);
    gw_webhook_config_free(&cfg);

    j = json_loads("{\"kind\":\"discord\",\"url\":\"https://x\"}", 0, NULL);
    CHECK_INT(gw_webhook_config_parse(j, &cfg, &err), GW_E_WEBHOOK_CONFIG_INVALID);
    CHECK_STR(err.where, "/kind");
    json_decref(j);
    json_decref(payload);
}

/* A course title full of Markdown reaches Teams as plain text. */
static void test_teams_markdown_escaped(void)
{
    char *e = gw_teams_escape("**Urgent** [click](http://evil.example) _x_ <at>boss</at> `c` ~s~");
    CHECK_STR(
        e, "\\*\\*Urgent\\*\\* \\[click\\]\\(http://evil.example\\) \\_x\\_ \\<at\\>boss\\</at\\> "
           "\\`c\\` \\~s\\~");
    free(e);
    e = gw_teams_escape("- item\n12. step\n# head | a\\b");
    CHECK_STR(e, "\\- item\n12\\. step\n\\# head \\| a\\\\b");
    free(e);
    e = gw_teams_escape("Plain 2026-12-01, fine.");
    CHECK_STR(e, "Plain 2026-12-01, fine.");
    free(e);

    struct gw_review_notice_view v = view;
    v.course_title = "**Urgent** [click](http://evil.example)";
    json_t *teams = gw_review_notice_teams(&v);
    REQUIRE(teams);
    char cfgtext[512];
    struct gw_webhook_config cfg;
    struct gw_error err = {0};
    struct gw_out_status st;
    snprintf(cfgtext, sizeof cfgtext, "{\"kind\":\"teams\",\"url\":\"%s/webhookb2/x\"}", base);
    json_t *j = json_loads(cfgtext, 0, NULL);
    REQUIRE(gw_webhook_config_parse(j, &cfg, &err) == GW_OK);
    json_decref(j);
    CHECK_INT(gw_webhook_send(&cfg, teams, 0, &st, &err), GW_OK);
    pthread_mutex_lock(&lock);
    char *body = gw_xstrdup(gw_buf_str(&got_body));
    pthread_mutex_unlock(&lock);
    /* on the wire (JSON) a backslash is doubled */
    CHECK(strstr(body, "\\\\*\\\\*Urgent\\\\*\\\\* \\\\[click\\\\]\\\\(http://evil.example\\\\)") !=
          NULL);
    CHECK(strstr(body, "**Urgent**") == NULL);
    CHECK(strstr(body, "[click](") == NULL);
    free(body);
    gw_webhook_config_free(&cfg);
    json_decref(teams);
}

/* Where a webhook may point: http(s) only, and no link-local or metadata
 * address, by default; the resolved address is checked when sending. */
static void test_destinations(void)
{
    struct gw_netpolicy np;
    struct gw_error err = {0};
    REQUIRE(gw_netpolicy_init(&np, GW_WEBHOOK_DENY_DEFAULT, "", &err) == GW_OK);
    static const char *const refused[] = {
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/x",
        "dict://127.0.0.1:11211/stat",
        "ftp://example.com/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://user@169.254.169.254:80/x",
        "http://[fe80::1]/x",
        "http://2852039166/x",
        "http://0xa9.0xfe.0xa9.0xfe/x",
        "http://[::ffff:169.254.169.254]/x",
        "http://[fd00:ec2::254]/x",
        "http://100.100.100.200/x",
        "http://0.0.0.0/x",
        "https:///nohost",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        CHECK_INT(gw_webhook_url_check(refused[i], &np, "/settings/slack_webhook", &err),
                  GW_E_JSON_FIELD_VALUE);
        CHECK_STR(err.where, "/settings/slack_webhook");
        CHECK(strstr(err.detail, refused[i]) == NULL); /* a URL is a credential */
    }
    static const char *const fine[] = {
        "https://hooks.slack.com/services/T/B/X", "https://x.webhook.office.com/webhookb2/y",
        "http://127.0.0.1:8080/x", "http://[::1]:9/x", "HTTPS://10.1.2.3/x"};
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++)
        CHECK_INT(gw_webhook_url_check(fine[i], &np, "/w", &err), GW_OK);
    gw_netpolicy_free(&np);
    CHECK_INT(gw_netpolicy_init(&np, "10.0.0.0/33", "", &err), GW_E_CONFIG_BAD_VALUE);
    CHECK_INT(gw_netpolicy_init(&np, "", "nonsense", &err), GW_E_CONFIG_BAD_VALUE);

    /* when sending: "localhost" resolves to loopback, which this policy denies */
    char port[16];
    snprintf(port, sizeof port, "%s", strrchr(base, ':') + 1);
    static const struct {
        const char *deny, *allow;
        bool sent;
    } cases[] = {
        {"127.0.0.0/8,::1/128", "", false},
        {"", "10.0.0.0/8", false},
        {"", "127.0.0.0/8,::1", true},
        {GW_WEBHOOK_DENY_DEFAULT, "", true},
    };
    json_t *payload = json_pack("{s:s}", "text", "hello");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        REQUIRE(gw_netpolicy_init(&np, cases[i].deny, cases[i].allow, &err) == GW_OK);
        char cfgtext[256];
        snprintf(cfgtext, sizeof cfgtext,
                 "{\"kind\":\"slack\",\"url\":\"http://localhost:%s/hooks/case%zu\"}", port, i);
        json_t *j = json_loads(cfgtext, 0, NULL);
        struct gw_webhook_config cfg;
        REQUIRE(gw_webhook_config_parse(j, &cfg, &err) == GW_OK);
        json_decref(j);
        cfg.policy = &np;
        pthread_mutex_lock(&lock);
        gw_buf_reset(&got_path);
        pthread_mutex_unlock(&lock);
        struct gw_out_status st;
        enum gw_err rc = gw_webhook_send(&cfg, payload, 0, &st, &err);
        pthread_mutex_lock(&lock);
        bool arrived = strstr(gw_buf_str(&got_path), "/hooks/case") != NULL;
        pthread_mutex_unlock(&lock);
        CHECK_INT(rc, cases[i].sent ? GW_OK : GW_E_WEBHOOK_FAILED);
        CHECK(arrived == cases[i].sent);
        if (!cases[i].sent) {
            CHECK(strstr(err.detail, "not allowed") != NULL);
            CHECK_INT(st.cls, GW_OUT_PERMANENT);
        }
        gw_webhook_config_free(&cfg);
        gw_netpolicy_free(&np);
    }
    json_decref(payload);
}

int main(void)
{
    gw_outbound_global_init();
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL,
                         NULL, on_request, NULL, MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
                         MHD_OPTION_END);
    if (!d)
        return 1;
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(base, sizeof base, "http://127.0.0.1:%u", (unsigned)di->port);
    GW_RUN(test_slack_and_teams);
    GW_RUN(test_failures);
    GW_RUN(test_teams_markdown_escaped);
    GW_RUN(test_destinations);
    MHD_stop_daemon(d);
    gw_buf_free(&got_body);
    gw_buf_free(&got_type);
    gw_buf_free(&got_path);
    gw_outbound_global_cleanup();
    return gw_test_summary();
}
