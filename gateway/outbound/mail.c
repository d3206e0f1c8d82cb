/* mail.c: notice mail over SMTP submission with libcurl (smtp:// with optional
 * or required STARTTLS, smtps://, optional AUTH). It owns the mail
 * configuration (keys documented in gw/outbound.h), the RFC 5322 message
 * (Date, Message-ID, From, To, Subject as RFC 2047 encoded-words when not
 * ASCII, a text/plain UTF-8 body in 7bit or base64) and the mapping of SMTP
 * outcomes to retryable (4xx, connection trouble) or permanent (5xx).
 * Credentials are never sent without TLS (smtps://, or STARTTLS required
 * when there is a password) unless allow_plaintext_auth says so by name.
 * Dot-stuffing of the DATA is libcurl's job. The message text comes from
 * review/notice.c; this file only sends it. */
#include "gw/outbound.h"

#include "gw/hash.h"
#include "gw/json.h"
#include "gw/timefmt.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *dup_or_null(const char *s)
{
    return s ? gw_xstrdup(s) : NULL;
}

/* Whether url carries "user:password@" before its host. */
static bool url_has_userinfo(const char *url)
{
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    size_t n = strcspn(host, "/?#");
    return memchr(host, '@', n) != NULL;
}

/* The sender: an e-mail address, or one on a host name without a dot (the
 * default lmsgw@localhost; RFC 5321 allows it and a local relay takes it). */
static bool sender_valid(const char *s)
{
    if (gw_is_email(s))
        return true;
    const char *at = strchr(s, '@');
    if (!at || at == s || !at[1])
        return false;
    for (const char *p = s; p < at; p++) {
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return false;
    }
    for (const char *p = at + 1; *p; p++) {
        if (!isalnum((unsigned char)*p) && *p != '-')
            return false;
    }
    return true;
}

