/* report.c: the validation report as JSON, exactly the shape
 * schemas/validation-report.schema.json describes. Owns only the
 * serialization; the report is built by the checkers. */
#include "gw/course.h"

#include "gw/json.h"

#include <stdio.h>

static json_t *str_or_null(const char *s)
{
    return s ? gw_json_str(s) : json_null();
}

static json_t *item_json(const struct gw_course_report *r, const struct gw_course_item *it)
{
    static const char *const kinds[] = {"item", "block", "au", "activity"};
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(kinds[it->kind]));
    json_object_set_new(o, "identifier", str_or_null(it->identifier));
    json_object_set_new(o, "title", str_or_null(it->title));
    json_object_set_new(o, "organization", str_or_null(it->organization));
    json_object_set_new(
        o, "parent", it->parent >= 0 ? str_or_null(r->items[it->parent].identifier) : json_null());
    json_object_set_new(o, "depth", json_integer(it->depth));
    json_object_set_new(o, "launchable", json_boolean(it->launchable));
    json_object_set_new(o, "resource", str_or_null(it->resource));
    json_object_set_new(o, "scorm_type", str_or_null(it->scorm_type));
    json_object_set_new(o, "launch_url", str_or_null(it->launch_url));
    json_object_set_new(o, "mastery_score",
                        it->has_mastery ? json_real(it->mastery_score) : json_null());
    json_object_set_new(o, "move_on", str_or_null(it->move_on));
    json_object_set_new(o, "launch_method", str_or_null(it->launch_method));
    return o;
}

json_t *gw_course_report_to_json(const struct gw_course_report *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "valid", json_boolean(gw_course_report_valid(r)));
    json_object_set_new(o, "standard", str_or_null(gw_course_standard_name(r->standard)));
    json_object_set_new(o, "edition", str_or_null(r->edition));
    json_object_set_new(o, "descriptor", str_or_null(r->descriptor));
    json_object_set_new(o, "schemaversion", str_or_null(r->schemaversion));
    json_object_set_new(o, "title", str_or_null(r->title));
    json_object_set_new(o, "identifier", str_or_null(r->identifier));
    json_object_set_new(o, "version", str_or_null(r->version));

    json_t *orgs = json_array();
    for (size_t i = 0; i < r->org_count; i++) {
        json_t *org = json_object();
        json_object_set_new(org, "identifier", str_or_null(r->orgs[i].identifier));
        json_object_set_new(org, "title", str_or_null(r->orgs[i].title));
        json_object_set_new(org, "default", json_boolean(r->orgs[i].is_default));
        json_array_append_new(orgs, org);
    }
    json_object_set_new(o, "organizations", orgs);
    json_t *items = json_array();
    for (size_t i = 0; i < r->item_count; i++)
        json_array_append_new(items, item_json(r, &r->items[i]));
    json_object_set_new(o, "items", items);
    json_t *ids = json_array();
    for (size_t i = 0; i < r->activity_id_count; i++)
        json_array_append_new(ids, gw_json_str(r->activity_ids[i]));
    json_object_set_new(o, "activity_ids", ids);

    json_t *files = json_array();
    for (size_t i = 0; i < r->file_count; i++) {
        const struct gw_course_file *f = &r->files[i];
        char crc[9];
        snprintf(crc, sizeof crc, "%08x", (unsigned)f->crc32);
        json_t *fo = json_object();
        json_object_set_new(fo, "path", gw_json_str(f->path));
        json_object_set_new(fo, "size", json_integer((json_int_t)f->size));
        json_object_set_new(fo, "compressed_size", json_integer((json_int_t)f->compressed_size));
        json_object_set_new(fo, "crc32", json_string(crc));
        json_object_set_new(fo, "directory", json_boolean(f->is_dir));
        json_object_set_new(fo, "referenced", json_boolean(f->referenced));
        json_array_append_new(files, fo);
    }
    json_object_set_new(o, "files", files);
    json_object_set_new(o, "file_count", json_integer((json_int_t)r->file_count));
    json_object_set_new(o, "total_uncompressed", json_integer((json_int_t)r->total_uncompressed));
    json_object_set_new(o, "total_compressed", json_integer((json_int_t)r->total_compressed));

    json_t *counts = json_object();
    for (int s = GW_SEV_ERROR; s <= GW_SEV_INFO; s++)
        json_object_set_new(counts, gw_severity_name((enum gw_severity)s),
                            json_integer((json_int_t)r->counts[s]));
    json_object_set_new(o, "counts", counts);
    json_t *findings = json_array();
    for (size_t i = 0; i < r->finding_count; i++) {
        const struct gw_course_finding *f = &r->findings[i];
        json_t *fo = json_object();
        json_object_set_new(fo, "severity", json_string(gw_severity_name(f->severity)));
        json_object_set_new(fo, "code", json_string(gw_course_finding_info(f->code)->name));
        json_object_set_new(fo, "file", str_or_null(f->file));
        json_object_set_new(fo, "line", f->line ? json_integer(f->line) : json_null());
        json_object_set_new(fo, "message", gw_json_str(f->message));
        json_array_append_new(findings, fo);
    }
    json_object_set_new(o, "findings", findings);
    return o;
}
