/* meta.c: the API index (generated from the route table, and whether the
 * database holds the demo data of `lmsgw demo-data`) and whoami. */
#include "gw/api.h"
#include "gw/auth.h"
#include "gw/demo.h"
#include "gw/server.h"
#include "gw/timefmt.h"

/* null, or {"complete": bool, "written": when it was finished or null}. */
static json_t *demo_data(struct gw_req *req)
{
    enum gw_demo_marker m = GW_DEMO_NONE;
    int64_t written = 0;
    struct gw_error e;
    if (gw_store_demo_marker(req->srv->store, &m, &written, NULL, &e) != GW_OK || m == GW_DEMO_NONE)
        return json_null();
    char ts[32];
    gw_time_format_ms(written, ts);
    return json_pack("{s:b, s:o}", "complete", m == GW_DEMO_WRITTEN, "written",
                     m == GW_DEMO_WRITTEN ? json_string(ts) : json_null());
}

void gw_api_index_get(struct gw_req *req, struct gw_reply *rep)
{
    json_t *routes = json_array();
    for (size_t i = 0; gw_routes[i].method; i++) {
        const struct gw_route *r = &gw_routes[i];
        if (r->flags & GW_ROUTE_CONTENT)
            continue; /* the content origin's, not the API's (gw/preview.h) */
        json_t *roles = json_array();
        for (unsigned bit = 1; bit <= GW_ROLE_BI; bit <<= 1) {
            if (r->roles & bit)
                json_array_append_new(roles, json_string(gw_role_name(bit)));
        }
        json_array_append_new(routes, json_pack("{s:s, s:s, s:o, s:s}", "method", r->method, "path",
                                                r->pattern, "roles", roles, "summary", r->summary));
    }
    gw_reply_json(rep, 200,
                  json_pack("{s:s, s:s, s:o, s:o}", "service", "lmsgw", "version", GW_VERSION,
                            "demo_data", demo_data(req), "routes", routes));
}

void gw_api_whoami_get(struct gw_req *req, struct gw_reply *rep)
{
    gw_reply_json(rep, 200,
                  json_pack("{s:s, s:s, s:s}", "key_id", req->who.key_id, "name", req->who.name,
                            "role", gw_role_name(req->who.role & -req->who.role)));
}
