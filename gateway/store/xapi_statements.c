/* xapi_statements.c: xAPI statements in the store (tables xapi_statements,
 * xapi_attachments, xapi_activities, migration 0002; the side tables
 * xapi_statement_activity_rids and xapi_statement_agent_rids over interned
 * terms, migration 0010). See gw/xapi_store.h. The insert items it stores
 * are built from statements by xapi/new_statement.c.
 *
 * On PostgreSQL xapi_statements is partitioned by month of stored_ms
 * (migration 0017, store/xapi_retention.c): ids are unique in the directory
 * xapi_statement_ids (id -> seq, stored_ms, voids_id), which the insert
 * writes in the same statement, and every lookup by id or by voided target
 * goes through it, then to the one partition that holds the row. On SQLite
 * the table itself has those columns and indexes. */
#include "gw/buf.h"
#include "gw/json.h"
#include "gw/kpi_store.h"
#include "gw/timefmt.h"
#include "gw/xapi.h"
#include "gw/xapi_store.h"
#include "kpi_int.h"
#include "store_int.h"
#include "terms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_pg(struct gw_db *db)
{
    return gw_db_dialect(db) == GW_DIALECT_POSTGRES;
}

/* ---- inserting ---- */

/* The body stored under id: GW_QS_ONE with *body (heap; NULL when the id is
 * known but its month was dropped), GW_QS_NONE when the id is new. On
 * PostgreSQL two lookups, so that a new id (the usual case) touches the
 * directory only, not the partitions. */
static enum gw_qs stored_body(struct gw_db *db, const char *id, char **body, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(id)};
    struct gw_db_rows *r = NULL;
    *body = NULL;
    enum gw_qs qs = gw_db_query(db,
                                is_pg(db) ? "SELECT seq, stored_ms FROM xapi_statement_ids WHERE "
                                            "id = $1"
                                          : "SELECT body FROM xapi_statements WHERE id = $1",
                                p, 1, &r, NULL, err);
    struct gw_dbp at[] = {GW_P_INT(0), GW_P_INT(0)};
    if (qs == GW_QS_ONE && !is_pg(db))
        *body = gw_xstrdup(gw_db_col_text(r, 0));
    else if (qs == GW_QS_ONE) {
        at[0] = GW_P_INT(gw_db_col_int(r, 0));
        at[1] = GW_P_INT(gw_db_col_int(r, 1));
    }
    gw_db_rows_free(r);
    if (qs != GW_QS_ONE || !is_pg(db))
        return qs;
    qs = gw_db_query(db, "SELECT body FROM xapi_statements WHERE seq = $1 AND stored_ms = $2", at,
                     2, &r, NULL, err);
    if (qs == GW_QS_ONE)
        *body = gw_xstrdup(gw_db_col_text(r, 0));
    gw_db_rows_free(r);
    return qs < 0 ? qs : GW_QS_ONE;
}

/* A known id: equivalent content is a replay, anything else a conflict.
 * Returns GW_QS_ONE when the id exists (replay), GW_QS_NONE when new. The id
 * of a statement whose month was dropped (PostgreSQL: the directory keeps
 * it, the body is gone) is a replay too: it is never stored twice, but its
 * content can no longer be compared. */
static enum gw_qs check_existing(struct gw_db *db, struct gw_xapi_new_statement *it,
                                 struct gw_error *err)
{
    char *body = NULL;
    enum gw_qs qs = stored_body(db, it->id, &body, err);
    if (qs == GW_QS_ONE && body) {
        json_t *old = json_loads(body, 0, NULL);
        json_t *now = it->st ? json_incref(it->st) : json_loads(it->body, 0, NULL);
        bool same = old && now && gw_xapi_statements_equivalent(old, now);
        json_decref(old);
        json_decref(now);
        if (!same) {
            gw_error_set(err, GW_E_XAPI_ID_CONFLICT, "/id",
                         "a different statement with the id %s is already stored", it->id);
            qs = GW_QS_HARD;
        }
    }
    free(body);
    return qs;
}

/* The first statement of this client with the same signature within the
 * window: GW_QS_ONE with its id in it->final_id. */
