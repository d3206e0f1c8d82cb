/* blobs.c: package zips kept once per SHA-256 (gw/blobs.h). Owns the zip
 * files under data_dir/packages (SQLite), the blobs and blob_chunks tables
 * (PostgreSQL, migration 0016) and the cache of zips written out of them
 * under data_dir/cache/zips. The package rows that refer to zips are
 * packages.c's; it calls gw_blobs_check_in and gw_blobs_drop_unreferenced
 * inside its transactions. Memory: one put or read holds at most TX_CHUNKS
 * chunks, never a whole zip. */
#include "gw/blobs.h"

#include "gw/buf.h"
#include "gw/hash.h"
#include "gw/log.h"
#include "gw/timefmt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Chunks written per transaction by a put. */
#define TX_CHUNKS 4

/* A SHA-256 in lowercase hex: all a path is built from. */
static bool sha_ok(const char *sha)
{
    size_t n = 0;
    for (; sha[n]; n++) {
        if (!((sha[n] >= '0' && sha[n] <= '9') || (sha[n] >= 'a' && sha[n] <= 'f')))
            return false;
    }
    return n == GW_SHA256_HEX - 1;
}

static void kept_path(const char *data_dir, const char *sha, char *out, size_t cap)
{
    snprintf(out, cap, "%s/packages/%s.zip", data_dir, sha);
}

static void cache_dir(const char *data_dir, char *out, size_t cap)
{
    snprintf(out, cap, "%s/cache/zips", data_dir);
}

static void cache_path(const char *data_dir, const char *sha, char *out, size_t cap)
{
    snprintf(out, cap, "%s/cache/zips/%s.zip", data_dir, sha);
}

static bool is_pg(struct gw_store *s)
{
    return gw_store_dialect(s) == GW_DIALECT_POSTGRES;
}

static int64_t chunk_count(int64_t size)
{
    return (size + GW_BLOB_CHUNK - 1) / GW_BLOB_CHUNK;
}

/* Reads exactly n bytes at off (fewer only at the end of the file). */
static ssize_t read_full(int fd, char *buf, size_t n, off_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, buf + got, n - got, off + (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* The SHA-256 of the open file fd, read a chunk at a time. */
static bool hash_fd(int fd, char *buf, char hex[GW_SHA256_HEX], int64_t *size)
{
    struct gw_sha256_ctx *c = gw_sha256_begin();
    off_t off = 0;
    ssize_t r;
    while ((r = read_full(fd, buf, GW_BLOB_CHUNK, off)) > 0) {
        gw_sha256_update(c, buf, (size_t)r);
        off += r;
    }
    gw_sha256_end(c, hex);
    *size = (int64_t)off;
    return r == 0;
}

/* ---- put ---- */

/* The chunks of sha the database has already, whole (have[seq]). */
struct have_ctx {
    const char *sha;
    int64_t size, n;
    bool *have;
};

static enum gw_qs have_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct have_ctx *c = ud;
    memset(c->have, 0, (size_t)c->n * sizeof *c->have);
    struct gw_dbp v[] = {GW_P_TEXT(c->sha)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs =
        gw_db_query(db, "SELECT seq, octet_length(data) FROM blob_chunks WHERE sha256 = $1", v, 1,
                    &r, NULL, err);
    for (bool row = qs == GW_QS_ONE; row; row = gw_db_next(r)) {
        int64_t seq = gw_db_col_int(r, 0), len = gw_db_col_int(r, 1);
        int64_t want = c->size - seq * GW_BLOB_CHUNK;
        if (want > GW_BLOB_CHUNK)
            want = GW_BLOB_CHUNK;
        if (seq >= 0 && seq < c->n && len == want)
            c->have[seq] = true;
    }
    if (qs >= 0)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
}

/* Up to TX_CHUNKS chunks, inserted in one transaction. */
struct put_ctx {
    const char *sha;
    char *buf; /* TX_CHUNKS * GW_BLOB_CHUNK bytes */
    int64_t seq[TX_CHUNKS];
    size_t len[TX_CHUNKS];
    int n;
    int64_t now_ms;
};

static enum gw_qs put_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct put_ctx *c = ud;
    enum gw_qs qs = GW_QS_NONE;
    for (int i = 0; i < c->n && qs >= 0; i++) {
        struct gw_dbp v[] = {GW_P_TEXT(c->sha), GW_P_INT(c->seq[i]),
                             GW_P_BLOB(c->buf + (size_t)i * GW_BLOB_CHUNK, c->len[i]),
                             GW_P_INT(c->now_ms)};
        /* the same bytes at the same place: a concurrent upload of the same
         * zip wrote them already */
        qs = gw_db_query(db,
                         "INSERT INTO blob_chunks (sha256, seq, data, created_ms) VALUES ($1, $2, "
                         "$3, $4) ON CONFLICT (sha256, seq) DO NOTHING",
                         v, 4, NULL, NULL, err);
    }
    return qs;
}

static enum gw_err put_chunks(struct gw_store *s, const char *sha, int fd, int64_t size,
                              struct gw_error *e)
{
    struct have_ctx h = {sha, size, chunk_count(size), NULL};
    h.have = gw_xcalloc((size_t)(h.n ? h.n : 1), sizeof *h.have);
    struct put_ctx p = {.sha = sha, .now_ms = gw_time_now_ms()};
    p.buf = gw_xmalloc((size_t)TX_CHUNKS * GW_BLOB_CHUNK);
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, have_body, &h, e);
    for (int64_t seq = 0; rc == GW_OK && seq < h.n; seq++) {
        if (!h.have[seq]) {
            ssize_t r = read_full(fd, p.buf + (size_t)p.n * GW_BLOB_CHUNK, GW_BLOB_CHUNK,
                                  (off_t)(seq * GW_BLOB_CHUNK));
            if (r <= 0) {
                rc = gw_error_set(e, GW_E_IO, "", "cannot read the package to store it: %s",
                                  r < 0 ? strerror(errno) : "it became shorter");
                break;
            }
            p.seq[p.n] = seq;
            p.len[p.n] = (size_t)r;
            p.n++;
        }
        if (p.n == TX_CHUNKS || (p.n > 0 && seq == h.n - 1)) {
            rc = gw_store_tx(s, GW_TX_WRITE, put_body, &p, e);
            p.n = 0;
        }
    }
    free(p.buf);
    free(h.have);
    return rc;
}

