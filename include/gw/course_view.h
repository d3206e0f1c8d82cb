/* course_view: what GET /api/v1/requests/{id}, GET /api/v1/courses/{id} and
 * GET /api/v1/rounds/{id} show, in the layers docs/ARCHITECTURE.md describes:
 *  - the store loads the rows as they are into these structs, in one read
 *    transaction each (store/review_org.c: gw_store_request_get;
 *    store/review_views.c: gw_store_round_get, gw_store_course_get);
 *  - the domain evaluates a round at an instant (review/round.c,
 *    gw_review_round_to_json: outcome, who is pending, overdue);
 *  - the API renders them (api/course_views.c, the *_json functions).
 * Each struct owns its texts; free it with its *_free function (safe on a
 * zeroed struct, and twice). Nothing here is shared between threads. */
#ifndef GW_COURSE_VIEW_H
#define GW_COURSE_VIEW_H

#include "gw/review_store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- a course request (course_requests with its approvers) ---- */
struct gw_request_view_approver {
    char person_id[GW_ID_MAX];
    char *name;          /* NULL when unknown */
    int64_t due_ms;      /* a date fixed at intake; 0: none */
    int64_t due_in_days; /* days after the round opens; 0: none */
};

struct gw_request_view {
    char id[GW_ID_MAX];
    char *department_id, *title, *sme_person_id, *project_code; /* NULL when none */
    char *business_case; /* the stored JSON object text; NULL when none */
    int64_t deadline_ms; /* 0: none */
    bool has_effort_low, has_effort_high;
    double effort_low_hours, effort_high_hours;
    char policy_kind[16]; /* "all", "any", "n_of_m", ... as stored */
    int64_t policy_n;
    bool approve_on_silence;
    char *silence_agreed_by; /* NULL when none */
    int64_t silence_agreed_ms, created_ms;
    size_t n_approvers;
    struct gw_request_view_approver *approvers; /* in the order given at intake */
};

/* NOT_FOUND for an unknown id. */
enum gw_err gw_store_request_get(struct gw_store *s, const char *id, struct gw_request_view *out,
                                 struct gw_error *err);
void gw_request_view_free(struct gw_request_view *v);

/* ---- an approval round ---- */
/* What the course page shows of one approver beside their slot in the
 * round: names, and when they were asked (an ask counts once queued: the page
 * may open before the mail leaves) and reminded (sent reminders only). */
struct gw_round_view_approver {
    bool known;                    /* the approver is a known person: the fields below apply */
    char *name, *delegate_name;    /* NULL when unknown / not delegated */
    int64_t asked_ms, reminded_ms; /* 0: not yet */
    int64_t reminders;
};

struct gw_round_view {
    struct gw_review_round round; /* approvers, decisions, policy, as stored */
    char state[32];               /* the round's stored state: open, closed, superseded... */
    char version_id[GW_ID_MAX];
    char sha256[65]; /* of the version's package */
    int64_t number;  /* the round's number within the course */
    char *changes;   /* the stored diff against the previous version (JSON text); NULL */
    bool has_course;
    char *course_title, *department_name; /* NULL when none */
    char course_state[32];
    struct gw_round_view_approver facts[GW_REVIEW_MAX_APPROVERS]; /* by round.approvers index */
};

/* NOT_FOUND for an unknown round. */
enum gw_err gw_store_round_get(struct gw_store *s, const char *round_id, struct gw_round_view *out,
                               struct gw_error *err);
void gw_round_view_free(struct gw_round_view *v);

/* ---- a course with its versions, activity IRIs and rounds ---- */
struct gw_course_view_version {
    char id[GW_ID_MAX], package_id[GW_ID_MAX];
    int64_t number;
    char sha256[65];
    bool valid;
    char *changes; /* the stored diff against the previous version (JSON text); NULL */
    int64_t created_ms;
};

struct gw_course_view_iri {
    char *iri;
    char source[16]; /* "package", "admin", "course" */
};

struct gw_course_view {
    char id[GW_ID_MAX], department_id[GW_ID_MAX];
    char *title;                                              /* NULL when none */
    char *request_id, *author_person_id, *current_version_id; /* NULL when none */
    char state[32];
    int64_t state_since_ms, created_ms;
    size_t n_versions, n_iris, n_rounds;
    struct gw_course_view_version *versions; /* by number */
    struct gw_course_view_iri *iris;         /* by IRI */
    struct gw_round_view *rounds;            /* by number */
};

/* NOT_FOUND for an unknown course. */
enum gw_err gw_store_course_get(struct gw_store *s, const char *id, struct gw_course_view *out,
                                struct gw_error *err);
void gw_course_view_free(struct gw_course_view *v);

/* ---- the API's JSON (api/course_views.c); each a new reference ---- */
/* {"id","department_id","title","sme_person_id","business_case","deadline",
 *  "effort_hours":{"low","high"},"project_code","policy":{"kind","required",
 *  "approve_on_silence","silence_agreed_by","silence_agreed_at"},"created",
 *  "approvers":[{"person_id","name","due_date","due_in_days"}]} */
json_t *gw_request_view_json(const struct gw_request_view *v);
/* The round as gw_review_round_to_json evaluates it at now_ms, plus
 * "round_state", "version_id", "version_sha256", "changes", "number",
 * "course": {id,title,state,department}, and per approver "name",
 * "delegate_name", "asked_at", "reminded_at", "reminders". */
json_t *gw_round_view_json(const struct gw_round_view *v, int64_t now_ms);
/* {"id","title","state","state_since","department_id","request_id",
 *  "author_person_id","current_version_id","created","versions":[{"id",
 *  "number","package_id","sha256","valid","changes","created"}],
 *  "iris":[{"iri","source"}],"rounds":[gw_round_view_json]} */
json_t *gw_course_view_json(const struct gw_course_view *v, int64_t now_ms);
/* Load and render in one step, for the API's replies: *out is the JSON
 * (a new reference) or NULL with the store's error. */
enum gw_err gw_api_request_json(struct gw_store *s, const char *id, json_t **out,
                                struct gw_error *err);
enum gw_err gw_api_round_json(struct gw_store *s, const char *id, int64_t now_ms, json_t **out,
                              struct gw_error *err);
enum gw_err gw_api_course_json(struct gw_store *s, const char *id, int64_t now_ms, json_t **out,
                               struct gw_error *err);

#endif
