/* config.c: the configuration key table, loading from file and environment,
 * and the documentation generated from the table (see gw/config.h). */
#include "gw/config.h"
#include "gw/buf.h"
#include "gw/log.h"
#include "gw/json.h"
#include "gw/netpolicy.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum key_type { K_STRING, K_INT, K_BOOL };
/* What `lmsgw config --show` must not print: the whole value, or the
 * password inside a URL or DSN (user:PASSWORD@host, ?password=...). */
enum key_secret { NOT_SECRET, SECRET, SECRET_IN_URL };

struct key {
    const char *name;
    enum key_type type;
    size_t offset;
    const char *env;
    const char *def;
    int64_t min, max; /* ints */
    const char *doc;
};

#define OFF(f) offsetof(struct gw_config, f)

static const struct key keys[] = {
    {"listen_address", K_STRING, OFF(listen_address), "LMSGW_LISTEN_ADDRESS", "127.0.0.1", 0, 0,
     "IPv4 or IPv6 address to listen on; 0.0.0.0 for every interface."},
    {"port", K_INT, OFF(port), "LMSGW_PORT", "8080", 0, 65535,
     "TCP port; 0 picks a free port (printed at start)."},
    {"data_dir", K_STRING, OFF(data_dir), "LMSGW_DATA_DIR", "./data", 0, 0,
     "Directory for the SQLite database, package zips (SQLite; PostgreSQL keeps them in the "
     "database and only a cache here) and temporary uploads."},
    {"database", K_STRING, OFF(database), "LMSGW_DATABASE", "", 0, 0,
     "Store DSN: sqlite:PATH or postgresql://user@host:port/db. Empty: "
     "sqlite:<data_dir>/lmsgw.db."},
    {"workers", K_INT, OFF(workers), "LMSGW_WORKERS", "0", 0, 1024,
     "HTTP worker threads; 0 = twice the number of cores."},
    {"db_pool_size", K_INT, OFF(db_pool_size), "LMSGW_DB_POOL_SIZE", "0", 0, 256,
     "Database connections; 0 = 4 for SQLite, 8 for PostgreSQL."},
    {"log_level", K_STRING, OFF(log_level), "LMSGW_LOG_LEVEL", "info", 0, 0,
     "debug, info, warn or error."},
    {"access_log", K_BOOL, OFF(access_log), "LMSGW_ACCESS_LOG", "true", 0, 0,
     "Write one JSON line per request to stderr."},
    {"clock_movable", K_BOOL, OFF(clock_movable), "LMSGW_CLOCK_MOVABLE", "false", 0, 0,
     "For tests and demos only: true lets an admin move the gateway's clock forward with POST "
     "/api/v1/clock (due dates, reminders, escalations and red flags then fall due at once). "
     "Never on a real installation: sessions, links and leases follow the moved clock."},
    {"public_url", K_STRING, OFF(public_url), "LMSGW_PUBLIC_URL", "", 0, 0,
     "Base URL people and LMSs reach the gateway at (links in mail). Empty: "
     "http://<listen_address>:<port>."},
    {"content_port", K_INT, OFF(content_port), "LMSGW_CONTENT_PORT", "-1", -1, 65535,
     "TCP port of the content origin: the second listener that serves course packages to the "
     "approver's page (the course runs there, in another origin than the gateway's pages and "
     "API). -1: port + 1 (a free port when port is 0); 0 picks a free port."},
    {"content_url", K_STRING, OFF(content_url), "LMSGW_CONTENT_URL", "", 0, 0,
     "Base URL browsers reach the content origin at; it must differ from public_url in scheme, "
     "host or port (behind a proxy, a host of its own such as https://content.example.org). "
     "Empty: http://<listen_address>:<content_port>."},
    {"session_idle_minutes", K_INT, OFF(session_idle_minutes), "LMSGW_SESSION_IDLE_MINUTES", "480",
     5, 10080, "A web app session ends after this many minutes without a request."},
    {"session_max_hours", K_INT, OFF(session_max_hours), "LMSGW_SESSION_MAX_HOURS", "168", 1, 2160,
     "A web app session ends this many hours after sign-in, however busy."},
    {"signin_link_minutes", K_INT, OFF(signin_link_minutes), "LMSGW_SIGNIN_LINK_MINUTES", "15", 2,
     1440, "A mailed sign-in link works this many minutes, once."},
    {"signin_max_per_hour", K_INT, OFF(signin_max_per_hour), "LMSGW_SIGNIN_MAX_PER_HOUR", "5", 1,
     1000,
     "Sign-in requests per e-mail address per hour (429 above); a client address may make ten "
     "times as many."},
    {"max_json_body", K_INT, OFF(max_json_body), "LMSGW_MAX_JSON_BODY", "1048576", 1024, 1073741824,
     "Largest JSON request body in bytes (413 above)."},
    {"max_package_bytes", K_INT, OFF(max_package_bytes), "LMSGW_MAX_PACKAGE_BYTES", "536870912",
     1024, 17179869184, "Largest course package upload in bytes (413 above)."},
    {"max_xapi_body", K_INT, OFF(max_xapi_body), "LMSGW_MAX_XAPI_BODY", "16777216", 1024,
     17179869184, "Largest body of an xAPI request (statements with attachments, documents)."},
    {"xapi_page_limit", K_INT, OFF(xapi_page_limit), "LMSGW_XAPI_PAGE_LIMIT", "500", 1, 100000,
     "Most statements in one GET /xapi/statements page (limit=0 asks for this many)."},
    {"xapi_index_lag", K_INT, OFF(xapi_index_lag), "LMSGW_XAPI_INDEX_LAG", "100000", 0, 100000000,
     "SQLite: xAPI statements are acknowledged once stored, and their filter-index and KPI rows "
     "written right after, in larger transactions, while the writer has time; up to this many "
     "statements may wait (beyond, the writer indexes between group commits). Filtered GETs, "
     "/xapi/activities and KPI pulls wait for them (X-Experience-API-Consistent-Through says how "
     "far the index is). 0: written in the acknowledging transaction. PostgreSQL: always 0."},
    {"max_uri_length", K_INT, OFF(max_uri_length), "LMSGW_MAX_URI_LENGTH", "8192", 256, 65536,
     "Longest request URI in bytes (414 above)."},
    {"shutdown_grace_s", K_INT, OFF(shutdown_grace_s), "LMSGW_SHUTDOWN_GRACE_S", "30", 0, 3600,
     "On SIGTERM/SIGINT, how long in-flight requests may take to finish."},
    {"connection_timeout_s", K_INT, OFF(connection_timeout_s), "LMSGW_CONNECTION_TIMEOUT_S", "60",
     1, 3600, "Idle keep-alive connections are closed after this many seconds."},
    {"request_header_timeout_s", K_INT, OFF(request_header_timeout_s),
     "LMSGW_REQUEST_HEADER_TIMEOUT_S", "30", 1, 3600,
     "A connection must send the request line and headers of its next request within this many "
     "seconds of opening (or of its previous reply); a slower one is answered 408 and closed, "
     "however often it sends a byte. Also bounds how long a kept-alive connection stays idle."},
    {"max_connections", K_INT, OFF(max_connections), "LMSGW_MAX_CONNECTIONS", "1024", 1, 1000000,
     "Connections served at once. Beyond it, a further 1/16 (at least 16) are accepted only to "
     "answer 503 with Retry-After; beyond those, new connections wait in the listen queue."},
    {"max_connections_per_ip", K_INT, OFF(max_connections_per_ip), "LMSGW_MAX_CONNECTIONS_PER_IP",
     "128", 0, 1000000,
     "Connections from one client address at once; more are closed as soon as they open. Raise "
     "it when many clients share one address (NAT, a proxy). 0: no limit."},
    {"max_query_params", K_INT, OFF(max_query_params), "LMSGW_MAX_QUERY_PARAMS", "100", 1, 100000,
     "Most query parameters in one request URI (400 above)."},
    {"max_inflight_body_bytes", K_INT, OFF(max_inflight_body_bytes),
     "LMSGW_MAX_INFLIGHT_BODY_BYTES", "67108864", 1024, 68719476736,
     "Total size of the request bodies held in memory at once (being received, parsed, or waiting "
     "for the writer; package uploads go to disk and do not count). A request whose body would go "
     "over is answered 503 with Retry-After and nothing of it is written. At least max_json_body "
     "and max_xapi_body. README gives the memory this takes."},
    {"web_root", K_STRING, OFF(web_root), "LMSGW_WEB_ROOT", "", 0, 0,
     "Folder with the web app's files (app/ and player/, built by scripts/build-web.sh). Empty: "
     "the web/ folder beside the lmsgw binary."},
    {"smtp_url", K_STRING, OFF(smtp_url), "LMSGW_SMTP_URL", "", 0, 0,
     "Mail server for sign-in links, approval requests, reminders, escalations and "
     "announcements: smtp://host:port or smtps://host:port. Empty (a demo, a first try): "
     "notices are written to the log instead, with their text and links."},
    {"smtp_from", K_STRING, OFF(smtp_from), "LMSGW_SMTP_FROM", "lmsgw@localhost", 0, 0,
     "The From address of notices: an e-mail address; a host name without a dot, such as "
     "localhost, is allowed (a local relay takes it)."},
    {"smtp_from_name", K_STRING, OFF(smtp_from_name), "LMSGW_SMTP_FROM_NAME", "lmsgw", 0, 0,
     "The From display name of notices."},
    {"smtp_username", K_STRING, OFF(smtp_username), "LMSGW_SMTP_USERNAME", "", 0, 0,
     "SMTP AUTH user (empty: no authentication)."},
    {"smtp_password", K_STRING, OFF(smtp_password), "LMSGW_SMTP_PASSWORD", "", 0, 0,
     "SMTP AUTH password."},
    {"smtp_starttls", K_STRING, OFF(smtp_starttls), "LMSGW_SMTP_STARTTLS", "try", 0, 0,
     "For smtp:// URLs: none, try or required. With SMTP credentials, try means required and "
     "none is refused: the password never travels without TLS unless "
     "smtp_allow_plaintext_auth is true."},
    {"smtp_allow_plaintext_auth", K_BOOL, OFF(smtp_allow_plaintext_auth),
     "LMSGW_SMTP_ALLOW_PLAINTEXT_AUTH", "false", 0, 0,
     "DANGEROUS: true lets the SMTP password go over an smtp:// connection without TLS (a server "
     "without STARTTLS). Only for a relay on the same host or a trusted network."},
    {"lms_targets_file", K_STRING, OFF(lms_targets_file), "LMSGW_LMS_TARGETS_FILE", "", 0, 0,
     "JSON file naming the LMSs courses are published to (schemas/lms-targets.schema.json). "
     "Empty: approved courses wait in the publish outbox."},
    {"publish_max_attempts", K_INT, OFF(publish_max_attempts), "LMSGW_PUBLISH_MAX_ATTEMPTS", "8", 1,
     100, "Attempts at publishing a version before the course becomes publish_failed."},
    {"webhook_deny_networks", K_STRING, OFF(webhook_deny_networks), "LMSGW_WEBHOOK_DENY_NETWORKS",
     GW_WEBHOOK_DENY_DEFAULT, 0, 0,
     "Comma-separated addresses or CIDR networks department webhooks may not reach, checked when "
     "a URL is saved (literal addresses) and after DNS resolution when sending. The default "
     "refuses link-local and cloud metadata addresses. Loopback and private networks are allowed "
     "unless listed here."},
    {"webhook_allow_networks", K_STRING, OFF(webhook_allow_networks),
     "LMSGW_WEBHOOK_ALLOW_NETWORKS", "", 0, 0,
     "Comma-separated addresses or CIDR networks; when set, department webhooks may reach only "
     "these (and never a denied one). Empty: any address not denied."},
};

