/* xapi_bulk.c: the statements of one request stored set-wise on PostgreSQL
 * (issue 17), and their index rows written once per group commit.
 * xapi_statements.c stores a statement with a handful of queries, each a
 * round trip to the server, which is nothing on SQLite and most of the
 * writer's time on PostgreSQL. Here a request's statements go in a few
 * queries over arrays: one lookup of their ids, voided targets and
 * duplicates, one insert of the rows with their directory entries (and
 * pending rows), sent as binary arrays. Their filter-index rows (side rows
 * of activities and agents, registrations), object definitions and KPI work
 * (struct gw_kst_batch) are listed (struct gw_xapi_defer) and written in one
 * set of statements: at the end of the request, or, inside the batcher's
 * group commit (gw_xapi_defer_begin), once for all its requests just before
 * the commit, so KPIs are still current when the statements are answered.
 *
 * It takes only the plain case: no voiding statement, ids and signatures
 * distinct within the request, no id already stored, no duplicate within
 * the deduplication window. Anything else it leaves to the statement by
 * statement path (GW_QS_NONE, nothing written), which owns the xAPI rules
 * for replays, conflicts and voiding, and which writes the group commit's
 * list first; the results are the same rows. */
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
 * statement).
 * Each id and signature is probed on its own (a LATERAL subquery with its
 * equality on the whole index key), not with "col = ANY(array)": prepared
 * once, such a query keeps the plan made for the table's size then, and a
 * plan made while the month's partition was empty read every row of the key
 * and compared it with each signature, per request (a bitmap heap scan
 * that grew with the table: a third of PostgreSQL's time in a 30,000
 * statement run). */
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
                         "SELECT u.id, x.kind FROM unnest($1::text[]) AS u(id) CROSS JOIN LATERAL "
                         "(SELECT 0 AS kind FROM xapi_statement_ids d WHERE d.id = u.id UNION ALL "
                         "(SELECT 1 FROM xapi_statement_ids v WHERE v.voids_id = u.id LIMIT 1)) "
                         "AS x",
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
                         "SELECT 1 FROM unnest($2::text[]) AS u(sig) CROSS JOIN LATERAL (SELECT 1 "
                         "FROM xapi_statements s WHERE s.authority_key = $1 AND s.dedup_sig = "
                         "u.sig AND s.stored_ms >= $3 LIMIT 1) AS d LIMIT 1",
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
    /* binary arrays: the bodies go as they are, not quoted and escaped */
    struct gw_pgbin a[10];
    for (int k = 0; k < 10; k++)
        gw_pgbin_init(&a[k], k == 1 || k == 7 ? GW_PGBIN_INT8 : GW_PGBIN_TEXT);
    for (size_t i = 0; i < in->n; i++) {
        const struct gw_xapi_new_statement *it = &in->items[i];
        gw_pgbin_text(&a[0], it->id);
        gw_pgbin_int8(&a[1], it->has_timestamp ? it->timestamp_ms : stored_ms);
        gw_pgbin_text(&a[2], it->verb_id);
        gw_pgbin_text(&a[3], it->learner_key);
        gw_pgbin_text(&a[4], it->object_type);
        gw_pgbin_text(&a[5], it->object_id);
        gw_pgbin_text(&a[6], it->registration);
        gw_pgbin_int8(&a[7], voided[i] ? 1 : 0);
        gw_pgbin_text(&a[8], it->dedup_sig[0] ? it->dedup_sig : NULL);
        gw_pgbin_text(&a[9], it->body);
    }
    struct gw_dbp p[12];
    for (int k = 0; k < 10; k++)
        p[k] = gw_pgbin_param(&a[k]);
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
        gw_pgbin_free(&a[k]);
    if (qs >= 0 && i != in->n) {
        gw_error_set(err, GW_E_STORE_QUERY, "", "the bulk insert returned %zu of %zu seqs", i,
                     in->n);
        return GW_QS_HARD;
    }
    return qs;
}

/* ---- the inline index, per request or per group commit ---- */

/* A side row before its term is interned. */
struct side_ref {
    const char *term;
    int64_t seq;
    int role;
};

/* A statement's object definition, in the order statements were stored. */
struct def_ref {
    const char *id, *def;
    size_t order;
    int64_t stored_ms;
};

/* The index rows of the requests stored so far (terms, definitions and
 * items point into their insert items, which live until the reply, after
 * the commit), written by gw_xapi_defer_flush. */
