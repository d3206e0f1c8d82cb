/* Course-package validation: SCORM 1.2, SCORM 2004 (2nd-4th edition), cmi5
 * and xAPI/Tin Can packages, examined straight from the zip (central directory
 * first, hostile-zip guards before any entry is read, nothing extracted).
 *
 * The result is a report: what the package is (standard, edition, title,
 * identifier, launchable SCOs/AUs, activity IRIs, files with sizes and CRCs)
 * and findings, each with a stable code from gw/findings.def, a severity, the
 * file and line it concerns and one sentence a course author can act on.
 * Validity lives in the report; the functions only fail when the zip cannot be
 * examined at all. No HTTP and no SQL here: api/ and store/ call these. */
#ifndef GW_COURSE_H
#define GW_COURSE_H

#include "gw/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gw_finding_code {
#define GW_FINDING(name, sev, desc) GW_F_##name,
#include "gw/findings.def"
#undef GW_FINDING
    GW_F_COUNT_
};

enum gw_severity { GW_SEV_ERROR, GW_SEV_WARNING, GW_SEV_INFO };

enum gw_course_standard {
    GW_STD_UNKNOWN,
    GW_STD_SCORM12,
    GW_STD_SCORM2004,
    GW_STD_CMI5,
    GW_STD_TINCAN,
};

struct gw_course_limits {
    size_t max_entries;              /* central-directory entries */
    uint64_t max_total_uncompressed; /* sum of declared entry sizes */
    uint64_t max_entry_uncompressed; /* one entry's declared size */
    double max_entry_ratio;          /* size/compressed, for entries above ratio_min_size */
    double max_total_ratio;          /* the same over the whole zip */
    uint64_t ratio_min_size;         /* smaller entries may compress as well as they like */
    size_t max_descriptor_bytes;     /* imsmanifest.xml, cmi5.xml, tincan.xml */
    size_t max_html_bytes;           /* launch pages read for the content checks */
    size_t max_html_pages;           /* launch pages read at most */
    unsigned max_xml_depth;          /* element nesting */
    size_t max_name_len;             /* bytes of one entry name */
    size_t max_findings;             /* further findings are counted, not kept */
    bool verify_data;                /* stream every entry once to check its CRC */
};

struct gw_course_finding {
    enum gw_finding_code code;
    enum gw_severity severity;
    char *file;    /* zip entry it concerns, or NULL */
    unsigned line; /* 1-based line in file, 0 when none */
    char *message; /* one actionable sentence */
};

struct gw_course_file {
    char *path;    /* entry name as stored in the zip */
    uint64_t size; /* uncompressed, from the central directory */
    uint64_t compressed_size;
    uint32_t crc32;
    bool is_dir;
    bool referenced; /* a resource, file, url or launch names it */
};

struct gw_course_org {
    char *identifier;
    char *title;
    bool is_default;
};

enum gw_course_item_kind {
    GW_ITEM_SCORM,   /* SCORM <item> */
    GW_ITEM_BLOCK,   /* cmi5 <block> */
    GW_ITEM_AU,      /* cmi5 <au> */
    GW_ITEM_ACTIVITY /* tincan <activity> */
};

struct gw_course_item {
    enum gw_course_item_kind kind;
    char *identifier; /* SCORM identifier, cmi5 id, tincan activity id */
    char *title;
    char *organization; /* SCORM: the organization it belongs to */
    int parent;         /* index of the parent item in the report, -1 at the top */
    unsigned depth;
    bool launchable;  /* a SCO/asset, an AU, an activity with a launch */
    char *resource;   /* SCORM identifierref */
    char *scorm_type; /* "sco" / "asset" (SCORM) */
    char *launch_url; /* resolved against xml:base, with parameters; NULL when none */
    bool has_mastery;
    double mastery_score; /* SCORM 1.2: 0-100; 2004: -1..1 (minNormalizedMeasure); cmi5: 0..1 */
    char *move_on;        /* cmi5 */
    char *launch_method;  /* cmi5 */
};

