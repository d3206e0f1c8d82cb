/* preview.c: the preview LRS's tables (preview_statements and
 * preview_documents, migration 0013): storing and reading one scope's
 * statements, and loading, saving, deleting and listing its documents. See
 * gw/preview_store.h. What a request may do (validation, preconditions,
 * merging, the cmi5 LaunchData document) is decided in api/preview_xapi.c;
 * this file never reads or writes a learner's table. */
#include "gw/buf.h"
#include "gw/hash.h"
#include "gw/preview_store.h"
#include "gw/xapi.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- statements ---- */

struct insert_ctx {
    const char *scope;
    const struct gw_preview_statement_in *items;
    size_t n;
    int64_t now_ms;
};

/* Whether the scope holds id already: GW_QS_ONE for an equivalent statement
 * (a replay), GW_QS_NONE when not there, HARD with XAPI_ID_CONFLICT for a
 * different one. */
static enum gw_qs check_existing(struct gw_db *db, const struct insert_ctx *c, size_t i,
                                 struct gw_error *err)
{
    const struct gw_preview_statement_in *it = &c->items[i];
    struct gw_dbp p[] = {GW_P_TEXT(c->scope), GW_P_TEXT(it->id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs =
        gw_db_query(db, "SELECT body FROM preview_statements WHERE scope = $1 AND id = $2", p, 2,
                    &r, NULL, err);
    if (qs == GW_QS_ONE) {
        json_t *old = json_loads(gw_db_col_text(r, 0), 0, NULL);
        json_t *now = json_loads(it->body, 0, NULL);
        bool same = old && now && gw_xapi_statements_equivalent(old, now);
        json_decref(old);
        json_decref(now);
        if (!same) {
            char where[32];
            if (c->n > 1)
                snprintf(where, sizeof where, "/%zu/id", i);
            else
                snprintf(where, sizeof where, "/id");
            gw_error_set(err, GW_E_XAPI_ID_CONFLICT, where,
                         "a different statement with the id %s is already stored in this preview",
                         it->id);
            qs = GW_QS_HARD;
        }
    }
    gw_db_rows_free(r);
    return qs;
}

/* The scope's highest seq (0 when it has none). */
static enum gw_qs max_seq(struct gw_db *db, const char *scope, int64_t *out, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(scope)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs =
        gw_db_query(db, "SELECT COALESCE(MAX(seq), 0) FROM preview_statements WHERE scope = $1", p,
                    1, &r, NULL, err);
    *out = qs == GW_QS_ONE ? gw_db_col_int(r, 0) : 0;
    gw_db_rows_free(r);
    return qs;
}

static enum gw_qs insert_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct insert_ctx *c = ud;
    struct gw_dbp age[] = {GW_P_INT(c->now_ms - GW_PREVIEW_KEEP_MS)};
    enum gw_qs qs = gw_db_query(db, "DELETE FROM preview_statements WHERE stored_ms < $1", age, 1,
                                NULL, NULL, err);
    int64_t seq = 0;
    if (qs >= 0)
        qs = max_seq(db, c->scope, &seq, err);
    for (size_t i = 0; qs >= 0 && i < c->n; i++) {
        qs = check_existing(db, c, i, err);
        if (qs != GW_QS_NONE)
            continue; /* a replay, or the error */
        const struct gw_preview_statement_in *it = &c->items[i];
        struct gw_dbp p[] = {GW_P_TEXT(c->scope),
                             GW_P_TEXT(it->id),
                             GW_P_INT(++seq),
                             GW_P_INT(c->now_ms),
                             GW_P_TEXT(it->verb_id ? it->verb_id : ""),
                             GW_P_TEXT(it->object_id ? it->object_id : ""),
                             GW_P_TEXT(it->body)};
        qs = gw_db_query(db,
                         "INSERT INTO preview_statements (scope, id, seq, stored_ms, verb_id, "
                         "object_id, body) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                         p, 7, NULL, NULL, err);
    }
    if (qs < 0)
        return qs;
    struct gw_dbp trim[] = {GW_P_TEXT(c->scope), GW_P_INT(seq - GW_PREVIEW_MAX_STATEMENTS)};
    qs = gw_db_query(db, "DELETE FROM preview_statements WHERE scope = $1 AND seq <= $2", trim, 2,
                     NULL, NULL, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_err gw_store_preview_statements_insert(struct gw_store *s, const char *scope,
                                               const struct gw_preview_statement_in *items,
                                               size_t n, int64_t now_ms, struct gw_error *err)
{
    struct insert_ctx c = {scope, items, n, now_ms};
    return gw_store_tx(s, GW_TX_WRITE, insert_body, &c, err);
}

void gw_preview_page_free(struct gw_preview_page *p)
{
    for (size_t i = 0; p->v && i < p->n; i++)
        free(p->v[i].body);
    free(p->v);
    memset(p, 0, sizeof *p);
}

struct query_ctx {
    const char *scope;
    const struct gw_preview_query *q;
    struct gw_preview_page *out;
};

static enum gw_qs query_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct query_ctx *c = ud;
    const struct gw_preview_query *q = c->q;
    gw_preview_page_free(c->out); /* the body may run again on retry */
    struct gw_dbp p[] = {GW_P_TEXT(c->scope),
                         GW_P_INT(q->since_ms),
                         GW_P_INT(q->until_ms),
                         GW_P_TEXT(q->verb_id ? q->verb_id : ""),
                         GW_P_TEXT(q->object_id ? q->object_id : ""),
                         GW_P_INT((int64_t)q->limit + 1),
                         GW_P_TEXT(q->statement_id)};
    const char *sql;
    int np = 6;
    if (q->statement_id) {
        /* $2.. are unused but for $7: renumbered as the one-statement form */
        p[1] = p[6];
        np = 2;
        sql = "SELECT id, stored_ms, body FROM preview_statements WHERE scope = $1 AND id = $2";
    } else if (q->ascending) {
        sql = "SELECT id, stored_ms, body FROM preview_statements WHERE scope = $1 AND "
              "stored_ms > $2 AND stored_ms <= $3 AND ($4 = '' OR verb_id = $4) AND "
              "($5 = '' OR object_id = $5) ORDER BY seq LIMIT $6";
    } else {
        sql = "SELECT id, stored_ms, body FROM preview_statements WHERE scope = $1 AND "
              "stored_ms > $2 AND stored_ms <= $3 AND ($4 = '' OR verb_id = $4) AND "
              "($5 = '' OR object_id = $5) ORDER BY seq DESC LIMIT $6";
    }
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, sql, p, np, &r, NULL, err);
    size_t cap = 0;
    for (bool row = qs == GW_QS_ONE; row; row = gw_db_next(r)) {
        if (c->out->n == (size_t)q->limit) {
            c->out->more = true;
            break;
        }
        if (c->out->n == cap) {
            cap = cap ? 2 * cap : 16;
            c->out->v = gw_xrealloc(c->out->v, cap * sizeof *c->out->v);
        }
        struct gw_preview_statement *st = &c->out->v[c->out->n++];
        gw_copy_str(st->id, sizeof st->id, gw_db_col_text(r, 0));
        st->stored_ms = gw_db_col_int(r, 1);
        st->body = gw_db_col_dup(r, 2);
    }
    if (qs >= 0 && !c->out->more) {
        enum gw_qs end = gw_db_rows_status(r, err);
        if (end < 0)
            qs = end;
    }
    gw_db_rows_free(r);
    return qs;
}

enum gw_err gw_store_preview_statements(struct gw_store *s, const char *scope,
                                        const struct gw_preview_query *q,
                                        struct gw_preview_page *out, struct gw_error *err)
{
    memset(out, 0, sizeof *out);
    struct query_ctx c = {scope, q, out};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, query_body, &c, err);
    if (rc != GW_OK)
        gw_preview_page_free(out);
    return rc;
}

/* ---- documents ---- */

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

/* The key's columns as parameters $2..$6 after the scope ($1). */
#define DOC_KEY_PARAMS(scope, k)                                                                   \
    GW_P_TEXT(scope), GW_P_TEXT(kind_name((k)->kind)), GW_P_TEXT(part((k)->activity_id)),          \
        GW_P_TEXT(part((k)->agent_key)), GW_P_TEXT(part((k)->registration)),                       \
        GW_P_TEXT(part((k)->doc_id))

#define DOC_KEY_WHERE                                                                              \
    "scope = $1 AND kind = $2 AND activity_id = $3 AND agent_key = $4 AND registration = $5 "      \
    "AND doc_id = $6"

enum gw_qs gw_store_preview_doc_load(struct gw_db *db, const char *scope,
                                     const struct gw_xapi_doc_key *k, struct gw_xapi_doc *out,
                                     struct gw_error *err)
{
    memset(out, 0, sizeof *out);
    struct gw_dbp p[] = {DOC_KEY_PARAMS(scope, k)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT content_type, content_b64, etag, updated_ms FROM "
                                "preview_documents WHERE " DOC_KEY_WHERE,
                                p, 6, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        size_t len = 0;
        unsigned char *bytes = gw_base64_decode(part(gw_db_col_text(r, 1)), &len);
        if (!bytes) {
            gw_error_set(err, GW_E_STORE_QUERY, "preview_documents",
                         "the stored content of preview document '%s' is not valid base64",
                         part(k->doc_id));
            qs = GW_QS_HARD;
        } else {
            out->content = bytes;
            out->len = len;
            out->content_type = gw_xstrdup(part(gw_db_col_text(r, 0)));
            gw_copy_str(out->etag, sizeof out->etag, part(gw_db_col_text(r, 2)));
            out->updated_ms = gw_db_col_int(r, 3);
        }
    }
    gw_db_rows_free(r);
    return qs;
}

/* Rows older than GW_PREVIEW_KEEP_MS (any scope), then a scope's documents
 * beyond its newest GW_PREVIEW_MAX_DOCUMENTS (the subquery is NULL, and
 * nothing goes, while it has fewer). */
static enum gw_qs trim_documents(struct gw_db *db, const char *scope, int64_t now_ms,
                                 struct gw_error *err)
{
    struct gw_dbp age[] = {GW_P_INT(now_ms - GW_PREVIEW_KEEP_MS)};
    enum gw_qs qs = gw_db_query(db, "DELETE FROM preview_documents WHERE updated_ms < $1", age, 1,
                                NULL, NULL, err);
    if (qs < 0)
        return qs;
    struct gw_dbp p[] = {GW_P_TEXT(scope), GW_P_INT(GW_PREVIEW_MAX_DOCUMENTS - 1)};
    return gw_db_query(db,
                       "DELETE FROM preview_documents WHERE scope = $1 AND updated_ms < (SELECT "
                       "updated_ms FROM preview_documents WHERE scope = $1 ORDER BY updated_ms "
                       "DESC LIMIT 1 OFFSET $2)",
                       p, 2, NULL, NULL, err);
}

enum gw_qs gw_store_preview_doc_save(struct gw_db *db, const char *scope,
                                     const struct gw_xapi_doc_key *k, const char *content_type,
                                     const void *content, size_t len, int64_t updated_ms,
                                     struct gw_error *err)
{
    enum gw_qs qs = trim_documents(db, scope, updated_ms, err);
    if (qs < 0)
        return qs;
    char etag[GW_SHA1_HEX];
    gw_sha1_hex(content, len, etag);
    char *b64 = gw_base64_encode(content, len);
    struct gw_dbp p[] = {DOC_KEY_PARAMS(scope, k), GW_P_TEXT(content_type), GW_P_TEXT(b64),
                         GW_P_TEXT(etag), GW_P_INT(updated_ms)};
    qs = gw_db_query(db,
                     "INSERT INTO preview_documents (scope, kind, activity_id, agent_key, "
                     "registration, doc_id, content_type, content_b64, etag, updated_ms) VALUES "
                     "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (scope, kind, "
                     "activity_id, agent_key, registration, doc_id) DO UPDATE SET content_type = "
                     "excluded.content_type, content_b64 = excluded.content_b64, etag = "
                     "excluded.etag, updated_ms = excluded.updated_ms",
                     p, 10, NULL, NULL, err);
    free(b64);
    return qs;
}

enum gw_qs gw_store_preview_doc_delete(struct gw_db *db, const char *scope,
                                       const struct gw_xapi_doc_key *k, struct gw_error *err)
{
    struct gw_dbp p[] = {DOC_KEY_PARAMS(scope, k)};
    if (k->doc_id)
        return gw_db_query(db, "DELETE FROM preview_documents WHERE " DOC_KEY_WHERE, p, 6, NULL,
                           NULL, err);
    if (k->registration)
        return gw_db_query(db,
                           "DELETE FROM preview_documents WHERE scope = $1 AND kind = $2 AND "
                           "activity_id = $3 AND agent_key = $4 AND registration = $5",
                           p, 5, NULL, NULL, err);
    return gw_db_query(db,
                       "DELETE FROM preview_documents WHERE scope = $1 AND kind = $2 AND "
                       "activity_id = $3 AND agent_key = $4",
                       p, 4, NULL, NULL, err);
}

enum gw_qs gw_store_preview_doc_ids(struct gw_db *db, const char *scope,
                                    const struct gw_xapi_doc_key *k, int64_t since_ms, json_t *ids,
                                    struct gw_error *err)
{
    /* numbered so that both variants use each parameter they pass */
    struct gw_dbp p[] = {GW_P_TEXT(scope),
                         GW_P_TEXT(kind_name(k->kind)),
                         GW_P_TEXT(part(k->activity_id)),
                         GW_P_TEXT(part(k->agent_key)),
                         GW_P_INT(since_ms),
                         GW_P_TEXT(part(k->registration))};
    const char *sql = k->registration
                          ? "SELECT DISTINCT doc_id FROM preview_documents WHERE scope = $1 AND "
                            "kind = $2 AND activity_id = $3 AND agent_key = $4 AND updated_ms > "
                            "$5 AND registration = $6 ORDER BY doc_id"
                          : "SELECT DISTINCT doc_id FROM preview_documents WHERE scope = $1 AND "
                            "kind = $2 AND activity_id = $3 AND agent_key = $4 AND updated_ms > "
                            "$5 ORDER BY doc_id";
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, sql, p, k->registration ? 6 : 5, &r, NULL, err);
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