struct gw_xapi_defer {
    struct side_ref *act, *agt;
    size_t n_act, cap_act, n_agt, cap_agt;
    struct gw_pgarray reg[2]; /* registration, seq */
    struct def_ref *defs;
    size_t n_defs, cap_defs;
    struct gw_kst_batch *kb;
    size_t statements;
};

/* Lists a side row; false when its role has no code. */
static bool side_push(struct side_ref **v, size_t *n, size_t *cap, const char *term, int64_t seq,
                      int role)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 256;
        *v = gw_xrealloc(*v, *cap * sizeof **v);
    }
    (*v)[(*n)++] = (struct side_ref){term, seq, role};
    return role >= 0;
}

static struct gw_xapi_defer *defer_new(void)
{
    struct gw_xapi_defer *d = gw_xcalloc(1, sizeof *d);
    d->kb = gw_kst_batch_new();
    return d;
}

static void defer_free(struct gw_xapi_defer *d)
{
    if (!d)
        return;
    free(d->act);
    free(d->agt);
    gw_pgarray_free(&d->reg[0]);
    gw_pgarray_free(&d->reg[1]);
    free(d->defs);
    gw_kst_batch_free(d->kb);
    free(d);
}

/* Adds what gw_xapi_index_statement writes for each item of in: side rows,
 * registrations and definitions listed, KPI work folded into d->kb (which
 * reads a KPI row the first time it is touched). */
static enum gw_qs defer_add(struct gw_db *db, struct gw_xapi_defer *d,
                            const struct gw_xapi_insert *in, int64_t stored_ms,
                            struct gw_error *err)
{
    enum gw_qs qs = GW_QS_NONE;
    for (size_t i = 0; qs >= 0 && i < in->n; i++) {
        const struct gw_xapi_new_statement *it = &in->items[i];
        bool ok = true;
        for (size_t j = 0; j < it->n_activities; j++)
            ok = side_push(&d->act, &d->n_act, &d->cap_act, it->activities[j].id, it->seq,
                           gw_terms_activity_role(it->activities[j].role)) &&
                 ok;
        for (size_t j = 0; j < it->n_agents; j++)
            ok = side_push(&d->agt, &d->n_agt, &d->cap_agt, it->agents[j].key, it->seq,
                           gw_terms_agent_role(it->agents[j].role)) &&
                 ok;
        if (!ok) {
            qs = GW_QS_HARD;
            gw_error_set(err, GW_E_STORE_QUERY, "role", "a side row of %s has no role code",
                         it->final_id);
            break;
        }
        if (it->registration) {
            gw_pgarray_text(&d->reg[0], it->registration);
            gw_pgarray_int(&d->reg[1], it->seq);
        }
        if (it->definition && it->object_id) {
            if (d->n_defs == d->cap_defs) {
                d->cap_defs = d->cap_defs ? d->cap_defs * 2 : 128;
                d->defs = gw_xrealloc(d->defs, d->cap_defs * sizeof *d->defs);
            }
            d->defs[d->n_defs] =
                (struct def_ref){it->object_id, it->definition, d->n_defs, stored_ms};
            d->n_defs++;
        }
        if (!it->voided)
            qs = gw_kst_apply_statement_batched(db, d->kb, it, it->seq, stored_ms, err);
        d->statements++;
    }
    return qs;
}

/* A side row: the term's rid, the statement, the role code. */
struct side_row {
    int64_t rid, seq;
    int role;
};

static int side_cmp(const void *a, const void *b)
{
    const struct side_row *x = a, *y = b;
    if (x->rid != y->rid)
        return (x->rid > y->rid) - (x->rid < y->rid);
    if (x->seq != y->seq)
        return (x->seq > y->seq) - (x->seq < y->seq);
    return (x->role > y->role) - (x->role < y->role);
}

/* The array literals (rid, seq, role) of n refs whose rids are rids[],
 * sorted, without repeats (a statement naming an activity twice in one
 * role). */
static void side_arrays(const struct side_ref *refs, const int64_t *rids, size_t n,
                        struct gw_pgarray a[3])
{
    struct side_row *rows = gw_xcalloc(n ? n : 1, sizeof *rows);
    for (size_t i = 0; i < n; i++)
        rows[i] = (struct side_row){rids[i], refs[i].seq, refs[i].role};
    gw_sort(rows, n, sizeof *rows, side_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && side_cmp(&rows[i - 1], &rows[i]) == 0)
            continue;
        gw_pgarray_int(&a[0], rows[i].rid);
        gw_pgarray_int(&a[1], rows[i].seq);
        gw_pgarray_int(&a[2], rows[i].role);
    }
    free(rows);
}

