/* Our own cases, one or more per check of the validator: zips built here
 * with libzip (hostile names, symlinks, encryption, duplicates, bombs),
 * manifests for each SCORM, cmi5 and tincan rule (one package per folder in
 * tests/course/cases, with expected.json), XML attacks, href resolution,
 * Flash and accessibility; plus the finding registry's JSON against
 * schemas/finding-codes.json. */
#include "course_int.h"
#include "gw/buf.h"
#include "gw/course.h"
#include "gwtest.h"
#include "testsupport.h"
#include "zipbuild.h"

#include <stdlib.h>
#include <string.h>

static const char PAGE[] = "<!DOCTYPE html><html lang=\"en\"><head><title>Lesson</title></head>"
                           "<body><p>Hello</p></body></html>";

static struct gw_course_report *run(const struct zb_entry *e, size_t n,
                                    const struct gw_course_limits *lim)
{
    static int counter;
    char name[64];
    snprintf(name, sizeof name, "case%d.zip", counter++);
    const char *path = zb_path(name);
    if (!zb_write(path, e, n)) {
        fprintf(stderr, "  cannot write %s\n", path);
        return NULL;
    }
    struct gw_course_report *r = NULL;
    struct gw_error err;
    if (gw_course_validate_file(path, lim, &r, &err) != GW_OK) {
        fprintf(stderr, "  %s: %s\n", path, err.detail);
        return NULL;
    }
    return r;
}

static void dump(const struct gw_course_report *r)
{
    for (size_t i = 0; r && i < r->finding_count; i++)
        fprintf(stderr, "    %s %s %s:%u %s\n", gw_severity_name(r->findings[i].severity),
                gw_course_finding_info(r->findings[i].code)->name,
                r->findings[i].file ? r->findings[i].file : "-", r->findings[i].line,
                r->findings[i].message);
}

