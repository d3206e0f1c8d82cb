/* Unit tests for util/: buffers, time formatting and parsing, hashing, UUIDs,
 * the JSON field table, CSV cells, UTF-8 checks and the error registry. */
#include "gw/api.h"
#include "gw/buf.h"
#include "gw/clock.h"
#include "gw/config.h"
#include "gw/csv.h"
#include "gw/error.h"
#include "gw/hash.h"
#include "gw/json.h"
#include "gw/timefmt.h"
#include "gwtest.h"

#include <math.h>

static void test_buf(void)
{
    struct gw_buf b = {0};
    CHECK_STR(gw_buf_str(&b), "");
    gw_buf_puts(&b, "abc");
    gw_buf_printf(&b, "-%d-", 42);
    for (int i = 0; i < 100; i++)
        gw_buf_append(&b, "x", 1);
    CHECK_INT(b.len, 3 + 4 + 100);
    CHECK(strncmp(b.data, "abc-42-x", 8) == 0);
    gw_buf_reset(&b);
    CHECK_INT(b.len, 0);
    CHECK_STR(gw_buf_str(&b), "");
    gw_buf_html(&b, "<a href=\"x\">Tom & Jerry's</a>");
    gw_buf_html(&b, NULL);
    CHECK_STR(gw_buf_str(&b), "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
    gw_buf_reset(&b);
    gw_buf_slack(&b, "<@here> & \"hi\"");
    CHECK_STR(gw_buf_str(&b), "&lt;@here&gt; &amp; \"hi\"");
    gw_buf_reset(&b);
    gw_buf_free(&b);
}

static void test_copy_str(void)
{
    char out[6];
    gw_copy_str(out, sizeof out, "abc");
    CHECK_STR(out, "abc");
    gw_copy_str(out, sizeof out, "abcdefgh"); /* cut to fit, like snprintf */
    CHECK_STR(out, "abcde");
    gw_copy_str(out, sizeof out, NULL);
    CHECK_STR(out, "");
    gw_copy_str(out, 1, "xyz");
    CHECK_STR(out, "");
    struct gw_buf b = {0};
    char *p = gw_buf_reserve(&b, 100);
    CHECK(p == b.data && b.cap >= 101);
    CHECK_STR(gw_buf_str(&b), ""); /* reserving keeps it a string */
    memcpy(p, "xy", 2);
    b.len += 2;
    b.data[b.len] = '\0';
    CHECK_STR(gw_buf_str(&b), "xy");
    gw_buf_free(&b);
}

static void test_time(void)
{
    char out[32];
    gw_time_format_ms(0, out);
    CHECK_STR(out, "1970-01-01T00:00:00.000Z");
    gw_time_format_ms(-1, out);
    CHECK_STR(out, "1969-12-31T23:59:59.999Z");
    /* the extremes format without overflow (UBSan checks), within 32 bytes */
    gw_time_format_ms(INT64_MIN, out);
    CHECK(strlen(out) < 32 && out[0] == '-');
    gw_time_format_ms(INT64_MAX, out);
    CHECK(strlen(out) < 32 && strstr(out, "T") != NULL);
    int64_t ms = 0;
    CHECK(gw_time_parse_iso("2026-11-22T16:35:33.123Z", true, &ms));
    gw_time_format_ms(ms, out);
    CHECK_STR(out, "2026-11-22T16:35:33.123Z");
    CHECK(gw_time_parse_iso("2026-11-22T11:35:33.123-05:00", true, &ms));
    gw_time_format_ms(ms, out);
    CHECK_STR(out, "2026-11-22T16:35:33.123Z");
    CHECK(gw_time_parse_iso("2024-02-29T00:00:00+0100", true, &ms));
    gw_time_format_ms(ms, out);
    CHECK_STR(out, "2024-02-28T23:00:00.000Z");
    CHECK(gw_time_parse_iso("2026-01-01T00:00:00", true, &ms)); /* no offset: UTC */
    CHECK(!gw_time_parse_iso("2026-01-01T00:00:00-00:00", true, &ms));
    CHECK(!gw_time_parse_iso("2026-01-01T00:00:00-0000", true, &ms));
    CHECK(!gw_time_parse_iso("2026-01-01T00:00:00-00", true, &ms));
    CHECK(gw_time_parse_iso("2026-01-01T00:00:00-00:00", false, &ms));
    CHECK(!gw_time_parse_iso("2023-02-29T00:00:00Z", true, &ms));
    CHECK(!gw_time_parse_iso("2026-13-01T00:00:00Z", true, &ms));
    CHECK(!gw_time_parse_iso("2026-01-01T24:00:00Z", true, &ms));
    CHECK(!gw_time_parse_iso("2026-01-01T00:00:00.Z", true, &ms));
    CHECK(!gw_time_parse_iso("yesterday", true, &ms));
    CHECK(gw_time_parse_date("2026-03-01", &ms));
    CHECK_INT(ms % 86400000, 0);
    gw_time_format_ms(-1, out);
    CHECK_STR(out, "1969-12-31T23:59:59.999Z");
}

static void test_clock(void)
{
    struct gw_clock c;
    gw_clock_init_fake(&c, 1000);
    CHECK_INT(gw_clock_now_ms(&c), 1000);
    gw_clock_advance(&c, 86400000);
    CHECK_INT(gw_clock_now_ms(&c), 86401000);
    struct gw_clock r;
    gw_clock_init_real(&r);
    CHECK(gw_clock_now_ms(&r) > 1700000000000LL);
}

static void test_hash(void)
{
    char hex[GW_SHA256_HEX];
    gw_sha256_hex("abc", 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    char h1[GW_SHA1_HEX];
    gw_sha1_hex("mailto:test@example.org", 23, h1);
    CHECK_INT(strlen(h1), 40);
    struct gw_sha256_ctx *c = gw_sha256_begin();
    gw_sha256_update(c, "a", 1);
    gw_sha256_update(c, "bc", 2);
    char hex2[GW_SHA256_HEX];
    gw_sha256_end(c, hex2);
    CHECK_STR(hex2, hex);
    CHECK(gw_ct_equal("abcd", "abcd", 4));
    CHECK(!gw_ct_equal("abcd", "abce", 4));
    char u[37];
    CHECK(gw_uuid_v4(u));
    CHECK(gw_is_uuid(u));
    CHECK(u[14] == '4');
    CHECK_INT(strlen(u), 36);
    CHECK(strchr("89ab", u[19]) != NULL);
    CHECK(strspn(u, "0123456789abcdef-") == 36);
    uint8_t mac[32];
    char machex[65];
    gw_hmac_sha256("key", 3, "The quick brown fox jumps over the lazy dog", 43, mac);
    gw_hex(mac, 32, machex);
    CHECK_STR(machex, "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

static void test_json_fields(void)
{
    struct gw_error err;
    json_t *doc =
        gw_json_load("{\"name\":\"Sales\",\"n\":3,\"mail\":\"a@b.org\",\"kind\":\"x\"}", 50, &err);
    REQUIRE(doc);
    const char *name = NULL, *mail = NULL, *kind = NULL;
    int64_t n = 0;
    static const char *const kinds[] = {"x", "y", NULL};
    struct gw_jfield fields[] = {
        {"name", GW_J_STRING, true, &name, GW_JF_NONEMPTY, NULL, 0, 0, 10},
        {"n", GW_J_INT, true, &n, GW_JF_NONE, NULL, 1, 5, 0},
        {"mail", GW_J_STRING, false, &mail, GW_JF_EMAIL, NULL, 0, 0, 0},
        {"kind", GW_J_STRING, false, &kind, GW_JF_NONE, kinds, 0, 0, 0},
        GW_JFIELD_END,
    };
    CHECK_INT(gw_json_parse_fields(doc, "", fields, true, &err), GW_OK);
    CHECK_STR(name, "Sales");
    CHECK_INT(n, 3);
    CHECK_STR(kind, "x");

    json_object_set_new(doc, "n", json_integer(9));
    CHECK_INT(gw_json_parse_fields(doc, "", fields, true, &err), GW_E_JSON_FIELD_VALUE);
    CHECK_STR(err.where, "/n");
    json_object_set_new(doc, "n", json_string("3"));
    CHECK_INT(gw_json_parse_fields(doc, "/body", fields, true, &err), GW_E_JSON_FIELD_TYPE);
    CHECK_STR(err.where, "/body/n");
    json_object_set_new(doc, "n", json_integer(2));
    json_object_set_new(doc, "extra/x", json_true());
    CHECK_INT(gw_json_parse_fields(doc, "", fields, true, &err), GW_E_JSON_FIELD_UNKNOWN);
    CHECK_STR(err.where, "/extra~1x");
    CHECK(strstr(err.detail, "unknown member 'extra/x'; this object takes: name, n, mail, kind"));
    CHECK_INT(gw_json_parse_fields(doc, "", fields, false, &err), GW_OK);
    json_object_del(doc, "name");
    CHECK_INT(gw_json_parse_fields(doc, "", fields, false, &err), GW_E_JSON_FIELD_MISSING);
    CHECK_STR(err.where, "/name");
    json_object_set_new(doc, "name", json_string("   "));
    CHECK_INT(gw_json_parse_fields(doc, "", fields, false, &err), GW_E_JSON_FIELD_VALUE);
    json_object_set_new(doc, "name", json_string("ok"));
    json_object_set_new(doc, "kind", json_string("z"));
    CHECK_INT(gw_json_parse_fields(doc, "", fields, false, &err), GW_E_JSON_FIELD_VALUE);
    CHECK(strstr(err.detail, "x, y") != NULL);
    json_decref(doc);

    CHECK(gw_json_load("{\"a\":1,\"a\":2}", 13, &err) == NULL);
    CHECK_INT(err.code, GW_E_JSON_MALFORMED);
    CHECK(gw_json_load("{", 1, &err) == NULL);
    CHECK(strstr(err.detail, "line 1") != NULL);
}

/* Issue 16: a misspelt member is named as itself (not as the required member
 * it left out), with the member it was probably meant to be. */
static void test_json_fields_unknown_suggests(void)
{
    struct gw_error err;
    const char *name = NULL, *email = NULL, *id = NULL;
    struct gw_jfield fields[] = {
        {"id", GW_J_STRING, false, &id, GW_JF_NONE, NULL, 0, 0, 0},
        {"name", GW_J_STRING, true, &name, GW_JF_NONE, NULL, 0, 0, 0},
        {"email", GW_J_STRING, true, &email, GW_JF_NONE, NULL, 0, 0, 0},
        GW_JFIELD_END,
    };
    static const struct {
        const char *body, *where, *detail;
    } cases[] = {
        /* a swap of two letters is one edit */
        {"{\"nmae\":\"Anne\",\"email\":\"a@b.org\"}", "/nmae",
         "unknown member 'nmae'; did you mean 'name'?"},
        /* reported before the required member it stands for, and before
         * a bad value elsewhere */
        {"{\"nmae\":\"Anne\",\"email\":3}", "/nmae", "unknown member 'nmae'; did you mean 'name'?"},
        {"{\"name\":\"Anne\",\"e-mail\":\"a@b.org\"}", "/e-mail",
         "unknown member 'e-mail'; did you mean 'email'?"},
        {"{\"Name\":\"Anne\",\"email\":\"a@b.org\"}", "/Name",
         "unknown member 'Name'; did you mean 'name'?"},
        {"{\"name\":\"Anne\",\"emial_address\":\"a@b.org\"}", "/emial_address",
         "unknown member 'emial_address'; this object takes: id, name, email"},
        /* two edits from "id" is no longer a slip of the keyboard */
        {"{\"xy\":1,\"name\":\"Anne\",\"email\":\"a@b.org\"}", "/xy",
         "unknown member 'xy'; this object takes: id, name, email"},
        {"{\"ix\":1,\"name\":\"Anne\",\"email\":\"a@b.org\"}", "/ix",
         "unknown member 'ix'; did you mean 'id'?"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *doc = gw_json_load(cases[i].body, strlen(cases[i].body), &err);
        REQUIRE(doc);
        gw_error_clear(&err);
        CHECK_INT(gw_json_parse_fields(doc, "", fields, true, &err), GW_E_JSON_FIELD_UNKNOWN);
        CHECK_STR(err.where, cases[i].where);
        CHECK_STR(err.detail, cases[i].detail);
        json_decref(doc);
    }
    /* nested objects name the member under their own pointer */
    json_t *doc = json_pack("{s:s, s:s, s:i}", "name", "a", "emali", "b", "x", 1);
    CHECK_INT(gw_json_parse_fields(doc, "/approvers/0", fields, true, &err),
              GW_E_JSON_FIELD_UNKNOWN);
    CHECK_STR(err.where, "/approvers/0/emali");
    json_decref(doc);
}

static void test_formats(void)
{
    CHECK(gw_is_uuid("f81d4fae-7dec-11d0-a765-00a0c91e6bf6"));
    CHECK(!gw_is_uuid("f81d4fae-7dec-11d0-a765-00a0c91e6bf"));
    CHECK(!gw_is_uuid("f81d4fae7dec-11d0-a765-00a0c91e6bf6x"));
    CHECK(gw_is_absolute_iri("http://example.org/a?b#c"));
    CHECK(gw_is_absolute_iri("urn:uuid:1234"));
    CHECK(!gw_is_absolute_iri("example.org/a"));
    CHECK(!gw_is_absolute_iri("http://exa mple.org"));
    CHECK(!gw_is_absolute_iri("1http://x"));
    CHECK(gw_is_email("ada@example.org"));
    CHECK(!gw_is_email("ada@@example.org"));
    CHECK(!gw_is_email("ada"));
}

static void test_error_registry(void)
{
    size_t n = 0;
    const struct gw_err_info *all = gw_err_all(&n);
    CHECK(n > 20);
    for (size_t i = 0; i < n; i++) {
        /* numbers stay out of the HTTP status range and are unique */
        CHECK(all[i].code >= 1000);
        CHECK(all[i].http_status >= 400 && all[i].http_status < 600);
        CHECK(strlen(all[i].hint) > 10);
        for (size_t j = i + 1; j < n; j++)
            CHECK(all[i].code != all[j].code);
    }
    CHECK_STR(gw_err_lookup(GW_E_BODY_TOO_LARGE)->name, "BODY_TOO_LARGE");
    CHECK_INT(gw_err_lookup(GW_E_BODY_TOO_LARGE)->http_status, 413);
    struct gw_error e;
    gw_error_set(&e, GW_E_JSON_FIELD_MISSING, "/actor", "'%s' is required", "actor");
    json_t *j = gw_error_to_json(&e);
    CHECK_INT(json_integer_value(json_object_get(j, "code")), 1006);
    CHECK_STR(json_string_value(json_object_get(j, "where")), "/actor");
    CHECK_STR(json_string_value(json_object_get(j, "detail")), "'actor' is required");
    json_decref(j);
}

/* schemas/error-codes.json must equal what the registry generates. */
static void test_error_schema_in_sync(void)
{
    const char *src = getenv("GW_SOURCE_DIR");
    REQUIRE(src);
    char path[1024];
    snprintf(path, sizeof path, "%s/schemas/error-codes.json", src);
    json_error_t je;
    json_t *file = json_load_file(path, 0, &je);
    REQUIRE(file);
    json_t *gen = gw_errors_registry_json();
    CHECK(json_equal(file, gen));
    if (!json_equal(file, gen))
        fprintf(stderr, "  schemas/error-codes.json is stale: run "
                        "'./build/lmsgw errors --json > schemas/error-codes.json'\n");
    json_decref(file);
    json_decref(gen);
}

/* schemas/openapi.json must equal what the route table generates. */
static void test_openapi_in_sync(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/schemas/openapi.json", getenv("GW_SOURCE_DIR"));
    json_error_t je;
    json_t *file = json_load_file(path, 0, &je);
    REQUIRE(file);
    json_t *gen = gw_api_openapi_json();
    CHECK(json_equal(file, gen));
    if (!json_equal(file, gen))
        fprintf(stderr, "  schemas/openapi.json is stale: run "
                        "'./build/lmsgw openapi > schemas/openapi.json'\n");
    CHECK(json_object_size(json_object_get(gen, "paths")) >= 5);
    json_decref(file);
    json_decref(gen);
}

/* One CSV cell writer: quoting, and formulas neutralised (OWASP). */
static char *cell(const char *s)
{
    struct gw_buf b = {0};
    gw_buf_puts(&b, "|");
    gw_csv_cell(&b, s);
    char *out = gw_xstrdup(gw_buf_str(&b) + 1);
    gw_buf_free(&b);
    return out;
}

static void test_csv_cell(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "plain"},
        {"", ""},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\r\nlines", "\"two\r\nlines\""},
        {"=HYPERLINK(\"http://evil\",\"x\")", "\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\""},
        {"@SUM(A1:A9)", "\"'@SUM(A1:A9)\""},
        {"+1", "\"'+1\""},
        {"-1", "\"'-1\""},
        {"\tcmd", "\"'\tcmd\""},
        {"\rcmd", "\"'\rcmd\""},
        {"a=1", "a=1"},
        {"1-2", "1-2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = cell(cases[i].in);
        CHECK_STR(got, cases[i].out);
        free(got);
    }
    char *got = cell(NULL);
    CHECK_STR(got, "");
    free(got);
    CHECK(gw_csv_is_formula("=1"));
    CHECK(!gw_csv_is_formula("1"));
    CHECK(!gw_csv_is_formula(NULL));
}

/* Issue 16: CSV numbers are for people: 6 significant digits, no trailing
 * zeros, never an exponent, integers as integers, amounts keep cents. */
static void test_csv_number(void)
{
    static const struct {
        double in;
        const char *out;
    } cases[] = {
        {0.65000000000000002, "0.65"},
        {0.1 + 0.2, "0.3"},
        {1.0 / 3.0, "0.333333"},
        {2.0 / 3.0, "0.666667"},
        {83.333333333, "83.3333"},
        {2.5, "2.5"},
        {-1.5, "-1.5"},
        {3.0, "3"},
        {-2.0, "-2"},
        {0.0, "0"},
        {-0.0, "0"},
        {1234567.0, "1234567"},
        {12345.678, "12345.68"}, /* amounts keep their cents */
        {1234567.891, "1234567.89"},
        {0.000123456789, "0.000123457"},
        {1e-7, "0.0000001"},
        {-1e-20, "0"},
        {1e20, "100000000000000000000"},
        {99.9999999, "100"},
        {0.9999999, "1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct gw_buf b = {0};
        gw_buf_puts(&b, "|");
        gw_csv_number(&b, cases[i].in);
        CHECK_STR(gw_buf_str(&b) + 1, cases[i].out);
        gw_buf_free(&b);
    }
    struct gw_buf b = {0};
    gw_buf_puts(&b, "|");
    gw_csv_number(&b, NAN);
    gw_csv_number(&b, INFINITY);
    CHECK_STR(gw_buf_str(&b), "|"); /* empty cells */
    gw_buf_free(&b);
}

static void test_utf8_valid(void)
{
    CHECK(gw_utf8_valid_str("plain ASCII"));
    CHECK(gw_utf8_valid_str("K\xc3\xbche \xe2\x82\xac \xf0\x9f\x98\x80"));
    CHECK(gw_utf8_valid_str(NULL));
    CHECK(gw_utf8_valid_str(""));
    CHECK(!gw_utf8_valid_str("\xff"));
    CHECK(!gw_utf8_valid_str("abc\xc3"));          /* cut short */
    CHECK(!gw_utf8_valid_str("\xc0\xaf"));         /* overlong '/' */
    CHECK(!gw_utf8_valid_str("\xed\xa0\x80"));     /* surrogate */
    CHECK(!gw_utf8_valid_str("\xf4\x90\x80\x80")); /* above U+10FFFF */
    CHECK(!gw_utf8_valid_str("ok\x80"));           /* lone continuation */
    CHECK(gw_utf8_valid("a\xc3\xbc", 3));
    CHECK(!gw_utf8_valid("a\xc3\xbc", 2));
}

/* The router's and the form reader's rule for stored text (issue 13). */
static void test_text_problem(void)
{
    char buf[64];
    CHECK(gw_text_problem("K\xc3\xbche", 5, false, buf, sizeof buf) == NULL);
    CHECK(gw_text_problem("", 0, false, buf, sizeof buf) == NULL);
    CHECK_STR(gw_text_problem("\xff\xfe", 2, false, buf, sizeof buf), "is not UTF-8 text");
    CHECK_STR(gw_text_problem("\xc0\x80", 2, true, buf, sizeof buf), "is not UTF-8 text");
    CHECK_STR(gw_text_problem("a\0b", 3, true, buf, sizeof buf),
              "holds a control character (byte 2)");
    CHECK_STR(gw_text_problem("a\x7f", 2, true, buf, sizeof buf),
              "holds a control character (byte 2)");
    CHECK_STR(gw_text_problem("a\nb", 3, false, buf, sizeof buf),
              "holds a control character (byte 2)");
    CHECK(gw_text_problem("a\r\n\tb", 5, true, buf, sizeof buf) == NULL); /* lines allowed */
    CHECK(gw_text_problem("\x01", 1, true, buf, sizeof buf) != NULL);
}

/* A value from an LMSGW_ variable that is not UTF-8 is refused, naming the
 * variable and not quoting the value (it may be a secret); found by
 * fuzz_config (tests/fuzz/crashes/config/env-not-utf8). */
static void test_config_env_not_utf8(void)
{
    char *const env[] = {"LMSGW_DATABASE=postgresql://u\xff\xff@db.example.org/lmsgw", NULL};
    struct gw_config cfg;
    struct gw_error e;
    gw_error_clear(&e);
    CHECK_INT(gw_config_load(&cfg, NULL, env, &e), GW_E_CONFIG_BAD_VALUE);
    CHECK_STR(e.where, "database");
    CHECK(strstr(e.detail, "LMSGW_DATABASE") && strstr(e.detail, "UTF-8"));
    CHECK(strstr(e.detail, "\xff") == NULL && strstr(e.detail, "db.example.org") == NULL);
    char *const pw[] = {"LMSGW_SMTP_PASSWORD=s\xc3", NULL};
    CHECK_INT(gw_config_load(&cfg, NULL, pw, &e), GW_E_CONFIG_BAD_VALUE);
    CHECK_STR(e.where, "smtp_password");
    /* UTF-8 text is taken as it is */
    char *const ok[] = {"LMSGW_SMTP_FROM_NAME=K\xc3\xbche", NULL};
    REQUIRE(gw_config_load(&cfg, NULL, ok, &e) == GW_OK);
    CHECK_STR(cfg.smtp_from_name, "K\xc3\xbche");
    gw_config_free(&cfg);
}

/* The file's contents as text load like the file: values, unknown keys and
 * JSON errors named by the origin, the environment after the text. */
static void test_config_text(void)
{
    static const char text[] = "{\"port\": 9001, \"log_level\": \"debug\"}";
    char *const env[] = {"LMSGW_PORT=9002", NULL};
    char *const none[] = {NULL};
    struct gw_config cfg;
    struct gw_error e;
    gw_error_clear(&e);
    REQUIRE(gw_config_load_text(&cfg, text, strlen(text), "t.json", none, &e) == GW_OK);
    CHECK_INT(cfg.port, 9001);
    CHECK_STR(cfg.log_level, "debug");
    gw_config_free(&cfg);
    REQUIRE(gw_config_load_text(&cfg, text, strlen(text), "t.json", env, &e) == GW_OK);
    CHECK_INT(cfg.port, 9002);
    gw_config_free(&cfg);
    CHECK_INT(gw_config_load_text(&cfg, "{\"prot\": 1}", 11, "t.json", none, &e),
              GW_E_CONFIG_UNKNOWN_KEY);
    CHECK(strstr(e.detail, "t.json") != NULL);
    CHECK_INT(gw_config_load_text(&cfg, "{\"port\": 1", 11, NULL, none, &e), GW_E_CONFIG_FILE);
    CHECK_STR(e.where, "config");
}

int main(void)
{
    GW_RUN(test_buf);
    GW_RUN(test_copy_str);
    GW_RUN(test_time);
    GW_RUN(test_clock);
    GW_RUN(test_hash);
    GW_RUN(test_json_fields);
    GW_RUN(test_json_fields_unknown_suggests);
    GW_RUN(test_formats);
    GW_RUN(test_csv_cell);
    GW_RUN(test_csv_number);
    GW_RUN(test_utf8_valid);
    GW_RUN(test_text_problem);
    GW_RUN(test_config_env_not_utf8);
    GW_RUN(test_config_text);
    GW_RUN(test_error_registry);
    GW_RUN(test_error_schema_in_sync);
    GW_RUN(test_openapi_in_sync);
    return gw_test_summary();
}