/* SQLite: a hard link keeps the caller's file, so an upload whose zip a
 * removal took can put it again; rename when links do not work there. */
static enum gw_err keep_file(const char *data_dir, const char *sha, const char *path,
                             struct gw_error *e)
{
    char dir[1024], dst[1200];
    snprintf(dir, sizeof dir, "%s/packages", data_dir);
    mkdir(dir, 0750);
    kept_path(data_dir, sha, dst, sizeof dst);
    if (link(path, dst) == 0 || errno == EEXIST)
        return GW_OK;
    if (rename(path, dst) == 0)
        return GW_OK;
    gw_log_error("upload: cannot keep the package as %s: %s", dst, strerror(errno));
    return gw_error_set(e, GW_E_IO, "", "the gateway cannot keep the package now");
}

enum gw_err gw_blobs_put(struct gw_store *s, const char *data_dir, const char *sha,
                         const char *path, struct gw_error *e)
{
    if (!sha_ok(sha))
        return gw_error_set(e, GW_E_INTERNAL, "sha256", "'%s' is not a SHA-256", sha);
    if (!is_pg(s))
        return keep_file(data_dir, sha, path, e);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return gw_error_set(e, GW_E_IO, "", "cannot read the package to store it: %s",
                            strerror(errno));
    /* hashed before a byte is written: chunks under a wrong name would pass
     * for the zip (readers check, but could never get the right bytes) */
    char *buf = gw_xmalloc(GW_BLOB_CHUNK);
    char hex[GW_SHA256_HEX];
    int64_t size = 0;
    enum gw_err rc = GW_OK;
    if (!hash_fd(fd, buf, hex, &size))
        rc = gw_error_set(e, GW_E_IO, "", "cannot read the package to store it: %s",
                          strerror(errno));
    else if (strcmp(hex, sha) != 0)
        rc = gw_error_set(e, GW_E_IO, "sha256", "the file's SHA-256 is %s, not %s", hex, sha);
    free(buf);
    if (rc == GW_OK)
        rc = put_chunks(s, sha, fd, size, e);
    close(fd);
    return rc;
}

