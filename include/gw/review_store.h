/* review_store: the review domain's persistence (gateway/store/review_*.c):
 * departments, people, course requests, courses and their package versions,
 * approval rounds, decisions, used link nonces, notices, the audit log, the
 * publish outbox, the link-signing key and the scheduler's leadership.
 *
 * Each operation that changes state runs in ONE store transaction, which also
 * appends the audit records (stored verbatim as gw_audit_json_line produced
 * them, chained by prev under a unique constraint) and, when a round is
 * satisfied, queues the publish job (unique per version and action). The
 * domain rules themselves are gw/review.h's; this layer loads the round,
 * calls them, and writes what they decided.
 *
 * Read operations load structs the caller frees (gw/course_view.h for the
 * request, course and round views); the API renders them. */
#ifndef GW_REVIEW_STORE_H
#define GW_REVIEW_STORE_H

#include "gw/announce.h"
#include "gw/department.h"
#include "gw/intake.h"
#include "gw/review.h"
#include "gw/store.h"

/* Who did something, for the audit log. Strings borrowed; NULL allowed. */
struct gw_review_actor {
    const char *actor;        /* person id, "key:<key_id>" or "system" */
    const char *on_behalf_of; /* the approver an admin or delegate acted for */
    const char *via;          /* "api", "link", "system" */
    const char *address;      /* client IP */
    const char *key_id;
    const char *link_nonce;
};

/* ---- departments, people (store/review_org.c); creating and changing
 * them are use cases (gw/review_app.h, app/review_org.c) over the verbs of
 * gw/review_verbs.h, with the structs of gw/intake.h ---- */
/* A department as stored (strings owned by the list; head and cost center
 * "" when none; settings the stored JSON text). */
struct gw_department_row {
    char *id, *name, *cost_center, *head_person_id, *settings;
    int64_t created_ms;
};
struct gw_department_rows {
    struct gw_department_row *v;
    size_t n;
};
/* The department id (NOT_FOUND when unknown), or all of them by name when id
 * is NULL. Free with gw_department_rows_free. */
enum gw_err gw_store_departments(struct gw_store *s, const char *id, struct gw_department_rows *out,
                                 struct gw_error *err);
void gw_department_rows_free(struct gw_department_rows *rows);

/* A person as stored (strings owned by the list; department "" when none). */
struct gw_person_row {
    char *id, *name, *email, *department_id, *title;
    unsigned roles; /* GW_ROLE_* bits */
    int64_t created_ms;
};
struct gw_person_rows {
    struct gw_person_row *v;
    size_t n;
};
/* Everyone, by name. Free with gw_person_rows_free. */
enum gw_err gw_store_people(struct gw_store *s, struct gw_person_rows *out, struct gw_error *err);
void gw_person_rows_free(struct gw_person_rows *rows);

/* ---- course requests: taken in by gw_app_request_create (gw/review_app.h);
 * reading one back: gw/course_view.h (gw_store_request_get). ---- */

/* ---- courses: creating, versions, submitting, IRIs, deciding and
 * delegating are use cases (gw/review_app.h, app/review_*.c) over the verbs
 * of gw/review_verbs.h; reading a course or a round back: gw/course_view.h. */
/* Who answers for a course: its author and the head of its requesting
 * department ("" when none). NOT_FOUND for an unknown course. */
struct gw_course_people {
    char author_id[GW_ID_MAX];
    char head_id[GW_ID_MAX];
};
enum gw_err gw_store_course_people(struct gw_store *s, const char *id, struct gw_course_people *out,
                                   struct gw_error *err);

/* ---- the review page (store/review_views.c) ---- */
/* What the page knows of one approver beside the round's own slot. */
struct gw_round_page_person {
    char *name;          /* the approver's name; NULL when unknown */
    char *delegate_name; /* the delegate's name; NULL when not delegated */
    bool silent;         /* the approval was recorded as approve-on-silence */
    int64_t asked_ms;    /* the latest request ("ask") sent, else queued; 0 = none */
    int64_t reminded_ms; /* the latest reminder sent; 0 = none */
    unsigned reminders;  /* reminders sent */
};
/* Everything the review page shows, typed. Strings are owned ("" when not
 * given); free with gw_round_page_free. */
