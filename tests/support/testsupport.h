/* Test support: temporary directories, a fresh PostgreSQL database on the
 * fixture's server, the real lmsgw binary started on a free port, an HTTP
 * client over libcurl, and the request, key and file helpers the integration
 * tests share (so no test re-implements them).
 *
 * Ownership, once for the whole file: a function that returns a heap string
 * or fills a struct gwt_response hands it to the caller (free(),
 * gwt_response_free()); json_t ** outputs receive a new reference
 * (json_decref()); gwt_sv returns a string borrowed from its object. Header
 * lines are whole lines ("Authorization: Bearer ..."), lists of them are
 * NULL-terminated, and nothing is added to a request that the caller did not
 * ask for (apart from libcurl's "Expect:" suppression in gwt_http). */
#ifndef GW_TESTSUPPORT_H
#define GW_TESTSUPPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct gw_store;

/* Creates a new temporary directory; returns a heap path (caller frees). */
char *gwt_tmpdir(const char *prefix);
/* Removes a directory tree (rm -rf). */
void gwt_rmtree(const char *path);

/* A DSN for a new, empty database on the fixture's PostgreSQL server
 * ($GW_BUILD_DIR/pg/dsn), or NULL (with a message) when there is none:
 * callers fail the test, they never skip. Caller frees. */
char *gwt_pg_fresh_dsn(void);

/* A new, empty, migrated store: SQLite in dir when pg is false, else a fresh
 * database on the PostgreSQL fixture. NULL (with a message) on failure. */
struct gw_store *gwt_fresh_store(const char *dir, bool pg);

/* Runs `lmsgw ARGS...` to completion with env (NULL-terminated "K=V" list
 * added to the environment); captures stdout and stderr (caller frees). */
int gwt_run_lmsgw(const char *const *args, const char *const *env, char **out, char **errout);

struct gwt_server {
    pid_t pid;
    int port;
    char *dir;             /* temporary data directory (config.json, data/, stderr.log) */
    char *base_url;        /* http://127.0.0.1:PORT */
    char content_url[128]; /* the content origin (course previews), from serve's second line */
    char admin_token[160];
    char config_path[512];
    char stderr_path[512];
};

/* Starts `lmsgw serve` with a config in a fresh temporary directory. dsn NULL
 * means SQLite under that directory; extra_config is JSON object text merged
 * into the config (may be NULL). Creates an admin key first. Waits until the
 * server prints its URL. Returns false (with a message) on failure. */
bool gwt_server_start(struct gwt_server *s, const char *dsn, const char *extra_config);
/* gwt_server_start without the start: the configuration, `lmsgw migrate`
 * and the admin key, so a test can run commands on the new database before
 * serving it (gwt_server_restart). */
bool gwt_server_prepare(struct gwt_server *s, const char *dsn, const char *extra_config);
/* Starts `lmsgw serve` again with the same configuration and data (after a
 * stop or a kill); the port may change. */
bool gwt_server_restart(struct gwt_server *s);
/* Creates an API key of role named "test-<role>" through the running
 * server's admin key (gwt_make_key) and writes "Authorization: Bearer
 * <token>" into header. */
bool gwt_server_make_key(const struct gwt_server *s, const char *role, char *header, size_t cap);
/* Creates an API key over HTTP: POST /api/v1/keys with the server's admin key
 * and the body {"name":name,"role":role} (plus ,"person_id":person when person
 * is not NULL). On 201 writes "Authorization: Bearer <token>" into header
 * (cap bytes) and, when key_id is not NULL, the key's id into key_id
 * (key_id_cap bytes). Returns false on any other answer (or one without
 * the token, or without the id when key_id asks for it). */
bool gwt_make_key(const struct gwt_server *s, const char *name, const char *role,
                  const char *person, char *header, size_t cap, char *key_id, size_t key_id_cap);
