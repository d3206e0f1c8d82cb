/* review_common.c: what the review store files share: the audit append
 * (chained, verbatim lines), loading a round into the domain's struct,
 * moving a course through the state machine, and concluding a round (the
 * publish job or the author's notice in the same transaction). */
#include "gw/buf.h"
#include "gw/hash.h"
#include "gw/timefmt.h"
#include "review_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gw_rv_new_id(char out[GW_ID_MAX])
{
    char u[37];
    gw_uuid_v4(u);
    gw_copy_str(out, GW_ID_MAX, u);
}

enum gw_qs gw_rv_exists(struct gw_db *db, const char *table, const char *id, struct gw_error *err)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT 1 FROM %s WHERE id = $1", table);
    struct gw_dbp p[] = {GW_P_TEXT(id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, sql, p, 1, &r, NULL, err);
    gw_db_rows_free(r);
    return qs;
}

void gw_rv_audit_from(struct gw_audit_record *rec, const struct gw_review_actor *who,
                      const char *action, int64_t now_ms)
{
    memset(rec, 0, sizeof *rec);
    rec->at_ms = now_ms;
    rec->action = action;
    if (who) {
        rec->actor = who->actor;
        rec->on_behalf_of = who->on_behalf_of;
        rec->via = who->via;
        rec->address = who->address;
        rec->key_id = who->key_id;
        rec->link_nonce = who->link_nonce;
    }
    if (!rec->actor)
        rec->actor = "system";
    if (!rec->via)
        rec->via = "system";
}

enum gw_qs gw_rv_audit(struct gw_db *db, struct gw_audit_record *rec, struct gw_error *err)
{
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, "SELECT seq, line FROM audit_log ORDER BY seq DESC LIMIT 1",
                                NULL, 0, &r, NULL, err);
    if (qs < 0) {
        gw_db_rows_free(r);
        return qs;
    }
    rec->seq = qs == GW_QS_ONE ? gw_db_col_int(r, 0) + 1 : 1;
    gw_audit_chain(rec, qs == GW_QS_ONE ? gw_db_col_text(r, 1) : NULL);
    gw_db_rows_free(r);
    char *line = gw_audit_json_line(rec);
    if (!line) {
        gw_error_set(err, GW_E_BAD_REQUEST, "", "an audit field is not valid UTF-8");
        return GW_QS_HARD;
    }
    char hash[65];
    gw_audit_line_hash(line, hash);
    struct gw_dbp p[] = {GW_P_INT(rec->seq),      GW_P_TEXT(rec->prev), GW_P_TEXT(line),
                         GW_P_TEXT(hash),         GW_P_INT(rec->at_ms), GW_P_TEXT(rec->course_id),
                         GW_P_TEXT(rec->round_id)};
    qs = gw_db_query(db,
                     "INSERT INTO audit_log (seq, prev, line, hash, at_ms, course_id, round_id) "
                     "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                     p, 7, NULL, NULL, err);
    free(line);
    if (qs == GW_QS_HARD && err && err->code == GW_E_CONFLICT)
        return GW_QS_SOFT; /* another append won the same place: retry on the new tail */
    return qs;
}

