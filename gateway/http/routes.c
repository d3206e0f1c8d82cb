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
/* bi and admin read every department; people (authors, approvers) only the
 * departments they head, which api/kpis.c checks (gw/kpi_access.h) */
#define KPI_READ (GW_ROLE_BI | GW_ROLE_ADMIN | GW_ROLE_AUTHOR | GW_ROLE_APPROVER)
#define XAPI_FLAGS (GW_ROUTE_CORS | GW_ROUTE_XAPI_BODY | GW_ROUTE_XAPI_VERSION)

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
    /* the old KPI dashboard's address */
    {"GET", "/dashboard", gw_api_dashboard_get, GW_ROLE_PUBLIC, GW_BODY_NONE, 0,
     "Where the KPI dashboard was: 301 to the web app's departments (/#departments).", 0, NULL},
    /* the web app (static files; the data comes from the API with the session cookie) */
    {"GET", "/", gw_api_root_get, GW_ROLE_PUBLIC, GW_BODY_NONE, 0,
     "The web app: the sign-in page, then the pipeline board.", 0, NULL},
    {"GET", "/app/{file}", gw_api_app_file_get, GW_ROLE_PUBLIC, GW_BODY_NONE, 0,
     "The web app's modules and style.", 0, NULL},
    /* signing in to the web app by e-mail (gw/session.h) */
    {"POST", "/api/v1/signin", gw_api_signin_post, GW_ROLE_PUBLIC, GW_BODY_JSON, 4096,
     "Mail a single-use sign-in link. Body: email. 202 whether or not the address is someone's; "
     "429 over signin_max_per_hour.",
     0, NULL},
    {"GET", "/signin/{token}", gw_api_signin_page_get, GW_ROLE_PUBLIC, GW_BODY_NONE, 0,
     "The sign-in link's page: a Sign in button (a GET never signs in).", GW_ROUTE_SECRET_PATH,
     NULL},
    {"POST", "/signin/{token}", gw_api_signin_page_post, GW_ROLE_PUBLIC, GW_BODY_RAW, 1024,
     "Use the sign-in link: sets the session cookie and sends the browser to the app.",
     GW_ROUTE_SECRET_PATH, NULL},
    /* API v1 */
    {"GET", "/api/v1", gw_api_index_get, ANY_KEY, GW_BODY_NONE, 0, "This index of routes.", 0,
     NULL},
    {"GET", "/api/v1/session", gw_api_session_get, ANY_KEY, GW_BODY_NONE, 0,
     "Who is signed in (person, roles), the CSRF token to send as X-CSRF-Token with changes, "
     "and when the session ends; for an API key, the key.",
     0, NULL},
    {"DELETE", "/api/v1/session", gw_api_session_delete, ANY_KEY, GW_BODY_NONE, 0,
     "Sign out (this session).", 0, NULL},
    {"POST", "/api/v1/session/signout-everywhere", gw_api_session_signout_everywhere, ANY_KEY,
     GW_BODY_NONE, 0, "End every session of the signed-in person.", 0, NULL},
    {"GET", "/api/v1/whoami", gw_api_whoami_get, ANY_KEY, GW_BODY_NONE, 0,
     "The calling key's id, name and role.", 0, NULL},
    {"GET", "/api/v1/clock", gw_api_clock_get, ADMIN, GW_BODY_NONE, 0,
     "The gateway's time: now, whether it is movable (clock_movable) and how far it was moved.", 0,
     NULL},
    {"POST", "/api/v1/clock", gw_api_clock_post, ADMIN, GW_BODY_JSON, 1024,
     "Tests and demos only (clock_movable): move the gateway's time forward. Body: advance_hours "
     "(1..87600). 409 CLOCK_NOT_MOVABLE on a gateway on the real clock.",
     0, NULL},
    {"GET", "/api/v1/keys", gw_api_keys_get, ADMIN, GW_BODY_NONE, 0,
     "List API keys with their xAPI dedup_window_s and dedup_members.", 0, NULL},
    {"POST", "/api/v1/keys", gw_api_keys_post, ADMIN, GW_BODY_JSON, 16 * 1024,
     "Create an API key; the secret is returned once. Body: name, role; optional dedup_window_s "
     "(0..604800; lms keys default to 604800), dedup_members (array of actor, verb, object, "
     "result, timestamp, registration, context; must hold actor, verb and object; default "
     "actor, verb, object, result, timestamp: Moodle's resends), hmac, person_id.",
     0, NULL},
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
/* review: departments, people, requests, courses, rounds, audit */
#define APPROVERS (GW_ROLE_APPROVER | GW_ROLE_ADMIN)
#define PIPELINE (GW_ROLE_AUTHOR | GW_ROLE_APPROVER | GW_ROLE_ADMIN | GW_ROLE_BI)
    {"GET", "/api/v1/departments", gw_api_departments_get, PEOPLE, GW_BODY_NONE, 0,
     "List departments with their settings.", 0, NULL},
    {"POST", "/api/v1/departments", gw_api_departments_post, ADMIN, GW_BODY_JSON, 64 * 1024,
     "Create a department (cost center, head, reminder/escalation, chargeback, chat webhooks).", 0,
     NULL},
    {"GET", "/api/v1/departments/{id}", gw_api_department_get, PEOPLE, GW_BODY_NONE, 0,
     "A department with its settings.", 0, NULL},
    {"PUT", "/api/v1/departments/{id}/settings", gw_api_department_settings_put, ADMIN,
     GW_BODY_JSON, 64 * 1024, "Replace a department's settings.", 0, NULL},
    {"POST", "/api/v1/departments/{id}/schedule-link", gw_api_schedule_link_post, PIPELINE,
     GW_BODY_NONE, 0,
     "Share the department's delivery schedule (its head or an admin): answers {url, path}, the "
     "link /s/{token}, shown once; replaces the department's previous link.",
     0, NULL},
    {"DELETE", "/api/v1/departments/{id}/schedule-link", gw_api_schedule_link_delete, PIPELINE,
     GW_BODY_NONE, 0,
     "Revoke the department's schedule link (its head or an admin); the link answers 404 at once.",
     0, NULL},
    {"GET", "/api/v1/people", gw_api_people_get, PEOPLE, GW_BODY_NONE, 0, "List people.", 0, NULL},
    {"POST", "/api/v1/people", gw_api_people_post, ADMIN, GW_BODY_JSON, 16 * 1024,
     "Add a person (name, email, department; roles in the web app: admin, author, approver, bi; "
     "default approver).",
     0, NULL},
    {"POST", "/api/v1/requests", gw_api_requests_post, ADMIN, GW_BODY_JSON, 128 * 1024,
     "Record a course request: business case, policy and the approvers named at kickoff.", 0, NULL},
    {"GET", "/api/v1/requests/{id}", gw_api_request_get, PEOPLE, GW_BODY_NONE, 0,
     "A course request with its approvers.", 0, NULL},
    {"POST", "/api/v1/courses", gw_api_courses_post, AUTHOR, GW_BODY_JSON, 16 * 1024,
     "Create a course for a request.", 0, NULL},
    {"GET", "/api/v1/courses/{id}", gw_api_course_get, PEOPLE, GW_BODY_NONE, 0,
     "A course: state, versions, rounds, activity IRIs, publish jobs.", 0, NULL},
    {"POST", "/api/v1/courses/{id}/versions", gw_api_course_versions_post, AUTHOR, GW_BODY_JSON,
     16 * 1024,
     "Add an uploaded package as the course's next version; the reply carries the package's "
     "verdict (valid, errors, warnings, blocking_findings, report).",
     0, NULL},
    {"POST", "/api/v1/courses/{id}/submit", gw_api_course_submit_post, AUTHOR, GW_BODY_NONE, 0,
     "Submit the validated version: opens an approval round and asks the approvers.", 0, NULL},
    {"POST", "/api/v1/courses/{id}/iris", gw_api_course_iris_post, ADMIN, GW_BODY_JSON, 64 * 1024,
     "Register more activity IRIs for a course; stored statements under them are attributed.", 0,
     NULL},
    {"POST", "/api/v1/courses/{id}/effort", gw_api_course_effort_post, AUTHOR, GW_BODY_JSON,
     16 * 1024, "Log hours spent on a course (chargeback).", 0, NULL},
    {"GET", "/api/v1/courses/{id}/effort", gw_api_course_effort_get, PIPELINE, GW_BODY_NONE, 0,
     "A course's effort log, project code and, when the department is charged, the amount.", 0,
     NULL},
    {"GET", "/api/v1/rounds/{id}", gw_api_round_get, PEOPLE, GW_BODY_NONE, 0,
     "An approval round as evaluated now.", 0, NULL},
    {"POST", "/api/v1/rounds/{id}/decisions", gw_api_round_decisions_post, APPROVERS, GW_BODY_JSON,
     64 * 1024, "Decide: approve, request_changes or reject (with a comment).", 0, NULL},
    {"POST", "/api/v1/rounds/{id}/delegate", gw_api_round_delegate_post, APPROVERS, GW_BODY_JSON,
     16 * 1024, "Delegate an approver's decision to a named colleague.", 0, NULL},
    {"GET", "/api/v1/audit", gw_api_audit_get, PEOPLE, GW_BODY_NONE, 0,
     "The audit log as JSON (verbatim chained lines) or CSV (?format=csv).", 0, NULL},
    {"GET", "/api/v1/pipeline", gw_api_pipeline_get, PIPELINE, GW_BODY_NONE, 0,
     "Every course: state, days in state, who holds it, stalled: the delivery schedule.", 0, NULL},
    /* the content origin (its own listener, gw/preview.h): the course preview */
    {"GET", "/c/{cap}/play", gw_api_preview_play_get, GW_ROLE_PUBLIC, GW_BODY_NONE, 0,
     "Content origin: the player page running the package a preview capability names.",
     GW_ROUTE_CONTENT | GW_ROUTE_SECRET_PATH, NULL},
    {"GET", "/c/{cap}/f/{path+}", gw_api_preview_file_get, GW_ROLE_PUBLIC, GW_BODY_NONE, 0,
     "Content origin: a file of the package, from its zip (byte ranges).",
     GW_ROUTE_CONTENT | GW_ROUTE_SECRET_PATH, NULL},
