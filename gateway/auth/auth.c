/* auth.c: making API keys, checking Authorization headers, and the short-
 * lived cache of verified keys (see gw/auth.h). Roles' names live here too. */
#include "gw/auth.h"
#include "gw/buf.h"
#include "gw/hash.h"
#include "gw/xapi.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    unsigned bit;
    const char *name;
} role_names[] = {
    {GW_ROLE_ADMIN, "admin"}, {GW_ROLE_AUTHOR, "author"}, {GW_ROLE_APPROVER, "approver"},
    {GW_ROLE_LMS, "lms"},     {GW_ROLE_BI, "bi"},
};

unsigned gw_role_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++) {
        if (strcmp(role_names[i].name, name) == 0)
            return role_names[i].bit;
    }
    return 0;
}

const char *gw_role_name(unsigned role)
{
    for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++) {
        if (role_names[i].bit == role)
            return role_names[i].name;
    }
    return "none";
}

enum gw_err gw_auth_key_create(struct gw_store *s, const char *name, const char *role,
                               const struct gw_key_options *opt, int64_t now_ms,
                               struct gw_new_key *out, struct gw_error *err)
{
    if (!gw_role_from_name(role))
        return gw_error_set(err, GW_E_JSON_FIELD_VALUE, "/role",
                            "'%s' is not a role: use admin, author, approver, lms or bi", role);
    if (!name[0] || strlen(name) >= sizeof((struct gw_key *)0)->name)
        return gw_error_set(err, GW_E_JSON_FIELD_VALUE, "/name",
                            "a key's name must have 1 to 127 bytes");
    uint8_t id[6], secret[32];
    if (!gw_random_bytes(id, sizeof id) || !gw_random_bytes(secret, sizeof secret))
        return gw_error_set(err, GW_E_INTERNAL, "", "no randomness available");
    char idhex[13];
    gw_hex(id, sizeof id, idhex);
    snprintf(out->key_id, sizeof out->key_id, "k%s", idhex);
    gw_hex(secret, sizeof secret, out->secret);
    snprintf(out->token, sizeof out->token, "%s.%s", out->key_id, out->secret);

    struct gw_key k = {0};
    snprintf(k.key_id, sizeof k.key_id, "%s", out->key_id);
    snprintf(k.name, sizeof k.name, "%s", name);
    snprintf(k.role, sizeof k.role, "%s", role);
    gw_sha256_hex(out->secret, strlen(out->secret), k.secret_hash);
    k.created_ms = now_ms;
    int64_t window = opt ? opt->dedup_window_s : 0;
    if (window < 0)
        window = strcmp(role, "lms") == 0 ? GW_AUTH_LMS_DEDUP_WINDOW_S : 0;
    unsigned members = opt && opt->dedup_members ? opt->dedup_members : GW_XAPI_DEDUP_MOODLE;
    if ((members & GW_XAPI_DEDUP_REQUIRED) != GW_XAPI_DEDUP_REQUIRED)
        return gw_error_set(err, GW_E_JSON_FIELD_VALUE, "/dedup_members",
                            "the dedup signature must cover actor, verb and object (it may add "
                            "result, timestamp, registration and context)");
    k.xapi_dedup_window_s = window;
    k.xapi_dedup_members = members;
    out->dedup_window_s = window;
    out->dedup_members = members;
    if (opt && opt->person_id)
        snprintf(k.person_id, sizeof k.person_id, "%s", opt->person_id);
    out->hmac_secret[0] = '\0';
    if (opt && opt->hmac) {
        uint8_t hs[32];
        if (!gw_random_bytes(hs, sizeof hs))
            return gw_error_set(err, GW_E_INTERNAL, "", "no randomness available");
        gw_hex(hs, sizeof hs, out->hmac_secret);
        snprintf(k.hmac_secret, sizeof k.hmac_secret, "%s", out->hmac_secret);
    }
    return gw_store_key_insert(s, &k, err);
}

