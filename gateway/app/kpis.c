/* kpis.c: the KPI use cases. A pull and a month's chargeback: the store
 * folds the state into the domain's report, kpi/ renders it. A department's
 * pipeline KPIs: the store loads the facts and the department's settings,
 * the domain decides the window in ms, the stall threshold (review/: the
 * board's rule too) and the figures (gw_kpi_pipeline_compute). See
 * gw/kpi_app.h. */
#include "gw/kpi_app.h"

#include "gw/department.h"
#include "gw/kpi_store.h"
#include "gw/review.h"

#include <stdlib.h>
#include <string.h>

enum gw_err gw_app_kpi_pipeline(struct gw_store *s, const char *department,
                                const struct gw_kpi_query *q, int64_t now_ms,
                                struct gw_kpi_pipeline_in *in, struct gw_error *err)
{
    memset(in, 0, sizeof *in);
    struct gw_kpi_pipeline_facts facts;
    char *settings = NULL;
    enum gw_err rc = gw_store_kpi_pipeline_facts(s, department, &facts, &settings, err);
    if (rc != GW_OK)
        return rc;
    /* no department, or no schedule settings: the defaults */
    struct gw_dept_settings ds;
    gw_dept_settings_read(settings, &ds);
    int64_t stall_ms = (int64_t)gw_review_stall_after_days(&ds.schedule) * GW_KPI_DAY_MS;
    gw_dept_settings_free(&ds);
    free(settings);
    int64_t from_ms = q->has_from ? q->from_day * GW_KPI_DAY_MS : 0;
    int64_t to_ms = q->has_to ? q->to_day * GW_KPI_DAY_MS : 0;
    gw_kpi_pipeline_compute(&facts, from_ms, to_ms, now_ms, stall_ms, in);
    gw_kpi_pipeline_facts_free(&facts);
    return GW_OK;
}

enum gw_err gw_app_kpi_pull(struct gw_store *s, const struct gw_kpi_query *q, json_t **out,
                            struct gw_error *err)
{
    struct gw_kpi_report rp;
    gw_kpi_report_init(&rp, q);
    enum gw_err rc = gw_store_kpi_pull(s, &rp, err);
    if (rc == GW_OK)
        *out = gw_kpi_report_json(&rp);
    gw_kpi_report_free(&rp);
    return rc;
}

enum gw_err gw_app_kpi_chargeback(struct gw_store *s, const char *department, const char *month,
                                  json_t **out, struct gw_error *err)
{
    int m = 0;
    int64_t first_day = 0, next_day = 0;
    if (!gw_kpi_month_parse(month, &m, &first_day, &next_day))
        return gw_error_set(err, GW_E_QUERY_INVALID, "month", "month must be YYYY-MM, not '%s'",
                            month ? month : "");
    struct gw_kpi_chargeback cb;
    enum gw_err rc = gw_store_kpi_chargeback(s, department, m, first_day, next_day, &cb, err);
    if (rc == GW_OK)
        *out = gw_kpi_chargeback_json(&cb);
    gw_kpi_chargeback_free(&cb);
    return rc;
}