/* ---- check in, drop (inside the packages' transactions) ---- */

enum gw_qs gw_blobs_check_in(struct gw_db *db, const char *data_dir, const char *sha, int64_t size,
                             int64_t now_ms, struct gw_error *e)
{
    if (gw_db_dialect(db) != GW_DIALECT_POSTGRES) {
        char path[1200];
        kept_path(data_dir, sha, path, sizeof path);
        if (access(path, F_OK) == 0)
            return GW_QS_ONE;
        gw_error_set(e, GW_E_NOT_FOUND, "sha256", "the zip %s is not kept any more", sha);
        return GW_QS_HARD;
    }
    struct gw_dbp v[] = {GW_P_TEXT(sha), GW_P_INT(size), GW_P_INT(chunk_count(size)),
                         GW_P_INT(now_ms)};
    enum gw_qs qs =
        gw_db_query(db,
                    "INSERT INTO blobs (sha256, size, chunks, created_ms) SELECT $1::text, "
                    "$2::bigint, $3::integer, $4::bigint WHERE (SELECT COUNT(*) FROM blob_chunks "
                    "WHERE sha256 = $1::text) = $3::integer AND (SELECT "
                    "COALESCE(SUM(octet_length(data)), 0) FROM blob_chunks WHERE sha256 = "
                    "$1::text) = $2::bigint ON CONFLICT (sha256) DO NOTHING",
                    v, 4, NULL, NULL, e);
    if (qs < 0)
        return qs;
    /* read either way: this transaction now depends on the row, so a
     * concurrent removal of it fails one of the two (SERIALIZABLE) */
    qs = gw_db_query(db, "SELECT size FROM blobs WHERE sha256 = $1", v, 1, NULL, NULL, e);
    if (qs == GW_QS_NONE) {
        gw_error_set(e, GW_E_NOT_FOUND, "sha256", "the zip %s is not all in the database", sha);
        return GW_QS_HARD;
    }
    return qs;
}

enum gw_qs gw_blobs_drop_unreferenced(struct gw_db *db, const char *data_dir, const char *sha,
                                      struct gw_error *e)
{
    struct gw_dbp v[] = {GW_P_TEXT(sha)};
    enum gw_qs qs =
        gw_db_query(db, "SELECT 1 FROM packages WHERE sha256 = $1 LIMIT 1", v, 1, NULL, NULL, e);
    if (qs != GW_QS_NONE)
        return qs < 0 ? qs : GW_QS_NONE;
    char path[1200];
    if (gw_db_dialect(db) != GW_DIALECT_POSTGRES) {
        /* in the write transaction: a package insert checking the file
         * (gw_blobs_check_in) waits for this one */
        kept_path(data_dir, sha, path, sizeof path);
        if (unlink(path) != 0 && errno != ENOENT)
            gw_log_warn("cannot remove the zip %s: %s", path, strerror(errno));
        return GW_QS_ONE;
    }
    qs = gw_db_query(db, "DELETE FROM blob_chunks WHERE sha256 = $1", v, 1, NULL, NULL, e);
    if (qs >= 0)
        qs = gw_db_query(db, "DELETE FROM blobs WHERE sha256 = $1", v, 1, NULL, NULL, e);
    if (qs >= 0) {
        /* only a cache: losing it when the transaction rolls back costs a
         * read from the database */
        cache_path(data_dir, sha, path, sizeof path);
        unlink(path);
    }
    return qs;
}

/* ---- local files ---- */

struct meta_ctx {
    const char *sha;
    int64_t size, chunks;
    bool found;
};

static enum gw_qs meta_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct meta_ctx *c = ud;
    struct gw_dbp v[] = {GW_P_TEXT(c->sha)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs =
        gw_db_query(db, "SELECT size, chunks FROM blobs WHERE sha256 = $1", v, 1, &r, NULL, err);
    c->found = qs == GW_QS_ONE;
    if (c->found) {
        c->size = gw_db_col_int(r, 0);
        c->chunks = gw_db_col_int(r, 1);
    }
    gw_db_rows_free(r);
    return qs;
}

