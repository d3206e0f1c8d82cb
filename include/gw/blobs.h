/* Package zips, kept once per SHA-256 behind one interface for both stores
 * (store/blobs.c):
 *  - SQLite: files data_dir/packages/<sha256>.zip, as before;
 *  - PostgreSQL: in the database (migration 0017: blob_chunks of 1 MiB and a
 *    blobs row once they are complete), so gateways sharing the database
 *    share no filesystem. A zip is written out on first read into
 *    data_dir/cache/zips/<sha256>.zip for libzip and libcurl, which read
 *    files; that file is only a cache (deleting it loses nothing).
 * No function here holds a whole zip in memory: bytes move a chunk at a time.
 *
 * The life of a zip: gw_blobs_put stores the bytes; the transaction that
 * inserts the package referring to them (gw_store_package_insert_kept,
 * gw/packages.h) checks they are all there and marks them complete; the
 * transaction that deletes the last package referring to them
 * (gw_app_package_delete) removes them. A removal racing an upload of the
 * same bytes is caught by that check (or on PostgreSQL by SERIALIZABLE), and
 * the upload puts the bytes again. */
#ifndef GW_BLOBS_H
#define GW_BLOBS_H

#include "gw/store.h"

#include <stddef.h>
#include <stdint.h>

/* Bytes per chunk row on PostgreSQL; the memory one put or read uses is a
 * few of these. */
#define GW_BLOB_CHUNK (1024 * 1024)

/* Stores the file at path as the zip whose SHA-256 is sha (lowercase hex;
 * the bytes are hashed again while they are read, GW_E_IO on a mismatch).
 * SQLite: moves the file to data_dir/packages/<sha>.zip unless that exists
 * (path then stays: the caller removes what remains). PostgreSQL: streams
 * the bytes into the database, the chunks it does not have yet, a few per
 * transaction; path stays. The zip is not complete until a package refers
 * to it (gw_store_package_insert_kept). */
enum gw_err gw_blobs_put(struct gw_store *s, const char *data_dir, const char *sha,
                         const char *path, struct gw_error *e);

/* A local file holding zip sha's bytes, for reading with libzip or libcurl:
 * its path into out (cap bytes). SQLite: the kept file. PostgreSQL: the
 * cache file, written from the database when absent (into a temporary file,
 * its SHA-256 checked, then renamed into place, so concurrent readers are
 * safe); a zip an older gateway kept under data_dir/packages is copied into
 * the database and that file returned. GW_E_NOT_FOUND (where "sha256") when
 * no complete zip has that SHA-256. The file may be replaced by one with the
 * same bytes, or removed, while it is read: open descriptors survive both. */
enum gw_err gw_blobs_local(struct gw_store *s, const char *data_dir, const char *sha, char *out,
                           size_t cap, struct gw_error *e);

/* Removes what no package refers to and nothing is writing, older than
 * older_than_ms (a time in ms since the epoch): on PostgreSQL the chunks of
 * uploads that never completed, and this gateway's cache files of that age
 * (read again from the database when needed); on SQLite the zips under
 * data_dir/packages no package names. *removed (may be NULL) receives how
 * many zips went from the store. `lmsgw serve` runs it at start with a cut
 * a day back. */
enum gw_err gw_blobs_sweep(struct gw_store *s, const char *data_dir, int64_t older_than_ms,
                           int *removed, struct gw_error *e);

/* Inside a write transaction that inserts a package referring to zip sha of
 * size bytes: PostgreSQL: marks the zip complete when all its chunks are
 * there; SQLite: checks the file is there. GW_QS_HARD with GW_E_NOT_FOUND
 * (where "sha256") when its bytes are not all there (a removal took them
 * after gw_blobs_put): put them again. */
enum gw_qs gw_blobs_check_in(struct gw_db *db, const char *data_dir, const char *sha, int64_t size,
                             int64_t now_ms, struct gw_error *e);
/* Inside a write transaction that deleted a package with zip sha: removes
 * the zip when no package refers to it any more (and this gateway's cached
 * copy). */
enum gw_qs gw_blobs_drop_unreferenced(struct gw_db *db, const char *data_dir, const char *sha,
                                      struct gw_error *e);

#endif
