/* The HTTP client: Retry-After in both forms, the outcome classification,
 * credential redaction in URLs and details, the response size cap, header
 * lookup, and transport failures (refused connection, dropped answer, 503
 * with Retry-After) against the real lmssim. Also: no credential appears in
 * any error detail the LMS connectors produce for failing calls. */
#include "gw/json.h"
#include "gw/outbound.h"
#include "gwtest.h"
#include "support.h"
#include "testsupport.h"

static struct sim sim;

static void test_retry_after(void)
{
    int64_t d = -5;
    /* 2026-11-22T00:00:00Z */
    const int64_t now = 1795305600000LL;
    CHECK(gw_http_parse_retry_after("120", now, &d));
    CHECK_INT(d, 120000);
    CHECK(gw_http_parse_retry_after(" 0 ", now, &d));
    CHECK_INT(d, 0);
    CHECK(gw_http_parse_retry_after("Sun, 22 Nov 2026 00:00:30 GMT", now, &d));
    CHECK_INT(d, 30000);
    CHECK(gw_http_parse_retry_after("Sunday, 22-Nov-26 00:01:00 GMT", now, &d));
    CHECK_INT(d, 60000);
    CHECK(gw_http_parse_retry_after("Sun Nov 22 00:00:10 2026", now, &d));
    CHECK_INT(d, 10000);
    CHECK(gw_http_parse_retry_after("Sat, 21 Nov 2026 00:00:00 GMT", now, &d));
    CHECK_INT(d, 0);
    CHECK(!gw_http_parse_retry_after("-1", now, &d));
    CHECK(!gw_http_parse_retry_after("soon", now, &d));
    CHECK(!gw_http_parse_retry_after("12abc", now, &d));
    CHECK(!gw_http_parse_retry_after("", now, &d));
    CHECK(!gw_http_parse_retry_after(NULL, now, &d));
}

static void test_classify(void)
{
    CHECK_INT(gw_http_classify(200, -1).cls, GW_OUT_OK);
    CHECK_INT(gw_http_classify(204, -1).cls, GW_OUT_OK);
    CHECK_INT(gw_http_classify(401, 5).cls, GW_OUT_AUTH);
    CHECK_INT(gw_http_classify(401, 5).retry_after_ms, -1);
    CHECK_INT(gw_http_classify(403, -1).cls, GW_OUT_AUTH);
    CHECK_INT(gw_http_classify(400, -1).cls, GW_OUT_PERMANENT);
    CHECK_INT(gw_http_classify(404, -1).cls, GW_OUT_PERMANENT);
    CHECK_INT(gw_http_classify(409, -1).cls, GW_OUT_PERMANENT);
    CHECK_INT(gw_http_classify(408, -1).cls, GW_OUT_RETRY);
    CHECK_INT(gw_http_classify(429, 3000).cls, GW_OUT_RETRY);
    CHECK_INT(gw_http_classify(429, 3000).retry_after_ms, 3000);
    CHECK_INT(gw_http_classify(500, -1).cls, GW_OUT_RETRY);
    CHECK_INT(gw_http_classify(503, -1).cls, GW_OUT_RETRY);
    CHECK_INT(gw_http_classify(0, -1).cls, GW_OUT_RETRY);
}

static void test_backoff(void)
{
    /* Full jitter: the draw stays within the doubling ceiling, capped. */
    CHECK_INT(gw_out_backoff_ms(1, 1000, 60000, -1, 0), 0);
    CHECK_INT(gw_out_backoff_ms(1, 1000, 60000, -1, 1000), 1000);
    CHECK_INT(gw_out_backoff_ms(1, 1000, 60000, -1, 1001), 0);
    CHECK_INT(gw_out_backoff_ms(3, 1000, 60000, -1, 4000), 4000);
    CHECK_INT(gw_out_backoff_ms(3, 1000, 60000, -1, 4001), 0);
    CHECK_INT(gw_out_backoff_ms(30, 1000, 60000, -1, 60000), 60000);
    CHECK_INT(gw_out_backoff_ms(30, 1000, 60000, -1, 60001), 0);
    for (uint64_t r = 0; r < 5000; r += 7)
        CHECK(gw_out_backoff_ms(4, 500, 3000, -1, r) <= 3000);
    /* Retry-After is a floor. */
    CHECK_INT(gw_out_backoff_ms(1, 1000, 60000, 7000, 3), 7000);
    CHECK_INT(gw_out_backoff_ms(8, 1000, 60000, 0, 12345), 12345);
}