/* One chunk, copied into buf (GW_BLOB_CHUNK bytes). */
struct chunk_ctx {
    const char *sha;
    int64_t seq;
    char *buf;
    size_t len;
};

static enum gw_qs chunk_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct chunk_ctx *c = ud;
    struct gw_dbp v[] = {GW_P_TEXT(c->sha), GW_P_INT(c->seq)};
    struct gw_db_rows *r = NULL;
    c->len = 0;
    enum gw_qs qs = gw_db_query(db, "SELECT data FROM blob_chunks WHERE sha256 = $1 AND seq = $2",
                                v, 2, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        size_t n = 0;
        const void *b = gw_db_col_blob(r, 0, &n);
        if (!b || n > GW_BLOB_CHUNK) {
            gw_error_set(err, GW_E_STORE_QUERY, "sha256", "chunk %lld of zip %s is damaged",
                         (long long)c->seq, c->sha);
            qs = GW_QS_HARD;
        } else {
            memcpy(c->buf, b, n);
            c->len = n;
        }
    } else if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, "sha256", "the zip %s was removed while it was read",
                     c->sha);
        qs = GW_QS_HARD;
    }
    gw_db_rows_free(r);
    return qs;
}

static bool write_full(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        buf += w;
        n -= (size_t)w;
    }
    return true;
}

/* Writes zip sha (m) from the database into tmp's open fd, a chunk per
 * read transaction (the zip never changes; a removal midway is NOT_FOUND),
 * and checks its SHA-256 and size. */
static enum gw_err write_out(struct gw_store *s, const struct meta_ctx *m, int fd,
                             struct gw_error *e)
{
    struct chunk_ctx c = {m->sha, 0, gw_xmalloc(GW_BLOB_CHUNK), 0};
    struct gw_sha256_ctx *h = gw_sha256_begin();
    int64_t total = 0;
    enum gw_err rc = GW_OK;
    for (c.seq = 0; rc == GW_OK && c.seq < m->chunks; c.seq++) {
        rc = gw_store_tx(s, GW_TX_READ, chunk_body, &c, e);
        if (rc == GW_OK && !write_full(fd, c.buf, c.len))
            rc = gw_error_set(e, GW_E_IO, "", "cannot write the package's cache file: %s",
                              strerror(errno));
        if (rc == GW_OK) {
            gw_sha256_update(h, c.buf, c.len);
            total += (int64_t)c.len;
        }
    }
    char hex[GW_SHA256_HEX];
    gw_sha256_end(h, hex);
    free(c.buf);
    if (rc == GW_OK && (total != m->size || strcmp(hex, m->sha) != 0))
        rc = gw_error_set(e, GW_E_STORE_QUERY, "sha256",
                          "the database's copy of zip %s is damaged (%lld bytes, SHA-256 %s)",
                          m->sha, (long long)total, hex);
    return rc;
}

static void mkdirs_cache(const char *data_dir)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/cache", data_dir);
    mkdir(dir, 0750);
    cache_dir(data_dir, dir, sizeof dir);
    mkdir(dir, 0750);
}

/* Holds the cache's lock file of zip sha (an flock, so other processes on
 * the same data_dir wait too); -1 when it cannot be had, which only costs
 * duplicate work. */
static int lock_zip(const char *data_dir, const char *sha)
{
    mkdirs_cache(data_dir);
    char path[1200];
    snprintf(path, sizeof path, "%s/cache/zips/.%s.lock", data_dir, sha);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    while (fd >= 0 && flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            close(fd);
            fd = -1;
        }
    }
    return fd;
}

static void unlock_zip(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the flock */
}

/* The cache file of m, written out of the database. */
static enum gw_err materialise(struct gw_store *s, const char *data_dir, const struct meta_ctx *m,
                               const char *dst, struct gw_error *e)
{
    mkdirs_cache(data_dir);
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s/cache/zips/.%s-XXXXXX", data_dir, m->sha);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        gw_log_error("cannot create a cache file in %s/cache/zips: %s", data_dir, strerror(errno));
        return gw_error_set(e, GW_E_IO, "", "the gateway cannot write the package's cache file");
    }
    enum gw_err rc = write_out(s, m, fd, e);
    if (close(fd) != 0 && rc == GW_OK)
        rc = gw_error_set(e, GW_E_IO, "", "cannot write the package's cache file: %s",
                          strerror(errno));
    /* a reader that got here first put the same bytes in place: replacing
     * them is harmless, and a descriptor open on them keeps them */
    if (rc == GW_OK && rename(tmp, dst) != 0)
        rc = gw_error_set(e, GW_E_IO, "", "cannot keep the package's cache file: %s",
                          strerror(errno));
    if (rc != GW_OK)
        unlink(tmp);
    return rc;
}

