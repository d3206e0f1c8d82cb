/* The HTTP layer's contract with handlers: requests, replies and THE route
 * table entry. The daemon (http/server.c) does once what every handler would
 * otherwise repeat: URI length cap (414), query-parameter count (400), route
 * lookup (404/405), auth and role (401/403), body accumulation within the
 * route's limit (413) and the memory budget for bodies (503) or streaming to a
 * file, headers every reply carries (nosniff; no framing of HTML), and the
 * access log and metrics. A handler then parses,
 * checks, runs one store transaction and fills the reply. Handlers never see
 * libmicrohttpd. */
#ifndef GW_HTTP_H
#define GW_HTTP_H

#include "gw/buf.h"
#include "gw/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gw_server;

/* Roles, as a bitmask so a route can admit several. */
enum gw_role {
    GW_ROLE_ADMIN = 1 << 0,
    GW_ROLE_AUTHOR = 1 << 1,
    GW_ROLE_APPROVER = 1 << 2,
    GW_ROLE_LMS = 1 << 3,
    GW_ROLE_BI = 1 << 4,
};
#define GW_ROLES_ALL (GW_ROLE_ADMIN | GW_ROLE_AUTHOR | GW_ROLE_APPROVER | GW_ROLE_LMS | GW_ROLE_BI)
#define GW_ROLE_PUBLIC 0 /* no key needed */

/* "admin" -> GW_ROLE_ADMIN; 0 when unknown. */
unsigned gw_role_from_name(const char *name);
const char *gw_role_name(unsigned role);

enum gw_body_kind {
    GW_BODY_NONE, /* a body is read and ignored */
    GW_BODY_JSON, /* buffered; Content-Type must be JSON (415 otherwise) */
    GW_BODY_RAW,  /* buffered, any Content-Type (multipart, CSV, ...) */
    /* streamed to a temporary file under data_dir/tmp; Content-Type must be
     * a zip (application/zip, application/x-zip-compressed, application/x-zip,
     * application/octet-stream), multipart/form-data, or absent (415 otherwise) */
    GW_BODY_FILE,
};

struct gw_req;
struct gw_reply;
typedef void (*gw_handler_fn)(struct gw_req *req, struct gw_reply *rep);
/* Called on every reply of a route just before it is sent, router errors
 * (401, 413, ...) included: for headers a protocol requires on every answer. */
typedef void (*gw_decorate_fn)(struct gw_req *req, struct gw_reply *rep);

enum gw_route_flags {
    GW_ROUTE_CORS = 1 << 0,      /* answer OPTIONS preflights and add CORS headers */
    GW_ROUTE_XAPI_BODY = 1 << 1, /* the body limit is the configured max_xapi_body */
    /* the X-Experience-API-Version header is checked before authorization
     * (a request without a usable one is 400, credentials or not) */
    GW_ROUTE_XAPI_VERSION = 1 << 2,
    /* the path's argument is a credential (a one-click link's token): logs
     * show the first 12 hex digits of its SHA-256 instead */
    GW_ROUTE_SECRET_PATH = 1 << 3,
    /* served only on the content origin's listener (gw/preview.h), and only
     * these are: course files must not run in the gateway's origin */
    GW_ROUTE_CONTENT = 1 << 4,
    /* an HTML form of ours posts here: a session's CSRF token comes in the
     * form (field csrf_token), which the handler checks, not in a header */
    GW_ROUTE_FORM_CSRF = 1 << 5,
};

struct gw_route {
    const char *method;  /* "GET", "POST", ... */
    const char *pattern; /* "/api/v1/keys/{id}": {x} matches one non-empty segment; a
                            last {x+} matches the rest of the path (segments and '/') */
    gw_handler_fn handler;
    unsigned roles;          /* GW_ROLE_* bits, or GW_ROLE_PUBLIC */
    enum gw_body_kind body;  /* what the router does with a request body */
    size_t max_body;         /* 0: the configured max_json_body */
    const char *summary;     /* one line, for the API index */
    unsigned flags;          /* enum gw_route_flags */
    gw_decorate_fn decorate; /* may be NULL */
};

/* THE route table (http/routes.c), terminated by an entry with method NULL. */
extern const struct gw_route gw_routes[];
/* Entries in gw_routes before the terminator. */
size_t gw_routes_count(void);

/* What a 405 adds for a path people try to write to although nothing is
 * written there (e.g. POST .../publish: publishing is automatic). method
 * NULL: any method the path does not take. "{path}" in the note stands for
 * the request's path. Terminated by an entry with pattern NULL (routes.c). */
struct gw_route_note {
    const char *method;
    const char *pattern;
    const char *note;
};
extern const struct gw_route_note gw_route_notes[];
/* The note for a 405 of method on path (pattern matched), or NULL. */
const char *gw_route_note_for(const char *method, const char *path);

#define GW_REQ_MAX_PARAMS 4

struct gw_principal {
    char key_id[32];
    char name[128];
    unsigned role;
    int64_t xapi_dedup_window_s; /* see struct gw_key */
    unsigned xapi_dedup_members; /* see struct gw_key */
    char hmac_secret[65];        /* see struct gw_key */
    char person_id[64];          /* see struct gw_key */
    /* a web app session instead of a key (gw/session.h) */
    bool session;
    char csrf[65];
    int64_t session_expires_ms, session_idle_expires_ms;
};

