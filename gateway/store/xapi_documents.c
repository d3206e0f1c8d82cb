/* xapi_documents.c: xAPI documents (table xapi_documents, migration 0003)
 * and reading activity definitions (table xapi_activities, written by the
 * statements path). See gw/xapi_docs_store.h. What a request may do to a
 * document (preconditions, merging) is decided in api/; this file only loads,
 * saves, deletes and lists. */
#include "gw/buf.h"
#include "gw/hash.h"
#include "gw/xapi_docs_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *kind_name(enum gw_xapi_doc_kind k)
{
    switch (k) {
    case GW_XAPI_DOC_STATE:
        return "state";
    case GW_XAPI_DOC_ACTIVITY_PROFILE:
        return "activity_profile";
    case GW_XAPI_DOC_AGENT_PROFILE:
        return "agent_profile";
    }
    return "state";
}

static const char *part(const char *s)
{
    return s ? s : "";
}

void gw_xapi_doc_clear(struct gw_xapi_doc *d)
{
    free(d->content_type);
    free(d->content);
    memset(d, 0, sizeof *d);
}

enum gw_qs gw_store_xapi_doc_load(struct gw_db *db, const struct gw_xapi_doc_key *k,
                                  struct gw_xapi_doc *out, struct gw_error *err)
{
    memset(out, 0, sizeof *out);
    struct gw_dbp p[] = {GW_P_TEXT(kind_name(k->kind)), GW_P_TEXT(part(k->activity_id)),
                         GW_P_TEXT(part(k->agent_key)), GW_P_TEXT(part(k->registration)),
                         GW_P_TEXT(part(k->doc_id))};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT content_type, content_b64, etag, updated_ms FROM "
                                "xapi_documents WHERE kind = $1 AND activity_id = $2 AND "
                                "agent_key = $3 AND registration = $4 AND doc_id = $5",
                                p, 5, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        size_t len = 0;
        unsigned char *bytes = gw_base64_decode(part(gw_db_col_text(r, 1)), &len);
        if (!bytes) {
            gw_error_set(err, GW_E_STORE_QUERY, "xapi_documents",
                         "the stored content of document '%s' is not valid base64",
                         part(k->doc_id));
            qs = GW_QS_HARD;
        } else {
            out->content = bytes;
            out->len = len;
            out->content_type = gw_xstrdup(part(gw_db_col_text(r, 0)));
            snprintf(out->etag, sizeof out->etag, "%s", part(gw_db_col_text(r, 2)));
            out->updated_ms = gw_db_col_int(r, 3);
        }
    }
    gw_db_rows_free(r);
    return qs;
}

enum gw_qs gw_store_xapi_doc_save(struct gw_db *db, const struct gw_xapi_doc_key *k,
                                  const char *content_type, const void *content, size_t len,
                                  int64_t updated_ms, struct gw_error *err)
{
    char etag[GW_SHA1_HEX];
    gw_sha1_hex(content, len, etag);
    char *b64 = gw_base64_encode(content, len);
    struct gw_dbp p[] = {GW_P_TEXT(kind_name(k->kind)),
                         GW_P_TEXT(part(k->activity_id)),
                         GW_P_TEXT(part(k->agent_key)),
                         GW_P_TEXT(part(k->registration)),
                         GW_P_TEXT(part(k->doc_id)),
                         GW_P_TEXT(content_type),
                         GW_P_TEXT(b64),
                         GW_P_TEXT(etag),
                         GW_P_INT(updated_ms)};
    enum gw_qs qs = gw_db_query(
        db,
        "INSERT INTO xapi_documents (kind, activity_id, agent_key, registration, doc_id, "
        "content_type, content_b64, etag, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
        "ON CONFLICT (kind, activity_id, agent_key, registration, doc_id) DO UPDATE SET "
        "content_type = excluded.content_type, content_b64 = excluded.content_b64, "
        "etag = excluded.etag, updated_ms = excluded.updated_ms",
        p, 9, NULL, NULL, err);
    free(b64);
    return qs;
}

enum gw_qs gw_store_xapi_doc_delete(struct gw_db *db, const struct gw_xapi_doc_key *k,
                                    struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(kind_name(k->kind)), GW_P_TEXT(part(k->activity_id)),
                         GW_P_TEXT(part(k->agent_key)), GW_P_TEXT(part(k->registration)),
                         GW_P_TEXT(part(k->doc_id))};
    if (k->doc_id)
        return gw_db_query(db,
                           "DELETE FROM xapi_documents WHERE kind = $1 AND activity_id = $2 AND "
                           "agent_key = $3 AND registration = $4 AND doc_id = $5",
                           p, 5, NULL, NULL, err);
    if (k->registration)
        return gw_db_query(db,
                           "DELETE FROM xapi_documents WHERE kind = $1 AND activity_id = $2 AND "
                           "agent_key = $3 AND registration = $4",
                           p, 4, NULL, NULL, err);
    return gw_db_query(db,
                       "DELETE FROM xapi_documents WHERE kind = $1 AND activity_id = $2 AND "
                       "agent_key = $3",
                       p, 3, NULL, NULL, err);
}

enum gw_qs gw_store_xapi_doc_ids(struct gw_db *db, const struct gw_xapi_doc_key *k,
                                 int64_t since_ms, json_t *ids, struct gw_error *err)
{
    /* The parameters are numbered so that both variants use each one. */
    struct gw_dbp p[] = {GW_P_TEXT(kind_name(k->kind)), GW_P_TEXT(part(k->activity_id)),
                         GW_P_TEXT(part(k->agent_key)), GW_P_INT(since_ms),
                         GW_P_TEXT(part(k->registration))};
    const char *sql = k->registration
                          ? "SELECT DISTINCT doc_id FROM xapi_documents WHERE kind = $1 AND "
                            "activity_id = $2 AND agent_key = $3 AND updated_ms > $4 AND "
                            "registration = $5 ORDER BY doc_id"
                          : "SELECT DISTINCT doc_id FROM xapi_documents WHERE kind = $1 AND "
                            "activity_id = $2 AND agent_key = $3 AND updated_ms > $4 "
                            "ORDER BY doc_id";
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, sql, p, k->registration ? 5 : 4, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r))
        json_array_append_new(ids, json_string(part(gw_db_col_text(r, 0))));
    if (qs >= 0) {
        enum gw_qs end = gw_db_rows_status(r, err);
        if (end < 0)
            qs = end;
    }
    gw_db_rows_free(r);
    return qs;
}

struct definition_ctx {
    const char *id;
    char *definition;
};

static enum gw_qs definition_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct definition_ctx *c = ud;
    free(c->definition); /* the body may run again on retry */
    c->definition = NULL;
    struct gw_dbp p[] = {GW_P_TEXT(c->id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, "SELECT definition FROM xapi_activities WHERE id = $1", p, 1,
                                &r, NULL, err);
    if (qs == GW_QS_ONE && !gw_db_col_null(r, 0))
        c->definition = gw_db_col_dup(r, 0);
    gw_db_rows_free(r);
    return qs;
}

enum gw_err gw_store_xapi_activity_definition(struct gw_store *s, const char *activity_id,
                                              char **definition, struct gw_error *err)
{
    struct definition_ctx c = {activity_id, NULL};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, definition_body, &c, err);
    if (rc != GW_OK) {
        free(c.definition);
        c.definition = NULL;
    }
    *definition = c.definition;
    return rc;
}
