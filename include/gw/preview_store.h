/* The preview LRS's storage (store/preview.c; tables preview_statements and
 * preview_documents, migration 0013): what a course sends while an approver
 * runs it on the review page (gw/preview.h), kept per scope ("round/
 * approver") and apart from learners' statements and documents. Nothing
 * here touches the xAPI statement, document, index or KPI tables, and none
 * of those reads these.
 *
 * Bounds: every write first deletes the rows (of any scope) older than
 * GW_PREVIEW_KEEP_MS, and a scope keeps its newest GW_PREVIEW_MAX_STATEMENTS
 * statements and GW_PREVIEW_MAX_DOCUMENTS documents (older ones go). */
#ifndef GW_PREVIEW_STORE_H
#define GW_PREVIEW_STORE_H

#include "gw/store.h"
#include "gw/xapi_docs_store.h"

#define GW_PREVIEW_KEEP_MS (30LL * 24 * 3600 * 1000)
#define GW_PREVIEW_MAX_STATEMENTS 5000
#define GW_PREVIEW_MAX_DOCUMENTS 1000

/* One statement to store, prepared as the main LRS prepares them
 * (gw_xapi_prepare_statements): body is the normalized statement without
 * "stored" (and without "timestamp" when the client sent none). Borrowed. */
struct gw_preview_statement_in {
    const char *id;
    const char *verb_id;
    const char *object_id; /* may be NULL */
    const char *body;
};

/* Stores items (n > 0) under scope with stored = now_ms, in one
 * transaction. A statement whose id the scope holds already is a replay
 * when its content is equivalent (gw_xapi_statements_equivalent: nothing
 * changes) and GW_E_XAPI_ID_CONFLICT (409, where "/id" or "/N/id")
 * otherwise; then nothing of the call is stored. */
enum gw_err gw_store_preview_statements_insert(struct gw_store *s, const char *scope,
                                               const struct gw_preview_statement_in *items,
                                               size_t n, int64_t now_ms, struct gw_error *err);

/* What to read of a scope's statements. */
struct gw_preview_query {
    const char *statement_id; /* one statement (the filters below are ignored), or NULL */
    int64_t since_ms;         /* stored after (exclusive); INT64_MIN: any */
    int64_t until_ms;         /* stored at or before; INT64_MAX: any */
    const char *verb_id;      /* or NULL */
    const char *object_id;    /* the object's id (activity, agent key, ...), or NULL */
    bool ascending;           /* oldest first; default newest first */
    int limit;                /* > 0 */
};

struct gw_preview_statement {
    char id[37];
    int64_t stored_ms;
    char *body; /* heap */
};

struct gw_preview_page {
    struct gw_preview_statement *v; /* heap, n entries */
    size_t n;
    bool more; /* more statements matched than limit */
};

/* The scope's statements matching q, in arrival order (newest first unless
 * q->ascending). A statement_id the scope does not hold gives an empty
 * page. Free with gw_preview_page_free. */
enum gw_err gw_store_preview_statements(struct gw_store *s, const char *scope,
                                        const struct gw_preview_query *q,
                                        struct gw_preview_page *out, struct gw_error *err);
void gw_preview_page_free(struct gw_preview_page *p);

/* Documents, inside the caller's transaction (the handler loads, checks
 * preconditions, merges and saves in one), with gw/xapi_docs_store.h's
 * semantics for k, plus the scope. */
enum gw_qs gw_store_preview_doc_load(struct gw_db *db, const char *scope,
                                     const struct gw_xapi_doc_key *k, struct gw_xapi_doc *out,
                                     struct gw_error *err);
/* Also applies the bounds above. */
enum gw_qs gw_store_preview_doc_save(struct gw_db *db, const char *scope,
                                     const struct gw_xapi_doc_key *k, const char *content_type,
                                     const void *content, size_t len, int64_t updated_ms,
                                     struct gw_error *err);
enum gw_qs gw_store_preview_doc_delete(struct gw_db *db, const char *scope,
                                       const struct gw_xapi_doc_key *k, struct gw_error *err);
enum gw_qs gw_store_preview_doc_ids(struct gw_db *db, const char *scope,
                                    const struct gw_xapi_doc_key *k, int64_t since_ms, json_t *ids,
                                    struct gw_error *err);

#endif