#define NKEYS (sizeof keys / sizeof keys[0])

/* The keys whose values are secrets, beside the table so a new key cannot
 * break its initializers. A key not listed whose name says password, secret
 * or token is a SECRET too, so a future credential is hidden by default. */
static const struct {
    const char *name;
    enum key_secret kind;
} secret_keys[] = {
    {"database", SECRET_IN_URL},
    {"smtp_url", SECRET_IN_URL},
    {"smtp_password", SECRET},
};

static enum key_secret secrecy(const struct key *k)
{
    for (size_t i = 0; i < sizeof secret_keys / sizeof secret_keys[0]; i++)
        if (strcmp(k->name, secret_keys[i].name) == 0)
            return secret_keys[i].kind;
    if (strstr(k->name, "password") || strstr(k->name, "secret") || strstr(k->name, "token"))
        return SECRET;
    return NOT_SECRET;
}

static char **str_at(struct gw_config *c, const struct key *k)
{
    return (char **)((char *)c + k->offset);
}

static int64_t *int_at(struct gw_config *c, const struct key *k)
{
    return (int64_t *)((char *)c + k->offset);
}

static bool *bool_at(struct gw_config *c, const struct key *k)
{
    return (bool *)((char *)c + k->offset);
}

static enum gw_err set_from_text(struct gw_config *c, const struct key *k, const char *text,
                                 const char *origin, struct gw_error *err)
{
    switch (k->type) {
    case K_STRING:
        /* shown by 'config --show' and stored as given: text only (a value
         * that is not UTF-8 would vanish from the JSON; issue 13). The value
         * is not quoted: it may be a secret. */
        if (!gw_utf8_valid_str(text))
            return gw_error_set(err, GW_E_CONFIG_BAD_VALUE, k->name,
                                "%s: '%s' is not UTF-8 text; write it UTF-8 encoded", origin,
                                k->name);
        free(*str_at(c, k));
        *str_at(c, k) = gw_xstrdup(text);
        return GW_OK;
    case K_INT: {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (errno || !*text || *end || v < k->min || v > k->max)
            return gw_error_set(err, GW_E_CONFIG_BAD_VALUE, k->name,
                                "%s: '%s' must be an integer from %lld to %lld, not '%s'", origin,
                                k->name, (long long)k->min, (long long)k->max, text);
        *int_at(c, k) = v;
        return GW_OK;
    }
    case K_BOOL:
        if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
            *bool_at(c, k) = true;
        else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
            *bool_at(c, k) = false;
        else
            return gw_error_set(err, GW_E_CONFIG_BAD_VALUE, k->name,
                                "%s: '%s' must be true or false, not '%s'", origin, k->name, text);
        return GW_OK;
    }
    return GW_OK;
}

