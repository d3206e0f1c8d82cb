/* Logging as JSON lines on stderr: {"ts","level","msg", ...fields}.
 * The threshold is set once at start-up, before any thread runs, and only
 * read afterwards. Lines are written with one fwrite so threads don't
 * interleave. */
#ifndef GW_LOG_H
#define GW_LOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct gw_buf;

enum gw_log_level { GW_LOG_DEBUG, GW_LOG_INFO, GW_LOG_WARN, GW_LOG_ERROR };

/* Returns 0, or -1 when name is not debug|info|warn|error. */
int gw_log_set_level_name(const char *name);
/* Whether name is one of debug|info|warn|error. */
bool gw_log_level_valid(const char *name);
void gw_log_set_level(enum gw_log_level level);
int gw_log_enabled(enum gw_log_level level);
void gw_log(enum gw_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes fields (an object; stolen) with ts and level added. */
void gw_log_json(enum gw_log_level level, json_t *fields);

/* The access log line of one HTTP request, written without building a
 * json_t: {"ts","level":"info","msg":"request","request_id","method","path",
 * "route","status","duration_us","bytes_in","bytes_out","key_id","remote"}.
 * route and key_id may be NULL or "" (null), status 0 (null). */
struct gw_log_request {
    const char *request_id, *method, *path, *route, *key_id, *remote;
    unsigned status;
    int64_t duration_us, bytes_in, bytes_out;
};
/* Formats the line (with its newline) for ts_ms into out; exported for tests. */
void gw_log_request_format(struct gw_buf *out, int64_t ts_ms, const struct gw_log_request *r);
/* Writes the line at level info (nothing when info is below the threshold). */
void gw_log_request(const struct gw_log_request *r);

#define gw_log_info(...) gw_log(GW_LOG_INFO, __VA_ARGS__)
#define gw_log_warn(...) gw_log(GW_LOG_WARN, __VA_ARGS__)
#define gw_log_error(...) gw_log(GW_LOG_ERROR, __VA_ARGS__)
#define gw_log_debug(...) gw_log(GW_LOG_DEBUG, __VA_ARGS__)

#endif
