/* Handlers, one file per resource in gateway/api/. Each is named by
 * resource and method and is listed in THE route table (http/routes.c). */
#ifndef GW_API_H
#define GW_API_H

#include "gw/http.h"

/* api/health.c */
void gw_api_healthz_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_readyz_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_metrics_get(struct gw_req *req, struct gw_reply *rep);

/* api/meta.c */
void gw_api_index_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_whoami_get(struct gw_req *req, struct gw_reply *rep);

/* api/keys.c */
void gw_api_keys_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_keys_post(struct gw_req *req, struct gw_reply *rep);
void gw_api_keys_delete(struct gw_req *req, struct gw_reply *rep);

#endif