static enum gw_qs load_approvers(struct gw_db *db, const char *round_id, struct gw_review_round *r,
                                 struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(round_id)};
    struct gw_db_rows *rows = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT person_id, due_ms, delegate_id, delegated_ms FROM "
                                "round_approvers WHERE round_id = $1 ORDER BY position",
                                p, 1, &rows, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(rows)) {
        if (gw_review_round_add_approver(r, gw_db_col_text(rows, 0), gw_db_col_int(rows, 1), err) !=
            GW_OK)
            continue;
        struct gw_review_approver *a = &r->approvers[r->n_approvers - 1];
        gw_copy_str(a->delegate_id, sizeof a->delegate_id, gw_db_col_text(rows, 2));
        a->delegated_ms = gw_db_col_int(rows, 3);
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(rows, err);
    gw_db_rows_free(rows);
    if (qs < 0)
        return qs;
    qs = gw_db_query(db,
                     "SELECT approver_id, kind, via, decided_by, comment, at_ms FROM "
                     "review_decisions WHERE round_id = $1",
                     p, 1, &rows, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(rows)) {
        const char *who = gw_db_col_text(rows, 0);
        for (size_t i = 0; i < r->n_approvers; i++) {
            struct gw_review_approver *a = &r->approvers[i];
            if (strcmp(a->person_id, who) != 0)
                continue;
            const char *kind = gw_db_col_text(rows, 1);
            const char *via = gw_db_col_text(rows, 2);
            a->decision.on_silence = !gw_review_decision_parse(kind, &a->decision.kind);
            if (a->decision.on_silence)
                a->decision.kind = GW_REVIEW_APPROVE; /* approve_on_silence */
            a->decision.via = strcmp(via, "link") == 0     ? GW_REVIEW_VIA_LINK
                              : strcmp(via, "system") == 0 ? GW_REVIEW_VIA_SYSTEM
                                                           : GW_REVIEW_VIA_API;
            gw_copy_str(a->decision.decided_by, sizeof a->decision.decided_by,
                        gw_db_col_text(rows, 3));
            const char *c = gw_db_col_text(rows, 4);
            a->decision.comment = c ? gw_xstrdup(c) : NULL;
            a->decision.at_ms = gw_db_col_int(rows, 5);
        }
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(rows, err);
    gw_db_rows_free(rows);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_qs gw_rv_load_round(struct gw_db *db, const char *round_id, struct gw_review_round *r,
                            struct gw_rv_round_meta *m, struct gw_error *err)
{
    memset(m, 0, sizeof *m);
    gw_review_round_init(r, round_id, "", 0, NULL);
    struct gw_dbp p[] = {GW_P_TEXT(round_id)};
    struct gw_db_rows *rows = NULL;
    enum gw_qs qs = gw_db_query(
        db,
        "SELECT r.course_id, r.version_id, r.state, r.policy, r.policy_n, r.approve_on_silence, "
        "r.silence_agreed_by, r.silence_agreed_ms, r.opened_ms, c.state, c.department_id, "
        "c.author_person_id, v.sha256 FROM review_rounds r JOIN courses c ON c.id = r.course_id "
        "JOIN course_versions v ON v.id = r.version_id WHERE r.id = $1",
        p, 1, &rows, NULL, err);
    if (qs == GW_QS_ONE) {
        struct gw_review_policy pol = {0};
        if (!gw_review_policy_kind_parse(gw_db_col_text(rows, 3), &pol.kind))
            pol.kind = GW_REVIEW_POLICY_ALL;
        pol.required = (unsigned)gw_db_col_int(rows, 4);
        pol.approve_on_silence = gw_db_col_int(rows, 5) != 0;
        gw_copy_str(pol.silence_agreed_by, sizeof pol.silence_agreed_by, gw_db_col_text(rows, 6));
        pol.silence_agreed_ms = gw_db_col_int(rows, 7);
        gw_review_round_init(r, round_id, gw_db_col_text(rows, 0), gw_db_col_int(rows, 8), &pol);
        gw_copy_str(m->course_id, sizeof m->course_id, gw_db_col_text(rows, 0));
        gw_copy_str(m->version_id, sizeof m->version_id, gw_db_col_text(rows, 1));
        gw_copy_str(m->state, sizeof m->state, gw_db_col_text(rows, 2));
        gw_copy_str(m->course_state, sizeof m->course_state, gw_db_col_text(rows, 9));
        gw_copy_str(m->department_id, sizeof m->department_id, gw_db_col_text(rows, 10));
        gw_copy_str(m->author_id, sizeof m->author_id, gw_db_col_text(rows, 11));
        gw_copy_str(m->sha256, sizeof m->sha256, gw_db_col_text(rows, 12));
        r->closed = strcmp(m->state, "open") != 0;
    }
    gw_db_rows_free(rows);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, "round", "no approval round has the id '%s'", round_id);
        return GW_QS_HARD;
    }
    if (qs < 0)
        return qs;
    return load_approvers(db, round_id, r, err);
}

