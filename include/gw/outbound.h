/* Everything lmsgw sends out, and the only module that uses libcurl:
 *   - a thin HTTP client (http_client.c) with explicit timeouts, size-capped
 *     responses, streamed multipart file uploads, Retry-After parsing, the
 *     classification of an outcome (ok / retryable / permanent / auth) and
 *     the redaction of credentials in anything put in an error detail;
 *   - LMS connectors behind one interface (lms.c; lms_scormcloud.c,
 *     lms_moodle.c, lms_generic.c), configured by one JSON object per target
 *     (schemas/lms-target.schema.json);
 *   - SMTP mail (mail.c) and chat webhooks (webhook.c).
 * No SQL and no HTTP server code here: the publish outbox (claims, attempts,
 * back-off) and the review scheduler call these functions. Nothing here sleeps
 * except the import poll of a publish, and that uses the caller's sleep
 * callback (struct gw_lms_env), so tests run without waiting. */
#ifndef GW_OUTBOUND_H
#define GW_OUTBOUND_H

#include "gw/buf.h"
#include "gw/error.h"
#include "gw/netpolicy.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Once per process, before any thread uses the functions below. */
void gw_outbound_global_init(void);
void gw_outbound_global_cleanup(void);

/* ---------------------------------------------------------------------- */
/* http_client.c                                                          */
/* ---------------------------------------------------------------------- */

/* How an outbound call ended, for the caller's retry decision. */
enum gw_out_class {
    GW_OUT_OK,        /* 2xx (or the protocol's success) */
    GW_OUT_RETRY,     /* connect failure, timeout, dropped connection, 408, 429, 5xx */
    GW_OUT_PERMANENT, /* other 4xx, or an answer that will not change on retry */
    GW_OUT_AUTH,      /* 401/403 or the LMS's own "bad token": fix the credentials */
};

struct gw_out_status {
    enum gw_out_class cls;
    long http_status;       /* 0 when no HTTP answer was received */
    int64_t retry_after_ms; /* from Retry-After (>= 0), or -1: use your own back-off */
};

/* One part of a multipart/form-data body. Either value (a string field) or
 * file_path (streamed from disk, never loaded whole). */
struct gw_http_part {
    const char *name;
    const char *value;
    const char *file_path;
    const char *filename;     /* the part's filename; default: file_path's base name */
    const char *content_type; /* default: application/octet-stream for files */
};

struct gw_http_request {
    const char *method; /* "GET", "POST", "PUT", "DELETE"; default GET (POST with a body) */
    const char *url;
    const char *const *headers; /* "Name: value" lines, NULL-terminated, or NULL */
    const void *body;           /* raw body (with its Content-Type among headers) */
    size_t body_len;
    const struct gw_http_part *parts; /* multipart body instead of body */
    size_t nparts;
    const char *username, *password; /* HTTP Basic, when username is set */
    long connect_timeout_ms;         /* 0: 10 s */
    long timeout_ms;                 /* whole transfer; 0: 60 s */
    size_t max_response;             /* body bytes kept; 0: 1 MiB. More is an error. */
    /* When set, every address the host resolves to is checked before a
     * connection is opened; a refused one is never connected to (a request
     * with no allowed address fails with GW_E_LMS_UNREACHABLE naming the
     * policy). Not owned. */
    const struct gw_netpolicy *policy;
};

struct gw_http_response {
    long status;
    struct gw_buf body;
    struct gw_buf headers; /* the raw header block of the final response */
    struct gw_out_status out;
};

/* Performs the request. Returns GW_OK when an HTTP answer arrived, whatever
 * its status (see resp->out for the classification); otherwise
 * GW_E_LMS_UNREACHABLE (connect failure, dropped connection),
 * GW_E_LMS_TIMEOUT, GW_E_LMS_BAD_RESPONSE (body over max_response) or GW_E_IO
 * (a file part cannot be read), with
 * resp->out set too and a detail whose URL is redacted. now_ms (for a
 * Retry-After given as an HTTP-date) is the caller's clock; 0 = wall clock.
 * The caller frees resp with gw_http_response_free. */
enum gw_err gw_http_perform(const struct gw_http_request *rq, int64_t now_ms,
                            struct gw_http_response *resp, struct gw_error *err);
void gw_http_response_free(struct gw_http_response *resp);

