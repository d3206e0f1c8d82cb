/* fuzz_review_token: libFuzzer target for the one-click approval tokens
 * (review/token.c) under a fixed test key. An input starting with 'C' is
 * canonical claims text that the target signs itself, so the claims parser
 * is reached past the HMAC check; any other input is a token as it arrives
 * in GET /r/<token> (first byte dropped). A token that verifies (or has only
 * expired) must carry sane claims, name its expiry as gw_time_format_ms does
 * on the link page, and make a token again that verifies to the same claims.
 * Must never crash, leak or trip a sanitizer. */
#include "gw/hash.h"
#include "gw/preview.h"
#include "gw/review.h"
#include "gw/timefmt.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[32] = "lmsgw-fuzz-test-key-0123456789ab";
#define NOW_MS 1796000000000LL

/* base64url(canon) "." base64url(HMAC(key, canon)), as token.c writes it */
static char *sign(const char *canon, size_t n)
{
    uint8_t mac[32];
    gw_hmac_sha256(key, sizeof key, canon, n, mac);
    char *a = gw_base64url_encode(canon, n);
    char *b = gw_base64url_encode(mac, sizeof mac);
    char *tok = NULL;
    if (a && b) {
        size_t la = strlen(a), lb = strlen(b);
        tok = malloc(la + lb + 2);
        if (tok) {
            memcpy(tok, a, la);
            tok[la] = '.';
            memcpy(tok + la + 1, b, lb + 1);
        }
    }
    free(a);
    free(b);
    return tok;
}

static void check_claims(const struct gw_review_token_claims *c)
{
    struct gw_error err;
    char when[32], again[GW_REVIEW_TOKEN_MAX];
    if (c->expires_ms < 0 || !c->round_id[0] || !c->approver_id[0] || c->actions == 0)
        abort(); /* verify let through claims make would refuse */
    gw_time_format_ms(c->expires_ms, when);
    gw_review_token_allows(c, GW_REVIEW_APPROVE, &err);
    gw_review_token_allows(c, GW_REVIEW_REQUEST_CHANGES, &err);
    gw_review_token_allows(c, GW_REVIEW_REJECT, &err);
    if (gw_review_token_make(key, sizeof key, c, again, sizeof again, &err) != GW_OK)
        abort();
    struct gw_review_token_claims d;
    /* before the epoch, so even an expiry of 0 has not passed */
    if (gw_review_token_verify(key, sizeof key, again, -1, &d, &err) != GW_OK ||
        memcmp(c, &d, sizeof d) != 0)
        abort(); /* a remade token verifies to the same claims */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    char *tok;
    if (data[0] == 'C') {
        tok = sign((const char *)data + 1, size - 1);
    } else {
        tok = malloc(size);
        if (tok) {
            memcpy(tok, data + 1, size - 1);
            tok[size - 1] = '\0';
        }
    }
    if (!tok)
        return 0;
    struct gw_review_token_claims c;
    struct gw_error err;
    enum gw_err rc = gw_review_token_verify(key, sizeof key, tok, NOW_MS, &c, &err);
    if (rc == GW_OK || rc == GW_E_REVIEW_TOKEN_EXPIRED)
        check_claims(&c);
    /* the same text as a course preview's capability (gw/preview.h) */
    struct gw_preview_cap p;
    rc = gw_preview_cap_verify(key, sizeof key, tok, NOW_MS, &p, &err);
    if (rc == GW_OK &&
        (strlen(p.sha256) != 64 || !p.round_id[0] || !p.approver_id[0] || p.expires_ms <= NOW_MS))
        abort(); /* verified claims are whole */
    free(tok);
    return 0;
}
