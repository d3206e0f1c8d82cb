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

/* api/dashboard.c: the dashboard's static files */
void gw_api_dashboard_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_dashboard_file_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_dashboard_vendor_get(struct gw_req *req, struct gw_reply *rep);

/* api/openapi.c: the API description generated from the route table. */
json_t *gw_api_openapi_json(void);

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

/* api/xapi_documents.c: the State, Activity Profile and Agent Profile
 * document resources, and the Activities and Agents resources. */
void gw_api_xapi_state_put(struct gw_req *req, struct gw_reply *rep);
void gw_api_xapi_state_post(struct gw_req *req, struct gw_reply *rep);
void gw_api_xapi_state_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_xapi_state_delete(struct gw_req *req, struct gw_reply *rep);
void gw_api_xapi_activity_profile_put(struct gw_req *req, struct gw_reply *rep);
void gw_api_xapi_activity_profile_post(struct gw_req *req, struct gw_reply *rep);
void gw_api_xapi_activity_profile_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_xapi_activity_profile_delete(struct gw_req *req, struct gw_reply *rep);
void gw_api_xapi_agent_profile_put(struct gw_req *req, struct gw_reply *rep);
void gw_api_xapi_agent_profile_post(struct gw_req *req, struct gw_reply *rep);
void gw_api_xapi_agent_profile_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_xapi_agent_profile_delete(struct gw_req *req, struct gw_reply *rep);
void gw_api_xapi_activities_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_xapi_agents_get(struct gw_req *req, struct gw_reply *rep);

#endif
