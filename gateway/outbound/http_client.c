/* http_client.c: the gateway's one HTTP client, a thin wrapper over a libcurl
 * easy handle per request. It owns explicit timeouts, size-capped response
 * bodies, multipart uploads streamed from disk (curl_mime_filedata), the
 * Retry-After header (seconds or HTTP-date), the classification of an outcome
 * into ok / retryable / permanent / auth, and the redaction of credentials in
 * every URL it puts into an error detail. It knows nothing of any LMS. */
#include "gw/outbound.h"

#include "gw/timefmt.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void gw_outbound_global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void gw_outbound_global_cleanup(void)
{
    curl_global_cleanup();
}

/* ---- redaction ---------------------------------------------------------- */

static bool secret_param(const char *name, size_t len)
{
    static const char *const names[] = {"wstoken", "token",  "access_token", "secret", "password",
                                        "key",     "apikey", "api_key",      "sig",    "signature"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strlen(names[i]) == len && strncasecmp(name, names[i], len) == 0)
            return true;
    return false;
}

void gw_http_redact_url(const char *url, char *out, size_t cap)
{
    struct gw_buf b = {0};
    const char *p = url ? url : "";
    const char *scheme = strstr(p, "://");
    if (scheme) {
        const char *host = scheme + 3;
        size_t auth_end = strcspn(host, "/?#");
        const char *at = memchr(host, '@', auth_end);
        gw_buf_append(&b, p, (size_t)(host - p));
        if (at) {
            gw_buf_puts(&b, "REDACTED@");
            host = at + 1;
        }
        p = host;
    }
    const char *q = strchr(p, '?');
    if (!q) {
        gw_buf_puts(&b, p);
        goto done;
    }
    gw_buf_append(&b, p, (size_t)(q - p) + 1);
    p = q + 1;
    while (*p) {
        size_t len = strcspn(p, "&#");
        const char *eq = memchr(p, '=', len);
        if (eq && secret_param(p, (size_t)(eq - p))) {
            gw_buf_append(&b, p, (size_t)(eq - p) + 1);
            gw_buf_puts(&b, "REDACTED");
        } else {
            gw_buf_append(&b, p, len);
        }
        p += len;
        if (*p == '#') {
            gw_buf_puts(&b, p);
            break;
        }
        if (*p == '&') {
            gw_buf_puts(&b, "&");
            p++;
        }
    }
done:
    snprintf(out, cap, "%s", gw_buf_str(&b));
    gw_buf_free(&b);
}

void gw_redact_secret(char *s, size_t cap, const char *secret)
{
    if (!s || !secret || !*secret)
        return;
    struct gw_buf b = {0};
    size_t sl = strlen(secret);
    const char *p = s;
    const char *hit = strstr(p, secret);
    if (!hit)
        return;
    while (hit) {
        gw_buf_append(&b, p, (size_t)(hit - p));
        gw_buf_puts(&b, "REDACTED");
        p = hit + sl;
        hit = strstr(p, secret);
    }
    gw_buf_puts(&b, p);
    snprintf(s, cap, "%s", gw_buf_str(&b));
    gw_buf_free(&b);
}

void gw_url_encode(struct gw_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            gw_buf_append(b, p, 1);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            gw_buf_append(b, e, 3);
        }
    }
}

/* ---- Retry-After and classification -------------------------------------- */

bool gw_http_parse_retry_after(const char *value, int64_t now_ms, int64_t *delay_ms)
{
    if (!value)
        return false;
    while (*value == ' ' || *value == '\t')
        value++;
    if (*value >= '0' && *value <= '9') {
        char *end = NULL;
        long long secs = strtoll(value, &end, 10);
        while (*end == ' ' || *end == '\t')
            end++;
        if (*end || secs < 0 || secs > 365LL * 86400)
            return false;
        *delay_ms = secs * 1000;
        return true;
    }
    /* A weekday name first, so curl_getdate does not take "2 hours" etc. */
    if (!((*value >= 'A' && *value <= 'Z') || (*value >= 'a' && *value <= 'z')))
        return false;
    time_t t = curl_getdate(value, NULL);
    if (t == (time_t)-1)
        return false;
    if (now_ms == 0)
        now_ms = gw_time_now_ms();
    int64_t d = (int64_t)t * 1000 - now_ms;
    *delay_ms = d > 0 ? d : 0;
    return true;
}

