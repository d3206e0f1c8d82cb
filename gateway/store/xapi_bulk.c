/* xapi_bulk.c: the statements of one request stored set-wise on PostgreSQL
 * (issue 17). xapi_statements.c stores a statement with a handful of
 * queries, each a round trip to the server, which is nothing on SQLite and
 * most of the writer's time on PostgreSQL. Here a request's statements go in
 * a few queries over arrays (unnest): one lookup of their ids, voided
 * targets and duplicates, one insert of the rows with their directory
 * entries (and pending rows), and, for the inline index, one insert per side
 * table, one for the definitions and the KPI rows folded per request
 * (struct gw_kst_batch).
 *
 * It takes only the plain case: no voiding statement, ids and signatures
 * distinct within the request, no id already stored, no duplicate within
 * the deduplication window. Anything else it leaves to the statement by
 * statement path (GW_QS_NONE, nothing written), which owns the xAPI rules
 * for replays, conflicts and voiding; the results are the same rows. */
#include "gw/buf.h"
#include "gw/xapi_store.h"
#include "kpi_int.h"
#include "pgarray.h"
#include "store_int.h"
#include "strmap.h"
#include "terms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- whether the request takes the set-wise path ---- */

/* True when no two items share an id or a signature and none voids. */
static bool plain(const struct gw_xapi_insert *in)
{
    struct gw_strmap seen = {0};
    bool ok = true;
    for (size_t i = 0; ok && i < in->n; i++) {
        const struct gw_xapi_new_statement *it = &in->items[i];
        if (it->voids_id || gw_strmap_get(&seen, it->id, strlen(it->id))) {
            ok = false;
            break;
        }
        gw_strmap_add(&seen, it->id, strlen(it->id));
        if (it->dedup_sig[0] && in->dedup_window_ms > 0) {
            char key[80];
            int k = snprintf(key, sizeof key, "#%s", it->dedup_sig);
            if (gw_strmap_get(&seen, key, (size_t)k))
                ok = false;
            else
                gw_strmap_add(&seen, key, (size_t)k);
        }
    }
    gw_strmap_free(&seen);
    return ok;
}

/* GW_QS_NONE when every id is new and no statement duplicates a stored one
 * (voided[i] set for an item whose voiding statement came first),
 * GW_QS_ONE when one of them does (the caller goes statement by
 * statement). */
static enum gw_qs lookup(struct gw_db *db, const struct gw_xapi_insert *in, int64_t stored_ms,
                         bool *voided, struct gw_error *err)
{
    struct gw_pgarray ids = {0}, sigs = {0};
    for (size_t i = 0; i < in->n; i++) {
        const struct gw_xapi_new_statement *it = &in->items[i];
        if (it->had_id)
            gw_pgarray_text(&ids, it->id);
        if (it->dedup_sig[0] && in->dedup_window_ms > 0)
            gw_pgarray_text(&sigs, it->dedup_sig);
    }
    enum gw_qs qs = GW_QS_NONE;
    if (ids.n) {
        struct gw_dbp p[] = {GW_P_TEXT(gw_pgarray_str(&ids))};
        struct gw_db_rows *r = NULL;
        qs = gw_db_query(db,
                         "SELECT id, 0 FROM xapi_statement_ids WHERE id = ANY($1::text[]) UNION "
                         "ALL SELECT voids_id, 1 FROM xapi_statement_ids WHERE voids_id = "
                         "ANY($1::text[])",
                         p, 1, &r, NULL, err);
        bool known = false;
        for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
            const char *id = gw_db_col_text(r, 0);
            known = known || gw_db_col_int(r, 1) == 0;
            for (size_t i = 0; gw_db_col_int(r, 1) == 1 && i < in->n; i++) {
                if (in->items[i].had_id && strcmp(in->items[i].id, id) == 0)
                    voided[i] = true;
            }
        }
        gw_db_rows_free(r);
        qs = qs < 0 ? qs : known ? GW_QS_ONE : GW_QS_NONE;
    }
    if (qs == GW_QS_NONE && sigs.n) {
        struct gw_dbp p[] = {GW_P_TEXT(in->authority_key), GW_P_TEXT(gw_pgarray_str(&sigs)),
                             GW_P_INT(stored_ms - in->dedup_window_ms)};
        qs = gw_db_query(db,
                         "SELECT 1 FROM xapi_statements WHERE authority_key = $1 AND dedup_sig = "
                         "ANY($2::text[]) AND stored_ms >= $3 LIMIT 1",
                         p, 3, NULL, NULL, err);
    }
    gw_pgarray_free(&ids);
    gw_pgarray_free(&sigs);
    return qs;
}