static enum gw_qs find_duplicate(struct gw_db *db, const struct gw_xapi_insert *in,
                                 struct gw_xapi_new_statement *it, int64_t stored_ms,
                                 struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(in->authority_key), GW_P_TEXT(it->dedup_sig),
                         GW_P_INT(stored_ms - in->dedup_window_ms)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT id FROM xapi_statements WHERE authority_key = $1 AND "
                                "dedup_sig = $2 AND stored_ms >= $3 ORDER BY seq LIMIT 1",
                                p, 3, &r, NULL, err);
    if (qs == GW_QS_ONE)
        snprintf(it->final_id, sizeof it->final_id, "%s", gw_db_col_text(r, 0));
    gw_db_rows_free(r);
    return qs;
}

/* Applies a voiding statement to its target, if the target is here yet. */
static enum gw_qs void_target(struct gw_db *db, struct gw_xapi_new_statement *it,
                              struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(it->voids_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                is_pg(db) ? "SELECT voids_id, seq, stored_ms FROM "
                                            "xapi_statement_ids WHERE id = $1"
                                          : "SELECT voids_id, seq, stored_ms FROM "
                                            "xapi_statements WHERE id = $1",
                                p, 1, &r, NULL, err);
    bool target_voids = qs == GW_QS_ONE && !gw_db_col_null(r, 0);
    struct gw_dbp at[] = {GW_P_INT(qs == GW_QS_ONE ? gw_db_col_int(r, 1) : 0),
                          GW_P_INT(qs == GW_QS_ONE ? gw_db_col_int(r, 2) : 0)};
    gw_db_rows_free(r);
    if (qs < 0)
        return qs;
    if (target_voids) {
        gw_error_set(err, GW_E_XAPI_VOID_TARGET_VOIDING, "/object/id",
                     "the statement %s is itself a voiding statement and cannot be voided",
                     it->voids_id);
        return GW_QS_HARD;
    }
    if (qs == GW_QS_NONE)
        return GW_QS_NONE; /* voided when it arrives */
    /* by (seq, stored_ms): one partition; none when its month was dropped */
    qs = gw_db_query(db, "UPDATE xapi_statements SET voided = 1 WHERE seq = $1 AND stored_ms = $2",
                     at, 2, NULL, NULL, err);
    return qs < 0 ? qs : gw_kst_apply_void(db, it->voids_id, err); /* KPI state (kpi.c) */
}

/* Whether a voiding statement stored earlier already targets this id. */
static enum gw_qs already_voided(struct gw_db *db, const char *id, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(id)};
    return gw_db_query(db,
                       is_pg(db) ? "SELECT 1 FROM xapi_statement_ids WHERE voids_id = $1 LIMIT 1"
                                 : "SELECT 1 FROM xapi_statements WHERE voids_id = $1 LIMIT 1",
                       p, 1, NULL, NULL, err);
}

/* The side rows of one statement in one table: each term interned
 * (terms.c), its role as a code, all rows in one INSERT. On SQLite it is
 * INSERT OR IGNORE: a multi-row insert that cannot abort needs no statement
 * journal (an ON CONFLICT clause leaves NOT NULL aborting, which makes
 * SQLite keep one on every execution). */
struct side_row {
    const char *term;
    int role;
};

static enum gw_qs insert_side_table(struct gw_db *db, const char *table,
                                    const struct side_row *rows, size_t n, int64_t seq,
                                    struct gw_error *err)
{
    enum { CHUNK = 16 };
    bool sqlite = gw_db_dialect(db) == GW_DIALECT_SQLITE;
    enum gw_qs qs = GW_QS_NONE;
    for (size_t done = 0; done < n && qs >= 0;) {
        size_t k = n - done > CHUNK ? CHUNK : n - done;
        struct gw_dbp p[1 + 2 * CHUNK];
        p[0] = GW_P_INT(seq);
        struct gw_buf sql = {0};
        gw_buf_printf(&sql, "INSERT %sINTO %s (rid, seq, role) VALUES ", sqlite ? "OR IGNORE " : "",
                      table);
        for (size_t i = 0; i < k && qs >= 0; i++) {
            const struct side_row *r = &rows[done + i];
            if (r->role < 0) {
                gw_error_set(err, GW_E_STORE_QUERY, "role", "no role code for %.200s", r->term);
                qs = GW_QS_HARD;
                break;
            }
            int64_t rid = 0;
            qs = gw_terms_rid(db, r->term, &rid, err);
            p[1 + 2 * i] = GW_P_INT(rid);
            p[2 + 2 * i] = GW_P_INT(r->role);
            gw_buf_printf(&sql, "%s($%zu, $1, $%zu)", i ? ", " : "", 2 + 2 * i, 3 + 2 * i);
        }
        if (!sqlite)
            gw_buf_puts(&sql, " ON CONFLICT DO NOTHING");
        if (qs >= 0)
            qs = gw_db_query(db, gw_buf_str(&sql), p, (int)(1 + 2 * k), NULL, NULL, err);
        gw_buf_free(&sql);
        done += k;
    }
    return qs;
}

