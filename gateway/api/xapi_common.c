/* xapi_common.c: what every /xapi/ route shares: the version header on
 * requests and replies, the headers that keep replies from rendering,
 * X-Experience-API-Consistent-Through on statement replies, the authority
 * the gateway stamps on stored statements, and /xapi/about. */
#include "gw/api.h"
#include "gw/server.h"
#include "gw/store.h"
#include "gw/timefmt.h"
#include "gw/xapi.h"
#include "gw/xapi_store.h"

#include <stdio.h>
#include <string.h>

enum gw_err gw_api_xapi_version(struct gw_req *req, enum gw_xapi_version *v, struct gw_error *e)
{
    return gw_xapi_version_parse(gw_req_header(req, "X-Experience-API-Version"), v, e);
}

/* The version a reply speaks: 1.0.3 to a request that asked for 1.0.x, else
 * the newest this LRS speaks, 2.0.0 (also to a request without the header or
 * with one refused: the 2.0 suite expects 2.0.0 on that 400). */
static const char *reply_version(struct gw_req *req)
{
    enum gw_xapi_version v;
    struct gw_error e;
    const char *h = gw_req_header(req, "X-Experience-API-Version");
    if (h && gw_xapi_version_parse(h, &v, &e) == GW_OK && v == GW_XAPI_V1_0)
        return "1.0.3";
    return "2.0.0";
}

/* Every xAPI reply, documents above all (they hold what clients stored,
 * HTML included), is data, never a page of our origin: no type sniffing, and
 * a sandbox that runs nothing should a browser show one anyway. */
void gw_api_xapi_decorate(struct gw_req *req, struct gw_reply *rep)
{
    gw_reply_header(rep, "X-Experience-API-Version", reply_version(req));
    gw_reply_header(rep, "X-Content-Type-Options", "nosniff");
    gw_reply_header(rep, "Content-Security-Policy", "default-src 'none'; sandbox");
}

int64_t gw_api_xapi_consistent_through(struct gw_server *srv)
{
    int64_t now = gw_clock_now_ms(&srv->clock);
    int64_t busy = gw_batcher_busy_since(srv->writer);
    int64_t through = busy <= now ? busy - 1 : now;
    /* filtered queries see a statement once it is indexed too */
    int64_t pending = gw_xapi_index_pending_since(srv->xindex);
    return pending <= through ? pending - 1 : through;
}

void gw_api_xapi_decorate_statements(struct gw_req *req, struct gw_reply *rep)
{
    gw_api_xapi_decorate(req, rep);
    char ts[32];
    gw_time_format_ms(gw_api_xapi_consistent_through(req->srv), ts);
    gw_reply_header(rep, "X-Experience-API-Consistent-Through", ts);
}

json_t *gw_api_xapi_authority(const struct gw_req *req)
{
    return json_pack("{s:s, s:s, s:{s:s, s:s}}", "objectType", "Agent", "name", req->who.name,
                     "account", "homePage", req->srv->public_url, "name", req->who.key_id);
}

/* Every 1.0.x patch version is listed: a 1.0 LRS accepts them all (the 1.0.3
 * suite's XAPI-00317 looks for "1.0.1"), and 2.0.0 for IEEE 9274.1.1. */
void gw_api_xapi_about_get(struct gw_req *req, struct gw_reply *rep)
{
    (void)req;
    gw_reply_json(rep, 200,
                  json_pack("{s:[s, s, s, s, s], s:{s:s}}", "version", "1.0.0", "1.0.1", "1.0.2",
                            "1.0.3", "2.0.0", "extensions",
                            "https://lmsgw.example/xapi/about/gateway", GW_VERSION));
}