/* ---- the rows ---- */

/* The statement rows, their directory entries and, for the deferred index,
 * their pending rows, in one statement; seqs are drawn in the items' order
 * and set in it->seq. */
static enum gw_qs insert_rows(struct gw_db *db, struct gw_xapi_insert *in, int64_t stored_ms,
                              const bool *voided, struct gw_error *err)
{
    struct gw_pgarray a[10] = {0};
    for (size_t i = 0; i < in->n; i++) {
        const struct gw_xapi_new_statement *it = &in->items[i];
        gw_pgarray_text(&a[0], it->id);
        gw_pgarray_int(&a[1], it->has_timestamp ? it->timestamp_ms : stored_ms);
        gw_pgarray_text(&a[2], it->verb_id);
        gw_pgarray_text(&a[3], it->learner_key);
        gw_pgarray_text(&a[4], it->object_type);
        gw_pgarray_text(&a[5], it->object_id);
        gw_pgarray_text(&a[6], it->registration);
        gw_pgarray_int(&a[7], voided[i] ? 1 : 0);
        gw_pgarray_text(&a[8], it->dedup_sig[0] ? it->dedup_sig : NULL);
        gw_pgarray_text(&a[9], it->body);
    }
    struct gw_dbp p[12];
    for (int k = 0; k < 10; k++)
        p[k] = GW_P_TEXT(gw_pgarray_str(&a[k]));
    p[10] = GW_P_INT(stored_ms);
    p[11] = GW_P_TEXT(in->authority_key);
    /* v is read twice, so it is materialized once: one nextval per item, in
     * the order of unnest's rows */
#define BULK_INSERT(pending)                                                                       \
    "WITH v AS (SELECT nextval('xapi_statements_seq_seq') AS seq, u.* FROM unnest($1::text[], "    \
    "$2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], "     \
    "$9::text[], $10::text[]) WITH ORDINALITY AS u(id, timestamp_ms, verb_id, learner_key, "       \
    "object_type, object_id, registration, voided, dedup_sig, body, ord)), s AS (INSERT INTO "     \
    "xapi_statements (seq, id, stored_ms, timestamp_ms, verb_id, learner_key, object_type, "       \
    "object_id, registration, voided, voids_id, authority_key, dedup_sig, body) SELECT seq, id, "  \
    "$11, timestamp_ms, verb_id, learner_key, object_type, object_id, registration, voided, "      \
    "NULL, $12, dedup_sig, body FROM v RETURNING id, seq, stored_ms), d AS (INSERT INTO "          \
    "xapi_statement_ids (id, seq, stored_ms) SELECT id, seq, stored_ms FROM s)" pending            \
    " SELECT seq FROM v ORDER BY ord"
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(
        db,
        in->index ? BULK_INSERT(", p AS (INSERT INTO xapi_index_pending (seq) SELECT seq FROM s)")
                  : BULK_INSERT(""),
        p, 12, &r, NULL, err);
#undef BULK_INSERT
    size_t i = 0;
    for (bool more = qs == GW_QS_ONE; more && i < in->n; more = gw_db_next(r), i++) {
        struct gw_xapi_new_statement *it = &in->items[i];
        it->seq = gw_db_col_int(r, 0);
        it->stored_ms = stored_ms;
        it->voided = voided[i];
    }
    gw_db_rows_free(r);
    for (int k = 0; k < 10; k++)
        gw_pgarray_free(&a[k]);
    if (qs >= 0 && i != in->n) {
        gw_error_set(err, GW_E_STORE_QUERY, "", "the bulk insert returned %zu of %zu seqs", i,
                     in->n);
        return GW_QS_HARD;
    }
    return qs;
}

/* ---- the inline index ---- */