/* Stores an activity's definition the first time, then merges each newer
 * one into it (gw_xapi_definition_merge: the Activities resource returns all
 * that any statement said). One statement in the usual cases: a new activity
 * is inserted, and the same definition again writes nothing (so a repeated
 * definition dirties no page; a per-connection cache of what is stored went
 * stale when the writer used another connection of the pool, so none is
 * kept). Only when the stored text differs does it come back (its row's
 * updated_ms is touched) to be merged and, when the merge adds something,
 * written by an update that names the text it merged into: if another writer
 * changed it in between, the merge runs again on the new text. */
enum gw_qs gw_xapi_save_definition(struct gw_db *db, const char *id, const char *def,
                                   int64_t stored_ms, struct gw_error *err)
{
    for (int attempt = 0; attempt < 4; attempt++) {
        struct gw_db_rows *r = NULL;
        struct gw_dbp p[] = {GW_P_TEXT(id), GW_P_TEXT(def), GW_P_INT(stored_ms)};
        enum gw_qs qs = gw_db_query(db,
                                    "INSERT INTO xapi_activities (id, definition, updated_ms) "
                                    "VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET "
                                    "updated_ms = excluded.updated_ms "
                                    "WHERE xapi_activities.definition <> excluded.definition "
                                    "RETURNING definition",
                                    p, 3, &r, NULL, err);
        /* no row: the same text is stored; def itself: just inserted */
        const char *text = qs == GW_QS_ONE ? gw_db_col_text(r, 0) : NULL;
        char *old = text && strcmp(text, def) != 0 ? gw_xstrdup(text) : NULL;
        gw_db_rows_free(r);
        if (qs < 0 || !old)
            return qs < 0 ? qs : GW_QS_ONE;
        char *merged = gw_xapi_definition_merge(old, def);
        int64_t changes = 1; /* nothing to add */
        if (merged) {
            struct gw_dbp u[] = {GW_P_TEXT(id), GW_P_TEXT(merged), GW_P_INT(stored_ms),
                                 GW_P_TEXT(old)};
            qs = gw_db_query(db,
                             "UPDATE xapi_activities SET definition = $2, updated_ms = $3 "
                             "WHERE id = $1 AND definition = $4",
                             u, 4, NULL, &changes, err);
        }
        free(merged);
        free(old);
        if (qs < 0 || changes > 0)
            return qs < 0 ? qs : GW_QS_ONE;
    }
    gw_error_set(err, GW_E_INTERNAL, "/object/definition",
                 "the definition of activity %s kept changing while it was merged", id);
    return GW_QS_SOFT;
}

/* The filter-index rows of one stored statement (side rows, its
 * registration, its object's definition) and, unless it is voided, its KPI rows: inline in the
 * acknowledging transaction, or later by the deferred index. */
