/* validate.c: the `lmsgw validate` command. Validates a course package zip
 * and prints the report, for people (findings grouped by severity with
 * file:line) or as JSON (--json); `--finding-codes` prints the finding
 * registry (schemas/finding-codes.json). Exit status: 0 valid (warnings
 * allowed), 1 invalid, 2 unreadable or bad usage. */
#include "gw/course.h"

#include <stdio.h>
#include <string.h>

static int usage(void)
{
    fprintf(stderr, "usage: lmsgw validate PACKAGE.zip [--json]\n"
                    "       lmsgw validate --finding-codes\n");
    return 2;
}

static void print_human(const char *path, const struct gw_course_report *r)
{
    const char *std = gw_course_standard_name(r->standard);
    printf("%s: %s\n", path, gw_course_report_valid(r) ? "VALID" : "INVALID");
    printf("  standard: %s%s%s\n", std ? std : "unknown", r->edition ? " " : "",
           r->edition ? r->edition : "");
    if (r->title)
        printf("  title:    %s\n", r->title);
    if (r->identifier)
        printf("  id:       %s\n", r->identifier);
    printf("  files:    %zu (%llu bytes uncompressed)\n", r->file_count,
           (unsigned long long)r->total_uncompressed);
    for (size_t i = 0; i < r->item_count; i++) {
        const struct gw_course_item *it = &r->items[i];
        if (it->launchable)
            printf("  launch:   %s -> %s\n", it->identifier ? it->identifier : "?",
                   it->launch_url ? it->launch_url : "(none)");
    }
    static const char *const heads[] = {"Errors", "Warnings", "Info"};
    for (int s = GW_SEV_ERROR; s <= GW_SEV_INFO; s++) {
        if (r->counts[s] == 0)
            continue;
        printf("\n%s (%zu):\n", heads[s], r->counts[s]);
        for (size_t i = 0; i < r->finding_count; i++) {
            const struct gw_course_finding *f = &r->findings[i];
            if ((int)f->severity != s)
                continue;
            printf("  %s", f->file ? f->file : path);
            if (f->line)
                printf(":%u", f->line);
            printf(": %s [%s]\n", f->message, gw_course_finding_info(f->code)->name);
        }
    }
}

int gw_cmd_validate(int argc, char **argv)
{
    const char *path = NULL;
    bool as_json = false, codes = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            as_json = true;
        else if (strcmp(argv[i], "--finding-codes") == 0)
            codes = true;
        else if (argv[i][0] == '-' || path)
            return usage();
        else
            path = argv[i];
    }
    if (codes && !path) {
        json_t *j = gw_course_findings_registry_json();
        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(j);
        return 0;
    }
    if (!path || codes)
        return usage();
    struct gw_course_report *r = NULL;
    struct gw_error err;
    gw_error_clear(&err);
    if (gw_course_validate_file(path, NULL, &r, &err) != GW_OK) {
        if (as_json) {
            json_t *j = gw_error_to_json(&err);
            json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            putchar('\n');
            json_decref(j);
        } else {
            fprintf(stderr, "lmsgw validate: %s\n", err.detail);
        }
        return 2;
    }
    if (as_json) {
        json_t *j = gw_course_report_to_json(r);
        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(j);
    } else {
        print_human(path, r);
    }
    int rc = gw_course_report_valid(r) ? 0 : 1;
    gw_course_report_free(r);
    fflush(stdout);
    return rc;
}
