/* redact.c: making text an outside server sent us (an LMS's error body, a
 * proxy's echo of our request) safe to store and to log. A misconfigured LMS
 * or proxy may answer with our own request headers, so its words can hold the
 * credentials we sent: the plain secret, its HTTP Basic base64 form, a bearer
 * token, a wstoken= query value, a whole Authorization header line. This file
 * removes every such form and bounds the text; the publish outbox applies it
 * at the one place an LMS answer becomes a stored error or a log line
 * (gw_publish_scrub). It does not decide what is secret in a target's
 * configuration (publish/targets.c collects that). */
#include "gw/outbound.h"

#include "gw/buf.h"
#include "gw/hash.h"
#include "gw/json.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define REDACTED "REDACTED"

/* Names whose value is a credential, as a header ("Authorization: ..."), a
 * query or form parameter ("wstoken=..."), or a JSON member ("token": "...").
 * spaces: the value runs to the end of the line (a header value like
 * "Basic QWxh..."), otherwise to the next space or delimiter. */
static const struct {
    const char *name;
    bool spaces;
} credential_names[] = {
    {"authorization", true}, {"cookie", true},         {"wstoken", false},
    {"token", false},        {"access_token", false},  {"refresh_token", false},
    {"id_token", false},     {"secret", false},        {"client_secret", false},
    {"password", false},     {"passwd", false},        {"apikey", false},
    {"api_key", false},      {"api-key", false},       {"x-api-key", false},
    {"oauth_token", false},  {"session_token", false},
};

static bool word_char(unsigned char c)
{
    return isalnum(c) || c == '_';
}

/* Where the value of a credential named at s + name_len starts, or NULL when
 * no ':' or '=' follows (so "the token expired" is left alone). *quote is
 * the quote character around the value, or 0. */
static const char *value_start(const char *p, char *quote)
{
    *quote = 0;
    if (*p == '"' || *p == '\'')
        p++; /* the closing quote of a JSON key */
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != ':' && *p != '=')
        return NULL;
    p++;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '"' || *p == '\'') {
        *quote = *p;
        p++;
    }
    return p;
}

/* The end of a value starting at v. */
static const char *value_end(const char *v, char quote, bool spaces)
{
    const char *p = v;
    if (quote) {
        while (*p && *p != quote && *p != '\r' && *p != '\n')
            p += p[0] == '\\' && p[1] ? 2 : 1;
        return p;
    }
    /* a header value (Authorization, Cookie: "a=1; b=2") runs to the line's end */
    const char *stop = spaces ? "\r\n\"'<>" : "\r\n\"'<>&,; \t}])#";
    return p + strcspn(p, stop);
}

/* Pass 1: the values of credential-named headers, parameters and members. */
static void redact_named(const char *s, struct gw_buf *out)
{
    const char *p = s;
    const char *copied = s;
    while (*p) {
        size_t matched = 0;
        bool spaces = false;
        if (p == s || !word_char((unsigned char)p[-1])) {
            for (size_t i = 0; i < sizeof credential_names / sizeof credential_names[0]; i++) {
                size_t n = strlen(credential_names[i].name);
                if (strncasecmp(p, credential_names[i].name, n) == 0 &&
                    !word_char((unsigned char)p[n]) && n > matched) {
                    matched = n;
                    spaces = credential_names[i].spaces;
                }
            }
        }
        char quote = 0;
        const char *v = matched ? value_start(p + matched, &quote) : NULL;
        const char *end = v ? value_end(v, quote, spaces) : NULL;
        if (!v || end == v) {
            p += matched ? matched : 1;
            continue;
        }
        gw_buf_append(out, copied, (size_t)(v - copied));
        gw_buf_puts(out, REDACTED);
        p = copied = end;
    }
    gw_buf_puts(out, copied);
}

static bool token_char(unsigned char c)
{
    return isalnum(c) || (c && strchr("+/=._~-", c) != NULL);
}

/* Pass 2: "Basic <base64>" and "Bearer <token>" anywhere. A plain word after
 * "basic" ("Basic authentication failed") is a credential only when it looks
 * like one: 8 characters or more, or with a digit or a base64 sign. */
