/* Tests for review/token.c: one-click link tokens round-trip, carry their
 * nonce for the store's single-use check, expire on the fake clock, and tell
 * tampering, foreign keys and garbage apart. */
#include "gw/clock.h"
#include "gw/hash.h"
#include "gw/review.h"
#include "gw/timefmt.h"
#include "gwtest.h"

#include <stdlib.h>

static const uint8_t key[] = "0123456789abcdef0123456789abcdef-lmsgw-test-key";
#define KEYLEN (sizeof key - 1)

static void claims(struct gw_review_token_claims *c, int64_t expires)
{
    memset(c, 0, sizeof *c);
    snprintf(c->round_id, sizeof c->round_id, "round-42");
    snprintf(c->approver_id, sizeof c->approver_id, "ann@example.org");
    c->actions = GW_REVIEW_ACTION_APPROVE | GW_REVIEW_ACTION_REQUEST_CHANGES;
    c->expires_ms = expires;
    CHECK(gw_review_token_new_nonce(c));
}

static bool url_safe(const char *s)
{
    for (; *s; s++) {
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return false;
    }
    return true;
}

static void test_round_trip_and_expiry(void)
{
    struct gw_clock clock;
    struct gw_review_token_claims c, got;
    struct gw_error err;
    char tok[GW_REVIEW_TOKEN_MAX];
    gw_clock_init_fake(&clock, 1796000000000LL);
    int64_t now = gw_clock_now_ms(&clock);
    claims(&c, now + 7 * GW_REVIEW_DAY_MS);
    CHECK_INT(strlen(c.nonce), 32);
    REQUIRE(gw_review_token_make(key, KEYLEN, &c, tok, sizeof tok, &err) == GW_OK);
    CHECK(url_safe(tok));
    CHECK(strchr(tok, '.') != NULL);
    CHECK_INT(gw_review_token_verify(key, KEYLEN, tok, now, &got, &err), GW_OK);
    CHECK_STR(got.round_id, "round-42");
    CHECK_STR(got.approver_id, "ann@example.org");
    CHECK_INT(got.actions, c.actions);
    CHECK_INT(got.expires_ms, c.expires_ms);
    CHECK_STR(got.nonce, c.nonce); /* what the store marks used */
    /* Verifying twice works: single use is the store's job, keyed by the nonce. */
    CHECK_INT(gw_review_token_verify(key, KEYLEN, tok, now + 1000, &got, &err), GW_OK);
    CHECK_STR(got.nonce, c.nonce);

    gw_clock_advance(&clock, 7 * GW_REVIEW_DAY_MS - 1);
    CHECK_INT(gw_review_token_verify(key, KEYLEN, tok, gw_clock_now_ms(&clock), &got, &err), GW_OK);
    gw_clock_advance(&clock, 1);
    CHECK_INT(gw_review_token_verify(key, KEYLEN, tok, gw_clock_now_ms(&clock), &got, &err),
              GW_E_REVIEW_TOKEN_EXPIRED);
    CHECK_STR(got.round_id, "round-42"); /* the page can say whose link expired */
    CHECK(strstr(err.detail, "round-42") != NULL);
    CHECK_INT(gw_err_lookup(err.code)->http_status, 410);

    /* A second link for the same approver differs by its nonce. */
    struct gw_review_token_claims c2 = c;
    char tok2[GW_REVIEW_TOKEN_MAX];
    CHECK(gw_review_token_new_nonce(&c2));
    CHECK(strcmp(c2.nonce, c.nonce) != 0);
    CHECK_INT(gw_review_token_make(key, KEYLEN, &c2, tok2, sizeof tok2, &err), GW_OK);
    CHECK(strcmp(tok, tok2) != 0);
}

