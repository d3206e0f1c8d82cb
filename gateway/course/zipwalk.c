/* zipwalk.c: walking a course zip with libzip, hostile input assumed.
 * The central directory is read first and every guard is applied from it
 * before any entry's data is touched: entry names (zip slip, absolute paths,
 * drive letters, backslashes, control characters, duplicates), symlinks,
 * encryption, entry count, total size and compression ratios. Entries are
 * then only ever read into memory with a size cap (descriptors and launch
 * pages) or streamed in fixed chunks for the CRC check; nothing is extracted
 * to disk. Owns the package's file index. */
#include "course_int.h"

#include "gw/buf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define S_IFMT_BITS 0170000u
#define S_IFLNK_BITS 0120000u

/* The guard an entry name fails, or GW_F_COUNT_ when it is safe. */
static enum gw_finding_code check_name(const char *name, size_t max_len)
{
    size_t n = strlen(name);
    if (n == 0 || n > max_len)
        return GW_F_ZIP_ENTRY_NAME_INVALID;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (ch < 0x20 || ch == 0x7f)
            return GW_F_ZIP_ENTRY_NAME_INVALID;
    }
    if (name[0] == '/' || name[0] == '\\' || (isalpha((unsigned char)name[0]) && name[1] == ':'))
        return GW_F_ZIP_ENTRY_ABSOLUTE;
    /* ".." as a whole segment, with either separator */
    const char *seg = name;
    for (const char *p = name;; p++) {
        if (*p == '/' || *p == '\\' || *p == '\0') {
            if (p - seg == 2 && seg[0] == '.' && seg[1] == '.')
                return GW_F_ZIP_ENTRY_TRAVERSAL;
            if (*p == '\0')
                break;
            seg = p + 1;
        }
    }
    if (strchr(name, '\\'))
        return GW_F_ZIP_ENTRY_BACKSLASH;
    return GW_F_COUNT_;
}

static void report_name(struct gw_course_ctx *c, enum gw_finding_code code, const char *name)
{
    switch (code) {
    case GW_F_ZIP_ENTRY_TRAVERSAL:
        gw_course_add(c, code, name, 0,
                      "The zip entry \"%s\" climbs out of the package folder with '..' (zip "
                      "slip); remove it and build the zip from inside the course folder.",
                      name);
        break;
    case GW_F_ZIP_ENTRY_ABSOLUTE:
        gw_course_add(c, code, name, 0,
                      "The zip entry \"%s\" is an absolute path; build the zip from inside the "
                      "course folder so every name is relative.",
                      name);
        break;
    case GW_F_ZIP_ENTRY_BACKSLASH:
        gw_course_add(c, code, name, 0,
                      "The zip entry \"%s\" uses backslashes as folder separators, so it unpacks "
                      "as one flat file on Linux servers; build the zip with a tool that writes "
                      "forward slashes (7-Zip, zip, or Windows 10's own compressor).",
                      name);
        break;
    default:
        gw_course_add(c, GW_F_ZIP_ENTRY_NAME_INVALID, NULL, 0,
                      "A zip entry name is empty, longer than %zu bytes or holds control "
                      "characters; rename the file and build the zip again.",
                      c->lim->max_name_len);
        break;
    }
}

struct name_ref {
    const char *path;
    size_t index;
};

static int cmp_path(const void *a, const void *b)
{
    const struct name_ref *x = a, *y = b;
    int r = strcmp(x->path, y->path);
    if (r != 0)
        return r;
    return x->index < y->index ? -1 : 1;
}

/* Fills rep->files from the central directory; returns false when the zip
 * has too many entries to look at. */