enum gw_qs gw_xapi_index_statement(struct gw_db *db, const struct gw_xapi_new_statement *it,
                                   int64_t seq, int64_t stored_ms, bool voided,
                                   struct gw_kst_batch *kb, struct gw_error *err)
{
    size_t n = it->n_activities > it->n_agents ? it->n_activities : it->n_agents;
    struct side_row small[16];
    struct side_row *rows = n <= 16 ? small : gw_xcalloc(n, sizeof *rows);
    for (size_t i = 0; i < it->n_activities; i++)
        rows[i] =
            (struct side_row){it->activities[i].id, gw_terms_activity_role(it->activities[i].role)};
    enum gw_qs qs =
        insert_side_table(db, "xapi_statement_activity_rids", rows, it->n_activities, seq, err);
    for (size_t i = 0; i < it->n_agents; i++)
        rows[i] = (struct side_row){it->agents[i].key, gw_terms_agent_role(it->agents[i].role)};
    if (qs >= 0)
        qs = insert_side_table(db, "xapi_statement_agent_rids", rows, it->n_agents, seq, err);
    if (rows != small)
        free(rows);
    if (qs >= 0 && it->registration) {
        struct gw_dbp p[] = {GW_P_TEXT(it->registration), GW_P_INT(seq)};
        qs = gw_db_query(db,
                         gw_db_dialect(db) == GW_DIALECT_SQLITE
                             ? "INSERT OR IGNORE INTO xapi_statement_registrations (registration, "
                               "seq) VALUES ($1, $2)"
                             : "INSERT INTO xapi_statement_registrations (registration, seq) "
                               "VALUES ($1, $2) ON CONFLICT DO NOTHING",
                         p, 2, NULL, NULL, err);
    }
    if (qs >= 0 && it->definition)
        qs = gw_xapi_save_definition(db, it->object_id, it->definition, stored_ms, err);
    if (qs >= 0 && !voided)
        qs = gw_kst_apply_statement_batched(db, kb, it, seq, stored_ms, err); /* kpi.c */
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_qs gw_xapi_insert_attachments(struct gw_db *db, const struct gw_xapi_new_statement *it,
                                      int64_t stored_ms, struct gw_error *err)
{
    enum gw_qs qs = GW_QS_NONE;
    size_t i;
    const json_t *a;
    json_array_foreach(it->attachments, i, a)
    {
        if (qs < 0)
            break;
        struct gw_dbp p[] = {
            GW_P_TEXT(json_string_value(json_object_get(a, "sha2"))),
            GW_P_TEXT(json_string_value(json_object_get(a, "contentType"))),
            GW_P_INT(json_integer_value(json_object_get(a, "length"))),
            GW_P_TEXT(json_string_value(json_object_get(a, "content_b64"))),
            GW_P_INT(stored_ms),
        };
        qs = gw_db_query(db,
                         "INSERT INTO xapi_attachments (sha2, content_type, length, content_b64, "
                         "created_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                         p, 5, NULL, NULL, err);
    }
    return qs < 0 ? qs : GW_QS_ONE;
}

static enum gw_qs insert_one(struct gw_db *db, const struct gw_xapi_insert *in,
                             struct gw_xapi_new_statement *it, int64_t stored_ms,
                             struct gw_error *err)
{
    snprintf(it->final_id, sizeof it->final_id, "%s", it->id);
    it->seq = 0;
    enum gw_qs qs;
    if (it->had_id) {
        qs = check_existing(db, it, err);
        if (qs != GW_QS_NONE)
            return qs; /* a replay (ONE) or a conflict */
    }
    if (it->dedup_sig[0] && in->dedup_window_ms > 0) {
        qs = find_duplicate(db, in, it, stored_ms, err);
        if (qs != GW_QS_NONE)
            return qs;
    }
    bool voided = false;
    if (it->voids_id) {
        qs = void_target(db, it, err);
        if (qs < 0)
            return qs;
    } else if (it->had_id) {
        qs = already_voided(db, it->id, err);
        if (qs < 0)
            return qs;
        voided = qs == GW_QS_ONE;
    }
    struct gw_dbp p[] = {
        GW_P_TEXT(it->id),
        GW_P_INT(stored_ms),
        GW_P_INT(it->has_timestamp ? it->timestamp_ms : stored_ms),
        GW_P_TEXT(it->verb_id),
        GW_P_TEXT(it->learner_key),
        GW_P_TEXT(it->object_type),
        GW_P_TEXT(it->object_id),
        GW_P_TEXT(it->registration),
        GW_P_INT(voided ? 1 : 0),
        GW_P_TEXT(it->voids_id),
        GW_P_TEXT(in->authority_key),
        GW_P_TEXT(it->dedup_sig[0] ? it->dedup_sig : NULL),
        GW_P_TEXT(it->body),
    };
    /* On SQLite OR FAIL: a single-row insert checks every constraint before
     * it writes, so FAIL undoes nothing, and a statement that cannot abort
     * needs no statement journal (which SQLite would otherwise open and
     * release on every insert into a table with a unique index). */
    struct gw_db_rows *r = NULL;
    qs = gw_db_query(db,
                     gw_db_dialect(db) == GW_DIALECT_SQLITE
                         ? "INSERT OR FAIL INTO xapi_statements (id, stored_ms, timestamp_ms, "
                           "verb_id, learner_key, object_type, object_id, registration, voided, "
                           "voids_id, authority_key, dedup_sig, body) VALUES ($1, $2, $3, $4, $5, "
                           "$6, $7, $8, $9, $10, $11, $12, $13) RETURNING seq"
                         /* the row and its directory entry in one statement */
                         : "WITH s AS (INSERT INTO xapi_statements (id, stored_ms, timestamp_ms, "
                           "verb_id, learner_key, object_type, object_id, registration, voided, "
                           "voids_id, authority_key, dedup_sig, body) VALUES ($1, $2, $3, $4, $5, "
                           "$6, $7, $8, $9, $10, $11, $12, $13) RETURNING id, seq, stored_ms, "
                           "voids_id) INSERT INTO xapi_statement_ids (id, seq, stored_ms, "
                           "voids_id) SELECT id, seq, stored_ms, voids_id FROM s RETURNING seq",
                     p, 13, &r, NULL, err);
    int64_t seq = qs == GW_QS_ONE ? gw_db_col_int(r, 0) : 0;
    gw_db_rows_free(r);
    if (qs < 0)
        return qs;
    it->seq = seq;
    it->stored_ms = stored_ms;
    it->voided = voided;
    qs = gw_xapi_insert_attachments(db, it, stored_ms, err);
    if (qs < 0)
        return qs;
    if (in->index) {
        /* deferred: listed for the index (store/xapi_index.c) */
        struct gw_dbp ps[] = {GW_P_INT(seq)};
        qs = gw_db_query(db,
                         gw_db_dialect(db) == GW_DIALECT_SQLITE
                             ? "INSERT OR FAIL INTO xapi_index_pending (seq) VALUES ($1)"
                             : "INSERT INTO xapi_index_pending (seq) VALUES ($1)",
                         ps, 1, NULL, NULL, err);
    } else {
        qs = gw_xapi_index_statement(db, it, seq, stored_ms, voided, NULL, err);
    }
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_qs gw_store_xapi_insert(struct gw_db *db, struct gw_xapi_insert *in, int64_t stored_ms,
                                struct gw_error *err)
{
    /* PostgreSQL: a request's plain statements in a few queries (xapi_bulk.c) */
    enum gw_qs bulk = gw_xapi_insert_bulk(db, in, stored_ms, err);
    if (bulk != GW_QS_NONE)
        return bulk;
    /* statement by statement: what the group commit's earlier requests
     * listed is written first (a voiding statement here may aim at one) */
    bulk = gw_xapi_defer_flush(db, err);
    if (bulk < 0)
        return bulk;
    for (size_t i = 0; i < in->n; i++) {
        enum gw_qs qs = insert_one(db, in, &in->items[i], stored_ms, err);
        if (qs < 0) {
            if (qs == GW_QS_HARD && in->n > 1 && err->where[0] == '/') {
                /* point at the statement in the batch */
                char where[sizeof err->where + 32];
                snprintf(where, sizeof where, "/%zu%s", i, err->where);
                snprintf(err->where, sizeof err->where, "%.*s", (int)sizeof err->where - 1, where);
            }
            return qs;
        }
    }
    return GW_QS_ONE;
}

/* ---- reading ---- */

struct get_ctx {
    const char *id;
    bool voided;
    char *body;
    int64_t stored_ms;
};

static enum gw_qs get_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct get_ctx *c = ud;
    free(c->body);
    c->body = NULL;
    struct gw_dbp p[] = {GW_P_TEXT(c->id), GW_P_INT(c->voided ? 1 : 0)};
    struct gw_db_rows *r = NULL;
    /* PostgreSQL: the directory, then the row in its partition (pruned at
     * execution by the join's values) */
    enum gw_qs qs = gw_db_query(
        db,
        is_pg(db) ? "SELECT s.body, s.stored_ms FROM xapi_statement_ids i JOIN xapi_statements s "
                    "ON s.seq = i.seq AND s.stored_ms = i.stored_ms WHERE i.id = $1 AND s.voided "
                    "= $2 AND (i.voids_id IS NULL OR $2 = 0)"
                  : "SELECT body, stored_ms FROM xapi_statements WHERE id = $1 AND voided = $2 "
                    "AND (voids_id IS NULL OR $2 = 0)",
        p, 2, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        c->body = gw_xstrdup(gw_db_col_text(r, 0));
        c->stored_ms = gw_db_col_int(r, 1);
    }
    gw_db_rows_free(r);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, c->voided ? "voidedStatementId" : "statementId",
                     "no %sstatement has the id '%s'", c->voided ? "voided " : "", c->id);
        return GW_QS_HARD;
    }
    return qs;
}

