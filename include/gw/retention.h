/* Statements' retention and archive (app/retention.c; issue 17): the use
 * cases behind `lmsgw statements archive` and `lmsgw statements drop` on
 * PostgreSQL's monthly partitions (gw/xapi_retention.h). An archive is one
 * file of JSON lines, each statement of the months archived as the LRS
 * returns it by its id (GET /xapi/statements?statementId=..., or
 * voidedStatementId for a voided one), oldest month first, in arrival order;
 * it is flushed and fsynced before each month is recorded with the file's
 * absolute path, its statement count and the file's SHA-256. A drop removes
 * only recorded months that still hold what was archived and whose file is
 * still there, unchanged. */
#ifndef GW_RETENTION_H
#define GW_RETENTION_H

#include "gw/store.h"

#include <stdint.h>

struct gw_retention_report {
    size_t months;      /* months archived or dropped */
    int first, last;    /* yyyymm of the first and last of them */
    int64_t statements; /* statements written or removed */
    char sha256[65];    /* archive: the file's SHA-256 */
};

/* Writes every statement of the months before yyyymm `before` (which must
 * not be later than now_ms's month: GW_E_RETENTION_MONTH) into a new file
 * at path (GW_E_IO when it exists or cannot be written) and records the
 * months. Creates missing partitions first, so that rows the default
 * partition caught are archived with their months. No month before it: no
 * file, rep->months 0. */
enum gw_err gw_retention_archive(struct gw_store *s, int before, const char *path, int64_t now_ms,
                                 struct gw_retention_report *rep, struct gw_error *err);

/* Drops the months before `before`, oldest first, each in its own
 * transaction (gw_store_xapi_month_drop); stops at the first it refuses:
 * GW_E_RETENTION_NOT_ARCHIVED, also when the recorded file is missing or
 * its SHA-256 changed. rep says what was dropped up to then. */
enum gw_err gw_retention_drop(struct gw_store *s, int before, int64_t now_ms,
                              struct gw_retention_report *rep, struct gw_error *err);

#endif
