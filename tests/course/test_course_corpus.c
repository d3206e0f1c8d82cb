/* The corpus test: every package in $GW_SHARED_DIR/corpus/packages/ is
 * validated and compared with expected.csv. Each valid/invalid verdict must
 * match; each invalid package must carry the finding that corresponds to the
 * reason the CSV gives (the table below maps reasons to finding codes); each
 * valid package must be detected as the standard and edition the CSV names.
 * The two "unknown" verdicts are policy: we refuse them, with the codes the
 * policy table names. */
#include "gw/buf.h"
#include "gw/course.h"
#include "gwtest.h"
#include "testsupport.h"

#include <stdlib.h>
#include <string.h>

/* Reason text (a distinctive phrase of expected.csv's reason_if_invalid) to
 * the finding code that must be present. More specific phrases first. */
static const struct {
    const char *phrase;
    const char *code;
} reason_map[] = {
    {"none of which are in the package", "FILE_MISSING"},
    {"is not an absolute IRI", "CMI5_ID_NOT_IRI"},
    {"is relative but no such file is in the zip", "LAUNCH_FILE_MISSING"},
    {"a cmi5 launch parameter name", "CMI5_URL_LAUNCH_PARAMETER"},
    {"elements share the id", "CMI5_ID_DUPLICATE"},
    {"out of order", "CMI5_STRUCTURE_INVALID"},
    {"zip holds only index.html", "PACKAGE_NO_DESCRIPTOR"},
    {"it is at course/cmi5.xml", "MANIFEST_NOT_AT_ROOT"},
    {"the only manifest is badscorm/imsmanifest.xml", "MANIFEST_NOT_AT_ROOT"},
    {"it is at GolfCourse/imsmanifest.xml", "MANIFEST_NOT_AT_ROOT"},
    {"not well-formed", "XML_MALFORMED"},
    {"not in the CourseStructure.xsd enumeration", "CMI5_MOVEON_INVALID"},
    {"zip entry names use backslashes", "ZIP_ENTRY_BACKSLASH"},
    {"ZipCrypto-encrypted", "ZIP_ENTRY_ENCRYPTED"},
    {"the only SCO launch file) is not in the zip", "LAUNCH_FILE_MISSING"},
    {"is a Unix symlink", "ZIP_ENTRY_SYMLINK"},
    {"begins with a slash", "HREF_ABSOLUTE"},
    {"but the root <manifest> is in the SCORM 1.2 namespace", "SCHEMAVERSION_NAMESPACE_MISMATCH"},
    {"xs:ID must be unique", "IDENTIFIER_DUPLICATE"},
    {"matches no resource", "IDENTIFIERREF_UNRESOLVED"},
    {"has no adlcp:scormType", "SCORMTYPE_MISSING"},
    {"declares an external entity", "XML_DTD_ENTITY"},
    {"(zip slip)", "ZIP_ENTRY_TRAVERSAL"},
    {"<launch>index.html</launch> but index.html is not in the zip", "LAUNCH_FILE_MISSING"},
    {"decompression bomb", "ZIP_COMPRESSION_RATIO"},
    {"(pre-1.0 draft)", "CMI5_NAMESPACE"},
};

/* Our policy for the packages expected.csv leaves "unknown". */
static const struct {
    const char *file;
    const char *code;
} unknown_policy[] = {
    {"moodle-singlescobasic_missingorg.zip", "ORGANIZATION_MISSING"},
    {"moodle-validaicc.zip", "AICC_NOT_SUPPORTED"},
};

/* Splits one CSV record (RFC 4180 quoting) into at most max fields; returns
 * the count. Fields are new strings. */
static size_t csv_fields(const char **p, char **out, size_t max)
{
    size_t n = 0;
    const char *s = *p;
    while (*s) {
        struct gw_buf f = {0};
        if (*s == '"') {
            s++;
            while (*s) {
                if (*s == '"' && s[1] == '"') {
                    gw_buf_append(&f, "\"", 1);
                    s += 2;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    gw_buf_append(&f, s++, 1);
                }
            }
        }
        while (*s && *s != ',' && *s != '\n' && *s != '\r')
            gw_buf_append(&f, s++, 1);
        if (n < max)
            out[n++] = gw_xstrdup(gw_buf_str(&f));
        gw_buf_free(&f);
        if (*s == ',') {
            s++;
            continue;
        }
        while (*s == '\r' || *s == '\n')
            s++;
        break;
    }
    *p = s;
    return n;
}

