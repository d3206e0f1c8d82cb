/* keys.c: API keys in the store (table api_keys). Only the SHA-256 of a
 * key's secret is stored; see auth/ for how keys are made and checked. The
 * members of a key's dedup signature are stored as their names
 * ("actor,verb,object,result,timestamp", migration 0012). */
#include "gw/buf.h"
#include "gw/store.h"
#include "gw/xapi.h"

#include <stdio.h>
#include <string.h>

/* The stored members, read back; a value this binary cannot read (written
 * by a newer one) keeps the signature every version understands. */
static unsigned members_of(const char *text)
{
    unsigned m = 0;
    return text && gw_xapi_dedup_members_parse(text, &m) ? m : GW_XAPI_DEDUP_LEGACY;
}

static enum gw_qs insert_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    const struct gw_key *k = ud;
    char members[GW_XAPI_DEDUP_MEMBERS_TEXT];
    gw_xapi_dedup_members_format(k->xapi_dedup_members, members);
    struct gw_dbp p[] = {
        GW_P_TEXT(k->key_id),
        GW_P_TEXT(k->name),
        GW_P_TEXT(k->role),
        GW_P_TEXT(k->secret_hash),
        GW_P_INT(k->created_ms),
        GW_P_INT(k->xapi_dedup_window_s),
        GW_P_TEXT(k->hmac_secret[0] ? k->hmac_secret : NULL),
        GW_P_TEXT(k->person_id[0] ? k->person_id : NULL),
        GW_P_TEXT(members),
    };
    return gw_db_query(
        db,
        "INSERT INTO api_keys (key_id, name, role, secret_hash, created_ms, "
        "xapi_dedup_window_s, hmac_secret, person_id, xapi_dedup_members) VALUES ($1, $2, $3, "
        "$4, $5, $6, $7, $8, $9)",
        p, 9, NULL, NULL, err);
}

enum gw_err gw_store_key_insert(struct gw_store *s, const struct gw_key *k, struct gw_error *err)
{
    return gw_store_tx(s, GW_TX_WRITE, insert_body, (void *)k, err);
}

struct get_ctx {
    const char *key_id;
    struct gw_key *out;
};

static enum gw_qs get_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct get_ctx *c = ud;
    struct gw_dbp p[] = {GW_P_TEXT(c->key_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs =
        gw_db_query(db,
                    "SELECT key_id, name, role, secret_hash, created_ms, revoked_ms, "
                    "xapi_dedup_window_s, hmac_secret, person_id, xapi_dedup_members FROM "
                    "api_keys WHERE key_id = $1",
                    p, 1, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        gw_copy_str(c->out->key_id, sizeof c->out->key_id, gw_db_col_text(r, 0));
        gw_copy_str(c->out->name, sizeof c->out->name, gw_db_col_text(r, 1));
        gw_copy_str(c->out->role, sizeof c->out->role, gw_db_col_text(r, 2));
        gw_copy_str(c->out->secret_hash, sizeof c->out->secret_hash, gw_db_col_text(r, 3));
        c->out->created_ms = gw_db_col_int(r, 4);
        c->out->revoked_ms = gw_db_col_int(r, 5);
        c->out->xapi_dedup_window_s = gw_db_col_int(r, 6);
        gw_copy_str(c->out->hmac_secret, sizeof c->out->hmac_secret, gw_db_col_text(r, 7));
        gw_copy_str(c->out->person_id, sizeof c->out->person_id, gw_db_col_text(r, 8));
        c->out->xapi_dedup_members = members_of(gw_db_col_text(r, 9));
    } else if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, "key_id", "no API key has the id '%s'", c->key_id);
        qs = GW_QS_HARD;
    }
    gw_db_rows_free(r);
    return qs;
}

enum gw_err gw_store_key_get(struct gw_store *s, const char *key_id, struct gw_key *out,
                             struct gw_error *err)
{
    struct get_ctx c = {key_id, out};
    memset(out, 0, sizeof *out);
    return gw_store_tx(s, GW_TX_READ, get_body, &c, err);
}

struct list_ctx {
    struct gw_key *v;
    size_t n, cap;
};

static enum gw_qs list_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct list_ctx *c = ud;
    c->n = 0; /* the body may run again on retry */
    struct gw_db_rows *r = NULL;
    enum gw_qs qs =
        gw_db_query(db,
                    "SELECT key_id, name, role, created_ms, revoked_ms, "
                    "xapi_dedup_window_s, xapi_dedup_members, person_id FROM api_keys ORDER BY "
                    "created_ms DESC, key_id",
                    NULL, 0, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        c->v = gw_xgrow(c->v, c->n, &c->cap, sizeof *c->v);
        struct gw_key *k = &c->v[c->n++];
        memset(k, 0, sizeof *k);
        gw_copy_str(k->key_id, sizeof k->key_id, gw_db_col_text(r, 0));
        gw_copy_str(k->name, sizeof k->name, gw_db_col_text(r, 1));
        gw_copy_str(k->role, sizeof k->role, gw_db_col_text(r, 2));
        k->created_ms = gw_db_col_int(r, 3);
        k->revoked_ms = gw_db_col_int(r, 4);
        k->xapi_dedup_window_s = gw_db_col_int(r, 5);
        k->xapi_dedup_members = members_of(gw_db_col_text(r, 6));
        gw_copy_str(k->person_id, sizeof k->person_id, gw_db_col_text(r, 7));
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
}

enum gw_err gw_store_key_list(struct gw_store *s, struct gw_key **keys, size_t *n,
                              struct gw_error *err)
{
    struct list_ctx c = {NULL, 0, 0};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, list_body, &c, err);
    if (rc != GW_OK) {
        free(c.v);
        c.v = NULL;
        c.n = 0;
    }
    *keys = c.v;
    *n = c.n;
    return rc;
}

struct revoke_ctx {
    const char *key_id;
    int64_t now_ms;
};

static enum gw_qs revoke_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct revoke_ctx *c = ud;
    struct gw_dbp p[] = {GW_P_INT(c->now_ms), GW_P_TEXT(c->key_id)};
    enum gw_qs qs =
        gw_db_query(db, "UPDATE api_keys SET revoked_ms = $1 WHERE key_id = $2 AND revoked_ms = 0",
                    p, 2, NULL, NULL, err);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, "key_id", "no active API key has the id '%s'", c->key_id);
        return GW_QS_HARD;
    }
    return qs;
}

enum gw_err gw_store_key_revoke(struct gw_store *s, const char *key_id, int64_t now_ms,
                                struct gw_error *err)
{
    struct revoke_ctx c = {key_id, now_ms};
    return gw_store_tx(s, GW_TX_WRITE, revoke_body, &c, err);
}
