/* packages.c: the package resource. POST /api/v1/packages takes a zip as
 * the body (application/zip or application/octet-stream) or as the "file"
 * part of multipart/form-data; the router has already streamed it to a
 * temporary file within the route's size limit. The handler extracts the zip
 * (multipart) and hands it to gw_packages_add (app/packages.c: hash,
 * validate, keep the zip once per SHA-256 (gw/blobs.h), record the report).
 * GET returns the record, or the report alone. */
#include "gw/api.h"
#include "gw/log.h"
#include "gw/multipart.h"
#include "gw/packages.h"
#include "gw/server.h"
#include "gw/timefmt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Copies len bytes at off of fd into a new temporary file next to path. */
/* The package's fields without the report, as the API shows them (new ref);
 * an unrecognised standard is null, as in the report. */
static json_t *summary_json(const struct gw_package *p)
{
    char ts[32];
    gw_time_format_ms(p->created_ms, ts);
    return json_pack("{s:s, s:s, s:I, s:s, s:o, s:b, s:I, s:I, s:s, s:s}", "id", p->id, "sha256",
                     p->sha256, "size", (json_int_t)p->size, "filename", p->filename, "standard",
                     p->standard[0] ? json_string(p->standard) : json_null(), "valid", p->valid,
                     "errors", (json_int_t)p->errors, "warnings", (json_int_t)p->warnings,
                     "uploaded_by", p->uploaded_by, "created", ts);
}

static char *copy_range(int fd, off_t off, size_t len, const char *path, struct gw_error *e)
{
    size_t n = strlen(path);
    char *out = gw_xmalloc(n + 8);
    snprintf(out, n + 8, "%s.zip", path);
    int ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (ofd < 0) {
        gw_log_error("upload: cannot write %s: %s", out, strerror(errno));
        gw_error_set(e, GW_E_IO, "", "the gateway cannot store the uploaded file now");
        free(out);
        return NULL;
    }
    while (len > 0) {
        ssize_t w = copy_file_range(fd, &off, ofd, NULL, len, 0);
        if (w <= 0) {
            gw_error_set(e, GW_E_IO, "", "cannot copy the uploaded file: %s",
                         w < 0 ? strerror(errno) : "short read");
            close(ofd);
            unlink(out);
            free(out);
            return NULL;
        }
        len -= (size_t)w;
    }
    close(ofd);
    return out;
}

/* A file name as the client gave it (X-Filename or the part's filename):
 * stored and shown back, so it must be text: UTF-8, no control characters,
 * at most cap - 1 bytes. Copies it into out. */
static enum gw_err take_filename(const char *s, size_t n, const char *where, char *out, size_t cap,
                                 struct gw_error *e)
{
    if (n >= cap)
        return gw_error_set(e, GW_E_HEADER_INVALID, where,
                            "the file name has %zu bytes; the limit is %zu", n, cap - 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return gw_error_set(e, GW_E_HEADER_INVALID, where,
                                "the file name has a control character (byte %zu)", i + 1);
    }
    json_t *text = json_stringn(s, n); /* NULL when not UTF-8 */
    if (!text)
        return gw_error_set(e, GW_E_HEADER_INVALID, where,
                            "the file name is not UTF-8 text; send it UTF-8 encoded");
    json_decref(text);
    memcpy(out, s, n);
    out[n] = '\0';
    return GW_OK;
}

/* For multipart/form-data: the "file" part (or the first part with a
 * filename) copied into its own file. Returns the path (caller frees and
 * unlinks) and the part's filename. */
