/* health.c: liveness, readiness and metrics routes. */
#include "gw/api.h"
#include "gw/metrics.h"
#include "gw/server.h"
#include "gw/xapi_store.h"

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
    struct gw_batcher_stats bs;
    gw_batcher_stats(srv->writer, &bs);
    gw_buf_printf(&text,
                  "# HELP lmsgw_group_commit_batches_total Write transactions of the group-commit "
                  "writer.\n# TYPE lmsgw_group_commit_batches_total counter\n"
                  "lmsgw_group_commit_batches_total %llu\n"
                  "# HELP lmsgw_group_commit_jobs_total Requests committed by those "
                  "transactions.\n# TYPE lmsgw_group_commit_jobs_total counter\n"
                  "lmsgw_group_commit_jobs_total %llu\n"
                  "# HELP lmsgw_group_commit_retries_total Batches run again after a busy or "
                  "serialization failure.\n# TYPE lmsgw_group_commit_retries_total counter\n"
                  "lmsgw_group_commit_retries_total %llu\n",
                  (unsigned long long)bs.batches, (unsigned long long)bs.jobs,
                  (unsigned long long)bs.retries);
    if (srv->xindex) {
        struct gw_xapi_index_stats xs;
        gw_xapi_index_stats(srv->xindex, &xs);
        gw_buf_printf(
            &text,
            "# HELP lmsgw_xapi_index_pending Statements stored but not indexed yet (deferred "
            "index).\n# TYPE lmsgw_xapi_index_pending gauge\nlmsgw_xapi_index_pending %lld\n"
            "# HELP lmsgw_xapi_index_statements_total Statements indexed by the deferred index, "
            "by where their index record came from.\n"
            "# TYPE lmsgw_xapi_index_statements_total counter\n"
            "lmsgw_xapi_index_statements_total{from=\"memory\"} %llu\n"
            "lmsgw_xapi_index_statements_total{from=\"body\"} %llu\n"
            "# HELP lmsgw_xapi_index_rounds_total Indexing transactions.\n"
            "# TYPE lmsgw_xapi_index_rounds_total counter\nlmsgw_xapi_index_rounds_total %llu\n"
            "# HELP lmsgw_xapi_index_failures_total Indexing transactions that failed (retried).\n"
            "# TYPE lmsgw_xapi_index_failures_total counter\n"
            "lmsgw_xapi_index_failures_total %llu\n",
            (long long)xs.pending, (unsigned long long)xs.from_memory,
            (unsigned long long)xs.from_body, (unsigned long long)xs.rounds,
            (unsigned long long)xs.failures);
    }
    gw_reply_text(rep, 200, "text/plain; version=0.0.4", gw_buf_str(&text), text.len);
    gw_buf_free(&text);
}