/* The value of a response header (case-insensitive) into out; false when absent. */
bool gw_http_header(const struct gw_http_response *resp, const char *name, char *out, size_t cap);

/* Parses a Retry-After value: delay-seconds or an HTTP-date (IMF-fixdate,
 * RFC 850 or asctime form). *delay_ms is >= 0 (a date in the past gives 0).
 * Returns false on a malformed value. */
bool gw_http_parse_retry_after(const char *value, int64_t now_ms, int64_t *delay_ms);

/* Classifies an HTTP status (0: no answer) with its Retry-After delay. */
struct gw_out_status gw_http_classify(long status, int64_t retry_after_ms);

/* The delay before retry number attempt (1 = the first retry), "full jitter":
 * a uniform draw (from rnd, any random 64-bit value) in [0, min(cap_ms,
 * base_ms * 2^(attempt-1))], but never less than retry_after_ms when that is
 * >= 0 (the server's Retry-After wins over a shorter back-off). cap_ms > 0. */
int64_t gw_out_backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, int64_t retry_after_ms,
                          uint64_t rnd);

/* Copies url into out with credentials removed: userinfo ("user:pass@") and
 * the values of the query parameters wstoken, token, access_token, secret,
 * password, key and apikey become "REDACTED". */
void gw_http_redact_url(const char *url, char *out, size_t cap);
/* Replaces every occurrence of secret (when non-empty) in s by "REDACTED", in
 * place; the result is cut to cap bytes (including the NUL). */
void gw_redact_secret(char *s, size_t cap, const char *secret);
/* Makes s (a NUL-terminated text in a buffer of cap bytes), which an outside
 * server sent, safe to store and log (outbound/redact.c): the values of
 * credential-named headers, parameters and JSON members (Authorization,
 * Cookie, wstoken, token, access_token, secret, password, apikey, ...), the
 * credential after "Basic " or "Bearer ", every one of the n_secrets secrets
 * (and a cut-off start of one at the end) become "REDACTED"; bytes that are
 * not UTF-8 become '?', control characters but LF and TAB a space; the result
 * is cut to max_len bytes (on a character boundary, ending " [cut]"). */
void gw_redact_text(char *s, size_t cap, const char *const *secrets, size_t n_secrets,
                    size_t max_len);
/* base64("user:password"), what HTTP Basic sends, to redact that form too;
 * NULL when either is missing. The caller frees. */
char *gw_redact_basic_form(const char *user, const char *password);

/* Percent-encodes s (RFC 3986 unreserved kept) and appends it to b. */
void gw_url_encode(struct gw_buf *b, const char *s);

/* ---------------------------------------------------------------------- */
/* lms.c: the connector interface                                          */
/* ---------------------------------------------------------------------- */

/* What is published: our course id, a title, our version number, the zip and
 * its SHA-256. resume is the text the previous attempt of the same publish
 * job returned in gw_lms_result.resume (NULL on the first attempt): the outbox
 * stores it with the job after each attempt and passes it back, which is how
 * a retry after an ambiguous failure finds an upload that landed instead of
 * uploading twice. */
struct gw_lms_course {
    const char *course_id;
    const char *title;
    int64_t version;
    const char *zip_path;
    const char *sha256;
    const char *resume;
};

struct gw_lms_result {
    char *lms_course_id;  /* the LMS's id of the course */
    char *course_url;     /* a page for people */
    json_t *activity_ids; /* array of the xAPI activity IRIs the LMS will use for the course */
    int64_t lms_version;  /* the LMS's version of the content (-1 when it has none) */
    json_t *warnings;     /* array of strings from the LMS's import (parser warnings) */
    char *resume;         /* store with the job; pass back as gw_lms_course.resume */
    bool already_done;    /* nothing was changed: the LMS already had this version */
    struct gw_out_status out;
    /* With out.cls GW_OUT_RETRY: when > 0, the caller retries only while fewer
     * attempts than this were made (an answer that is as likely a lasting
     * fault as a passing one gets one more try, not the whole budget). */
    int max_attempts;
};

void gw_lms_result_free(struct gw_lms_result *r);

/* The caller's time: the import poll sleeps through sleep_ms (NULL: no waiting
 * between polls), and checkpoint (optional) is called with the resume text
 * right before an upload, so the outbox can persist it before the LMS can act
 * on the upload (this closes the window of a crash during the upload). */
