/* Mail against the SMTP sink (smtp_sink.c, a thread speaking SMTP on
 * 127.0.0.1): the envelope, the RFC 5322 headers (Date, Message-ID, From,
 * To, a Subject encoded per RFC 2047 when not ASCII), the body with CRLF and
 * a leading dot un-stuffed by the server side; a refused RCPT is MAIL_FAILED
 * (permanent, 550 visible); a closed port is retryable; the password never
 * appears in an error detail; credentials never go without TLS unless the
 * operator opted out by name. */
#include "gw/config.h"
#include "gw/notifier.h"
#include "gw/outbound.h"
#include "gwtest.h"
#include "support.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static struct smtp_sink *sink;
static int port;

static bool config(struct gw_mail_config *cfg, int p, const char *extra)
{
    char text[512];
    struct gw_error err = {0};
    snprintf(text, sizeof text,
             "{\"url\":\"smtp://127.0.0.1:%d\",\"from\":\"lmsgw@example.org\","
             "\"from_name\":\"Course gateway\",%s\"timeout_ms\":10000%s}",
             p, extra && strstr(extra, "starttls") ? "" : "\"starttls\":\"none\",",
             extra ? extra : "");
    json_t *j = json_loads(text, 0, NULL);
    bool ok = gw_mail_config_parse(j, cfg, &err) == GW_OK;
    if (!ok)
        fprintf(stderr, "config: %s %s\n", err.where, err.detail);
    json_decref(j);
    return ok;
}

static void test_send_ascii(void)
{
    struct gw_mail_config cfg;
    struct gw_error err = {0};
    struct gw_out_status st;
    REQUIRE(config(&cfg, port, NULL));
    struct gw_mail_message m = {"ana@example.org", "Ana Lima", "Please review: Fire safety",
                                "Hello Ana,\n.leading dot line\nBye\n"};
    CHECK_INT(gw_mail_send(&cfg, &m, 1795000000000LL, &st, &err), GW_OK);
    CHECK_INT(st.cls, GW_OUT_OK);
    char *env = smtp_sink_envelope(sink), *data = smtp_sink_data(sink);
    CHECK(strstr(env, "MAIL FROM:<lmsgw@example.org>") != NULL);
    CHECK(strstr(env, "RCPT TO:<ana@example.org>") != NULL);
    CHECK(strncmp(data, "Date: Wed, 18 Nov 2026 11:06:40 +0000\r\n", 39) == 0);
    CHECK(strstr(data, "\r\nMessage-ID: <") != NULL && strstr(data, "@example.org>\r\n") != NULL);
    CHECK(strstr(data, "\r\nFrom: \"Course gateway\" <lmsgw@example.org>\r\n") != NULL);
    CHECK(strstr(data, "\r\nTo: \"Ana Lima\" <ana@example.org>\r\n") != NULL);
    CHECK(strstr(data, "\r\nSubject: Please review: Fire safety\r\n") != NULL);
    CHECK(strstr(data, "\r\nContent-Type: text/plain; charset=UTF-8\r\n") != NULL);
    CHECK(strstr(data, "\r\nMIME-Version: 1.0\r\n") != NULL);
    /* The sink keeps the dot-stuffed wire form: curl doubled the dot. */
    CHECK(strstr(data, "\r\n\r\nHello Ana,\r\n..leading dot line\r\nBye\r\n") != NULL);
    free(env);
    free(data);
    gw_mail_config_free(&cfg);
}

static void test_build_utf8(void)
{
    struct gw_mail_config cfg;
    REQUIRE(config(&cfg, port, NULL));
    struct gw_mail_message m = {"jo@example.org", "Jörg", "Bitte prüfen: Brandschutz – Teil 2",
                                "Grüße\n"};
    char *msg = gw_mail_build(&cfg, &m, 1795000000000LL);
    CHECK(strncmp(msg, "Date: Wed, 18 Nov 2026 11:06:40 +0000\r\n", 39) == 0);
    const char *subj = strstr(msg, "\r\nSubject: =?UTF-8?B?");
    REQUIRE(subj != NULL);
    /* Decode the first encoded word and check it starts the subject. */
    const char *b = subj + strlen("\r\nSubject: =?UTF-8?B?");
    const char *e = strstr(b, "?=");
    REQUIRE(e != NULL);
    unsigned char out[256] = {0};
    int n = EVP_DecodeBlock(out, (const unsigned char *)b, (int)(e - b));
    CHECK(n > 10);
    CHECK(strncmp((const char *)out, "Bitte pr\xc3\xbc", 10) == 0);
    CHECK(strstr(msg, "To: =?UTF-8?B?") != NULL);
    CHECK(strstr(msg, "Content-Transfer-Encoding: base64\r\n") != NULL);
    for (const char *p = msg; *p; p++)
        CHECK((unsigned char)*p < 0x80); /* the whole message is ASCII on the wire */
    /* Header injection: CR/LF in the subject become spaces. */
    struct gw_mail_message bad = {"jo@example.org", NULL, "Hi\r\nBcc: evil@example.org", "x"};
    char *msg2 = gw_mail_build(&cfg, &bad, 0);
    CHECK(strstr(msg2, "\r\nBcc:") == NULL);
    free(msg2);
    free(msg);
    gw_mail_config_free(&cfg);
}