static enum gw_err set_from_json(struct gw_config *c, const struct key *k, json_t *v,
                                 const char *path, struct gw_error *err)
{
    char text[64];
    switch (k->type) {
    case K_STRING:
        if (!json_is_string(v))
            return gw_error_set(err, GW_E_CONFIG_BAD_VALUE, k->name, "%s: '%s' must be a string",
                                path, k->name);
        return set_from_text(c, k, json_string_value(v), path, err);
    case K_INT:
        if (!json_is_integer(v))
            return gw_error_set(err, GW_E_CONFIG_BAD_VALUE, k->name,
                                "%s: '%s' must be an integer from %lld to %lld", path, k->name,
                                (long long)k->min, (long long)k->max);
        snprintf(text, sizeof text, "%lld", (long long)json_integer_value(v));
        return set_from_text(c, k, text, path, err);
    case K_BOOL:
        if (!json_is_boolean(v))
            return gw_error_set(err, GW_E_CONFIG_BAD_VALUE, k->name,
                                "%s: '%s' must be true or false", path, k->name);
        *bool_at(c, k) = json_is_true(v);
        return GW_OK;
    }
    return GW_OK;
}

static const struct key *find_key(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++) {
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    }
    return NULL;
}

/* The file's contents, read (doc, or NULL with je filled); path names it. */
static enum gw_err load_doc(struct gw_config *c, json_t *doc, const json_error_t *je,
                            const char *path, struct gw_error *err)
{
    if (!doc)
        return gw_error_set(err, GW_E_CONFIG_FILE, path, "%s:%d:%d: %s", path, je->line, je->column,
                            je->text);
    enum gw_err rc = GW_OK;
    if (!json_is_object(doc)) {
        rc = gw_error_set(err, GW_E_CONFIG_FILE, path,
                          "%s: the configuration must be a JSON object", path);
        goto done;
    }
    const char *name;
    json_t *v;
    json_object_foreach(doc, name, v)
    {
        const struct key *k = find_key(name);
        if (!k) {
            rc = gw_error_set(err, GW_E_CONFIG_UNKNOWN_KEY, name,
                              "%s: unknown configuration key '%s' (README lists every key)", path,
                              name);
            goto done;
        }
        rc = set_from_json(c, k, v, path, err);
        if (rc != GW_OK)
            goto done;
    }
done:
    json_decref(doc);
    return rc;
}

