/* course_int.h: what the files of gateway/course/ share with each other and
 * nothing else does: the validation context (the report being built, the
 * limits, the open zip and its file index), the finding helpers, entry
 * reading, href resolution and safe XML parsing. Only the .c files of gateway/course/
 * includes it; other modules use gw/course.h. */
#ifndef GW_COURSE_INT_H
#define GW_COURSE_INT_H

#include "gw/course.h"

#include <libxml/tree.h>
#include <stdarg.h>
#include <zip.h>

struct gw_course_folded {
    char *key; /* the path lower-cased, backslashes as slashes */
    size_t index;
};

struct gw_course_ctx {
    const struct gw_course_limits *lim;
    struct gw_course_report *rep;
    zip_t *za;      /* NULL when validating a standalone descriptor */
    size_t *lookup; /* indexes into rep->files of safe regular files, by path */
    size_t lookup_count;
    bool *unsafe;         /* per rep->files: refused by a name or type guard */
    bool *encrypted;      /* per rep->files: encrypted (reported once for all) */
    bool scorm_parsed;    /* the manifest was read: unreferenced files mean something */
    bool sizes_refused;   /* count/size/ratio guards failed: read only what must be parsed */
    const char *mem_name; /* standalone descriptor: its name and bytes */
    const char *mem_data;
    size_t mem_len;
    char **pages;                    /* launch pages (package paths) for the content checks */
    struct gw_course_folded *folded; /* lazily built index for gw_course_find_loose */
    size_t folded_count;
    size_t page_count;
};

enum gw_course_read { GW_READ_OK, GW_READ_TOO_LARGE, GW_READ_ENCRYPTED, GW_READ_FAILED };

/* findings.c / course.c */
void gw_course_add(struct gw_course_ctx *c, enum gw_finding_code code, const char *file,
                   unsigned line, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void gw_course_add_sev(struct gw_course_ctx *c, enum gw_finding_code code, enum gw_severity sev,
                       const char *file, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void gw_course_add_activity_id(struct gw_course_ctx *c, const char *iri);
/* Appends an item (all strings copied; NULL allowed) and returns its index. */
struct gw_course_item *gw_course_add_item(struct gw_course_ctx *c, enum gw_course_item_kind kind,
                                          int parent, unsigned depth, int *index_out);
void gw_course_add_page(struct gw_course_ctx *c, const char *path);

/* zipwalk.c */
/* Reads the central directory into c->rep->files, applies every name, type,
 * count, size and ratio guard, and builds the lookup index. Returns false
 * when the zip has too many entries to list (a finding says so). */
bool gw_course_zip_scan(struct gw_course_ctx *c);
/* Streams every entry once to check its data against its size and CRC, in
 * fixed-size chunks. Skipped when c->sizes_refused. */
void gw_course_zip_verify(struct gw_course_ctx *c);
/* Reads file i (an index into rep->files) into a new NUL-terminated buffer
 * of at most cap bytes. The caller frees *data. */
enum gw_course_read gw_course_read_file(struct gw_course_ctx *c, size_t i, size_t cap, char **data,
                                        size_t *len);
/* The index in rep->files of the safe regular file at path, or -1. */
long gw_course_find(const struct gw_course_ctx *c, const char *path);
/* The same, ignoring ASCII case and slash direction; -1 when none. */
long gw_course_find_loose(struct gw_course_ctx *c, const char *path);

/* href.c */
/* True when s starts with an RFC 3986 scheme ("http:", "file:", "c:"...). */
bool gw_course_has_scheme(const char *s);
/* RFC 3986 section 5.2 resolution of ref against base (either may be a
 * relative reference; a relative base is a path below the package root).
 * Returns a new string; dot segments are removed, and a ".." that climbs
 * above the root is kept as a leading "../". */
char *gw_course_uri_resolve(const char *base, const char *ref);

enum gw_href_role { GW_HREF_LAUNCH, GW_HREF_FILE, GW_HREF_METADATA };
/* Checks one href as a package reference: syntax (backslash, leading slash,
 * file:, external), resolution against base, presence in the zip (exact, or
 * by case/slash only), marks the file referenced and emits findings against
 * file:line. Returns the resolved reference (with query) in *resolved when
 * not NULL, or NULL when the href cannot name a package file. */
void gw_course_check_href(struct gw_course_ctx *c, const char *base, const char *href,
                          enum gw_href_role role, const char *file, unsigned line, char **resolved);

/* xmlsafe.c */
/* Initialises libxml2 once per process and removes its external entity
 * loader (nothing in the course module ever loads a URL or file). */
void gw_course_xml_init(void);
/* Parses an XML file with no network, no entity substitution, no DTD
 * loading, a DOCTYPE with entity declarations refused, and bounded size and
 * depth. Adds the findings and returns NULL when the document is refused. */
xmlDocPtr gw_course_xml_parse(struct gw_course_ctx *c, const char *file, const char *data,
                              size_t len);
/* Element test: local name and namespace URI (ns NULL: any namespace). */
bool gw_course_xml_is(const xmlNode *n, const char *ns, const char *name);
/* Attribute (ns NULL: no namespace), trimmed, new string or NULL. */
char *gw_course_xml_attr(const xmlNode *n, const char *ns, const char *name);
/* Text content, whitespace trimmed, new string (never NULL). */
char *gw_course_xml_text(const xmlNode *n);
unsigned gw_course_xml_line(const xmlNode *n);
/* The next element sibling (or first element child with first_child). */
xmlNode *gw_course_xml_first(const xmlNode *parent);
xmlNode *gw_course_xml_next(const xmlNode *n);

/* scorm.c, cmi5.c, tincan.c: each checks its descriptor, already read. */
void gw_course_scorm_check(struct gw_course_ctx *c, const char *file, const char *data, size_t len);
void gw_course_cmi5_check(struct gw_course_ctx *c, const char *file, const char *data, size_t len);
void gw_course_tincan_check(struct gw_course_ctx *c, const char *file, const char *data,
                            size_t len);

/* content.c: Flash, launch-page accessibility, unreferenced files. */
void gw_course_content_check(struct gw_course_ctx *c, bool check_unreferenced);

/* Grows an array that holds count elements so one more fits: capacity is
 * implied by count (doubling at powers of two), so no field is needed. */
void *gw_course_grow(void *p, size_t count, size_t elem);
/* Drops repeated activity ids, keeping each first occurrence in its place
 * (course.c, once all checks ran). */
void gw_course_finish_activity_ids(struct gw_course_report *r);

/* small string helpers (course.c) */
char *gw_course_trim_dup(const char *s);
bool gw_course_ends_with_ci(const char *s, const char *suffix);

#endif