struct gw_round_page {
    struct gw_review_round round; /* policy, approvers in order, decisions; closed set */
    struct gw_round_page_person people[GW_REVIEW_MAX_APPROVERS]; /* parallel to round.approvers */
    char state[32]; /* stored: open, approved, changes_requested, superseded */
    int64_t number; /* the round's number for its course */
    char *course_title, *department;
    /* the course request's business case */
    char *problem, *audience, *reach, *communication_plan, *kpi, *kpi_target, *project_code;
    int mandatory;                              /* 1 mandatory, 0 optional, -1 not said */
    int64_t deadline_ms;                        /* the delivery date (midnight UTC); 0 = none */
    double effort_low_hours, effort_high_hours; /* < 0 when not given */
    /* the version under review */
    int64_t version_number;
    char standard[32];
    char sha256[65];
    json_t *changes;  /* the round's stored diff ({summary, added, removed, changed}); NULL on
                         the first round */
    json_t *findings; /* the package report's findings ({severity, code, file, line, message}) */
    int64_t n_errors, n_warnings;
};
/* Loads what the page for round_id shows (one read transaction); *out is
 * initialised here, also on error. NOT_FOUND for an unknown round. */
enum gw_err gw_store_round_page(struct gw_store *s, const char *round_id, struct gw_round_page *out,
                                struct gw_error *err);
void gw_round_page_free(struct gw_round_page *p);
/* Whether a link nonce was used (for the page's GET). */
enum gw_err gw_store_review_nonce_used(struct gw_store *s, const char *nonce, bool *used,
                                       struct gw_error *err);

/* ---- effort (chargeback) (store/review_effort.c) ---- */
struct gw_effort {
    const char *course_id, *person_id, *day, *note; /* day: YYYY-MM-DD */
    double hours;
};
/* Logs hours on a course. REVIEW_REFERENCE_UNKNOWN for an unknown person;
 * NOT_FOUND for an unknown course. */
enum gw_err gw_store_effort_add(struct gw_store *s, const struct gw_effort *ef, int64_t now_ms,
                                struct gw_error *err);
/* One line of a course's effort log. */
struct gw_effort_entry {
    char *person_id, *day, *note; /* day: YYYY-MM-DD; note "" when none */
    double hours;
};
/* What the effort view is made of: the request's project code and estimate,
 * the requesting department (name, cost center, settings JSON text; NULL
 * when absent), the learners who ever started the course (distinct learners
 * in the KPI day rows) and the log in day order. gw_effort_view_free frees
 * everything it holds. */
struct gw_effort_view {
    char *project_code, *cost_center, *department, *settings;
    double estimate_low, estimate_high;
    int64_t learners_started;
    struct gw_effort_entry *entries;
    size_t n_entries;
};
/* Loads the view. NOT_FOUND for an unknown course. The amounts follow from
 * the department's rates by the one chargeback rule (gw_kpi_charge). */
enum gw_err gw_store_effort_get(struct gw_store *s, const char *course_id,
                                struct gw_effort_view *out, struct gw_error *err);
void gw_effort_view_free(struct gw_effort_view *v);

/* ---- audit (store/review_audit.c), link key (store/review_key.c), publish jobs
 * (store/publish_jobs.c), leadership (store/leader.c) ---- */
/* Audit lines in seq order (course_id NULL: all), verbatim, and the head
 * hash (of the last line in the whole log; "" when the log is empty). */
struct gw_audit_lines {
    size_t n;
    char **lines; /* n canonical JSON lines, owned */
    char head[65];
};
enum gw_err gw_store_audit_lines(struct gw_store *s, const char *course_id,
                                 struct gw_audit_lines *out, struct gw_error *err);
/* Frees the lines; safe on a zeroed struct and twice. */
void gw_audit_lines_free(struct gw_audit_lines *a);
/* The link-signing key (32 bytes): created once (random) in review_secrets,
 * shared by every instance on the database. */
enum gw_err gw_store_review_key(struct gw_store *s, uint8_t key[32], struct gw_error *err);
/* A publish job of a course, as the course view shows it (GET course's
 * "publish_jobs"; gw/publish.h has the outbox's own view). */
