/* Storing and reading xAPI statements (store/xapi_statements.c). The api/
 * layer validates and normalizes statements and extracts the facts below; the
 * store persists them, checks id conflicts and replays, applies voiding in
 * either arrival order, and answers GET /statements. */
#ifndef GW_XAPI_STORE_H
#define GW_XAPI_STORE_H

#include "gw/kpi.h"
#include "gw/store.h"
#include "gw/xapi.h"

struct gw_xapi_new_activity {
    char *id;
    const char *role; /* "object", "parent", ..., "sub_object", ... */
};

struct gw_xapi_new_agent {
    char *key;
    const char *role;
};

/* One statement to insert; the strings belong to the item (see
 * gw_xapi_new_statement_clear). */
struct gw_xapi_new_statement {
    json_t *st; /* normalized; NULL after gw_xapi_new_statement_drop_json */
    char id[37];
    bool had_id;
    int64_t timestamp_ms;
    char *verb_id, *object_type, *object_id, *registration, *voids_id, *learner_key;
    char dedup_sig[65]; /* "" unless the client deduplicates and the statement had no id */
    struct gw_xapi_new_activity *activities;
    size_t n_activities;
    struct gw_xapi_new_agent *agents;
    size_t n_agents;
    json_t *attachments; /* array of {sha2, contentType, length, content_b64} or NULL */
    /* Serialized on the HTTP worker, so the writer does no JSON work. The
     * body is stored without "stored" (a column, put back on reads by
     * gw_xapi_stored_statement) and without "timestamp" when the client sent
     * none (it then equals stored). */
    char *body;
    bool has_timestamp;
    char *definition; /* the object Activity's definition, or NULL */
    /* The KPI fact of the statement if it is attributed at course level
     * (gw_kpi_statement_fact; ts_ms is set by the writer). */
    struct gw_kpi_fact fact;
    /* output */
    char final_id[37]; /* the id answered: id, or an earlier duplicate's */
    int64_t seq;       /* > 0 when this insert stored a new row (not a replay) */
    int64_t stored_ms;
    bool voided; /* stored already voided (its voiding statement came first) */
};

/* A stored statement as clients read it: body with "stored" (and, when the
 * client sent none, "timestamp") put back from stored_ms. New reference, NULL
 * when body is not JSON. */
json_t *gw_xapi_stored_statement(const char *body, int64_t stored_ms);

/* Fills item from a normalized, validated statement (stealing st). st must
 * not hold "stored", nor a "timestamp" the client did not send. */
void gw_xapi_new_statement_init(struct gw_xapi_new_statement *item, json_t *st, bool had_id,
                                const char *dedup_sig);
/* Releases the item's JSON tree once the HTTP side no longer needs it: the
 * writer works from the extracted fields, the body text and the fact alone,
 * so a batch waiting for its commit holds no parsed statements. */
void gw_xapi_new_statement_drop_json(struct gw_xapi_new_statement *item);
void gw_xapi_new_statement_clear(struct gw_xapi_new_statement *item);

struct gw_xapi_insert {
    struct gw_xapi_new_statement *items;
    size_t n;
    const char *authority_key;
    int64_t dedup_window_ms; /* 0: no deduplication */
    unsigned dedup_members;  /* what signatures cover (GW_XAPI_DEDUP_*); 0: ..._LEGACY */
    /* Non-NULL: write only the statement rows and leave the filter-index and
     * KPI rows to the deferred index (store/xapi_index.c); the caller hands
     * the items to gw_xapi_index_committed after the commit. */
    struct gw_xapi_index *index;
};

/* Inserts in->items inside the caller's transaction, with stored = stored_ms.
 * A known id with equivalent content is a replay (nothing changes, its id is
 * answered); with different content: GW_E_XAPI_ID_CONFLICT (HARD). A voiding
 * statement aimed at a voiding statement: GW_E_XAPI_VOID_TARGET_VOIDING. */
enum gw_qs gw_store_xapi_insert(struct gw_db *db, struct gw_xapi_insert *in, int64_t stored_ms,
                                struct gw_error *err);

/* ---- the deferred index (store/xapi_index.c, SQLite) ----
 * The acknowledging transaction stores a statement and lists its seq in
 * xapi_index_pending; the writer thread writes the statement's filter-index
 * rows (agents, activities, registrations, definitions) and KPI rows later,
 * in larger transactions, whenever no statement write is under way, and
 * removes the pending rows in the same transaction. Between group commits
 * it indexes too when a reader waits, when the oldest pending statement is
 * older than GW_XAPI_INDEX_MAX_AGE_MS (small rounds), and when max_lag
 * statements are pending (rounds that bring the backlog under max_lag
 * again: a bound, at which acknowledging slows to the indexing rate). Crash-safe: pending rows
 * outlive a restart. Readers that depend on those rows wait with gw_xapi_index_wait. */
