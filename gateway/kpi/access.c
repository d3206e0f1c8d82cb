/* access.c: who may read which department's KPIs (gw/kpi_access.h). The
 * rule in one place: bi and admin read every department, a department's
 * head their own departments, nobody else any. No SQL, no HTTP: the caller
 * looks the heads up and enforces the answer. */
#include "gw/kpi_access.h"

#include <string.h>

bool gw_kpi_may_read_department(bool reads_all, const char *person_id, const char *head_person_id)
{
    if (reads_all)
        return true;
    return person_id && *person_id && head_person_id && strcmp(person_id, head_person_id) == 0;
}

enum gw_kpi_scope gw_kpi_scope_of(bool reads_all, const char *asked, const char *const *headed,
                                  size_t n, const char **department)
{
    *department = asked;
    if (reads_all)
        return GW_KPI_SCOPE_ALL;
    if (asked) {
        for (size_t i = 0; i < n; i++) {
            if (strcmp(headed[i], asked) == 0)
                return GW_KPI_SCOPE_ONE;
        }
        return GW_KPI_SCOPE_FORBIDDEN;
    }
    if (n == 1) {
        *department = headed[0];
        return GW_KPI_SCOPE_ONE;
    }
    return GW_KPI_SCOPE_HEADED;
}