/* Creates an API key through the CLI: `lmsgw --config <s's config> key create
 * --role role --name name --json EXTRA...` (extra: more arguments, a
 * NULL-terminated list, or NULL). On success writes "Authorization: Basic
 * <base64 key_id:secret>" into header (cap bytes), the key id into key_id
 * (key_id_cap bytes) when not NULL, and the parsed --json reply into *reply
 * when reply is not NULL (NULL when the output was not JSON). Says why on
 * stderr and returns false when the command fails. */
bool gwt_cli_make_key(const struct gwt_server *s, const char *role, const char *name,
                      const char *const *extra, char *header, size_t cap, char *key_id,
                      size_t key_id_cap, json_t **reply);
/* Sends sig and waits; returns the exit status (or 128+signal). */
int gwt_server_stop(struct gwt_server *s, int sig);
void gwt_server_free(struct gwt_server *s);

struct gwt_response {
    long status;
    char *body;
    size_t body_len;
    char *headers; /* raw header block */
};

/* One HTTP request. headers: NULL-terminated list of "Name: value" lines.
 * body may be NULL. Returns false when no response was received. */
bool gwt_http(const char *method, const char *url, const char *const *headers, const char *body,
              size_t body_len, struct gwt_response *resp);
/* The value of a response header (case-insensitive), in a static-free heap
 * string the caller frees; NULL when absent. */
char *gwt_header(const struct gwt_response *resp, const char *name);

/* One request to the running server: method on s->base_url + path, with
 * exactly the header lines given (may be NULL) and body_len bytes of body
 * (body NULL: no body). Returns the status, or -1 when no reply came. When
 * keep is not NULL, *keep receives the reply (also on -1: an empty one) and
 * the caller frees it; otherwise it is freed here. */
long gwt_call(const struct gwt_server *s, const char *method, const char *path,
              const char *const *headers, const char *body, size_t body_len,
              struct gwt_response *keep);
/* The request of the management API's tests: gwt_call with the header line
 * auth when not NULL and "Content-Type: <content_type>" when content_type is
 * not NULL, nothing else (no xAPI version header). When json is not NULL,
 * *json receives the body parsed as a JSON object or array (jansson flags 0;
 * NULL when the body is not one). When text is not NULL, *text receives a
 * copy of the body. Returns the status or -1. */
long gwt_api(const struct gwt_server *s, const char *method, const char *path, const char *auth,
             const char *content_type, const char *body, size_t body_len, json_t **json,
             char **text);
/* gwt_api POST of the string body as application/json. */
long gwt_post_json(const struct gwt_server *s, const char *path, const char *auth, const char *body,
                   json_t **json);
/* The string member key of object o, or "" when o is NULL, not an object, or
 * the member is missing or not a string (so a failed request fails the
 * CHECK_STR that follows instead of crashing). Borrowed from o. */
const char *gwt_sv(const json_t *o, const char *key);

/* The whole file at path with a NUL after its bytes (so a text file is a
 * string); *len receives the byte count when len is not NULL. NULL when the
 * file cannot be opened or read in full. The caller frees. */
char *gwt_slurp(const char *path, size_t *len);
/* Uploads the sample package $GW_BUILD_DIR/packages/<sample>.zip with auth
 * (POST /api/v1/packages): returns the HTTP status and the new package's id
 * in id (cap bytes, "" when none). */
long gwt_upload_sample(const struct gwt_server *s, const char *auth, const char *sample, char *id,
                       size_t cap);

/* The way to a round in review that most tests take: a request of
 * department titled title with one approver (all must approve; a minimal
 * business case), its course by author, the zip (len bytes) uploaded as
 * version 1 and submitted. The course's and the round's ids into course and
 * round. Returns 201 when all went through, else the first other status
 * (said on stderr). */
long gwt_submit_package(const struct gwt_server *s, const char *auth, const char *department,
                        const char *title, const char *approver, const char *author,
                        const char *zip, size_t len, char course[64], char round[64]);

/* A formatted heap string (aborts when out of memory); the caller frees. */
char *gwt_fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* A fresh version 4 UUID as a heap string; the caller frees. */
char *gwt_uuid(void);
void gwt_response_free(struct gwt_response *resp);

#endif
