/* Who may read which department's KPIs (gateway/kpi/access.c; pure). Roles
 * bi and admin read every department; a department's head (the person in
 * departments.head_person_id) reads the departments they head, and nobody
 * else's. api/kpis.c asks these functions and enforces their answer for GET
 * /api/v1/kpis and GET /api/v1/departments/{id}/chargeback. */
#ifndef GW_KPI_ACCESS_H
#define GW_KPI_ACCESS_H

#include <stdbool.h>
#include <stddef.h>

/* Whether the caller may read the KPIs and chargeback of the department
 * whose head is head_person_id (NULL or "" when it has none): always when
 * reads_all (bi, admin), else when person_id (the caller's person, "" for a
 * key without one) is that head. */
bool gw_kpi_may_read_department(bool reads_all, const char *person_id, const char *head_person_id);

enum gw_kpi_scope {
    GW_KPI_SCOPE_ALL,       /* every department: the query as asked */
    GW_KPI_SCOPE_ONE,       /* only *department: the pull is filtered to it */
    GW_KPI_SCOPE_HEADED,    /* only the departments in headed (none, or several) */
    GW_KPI_SCOPE_FORBIDDEN, /* the asked department is not the caller's */
};

/* What a KPI pull may show the caller. asked: the query's department (NULL
 * when none); headed: the n departments the caller heads. A caller who
 * reads all gets ALL. Otherwise an asked department must be one of headed
 * (ONE, *department = asked) or the answer is FORBIDDEN; without one, a
 * caller who heads exactly one department gets ONE (*department =
 * headed[0]), anyone else HEADED: records outside headed are left out. */
enum gw_kpi_scope gw_kpi_scope_of(bool reads_all, const char *asked, const char *const *headed,
                                  size_t n, const char **department);

#endif
