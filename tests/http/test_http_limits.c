/* What keeps one client from starving the gateway (issue 13), against the
 * real lmsgw binary with small limits in its configuration, all on loopback
 * (clients bind 127.0.0.x source addresses to look like different hosts):
 * - slow request heads: connections that send a header line now and then
 *   are answered 408 and closed after request_header_timeout_s, while
 *   /healthz answers from another address meanwhile;
 * - connections per address: over max_connections_per_ip a new connection
 *   from that address is closed, another address is served;
 * - connections in total: over max_connections a request is answered 503
 *   with Retry-After, and served again once connections close;
 * - request bodies in memory: a body that does not fit
 *   max_inflight_body_bytes beside one being received is answered 503 with
 *   Retry-After and nothing of it is stored; within the budget it succeeds;
 * - too many query parameters: 400 with its code, at once.
 * Every wait is a bounded loop that stops as soon as the behaviour shows;
 * nothing asserts on durations. SQLite only: no store behaviour here. */
#include "gwtest.h"
#include "testsupport.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A TCP connection to 127.0.0.1:port from the source address src. */
static int connect_from(const char *src, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, src, &a.sin_addr);
    struct sockaddr_in to = {0};
    to.sin_family = AF_INET;
    to.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static bool send_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w <= 0)
            return false;
        s += w;
        n -= (size_t)w;
    }
    return true;
}

struct reply {
    long status; /* -1: no answer (closed, refused, timed out) */
    char *body;
    char *retry_after;
};

static size_t sink(char *p, size_t s, size_t n, void *ud)
{
    struct reply *r = ud;
    size_t len = r->body ? strlen(r->body) : 0;
    r->body = realloc(r->body, len + s * n + 1);
    memcpy(r->body + len, p, s * n);
    r->body[len + s * n] = '\0';
    return s * n;
}

static size_t header_sink(char *p, size_t s, size_t n, void *ud)
{
    struct reply *r = ud;
    if (n * s > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
        free(r->retry_after);
        r->retry_after = strndup(p + 12, n * s - 12);
    }
    return s * n;
}

/* One request from source address src; headers NULL-terminated. */
static struct reply call_from(const char *src, const char *method, const char *url,
                              const char *const *headers, const char *body, size_t len)
{
    struct reply r = {-1, NULL, NULL};
    CURL *c = curl_easy_init();
    char iface[64];
    snprintf(iface, sizeof iface, "host!%s", src);
    struct curl_slist *hl = curl_slist_append(NULL, "Expect:");
    for (size_t i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_sink);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    }
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    return r;
}

static void reply_free(struct reply *r)
{
    free(r->body);
    free(r->retry_after);
    r->body = r->retry_after = NULL;
}

static long long error_code(const struct reply *r)
{
    json_t *j = r->body ? json_loads(r->body, 0, NULL) : NULL;
    long long code = json_integer_value(json_object_get(j, "code"));
    json_decref(j);
    return code;
}

/* A metric's value from /metrics (asked from 127.0.0.9), or -1. */
static long long metric(const struct gwt_server *s, const char *name)
{
    char *u = gwt_fmt("%s/metrics", s->base_url);
    struct reply r = {-1, NULL, NULL};
    /* right after a test filled the connections, a slot may not be free yet */
    for (int i = 0; i < 100 && r.status != 200; i++) {
        reply_free(&r);
        r = call_from("127.0.0.9", "GET", u, NULL, NULL, 0);
        if (r.status != 200)
            nap_ms(25);
    }
    free(u);
    long long v = -1;
    char *key = gwt_fmt("\n%s ", name);
    const char *p = r.body ? strstr(r.body, key) : NULL;
    if (p)
        v = strtoll(p + strlen(key), NULL, 10);
    free(key);
    reply_free(&r);
    return v;
}

/* ---- slow heads ---- */

enum { SLOW = 40 };

