/* terms.h: interned terms (table xapi_terms, migration 0010). Activity IRIs
 * and agent keys are stored once and referred to by a small integer (rid)
 * in the statement side tables; roles there are small integers too. Each
 * connection caches the rids it has seen, and the cache never holds a rid
 * that is not stored. Private to gateway/store/.
 *
 * Where new terms are added differs by backend:
 * - PostgreSQL: on a connection of the store's own (struct gw_store's
 *   terms_db), in one statement per set of terms that commits at once,
 *   adding them sorted. Added in the acknowledging transaction, a new
 *   term's unique-index entry stayed locked until the group commit ended,
 *   and the requests of a group commit add terms in their own order: two
 *   instances adding the same new terms in different orders deadlocked
 *   (deadlock_timeout, then a retry of the whole group commit), and one
 *   that merely waited failed with a serialization failure once the other
 *   committed (issue 17). Now a term insert holds nothing across requests
 *   and waits at most for another instance's term statement, which holds no
 *   other lock and takes its terms in the same (sorted) order: no cycle.
 *   A term whose statements then roll back stays, harmless: a term row
 *   without side rows matches nothing, and the next statement naming it
 *   reuses it. Since every cached rid is committed, a rollback forgets
 *   none.
 * - SQLite: in the open transaction (one writer at a time cannot deadlock,
 *   and a second connection would wait for that writer's lock); entries
 *   made by a transaction leave the cache again if it (or the job's
 *   savepoint) rolls back. */
#ifndef GW_STORE_TERMS_H
#define GW_STORE_TERMS_H

#include "driver.h"

#include <stdbool.h>

/* The rid of term, adding it to xapi_terms when new. */
enum gw_qs gw_terms_rid(struct gw_db *db, const char *term, int64_t *rid, struct gw_error *err);

/* The rids of terms[0..n) in rids[0..n), adding the new terms: those the
 * cache lacks in one committed statement on PostgreSQL (see above). */
enum gw_qs gw_terms_rids(struct gw_db *db, const char **terms, size_t n, int64_t *rids,
                         struct gw_error *err);

/* The stored codes of the role names gw_xapi_activity_role_name and
 * gw_xapi_agent_role_name give ("sub_" prefixed inside a SubStatement):
 * 1-5, plus 8 inside a SubStatement; -1 for an unknown name. */
int gw_terms_activity_role(const char *name);
int gw_terms_agent_role(const char *name);

/* Transaction bookkeeping, called by the transaction runners (store.c,
 * batch.c): a mark before a job's savepoint, the rollback to it, and the
 * end of the transaction. */
size_t gw_terms_mark(struct gw_db *db);
void gw_terms_rollback_to(struct gw_db *db, size_t mark);
void gw_terms_tx_end(struct gw_db *db, bool committed);
void gw_terms_free(struct gw_db *db);

#endif
