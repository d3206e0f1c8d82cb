/* xAPI documents and activity definitions in the store
 * (store/xapi_documents.c; table xapi_documents, migration 0003, and the
 * xapi_activities table the statements path writes). The api/ layer runs one
 * transaction per request and calls these inside it, so a precondition check,
 * a merge and the write it decides happen atomically. Content is bytes: the
 * store keeps it as base64 text (neither backend gets a BLOB). */
#ifndef GW_XAPI_DOCS_STORE_H
#define GW_XAPI_DOCS_STORE_H

#include "gw/store.h"

#include <jansson.h>

enum gw_xapi_doc_kind {
    GW_XAPI_DOC_STATE,            /* activityId + agent [+ registration] + stateId */
    GW_XAPI_DOC_ACTIVITY_PROFILE, /* activityId + profileId */
    GW_XAPI_DOC_AGENT_PROFILE,    /* agent + profileId */
};

/* Where a document lives. Parts a kind does not use are NULL or "".
 * doc_id NULL selects every document of the context (list, delete all);
 * registration NULL then means "any registration", while for one document
 * it means "no registration". */
struct gw_xapi_doc_key {
    enum gw_xapi_doc_kind kind;
    const char *activity_id;
    const char *agent_key; /* gw_xapi_agent_key */
    const char *registration;
    const char *doc_id;
};

/* A stored document; the strings and content are heap (gw_xapi_doc_clear). */
struct gw_xapi_doc {
    char *content_type;
    unsigned char *content;
    size_t len;
    char etag[41]; /* hex SHA-1 of content */
    int64_t updated_ms;
};
void gw_xapi_doc_clear(struct gw_xapi_doc *d);

/* Loads one document (k->doc_id set). GW_QS_ONE with *out filled, GW_QS_NONE
 * when absent (out zeroed). */
enum gw_qs gw_store_xapi_doc_load(struct gw_db *db, const struct gw_xapi_doc_key *k,
                                  struct gw_xapi_doc *out, struct gw_error *err);
/* Creates or replaces one document with content (len bytes), stamping the
 * etag (hex SHA-1) and updated_ms. */
enum gw_qs gw_store_xapi_doc_save(struct gw_db *db, const struct gw_xapi_doc_key *k,
                                  const char *content_type, const void *content, size_t len,
                                  int64_t updated_ms, struct gw_error *err);
/* Deletes one document, or every document of the context when k->doc_id is
 * NULL. Deleting nothing is not an error (GW_QS_NONE). */
enum gw_qs gw_store_xapi_doc_delete(struct gw_db *db, const struct gw_xapi_doc_key *k,
                                    struct gw_error *err);
/* Appends to ids (a JSON array) the doc ids of the context updated after
 * since_ms (exclusive; pass INT64_MIN for all), in id order. */
enum gw_qs gw_store_xapi_doc_ids(struct gw_db *db, const struct gw_xapi_doc_key *k,
                                 int64_t since_ms, json_t *ids, struct gw_error *err);

/* The stored definition of an activity (JSON text, heap) in *definition, or
 * NULL when the LRS has none; both are GW_OK. */
enum gw_err gw_store_xapi_activity_definition(struct gw_store *s, const char *activity_id,
                                              char **definition, struct gw_error *err);

#endif