static void test_slow_heads_are_closed(void)
{
    struct gwt_server s;
    REQUIRE(gwt_server_start(&s, NULL,
                             "{\"request_header_timeout_s\": 1, \"max_connections\": 200, "
                             "\"max_connections_per_ip\": 60}"));
    int fds[SLOW];
    bool closed[SLOW] = {0}, got408[SLOW] = {0};
    int opened = 0;
    for (int i = 0; i < SLOW; i++) {
        fds[i] = connect_from("127.0.0.1", s.port);
        if (fds[i] >= 0 && send_all(fds[i], "GET /healthz HTTP/1.1\r\nHost: gw\r\n", 33))
            opened++;
    }
    CHECK_INT(opened, SLOW);
    /* while they trickle header lines, another client is served */
    char *hz = gwt_fmt("%s/healthz", s.base_url);
    struct reply r = call_from("127.0.0.2", "GET", hz, NULL, NULL, 0);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    free(hz);
    /* each sends a header line every 200 ms, far under any idle timeout,
     * and is still closed once its head is late (bounded: 20 s at most) */
    int nclosed = 0;
    for (int round = 0; round < 100 && nclosed < SLOW; round++) {
        for (int i = 0; i < SLOW; i++) {
            if (closed[i] || fds[i] < 0)
                continue;
            char buf[256];
            ssize_t n = recv(fds[i], buf, sizeof buf - 1, MSG_DONTWAIT);
            if (n > 0) {
                buf[n] = '\0';
                if (strncmp(buf, "HTTP/1.1 408", 12) == 0)
                    got408[i] = true;
                n = recv(fds[i], buf, sizeof buf - 1, MSG_DONTWAIT);
            }
            bool gone = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) ||
                        !send_all(fds[i], "X-Slow: 1\r\n", 11);
            if (gone) {
                closed[i] = true;
                nclosed++;
            }
        }
        nap_ms(200);
    }
    int n408 = 0;
    for (int i = 0; i < SLOW; i++) {
        n408 += got408[i];
        if (fds[i] >= 0)
            close(fds[i]);
    }
    CHECK_INT(nclosed, SLOW);
    CHECK(n408 > 0); /* the close comes with a 408 (read before the socket dies) */
    CHECK(metric(&s, "lmsgw_http_header_timeouts_total") >= SLOW);
    CHECK_INT(gwt_server_stop(&s, SIGTERM), 0);
    gwt_server_free(&s);
}

/* ---- connection caps ---- */

/* Repeats a GET /healthz from src until want(status, reply) holds (at most
 * 200 tries); returns the last reply. */
static struct reply poll_until(const struct gwt_server *s, const char *src,
                               bool (*want)(const struct reply *))
{
    char *hz = gwt_fmt("%s/healthz", s->base_url);
    struct reply r = {-1, NULL, NULL};
    for (int i = 0; i < 200; i++) {
        reply_free(&r);
        r = call_from(src, "GET", hz, NULL, NULL, 0);
        if (want(&r))
            break;
        nap_ms(25);
    }
    free(hz);
    return r;
}

static bool no_answer(const struct reply *r)
{
    return r->status == -1;
}

static bool is_503(const struct reply *r)
{
    return r->status == 503;
}

static bool is_200(const struct reply *r)
{
    return r->status == 200;
}