static void test_tampering(void)
{
    struct gw_review_token_claims c, got;
    struct gw_error err;
    char tok[GW_REVIEW_TOKEN_MAX], bad[GW_REVIEW_TOKEN_MAX];
    int64_t now = 1796000000000LL;
    claims(&c, now + GW_REVIEW_DAY_MS);
    REQUIRE(gw_review_token_make(key, KEYLEN, &c, tok, sizeof tok, &err) == GW_OK);
    size_t len = strlen(tok);
    size_t dot = (size_t)(strchr(tok, '.') - tok);
    /* Flip one character at every position of the payload and of the MAC
     * (staying inside the alphabet): never accepted; inside the payload and the
     * MAC's full groups it is a signature mismatch. */
    int invalid = 0, malformed = 0;
    for (size_t i = 0; i < len; i++) {
        if (i == dot)
            continue;
        memcpy(bad, tok, len + 1);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        enum gw_err e = gw_review_token_verify(key, KEYLEN, bad, now, &got, &err);
        CHECK(e == GW_E_REVIEW_TOKEN_INVALID || e == GW_E_REVIEW_TOKEN_MALFORMED);
        if (e == GW_E_REVIEW_TOKEN_INVALID)
            invalid++;
        else
            malformed++;
    }
    CHECK(invalid > (int)len - 4); /* only a trailing character's spare bits can be malformed */
    /* Change the approver and re-encode the payload: the signature no longer matches. */
    memcpy(bad, tok, len + 1);
    bad[dot / 2] = bad[dot / 2] == 'x' ? 'y' : 'x';
    CHECK_INT(gw_review_token_verify(key, KEYLEN, bad, now, &got, &err), GW_E_REVIEW_TOKEN_INVALID);
    CHECK_INT(gw_err_lookup(err.code)->http_status, 403);
    /* A token made with another key. */
    static const uint8_t other[] = "another-key-another-key-another-key!!";
    CHECK_INT(gw_review_token_verify(other, sizeof other - 1, tok, now, &got, &err),
              GW_E_REVIEW_TOKEN_INVALID);
    /* Tampering is checked before expiry: an altered expired token is INVALID. */
    CHECK_INT(gw_review_token_verify(key, KEYLEN, bad, now + 2 * GW_REVIEW_DAY_MS, &got, &err),
              GW_E_REVIEW_TOKEN_INVALID);
}

static void test_malformed(void)
{
    struct gw_review_token_claims c, got;
    struct gw_error err;
    char tok[GW_REVIEW_TOKEN_MAX], bad[GW_REVIEW_TOKEN_MAX];
    int64_t now = 1796000000000LL;
    const char *garbage[] = {"", ".", "abc", "abc.", ".abc", "a+b.c/d", "abc.def.ghi", "é.x"};
    for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++)
        CHECK_INT(gw_review_token_verify(key, KEYLEN, garbage[i], now, &got, &err),
                  GW_E_REVIEW_TOKEN_MALFORMED);
    CHECK_INT(gw_review_token_verify(key, KEYLEN, NULL, now, &got, &err),
              GW_E_REVIEW_TOKEN_MALFORMED);
    claims(&c, now + 1000);
    REQUIRE(gw_review_token_make(key, KEYLEN, &c, tok, sizeof tok, &err) == GW_OK);
    /* Cut off: the MAC is short. */
    memcpy(bad, tok, strlen(tok) + 1);
    bad[strlen(bad) - 5] = '\0';
    CHECK_INT(gw_review_token_verify(key, KEYLEN, bad, now, &got, &err),
              GW_E_REVIEW_TOKEN_MALFORMED);
    CHECK_INT(gw_err_lookup(err.code)->http_status, 400);
}

/* A token signed with the right key whose expiry is negative (issue 13: one
 * near INT64_MIN was signed-overflow UB when its expiry was formatted) is
 * malformed, and make refuses to write one. */