static enum gw_err load_file(struct gw_config *c, const char *path, struct gw_error *err)
{
    json_error_t je;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    return load_doc(c, doc, &je, path, err);
}

static enum gw_err load_text(struct gw_config *c, const char *text, size_t len, const char *origin,
                             struct gw_error *err)
{
    json_error_t je;
    json_t *doc = json_loadb(text ? text : "", len, JSON_REJECT_DUPLICATES, &je);
    return load_doc(c, doc, &je, origin, err);
}

static const char *env_lookup(char *const *envp, const char *name)
{
    if (!envp)
        return getenv(name);
    size_t n = strlen(name);
    for (char *const *e = envp; *e; e++) {
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    }
    return NULL;
}

/* An LMSGW_ variable that names no key is refused too, so a typo is not
 * silently ignored. LMSGW_CONFIG (the file) is the one exception. */
static enum gw_err check_env_names(char *const *envp, struct gw_error *err)
{
    extern char **environ;
    char *const *e = envp ? envp : environ;
    for (; e && *e; e++) {
        if (strncmp(*e, "LMSGW_", 6) != 0)
            continue;
        const char *eq = strchr(*e, '=');
        size_t n = eq ? (size_t)(eq - *e) : strlen(*e);
        if (n == 12 && strncmp(*e, "LMSGW_CONFIG", 12) == 0)
            continue;
        bool known = false;
        for (size_t i = 0; i < NKEYS && !known; i++)
            known = strlen(keys[i].env) == n && strncmp(keys[i].env, *e, n) == 0;
        if (!known)
            return gw_error_set(err, GW_E_CONFIG_UNKNOWN_KEY, "",
                                "unknown environment variable %.*s", (int)n, *e);
    }
    return GW_OK;
}