static bool read_directory(struct gw_course_ctx *c, size_t *encrypted, const char **first_enc)
{
    struct gw_course_report *r = c->rep;
    zip_int64_t n = zip_get_num_entries(c->za, 0);
    if (n < 0)
        n = 0;
    if ((uint64_t)n > c->lim->max_entries) {
        gw_course_add(c, GW_F_ZIP_TOO_MANY_ENTRIES, NULL, 0,
                      "The zip has %lld entries, more than the %zu the gateway accepts; remove "
                      "files the course does not use.",
                      (long long)n, c->lim->max_entries);
        c->sizes_refused = true;
        return false;
    }
    r->files = gw_xcalloc((size_t)n + 1, sizeof *r->files);
    c->unsafe = gw_xcalloc((size_t)n + 1, sizeof *c->unsafe);
    c->encrypted = gw_xcalloc((size_t)n + 1, sizeof *c->encrypted);
    for (zip_int64_t i = 0; i < n; i++) {
        struct gw_course_file *f = &r->files[r->file_count++];
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(c->za, (zip_uint64_t)i, 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME)) {
            f->path = gw_xstrdup("");
            c->unsafe[i] = true;
            gw_course_add(c, GW_F_ZIP_ENTRY_CORRUPT, NULL, 0,
                          "Zip entry %lld cannot be read from the central directory; the zip is "
                          "damaged, so create it again.",
                          (long long)i);
            continue;
        }
        f->path = gw_xstrdup(st.name);
        f->size = (st.valid & ZIP_STAT_SIZE) ? st.size : 0;
        f->compressed_size = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0;
        f->crc32 = (st.valid & ZIP_STAT_CRC) ? st.crc : 0;
        size_t len = strlen(f->path);
        f->is_dir = len > 0 && f->path[len - 1] == '/' && f->size == 0;
        if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
            c->encrypted[i] = true;
            if ((*encrypted)++ == 0)
                *first_enc = f->path;
        }
        zip_uint8_t opsys = 0;
        zip_uint32_t attr = 0;
        if (zip_file_get_external_attributes(c->za, (zip_uint64_t)i, 0, &opsys, &attr) == 0 &&
            opsys == ZIP_OPSYS_UNIX && ((attr >> 16) & S_IFMT_BITS) == S_IFLNK_BITS) {
            c->unsafe[i] = true;
            gw_course_add(c, GW_F_ZIP_ENTRY_SYMLINK, f->path, 0,
                          "The zip entry \"%s\" is a symbolic link, which could point outside "
                          "the package; put the real file in the zip instead.",
                          f->path);
        }
    }
    return true;
}

static void check_sizes(struct gw_course_ctx *c)
{
    const struct gw_course_limits *l = c->lim;
    struct gw_course_report *r = c->rep;
    for (size_t i = 0; i < r->file_count; i++) {
        const struct gw_course_file *f = &r->files[i];
        r->total_uncompressed += f->size;
        r->total_compressed += f->compressed_size;
        if (f->size > l->max_entry_uncompressed) {
            c->sizes_refused = true;
            gw_course_add(c, GW_F_ZIP_ENTRY_TOO_LARGE, f->path, 0,
                          "%s expands to %llu bytes, more than the %llu a single file may have; "
                          "split or compress the media.",
                          f->path, (unsigned long long)f->size,
                          (unsigned long long)l->max_entry_uncompressed);
        }
        if (f->size >= l->ratio_min_size &&
            (f->compressed_size == 0 ||
             (double)f->size / (double)f->compressed_size > l->max_entry_ratio)) {
            c->sizes_refused = true;
            gw_course_add(c, GW_F_ZIP_COMPRESSION_RATIO, f->path, 0,
                          "%s expands from %llu to %llu bytes (more than %.0f:1), which only a "
                          "zip bomb does; the package was refused without expanding it.",
                          f->path, (unsigned long long)f->compressed_size,
                          (unsigned long long)f->size, l->max_entry_ratio);
        }
    }
    if (r->total_uncompressed > l->max_total_uncompressed) {
        c->sizes_refused = true;
        gw_course_add(c, GW_F_ZIP_TOO_LARGE, NULL, 0,
                      "The zip expands to %llu bytes, more than the %llu the gateway accepts; "
                      "remove unused media or host large videos outside the package.",
                      (unsigned long long)r->total_uncompressed,
                      (unsigned long long)l->max_total_uncompressed);
    }
    if (r->total_uncompressed >= l->ratio_min_size &&
        (r->total_compressed == 0 ||
         (double)r->total_uncompressed / (double)r->total_compressed > l->max_total_ratio) &&
        !gw_course_report_has(r, GW_F_ZIP_COMPRESSION_RATIO)) {
        c->sizes_refused = true;
        gw_course_add(c, GW_F_ZIP_COMPRESSION_RATIO, NULL, 0,
                      "The zip expands from %llu to %llu bytes (more than %.0f:1), which only a "
                      "zip bomb does; the package was refused without expanding it.",
                      (unsigned long long)r->total_compressed,
                      (unsigned long long)r->total_uncompressed, l->max_total_ratio);
    }
}