enum gw_err gw_store_xapi_get(struct gw_store *s, const char *id, bool voided, char **body,
                              int64_t *stored_ms, struct gw_error *err)
{
    struct get_ctx c = {id, voided, NULL, 0};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, get_body, &c, err);
    if (rc != GW_OK) {
        free(c.body);
        return rc;
    }
    *body = c.body;
    if (stored_ms)
        *stored_ms = c.stored_ms;
    return GW_OK;
}

struct query_ctx {
    const struct gw_xapi_query *q;
    int64_t cursor;
    int limit;
    struct gw_xapi_page *page;
};

/* Dynamic SQL with parameters numbered as they are used (PostgreSQL needs
 * every parameter it is sent to appear in the text). */
struct qbuild {
    struct gw_buf sql;
    struct gw_dbp p[24];
    int n;
};

static void qparam(struct qbuild *b, struct gw_dbp v)
{
    b->p[b->n++] = v;
    gw_buf_printf(&b->sql, "$%d", b->n);
}

/* The filter conditions on alias a (s or t). */
static void conditions(const struct gw_xapi_query *q, const char *a, struct qbuild *b)
{
    const char *sep = "";
    if (q->verb) {
        gw_buf_printf(&b->sql, "%s%s.verb_id = ", sep, a);
        qparam(b, GW_P_TEXT(q->verb));
        sep = " AND ";
    }
    if (q->registration) {
        gw_buf_printf(&b->sql,
                      "%sEXISTS (SELECT 1 FROM xapi_statement_registrations r WHERE "
                      "r.registration = ",
                      sep);
        qparam(b, GW_P_TEXT(q->registration));
        gw_buf_printf(&b->sql, " AND r.seq = %s.seq)", a);
        sep = " AND ";
    }
    /* side-table roles are codes (terms.h): agents actor 1, object 2,
     * authority 3, context 4; activities object 1; +8 in a SubStatement */
    if (q->has_agent) {
        gw_buf_printf(&b->sql,
                      "%sEXISTS (SELECT 1 FROM xapi_statement_agent_rids g WHERE g.rid = (SELECT "
                      "rid FROM xapi_terms WHERE term = ",
                      sep);
        qparam(b, GW_P_TEXT(q->agent_key));
        gw_buf_printf(&b->sql, ") AND g.seq = %s.seq AND g.role IN (%s))", a,
                      q->related_agents ? "1, 2, 3, 4, 9, 10, 12" : "1, 2");
        sep = " AND ";
    }
    if (q->activity) {
        gw_buf_printf(&b->sql,
                      "%sEXISTS (SELECT 1 FROM xapi_statement_activity_rids v WHERE v.rid = "
                      "(SELECT rid FROM xapi_terms WHERE term = ",
                      sep);
        qparam(b, GW_P_TEXT(q->activity));
        gw_buf_printf(&b->sql, ") AND v.seq = %s.seq%s)", a,
                      q->related_activities ? "" : " AND v.role = 1");
    }
}

