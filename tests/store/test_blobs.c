/* Package zips kept once per SHA-256 (gw/blobs.h, store/blobs.c), compiled
 * once per backend (GW_TEST_PG): a zip put and read back is the same bytes;
 * the same bytes put twice are one zip; deleting the last package that
 * refers to it removes it; a removal between put and the package's insert is
 * caught by the insert; two threads uploading the same zip at once both
 * succeed with one zip, and readers of a cold cache at once all get it;
 * deleting the cache loses nothing; with PostgreSQL a
 * 50 MB zip goes in and out without the process's resident memory growing
 * by anything near its size. */
#include "gw/blobs.h"
#include "gw/hash.h"
#include "gw/packages.h"
#include "gw/store.h"
#include "gw/timefmt.h"
#include "gwtest.h"
#include "testsupport.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
/* freed blocks wait in ASan's quarantine (256 MiB by default), which would
 * count every chunk ever read as resident */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "quarantine_size_mb=4";
}
#endif

static char *tmpdir;

/* A fresh, migrated store. */
static struct gw_store *fresh(void)
{
    struct gw_store *s = gwt_fresh_store(tmpdir, GW_TEST_PG);
    struct gw_error e;
    if (s && gw_store_migrate(s, NULL, &e) != GW_OK) {
        fprintf(stderr, "  migrate: %s\n", e.detail);
        gw_store_close(s);
        s = NULL;
    }
    return s;
}

/* Writes size pseudo-random (incompressible) bytes seeded by seed into a
 * new file under tmpdir; its SHA-256 into sha. Returns the path (free). */
static char *make_file(const char *name, long long size, unsigned seed, char sha[GW_SHA256_HEX])
{
    char *path = gwt_fmt("%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    struct gw_sha256_ctx *h = gw_sha256_begin();
    static unsigned char buf[65536];
    unsigned long long x = seed * 2654435761ULL + 1;
    for (long long done = 0; f && done < size;) {
        size_t n = size - done < (long long)sizeof buf ? (size_t)(size - done) : sizeof buf;
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[i] = (unsigned char)x;
        }
        fwrite(buf, 1, n, f);
        gw_sha256_update(h, buf, n);
        done += (long long)n;
    }
    gw_sha256_end(h, sha);
    if (f)
        fclose(f);
    return path;
}

static bool file_sha(const char *path, char sha[GW_SHA256_HEX], long long *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    struct gw_sha256_ctx *h = gw_sha256_begin();
    char buf[16384]; /* not static: readers run in threads */
    size_t n;
    *size = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        gw_sha256_update(h, buf, n);
        *size += (long long)n;
    }
    gw_sha256_end(h, sha);
    fclose(f);
    return true;
}

/* A package record for the zip sha of size bytes; fills p. */
static void package(struct gw_package *p, const char *sha, long long size)
{
    memset(p, 0, sizeof *p);
    gw_uuid_v4(p->id);
    snprintf(p->sha256, sizeof p->sha256, "%s", sha);
    p->size = size;
    snprintf(p->filename, sizeof p->filename, "course.zip");
    p->valid = true;
    snprintf(p->uploaded_by, sizeof p->uploaded_by, "test");
    p->created_ms = gw_time_now_ms();
    p->report = "{}";
}

/* put + insert, as app/packages.c does; the new package's id into id. */
static enum gw_err add(struct gw_store *s, const char *data_dir, const char *path, const char *sha,
                       long long size, char id[37], struct gw_error *e)
{
    struct gw_package p;
    package(&p, sha, size);
    enum gw_err rc = gw_blobs_put(s, data_dir, sha, path, e);
    if (rc == GW_OK)
        rc = gw_store_package_insert_kept(s, &p, data_dir, e);
    if (id)
        memcpy(id, p.id, 37);
    return rc;
}

#if GW_TEST_PG
struct count_ctx {
    const char *sql;
    const char *sha;
    long long n;
};