/* One side table's rows (rid, seq, role) of every item. */
static enum gw_qs side_rows(struct gw_db *db, const struct gw_xapi_insert *in, bool agents,
                            struct gw_error *err)
{
    size_t total = 0;
    for (size_t i = 0; i < in->n; i++)
        total += agents ? in->items[i].n_agents : in->items[i].n_activities;
    if (!total)
        return GW_QS_NONE;
    const char **terms = gw_xcalloc(total, sizeof *terms);
    int64_t *rids = gw_xcalloc(total, sizeof *rids);
    struct gw_pgarray a[3] = {0};
    enum gw_qs qs = GW_QS_NONE;
    size_t k = 0;
    for (size_t i = 0; qs >= 0 && i < in->n; i++) {
        const struct gw_xapi_new_statement *it = &in->items[i];
        size_t m = agents ? it->n_agents : it->n_activities;
        for (size_t j = 0; j < m; j++, k++) {
            const char *term = agents ? it->agents[j].key : it->activities[j].id;
            int role = agents ? gw_terms_agent_role(it->agents[j].role)
                              : gw_terms_activity_role(it->activities[j].role);
            if (role < 0) {
                gw_error_set(err, GW_E_STORE_QUERY, "role", "no role code for %.200s", term);
                qs = GW_QS_HARD;
                break;
            }
            terms[k] = term;
            gw_pgarray_int(&a[1], it->seq);
            gw_pgarray_int(&a[2], role);
        }
    }
    if (qs >= 0)
        qs = gw_terms_rids(db, terms, total, rids, err);
    for (size_t j = 0; qs >= 0 && j < total; j++)
        gw_pgarray_int(&a[0], rids[j]);
    if (qs >= 0) {
        struct gw_dbp p[] = {GW_P_TEXT(gw_pgarray_str(&a[0])), GW_P_TEXT(gw_pgarray_str(&a[1])),
                             GW_P_TEXT(gw_pgarray_str(&a[2]))};
        qs = gw_db_query(db,
                         agents ? "INSERT INTO xapi_statement_agent_rids (rid, seq, role) SELECT * "
                                  "FROM unnest($1::bigint[], $2::bigint[], $3::int[]) ON "
                                  "CONFLICT DO NOTHING"
                                : "INSERT INTO xapi_statement_activity_rids (rid, seq, role) "
                                  "SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::int[]) "
                                  "ON CONFLICT DO NOTHING",
                         p, 3, NULL, NULL, err);
    }
    for (int j = 0; j < 3; j++)
        gw_pgarray_free(&a[j]);
    free(terms);
    free(rids);
    return qs;
}

static enum gw_qs registrations(struct gw_db *db, const struct gw_xapi_insert *in,
                                struct gw_error *err)
{
    struct gw_pgarray reg = {0}, seq = {0};
    for (size_t i = 0; i < in->n; i++) {
        if (in->items[i].registration) {
            gw_pgarray_text(&reg, in->items[i].registration);
            gw_pgarray_int(&seq, in->items[i].seq);
        }
    }
    enum gw_qs qs = GW_QS_NONE;
    if (reg.n) {
        struct gw_dbp p[] = {GW_P_TEXT(gw_pgarray_str(&reg)), GW_P_TEXT(gw_pgarray_str(&seq))};
        qs = gw_db_query(db,
                         "INSERT INTO xapi_statement_registrations (registration, seq) SELECT * "
                         "FROM unnest($1::text[], $2::bigint[]) ON CONFLICT DO NOTHING",
                         p, 2, NULL, NULL, err);
    }
    gw_pgarray_free(&reg);
    gw_pgarray_free(&seq);
    return qs;
}

struct def_ref {
    const char *id, *def;
    size_t item;
};

static int def_cmp(const void *a, const void *b)
{
    const struct def_ref *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->item > y->item) - (x->item < y->item);
}

static int size_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* The object definitions: each activity's first definition of the request
 * in one upsert (sorted by id, so that two instances lock rows in one
 * order), which returns the rows it inserted or whose stored text differs;
 * those that differ, and any later different definition of the same
 * activity, are merged one by one in the items' order by
 * gw_xapi_save_definition, as statement by statement would. */