struct gw_course_publish_job {
    char id[GW_ID_MAX], version_id[GW_ID_MAX];
    char action[16]; /* "publish" or "retire" */
    char state[16];  /* "queued", "running", "done" or "failed" */
    int64_t attempts, created_ms;
};
/* Every publish job of a course, oldest first, into *jobs (n of them; the
 * caller frees *jobs with free(), also after an error). */
enum gw_err gw_store_publish_jobs(struct gw_store *s, const char *course_id,
                                  struct gw_course_publish_job **jobs, size_t *n,
                                  struct gw_error *err);

/* Scheduler leadership. SQLite: always leader. PostgreSQL: a session advisory
 * lock (pg_try_advisory_lock) on a dedicated connection the handle keeps; a
 * lost connection loses leadership. Free with gw_store_leader_free. */
struct gw_store_leader;
struct gw_store_leader *gw_store_leader_new(struct gw_store *s);
bool gw_store_try_leader(struct gw_store_leader *l, struct gw_error *err);
void gw_store_leader_free(struct gw_store_leader *l);

/* ---- the scheduler's pass: what its verbs (gw/review_verbs.h,
 * store/review_sched.c) load; the use cases are gw/review_app.h's ---- */
/* One approver slot of an open round, with the schedule notices recorded
 * for it. */
struct gw_sched_item {
    char round_id[GW_ID_MAX], course_id[GW_ID_MAX], approver_id[GW_ID_MAX];
    int64_t opened_ms, due_ms;
    bool decided, silence_agreed;
    char *settings; /* the course department's settings JSON (heap) */
    size_t n_sent;
    struct gw_review_sent *sent; /* heap */
};
void gw_sched_items_free(struct gw_sched_item *items, size_t n);

/* A notice ready to deliver: everything the text needs. */
struct gw_notice_row {
    char key[GW_REVIEW_NOTICE_KEY_MAX];
    char kind[32];
    char round_id[GW_ID_MAX], approver_id[GW_ID_MAX], recipient_id[GW_ID_MAX];
    char course_id[GW_ID_MAX], version_id[GW_ID_MAX]; /* the round's */
    /* recipient_email: the person's; for an "announcement", the plan's address
     * (kept in recipient_id), empty for its chat post */
    char recipient_name[128], recipient_email[256], approver_name[128];
    char course_title[256], department[128], author_name[128];
    char slack_webhook[512], teams_webhook[512];
    char *changes_summary; /* heap or NULL */
    bool round_open;       /* false: the round closed since; the notice is moot */
    bool decided;          /* the approver it is about has decided */
    int64_t scheduled_ms, due_ms, delivery_ms;
    int64_t days_overdue, attempts;
};
void gw_notice_rows_free(struct gw_notice_row *rows, size_t n);
/* A notice as recorded (review_notices), for tests and inspection. */
struct gw_notice_item {
    char key[GW_REVIEW_NOTICE_KEY_MAX];
    char kind[32];
    char status[16]; /* "pending", "sending", "sent", "failed" or "skipped" */
    char approver_id[GW_ID_MAX];
    char *recipient_id; /* owned; NULL when none */
    int64_t attempts, scheduled_ms;
};
void gw_notice_items_free(struct gw_notice_item *items, size_t n);

/* ---- the launch announcement (store/announce.c) ---- */

/* What an announcement is made from, loaded in one read: the course's facts
 * (facts' strings point into this struct), the plan, the department's
 * template and chat channels. */
struct gw_announcement {
    char course_id[GW_ID_MAX], version_id[GW_ID_MAX], sha256[65];
    char title[256], department[128], link[1024];
    bool on_lms; /* the version has a course_lms row */
    json_t *business_case;
    struct gw_announce_plan plan;   /* points into business_case */
    struct gw_dept_settings dept;   /* template, webhooks */
    struct gw_announce_facts facts; /* points into the above */
};
/* Loads the announcement of course_id's version_id (NULL: the version on the
 * LMS, else the current one). NOT_FOUND for an unknown course. Free with
 * gw_announcement_free. */
enum gw_err gw_store_announcement(struct gw_store *s, const char *course_id, const char *version_id,
                                  struct gw_announcement *out, struct gw_error *err);
void gw_announcement_free(struct gw_announcement *a);

#endif