static void test_connection_caps(void)
{
    struct gwt_server s;
    REQUIRE(gwt_server_start(&s, NULL,
                             "{\"request_header_timeout_s\": 60, \"max_connections\": 8, "
                             "\"max_connections_per_ip\": 4}"));
    int held[8];
    for (int i = 0; i < 8; i++)
        held[i] = -1;
    /* four idle connections from one address: its fifth is closed unanswered */
    for (int i = 0; i < 4; i++)
        held[i] = connect_from("127.0.0.3", s.port);
    struct reply r = poll_until(&s, "127.0.0.3", no_answer);
    CHECK_INT(r.status, -1);
    reply_free(&r);
    /* another address is served meanwhile */
    r = poll_until(&s, "127.0.0.4", is_200);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    /* eight in all: the next connection, from anywhere, is answered 503 */
    for (int i = 4; i < 8; i++) /* an address with no closing connection still counted */
        held[i] = connect_from("127.0.0.6", s.port);
    r = poll_until(&s, "127.0.0.5", is_503);
    CHECK_INT(r.status, 503);
    CHECK_INT(error_code(&r), 1032);
    CHECK(r.retry_after && atoi(r.retry_after) > 0);
    reply_free(&r);
    /* connections close: served again */
    for (int i = 0; i < 8; i++) {
        if (held[i] >= 0)
            close(held[i]);
    }
    r = poll_until(&s, "127.0.0.5", is_200);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    long long overloaded = metric(&s, "lmsgw_http_overloaded_total");
    if (overloaded < 1)
        fprintf(stderr, "  overloaded_total = %lld\n", overloaded);
    CHECK(overloaded >= 1);
    CHECK_INT(gwt_server_stop(&s, SIGTERM), 0);
    gwt_server_free(&s);
}

/* ---- the body budget ---- */

/* A statement batch of n statements with ids "<prefix>-xxxx-...". */
static char *batch(const char *prefix, int n, size_t *len)
{
    size_t cap = (size_t)n * 400 + 16;
    char *b = malloc(cap);
    size_t o = 0;
    b[o++] = '[';
    for (int i = 0; i < n; i++)
        o += (size_t)snprintf(b + o, cap - o,
                              "%s{\"id\":\"%s-0000-4000-8000-%012d\",\"actor\":{\"mbox\":"
                              "\"mailto:learner%d@example.org\"},\"verb\":{\"id\":\"http://"
                              "adlnet.gov/expapi/verbs/experienced\"},\"object\":{\"id\":"
                              "\"https://limits.example/activity/%d\"}}",
                              i ? "," : "", prefix, i, i % 50, i % 7);
    b[o++] = ']';
    b[o] = '\0';
    *len = o;
    return b;
}

static long get_statement(const struct gwt_server *s, const char *auth, const char *id)
{
    char *u = gwt_fmt("%s/xapi/statements?statementId=%s", s->base_url, id);
    const char *h[] = {auth, "X-Experience-API-Version: 1.0.3", NULL};
    struct reply r = call_from("127.0.0.1", "GET", u, h, NULL, 0);
    free(u);
    reply_free(&r);
    return r.status;
}