static enum gw_qs query_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    /* the statement a StatementRef targets, t */
    const char *target = is_pg(db) ? "xapi_statement_ids ti JOIN xapi_statements t ON t.seq = "
                                     "ti.seq AND t.stored_ms = ti.stored_ms WHERE ti.id"
                                   : "xapi_statements t WHERE t.id";
    struct query_ctx *c = ud;
    const struct gw_xapi_query *q = c->q;
    gw_xapi_page_free(c->page);
    struct qbuild b = {0};
    gw_buf_puts(&b.sql,
                "SELECT s.seq, s.body, s.stored_ms FROM xapi_statements s WHERE s.voided = 0");
    if (q->verb || q->registration || q->has_agent || q->activity) {
        gw_buf_puts(&b.sql, " AND ((");
        conditions(q, "s", &b);
        gw_buf_printf(&b.sql,
                      ") OR (s.object_type = 'StatementRef' AND EXISTS (SELECT 1 FROM %s = "
                      "s.object_id AND ",
                      target);
        conditions(q, "t", &b);
        gw_buf_puts(&b.sql, ")))");
    }
    if (q->has_since) {
        gw_buf_puts(&b.sql, " AND s.stored_ms > ");
        qparam(&b, GW_P_INT(q->since_ms));
    }
    if (q->has_until) {
        gw_buf_puts(&b.sql, " AND s.stored_ms <= ");
        qparam(&b, GW_P_INT(q->until_ms));
    }
    if (c->cursor) {
        gw_buf_printf(&b.sql, " AND s.seq %s ", q->ascending ? ">" : "<");
        qparam(&b, GW_P_INT(c->cursor));
    }
    gw_buf_printf(&b.sql, " ORDER BY s.seq %s LIMIT ", q->ascending ? "ASC" : "DESC");
    qparam(&b, GW_P_INT(c->limit + 1));
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, gw_buf_str(&b.sql), b.p, b.n, &r, NULL, err);
    gw_buf_free(&b.sql);
    struct gw_xapi_page *pg = c->page;
    pg->bodies = gw_xcalloc((size_t)c->limit + 1, sizeof *pg->bodies);
    pg->stored_ms = gw_xcalloc((size_t)c->limit + 1, sizeof *pg->stored_ms);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        if (pg->n == (size_t)c->limit) {
            pg->more = true;
            break;
        }
        pg->last_seq = gw_db_col_int(r, 0);
        pg->bodies[pg->n] = gw_xstrdup(gw_db_col_text(r, 1));
        pg->stored_ms[pg->n] = gw_db_col_int(r, 2);
        pg->n++;
    }
    if (qs >= 0 && gw_db_rows_status(r, err) < 0)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
}