struct gw_out_status gw_http_classify(long status, int64_t retry_after_ms)
{
    struct gw_out_status st = {GW_OUT_RETRY, status, retry_after_ms};
    if (status >= 200 && status < 300)
        st.cls = GW_OUT_OK;
    else if (status == 401 || status == 403)
        st.cls = GW_OUT_AUTH;
    else if (status == 0 || status == 408 || status == 425 || status == 429 || status >= 500)
        st.cls = GW_OUT_RETRY;
    else
        st.cls = GW_OUT_PERMANENT;
    if (st.cls != GW_OUT_RETRY)
        st.retry_after_ms = -1;
    return st;
}

int64_t gw_out_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, int64_t retry_after_ms,
                          uint64_t rnd)
{
    int64_t ceiling = base_ms > 0 ? base_ms : 1;
    for (int i = 1; i < attempt && ceiling < cap_ms; i++)
        ceiling *= 2;
    if (cap_ms > 0 && ceiling > cap_ms)
        ceiling = cap_ms;
    int64_t d = (int64_t)(rnd % (uint64_t)(ceiling + 1));
    return retry_after_ms > d ? retry_after_ms : d;
}

/* ---- the request --------------------------------------------------------- */

struct sink {
    struct gw_buf *buf;
    size_t cap;
    bool over;
};

static size_t on_body(char *data, size_t size, size_t n, void *cls)
{
    struct sink *s = cls;
    size_t len = size * n;
    if (s->buf->len + len > s->cap) {
        s->over = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    gw_buf_append(s->buf, data, len);
    return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *cls)
{
    struct gw_buf *h = cls;
    size_t len = size * n;
    /* A new status line starts a new header block (redirects, 100-continue). */
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0)
        gw_buf_reset(h);
    if (h->len + len <= 64 * 1024)
        gw_buf_append(h, data, len);
    return len;
}

bool gw_http_header(const struct gw_http_response *resp, const char *name, char *out, size_t cap)
{
    const char *p = gw_buf_str(&resp->headers);
    size_t nl = strlen(name);
    while (*p) {
        size_t len = strcspn(p, "\r\n");
        if (len > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
            const char *v = p + nl + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t vl = len - (size_t)(v - p);
            while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
                vl--;
            snprintf(out, cap, "%.*s", (int)vl, v);
            return true;
        }
        p += len;
        while (*p == '\r' || *p == '\n')
            p++;
    }
    return false;
}

static curl_mime *build_mime(CURL *curl, const struct gw_http_request *rq)
{
    curl_mime *mime = curl_mime_init(curl);
    for (size_t i = 0; i < rq->nparts; i++) {
        const struct gw_http_part *p = &rq->parts[i];
        curl_mimepart *part = curl_mime_addpart(mime);
        curl_mime_name(part, p->name);
        if (p->file_path) {
            const char *base = strrchr(p->file_path, '/');
            curl_mime_filedata(part, p->file_path); /* streamed when sent */
            curl_mime_filename(part, p->filename ? p->filename : base ? base + 1 : p->file_path);
            curl_mime_type(part, p->content_type ? p->content_type : "application/octet-stream");
        } else {
            curl_mime_data(part, p->value ? p->value : "", CURL_ZERO_TERMINATED);
            if (p->content_type)
                curl_mime_type(part, p->content_type);
        }
    }
    return mime;
}

static enum gw_err transport_error(CURLcode rc, bool over, const char *method, const char *url,
                                   const char *curl_msg, struct gw_http_response *resp,
                                   struct gw_error *err)
{
    char safe[1024];
    gw_http_redact_url(url, safe, sizeof safe);
    if (over) {
        resp->out = (struct gw_out_status){GW_OUT_PERMANENT, resp->status, -1};
        return gw_error_set(err, GW_E_LMS_BAD_RESPONSE, NULL,
                            "%s %s: the answer is larger than the connector accepts.", method,
                            safe);
    }
    resp->out = (struct gw_out_status){GW_OUT_RETRY, 0, -1};
    if (rc == CURLE_OPERATION_TIMEDOUT)
        return gw_error_set(err, GW_E_LMS_TIMEOUT, NULL, "%s %s: no complete answer in time (%s).",
                            method, safe, curl_msg);
    if (rc == CURLE_READ_ERROR || rc == CURLE_FILE_COULDNT_READ_FILE) {
        resp->out.cls = GW_OUT_PERMANENT;
        return gw_error_set(err, GW_E_IO, NULL, "%s %s: a file to upload cannot be read (%s).",
                            method, safe, curl_msg);
    }
    return gw_error_set(err, GW_E_LMS_UNREACHABLE, NULL, "%s %s: %s.", method, safe, curl_msg);
}

