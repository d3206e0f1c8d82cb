/* test_review_version.c: what adding a version decides
 * (gw_review_version_plan) and the IRIs a package's activity ids count
 * under (gw_review_activity_iri). No database. */
#include "gw/review.h"
#include "gwtest.h"

#include <string.h>

static const char *const v1 = "{\"files\":[{\"path\":\"imsmanifest.xml\",\"size\":10,"
                              "\"crc32\":\"0000000a\"},{\"path\":\"a.html\",\"size\":5,\"crc32\":"
                              "\"00000005\"},{\"path\":\"img/\",\"directory\":true}]}";
static const char *const v2 = "{\"files\":[{\"path\":\"imsmanifest.xml\",\"size\":12,"
                              "\"crc32\":\"0000000c\"},{\"path\":\"b.html\",\"size\":5,\"crc32\":"
                              "\"00000005\"}]}";

static void test_first_version(void)
{
    struct gw_review_version_plan p;
    gw_review_version_plan(0, NULL, v1, "pkg-1", true, &p);
    CHECK_INT(p.number, 1);
    CHECK(p.changes == NULL);
    CHECK(p.validated);
    CHECK_STR(p.added_comment, "version 1, package pkg-1");
    gw_review_version_plan_free(&p);
}

static void test_next_version_diff(void)
{
    struct gw_review_version_plan p;
    gw_review_version_plan(3, v1, v2, "pkg-9", false, &p);
    CHECK_INT(p.number, 4);
    CHECK(!p.validated);
    CHECK_STR(p.superseded_comment, "superseded by version 4");
    REQUIRE(p.changes);
    CHECK_INT(json_array_size(json_object_get(p.changes, "added")), 1);
    CHECK_STR(json_string_value(json_array_get(json_object_get(p.changes, "added"), 0)), "b.html");
    CHECK_STR(json_string_value(json_array_get(json_object_get(p.changes, "removed"), 0)),
              "a.html");
    CHECK_INT(json_array_size(json_object_get(p.changes, "changed")), 1);
    CHECK_STR(json_string_value(json_object_get(p.changes, "summary")),
              "1 file added, 1 removed, 1 changed");
    gw_review_version_plan_free(&p);
    CHECK(p.changes == NULL);
}

/* Issue 16: what keeps a version from review, as data and in words. */
static void test_blocking_findings(void)
{
    static const char *const report =
        "{\"counts\":{\"error\":3,\"warning\":1,\"info\":0},\"findings\":["
        "{\"severity\":\"error\",\"code\":\"MANIFEST_NOT_AT_ROOT\",\"file\":\"X/imsmanifest.xml\","
        "\"line\":null,\"message\":\"imsmanifest.xml is inside the folder 'X/': zip the folder's "
        "contents, not the folder itself.\"},"
        "{\"severity\":\"warning\",\"code\":\"HREF_EXTERNAL\",\"file\":\"a.html\",\"line\":3,"
        "\"message\":\"w\"},"
        "{\"severity\":\"error\",\"code\":\"FILE_MISSING\",\"file\":\"b\",\"line\":7,\"message\":"
        "\"m\"},"
        "{\"severity\":\"error\",\"code\":\"LAUNCH_FILE_MISSING\",\"message\":\"m\"}]}";
    json_t *b = gw_review_blocking_findings(report);
    REQUIRE(b);
    CHECK_INT(json_array_size(b), 3);
    json_t *f = json_array_get(b, 1);
    CHECK_STR(json_string_value(json_object_get(f, "code")), "FILE_MISSING");
    CHECK_INT(json_integer_value(json_object_get(f, "line")), 7);
    CHECK(json_is_null(json_object_get(json_array_get(b, 2), "file")));
    char words[512];
    gw_review_blocking_words(b, words, sizeof words);
    CHECK_STR(words, "MANIFEST_NOT_AT_ROOT in X/imsmanifest.xml: imsmanifest.xml is inside the "
                     "folder 'X/': zip the folder's contents, not the folder itself.; also "
                     "FILE_MISSING, LAUNCH_FILE_MISSING");
    gw_review_blocking_words(b, words, 21);
    CHECK_STR(words, "MANIFEST_NOT_AT_ROOT");
    json_decref(b);
    /* the plan carries them with the warnings */
    struct gw_review_version_plan p;
    gw_review_version_plan(0, NULL, report, "pkg-1", false, &p);
    CHECK_INT(json_array_size(p.blocking), 3);
    CHECK_INT(p.warnings, 1);
    gw_review_version_plan_free(&p);
    /* none: an empty array; no report: NULL and no words */
    b = gw_review_blocking_findings(v1);
    CHECK(b == NULL);
    b = gw_review_blocking_findings("{\"findings\":[]}");
    CHECK(json_is_array(b) && json_array_size(b) == 0);
    gw_review_blocking_words(b, words, sizeof words);
    CHECK_STR(words, "");
    json_decref(b);
    CHECK(gw_review_blocking_findings(NULL) == NULL);
}

static void test_activity_iris(void)
{
    static const struct {
        const char *id, *want;
    } cases[] = {
        {"https://lms.example.org/act/1", "https://lms.example.org/act/1"},
        {"item_1", "https://gw.example/courses/c1/item_1"},
        {"SCO 2/intro", "https://gw.example/courses/c1/SCO%202%2Fintro"},
        {"a~b.c-d", "https://gw.example/courses/c1/a~b.c-d"},
        {"\xc3\xa9t\xc3\xa9", "https://gw.example/courses/c1/%C3%A9t%C3%A9"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct gw_buf b = {0};
        gw_review_activity_iri("https://gw.example/courses/c1", cases[i].id, &b);
        CHECK_STR(gw_buf_str(&b), cases[i].want);
        gw_buf_free(&b);
    }
}

int main(void)
{
    GW_RUN(test_first_version);
    GW_RUN(test_next_version_diff);
    GW_RUN(test_blocking_findings);
    GW_RUN(test_activity_iris);
    return gw_test_summary();
}
