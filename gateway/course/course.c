/* course.c: the validator's entry points and its pipeline: open the zip,
 * scan the central directory with the hostile-zip guards (zipwalk.c), find
 * the descriptor and hand it to its standard's checker (scorm.c, cmi5.c,
 * tincan.c), run the content checks (content.c), stream the entries once for
 * their CRCs. Also owns the report's lifetime and the helpers that add
 * findings, items and activity ids to it. */
#include "course_int.h"

#include "gw/buf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gw_course_limits_default(struct gw_course_limits *l)
{
    l->max_entries = 20000;
    l->max_total_uncompressed = (uint64_t)1 << 30;
    l->max_entry_uncompressed = (uint64_t)512 << 20;
    l->max_entry_ratio = 200.0;
    l->max_total_ratio = 100.0;
    l->ratio_min_size = (uint64_t)1 << 20;
    l->max_descriptor_bytes = (size_t)8 << 20;
    l->max_html_bytes = (size_t)2 << 20;
    l->max_html_pages = 50;
    l->max_xml_depth = 100;
    l->max_name_len = 1024;
    l->max_findings = 500;
    l->verify_data = true;
}

/* ---- findings, items, ids ---- */

__attribute__((format(printf, 6, 0))) static void
add_findingv(struct gw_course_ctx *c, enum gw_finding_code code, enum gw_severity sev,
             const char *file, unsigned line, const char *fmt, va_list ap)
{
    struct gw_course_report *r = c->rep;
    r->counts[sev]++;
    if (r->finding_count >= c->lim->max_findings && code != GW_F_FINDINGS_TRUNCATED)
        return;
    if (r->finding_count == r->finding_cap) {
        r->finding_cap = r->finding_cap ? r->finding_cap * 2 : 16;
        r->findings = gw_xrealloc(r->findings, r->finding_cap * sizeof *r->findings);
    }
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    struct gw_course_finding *f = &r->findings[r->finding_count++];
    f->code = code;
    f->severity = sev;
    f->file = file ? gw_xstrdup(file) : NULL;
    f->line = line;
    f->message = gw_xstrdup(msg);
}

void gw_course_add(struct gw_course_ctx *c, enum gw_finding_code code, const char *file,
                   unsigned line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_findingv(c, code, gw_course_finding_info(code)->severity, file, line, fmt, ap);
    va_end(ap);
}

void gw_course_add_sev(struct gw_course_ctx *c, enum gw_finding_code code, enum gw_severity sev,
                       const char *file, unsigned line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_findingv(c, code, sev, file, line, fmt, ap);
    va_end(ap);
}

void *gw_course_grow(void *p, size_t count, size_t elem)
{
    if (count == 0)
        return gw_xrealloc(p, 4 * elem);
    if (count >= 4 && (count & (count - 1)) == 0)
        return gw_xrealloc(p, 2 * count * elem);
    return p;
}

void gw_course_add_activity_id(struct gw_course_ctx *c, const char *iri)
{
    struct gw_course_report *r = c->rep;
    if (!iri || !*iri)
        return;
    r->activity_ids = gw_course_grow(r->activity_ids, r->activity_id_count, sizeof(char *));
    r->activity_ids[r->activity_id_count++] = gw_xstrdup(iri);
}

struct id_ref {
    const char *id;
    size_t index;
};

static int cmp_id_ref(const void *a, const void *b)
{
    const struct id_ref *x = a, *y = b;
    int r = strcmp(x->id, y->id);
    if (r != 0)
        return r;
    return x->index < y->index ? -1 : 1;
}

void gw_course_finish_activity_ids(struct gw_course_report *r)
{
    size_t n = r->activity_id_count;
    if (n < 2)
        return;
    struct id_ref *refs = gw_xmalloc(n * sizeof *refs);
    bool *drop = gw_xcalloc(n, sizeof *drop);
    for (size_t i = 0; i < n; i++) {
        refs[i].id = r->activity_ids[i];
        refs[i].index = i;
    }
    gw_sort(refs, n, sizeof *refs, cmp_id_ref);
    for (size_t i = 1; i < n; i++)
        drop[refs[i].index] = strcmp(refs[i].id, refs[i - 1].id) == 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (drop[i])
            free(r->activity_ids[i]);
        else
            r->activity_ids[k++] = r->activity_ids[i];
    }
    r->activity_id_count = k;
    free(refs);
    free(drop);
}