struct gw_lms_env {
    void (*sleep_ms)(void *ctx, int64_t ms);
    void (*checkpoint)(void *ctx, const char *resume);
    void *ctx;
    int64_t now_ms; /* for Retry-After dates; 0 = wall clock */
};

struct gw_lms_target;

/* A connector: one const table per type (chosen by the target's "type"). */
struct gw_lms_ops {
    const char *type;
    /* Parses cfg into t->priv; err's where is a JSON Pointer into cfg. */
    enum gw_err (*configure)(struct gw_lms_target *t, const json_t *cfg, struct gw_error *err);
    enum gw_err (*publish)(const struct gw_lms_target *t, const struct gw_lms_course *c,
                           const struct gw_lms_env *env, struct gw_lms_result *out,
                           struct gw_error *err);
    enum gw_err (*retire)(const struct gw_lms_target *t, const char *course_id,
                          const struct gw_lms_env *env, struct gw_lms_result *out,
                          struct gw_error *err);
    void (*free_priv)(void *priv);
};

/* Timeouts and poll settings common to every type (keys of the target). */
struct gw_lms_target {
    const struct gw_lms_ops *ops;
    char *name;
    long connect_timeout_ms; /* "connect_timeout_ms", default 10000 */
    long timeout_ms;         /* "timeout_ms" for API calls, default 30000 */
    long upload_timeout_ms;  /* "upload_timeout_ms", default 600000 */
    long poll_interval_ms;   /* "import_poll_interval_ms", default 2000 */
    int poll_max;            /* "import_poll_max", default 60 */
    void *priv;
};

extern const struct gw_lms_ops gw_lms_scormcloud_ops, gw_lms_moodle_ops, gw_lms_generic_ops;

/* Builds a target from its JSON configuration (see schemas/lms-target.schema.json
 * and the header comments of lms_scormcloud.c, lms_moodle.c, lms_generic.c).
 * Unknown keys are errors. The caller frees with gw_lms_target_free. */
enum gw_err gw_lms_target_new(const json_t *cfg, struct gw_lms_target **out, struct gw_error *err);
void gw_lms_target_free(struct gw_lms_target *t);

/* Publishes c to t, exactly-once safe (look up before create with the LMS's
 * natural keys). out is filled on success and on failure (out->out says
 * whether to retry, and out->resume what to pass back). The caller frees out
 * with gw_lms_result_free; zero it before the call. */
enum gw_err gw_lms_publish(const struct gw_lms_target *t, const struct gw_lms_course *c,
                           const struct gw_lms_env *env, struct gw_lms_result *out,
                           struct gw_error *err);
/* Retires our course from t (SCORM Cloud: deletes it; Moodle: hides it).
 * Idempotent: a course already gone is success. */
enum gw_err gw_lms_retire(const struct gw_lms_target *t, const char *course_id,
                          const struct gw_lms_env *env, struct gw_lms_result *out,
                          struct gw_error *err);

/* Shared by the connectors (lms.c). */
void gw_lms_http_defaults(const struct gw_lms_target *t, struct gw_http_request *rq, bool upload);
/* Sets err for a failed HTTP exchange, keeping resp->out in out->out; a 403
 * that carries the LMS's message is LMS_REJECTED (permanent), not refused
 * credentials. */
enum gw_err gw_lms_http_error(const struct gw_http_response *resp, const char *what,
                              const char *lms_message, struct gw_lms_result *out,
                              struct gw_error *err);
/* Replaces {course}, {version}, {title}, {sha256}, {lms_course_id} and
 * {base_url} in tmpl; url_encode encodes the substituted values. Caller frees. */
char *gw_lms_expand(const char *tmpl, const struct gw_lms_course *c, const char *lms_course_id,
                    const char *base_url, bool url_encode);

/* ---------------------------------------------------------------------- */
/* mail.c                                                                  */
/* ---------------------------------------------------------------------- */

