/* The report's shape, the CLI and the sample packages. Reports of real and
 * sample packages are checked against schemas/validation-report.schema.json
 * with a small JSON Schema checker (type, enum, required, properties,
 * additionalProperties, items, $ref to $defs, minimum, pattern: the subset
 * the schema uses); `lmsgw validate` is called as gw_cmd_validate with stdout
 * captured; packages/scorm12-sample and packages/cmi5-sample must validate
 * with no errors and no warnings. */
#include "gw/buf.h"
#include "gw/course.h"
#include "gwtest.h"

#include <fcntl.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static json_t *schema_root;

static bool type_ok(const json_t *v, const char *t)
{
    if (strcmp(t, "string") == 0)
        return json_is_string(v);
    if (strcmp(t, "integer") == 0)
        return json_is_integer(v);
    if (strcmp(t, "number") == 0)
        return json_is_number(v);
    if (strcmp(t, "boolean") == 0)
        return json_is_boolean(v);
    if (strcmp(t, "null") == 0)
        return json_is_null(v);
    if (strcmp(t, "object") == 0)
        return json_is_object(v);
    if (strcmp(t, "array") == 0)
        return json_is_array(v);
    return false;
}

/* Returns true when v conforms; prints the first violation with its pointer. */
static bool conforms(const json_t *v, const json_t *s, const char *ptr)
{
    const json_t *ref = json_object_get(s, "$ref");
    if (ref) {
        const char *r = json_string_value(ref);
        if (strncmp(r, "#/$defs/", 8) != 0)
            return false;
        s = json_object_get(json_object_get(schema_root, "$defs"), r + 8);
        if (!s)
            return false;
    }
    const json_t *type = json_object_get(s, "type");
    if (type) {
        bool ok = false;
        if (json_is_string(type)) {
            ok = type_ok(v, json_string_value(type));
        } else {
            size_t i;
            const json_t *t;
            json_array_foreach(type, i, t) ok = ok || type_ok(v, json_string_value(t));
        }
        if (!ok) {
            fprintf(stderr, "  %s: wrong type\n", ptr);
            return false;
        }
    }
    const json_t *en = json_object_get(s, "enum");
    if (en) {
        bool ok = false;
        size_t i;
        const json_t *e;
        json_array_foreach(en, i, e) ok = ok || json_equal(e, v);
        if (!ok) {
            fprintf(stderr, "  %s: not in enum\n", ptr);
            return false;
        }
    }
    const json_t *min = json_object_get(s, "minimum");
    if (min && json_is_number(v) && json_number_value(v) < json_number_value(min)) {
        fprintf(stderr, "  %s: below minimum\n", ptr);
        return false;
    }
    const json_t *pat = json_object_get(s, "pattern");
    if (pat && json_is_string(v)) {
        regex_t re;
        if (regcomp(&re, json_string_value(pat), REG_EXTENDED | REG_NOSUB) != 0)
            return false;
        bool ok = regexec(&re, json_string_value(v), 0, NULL, 0) == 0;
        regfree(&re);
        if (!ok) {
            fprintf(stderr, "  %s: does not match %s\n", ptr, json_string_value(pat));
            return false;
        }
    }
    if (json_is_object(v)) {
        const json_t *props = json_object_get(s, "properties");
        size_t i;
        const json_t *req;
        json_array_foreach(json_object_get(s, "required"), i, req)
        {
            if (!json_object_get(v, json_string_value(req))) {
                fprintf(stderr, "  %s: missing %s\n", ptr, json_string_value(req));
                return false;
            }
        }
        const char *key;
        const json_t *val;
        json_object_foreach((json_t *)v, key, val)
        {
            char sub[512];
            snprintf(sub, sizeof sub, "%s/%s", ptr, key);
            const json_t *ps = props ? json_object_get(props, key) : NULL;
            if (!ps) {
                if (json_is_false(json_object_get(s, "additionalProperties"))) {
                    fprintf(stderr, "  %s: not in the schema\n", sub);
                    return false;
                }
                continue;
            }
            if (!conforms(val, ps, sub))
                return false;
        }
    }
    const json_t *items = json_object_get(s, "items");
    if (json_is_array(v) && items) {
        size_t i;
        const json_t *e;
        json_array_foreach(v, i, e)
        {
            char sub[512];
            snprintf(sub, sizeof sub, "%s/%zu", ptr, i);
            if (!conforms(e, items, sub))
                return false;
        }
    }
    return true;
}