struct gw_course_item *gw_course_add_item(struct gw_course_ctx *c, enum gw_course_item_kind kind,
                                          int parent, unsigned depth, int *index_out)
{
    struct gw_course_report *r = c->rep;
    r->items = gw_course_grow(r->items, r->item_count, sizeof *r->items);
    struct gw_course_item *it = &r->items[r->item_count];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->parent = parent;
    it->depth = depth;
    if (index_out)
        *index_out = (int)r->item_count;
    r->item_count++;
    return it;
}

void gw_course_add_page(struct gw_course_ctx *c, const char *path)
{
    for (size_t i = 0; i < c->page_count; i++) {
        if (strcmp(c->pages[i], path) == 0)
            return;
    }
    if (c->page_count >= c->lim->max_html_pages)
        return;
    c->pages = gw_course_grow(c->pages, c->page_count, sizeof *c->pages);
    c->pages[c->page_count++] = gw_xstrdup(path);
}

/* ---- small string helpers ---- */

char *gw_course_trim_dup(const char *s)
{
    if (!s)
        return NULL;
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return gw_xstrndup(s, n);
}

bool gw_course_ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* ---- report ---- */

const char *gw_course_standard_name(enum gw_course_standard s)
{
    switch (s) {
    case GW_STD_SCORM12:
        return "scorm12";
    case GW_STD_SCORM2004:
        return "scorm2004";
    case GW_STD_CMI5:
        return "cmi5";
    case GW_STD_TINCAN:
        return "tincan";
    case GW_STD_UNKNOWN:
        break;
    }
    return NULL;
}

bool gw_course_report_valid(const struct gw_course_report *r)
{
    return r && r->counts[GW_SEV_ERROR] == 0;
}

bool gw_course_report_has(const struct gw_course_report *r, enum gw_finding_code code)
{
    for (size_t i = 0; r && i < r->finding_count; i++) {
        if (r->findings[i].code == code)
            return true;
    }
    return false;
}

void gw_course_report_free(struct gw_course_report *r)
{
    if (!r)
        return;
    free(r->edition);
    free(r->descriptor);
    free(r->schemaversion);
    free(r->title);
    free(r->identifier);
    free(r->version);
    for (size_t i = 0; i < r->org_count; i++) {
        free(r->orgs[i].identifier);
        free(r->orgs[i].title);
    }
    free(r->orgs);
    for (size_t i = 0; i < r->item_count; i++) {
        struct gw_course_item *it = &r->items[i];
        free(it->identifier);
        free(it->title);
        free(it->organization);
        free(it->resource);
        free(it->scorm_type);
        free(it->launch_url);
        free(it->move_on);
        free(it->launch_method);
    }
    free(r->items);
    for (size_t i = 0; i < r->activity_id_count; i++)
        free(r->activity_ids[i]);
    free(r->activity_ids);
    for (size_t i = 0; i < r->file_count; i++)
        free(r->files[i].path);
    free(r->files);
    for (size_t i = 0; i < r->finding_count; i++) {
        free(r->findings[i].file);
        free(r->findings[i].message);
    }
    free(r->findings);
    free(r);
}

/* ---- the pipeline ---- */

typedef void (*descriptor_check_fn)(struct gw_course_ctx *c, const char *file, const char *data,
                                    size_t len);

static const struct {
    const char *name;
    enum gw_course_standard standard;
    descriptor_check_fn check;
} descriptors[] = {
    {"imsmanifest.xml", GW_STD_UNKNOWN, gw_course_scorm_check},
    {"cmi5.xml", GW_STD_CMI5, gw_course_cmi5_check},
    {"tincan.xml", GW_STD_TINCAN, gw_course_tincan_check},
};
#define DESCRIPTOR_COUNT (sizeof descriptors / sizeof descriptors[0])

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    const char *b = strrchr(path, '\\');
    if (b && (!s || b > s))
        s = b;
    return s ? s + 1 : path;
}