/* Mail configuration (JSON object):
 *   "url":      "smtp://host:587" or "smtps://host:465" (required)
 *   "from":     "lmsgw@example.org" (required), "from_name": "Course gateway"
 *   "starttls": "none" | "try" | "required" (default "try" for smtp://)
 *   "username", "password": SMTP AUTH (optional). With credentials (these or
 *               user:password@ in the url) an smtp:// url needs STARTTLS:
 *               "try" becomes "required" and "none" is refused, unless
 *   "allow_plaintext_auth": true (default false; a relay on a trusted network)
 *   "helo_domain": the EHLO name (default: the from address's domain)
 *   "connect_timeout_ms" (10000), "timeout_ms" (30000)
 *   "insecure_skip_verify": false (tests only) */
struct gw_mail_config {
    char *url, *from, *from_name, *username, *password, *helo_domain;
    int starttls; /* 0 none, 1 try, 2 required */
    bool allow_plaintext_auth;
    long connect_timeout_ms, timeout_ms;
    bool insecure;
};

/* Reads a mail settings object (url, from, starttls, username, password,
 * timeouts, ...) into out, which the caller frees with gw_mail_config_free;
 * a missing or bad member fails with its name in err (secrets redacted). */
enum gw_err gw_mail_config_parse(const json_t *cfg, struct gw_mail_config *out,
                                 struct gw_error *err);
void gw_mail_config_free(struct gw_mail_config *c);

struct gw_mail_message {
    const char *to;      /* one address */
    const char *to_name; /* optional display name */
    const char *subject; /* UTF-8; encoded per RFC 2047 when not ASCII */
    const char *text;    /* UTF-8 plain text, "\n" line ends */
};

/* Builds the RFC 5322 message (Date from now_ms, a fresh Message-ID in the
 * from domain, CRLF line ends). The caller frees. */
char *gw_mail_build(const struct gw_mail_config *cfg, const struct gw_mail_message *m,
                    int64_t now_ms);
/* Sends m. GW_E_MAIL_FAILED (detail has the server's reply; st says whether
 * to retry: 4xx replies and connection failures are retryable, 5xx not). */
enum gw_err gw_mail_send(const struct gw_mail_config *cfg, const struct gw_mail_message *m,
                         int64_t now_ms, struct gw_out_status *st, struct gw_error *err);

/* ---------------------------------------------------------------------- */
/* webhook.c                                                               */
/* ---------------------------------------------------------------------- */

/* Webhook configuration (JSON object):
 *   "kind": "slack" | "teams" (required), "url": the incoming-webhook URL
 *   (required; it is a credential and never appears in an error detail),
 *   "connect_timeout_ms" (10000), "timeout_ms" (15000).
 * The url must be https:// or http://. policy (set by the caller, not owned)
 * limits the addresses it may reach; a literal address is checked by
 * gw_webhook_url_check, a resolved one when sending. */
struct gw_webhook_config {
    char *kind, *url;
    long connect_timeout_ms, timeout_ms;
    const struct gw_netpolicy *policy;
};

/* Whether url may be a department webhook: an https:// or http:// URL with a
 * host that, when it is a literal address, the policy allows (policy may be
 * NULL: scheme and host only). Sets err (GW_E_JSON_FIELD_VALUE at where, the
 * URL itself never in the detail) and returns it otherwise. */
enum gw_err gw_webhook_url_check(const char *url, const struct gw_netpolicy *policy,
                                 const char *where, struct gw_error *err);
/* Escapes what Teams would read as Markdown (\\ * _ ` ~ [ ] ( ) < > # |, and a
 * leading list marker) in s; the caller frees. */
char *gw_teams_escape(const char *s);

/* Reads one webhook object (kind slack or teams, url, timeouts) into out,
 * which the caller frees with gw_webhook_config_free; a missing or bad
 * member fails with GW_E_WEBHOOK_CONFIG_INVALID naming it (url redacted). */
enum gw_err gw_webhook_config_parse(const json_t *cfg, struct gw_webhook_config *out,
                                    struct gw_error *err);
void gw_webhook_config_free(struct gw_webhook_config *c);
/* POSTs payload (from gw_review_notice_slack/teams) as JSON; for "teams" the
 * texts of TextBlocks and FactSets are Markdown-escaped first (gw_teams_escape;
 * user data such as a course title must not format the card). Any 2xx is
 * success; otherwise GW_E_WEBHOOK_FAILED with st classified. */
enum gw_err gw_webhook_send(const struct gw_webhook_config *cfg, const json_t *payload,
                            int64_t now_ms, struct gw_out_status *st, struct gw_error *err);

#endif
