/* The course preview's pure parts (gw/preview.h, http/ranges.c): preview
 * capabilities (made, verified, refused when altered, expired, or when an
 * approval link's token is offered instead), byte ranges as a web server
 * reads the Range header, and media types by file name. */
#include "gwtest.h"

#include "gw/http.h"
#include "gw/preview.h"
#include "gw/review.h"

#include <stdint.h>
#include <string.h>

static const uint8_t KEY[32] = "0123456789abcdef0123456789abcdef";
#define SHA "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static struct gw_preview_cap cap_for(int64_t expires)
{
    struct gw_preview_cap c = {0};
    snprintf(c.round_id, sizeof c.round_id, "round-1");
    snprintf(c.approver_id, sizeof c.approver_id, "ann");
    snprintf(c.sha256, sizeof c.sha256, "%s", SHA);
    c.expires_ms = expires;
    return c;
}

static void test_cap_round_trip(void)
{
    struct gw_preview_cap c = cap_for(2000), out;
    char tok[GW_REVIEW_TOKEN_MAX];
    struct gw_error e;
    CHECK_INT(gw_preview_cap_make(KEY, sizeof KEY, &c, tok, sizeof tok, &e), GW_OK);
    CHECK_INT(gw_preview_cap_verify(KEY, sizeof KEY, tok, 1999, &out, &e), GW_OK);
    CHECK_STR(out.round_id, "round-1");
    CHECK_STR(out.approver_id, "ann");
    CHECK_STR(out.sha256, SHA);
    CHECK(out.expires_ms == 2000);
    char scope[256];
    gw_preview_scope(&out, scope, sizeof scope);
    CHECK_STR(scope, "round-1/ann");
    /* expired at its expiry */
    CHECK_INT(gw_preview_cap_verify(KEY, sizeof KEY, tok, 2000, &out, &e),
              GW_E_PREVIEW_CAP_EXPIRED);
    /* another key, an altered signature, an altered claim */
    uint8_t other[32];
    memcpy(other, KEY, sizeof other);
    other[0] ^= 1;
    CHECK_INT(gw_preview_cap_verify(other, sizeof other, tok, 0, &out, &e),
              GW_E_PREVIEW_CAP_INVALID);
    char bad[GW_REVIEW_TOKEN_MAX];
    snprintf(bad, sizeof bad, "%s", tok);
    size_t n = strlen(bad);
    bad[n - 2] = bad[n - 2] == 'A' ? 'B' : 'A';
    CHECK_INT(gw_preview_cap_verify(KEY, sizeof KEY, bad, 0, &out, &e), GW_E_PREVIEW_CAP_INVALID);
    snprintf(bad, sizeof bad, "%s", tok);
    bad[3] = bad[3] == 'A' ? 'B' : 'A';
    enum gw_err rc = gw_preview_cap_verify(KEY, sizeof KEY, bad, 0, &out, &e);
    CHECK(rc == GW_E_PREVIEW_CAP_INVALID || rc == GW_E_PREVIEW_CAP_MALFORMED);
    CHECK_INT(gw_preview_cap_verify(KEY, sizeof KEY, "no-dot-here", 0, &out, &e),
              GW_E_PREVIEW_CAP_MALFORMED);
    CHECK_INT(gw_preview_cap_verify(KEY, sizeof KEY, "", 0, &out, &e), GW_E_PREVIEW_CAP_MALFORMED);
}

/* An approval link's token is signed with the same key: it must not open a
 * preview, nor a capability decide. */
static void test_cap_is_not_an_approval_token(void)
{
    struct gw_review_token_claims t = {0};
    snprintf(t.round_id, sizeof t.round_id, "round-1");
    snprintf(t.approver_id, sizeof t.approver_id, "ann");
    t.actions = GW_REVIEW_ACTION_APPROVE;
    t.expires_ms = 5000;
    CHECK(gw_review_token_new_nonce(&t));
    char tok[GW_REVIEW_TOKEN_MAX];
    struct gw_error e;
    REQUIRE(gw_review_token_make(KEY, sizeof KEY, &t, tok, sizeof tok, &e) == GW_OK);
    struct gw_preview_cap out;
    CHECK_INT(gw_preview_cap_verify(KEY, sizeof KEY, tok, 0, &out, &e), GW_E_PREVIEW_CAP_INVALID);
    struct gw_preview_cap c = cap_for(5000);
    REQUIRE(gw_preview_cap_make(KEY, sizeof KEY, &c, tok, sizeof tok, &e) == GW_OK);
    struct gw_review_token_claims claims;
    CHECK(gw_review_token_verify(KEY, sizeof KEY, tok, 0, &claims, &e) != GW_OK);
}