static void test_negative_expiry(void)
{
    static const char *const canon[] = {
        "lmsgw-review-1\nround-42\nann\n1\n-9223372036854775808\n0123456789abcdef0123456789abcdef",
        "lmsgw-review-1\nround-42\nann\n1\n-1\n0123456789abcdef0123456789abcdef",
        "lmsgw-review-1\nround-42\nann\n1\n9223372036854775808\n0123456789abcdef0123456789abcdef",
    };
    struct gw_review_token_claims got;
    struct gw_error err;
    for (size_t i = 0; i < sizeof canon / sizeof canon[0]; i++) {
        uint8_t mac[32];
        gw_hmac_sha256(key, KEYLEN, canon[i], strlen(canon[i]), mac);
        char *a = gw_base64url_encode(canon[i], strlen(canon[i]));
        char *b = gw_base64url_encode(mac, sizeof mac);
        char tok[GW_REVIEW_TOKEN_MAX];
        snprintf(tok, sizeof tok, "%s.%s", a, b);
        CHECK_INT(gw_review_token_verify(key, KEYLEN, tok, 1796000000000LL, &got, &err),
                  GW_E_REVIEW_TOKEN_MALFORMED);
        free(a);
        free(b);
    }
    struct gw_review_token_claims c;
    char tok[GW_REVIEW_TOKEN_MAX];
    claims(&c, -1);
    CHECK_INT(gw_review_token_make(key, KEYLEN, &c, tok, sizeof tok, &err), GW_E_BAD_REQUEST);
}

static void test_make_errors_and_actions(void)
{
    struct gw_review_token_claims c;
    struct gw_error err;
    char tok[GW_REVIEW_TOKEN_MAX];
    claims(&c, 1796000000000LL);
    CHECK_INT(gw_review_token_make(key, 16, &c, tok, sizeof tok, &err), GW_E_REVIEW_TOKEN_KEY);
    CHECK_INT(gw_review_token_make(key, KEYLEN, &c, tok, 20, &err), GW_E_BAD_REQUEST);
    struct gw_review_token_claims d = c;
    d.actions = 0;
    CHECK_INT(gw_review_token_make(key, KEYLEN, &d, tok, sizeof tok, &err), GW_E_BAD_REQUEST);
    d = c;
    snprintf(d.approver_id, sizeof d.approver_id, "ann\nbob");
    CHECK_INT(gw_review_token_make(key, KEYLEN, &d, tok, sizeof tok, &err), GW_E_BAD_REQUEST);
    d = c;
    d.nonce[0] = 'Z';
    CHECK_INT(gw_review_token_make(key, KEYLEN, &d, tok, sizeof tok, &err), GW_E_BAD_REQUEST);
    CHECK_INT(gw_review_token_verify(key, 8, "a.b", 0, &d, &err), GW_E_REVIEW_TOKEN_KEY);

    /* Longest ids still fit GW_REVIEW_TOKEN_MAX. */
    d = c;
    memset(d.round_id, 'r', sizeof d.round_id - 1);
    d.round_id[sizeof d.round_id - 1] = '\0';
    memset(d.approver_id, 'a', sizeof d.approver_id - 1);
    d.approver_id[sizeof d.approver_id - 1] = '\0';
    d.actions = 7;
    d.expires_ms = INT64_MAX;
    CHECK_INT(gw_review_token_make(key, KEYLEN, &d, tok, sizeof tok, &err), GW_OK);
    struct gw_review_token_claims got;
    CHECK_INT(gw_review_token_verify(key, KEYLEN, tok, 0, &got, &err), GW_OK);
    CHECK_STR(got.round_id, d.round_id);

    CHECK_INT(gw_review_token_allows(&c, GW_REVIEW_APPROVE, &err), GW_OK);
    CHECK_INT(gw_review_token_allows(&c, GW_REVIEW_REQUEST_CHANGES, &err), GW_OK);
    CHECK_INT(gw_review_token_allows(&c, GW_REVIEW_REJECT, &err), GW_E_REVIEW_TOKEN_ACTION);
    CHECK(strstr(err.detail, "reject") != NULL);
    CHECK_INT(gw_review_token_allows(&c, GW_REVIEW_PENDING, &err), GW_E_REVIEW_TOKEN_ACTION);
}

int main(void)
{
    GW_RUN(test_round_trip_and_expiry);
    GW_RUN(test_tampering);
    GW_RUN(test_malformed);
    GW_RUN(test_negative_expiry);
    GW_RUN(test_make_errors_and_actions);
    return gw_test_summary();
}