static enum gw_err derive(struct gw_config *c, struct gw_error *err)
{
    if (gw_log_level_valid(c->log_level) == false)
        return gw_error_set(err, GW_E_CONFIG_BAD_VALUE, "log_level",
                            "'log_level' must be debug, info, warn or error, not '%s'",
                            c->log_level);
    if (!c->database[0]) {
        struct gw_buf b = {0};
        gw_buf_printf(&b, "sqlite:%s/lmsgw.db", c->data_dir);
        free(c->database);
        c->database = gw_xstrdup(gw_buf_str(&b));
        gw_buf_free(&b);
    }
    if (strncmp(c->database, "sqlite:", 7) != 0 && strncmp(c->database, "postgresql://", 13) != 0 &&
        strncmp(c->database, "postgres://", 11) != 0) {
        char shown[512];
        gw_config_redact_url(c->database, shown, sizeof shown);
        return gw_error_set(err, GW_E_CONFIG_BAD_VALUE, "database",
                            "'database' must start with sqlite: or postgresql://, not '%s'", shown);
    }
    if (c->max_inflight_body_bytes < c->max_json_body ||
        c->max_inflight_body_bytes < c->max_xapi_body)
        return gw_error_set(err, GW_E_CONFIG_BAD_VALUE, "max_inflight_body_bytes",
                            "'max_inflight_body_bytes' (%lld) must be at least max_json_body "
                            "(%lld) and max_xapi_body (%lld), or the largest bodies never fit",
                            (long long)c->max_inflight_body_bytes, (long long)c->max_json_body,
                            (long long)c->max_xapi_body);
    struct gw_netpolicy np;
    enum gw_err rc =
        gw_netpolicy_init(&np, c->webhook_deny_networks, c->webhook_allow_networks, err);
    if (rc != GW_OK)
        return rc;
    gw_netpolicy_free(&np);
    if (c->workers == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        c->workers = n > 0 ? 2 * n : 2;
    }
    return GW_OK;
}

/* What a file gives: its path, or its text (origin names it in errors). */
struct file_source {
    const char *path;
    const char *text;
    size_t len;
    const char *origin;
};

static enum gw_err load(struct gw_config *cfg, const struct file_source *f, char *const *envp,
                        struct gw_error *err)
{
    memset(cfg, 0, sizeof *cfg);
    enum gw_err rc = GW_OK;
    for (size_t i = 0; i < NKEYS; i++) {
        rc = set_from_text(cfg, &keys[i], keys[i].def, "default", err);
        if (rc != GW_OK)
            goto fail;
    }
    if (f->path)
        rc = load_file(cfg, f->path, err);
    else if (f->origin)
        rc = load_text(cfg, f->text, f->len, f->origin, err);
    if (rc != GW_OK)
        goto fail;
    rc = check_env_names(envp, err);
    if (rc != GW_OK)
        goto fail;
    for (size_t i = 0; i < NKEYS; i++) {
        const char *v = env_lookup(envp, keys[i].env);
        if (!v)
            continue;
        rc = set_from_text(cfg, &keys[i], v, keys[i].env, err);
        if (rc != GW_OK)
            goto fail;
    }
    rc = derive(cfg, err);
    if (rc != GW_OK)
        goto fail;
    return GW_OK;
fail:
    gw_config_free(cfg);
    return rc;
}