static enum gw_qs seal_legacy_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    const struct meta_ctx *m = ud;
    struct gw_dbp v[] = {GW_P_TEXT(m->sha), GW_P_INT(m->size), GW_P_INT(chunk_count(m->size)),
                         GW_P_INT(gw_time_now_ms())};
    /* as gw_blobs_check_in, for a zip some package refers to already */
    return gw_db_query(
        db,
        "INSERT INTO blobs (sha256, size, chunks, created_ms) SELECT $1::text, $2::bigint, "
        "$3::integer, $4::bigint WHERE EXISTS (SELECT 1 FROM packages WHERE sha256 = $1::text) "
        "AND (SELECT COUNT(*) FROM blob_chunks WHERE sha256 = $1::text) = $3::integer AND "
        "(SELECT COALESCE(SUM(octet_length(data)), 0) FROM blob_chunks WHERE sha256 = $1::text) "
        "= $2::bigint ON CONFLICT (sha256) DO NOTHING",
        v, 4, NULL, NULL, err);
}

/* A zip kept as a file by a gateway before migration 0016: copied into the
 * database, so other gateways find it; the file serves this one. */
static void import_legacy(struct gw_store *s, const char *data_dir, const char *sha,
                          const char *path)
{
    struct gw_error e;
    gw_error_clear(&e);
    struct stat st;
    struct meta_ctx m = {sha, 0, 0, false};
    if (stat(path, &st) == 0)
        m.size = (int64_t)st.st_size;
    if (gw_blobs_put(s, data_dir, sha, path, &e) != GW_OK ||
        gw_store_tx(s, GW_TX_WRITE, seal_legacy_body, &m, &e) != GW_OK)
        gw_log_warn("cannot copy the zip %s into the database: %s", path, e.detail);
}

enum gw_err gw_blobs_local(struct gw_store *s, const char *data_dir, const char *sha, char *out,
                           size_t cap, struct gw_error *e)
{
    if (!sha_ok(sha))
        return gw_error_set(e, GW_E_NOT_FOUND, "sha256", "'%s' is not a SHA-256", sha);
    char kept[1200];
    kept_path(data_dir, sha, kept, sizeof kept);
    if (!is_pg(s)) {
        if (access(kept, R_OK) != 0)
            return gw_error_set(e, GW_E_NOT_FOUND, "sha256", "no zip has the SHA-256 %s", sha);
        gw_copy_str(out, cap, kept);
        return GW_OK;
    }
    cache_path(data_dir, sha, out, cap);
    if (access(out, R_OK) == 0)
        return GW_OK; /* renamed into place only once checked */
    /* one writer per zip: a preview page asks for many of its files at once */
    int lock = lock_zip(data_dir, sha);
    if (access(out, R_OK) == 0) {
        unlock_zip(lock);
        return GW_OK;
    }
    struct meta_ctx m = {sha, 0, 0, false};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, meta_body, &m, e);
    if (rc == GW_OK && m.found) {
        rc = materialise(s, data_dir, &m, out, e);
    } else if (rc == GW_OK && access(kept, R_OK) == 0) {
        import_legacy(s, data_dir, sha, kept);
        gw_copy_str(out, cap, kept);
    } else if (rc == GW_OK) {
        rc = gw_error_set(e, GW_E_NOT_FOUND, "sha256", "no zip has the SHA-256 %s", sha);
    }
    unlock_zip(lock);
    return rc;
}

/* ---- sweep ---- */

struct sweep_ctx {
    const char *data_dir;
    int64_t before_ms;
    const char *sha; /* sweep_file_body: the file's zip */
    int removed;
};

