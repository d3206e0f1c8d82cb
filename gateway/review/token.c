/* token.c: one-click approval links. A token is
 *   base64url(canonical claims) "." base64url(HMAC-SHA256(key, canonical claims))
 * with no padding, so it fits a URL path segment as is. Owns making and
 * verifying tokens; does not own single use (the store marks the nonce used
 * in the transaction that records the decision) nor serving the page. */
#include "gw/review.h"
#include "gw/preview.h"

#include "gw/hash.h"
#include "gw/timefmt.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_VERSION "lmsgw-review-1"
#define CANON_MAX 320 /* version + 2 ids + actions + expiry + nonce, with separators */

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Encodes len bytes into out (NUL-terminated); returns the length written, or
 * 0 when out is too small. */
static size_t b64_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
    size_t need = (len / 3) * 4 + (len % 3 ? len % 3 + 1 : 0);
    size_t o = 0;
    if (need + 1 > cap)
        return 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        size_t rest = len - i;
        if (rest > 1)
            v |= (uint32_t)in[i + 1] << 8;
        if (rest > 2)
            v |= in[i + 2];
        out[o++] = b64url[(v >> 18) & 63];
        out[o++] = b64url[(v >> 12) & 63];
        if (rest > 1)
            out[o++] = b64url[(v >> 6) & 63];
        if (rest > 2)
            out[o++] = b64url[v & 63];
    }
    out[o] = '\0';
    return o;
}

static int b64_value(char c)
{
    const char *p = c ? strchr(b64url, c) : NULL;
    return p ? (int)(p - b64url) : -1;
}

/* Decodes len characters; returns false on a character outside the alphabet,
 * an impossible length, non-zero trailing bits or out too small. */
static bool b64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t o = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    if (len % 4 == 1)
        return false;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value(in[i]);
        if (v < 0)
            return false;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return false;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0) /* canonical encodings only: leftover bits are zero */
        return false;
    *out_len = o;
    return true;
}

static bool id_ok(const char *s)
{
    if (!s || !*s || strlen(s) >= GW_REVIEW_ID_MAX)
        return false;
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    }
    return true;
}

static bool nonce_ok(const char *s)
{
    if (strlen(s) != GW_REVIEW_NONCE_HEX - 1)
        return false;
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s) && !(*s >= 'a' && *s <= 'f'))
            return false;
    }
    return true;
}

static enum gw_err key_check(size_t keylen, const uint8_t *key, struct gw_error *err)
{
    if (!key || keylen < GW_REVIEW_TOKEN_KEY_MIN)
        return gw_error_set(err, GW_E_REVIEW_TOKEN_KEY, NULL,
                            "The link signing key has %zu bytes; it needs at least %d.", keylen,
                            GW_REVIEW_TOKEN_KEY_MIN);
    return GW_OK;
}

/* Writes base64url(canon) "." base64url(HMAC-SHA256(key, canon)) into out;
 * false when out is too small. */
static bool seal(const uint8_t *key, size_t keylen, const char *canon, size_t n, char *out,
                 size_t cap)
{
    uint8_t mac[32];
    gw_hmac_sha256(key, keylen, canon, n, mac);
    size_t a = b64_encode((const uint8_t *)canon, n, out, cap);
    if (a == 0 || a + 2 > cap || b64_encode(mac, sizeof mac, out + a + 1, cap - a - 1) == 0)
        return false;
    out[a] = '.';
    return true;
}

enum opened { OPEN_OK, OPEN_MALFORMED, OPEN_FORGED };

/* The canonical text of a sealed token into canon (cap bytes, NUL-terminated;
 * *len its length, which a NUL inside makes differ from strlen):
 * OPEN_MALFORMED for a shape or base64 that is not ours, OPEN_FORGED when the
 * signature does not match (compared in constant time). */
static enum opened unseal(const uint8_t *key, size_t keylen, const char *token, char *canon,
                          size_t cap, size_t *len)
{
    uint8_t mac[32], want[32];
    size_t canon_len = 0, mac_len = 0;
    const char *dot = token ? strchr(token, '.') : NULL;
    if (!dot || dot == token || strlen(token) >= GW_REVIEW_TOKEN_MAX ||
        !b64_decode(token, (size_t)(dot - token), (uint8_t *)canon, cap - 1, &canon_len) ||
        !b64_decode(dot + 1, strlen(dot + 1), mac, sizeof mac, &mac_len) || mac_len != sizeof mac)
        return OPEN_MALFORMED;
    gw_hmac_sha256(key, keylen, canon, canon_len, want);
    if (!gw_ct_equal(mac, want, sizeof mac))
        return OPEN_FORGED;
    canon[canon_len] = '\0';
    *len = canon_len;
    return OPEN_OK;
}

#define ALL_ACTIONS                                                                                \
    (GW_REVIEW_ACTION_APPROVE | GW_REVIEW_ACTION_REQUEST_CHANGES | GW_REVIEW_ACTION_REJECT)