/* the preview LRS (api/preview_xapi.c): the capability in the path is the
 * credential; xapi/ routes but about also need the fetch URL's auth-token */
#define PREVIEW_FLAGS (GW_ROUTE_CONTENT | GW_ROUTE_SECRET_PATH)
#define PREVIEW_XAPI (PREVIEW_FLAGS | GW_ROUTE_XAPI_BODY | GW_ROUTE_XAPI_VERSION)
#define PREVIEW_STATEMENTS_MAX (1024 * 1024)
#define PREVIEW_DOCUMENT_MAX (256 * 1024)
    {"POST", "/c/{cap}/fetch", gw_api_preview_fetch_post, GW_ROLE_PUBLIC, GW_BODY_NONE, 0,
     "Content origin: cmi5's fetch URL; answers {\"auth-token\"} for the preview LRS (the same "
     "token every time).",
     PREVIEW_FLAGS, NULL},
    {"GET", "/c/{cap}/xapi/about", gw_api_preview_about_get, GW_ROLE_PUBLIC, GW_BODY_NONE, 0,
     "Content origin: the xAPI versions the preview LRS speaks.", PREVIEW_FLAGS,
     gw_api_xapi_decorate},
    {"PUT", "/c/{cap}/xapi/statements", gw_api_preview_statements_put, GW_ROLE_PUBLIC, GW_BODY_RAW,
     PREVIEW_STATEMENTS_MAX,
     "Preview LRS: store one statement (?statementId=), kept apart from learners' statements.",
     PREVIEW_XAPI, gw_api_xapi_decorate},
    {"POST", "/c/{cap}/xapi/statements", gw_api_preview_statements_post, GW_ROLE_PUBLIC,
     GW_BODY_RAW, PREVIEW_STATEMENTS_MAX,
     "Preview LRS: store a statement or an array of them (application/json); answers their ids.",
     PREVIEW_XAPI, gw_api_xapi_decorate},
    {"GET", "/c/{cap}/xapi/statements", gw_api_preview_statements_get, GW_ROLE_PUBLIC, GW_BODY_NONE,
     0,
     "Preview LRS: one statement (?statementId=) or the newest (since, until, verb, activity, "
     "limit up to 100, ascending, format; no more link).",
     PREVIEW_XAPI, gw_api_xapi_decorate},
    {"GET", "/c/{cap}/xapi/activities/state", gw_api_preview_state, GW_ROLE_PUBLIC, GW_BODY_NONE, 0,
     "Preview LRS: a state document or the ids of a context; LMS.LaunchData of an AU is cmi5's "
     "LaunchData.",
     PREVIEW_XAPI, gw_api_xapi_decorate},
    {"PUT", "/c/{cap}/xapi/activities/state", gw_api_preview_state, GW_ROLE_PUBLIC, GW_BODY_RAW,
     PREVIEW_DOCUMENT_MAX, "Preview LRS: store a state document.", PREVIEW_XAPI,
     gw_api_xapi_decorate},
    {"POST", "/c/{cap}/xapi/activities/state", gw_api_preview_state, GW_ROLE_PUBLIC, GW_BODY_RAW,
     PREVIEW_DOCUMENT_MAX, "Preview LRS: merge JSON into a state document.", PREVIEW_XAPI,
     gw_api_xapi_decorate},
    {"DELETE", "/c/{cap}/xapi/activities/state", gw_api_preview_state, GW_ROLE_PUBLIC, GW_BODY_NONE,
     0, "Preview LRS: delete a state document, or a context's.", PREVIEW_XAPI,
     gw_api_xapi_decorate},
    {"GET", "/c/{cap}/xapi/activities/profile", gw_api_preview_activity_profile, GW_ROLE_PUBLIC,
     GW_BODY_NONE, 0, "Preview LRS: an activity profile document or the ids of an activity's.",
     PREVIEW_XAPI, gw_api_xapi_decorate},
    {"PUT", "/c/{cap}/xapi/activities/profile", gw_api_preview_activity_profile, GW_ROLE_PUBLIC,
     GW_BODY_RAW, PREVIEW_DOCUMENT_MAX, "Preview LRS: store an activity profile document.",
     PREVIEW_XAPI, gw_api_xapi_decorate},
    {"POST", "/c/{cap}/xapi/activities/profile", gw_api_preview_activity_profile, GW_ROLE_PUBLIC,
     GW_BODY_RAW, PREVIEW_DOCUMENT_MAX,
     "Preview LRS: merge JSON into an activity profile document.", PREVIEW_XAPI,
     gw_api_xapi_decorate},
    {"DELETE", "/c/{cap}/xapi/activities/profile", gw_api_preview_activity_profile, GW_ROLE_PUBLIC,
     GW_BODY_NONE, 0, "Preview LRS: delete an activity profile document.", PREVIEW_XAPI,
     gw_api_xapi_decorate},
    {"GET", "/c/{cap}/xapi/agents/profile", gw_api_preview_agent_profile, GW_ROLE_PUBLIC,
     GW_BODY_NONE, 0,
     "Preview LRS: an agent profile document (cmi5LearnerPreferences: 404 until one is stored) "
     "or the ids of an agent's.",
     PREVIEW_XAPI, gw_api_xapi_decorate},
    {"PUT", "/c/{cap}/xapi/agents/profile", gw_api_preview_agent_profile, GW_ROLE_PUBLIC,
     GW_BODY_RAW, PREVIEW_DOCUMENT_MAX, "Preview LRS: store an agent profile document.",
     PREVIEW_XAPI, gw_api_xapi_decorate},
    {"POST", "/c/{cap}/xapi/agents/profile", gw_api_preview_agent_profile, GW_ROLE_PUBLIC,
     GW_BODY_RAW, PREVIEW_DOCUMENT_MAX, "Preview LRS: merge JSON into an agent profile document.",
     PREVIEW_XAPI, gw_api_xapi_decorate},
    {"DELETE", "/c/{cap}/xapi/agents/profile", gw_api_preview_agent_profile, GW_ROLE_PUBLIC,
     GW_BODY_NONE, 0, "Preview LRS: delete an agent profile document.", PREVIEW_XAPI,
     gw_api_xapi_decorate},
    {"GET", "/c/{cap}/preview/reported", gw_api_preview_reported_get, GW_ROLE_PUBLIC, GW_BODY_NONE,
     0,
     "Content origin: what the course reported to the preview LRS (?since=<stored_ms>), newest "
     "first, at most 50, for the player.",
     PREVIEW_FLAGS, NULL},
    {"GET", "/_player/{file}", gw_api_player_asset_get, GW_ROLE_PUBLIC, GW_BODY_NONE, 0,
     "Content origin: the player's scripts (scorm-again) and style.", GW_ROUTE_CONTENT, NULL},
    {"GET", "/review/{round}", gw_api_review_app_get, PEOPLE, GW_BODY_NONE, 0,
     "The review page of a round for the signed-in approver (the page of the mailed link).", 0,
     NULL},
    {"POST", "/review/{round}", gw_api_review_app_post, PEOPLE, GW_BODY_RAW, 16 * 1024,
     "Decide on the review page as the signed-in approver (form: decision, comment, "
     "csrf_token).",
     GW_ROUTE_FORM_CSRF, NULL},
    {"GET", "/s/{token}", gw_api_schedule_page_get, GW_ROLE_PUBLIC, GW_BODY_NONE, 0,
     "The public delivery schedule of the department whose share link this is (read-only).",
     GW_ROUTE_SECRET_PATH, NULL},
    {"GET", "/r/{token}", gw_api_review_link_get, GW_ROLE_PUBLIC, GW_BODY_NONE, 0,
     "The one-click approval page (shows; never decides).", GW_ROUTE_SECRET_PATH, NULL},
    {"POST", "/r/{token}", gw_api_review_link_post, GW_ROLE_PUBLIC, GW_BODY_RAW, 16 * 1024,
     "Confirm a decision from the one-click approval page.", GW_ROUTE_SECRET_PATH, NULL},
    /* KPIs (gateway/api/kpis.c) */
    {"GET", "/api/v1/kpis", gw_api_kpis_get, KPI_READ, GW_BODY_NONE, 0,
     "Learner KPIs as flat records per department, course or month (JSON or CSV); bi and admin "
     "see every department, a department's head only the departments they head.",
     0, NULL},
    {"GET", "/api/v1/courses/{id}/kpis", gw_api_course_kpis_get, PIPELINE, GW_BODY_NONE, 0,
     "One course's learner KPIs (the record of /api/v1/kpis?group_by=course), for admin and bi, "
     "the course's author and its requesting department's head; anyone else answers 403.",
     0, NULL},
    {"GET", "/api/v1/departments/{id}/chargeback", gw_api_departments_chargeback_get, KPI_READ,
     GW_BODY_NONE, 0,
     "A department's chargeback lines for ?month=YYYY-MM (JSON, or CSV as a download); bi, admin "
     "and the department's head.",
     0, NULL},
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
    /* publish: the outbox seen from a course */
    {"GET", "/api/v1/courses/{id}/publish", gw_api_course_publish_get, PIPELINE, GW_BODY_NONE, 0,
     "A course on the LMS: its LMS ids per target, its publish and retire jobs, the last error, "
     "and waiting_for: what the course waits for, in words (null when nothing).",
     0, NULL},
    {"GET", "/api/v1/courses/{id}/announcement", gw_api_course_announcement_get, AUTHOR,
     GW_BODY_NONE, 0,
     "A preview of the course's launch announcement: subject, body, the plan's recipients, chat.",
     0, NULL},
    {"POST", "/api/v1/courses/{id}/publish/retry", gw_api_course_publish_retry_post, ADMIN,
     GW_BODY_NONE, 0, "Retry a failed publish (publish_failed -> publishing; the job is queued).",
     0, NULL},
    {"POST", "/api/v1/courses/{id}/retire", gw_api_course_retire_post, ADMIN, GW_BODY_NONE, 0,
     "Take a published course off the LMS (queues a retire job; then the course is retired).", 0,
     NULL},
    {0},
};

/* The 405s that explain themselves (see struct gw_route_note). */
const struct gw_route_note gw_route_notes[] = {
    {NULL, "/api/v1/courses/{id}/publish",
     "Publishing is automatic: when the last approval of the course's review round lands, the "
     "course is published to the LMS by itself (GET {path} shows the job and what the course "
     "waits for). An admin retries a failed publish with POST {path}/retry."},
    {NULL, NULL, NULL},
};