/* The side rows: activities and agents (their terms interned in one call)
 * and registrations, in one statement. The statements are new (their seqs
 * were just drawn), so no row can be there already: plain inserts, without
 * ON CONFLICT's speculative insertion; sorted, each index is walked in
 * order. */
static enum gw_qs side_rows(struct gw_db *db, struct gw_xapi_defer *d, struct gw_error *err)
{
    size_t total = d->n_act + d->n_agt;
    const char **terms = gw_xcalloc(total ? total : 1, sizeof *terms);
    int64_t *rids = gw_xcalloc(total ? total : 1, sizeof *rids);
    for (size_t i = 0; i < d->n_act; i++)
        terms[i] = d->act[i].term;
    for (size_t i = 0; i < d->n_agt; i++)
        terms[d->n_act + i] = d->agt[i].term;
    enum gw_qs qs = total ? gw_terms_rids(db, terms, total, rids, err) : GW_QS_NONE;
    struct gw_pgarray a[6] = {0};
    if (qs >= 0 && (total || d->reg[0].n)) {
        side_arrays(d->act, rids, d->n_act, &a[0]);
        side_arrays(d->agt, rids + d->n_act, d->n_agt, &a[3]);
        struct gw_dbp p[8];
        for (int j = 0; j < 6; j++)
            p[j] = GW_P_TEXT(gw_pgarray_str(&a[j]));
        p[6] = GW_P_TEXT(gw_pgarray_str(&d->reg[0])); /* closed: d is written once */
        p[7] = GW_P_TEXT(gw_pgarray_str(&d->reg[1]));
        qs = gw_db_query(
            db,
            "WITH a AS (INSERT INTO xapi_statement_activity_rids (rid, seq, role) SELECT * FROM "
            "unnest($1::bigint[], $2::bigint[], $3::int[])), g AS (INSERT INTO "
            "xapi_statement_agent_rids (rid, seq, role) SELECT * FROM unnest($4::bigint[], "
            "$5::bigint[], $6::int[])) INSERT INTO xapi_statement_registrations (registration, "
            "seq) SELECT * FROM unnest($7::text[], $8::bigint[])",
            p, 8, NULL, NULL, err);
    }
    for (int j = 0; j < 6; j++)
        gw_pgarray_free(&a[j]);
    free(terms);
    free(rids);
    return qs;
}

static int def_cmp(const void *a, const void *b)
{
    const struct def_ref *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int order_cmp(const void *a, const void *b)
{
    const struct def_ref *x = *(const struct def_ref *const *)a;
    const struct def_ref *y = *(const struct def_ref *const *)b;
    return (x->order > y->order) - (x->order < y->order);
}

/* Reads the stored definitions of the ids (array literal): marks in
 * found[] the first definitions (d[], by the map first) that are stored,
 * and in merge[] those stored with another text. */
static enum gw_qs stored_definitions(struct gw_db *db, const char *ids, const struct def_ref *d,
                                     const struct gw_strmap *first, bool *found, bool *merge,
                                     struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(ids)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT u.id, a.definition FROM unnest($1::text[]) AS u(id) CROSS "
                                "JOIN LATERAL (SELECT definition FROM xapi_activities x WHERE "
                                "x.id = u.id) AS a",
                                p, 1, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        const char *id = gw_db_col_text(r, 0), *text = gw_db_col_text(r, 1);
        const struct gw_strmap_entry *e = gw_strmap_get(first, id, strlen(id));
        if (!e)
            continue;
        found[e->ival] = true;
        if (text && strcmp(text, d[e->ival].def) != 0)
            merge[e->ival] = true;
    }
    gw_db_rows_free(r);
    return qs;
}

/* The object definitions: each activity's first definition is compared
 * with the stored one (one read, which writes nothing: the usual case, a
 * definition seen before, costs no row lock and no WAL); the new ones go in
 * one upsert (sorted by id, so that two instances lock rows in one order),
 * which returns the rows another writer stored meanwhile with another
 * text; those that differ, and any later different definition of the same
 * activity, are merged one by one in the order the statements were stored
 * by gw_xapi_save_definition, as statement by statement would. */