bool gw_review_token_new_nonce(struct gw_review_token_claims *c)
{
    uint8_t raw[16];
    if (!gw_random_bytes(raw, sizeof raw))
        return false;
    gw_hex(raw, sizeof raw, c->nonce);
    return true;
}

static int canonical(const struct gw_review_token_claims *c, char *out, size_t cap)
{
    return snprintf(out, cap, "%s\n%s\n%s\n%u\n%" PRId64 "\n%s", TOKEN_VERSION, c->round_id,
                    c->approver_id, c->actions, c->expires_ms, c->nonce);
}

enum gw_err gw_review_token_make(const uint8_t *key, size_t keylen,
                                 const struct gw_review_token_claims *c, char *out, size_t cap,
                                 struct gw_error *err)
{
    char canon[CANON_MAX];
    enum gw_err rc = key_check(keylen, key, err);
    if (rc != GW_OK)
        return rc;
    if (!id_ok(c->round_id) || !id_ok(c->approver_id) || !nonce_ok(c->nonce) ||
        (c->actions & ALL_ACTIONS) == 0 || (c->actions & ~(unsigned)ALL_ACTIONS) != 0 ||
        c->expires_ms < 0)
        return gw_error_set(err, GW_E_BAD_REQUEST, NULL,
                            "Token claims need a round id, an approver id (no control bytes), "
                            "a 32-hex-digit nonce, at least one known action and an expiry "
                            "that is not negative.");
    int n = canonical(c, canon, sizeof canon);
    if (n < 0 || (size_t)n >= sizeof canon)
        return gw_error_set(err, GW_E_BAD_REQUEST, NULL, "Token claims are too long.");
    if (!seal(key, keylen, canon, (size_t)n, out, cap))
        return gw_error_set(err, GW_E_BAD_REQUEST, NULL,
                            "The output buffer of %zu bytes is too small for the token.", cap);
    return GW_OK;
}

/* Splits canon into claims; false when it is not a well-formed encoding. */
/* Splits canon at its newlines into exactly n fields (in place); false for
 * another count. */
static bool split_fields(char *canon, char **field, int n)
{
    int nf = 0;
    field[nf++] = canon;
    for (char *p = canon; *p; p++) {
        if (*p != '\n')
            continue;
        if (nf == n)
            return false;
        *p = '\0';
        field[nf++] = p + 1;
    }
    return nf == n;
}

/* An expiry: milliseconds since the epoch, 0 to INT64_MAX (strtoll's ERANGE
 * refuses more): a negative expiry is no time we make, and
 * gw_time_format_ms's day arithmetic overflowed on one near INT64_MIN
 * (signed-overflow UB when an expired link's page names the time). */
static bool expiry_ok(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!isdigit((unsigned char)s[0]) || *end || errno || v < 0)
        return false;
    *out = v;
    return true;
}

static bool parse_claims(char *canon, struct gw_review_token_claims *c)
{
    char *field[6];
    if (!split_fields(canon, field, 6) || strcmp(field[0], TOKEN_VERSION) != 0 ||
        !id_ok(field[1]) || !id_ok(field[2]) || !nonce_ok(field[5]))
        return false;
    char *end;
    errno = 0;
    unsigned long actions = strtoul(field[3], &end, 10);
    if (!isdigit((unsigned char)field[3][0]) || *end || errno || actions == 0 ||
        (actions & ~(unsigned long)ALL_ACTIONS))
        return false;
    int64_t expires;
    if (!expiry_ok(field[4], &expires))
        return false;
    memset(c, 0, sizeof *c);
    snprintf(c->round_id, sizeof c->round_id, "%s", field[1]);
    snprintf(c->approver_id, sizeof c->approver_id, "%s", field[2]);
    c->actions = (unsigned)actions;
    c->expires_ms = expires;
    snprintf(c->nonce, sizeof c->nonce, "%s", field[5]);
    return true;
}

enum gw_err gw_review_token_verify(const uint8_t *key, size_t keylen, const char *token,
                                   int64_t now_ms, struct gw_review_token_claims *c,
                                   struct gw_error *err)
{
    char canon[CANON_MAX];
    size_t len = 0;
    enum gw_err rc = key_check(keylen, key, err);
    if (rc != GW_OK)
        return rc;
    enum opened o = unseal(key, keylen, token, canon, sizeof canon, &len);
    if (o == OPEN_MALFORMED)
        return gw_error_set(err, GW_E_REVIEW_TOKEN_MALFORMED, "/token",
                            "The approval link's token is not in the expected form.");
    if (o == OPEN_FORGED)
        return gw_error_set(err, GW_E_REVIEW_TOKEN_INVALID, "/token",
                            "The approval link's signature does not match its contents.");
    if (strlen(canon) != len || !parse_claims(canon, c))
        return gw_error_set(err, GW_E_REVIEW_TOKEN_MALFORMED, "/token",
                            "The approval link's claims are not in the expected form.");
    if (now_ms >= c->expires_ms) {
        char when[32];
        gw_time_format_ms(c->expires_ms, when);
        return gw_error_set(err, GW_E_REVIEW_TOKEN_EXPIRED, "/token",
                            "The approval link for round '%s' expired at %s.", c->round_id, when);
    }
    return GW_OK;
}

