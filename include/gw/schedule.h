/* schedule.h: the public delivery schedule (issue 16). A department's head
 * (or an admin) makes a share link, /s/{token}, that anyone holding it can
 * read without signing in: the department's upcoming and recent deliveries
 * with their dates and state in words, approvers named only when the
 * department's settings allow it (schedule_shows_approvers, gw/department.h).
 * The store keeps the SHA-256 of the token only; making a new link replaces
 * the old one and revoking deletes it, so an old link is unknown at once.
 *
 * The store verbs are in store/schedule.c, the words (sections, states,
 * who may share) in review/delivery.c, the page and the link routes in
 * api/schedule.c. */
#ifndef GW_SCHEDULE_H
#define GW_SCHEDULE_H

#include "gw/error.h"
#include "gw/review_store.h"
#include "gw/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_SCHEDULE_RECENT_DAYS 90 /* how long a delivery stays in "recent" */

/* One delivery: a course, or a request no course was made for yet. */
struct gw_schedule_item {
    char *title;
    char state[32];      /* a course state name (gw/review.h) or "requested" */
    int64_t since_ms;    /* when it entered state (a request: when it was made) */
    int64_t deadline_ms; /* the request's deadline; 0 when none */
    char *approvers;     /* "Ann Approver, Bo Head"; NULL unless shows_approvers */
};

struct gw_schedule {
    char *department;     /* its name */
    bool shows_approvers; /* the department's setting */
    struct gw_schedule_item *v;
    size_t n;
};

/* Makes or replaces department_id's share link, keeping token_hash (SHA-256
 * hex of the token), and appends "schedule_link.created" to the audit log in
 * the same transaction. NOT_FOUND when the department does not exist. */
enum gw_err gw_store_schedule_link_set(struct gw_store *s, const char *department_id,
                                       const char *token_hash, const struct gw_review_actor *who,
                                       int64_t now_ms, struct gw_error *err);
/* Deletes department_id's share link (audited "schedule_link.revoked");
 * GW_OK also when it had none. NOT_FOUND when the department does not
 * exist. */
enum gw_err gw_store_schedule_link_revoke(struct gw_store *s, const char *department_id,
                                          const struct gw_review_actor *who, int64_t now_ms,
                                          struct gw_error *err);
/* The schedule behind the link whose token hashes to token_hash: every
 * course and open request of its department, oldest state first. NOT_FOUND
 * when no link has this hash (never made, replaced or revoked). Free out
 * with gw_schedule_free. */
enum gw_err gw_store_schedule(struct gw_store *s, const char *token_hash, struct gw_schedule *out,
                              struct gw_error *err);
void gw_schedule_free(struct gw_schedule *sch);

/* ---- the words (review/delivery.c; pure) ---- */
enum gw_schedule_section {
    GW_SCHEDULE_HIDDEN,   /* a draft never submitted long ago, or live too long ago */
    GW_SCHEDULE_UPCOMING, /* requested, in development, in review, approved, publishing */
    GW_SCHEDULE_RECENT,   /* live or retired in the last GW_SCHEDULE_RECENT_DAYS days */
};
/* Where an item in state (since since_ms) goes at now_ms. */
enum gw_schedule_section gw_schedule_section_of(const char *state, int64_t since_ms,
                                                int64_t now_ms);
/* The state as the page says it: "Requested", "In development", "In
 * review", "Approved", "Being published", "Live", "Retired". Static. */
const char *gw_schedule_state_words(const char *state);
/* Whether the caller may make or revoke the department's link: an admin, or
 * the person who heads it (person_id may be "" for a key without a person). */
bool gw_schedule_may_share(bool admin, const char *person_id, const char *head_person_id);

#endif
