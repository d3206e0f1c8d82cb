/* terms.c: interned terms and their per-connection cache (see terms.h). */
#include "terms.h"

#include "gw/buf.h"
#include "pgarray.h"
#include "store_int.h"
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

/* Beyond this many cached terms the cache starts over (at a commit). */
enum { TERMS_CACHE_MAX = 200000 };

struct gw_terms {
    struct gw_strmap map;
    /* entries the open transaction added, in order: forgotten on rollback */
    struct gw_strmap_entry **added;
    size_t n_added, cap_added;
};

static int role_code(const char *const names[5], const char *name)
{
    int sub = 0;
    if (strncmp(name, "sub_", 4) == 0) {
        sub = 8;
        name += 4;
    }
    for (int i = 0; i < 5; i++) {
        if (strcmp(names[i], name) == 0)
            return i + 1 + sub;
    }
    return -1;
}

int gw_terms_activity_role(const char *name)
{
    static const char *const names[5] = {"object", "parent", "grouping", "category", "other"};
    return role_code(names, name);
}

int gw_terms_agent_role(const char *name)
{
    static const char *const names[5] = {"actor", "object", "authority", "context", "member"};
    return role_code(names, name);
}

static struct gw_terms *terms_of(struct gw_db *db)
{
    if (!db->terms)
        db->terms = gw_xcalloc(1, sizeof *db->terms);
    return db->terms;
}

/* Caches term's rid, recording the entry so a rollback can forget it. */
static void remember(struct gw_terms *t, const char *term, size_t len, int64_t rid)
{
    if (t->map.count >= TERMS_CACHE_MAX)
        return;
    if (t->n_added == t->cap_added) {
        t->cap_added = t->cap_added ? t->cap_added * 2 : 64;
        t->added = gw_xrealloc(t->added, t->cap_added * sizeof *t->added);
    }
    struct gw_strmap_entry *e = gw_strmap_add(&t->map, term, len);
    e->ival = rid;
    t->added[t->n_added++] = e;
}

/* Caches a committed term's rid for good: no rollback can take it back. */
static void keep(struct gw_terms *t, const char *term, size_t len, int64_t rid)
{
    if (t->map.count < TERMS_CACHE_MAX && !gw_strmap_get(&t->map, term, len))
        gw_strmap_add(&t->map, term, len)->ival = rid;
}

