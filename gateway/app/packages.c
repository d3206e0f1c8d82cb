/* packages.c (app): adding a course package, the one use case behind POST
 * /api/v1/packages and `lmsgw demo-data`: hash the zip, validate it, keep it
 * once per SHA-256 (gw/blobs.h: a file with SQLite, in the database with
 * PostgreSQL) and record the package with its report. Reading the HTTP request (body, multipart,
 * file name) stays in api/packages.c; the checks are course/'s, the SQL store/'s.
 * And deleting one: a version's package stays; the zip goes with its last package. */
#include "gw/packages.h"

#include "gw/blobs.h"
#include "gw/buf.h"
#include "gw/course.h"
#include "gw/hash.h"
#include "gw/json.h"
#include "gw/log.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool hash_file(const char *path, char hex[GW_SHA256_HEX], int64_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct gw_sha256_ctx *c = gw_sha256_begin();
    char buf[65536];
    ssize_t r;
    *size = 0;
    while ((r = read(fd, buf, sizeof buf)) > 0) {
        gw_sha256_update(c, buf, (size_t)r);
        *size += r;
    }
    gw_sha256_end(c, hex);
    close(fd);
    return r == 0;
}

/* Replaces every occurrence of what in s (cap bytes) by with. */
static void replace_all(char *s, size_t cap, const char *what, const char *with)
{
    size_t wn = strlen(what);
    if (!wn || !strstr(s, what))
        return;
    struct gw_buf b = {0};
    const char *p = s, *hit;
    while ((hit = strstr(p, what)) != NULL) {
        gw_buf_append(&b, p, (size_t)(hit - p));
        gw_buf_puts(&b, with);
        p = hit + wn;
    }
    gw_buf_puts(&b, p);
    snprintf(s, cap, "%s", gw_buf_str(&b));
    gw_buf_free(&b);
}

/* The validator names the file it read, which is the caller's temporary
 * copy: the error names the file the user sent instead. */
static void name_upload(struct gw_error *e, const char *tmp, const char *filename)
{
    replace_all(e->detail, sizeof e->detail, tmp, filename);
    replace_all(e->where, sizeof e->where, tmp, filename);
}

/* Stores the zip and records the package. A removal of the last package
 * with the same bytes can take them between the two (gw_app_package_delete):
 * the record's transaction says so, and the bytes are put again. */
static enum gw_err keep(struct gw_store *store, const struct gw_package_upload *up,
                        const struct gw_package *p, struct gw_error *e)
{
    enum gw_err rc = GW_OK;
    for (int attempt = 0; attempt < 3; attempt++) {
        rc = gw_blobs_put(store, up->data_dir, p->sha256, up->path, e);
        if (rc == GW_OK)
            rc = gw_store_package_insert_kept(store, p, up->data_dir, e);
        if (rc != GW_E_NOT_FOUND)
            break;
    }
    return rc;
}

enum gw_err gw_packages_add(struct gw_store *store, const struct gw_package_upload *up,
                            struct gw_package *out, json_t **report_json, struct gw_error *e)
{
    memset(out, 0, sizeof *out);
    if (report_json)
        *report_json = NULL;
    char sha[GW_SHA256_HEX];
    struct gw_course_report *report = NULL;
    enum gw_err rc = hash_file(up->path, sha, &out->size)
                         ? GW_OK
                         : gw_error_set(e, GW_E_IO, "", "cannot read the uploaded file");
    if (rc == GW_OK) {
        rc = gw_course_validate_file(up->path, NULL, &report, e);
        if (rc != GW_OK)
            name_upload(e, up->path, up->filename);
    }
    if (rc != GW_OK)
        goto done;
    json_t *rj = gw_course_report_to_json(report);
    gw_uuid_v4(out->id);
    snprintf(out->sha256, sizeof out->sha256, "%s", sha);
    snprintf(out->filename, sizeof out->filename, "%s", up->filename);
    /* "" when no standard was recognised: stored so, shown as null like the report's */
    const char *standard = gw_course_standard_name(report->standard);
    snprintf(out->standard, sizeof out->standard, "%s", standard ? standard : "");
    out->valid = gw_course_report_valid(report);
    out->errors = (int64_t)report->counts[GW_SEV_ERROR];
    out->warnings = (int64_t)report->counts[GW_SEV_WARNING];
    snprintf(out->uploaded_by, sizeof out->uploaded_by, "%s", up->uploaded_by);
    out->created_ms = up->now_ms;
    out->report = gw_json_dump(rj);
    rc = keep(store, up, out, e);
    if (rc == GW_OK && report_json)
        *report_json = rj;
    else
        json_decref(rj);
done:
    gw_course_report_free(report);
    if (rc != GW_OK)
        gw_package_clear(out);
    return rc;
}

/* ---- deleting ---- */

struct delete_ctx {
    const char *id, *data_dir;
};

static enum gw_qs delete_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct delete_ctx *c = ud;
    enum gw_qs qs = gw_pkg_in_version(db, c->id, err);
    if (qs == GW_QS_ONE) {
        gw_error_set(err, GW_E_CONFLICT, "id",
                     "package '%s' is a version of a course; a version's package stays", c->id);
        return GW_QS_HARD;
    }
    char sha[65];
    if (qs == GW_QS_NONE)
        qs = gw_pkg_delete(db, c->id, sha, err);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, "id", "no package has the id '%s'", c->id);
        return GW_QS_HARD;
    }
    if (qs == GW_QS_ONE)
        qs = gw_blobs_drop_unreferenced(db, c->data_dir, sha, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_err gw_app_package_delete(struct gw_store *s, const char *id, const char *data_dir,
                                  struct gw_error *err)
{
    struct delete_ctx c = {id, data_dir};
    return gw_store_tx(s, GW_TX_WRITE, delete_body, &c, err);
}