static struct gw_course_report *validate(const char *path)
{
    struct gw_course_report *r = NULL;
    struct gw_error err;
    if (gw_course_validate_file(path, NULL, &r, &err) != GW_OK) {
        fprintf(stderr, "  %s: %s\n", path, err.detail);
        return NULL;
    }
    return r;
}

static void check_report_shape(const char *path)
{
    struct gw_course_report *r = validate(path);
    REQUIRE(r);
    json_t *j = gw_course_report_to_json(r);
    if (!conforms(j, schema_root, "")) {
        fprintf(stderr, "  report of %s does not conform\n", path);
        CHECK(false);
    }
    /* every code is a registered one */
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(j, "findings"), i, f)
    {
        enum gw_finding_code code;
        CHECK(gw_course_finding_by_name(json_string_value(json_object_get(f, "code")), &code));
    }
    json_decref(j);
    gw_course_report_free(r);
}

static void test_schema(void)
{
    const char *src = getenv("GW_SOURCE_DIR"), *shared = getenv("GW_SHARED_DIR");
    const char *build = getenv("GW_BUILD_DIR");
    REQUIRE(src && build);
    char path[2048];
    snprintf(path, sizeof path, "%s/schemas/validation-report.schema.json", src);
    json_error_t je;
    schema_root = json_load_file(path, 0, &je);
    REQUIRE(schema_root);
    static const char *const corpus[] = {"golf-runtimeadvanced-2004-3rd.zip",
                                         "moodle-RuntimeMinimumCalls_SCORM12.zip",
                                         "catapult-example-pre_post_test_framed.zip",
                                         "storyline-learning-styles-tincan.zip",
                                         "mutant-zipbomb-1gib.zip",
                                         "mutant-scorm12-encrypted-entries.zip",
                                         "catapult-207-1-invalid-courseStructure.zip",
                                         "moodle-validaicc.zip"};
    /* the shared corpus's reports too, when it is beside the checkout */
    for (size_t i = 0; gwt_have_shared("corpus/packages") && i < sizeof corpus / sizeof corpus[0];
         i++) {
        snprintf(path, sizeof path, "%s/corpus/packages/%s", shared, corpus[i]);
        check_report_shape(path);
    }
    snprintf(path, sizeof path, "%s/packages/scorm12-sample.zip", build);
    check_report_shape(path);
    snprintf(path, sizeof path, "%s/packages/cmi5-sample.zip", build);
    check_report_shape(path);
    /* and the checker does reject a wrong shape */
    json_t *bad = json_pack("{s:b}", "valid", 1);
    CHECK(!conforms(bad, schema_root, ""));
    json_decref(bad);
}

static void test_samples_clean(void)
{
    const char *build = getenv("GW_BUILD_DIR");
    REQUIRE(build);
    static const char *const samples[] = {"scorm12-sample", "cmi5-sample"};
    for (size_t i = 0; i < 2; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/packages/%s.zip", build, samples[i]);
        struct gw_course_report *r = validate(path);
        REQUIRE(r);
        CHECK_INT(r->counts[GW_SEV_ERROR], 0);
        CHECK_INT(r->counts[GW_SEV_WARNING], 0);
        CHECK_INT(r->counts[GW_SEV_INFO], 0);
        for (size_t k = 0; k < r->finding_count; k++)
            fprintf(stderr, "  %s: %s\n", samples[i], r->findings[k].message);
        CHECK(r->title != NULL);
        bool launch = false;
        for (size_t k = 0; k < r->item_count; k++)
            launch = launch || (r->items[k].launchable && r->items[k].launch_url &&
                                strcmp(r->items[k].launch_url, "index.html") == 0);
        CHECK(launch);
        if (i == 1)
            CHECK_STR(r->identifier, "https://lmsgw.example/courses/cmi5-sample");
        gw_course_report_free(r);
    }
}

