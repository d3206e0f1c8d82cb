/* demo_int.h: what the demo data's files share (private to gateway/app/):
 * the story as data (demo_story.c), the learners' sessions and their
 * statements (demo_learners.c); app/demo.c runs them. See gw/demo.h. */
#ifndef GW_DEMO_INT_H
#define GW_DEMO_INT_H

#include "gw/http.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEMO_MAX_APPROVERS 3
#define DEMO_MAX_STEPS 12
#define DEMO_MINUTE_MS 60000LL
#define DEMO_DAY_MS 86400000LL

/* When something happens: days > 0 is that many days before today at
 * minute (UTC) of the day; days 0 is minute minutes before now. Either is
 * in the past whenever the demo runs. */
struct demo_when {
    int days, minute;
};
#define DEMO_AT(d, h, m)                                                                           \
    {                                                                                              \
        (d), (h)*60 + (m)                                                                          \
    }
#define DEMO_AGO(min)                                                                              \
    {                                                                                              \
        0, (min)                                                                                   \
    }

enum demo_step_kind {
    DEMO_STEP_END = 0,
    DEMO_STEP_COURSE,           /* the author creates the course */
    DEMO_STEP_VERSION,          /* the author uploads a sample package and adds it */
    DEMO_STEP_SUBMIT,           /* the author submits it: a round opens */
    DEMO_STEP_DECIDE,           /* who decides what (text: the comment) */
    DEMO_STEP_PUBLISH,          /* the outbox publishes it (LMS confirms) */
    DEMO_STEP_PUBLISH_RETRYING, /* the outbox's attempt fails; retried in an hour (text) */
    DEMO_STEP_PUBLISH_FAILS,    /* the outbox's attempt fails for good (text) */
    DEMO_STEP_RETIRE,           /* who (an admin) retires it; the outbox takes it off */
    DEMO_STEP_EFFORT,           /* who logs hours (text: the note) */
};

struct demo_step {
    enum demo_step_kind kind;
    struct demo_when at;
    const char *who;  /* a person id */
    const char *what; /* DECIDE: "approve", "request_changes" or "reject" */
    const char *text;
    double hours;
};

struct demo_approver {
    const char *person;
    int due_in_days;
};

struct demo_department {
    const char *id, *name, *cost_center, *head, *settings; /* settings: JSON text */
};

struct demo_person {
    const char *id, *name, *email, *department, *title; /* department may be NULL */
    unsigned roles;                                     /* in the web app (GW_ROLE_* bits) */
};

/* One course request and what becomes of it. */
struct demo_story {
    const char *id; /* the request's id */
    const char *department, *title, *author, *sme;
    const char *problem, *audience, *reach, *communication_plan, *kpi, *kpi_target, *project_code;
    bool mandatory;
    int deadline_in_days; /* the delivery date, from today (negative: past) */
    double effort_low, effort_high;
    const char *announce_to; /* the launch announcement's address, or NULL */
    struct demo_when requested;
    struct demo_approver approvers[DEMO_MAX_APPROVERS]; /* up to the first NULL person */
    int learners;                                       /* who take it while it is live */
    struct demo_step steps[DEMO_MAX_STEPS];             /* in time order, up to END */
};

extern const struct demo_department demo_departments[];
extern const size_t demo_n_departments;
extern const struct demo_person demo_people[];
extern const size_t demo_n_people;
extern const struct demo_story demo_stories[];
extern const size_t demo_n_stories;
/* The admin who retires courses (the training manager). */
extern const char demo_training_manager[];

/* ---- learners (demo_learners.c) ---- */

/* A small deterministic generator, so every run tells the same story. */
uint64_t demo_rand(uint64_t *state);
/* A uniform draw in [lo, hi]. */
int64_t demo_rand_range(uint64_t *state, int64_t lo, int64_t hi);

/* One sitting of one learner, posted by the LMS in one request. */
struct demo_session {
    size_t story;
    int learner; /* index into the learner names */
    char registration[37];
    int64_t at_ms; /* the first statement's timestamp */
    int minutes;   /* how long the learner stays */
    unsigned what; /* DEMO_SAID_* */
    int score;     /* 0..100 with PASSED or FAILED */
    int rating;    /* 1..5 with RATED */
    int comment;   /* with COMMENTED: index into the comments */
};
enum {
    DEMO_SAID_INITIALIZED = 1u << 0,
    DEMO_SAID_COMPLETED = 1u << 1,
    DEMO_SAID_PASSED = 1u << 2,
    DEMO_SAID_FAILED = 1u << 3,
    DEMO_SAID_RATED = 1u << 4,
    DEMO_SAID_COMMENTED = 1u << 5,
};

struct demo_sessions {
    struct demo_session *v; /* heap */
    size_t n, cap;
};

/* Plans n learners of story taking the course while it is live
 * [from_ms, until_ms): their sessions (one or two each) appended to all. */
void demo_learners_plan(uint64_t *rng, size_t story, int n, int64_t from_ms, int64_t until_ms,
                        struct demo_sessions *all);
/* When the session's last statement happens (its timestamp). */
int64_t demo_session_last_ms(const struct demo_session *s);
/* The statements of one session about the course activity activity_id
 * named title: a JSON array of xAPI 1.0.3 statements with ids and
 * timestamps up to demo_session_last_ms (new reference). */
json_t *demo_learners_statements(const struct demo_session *s, const char *activity_id,
                                 const char *title, const char *platform);

#endif
