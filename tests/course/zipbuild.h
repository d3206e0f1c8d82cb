/* zipbuild.h: building small test zips with libzip, including the hostile
 * kinds (symlinks, encrypted entries, duplicate names, any raw name), in a
 * temporary directory. Test-only; header-only so each test links what it uses. */
#ifndef GW_TEST_ZIPBUILD_H
#define GW_TEST_ZIPBUILD_H

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

enum zb_flags { ZB_NONE = 0, ZB_SYMLINK = 1, ZB_ENCRYPT = 2, ZB_STORE = 4 };

struct zb_entry {
    const char *name;
    const char *data; /* NUL-terminated text, or bytes with len */
    size_t len;       /* 0: strlen(data) */
    int flags;
};

static char zb_dir[256];

/* A fresh path in a private temp directory (created on first use). */
static inline const char *zb_path(const char *name)
{
    char *dir = zb_dir;
    static char path[512];
    if (!dir[0]) {
        snprintf(dir, sizeof zb_dir, "/tmp/gwzip.XXXXXX");
        if (!mkdtemp(dir))
            abort();
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

/* Writes entries into a zip at path; returns false when libzip refuses. */
static inline bool zb_write(const char *path, const struct zb_entry *e, size_t n)
{
    int zerr = 0;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (!za)
        return false;
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        size_t len = e[i].len ? e[i].len : strlen(e[i].data);
        zip_source_t *src = zip_source_buffer(za, e[i].data, len, 0);
        zip_int64_t idx = src ? zip_file_add(za, e[i].name, src, ZIP_FL_ENC_UTF_8) : -1;
        if (idx < 0) {
            if (src)
                zip_source_free(src);
            ok = false;
            break;
        }
        if (e[i].flags & ZB_STORE)
            zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
        if (e[i].flags & ZB_SYMLINK)
            ok = zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX,
                                                  (0120777u << 16)) == 0;
        if (e[i].flags & ZB_ENCRYPT)
            ok = zip_file_set_encryption(za, (zip_uint64_t)idx, ZIP_EM_AES_256, "secret") == 0;
    }
    if (!ok) {
        zip_discard(za);
        return false;
    }
    return zip_close(za) == 0;
}

/* Replaces every occurrence of from with to (same length) in the file: used
 * to make duplicate names, which libzip itself refuses to write. */
static inline bool zb_patch(const char *path, const char *from, const char *to)
{
    FILE *f = fopen(path, "r+b");
    if (!f)
        return false;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size);
    bool ok = fread(buf, 1, (size_t)size, f) == (size_t)size;
    size_t n = strlen(from);
    for (long i = 0; ok && i + (long)n <= size; i++) {
        if (memcmp(buf + i, from, n) == 0)
            memcpy(buf + i, to, n);
    }
    fseek(f, 0, SEEK_SET);
    ok = ok && fwrite(buf, 1, (size_t)size, f) == (size_t)size;
    free(buf);
    fclose(f);
    return ok;
}

/* Removes the temp directory and every zip written into it. */
static inline void zb_cleanup(void)
{
    if (!zb_dir[0])
        return;
    DIR *d = opendir(zb_dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        char path[600];
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", zb_dir, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(zb_dir);
    zb_dir[0] = '\0';
}

#endif