static enum gw_qs count_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct count_ctx *c = ud;
    struct gw_dbp v[] = {GW_P_TEXT(c->sha)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, c->sql, v, 1, &r, NULL, err);
    c->n = qs == GW_QS_ONE ? gw_db_col_int(r, 0) : -1;
    gw_db_rows_free(r);
    return qs;
}
#endif

/* How many copies of zip sha the store holds: PostgreSQL's blobs rows,
 * SQLite's files; chunks (PostgreSQL) into *chunks when not NULL. */
static long long copies(struct gw_store *s, const char *data_dir, const char *sha,
                        long long *chunks)
{
    struct gw_error e;
#if GW_TEST_PG
    struct count_ctx c = {"SELECT COUNT(*) FROM blobs WHERE sha256 = $1", sha, -1};
    gw_store_tx(s, GW_TX_READ, count_body, &c, &e);
    struct count_ctx k = {"SELECT COUNT(*) FROM blob_chunks WHERE sha256 = $1", sha, -1};
    gw_store_tx(s, GW_TX_READ, count_body, &k, &e);
    if (chunks)
        *chunks = k.n;
    return c.n;
#else
    (void)s;
    (void)e;
    char *p = gwt_fmt("%s/packages/%s.zip", data_dir, sha);
    long long n = access(p, F_OK) == 0 ? 1 : 0;
    free(p);
    if (chunks)
        *chunks = 0;
    return n;
#endif
}

/* Resident set size now, in KiB (/proc/self/status VmRSS). */
static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kib;
}

static void test_roundtrip_dedup_remove(void)
{
    char *data_dir = gwt_fmt("%s/rt", tmpdir);
    mkdir(data_dir, 0700);
    struct gw_store *s = fresh();
    REQUIRE(s);
    struct gw_error e;
    char sha[GW_SHA256_HEX], got[GW_SHA256_HEX], id1[37], id2[37], path[1400];
    long long size = 3 * GW_BLOB_CHUNK + 12345, n = 0, chunks = 0;
    char *file = make_file("rt.zip", size, 1, sha);
    CHECK_INT(add(s, data_dir, file, sha, size, id1, &e), GW_OK);
    CHECK_INT(gw_blobs_local(s, data_dir, sha, path, sizeof path, &e), GW_OK);
    CHECK(file_sha(path, got, &n));
    CHECK_STR(got, sha);
    CHECK_INT(n, size);
    /* the same bytes again, as another package: still one zip */
    CHECK_INT(add(s, data_dir, file, sha, size, id2, &e), GW_OK);
    CHECK_INT(copies(s, data_dir, sha, &chunks), 1);
    if (GW_TEST_PG)
        CHECK_INT(chunks, 4);
    /* the cache is only a cache */
    char *cache = gwt_fmt("%s/cache", data_dir);
    gwt_rmtree(cache);
    CHECK_INT(gw_blobs_local(s, data_dir, sha, path, sizeof path, &e), GW_OK);
    CHECK(file_sha(path, got, &n));
    CHECK_STR(got, sha);
    /* a second gateway (another data_dir) reads it too on PostgreSQL */
    if (GW_TEST_PG) {
        char *other = gwt_fmt("%s/rt-other", tmpdir);
        mkdir(other, 0700);
        CHECK_INT(gw_blobs_local(s, other, sha, path, sizeof path, &e), GW_OK);
        CHECK(strncmp(path, other, strlen(other)) == 0);
        CHECK(file_sha(path, got, &n));
        CHECK_STR(got, sha);
        free(other);
    }
    /* the first package goes: the second keeps the zip */
    CHECK_INT(gw_app_package_delete(s, id1, data_dir, &e), GW_OK);
    CHECK_INT(copies(s, data_dir, sha, NULL), 1);
    CHECK_INT(gw_app_package_delete(s, id1, data_dir, &e), GW_E_NOT_FOUND);
    /* the last one goes: so does the zip, and this gateway's cached copy */
    CHECK_INT(gw_app_package_delete(s, id2, data_dir, &e), GW_OK);
    CHECK_INT(copies(s, data_dir, sha, &chunks), 0);
    CHECK_INT(chunks, 0);
    CHECK_INT(gw_blobs_local(s, data_dir, sha, path, sizeof path, &e), GW_E_NOT_FOUND);
    /* a wrong SHA-256 is refused before a byte is stored */
    char wrong[GW_SHA256_HEX];
    memset(wrong, 'a', GW_SHA256_HEX - 1);
    wrong[GW_SHA256_HEX - 1] = '\0';
    if (GW_TEST_PG) {
        CHECK_INT(gw_blobs_put(s, data_dir, wrong, file, &e), GW_E_IO);
        CHECK_INT(copies(s, data_dir, wrong, &chunks), 0);
        CHECK_INT(chunks, 0);
    }
    CHECK_INT(gw_blobs_local(s, data_dir, "../../etc/passwd", path, sizeof path, &e),
              GW_E_NOT_FOUND);
    free(cache);
    free(file);
    gw_store_close(s);
    free(data_dir);
}

