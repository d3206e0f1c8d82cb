/* retention.c (app): archiving and dropping months of statements
 * (gw/retention.h): the archive file (JSON lines, flushed and fsynced, its
 * SHA-256), the checks before a drop, and the order of the store verbs
 * (gw/xapi_retention.h) that list, read, record and drop months. */
#include "gw/retention.h"

#include "gw/buf.h"
#include "gw/hash.h"
#include "gw/xapi.h"
#include "gw/xapi_retention.h"
#include "gw/xapi_store.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void month_text(int yyyymm, char out[16])
{
    snprintf(out, 16, "%04d-%02d", yyyymm / 100 % 10000, yyyymm % 100);
}

static enum gw_err check_before(int before, int64_t now_ms, struct gw_error *err)
{
    int now = gw_xapi_month_of(now_ms);
    if (before <= now)
        return GW_OK;
    char b[16], n[16];
    month_text(before, b);
    month_text(now, n);
    return gw_error_set(err, GW_E_RETENTION_MONTH, "--before",
                        "%s is later than the current month %s: only whole past months are "
                        "archived or dropped",
                        b, n);
}

/* The file's SHA-256; false when it cannot be read. */
static bool hash_file(const char *path, char hex[GW_SHA256_HEX])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct gw_sha256_ctx *c = gw_sha256_begin();
    char buf[65536];
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0)
        gw_sha256_update(c, buf, (size_t)r);
    gw_sha256_end(c, hex);
    close(fd);
    return r == 0;
}

/* ---- archive ---- */

struct writer {
    FILE *f;
    const char *path;
};

static enum gw_err write_line(void *ud, const char *body, int64_t stored_ms, struct gw_error *err)
{
    struct writer *w = ud;
    json_t *st = gw_xapi_stored_statement(body, stored_ms);
    char *line = st ? json_dumps(st, JSON_COMPACT) : NULL;
    json_decref(st);
    if (!line)
        return gw_error_set(err, GW_E_IO, w->path, "a stored statement is not JSON");
    bool ok = fputs(line, w->f) >= 0 && fputc('\n', w->f) != EOF;
    free(line);
    if (!ok)
        return gw_error_set(err, GW_E_IO, w->path, "cannot write %s: %s", w->path, strerror(errno));
    return GW_OK;
}

/* Flushes the file to the disk, and its directory entry. */
static bool sync_file(FILE *f, const char *path)
{
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        return false;
    char *copy = gw_xstrdup(path);
    int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (dfd < 0)
        return false;
    bool ok = fsync(dfd) == 0;
    close(dfd);
    return ok;
}

/* The months before `before` that have a partition, oldest first. */
static enum gw_err months_before(struct gw_store *s, int before, struct gw_xapi_month **v,
                                 size_t *n, struct gw_error *err)
{
    enum gw_err rc = gw_store_xapi_months(s, v, n, err);
    size_t k = 0;
    for (size_t i = 0; rc == GW_OK && i < *n; i++) {
        if ((*v)[i].month < before)
            (*v)[k++] = (*v)[i];
    }
    *n = k;
    return rc;
}

static enum gw_err write_months(struct gw_store *s, const struct gw_xapi_month *months, size_t n,
                                FILE *f, const char *path, int64_t *counts,
                                struct gw_retention_report *rep, struct gw_error *err)
{
    struct writer w = {f, path};
    enum gw_err rc = GW_OK;
    for (size_t i = 0; rc == GW_OK && i < n; i++) {
        rc = gw_store_xapi_month_each(s, months[i].month, write_line, &w, &counts[i], err);
        rep->statements += counts[i];
    }
    if (rc == GW_OK && !sync_file(f, path))
        rc = gw_error_set(err, GW_E_IO, path, "cannot flush %s to the disk: %s", path,
                          strerror(errno));
    return rc;
}

