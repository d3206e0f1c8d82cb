/* review_course.c: courses and their package versions (what changed, the
 * activity IRIs they register), and submitting a version, which opens an
 * approval round and asks its approvers. Each change is one transaction with
 * its audit records. Decisions: review_decide.c; views: review_views.c. */
#include "gw/buf.h"
#include "gw/json.h"
#include "gw/kpi_store.h"
#include "gw/timefmt.h"
#include "review_int.h"
#include "kpi_int.h"
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- create ---- */

struct create_ctx {
    const char *request_id, *title, *author, *public_url;
    const struct gw_review_actor *who;
    int64_t now_ms;
    char id[GW_ID_MAX];
};

static enum gw_qs register_iri(struct gw_db *db, const char *iri, const char *course_id,
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

static void course_iri(char *out, size_t cap, const char *public_url, const char *id)
{
    size_t n = strlen(public_url);
    while (n > 0 && public_url[n - 1] == '/')
        n--;
    snprintf(out, cap, "%.*s/courses/%s", (int)n, public_url, id);
}

static enum gw_qs create_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct create_ctx *c = ud;
    gw_rv_new_id(c->id);
    struct gw_dbp p[] = {GW_P_TEXT(c->request_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(
        db, "SELECT department_id, title FROM course_requests WHERE id = $1", p, 1, &r, NULL, err);
    char dep[GW_ID_MAX] = "", title[512] = "";
    if (qs == GW_QS_ONE) {
        gw_copy_str(dep, sizeof dep, gw_db_col_text(r, 0));
        gw_copy_str(title, sizeof title, c->title ? c->title : gw_db_col_text(r, 1));
    }
    gw_db_rows_free(r);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_REVIEW_REFERENCE_UNKNOWN, "/request_id",
                     "no course request has the id '%s'", c->request_id);
        return GW_QS_HARD;
    }
    if (qs < 0)
        return qs;
    if (c->author && *c->author) {
        qs = gw_rv_exists(db, "people", c->author, err);
        if (qs == GW_QS_NONE) {
            gw_error_set(err, GW_E_REVIEW_REFERENCE_UNKNOWN, "/author_person_id",
                         "no person has the id '%s'", c->author);
            return GW_QS_HARD;
        }
        if (qs < 0)
            return qs;
    }
    struct gw_dbp ins[] = {
        GW_P_TEXT(c->id),         GW_P_TEXT(dep),
        GW_P_TEXT(c->request_id), GW_P_TEXT(title),
        GW_P_INT(c->now_ms),      GW_P_TEXT(c->author && *c->author ? c->author : NULL)};
    qs = gw_db_query(db,
                     "INSERT INTO courses (id, department_id, request_id, title, state, "
                     "state_since_ms, created_ms, author_person_id) VALUES ($1, $2, $3, $4, "
                     "'draft', $5, $5, $6)",
                     ins, 6, NULL, NULL, err);
    if (qs < 0)
        return qs;
    char iri[1024];
    course_iri(iri, sizeof iri, c->public_url, c->id);
    qs = register_iri(db, iri, c->id, "gateway", c->now_ms, NULL, err);
    if (qs < 0)
        return qs;
    struct gw_audit_record rec;
    gw_rv_audit_from(&rec, c->who, "course.created", c->now_ms);
    rec.course_id = c->id;
    rec.to_state = "draft";
    rec.comment = title;
    return gw_rv_audit(db, &rec, err);
}

enum gw_err gw_store_course_create(struct gw_store *s, const char *request_id, const char *title,
                                   const char *author_person_id, const char *public_url,
                                   const struct gw_review_actor *who, int64_t now_ms,
                                   char id_out[GW_ID_MAX], struct gw_error *err)
{
    struct create_ctx c = {request_id, title, author_person_id, public_url, who, now_ms, ""};
    enum gw_err rc = gw_store_tx(s, GW_TX_WRITE, create_body, &c, err);
    gw_copy_str(id_out, GW_ID_MAX, rc == GW_OK ? c.id : "");
    return rc;
}

/* ---- versions ---- */

struct version_ctx {
    const char *course_id, *package_id, *public_url;
    const struct gw_review_actor *who;
    int64_t now_ms;
    struct gw_version_result *out;
};

