/* KPI state in the store (store/kpi.c, migration 0007): incremental
 * maintenance as statements arrive and are voided, re-attribution when a
 * course registers an IRI, the full rebuild, and the pulls (GET
 * /api/v1/kpis, chargeback). The definitions themselves are in gw/kpi.h. */
#ifndef GW_KPI_STORE_H
#define GW_KPI_STORE_H

#include "gw/kpi.h"
#include "gw/store.h"
#include "gw/xapi_store.h"

/* ---- maintenance ---- */
/* (Inside the writer's transaction: gw_kpi_apply_statement, gw_kpi_apply_void
 * and gw_kpi_reattribute are internal to store/, in store_int.h.) */
/* The store's switch for the maintenance as statements arrive and are voided (default on). Off is
 * for bulk imports followed by gw_store_kpi_rebuild, and for measuring what the maintenance costs
 * (bench/kpi_bench.c); a running gateway leaves it on. */
void gw_kpi_set_maintenance(struct gw_store *s, bool on);
/* The same in its own write transaction. */
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

/* The learner KPIs as flat records, one per group: {"records": [...],
 * "unattributed_statements": N} (new reference in *out). Departments and
 * courses without statements get a record with zero counts and null rates;
 * months appear when they have statements. */
enum gw_err gw_store_kpi_pull(struct gw_store *s, const struct gw_kpi_query *q, json_t **out,
                              struct gw_error *err);

/* A department's chargeback for one month ("YYYY-MM"): {"department_id",
 * "month", "enabled", "currency", "lines": [...], "total_amount"}.
 * GW_E_NOT_FOUND for an unknown department. Effort hours come from
 * effort_log(course_id, hours, day_ms) when that table exists, 0 otherwise. */
enum gw_err gw_store_kpi_chargeback(struct gw_store *s, const char *department, const char *month,
                                    json_t **out, struct gw_error *err);

/* Pipeline inputs of a department (store/kpi_pipeline.c) against the schema
 * described there; window on request date (ms, 0 = open). The arrays in *in
 * are heap (free with gw_kpi_pipeline_free). Serves GET /api/v1/kpis's
 * pipeline figures (api/kpis.c). */
enum gw_err gw_store_kpi_pipeline(struct gw_store *s, const char *department, int64_t from_ms,
                                  int64_t to_ms, int64_t now_ms, int64_t escalation_ms,
                                  struct gw_kpi_pipeline_in *in, struct gw_error *err);
void gw_kpi_pipeline_free(struct gw_kpi_pipeline_in *in);

#endif