static enum gw_qs definitions(struct gw_db *db, const struct gw_xapi_insert *in, int64_t stored_ms,
                              struct gw_error *err)
{
    struct def_ref *d = gw_xcalloc(in->n, sizeof *d);
    size_t n = 0;
    for (size_t i = 0; i < in->n; i++) {
        if (in->items[i].definition && in->items[i].object_id)
            d[n++] = (struct def_ref){in->items[i].object_id, in->items[i].definition, i};
    }
    gw_sort(d, n, sizeof *d, def_cmp);
    struct gw_pgarray ids = {0}, defs = {0};
    struct gw_strmap first = {0}; /* id -> index in d of its first definition */
    bool *merge = gw_xcalloc(n ? n : 1, sizeof *merge);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(d[i].id, d[i - 1].id) == 0) {
            merge[i] = strcmp(d[i].def, d[i - 1].def) != 0 || merge[i - 1];
            continue;
        }
        gw_strmap_add(&first, d[i].id, strlen(d[i].id))->ival = (int64_t)i;
        gw_pgarray_text(&ids, d[i].id);
        gw_pgarray_text(&defs, d[i].def);
    }
    enum gw_qs qs = GW_QS_NONE;
    if (ids.n) {
        struct gw_dbp p[] = {GW_P_TEXT(gw_pgarray_str(&ids)), GW_P_TEXT(gw_pgarray_str(&defs)),
                             GW_P_INT(stored_ms)};
        struct gw_db_rows *r = NULL;
        qs = gw_db_query(db,
                         "INSERT INTO xapi_activities (id, definition, updated_ms) SELECT i, d, $3 "
                         "FROM unnest($1::text[], $2::text[]) AS u(i, d) ON CONFLICT (id) DO "
                         "UPDATE SET updated_ms = excluded.updated_ms WHERE "
                         "xapi_activities.definition <> excluded.definition RETURNING id, "
                         "definition",
                         p, 3, &r, NULL, err);
        for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
            const char *id = gw_db_col_text(r, 0), *text = gw_db_col_text(r, 1);
            const struct gw_strmap_entry *e = gw_strmap_get(&first, id, strlen(id));
            if (e && text && strcmp(text, d[e->ival].def) != 0)
                merge[e->ival] = true;
        }
        gw_db_rows_free(r);
    }
    /* the merges, in the items' order */
    size_t *order = gw_xcalloc(n ? n : 1, sizeof *order), m = 0;
    for (size_t i = 0; i < n; i++) {
        if (merge[i])
            order[m++] = d[i].item;
    }
    gw_sort(order, m, sizeof *order, size_cmp);
    for (size_t i = 0; qs >= 0 && i < m; i++) {
        const struct gw_xapi_new_statement *it = &in->items[order[i]];
        qs = gw_xapi_save_definition(db, it->object_id, it->definition, stored_ms, err);
    }
    free(order);
    gw_strmap_free(&first);
    free(merge);
    gw_pgarray_free(&ids);
    gw_pgarray_free(&defs);
    free(d);
    return qs;
}

/* What gw_xapi_index_statement writes per statement, for all items. */
static enum gw_qs index_rows(struct gw_db *db, const struct gw_xapi_insert *in, int64_t stored_ms,
                             struct gw_error *err)
{
    enum gw_qs qs = side_rows(db, in, false, err);
    if (qs >= 0)
        qs = side_rows(db, in, true, err);
    if (qs >= 0)
        qs = registrations(db, in, err);
    if (qs >= 0)
        qs = definitions(db, in, stored_ms, err);
    struct gw_kst_batch *kb = gw_kst_batch_new();
    for (size_t i = 0; qs >= 0 && i < in->n; i++) {
        const struct gw_xapi_new_statement *it = &in->items[i];
        if (!it->voided)
            qs = gw_kst_apply_statement_batched(db, kb, it, it->seq, stored_ms, err);
    }
    if (qs >= 0)
        qs = gw_kst_batch_flush(db, kb, err);
    gw_kst_batch_free(kb);
    return qs;
}

enum gw_qs gw_xapi_insert_bulk(struct gw_db *db, struct gw_xapi_insert *in, int64_t stored_ms,
                               struct gw_error *err)
{
    if (gw_db_dialect(db) != GW_DIALECT_POSTGRES || in->n < 2 || !plain(in))
        return GW_QS_NONE;
    bool *voided = gw_xcalloc(in->n, sizeof *voided);
    enum gw_qs qs = lookup(db, in, stored_ms, voided, err);
    if (qs == GW_QS_NONE) {
        for (size_t i = 0; i < in->n; i++)
            snprintf(in->items[i].final_id, sizeof in->items[i].final_id, "%s", in->items[i].id);
        qs = insert_rows(db, in, stored_ms, voided, err);
        for (size_t i = 0; qs >= 0 && i < in->n; i++)
            qs = gw_xapi_insert_attachments(db, &in->items[i], stored_ms, err);
        if (qs >= 0 && !in->index)
            qs = index_rows(db, in, stored_ms, err);
        qs = qs < 0 ? qs : GW_QS_ONE;
    } else if (qs == GW_QS_ONE) {
        qs = GW_QS_NONE; /* a replay, a conflict or a duplicate: one by one */
    }
    free(voided);
    return qs;
}