static void test_redact(void)
{
    char out[512];
    gw_http_redact_url("https://m.example/webservice/rest/server.php?wstoken=abc123&wsfunction=x",
                       out, sizeof out);
    CHECK_STR(out, "https://m.example/webservice/rest/server.php?wstoken=REDACTED&wsfunction=x");
    gw_http_redact_url("https://app:sec@h.example/p?a=1&token=t0k&access_token=zz#frag", out,
                       sizeof out);
    CHECK_STR(out, "https://REDACTED@h.example/p?a=1&token=REDACTED&access_token=REDACTED#frag");
    gw_http_redact_url("http://h/x?Token=q", out, sizeof out);
    CHECK_STR(out, "http://h/x?Token=REDACTED");
    gw_http_redact_url("http://h/x", out, sizeof out);
    CHECK_STR(out, "http://h/x");
    char s[128] = "a SECRET and SECRET again";
    gw_redact_secret(s, sizeof s, "SECRET");
    CHECK_STR(s, "a REDACTED and REDACTED again");
    gw_redact_secret(s, sizeof s, "");
    CHECK_STR(s, "a REDACTED and REDACTED again");
    struct gw_buf b = {0};
    gw_url_encode(&b, "a b/é~");
    CHECK_STR(gw_buf_str(&b), "a%20b%2F%C3%A9~");
    gw_buf_free(&b);
}

/* What an LMS (or a proxy in front of it) answers is stored and logged only
 * after gw_redact_text: every form of a credential goes. */
static void test_redact_text(void)
{
    char *basic = gw_redact_basic_form("app-1", "s3cret-value");
    REQUIRE(basic);
    const char *secrets[] = {"s3cret-value", basic, "moodletok0123456789"};
    char s[2048];
    snprintf(
        s, sizeof s,
        "400 Bad Request. You sent:\nPOST /api/v2/courses HTTP/1.1\r\n"
        "Authorization: Basic %s\r\nX-Other: %s\r\nCookie: sid=abc; tok=def\r\n"
        "GET /webservice/rest/server.php?wsfunction=x&wstoken=Zm9vYmFy99&moodlewsrestformat=json\n"
        "{\"token\": \"tok-in-json\", \"access_token\":\"at-1\", \"name\": \"ok\"}\n"
        "proxy said Bearer eyJhbGciOi.abc.def and basic authentication failed; "
        "password=hunter2&user=bob",
        basic, basic);
    gw_redact_text(s, sizeof s, secrets, 3, 1000);
    CHECK(strstr(s, "s3cret") == NULL);
    CHECK(strstr(s, basic) == NULL);
    CHECK(strstr(s, "Zm9vYmFy99") == NULL);
    CHECK(strstr(s, "tok-in-json") == NULL);
    CHECK(strstr(s, "at-1") == NULL);
    CHECK(strstr(s, "eyJhbGciOi") == NULL);
    CHECK(strstr(s, "hunter2") == NULL);
    CHECK(strstr(s, "sid=abc") == NULL && strstr(s, "tok=def") == NULL);
    CHECK(strstr(s, "Authorization: REDACTED") != NULL);
    CHECK(strstr(s, "X-Other: REDACTED") != NULL);
    CHECK(strstr(s, "wstoken=REDACTED&moodlewsrestformat=json") != NULL);
    CHECK(strstr(s, "\"token\": \"REDACTED\"") != NULL);
    CHECK(strstr(s, "Bearer REDACTED") != NULL);
    CHECK(strstr(s, "\"name\": \"ok\"") != NULL); /* the rest stays readable */
    CHECK(strstr(s, "user=bob") != NULL);
    CHECK(strstr(s, "400 Bad Request") != NULL);
    CHECK(strchr(s, '\r') == NULL);
    /* a text cut in the middle of a secret loses the cut-off start too */
    snprintf(s, sizeof s, "LMS said: key s3cret-va");
    gw_redact_text(s, sizeof s, secrets, 3, 1000);
    CHECK_STR(s, "LMS said: key REDACTED");
    /* plain words after "token" or "basic" are not credentials */
    snprintf(s, sizeof s, "the token expired; basic course");
    gw_redact_text(s, sizeof s, NULL, 0, 1000);
    CHECK_STR(s, "the token expired; basic course");
    /* capped on a character boundary; bytes that are not UTF-8 become '?' */
    char big[3000];
    memset(big, 'x', sizeof big);
    memcpy(big + 990, "\xc3\xa9\xc3\xa9\xc3\xa9", 6);
    big[sizeof big - 1] = '\0';
    gw_redact_text(big, sizeof big, NULL, 0, 1000);
    CHECK(strlen(big) <= 1000);
    CHECK(strstr(big, " [cut]") != NULL);
    CHECK(gw_utf8_valid_str(big));
    snprintf(s, sizeof s, "bad \xff\xfe byte, \xc3\xa9 kept");
    gw_redact_text(s, sizeof s, NULL, 0, 1000);
    CHECK_STR(s, "bad ?? byte, \xc3\xa9 kept");
    free(basic);
}