static bool has_code(const struct gw_course_report *r, const char *name)
{
    enum gw_finding_code code;
    return gw_course_finding_by_name(name, &code) && gw_course_report_has(r, code);
}

static void print_findings(const struct gw_course_report *r)
{
    for (size_t i = 0; i < r->finding_count; i++)
        fprintf(stderr, "    %s %s %s:%u %s\n", gw_severity_name(r->findings[i].severity),
                gw_course_finding_info(r->findings[i].code)->name,
                r->findings[i].file ? r->findings[i].file : "-", r->findings[i].line,
                r->findings[i].message);
}

static void check_standard(const char *file, const char *expected, const struct gw_course_report *r)
{
    const char *std = gw_course_standard_name(r->standard);
    char got[64];
    snprintf(got, sizeof got, "%s%s%s", std ? std : "none", r->edition ? "-" : "",
             r->edition ? r->edition : "");
    if (strcmp(got, expected) != 0) {
        fprintf(stderr, "  %s: detected %s, expected %s\n", file, got, expected);
        CHECK(false);
    }
}

static void test_corpus(void)
{
    NEED_SHARED("corpus/packages/expected.csv");
    const char *shared = getenv("GW_SHARED_DIR");
    char dir[1024], path[2048];
    snprintf(dir, sizeof dir, "%s/corpus/packages", shared);
    snprintf(path, sizeof path, "%s/expected.csv", dir);
    char *csv = gwt_slurp(path, NULL);
    REQUIRE(csv);
    const char *p = csv;
    char *f[8];
    size_t n = csv_fields(&p, f, 8); /* header */
    for (size_t i = 0; i < n; i++)
        free(f[i]);
    size_t rows = 0, valid = 0, invalid = 0;
    while (*p) {
        n = csv_fields(&p, f, 8);
        if (n < 4) {
            for (size_t i = 0; i < n; i++)
                free(f[i]);
            continue;
        }
        rows++;
        const char *file = f[0], *standard = f[1], *expected = f[2], *reason = f[3];
        snprintf(path, sizeof path, "%s/%s", dir, file);
        struct gw_course_report *r = NULL;
        struct gw_error err;
        enum gw_err rc = gw_course_validate_file(path, NULL, &r, &err);
        CHECK_INT(rc, GW_OK);
        if (rc != GW_OK || !r) {
            fprintf(stderr, "  %s: %s\n", file, err.detail);
            goto next;
        }
        bool ok = gw_course_report_valid(r);
        if (strcmp(expected, "valid") == 0) {
            valid++;
            if (!ok) {
                fprintf(stderr, "  %s: expected valid, got invalid\n", file);
                print_findings(r);
            }
            CHECK(ok);
            check_standard(file, standard, r);
        } else if (strcmp(expected, "invalid") == 0) {
            invalid++;
            CHECK(!ok);
            const char *code = NULL;
            for (size_t k = 0; k < sizeof reason_map / sizeof reason_map[0] && !code; k++) {
                if (strstr(reason, reason_map[k].phrase))
                    code = reason_map[k].code;
            }
            if (!code) {
                fprintf(stderr, "  %s: reason not in the mapping table: %s\n", file, reason);
                CHECK(false);
            } else if (!has_code(r, code)) {
                fprintf(stderr, "  %s: expected finding %s for \"%s\"\n", file, code, reason);
                print_findings(r);
                CHECK(false);
            }
        } else {
            const char *code = NULL;
            for (size_t k = 0; k < sizeof unknown_policy / sizeof unknown_policy[0]; k++) {
                if (strcmp(unknown_policy[k].file, file) == 0)
                    code = unknown_policy[k].code;
            }
            CHECK(code != NULL);
            CHECK(!ok);
            if (code && !has_code(r, code)) {
                fprintf(stderr, "  %s: policy expects %s\n", file, code);
                CHECK(false);
            }
        }
        /* the JSON form always exists and says the same */
        json_t *j = gw_course_report_to_json(r);
        CHECK(json_is_true(json_object_get(j, "valid")) == ok);
        CHECK_INT(json_array_size(json_object_get(j, "files")), r->file_count);
        json_decref(j);
    next:
        gw_course_report_free(r);
        for (size_t i = 0; i < n; i++)
            free(f[i]);
    }
    free(csv);
    fprintf(stderr, "  %zu packages: %zu valid, %zu invalid expected\n", rows, valid, invalid);
    CHECK_INT(rows, 51);
}

