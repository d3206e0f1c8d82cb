/* kpi_pipeline.c: a department's pipeline KPIs as a use case: the store
 * loads the facts and the department's settings, the domain decides the
 * window in ms, the stall threshold (review/: the board's rule too) and the
 * figures (gw_kpi_pipeline_compute). See gw/kpi_app.h. */
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
