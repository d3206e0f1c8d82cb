/* lmssim.h: what the LMS simulator's files share: the request and reply
 * structs of its small HTTP layer, the one lock that guards the whole state
 * (a jansson document, so /_sim/state and the state file are plain dumps), the
 * configuration, and the package inspector. The simulator is a test program:
 * none of this is part of gwcore. See lmssim.c for what the simulator does. */
#ifndef LMSSIM_H
#define LMSSIM_H

#include "gw/buf.h"

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct MHD_Connection;

struct lmssim_config {
    const char *app_id;       /* SCORM Cloud Basic-auth user name */
    const char *secret;       /* SCORM Cloud Basic-auth password */
    const char *moodle_token; /* the one valid wstoken */
    const char *state_file;   /* NULL: state is not persisted */
    char base_url[128];       /* "http://127.0.0.1:N" once listening */
};

/* One request parameter: a query argument, a form field or an uploaded file. */
struct lmssim_param {
    char *key;
    char *filename; /* NULL unless a multipart file part */
    struct gw_buf value;
};

struct lmssim_req {
    struct MHD_Connection *conn;
    const char *method;
    const char *path; /* decoded, without the query */
    struct gw_buf body;
    bool too_big;
    struct lmssim_param *params;
    size_t nparams, cap;
};

struct lmssim_reply {
    unsigned status;
    char *body; /* owned, may be NULL for no body */
    const char *content_type;
    char retry_after[64];
};

extern struct lmssim_config lmssim_cfg;
/* Guards lmssim_state and everything reached from it. */
extern pthread_mutex_t lmssim_lock;
/* {"scormcloud":{...},"moodle":{...},"calls":{...},"config":{...}} */
extern json_t *lmssim_state;

/* The last value of key among the query and form parameters, or NULL. */
const char *lmssim_param(const struct lmssim_req *r, const char *key);
/* The first file part named key (or any file part when key is NULL). */
const struct lmssim_param *lmssim_file(const struct lmssim_req *r, const char *key);
const char *lmssim_header(const struct lmssim_req *r, const char *name);

/* Sets rep to status with body serialized (body is stolen; NULL: no body). */
void lmssim_reply_json(struct lmssim_reply *rep, unsigned status, json_t *body);
/* Writes the state file when one is configured. Call with the lock held. */
void lmssim_state_changed(void);
/* The sub-object name of lmssim_state, created when missing. Lock held. */
json_t *lmssim_section(const char *name);
/* Now as "2026-11-22T16:35:33.123Z". */
void lmssim_now(char out[32]);

/* SCORM Cloud API v2 (sim_scorm.c). Both return false when the path is not
 * theirs. endpoint names the route for call counts and fault matching. */
bool lmssim_scorm_endpoint(const char *method, const char *path, char *out, size_t cap);
void lmssim_scorm_handle(struct lmssim_req *r, struct lmssim_reply *rep);
/* Moodle web services (sim_moodle.c). */
bool lmssim_moodle_endpoint(const struct lmssim_req *r, char *out, size_t cap);
void lmssim_moodle_handle(struct lmssim_req *r, struct lmssim_reply *rep);

/* What the package inspector found in a zip (sim_package.c). */
struct lmssim_pkg {
    char *error;       /* set when the package cannot be imported */
    char standard[32]; /* CourseSchema.courseLearningStandard */
    char *title;
    char *activity_id;      /* cmi5 course id, tincan activity id, manifest identifier */
    char *xapi_activity_id; /* cmi5/tincan id; NULL for SCORM (derived from the course id) */
    json_t *warnings;       /* array of strings */
    char sha256[65];
    size_t size;
};
void lmssim_pkg_inspect(const void *data, size_t len, struct lmssim_pkg *out);
void lmssim_pkg_free(struct lmssim_pkg *p);
/* "urn:uuid:<UUIDv5>" for name, in out (at least 46 bytes). */
void lmssim_uuid5_urn(const char *name, char out[64]);

#endif
