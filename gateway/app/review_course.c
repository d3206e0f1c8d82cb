/* review_course.c: the course use cases (gw/review_app.h): creating a course
 * for a request, adding a package as its next version, submitting the
 * current version (which opens an approval round and asks its approvers),
 * and registering activity IRIs by hand. Each runs in one write transaction:
 * load with the store's verbs (gw/review_verbs.h), decide with the domain
 * (gw_review_version_plan, the round's policy and due dates, the course's
 * transitions, the notice keys), apply with the verbs, and audit. No SQL. */
#include "gw/review_app.h"

#include "gw/buf.h"
#include "gw/json.h"
#include "gw/review_verbs.h"

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

static enum gw_qs create_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct create_ctx *c = ud;
    gw_rv_new_id(c->id);
    char dep[GW_ID_MAX], title[512];
    enum gw_qs qs = gw_rv_request_head(db, c->request_id, dep, title, sizeof title, err);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_REVIEW_REFERENCE_UNKNOWN, "/request_id",
                     "no course request has the id '%s'", c->request_id);
        return GW_QS_HARD;
    }
    if (qs < 0)
        return qs;
    if (c->title)
        gw_copy_str(title, sizeof title, c->title);
    bool author = c->author && *c->author;
    if (author) {
        qs = gw_rv_exists(db, "people", c->author, err);
        if (qs == GW_QS_NONE) {
            gw_error_set(err, GW_E_REVIEW_REFERENCE_UNKNOWN, "/author_person_id",
                         "no person has the id '%s'", c->author);
            return GW_QS_HARD;
        }
        if (qs < 0)
            return qs;
    }
    qs = gw_rv_course_insert(db, c->id, dep, c->request_id, title, author ? c->author : NULL,
                             c->now_ms, err);
    if (qs < 0)
        return qs;
    char iri[1024];
    gw_review_course_iri(iri, sizeof iri, c->public_url, c->id);
    qs = gw_rv_iri_register(db, iri, c->id, "gateway", c->now_ms, NULL, err);
    if (qs < 0)
        return qs;
    struct gw_audit_record rec;
    gw_rv_audit_from(&rec, c->who, "course.created", c->now_ms);
    rec.course_id = c->id;
    rec.to_state = "draft";
    rec.comment = title;
    return gw_rv_audit(db, &rec, err);
}

enum gw_err gw_app_course_create(struct gw_store *s, const char *request_id, const char *title,
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

/* Closes the course's open round, if any, as superseded by the new version. */
static enum gw_qs close_superseded(struct gw_db *db, struct version_ctx *c, const char *comment,
                                   const char *sha, struct gw_error *err)
{
    enum gw_qs qs =
        gw_rv_round_supersede_open(db, c->course_id, c->now_ms, c->out->closed_round, err);
    if (qs != GW_QS_ONE)
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
 * else under the course IRI (SCORM identifiers); statements that arrived
 * before these IRIs were known count for the course now. */
static enum gw_qs register_package_iris(struct gw_db *db, struct version_ctx *c,
                                        const char *report_text, struct gw_error *err)
{
    char base[1024];
    gw_review_course_iri(base, sizeof base, c->public_url, c->course_id);
    enum gw_qs qs =
        gw_rv_iri_register(db, base, c->course_id, "gateway", c->now_ms, &c->out->iris_added, err);
    json_t *report = report_text ? json_loads(report_text, 0, NULL) : NULL;
    size_t i;
    json_t *id;
    json_array_foreach(json_object_get(report, "activity_ids"), i, id)
    {
        const char *s = json_string_value(id);
        if (qs < 0 || !s || !*s)
            continue;
        struct gw_buf iri = {0};
        gw_review_activity_iri(base, s, &iri);
        qs = gw_rv_iri_register(db, gw_buf_str(&iri), c->course_id, "package", c->now_ms,
                                &c->out->iris_added, err);
        gw_buf_free(&iri);
    }
    json_decref(report);
    if (qs >= 0 && c->out->iris_added > 0)
        qs = gw_rv_course_reattribute(db, c->course_id, err);
    return qs;
}

/* The package and the course's latest version, with the refusals that come
 * before any plan: an unknown package, one that already is a version. */
static enum gw_qs load_version_inputs(struct gw_db *db, const struct version_ctx *c,
                                      struct gw_rv_package *pkg, int64_t *last, char **prev_report,
                                      struct gw_error *err)
{
    enum gw_qs qs = gw_rv_package_load(db, c->package_id, pkg, err);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_REVIEW_REFERENCE_UNKNOWN, "/package_id",
                     "no package has the id '%s'; upload it to /api/v1/packages first",
                     c->package_id);
        return GW_QS_HARD;
    }
    if (qs >= 0)
        qs = gw_rv_version_with_package(db, c->course_id, c->package_id, err);
    if (qs == GW_QS_ONE) {
        gw_error_set(err, GW_E_REVIEW_PACKAGE_USED, "/package_id",
                     "package %s is already a version of course %s", c->package_id, c->course_id);
        return GW_QS_HARD;
    }
    if (qs >= 0)
        qs = gw_rv_last_version(db, c->course_id, last, prev_report, err);
    return qs;
}

