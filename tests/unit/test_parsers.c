/* Unit tests for the small parsers of outside input in util/: form bodies
 * (xAPI alternate syntax), multipart bodies (xAPI attachments), base64. */
#include "gw/form.h"
#include "gw/hash.h"
#include "gw/multipart.h"
#include "gwtest.h"

static void test_form(void)
{
    struct gw_error e;
    const char *t = "a=1&b=x+y%21&empty=&flag&c=%E2%82%AC";
    json_t *f = gw_form_parse(t, strlen(t), &e);
    REQUIRE(f);
    CHECK_STR(json_string_value(json_object_get(f, "a")), "1");
    CHECK_STR(json_string_value(json_object_get(f, "b")), "x y!");
    CHECK_STR(json_string_value(json_object_get(f, "empty")), "");
    CHECK_STR(json_string_value(json_object_get(f, "flag")), "");
    CHECK_STR(json_string_value(json_object_get(f, "c")), "\xE2\x82\xAC");
    json_decref(f);
    CHECK(gw_form_parse("a=1&a=2", 7, &e) == NULL);
    CHECK_STR(e.where, "a");
    CHECK(gw_form_parse("a=%zz", 5, &e) == NULL);
    CHECK(gw_form_parse("a=%4", 4, &e) == NULL);
    CHECK(gw_form_parse("a=%00", 5, &e) == NULL); /* encoded NUL */
    CHECK(gw_form_parse("a=%FF", 5, &e) == NULL); /* not UTF-8 */
    CHECK_INT(e.code, GW_E_PARAM_INVALID);
    CHECK_STR(e.where, "a");
    CHECK(gw_form_parse("%C0%80=1", 8, &e) == NULL); /* a name that is not UTF-8 */
    CHECK_INT(e.code, GW_E_PARAM_INVALID);
    CHECK_STR(e.where, "");
    f = gw_form_parse("comment=line+1%0D%0Aline+2", 26, &e); /* lines are the reader's */
    CHECK(f && strcmp(json_string_value(json_object_get(f, "comment")), "line 1\r\nline 2") == 0);
    json_decref(f);
    f = gw_form_parse("", 0, &e);
    CHECK(f && json_object_size(f) == 0);
    json_decref(f);
}

static void test_multipart(void)
{
    const char *ct = "multipart/mixed; boundary=\"abc123\"";
    char out[64];
    CHECK(gw_content_type_param(ct, "boundary", out, sizeof out));
    CHECK_STR(out, "abc123");
    CHECK(gw_content_type_is(ct, "multipart/mixed"));
    CHECK(!gw_content_type_is("multipart/mixedx", "multipart/mixed"));
    const char *body = "preamble\r\n--abc123\r\nContent-Type: application/json\r\n\r\n{\"a\":1}"
                       "\r\n--abc123\r\nX-Experience-API-Hash: ff\r\nContent-Transfer-Encoding: "
                       "binary\r\n\r\nline1\r\nline2\r\n--abc123--\r\nepilogue";
    struct gw_mpart parts[4];
    size_t n = 0;
    struct gw_error e;
    CHECK_INT(gw_multipart_parse(ct, body, strlen(body), parts, 4, &n, &e), GW_OK);
    REQUIRE(n == 2);
    CHECK_INT(parts[0].body_len, 7);
    CHECK(memcmp(parts[0].body, "{\"a\":1}", 7) == 0);
    CHECK(gw_mpart_header(&parts[0], "content-type", out, sizeof out));
    CHECK_STR(out, "application/json");
    CHECK_INT(parts[1].body_len, 12);
    CHECK(memcmp(parts[1].body, "line1\r\nline2", 12) == 0);
    CHECK(gw_mpart_header(&parts[1], "X-Experience-API-Hash", out, sizeof out));
    CHECK_STR(out, "ff");
    CHECK(!gw_mpart_header(&parts[1], "Content-Type", out, sizeof out));
    /* bare LF line ends throughout (a body whose CRLFs were converted) */
    const char *lf = "--abc123\nContent-Type: application/json\n\n{\"a\":1}\n--abc123\n"
                     "X-Experience-API-Hash: ff\n\nbin\r\nary\n--abc123--\n";
    CHECK_INT(gw_multipart_parse(ct, lf, strlen(lf), parts, 4, &n, &e), GW_OK);
    REQUIRE(n == 2);
    CHECK_INT(parts[0].body_len, 7);
    CHECK(memcmp(parts[0].body, "{\"a\":1}", 7) == 0);
    CHECK(gw_mpart_header(&parts[0], "Content-Type", out, sizeof out));
    CHECK_STR(out, "application/json");
    CHECK_INT(parts[1].body_len, 8);
    CHECK(memcmp(parts[1].body, "bin\r\nary", 8) == 0);
    CHECK(gw_mpart_header(&parts[1], "X-Experience-API-Hash", out, sizeof out));
    CHECK_STR(out, "ff");
    /* malformed: no closing boundary, no boundary parameter, too many parts */
    const char *open = "--abc123\r\nA: b\r\n\r\nxx";
    CHECK_INT(gw_multipart_parse(ct, open, strlen(open), parts, 4, &n, &e), GW_E_BAD_REQUEST);
    CHECK_INT(gw_multipart_parse("multipart/mixed", body, strlen(body), parts, 4, &n, &e),
              GW_E_BAD_REQUEST);
    CHECK_INT(gw_multipart_parse(ct, body, strlen(body), parts, 1, &n, &e), GW_E_BAD_REQUEST);
}

static void test_base64(void)
{
    const char *cases[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        char *s = gw_base64_encode(cases[i], strlen(cases[i]));
        CHECK_STR(s, enc[i]);
        size_t n = 99;
        unsigned char *d = gw_base64_decode(s, &n);
        CHECK(d != NULL);
        CHECK_INT(n, strlen(cases[i]));
        CHECK(d && memcmp(d, cases[i], n) == 0);
        free(d);
        free(s);
    }
    size_t n;
    /* base64url without padding: round trips, refuses the standard alphabet */
    const unsigned char bin[] = {0xfb, 0xff, 0xfe, 0x00, 0x41};
    char *u = gw_base64url_encode(bin, sizeof bin);
    CHECK_STR(u, "-__-AEE");
    unsigned char *back = gw_base64url_decode(u, strlen(u), &n);
    CHECK(back && n == sizeof bin && memcmp(back, bin, n) == 0);
    free(back);
    free(u);
    CHECK(gw_base64url_decode("+__-", 4, &n) == NULL);
    CHECK(gw_base64url_decode("Zg==", 4, &n) == NULL);
    back = gw_base64url_decode("Zm9v", 4, &n);
    CHECK(back && n == 3 && strcmp((char *)back, "foo") == 0); /* NUL-terminated */
    free(back);
    CHECK(gw_base64_decode("abc", &n) == NULL);
    CHECK(gw_base64_decode("ab!=", &n) == NULL);
}

int main(void)
{
    GW_RUN(test_form);
    GW_RUN(test_multipart);
    GW_RUN(test_base64);
    return gw_test_summary();
}