bool gw_course_zip_scan(struct gw_course_ctx *c)
{
    struct gw_course_report *r = c->rep;
    size_t encrypted = 0;
    const char *first_enc = NULL;
    if (c->za) {
        if (!read_directory(c, &encrypted, &first_enc))
            return false;
    } else {
        c->unsafe = gw_xcalloc(r->file_count + 1, sizeof *c->unsafe);
        c->encrypted = gw_xcalloc(r->file_count + 1, sizeof *c->encrypted);
    }
    if (encrypted > 0)
        gw_course_add(c, GW_F_ZIP_ENTRY_ENCRYPTED, first_enc, 0,
                      "%zu zip entr%s encrypted (%s%s), so no LMS can read %s; export the "
                      "package without a password.",
                      encrypted, encrypted == 1 ? "y is" : "ies are", first_enc,
                      encrypted > 1 ? " and others" : "", encrypted == 1 ? "it" : "them");
    size_t backslashes = 0;
    const char *first_bs = NULL;
    for (size_t i = 0; i < r->file_count; i++) {
        enum gw_finding_code code = check_name(r->files[i].path, c->lim->max_name_len);
        if (code == GW_F_COUNT_)
            continue;
        c->unsafe[i] = true;
        if (code != GW_F_ZIP_ENTRY_BACKSLASH)
            report_name(c, code, r->files[i].path);
        else if (backslashes++ == 0)
            first_bs = r->files[i].path;
    }
    if (backslashes == 1)
        report_name(c, GW_F_ZIP_ENTRY_BACKSLASH, first_bs);
    else if (backslashes > 1)
        gw_course_add(c, GW_F_ZIP_ENTRY_BACKSLASH, first_bs, 0,
                      "%zu zip entries (\"%s\" and others) use backslashes as folder "
                      "separators, so they unpack as flat files on Linux servers; build the zip "
                      "with a tool that writes forward slashes (7-Zip, zip, or Windows 10's own "
                      "compressor).",
                      backslashes, first_bs);
    check_sizes(c);

    /* Sort every index by path to find duplicates, then keep the safe files. */
    struct name_ref *all = gw_xmalloc((r->file_count + 1) * sizeof *all);
    for (size_t i = 0; i < r->file_count; i++) {
        all[i].path = r->files[i].path;
        all[i].index = i;
    }
    gw_sort(all, r->file_count, sizeof *all, cmp_path);
    c->lookup = gw_xmalloc((r->file_count + 1) * sizeof *c->lookup);
    for (size_t k = 0; k < r->file_count; k++) {
        size_t i = all[k].index;
        bool dup = k > 0 && strcmp(all[k - 1].path, all[k].path) == 0;
        if (dup && (k < 2 || strcmp(all[k - 2].path, all[k].path) != 0))
            gw_course_add(c, GW_F_ZIP_ENTRY_DUPLICATE, r->files[i].path, 0,
                          "The zip has more than one entry named \"%s\", and tools disagree on "
                          "which one wins; build the zip again so each file appears once.",
                          r->files[i].path);
        if (dup || c->unsafe[i] || r->files[i].is_dir)
            continue;
        c->lookup[c->lookup_count++] = i;
    }
    free(all);
    return true;
}

