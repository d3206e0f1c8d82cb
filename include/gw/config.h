/* Configuration: a JSON file, then environment variables overriding it.
 * One table (gateway/util/config.c) lists every key with its type, default,
 * range, environment variable and documentation; loading, validation,
 * `lmsgw config --doc` and the README table all come from it. An unknown key
 * or a bad value is refused, naming the key. */
#ifndef GW_CONFIG_H
#define GW_CONFIG_H

#include "gw/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Link-local (169.254.0.0/16 with the cloud metadata address, fe80::/10),
 * "this network" (0.0.0.0/8), and the metadata addresses of AWS over IPv6 and
 * of Alibaba Cloud. */
#define GW_WEBHOOK_DENY_DEFAULT                                                                    \
    "0.0.0.0/8,169.254.0.0/16,fe80::/10,fd00:ec2::254/128,100.100.100.200/32"

struct gw_config {
    char *listen_address;
    int64_t port;
    char *data_dir;
    char *database; /* DSN; "" = sqlite:<data_dir>/lmsgw.db */
    int64_t workers;
    int64_t db_pool_size;
    char *log_level;
    bool access_log;
    bool clock_movable;   /* tests and demos: POST /api/v1/clock moves time forward */
    char *public_url;     /* "" = http://<listen_address>:<port> */
    int64_t content_port; /* -1 = port + 1 (0 when port is 0) */
    char *content_url;    /* "" = http://<listen_address>:<content_port> */
    int64_t session_idle_minutes;
    int64_t session_max_hours;
    int64_t signin_link_minutes;
    int64_t signin_max_per_hour; /* per e-mail address; ten times as many per client */
    int64_t max_json_body;
    int64_t max_package_bytes;
    int64_t max_xapi_body;
    int64_t xapi_page_limit;
    int64_t xapi_index_lag;
    int64_t max_uri_length;
    int64_t shutdown_grace_s;
    int64_t connection_timeout_s;
    int64_t request_header_timeout_s;
    int64_t max_connections;
    int64_t max_connections_per_ip; /* 0 = no limit */
    int64_t max_query_params;
    int64_t max_inflight_body_bytes;
    char *web_root; /* "" = the web/ folder beside the lmsgw binary */
    char *smtp_url; /* "" = notices are logged, not mailed */
    char *smtp_from;
    char *smtp_from_name;
    char *smtp_username;
    char *smtp_password;
    char *smtp_starttls;
    bool smtp_allow_plaintext_auth; /* credentials without TLS: only when true */
    char *lms_targets_file;         /* "" = no LMS: approved courses wait in the outbox */
    int64_t publish_max_attempts;
    char *webhook_deny_networks;  /* CIDRs; see GW_WEBHOOK_DENY_DEFAULT */
    char *webhook_allow_networks; /* CIDRs; "" = any not denied */
};

/* Fills cfg with defaults, then the file at path (may be NULL), then the
 * environment (envp may be NULL for the process environment). Resolves
 * derived defaults (database, public_url, workers). On error cfg is freed. */
enum gw_err gw_config_load(struct gw_config *cfg, const char *path, char *const *envp,
                           struct gw_error *err);
/* gw_config_load with the file's contents given as text (len bytes; origin
 * names it in errors, NULL: "config") instead of a path: the same checks,
 * without touching the file system (tests, fuzzing). */
enum gw_err gw_config_load_text(struct gw_config *cfg, const char *text, size_t len,
                                const char *origin, char *const *envp, struct gw_error *err);
void gw_config_free(struct gw_config *cfg);
/* Markdown table of every key (for README and `lmsgw config --doc`). Caller frees. */
char *gw_config_doc_markdown(void);
/* The effective configuration as JSON (for `lmsgw config --show`); new
 * reference. Secrets are never in it: a key marked secret in the table shows
 * "(set)" or "", a URL or DSN its password as "REDACTED". */
json_t *gw_config_to_json(const struct gw_config *cfg);
/* Copies url into out (cap bytes) with the password in its userinfo
 * (scheme://user:PASSWORD@host) and the value of password= parameters
 * replaced by REDACTED. */
void gw_config_redact_url(const char *url, char *out, size_t cap);

#endif
