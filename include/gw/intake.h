/* intake: what a department, a person and a course request are when they
 * come in, and the rules of taking them in (gateway/review/intake.c): which
 * departments and people each names (and where in the request body each
 * name stands), the words when one is unknown or a name is taken, and the
 * request's policy checked against its approvers. Pure: no SQL, no clock.
 * The use cases that load, decide with these and insert are app/'s
 * (gw/review_app.h: gw_app_department_create, gw_app_request_create, ...). */
#ifndef GW_INTAKE_H
#define GW_INTAKE_H

#include "gw/error.h"
#include "gw/review.h"

#include <stddef.h>
#include <stdint.h>

#define GW_ID_MAX 64

struct gw_department {
    char id[GW_ID_MAX];
    const char *name, *cost_center, *head_person_id; /* borrowed; head may be NULL */
    const char *settings;                            /* JSON object text */
};

struct gw_person {
    char id[GW_ID_MAX];
    const char *name, *email, *department_id, *title; /* borrowed; department may be NULL */
    unsigned roles; /* in the web app (GW_ROLE_* bits); 0: approver */
};

struct gw_request_approver {
    const char *person_id;
    int64_t due_ms;      /* a fixed due date (midnight UTC); 0 = none */
    int64_t due_in_days; /* or: calendar days after each round opens; 0 = none */
};

struct gw_course_request {
    char id[GW_ID_MAX];
    const char *department_id, *title, *sme_person_id; /* sme may be NULL */
    const char *business_case;                         /* JSON object text */
    int64_t deadline_ms;
    double effort_low_hours, effort_high_hours;
    const char *project_code;
    struct gw_review_policy policy;
    size_t n_approvers;
    struct gw_request_approver approvers[GW_REVIEW_MAX_APPROVERS];
};

/* ---- references that must exist ---- */
enum gw_intake_kind { GW_INTAKE_DEPARTMENT, GW_INTAKE_PERSON };

/* One id a body names: what it names, the id (borrowed) and the JSON
 * Pointer of the field that holds it. */
struct gw_intake_ref {
    enum gw_intake_kind kind;
    const char *id;
    char where[64];
};
#define GW_INTAKE_REFS_MAX (2 + GW_REVIEW_MAX_APPROVERS)

/* The references each body makes, in the order they are checked (the first
 * unknown one is the error); absent or empty ids make none. Fill out and
 * answer how many. A department names its head (/head_person_id); a person
 * their department (/department_id); a request its department, its SME and
 * each approver (/approvers/<i>/person_id). */
size_t gw_intake_department_refs(const char *head_person_id,
                                 struct gw_intake_ref out[GW_INTAKE_REFS_MAX]);
size_t gw_intake_person_refs(const struct gw_person *p,
                             struct gw_intake_ref out[GW_INTAKE_REFS_MAX]);
size_t gw_intake_request_refs(const struct gw_course_request *r,
                              struct gw_intake_ref out[GW_INTAKE_REFS_MAX]);
/* REVIEW_REFERENCE_UNKNOWN at ref->where: "no person has the id '...'". */
enum gw_err gw_intake_ref_unknown(const struct gw_intake_ref *ref, struct gw_error *err);

/* ---- names taken (the store's unique keys answered CONFLICT) ---- */
/* REVIEW_NAME_TAKEN at /name. */
enum gw_err gw_intake_department_taken(const struct gw_department *d, struct gw_error *err);
/* REVIEW_NAME_TAKEN at /email (the email or the id is someone's). */
enum gw_err gw_intake_person_taken(const struct gw_person *p, struct gw_error *err);

/* The request's policy against its approvers, as a round opened at now_ms
 * would check them (gw_review_round_add_approver, gw_review_round_check):
 * GW_OK or the first rule broken. */
enum gw_err gw_intake_request_check(const struct gw_course_request *r, int64_t now_ms,
                                    struct gw_error *err);

#endif