static enum gw_qs close_superseded(struct gw_db *db, struct version_ctx *c, const char *comment,
                                   const char *sha, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(c->course_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT id FROM review_rounds WHERE course_id = $1 AND state = "
                                "'open'",
                                p, 1, &r, NULL, err);
    if (qs == GW_QS_ONE)
        gw_copy_str(c->out->closed_round, sizeof c->out->closed_round, gw_db_col_text(r, 0));
    gw_db_rows_free(r);
    if (qs != GW_QS_ONE)
        return qs;
    struct gw_dbp u[] = {GW_P_INT(c->now_ms), GW_P_TEXT(c->out->closed_round)};
    qs = gw_db_query(db,
                     "UPDATE review_rounds SET state = 'superseded', closed_ms = $1 WHERE id = $2",
                     u, 2, NULL, NULL, err);
    if (qs < 0)
        return qs;
    struct gw_audit_record rec;
    gw_rv_audit_from(&rec, c->who, "round.closed", c->now_ms);
    rec.course_id = c->course_id;
    rec.round_id = c->out->closed_round;
    rec.comment = comment;
    rec.version_sha256 = sha;
    return gw_rv_audit(db, &rec, err);
}

/* <course IRI> for the gateway, each activity id as is when it is an IRI,
 * else under the course IRI (SCORM identifiers). */
static enum gw_qs register_package_iris(struct gw_db *db, struct version_ctx *c, json_t *report,
                                        struct gw_error *err)
{
    char base[1024];
    course_iri(base, sizeof base, c->public_url, c->course_id);
    enum gw_qs qs =
        register_iri(db, base, c->course_id, "gateway", c->now_ms, &c->out->iris_added, err);
    size_t i;
    json_t *id;
    json_array_foreach(json_object_get(report, "activity_ids"), i, id)
    {
        const char *s = json_string_value(id);
        if (qs < 0 || !s || !*s)
            continue;
        struct gw_buf iri = {0};
        gw_review_activity_iri(base, s, &iri);
        qs = register_iri(db, gw_buf_str(&iri), c->course_id, "package", c->now_ms,
                          &c->out->iris_added, err);
        gw_buf_free(&iri);
    }
    /* statements that arrived before these IRIs were known count for the course now */
    if (qs >= 0 && c->out->iris_added > 0)
        qs = gw_kpi_reattribute(db, c->course_id, err);
    return qs;
}

/* The package a version is made of. */
struct version_pkg {
    char sha[65];
    bool valid;
    char *report; /* the validator's JSON text */
};

static enum gw_qs load_package(struct gw_db *db, const char *package_id, struct version_pkg *pkg,
                               struct gw_error *err)
{
    struct gw_dbp pk[] = {GW_P_TEXT(package_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db, "SELECT sha256, valid, report FROM packages WHERE id = $1", pk,
                                1, &r, NULL, err);
    if (qs == GW_QS_ONE) {
        gw_copy_str(pkg->sha, sizeof pkg->sha, gw_db_col_text(r, 0));
        pkg->valid = gw_db_col_int(r, 1) != 0;
        pkg->report = gw_db_col_dup(r, 2);
    }
    gw_db_rows_free(r);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_REVIEW_REFERENCE_UNKNOWN, "/package_id",
                     "no package has the id '%s'; upload it to /api/v1/packages first", package_id);
        return GW_QS_HARD;
    }
    return qs;
}

/* REVIEW_PACKAGE_USED when the package already is one of the course's
 * versions. */
static enum gw_qs check_package_unused(struct gw_db *db, const char *course_id,
                                       const char *package_id, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(course_id), GW_P_TEXT(package_id)};
    enum gw_qs qs =
        gw_db_query(db, "SELECT 1 FROM course_versions WHERE course_id = $1 AND package_id = $2", p,
                    2, NULL, NULL, err);
    if (qs == GW_QS_ONE) {
        gw_error_set(err, GW_E_REVIEW_PACKAGE_USED, "/package_id",
                     "package %s is already a version of course %s", package_id, course_id);
        return GW_QS_HARD;
    }
    return qs;
}

/* The course's latest version: its number (0 when none) and its package's
 * report (NULL when none). */