/* ---- the cache ---- */

struct cache_entry {
    struct gw_key key;
    int64_t fetched_ms;
    /* The secret last checked against key.secret_hash, so that the next
     * request with it skips the SHA-256 (a client sends the same secret on
     * every request). Cleared when the key is fetched again. */
    char verified[128];
};

struct gw_auth_cache {
    pthread_mutex_t mu;
    struct cache_entry *entries;
    size_t n, cap;
};

struct gw_auth_cache *gw_auth_cache_new(void)
{
    struct gw_auth_cache *c = gw_xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void gw_auth_cache_free(struct gw_auth_cache *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->mu);
    free(c->entries);
    free(c);
}

static struct cache_entry *find(struct gw_auth_cache *c, const char *key_id)
{
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->entries[i].key.key_id, key_id) == 0)
            return &c->entries[i];
    }
    return NULL;
}

void gw_auth_cache_forget(struct gw_auth_cache *c, const char *key_id)
{
    pthread_mutex_lock(&c->mu);
    struct cache_entry *e = find(c, key_id);
    if (e)
        *e = c->entries[--c->n];
    pthread_mutex_unlock(&c->mu);
}

/* On a hit, *secret_ok tells whether secret is the one verified last. */
static bool cache_get(struct gw_auth_cache *c, const char *key_id, const char *secret,
                      int64_t now_ms, struct gw_key *out, bool *secret_ok)
{
    pthread_mutex_lock(&c->mu);
    struct cache_entry *e = find(c, key_id);
    bool hit = e && now_ms - e->fetched_ms < GW_AUTH_CACHE_TTL_MS && now_ms >= e->fetched_ms;
    if (hit) {
        *out = e->key;
        size_t n = strlen(secret);
        *secret_ok =
            e->verified[0] && strlen(e->verified) == n && gw_ct_equal(e->verified, secret, n);
    }
    pthread_mutex_unlock(&c->mu);
    return hit;
}

static void cache_remember_secret(struct gw_auth_cache *c, const char *key_id, const char *secret)
{
    pthread_mutex_lock(&c->mu);
    struct cache_entry *e = find(c, key_id);
    if (e)
        gw_copy_str(e->verified, sizeof e->verified, secret);
    pthread_mutex_unlock(&c->mu);
}

static void cache_put(struct gw_auth_cache *c, const struct gw_key *k, int64_t now_ms)
{
    pthread_mutex_lock(&c->mu);
    struct cache_entry *e = find(c, k->key_id);
    if (!e) {
        if (c->n == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 16;
            c->entries = gw_xrealloc(c->entries, c->cap * sizeof *c->entries);
        }
        e = &c->entries[c->n++];
    }
    e->key = *k;
    e->fetched_ms = now_ms;
    e->verified[0] = '\0';
    pthread_mutex_unlock(&c->mu);
}

/* ---- checking a header ---- */

/* Decodes a Basic credential (standard base64; clients that leave out the
 * padding are accepted) into out as a string; false when malformed, too long
 * or holding a NUL. */
static bool basic_decode(const char *b64, char *out, size_t cap)
{
    size_t n = strlen(b64);
    if (n > 4 * (cap / 3))
        return false;
    char *padded = gw_xmalloc(n + 4);
    memcpy(padded, b64, n);
    while (n % 4)
        padded[n++] = '=';
    padded[n] = '\0';
    size_t len = 0;
    unsigned char *raw = gw_base64_decode(padded, &len);
    free(padded);
    bool ok = raw && len < cap && !memchr(raw, '\0', len);
    if (ok)
        memcpy(out, raw, len + 1);
    free(raw);
    return ok;
}