enum gw_err gw_mail_config_parse(const json_t *cfg, struct gw_mail_config *out,
                                 struct gw_error *err)
{
    static const char *const tls[] = {"none", "try", "required", NULL};
    const char *url = NULL, *from = NULL, *from_name = NULL, *user = NULL, *pass = NULL,
               *helo = NULL, *starttls = NULL;
    int64_t cto = 10000, to = 30000;
    bool insecure = false, plaintext_auth = false;
    struct gw_jfield fields[] = {
        {"url", GW_J_STRING, true, &url, GW_JF_IRI, NULL, 0, 0, 1000},
        {"from", GW_J_STRING, true, &from, GW_JF_NONE, NULL, 0, 0, 320},
        {"from_name", GW_J_STRING, false, &from_name, GW_JF_NONE, NULL, 0, 0, 200},
        {"starttls", GW_J_STRING, false, &starttls, GW_JF_NONE, tls, 0, 0, 0},
        {"username", GW_J_STRING, false, &user, GW_JF_NONE, NULL, 0, 0, 320},
        {"password", GW_J_STRING, false, &pass, GW_JF_NONE, NULL, 0, 0, 1024},
        {"helo_domain", GW_J_STRING, false, &helo, GW_JF_NONEMPTY, NULL, 0, 0, 255},
        {"connect_timeout_ms", GW_J_INT, false, &cto, GW_JF_NONE, NULL, 1, 600000, 0},
        {"timeout_ms", GW_J_INT, false, &to, GW_JF_NONE, NULL, 1, 3600000, 0},
        {"insecure_skip_verify", GW_J_BOOL, false, &insecure, GW_JF_NONE, NULL, 0, 0, 0},
        {"allow_plaintext_auth", GW_J_BOOL, false, &plaintext_auth, GW_JF_NONE, NULL, 0, 0, 0},
        GW_JFIELD_END,
    };
    memset(out, 0, sizeof *out);
    if (!json_is_object(cfg))
        return gw_error_set(err, GW_E_MAIL_CONFIG_INVALID, "", "The mail settings are an object.");
    if (gw_json_parse_fields((json_t *)cfg, "", fields, true, err) != GW_OK) {
        if (err)
            err->code = GW_E_MAIL_CONFIG_INVALID;
        return GW_E_MAIL_CONFIG_INVALID;
    }
    if (strncmp(url, "smtp://", 7) != 0 && strncmp(url, "smtps://", 8) != 0)
        return gw_error_set(err, GW_E_MAIL_CONFIG_INVALID, "/url",
                            "url must start with smtp:// or smtps://.");
    if (!sender_valid(from))
        return gw_error_set(err, GW_E_MAIL_CONFIG_INVALID, "/from",
                            "'from' must be an e-mail address such as lmsgw@example.org (a "
                            "host name without a dot, such as localhost, is allowed).");
    if (strpbrk(from, "\r\n<>\"") || (from_name && strpbrk(from_name, "\r\n")))
        return gw_error_set(err, GW_E_MAIL_CONFIG_INVALID, "/from",
                            "from and from_name must be one line without <, > or quotes.");
    /* Credentials never go over a connection without TLS: with them, smtp://
     * needs STARTTLS done ("try" means "required"), unless the operator opted
     * out by name. */
    bool creds = user || url_has_userinfo(url);
    bool clear_ok = plaintext_auth || !creds || strncmp(url, "smtps://", 8) == 0;
    if (!clear_ok && starttls && strcmp(starttls, "none") == 0)
        return gw_error_set(err, GW_E_MAIL_CONFIG_INVALID, "/starttls",
                            "starttls \"none\" would send the SMTP password in clear text: use "
                            "smtps://, starttls \"required\", or (only towards a relay on a "
                            "trusted network) allow_plaintext_auth (smtp_allow_plaintext_auth).");
    out->url = gw_xstrdup(url);
    out->from = gw_xstrdup(from);
    out->from_name = dup_or_null(from_name);
    out->username = dup_or_null(user);
    out->password = dup_or_null(pass);
    out->helo_domain = gw_xstrdup(helo ? helo : strchr(from, '@') + 1);
    out->starttls = !starttls                       ? 1
                    : strcmp(starttls, "none") == 0 ? 0
                    : strcmp(starttls, "try") == 0  ? 1
                                                    : 2;
    if (!clear_ok)
        out->starttls = 2;
    out->allow_plaintext_auth = plaintext_auth;
    out->connect_timeout_ms = (long)cto;
    out->timeout_ms = (long)to;
    out->insecure = insecure;
    return GW_OK;
}

void gw_mail_config_free(struct gw_mail_config *c)
{
    free(c->url);
    free(c->from);
    free(c->from_name);
    free(c->username);
    free(c->password);
    free(c->helo_domain);
    memset(c, 0, sizeof *c);
}

/* ---- the message --------------------------------------------------------- */

static bool is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

static void base64(struct gw_buf *b, const unsigned char *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        char q[4] = {tab[(v >> 18) & 63], tab[(v >> 12) & 63], i + 1 < n ? tab[(v >> 6) & 63] : '=',
                     i + 2 < n ? tab[v & 63] : '='};
        gw_buf_append(b, q, 4);
    }
}

/* A header value without CR, LF or other control bytes (no injection). */
static char *one_line(const char *s)
{
    char *c = gw_xstrdup(s ? s : "");
    for (char *p = c; *p; p++)
        if ((unsigned char)*p < 32 || *p == 127)
            *p = ' ';
    return c;
}

/* Appends s as is when ASCII, else as RFC 2047 "B" encoded-words of at most
 * 75 characters, split between UTF-8 characters, separated by CRLF SP. */