enum gw_err gw_store_xapi_query(struct gw_store *s, const struct gw_xapi_query *q,
                                int64_t cursor_seq, int limit, struct gw_xapi_page *page,
                                struct gw_error *err)
{
    memset(page, 0, sizeof *page);
    struct query_ctx c = {q, cursor_seq, limit > 0 ? limit : 1, page};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, query_body, &c, err);
    if (rc != GW_OK)
        gw_xapi_page_free(page);
    return rc;
}

void gw_xapi_page_free(struct gw_xapi_page *page)
{
    for (size_t i = 0; i < page->n; i++)
        free(page->bodies[i]);
    free(page->bodies);
    free(page->stored_ms);
    memset(page, 0, sizeof *page);
}

struct attachment_ctx {
    const char *sha2;
    char *content_type, *content;
};

static enum gw_qs attachment_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct attachment_ctx *c = ud;
    struct gw_dbp p[] = {GW_P_TEXT(c->sha2)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs =
        gw_db_query(db, "SELECT content_type, content_b64 FROM xapi_attachments WHERE sha2 = $1", p,
                    1, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        free(c->content_type);
        free(c->content);
        c->content_type = gw_xstrdup(gw_db_col_text(r, 0));
        c->content = gw_xstrdup(gw_db_col_text(r, 1));
    }
    gw_db_rows_free(r);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, "sha2", "no attachment has the hash %s", c->sha2);
        return GW_QS_HARD;
    }
    return qs;
}

enum gw_err gw_store_xapi_attachment(struct gw_store *s, const char *sha2, char **content_type,
                                     char **content_b64, struct gw_error *err)
{
    struct attachment_ctx c = {sha2, NULL, NULL};
    enum gw_err rc = gw_store_tx(s, GW_TX_READ, attachment_body, &c, err);
    if (rc != GW_OK) {
        free(c.content_type);
        free(c.content);
        return rc;
    }
    *content_type = c.content_type;
    *content_b64 = c.content;
    return GW_OK;
}