/* No descriptor at the root: say why as precisely as the zip allows. */
static void explain_missing_descriptor(struct gw_course_ctx *c)
{
    struct gw_course_report *r = c->rep;
    for (size_t d = 0; d < DESCRIPTOR_COUNT; d++) {
        long i = gw_course_find_loose(c, descriptors[d].name);
        if (i >= 0 && !c->unsafe[i]) {
            r->standard = descriptors[d].standard;
            gw_course_add(c, GW_F_DESCRIPTOR_NAME_CASE, r->files[i].path, 0,
                          "The descriptor is named %s; rename it to %s exactly (lower case).",
                          r->files[i].path, descriptors[d].name);
            return;
        }
    }
    long best = -1;
    size_t best_d = 0;
    for (size_t i = 0; i < r->file_count; i++) {
        if (r->files[i].is_dir || c->unsafe[i])
            continue;
        for (size_t d = 0; d < DESCRIPTOR_COUNT; d++) {
            if (strcasecmp(base_name(r->files[i].path), descriptors[d].name) != 0)
                continue;
            if (best < 0 || strlen(r->files[i].path) < strlen(r->files[best].path) ||
                (strlen(r->files[i].path) == strlen(r->files[best].path) && d < best_d)) {
                best = (long)i;
                best_d = d;
            }
        }
    }
    if (best >= 0) {
        const char *p = r->files[best].path;
        int folder_len = (int)(base_name(p) - p);
        r->standard = descriptors[best_d].standard;
        gw_course_add(c, GW_F_MANIFEST_NOT_AT_ROOT, p, 0,
                      "%s is inside the folder '%.*s': zip the folder's contents, not the folder "
                      "itself, so that %s is at the root of the zip.",
                      descriptors[best_d].name, folder_len, p, descriptors[best_d].name);
        return;
    }
    for (size_t i = 0; i < r->file_count; i++) {
        if (gw_course_ends_with_ci(r->files[i].path, ".cst") ||
            gw_course_ends_with_ci(r->files[i].path, ".crs")) {
            gw_course_add(c, GW_F_AICC_NOT_SUPPORTED, r->files[i].path, 0,
                          "This is an AICC package (%s), which the gateway does not take; "
                          "republish the course as SCORM, cmi5 or xAPI.",
                          r->files[i].path);
            return;
        }
    }
    gw_course_add(c, GW_F_PACKAGE_NO_DESCRIPTOR, NULL, 0,
                  "The zip has no imsmanifest.xml (SCORM), cmi5.xml (cmi5) or tincan.xml "
                  "(xAPI) at its root; export the course as a SCORM, cmi5 or xAPI package.");
}

static void read_and_check(struct gw_course_ctx *c, size_t d, long index)
{
    char *data = NULL;
    size_t len = 0;
    const char *name = descriptors[d].name;
    enum gw_course_read rd = GW_READ_OK;
    if (c->mem_name) {
        data = gw_xstrndup(c->mem_data, c->mem_len);
        len = c->mem_len;
        if (len > c->lim->max_descriptor_bytes)
            rd = GW_READ_TOO_LARGE;
    } else {
        rd = gw_course_read_file(c, (size_t)index, c->lim->max_descriptor_bytes, &data, &len);
        c->rep->files[index].referenced = true;
    }
    c->rep->descriptor = gw_xstrdup(name);
    c->rep->standard = descriptors[d].standard;
    switch (rd) {
    case GW_READ_OK:
        descriptors[d].check(c, name, data, len);
        break;
    case GW_READ_TOO_LARGE:
        gw_course_add(c, GW_F_XML_TOO_LARGE, name, 0,
                      "%s is larger than %zu bytes, the most the gateway parses; remove unused "
                      "metadata from it.",
                      name, c->lim->max_descriptor_bytes);
        break;
    case GW_READ_ENCRYPTED:
        gw_course_add(c, GW_F_DESCRIPTOR_UNREADABLE, name, 0,
                      "%s is encrypted, so no LMS can read it; export the package without a "
                      "password.",
                      name);
        break;
    case GW_READ_FAILED:
        gw_course_add(c, GW_F_DESCRIPTOR_UNREADABLE, name, 0,
                      "%s cannot be decompressed; the zip is damaged, so create it again.", name);
        break;
    }
    free(data);
}

static void run_checks(struct gw_course_ctx *c)
{
    long found[DESCRIPTOR_COUNT];
    size_t present = 0, first = DESCRIPTOR_COUNT;
    for (size_t d = 0; d < DESCRIPTOR_COUNT; d++) {
        if (c->mem_name)
            found[d] = strcmp(c->mem_name, descriptors[d].name) == 0 ? 0 : -1;
        else
            found[d] = gw_course_find(c, descriptors[d].name);
        if (found[d] >= 0) {
            present++;
            if (first == DESCRIPTOR_COUNT)
                first = d;
        }
    }
    if (first == DESCRIPTOR_COUNT) {
        explain_missing_descriptor(c);
    } else {
        if (present > 1)
            gw_course_add(c, GW_F_MULTIPLE_DESCRIPTORS, descriptors[first].name, 0,
                          "The zip holds more than one of imsmanifest.xml, cmi5.xml and "
                          "tincan.xml; it was validated as %s, and the others were ignored.",
                          descriptors[first].name);
        read_and_check(c, first, found[first]);
    }
    gw_course_content_check(c, c->scorm_parsed);
    if (c->za && c->lim->verify_data && !c->sizes_refused)
        gw_course_zip_verify(c);
    gw_course_finish_activity_ids(c->rep);
    size_t total = c->rep->counts[0] + c->rep->counts[1] + c->rep->counts[2];
    if (total > c->rep->finding_count)
        gw_course_add(c, GW_F_FINDINGS_TRUNCATED, NULL, 0,
                      "The report keeps the first %zu of %zu findings; fix these and validate "
                      "again to see the rest.",
                      c->rep->finding_count, total);
}