static enum gw_qs load_last_version(struct gw_db *db, const char *course_id, int64_t *number,
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

static enum gw_qs insert_version(struct gw_db *db, const struct version_ctx *c,
                                 const struct version_pkg *pkg, int64_t number, json_t *changes,
                                 struct gw_error *err)
{
    char *text = changes ? gw_json_dump(changes) : NULL;
    struct gw_dbp p[] = {GW_P_TEXT(c->out->version_id),
                         GW_P_TEXT(c->course_id),
                         GW_P_INT(number),
                         GW_P_TEXT(c->package_id),
                         GW_P_TEXT(pkg->sha),
                         GW_P_INT(pkg->valid ? 1 : 0),
                         GW_P_TEXT(text),
                         GW_P_TEXT(c->who ? c->who->actor : ""),
                         GW_P_INT(c->now_ms)};
    enum gw_qs qs = gw_db_query(db,
                                "INSERT INTO course_versions (id, course_id, number, package_id, "
                                "sha256, valid, changes, created_by, created_ms) VALUES ($1, $2, "
                                "$3, $4, $5, $6, $7, $8, $9)",
                                p, 9, NULL, NULL, err);
    free(text);
    if (qs == GW_QS_HARD && err->code == GW_E_CONFLICT)
        return GW_QS_SOFT; /* a concurrent upload took this number: run again */
    if (qs < 0)
        return qs;
    struct gw_dbp u[] = {GW_P_TEXT(c->out->version_id), GW_P_TEXT(c->course_id)};
    return gw_db_query(db, "UPDATE courses SET current_version_id = $1 WHERE id = $2", u, 2, NULL,
                       NULL, err);
}

/* Loads the package and the previous version, lets gw_review_version_plan
 * decide, and writes it: the superseded round, the course's transitions,
 * the version row, the package's IRIs, the audit line. */
static enum gw_qs version_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct version_ctx *c = ud;
    struct gw_version_result *out = c->out;
    json_decref(out->changes);
    json_decref(out->blocking);
    memset(out, 0, sizeof *out);
    struct version_pkg pkg = {"", false, NULL};
    char *prev_report = NULL;
    int64_t last = 0;
    enum gw_qs qs = load_package(db, c->package_id, &pkg, err);
    if (qs >= 0)
        qs = check_package_unused(db, c->course_id, c->package_id, err);
    if (qs >= 0)
        qs = load_last_version(db, c->course_id, &last, &prev_report, err);
    struct gw_review_version_plan plan = {0};
    if (qs >= 0)
        gw_review_version_plan(last, prev_report, pkg.report, c->package_id, pkg.valid, &plan);
    enum gw_course_state to;
    if (qs >= 0)
        qs = close_superseded(db, c, plan.superseded_comment, pkg.sha, err);
    if (qs >= 0)
        qs = gw_rv_transition(db, c->course_id, GW_COURSE_EV_NEW_VERSION, c->who, NULL, pkg.sha,
                              c->now_ms, &to, err);
    if (qs >= 0) {
        gw_rv_new_id(out->version_id);
        out->number = plan.number;
        qs = insert_version(db, c, &pkg, plan.number, plan.changes, err);
    }
    if (qs >= 0) {
        json_t *rep = pkg.report ? json_loads(pkg.report, 0, NULL) : NULL;
        qs = register_package_iris(db, c, rep, err);
        json_decref(rep);
    }
    if (qs >= 0) {
        struct gw_audit_record rec;
        gw_rv_audit_from(&rec, c->who, "version.added", c->now_ms);
        rec.course_id = c->course_id;
        rec.comment = plan.added_comment;
        rec.version_sha256 = pkg.sha;
        qs = gw_rv_audit(db, &rec, err);
    }
    if (qs >= 0 && plan.validated)
        qs = gw_rv_transition(db, c->course_id, GW_COURSE_EV_VALIDATED, c->who, NULL, pkg.sha,
                              c->now_ms, &to, err);
    if (qs >= 0) {
        gw_copy_str(out->state, sizeof out->state, gw_course_state_name(to));
        out->changes = plan.changes; /* handed to the caller */
        plan.changes = NULL;
        out->valid = plan.validated;
        out->warnings = plan.warnings;
        if (json_array_size(plan.blocking) > 0) {
            out->blocking = plan.blocking;
            plan.blocking = NULL;
        }
    }
    gw_review_version_plan_free(&plan);
    free(pkg.report);
    free(prev_report);
    return qs;
}

enum gw_err gw_store_course_add_version(struct gw_store *s, const char *course_id,
                                        const char *package_id, const char *public_url,
                                        const struct gw_review_actor *who, int64_t now_ms,
                                        struct gw_version_result *out, struct gw_error *err)
{
    memset(out, 0, sizeof *out);
    struct version_ctx c = {course_id, package_id, public_url, who, now_ms, out};
    enum gw_err rc = gw_store_tx(s, GW_TX_WRITE, version_body, &c, err);
    if (rc != GW_OK) {
        json_decref(out->changes);
        out->changes = NULL;
        json_decref(out->blocking);
        out->blocking = NULL;
    }
    return rc;
}

/* ---- submit: open a round ---- */

struct submit_ctx {
    const char *course_id;
    const struct gw_review_actor *who;
    int64_t now_ms;
    char round_id[GW_ID_MAX];
};

struct course_row {
    char state[32], version_id[GW_ID_MAX], request_id[GW_ID_MAX], sha256[65];
    bool valid, has_version;
};