/* A removal between the put and the package's insert (here the sweep, with
 * a cut in the future) is caught by the insert, which a second put mends. */
static void test_removal_between_put_and_insert(void)
{
    char *data_dir = gwt_fmt("%s/race", tmpdir);
    mkdir(data_dir, 0700);
    struct gw_store *s = fresh();
    REQUIRE(s);
    struct gw_error e;
    char sha[GW_SHA256_HEX];
    long long size = GW_BLOB_CHUNK + 7;
    char *file = make_file("race.zip", size, 2, sha);
    CHECK_INT(gw_blobs_put(s, data_dir, sha, file, &e), GW_OK);
    int removed = -1;
    CHECK_INT(gw_blobs_sweep(s, data_dir, gw_time_now_ms() + 3600 * 1000, &removed, &e), GW_OK);
    CHECK_INT(removed, 1);
    struct gw_package p;
    package(&p, sha, size);
    CHECK_INT(gw_store_package_insert_kept(s, &p, data_dir, &e), GW_E_NOT_FOUND);
    CHECK_INT(gw_blobs_put(s, data_dir, sha, file, &e), GW_OK);
    CHECK_INT(gw_store_package_insert_kept(s, &p, data_dir, &e), GW_OK);
    /* a referenced zip survives the sweep; an old cache file does not */
    char path[1400], got[GW_SHA256_HEX];
    long long n = 0;
    CHECK_INT(gw_blobs_local(s, data_dir, sha, path, sizeof path, &e), GW_OK);
    CHECK_INT(gw_blobs_sweep(s, data_dir, gw_time_now_ms() + 3600 * 1000, &removed, &e), GW_OK);
    CHECK_INT(removed, 0);
    CHECK_INT(copies(s, data_dir, sha, NULL), 1);
    CHECK(access(path, F_OK) != 0 || !GW_TEST_PG);
    CHECK_INT(gw_blobs_local(s, data_dir, sha, path, sizeof path, &e), GW_OK);
    CHECK(file_sha(path, got, &n));
    CHECK_STR(got, sha);
    free(file);
    gw_store_close(s);
    free(data_dir);
}

struct upload_arg {
    struct gw_store *s;
    const char *data_dir, *file, *sha;
    long long size;
    enum gw_err rc;
};

static void *upload_thread(void *arg)
{
    struct upload_arg *a = arg;
    struct gw_error e;
    a->rc = add(a->s, a->data_dir, a->file, a->sha, a->size, NULL, &e);
    if (a->rc != GW_OK)
        fprintf(stderr, "  upload: %s\n", e.detail);
    return NULL;
}

struct read_arg {
    struct gw_store *s;
    const char *data_dir, *sha;
    bool ok;
};