/* Random texts built from credential-shaped pieces and random bytes: after
 * gw_redact_text no secret is left, the text is UTF-8 and within its cap
 * (deterministic: a fixed xorshift seed). */
static void test_redact_text_random(void)
{
    static const char *const pieces[] = {
        "Authorization: ",
        "Basic ",
        "Bearer ",
        "wstoken=",
        "token\":\"",
        "\r\n",
        "&",
        "; ",
        "s3cret-value",
        "YXBwLTE6czNjcmV0LXZhbHVl",
        "s3cret",
        "\xc3",
        "\xa9",
        "\xff",
        "\"",
        " ",
        "cookie: a=",
        "password=",
        "x",
        "REDACTED",
        "[cut]",
    };
    const char *secrets[] = {"s3cret-value", "YXBwLTE6czNjcmV0LXZhbHVl"};
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (int round = 0; round < 3000; round++) {
        char s[1400] = "";
        size_t len = 0;
        for (int k = 0; k < 60; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            const char *piece = pieces[x % (sizeof pieces / sizeof pieces[0])];
            size_t pl = strlen(piece);
            if (len + pl + 1 >= sizeof s)
                break;
            memcpy(s + len, piece, pl);
            len += pl;
        }
        s[len] = '\0';
        size_t max = 40 + (size_t)(x % 900);
        gw_redact_text(s, sizeof s, secrets, 2, max);
        CHECK(strlen(s) <= max);
        CHECK(gw_utf8_valid_str(s));
        CHECK(strstr(s, "s3cret-value") == NULL);
        CHECK(strstr(s, "YXBwLTE6czNjcmV0LXZhbHVl") == NULL);
        if (gwt_case_failed) {
            fprintf(stderr, "  round %d: %s\n", round, s);
            break;
        }
    }
}

static void test_against_sim(void)
{
    char url[256];
    struct gw_http_response resp = {0};
    struct gw_error err = {0};
    REQUIRE(sim_reset(&sim));
    /* Size cap. */
    snprintf(url, sizeof url, "%s/_sim/state", sim.base_url);
    struct gw_http_request rq = {.url = url, .max_response = 10};
    CHECK_INT(gw_http_perform(&rq, 0, &resp, &err), GW_E_LMS_BAD_RESPONSE);
    CHECK_INT(resp.out.cls, GW_OUT_PERMANENT);
    gw_http_response_free(&resp);
    memset(&resp, 0, sizeof resp);
    /* A plain answer with headers. */
    rq.max_response = 0;
    CHECK_INT(gw_http_perform(&rq, 0, &resp, &err), GW_OK);
    CHECK_INT(resp.status, 200);
    char ct[64];
    CHECK(gw_http_header(&resp, "content-type", ct, sizeof ct));
    CHECK_STR(ct, "application/json");
    CHECK(!gw_http_header(&resp, "X-None", ct, sizeof ct));
    gw_http_response_free(&resp);
    memset(&resp, 0, sizeof resp);
    /* 503 with Retry-After; then a dropped connection. */
    REQUIRE(sim_fault(&sim, "{\"match\":\"/api/v2/ping\",\"mode\":\"status\",\"status\":503,"
                            "\"retry_after\":\"9\"}"));
    snprintf(url, sizeof url, "%s/api/v2/ping?token=zzSECRETzz", sim.base_url);
    rq.url = url;
    rq.username = "lmssim-app";
    rq.password = "lmssim-secret";
    CHECK_INT(gw_http_perform(&rq, 0, &resp, &err), GW_OK);
    CHECK_INT(resp.status, 503);
    CHECK_INT(resp.out.cls, GW_OUT_RETRY);
    CHECK_INT(resp.out.retry_after_ms, 9000);
    gw_http_response_free(&resp);
    memset(&resp, 0, sizeof resp);
    REQUIRE(sim_fault(&sim, "{\"match\":\"/api/v2/ping\",\"mode\":\"drop\"}"));
    CHECK_INT(gw_http_perform(&rq, 0, &resp, &err), GW_E_LMS_UNREACHABLE);
    CHECK_INT(resp.out.cls, GW_OUT_RETRY);
    CHECK(strstr(err.detail, "zzSECRETzz") == NULL);
    CHECK(strstr(err.detail, "token=REDACTED") != NULL);
    gw_http_response_free(&resp);
    memset(&resp, 0, sizeof resp);
    /* Nothing listens on port 1. */
    rq.url = "http://127.0.0.1:1/x?wstoken=abcSECRET";
    CHECK_INT(gw_http_perform(&rq, 0, &resp, &err), GW_E_LMS_UNREACHABLE);
    CHECK_INT(resp.out.cls, GW_OUT_RETRY);
    CHECK(strstr(err.detail, "abcSECRET") == NULL);
    gw_http_response_free(&resp);
}

