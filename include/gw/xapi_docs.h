/* The domain rules of the xAPI document resources (State, Activity Profile,
 * Agent Profile) and of the Agents resource (xapi/documents.c): the 'agent'
 * query parameter, ETags and the If-Match / If-None-Match preconditions, the
 * JSON merge of POST, and the Person object. No HTTP and no SQL: api/ calls
 * these with header and parameter values, store/ keeps the documents. */
#ifndef GW_XAPI_DOCS_H
#define GW_XAPI_DOCS_H

#include "gw/error.h"
#include "gw/xapi.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Parses and validates an 'agent' parameter (JSON text) under version v's
 * rules: an Agent, or with allow_group an identified Group. *agent (may be
 * NULL) receives the parsed object (caller decrefs); key receives
 * gw_xapi_agent_key. Errors: XAPI_AGENT_PARAM with where = "agent" and the
 * place inside the JSON in the detail. */
enum gw_err gw_xapi_agent_param(const char *text, enum gw_xapi_version v, bool allow_group,
                                json_t **agent, char *key, size_t cap, struct gw_error *err);

/* Whether an If-Match / If-None-Match value (a comma-separated list of quoted
 * entity tags, weak ones included, or "*") names a document whose ETag is
 * etag_hex (unquoted; NULL when there is no document). "*" matches any
 * existing document. */
bool gw_xapi_etag_list_matches(const char *header, const char *etag_hex);

/* What a write may do given the stored document's ETag (NULL when absent):
 * If-Match that does not match, or If-None-Match that does, gives
 * XAPI_DOCUMENT_PRECONDITION (where = the header); a PUT without either
 * header on an existing document gives XAPI_DOCUMENT_CONFLICT when
 * conflict_on_blind_put (profiles; every document under xAPI 2.0). */
enum gw_err gw_xapi_doc_precondition(const char *if_match, const char *if_none_match,
                                     const char *stored_etag, bool is_put,
                                     bool conflict_on_blind_put, struct gw_error *err);

/* Whether a Content-Type names JSON (application/json, any parameters). */
bool gw_xapi_is_json_type(const char *content_type);

/* Whether data (len bytes) parses as a JSON object. */
bool gw_xapi_is_json_object(const void *data, size_t len);

/* The merge of POST (Comm 2.2): every top-level property of the posted
 * object replaces the stored one. Both must parse as JSON objects (else
 * XAPI_DOCUMENT_MERGE). *out is heap, compact JSON (caller frees). */
enum gw_err gw_xapi_doc_merge(const void *stored, size_t stored_len, const void *posted,
                              size_t posted_len, char **out, size_t *out_len, struct gw_error *err);

/* The Person object for an Agent (Comm 2.6): objectType "Person" and one
 * array per property the agent has (name, mbox, mbox_sha1sum, openid,
 * account). New reference. */
json_t *gw_xapi_person(const json_t *agent);

#endif