/* Writes what the plan decided: the superseded round, the course's move to
 * draft, the version row, the package's IRIs, the audit line, and the move
 * to validated when the package has no errors. */
static enum gw_qs apply_version(struct gw_db *db, struct version_ctx *c,
                                const struct gw_rv_package *pkg,
                                const struct gw_review_version_plan *plan, enum gw_course_state *to,
                                struct gw_error *err)
{
    struct gw_version_result *out = c->out;
    enum gw_qs qs = close_superseded(db, c, plan->superseded_comment, pkg->sha256, err);
    if (qs >= 0)
        qs = gw_rv_transition(db, c->course_id, GW_COURSE_EV_NEW_VERSION, c->who, NULL, pkg->sha256,
                              c->now_ms, to, err);
    if (qs >= 0) {
        gw_rv_new_id(out->version_id);
        out->number = plan->number;
        char *changes = plan->changes ? gw_json_dump(plan->changes) : NULL;
        struct gw_rv_version_row row = {.id = out->version_id,
                                        .course_id = c->course_id,
                                        .package_id = c->package_id,
                                        .sha256 = pkg->sha256,
                                        .number = plan->number,
                                        .valid = pkg->valid,
                                        .changes = changes,
                                        .created_by = c->who ? c->who->actor : "",
                                        .created_ms = c->now_ms};
        qs = gw_rv_version_insert(db, &row, err);
        free(changes);
    }
    if (qs >= 0)
        qs = register_package_iris(db, c, pkg->report, err);
    if (qs >= 0) {
        struct gw_audit_record rec;
        gw_rv_audit_from(&rec, c->who, "version.added", c->now_ms);
        rec.course_id = c->course_id;
        rec.comment = plan->added_comment;
        rec.version_sha256 = pkg->sha256;
        qs = gw_rv_audit(db, &rec, err);
    }
    if (qs >= 0 && plan->validated)
        qs = gw_rv_transition(db, c->course_id, GW_COURSE_EV_VALIDATED, c->who, NULL, pkg->sha256,
                              c->now_ms, to, err);
    return qs;
}

static enum gw_qs version_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct version_ctx *c = ud;
    struct gw_version_result *out = c->out;
    json_decref(out->changes);
    json_decref(out->blocking);
    memset(out, 0, sizeof *out);
    struct gw_rv_package pkg = {0};
    char *prev_report = NULL;
    int64_t last = 0;
    enum gw_qs qs = load_version_inputs(db, c, &pkg, &last, &prev_report, err);
    struct gw_review_version_plan plan = {0};
    if (qs >= 0)
        gw_review_version_plan(last, prev_report, pkg.report, c->package_id, pkg.valid, &plan);
    enum gw_course_state to = GW_COURSE_DRAFT;
    if (qs >= 0)
        qs = apply_version(db, c, &pkg, &plan, &to, err);
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

