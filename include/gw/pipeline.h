/* The pipeline view (GET /api/v1/pipeline, the web app's board): every
 * course with its state, who holds it, due dates, escalations and stalled
 * flags, and every request no course was made for yet. Three layers, as
 * docs/ARCHITECTURE.md describes:
 *  - the store loads the rows as they are (store/pipeline.c,
 *    gw_store_pipeline_load), in one read transaction;
 *  - the domain decides what they mean at an instant (review/pipeline.c,
 *    gw_pipeline_assess: holder, days in state, overdue, stalled by the
 *    department's threshold, a passed deadline, the announcement in words);
 *  - the API renders it (api/pipeline.c, gw_pipeline_json).
 * Nothing here is shared between threads; each call owns what it returns. */
#ifndef GW_PIPELINE_H
#define GW_PIPELINE_H

#include "gw/error.h"
#include "gw/review.h"
#include "gw/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_PIPELINE_ID_MAX 64

/* An approver of a course's open round who has not decided. */
struct gw_pipeline_approver {
    char person_id[GW_PIPELINE_ID_MAX], delegate_id[GW_PIPELINE_ID_MAX]; /* "" when none */
    char *name, *delegate_name, *escalated_to;                           /* owned; NULL when none */
    int64_t due_ms;                                                      /* 0: no due date */
    int64_t escalated_ms; /* when the latest escalation fell due; 0: none */
    bool marked_stalled;  /* the scheduler marked it when it escalated */
};

/* A course, or (is_request) a request without a course. Texts owned, NULL
 * when absent. */
struct gw_pipeline_item {
    bool is_request;
    char id[GW_PIPELINE_ID_MAX], request_id[GW_PIPELINE_ID_MAX];
    char department_id[GW_PIPELINE_ID_MAX], author_id[GW_PIPELINE_ID_MAX];
    char round_id[GW_PIPELINE_ID_MAX]; /* the open round, "" when none */
    char *title, *department, *author_name;
    char *settings;                         /* the department's settings (JSON text) */
    char *business_case;                    /* the request's (JSON text) */
    char *publish_error;                    /* the newest publish job's last LMS message */
    enum gw_course_state state;             /* courses only */
    int64_t since_ms;                       /* in this state since (requests: asked) */
    int64_t deadline_ms;                    /* the request's deadline; 0: none */
    int64_t announce_sent, announce_queued; /* the current version's announcement mails */
    int64_t publish_attempts;               /* the newest publish job's; 0: none */
    struct gw_pipeline_approver *approvers; /* in review: the undecided, in round order */
    size_t n_approvers;
};

struct gw_pipeline {
    struct gw_pipeline_item *courses, *requests; /* oldest first */
    size_t n_courses, n_requests;
};

/* Loads the whole pipeline (store/pipeline.c). *out is emptied first; free
 * it with gw_pipeline_free, also after an error. */
enum gw_err gw_store_pipeline_load(struct gw_store *s, struct gw_pipeline *out,
                                   struct gw_error *err);
void gw_pipeline_free(struct gw_pipeline *p);

/* What the pipeline says of an approver, and of an item, at an instant. */
struct gw_pipeline_approver_view {
    unsigned days_overdue;
    bool stalled; /* overdue by the department's threshold, or marked */
};

struct gw_pipeline_view {
    const char *holder;        /* "author", "approvers", "gateway", "lms_admin", "nobody",
                                  "training_team" (a request); static */
    int64_t days_in_state;     /* whole days since since_ms */
    unsigned stall_after_days; /* gw_review_stall_after_days of the department */
    bool stalled;              /* any approver stalled */
    unsigned days_overdue;     /* the most any approver is overdue */
    bool late;                 /* the deadline's day has passed and it is not live */
    bool shows_publish;        /* approved, publishing or failed: show the LMS's message */
    char announcement[96];     /* the announcement in words ("" for a request) */
    struct gw_pipeline_approver_view *approvers; /* n_approvers of the item; owned */
};

/* Decides the view of it at now_ms (review/pipeline.c: no clock, no SQL).
 * Free with gw_pipeline_view_free. */
void gw_pipeline_assess(const struct gw_pipeline_item *it, int64_t now_ms,
                        struct gw_pipeline_view *out);
void gw_pipeline_view_free(struct gw_pipeline_view *v);

/* The API's JSON (api/pipeline.c): {"courses":[...], "requests":[...]}.
 * Every course: {"id","title","department","department_id","request_id",
 * "state","state_since","days_in_state","holder","held_by":[{"person_id",
 * "name", and in review "delegate","delegate_id","due","days_overdue","stalled",
 * "escalated_to","escalated_at"}],"stalled","days_overdue",
 * "stall_after_days","deadline","late","announcement","publish_error",
 * "publish_attempts"} (and "round_id" while in review); every request
 * without a course has the same shape with state "requested" and holder
 * "training_team". Times ISO 8601 UTC. A new reference. */
json_t *gw_pipeline_json(const struct gw_pipeline *p, int64_t now_ms);

#endif
