/* validate_bench: throughput and memory of the course-package validator.
 *
 *   validate_bench [--corpus DIR] [--rounds N] [--big-mb MB] [--big-files N]
 *
 * Measures, each in its own child process so peak RSS (getrusage ru_maxrss,
 * read with wait4) belongs to that measurement alone:
 *   1. every zip in the corpus directory (default ../shared/corpus/packages),
 *      validated N rounds: packages/s and MB/s (zip bytes and uncompressed);
 *   2. a generated SCORM 1.2 package of 200 MB in 5,000 stored files of random
 *      data whose manifest lists every file: the same figures.
 * Validation streams entries in fixed chunks for the CRC check and reads only
 * the manifest and launch pages into memory, so peak RSS should track the
 * manifest and the file list, not the package's size. */
#include "gw/buf.h"
#include "gw/course.h"
#include "gw/timefmt.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zip.h>

#ifndef GW_BENCH_CORPUS
#define GW_BENCH_CORPUS "../shared/corpus/packages"
#endif

struct totals {
    size_t packages;
    uint64_t zip_bytes;
    uint64_t uncompressed;
    size_t valid;
};

static uint64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void validate_one(const char *path, struct totals *t)
{
    struct gw_course_report *r = NULL;
    t->packages++;
    t->zip_bytes += file_size(path);
    if (gw_course_validate_file(path, NULL, &r, NULL) != GW_OK)
        return;
    /* bytes actually streamed: a refused zip bomb is never expanded */
    if (!gw_course_report_has(r, GW_F_ZIP_COMPRESSION_RATIO) &&
        !gw_course_report_has(r, GW_F_ZIP_TOO_LARGE))
        t->uncompressed += r->total_uncompressed;
    t->valid += gw_course_report_valid(r);
    gw_course_report_free(r);
}

static void print_rate(const char *label, const struct totals *t, double secs)
{
    if (secs <= 0)
        secs = 1e-9;
    printf("%-10s %zu packages (%zu valid), %.1f MB zipped, %.1f MB examined uncompressed, %.3f s: "
           "%.1f packages/s, %.1f MB/s zipped, %.1f MB/s uncompressed\n",
           label, t->packages, t->valid, t->zip_bytes / 1e6, t->uncompressed / 1e6, secs,
           t->packages / secs, t->zip_bytes / 1e6 / secs, t->uncompressed / 1e6 / secs);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int bench_corpus(const char *dir, int rounds)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "validate_bench: cannot open %s\n", dir);
        return 1;
    }
    char **paths = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".zip") != 0)
            continue;
        paths = gw_xrealloc(paths, (n + 1) * sizeof *paths);
        struct gw_buf b = {0};
        gw_buf_printf(&b, "%s/%s", dir, e->d_name);
        paths[n++] = b.data;
    }
    closedir(d);
    if (n > 1)
        qsort(paths, n, sizeof *paths, cmp_str);
    struct totals t = {0};
    int64_t start = gw_time_mono_us();
    for (int r = 0; r < rounds; r++) {
        for (size_t i = 0; i < n; i++)
            validate_one(paths[i], &t);
    }
    print_rate("corpus:", &t, (gw_time_mono_us() - start) / 1e6);
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    return 0;
}

/* ---- the generated package: random bytes produced while libzip writes ---- */

struct gen_source {
    uint64_t state, left, size;
};

static zip_int64_t gen_callback(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
    struct gen_source *g = ud;
    switch (cmd) {
    case ZIP_SOURCE_OPEN:
        g->left = g->size;
        return 0;
    case ZIP_SOURCE_READ: {
        zip_uint64_t n = len < g->left ? len : g->left;
        uint8_t *out = data;
        for (zip_uint64_t i = 0; i < n; i++) {
            g->state ^= g->state << 13; /* xorshift64 */
            g->state ^= g->state >> 7;
            g->state ^= g->state << 17;
            out[i] = (uint8_t)g->state;
        }
        g->left -= n;
        return (zip_int64_t)n;
    }
    case ZIP_SOURCE_CLOSE:
        return 0;
    case ZIP_SOURCE_STAT: {
        zip_stat_t *st = data;
        zip_stat_init(st);
        st->size = g->size;
        st->valid |= ZIP_STAT_SIZE;
        return sizeof *st;
    }
    case ZIP_SOURCE_FREE:
        free(g);
        return 0;
    case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
                                              ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE,
                                              -1);
    default:
        return -1;
    }
}

static int add_buffer(zip_t *za, const char *name, const char *data)
{
    zip_source_t *src = zip_source_buffer(za, data, strlen(data), 0);
    if (!src || zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8) < 0) {
        zip_source_free(src);
        return -1;
    }
    return 0;
}