long gw_course_find(const struct gw_course_ctx *c, const char *path)
{
    size_t lo = 0, hi = c->lookup_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(c->rep->files[c->lookup[mid]].path, path);
        if (r == 0)
            return (long)c->lookup[mid];
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static char *fold(const char *s)
{
    char *out = gw_xstrdup(s);
    for (char *p = out; *p; p++)
        *p = *p == '\\' ? '/' : (char)tolower((unsigned char)*p);
    return out;
}

static int cmp_folded(const void *a, const void *b)
{
    const struct gw_course_folded *x = a, *y = b;
    int r = strcmp(x->key, y->key);
    if (r != 0)
        return r;
    return x->index < y->index ? -1 : 1;
}

long gw_course_find_loose(struct gw_course_ctx *c, const char *path)
{
    if (!c->folded) { /* built on first use: most packages never need it */
        c->folded = gw_xmalloc((c->rep->file_count + 1) * sizeof *c->folded);
        for (size_t i = 0; i < c->rep->file_count; i++) {
            if (c->rep->files[i].is_dir)
                continue;
            c->folded[c->folded_count].key = fold(c->rep->files[i].path);
            c->folded[c->folded_count++].index = i;
        }
        gw_sort(c->folded, c->folded_count, sizeof *c->folded, cmp_folded);
    }
    char *key = fold(path);
    long found = -1;
    size_t lo = 0, hi = c->folded_count;
    while (lo < hi) { /* the first entry with this key */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(c->folded[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < c->folded_count && strcmp(c->folded[lo].key, key) == 0)
        found = (long)c->folded[lo].index;
    free(key);
    return found;
}

enum gw_course_read gw_course_read_file(struct gw_course_ctx *c, size_t i, size_t cap, char **data,
                                        size_t *len)
{
    *data = NULL;
    *len = 0;
    if (!c->za)
        return GW_READ_FAILED;
    const struct gw_course_file *f = &c->rep->files[i];
    if (f->size > cap)
        return GW_READ_TOO_LARGE;
    zip_file_t *zf = zip_fopen_index(c->za, i, 0);
    if (!zf) {
        zip_error_t *ze = zip_get_error(c->za);
        int code = zip_error_code_zip(ze);
        zip_error_clear(c->za);
        return code == ZIP_ER_NOPASSWD || code == ZIP_ER_WRONGPASSWD || code == ZIP_ER_ENCRNOTSUPP
                   ? GW_READ_ENCRYPTED
                   : GW_READ_FAILED;
    }
    enum gw_course_read rc = GW_READ_OK;
    size_t want = (size_t)f->size + 1; /* one byte more reveals a lying size */
    char *buf = gw_xmalloc(want + 1);
    size_t got = 0;
    while (got < want) {
        zip_int64_t nr = zip_fread(zf, buf + got, want - got);
        if (nr < 0) {
            rc = GW_READ_FAILED;
            break;
        }
        if (nr == 0)
            break;
        got += (size_t)nr;
    }
    zip_fclose(zf);
    if (rc == GW_READ_OK && got != f->size)
        rc = got > f->size ? GW_READ_TOO_LARGE : GW_READ_FAILED;
    if (rc != GW_READ_OK) {
        free(buf);
        return rc;
    }
    buf[got] = '\0';
    *data = buf;
    *len = got;
    return GW_READ_OK;
}

void gw_course_zip_verify(struct gw_course_ctx *c)
{
    enum { CHUNK = 64 * 1024 };
    char *buf = gw_xmalloc(CHUNK);
    size_t reported = 0;
    for (size_t i = 0; i < c->rep->file_count && reported < 20; i++) {
        const struct gw_course_file *f = &c->rep->files[i];
        if (c->unsafe[i] || c->encrypted[i] || f->is_dir)
            continue;
        zip_file_t *zf = zip_fopen_index(c->za, i, 0);
        bool ok = zf != NULL;
        uint64_t got = 0;
        while (ok) {
            zip_int64_t nr = zip_fread(zf, buf, CHUNK);
            if (nr < 0)
                ok = false;
            else if (nr == 0)
                break;
            else
                got += (uint64_t)nr;
            if (got > f->size)
                ok = false;
        }
        if (zf)
            zip_fclose(zf);
        else
            zip_error_clear(c->za);
        if (!ok || got != f->size) {
            reported++;
            gw_course_add(c, GW_F_ZIP_ENTRY_CORRUPT, f->path, 0,
                          "%s cannot be decompressed or does not match its recorded size and "
                          "CRC; the zip is damaged, so create it again.",
                          f->path);
        }
    }
    free(buf);
}
