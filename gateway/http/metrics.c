/* metrics.c: request counters and latency histograms, rendered in the
 * Prometheus text exposition format (see gw/metrics.h). */
#include "gw/metrics.h"
#include "gw/http.h"

#include <stdatomic.h>
#include <stdlib.h>

#define STATUS_MIN 100
#define STATUS_SPAN 500 /* 100..599 */

static const double buckets_s[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                   0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define NBUCKETS (sizeof buckets_s / sizeof buckets_s[0])

struct route_metrics {
    atomic_uint_fast64_t by_status[STATUS_SPAN];
    atomic_uint_fast64_t bucket[NBUCKETS + 1]; /* last: +Inf */
    atomic_uint_fast64_t sum_us;
    atomic_uint_fast64_t count;
};

struct gw_metrics {
    size_t nroutes;
    struct route_metrics *r; /* nroutes + 1 */
    void (*http_read)(void *ud, struct gw_metrics_http *out);
    void *http_ud;
};

void gw_metrics_set_http_source(struct gw_metrics *m,
                                void (*read)(void *ud, struct gw_metrics_http *out), void *ud)
{
    m->http_read = read;
    m->http_ud = ud;
}

static void render_http(struct gw_metrics *m, struct gw_buf *out)
{
    if (!m->http_read)
        return;
    struct gw_metrics_http h = {0};
    m->http_read(m->http_ud, &h);
    gw_buf_printf(out,
                  "# HELP lmsgw_http_connections Open client connections.\n"
                  "# TYPE lmsgw_http_connections gauge\nlmsgw_http_connections %lld\n"
                  "# HELP lmsgw_http_header_timeouts_total Connections closed for not sending a "
                  "request head in time.\n"
                  "# TYPE lmsgw_http_header_timeouts_total counter\n"
                  "lmsgw_http_header_timeouts_total %llu\n"
                  "# HELP lmsgw_http_inflight_body_bytes Request bodies held in memory now.\n"
                  "# TYPE lmsgw_http_inflight_body_bytes gauge\n"
                  "lmsgw_http_inflight_body_bytes %lld\n"
                  "# HELP lmsgw_http_overloaded_total Requests answered 503 for a full "
                  "connection or body budget.\n"
                  "# TYPE lmsgw_http_overloaded_total counter\n"
                  "lmsgw_http_overloaded_total %llu\n",
                  (long long)h.connections, (unsigned long long)h.header_timeouts_total,
                  (long long)h.inflight_body_bytes, (unsigned long long)h.overloaded_total);
}

struct gw_metrics *gw_metrics_new(size_t nroutes)
{
    struct gw_metrics *m = gw_xcalloc(1, sizeof *m);
    m->nroutes = nroutes;
    m->r = gw_xcalloc(nroutes + 1, sizeof *m->r);
    return m;
}

void gw_metrics_free(struct gw_metrics *m)
{
    if (!m)
        return;
    free(m->r);
    free(m);
}

void gw_metrics_record(struct gw_metrics *m, size_t route_index, unsigned status,
                       int64_t duration_us)
{
    if (route_index > m->nroutes)
        route_index = m->nroutes;
    struct route_metrics *r = &m->r[route_index];
    if (status >= STATUS_MIN && status < STATUS_MIN + STATUS_SPAN)
        atomic_fetch_add(&r->by_status[status - STATUS_MIN], 1);
    size_t b = 0;
    while (b < NBUCKETS && (double)duration_us / 1e6 > buckets_s[b])
        b++;
    atomic_fetch_add(&r->bucket[b], 1);
    atomic_fetch_add(&r->sum_us, (uint_fast64_t)(duration_us > 0 ? duration_us : 0));
    atomic_fetch_add(&r->count, 1);
}

static void route_labels(struct gw_metrics *m, size_t i, struct gw_buf *out)
{
    if (i < m->nroutes)
        gw_buf_printf(out, "method=\"%s\",route=\"%s\"", gw_routes[i].method, gw_routes[i].pattern);
    else
        gw_buf_puts(out, "method=\"\",route=\"unmatched\"");
}

void gw_metrics_render(struct gw_metrics *m, struct gw_store *store, int in_flight,
                       struct gw_buf *out)
{
    gw_buf_puts(out, "# HELP lmsgw_http_requests_total HTTP requests by route and status.\n"
                     "# TYPE lmsgw_http_requests_total counter\n");
    for (size_t i = 0; i <= m->nroutes; i++) {
        for (unsigned s = 0; s < STATUS_SPAN; s++) {
            uint_fast64_t n = atomic_load(&m->r[i].by_status[s]);
            if (!n)
                continue;
            gw_buf_puts(out, "lmsgw_http_requests_total{");
            route_labels(m, i, out);
            gw_buf_printf(out, ",status=\"%u\"} %llu\n", s + STATUS_MIN, (unsigned long long)n);
        }
    }
    gw_buf_puts(out,
                "# HELP lmsgw_http_request_duration_seconds Time from request start to reply.\n"
                "# TYPE lmsgw_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i <= m->nroutes; i++) {
        struct route_metrics *r = &m->r[i];
        uint_fast64_t count = atomic_load(&r->count);
        if (!count)
            continue;
        uint_fast64_t cum = 0;
        for (size_t b = 0; b <= NBUCKETS; b++) {
            cum += atomic_load(&r->bucket[b]);
            gw_buf_puts(out, "lmsgw_http_request_duration_seconds_bucket{");
            route_labels(m, i, out);
            if (b < NBUCKETS)
                gw_buf_printf(out, ",le=\"%g\"} %llu\n", buckets_s[b], (unsigned long long)cum);
            else
                gw_buf_printf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)cum);
        }
        gw_buf_puts(out, "lmsgw_http_request_duration_seconds_sum{");
        route_labels(m, i, out);
        gw_buf_printf(out, "} %.6f\n", (double)atomic_load(&r->sum_us) / 1e6);
        gw_buf_puts(out, "lmsgw_http_request_duration_seconds_count{");
        route_labels(m, i, out);
        gw_buf_printf(out, "} %llu\n", (unsigned long long)count);
    }
    gw_buf_printf(out,
                  "# HELP lmsgw_http_in_flight Requests being handled now.\n"
                  "# TYPE lmsgw_http_in_flight gauge\nlmsgw_http_in_flight %d\n",
                  in_flight);
    render_http(m, out);
    if (!store)
        return;
    struct gw_store_stats st;
    gw_store_stats(store, &st);
    const char *backend = gw_store_backend_name(store);
    gw_buf_printf(
        out,
        "# HELP lmsgw_store_pool_size Database connections in the pool.\n"
        "# TYPE lmsgw_store_pool_size gauge\n"
        "lmsgw_store_pool_size{backend=\"%s\"} %d\n"
        "# HELP lmsgw_store_pool_in_use Database connections in use now.\n"
        "# TYPE lmsgw_store_pool_in_use gauge\n"
        "lmsgw_store_pool_in_use{backend=\"%s\"} %d\n"
        "# HELP lmsgw_store_pool_acquired_total Connections handed out.\n"
        "# TYPE lmsgw_store_pool_acquired_total counter\n"
        "lmsgw_store_pool_acquired_total{backend=\"%s\"} %llu\n"
        "# HELP lmsgw_store_pool_wait_seconds_total Time spent waiting for a "
        "connection.\n"
        "# TYPE lmsgw_store_pool_wait_seconds_total counter\n"
        "lmsgw_store_pool_wait_seconds_total{backend=\"%s\"} %.6f\n"
        "# HELP lmsgw_store_transactions_total Transactions run.\n"
        "# TYPE lmsgw_store_transactions_total counter\n"
        "lmsgw_store_transactions_total{backend=\"%s\"} %llu\n"
        "# HELP lmsgw_store_transaction_retries_total Transactions retried after "
        "busy or serialization failures.\n"
        "# TYPE lmsgw_store_transaction_retries_total counter\n"
        "lmsgw_store_transaction_retries_total{backend=\"%s\"} %llu\n"
        "# HELP lmsgw_store_transaction_failures_total Transactions that failed.\n"
        "# TYPE lmsgw_store_transaction_failures_total counter\n"
        "lmsgw_store_transaction_failures_total{backend=\"%s\"} %llu\n",
        backend, st.pool_size, backend, st.in_use, backend, (unsigned long long)st.acquired_total,
        backend, (double)st.wait_total_us / 1e6, backend, (unsigned long long)st.tx_total, backend,
        (unsigned long long)st.tx_retries_total, backend, (unsigned long long)st.tx_failures_total);
}