enum gw_err gw_review_token_allows(const struct gw_review_token_claims *c,
                                   enum gw_review_decision_kind k, struct gw_error *err)
{
    unsigned bit = k == GW_REVIEW_APPROVE           ? GW_REVIEW_ACTION_APPROVE
                   : k == GW_REVIEW_REQUEST_CHANGES ? GW_REVIEW_ACTION_REQUEST_CHANGES
                   : k == GW_REVIEW_REJECT          ? GW_REVIEW_ACTION_REJECT
                                                    : 0;
    if (bit && (c->actions & bit))
        return GW_OK;
    return gw_error_set(
        err, GW_E_REVIEW_TOKEN_ACTION, "/decision", "This link allows%s%s%s, not '%s'.",
        c->actions & GW_REVIEW_ACTION_APPROVE ? " approve" : "",
        c->actions & GW_REVIEW_ACTION_REQUEST_CHANGES ? " request_changes" : "",
        c->actions & GW_REVIEW_ACTION_REJECT ? " reject" : "", gw_review_decision_name(k));
}

/* ---- preview capabilities (gw/preview.h): the same signing, another tag ---- */

#define PREVIEW_VERSION "lmsgw-preview-1"

static bool sha_ok(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s) && !(*s >= 'a' && *s <= 'f'))
            return false;
    }
    return true;
}

enum gw_err gw_preview_cap_make(const uint8_t *key, size_t keylen, const struct gw_preview_cap *c,
                                char *out, size_t cap, struct gw_error *err)
{
    char canon[CANON_MAX];
    enum gw_err rc = key_check(keylen, key, err);
    if (rc != GW_OK)
        return rc;
    if (!id_ok(c->round_id) || !id_ok(c->approver_id) || !sha_ok(c->sha256) || c->expires_ms < 0)
        return gw_error_set(err, GW_E_BAD_REQUEST, NULL,
                            "A preview capability needs a round id, an approver id (no control "
                            "bytes), a package's SHA-256 and an expiry that is not negative.");
    int n = snprintf(canon, sizeof canon, "%s\n%s\n%s\n%s\n%" PRId64, PREVIEW_VERSION, c->round_id,
                     c->approver_id, c->sha256, c->expires_ms);
    if (n < 0 || (size_t)n >= sizeof canon)
        return gw_error_set(err, GW_E_BAD_REQUEST, NULL, "Capability claims are too long.");
    if (!seal(key, keylen, canon, (size_t)n, out, cap))
        return gw_error_set(err, GW_E_BAD_REQUEST, NULL,
                            "The output buffer of %zu bytes is too small for the capability.", cap);
    return GW_OK;
}

static bool parse_preview(char *canon, struct gw_preview_cap *c)
{
    char *field[5];
    int64_t expires;
    if (!split_fields(canon, field, 5) || strcmp(field[0], PREVIEW_VERSION) != 0 ||
        !id_ok(field[1]) || !id_ok(field[2]) || !sha_ok(field[3]) || !expiry_ok(field[4], &expires))
        return false;
    memset(c, 0, sizeof *c);
    snprintf(c->round_id, sizeof c->round_id, "%s", field[1]);
    snprintf(c->approver_id, sizeof c->approver_id, "%s", field[2]);
    snprintf(c->sha256, sizeof c->sha256, "%s", field[3]);
    c->expires_ms = expires;
    return true;
}

enum gw_err gw_preview_cap_verify(const uint8_t *key, size_t keylen, const char *token,
                                  int64_t now_ms, struct gw_preview_cap *c, struct gw_error *err)
{
    char canon[CANON_MAX];
    size_t len = 0;
    enum gw_err rc = key_check(keylen, key, err);
    if (rc != GW_OK)
        return rc;
    enum opened o = unseal(key, keylen, token, canon, sizeof canon, &len);
    if (o == OPEN_MALFORMED)
        return gw_error_set(err, GW_E_PREVIEW_CAP_MALFORMED, "/cap",
                            "The course preview's address is not in the expected form.");
    if (o == OPEN_FORGED)
        return gw_error_set(err, GW_E_PREVIEW_CAP_INVALID, "/cap",
                            "The course preview's address was altered.");
    if (strlen(canon) != len || !parse_preview(canon, c))
        return gw_error_set(err, GW_E_PREVIEW_CAP_INVALID, "/cap",
                            "This address is not a course preview's.");
    if (now_ms >= c->expires_ms)
        return gw_error_set(err, GW_E_PREVIEW_CAP_EXPIRED, "/cap",
                            "The course preview expired: reload the review page to run the "
                            "course again.");
    return GW_OK;
}

void gw_preview_scope(const struct gw_preview_cap *c, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", c->round_id, c->approver_id);
}