static void encoded_words(struct gw_buf *b, const char *s)
{
    if (is_ascii(s)) {
        gw_buf_puts(b, s);
        return;
    }
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    bool first = true;
    while (n > 0) {
        size_t take = n < 45 ? n : 45; /* 45 bytes -> 60 base64 chars + 12 = 72 */
        while (take < n && take > 0 && (p[take] & 0xC0) == 0x80)
            take--;
        if (!first)
            gw_buf_puts(b, "\r\n ");
        gw_buf_puts(b, "=?UTF-8?B?");
        base64(b, p, take);
        gw_buf_puts(b, "?=");
        p += take;
        n -= take;
        first = false;
    }
}

static void mailbox(struct gw_buf *b, const char *name, const char *addr)
{
    char *n = name ? one_line(name) : NULL;
    if (n && *n) {
        if (is_ascii(n)) {
            gw_buf_puts(b, "\"");
            for (const char *p = n; *p; p++) {
                if (*p == '"' || *p == '\\')
                    gw_buf_puts(b, "\\");
                gw_buf_append(b, p, 1);
            }
            gw_buf_puts(b, "\"");
        } else {
            encoded_words(b, n);
        }
        gw_buf_puts(b, " ");
    }
    gw_buf_printf(b, "<%s>", addr);
    free(n);
}

static bool needs_base64(const char *text)
{
    size_t line = 0;
    for (const char *p = text; *p; p++) {
        if ((unsigned char)*p >= 0x80 || *p == '\r')
            return true;
        line = *p == '\n' ? 0 : line + 1;
        if (line > 900)
            return true;
    }
    return false;
}

char *gw_mail_build(const struct gw_mail_config *cfg, const struct gw_mail_message *m,
                    int64_t now_ms)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct gw_buf b = {0};
    struct tm tm;
    time_t secs = (time_t)((now_ms ? now_ms : gw_time_now_ms()) / 1000);
    char uuid[37] = "00000000-0000-4000-8000-000000000000";
    char *subject = one_line(m->subject), *to = one_line(m->to);
    const char *text = m->text ? m->text : "";
    gmtime_r(&secs, &tm);
    gw_uuid_v4(uuid);
    gw_buf_printf(&b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday],
                  tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    gw_buf_printf(&b, "Message-ID: <%s@%s>\r\n", uuid, strchr(cfg->from, '@') + 1);
    gw_buf_puts(&b, "From: ");
    mailbox(&b, cfg->from_name, cfg->from);
    gw_buf_puts(&b, "\r\nTo: ");
    mailbox(&b, m->to_name, to);
    gw_buf_puts(&b, "\r\nSubject: ");
    encoded_words(&b, subject);
    gw_buf_puts(&b, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n");
    if (needs_base64(text)) {
        gw_buf_puts(&b, "Content-Transfer-Encoding: base64\r\n\r\n");
        size_t n = strlen(text);
        for (size_t i = 0; i < n; i += 57) {
            base64(&b, (const unsigned char *)text + i, n - i < 57 ? n - i : 57);
            gw_buf_puts(&b, "\r\n");
        }
    } else {
        gw_buf_puts(&b, "Content-Transfer-Encoding: 7bit\r\n\r\n");
        for (const char *p = text; *p; p++) {
            if (*p == '\n')
                gw_buf_puts(&b, "\r\n");
            else
                gw_buf_append(&b, p, 1);
        }
        if (b.len < 2 || strcmp(b.data + b.len - 2, "\r\n") != 0)
            gw_buf_puts(&b, "\r\n");
    }
    free(subject);
    free(to);
    char *s = gw_xstrdup(gw_buf_str(&b));
    gw_buf_free(&b);
    return s;
}

/* ---- sending ------------------------------------------------------------- */

struct reader {
    const char *data;
    size_t len, off;
};

static size_t on_read(char *buf, size_t size, size_t n, void *cls)
{
    struct reader *r = cls;
    size_t left = r->len - r->off, take = size * n < left ? size * n : left;
    memcpy(buf, r->data + r->off, take);
    r->off += take;
    return take;
}

