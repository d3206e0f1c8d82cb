/* Table-driven statement validation: every .json file in tests/xapi/cases holds
 * one case or an array of cases
 *   {"name", "version": "1.0.3"|"2.0.0", "statement": {...} | "batch": [...],
 *    "base": "/N" (optional pointer base), "expect": {"ok", "code", "where"}}
 * and every statement of the shared Moodle corpus must pass. */
#include "gw/error.h"
#include "gw/xapi.h"
#include "gwtest.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cases_run;

static const char *code_name(enum gw_err code)
{
    return code == GW_OK ? "OK" : gw_err_lookup(code)->name;
}

static void run_case(const char *file, json_t *c)
{
    const char *name = json_string_value(json_object_get(c, "name"));
    const char *ver = json_string_value(json_object_get(c, "version"));
    const char *base = json_string_value(json_object_get(c, "base"));
    json_t *expect = json_object_get(c, "expect");
    json_t *st = json_object_get(c, "statement");
    json_t *batch = json_object_get(c, "batch");
    enum gw_xapi_version v = GW_XAPI_V1_0;
    struct gw_error err;
    enum gw_err rc;
    gw_error_clear(&err);
    if (!json_is_object(expect) || (!st && !batch)) {
        fprintf(stderr, "  FAIL %s: malformed case '%s'\n", file, name ? name : "?");
        gwt_case_failed = 1;
        return;
    }
    if (ver && strncmp(ver, "2.", 2) == 0)
        v = GW_XAPI_V2_0;
    if (batch)
        rc = gw_xapi_validate_batch(batch, v, &err);
    else
        rc = gw_xapi_validate_statement(st, base ? base : "", v, &err);
    cases_run++;
    bool want_ok = json_is_true(json_object_get(expect, "ok"));
    const char *want_code = json_string_value(json_object_get(expect, "code"));
    const char *want_where = json_string_value(json_object_get(expect, "where"));
    bool pass = want_ok ? rc == GW_OK
                        : rc != GW_OK && want_code && strcmp(code_name(rc), want_code) == 0 &&
                              want_where && strcmp(err.where, want_where) == 0;
    if (!pass) {
        fprintf(stderr, "  FAIL %s: '%s': got %s at '%s' (%s); want %s at '%s'\n", file,
                name ? name : "?", code_name(rc), err.where, err.detail,
                want_ok ? "OK" : (want_code ? want_code : "?"), want_where ? want_where : "");
        gwt_case_failed = 1;
    }
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_case_files(void)
{
    const char *src = getenv("GW_SOURCE_DIR");
    char dir[1024], path[1300];
    REQUIRE(src != NULL);
    snprintf(dir, sizeof dir, "%s/tests/xapi/cases", src);
    DIR *d = opendir(dir);
    REQUIRE(d != NULL);
    char *names[256] = {NULL};
    size_t n = 0;
    struct dirent *e;
    for (e = readdir(d); e && n < 256; e = readdir(d)) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp_names);
    CHECK(n >= 10);
    for (size_t i = 0; i < n; i++) {
        json_error_t je;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
        if (!doc) {
            fprintf(stderr, "  FAIL %s: %s\n", names[i], je.text);
            gwt_case_failed = 1;
        } else if (json_is_array(doc)) {
            size_t k;
            json_t *c;
            json_array_foreach(doc, k, c)
            {
                run_case(names[i], c);
            }
        } else {
            run_case(names[i], doc);
        }
        json_decref(doc);
        free(names[i]);
    }
    fprintf(stderr, "  %d cases\n", cases_run);
    CHECK(cases_run >= 200);
}

static void test_moodle_corpus(void)
{
    NEED_SHARED("corpus/statements/moodle-logstore-xapi.json");
    const char *shared = getenv("GW_SHARED_DIR");
    char path[1024];
    json_error_t je;
    snprintf(path, sizeof path, "%s/corpus/statements/moodle-logstore-xapi.json", shared);
    json_t *doc = json_load_file(path, 0, &je);
    REQUIRE(doc != NULL);
    json_t *stmts = json_object_get(doc, "statements");
    REQUIRE(json_array_size(stmts) > 0);
    size_t i;
    json_t *st;
    json_array_foreach(stmts, i, st)
    {
        struct gw_error err;
        gw_error_clear(&err);
        enum gw_err rc = gw_xapi_validate_statement(st, "", GW_XAPI_V1_0, &err);
        if (rc != GW_OK)
            fprintf(stderr, "  moodle statement %zu: %s at %s: %s\n", i, code_name(rc), err.where,
                    err.detail);
        CHECK_INT(rc, GW_OK);
        CHECK_INT(gw_xapi_validate_statement(st, "", GW_XAPI_V2_0, NULL), GW_OK);
    }
    CHECK_INT(gw_xapi_validate_batch(stmts, GW_XAPI_V1_0, NULL), GW_OK);
    json_decref(doc);
}

int main(void)
{
    GW_RUN(test_case_files);
    GW_RUN(test_moodle_corpus);
    return gw_test_summary();
}