static int generate(const char *path, uint64_t total, size_t files)
{
    int zerr = 0;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (!za)
        return -1;
    struct gw_buf man = {0};
    gw_buf_puts(&man, "<?xml version=\"1.0\"?>\n<manifest identifier=\"bench\" "
                      "xmlns=\"http://www.imsproject.org/xsd/imscp_rootv1p1p2\" "
                      "xmlns:adlcp=\"http://www.adlnet.org/xsd/adlcp_rootv1p2\">\n"
                      "<metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion>"
                      "</metadata>\n<organizations default=\"o\"><organization identifier=\"o\">"
                      "<title>Bench</title><item identifier=\"i\" identifierref=\"r\"><title>"
                      "Bench</title></item></organization></organizations>\n<resources>"
                      "<resource identifier=\"r\" type=\"webcontent\" adlcp:scormtype=\"sco\" "
                      "href=\"index.html\">\n<file href=\"index.html\"/>\n");
    uint64_t per = total / files;
    int rc = 0;
    for (size_t i = 0; i < files && rc == 0; i++) {
        char name[64];
        snprintf(name, sizeof name, "media/part%02zu/file%05zu.bin", i / 100, i);
        gw_buf_printf(&man, "<file href=\"%s\"/>\n", name);
        struct gen_source *g = gw_xcalloc(1, sizeof *g);
        g->state = 0x9E3779B97F4A7C15ull ^ (i + 1);
        g->size = per + (i % 7) * 13 - 39;
        zip_source_t *src = zip_source_function(za, gen_callback, g);
        zip_int64_t idx = src ? zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8) : -1;
        if (idx < 0) {
            if (src)
                zip_source_free(src);
            else
                free(g);
            rc = -1;
        } else {
            zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
        }
    }
    gw_buf_puts(&man, "</resource></resources>\n</manifest>\n");
    static const char page[] = "<!DOCTYPE html><html lang=\"en\"><head><title>Bench</title>"
                               "</head><body><p>Bench</p></body></html>";
    if (rc == 0)
        rc = add_buffer(za, "imsmanifest.xml", gw_buf_str(&man));
    if (rc == 0)
        rc = add_buffer(za, "index.html", page);
    if (rc == 0 && zip_close(za) != 0) {
        fprintf(stderr, "validate_bench: %s\n", zip_strerror(za));
        rc = -1;
    }
    if (rc != 0)
        zip_discard(za);
    printf("generated: %s, %zu files + manifest (%.1f KB) + index.html, %.1f MB\n", path, files,
           man.len / 1e3, file_size(path) / 1e6);
    gw_buf_free(&man);
    return rc;
}

static int bench_big(const char *path)
{
    struct totals t = {0};
    int64_t start = gw_time_mono_us();
    validate_one(path, &t);
    print_rate("generated:", &t, (gw_time_mono_us() - start) / 1e6);
    return t.valid == 1 ? 0 : 1;
}

/* Runs fn in a child and prints the child's peak RSS. */
static int in_child(const char *label, int (*fn)(const char *, int), const char *arg, int n)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        int rc = fn(arg, n);
        fflush(stdout);
        _exit(rc);
    }
    int status = 0;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0)
        return 1;
    printf("%-10s peak RSS %.1f MB\n", label, ru.ru_maxrss / 1024.0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int run_nothing(const char *arg, int n)
{
    struct gw_course_limits l;
    gw_course_limits_default(&l);
    return 0;
}

static int run_big(const char *arg, int n)
{
    return bench_big(arg);
}

int main(int argc, char **argv)
{
    const char *corpus = GW_BENCH_CORPUS;
    int rounds = 3;
    uint64_t big_mb = 200;
    size_t big_files = 5000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--corpus") == 0 && i + 1 < argc)
            corpus = argv[++i];
        else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--big-mb") == 0 && i + 1 < argc)
            big_mb = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--big-files") == 0 && i + 1 < argc)
            big_files = strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: validate_bench [--corpus DIR] [--rounds N] [--big-mb MB] "
                            "[--big-files N]\n");
            return 2;
        }
    }
    int rc = in_child("baseline:", run_nothing, NULL, 0);
    rc |= in_child("corpus:", bench_corpus, corpus, rounds > 0 ? rounds : 1);
    char dir[] = "/tmp/gwbench.XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char path[256];
    snprintf(path, sizeof path, "%s/generated.zip", dir);
    if (big_mb > 0 && big_files > 0) {
        if (generate(path, big_mb * 1000 * 1000, big_files) == 0)
            rc |= in_child("generated:", run_big, path, 0);
        else
            rc = 1;
        unlink(path);
    }
    rmdir(dir);
    return rc;
}