enum gw_qs gw_rv_transition(struct gw_db *db, const char *course_id, enum gw_course_event ev,
                            const struct gw_review_actor *who, const char *round_id,
                            const char *sha256, int64_t now_ms, enum gw_course_state *to,
                            struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(course_id)};
    struct gw_db_rows *rows = NULL;
    enum gw_qs qs =
        gw_db_query(db, "SELECT state FROM courses WHERE id = $1", p, 1, &rows, NULL, err);
    enum gw_course_state from = GW_COURSE_DRAFT;
    bool known = qs == GW_QS_ONE && gw_course_state_parse(gw_db_col_text(rows, 0), &from);
    gw_db_rows_free(rows);
    if (qs < 0)
        return qs;
    if (!known) {
        gw_error_set(err, GW_E_NOT_FOUND, "course", "no course has the id '%s'", course_id);
        return GW_QS_HARD;
    }
    if (gw_review_transition(from, ev, to, err) != GW_OK) {
        if (err)
            gw_course_name_paths(err->detail, sizeof err->detail, course_id);
        return GW_QS_HARD;
    }
    struct gw_dbp u[] = {GW_P_TEXT(gw_course_state_name(*to)), GW_P_INT(now_ms),
                         GW_P_TEXT(course_id)};
    qs = gw_db_query(db, "UPDATE courses SET state = $1, state_since_ms = $2 WHERE id = $3", u, 3,
                     NULL, NULL, err);
    if (qs < 0)
        return qs;
    struct gw_audit_record rec;
    gw_rv_audit_from(&rec, who, "transition", now_ms);
    rec.course_id = course_id;
    rec.round_id = round_id;
    rec.from_state = gw_course_state_name(from);
    rec.to_state = gw_course_state_name(*to);
    rec.comment = gw_course_event_name(ev);
    rec.version_sha256 = sha256;
    return gw_rv_audit(db, &rec, err);
}

enum gw_qs gw_rv_notice_insert(struct gw_db *db, const char *key, const char *round_id,
                               const char *approver_id, const char *recipient_id, const char *kind,
                               int64_t scheduled_ms, int64_t days_overdue, int64_t now_ms,
                               bool *inserted, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(key),          GW_P_TEXT(round_id), GW_P_TEXT(approver_id),
                         GW_P_TEXT(recipient_id), GW_P_TEXT(kind),     GW_P_INT(scheduled_ms),
                         GW_P_INT(days_overdue),  GW_P_INT(now_ms)};
    int64_t changes = 0;
    enum gw_qs qs = gw_db_query(
        db,
        "INSERT INTO review_notices (notice_key, round_id, approver_id, recipient_id, kind, "
        "scheduled_ms, days_overdue, status, attempts, created_ms) VALUES ($1, $2, $3, $4, $5, "
        "$6, $7, 'pending', 0, $8) ON CONFLICT (notice_key) DO NOTHING",
        p, 8, NULL, &changes, err);
    if (inserted)
        *inserted = qs >= 0 && changes > 0;
    return qs < 0 ? qs : GW_QS_ONE;
}

static enum gw_qs record_silence(struct gw_db *db, const struct gw_review_round *r,
                                 const struct gw_rv_round_meta *m,
                                 const struct gw_review_conclusion *cn, int64_t now_ms,
                                 struct gw_error *err)
{
    for (size_t k = 0; k < cn->n_silent; k++) {
        const struct gw_review_silent_approval *sa = &cn->silent[k];
        struct gw_dbp p[] = {GW_P_TEXT(r->id), GW_P_TEXT(sa->approver_id), GW_P_INT(now_ms),
                             GW_P_TEXT(sa->audit_comment)};
        enum gw_qs qs = gw_db_query(
            db,
            "INSERT INTO review_decisions (round_id, approver_id, kind, via, decided_by, comment, "
            "at_ms) VALUES ($1, $2, 'approve_on_silence', 'system', 'system', $4, $3) "
            "ON CONFLICT (round_id, approver_id) DO NOTHING",
            p, 4, NULL, NULL, err);
        if (qs < 0)
            return qs;
        struct gw_audit_record rec;
        gw_rv_audit_from(&rec, NULL, "decision.approve_on_silence", now_ms);
        rec.on_behalf_of = sa->approver_id;
        rec.course_id = m->course_id;
        rec.round_id = r->id;
        rec.comment = sa->audit_comment;
        rec.version_sha256 = m->sha256;
        qs = gw_rv_audit(db, &rec, err);
        if (qs < 0)
            return qs;
    }
    return GW_QS_ONE;
}