static void test_body_budget(void)
{
    struct gwt_server s;
    REQUIRE(gwt_server_start(&s, NULL,
                             "{\"max_inflight_body_bytes\": 1048576, \"max_xapi_body\": 1048576, "
                             "\"max_json_body\": 65536}"));
    char auth[256];
    REQUIRE(gwt_server_make_key(&s, "lms", auth, sizeof auth));
    size_t alen = 0, blen = 0;
    char *a = batch("aaaaaaaa", 3500, &alen);
    char *b = batch("bbbbbbbb", 3500, &blen);
    REQUIRE(alen > 524288 && alen < 1048576 && alen + blen > 1048576);
    /* A announces its body and sends half of it: its bytes are counted */
    int fd = connect_from("127.0.0.1", s.port);
    REQUIRE(fd >= 0);
    char *head = gwt_fmt("POST /xapi/statements HTTP/1.1\r\nHost: gw\r\n%s\r\n"
                         "X-Experience-API-Version: 1.0.3\r\nContent-Type: application/json\r\n"
                         "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                         auth, alen);
    CHECK(send_all(fd, head, strlen(head)) && send_all(fd, a, alen / 2));
    free(head);
    long long held = -1;
    for (int i = 0; i < 200 && held != (long long)alen; i++) {
        held = metric(&s, "lmsgw_http_inflight_body_bytes");
        if (held != (long long)alen)
            nap_ms(25);
    }
    CHECK_INT(held, (long long)alen);
    /* B does not fit beside it: 503 with Retry-After, nothing of B stored */
    char *u = gwt_fmt("%s/xapi/statements", s.base_url);
    const char *h[] = {auth, "X-Experience-API-Version: 1.0.3", "Content-Type: application/json",
                       NULL};
    struct reply r = call_from("127.0.0.1", "POST", u, h, b, blen);
    CHECK_INT(r.status, 503);
    CHECK_INT(error_code(&r), 1032);
    CHECK(r.retry_after && atoi(r.retry_after) > 0);
    reply_free(&r);
    CHECK_INT(get_statement(&s, auth, "bbbbbbbb-0000-4000-8000-000000000000"), 404);
    CHECK_INT(get_statement(&s, auth, "bbbbbbbb-0000-4000-8000-000000003499"), 404);
    /* A finishes within the budget and is stored */
    CHECK(send_all(fd, a + alen / 2, alen - alen / 2));
    char resp[512] = {0};
    size_t got = 0;
    struct pollfd pfd = {fd, POLLIN, 0};
    while (got < sizeof resp - 1 && poll(&pfd, 1, 20000) > 0) {
        ssize_t n = recv(fd, resp + got, sizeof resp - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    CHECK(strncmp(resp, "HTTP/1.1 200", 12) == 0);
    CHECK_INT(get_statement(&s, auth, "aaaaaaaa-0000-4000-8000-000000003499"), 200);
    /* the budget is free again: B succeeds now, whole */
    for (int i = 0; i < 200 && metric(&s, "lmsgw_http_inflight_body_bytes") != 0; i++)
        nap_ms(25);
    r = call_from("127.0.0.1", "POST", u, h, b, blen);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    CHECK_INT(get_statement(&s, auth, "bbbbbbbb-0000-4000-8000-000000000000"), 200);
    CHECK_INT(get_statement(&s, auth, "bbbbbbbb-0000-4000-8000-000000003499"), 200);
    CHECK(metric(&s, "lmsgw_http_overloaded_total") >= 1);
    free(u);
    free(a);
    free(b);
    CHECK_INT(gwt_server_stop(&s, SIGTERM), 0);
    gwt_server_free(&s);
}

/* ---- query parameters ---- */

static void test_query_parameter_limit(void)
{
    struct gwt_server s;
    REQUIRE(gwt_server_start(&s, NULL, NULL));
    /* 1,000 parameters (URI under the 8 KB limit): 400 with its code */
    char *u = malloc(8192);
    int o = snprintf(u, 8192, "%s/healthz?", s.base_url);
    for (int i = 0; i < 1000; i++)
        o += snprintf(u + o, 8192 - (size_t)o, "%sp=%d", i ? "&" : "", i % 10);
    REQUIRE(o < 8000);
    struct reply r = call_from("127.0.0.1", "GET", u, NULL, NULL, 0);
    CHECK_INT(r.status, 400);
    CHECK_INT(error_code(&r), 1031);
    CHECK(r.body && strstr(r.body, "1000 query parameters") && strstr(r.body, "limit is 100"));
    reply_free(&r);
    /* the most arguments a URI can carry ("&" each) */
    o = snprintf(u, 8192, "%s/healthz?", s.base_url);
    memset(u + o, '&', 4000);
    u[o + 4000] = '\0';
    r = call_from("127.0.0.1", "GET", u, NULL, NULL, 0);
    CHECK_INT(r.status, 400);
    reply_free(&r);
    /* 100 are fine */
    o = snprintf(u, 8192, "%s/healthz?", s.base_url);
    for (int i = 0; i < 100; i++)
        o += snprintf(u + o, 8192 - (size_t)o, "%sp=%d", i ? "&" : "", i);
    r = call_from("127.0.0.1", "GET", u, NULL, NULL, 0);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    free(u);
    CHECK_INT(gwt_server_stop(&s, SIGTERM), 0);
    gwt_server_free(&s);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    GW_RUN(test_query_parameter_limit);
    GW_RUN(test_slow_heads_are_closed);
    GW_RUN(test_connection_caps);
    GW_RUN(test_body_budget);
    curl_global_cleanup();
    return gw_test_summary();
}
