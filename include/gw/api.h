/* Handlers, one file per resource in gateway/api/. Each is named by
 * resource and method and is listed in THE route table (http/routes.c). */
#ifndef GW_API_H
#define GW_API_H

#include "gw/http.h"
#include "gw/xapi.h"
#include "gw/xapi_docs_store.h"

/* api/health.c */
void gw_api_healthz_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_readyz_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_metrics_get(struct gw_req *req, struct gw_reply *rep);

/* api/meta.c */
void gw_api_index_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_whoami_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_clock_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_clock_post(struct gw_req *req, struct gw_reply *rep);

/* api/keys.c */
void gw_api_keys_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_keys_post(struct gw_req *req, struct gw_reply *rep);
void gw_api_keys_delete(struct gw_req *req, struct gw_reply *rep);

/* api/dashboard.c: /dashboard, the old KPI dashboard's address (a redirect) */
void gw_api_dashboard_get(struct gw_req *req, struct gw_reply *rep);
/* A file name[.html|.js|.css] of web_root/dir (no paths: plain names only),
 * with the Content-Security-Policy csp. */
void gw_api_static_file(struct gw_req *req, struct gw_reply *rep, const char *dir, const char *name,
                        const char *csp);

/* api/review_link.c: the review page for a signed-in approver */
void gw_api_review_app_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_review_app_post(struct gw_req *req, struct gw_reply *rep);

/* api/session.c: signing in to the web app (gw/session.h) */
void gw_api_signin_post(struct gw_req *req, struct gw_reply *rep);
void gw_api_signin_page_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_signin_page_post(struct gw_req *req, struct gw_reply *rep);
void gw_api_session_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_session_delete(struct gw_req *req, struct gw_reply *rep);
void gw_api_session_signout_everywhere(struct gw_req *req, struct gw_reply *rep);
/* api/dashboard.c: the web app's page at / and its files at /app/{file} */
void gw_api_root_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_app_file_get(struct gw_req *req, struct gw_reply *rep);

/* api/preview.c: the course preview on the content origin (gw/preview.h) */
void gw_api_preview_play_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_preview_file_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_player_asset_get(struct gw_req *req, struct gw_reply *rep);
/* api/preview_xapi.c: the preview LRS on the content origin */
void gw_api_preview_fetch_post(struct gw_req *req, struct gw_reply *rep);
void gw_api_preview_about_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_preview_statements_put(struct gw_req *req, struct gw_reply *rep);
void gw_api_preview_statements_post(struct gw_req *req, struct gw_reply *rep);
void gw_api_preview_statements_get(struct gw_req *req, struct gw_reply *rep);
/* State, activity profile and agent profile: every method */
void gw_api_preview_state(struct gw_req *req, struct gw_reply *rep);
void gw_api_preview_activity_profile(struct gw_req *req, struct gw_reply *rep);
void gw_api_preview_agent_profile(struct gw_req *req, struct gw_reply *rep);
void gw_api_preview_reported_get(struct gw_req *req, struct gw_reply *rep);

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
/* The parameter checks of a document request, as its handler runs them
 * after the version header, without a request or a store (tests, fuzzing):
 * params (n name/value pairs, in the query's order) of a State, Activity
 * Profile or Agent Profile request with method "PUT", "POST", "GET" or
 * "DELETE" under version v. GW_OK or the error the handler would reply. */
enum gw_err gw_api_xapi_doc_params_check(enum gw_xapi_doc_kind kind, const char *method,
                                         enum gw_xapi_version v,
                                         const struct gw_xapi_qparam *params, size_t n,
                                         struct gw_error *e);
void gw_api_xapi_activities_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_xapi_agents_get(struct gw_req *req, struct gw_reply *rep);
/* Where the document handlers keep documents: the LRS's own table, or one
 * preview scope's (api/preview_xapi.c). Each runs inside the handler's
 * transaction with gw/xapi_docs_store.h's semantics; ud is passed back. A
 * function may refuse with GW_QS_HARD and err set (the reply is that
 * error). */
struct gw_api_xapi_doc_store {
    enum gw_qs (*load)(struct gw_db *db, void *ud, const struct gw_xapi_doc_key *k,
                       struct gw_xapi_doc *out, struct gw_error *err);
    enum gw_qs (*save)(struct gw_db *db, void *ud, const struct gw_xapi_doc_key *k,
                       const char *content_type, const void *content, size_t len,
                       int64_t updated_ms, struct gw_error *err);
    enum gw_qs (*remove)(struct gw_db *db, void *ud, const struct gw_xapi_doc_key *k,
                         struct gw_error *err);
    enum gw_qs (*ids)(struct gw_db *db, void *ud, const struct gw_xapi_doc_key *k, int64_t since_ms,
                      json_t *ids, struct gw_error *err);
    void *ud;
};
/* A State, Activity Profile or Agent Profile request (the route's method)
 * handled as the LRS handles it (version header, parameters, preconditions,
 * POST's merge, replies), over docs. */
void gw_api_xapi_doc_handle(struct gw_req *req, struct gw_reply *rep, enum gw_xapi_doc_kind kind,
                            const struct gw_api_xapi_doc_store *docs);

/* api/review_org.c: departments, people, course requests */
void gw_api_departments_post(struct gw_req *req, struct gw_reply *rep);
void gw_api_departments_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_department_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_department_settings_put(struct gw_req *req, struct gw_reply *rep);
void gw_api_people_post(struct gw_req *req, struct gw_reply *rep);
void gw_api_people_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_requests_post(struct gw_req *req, struct gw_reply *rep);
void gw_api_request_get(struct gw_req *req, struct gw_reply *rep);

/* api/courses.c: courses, versions, submit */
void gw_api_courses_post(struct gw_req *req, struct gw_reply *rep);
void gw_api_course_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_course_versions_post(struct gw_req *req, struct gw_reply *rep);
void gw_api_course_submit_post(struct gw_req *req, struct gw_reply *rep);
void gw_api_course_effort_post(struct gw_req *req, struct gw_reply *rep);
void gw_api_course_effort_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_course_iris_post(struct gw_req *req, struct gw_reply *rep);

/* api/rounds.c: approval rounds, decisions, delegation */
void gw_api_round_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_round_decisions_post(struct gw_req *req, struct gw_reply *rep);
void gw_api_round_delegate_post(struct gw_req *req, struct gw_reply *rep);

/* api/review_link.c: the one-click approval page (public; GET never decides) */
void gw_api_review_link_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_review_link_post(struct gw_req *req, struct gw_reply *rep);

/* api/schedule.c: the public delivery schedule (its share link; the page) */
void gw_api_schedule_link_post(struct gw_req *req, struct gw_reply *rep);
void gw_api_schedule_link_delete(struct gw_req *req, struct gw_reply *rep);
void gw_api_schedule_page_get(struct gw_req *req, struct gw_reply *rep);

/* api/review_audit.c: the audit log export */
void gw_api_audit_get(struct gw_req *req, struct gw_reply *rep);
/* api/pipeline.c: the pipeline view (gw/pipeline.h) */
void gw_api_pipeline_get(struct gw_req *req, struct gw_reply *rep);

/* api/publish.c: the publish outbox seen from a course */
void gw_api_course_publish_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_course_announcement_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_course_publish_retry_post(struct gw_req *req, struct gw_reply *rep);
void gw_api_course_retire_post(struct gw_req *req, struct gw_reply *rep);
/* api/kpis.c */
void gw_api_kpis_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_course_kpis_get(struct gw_req *req, struct gw_reply *rep);
void gw_api_departments_chargeback_get(struct gw_req *req, struct gw_reply *rep);

#endif
