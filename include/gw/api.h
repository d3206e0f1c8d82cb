/* Handlers, one file per resource in gateway/api/. Each is named by
 * resource and method and is listed in THE route table (http/routes.c). */
#ifndef GW_API_H
#define GW_API_H

#include "gw/http.h"
#include "gw/xapi.h"

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

/* api/packages.c */
void gw_api_packages_post(struct gw_req *req, struct gw_reply *rep);
void gw_api_packages_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_packages_report_get(struct gw_req *req, struct gw_reply *rep);

/* api/xapi_common.c */
enum gw_err gw_api_xapi_version(struct gw_req *req, enum gw_xapi_version *v, struct gw_error *e);
void gw_api_xapi_decorate(struct gw_req *req, struct gw_reply *rep);
void gw_api_xapi_decorate_statements(struct gw_req *req, struct gw_reply *rep);
int64_t gw_api_xapi_consistent_through(struct gw_server *srv);
/* The Agent the gateway records as authority for the calling key (new ref). */
json_t *gw_api_xapi_authority(const struct gw_req *req);
void gw_api_xapi_about_get(struct gw_req *req, struct gw_reply *rep);

/* api/xapi_statements.c */
void gw_api_xapi_statements_put(struct gw_req *req, struct gw_reply *rep);
void gw_api_xapi_statements_post(struct gw_req *req, struct gw_reply *rep);
void gw_api_xapi_statements_get(struct gw_req *req, struct gw_reply *rep);

/* api/kpis.c */
void gw_api_kpis_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_departments_chargeback_get(struct gw_req *req, struct gw_reply *rep);

#endif