static char *extract_part(const char *path, const char *ct, char *filename, size_t cap,
                          struct gw_error *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0) {
        gw_error_set(e, GW_E_BAD_REQUEST, "", "the multipart upload is empty");
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    /* Mapped, not read: the pages are the file's, and only the part
     * boundaries are looked at. */
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        gw_log_error("upload: cannot map %s: %s", path, strerror(errno));
        gw_error_set(e, GW_E_IO, "", "the gateway cannot read the uploaded file now");
        close(fd);
        return NULL;
    }
    struct gw_mpart parts[16];
    size_t n = 0;
    char *out = NULL;
    if (gw_multipart_parse(ct, map, (size_t)st.st_size, parts, 16, &n, e) == GW_OK) {
        const struct gw_mpart *file = NULL;
        char disp[512];
        for (size_t i = 0; i < n && !file; i++) {
            if (!gw_mpart_header(&parts[i], "Content-Disposition", disp, sizeof disp))
                continue;
            if (strstr(disp, "name=\"file\"") || strstr(disp, "filename="))
                file = &parts[i];
        }
        if (!file) {
            gw_error_set(e, GW_E_BAD_REQUEST, "file",
                         "the multipart upload has no part named \"file\"");
        } else {
            char *fn = strstr(disp, "filename=\"");
            enum gw_err rc = GW_OK;
            if (fn) {
                fn += 10;
                rc = take_filename(fn, strcspn(fn, "\""), "file", filename, cap, e);
            }
            if (rc == GW_OK && file->body_len == 0)
                rc = gw_error_set(e, GW_E_BAD_REQUEST, "file",
                                  "the part \"file\" (%s) is empty: attach the zip", filename);
            if (rc == GW_OK)
                out = copy_range(fd, (off_t)(file->body - (const char *)map), file->body_len, path,
                                 e);
        }
    }
    munmap(map, (size_t)st.st_size);
    close(fd);
    return out;
}

void gw_api_packages_post(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_error e;
    gw_error_clear(&e);
    const char *ct = gw_req_header(req, "Content-Type");
    char filename[256] = "package.zip";
    const char *hdr = gw_req_header(req, "X-Filename");
    if (hdr && *hdr &&
        take_filename(hdr, strlen(hdr), "X-Filename", filename, sizeof filename, &e) != GW_OK) {
        gw_reply_error(rep, &e);
        return;
    }
    char *zip = NULL;
    if (req->body_size == 0) {
        gw_reply_errorf(rep, GW_E_BAD_REQUEST, "", "the upload is empty: send the zip as the body");
        return;
    }
    if (gw_content_type_is(ct, "multipart/form-data")) {
        zip = extract_part(req->body_file, ct, filename, sizeof filename, &e);
        if (!zip) {
            gw_reply_error(rep, &e);
            return;
        }
    }
    /* a person in the web app is named by their id, as in the audit log,
     * rather than by the session's internal key id */
    const char *by = req->who.session ? req->who.person_id : req->who.key_id;
    struct gw_package_upload up = {zip ? zip : req->body_file, filename, req->srv->cfg->data_dir,
                                   by, gw_clock_now_ms(&req->srv->clock)};
    struct gw_package p;
    json_t *rj = NULL;
    if (gw_packages_add(req->srv->store, &up, &p, &rj, &e) == GW_OK) {
        json_t *out = summary_json(&p);
        json_object_set_new(out, "report", rj);
        char loc[128];
        snprintf(loc, sizeof loc, "/api/v1/packages/%s", p.id);
        gw_reply_json(rep, 201, out);
        gw_reply_header(rep, "Location", loc);
        gw_package_clear(&p);
    } else {
        gw_reply_error(rep, &e);
    }
    if (zip) {
        unlink(zip); /* gone already when it was kept */
        free(zip);
    }
}

static bool load(struct gw_req *req, struct gw_reply *rep, struct gw_package *p)
{
    struct gw_error e;
    if (gw_store_package_get(req->srv->store, req->params[0], p, &e) != GW_OK) {
        gw_reply_error(rep, &e);
        return false;
    }
    return true;
}

void gw_api_packages_get(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_package p;
    if (!load(req, rep, &p))
        return;
    json_t *out = summary_json(&p);
    json_object_set_new(out, "report", json_loads(p.report, 0, NULL));
    gw_reply_json(rep, 200, out);
    gw_package_clear(&p);
}

void gw_api_packages_report_get(struct gw_req *req, struct gw_reply *rep)
{
    struct gw_package p;
    if (!load(req, rep, &p))
        return;
    gw_reply_text(rep, 200, "application/json", p.report, strlen(p.report));
    gw_package_clear(&p);
}