/* gw_blobs_local, then the file's SHA-256 compared. */
static void *read_thread(void *arg)
{
    struct read_arg *a = arg;
    struct gw_error e;
    char path[1400], got[GW_SHA256_HEX];
    long long n = 0;
    enum gw_err rc = gw_blobs_local(a->s, a->data_dir, a->sha, path, sizeof path, &e);
    if (rc != GW_OK)
        fprintf(stderr, "  read: %s\n", e.detail);
    a->ok = rc == GW_OK && file_sha(path, got, &n) && strcmp(got, a->sha) == 0;
    return NULL;
}

static void test_concurrent_same_zip(void)
{
    char *data_dir = gwt_fmt("%s/conc", tmpdir);
    mkdir(data_dir, 0700);
    struct gw_store *s = fresh();
    REQUIRE(s);
    char sha[GW_SHA256_HEX], got[GW_SHA256_HEX], path[1400];
    long long size = 6 * GW_BLOB_CHUNK + 3, n = 0, chunks = 0;
    char *file = make_file("conc.zip", size, 3, sha);
    struct upload_arg a[3];
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        a[i] = (struct upload_arg){s, data_dir, file, sha, size, GW_E_INTERNAL};
        pthread_create(&t[i], NULL, upload_thread, &a[i]);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        CHECK_INT(a[i].rc, GW_OK);
    }
    CHECK_INT(copies(s, data_dir, sha, &chunks), 1);
    if (GW_TEST_PG)
        CHECK_INT(chunks, 7);
    struct gw_error e;
    CHECK_INT(gw_blobs_local(s, data_dir, sha, path, sizeof path, &e), GW_OK);
    CHECK(file_sha(path, got, &n));
    CHECK_STR(got, sha);
    /* readers of a cold cache at once (a preview page's many files) */
    char *cache = gwt_fmt("%s/cache", data_dir);
    gwt_rmtree(cache);
    free(cache);
    struct read_arg ra[4];
    pthread_t rt[4];
    for (int i = 0; i < 4; i++) {
        ra[i] = (struct read_arg){s, data_dir, sha, false};
        pthread_create(&rt[i], NULL, read_thread, &ra[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(rt[i], NULL);
        CHECK(ra[i].ok);
    }
    free(file);
    gw_store_close(s);
    free(data_dir);
}

/* A 50 MB zip in and out of PostgreSQL: the resident set grows by far less
 * than the zip (bytes move a chunk at a time). */
static void test_large_zip_streams(void)
{
    if (!GW_TEST_PG)
        return;
    char *data_dir = gwt_fmt("%s/large", tmpdir);
    mkdir(data_dir, 0700);
    struct gw_store *s = fresh();
    REQUIRE(s);
    struct gw_error e;
    char sha[GW_SHA256_HEX], got[GW_SHA256_HEX], path[1400];
    long long size = 50LL * 1000 * 1000 + 17, n = 0;
    char *file = make_file("large.zip", size, 4, sha);
    long before = rss_kib();
    CHECK_INT(add(s, data_dir, file, sha, size, NULL, &e), GW_OK);
    long after_put = rss_kib();
    CHECK_INT(gw_blobs_local(s, data_dir, sha, path, sizeof path, &e), GW_OK);
    long after_read = rss_kib();
    fprintf(stderr, "  RSS KiB: before %ld, after put %ld, after read %ld (zip %lld KiB)\n", before,
            after_put, after_read, size / 1024);
    /* loose: a few chunks and libpq's buffers, not the zip */
    CHECK(after_put - before < size / 1024 / 3);
    CHECK(after_read - before < size / 1024 / 3);
    CHECK(file_sha(path, got, &n));
    CHECK_STR(got, sha);
    CHECK_INT(n, size);
    unlink(file);
    free(file);
    gw_store_close(s);
    free(data_dir);
}

int main(void)
{
    tmpdir = gwt_tmpdir("blobs");
    GW_RUN(test_large_zip_streams); /* first: the least else in memory */
    GW_RUN(test_roundtrip_dedup_remove);
    GW_RUN(test_removal_between_put_and_insert);
    GW_RUN(test_concurrent_same_zip);
    gwt_rmtree(tmpdir);
    free(tmpdir);
    return gw_test_summary();
}