struct gw_course_report {
    enum gw_course_standard standard;
    char *edition;       /* "2nd", "3rd", "4th" for SCORM 2004, else NULL */
    char *descriptor;    /* "imsmanifest.xml", "cmi5.xml", "tincan.xml" or NULL */
    char *schemaversion; /* SCORM <schemaversion> as written */
    char *title, *identifier, *version;
    struct gw_course_org *orgs;
    size_t org_count;
    struct gw_course_item *items;
    size_t item_count;
    char **activity_ids; /* cmi5 course/block/AU ids, tincan ids, SCORM identifiers */
    size_t activity_id_count;
    struct gw_course_file *files;
    size_t file_count; /* entries, directories included */
    uint64_t total_uncompressed;
    uint64_t total_compressed;
    struct gw_course_finding *findings;
    size_t finding_count;
    size_t finding_cap;
    size_t counts[3]; /* per severity, dropped findings included */
};

/* Fills *l with the defaults: 20,000 entries, 1 GiB in total, 512 MiB per
 * entry, ratio 200:1 per entry and 100:1 overall above 1 MiB, 8 MiB
 * descriptors, 2 MiB launch pages, depth 100, 500 findings, verify_data on. */
void gw_course_limits_default(struct gw_course_limits *l);

/* Validates the zip at zip_path. limits may be NULL (defaults). Returns GW_OK
 * with *out set whenever the zip could be examined, valid or not (see
 * gw_course_report_valid); GW_E_PACKAGE_UNREADABLE when it is not a zip
 * libzip can open, GW_E_IO when the file cannot be read. The caller frees
 * *out with gw_course_report_free. */
enum gw_err gw_course_validate_file(const char *zip_path, const struct gw_course_limits *limits,
                                    struct gw_course_report **out, struct gw_error *err);
/* The same for a zip held in memory (data is not copied; it must outlive the call). */
enum gw_err gw_course_validate_buffer(const void *data, size_t len,
                                      const struct gw_course_limits *limits,
                                      struct gw_course_report **out, struct gw_error *err);
/* Validates a descriptor on its own (a standalone cmi5.xml, or a manifest in
 * a fuzz target): name is "imsmanifest.xml", "cmi5.xml" or "tincan.xml";
 * files, when not NULL, is a NULL-terminated list of paths treated as present
 * in the package. Always returns a report (GW_OK) unless name is unknown
 * (GW_E_PACKAGE_INVALID). */
enum gw_err gw_course_validate_descriptor(const char *name, const void *data, size_t len,
                                          const char *const *files,
                                          const struct gw_course_limits *limits,
                                          struct gw_course_report **out, struct gw_error *err);

/* True when the report has no error-severity finding. */
bool gw_course_report_valid(const struct gw_course_report *r);
/* The report as JSON (schemas/validation-report.schema.json). New reference. */
json_t *gw_course_report_to_json(const struct gw_course_report *r);
void gw_course_report_free(struct gw_course_report *r);
/* True when the report has a finding with this code. */
bool gw_course_report_has(const struct gw_course_report *r, enum gw_finding_code code);

/* "scorm12", "scorm2004", "cmi5", "tincan" or NULL. */
const char *gw_course_standard_name(enum gw_course_standard s);
const char *gw_severity_name(enum gw_severity s);

/* The finding registry: name, default severity, description. */
struct gw_finding_info {
    enum gw_finding_code code;
    const char *name;
    enum gw_severity severity;
    const char *description;
};
const struct gw_finding_info *gw_course_finding_info(enum gw_finding_code code);
/* Finds a code by name ("LAUNCH_FILE_MISSING"); returns false when unknown. */
bool gw_course_finding_by_name(const char *name, enum gw_finding_code *out);
/* The registry as JSON (schemas/finding-codes.json). New reference. */
json_t *gw_course_findings_registry_json(void);

/* `lmsgw validate PACKAGE.zip [--json]` and `lmsgw validate --finding-codes`.
 * argv[0] is "validate". Exit status: 0 valid (warnings allowed), 1 invalid,
 * 2 unreadable or bad usage. */
int gw_cmd_validate(int argc, char **argv);

#endif