/* The destination check (gw_http_request.policy): libcurl asks us to open
 * each socket, after DNS resolution, so a name that resolves to a refused
 * address is never connected to. */
struct gate {
    const struct gw_netpolicy *policy;
    bool refused;
};

static curl_socket_t open_checked(void *cls, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct gate *g = cls;
    (void)purpose;
    if (!gw_netpolicy_allows(g->policy, &a->addr)) {
        g->refused = true;
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

enum gw_err gw_http_perform(const struct gw_http_request *rq, int64_t now_ms,
                            struct gw_http_response *resp, struct gw_error *err)
{
    enum gw_err rc = GW_OK;
    struct curl_slist *hdrs = NULL;
    curl_mime *mime = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    struct sink sink = {&resp->body, rq->max_response ? rq->max_response : 1024 * 1024, false};
    const char *method = rq->method ? rq->method : (rq->body || rq->nparts ? "POST" : "GET");
    CURL *curl = curl_easy_init();
    resp->status = 0;
    resp->out = (struct gw_out_status){GW_OUT_RETRY, 0, -1};
    if (!curl) {
        rc = gw_error_set(err, GW_E_INTERNAL, NULL, "libcurl could not create a handle.");
        goto done;
    }
    for (const char *const *h = rq->headers; h && *h; h++)
        hdrs = curl_slist_append(hdrs, *h);
    hdrs = curl_slist_append(hdrs, "Expect:"); /* no 100-continue round trip */
    curl_easy_setopt(curl, CURLOPT_URL, rq->url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     rq->connect_timeout_ms > 0 ? rq->connect_timeout_ms : 10000L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, rq->timeout_ms > 0 ? rq->timeout_ms : 60000L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &resp->headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "lmsgw/" GW_VERSION);
    struct gate gate = {rq->policy, false};
    if (rq->policy) {
        curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_checked);
        curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &gate);
    }
    if (rq->username) {
        curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(curl, CURLOPT_USERNAME, rq->username);
        curl_easy_setopt(curl, CURLOPT_PASSWORD, rq->password ? rq->password : "");
    }
    if (rq->nparts) {
        mime = build_mime(curl, rq);
        curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime);
    } else if (rq->body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, rq->body);
    }
    if (strcmp(method, "GET") == 0)
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    else if (strcmp(method, "POST") != 0 || (!rq->body && !rq->nparts))
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "POST") == 0 && !rq->body && !rq->nparts) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
    }
    CURLcode cc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
    if (cc != CURLE_OK && gate.refused) {
        resp->out = (struct gw_out_status){GW_OUT_PERMANENT, 0, -1};
        rc = gw_error_set(err, GW_E_LMS_UNREACHABLE, NULL,
                          "%s: the destination's address is not allowed "
                          "(webhook_deny_networks / webhook_allow_networks).",
                          method);
        goto done;
    }
    if (cc != CURLE_OK) {
        rc = transport_error(cc, sink.over, method, rq->url,
                             errbuf[0] ? errbuf : curl_easy_strerror(cc), resp, err);
        goto done;
    }
    int64_t ra = -1;
    char v[128];
    if (gw_http_header(resp, "Retry-After", v, sizeof v) &&
        !gw_http_parse_retry_after(v, now_ms, &ra))
        ra = -1;
    resp->out = gw_http_classify(resp->status, ra);
done:
    curl_mime_free(mime);
    curl_slist_free_all(hdrs);
    if (curl)
        curl_easy_cleanup(curl);
    return rc;
}

void gw_http_response_free(struct gw_http_response *resp)
{
    gw_buf_free(&resp->body);
    gw_buf_free(&resp->headers);
}