enum gw_err gw_mail_send(const struct gw_mail_config *cfg, const struct gw_mail_message *m,
                         int64_t now_ms, struct gw_out_status *st, struct gw_error *err)
{
    enum gw_err rc = GW_OK;
    struct gw_out_status dummy;
    struct curl_slist *rcpt = NULL;
    char errbuf[CURL_ERROR_SIZE] = "", url[1400], from[400], to[400];
    char *msg = NULL;
    CURL *curl = NULL;
    if (!st)
        st = &dummy;
    *st = (struct gw_out_status){GW_OUT_PERMANENT, 0, -1};
    if (!m->to || !gw_is_email(m->to) || strpbrk(m->to, "\r\n<>")) {
        rc = gw_error_set(err, GW_E_MAIL_FAILED, "to", "The recipient is not a mail address.");
        goto done;
    }
    msg = gw_mail_build(cfg, m, now_ms);
    struct reader rd = {msg, strlen(msg), 0};
    size_t ul = strlen(cfg->url);
    /* curl takes the EHLO name from the URL's path. */
    snprintf(url, sizeof url, "%s%s%s", cfg->url, ul && cfg->url[ul - 1] == '/' ? "" : "/",
             cfg->helo_domain);
    snprintf(from, sizeof from, "<%s>", cfg->from);
    snprintf(to, sizeof to, "<%s>", m->to);
    rcpt = curl_slist_append(rcpt, to);
    curl = curl_easy_init();
    if (!curl) {
        rc = gw_error_set(err, GW_E_INTERNAL, NULL, "libcurl could not create a handle.");
        goto done;
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &rd);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, cfg->timeout_ms);
    if (strncmp(cfg->url, "smtp://", 7) == 0 && cfg->starttls)
        curl_easy_setopt(curl, CURLOPT_USE_SSL,
                         (long)(cfg->starttls == 2 ? CURLUSESSL_ALL : CURLUSESSL_TRY));
    if (cfg->username) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, cfg->username);
        curl_easy_setopt(curl, CURLOPT_PASSWORD, cfg->password ? cfg->password : "");
    }
    if (cfg->insecure) {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    CURLcode cc = curl_easy_perform(curl);
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    st->http_status = code;
    if (cc == CURLE_OK) {
        st->cls = GW_OUT_OK;
        goto done;
    }
    if (cc == CURLE_LOGIN_DENIED)
        st->cls = GW_OUT_AUTH;
    else if (code >= 500)
        st->cls = GW_OUT_PERMANENT;
    else if (code >= 400 || cc == CURLE_COULDNT_CONNECT || cc == CURLE_OPERATION_TIMEDOUT ||
             cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR || cc == CURLE_GOT_NOTHING ||
             cc == CURLE_COULDNT_RESOLVE_HOST || cc == CURLE_WEIRD_SERVER_REPLY)
        st->cls = GW_OUT_RETRY;
    char safe[1024];
    gw_http_redact_url(cfg->url, safe, sizeof safe);
    if (cc == CURLE_USE_SSL_FAILED) {
        /* a configuration matter: retrying cannot help */
        st->cls = GW_OUT_PERMANENT;
        rc = gw_error_set(err, GW_E_MAIL_FAILED, NULL,
                          "Mail to %s not sent: the mail server %s offers no STARTTLS, and the "
                          "gateway sends%s nothing without TLS there (starttls required). Use "
                          "smtps://, a server with STARTTLS, or, only towards a relay on a "
                          "trusted network, smtp_allow_plaintext_auth.",
                          m->to, safe, cfg->username ? " the SMTP password and" : "");
        goto done;
    }
    rc = gw_error_set(err, GW_E_MAIL_FAILED, NULL, "Mail to %s through %s failed: %s (SMTP %ld).",
                      m->to, safe, errbuf[0] ? errbuf : curl_easy_strerror(cc), code);
    if (err && cfg->password)
        gw_redact_secret(err->detail, sizeof err->detail, cfg->password);
done:
    if (curl)
        curl_easy_cleanup(curl);
    curl_slist_free_all(rcpt);
    free(msg);
    return rc;
}