enum gw_err gw_retention_archive(struct gw_store *s, int before, const char *path, int64_t now_ms,
                                 struct gw_retention_report *rep, struct gw_error *err)
{
    memset(rep, 0, sizeof *rep);
    struct gw_xapi_month *months = NULL;
    size_t n = 0;
    enum gw_err rc = check_before(before, now_ms, err);
    if (rc == GW_OK && gw_store_dialect(s) != GW_DIALECT_POSTGRES)
        rc = gw_store_xapi_months(s, &months, &n, err); /* says it is PostgreSQL-only */
    if (rc == GW_OK) /* rows the default partition caught join their months */
        rc = gw_store_xapi_partitions_ensure(s, now_ms, NULL, err);
    if (rc == GW_OK)
        rc = months_before(s, before, &months, &n, err);
    if (rc != GW_OK || n == 0) {
        free(months);
        return rc;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        rc = gw_error_set(err, GW_E_IO, path,
                          "cannot create %s: %s (an archive never replaces a file)", path,
                          strerror(errno));
        if (fd >= 0)
            close(fd);
        free(months);
        return rc;
    }
    int64_t *counts = gw_xcalloc(n, sizeof *counts);
    rc = write_months(s, months, n, f, path, counts, rep, err);
    if (fclose(f) != 0 && rc == GW_OK)
        rc = gw_error_set(err, GW_E_IO, path, "cannot close %s: %s", path, strerror(errno));
    char abs[PATH_MAX];
    if (rc == GW_OK && (!realpath(path, abs) || !hash_file(abs, rep->sha256)))
        rc = gw_error_set(err, GW_E_IO, path, "cannot read %s back", path);
    for (size_t i = 0; rc == GW_OK && i < n; i++)
        rc = gw_store_xapi_month_archived(s, months[i].month, abs, counts[i], rep->sha256, now_ms,
                                          err);
    if (rc == GW_OK) {
        rep->months = n;
        rep->first = months[0].month;
        rep->last = months[n - 1].month;
    }
    free(counts);
    free(months);
    return rc;
}

/* ---- drop ---- */

static enum gw_err check_file(const struct gw_xapi_month *m, struct gw_error *err)
{
    char month[16], hex[GW_SHA256_HEX];
    month_text(m->month, month);
    if (!m->archived)
        return gw_error_set(err, GW_E_RETENTION_NOT_ARCHIVED, month,
                            "%s was not archived: run 'lmsgw statements archive' first", month);
    if (!hash_file(m->file, hex))
        return gw_error_set(err, GW_E_RETENTION_NOT_ARCHIVED, month,
                            "the archive of %s, %s, cannot be read: restore it or archive "
                            "again",
                            month, m->file);
    if (strcmp(hex, m->sha256) != 0)
        return gw_error_set(err, GW_E_RETENTION_NOT_ARCHIVED, month,
                            "the archive of %s, %s, changed since it was written (SHA-256 %s, "
                            "recorded %s): archive again",
                            month, m->file, hex, m->sha256);
    return GW_OK;
}

enum gw_err gw_retention_drop(struct gw_store *s, int before, int64_t now_ms,
                              struct gw_retention_report *rep, struct gw_error *err)
{
    memset(rep, 0, sizeof *rep);
    struct gw_xapi_month *months = NULL;
    size_t n = 0;
    enum gw_err rc = check_before(before, now_ms, err);
    if (rc == GW_OK)
        rc = months_before(s, before, &months, &n, err);
    for (size_t i = 0; rc == GW_OK && i < n; i++) {
        int64_t dropped = 0;
        rc = check_file(&months[i], err);
        if (rc == GW_OK)
            rc = gw_store_xapi_month_drop(s, months[i].month, now_ms, &dropped, err);
        if (rc != GW_OK)
            break;
        if (!rep->months)
            rep->first = months[i].month;
        rep->last = months[i].month;
        rep->months++;
        rep->statements += dropped;
    }
    free(months);
    return rc;
}