enum gw_err gw_app_course_add_version(struct gw_store *s, const char *course_id,
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

/* The round the request's policy and approvers make, due dates counted from
 * now; the domain's checks refuse a policy its approvers cannot meet. */
static enum gw_qs build_round(struct gw_db *db, struct submit_ctx *c, const char *request_id,
                              struct gw_review_round *round, struct gw_error *err)
{
    struct gw_review_policy pol;
    enum gw_qs qs = gw_rv_request_policy(db, request_id, &pol, err);
    gw_review_round_init(round, c->round_id, c->course_id, c->now_ms,
                         qs == GW_QS_ONE ? &pol : NULL);
    if (qs < 0)
        return qs;
    struct gw_rv_request_approver *ap = NULL;
    size_t n = 0;
    qs = gw_rv_request_approvers(db, request_id, &ap, &n, err);
    for (size_t i = 0; qs >= 0 && i < n; i++) {
        int64_t due = gw_review_due_ms(ap[i].due_ms, ap[i].due_in_days, c->now_ms);
        if (gw_review_round_add_approver(round, ap[i].person_id, due, err) != GW_OK)
            qs = GW_QS_HARD;
    }
    free(ap);
    if (qs < 0)
        return qs;
    return gw_review_round_check(round, err) == GW_OK ? GW_QS_ONE : GW_QS_HARD;
}

/* REVIEW_VERSION_HAS_ERRORS naming what blocks the course's latest version
 * (its package's error findings) and what to do about it. */
static enum gw_qs refuse_invalid_version(struct gw_db *db, const struct gw_rv_course_row *cr,
                                         struct gw_error *err)
{
    char *report = NULL;
    enum gw_qs qs = gw_rv_version_report(db, cr->version_id, &report, err);
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

/* Opens the round: its row and approvers, what changed since the previous
 * round's version, one "ask" notice per approver, the audit line. */
static enum gw_qs open_round(struct gw_db *db, struct submit_ctx *c,
                             const struct gw_rv_course_row *cr, struct gw_review_round *round,
                             struct gw_error *err)
{
    int64_t last = 0;
    char *prev = NULL, *cur = NULL, *changes = NULL, *summary = NULL;
    enum gw_qs qs = gw_rv_last_round(db, c->course_id, &last, &prev, err);
    if (qs >= 0)
        qs = gw_rv_version_report(db, cr->version_id, &cur, err);
    if (qs >= 0) {
        json_t *d = gw_review_report_diff(prev, cur);
        changes = d ? gw_json_dump(d) : NULL;
        summary = d ? gw_xstrdup(json_string_value(json_object_get(d, "summary"))) : NULL;
        json_decref(d);
        qs = gw_rv_round_insert(db, round, cr->version_id, last + 1, changes, err);
    }
    for (size_t i = 0; qs >= 0 && i < round->n_approvers; i++) {
        const char *person = round->approvers[i].person_id;
        char key[GW_REVIEW_NOTICE_KEY_MAX];
        gw_review_notice_key_at(key, round->id, person, "ask", c->now_ms);
        qs = gw_rv_notice_insert(db, key, round->id, person, person, "ask", c->now_ms, 0, c->now_ms,
                                 NULL, err);
    }
    if (qs >= 0) {
        struct gw_audit_record rec;
        gw_rv_audit_from(&rec, c->who, "round.opened", c->now_ms);
        rec.course_id = c->course_id;
        rec.round_id = c->round_id;
        rec.comment = summary ? summary : "first round";
        rec.version_sha256 = cr->sha256;
        qs = gw_rv_audit(db, &rec, err);
    }
    free(prev);
    free(cur);
    free(changes);
    free(summary);
    return qs;
}

static enum gw_qs submit_body(struct gw_db *db, void *ud, struct gw_error *err)
{
    struct submit_ctx *c = ud;
    gw_rv_new_id(c->round_id);
    struct gw_rv_course_row cr;
    enum gw_qs qs = gw_rv_course_row(db, c->course_id, &cr, err);
    if (qs == GW_QS_NONE) {
        gw_error_set(err, GW_E_NOT_FOUND, "id", "no course has the id '%s'", c->course_id);
        return GW_QS_HARD;
    }
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
    if (qs >= 0)
        qs = open_round(db, c, &cr, &round, err);
    gw_review_round_free(&round);
    return qs;
}

enum gw_err gw_app_course_submit(struct gw_store *s, const char *course_id,
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
    enum gw_qs qs = gw_rv_exists(db, "courses", c->course_id, err);
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
        qs = gw_rv_iri_register(db, json_string_value(v), c->course_id, "admin", c->now_ms,
                                &c->added, err);
    }
    if (qs >= 0 && c->added > 0)
        qs = gw_rv_course_reattribute(db, c->course_id, err);
    return qs;
}

enum gw_err gw_app_course_add_iris(struct gw_store *s, const char *course_id, const json_t *iris,
                                   int64_t now_ms, int64_t *added, struct gw_error *err)
{
    struct iris_ctx c = {course_id, iris, now_ms, 0};
    enum gw_err rc = gw_store_tx(s, GW_TX_WRITE, add_iris_body, &c, err);
    if (added)
        *added = c.added;
    return rc;
}