struct gw_req {
    struct gw_server *srv;
    const struct gw_route *route;
    const char *method;
    const char *path;
    const char *params[GW_REQ_MAX_PARAMS]; /* path arguments, in pattern order */
    char *param_store[GW_REQ_MAX_PARAMS];
    struct gw_buf body;      /* GW_BODY_JSON / GW_BODY_RAW */
    char *body_file;         /* GW_BODY_FILE: path of the temporary file */
    uint64_t body_size;      /* bytes received */
    struct gw_principal who; /* valid when route->roles != GW_ROLE_PUBLIC */
    char request_id[40];
    char remote_addr[64];
    void *conn; /* private to http/ */
};

/* A reply body read as it is sent (a file from a zip), instead of one held
 * in memory. read fills up to max bytes at pos (pos grows from 0 to size) and
 * returns how many, or -1 on an error (the connection is then closed); close
 * runs once when the reply is done or never sent. */
struct gw_reply_stream {
    uint64_t size;
    long (*read)(void *ud, uint64_t pos, char *buf, size_t max);
    void (*close)(void *ud);
    void *ud;
};

struct gw_reply {
    unsigned status;
    struct gw_buf body;
    const char *content_type;
    struct gw_buf headers;         /* "Name: value\n" lines */
    struct gw_reply_stream stream; /* read set: the body (gw_reply_stream) */
};

/* Deferred replies: a handler that hands work to another thread (the group
 * commit writer) calls gw_req_defer instead of replying. After the handler
 * returns, the connection is suspended and start(ud) is called; whoever
 * finishes the work calls gw_req_resume (from any thread). Then finish(ud)
 * runs on an HTTP worker thread to fill the reply and release ud, and the
 * reply is sent. finish runs exactly once, also when the client has gone. */
void gw_req_defer(struct gw_req *req, void (*start)(void *ud), void (*finish)(void *ud), void *ud);
void gw_req_resume(struct gw_req *req);

/* Request accessors. */
const char *gw_req_header(const struct gw_req *req, const char *name);
const char *gw_req_query(const struct gw_req *req, const char *name);
/* Calls fn for every query argument in order; stops when fn returns false. */
void gw_req_query_each(const struct gw_req *req,
                       bool (*fn)(const char *name, const char *value, void *ud), void *ud);
/* What the request said its body is, for a message: the media type without
 * its parameters in quotes ("'text/plain'"), or "no Content-Type". A value
 * that is not short printable ASCII is not echoed ("a Content-Type that
 * cannot be shown"). Writes at most cap bytes into out. */
void gw_req_media_type_words(const struct gw_req *req, char *out, size_t cap);
/* The body parsed as JSON; on failure replies 400 and returns NULL. Caller decrefs. */
json_t *gw_req_json(struct gw_req *req, struct gw_reply *rep);

/* Replies. Each sets status, body and content type (replacing a previous body). */
void gw_reply_json(struct gw_reply *rep, unsigned status, json_t *body); /* steals body */
void gw_reply_text(struct gw_reply *rep, unsigned status, const char *content_type,
                   const char *text, size_t len);
void gw_reply_empty(struct gw_reply *rep, unsigned status);
/* A streamed body of size bytes (see struct gw_reply_stream); the reply owns
 * ud from here (close is called also when it is replaced or never sent). */
void gw_reply_stream(struct gw_reply *rep, unsigned status, const char *content_type,
                     const struct gw_reply_stream *stream);
/* The error body; the status is the registry's for e->code. */
void gw_reply_error(struct gw_reply *rep, const struct gw_error *e);
void gw_reply_errorf(struct gw_reply *rep, enum gw_err code, const char *where, const char *fmt,
                     ...) __attribute__((format(printf, 4, 5)));
/* Adds a header. A name or value holding a CR, LF or other control byte
 * (which would split it into two headers) is dropped and logged, never
 * sent: callers check what clients gave them first; this is the last guard. */
void gw_reply_header(struct gw_reply *rep, const char *name, const char *value);

/* The media type a web server gives a file of this name (by its extension,
 * case-insensitive; text types with charset utf-8), or
 * application/octet-stream (http/ranges.c). */
const char *gw_mime_type(const char *name);
/* A Range request header read for a file of size bytes: GW_RANGE_NONE (no
 * header, another unit, several ranges or anything malformed: the whole file,
 * 200), GW_RANGE_PART (*start, *len: 206) or GW_RANGE_UNSATISFIABLE (416). */
enum gw_range { GW_RANGE_NONE, GW_RANGE_PART, GW_RANGE_UNSATISFIABLE };
enum gw_range gw_http_range(const char *header, uint64_t size, uint64_t *start, uint64_t *len);

/* Matches path against pattern; on success fills params (pointers into
 * param_store, which the caller frees with gw_route_params_free). */
bool gw_route_match(const char *pattern, const char *path, char *param_store[GW_REQ_MAX_PARAMS]);
void gw_route_params_free(char *param_store[GW_REQ_MAX_PARAMS]);

/* The router's text check, before any handler runs: a decoded path argument
 * of pattern (named by its {name}) or a query parameter (named by itself)
 * must be UTF-8 text without control characters (TAB, LF and CR are allowed
 * in query values, which may hold JSON), as whatever a handler stores must
 * be. GW_OK, or GW_E_PARAM_INVALID with where naming it. */
enum gw_err gw_route_params_check(const char *pattern, char *const param_store[GW_REQ_MAX_PARAMS],
                                  struct gw_error *e);
enum gw_err gw_route_query_check(const char *name, size_t name_len, const char *value,
                                 size_t value_len, struct gw_error *e);

#endif
