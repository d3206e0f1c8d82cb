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
    /* the dashboard (static files; the data comes from the API with the user's key) */
    {"GET", "/dashboard", gw_api_dashboard_get, GW_ROLE_PUBLIC, GW_BODY_NONE, 0,
     "The dashboard page.", 0, NULL},
    {"GET", "/dashboard/{file}", gw_api_dashboard_file_get, GW_ROLE_PUBLIC, GW_BODY_NONE, 0,
     "The dashboard's scripts and styles.", 0, NULL},
    {"GET", "/dashboard/vendor/{file}", gw_api_dashboard_vendor_get, GW_ROLE_PUBLIC, GW_BODY_NONE,
     0, "The dashboard's front-end libraries.", 0, NULL},
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
    /* xAPI documents (state, activity and agent profiles), activities, agents */
    {"PUT", "/xapi/activities/state", gw_api_xapi_state_put, XAPI_WRITE, GW_BODY_RAW, 0,
     "Store a state document (?activityId=&agent=[&registration=]&stateId=).", XAPI_FLAGS,
     gw_api_xapi_decorate},
    {"POST", "/xapi/activities/state", gw_api_xapi_state_post, XAPI_WRITE, GW_BODY_RAW, 0,
     "Merge JSON into a state document (?activityId=&agent=[&registration=]&stateId=).", XAPI_FLAGS,
     gw_api_xapi_decorate},
    {"GET", "/xapi/activities/state", gw_api_xapi_state_get, XAPI_READ, GW_BODY_NONE, 0,
     "One state document (?activityId=&agent=[&registration=]&stateId=), or the ids of the "
     "context.",
     XAPI_FLAGS, gw_api_xapi_decorate},
    {"DELETE", "/xapi/activities/state", gw_api_xapi_state_delete, XAPI_WRITE, GW_BODY_NONE, 0,
     "Delete a state document (?activityId=&agent=[&registration=]&stateId=) (all of the context "
     "without stateId).",
     XAPI_FLAGS, gw_api_xapi_decorate},
    {"PUT", "/xapi/activities/profile", gw_api_xapi_activity_profile_put, XAPI_WRITE, GW_BODY_RAW,
     0, "Store a activity profile document (?activityId=&profileId=).", XAPI_FLAGS,
     gw_api_xapi_decorate},
    {"POST", "/xapi/activities/profile", gw_api_xapi_activity_profile_post, XAPI_WRITE, GW_BODY_RAW,
     0, "Merge JSON into a activity profile document (?activityId=&profileId=).", XAPI_FLAGS,
     gw_api_xapi_decorate},
    {"GET", "/xapi/activities/profile", gw_api_xapi_activity_profile_get, XAPI_READ, GW_BODY_NONE,
     0, "One activity profile document (?activityId=&profileId=), or the ids of the context.",
     XAPI_FLAGS, gw_api_xapi_decorate},
    {"DELETE", "/xapi/activities/profile", gw_api_xapi_activity_profile_delete, XAPI_WRITE,
     GW_BODY_NONE, 0, "Delete a activity profile document (?activityId=&profileId=).", XAPI_FLAGS,
     gw_api_xapi_decorate},
    {"PUT", "/xapi/agents/profile", gw_api_xapi_agent_profile_put, XAPI_WRITE, GW_BODY_RAW, 0,
     "Store a agent profile document (?agent=&profileId=).", XAPI_FLAGS, gw_api_xapi_decorate},
    {"POST", "/xapi/agents/profile", gw_api_xapi_agent_profile_post, XAPI_WRITE, GW_BODY_RAW, 0,
     "Merge JSON into a agent profile document (?agent=&profileId=).", XAPI_FLAGS,
     gw_api_xapi_decorate},
    {"GET", "/xapi/agents/profile", gw_api_xapi_agent_profile_get, XAPI_READ, GW_BODY_NONE, 0,
     "One agent profile document (?agent=&profileId=), or the ids of the context.", XAPI_FLAGS,
     gw_api_xapi_decorate},
    {"DELETE", "/xapi/agents/profile", gw_api_xapi_agent_profile_delete, XAPI_WRITE, GW_BODY_NONE,
     0, "Delete a agent profile document (?agent=&profileId=).", XAPI_FLAGS, gw_api_xapi_decorate},
    {"GET", "/xapi/activities", gw_api_xapi_activities_get, XAPI_READ, GW_BODY_NONE, 0,
     "The Activity object with its stored definition (?activityId=).", XAPI_FLAGS,
     gw_api_xapi_decorate},
    {"GET", "/xapi/agents", gw_api_xapi_agents_get, XAPI_READ, GW_BODY_NONE, 0,
     "The Person object for an Agent (?agent=).", XAPI_FLAGS, gw_api_xapi_decorate},
    {0},
};
