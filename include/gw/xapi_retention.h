/* Statements' retention (store/xapi_retention.c, migration 0018; issue 17).
 * On PostgreSQL xapi_statements is partitioned by UTC month of stored_ms
 * (xapi_statements_YYYYMM, plus xapi_statements_default for a month without
 * one). These verbs create months ahead, list them, read one month in
 * arrival order (the archive), record an archive, and drop an archived month
 * with its side rows. The archive file itself is written by app/retention.c.
 * SQLite has no partitions: the verbs answer GW_E_RETENTION_POSTGRES_ONLY,
 * but gw_store_xapi_partitions_ensure, which does nothing there. */
#ifndef GW_XAPI_RETENTION_H
#define GW_XAPI_RETENTION_H

#include "gw/store.h"

#include <stdbool.h>
#include <stdint.h>

/* How many months past the current one the server keeps created. */
#define GW_XAPI_MONTHS_AHEAD 2

/* yyyymm (202403) of an instant, UTC. */
int gw_xapi_month_of(int64_t ms);
/* yyyymm plus k months (k may be negative). */
int gw_xapi_month_add(int yyyymm, int k);
/* The first instant (ms, UTC) of month yyyymm. */
int64_t gw_xapi_month_start_ms(int yyyymm);
/* Parses "YYYY-MM" into yyyymm; false when it is not one. */
bool gw_xapi_month_parse(const char *s, int *yyyymm);

/* Makes sure the partitions of now_ms's month and the GW_XAPI_MONTHS_AHEAD
 * next exist, and gives each month the default partition caught rows of
 * its own (moving those rows), under an advisory lock so several instances
 * may run it at once. *created (may be NULL) receives how many partitions
 * were added. SQLite: does nothing. */
enum gw_err gw_store_xapi_partitions_ensure(struct gw_store *s, int64_t now_ms, int *created,
                                            struct gw_error *err);

/* One monthly partition and its archive record. */
struct gw_xapi_month {
    int month;          /* 202403 */
    int64_t statements; /* rows in the partition now */
    bool archived;      /* an archive record exists */
    int64_t archived_statements;
    char file[512];
    char sha256[65];
    int64_t archived_ms;
};

/* The monthly partitions, oldest first (*out: caller frees). */
enum gw_err gw_store_xapi_months(struct gw_store *s, struct gw_xapi_month **out, size_t *n,
                                 struct gw_error *err);

/* Calls fn with each statement of month yyyymm in arrival (seq) order: its
 * stored body and stored_ms (gw_xapi_stored_statement makes what clients
 * read of them), voided ones included; pages of read transactions. fn
 * returning non-zero stops (that code is returned). *count (may be NULL)
 * receives the statements passed. */
typedef enum gw_err (*gw_xapi_month_fn)(void *ud, const char *body, int64_t stored_ms,
                                        struct gw_error *err);
enum gw_err gw_store_xapi_month_each(struct gw_store *s, int yyyymm, gw_xapi_month_fn fn, void *ud,
                                     int64_t *count, struct gw_error *err);

/* Records that month yyyymm was archived into file (absolute path) with
 * count statements and the file's SHA-256 (replacing an earlier record). */
enum gw_err gw_store_xapi_month_archived(struct gw_store *s, int yyyymm, const char *file,
                                         int64_t count, const char *sha256, int64_t now_ms,
                                         struct gw_error *err);

/* Drops month yyyymm: refuses with GW_E_RETENTION_NOT_ARCHIVED unless it
 * was archived and holds as many statements as were archived; else, in one
 * transaction, folds its KPI contribution into the archived KPI baseline
 * (store/kpi.c), deletes its side rows (activities, agents, registrations,
 * KPI and pending-index rows), drops the partition and marks the record
 * dropped. The statements' directory keeps their ids (never stored again).
 * *dropped (may be NULL) receives the statements removed. */
enum gw_err gw_store_xapi_month_drop(struct gw_store *s, int yyyymm, int64_t now_ms,
                                     int64_t *dropped, struct gw_error *err);

#endif