/* Runs gw_cmd_validate with stdout captured; returns its exit code. */
static int run_cli(int argc, char **argv, struct gw_buf *out)
{
    char tmpl[] = "/tmp/gwcli.XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0)
        return -1;
    fflush(stdout);
    int saved = dup(1);
    dup2(fd, 1);
    int rc = gw_cmd_validate(argc, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    lseek(fd, 0, SEEK_SET);
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        gw_buf_append(out, buf, (size_t)n);
    close(fd);
    unlink(tmpl);
    return rc;
}

static void test_cli(void)
{
    NEED_SHARED("corpus/packages/expected.csv");
    const char *shared = getenv("GW_SHARED_DIR"), *build = getenv("GW_BUILD_DIR");
    REQUIRE(build);
    char valid[1024], invalid[1024], notzip[1024];
    snprintf(valid, sizeof valid, "%s/packages/scorm12-sample.zip", build);
    snprintf(invalid, sizeof invalid,
             "%s/corpus/packages/mutant-scorm2004-duplicate-item-"
             "identifier.zip",
             shared);
    snprintf(notzip, sizeof notzip, "%s/corpus/packages/expected.csv", shared);
    struct gw_buf out = {0};

    char *a1[] = {"validate", valid};
    CHECK_INT(run_cli(2, a1, &out), 0);
    CHECK(strstr(gw_buf_str(&out), "VALID") != NULL);
    gw_buf_reset(&out);

    char *a2[] = {"validate", invalid};
    CHECK_INT(run_cli(2, a2, &out), 1);
    CHECK(strstr(gw_buf_str(&out), "INVALID") != NULL);
    CHECK(strstr(gw_buf_str(&out), "Errors (1):") != NULL);
    CHECK(strstr(gw_buf_str(&out), "imsmanifest.xml:") != NULL); /* file:line */
    CHECK(strstr(gw_buf_str(&out), "[IDENTIFIER_DUPLICATE]") != NULL);
    CHECK(strstr(gw_buf_str(&out), "Warnings (") != NULL);
    CHECK(strstr(gw_buf_str(&out), "Errors") < strstr(gw_buf_str(&out), "Warnings"));
    gw_buf_reset(&out);

    char *a3[] = {"validate", invalid, "--json"};
    CHECK_INT(run_cli(3, a3, &out), 1);
    json_t *j = json_loads(gw_buf_str(&out), 0, NULL);
    CHECK(j && json_is_false(json_object_get(j, "valid")));
    CHECK(j && json_array_size(json_object_get(j, "findings")) > 0);
    json_decref(j);
    gw_buf_reset(&out);

    char *a4[] = {"validate", notzip, "--json"};
    CHECK_INT(run_cli(3, a4, &out), 2);
    j = json_loads(gw_buf_str(&out), 0, NULL);
    CHECK(j && json_integer_value(json_object_get(j, "code")) == GW_E_PACKAGE_UNREADABLE);
    json_decref(j);
    gw_buf_reset(&out);

    char *a5[] = {"validate"};
    CHECK_INT(run_cli(1, a5, &out), 2);
    char *a6[] = {"validate", valid, "--bogus"};
    CHECK_INT(run_cli(3, a6, &out), 2);
    char *a7[] = {"validate", "/nonexistent.zip"};
    CHECK_INT(run_cli(2, a7, &out), 2);
    gw_buf_reset(&out);

    char *a8[] = {"validate", "--finding-codes"};
    CHECK_INT(run_cli(2, a8, &out), 0);
    j = json_loads(gw_buf_str(&out), 0, NULL);
    CHECK(j && json_array_size(json_object_get(j, "findings")) == GW_F_COUNT_);
    json_decref(j);
    gw_buf_free(&out);
}

int main(void)
{
    GW_RUN(test_schema);
    GW_RUN(test_samples_clean);
    GW_RUN(test_cli);
    json_decref(schema_root);
    return gw_test_summary();
}
