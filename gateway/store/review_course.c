/* review_course.c: the verbs courses, their package versions and their
 * rounds are written with (gw/review_verbs.h): a course row, a version row,
 * a round with its approvers, the activity IRIs a course registers, and the
 * rows the use cases read first (the request's department, title, policy and
 * approvers; the package; the latest version and round). What they mean and
 * in which order they run is app/review_course.c's. */
#include "gw/buf.h"
#include "kpi_int.h"
#include "review_int.h"
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum gw_qs gw_rv_iri_register(struct gw_db *db, const char *iri, const char *course_id,
                              const char *source, int64_t now_ms, int64_t *added,
                              struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(iri), GW_P_TEXT(course_id), GW_P_TEXT(source), GW_P_INT(now_ms)};
    int64_t changes = 0;
    enum gw_qs qs = gw_db_query(db,
                                "INSERT INTO course_iris (iri, course_id, source, created_ms) "
                                "VALUES ($1, $2, $3, $4) ON CONFLICT (iri) DO NOTHING",
                                p, 4, NULL, &changes, err);
    if (added)
        *added += changes;
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_qs gw_rv_course_reattribute(struct gw_db *db, const char *course_id, struct gw_error *err)
{
    return gw_kst_reattribute(db, course_id, err);
}

enum gw_qs gw_rv_request_head(struct gw_db *db, const char *request_id,
                              char department_id[GW_ID_MAX], char *title, size_t title_cap,
                              struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(request_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(
        db, "SELECT department_id, title FROM course_requests WHERE id = $1", p, 1, &r, NULL, err);
    gw_copy_str(department_id, GW_ID_MAX, qs == GW_QS_ONE ? gw_db_col_text(r, 0) : NULL);
    gw_copy_str(title, title_cap, qs == GW_QS_ONE ? gw_db_col_text(r, 1) : NULL);
    gw_db_rows_free(r);
    return qs;
}

enum gw_qs gw_rv_course_insert(struct gw_db *db, const char *id, const char *department_id,
                               const char *request_id, const char *title, const char *author_id,
                               int64_t now_ms, struct gw_error *err)
{
    struct gw_dbp ins[] = {GW_P_TEXT(id),    GW_P_TEXT(department_id), GW_P_TEXT(request_id),
                           GW_P_TEXT(title), GW_P_INT(now_ms),         GW_P_TEXT(author_id)};
    return gw_db_query(db,
                       "INSERT INTO courses (id, department_id, request_id, title, state, "
                       "state_since_ms, created_ms, author_person_id) VALUES ($1, $2, $3, $4, "
                       "'draft', $5, $5, $6)",
                       ins, 6, NULL, NULL, err);
}

enum gw_qs gw_rv_round_supersede_open(struct gw_db *db, const char *course_id, int64_t now_ms,
                                      char closed_id[GW_ID_MAX], struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(course_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs =
        gw_db_query(db, "SELECT id FROM review_rounds WHERE course_id = $1 AND state = 'open'", p,
                    1, &r, NULL, err);
    gw_copy_str(closed_id, GW_ID_MAX, qs == GW_QS_ONE ? gw_db_col_text(r, 0) : NULL);
    gw_db_rows_free(r);
    if (qs != GW_QS_ONE)
        return qs;
    struct gw_dbp u[] = {GW_P_INT(now_ms), GW_P_TEXT(closed_id)};
    qs = gw_db_query(db,
                     "UPDATE review_rounds SET state = 'superseded', closed_ms = $1 WHERE id = $2",
                     u, 2, NULL, NULL, err);
    return qs < 0 ? qs : GW_QS_ONE;
}

enum gw_qs gw_rv_package_load(struct gw_db *db, const char *package_id, struct gw_rv_package *pkg,
                              struct gw_error *err)
{
    memset(pkg, 0, sizeof *pkg);
    struct gw_dbp pk[] = {GW_P_TEXT(package_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, "SELECT sha256, valid, report FROM packages WHERE id = $1", pk,
                                1, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        gw_copy_str(pkg->sha256, sizeof pkg->sha256, gw_db_col_text(r, 0));
        pkg->valid = gw_db_col_int(r, 1) != 0;
        pkg->report = gw_db_col_dup(r, 2);
    }
    gw_db_rows_free(r);
    return qs;
}

enum gw_qs gw_rv_version_with_package(struct gw_db *db, const char *course_id,
                                      const char *package_id, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(course_id), GW_P_TEXT(package_id)};
    return gw_db_query(db, "SELECT 1 FROM course_versions WHERE course_id = $1 AND package_id = $2",
                       p, 2, NULL, NULL, err);
}

enum gw_qs gw_rv_last_version(struct gw_db *db, const char *course_id, int64_t *number,
                              char **report, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(course_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT v.number, p.report FROM course_versions v JOIN packages p "
                                "ON p.id = v.package_id WHERE v.course_id = $1 ORDER BY v.number "
                                "DESC LIMIT 1",
                                p, 1, &r, NULL, err);
    *number = 0;
    *report = NULL;
    if (qs == GW_QS_ONE) {
        *number = gw_db_col_int(r, 0);
        *report = gw_db_col_dup(r, 1);
    }
    gw_db_rows_free(r);
    return qs;
}

enum gw_qs gw_rv_version_insert(struct gw_db *db, const struct gw_rv_version_row *v,
                                struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(v->id),       GW_P_TEXT(v->course_id),
                         GW_P_INT(v->number),    GW_P_TEXT(v->package_id),
                         GW_P_TEXT(v->sha256),   GW_P_INT(v->valid ? 1 : 0),
                         GW_P_TEXT(v->changes),  GW_P_TEXT(v->created_by ? v->created_by : ""),
                         GW_P_INT(v->created_ms)};
    enum gw_qs qs = gw_db_query(db,
                                "INSERT INTO course_versions (id, course_id, number, package_id, "
                                "sha256, valid, changes, created_by, created_ms) VALUES ($1, $2, "
                                "$3, $4, $5, $6, $7, $8, $9)",
                                p, 9, NULL, NULL, err);
    if (qs == GW_QS_HARD && err->code == GW_E_CONFLICT)
        return GW_QS_SOFT; /* a concurrent upload took this number: run again */
    if (qs < 0)
        return qs;
    struct gw_dbp u[] = {GW_P_TEXT(v->id), GW_P_TEXT(v->course_id)};
    return gw_db_query(db, "UPDATE courses SET current_version_id = $1 WHERE id = $2", u, 2, NULL,
                       NULL, err);
}

enum gw_qs gw_rv_course_row(struct gw_db *db, const char *id, struct gw_rv_course_row *c,
                            struct gw_error *err)
{
    memset(c, 0, sizeof *c);
    struct gw_dbp p[] = {GW_P_TEXT(id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT c.state, c.current_version_id, c.request_id, v.sha256, "
                                "v.valid FROM courses c LEFT JOIN course_versions v ON v.id = "
                                "c.current_version_id WHERE c.id = $1",
                                p, 1, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        gw_copy_str(c->state, sizeof c->state, gw_db_col_text(r, 0));
        gw_copy_str(c->version_id, sizeof c->version_id, gw_db_col_text(r, 1));
        gw_copy_str(c->request_id, sizeof c->request_id, gw_db_col_text(r, 2));
        gw_copy_str(c->sha256, sizeof c->sha256, gw_db_col_text(r, 3));
        c->has_version = !gw_db_col_null(r, 1);
        c->valid = !gw_db_col_null(r, 4) && gw_db_col_int(r, 4) != 0;
    }
    gw_db_rows_free(r);
    return qs;
}

enum gw_qs gw_rv_request_policy(struct gw_db *db, const char *request_id,
                                struct gw_review_policy *pol, struct gw_error *err)
{
    memset(pol, 0, sizeof *pol);
    struct gw_dbp p[] = {GW_P_TEXT(request_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT policy, policy_n, approve_on_silence, silence_agreed_by, "
                                "silence_agreed_ms FROM course_requests WHERE id = $1",
                                p, 1, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        if (!gw_review_policy_kind_parse(gw_db_col_text(r, 0), &pol->kind))
            pol->kind = GW_REVIEW_POLICY_ALL;
        pol->required = (unsigned)gw_db_col_int(r, 1);
        pol->approve_on_silence = gw_db_col_int(r, 2) != 0;
        gw_copy_str(pol->silence_agreed_by, sizeof pol->silence_agreed_by, gw_db_col_text(r, 3));
        pol->silence_agreed_ms = gw_db_col_int(r, 4);
    }
    gw_db_rows_free(r);
    return qs;
}

enum gw_qs gw_rv_request_approvers(struct gw_db *db, const char *request_id,
                                   struct gw_rv_request_approver **out, size_t *n,
                                   struct gw_error *err)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    struct gw_dbp p[] = {GW_P_TEXT(request_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT person_id, due_ms, due_in_days FROM request_approvers "
                                "WHERE request_id = $1 ORDER BY position",
                                p, 1, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            *out = gw_xrealloc(*out, cap * sizeof **out);
        }
        struct gw_rv_request_approver *a = &(*out)[(*n)++];
        gw_copy_str(a->person_id, sizeof a->person_id, gw_db_col_text(r, 0));
        a->due_ms = gw_db_col_int(r, 1);
        a->due_in_days = gw_db_col_int(r, 2);
    }
    if (qs == GW_QS_ONE)
        qs = gw_db_rows_status(r, err);
    gw_db_rows_free(r);
    return qs;
}

enum gw_qs gw_rv_last_round(struct gw_db *db, const char *course_id, int64_t *number, char **report,
                            struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(course_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT r.number, p.report FROM review_rounds r JOIN "
                                "course_versions v ON v.id = r.version_id JOIN packages p ON p.id "
                                "= v.package_id WHERE r.course_id = $1 ORDER BY r.number DESC "
                                "LIMIT 1",
                                p, 1, &r, NULL, err);
    *number = 0;
    *report = NULL;
    if (qs == GW_QS_ONE) {
        *number = gw_db_col_int(r, 0);
        *report = gw_db_col_dup(r, 1);
    }
    gw_db_rows_free(r);
    return qs;
}

enum gw_qs gw_rv_version_report(struct gw_db *db, const char *version_id, char **report,
                                struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(version_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT p.report FROM course_versions v JOIN packages p ON p.id = "
                                "v.package_id WHERE v.id = $1",
                                p, 1, &r, NULL, err);
    *report = qs == GW_QS_ONE ? gw_db_col_dup(r, 0) : NULL;
    gw_db_rows_free(r);
    return qs;
}

enum gw_qs gw_rv_round_insert(struct gw_db *db, const struct gw_review_round *round,
                              const char *version_id, int64_t number, const char *changes,
                              struct gw_error *err)
{
    const struct gw_review_policy *pol = &round->policy;
    struct gw_dbp p[] = {GW_P_TEXT(round->id),
                         GW_P_TEXT(round->course_id),
                         GW_P_TEXT(version_id),
                         GW_P_INT(number),
                         GW_P_TEXT(gw_review_policy_kind_name(pol->kind)),
                         GW_P_INT(pol->required),
                         GW_P_INT(pol->approve_on_silence ? 1 : 0),
                         GW_P_TEXT(pol->approve_on_silence ? pol->silence_agreed_by : NULL),
                         GW_P_INT(pol->silence_agreed_ms),
                         GW_P_TEXT(changes),
                         GW_P_INT(round->opened_ms)};
    enum gw_qs qs = gw_db_query(
        db,
        "INSERT INTO review_rounds (id, course_id, version_id, number, state, policy, policy_n, "
        "approve_on_silence, silence_agreed_by, silence_agreed_ms, changes, opened_ms) VALUES "
        "($1, $2, $3, $4, 'open', $5, $6, $7, $8, $9, $10, $11)",
        p, 11, NULL, NULL, err);
    if (qs == GW_QS_HARD && err->code == GW_E_CONFLICT)
        return GW_QS_SOFT; /* a concurrent submit opened one: retry sees it */
    for (size_t i = 0; qs >= 0 && i < round->n_approvers; i++) {
        const struct gw_review_approver *a = &round->approvers[i];
        struct gw_dbp ap[] = {GW_P_TEXT(round->id), GW_P_TEXT(a->person_id), GW_P_INT((int64_t)i),
                              GW_P_INT(a->due_ms)};
        qs = gw_db_query(db,
                         "INSERT INTO round_approvers (round_id, person_id, position, due_ms) "
                         "VALUES ($1, $2, $3, $4)",
                         ap, 4, NULL, NULL, err);
    }
    return qs;
}