enum gw_err gw_config_load(struct gw_config *cfg, const char *path, char *const *envp,
                           struct gw_error *err)
{
    struct file_source f = {.path = path};
    return load(cfg, &f, envp, err);
}

enum gw_err gw_config_load_text(struct gw_config *cfg, const char *text, size_t len,
                                const char *origin, char *const *envp, struct gw_error *err)
{
    struct file_source f = {.text = text, .len = len, .origin = origin ? origin : "config"};
    return load(cfg, &f, envp, err);
}

void gw_config_free(struct gw_config *cfg)
{
    for (size_t i = 0; i < NKEYS; i++) {
        if (keys[i].type == K_STRING) {
            free(*str_at(cfg, &keys[i]));
            *str_at(cfg, &keys[i]) = NULL;
        }
    }
}

char *gw_config_doc_markdown(void)
{
    struct gw_buf b = {0};
    gw_buf_puts(&b, "| key | environment | default | meaning |\n|---|---|---|---|\n");
    for (size_t i = 0; i < NKEYS; i++) {
        const struct key *k = &keys[i];
        gw_buf_printf(&b, "| `%s` | `%s` | `%s` | %s", k->name, k->env, k->def[0] ? k->def : "\"\"",
                      k->doc);
        if (k->type == K_INT)
            gw_buf_printf(&b, " Range %lld to %lld.", (long long)k->min, (long long)k->max);
        gw_buf_puts(&b, " |\n");
    }
    char *out = gw_xstrdup(gw_buf_str(&b));
    gw_buf_free(&b);
    return out;
}

void gw_config_redact_url(const char *url, char *out, size_t cap)
{
    struct gw_buf b = {0};
    const char *p = url ? url : "";
    const char *auth = strstr(p, "://");
    auth = auth ? auth + 3 : p;
    size_t alen = strcspn(auth, "/?#");
    const char *at = NULL;
    for (const char *q = auth; q < auth + alen; q++)
        if (*q == '@')
            at = q; /* the last '@' ends the userinfo */
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon) {
        gw_buf_append(&b, p, (size_t)(colon + 1 - p));
        gw_buf_puts(&b, "REDACTED");
        p = at;
    }
    const char *query = strchr(p, '?');
    if (!query) {
        gw_buf_puts(&b, p);
        goto done;
    }
    gw_buf_append(&b, p, (size_t)(query + 1 - p));
    for (p = query + 1; *p;) {
        size_t len = strcspn(p, "&#");
        if (len >= 9 && strncasecmp(p, "password=", 9) == 0) {
            gw_buf_puts(&b, "password=REDACTED");
        } else {
            gw_buf_append(&b, p, len);
        }
        p += len;
        if (*p == '&') {
            gw_buf_puts(&b, "&");
            p++;
        } else if (*p == '#') {
            gw_buf_puts(&b, p);
            break;
        }
    }
done:
    snprintf(out, cap, "%s", gw_buf_str(&b));
    gw_buf_free(&b);
}

static json_t *shown_string(const struct key *k, const char *v)
{
    enum key_secret kind = secrecy(k);
    if (kind == SECRET)
        return json_string(v && v[0] ? "(set)" : "");
    if (kind == SECRET_IN_URL && v) {
        size_t cap = 2 * strlen(v) + 32; /* each REDACTED replaces at least one byte */
        char *out = gw_xmalloc(cap);
        gw_config_redact_url(v, out, cap);
        json_t *j = json_string(out);
        free(out);
        return j;
    }
    return json_string(v);
}

json_t *gw_config_to_json(const struct gw_config *cfg)
{
    json_t *o = json_object();
    struct gw_config *c = (struct gw_config *)cfg;
    for (size_t i = 0; i < NKEYS; i++) {
        const struct key *k = &keys[i];
        switch (k->type) {
        case K_STRING:
            json_object_set_new(o, k->name, shown_string(k, *str_at(c, k)));
            break;
        case K_INT:
            json_object_set_new(o, k->name, json_integer(*int_at(c, k)));
            break;
        case K_BOOL:
            json_object_set_new(o, k->name, json_boolean(*bool_at(c, k)));
            break;
        }
    }
    return o;
}