/* Every failing connector call, with credentials that are easy to find. */
static void test_no_credentials_in_details(void)
{
    const char *secrets[] = {"sc-SECRET-4711", "oauth-SECRET-0815", "wstoken-SECRET-42", NULL};
    char cfgs[4][512];
    struct gw_error err = {0};
    struct gw_lms_result r;
    char *dir = gwt_tmpdir("outbound-redact");
    char *zip = make_scorm_zip(dir, "p.zip", "T", NULL);
    REQUIRE(sim_reset(&sim));
    snprintf(cfgs[0], sizeof cfgs[0],
             "{\"type\":\"scormcloud\",\"base_url\":\"%s/api/v2\",\"app_id\":\"a\","
             "\"secret\":\"%s\"}",
             sim.base_url, secrets[0]);
    snprintf(cfgs[1], sizeof cfgs[1],
             "{\"type\":\"scormcloud\",\"base_url\":\"%s/api/v2\",\"oauth_token\":\"%s\"}",
             sim.base_url, secrets[1]);
    snprintf(cfgs[2], sizeof cfgs[2],
             "{\"type\":\"moodle\",\"base_url\":\"%s\",\"token\":\"%s\",\"category_id\":1}",
             sim.base_url, secrets[2]);
    snprintf(cfgs[3], sizeof cfgs[3],
             "{\"type\":\"moodle\",\"base_url\":\"http://127.0.0.1:1\",\"token\":\"%s\","
             "\"category_id\":1}",
             secrets[2]);
    for (int i = 0; i < 4; i++) {
        struct gw_lms_target *t = NULL;
        json_t *j = json_loads(cfgs[i], 0, NULL);
        REQUIRE(gw_lms_target_new(j, &t, &err) == GW_OK);
        json_decref(j);
        struct gw_lms_course c = {"r1", "T", 1, zip, "aa", NULL};
        for (int faulted = 0; faulted < 2; faulted++) {
            if (faulted)
                REQUIRE(sim_fault(&sim, "{\"match\":\"/\",\"mode\":\"drop\",\"count\":4}"));
            CHECK(gw_lms_publish(t, &c, NULL, &r, &err) != GW_OK);
            for (int k = 0; secrets[k]; k++)
                CHECK(strstr(err.detail, secrets[k]) == NULL);
            CHECK(r.out.cls == GW_OUT_AUTH || r.out.cls == GW_OUT_RETRY);
            gw_lms_result_free(&r);
            CHECK(gw_lms_retire(t, "r1", NULL, &r, &err) != GW_OK);
            for (int k = 0; secrets[k]; k++)
                CHECK(strstr(err.detail, secrets[k]) == NULL);
            gw_lms_result_free(&r);
        }
        REQUIRE(sim_reset(&sim));
        gw_lms_target_free(t);
    }
    gwt_rmtree(dir);
    free(dir);
    free(zip);
}

int main(void)
{
    gw_outbound_global_init();
    if (!sim_start(&sim))
        return 1;
    GW_RUN(test_retry_after);
    GW_RUN(test_classify);
    GW_RUN(test_backoff);
    GW_RUN(test_redact);
    GW_RUN(test_redact_text);
    GW_RUN(test_redact_text_random);
    GW_RUN(test_against_sim);
    GW_RUN(test_no_credentials_in_details);
    sim_stop(&sim);
    gw_outbound_global_cleanup();
    return gw_test_summary();
}