static void test_cap_make_refuses_bad_claims(void)
{
    char tok[GW_REVIEW_TOKEN_MAX];
    struct gw_error e;
    struct gw_preview_cap c = cap_for(10);
    c.sha256[5] = 'X'; /* not hex */
    CHECK_INT(gw_preview_cap_make(KEY, sizeof KEY, &c, tok, sizeof tok, &e), GW_E_BAD_REQUEST);
    c = cap_for(10);
    c.round_id[2] = '\n';
    CHECK_INT(gw_preview_cap_make(KEY, sizeof KEY, &c, tok, sizeof tok, &e), GW_E_BAD_REQUEST);
    c = cap_for(10);
    CHECK_INT(gw_preview_cap_make(KEY, 16, &c, tok, sizeof tok, &e), GW_E_REVIEW_TOKEN_KEY);
    CHECK_INT(gw_preview_cap_make(KEY, sizeof KEY, &c, tok, 20, &e), GW_E_BAD_REQUEST);
}

static void test_ranges(void)
{
    uint64_t s, n;
    CHECK_INT(gw_http_range(NULL, 100, &s, &n), GW_RANGE_NONE);
    CHECK(s == 0 && n == 100);
    CHECK_INT(gw_http_range("bytes=10-19", 100, &s, &n), GW_RANGE_PART);
    CHECK(s == 10 && n == 10);
    CHECK_INT(gw_http_range("bytes=90-", 100, &s, &n), GW_RANGE_PART);
    CHECK(s == 90 && n == 10);
    CHECK_INT(gw_http_range("bytes=90-500", 100, &s, &n), GW_RANGE_PART); /* clipped */
    CHECK(s == 90 && n == 10);
    CHECK_INT(gw_http_range("bytes=-5", 100, &s, &n), GW_RANGE_PART);
    CHECK(s == 95 && n == 5);
    CHECK_INT(gw_http_range("bytes=-500", 100, &s, &n), GW_RANGE_PART); /* the whole file */
    CHECK(s == 0 && n == 100);
    CHECK_INT(gw_http_range(" bytes = 0-0", 100, &s, &n), GW_RANGE_PART);
    CHECK(s == 0 && n == 1);
    CHECK_INT(gw_http_range("bytes=100-", 100, &s, &n), GW_RANGE_UNSATISFIABLE);
    CHECK_INT(gw_http_range("bytes=-0", 100, &s, &n), GW_RANGE_UNSATISFIABLE);
    CHECK_INT(gw_http_range("bytes=0-", 0, &s, &n), GW_RANGE_UNSATISFIABLE);
    /* ignored: the whole file answers */
    const char *whole[] = {"items=0-5", "bytes=5-2",  "bytes=0-1,4-5",
                           "bytes=",    "bytes=-",    "bytes=a-b",
                           "bytes 0-5", "bytes=1-2x", "bytes=99999999999999999999999-",
                           NULL};
    for (int i = 0; whole[i]; i++) {
        CHECK_INT(gw_http_range(whole[i], 100, &s, &n), GW_RANGE_NONE);
        CHECK(s == 0 && n == 100);
    }
}

static void test_mime_types(void)
{
    CHECK_STR(gw_mime_type("index.html"), "text/html; charset=utf-8");
    CHECK_STR(gw_mime_type("a/b/SCORM_API.JS"), "text/javascript; charset=utf-8");
    CHECK_STR(gw_mime_type("media/clip.mp4"), "video/mp4");
    CHECK_STR(gw_mime_type("img/logo.svg"), "image/svg+xml");
    CHECK_STR(gw_mime_type("fonts/a.woff2"), "font/woff2");
    CHECK_STR(gw_mime_type("captions/en.vtt"), "text/vtt; charset=utf-8");
    CHECK_STR(gw_mime_type("dir.v2/README"), "application/octet-stream");
    CHECK_STR(gw_mime_type("noext"), "application/octet-stream");
    CHECK_STR(gw_mime_type("archive.tar.unknown"), "application/octet-stream");
}

int main(void)
{
    GW_RUN(test_cap_round_trip);
    GW_RUN(test_cap_is_not_an_approval_token);
    GW_RUN(test_cap_make_refuses_bad_claims);
    GW_RUN(test_ranges);
    GW_RUN(test_mime_types);
    return gw_test_summary();
}