static enum gw_qs read_course(struct gw_db *db, const char *id, struct course_row *c,
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
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, "id", "no course has the id '%s'", id);
        return GW_QS_HARD;
    }
    return qs;
}

static enum gw_qs load_policy(struct gw_db *db, const char *request_id,
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

/* The previous round's version's report and the round number to use. */
static enum gw_qs previous_round(struct gw_db *db, const char *course_id, int64_t *number,
                                 char **report, struct gw_error *err)
{
    struct gw_dbp p[] = {GW_P_TEXT(course_id)};
    struct gw_db_rows *r = NULL;
    enum gw_qs qs = gw_db_query(db,
                                "SELECT r.number, p.report FROM review_rounds r JOIN "
                                "course_versions v ON v.id = r.version_id JOIN packages p ON p.id "
                                "= v.package_id WHERE r.course_id = $1 ORDER BY r.number DESC "
                                "LIMIT 1",
                                p, 1, &r, NULL, err);
    *number = 1;
    *report = NULL;
    if (qs == GW_QS_ONE) {
        *number = gw_db_col_int(r, 0) + 1;
        *report = gw_db_col_dup(r, 1);
    }
    gw_db_rows_free(r);
    return qs;
}

static enum gw_qs version_report(struct gw_db *db, const char *version_id, char **report,
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

static enum gw_qs insert_round(struct gw_db *db, struct submit_ctx *c, const struct course_row *cr,
                               struct gw_review_round *round, int64_t number, const char *changes,
                               struct gw_error *err)
{
    const struct gw_review_policy *pol = &round->policy;
    struct gw_dbp p[] = {GW_P_TEXT(round->id),
                         GW_P_TEXT(c->course_id),
                         GW_P_TEXT(cr->version_id),
                         GW_P_INT(number),
                         GW_P_TEXT(gw_review_policy_kind_name(pol->kind)),
                         GW_P_INT(pol->required),
                         GW_P_INT(pol->approve_on_silence ? 1 : 0),
                         GW_P_TEXT(pol->approve_on_silence ? pol->silence_agreed_by : NULL),
                         GW_P_INT(pol->silence_agreed_ms),
                         GW_P_TEXT(changes),
                         GW_P_INT(c->now_ms)};
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
        char key[GW_REVIEW_NOTICE_KEY_MAX];
        gw_review_notice_key_at(key, round->id, a->person_id, "ask", c->now_ms);
        if (qs >= 0)
            qs = gw_rv_notice_insert(db, key, round->id, a->person_id, a->person_id, "ask",
                                     c->now_ms, 0, c->now_ms, NULL, err);
    }
    return qs;
}

static enum gw_qs build_round(struct gw_db *db, struct submit_ctx *c, const char *request_id,
                              struct gw_review_round *round, struct gw_error *err)
{
    struct gw_review_policy pol;
    enum gw_qs qs = load_policy(db, request_id, &pol, err);
    gw_review_round_init(round, c->round_id, c->course_id, c->now_ms,
                         qs == GW_QS_ONE ? &pol : NULL);
    if (qs < 0)
        return qs;
    struct gw_dbp p[] = {GW_P_TEXT(request_id)};
    struct gw_db_rows *r = NULL;
    qs = gw_db_query(db,
                     "SELECT person_id, due_ms, due_in_days FROM request_approvers WHERE "
                     "request_id = $1 ORDER BY position",
                     p, 1, &r, NULL, err);
    for (bool more = qs == GW_QS_ONE; more; more = gw_db_next(r)) {
        int64_t due = gw_review_due_ms(gw_db_col_int(r, 1), gw_db_col_int(r, 2), c->now_ms);
        if (gw_review_round_add_approver(round, gw_db_col_text(r, 0), due, err) != GW_OK) {
            gw_db_rows_free(r);
            return GW_QS_HARD;
        }
    }
    gw_db_rows_free(r);
    if (qs < 0)
        return qs;
    return gw_review_round_check(round, err) == GW_OK ? GW_QS_ONE : GW_QS_HARD;
}

/* REVIEW_VERSION_HAS_ERRORS naming what blocks the course's latest version
 * (its package's error findings) and what to do about it. */
static enum gw_qs refuse_invalid_version(struct gw_db *db, const struct course_row *cr,
                                         struct gw_error *err)
{
    char *report = NULL;
    enum gw_qs qs = version_report(db, cr->version_id, &report, err);
    if (qs < 0)
        return qs;
    json_t *blocking = gw_review_blocking_findings(report);
    size_t n = json_array_size(blocking);
    char words[370]; /* with the sentence around it, within the detail's 512 */
    gw_review_blocking_words(blocking, words, sizeof words);
    json_decref(blocking);
    free(report);
    if (n == 0)
        gw_error_set(err, GW_E_REVIEW_VERSION_HAS_ERRORS, "/version",
                     "the course's latest version did not pass validation; fix its package and "
                     "add the corrected package as a new version");
    else
        gw_error_set(err, GW_E_REVIEW_VERSION_HAS_ERRORS, "/version",
                     "the course's latest version has %zu validation error%s, so it cannot go to "
                     "review: %s. Fix %s and add the corrected package as a new version",
                     n, n == 1 ? "" : "s", words, n == 1 ? "it" : "them");
    return GW_QS_HARD;
}

static enum gw_qs submit_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct submit_ctx *c = ud;
    gw_rv_new_id(c->round_id);
    struct course_row cr;
    enum gw_qs qs = read_course(db, c->course_id, &cr, err);
    if (qs < 0)
        return qs;
    if (cr.has_version && !cr.valid && strcmp(cr.state, "draft") == 0)
        return refuse_invalid_version(db, &cr, err);
    enum gw_course_state to;
    qs = gw_rv_transition(db, c->course_id, GW_COURSE_EV_SUBMIT, c->who, c->round_id, cr.sha256,
                          c->now_ms, &to, err);
    if (qs < 0)
        return qs;
    struct gw_review_round round;
    qs = build_round(db, c, cr.request_id, &round, err);
    int64_t number = 1;
    char *prev = NULL, *cur = NULL, *changes = NULL, *summary = NULL;
    if (qs >= 0)
        qs = previous_round(db, c->course_id, &number, &prev, err);
    if (qs >= 0)
        qs = version_report(db, cr.version_id, &cur, err);
    if (qs >= 0) {
        json_t *d = gw_review_report_diff(prev, cur);
        changes = d ? gw_json_dump(d) : NULL;
        summary = d ? gw_xstrdup(json_string_value(json_object_get(d, "summary"))) : NULL;
        json_decref(d);
        qs = insert_round(db, c, &cr, &round, number, changes, err);
    }
    if (qs >= 0) {
        struct gw_audit_record rec;
        gw_rv_audit_from(&rec, c->who, "round.opened", c->now_ms);
        rec.course_id = c->course_id;
        rec.round_id = c->round_id;
        rec.comment = summary ? summary : "first round";
        rec.version_sha256 = cr.sha256;
        qs = gw_rv_audit(db, &rec, err);
    }
    gw_review_round_free(&round);
    free(prev);
    free(cur);
    free(changes);
    free(summary);
    return qs;
}

