/* review_key.c: the one-click links' signing key, made once and shared by
 * every instance through the database (review_keys). */
#include "gw/department.h"
#include "gw/buf.h"
#include "gw/hash.h"
#include "gw/json.h"
#include "gw/timefmt.h"
#include "review_int.h"
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the link-signing key ---- */

struct key_ctx {
    char hex[65];
    int64_t now_ms;
};

static enum gw_qs key_read_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct key_ctx *c = ud;
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, "SELECT secret FROM review_secrets WHERE name = 'link_key'",
                                NULL, 0, &r, NULL, err);
    gw_copy_str(c->hex, sizeof c->hex, qs == GW_QS_ONE ? gw_db_col_text(r, 0) : NULL);
    gw_db_rows_free(r);
    return qs;
}

static enum gw_qs key_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct key_ctx *c = ud;
    uint8_t fresh[32];
    char hex[65];
    if (!gw_random_bytes(fresh, sizeof fresh)) {
        gw_error_set(err, GW_E_REVIEW_TOKEN_KEY, "", "the system's randomness failed");
        return GW_QS_HARD;
    }
    gw_hex(fresh, sizeof fresh, hex);
    struct gw_dbp p[] = {GW_P_TEXT(hex), GW_P_INT(c->now_ms)};
    enum gw_qs qs = gw_db_query(db,
                                "INSERT INTO review_secrets (name, secret, created_ms) VALUES "
                                "('link_key', $1, $2) ON CONFLICT (name) DO NOTHING",
                                p, 2, NULL, NULL, err);
    if (qs < 0)
        return qs;
    struct gw_db_rows *r = NULL;
    qs = gw_db_query(db, "SELECT secret FROM review_secrets WHERE name = 'link_key'", NULL, 0, &r,
                     NULL, err);
    if (qs == GW_QS_ONE)
        gw_copy_str(c->hex, sizeof c->hex, gw_db_col_text(r, 0));
    gw_db_rows_free(r);
    return qs;
}

enum gw_err gw_store_review_key(struct gw_store *s, uint8_t key[32], struct gw_error *err)
{
    struct key_ctx c = {"", gw_time_now_ms()};
    /* read first: the key exists after the first use, and pages should not write */
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, key_read_body, &c, err);
    if (rc == GW_OK && !c.hex[0])
        rc = gw_store_tx(s, GW_TX_WRITE, key_body, &c, err);
    if (rc != GW_OK)
        return rc;
    if (strlen(c.hex) != 64)
        return gw_error_set(err, GW_E_REVIEW_TOKEN_KEY, "", "the stored link key is malformed");
    for (int i = 0; i < 32; i++) {
        unsigned v = 0;
        sscanf(c.hex + 2 * i, "%2x", &v);
        key[i] = (uint8_t)v;
    }
    return GW_OK;
}
