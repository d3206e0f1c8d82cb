/* Request metrics in Prometheus text format: requests by route and status,
 * a latency histogram per route, the store pool figures. Counters are atomic,
 * so recording never takes a lock. */
#ifndef GW_METRICS_H
#define GW_METRICS_H

#include "gw/buf.h"
#include "gw/store.h"

#include <stddef.h>
#include <stdint.h>

struct gw_metrics;

/* nroutes: the route table's size; index nroutes counts unmatched requests. */
struct gw_metrics *gw_metrics_new(size_t nroutes);
void gw_metrics_free(struct gw_metrics *m);
void gw_metrics_record(struct gw_metrics *m, size_t route_index, unsigned status,
                       int64_t duration_us);
/* The HTTP layer's own gauges and counters (connections, head timeouts,
 * bodies in memory), rendered after the request metrics. */
struct gw_metrics_http {
    int64_t connections;
    uint64_t header_timeouts_total;
    int64_t inflight_body_bytes;
    uint64_t overloaded_total;
};
/* Where gw_metrics_render reads them (called at render time); may be unset. */
void gw_metrics_set_http_source(struct gw_metrics *m,
                                void (*read)(void *ud, struct gw_metrics_http *out), void *ud);
/* Appends the exposition text; store may be NULL. */
void gw_metrics_render(struct gw_metrics *m, struct gw_store *store, int in_flight,
                       struct gw_buf *out);

#endif
