/* API keys and roles. A key is a public id and a random secret; the store
 * keeps only SHA-256(secret) (secrets are 256 random bits, so a slow KDF adds
 * nothing). Clients send "Authorization: Bearer <key_id>.<secret>" or, for
 * xAPI clients, HTTP Basic with user <key_id> and password <secret>.
 * Verified keys are cached for a few seconds; a revocation through the API
 * takes effect at once, one made by another process within the cache TTL. */
#ifndef GW_AUTH_H
#define GW_AUTH_H

#include "gw/error.h"
#include "gw/http.h"
#include "gw/store.h"

#include <stdbool.h>

#define GW_AUTH_CACHE_TTL_MS 5000

struct gw_new_key {
    char key_id[32];
    char secret[72];
    char token[112];        /* key_id "." secret: what a Bearer client sends */
    char hmac_secret[65];   /* "" unless the key signs its bodies */
    int64_t dedup_window_s; /* as stored: the option or the role's default */
    unsigned dedup_members; /* as stored */
};

/* The dedup window of a new lms key when none is given: 7 days. Moodle's
 * logstore_xapi resends a failed batch from cron, hours or (over a weekend
 * outage) days later; the window only bounds the lookup, which is an index
 * probe whatever its length. Other roles default to 0 (off). */
#define GW_AUTH_LMS_DEDUP_WINDOW_S 604800

struct gw_key_options {
    /* > 0: drop id-less xAPI resends within this window; 0: off; < 0: the
     * role's default (GW_AUTH_LMS_DEDUP_WINDOW_S for lms, else 0) */
    int64_t dedup_window_s;
    /* the members of the dedup signature (GW_XAPI_DEDUP_*; must include
     * GW_XAPI_DEDUP_REQUIRED); 0: GW_XAPI_DEDUP_MOODLE */
    unsigned dedup_members;
    bool hmac;             /* bodies must carry X-Lmsgw-Signature: sha256=HMAC(secret, body) */
    const char *person_id; /* the person the key belongs to (NULL: none) */
};

/* Creates and stores a key. role is a role name ("admin", ...); opt may be
 * NULL. The secret is in out only; it cannot be recovered later. */
enum gw_err gw_auth_key_create(struct gw_store *s, const char *name, const char *role,
                               const struct gw_key_options *opt, int64_t now_ms,
                               struct gw_new_key *out, struct gw_error *err);

/* Splits an Authorization header value ("Bearer ID.SECRET" or "Basic
 * base64(ID:SECRET)") into its parts; false when malformed or too long. */
bool gw_auth_parse_credentials(const char *header, char *key_id, size_t idcap, char *secret,
                               size_t seccap);

/* Whether header is "sha256=<hex HMAC-SHA256(hmac_secret, body)>";
 * compared in constant time. */
bool gw_auth_signature_ok(const char *hmac_secret, const void *body, size_t len,
                          const char *header);

/* The verified-key cache: one per server (struct gw_server owns it), shared
 * by every HTTP worker. Thread-safe: every call takes the cache's mutex for
 * the lookup or the update only, never across a store query. Entries hold
 * copies; nothing returned points into the cache. gw_auth_cache_free is
 * called once, after the workers have stopped. */
struct gw_auth_cache;
struct gw_auth_cache *gw_auth_cache_new(void);
void gw_auth_cache_free(struct gw_auth_cache *c);
/* Drops key_id's entry (a revocation through the API takes effect at once). */
void gw_auth_cache_forget(struct gw_auth_cache *c, const char *key_id);

/* Checks an Authorization header value (NULL when absent). Fills who on
 * success (copies: who owns nothing to free). GW_E_AUTH_MISSING when absent,
 * GW_E_AUTH_INVALID when unknown, revoked or malformed; GW_E_STORE_* when the
 * store cannot answer. Thread-safe (see the cache above). */
enum gw_err gw_auth_check(struct gw_auth_cache *c, struct gw_store *s, const char *authorization,
                          int64_t now_ms, struct gw_principal *who, struct gw_error *err);

#endif
