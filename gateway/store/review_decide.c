/* review_decide.c: the verbs a decision and a delegation write with
 * (gw/review_verbs.h): a link's nonce marked used, a decision row, a
 * delegation, and the course's state read back. What they mean and in which
 * order they run is app/review_decide.c's. */
#include "gw/buf.h"
#include "review_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum gw_qs gw_rv_course_state(struct gw_db *db, const char *course_id, char *out, size_t cap,
                              struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(course_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, "SELECT state FROM courses WHERE id = $1", p, 1, &r, NULL, err);
    gw_copy_str(out, cap, qs == GW_QS_ONE ? gw_db_col_text(r, 0) : NULL);
    gw_db_rows_free(r);
    return qs;
}

enum gw_qs gw_rv_nonce_use(struct gw_db *db, const char *nonce, const char *round_id,
                           const char *approver_id, int64_t now_ms, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(nonce), GW_P_TEXT(round_id), GW_P_TEXT(approver_id),
                         GW_P_INT(now_ms)};
    int64_t changes = 0;
    enum gw_qs qs = gw_db_query(db,
                                "INSERT INTO review_tokens_used (nonce, round_id, approver_id, "
                                "used_ms) VALUES ($1, $2, $3, $4) ON CONFLICT (nonce) DO NOTHING",
                                p, 4, NULL, &changes, err);
    if (qs >= 0 && changes == 0) {
        gw_error_set(err, GW_E_REVIEW_TOKEN_USED, "token",
                     "this approval link was already used; each link takes one decision");
        return GW_QS_HARD;
    }
    return qs;
}

enum gw_qs gw_rv_decision_insert(struct gw_db *db, const char *round_id,
                                 const struct gw_review_approver *a,
                                 enum gw_review_decision_kind kind, enum gw_review_via via,
                                 const char *decided_by, const char *address, int64_t now_ms,
                                 struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(round_id),
                         GW_P_TEXT(a->person_id),
                         GW_P_TEXT(gw_review_decision_name(kind)),
                         GW_P_TEXT(gw_review_via_name(via)),
                         GW_P_TEXT(decided_by),
                         GW_P_TEXT(a->decision.comment),
                         GW_P_TEXT(address),
                         GW_P_INT(now_ms)};
    enum gw_qs qs = gw_db_query(db,
                                "INSERT INTO review_decisions (round_id, approver_id, kind, via, "
                                "decided_by, comment, address, at_ms) VALUES ($1, $2, $3, $4, $5, "
                                "$6, $7, $8)",
                                p, 8, NULL, NULL, err);
    if (qs == GW_QS_HARD && err->code == GW_E_CONFLICT)
        return GW_QS_SOFT; /* decided concurrently: the retry sees the stored decision */
    return qs;
}

enum gw_qs gw_rv_delegate_set(struct gw_db *db, const char *round_id, const char *approver_id,
                              const char *delegate_id, int64_t now_ms, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(delegate_id), GW_P_INT(now_ms), GW_P_TEXT(round_id),
                         GW_P_TEXT(approver_id)};
    return gw_db_query(db,
                       "UPDATE round_approvers SET delegate_id = $1, delegated_ms = $2 WHERE "
                       "round_id = $3 AND person_id = $4",
                       p, 4, NULL, NULL, err);
}