static void test_refused_and_unreachable(void)
{
    struct gw_mail_config cfg;
    struct gw_error err = {0};
    struct gw_out_status st;
    REQUIRE(
        config(&cfg, port,
               ",\"username\":\"u\",\"password\":\"pw-SECRET-123\",\"allow_plaintext_auth\":true"));
    struct gw_mail_message m = {"refuse-me@example.org", NULL, "x", "y"};
    CHECK_INT(gw_mail_send(&cfg, &m, 0, &st, &err), GW_E_MAIL_FAILED);
    CHECK_INT(st.cls, GW_OUT_PERMANENT);
    CHECK(strstr(err.detail, "550") != NULL);
    CHECK(strstr(err.detail, "pw-SECRET-123") == NULL);
    gw_mail_config_free(&cfg);

    REQUIRE(config(&cfg, 1,
                   ",\"password\":\"pw-SECRET-123\",\"username\":\"u\""
                   ",\"allow_plaintext_auth\":true"));
    struct gw_mail_message ok = {"ana@example.org", NULL, "x", "y"};
    CHECK_INT(gw_mail_send(&cfg, &ok, 0, &st, &err), GW_E_MAIL_FAILED);
    CHECK_INT(st.cls, GW_OUT_RETRY);
    CHECK(strstr(err.detail, "pw-SECRET-123") == NULL);
    gw_mail_config_free(&cfg);

    struct gw_mail_message notaddr = {"nobody", NULL, "x", "y"};
    REQUIRE(config(&cfg, port, NULL));
    CHECK_INT(gw_mail_send(&cfg, &notaddr, 0, &st, &err), GW_E_MAIL_FAILED);
    gw_mail_config_free(&cfg);

    /* STARTTLS required, and the sink does not offer it: nothing is sent. */
    REQUIRE(config(&cfg, port, ",\"starttls\":\"required\""));
    CHECK_INT(cfg.starttls, 2);
    struct gw_mail_message tls = {"tls@example.org", NULL, "x", "y"};
    CHECK_INT(gw_mail_send(&cfg, &tls, 0, &st, &err), GW_E_MAIL_FAILED);
    char *env = smtp_sink_envelope(sink);
    CHECK(strstr(env, "tls@example.org") == NULL);
    free(env);
    gw_mail_config_free(&cfg);

    json_t *j = json_loads("{\"url\":\"http://x\",\"from\":\"a@b.c\"}", 0, NULL);
    CHECK_INT(gw_mail_config_parse(j, &cfg, &err), GW_E_MAIL_CONFIG_INVALID);
    CHECK_STR(err.where, "/url");
    json_decref(j);
    /* the sender: an address, also on a host without a dot (the default
     * lmsgw@localhost), but nothing that is no address */
    static const char *const senders_ok[] = {"lmsgw@localhost", "a.b@mail-host", "x@example.org"};
    for (size_t i = 0; i < 3; i++) {
        json_t *c = json_pack("{s:s, s:s}", "url", "smtp://127.0.0.1:1", "from", senders_ok[i]);
        CHECK_INT(gw_mail_config_parse(c, &cfg, &err), GW_OK);
        gw_mail_config_free(&cfg);
        json_decref(c);
    }
    static const char *const senders_bad[] = {"lmsgw@",       "@localhost",    "lmsgw",
                                              "a@local_host", "a b@localhost", "a@b@localhost"};
    for (size_t i = 0; i < 6; i++) {
        json_t *c = json_pack("{s:s, s:s}", "url", "smtp://127.0.0.1:1", "from", senders_bad[i]);
        CHECK_INT(gw_mail_config_parse(c, &cfg, &err), GW_E_MAIL_CONFIG_INVALID);
        CHECK_STR(err.where, "/from");
        json_decref(c);
    }
}

/* Credentials never go in clear: the sink offers AUTH but no STARTTLS, so
 * with a password and the default settings nothing is sent and no AUTH
 * reaches it, with a clear error (also in the notifier's log); only the
 * explicit opt-out sends. */
static bool parse(const char *text, struct gw_mail_config *cfg, struct gw_error *err)
{
    json_t *j = json_loads(text, 0, NULL);
    bool ok = j && gw_mail_config_parse(j, cfg, err) == GW_OK;
    json_decref(j);
    return ok;
}

