/* version.c: what adding a package as a course's next version decides
 * (gw_review_version_plan: number, changes since the previous version,
 * audit sentences, validated or not), what keeps a version from review in
 * data and in words (gw_review_blocking_findings, gw_review_blocking_words)
 * and the IRI a package's activity id counts under for the course
 * (gw_review_activity_iri). Pure: the store loads the previous version and
 * writes what is decided. */
#include "gw/review.h"

#include "gw/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The regular files of a report's "files" (names borrowed from report). */
static struct gw_review_file *report_files(json_t *report, size_t *n)
{
    json_t *files = json_object_get(report, "files");
    size_t cap = json_array_size(files);
    struct gw_review_file *out = gw_xcalloc(cap ? cap : 1, sizeof *out);
    *n = 0;
    size_t i;
    json_t *f;
    json_array_foreach(files, i, f)
    {
        if (json_is_true(json_object_get(f, "directory")))
            continue;
        const char *path = json_string_value(json_object_get(f, "path"));
        const char *crc = json_string_value(json_object_get(f, "crc32"));
        if (!path)
            continue;
        out[*n].name = path;
        out[*n].size = (uint64_t)json_integer_value(json_object_get(f, "size"));
        out[*n].crc32 = crc ? (uint32_t)strtoul(crc, NULL, 16) : 0;
        (*n)++;
    }
    return out;
}

json_t *gw_review_report_diff(const char *old_report, const char *new_report)
{
    if (!old_report || !new_report)
        return NULL;
    json_t *a = json_loads(old_report, 0, NULL), *b = json_loads(new_report, 0, NULL);
    size_t na = 0, nb = 0;
    struct gw_review_file *fa = report_files(a, &na), *fb = report_files(b, &nb);
    struct gw_review_diff d;
    gw_review_diff_files(fa, na, fb, nb, &d);
    json_t *out = gw_review_diff_to_json(&d);
    char *summary = gw_review_diff_summary(&d);
    json_object_set_new(out, "summary", json_string(summary));
    free(summary);
    gw_review_diff_free(&d);
    free(fa);
    free(fb);
    json_decref(a);
    json_decref(b);
    return out;
}

void gw_review_version_plan(int64_t last_number, const char *prev_report, const char *report,
                            const char *package_id, bool valid, struct gw_review_version_plan *out)
{
    memset(out, 0, sizeof *out);
    out->number = last_number + 1;
    out->changes = gw_review_report_diff(prev_report, report);
    out->validated = valid;
    out->blocking = gw_review_blocking_findings(report);
    if (!out->blocking)
        out->blocking = json_array();
    json_t *rep = report ? json_loads(report, 0, NULL) : NULL;
    out->warnings = json_integer_value(json_object_get(json_object_get(rep, "counts"), "warning"));
    json_decref(rep);
    snprintf(out->added_comment, sizeof out->added_comment, "version %lld, package %s",
             (long long)out->number, package_id ? package_id : "");
    snprintf(out->superseded_comment, sizeof out->superseded_comment, "superseded by version %lld",
             (long long)out->number);
}

void gw_review_version_plan_free(struct gw_review_version_plan *p)
{
    if (!p)
        return;
    json_decref(p->changes);
    p->changes = NULL;
    json_decref(p->blocking);
    p->blocking = NULL;
}

json_t *gw_review_blocking_findings(const char *report)
{
    json_t *rep = report ? json_loads(report, 0, NULL) : NULL;
    json_t *findings = json_object_get(rep, "findings");
    json_t *out = json_is_array(findings) ? json_array() : NULL;
    size_t i;
    json_t *f;
    json_array_foreach(findings, i, f)
    {
        const char *sev = json_string_value(json_object_get(f, "severity"));
        if (!sev || strcmp(sev, "error") != 0)
            continue;
        json_t *o = json_object();
        static const char *const keep[] = {"code", "file", "line", "message"};
        for (size_t k = 0; k < 4; k++) {
            json_t *v = json_object_get(f, keep[k]);
            json_object_set(o, keep[k], v ? v : json_null());
        }
        json_array_append_new(out, o);
    }
    json_decref(rep);
    return out;
}

void gw_review_blocking_words(const json_t *blocking, char *out, size_t cap)
{
    struct gw_buf b = {0};
    size_t i;
    const json_t *f;
    json_array_foreach(blocking, i, f)
    {
        const char *code = json_string_value(json_object_get(f, "code"));
        if (i == 0) {
            const char *file = json_string_value(json_object_get(f, "file"));
            const char *msg = json_string_value(json_object_get(f, "message"));
            gw_buf_puts(&b, code ? code : "?");
            if (file)
                gw_buf_printf(&b, " in %s", file);
            if (msg)
                gw_buf_printf(&b, ": %s", msg);
            continue;
        }
        gw_buf_printf(&b, "%s%s", i == 1 ? "; also " : ", ", code ? code : "?");
    }
    snprintf(out, cap, "%s", gw_buf_str(&b));
    gw_buf_free(&b);
}

void gw_review_activity_iri(const char *course_iri, const char *activity_id, struct gw_buf *out)
{
    if (gw_is_absolute_iri(activity_id)) {
        gw_buf_puts(out, activity_id);
        return;
    }
    gw_buf_printf(out, "%s/", course_iri);
    for (const unsigned char *p = (const unsigned char *)activity_id; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p))
            gw_buf_append(out, p, 1);
        else
            gw_buf_printf(out, "%%%02X", *p);
    }
}

void gw_review_course_iri(char *out, size_t cap, const char *public_url, const char *course_id)
{
    size_t n = strlen(public_url);
    while (n > 0 && public_url[n - 1] == '/')
        n--;
    snprintf(out, cap, "%.*s/courses/%s", (int)n, public_url, course_id);
}