enum gw_err gw_store_course_submit(struct gw_store *s, const char *course_id,
                                   const struct gw_review_actor *who, int64_t now_ms,
                                   char round_id_out[GW_ID_MAX], struct gw_error *err)
{
    struct submit_ctx c = {course_id, who, now_ms, ""};
    enum gw_err rc = gw_store_tx(s, GW_TX_WRITE, submit_body, &c, err);
    gw_copy_str(round_id_out, GW_ID_MAX, rc == GW_OK ? c.round_id : "");
    return rc;
}

/* ---- IRIs an admin registers by hand ---- */

struct iris_ctx {
    const char *course_id;
    const json_t *iris;
    int64_t now_ms;
    int64_t added;
};

static enum gw_qs add_iris_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct iris_ctx *c = ud;
    c->added = 0;
    struct gw_dbp p[] = {GW_P_TEXT(c->course_id)};
    enum gw_qs qs = gw_db_query(db, "SELECT 1 FROM courses WHERE id = $1", p, 1, NULL, NULL, err);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, "id", "no course has the id '%s'", c->course_id);
        return GW_QS_HARD;
    }
    size_t i;
    const json_t *v;
    json_array_foreach(c->iris, i, v)
    {
        if (qs < 0)
            break;
        qs = register_iri(db, json_string_value(v), c->course_id, "admin", c->now_ms, &c->added,
                          err);
    }
    if (qs >= 0 && c->added > 0)
        qs = gw_kpi_reattribute(db, c->course_id, err);
    return qs;
}

enum gw_err gw_store_course_add_iris(struct gw_store *s, const char *course_id, const json_t *iris,
                                     int64_t now_ms, int64_t *added, struct gw_error *err)
{
    struct iris_ctx c = {course_id, iris, now_ms, 0};
    enum gw_err rc = gw_store_tx(s, GW_TX_WRITE, add_iris_body, &c, err);
    if (added)
        *added = c.added;
    return rc;
}
