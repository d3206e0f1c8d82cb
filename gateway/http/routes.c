/* routes.c: THE route table, the API's index. Every route declares its
 * method, path, handler, the roles that may call it, what the router does
 * with its body and the body's size limit. tests/http/test_auth_matrix.c
 * walks this table, so a new route is covered by the auth tests at once. */
#include "gw/api.h"
#include "gw/http.h"

#define ADMIN GW_ROLE_ADMIN
#define ANY_KEY GW_ROLES_ALL

const struct gw_route gw_routes[] = {
    /* service */
    {"GET", "/healthz", gw_api_healthz_get, GW_ROLE_PUBLIC, GW_BODY_NONE, 0,
     "Liveness: the process answers."},
    {"GET", "/readyz", gw_api_readyz_get, GW_ROLE_PUBLIC, GW_BODY_NONE, 0,
     "Readiness: the store answers."},
    {"GET", "/metrics", gw_api_metrics_get, GW_ROLE_PUBLIC, GW_BODY_NONE, 0, "Prometheus metrics."},
    /* API v1 */
    {"GET", "/api/v1", gw_api_index_get, ANY_KEY, GW_BODY_NONE, 0, "This index of routes."},
    {"GET", "/api/v1/whoami", gw_api_whoami_get, ANY_KEY, GW_BODY_NONE, 0,
     "The calling key's id, name and role."},
    {"GET", "/api/v1/keys", gw_api_keys_get, ADMIN, GW_BODY_NONE, 0, "List API keys."},
    {"POST", "/api/v1/keys", gw_api_keys_post, ADMIN, GW_BODY_JSON, 16 * 1024,
     "Create an API key; the secret is returned once."},
    {"DELETE", "/api/v1/keys/{id}", gw_api_keys_delete, ADMIN, GW_BODY_NONE, 0,
     "Revoke an API key."},
    {0},
};
