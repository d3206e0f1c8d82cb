/* routes.c: THE route table, the API's index. Every route declares its
 * method, path, handler, the roles that may call it, what the router does
 * with its body and the body's size limit. tests/http/test_auth_matrix.c
 * walks this table, so a new route is covered by the auth tests at once. */
#include "gw/api.h"
#include "gw/http.h"

#define ADMIN GW_ROLE_ADMIN
#define ANY_KEY GW_ROLES_ALL
#define AUTHOR (GW_ROLE_AUTHOR | GW_ROLE_ADMIN)
#define PEOPLE (GW_ROLE_AUTHOR | GW_ROLE_APPROVER | GW_ROLE_ADMIN)
#define XAPI_WRITE (GW_ROLE_LMS | GW_ROLE_ADMIN)
#define XAPI_READ (GW_ROLE_LMS | GW_ROLE_BI | GW_ROLE_ADMIN)
#define KPI_READ (GW_ROLE_BI | GW_ROLE_ADMIN)
#define XAPI_FLAGS (GW_ROUTE_CORS | GW_ROUTE_XAPI_BODY)

/* Columns: method, path, handler, roles, body, body limit (0 = configured
 * max_json_body), summary, flags, decorate. */
const struct gw_route gw_routes[] = {
    /* service */
    {"GET", "/healthz", gw_api_healthz_get, GW_ROLE_PUBLIC, GW_BODY_NONE, 0,
     "Liveness: the process answers.", 0, NULL},
    {"GET", "/readyz", gw_api_readyz_get, GW_ROLE_PUBLIC, GW_BODY_NONE, 0,
     "Readiness: the store answers.", 0, NULL},
    {"GET", "/metrics", gw_api_metrics_get, GW_ROLE_PUBLIC, GW_BODY_NONE, 0, "Prometheus metrics.",
     0, NULL},
    /* API v1 */
    {"GET", "/api/v1", gw_api_index_get, ANY_KEY, GW_BODY_NONE, 0, "This index of routes.", 0,
     NULL},
    {"GET", "/api/v1/whoami", gw_api_whoami_get, ANY_KEY, GW_BODY_NONE, 0,
     "The calling key's id, name and role.", 0, NULL},
    {"GET", "/api/v1/keys", gw_api_keys_get, ADMIN, GW_BODY_NONE, 0, "List API keys.", 0, NULL},
    {"POST", "/api/v1/keys", gw_api_keys_post, ADMIN, GW_BODY_JSON, 16 * 1024,
     "Create an API key; the secret is returned once.", 0, NULL},
    {"DELETE", "/api/v1/keys/{id}", gw_api_keys_delete, ADMIN, GW_BODY_NONE, 0,
     "Revoke an API key.", 0, NULL},
    /* course packages */
    {"POST", "/api/v1/packages", gw_api_packages_post, AUTHOR, GW_BODY_FILE, 0,
     "Upload a course package (zip body or multipart 'file'); answers its validation report.", 0,
     NULL},
    {"GET", "/api/v1/packages/{id}", gw_api_packages_get, PEOPLE, GW_BODY_NONE, 0,
     "A package with its validation report.", 0, NULL},
    {"GET", "/api/v1/packages/{id}/report", gw_api_packages_report_get, PEOPLE, GW_BODY_NONE, 0,
     "A package's validation report.", 0, NULL},
    /* KPIs (gateway/api/kpis.c) */
    {"GET", "/api/v1/kpis", gw_api_kpis_get, KPI_READ, GW_BODY_NONE, 0,
     "Learner KPIs as flat records per department, course or month (JSON or CSV).", 0, NULL},
    {"GET", "/api/v1/departments/{id}/chargeback", gw_api_departments_chargeback_get, KPI_READ,
     GW_BODY_NONE, 0, "A department's chargeback lines for ?month=YYYY-MM (JSON or CSV).", 0, NULL},
    /* xAPI LRS */
    {"GET", "/xapi/about", gw_api_xapi_about_get, GW_ROLE_PUBLIC, GW_BODY_NONE, 0,
     "The xAPI versions this LRS speaks.", GW_ROUTE_CORS, gw_api_xapi_decorate},
    {"PUT", "/xapi/statements", gw_api_xapi_statements_put, XAPI_WRITE, GW_BODY_RAW, 0,
     "Store one statement with ?statementId=.", XAPI_FLAGS, gw_api_xapi_decorate_statements},
    {"POST", "/xapi/statements", gw_api_xapi_statements_post, XAPI_WRITE, GW_BODY_RAW, 0,
     "Store a statement or an array of statements; answers their ids.", XAPI_FLAGS,
     gw_api_xapi_decorate_statements},
    {"GET", "/xapi/statements", gw_api_xapi_statements_get, XAPI_READ, GW_BODY_NONE, 0,
     "One statement by id, or a filtered page of statements.", XAPI_FLAGS,
     gw_api_xapi_decorate_statements},
    {0},
};
