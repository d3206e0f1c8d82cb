/* Preparing posted statements for the writer (api/xapi_prepare.c): what the
 * statements handler does in the HTTP worker between parsing the body and
 * handing the job to the group-commit writer, and again after the commit
 * (the ids reply, freeing the items). A module of its own so that
 * bench/prepare_bench.c measures exactly the code the handler runs. */
#ifndef GW_XAPI_PREPARE_H
#define GW_XAPI_PREPARE_H

#include "gw/buf.h"
#include "gw/xapi_store.h"

/* Called for each statement right after gw_xapi_new_statement_init, while
 * item->st is still held (the handler matches attachments and checks
 * signatures there). A code other than GW_OK stops the preparation. */
typedef enum gw_err (*gw_xapi_prepare_item_fn)(struct gw_xapi_new_statement *item, size_t index,
                                               bool batch, void *ud, struct gw_error *e);

struct gw_xapi_prepare {
    const char *put_id; /* PUT's statementId, or NULL */
    enum gw_xapi_version v;
    const json_t *authority;         /* the Agent recorded as authority, or NULL */
    int64_t now_ms;                  /* stored instant used by normalization */
    gw_xapi_prepare_item_fn item_fn; /* may be NULL */
    void *ud;
};

/* Validates body (one statement object or an array of them; an empty array
 * is refused), normalizes each statement in place and fills ins->items /
 * ins->n with gw_xapi_new_statement_init. ins must be zeroed but for
 * authority_key and dedup_window_ms, which set whether dedup signatures are
 * computed. The items' JSON trees are dropped before returning (the writer
 * needs none); body stays the caller's. On failure the items made so far
 * are in ins (free them with gw_xapi_prepare_free). */
enum gw_err gw_xapi_prepare_statements(json_t *body, const struct gw_xapi_prepare *p,
                                       struct gw_xapi_insert *ins, struct gw_error *e);

/* Writes the 200 reply of a POST into b (replacing its contents): the JSON
 * array of the items' final ids; an id json_string would refuse is left out. */
void gw_xapi_prepare_reply_ids(const struct gw_xapi_insert *ins, struct gw_buf *b);

/* Frees ins->items (each cleared) and zeroes items and n. */
void gw_xapi_prepare_free(struct gw_xapi_insert *ins);

#endif