static void test_no_auth_in_clear(void)
{
    struct gw_mail_config cfg;
    struct gw_error err = {0};
    struct gw_out_status st;
    char text[512];
    struct gw_mail_message m = {"clear@example.org", NULL, "x", "y"};
    char *auth = smtp_sink_auth(sink);
    size_t seen = strlen(auth); /* what earlier tests authenticated (with the opt-out) */
    free(auth);
    const char *variants[] = {"", ",\"starttls\":\"try\"", ",\"starttls\":\"required\""};
    for (size_t i = 0; i < 3; i++) {
        snprintf(text, sizeof text,
                 "{\"url\":\"smtp://127.0.0.1:%d\",\"from\":\"lmsgw@example.org\","
                 "\"username\":\"u\",\"password\":\"pw-CLEAR-1\"%s}",
                 port, variants[i]);
        REQUIRE(parse(text, &cfg, &err));
        CHECK_INT(cfg.starttls, 2);
        CHECK_INT(gw_mail_send(&cfg, &m, 0, &st, &err), GW_E_MAIL_FAILED);
        CHECK_INT(st.cls, GW_OUT_PERMANENT);
        CHECK(strstr(err.detail, "offers no STARTTLS") != NULL);
        CHECK(strstr(err.detail, "smtp_allow_plaintext_auth") != NULL);
        CHECK(strstr(err.detail, "pw-CLEAR-1") == NULL);
        gw_mail_config_free(&cfg);
    }
    /* credentials in the URL count too */
    snprintf(text, sizeof text,
             "{\"url\":\"smtp://u:pw-CLEAR-1@127.0.0.1:%d\",\"from\":\"lmsgw@example.org\"}", port);
    REQUIRE(parse(text, &cfg, &err));
    CHECK_INT(cfg.starttls, 2);
    gw_mail_config_free(&cfg);
    /* "none" with a password is refused when the settings are read */
    snprintf(text, sizeof text,
             "{\"url\":\"smtp://127.0.0.1:%d\",\"from\":\"lmsgw@example.org\","
             "\"username\":\"u\",\"password\":\"pw-CLEAR-1\",\"starttls\":\"none\"}",
             port);
    CHECK(!parse(text, &cfg, &err));
    CHECK_INT(err.code, GW_E_MAIL_CONFIG_INVALID);
    CHECK_STR(err.where, "/starttls");
    CHECK(strstr(err.detail, "allow_plaintext_auth") != NULL);
    auth = smtp_sink_auth(sink);
    CHECK(strstr(auth + seen, "AUTH") == NULL);
    free(auth);
    char *env = smtp_sink_envelope(sink);
    CHECK(strstr(env, "clear@example.org") == NULL);
    free(env);

    /* the notifier logs the refusal clearly, without the password */
    char logpath[] = "/tmp/lmsgw-mail-log-XXXXXX";
    int lfd = mkstemp(logpath);
    REQUIRE(lfd >= 0);
    char url[64], *envp[] = {url, "LMSGW_SMTP_USERNAME=u", "LMSGW_SMTP_PASSWORD=pw-CLEAR-1",
                             "LMSGW_SMTP_FROM=lmsgw@example.org", NULL};
    snprintf(url, sizeof url, "LMSGW_SMTP_URL=smtp://127.0.0.1:%d", port);
    struct gw_config gc;
    REQUIRE(gw_config_load(&gc, NULL, envp, &err) == GW_OK);
    struct gw_outbound_notifier *on = gw_notifier_new(&gc, &err);
    REQUIRE(on);
    const struct gw_notifier *n = gw_notifier_get(on);
    fflush(stderr);
    int saved = dup(2);
    dup2(lfd, 2);
    int rc = n->send_mail(n->ud, "clear@example.org", "C", "subject", "text", "k1");
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    CHECK_INT(rc, -1);
    char logged[4096] = "";
    ssize_t got = pread(lfd, logged, sizeof logged - 1, 0);
    logged[got > 0 ? got : 0] = '\0';
    close(lfd);
    unlink(logpath);
    CHECK(strstr(logged, "offers no STARTTLS") != NULL);
    CHECK(strstr(logged, "pw-CLEAR-1") == NULL);
    gw_notifier_free(on);
    gw_config_free(&gc);
    auth = smtp_sink_auth(sink);
    CHECK(strstr(auth + seen, "AUTH") == NULL);
    free(auth);

    /* the opt-out, by name: sent, with AUTH in clear */
    snprintf(text, sizeof text,
             "{\"url\":\"smtp://127.0.0.1:%d\",\"from\":\"lmsgw@example.org\","
             "\"username\":\"u\",\"password\":\"pw-CLEAR-1\",\"allow_plaintext_auth\":true}",
             port);
    REQUIRE(parse(text, &cfg, &err));
    CHECK_INT(cfg.starttls, 1);
    CHECK_INT(gw_mail_send(&cfg, &m, 0, &st, &err), GW_OK);
    auth = smtp_sink_auth(sink);
    CHECK(strstr(auth + seen, "AUTH PLAIN") != NULL);
    free(auth);
    env = smtp_sink_envelope(sink);
    CHECK(strstr(env, "RCPT TO:<clear@example.org>") != NULL);
    free(env);
    gw_mail_config_free(&cfg);
}

int main(void)
{
    gw_outbound_global_init();
    sink = smtp_sink_start(&port);
    if (!sink)
        return 1;
    GW_RUN(test_send_ascii);
    GW_RUN(test_build_utf8);
    GW_RUN(test_refused_and_unreachable);
    GW_RUN(test_no_auth_in_clear);
    smtp_sink_stop(sink);
    gw_outbound_global_cleanup();
    return gw_test_summary();
}