static enum gw_qs definitions(struct gw_db *db, struct def_ref *d, size_t n, struct gw_error *err)
{
    gw_sort(d, n, sizeof *d, def_cmp);
    struct gw_pgarray ids = {0}, new_ids = {0}, defs = {0}, ms = {0};
    struct gw_strmap first = {0}; /* id -> index in d of its first definition */
    bool *merge = gw_xcalloc(n ? n : 1, sizeof *merge);
    bool *found = gw_xcalloc(n ? n : 1, sizeof *found);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(d[i].id, d[i - 1].id) == 0) {
            merge[i] = strcmp(d[i].def, d[i - 1].def) != 0 || merge[i - 1];
            continue;
        }
        gw_strmap_add(&first, d[i].id, strlen(d[i].id))->ival = (int64_t)i;
        gw_pgarray_text(&ids, d[i].id);
    }
    enum gw_qs qs = GW_QS_NONE;
    if (ids.n)
        qs = stored_definitions(db, gw_pgarray_str(&ids), d, &first, found, merge, err);
    for (size_t i = 0; i < n; i++) {
        if (!found[i] && (i == 0 || strcmp(d[i].id, d[i - 1].id) != 0)) {
            gw_pgarray_text(&new_ids, d[i].id);
            gw_pgarray_text(&defs, d[i].def);
            gw_pgarray_int(&ms, d[i].stored_ms);
        }
    }
    if (qs >= 0 && new_ids.n) {
        struct gw_dbp p[] = {GW_P_TEXT(gw_pgarray_str(&new_ids)), GW_P_TEXT(gw_pgarray_str(&defs)),
                             GW_P_TEXT(gw_pgarray_str(&ms))};
        struct gw_db_rows *r = NULL;
        qs = gw_db_query(db,
                         "INSERT INTO xapi_activities (id, definition, updated_ms) SELECT i, d, m "
                         "FROM unnest($1::text[], $2::text[], $3::bigint[]) AS u(i, d, m) ON "
                         "CONFLICT (id) DO "
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
    /* the merges, in the order the statements were stored */
    const struct def_ref **order = gw_xcalloc(n ? n : 1, sizeof *order);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (merge[i])
            order[m++] = &d[i];
    }
    gw_sort(order, m, sizeof *order, order_cmp);
    for (size_t i = 0; qs >= 0 && i < m; i++)
        qs = gw_xapi_save_definition(db, order[i]->id, order[i]->def, order[i]->stored_ms, err);
    free(order);
    gw_strmap_free(&first);
    free(merge);
    free(found);
    gw_pgarray_free(&ids);
    gw_pgarray_free(&new_ids);
    gw_pgarray_free(&defs);
    gw_pgarray_free(&ms);
    return qs;
}

/* Writes what d lists: side rows, definitions, KPI rows. */
static enum gw_qs defer_write(struct gw_db *db, struct gw_xapi_defer *d, struct gw_error *err)
{
    enum gw_qs qs = side_rows(db, d, err);
    if (qs >= 0)
        qs = definitions(db, d->defs, d->n_defs, err);
    if (qs >= 0)
        qs = gw_kst_batch_flush(db, d->kb, err);
    return qs;
}

void gw_xapi_defer_begin(struct gw_db *db)
{
    if (gw_db_dialect(db) != GW_DIALECT_POSTGRES || db->xdefer)
        return;
    db->xdefer = defer_new();
}

enum gw_qs gw_xapi_defer_flush(struct gw_db *db, struct gw_error *err)
{
    struct gw_xapi_defer *d = db->xdefer;
    if (!d || d->statements == 0)
        return GW_QS_NONE;
    enum gw_qs qs = defer_write(db, d, err);
    db->xdefer = defer_new(); /* what follows starts a new list */
    defer_free(d);
    return qs < 0 ? qs : GW_QS_ONE;
}

void gw_xapi_defer_end(struct gw_db *db)
{
    defer_free(db->xdefer);
    db->xdefer = NULL;
}

/* What gw_xapi_index_statement writes per statement, for all items: listed
 * for the group commit's end when it defers (gw_xapi_defer_begin), else
 * written now. */
static enum gw_qs index_rows(struct gw_db *db, const struct gw_xapi_insert *in, int64_t stored_ms,
                             struct gw_error *err)
{
    if (db->xdefer)
        return defer_add(db, db->xdefer, in, stored_ms, err);
    struct gw_xapi_defer *d = defer_new();
    enum gw_qs qs = defer_add(db, d, in, stored_ms, err);
    if (qs >= 0)
        qs = defer_write(db, d, err);
    defer_free(d);
    return qs;
}

enum gw_qs gw_xapi_insert_bulk(struct gw_db *db, struct gw_xapi_insert *in, int64_t stored_ms,
                               struct gw_error *err)
{
    /* one statement goes set-wise too when its index rows wait for the end
     * of the group commit with others' */
    if (gw_db_dialect(db) != GW_DIALECT_POSTGRES || in->n < (db->xdefer ? 1 : 2) || !plain(in))
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