/* Checks that r has code (has = true) or not; prints the findings otherwise. */
#define EXPECT(r, code, has)                                                                       \
    do {                                                                                           \
        bool gwx = gw_course_report_has((r), GW_F_##code);                                         \
        if (gwx != (has)) {                                                                        \
            fprintf(stderr, "  %s:%d: %s %s expected\n", __FILE__, __LINE__, #code,                \
                    (has) ? "" : "not");                                                           \
            dump(r);                                                                               \
            gwt_case_failed = 1;                                                                   \
        }                                                                                          \
    } while (0)

static char *scorm12(const char *item_extra, const char *res_attrs, const char *href,
                     const char *file_href, const char *extra_res)
{
    char *s = malloc(8192);
    snprintf(s, 8192,
             "<?xml version=\"1.0\"?>\n"
             "<manifest identifier=\"m1\" version=\"1\" "
             "xmlns=\"http://www.imsproject.org/xsd/imscp_rootv1p1p2\" "
             "xmlns:adlcp=\"http://www.adlnet.org/xsd/adlcp_rootv1p2\">\n"
             "<metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>\n"
             "<organizations default=\"o1\"><organization identifier=\"o1\"><title>Course</title>\n"
             "<item identifier=\"i1\" identifierref=\"r1\"><title>Lesson</title>%s</item>\n"
             "</organization></organizations>\n"
             "<resources><resource identifier=\"r1\" type=\"webcontent\" "
             "adlcp:scormtype=\"sco\" href=\"%s\"%s>\n<file href=\"%s\"/></resource>%s"
             "</resources>\n</manifest>\n",
             item_extra, href, res_attrs, file_href, extra_res);
    return s;
}

static char *scorm2004(const char *version, const char *orgs, const char *resources)
{
    char *s = malloc(16384);
    snprintf(s, 16384,
             "<?xml version=\"1.0\"?>\n"
             "<manifest identifier=\"m1\" xmlns=\"http://www.imsglobal.org/xsd/imscp_v1p1\" "
             "xmlns:adlcp=\"http://www.adlnet.org/xsd/adlcp_v1p3\" "
             "xmlns:imsss=\"http://www.imsglobal.org/xsd/imsss\">\n"
             "<metadata><schema>ADL SCORM</schema><schemaversion>%s</schemaversion></metadata>\n"
             "%s\n%s\n</manifest>\n",
             version, orgs, resources);
    return s;
}

static const char ORGS_2004[] =
    "<organizations default=\"o1\"><organization identifier=\"o1\"><title>Course</title>"
    "<item identifier=\"i1\" identifierref=\"r1\"><title>Lesson</title></item>"
    "</organization></organizations>";
static const char RES_2004[] =
    "<resources><resource identifier=\"r1\" type=\"webcontent\" adlcp:scormType=\"sco\" "
    "href=\"index.html\"><file href=\"index.html\"/></resource></resources>";

static struct gw_course_report *run_manifest(const char *manifest, const char *page_name)
{
    struct zb_entry e[] = {{"imsmanifest.xml", manifest, 0, 0}, {page_name, PAGE, 0, 0}};
    return run(e, 2, NULL);
}

/* ---- the zip itself ---- */

static void test_valid_minimal(void)
{
    char *m = scorm12("", "", "index.html", "index.html", "");
    struct gw_course_report *r = run_manifest(m, "index.html");
    REQUIRE(r);
    CHECK(gw_course_report_valid(r));
    CHECK_INT(r->counts[GW_SEV_WARNING], 0);
    CHECK_INT(r->standard, GW_STD_SCORM12);
    CHECK_STR(r->title, "Course");
    CHECK_STR(r->identifier, "m1");
    CHECK_STR(r->version, "1");
    CHECK_INT(r->item_count, 1);
    CHECK_STR(r->items[0].launch_url, "index.html");
    dump(r);
    gw_course_report_free(r);
    free(m);
}

static void test_zip_slip_and_absolute(void)
{
    char *m = scorm12("", "", "index.html", "index.html", "");
    const char *names[] = {"../../evil.html", "a/../../evil.html", "..\\evil.html",
                           "/etc/x.html",     "C:/x.html",         "c:\\x.html"};
    const char *codes[] = {"T", "T", "T", "A", "A", "A"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct zb_entry e[] = {
            {"imsmanifest.xml", m, 0, 0}, {"index.html", PAGE, 0, 0}, {names[i], "x", 0, 0}};
        struct gw_course_report *r = run(e, 3, NULL);
        REQUIRE(r);
        CHECK(!gw_course_report_valid(r));
        if (codes[i][0] == 'T')
            EXPECT(r, ZIP_ENTRY_TRAVERSAL, true);
        else
            EXPECT(r, ZIP_ENTRY_ABSOLUTE, true);
        /* the refused entry never counts as a package file */
        CHECK_INT(r->counts[GW_SEV_ERROR], 1);
        gw_course_report_free(r);
    }
    free(m);
}

static void test_symlink_encrypted(void)
{
    char *m = scorm12("", "", "index.html", "style.css", "");
    struct zb_entry e[] = {{"imsmanifest.xml", m, 0, 0},
                           {"index.html", PAGE, 0, 0},
                           {"style.css", "/etc/passwd", 0, ZB_SYMLINK}};
    struct gw_course_report *r = run(e, 3, NULL);
    REQUIRE(r);
    EXPECT(r, ZIP_ENTRY_SYMLINK, true);
    EXPECT(r, FILE_MISSING, false); /* said once, by the guard */
    gw_course_report_free(r);

    struct zb_entry enc[] = {{"imsmanifest.xml", m, 0, ZB_ENCRYPT},
                             {"index.html", PAGE, 0, ZB_ENCRYPT},
                             {"style.css", "p{}", 0, 0}};
    r = run(enc, 3, NULL);
    REQUIRE(r);
    EXPECT(r, ZIP_ENTRY_ENCRYPTED, true);
    EXPECT(r, DESCRIPTOR_UNREADABLE, true);
    EXPECT(r, ZIP_ENTRY_CORRUPT, false);
    gw_course_report_free(r);
    free(m);
}

static void test_duplicates_backslashes(void)
{
    char *m = scorm12("", "", "index.html", "index.html", "");
    struct zb_entry e[] = {{"imsmanifest.xml", m, 0, 0},
                           {"index.html", PAGE, 0, 0},
                           {"dupA.html", "a", 0, 0},
                           {"dupB.html", "b", 0, 0}};
    const char *path = zb_path("dup.zip");
    REQUIRE(zb_write(path, e, 4));
    REQUIRE(zb_patch(path, "dupB.html", "dupA.html"));
    struct gw_course_report *r = NULL;
    REQUIRE(gw_course_validate_file(path, NULL, &r, NULL) == GW_OK);
    EXPECT(r, ZIP_ENTRY_DUPLICATE, true);
    gw_course_report_free(r);

    struct zb_entry b[] = {
        {"imsmanifest.xml", m, 0, 0}, {"index.html", PAGE, 0, 0}, {"css\\style.css", "p{}", 0, 0}};
    r = run(b, 3, NULL);
    REQUIRE(r);
    EXPECT(r, ZIP_ENTRY_BACKSLASH, true);
    gw_course_report_free(r);
    free(m);
}

static void test_corrupt_entry(void)
{
    char *m = scorm12("", "", "index.html", "index.html", "");
    struct zb_entry e[] = {{"imsmanifest.xml", m, 0, 0},
                           {"index.html", PAGE, 0, 0},
                           {"data.txt", "UNIQUE-CONTENT-12345", 0, ZB_STORE}};
    const char *path = zb_path("corrupt.zip");
    REQUIRE(zb_write(path, e, 3));
    struct gw_course_report *r = NULL;
    REQUIRE(gw_course_validate_file(path, NULL, &r, NULL) == GW_OK);
    EXPECT(r, ZIP_ENTRY_CORRUPT, false);
    gw_course_report_free(r);
    /* the stored bytes no longer match the CRC in the central directory */
    REQUIRE(zb_patch(path, "UNIQUE-CONTENT", "UNIQUE-CONTENX"));
    REQUIRE(gw_course_validate_file(path, NULL, &r, NULL) == GW_OK);
    EXPECT(r, ZIP_ENTRY_CORRUPT, true);
    gw_course_report_free(r);
    free(m);
}

static void test_bomb_and_limits(void)
{
    char *m = scorm12("", "", "index.html", "index.html", "");
    size_t big = (size_t)4 << 20;
    char *zeros = calloc(1, big);
    struct zb_entry e[] = {
        {"imsmanifest.xml", m, 0, 0}, {"index.html", PAGE, 0, 0}, {"pad.bin", zeros, big, 0}};
    struct gw_course_report *r = run(e, 3, NULL);
    REQUIRE(r);
    EXPECT(r, ZIP_COMPRESSION_RATIO, true);
    CHECK(r->total_uncompressed >= big);
    gw_course_report_free(r);

    /* the same data stored uncompressed is fine */
    e[2].flags = ZB_STORE;
    r = run(e, 3, NULL);
    REQUIRE(r);
    EXPECT(r, ZIP_COMPRESSION_RATIO, false);
    gw_course_report_free(r);

    struct gw_course_limits lim;
    gw_course_limits_default(&lim);
    lim.max_total_uncompressed = 1 << 20;
    lim.max_entry_uncompressed = 2 << 20;
    r = run(e, 3, &lim);
    REQUIRE(r);
    EXPECT(r, ZIP_TOO_LARGE, true);
    EXPECT(r, ZIP_ENTRY_TOO_LARGE, true);
    gw_course_report_free(r);

    gw_course_limits_default(&lim);
    lim.max_entries = 2;
    r = run(e, 3, &lim);
    REQUIRE(r);
    EXPECT(r, ZIP_TOO_MANY_ENTRIES, true);
    CHECK_INT(r->file_count, 0); /* refused before listing */
    gw_course_report_free(r);
    free(zeros);
    free(m);
}

static void test_descriptor_location(void)
{
    char *m = scorm12("", "", "index.html", "index.html", "");
    struct zb_entry e[] = {{"GolfCourse/imsmanifest.xml", m, 0, 0},
                           {"GolfCourse/index.html", PAGE, 0, 0}};
    struct gw_course_report *r = run(e, 2, NULL);
    REQUIRE(r);
    EXPECT(r, MANIFEST_NOT_AT_ROOT, true);
    CHECK(r->finding_count >= 1 &&
          strstr(r->findings[0].message, "imsmanifest.xml is inside the folder 'GolfCourse/': "
                                         "zip the folder's contents, not the folder itself"));
    CHECK(r->standard == GW_STD_UNKNOWN);
    EXPECT(r, FILE_UNREFERENCED, false);
    gw_course_report_free(r);

    struct zb_entry c[] = {{"IMSManifest.xml", m, 0, 0}, {"index.html", PAGE, 0, 0}};
    r = run(c, 2, NULL);
    REQUIRE(r);
    EXPECT(r, DESCRIPTOR_NAME_CASE, true);
    gw_course_report_free(r);

    struct zb_entry none[] = {{"index.html", PAGE, 0, 0}};
    r = run(none, 1, NULL);
    REQUIRE(r);
    EXPECT(r, PACKAGE_NO_DESCRIPTOR, true);
    gw_course_report_free(r);
    free(m);
}

/* ---- XML safety ---- */

static void test_xml_attacks(void)
{
    const char *xxe = "<?xml version=\"1.0\"?>\n<!DOCTYPE manifest [ <!ENTITY xxe SYSTEM "
                      "\"file:///etc/passwd\"> ]>\n<manifest>&xxe;</manifest>";
    struct gw_course_report *r = run_manifest(xxe, "index.html");
    REQUIRE(r);
    EXPECT(r, XML_DTD_ENTITY, true);
    CHECK(r->finding_count > 0 && r->findings[0].line == 2);
    gw_course_report_free(r);

    const char *lol = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n"
                      "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
                      "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
                      "]>\n<manifest>&lol3;</manifest>";
    r = run_manifest(lol, "index.html");
    REQUIRE(r);
    EXPECT(r, XML_DTD_ENTITY, true);
    gw_course_report_free(r);

    /* a parameter entity reaching out for a DTD */
    const char *pe = "<?xml version=\"1.0\"?>\n<!DOCTYPE m [<!ENTITY % ext SYSTEM "
                     "\"http://127.0.0.1:9/x.dtd\"> %ext;]>\n<manifest/>";
    r = run_manifest(pe, "index.html");
    REQUIRE(r);
    EXPECT(r, XML_DTD_ENTITY, true);
    gw_course_report_free(r);

    /* a DOCTYPE without entities is ignored with a warning */
    char *m = scorm12("", "", "index.html", "index.html", "");
    char *withdt = malloc(strlen(m) + 64);
    const char *after = strstr(m, "?>") + 2;
    sprintf(withdt, "<?xml version=\"1.0\"?><!DOCTYPE manifest>%s", after);
    r = run_manifest(withdt, "index.html");
    REQUIRE(r);
    EXPECT(r, XML_DOCTYPE, true);
    CHECK(gw_course_report_valid(r));
    gw_course_report_free(r);
    free(withdt);

    /* truncated: not well-formed, with a line number */
    m[strlen(m) / 2] = '\0';
    r = run_manifest(m, "index.html");
    REQUIRE(r);
    EXPECT(r, XML_MALFORMED, true);
    CHECK(r->finding_count > 0 && r->findings[0].line > 0);
    CHECK_INT(r->standard, GW_STD_UNKNOWN);
    gw_course_report_free(r);
    free(m);

    /* nesting beyond the limit */
    char deep[4096] = "<manifest>";
    for (int i = 0; i < 150; i++)
        strcat(deep, "<a>");
    for (int i = 0; i < 150; i++)
        strcat(deep, "</a>");
    strcat(deep, "</manifest>");
    r = run_manifest(deep, "index.html");
    REQUIRE(r);
    EXPECT(r, XML_TOO_DEEP, true);
    gw_course_report_free(r);

    struct gw_course_limits lim;
    gw_course_limits_default(&lim);
    lim.max_descriptor_bytes = 100;
    m = scorm12("", "", "index.html", "index.html", "");
    struct zb_entry e[] = {{"imsmanifest.xml", m, 0, 0}, {"index.html", PAGE, 0, 0}};
    r = run(e, 2, &lim);
    REQUIRE(r);
    EXPECT(r, XML_TOO_LARGE, true);
    gw_course_report_free(r);
    free(m);
}

/* ---- hrefs ---- */

static void test_uri_resolve(void)
{
    struct {
        const char *base, *ref, *want;
    } t[] = {
        {"", "a.html", "a.html"},
        {"shared/", "launch.html", "shared/launch.html"},
        {"shared", "launch.html", "launch.html"},
        {"a/b/", "../c.html", "a/c.html"},
        {"a/", "../../c.html", "../c.html"},
        {"a/", "./b/./c.html?x=1#f", "a/b/c.html?x=1#f"},
        {"resources/", "common/x.js", "resources/common/x.js"},
        {"http://cdn.example/c/", "x.html", "http://cdn.example/c/x.html"},
        {"http://cdn.example/c/", "../y.html", "http://cdn.example/y.html"},
        {"http://cdn.example/c/", "/z.html", "http://cdn.example/z.html"},
        {"shared/", "https://other.example/a", "https://other.example/a"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char *got = gw_course_uri_resolve(t[i].base, t[i].ref);
        CHECK_STR(got, t[i].want);
        free(got);
    }
}

static void test_xml_base(void)
{
    /* manifest, resources and resource bases chain as RFC 3986 says */
    const char *res = "<resources xml:base=\"content/\"><resource identifier=\"r1\" "
                      "type=\"webcontent\" adlcp:scormType=\"sco\" xml:base=\"lesson/\" "
                      "href=\"index.html\"><file href=\"index.html\"/><file "
                      "href=\"../shared.css\"/></resource></resources>";
    char *m = scorm2004("2004 4th Edition", ORGS_2004, res);
    struct zb_entry e[] = {{"imsmanifest.xml", m, 0, 0},
                           {"content/lesson/index.html", PAGE, 0, 0},
                           {"content/shared.css", "p{}", 0, 0}};
    struct gw_course_report *r = run(e, 3, NULL);
    REQUIRE(r);
    CHECK(gw_course_report_valid(r));
    CHECK_STR(r->edition, "4th");
    REQUIRE(r->item_count == 1);
    CHECK_STR(r->items[0].launch_url, "content/lesson/index.html");
    EXPECT(r, FILE_UNREFERENCED, false);
    gw_course_report_free(r);
    free(m);

    /* no trailing slash: flagged, and the RFC resolution misses the file */
    res = "<resources><resource identifier=\"r1\" type=\"webcontent\" adlcp:scormType=\"sco\" "
          "xml:base=\"lesson\" href=\"index.html\"/></resources>";
    m = scorm2004("2004 4th Edition", ORGS_2004, res);
    struct zb_entry e2[] = {{"imsmanifest.xml", m, 0, 0}, {"lesson/index.html", PAGE, 0, 0}};
    r = run(e2, 2, NULL);
    REQUIRE(r);
    EXPECT(r, XML_BASE_INVALID, true);
    EXPECT(r, LAUNCH_FILE_MISSING, true);
    gw_course_report_free(r);
    free(m);

    /* a base that climbs out of the package */
    res = "<resources xml:base=\"../\"><resource identifier=\"r1\" type=\"webcontent\" "
          "adlcp:scormType=\"sco\" href=\"index.html\"/></resources>";
    m = scorm2004("2004 4th Edition", ORGS_2004, res);
    r = run_manifest(m, "index.html");
    REQUIRE(r);
    EXPECT(r, HREF_OUTSIDE_PACKAGE, true);
    gw_course_report_free(r);
    free(m);
}

static void test_href_rules(void)
{
    struct {
        const char *href;
        enum gw_finding_code code;
        bool valid;
    } t[] = {
        {"Index.html", GW_F_HREF_CASE_MISMATCH, false},
        {"sub\\index.html", GW_F_HREF_BACKSLASH, false},
        {"/index.html", GW_F_HREF_ABSOLUTE, false},
        {"C:\\course\\index.html", GW_F_HREF_BACKSLASH, false},
        {"file:///C:/course/index.html", GW_F_HREF_FILE_SCHEME, false},
        {"../index.html", GW_F_HREF_OUTSIDE_PACKAGE, false},
        {"missing.html", GW_F_LAUNCH_FILE_MISSING, false},
        {"https://cdn.example/index.html", GW_F_HREF_EXTERNAL, true},
        {"index.html?lesson=2", GW_F_FINDINGS_TRUNCATED, true},
        {"my%20page.html", GW_F_FINDINGS_TRUNCATED, true},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char *m = scorm12("", "", t[i].href, "index.html", "");
        struct zb_entry e[] = {{"imsmanifest.xml", m, 0, 0},
                               {"index.html", PAGE, 0, 0},
                               {"sub/index.html", PAGE, 0, 0},
                               {"my page.html", PAGE, 0, 0}};
        struct gw_course_report *r = run(e, 4, NULL);
        REQUIRE(r);
        if (t[i].code != GW_F_FINDINGS_TRUNCATED && !gw_course_report_has(r, t[i].code)) {
            fprintf(stderr, "  href %s: expected %s\n", t[i].href,
                    gw_course_finding_info(t[i].code)->name);
            dump(r);
            CHECK(false);
        }
        if (gw_course_report_valid(r) != t[i].valid) {
            fprintf(stderr, "  href %s: validity\n", t[i].href);
            dump(r);
            CHECK(false);
        }
        gw_course_report_free(r);
        free(m);
    }
    /* a missing <file> and a missing metadata file */
    char *m = scorm12("", "", "index.html", "gone.css",
                      "<resource identifier=\"r2\" type=\"webcontent\" adlcp:scormtype=\"asset\">"
                      "<metadata><adlcp:location>meta/lom.xml</adlcp:location></metadata>"
                      "</resource>");
    struct gw_course_report *r = run_manifest(m, "index.html");
    REQUIRE(r);
    EXPECT(r, FILE_MISSING, true);
    EXPECT(r, METADATA_FILE_MISSING, true);
    EXPECT(r, RESOURCE_UNREFERENCED, true);
    gw_course_report_free(r);
    free(m);
}

/* ---- rule cases as files ---- */

/* Every directory under tests/course/cases is one package: its files (all but
 * expected.json) zipped in name order, and expected.json saying what the
 * report must show:
 *   {"about": "what the case is",
 *    "finding": "CODE"     the report has this finding (optional),
 *    "valid": true|false   the package's verdict (optional),
 *    "warnings": N         the number of warnings (optional),
 *    "standard": "tincan"  the standard detected (optional)} */
static int rule_cases_run;

static bool case_check(const char *name, bool ok, const char *what)
{
    if (!ok)
        fprintf(stderr, "  FAIL case %s: %s\n", name, what);
    return ok;
}

static void run_rule_case(const char *dir, const char *name)
{
    char path[1400];
    snprintf(path, sizeof path, "%s/%s/expected.json", dir, name);
    json_error_t je;
    json_t *want = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!want) {
        fprintf(stderr, "  FAIL case %s: expected.json: %s\n", name, je.text);
        gwt_case_failed = 1;
        return;
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct dirent **files = NULL;
    int n = scandir(path, &files, NULL, alphasort);
    struct zb_entry e[16];
    size_t ne = 0;
    for (int i = 0; i < n; i++) {
        const char *f = files[i]->d_name;
        if (f[0] != '.' && strcmp(f, "expected.json") != 0 && ne < 16) {
            char fp[1700];
            snprintf(fp, sizeof fp, "%s/%s", path, f);
            size_t len = 0;
            char *data = gwt_slurp(fp, &len);
            e[ne++] = (struct zb_entry){strdup(f), data ? data : strdup(""), len, 0};
        }
        free(files[i]);
    }
    free(files);
    struct gw_course_report *r = ne ? run(e, ne, NULL) : NULL;
    bool ok = case_check(name, r != NULL, "no report");
    const char *finding = json_string_value(json_object_get(want, "finding"));
    enum gw_finding_code code;
    if (r && finding)
        ok &= case_check(name,
                         gw_course_finding_by_name(finding, &code) && gw_course_report_has(r, code),
                         finding);
    json_t *valid = json_object_get(want, "valid");
    if (r && valid)
        ok &= case_check(name, gw_course_report_valid(r) == json_is_true(valid), "validity");
    json_t *warnings = json_object_get(want, "warnings");
    if (r && warnings)
        ok &=
            case_check(name, (json_int_t)r->counts[GW_SEV_WARNING] == json_integer_value(warnings),
                       "warnings");
    const char *standard = json_string_value(json_object_get(want, "standard"));
    const char *got = r ? gw_course_standard_name(r->standard) : NULL;
    if (r && standard)
        ok &= case_check(name, got && strcmp(got, standard) == 0, "standard");
    if (!ok) {
        dump(r);
        gwt_case_failed = 1;
    }
    rule_cases_run++;
    gw_course_report_free(r);
    for (size_t i = 0; i < ne; i++) {
        free((char *)e[i].name);
        free((char *)e[i].data);
    }
    json_decref(want);
}

static int is_case_dir(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

static void test_rule_cases(void)
{
    const char *src = getenv("GW_SOURCE_DIR");
    REQUIRE(src);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/course/cases", src);
    struct dirent **cases = NULL;
    int n = scandir(dir, &cases, is_case_dir, alphasort);
    REQUIRE(n > 0);
    for (int i = 0; i < n; i++) {
        run_rule_case(dir, cases[i]->d_name);
        free(cases[i]);
    }
    free(cases);
    fprintf(stderr, "  %d rule cases\n", rule_cases_run);
    CHECK(rule_cases_run >= 32);
}

/* ---- SCORM versions ---- */

static void test_scorm_versions(void)
{
    struct {
        const char *version, *edition;
        enum gw_finding_code code; /* FINDINGS_TRUNCATED: none expected */
    } t[] = {
        {"CAM 1.3", "2nd", GW_F_FINDINGS_TRUNCATED},
        {"2004 3rd Edition", "3rd", GW_F_FINDINGS_TRUNCATED},
        {"2004 4th Edition", "4th", GW_F_FINDINGS_TRUNCATED},
        {"1.2", NULL, GW_F_SCHEMAVERSION_NAMESPACE_MISMATCH},
        {"2004 5th Edition", NULL, GW_F_SCHEMAVERSION_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char *m = scorm2004(t[i].version, ORGS_2004, RES_2004);
        struct gw_course_report *r = run_manifest(m, "index.html");
        REQUIRE(r);
        CHECK_INT(r->standard, GW_STD_SCORM2004);
        if (t[i].edition)
            CHECK_STR(r->edition, t[i].edition);
        if (t[i].code == GW_F_FINDINGS_TRUNCATED) {
            CHECK(gw_course_report_valid(r));
            CHECK_INT(r->counts[GW_SEV_WARNING], 0);
            if (r->counts[GW_SEV_WARNING] || !gw_course_report_valid(r))
                dump(r);
        } else {
            CHECK(gw_course_report_has(r, t[i].code));
        }
        gw_course_report_free(r);
        free(m);
    }
    /* SCORM 1.2: mastery score range and no sequencing */
    char *m =
        scorm12("<adlcp:masteryscore>150</adlcp:masteryscore>", "", "index.html", "index.html", "");
    struct gw_course_report *r = run_manifest(m, "index.html");
    REQUIRE(r);
    EXPECT(r, MASTERY_SCORE_INVALID, true);
    gw_course_report_free(r);
    free(m);
    m = scorm12("<adlcp:masteryscore>80</adlcp:masteryscore>"
                "<imsss:sequencing xmlns:imsss=\"http://www.imsglobal.org/xsd/imsss\"/>",
                "", "index.html", "index.html", "");
    r = run_manifest(m, "index.html");
    REQUIRE(r);
    EXPECT(r, SEQUENCING_IN_SCORM12, true);
    CHECK(r->item_count == 1 && r->items[0].has_mastery && r->items[0].mastery_score == 80);
    gw_course_report_free(r);
    free(m);
    /* 1.2 spelling of scormtype in a 2004 manifest */
    m = scorm2004("2004 4th Edition", ORGS_2004,
                  "<resources><resource identifier=\"r1\" type=\"webcontent\" "
                  "adlcp:scormtype=\"sco\" href=\"index.html\"/></resources>");
    r = run_manifest(m, "index.html");
    REQUIRE(r);
    EXPECT(r, SCORMTYPE_MISSING, true);
    gw_course_report_free(r);
    free(m);
}

/* ---- cmi5 ---- */

static char *cmi5(const char *course_id, const char *au_attrs, const char *au_id, const char *url,
                  const char *extra)
{
    char *s = malloc(8192);
    snprintf(s, 8192,
             "<?xml version=\"1.0\"?>\n<courseStructure "
             "xmlns=\"https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd\">\n"
             "<course id=\"%s\"><title><langstring lang=\"en\">C</langstring></title>"
             "<description><langstring lang=\"en\">D</langstring></description></course>\n"
             "<objectives><objective id=\"https://x.example/o1\"><title><langstring>O"
             "</langstring></title><description><langstring>O</langstring></description>"
             "</objective></objectives>\n"
             "<au id=\"%s\" %s><title><langstring>A</langstring></title><description>"
             "<langstring>A</langstring></description><url>%s</url></au>\n%s"
             "</courseStructure>\n",
             course_id, au_id, au_attrs, url, extra);
    return s;
}

static struct gw_course_report *run_cmi5(const char *xml)
{
    struct zb_entry e[] = {{"cmi5.xml", xml, 0, 0}, {"index.html", PAGE, 0, 0}};
    return run(e, 2, NULL);
}

static void test_cmi5_rules(void)
{
    const char *C = "https://lmsgw.example/c", *A = "https://lmsgw.example/au1";
    char *x = cmi5(C, "moveOn=\"Passed\" masteryScore=\"0.75\" launchMethod=\"OwnWindow\"", A,
                   "index.html?lang=en", "");
    struct gw_course_report *r = run_cmi5(x);
    REQUIRE(r);
    CHECK(gw_course_report_valid(r));
    CHECK_INT(r->counts[GW_SEV_WARNING], 0);
    CHECK_STR(r->identifier, C);
    CHECK_STR(r->title, "C");
    REQUIRE(r->item_count == 1);
    CHECK_STR(r->items[0].launch_url, "index.html?lang=en");
    CHECK_STR(r->items[0].move_on, "Passed");
    CHECK_STR(r->items[0].launch_method, "OwnWindow");
    CHECK(r->items[0].has_mastery && r->items[0].mastery_score == 0.75);
    CHECK_INT(r->activity_id_count, 2);
    gw_course_report_free(r);
    free(x);

    /* the rules one manifest each: cases/cmi5-* */
    /* the pre-1.0 namespace */
    r = run_cmi5("<courseStructure xmlns=\"http://www.adlnet.gov/cmi5/CourseStructure.xsd\"/>");
    REQUIRE(r);
    EXPECT(r, CMI5_NAMESPACE, true);
    gw_course_report_free(r);

    /* a standalone cmi5.xml with an absolute url needs no zip */
    x = cmi5(C, "", A, "https://cdn.lmsgw.example/au1/index.html", "");
    struct gw_course_report *s = NULL;
    REQUIRE(gw_course_validate_descriptor("cmi5.xml", x, strlen(x), NULL, NULL, &s, NULL) == GW_OK);
    CHECK(gw_course_report_valid(s));
    gw_course_report_free(s);
    free(x);
}

/* Large descriptors stay correct (and are handled with sorted indexes, not
 * pairwise scans): CATAPULT requires accepting a 1000-AU course. */
static void test_large_descriptors(void)
{
    enum { N = 3000 };
    struct gw_buf x = {0};
    gw_buf_puts(&x, "<courseStructure xmlns=\"https://w3id.org/xapi/profiles/cmi5/v1/"
                    "CourseStructure.xsd\"><course id=\"https://lmsgw.example/big\"><title>"
                    "<langstring>Big</langstring></title><description><langstring>Big"
                    "</langstring></description></course>");
    for (int i = 0; i < N; i++)
        gw_buf_printf(&x,
                      "<au id=\"https://lmsgw.example/big/au/%d\"><title><langstring>A%d"
                      "</langstring></title><description><langstring>A</langstring>"
                      "</description><url>index.html?n=%d</url></au>",
                      i, i, i);
    gw_buf_puts(&x, "</courseStructure>");
    struct gw_course_report *r = run_cmi5(gw_buf_str(&x));
    REQUIRE(r);
    CHECK(gw_course_report_valid(r));
    CHECK_INT(r->item_count, N);
    CHECK_INT(r->activity_id_count, N + 1);
    gw_course_report_free(r);
    /* one duplicate among thousands is still found, at its own line */
    gw_buf_reset(&x);
    gw_buf_puts(&x, "<courseStructure xmlns=\"https://w3id.org/xapi/profiles/cmi5/v1/"
                    "CourseStructure.xsd\">\n<course id=\"https://lmsgw.example/big\"><title>"
                    "<langstring>Big</langstring></title><description><langstring>Big"
                    "</langstring></description></course>\n");
    for (int i = 0; i < N; i++)
        gw_buf_printf(&x,
                      "<au id=\"https://lmsgw.example/big/au/%d\"><title><langstring>A"
                      "</langstring></title><description><langstring>A</langstring>"
                      "</description><url>index.html</url></au>\n",
                      i == N - 1 ? 7 : i);
    gw_buf_puts(&x, "</courseStructure>");
    r = run_cmi5(gw_buf_str(&x));
    REQUIRE(r);
    EXPECT(r, CMI5_ID_DUPLICATE, true);
    CHECK_INT(r->counts[GW_SEV_ERROR], 1);
    CHECK(r->finding_count > 0 && r->findings[0].line == N + 2);
    CHECK_INT(r->activity_id_count, N); /* ids are listed once */
    gw_course_report_free(r);

    /* SCORM 2004 with thousands of items and resources, last one broken */
    gw_buf_reset(&x);
    gw_buf_puts(&x,
                "<manifest identifier=\"big\" xmlns=\"http://www.imsglobal.org/xsd/imscp_v1p1\" "
                "xmlns:adlcp=\"http://www.adlnet.org/xsd/adlcp_v1p3\"><metadata><schema>ADL "
                "SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>"
                "<organizations default=\"o\"><organization identifier=\"o\"><title>B"
                "</title>");
    for (int i = 0; i < N; i++)
        gw_buf_printf(&x,
                      "<item identifier=\"i%d\" identifierref=\"r%d\"><title>L</title>"
                      "</item>",
                      i, i == N - 1 ? -1 : i);
    gw_buf_puts(&x, "</organization></organizations><resources>");
    for (int i = 0; i < N; i++)
        gw_buf_printf(&x,
                      "<resource identifier=\"r%d\" type=\"webcontent\" "
                      "adlcp:scormType=\"sco\" href=\"index.html?p=%d\"/>",
                      i, i);
    gw_buf_puts(&x, "</resources></manifest>");
    r = run_manifest(gw_buf_str(&x), "index.html");
    REQUIRE(r);
    EXPECT(r, IDENTIFIERREF_UNRESOLVED, true);
    CHECK_INT(r->counts[GW_SEV_ERROR], 1);
    CHECK_INT(r->item_count, N);
    CHECK_STR(r->items[5].launch_url, "index.html?p=5");
    gw_course_report_free(r);
    gw_buf_free(&x);

    /* tincan: a repeated activity id is a warning */
    const char *t = "<tincan xmlns=\"http://projecttincan.com/tincan.xsd\"><activities>"
                    "<activity id=\"https://lmsgw.example/t\"><name>T</name><launch>index.html"
                    "</launch></activity><activity id=\"https://lmsgw.example/m\"><name>M</name>"
                    "</activity><activity id=\"https://lmsgw.example/t\"><name>T</name>"
                    "</activity></activities></tincan>";
    struct zb_entry e[] = {{"tincan.xml", t, 0, 0}, {"index.html", PAGE, 0, 0}};
    r = run(e, 2, NULL);
    REQUIRE(r);
    EXPECT(r, TINCAN_ID_DUPLICATE, true);
    CHECK(gw_course_report_valid(r));
    CHECK_INT(r->activity_id_count, 2);
    gw_course_report_free(r);
}

/* ---- content ---- */

static void test_flash_and_accessibility(void)
{
    char *m = scorm12("", "", "index.html", "index.html", "");
    const char *bad = "<html><head></head><body><img src=\"a.png\"><form><input type=\"text\" "
                      "name=\"q\"><input type=\"hidden\" name=\"h\"><label for=\"ok\">OK</label>"
                      "<input id=\"ok\"><textarea></textarea></form><object "
                      "type=\"application/x-shockwave-flash\" data=\"movie.swf\"></object>"
                      "</body></html>";
    struct zb_entry e[] = {{"imsmanifest.xml", m, 0, 0},
                           {"index.html", bad, 0, 0},
                           {"movie.swf", "FWS", 0, 0},
                           {"notes.txt", "x", 0, 0}};
    struct gw_course_report *r = run(e, 4, NULL);
    REQUIRE(r);
    EXPECT(r, FLASH_FILE, true);
    EXPECT(r, FLASH_LAUNCH_PAGE, true);
    EXPECT(r, HTML_LANG_MISSING, true);
    EXPECT(r, HTML_TITLE_MISSING, true);
    EXPECT(r, HTML_IMG_ALT_MISSING, true);
    EXPECT(r, HTML_CONTROL_LABEL_MISSING, true);
    EXPECT(r, FILE_UNREFERENCED, true);
    for (size_t i = 0; i < r->finding_count; i++) {
        if (r->findings[i].code == GW_F_HTML_CONTROL_LABEL_MISSING)
            CHECK(strstr(r->findings[i].message, "2 form controls") != NULL);
        if (r->findings[i].code == GW_F_HTML_IMG_ALT_MISSING)
            CHECK_STR(r->findings[i].file, "index.html");
    }
    gw_course_report_free(r);

    const char *good = "<!DOCTYPE html><html lang=\"en\"><head><title>L</title></head><body>"
                       "<img src=\"a.png\" alt=\"\"><label>Name <input name=\"n\"></label>"
                       "<input aria-label=\"Search\"><input type=\"image\" src=\"go.png\" "
                       "alt=\"Go\"><select title=\"Pick\"></select></body></html>";
    struct zb_entry g[] = {{"imsmanifest.xml", m, 0, 0}, {"index.html", good, 0, 0}};
    r = run(g, 2, NULL);
    REQUIRE(r);
    CHECK_INT(r->finding_count, 0);
    dump(r);
    gw_course_report_free(r);
    free(m);
}

/* ---- registry ---- */

static void test_finding_registry(void)
{
    for (int i = 0; i < GW_F_COUNT_; i++) {
        const struct gw_finding_info *f = gw_course_finding_info((enum gw_finding_code)i);
        CHECK_INT(f->code, i);
        CHECK(strlen(f->description) > 10);
        enum gw_finding_code back;
        CHECK(gw_course_finding_by_name(f->name, &back) && back == f->code);
    }
    const char *src = getenv("GW_SOURCE_DIR");
    REQUIRE(src);
    char path[1024];
    snprintf(path, sizeof path, "%s/schemas/finding-codes.json", src);
    json_error_t je;
    json_t *file = json_load_file(path, 0, &je);
    REQUIRE(file);
    json_t *gen = gw_course_findings_registry_json();
    CHECK(json_equal(file, gen));
    if (!json_equal(file, gen))
        fprintf(stderr, "  schemas/finding-codes.json is stale: run "
                        "'./build/lmsgw validate --finding-codes > schemas/finding-codes.json'\n");
    json_decref(file);
    json_decref(gen);
}

static void test_not_a_zip(void)
{
    struct gw_course_report *r = NULL;
    struct gw_error err;
    CHECK_INT(gw_course_validate_buffer("PK\x03\x04garbage", 11, NULL, &r, &err),
              GW_E_PACKAGE_UNREADABLE);
    CHECK(r == NULL);
    CHECK_INT(err.code, GW_E_PACKAGE_UNREADABLE);
}

int main(void)
{
    GW_RUN(test_valid_minimal);
    GW_RUN(test_zip_slip_and_absolute);
    GW_RUN(test_symlink_encrypted);
    GW_RUN(test_duplicates_backslashes);
    GW_RUN(test_corrupt_entry);
    GW_RUN(test_bomb_and_limits);
    GW_RUN(test_descriptor_location);
    GW_RUN(test_xml_attacks);
    GW_RUN(test_uri_resolve);
    GW_RUN(test_xml_base);
    GW_RUN(test_href_rules);
    GW_RUN(test_rule_cases);
    GW_RUN(test_scorm_versions);
    GW_RUN(test_cmi5_rules);
    GW_RUN(test_large_descriptors);
    GW_RUN(test_flash_and_accessibility);
    GW_RUN(test_finding_registry);
    GW_RUN(test_not_a_zip);
    zb_cleanup();
    return gw_test_summary();
}