static enum gw_qs queue_publish(struct gw_db *db, const struct gw_review_round *r,
                                const struct gw_rv_round_meta *m, const struct gw_review_actor *sys,
                                int64_t now_ms, bool *job_queued, struct gw_error *err)
{
    char job[GW_ID_MAX];
    gw_rv_new_id(job);
    struct gw_dbp p[] = {GW_P_TEXT(job), GW_P_TEXT(m->course_id), GW_P_TEXT(m->version_id),
                         GW_P_INT(now_ms)};
    int64_t changes = 0;
    enum gw_qs qs =
        gw_db_query(db,
                    "INSERT INTO publish_jobs (id, course_id, version_id, action, state, "
                    "attempts, next_attempt_ms, created_ms) VALUES ($1, $2, $3, 'publish', "
                    "'queued', 0, $4, $4) ON CONFLICT (version_id, action) DO NOTHING",
                    p, 4, NULL, &changes, err);
    if (qs < 0)
        return qs;
    *job_queued = changes > 0;
    if (!*job_queued)
        return GW_QS_ONE;
    struct gw_audit_record rec;
    gw_rv_audit_from(&rec, sys, "publish.queued", now_ms);
    rec.course_id = m->course_id;
    rec.round_id = r->id;
    rec.version_sha256 = m->sha256;
    return gw_rv_audit(db, &rec, err);
}

static enum gw_qs close_round(struct gw_db *db, const char *round_id, const char *state,
                              int64_t now_ms, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(state), GW_P_INT(now_ms), GW_P_TEXT(round_id)};
    return gw_db_query(db,
                       "UPDATE review_rounds SET state = $1, closed_ms = $2 WHERE id = $3 AND "
                       "state = 'open'",
                       p, 3, NULL, NULL, err);
}

enum gw_qs gw_rv_conclude(struct gw_db *db, struct gw_review_round *r,
                          const struct gw_rv_round_meta *m, int64_t now_ms,
                          enum gw_review_outcome_state *outcome, bool *job_queued,
                          struct gw_error *err)
{
    struct gw_review_conclusion cn;
    gw_review_conclude(r, m->author_id, now_ms, &cn);
    *outcome = cn.outcome;
    *job_queued = false;
    if (!cn.act)
        return GW_QS_NONE;
    struct gw_review_actor sys = {.actor = "system", .via = "system"};
    enum gw_course_state to;
    enum gw_qs qs = record_silence(db, r, m, &cn, now_ms, err);
    if (qs >= 0)
        qs = close_round(db, r->id, cn.round_state, now_ms, err);
    if (qs >= 0)
        qs = gw_rv_transition(db, m->course_id, cn.course_event, &sys, r->id, m->sha256, now_ms,
                              &to, err);
    if (qs >= 0 && cn.queue_publish)
        qs = queue_publish(db, r, m, &sys, now_ms, job_queued, err);
    for (size_t i = 0; qs >= 0 && i < cn.n_notices; i++)
        qs = gw_rv_notice_insert(db, cn.notices[i].key, r->id, cn.notices[i].approver_id,
                                 cn.notices[i].recipient_id, "approve_on_silence",
                                 cn.notices[i].scheduled_ms, 0, now_ms, NULL, err);
    if (qs >= 0 && cn.notify_author)
        qs = gw_rv_notice_insert(db, cn.author_notice_key, r->id, m->author_id, m->author_id,
                                 "changes_requested", now_ms, 0, now_ms, NULL, err);
    return qs;
}
