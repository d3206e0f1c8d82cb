/* kpi_int.h: the KPI state's verbs that run inside a transaction another
 * store module opened (store/kpi.c), private to gateway/store/: the writer's
 * maintenance as statements are inserted and voided (xapi_statements.c), a
 * deferred index round's batch (xapi_index.c), re-attribution after IRIs
 * are registered (review_course.c's gw_rv_course_reattribute, which app/'s course and publish use
 * cases call), and the connection's course_iris snapshot (store.c). The public verbs, which open
 * their own transaction, are in gw/kpi_store.h; the rules all of these follow are the domain's
 * (gw/kpi.h). The prefix gw_kst_ (KPI state) marks these store-private verbs
 * apart from the domain's gw_kpi_ functions.
 *
 * Each function takes the connection of the caller's open write transaction
 * (db), which must not be used by another thread meanwhile; it returns a
 * gw_qs (< 0: the transaction failed, err set; the caller rolls back, and
 * for GW_QS_SOFT retries). Nothing here commits or rolls back. */
#ifndef GW_STORE_KPI_INT_H
#define GW_STORE_KPI_INT_H

#include "driver.h"

struct gw_xapi_new_statement;

/* Folds a newly inserted statement (row seq, not voided) into the KPI state:
 * attributes it, records it in kpi_statements and updates its (course,
 * learner, day) and (course, learner) rows and the totals, or the
 * unattributed count. Voiding statements contribute nothing (GW_QS_NONE),
 * nor does anything while the store's maintenance is off
 * (gw_kpi_set_maintenance). Called by gw_store_xapi_insert. */
enum gw_qs gw_kst_apply_statement(struct gw_db *db, const struct gw_xapi_new_statement *it,
                                  int64_t seq, int64_t stored_ms, struct gw_error *err);
/* Reverses the contribution of the statement with this id, which has just
 * been marked voided: its (course, learner) state is recomputed from that
 * learner's remaining statements on the course. Idempotent; GW_QS_NONE when
 * the statement counted for nothing. */
enum gw_qs gw_kst_apply_void(struct gw_db *db, const char *target_id, struct gw_error *err);
/* Re-attributes the stored statements that mention an IRI the course
 * registers (run after registering IRIs, in the same transaction):
 * statements move from other courses or from unattributed, and the state of
 * every affected (course, learner) is recomputed. */
enum gw_qs gw_kst_reattribute(struct gw_db *db, const char *course_id, struct gw_error *err);
/* Before a month's partition is dropped (xapi_retention.c): folds the KPI
 * contribution of its counted statements (table: the partition) into
 * kpi_archived_days and kpi_archived_unattributed, which recomputations and
 * rebuilds start from, and deletes their kpi_statements rows. PostgreSQL. */
enum gw_qs gw_kst_archive_statements(struct gw_db *db, const char *table, struct gw_error *err);

/* A round of the deferred index folds its statements' KPI work in a batch
 * (gw_kst_apply_statement_batched; kb NULL applies at once, as
 * gw_kst_apply_statement) and writes each touched row once with
 * gw_kst_batch_flush, in the same transaction: the same rows as statement by
 * statement. A batch belongs to one round (one thread, one transaction);
 * gw_kst_batch_free releases it whether or not it was flushed. */
struct gw_kst_batch;
struct gw_kst_batch *gw_kst_batch_new(void);
enum gw_qs gw_kst_apply_statement_batched(struct gw_db *db, struct gw_kst_batch *kb,
                                          const struct gw_xapi_new_statement *it, int64_t seq,
                                          int64_t stored_ms, struct gw_error *err);
enum gw_qs gw_kst_batch_flush(struct gw_db *db, struct gw_kst_batch *kb, struct gw_error *err);
void gw_kst_batch_free(struct gw_kst_batch *kb);

/* A state row's ten columns (statements, first_ms, complete_ms, passed,
 * failed, best_score, rating_ms, rating_seq, rating, comments: as
 * kpi_learners and kpi_learner_days store them) from column c on, as the
 * domain's row (the maintenance and the pulls, kpi_pull.c, read the same
 * columns). */
struct gw_kpi_row;
void gw_kst_row_read(struct gw_db_rows *r, int c, struct gw_kpi_row *row);

/* The connection's course_iris snapshot: forgotten as checked when a
 * transaction ends (the next one compares course_iris_version again), freed
 * with the connection (gw_db_disconnect). */
void gw_kst_iris_tx_end(struct gw_db *db);
void gw_kst_iris_free(struct gw_db *db);

#endif
