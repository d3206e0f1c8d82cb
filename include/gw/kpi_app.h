/* kpi_app.h: the KPI use cases that run in app/ (app/kpis.c): load
 * through the store's verbs (gw/kpi_store.h), let kpi/ decide. */
#ifndef GW_KPI_APP_H
#define GW_KPI_APP_H

#include "gw/error.h"
#include "gw/kpi.h"

#include <stdint.h>

struct gw_store;

/* The pipeline KPIs' inputs of a department (shared/kpi-definitions.md,
 * "Pipeline KPIs"): requests in q's whole-day window (none: open), stalled
 * reviews as of now_ms by the department's stall threshold (an unknown
 * department's: the default schedule's). *in is the caller's
 * (gw_kpi_pipeline_free), empty on error. */
enum gw_err gw_app_kpi_pipeline(struct gw_store *s, const char *department,
                                const struct gw_kpi_query *q, int64_t now_ms,
                                struct gw_kpi_pipeline_in *in, struct gw_error *err);

/* The learner KPIs of query q as flat records, one per group: {"records":
 * [...], "unattributed_statements": N} (new reference in *out, the
 * caller's; untouched on error). Departments and courses without statements
 * get a record with zero counts and null rates; months appear when they have
 * statements. Errors as gw_store_kpi_pull. */
enum gw_err gw_app_kpi_pull(struct gw_store *s, const struct gw_kpi_query *q, json_t **out,
                            struct gw_error *err);

/* A department's chargeback for one month ("YYYY-MM"): {"department_id",
 * "month", "enabled", "currency", "lines": [...], "total_amount"} (new
 * reference in *out, the caller's). GW_E_QUERY_INVALID for a malformed month,
 * GW_E_NOT_FOUND for an unknown department. */
enum gw_err gw_app_kpi_chargeback(struct gw_store *s, const char *department, const char *month,
                                  json_t **out, struct gw_error *err);

#endif
