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
/* Appends the exposition text; store may be NULL. */
void gw_metrics_render(struct gw_metrics *m, struct gw_store *store, int in_flight,
                       struct gw_buf *out);

#endif