static void ctx_free(struct gw_course_ctx *c)
{
    free(c->lookup);
    free(c->unsafe);
    free(c->encrypted);
    for (size_t i = 0; i < c->folded_count; i++)
        free(c->folded[i].key);
    free(c->folded);
    for (size_t i = 0; i < c->page_count; i++)
        free(c->pages[i]);
    free(c->pages);
}

static enum gw_err validate_zip(zip_t *za, const struct gw_course_limits *limits,
                                struct gw_course_report **out)
{
    struct gw_course_limits defaults;
    if (!limits) {
        gw_course_limits_default(&defaults);
        limits = &defaults;
    }
    struct gw_course_ctx c = {0};
    c.lim = limits;
    c.rep = gw_xcalloc(1, sizeof *c.rep);
    c.za = za;
    if (gw_course_zip_scan(&c))
        run_checks(&c);
    ctx_free(&c);
    *out = c.rep;
    return GW_OK;
}

enum gw_err gw_course_validate_file(const char *zip_path, const struct gw_course_limits *limits,
                                    struct gw_course_report **out, struct gw_error *err)
{
    *out = NULL;
    FILE *f = fopen(zip_path, "rb");
    if (!f)
        return gw_error_set(err, GW_E_IO, zip_path, "Cannot open %s: %s.", zip_path,
                            strerror(errno));
    fclose(f);
    int zerr = 0;
    zip_t *za = zip_open(zip_path, ZIP_RDONLY, &zerr);
    if (!za) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        gw_error_set(err, GW_E_PACKAGE_UNREADABLE, zip_path,
                     "%s is not a zip file the gateway can open (%s); export the course again "
                     "as a .zip.",
                     zip_path, zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return GW_E_PACKAGE_UNREADABLE;
    }
    enum gw_err rc = validate_zip(za, limits, out);
    zip_discard(za);
    return rc;
}

enum gw_err gw_course_validate_buffer(const void *data, size_t len,
                                      const struct gw_course_limits *limits,
                                      struct gw_course_report **out, struct gw_error *err)
{
    *out = NULL;
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    zip_t *za = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    if (!za) {
        gw_error_set(err, GW_E_PACKAGE_UNREADABLE, NULL,
                     "The upload is not a zip file the gateway can open (%s); export the course "
                     "again as a .zip.",
                     zip_error_strerror(&ze));
        zip_error_fini(&ze);
        if (src)
            zip_source_free(src);
        return GW_E_PACKAGE_UNREADABLE;
    }
    zip_error_fini(&ze);
    enum gw_err rc = validate_zip(za, limits, out);
    zip_discard(za); /* also frees src */
    return rc;
}

enum gw_err gw_course_validate_descriptor(const char *name, const void *data, size_t len,
                                          const char *const *files,
                                          const struct gw_course_limits *limits,
                                          struct gw_course_report **out, struct gw_error *err)
{
    *out = NULL;
    bool known = false;
    for (size_t d = 0; d < DESCRIPTOR_COUNT; d++)
        known = known || strcmp(name, descriptors[d].name) == 0;
    if (!known)
        return gw_error_set(err, GW_E_PACKAGE_INVALID, name,
                            "%s is not imsmanifest.xml, cmi5.xml or tincan.xml.", name);
    struct gw_course_limits defaults;
    if (!limits) {
        gw_course_limits_default(&defaults);
        limits = &defaults;
    }
    struct gw_course_ctx c = {0};
    c.lim = limits;
    c.rep = gw_xcalloc(1, sizeof *c.rep);
    c.mem_name = name;
    c.mem_data = data;
    c.mem_len = len;
    size_t n = 0;
    while (files && files[n])
        n++;
    c.rep->files = gw_xcalloc(n + 1, sizeof *c.rep->files);
    c.rep->files[0].path = gw_xstrdup(name);
    c.rep->files[0].size = len;
    c.rep->files[0].referenced = true;
    for (size_t i = 0; i < n; i++)
        c.rep->files[i + 1].path = gw_xstrdup(files[i]);
    c.rep->file_count = n + 1;
    c.rep->total_uncompressed = len;
    if (gw_course_zip_scan(&c))
        run_checks(&c);
    ctx_free(&c);
    *out = c.rep;
    return GW_OK;
}
