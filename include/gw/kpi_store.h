/* KPI state in the store: the verbs that open their own transaction on a
 * struct gw_store (store/kpi.c: the maintenance switch, re-attribution, the
 * rebuild and the upgrade step; store/kpi_pull.c: the pulls behind GET
 * /api/v1/kpis and the chargeback; store/kpi_pipeline.c: the pipeline
 * inputs). They load rows and persist what the domain computed; every rule
 * (what counts, attribution, figures, which state answers a pull) is in
 * gw/kpi.h. The maintenance run inside the writer's transaction is
 * store-private (gateway/store/kpi_int.h).
 *
 * Contract: every function here is safe to call from any thread (each
 * transaction takes its own pool connection; the writes serialize in the
 * store); read-only ones (pulls, chargeback, pipeline) see one consistent
 * snapshot. They return GW_OK or an error code with err filled (may be
 * NULL): GW_E_NOT_FOUND and GW_E_QUERY_INVALID where said, otherwise a store
 * failure after the transaction runner's retries. Arguments are borrowed
 * for the call; results are new and the caller's (say how to free). */
#ifndef GW_KPI_STORE_H
#define GW_KPI_STORE_H

#include "gw/kpi.h"
#include "gw/store.h"
#include "gw/xapi_store.h"

/* ---- maintenance ---- */
/* The store's switch for the maintenance as statements arrive and are voided (default on). Off is
 * for bulk imports followed by gw_store_kpi_rebuild, and for measuring what the maintenance costs
 * (bench/kpi_bench.c); a running gateway leaves it on. */
void gw_kpi_set_maintenance(struct gw_store *s, bool on);
/* Re-attributes the stored statements under the course's registered IRIs
 * and recomputes every (course, learner) that changed, in one write
 * transaction (`lmsgw kpi reattribute`; registering IRIs does the same
 * inside its own transaction). */
enum gw_err gw_store_kpi_reattribute(struct gw_store *s, const char *course_id,
                                     struct gw_error *err);
/* Drops all KPI state and recomputes it from the stored statements in one
 * transaction; *counted (may be NULL) receives the number of statements that
 * count. */
enum gw_err gw_store_kpi_rebuild(struct gw_store *s, int64_t *counted, struct gw_error *err);
/* The upgrade step gw_store_migrate runs after the migrations: when the KPI
 * state was derived under an older version of the definitions than
 * GW_KPI_RULE_VERSION (kpi_meta.rule_version, migration 0012), rebuilds it
 * as gw_store_kpi_rebuild does (which records the version) in one
 * transaction; otherwise does nothing. *rebuilt (may be NULL) says which.
 * Statements the deferred index left pending get their KPI rows when it
 * indexes them, under the current definitions. */
enum gw_err gw_store_kpi_upgrade(struct gw_store *s, bool *rebuilt, struct gw_error *err);

/* ---- pulls ---- */
/* (struct gw_kpi_query and its groupings are the domain's, gw/kpi.h.) */

/* Folds the state rp->q reads into rp (set up by the caller with
 * gw_kpi_report_init, freed by the caller with gw_kpi_report_free; reset on
 * error): the groups, their records and the unattributed count, which
 * gw_kpi_report_json renders (gw_app_kpi_pull does both). GW_E_INTERNAL
 * when the maintained histogram disagrees with the learners' rows (the state
 * needs `lmsgw kpi rebuild`). */
enum gw_err gw_store_kpi_pull(struct gw_store *s, struct gw_kpi_report *rp, struct gw_error *err);

/* A department's chargeback for one month (month number and its first and
 * next day, gw_kpi_month_parse) into *cb (the caller frees it with
 * gw_kpi_chargeback_free; empty on error): its rates, and per course the
 * learners started in the month and the effort hours (effort_log(course_id,
 * hours, day) when that table exists, 0 otherwise). GW_E_NOT_FOUND for an
 * unknown department. */
enum gw_err gw_store_kpi_chargeback(struct gw_store *s, const char *department, int month,
                                    int64_t first_day, int64_t next_day,
                                    struct gw_kpi_chargeback *cb, struct gw_error *err);

/* The facts of a department's pipeline KPIs (store/kpi_pipeline.c), no rule
 * applied, into *facts (the caller frees them with
 * gw_kpi_pipeline_facts_free), and its settings text into *settings (heap,
 * the caller's; NULL when no department has this id). Both are empty on
 * error. */
enum gw_err gw_store_kpi_pipeline_facts(struct gw_store *s, const char *department,
                                        struct gw_kpi_pipeline_facts *facts, char **settings,
                                        struct gw_error *err);

#endif