struct gw_xapi_index;
/* A pending statement older than this is indexed even while statements
 * keep arriving. */
#define GW_XAPI_INDEX_MAX_AGE_MS 2000
/* How long a reader waits for the index before it answers with what is
 * indexed (X-Experience-API-Consistent-Through then says how far that is). */
#define GW_XAPI_INDEX_WAIT_MS 5000
/* The gateway's mem_limit: about 110,000 prepared statements (the default
 * xapi_index_lag). */
#define GW_XAPI_INDEX_MEMORY ((size_t)128 << 20)
/* mem_limit: bytes of prepared index records kept in memory between the
 * commit and the indexing (beyond it, or after a restart, the indexer parses
 * the stored body instead). max_lag: the most pending statements (see
 * above). */
struct gw_xapi_index *gw_xapi_index_new(struct gw_store *s, size_t mem_limit, int64_t max_lag);
void gw_xapi_index_free(struct gw_xapi_index *x);
/* After the commit of in (in->index == x), in the writer thread, in commit
 * order: keeps a copy of what indexing the new statements needs (the items
 * stay as they are, for the reply and their owner). */
void gw_xapi_index_committed(struct gw_xapi_index *x, const struct gw_xapi_insert *in);
/* The batcher's idle work (gw_batcher_set_idle): indexes one round of pending
 * statements when it should (see above). */
enum gw_idle gw_xapi_index_idle(void *x, bool jobs_waiting);
/* Statement writes under way (begin true at the start of a POST/PUT, false
 * when it is answered): while any is, the writer leaves the index alone
 * unless it is overdue. */
void gw_xapi_index_busy(struct gw_xapi_index *x, bool begin);
/* How the index wakes the writer thread (gw_batcher_wake). */
void gw_xapi_index_set_wake(struct gw_xapi_index *x, void (*wake)(void *ud), void *ud);
/* Waits until everything committed before the call is indexed, at most
 * timeout_ms; true when it is. The writer indexes at once for a waiting
 * reader. */
bool gw_xapi_index_wait(struct gw_xapi_index *x, int64_t timeout_ms);
/* stored_ms of the oldest statement not indexed yet, or INT64_MAX. */
int64_t gw_xapi_index_pending_since(struct gw_xapi_index *x);
struct gw_xapi_index_stats {
    uint64_t indexed, from_memory, from_body, rounds, failures;
    int64_t pending;
};
/* A copy of the index's counters (thread-safe; read by /metrics). */
void gw_xapi_index_stats(struct gw_xapi_index *x, struct gw_xapi_index_stats *out);
/* Indexes every pending statement now (CLI, tests), outside any server. */
enum gw_err gw_store_xapi_index_pending(struct gw_store *s, int64_t *indexed, struct gw_error *err);

/* One stored statement's JSON by id. voided selects voidedStatementId
 * semantics: found only when voided; otherwise found only when not voided.
 * *body is heap (caller frees). GW_E_NOT_FOUND otherwise. */
enum gw_err gw_store_xapi_get(struct gw_store *s, const char *id, bool voided, char **body,
                              int64_t *stored_ms, struct gw_error *err);

struct gw_xapi_page {
    char **bodies; /* n heap strings */
    int64_t *stored_ms;
    size_t n;
    bool more;        /* another page exists */
    int64_t last_seq; /* cursor for the next page */
};

/* Statements matching q (GET /statements semantics: voided excluded, a
 * StatementRef to a matching statement matches too for filters other than
 * since/until/limit), newest stored first unless q->ascending, after the
 * cursor (0 = from the start). limit must be > 0. */
enum gw_err gw_store_xapi_query(struct gw_store *s, const struct gw_xapi_query *q,
                                int64_t cursor_seq, int limit, struct gw_xapi_page *page,
                                struct gw_error *err);
void gw_xapi_page_free(struct gw_xapi_page *page);

/* Attachment content (base64) by sha2; GW_E_NOT_FOUND when unknown. */
enum gw_err gw_store_xapi_attachment(struct gw_store *s, const char *sha2, char **content_type,
                                     char **content_b64, struct gw_error *err);

#endif