static void redact_schemes(const char *s, struct gw_buf *out)
{
    static const char *const schemes[] = {"basic", "bearer"};
    const char *p = s, *copied = s;
    while (*p) {
        const char *tok = NULL;
        for (size_t i = 0; !tok && i < 2; i++) {
            size_t n = strlen(schemes[i]);
            if ((p == s || !word_char((unsigned char)p[-1])) &&
                strncasecmp(p, schemes[i], n) == 0 && (p[n] == ' ' || p[n] == '\t'))
                tok = p + n;
        }
        if (!tok) {
            p++;
            continue;
        }
        while (*tok == ' ' || *tok == '\t')
            tok++;
        const char *end = tok;
        bool looks = false;
        while (token_char((unsigned char)*end)) {
            looks = looks || !isalpha((unsigned char)*end);
            end++;
        }
        looks = looks || end - tok >= 8;
        if (end == tok || !looks || strncmp(tok, REDACTED, strlen(REDACTED)) == 0) {
            p = tok;
            continue;
        }
        gw_buf_append(out, copied, (size_t)(tok - copied));
        gw_buf_puts(out, REDACTED);
        p = copied = end;
    }
    gw_buf_puts(out, copied);
}

/* Pass 3: each known secret as it is, and a cut-off start of one at the very
 * end (the text may have been cut to a buffer in the middle of a secret). */
static void redact_literals(struct gw_buf *b, const char *const *secrets, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *sec = secrets[i];
        if (!sec || !*sec || !strstr(gw_buf_str(b), sec))
            continue;
        struct gw_buf o = {0};
        size_t sl = strlen(sec);
        const char *p = gw_buf_str(b);
        for (const char *hit = strstr(p, sec); hit; hit = strstr(p, sec)) {
            gw_buf_append(&o, p, (size_t)(hit - p));
            gw_buf_puts(&o, REDACTED);
            p = hit + sl;
        }
        gw_buf_puts(&o, p);
        gw_buf_free(b);
        *b = o;
    }
    for (size_t i = 0; i < n; i++) {
        const char *sec = secrets[i];
        size_t sl = sec ? strlen(sec) : 0;
        for (size_t k = sl > 1 ? sl - 1 : 0; k >= 4 && k <= b->len; k--) {
            if (memcmp(b->data + b->len - k, sec, k) == 0) {
                b->len -= k;
                b->data[b->len] = '\0';
                gw_buf_puts(b, REDACTED);
                break;
            }
        }
    }
}

/* Pass 4: text fit for a JSON log line and a database: bytes that are not
 * UTF-8 become '?', control characters but LF and TAB a space. */
static void clean_text(char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
                s[i] = ' ';
            i++;
            continue;
        }
        size_t len = 0;
        for (size_t k = 2; k <= 4 && i + k <= n && !len; k++)
            len = gw_utf8_valid(s + i, k) ? k : 0;
        if (!len) {
            s[i] = '?';
            len = 1;
        }
        i += len;
    }
}

void gw_redact_text(char *s, size_t cap, const char *const *secrets, size_t n_secrets,
                    size_t max_len)
{
    if (!s || cap == 0)
        return;
    struct gw_buf a = {0}, b = {0};
    redact_named(s, &a);
    redact_schemes(gw_buf_str(&a), &b);
    redact_literals(&b, secrets, n_secrets);
    char *text = b.data ? b.data : (char *)"";
    clean_text(text);
    size_t len = strlen(text);
    if (max_len > cap - 1)
        max_len = cap - 1;
    if (len > max_len) {
        static const char mark[] = " [cut]";
        size_t keep = max_len > sizeof mark - 1 ? max_len - (sizeof mark - 1) : 0;
        while (keep > 0 && ((unsigned char)text[keep] & 0xC0) == 0x80)
            keep--; /* never half a character */
        snprintf(s, cap, "%.*s%s", (int)keep, text, mark);
        s[max_len] = '\0';
    } else {
        memcpy(s, text, len + 1);
    }
    gw_buf_free(&a);
    gw_buf_free(&b);
}

char *gw_redact_basic_form(const char *user, const char *password)
{
    if (!user || !password || !*password)
        return NULL;
    struct gw_buf b = {0};
    gw_buf_printf(&b, "%s:%s", user, password);
    char *out = gw_base64_encode(b.data, b.len);
    gw_buf_free(&b);
    return out;
}
