/* Uploaded course packages: the store's records (store/packages.c) and the
 * upload handling the API uses (api/packages.c). A package is an immutable
 * zip plus its validation report; course versions refer to packages. */
#ifndef GW_PACKAGES_H
#define GW_PACKAGES_H

#include "gw/store.h"

struct gw_package {
    char id[37];
    char sha256[65];
    int64_t size;
    char filename[256];
    char standard[32]; /* gw_course_standard_name, or "" when none was recognised */
    bool valid;
    int64_t errors, warnings;
    char uploaded_by[32];
    int64_t created_ms;
    char *report; /* JSON text, heap; freed by gw_package_clear */
};

void gw_package_clear(struct gw_package *p);
enum gw_err gw_store_package_insert(struct gw_store *s, const struct gw_package *p,
                                    struct gw_error *err);
/* GW_E_NOT_FOUND when unknown. */
enum gw_err gw_store_package_get(struct gw_store *s, const char *id, struct gw_package *out,
                                 struct gw_error *err);
/* The newest package whose zip has this SHA-256 (GW_E_NOT_FOUND when none). */
enum gw_err gw_store_package_by_sha(struct gw_store *s, const char *sha256, struct gw_package *out,
                                    struct gw_error *err);
/* The package's fields without the report, as the API shows them (new ref);
 * an unrecognised standard is null, as in the report. */
json_t *gw_package_summary_json(const struct gw_package *p);

#endif
