/* health.c: liveness, readiness and metrics routes. */
#include "gw/api.h"
#include "gw/metrics.h"
#include "gw/server.h"

void gw_api_healthz_get(struct gw_req *req, struct gw_reply *rep)
{
    (void)req;
    gw_reply_json(rep, 200, json_pack("{s:s, s:s}", "status", "ok", "version", GW_VERSION));
}

void gw_api_readyz_get(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_server *srv = req->srv;
    bool ok = gw_store_ping(srv->store) && !atomic_load(&srv->shutting_down);
    gw_reply_json(rep, ok ? 200 : 503,
                  json_pack("{s:s, s:s}", "status", ok ? "ready" : "unavailable", "store",
                            gw_store_backend_name(srv->store)));
}

void gw_api_metrics_get(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_server *srv = req->srv;
    struct gw_buf text = {0};
    gw_metrics_render(srv->metrics, srv->store, atomic_load(&srv->in_flight), &text);
    gw_reply_text(rep, 200, "text/plain; version=0.0.4", gw_buf_str(&text), text.len);
    gw_buf_free(&text);
}