/* SQLite: the rid of term, adding it in the open transaction. */
static enum gw_qs rid_in_tx(struct gw_db *db, struct gw_terms *t, const char *term, int64_t *rid,
                            struct gw_error *err)
{
    size_t len = strlen(term);
    struct gw_dbp p[] = {GW_P_TEXT(term)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs =
        gw_db_query(db, "SELECT rid FROM xapi_terms WHERE term = $1", p, 1, &r, NULL, err);
    if (qs == GW_QS_NONE) {
        gw_db_rows_free(r);
        r = NULL;
        /* OR IGNORE: no statement journal (see xapi_statements.c) */
        qs = gw_db_query(db, "INSERT OR IGNORE INTO xapi_terms (term) VALUES ($1) RETURNING rid", p,
                         1, &r, NULL, err);
        if (qs == GW_QS_NONE) {
            gw_db_rows_free(r);
            r = NULL;
            qs = gw_db_query(db, "SELECT rid FROM xapi_terms WHERE term = $1", p, 1, &r, NULL, err);
        }
    }
    if (qs == GW_QS_ONE) {
        *rid = gw_db_col_int(r, 0);
        remember(t, term, len, *rid);
    } else if (qs == GW_QS_NONE) {
        qs = GW_QS_HARD;
        gw_error_set(err, GW_E_STORE_QUERY, "xapi_terms", "the term %.200s could not be interned",
                     term);
    }
    gw_db_rows_free(r);
    return qs;
}

/* PostgreSQL: the terms connection, connected when needed (terms_mu held).
 * Its statements commit on their own, READ COMMITTED: each sees what other
 * instances committed before it started. */
static struct gw_db *terms_conn(struct gw_store *s, struct gw_error *err)
{
    if (s->terms_db && !s->drv->healthy(s->terms_db)) {
        gw_db_disconnect(s->terms_db);
        s->terms_db = NULL;
    }
    if (!s->terms_db) {
        s->terms_db = s->drv->connect(s->dsn, &s->opt, err);
        if (s->terms_db) {
            s->terms_db->store = s;
            gw_db_exec_script(s->terms_db, "SET default_transaction_isolation TO 'read committed'",
                              err);
        }
    }
    return s->terms_db;
}

/* PostgreSQL: the rids of todo[0..n) (distinct terms the cache lacks), set
 * in the ival of their entries in missing, and cached: each term looked up
 * by the index (a scalar subquery: a join would hash the whole table), the
 * new ones added sorted, in one statement committed at once on the terms
 * connection. A term another instance adds meanwhile makes the insert skip
 * it, unseen by the statement's snapshot: the next round reads it. */
static enum gw_qs intern_committed(struct gw_store *s, struct gw_terms *t,
                                   struct gw_strmap *missing, const char **todo, size_t n,
                                   struct gw_error *err)
{
    pthread_mutex_lock(&s->terms_mu);
    struct gw_db *conn = terms_conn(s, err);
    enum gw_qs qs = GW_QS_SOFT; /* no connection: the transaction is retried */
    size_t left = n;
    for (int round = 0; conn && left && round < 4; round++) {
        struct gw_pgarray arr = {0};
        for (size_t i = 0; i < n; i++) {
            if (!gw_strmap_get(missing, todo[i], strlen(todo[i]))->ival)
                gw_pgarray_text(&arr, todo[i]);
        }
        struct gw_dbp p[] = {GW_P_TEXT(gw_pgarray_str(&arr))};
        struct gw_db_rows *r = NULL;
        qs = gw_db_query(conn,
                         "WITH t AS (SELECT DISTINCT unnest($1::text[]) AS term), k AS (SELECT "
                         "term, (SELECT rid FROM xapi_terms x WHERE x.term = t.term) AS rid FROM "
                         "t), i AS (INSERT INTO xapi_terms (term) SELECT term FROM k WHERE rid IS "
                         "NULL ORDER BY term ON CONFLICT (term) DO NOTHING RETURNING term, rid) "
                         "SELECT term, rid FROM i UNION ALL SELECT term, rid FROM k WHERE rid IS "
                         "NOT NULL",
                         p, 1, &r, NULL, err);
        for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
            const char *term = gw_db_col_text(r, 0);
            size_t len = strlen(term);
            struct gw_strmap_entry *e = gw_strmap_get(missing, term, len);
            if (e && !e->ival) {
                e->ival = gw_db_col_int(r, 1);
                keep(t, term, len, e->ival);
                left--;
            }
        }
        gw_db_rows_free(r);
        gw_pgarray_free(&arr);
        /* a serialization failure can only come from a server default
         * stricter than ours (after a reconnection): the next round retries */
        if (qs == GW_QS_HARD)
            break;
    }
    pthread_mutex_unlock(&s->terms_mu);
    if (qs >= 0 && left) {
        gw_error_set(err, GW_E_STORE_QUERY, "xapi_terms", "%zu terms could not be interned", left);
        return GW_QS_HARD;
    }
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_qs gw_terms_rid(struct gw_db *db, const char *term, int64_t *rid, struct gw_error *err)
{
    if (gw_db_dialect(db) == GW_DIALECT_POSTGRES)
        return gw_terms_rids(db, &term, 1, rid, err);
    struct gw_terms *t = terms_of(db);
    const struct gw_strmap_entry *e = gw_strmap_get(&t->map, term, strlen(term));
    if (e) {
        *rid = e->ival;
        return GW_QS_ONE;
    }
    return rid_in_tx(db, t, term, rid, err);
}

enum gw_qs gw_terms_rids(struct gw_db *db, const char **terms, size_t n, int64_t *rids,
                         struct gw_error *err)
{
    struct gw_terms *t = terms_of(db);
    enum gw_qs qs = GW_QS_ONE;
    if (gw_db_dialect(db) == GW_DIALECT_SQLITE) {
        /* in the open transaction, one by one */
        for (size_t i = 0; qs >= 0 && i < n; i++) {
            const struct gw_strmap_entry *e = gw_strmap_get(&t->map, terms[i], strlen(terms[i]));
            if (e)
                rids[i] = e->ival;
            else
                qs = rid_in_tx(db, t, terms[i], &rids[i], err);
        }
        return qs < 0 ? qs : GW_QS_ONE;
    }
    struct gw_strmap missing = {0};
    const char **todo = NULL;
    size_t ntodo = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(terms[i]);
        const struct gw_strmap_entry *e = gw_strmap_get(&t->map, terms[i], len);
        rids[i] = e ? e->ival : 0;
        if (e || gw_strmap_get(&missing, terms[i], len))
            continue;
        gw_strmap_add(&missing, terms[i], len)->ival = 0;
        if (!todo)
            todo = gw_xcalloc(n, sizeof *todo);
        todo[ntodo++] = terms[i];
    }
    if (ntodo)
        qs = intern_committed(db->store, t, &missing, todo, ntodo, err);
    for (size_t i = 0; ntodo && qs >= 0 && i < n; i++) {
        if (!rids[i])
            rids[i] = gw_strmap_get(&missing, terms[i], strlen(terms[i]))->ival;
    }
    free(todo);
    gw_strmap_free(&missing);
    return qs < 0 ? qs : GW_QS_ONE;
}

size_t gw_terms_mark(struct gw_db *db)
{
    return db->terms ? db->terms->n_added : 0;
}

void gw_terms_rollback_to(struct gw_db *db, size_t mark)
{
    struct gw_terms *t = db->terms;
    if (!t)
        return;
    while (t->n_added > mark)
        gw_strmap_remove(&t->map, t->added[--t->n_added]);
}

void gw_terms_tx_end(struct gw_db *db, bool committed)
{
    struct gw_terms *t = db->terms;
    if (!t)
        return;
    if (!committed)
        gw_terms_rollback_to(db, 0);
    t->n_added = 0;
    if (t->map.count >= TERMS_CACHE_MAX)
        gw_strmap_clear(&t->map);
}

void gw_terms_free(struct gw_db *db)
{
    if (!db->terms)
        return;
    gw_strmap_free(&db->terms->map);
    free(db->terms->added);
    free(db->terms);
    db->terms = NULL;
}