/* What later modules rely on, spot-checked on known packages. */
static void test_report_details(void)
{
    NEED_SHARED("corpus/packages");
    const char *shared = getenv("GW_SHARED_DIR");
    char path[2048];
    struct gw_course_report *r = NULL;

    snprintf(path, sizeof path, "%s/corpus/packages/catapult-001-essentials.zip", shared);
    REQUIRE(gw_course_validate_file(path, NULL, &r, NULL) == GW_OK);
    CHECK_INT(r->standard, GW_STD_CMI5);
    CHECK(r->identifier && strncmp(r->identifier, "https://", 8) == 0);
    size_t aus = 0;
    for (size_t i = 0; i < r->item_count; i++) {
        if (r->items[i].kind != GW_ITEM_AU)
            continue;
        aus++;
        CHECK(r->items[i].launchable);
        CHECK_STR(r->items[i].move_on, "CompletedAndPassed");
        CHECK(r->items[i].has_mastery && r->items[i].mastery_score > 0.89 &&
              r->items[i].mastery_score < 0.91);
        CHECK(r->items[i].launch_url && strstr(r->items[i].launch_url, "index.html?"));
    }
    CHECK(aus >= 1);
    CHECK(r->activity_id_count >= 2);
    gw_course_report_free(r);

    snprintf(path, sizeof path, "%s/corpus/packages/moodle-singlesco_scorm12.zip", shared);
    REQUIRE(gw_course_validate_file(path, NULL, &r, NULL) == GW_OK);
    CHECK_INT(r->standard, GW_STD_SCORM12);
    CHECK(r->title != NULL);
    CHECK(r->org_count == 1 && r->orgs[0].is_default);
    bool launch = false;
    for (size_t i = 0; i < r->item_count; i++)
        launch = launch || (r->items[i].launchable && r->items[i].launch_url &&
                            strcmp(r->items[i].launch_url, "shared/launchpage.html") == 0 &&
                            strcmp(r->items[i].scorm_type, "sco") == 0);
    CHECK(launch);
    CHECK(r->file_count > 10);
    uint64_t total = 0;
    for (size_t i = 0; i < r->file_count; i++)
        total += r->files[i].size;
    CHECK_INT(total, r->total_uncompressed);
    gw_course_report_free(r);

    /* xml:base="shared/" with href="launchpage.html" resolves into shared/ */
    snprintf(path, sizeof path, "%s/corpus/packages/mutant-scorm2004-xmlbase-valid.zip", shared);
    REQUIRE(gw_course_validate_file(path, NULL, &r, NULL) == GW_OK);
    launch = false;
    for (size_t i = 0; i < r->item_count; i++)
        launch = launch || (r->items[i].launch_url &&
                            strcmp(r->items[i].launch_url, "shared/launchpage.html") == 0);
    CHECK(launch);
    gw_course_report_free(r);

    snprintf(path, sizeof path, "%s/corpus/packages/tincan-golf-example.zip", shared);
    REQUIRE(gw_course_validate_file(path, NULL, &r, NULL) == GW_OK);
    CHECK_INT(r->standard, GW_STD_TINCAN);
    CHECK(r->identifier && strncmp(r->identifier, "http", 4) == 0);
    gw_course_report_free(r);

    /* not a zip at all: an error, not a report */
    snprintf(path, sizeof path, "%s/corpus/packages/expected.csv", shared);
    struct gw_error err;
    CHECK_INT(gw_course_validate_file(path, NULL, &r, &err), GW_E_PACKAGE_UNREADABLE);
    CHECK(r == NULL);
    CHECK_INT(gw_course_validate_file("/nonexistent/x.zip", NULL, &r, &err), GW_E_IO);
}

int main(void)
{
    GW_RUN(test_corpus);
    GW_RUN(test_report_details);
    return gw_test_summary();
}
