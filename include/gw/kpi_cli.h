/* The `lmsgw kpi` command (cli/kpi.c): `kpi rebuild` recomputes all KPI
 * state from the stored statements; `kpi reattribute COURSE_ID` re-attributes
 * the statements under a course's IRIs. argv starts at "kpi"; returns the
 * exit code (0 ok, 1 failure, 2 usage). The lead wires it into main.c. */
#ifndef GW_KPI_CLI_H
#define GW_KPI_CLI_H

int gw_cmd_kpi(int argc, char **argv, const char *config_path);

#endif