static enum gw_qs sweep_pg_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct sweep_ctx *c = ud;
    struct gw_dbp v[] = {GW_P_INT(c->before_ms)};
    struct gw_db_rows *r = NULL;
    c->removed = 0;
    /* unfinished uploads, and complete zips no package refers to (none
     * should be: the last package's deletion takes its zip) */
    enum gw_qs qs = gw_db_query(
        db,
        "WITH gone AS (DELETE FROM blobs b WHERE b.created_ms < $1 AND NOT EXISTS (SELECT 1 "
        "FROM packages p WHERE p.sha256 = b.sha256) RETURNING sha256), dropped AS (DELETE FROM "
        "blob_chunks c WHERE c.sha256 IN (SELECT sha256 FROM gone) OR (c.created_ms < $1 AND NOT "
        "EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = c.sha256)) RETURNING c.sha256) SELECT "
        "COUNT(DISTINCT sha256) FROM dropped",
        v, 1, &r, NULL, err);
    if (qs == GW_QS_ONE)
        c->removed = (int)gw_db_col_int(r, 0);
    gw_db_rows_free(r);
    return qs;
}

/* SQLite: the file of zip c->sha, unless a package refers to it; in a
 * write transaction, so a package insert checking the file
 * (gw_blobs_check_in) waits for it. */
static enum gw_qs sweep_file_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct sweep_ctx *c = ud;
    struct gw_dbp v[] = {GW_P_TEXT(c->sha)};
    enum gw_qs qs =
        gw_db_query(db, "SELECT 1 FROM packages WHERE sha256 = $1 LIMIT 1", v, 1, NULL, NULL, err);
    if (qs != GW_QS_NONE)
        return qs;
    char path[1200];
    kept_path(c->data_dir, c->sha, path, sizeof path);
    if (unlink(path) == 0)
        c->removed++;
    return GW_QS_ONE;
}

/* Walks dir's files older than the cut: leftovers of interrupted cache
 * writes (".<sha>-XXXXXX") and lock files (".<sha>.lock") are removed; zips "<sha>.zip" too when
 * dir is the cache (cache), else (SQLite's kept zips) through sweep_file_body. */
static enum gw_err sweep_dir(struct gw_store *s, const char *dir, bool cache, struct sweep_ctx *c,
                             struct gw_error *e)
{
    DIR *d = opendir(dir);
    if (!d)
        return GW_OK;
    enum gw_err rc = GW_OK;
    struct dirent *de;
    while (rc == GW_OK && (de = readdir(d)) != NULL) {
        char path[1400], sha[GW_SHA256_HEX];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat st;
        if (de->d_name[0] == '.' && strlen(de->d_name) > GW_SHA256_HEX) {
            if (stat(path, &st) == 0 && (int64_t)st.st_mtime * 1000 < c->before_ms)
                unlink(path);
            continue;
        }
        size_t n = strlen(de->d_name);
        if (n != GW_SHA256_HEX - 1 + 4 || strcmp(de->d_name + n - 4, ".zip") != 0)
            continue;
        memcpy(sha, de->d_name, GW_SHA256_HEX - 1);
        sha[GW_SHA256_HEX - 1] = '\0';
        if (!sha_ok(sha) || stat(path, &st) != 0 || (int64_t)st.st_mtime * 1000 >= c->before_ms)
            continue;
        if (cache) {
            unlink(path); /* only a cache: written again when read */
            continue;
        }
        c->sha = sha;
        rc = gw_store_tx(s, GW_TX_WRITE, sweep_file_body, c, e);
    }
    closedir(d);
    return rc;
}

enum gw_err gw_blobs_sweep(struct gw_store *s, const char *data_dir, int64_t older_than_ms,
                           int *removed, struct gw_error *e)
{
    struct sweep_ctx c = {data_dir, older_than_ms, NULL, 0};
    enum gw_err rc = GW_OK;
    char dir[1024];
    if (is_pg(s)) {
        rc = gw_store_tx(s, GW_TX_WRITE, sweep_pg_body, &c, e);
        cache_dir(data_dir, dir, sizeof dir);
        if (rc == GW_OK)
            rc = sweep_dir(s, dir, true, &c, e);
    } else {
        snprintf(dir, sizeof dir, "%s/packages", data_dir);
        rc = sweep_dir(s, dir, false, &c, e);
    }
    if (removed)
        *removed = c.removed;
    return rc;
}
