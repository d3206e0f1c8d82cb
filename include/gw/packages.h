/* Uploaded course packages: the store's records (store/packages.c), and
 * adding and deleting one (app/packages.c); adding is what POST /api/v1/packages and `lmsgw
 * demo-data` share. A package is an immutable zip plus its validation report; course versions refer
 * to packages. */
#ifndef GW_PACKAGES_H
#define GW_PACKAGES_H

#include "gw/store.h"

#include <jansson.h>

struct gw_package {
    char id[37];
    char sha256[65];
    int64_t size;
    char filename[256];
    char standard[32]; /* gw_course_standard_name, or "" when none was recognised */
    bool valid;
    int64_t errors, warnings;
    char uploaded_by[64]; /* a key id, a person id (web app) or "demo-data" */
    int64_t created_ms;
    char *report; /* JSON text, heap; freed by gw_package_clear */
};

void gw_package_clear(struct gw_package *p);
/* Inserts the record alone (tests that need no zip). */
enum gw_err gw_store_package_insert(struct gw_store *s, const struct gw_package *p,
                                    struct gw_error *err);
/* Inserts the record of a package whose zip gw_blobs_put stored, in the
 * transaction that checks the zip's bytes are all there (gw_blobs_check_in):
 * GW_E_NOT_FOUND (where "sha256") when a concurrent removal took them: put
 * the zip again and retry. */
enum gw_err gw_store_package_insert_kept(struct gw_store *s, const struct gw_package *p,
                                         const char *data_dir, struct gw_error *err);
/* Deletes a package that no course version refers to (GW_E_CONFLICT when
 * one does, GW_E_NOT_FOUND when unknown) and, in the same transaction, its
 * zip when no other package refers to it (app/packages.c). */
enum gw_err gw_app_package_delete(struct gw_store *s, const char *id, const char *data_dir,
                                  struct gw_error *err);
/* The verbs it runs in its transaction (store/packages.c): GW_QS_ONE when a
 * course version refers to package id; DELETE the package (GW_QS_ONE with
 * its zip's SHA-256, GW_QS_NONE when unknown). */
enum gw_qs gw_pkg_in_version(struct gw_db *db, const char *id, struct gw_error *err);
enum gw_qs gw_pkg_delete(struct gw_db *db, const char *id, char sha256[65], struct gw_error *err);
/* GW_E_NOT_FOUND when unknown. */
enum gw_err gw_store_package_get(struct gw_store *s, const char *id, struct gw_package *out,
                                 struct gw_error *err);
/* The newest package whose zip has this SHA-256 (GW_E_NOT_FOUND when none). */
enum gw_err gw_store_package_by_sha(struct gw_store *s, const char *sha256, struct gw_package *out,
                                    struct gw_error *err);

/* A zip to add as a package. Strings borrowed. */
struct gw_package_upload {
    const char *path;        /* the zip, stored by gw_blobs_put (which may move it: the
                                caller removes what remains) */
    const char *filename;    /* as the author named it (errors name it instead of path) */
    const char *data_dir;    /* the configuration's data_dir */
    const char *uploaded_by; /* the key id (API), the person (web app) or "demo-data" */
    int64_t now_ms;          /* the package's created time */
};

/* Hashes the zip, validates it (gw_course_validate_file), keeps it and
 * records the package with its report. An invalid package is recorded too
 * (valid false, its findings in the report); a zip that cannot be read at
 * all is an error (PACKAGE_*, IO). On GW_OK fills out (free with
 * gw_package_clear) and, when report_json is not NULL, the report as JSON
 * (new reference). */
enum gw_err gw_packages_add(struct gw_store *store, const struct gw_package_upload *up,
                            struct gw_package *out, json_t **report_json, struct gw_error *e);

#endif
