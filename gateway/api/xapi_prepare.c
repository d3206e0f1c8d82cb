/* xapi_prepare.c: the statements handler's per-statement work on the HTTP
 * worker (validate, normalize, extract what the store indexes, drop the
 * trees; after the commit, the ids reply and freeing). No HTTP here: the
 * handler (api/xapi_statements.c) and bench/prepare_bench.c both call it.
 * See gw/xapi_prepare.h. */
#include "gw/xapi_prepare.h"
#include "gw/hash.h"
#include "gw/json.h"

#include <stdlib.h>
#include <string.h>

enum gw_err gw_xapi_prepare_statements(json_t *body, const struct gw_xapi_prepare *p,
                                       struct gw_xapi_insert *ins, struct gw_error *e)
{
    enum gw_err rc = gw_xapi_validate_batch(body, p->v, e);
    if (rc != GW_OK)
        return rc;
    bool batch = json_is_array(body);
    size_t n = batch ? json_array_size(body) : 1;
    if (n == 0)
        return gw_error_set(e, GW_E_BAD_REQUEST, "", "the batch holds no statement");
    ins->items = gw_xcalloc(n, sizeof *ins->items);
    /* the random part of the ids the LRS assigns, drawn once for the batch */
    size_t idless = 0;
    for (size_t i = 0; i < n && !p->put_id; i++)
        idless += json_object_get(batch ? json_array_get(body, i) : body, "id") == NULL;
    uint8_t small[GW_XAPI_ID_RANDOM * 16];
    uint8_t *random = idless <= 16 ? small : gw_xmalloc(idless * GW_XAPI_ID_RANDOM);
    if (idless && !gw_random_bytes(random, idless * GW_XAPI_ID_RANDOM))
        rc = gw_error_set(e, GW_E_INTERNAL, "/id", "no randomness for statement ids");
    size_t drawn = 0;
    unsigned members = ins->dedup_members ? ins->dedup_members : GW_XAPI_DEDUP_LEGACY;
    for (size_t i = 0; i < n && rc == GW_OK; i++) {
        json_t *st = batch ? json_array_get(body, i) : body;
        bool had_id = json_object_get(st, "id") != NULL || p->put_id != NULL;
        char sig[65] = "";
        if (!had_id && ins->dedup_window_ms > 0 && !gw_xapi_dedup_signature_of(st, members, sig))
            sig[0] = '\0';
        if (!had_id) {
            /* set where normalizing would set it: the same tree */
            char id[37];
            gw_xapi_statement_id_from(p->now_ms, random + GW_XAPI_ID_RANDOM * drawn++, id);
            json_object_set_new(st, "id", json_string(id));
        }
        /* "stored" is the writer's (a column); a missing timestamp equals it,
         * so it stays absent here, which also keeps an identical resend from
         * comparing LRS-assigned timestamps (409). The authority is shared by
         * the batch's statements: nothing changes them after this. */
        rc = gw_xapi_normalize_ex(st, p->put_id, p->now_ms, p->authority, p->v,
                                  GW_XAPI_NORM_NO_STORED | GW_XAPI_NORM_NO_DEFAULT_TS |
                                      GW_XAPI_NORM_SHARE_AUTHORITY,
                                  NULL, e);
        if (rc != GW_OK)
            break;
        gw_xapi_new_statement_init(&ins->items[i], json_incref(st), had_id, sig);
        ins->n++;
        if (p->item_fn)
            rc = p->item_fn(&ins->items[i], i, batch, p->ud, e);
    }
    if (random != small)
        free(random);
    /* the writer needs no parsed statements: free them before the commit */
    for (size_t i = 0; i < ins->n; i++)
        gw_xapi_new_statement_drop_json(&ins->items[i]);
    return rc;
}

void gw_xapi_prepare_reply_ids(const struct gw_xapi_insert *ins, struct gw_buf *b)
{
    /* written directly (performance: no json_t per id) */
    gw_buf_reset(b);
    gw_buf_reserve(b, 2 + ins->n * 39); /* ids of 36 characters: no regrowth */
    gw_buf_append(b, "[", 1);
    for (size_t i = 0; i < ins->n; i++) {
        size_t mark = b->len;
        const char *id = ins->items[i].final_id;
        if (mark > 1)
            gw_buf_append(b, ",", 1);
        if (!gw_json_append_string(b, id, strlen(id))) {
            b->len = mark;
            b->data[mark] = '\0';
        }
    }
    gw_buf_append(b, "]", 1);
}

void gw_xapi_prepare_free(struct gw_xapi_insert *ins)
{
    for (size_t i = 0; i < ins->n; i++)
        gw_xapi_new_statement_clear(&ins->items[i]);
    free(ins->items);
    ins->items = NULL;
    ins->n = 0;
}
