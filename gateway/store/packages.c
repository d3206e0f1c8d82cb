/* packages.c: package records in the store (table packages, migration
 * 0004), the transaction that ties a new record to its zip (gw/blobs.h:
 * checked in when the first package refers to it), and the verbs that
 * app/packages.c deletes a package with (the zip is dropped with the last
 * package). See gw/packages.h. */
#include "gw/blobs.h"
#include "gw/buf.h"
#include "gw/packages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gw_package_clear(struct gw_package *p)
{
    free(p->report);
    memset(p, 0, sizeof *p);
}

static enum gw_qs insert_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    const struct gw_package *p = ud;
    struct gw_dbp v[] = {
        GW_P_TEXT(p->id),          GW_P_TEXT(p->sha256),    GW_P_INT(p->size),
        GW_P_TEXT(p->filename),    GW_P_TEXT(p->standard),  GW_P_INT(p->valid ? 1 : 0),
        GW_P_INT(p->errors),       GW_P_INT(p->warnings),   GW_P_TEXT(p->report),
        GW_P_TEXT(p->uploaded_by), GW_P_INT(p->created_ms),
    };
    return gw_db_query(db,
                       "INSERT INTO packages (id, sha256, size, filename, standard, valid, errors, "
                       "warnings, report, uploaded_by, created_ms) VALUES ($1, $2, $3, $4, $5, "
                       "$6, $7, $8, $9, $10, $11)",
                       v, 11, NULL, NULL, err);
}

enum gw_err gw_store_package_insert(struct gw_store *s, const struct gw_package *p,
                                    struct gw_error *err)
{
    return gw_store_tx(s, GW_TX_WRITE, insert_body, (void *)p, err);
}

struct kept_ctx {
    const struct gw_package *p;
    const char *data_dir;
};

static enum gw_qs insert_kept_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct kept_ctx *c = ud;
    enum gw_qs qs =
        gw_blobs_check_in(db, c->data_dir, c->p->sha256, c->p->size, c->p->created_ms, err);
    return qs < 0 ? qs : insert_body(db, (void *)c->p, err);
}

enum gw_err gw_store_package_insert_kept(struct gw_store *s, const struct gw_package *p,
                                         const char *data_dir, struct gw_error *err)
{
    struct kept_ctx c = {p, data_dir};
    return gw_store_tx(s, GW_TX_WRITE, insert_kept_body, &c, err);
}

enum gw_qs gw_pkg_in_version(struct gw_db *db, const char *id, struct gw_error *err)
{
    struct gw_dbp v[] = {GW_P_TEXT(id)};
    return gw_db_query(db, "SELECT 1 FROM course_versions WHERE package_id = $1 LIMIT 1", v, 1,
                       NULL, NULL, err);
}

enum gw_qs gw_pkg_delete(struct gw_db *db, const char *id, char sha256[65], struct gw_error *err)
{
    struct gw_dbp v[] = {GW_P_TEXT(id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs =
        gw_db_query(db, "DELETE FROM packages WHERE id = $1 RETURNING sha256", v, 1, &r, NULL, err);
    if (qs == GW_QS_ONE)
        gw_copy_str(sha256, 65, gw_db_col_text(r, 0));
    gw_db_rows_free(r);
    return qs;
}

struct get_ctx {
    const char *id;
    struct gw_package *out;
    bool by_sha; /* id is a SHA-256: the newest package with it */
};

static enum gw_qs get_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct get_ctx *c = ud;
    struct gw_dbp v[] = {GW_P_TEXT(c->id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                c->by_sha ? "SELECT id, sha256, size, filename, standard, valid, "
                                            "errors, warnings, report, uploaded_by, created_ms "
                                            "FROM packages WHERE sha256 = $1 ORDER BY created_ms "
                                            "DESC LIMIT 1"
                                          : "SELECT id, sha256, size, filename, standard, valid, "
                                            "errors, warnings, report, uploaded_by, created_ms "
                                            "FROM packages WHERE id = $1",
                                v, 1, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        struct gw_package *p = c->out;
        gw_package_clear(p);
        gw_copy_str(p->id, sizeof p->id, gw_db_col_text(r, 0));
        gw_copy_str(p->sha256, sizeof p->sha256, gw_db_col_text(r, 1));
        p->size = gw_db_col_int(r, 2);
        gw_copy_str(p->filename, sizeof p->filename, gw_db_col_text(r, 3));
        /* rows stored before the unknown standard was stored as "" hold the
         * text "(null)" (printf of a NULL): the same unknown */
        const char *standard = gw_db_col_text(r, 4);
        if (standard && strcmp(standard, "(null)") == 0)
            standard = "";
        gw_copy_str(p->standard, sizeof p->standard, standard);
        p->valid = gw_db_col_int(r, 5) != 0;
        p->errors = gw_db_col_int(r, 6);
        p->warnings = gw_db_col_int(r, 7);
        p->report = gw_db_col_dup(r, 8);
        gw_copy_str(p->uploaded_by, sizeof p->uploaded_by, gw_db_col_text(r, 9));
        p->created_ms = gw_db_col_int(r, 10);
    }
    gw_db_rows_free(r);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, c->by_sha ? "sha256" : "id", "no package has the %s '%s'",
                     c->by_sha ? "SHA-256" : "id", c->id);
        return GW_QS_HARD;
    }
    return qs;
}

enum gw_err gw_store_package_get(struct gw_store *s, const char *id, struct gw_package *out,
                                 struct gw_error *err)
{
    memset(out, 0, sizeof *out);
    struct get_ctx c = {id, out, false};
    return gw_store_tx(s, GW_TX_READ, get_body, &c, err);
}

enum gw_err gw_store_package_by_sha(struct gw_store *s, const char *sha256, struct gw_package *out,
                                    struct gw_error *err)
{
    memset(out, 0, sizeof *out);
    struct get_ctx c = {sha256, out, true};
    return gw_store_tx(s, GW_TX_READ, get_body, &c, err);
}