bool gw_auth_parse_credentials(const char *h, char *key_id, size_t idcap, char *secret,
                               size_t seccap)
{
    char decoded[256];
    const char *pair;
    char sep;
    if (strncasecmp(h, "Bearer ", 7) == 0) {
        pair = h + 7;
        sep = '.';
    } else if (strncasecmp(h, "Basic ", 6) == 0) {
        if (!basic_decode(h + 6, decoded, sizeof decoded))
            return false;
        pair = decoded;
        sep = ':';
    } else {
        return false;
    }
    while (*pair == ' ')
        pair++;
    const char *s = strchr(pair, sep);
    if (!s || (size_t)(s - pair) >= idcap || strlen(s + 1) >= seccap || s == pair || !s[1])
        return false;
    snprintf(key_id, idcap, "%.*s", (int)(s - pair), pair);
    snprintf(secret, seccap, "%s", s + 1);
    return true;
}

enum gw_err gw_auth_check(struct gw_auth_cache *c, struct gw_store *s, const char *authorization,
                          int64_t now_ms, struct gw_principal *who, struct gw_error *err)
{
    if (!authorization || !*authorization)
        return gw_error_set(err, GW_E_AUTH_MISSING, "Authorization", "this route needs an API key");
    char key_id[32], secret[128];
    if (!gw_auth_parse_credentials(authorization, key_id, sizeof key_id, secret, sizeof secret))
        return gw_error_set(err, GW_E_AUTH_INVALID, "Authorization",
                            "the Authorization header is not 'Bearer KEY_ID.SECRET' or Basic "
                            "KEY_ID:SECRET");
    struct gw_key k;
    bool secret_ok = false;
    if (!cache_get(c, key_id, secret, now_ms, &k, &secret_ok)) {
        struct gw_error lookup;
        enum gw_err rc = gw_store_key_get(s, key_id, &k, &lookup);
        if (rc == GW_E_NOT_FOUND)
            return gw_error_set(err, GW_E_AUTH_INVALID, "Authorization", "the API key is unknown");
        if (rc != GW_OK) {
            if (err)
                *err = lookup;
            return rc;
        }
        cache_put(c, &k, now_ms);
    }
    if (!secret_ok) {
        char hash[GW_SHA256_HEX];
        gw_sha256_hex(secret, strlen(secret), hash);
        if (!gw_ct_equal(hash, k.secret_hash, GW_SHA256_HEX - 1))
            return gw_error_set(err, GW_E_AUTH_INVALID, "Authorization", "the API key is unknown");
        if (!k.revoked_ms)
            cache_remember_secret(c, key_id, secret);
    }
    if (k.revoked_ms)
        return gw_error_set(err, GW_E_AUTH_INVALID, "Authorization", "the API key was revoked");
    gw_copy_str(who->key_id, sizeof who->key_id, k.key_id);
    gw_copy_str(who->name, sizeof who->name, k.name);
    who->role = gw_role_from_name(k.role);
    who->xapi_dedup_window_s = k.xapi_dedup_window_s;
    who->xapi_dedup_members = k.xapi_dedup_members;
    gw_copy_str(who->hmac_secret, sizeof who->hmac_secret, k.hmac_secret);
    gw_copy_str(who->person_id, sizeof who->person_id, k.person_id);
    return GW_OK;
}

bool gw_auth_signature_ok(const char *hmac_secret, const void *body, size_t len, const char *header)
{
    static const char prefix[] = "sha256=";
    if (!header || strncasecmp(header, prefix, sizeof prefix - 1) != 0)
        return false;
    const char *hex = header + sizeof prefix - 1;
    if (strlen(hex) != 64)
        return false;
    uint8_t mac[32];
    char want[65];
    gw_hmac_sha256(hmac_secret, strlen(hmac_secret), body, len, mac);
    gw_hex(mac, sizeof mac, want);
    char got[65];
    for (int i = 0; i < 64; i++)
        got[i] = (char)tolower((unsigned char)hex[i]);
    got[64] = '\0';
    return gw_ct_equal(want, got, 64);
}
