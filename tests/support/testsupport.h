/* Test support: temporary directories, a fresh PostgreSQL database on the
 * fixture's server, the real lmsgw binary started on a free port, and an
 * HTTP client over libcurl. Used by the integration tests. */
#ifndef GW_TESTSUPPORT_H
#define GW_TESTSUPPORT_H

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
    char *dir;      /* temporary data directory (config.json, data/, stderr.log) */
    char *base_url; /* http://127.0.0.1:PORT */
    char admin_token[160];
    char config_path[512];
    char stderr_path[512];
};

/* Starts `lmsgw serve` with a config in a fresh temporary directory. dsn NULL
 * means SQLite under that directory; extra_config is JSON object text merged
 * into the config (may be NULL). Creates an admin key first. Waits until the
 * server prints its URL. Returns false (with a message) on failure. */
bool gwt_server_start(struct gwt_server *s, const char *dsn, const char *extra_config);
/* Starts `lmsgw serve` again with the same configuration and data (after a
 * stop or a kill); the port may change. */
bool gwt_server_restart(struct gwt_server *s);
/* Creates an API key of role through the running server's admin key and
 * writes "Authorization: Bearer <token>" into header. */
bool gwt_server_make_key(const struct gwt_server *s, const char *role, char *header, size_t cap);
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

/* A formatted heap string (aborts when out of memory); the caller frees. */
char *gwt_fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* A fresh version 4 UUID as a heap string; the caller frees. */
char *gwt_uuid(void);
void gwt_response_free(struct gwt_response *resp);

#endif
